/* bench-spawn.c: run one command and report what it cost, for
 * scripts/benchrun.py; built at run time into a temp dir.
 *
 *   bench-spawn CMD [ARG...]
 *
 * prints "WALL_US CPU_US PEAK_KB STATUS": wall time from fork to reaping,
 * user + system time and peak RSS from wait4 (the command and what it
 * waited for). The command's stdin is /dev/null read-only and its stdout
 * and stderr /dev/null write-only. A launcher this small keeps the peak
 * honest: Linux counts the RSS a child had before exec (here ~1 MB, not a
 * Python interpreter's 12 MB) in its ru_maxrss.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-spawn CMD [ARG...]\n");
		return 2;
	}
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC), out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("bench-spawn");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long wall = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	printf("%ld %ld %ld %d\n", wall, cpu, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
