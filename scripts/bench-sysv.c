/* bench-sysv.c: the benchmarks' System V helper, built at run time by
 * scripts/bench-ls.sh (never into the tree).
 *
 *   bench-sysv mk N            make N shm (4 KiB), N sem (1 each), N msg
 *   bench-sysv sparse N SPAN   make SPAN of each kind, then remove all but N
 *                              spread evenly over indexes 0..SPAN-1
 *   bench-sysv thin STRIDE     remove every object whose index is not a
 *                              multiple of STRIDE (a dense population
 *                              becomes a sparse one)
 *   bench-sysv walk            IPC_INFO + SHM_STAT_ANY, SEM_INFO +
 *                              SEM_STAT_ANY, MSG_INFO + MSG_STAT_ANY over
 *                              the used index range, no output: the
 *                              physical floor of a listing (shm sizes the
 *                              range with IPC_INFO: SHM_INFO sums every
 *                              segment's rss and swap)
 *   bench-sysv print           the same walk, printing one line per object
 *                              the way ipcs -a does (printf, no names)
 *
 * Call it only inside a private IPC namespace: mk and sparse create and
 * remove objects.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY 20
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static int mk(int n, int *shm, int *sem, int *msg)
{
	for (int i = 0; i < n; i++) {
		if ((shm[i] = shmget(IPC_PRIVATE, 4096, 0600)) < 0) { perror("shmget"); return 1; }
		if ((sem[i] = semget(IPC_PRIVATE, 1, 0600)) < 0) { perror("semget"); return 1; }
		if ((msg[i] = msgget(IPC_PRIVATE, 0600)) < 0) { perror("msgget"); return 1; }
	}
	return 0;
}

static void walk(int print)
{
	struct shminfo si;
	struct shmid_ds sd;
	int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	for (int i = 0; i <= max; i++) {
		int id = shmctl(i, SHM_STAT_ANY, &sd);
		if (id < 0)
			continue;
		if (print)
			printf("0x%08x %-10d %-10u %-10o %-10zu %-10lu\n", sd.shm_perm.__key, id,
			       sd.shm_perm.uid, sd.shm_perm.mode & 0777, sd.shm_segsz, (unsigned long)sd.shm_nattch);
	}
	struct seminfo mi;
	struct semid_ds md;
	union semun arg = {.__buf = &mi};
	max = semctl(0, 0, SEM_INFO, arg);
	arg.buf = &md;
	for (int i = 0; i <= max; i++) {
		int id = semctl(i, 0, SEM_STAT_ANY, arg);
		if (id < 0)
			continue;
		if (print)
			printf("0x%08x %-10d %-10u %-10o %-10lu\n", md.sem_perm.__key, id,
			       md.sem_perm.uid, md.sem_perm.mode & 0777, (unsigned long)md.sem_nsems);
	}
	struct msginfo qi;
	struct msqid_ds qd;
	max = msgctl(0, MSG_INFO, (struct msqid_ds *)&qi);
	for (int i = 0; i <= max; i++) {
		int id = msgctl(i, MSG_STAT_ANY, &qd);
		if (id < 0)
			continue;
		if (print)
			printf("0x%08x %-10d %-10u %-10o %-12lu %-12lu\n", qd.msg_perm.__key, id,
			       qd.msg_perm.uid, qd.msg_perm.mode & 0777, (unsigned long)qd.__msg_cbytes,
			       (unsigned long)qd.msg_qnum);
	}
}

static void thin(int stride)
{
	struct shminfo si;
	struct shmid_ds sd;
	int max = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	for (int i = 0; i <= max; i++) {
		int id = shmctl(i, SHM_STAT_ANY, &sd);
		if (id >= 0 && i % stride)
			shmctl(id, IPC_RMID, NULL);
	}
	struct seminfo mi;
	struct semid_ds md;
	union semun arg = {.__buf = &mi};
	max = semctl(0, 0, SEM_INFO, arg);
	arg.buf = &md;
	for (int i = 0; i <= max; i++) {
		int id = semctl(i, 0, SEM_STAT_ANY, arg);
		if (id >= 0 && i % stride)
			semctl(id, 0, IPC_RMID);
	}
	struct msginfo qi;
	struct msqid_ds qd;
	max = msgctl(0, MSG_INFO, (struct msqid_ds *)&qi);
	for (int i = 0; i <= max; i++) {
		int id = msgctl(i, MSG_STAT_ANY, &qd);
		if (id >= 0 && i % stride)
			msgctl(id, IPC_RMID, NULL);
	}
}

int main(int argc, char **argv)
{
	if ((argc == 3 && !strcmp(argv[1], "mk")) || (argc == 4 && !strcmp(argv[1], "sparse"))) {
		int span = atoi(argv[argc - 1]), keep = atoi(argv[2]);
		int *ids = calloc(3 * (size_t)span, sizeof *ids);
		if (!ids || mk(span, ids, ids + span, ids + 2 * span))
			return 1;
		if (argc == 4) {
			/* Keep every (span/keep)th object of each kind. */
			int stride = keep > 0 ? span / keep : span + 1;
			for (int i = 0, kept = 0; i < span; i++) {
				if (stride > 0 && i % stride == 0 && kept < keep) {
					kept++;
					continue;
				}
				shmctl(ids[i], IPC_RMID, NULL);
				semctl(ids[span + i], 0, IPC_RMID);
				msgctl(ids[2 * span + i], IPC_RMID, NULL);
			}
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "thin") && atoi(argv[2]) > 0) {
		thin(atoi(argv[2]));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "walk")) {
		walk(0);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "print")) {
		walk(1);
		return 0;
	}
	fprintf(stderr, "usage: bench-sysv mk N | sparse N SPAN | thin STRIDE | walk | print\n");
	return 2;
}
