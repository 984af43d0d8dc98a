#!/usr/bin/env bash
# Benchmarks of ipcctl's System V operations against util-linux, side by
# side, as ratios of medians. Not a test: timings on a shared machine are
# noisy; run it on a quiet one for figures worth quoting.
#
# Part 1: `ipcctl rm --all --yes` vs `ipcrm -a` removing 6000 objects
# (2000 each of shm, sem, msg), recreated before every run, inside a
# private IPC namespace so the host's objects are never touched.
# Target: ipcctl <= 1.2x ipcrm.
#
# Usage: scripts/bench-ops.sh [RUNS]   (builds bin/ipcctl if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
PER_KIND=${PER_KIND:-2000}

if [ -z "${BENCH_OPS_INSIDE:-}" ]; then
  command -v gcc >/dev/null || { echo "bench-ops: needs gcc" >&2; exit 1; }
  command -v ipcrm >/dev/null || { echo "bench-ops: needs ipcrm (util-linux)" >&2; exit 1; }
  if ! command -v hyperfine >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
    else
      echo "bench-ops: needs hyperfine (apt-get install hyperfine)" >&2; exit 1
    fi
  fi
  [ -x bin/ipcctl ] || CGO_ENABLED=0 go build -trimpath -o bin/ipcctl ./cmd/ipcctl
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  # mk: make N objects of each kind as fast as possible, so --prepare costs
  # little and ipcmk's per-process start-up is not what is measured.
  cat >"$tmp/mk.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/msg.h>
int main(int argc, char **argv) {
	int n = atoi(argv[1]);
	for (int i = 0; i < n; i++) {
		if (shmget(IPC_PRIVATE, 4096, 0600) < 0) { perror("shmget"); return 1; }
		if (semget(IPC_PRIVATE, 1, 0600) < 0) { perror("semget"); return 1; }
		if (msgget(IPC_PRIVATE, 0600) < 0) { perror("msgget"); return 1; }
	}
	return 0;
}
C
  gcc -O2 -o "$tmp/mk" "$tmp/mk.c"
  export BENCH_OPS_INSIDE=1 MK="$tmp/mk" IPCCTL="$PWD/bin/ipcctl" RUNS PER_KIND
  # A private IPC namespace (and a user namespace when not root).
  if [ "$(id -u)" = 0 ]; then exec unshare --ipc "$0" "$@"; fi
  exec unshare --user --map-root-user --ipc "$0" "$@"
fi

echo "== Part 1: remove $((3 * PER_KIND)) System V objects (private IPC namespace)"
"$MK" "$PER_KIND"
n=$(tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l)
[ "$n" = $((3 * PER_KIND)) ] || { echo "bench-ops: made $n objects, want $((3 * PER_KIND))" >&2; exit 1; }
"$IPCCTL" rm --all --yes
json=$(mktemp)
hyperfine --style basic --runs "$RUNS" --warmup 1 --export-json "$json" \
  --prepare "'$MK' $PER_KIND" \
  -n "ipcctl rm --all --yes" "'$IPCCTL' rm --all --yes" \
  -n "ipcrm -a" "ipcrm -a"
left=$(tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l)
[ "$left" = 0 ] || { echo "bench-ops: $left objects left after removal" >&2; exit 1; }
/usr/bin/python3 - "$json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["ipcctl rm --all --yes"], r["ipcrm -a"]
print(f"median: ipcctl {a*1000:.1f} ms, ipcrm {b*1000:.1f} ms, ratio {a/b:.2f}x (target <= 1.2x)")
PY
rm -f "$json"
