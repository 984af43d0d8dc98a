#!/usr/bin/env bash
# Benchmarks of ipcctl's System V operations against util-linux, side by
# side, as ratios of medians of alternating rounds (scripts/benchrun.py),
# in wall and CPU time. Not a test: timings on a shared machine are noisy;
# read the CPU column and the spread, and run it again on a quiet machine
# for figures worth quoting.
#
# Part 1: `ipcctl rm --all --yes` vs `ipcrm -a` removing 6000 objects
# (PER_KIND=2000 each of shm, sem, msg), recreated before every run (not
# timed; then a pause, so that the kernel's deferred freeing of the last
# run's objects is not charged to the next command), inside a private
# user + IPC namespace so the host's objects are never touched. Target
# (issue 13): ipcctl <= 1.1x ipcrm -a.
#
# Usage: scripts/bench-ops.sh [RUNS]   (IPCCTL=binary to time, default
#        bin/ipcctl, built if missing; IPCCTL_BASE=a second binary to time)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PER_KIND=${PER_KIND:-2000}

if [ -z "${BENCH_OPS_INSIDE:-}" ]; then
  RUNS=${1:-21}
  command -v gcc >/dev/null || { echo "bench-ops: needs gcc" >&2; exit 1; }
  command -v ipcrm >/dev/null || { echo "bench-ops: needs ipcrm (util-linux)" >&2; exit 1; }
  IPCCTL=${IPCCTL:-$ROOT/bin/ipcctl}
  [ -x "$IPCCTL" ] || (cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$IPCCTL" ./cmd/ipcctl)
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  gcc -O2 -o "$WORK/bench-sysv" "$ROOT/scripts/bench-sysv.c"
  gcc -O2 -o "$WORK/bench-spawn" "$ROOT/scripts/bench-spawn.c"
  export BENCH_OPS_INSIDE=1 WORK IPCCTL RUNS PER_KIND IPCCTL_BASE=${IPCCTL_BASE:-}
  unshare --user --map-root-user --ipc "$0"
  exit
fi

count() { tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l; }

echo "== Part 1: remove $((3 * PER_KIND)) System V objects (private IPC namespace)"
"$WORK/bench-sysv" mk "$PER_KIND"
n=$(count)
[ "$n" = $((3 * PER_KIND)) ] || { echo "bench-ops: made $n objects, want $((3 * PER_KIND))" >&2; exit 1; }
"$IPCCTL" rm --all --yes
[ "$(count)" = 0 ] || { echo "bench-ops: ipcctl rm --all left objects" >&2; exit 1; }
cmds=("ipcctl rm --all=$IPCCTL rm --all --yes" "ipcrm -a=ipcrm -a")
[ -n "$IPCCTL_BASE" ] && cmds+=("base rm --all=$IPCCTL_BASE rm --all --yes")
/usr/bin/python3 "$ROOT/scripts/benchrun.py" --spawn "$WORK/bench-spawn" --rounds "$RUNS" \
  --prepare "sh -c '$WORK/bench-sysv mk $PER_KIND && sleep 0.1'" --vs "ipcrm -a" \
  --target "ipcctl rm --all: wall <= 1.1 ipcrm -a" --target "ipcctl rm --all: cpu <= 1.1 ipcrm -a" \
  "${cmds[@]}"
left=$(count)
[ "$left" = 0 ] || { echo "bench-ops: $left objects left after removal" >&2; exit 1; }
