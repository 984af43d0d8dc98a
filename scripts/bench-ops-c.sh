#!/usr/bin/env bash
# Compares the round-trip latency of System V semaphore and message queue
# operations through ipcctl's pkg/ipc (Go benchmarks) with the same system
# calls from C, and prints Go/C ratios (target: within 1.3x).
#
#   semop:  semop(+1) then semop(-1) on one semaphore
#   msg:    msgsnd of 64 bytes then msgrcv into a 64-byte buffer
#
# Both run inside a private IPC namespace (unshare, or the Go tests'
# own nstest harness), so nothing touches the host's objects. Figures are
# medians of RUNS runs. A benchmark, not a test: it never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ITER=${ITER:-200000}
command -v gcc >/dev/null || { echo "bench-ops-c: gcc is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/bench.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/msg.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long n = atol(argv[1]);
	int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	int msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (sem < 0 || msq < 0) { perror("get"); return 1; }
	struct sembuf up = {0, 1, 0}, down = {0, -1, 0};
	double t0 = now();
	for (long i = 0; i < n; i++) {
		if (semop(sem, &up, 1) < 0 || semop(sem, &down, 1) < 0) { perror("semop"); return 1; }
	}
	double t1 = now();
	struct { long mtype; char text[64]; } m = {1, {0}}, r;
	memset(m.text, 'x', sizeof m.text);
	for (long i = 0; i < n; i++) {
		if (msgsnd(msq, &m, 64, 0) < 0 || msgrcv(msq, &r, 64, 0, 0) < 0) { perror("msg"); return 1; }
	}
	double t2 = now();
	printf("%.0f %.0f\n", (t1 - t0) / n, (t2 - t1) / n);
	semctl(sem, 0, IPC_RMID);
	msgctl(msq, IPC_RMID, NULL);
	return 0;
}
C
gcc -O2 -o "$tmp/bench" "$tmp/bench.c"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# C and Go runs alternate, so a change in the machine's load weighs on both.
go test -c -o "$tmp/ipc.test" ./pkg/ipc/
c_sem=() c_msg=() g_sem=() g_msg=()
for _ in $(seq "$RUNS"); do
	read -r s m < <(unshare --user --map-root-user --ipc "$tmp/bench" "$ITER")
	c_sem+=("$s") c_msg+=("$m")
	"$tmp/ipc.test" -test.run '^$' -test.bench 'SemOpRoundTrip|MsgRoundTrip' -test.benchtime "${ITER}x" >"$tmp/go.txt"
	g_sem+=("$(awk '/^BenchmarkSemOpRoundTrip/ {print $3}' "$tmp/go.txt")")
	g_msg+=("$(awk '/^BenchmarkMsgRoundTrip/ {print $3}' "$tmp/go.txt")")
done
go_sem=$(printf '%s\n' "${g_sem[@]}" | median)
go_msg=$(printf '%s\n' "${g_msg[@]}" | median)
cs=$(printf '%s\n' "${c_sem[@]}" | median)
cm=$(printf '%s\n' "${c_msg[@]}" | median)

printf '%-22s %10s %10s %7s\n' "round trip (ns/op)" "C" "Go" "Go/C"
row() { awk -v n="$1" -v c="$2" -v g="$3" 'BEGIN { printf "%-22s %10s %10s %7.2f\n", n, c, g, g / c }'; }
row "semop +1/-1" "$cs" "$go_sem"
row "msgsnd+msgrcv 64B" "$cm" "$go_msg"
echo "(medians of $RUNS runs of $ITER iterations; target Go/C <= 1.3)"
