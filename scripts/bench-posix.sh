#!/usr/bin/env bash
# bench-posix.sh: POSIX IPC speed, side by side, never on the host's objects.
#   1. psem post/wait and mq send/receive round trips: Go benchmarks
#      (pkg/ipc, in a private namespace) vs the same loops in C with glibc.
#      Target: Go within 1.3x of C.
#   2. `ipcctl ls pshm psem mq` with N (2000) objects of each kind, in a
#      private user+IPC+mount namespace, vs `ls -l /dev/shm /dev/mqueue`
#      (which reads no semaphore value and opens no queue), in wall and CPU
#      time, alternating rounds (scripts/benchrun.py), and each kind alone
#      vs util-linux `lsipc -M|-S|-Q` where this lsipc has them (>= 2.40).
#      Target (issue 13): ipcctl <= 1.0x ls -l.
# Figures are medians (part 1: go test and a C loop, 5 runs each).
# Usage: scripts/bench-posix.sh [N]   (IPCCTL=binary to time, else built
#        into a temp dir; IPCCTL_BASE=a second binary for part 2;
#        RUNS=rounds of part 2, default 21; PART=2 skips part 1)
set -euo pipefail
N=${1:-2000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"

if ! command -v hyperfine >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq hyperfine >/dev/null || true
  fi
fi
if [ -n "${IPCCTL:-}" ]; then
  cp "$IPCCTL" "$WORK/ipcctl"
else
  CGO_ENABLED=0 go build -trimpath -o "$WORK/ipcctl" ./cmd/ipcctl
fi
gcc -O2 -o "$WORK/bench-spawn" scripts/bench-spawn.c

if [ "${PART:-all}" != 2 ]; then
echo "== round trips: Go (pkg/ipc) vs C (glibc), ns/op, lower is better"
cat > "$WORK/rt.c" <<'C'
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static sem_t *ping, *pong;
static void *echo(void *a) { for (;;) { sem_wait(ping); sem_post(pong); } return a; }
int main(int argc, char **argv) {
	long n = atol(argv[1]);
	sem_t *s = sem_open("/bench-c", O_CREAT | O_EXCL, 0600, 0);
	double t = now();
	for (long i = 0; i < n; i++) { sem_post(s); sem_wait(s); }
	printf("PsemPostWait %.1f\n", (now() - t) / n);
	sem_unlink("/bench-c");
	ping = sem_open("/ping-c", O_CREAT | O_EXCL, 0600, 0);
	pong = sem_open("/pong-c", O_CREAT | O_EXCL, 0600, 0);
	pthread_t th; pthread_create(&th, NULL, echo, NULL);
	t = now();
	for (long i = 0; i < n; i++) { sem_post(ping); sem_wait(pong); }
	printf("PsemPingPong %.1f\n", (now() - t) / n);
	sem_unlink("/ping-c"); sem_unlink("/pong-c");
	struct mq_attr a = {0}; a.mq_maxmsg = 10; a.mq_msgsize = 64;
	mqd_t q = mq_open("/bench-c", O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	char msg[64] = {0}, buf[64]; unsigned prio;
	t = now();
	for (long i = 0; i < n; i++) { mq_send(q, msg, 64, 1); mq_receive(q, buf, 64, &prio); }
	printf("MqSendReceive %.1f\n", (now() - t) / n);
	mq_unlink("/bench-c");
	return 0;
}
C
gcc -O2 -o "$WORK/rt" "$WORK/rt.c" -lrt -pthread
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs=5
for i in $(seq $runs); do
  go test -count=1 -run '^$' -bench 'Psem|Mq' -benchtime 200000x ./pkg/ipc/ |
    awk '/^Benchmark/ {sub(/^Benchmark/, "", $1); sub(/-[0-9]+$/, "", $1); print $1, $3}'
done > "$WORK/go.txt"
for i in $(seq $runs); do
  unshare -Urim sh -c 'mount -t tmpfs tmpfs /dev/shm && "$0" 200000' "$WORK/rt"
done > "$WORK/c.txt"
printf '%-16s %10s %10s %8s\n' op go c go/c
for op in PsemPostWait PsemPingPong MqSendReceive; do
  g=$(awk -v o=$op '$1==o {print $2}' "$WORK/go.txt" | median)
  c=$(awk -v o=$op '$1==o {print $2}' "$WORK/c.txt" | median)
  printf '%-16s %10s %10s %8s\n' "$op" "$g" "$c" "$(awk -v g="$g" -v c="$c" 'BEGIN {printf "%.2f", g / c}')"
done

fi

echo
echo "== listing $N objects of each kind (private namespace)"
posix_opts=()
lsipc --help 2>/dev/null | grep -q -- '--posix-shmems' && posix_opts=(-M -S -Q)
[ ${#posix_opts[@]} -eq 0 ] && echo "(this lsipc has no POSIX options -M/-S/-Q: each kind is timed alone after the comparison with ls -l)"
cat > "$WORK/inner.sh" <<'SH'
set -eu
WORK=$1 N=$2 ROOT=$3 RUNS=$4; shift 4
# A private /dev with its own /dev/shm and mqueue, like the test harness.
mount --make-rprivate /
mkdir "$WORK/olddev" && mount --rbind /dev "$WORK/olddev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero urandom random; do touch /dev/$n; mount --bind "$WORK/olddev/$n" /dev/$n; done
mkdir /dev/shm /dev/mqueue
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
echo $((N + 16)) > /proc/sys/fs/mqueue/queues_max
ulimit -q unlimited 2>/dev/null || true
cat > "$WORK/mk.c" <<'C'
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
	int n = atoi(argv[1]); char name[64];
	struct mq_attr a = {0}; a.mq_maxmsg = 1; a.mq_msgsize = 16;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "/obj%d", i);
		int fd = shm_open(name, O_CREAT | O_RDWR, 0600); ftruncate(fd, 4096); close(fd);
		sem_close(sem_open(name, O_CREAT, 0600, 1));
		if (mq_open(name, O_CREAT | O_RDWR, 0600, &a) == (mqd_t)-1) { perror("mq_open"); return 1; }
	}
	return 0;
}
C
gcc -O2 -o "$WORK/mk" "$WORK/mk.c" -lrt -pthread
"$WORK/mk" "$N"
echo "objects: $(ls /dev/shm | grep -vc '^sem\.') pshm, $(ls /dev/shm | grep -c '^sem\.') psem, $(ls /dev/mqueue | wc -l) mq"
/usr/bin/python3 "$ROOT/scripts/benchrun.py" --spawn "$WORK/bench-spawn" --rounds "$RUNS" --vs "ls -l" \
  --target "ipcctl ls pshm psem mq: cpu <= 1.0 ls -l" --target "ipcctl ls pshm psem mq: wall <= 1.0 ls -l" \
  "ls -l=ls -l /dev/shm /dev/mqueue" \
  "ipcctl ls pshm psem mq=$WORK/ipcctl ls pshm psem mq" \
  "ipcctl ls ... --json=$WORK/ipcctl ls pshm psem mq --json" \
  ${IPCCTL_BASE:+"base ls pshm psem mq=$IPCCTL_BASE ls pshm psem mq"}
command -v hyperfine >/dev/null || exit 0
for k in pshm psem mq; do
  set -- hyperfine -N -w 2 -r 10 "$WORK/ipcctl ls $k --json"
  case $k in pshm) o=-M ;; psem) o=-S ;; mq) o=-Q ;; esac
  [ -n "${POSIX_LSIPC:-}" ] && set -- "$@" "lsipc $o --json"
  "$@" 2>&1 | grep -E 'Time|±|faster|Benchmark'
done
SH
IPCCTL_BASE=${IPCCTL_BASE:-} POSIX_LSIPC=${posix_opts[*]:-} unshare -Urim sh "$WORK/inner.sh" "$WORK" "$N" "$ROOT" "${RUNS:-21}"
