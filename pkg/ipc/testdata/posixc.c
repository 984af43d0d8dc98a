/* posixc: the glibc side of ipcctl's POSIX interop tests.
 *   shmwrite NAME TEXT       shm_open(O_CREAT|O_RDWR), ftruncate, mmap, copy TEXT
 *   shmread NAME LEN         shm_open(O_RDONLY), mmap, write LEN bytes to stdout
 *   semcreate NAME VALUE     sem_open(O_CREAT|O_EXCL, 0640, VALUE)
 *   semwait NAME             sem_wait, then print the value
 *   sempost NAME             sem_post
 *   semvalue NAME            print sem_getvalue
 *   mqcreate NAME MAXMSG MSGSIZE
 *   mqsend NAME PRIO TEXT
 *   mqrecv NAME              print "PRIO TEXT"
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int die(const char *what) { perror(what); return 1; }

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage\n"); return 2; }
	const char *cmd = argv[1], *name = argv[2];
	if (!strcmp(cmd, "shmwrite") && argc == 4) {
		size_t n = strlen(argv[3]);
		int fd = shm_open(name, O_CREAT | O_RDWR, 0644);
		if (fd < 0) return die("shm_open");
		if (ftruncate(fd, n) < 0) return die("ftruncate");
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) return die("mmap");
		memcpy(p, argv[3], n);
		return 0;
	}
	if (!strcmp(cmd, "shmread") && argc == 4) {
		size_t n = strtoul(argv[3], NULL, 10);
		int fd = shm_open(name, O_RDONLY, 0);
		if (fd < 0) return die("shm_open");
		char *p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) return die("mmap");
		fwrite(p, 1, n, stdout);
		return 0;
	}
	if (!strcmp(cmd, "semcreate") && argc == 4) {
		sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0640, (unsigned)strtoul(argv[3], NULL, 10));
		return s == SEM_FAILED ? die("sem_open") : 0;
	}
	if (!strcmp(cmd, "semwait") || !strcmp(cmd, "sempost") || !strcmp(cmd, "semvalue")) {
		sem_t *s = sem_open(name, 0);
		if (s == SEM_FAILED) return die("sem_open");
		if (!strcmp(cmd, "semwait")) {
			while (sem_wait(s) < 0)
				if (errno != EINTR) return die("sem_wait");
		} else if (!strcmp(cmd, "sempost")) {
			if (sem_post(s) < 0) return die("sem_post");
			return 0;
		}
		int v;
		if (sem_getvalue(s, &v) < 0) return die("sem_getvalue");
		printf("%d\n", v);
		return 0;
	}
	if (!strcmp(cmd, "mqcreate") && argc == 5) {
		struct mq_attr a = {0};
		a.mq_maxmsg = atol(argv[3]);
		a.mq_msgsize = atol(argv[4]);
		mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0640, &a);
		return q == (mqd_t)-1 ? die("mq_open") : 0;
	}
	if (!strcmp(cmd, "mqsend") && argc == 5) {
		mqd_t q = mq_open(name, O_WRONLY);
		if (q == (mqd_t)-1) return die("mq_open");
		if (mq_send(q, argv[4], strlen(argv[4]), (unsigned)atoi(argv[3])) < 0) return die("mq_send");
		return 0;
	}
	if (!strcmp(cmd, "mqrecv")) {
		mqd_t q = mq_open(name, O_RDONLY);
		if (q == (mqd_t)-1) return die("mq_open");
		struct mq_attr a;
		if (mq_getattr(q, &a) < 0) return die("mq_getattr");
		char *buf = malloc(a.mq_msgsize);
		unsigned prio;
		ssize_t n = mq_receive(q, buf, a.mq_msgsize, &prio);
		if (n < 0) return die("mq_receive");
		printf("%u %.*s\n", prio, (int)n, buf);
		return 0;
	}
	fprintf(stderr, "bad command %s\n", cmd);
	return 2;
}
