/* shm_holder: creates a private System V segment, prints its id, and
 * keeps running (so that lsipc reads its /proc/PID/cmdline as the
 * segment's COMMAND) until its stdin is closed. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void) {
	char c;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (id < 0) {
		perror("shmget");
		return 1;
	}
	printf("%d\n", id);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	shmctl(id, IPC_RMID, NULL);
	return 0;
}
