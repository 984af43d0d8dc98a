#!/usr/bin/env bash
# bench-ls.sh: time `ipcctl ls` against util-linux and the /proc floor.
#
# Inside a private IPC namespace (never the host's objects), creates N shm +
# N sem + N msg objects, then times side by side with hyperfine:
#   ipcctl ls, ipcctl ls --json, ipcs -a, lsipc -m, cat /proc/sysvipc/*
# all to /dev/null, and prints medians with ratios against the floor (cat)
# and against `ipcs -a`. Runs at N (default 2000) and again at 4N.
#
# Targets: ipcctl ls and ls --json within 1.5x of the floor and at least
# 3x faster than ipcs -a. A benchmark, not a test: it reports, it does not fail.
#
# Usage: scripts/bench-ls.sh [N]        (IPCCTL=path overrides bin/ipcctl)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
IPCCTL=${IPCCTL:-$PWD/bin/ipcctl}
PY=/usr/bin/python3

if [ -z "${BENCH_LS_INSIDE:-}" ]; then
  if ! command -v hyperfine >/dev/null; then
    echo "bench-ls: installing hyperfine" >&2
    apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
  fi
  [ -x "$IPCCTL" ] || CGO_ENABLED=0 go build -trimpath -o "$IPCCTL" ./cmd/ipcctl
  export BENCH_LS_INSIDE=1 IPCCTL
  if [ "$(id -u)" = 0 ]; then
    exec unshare --ipc "$0" "$@"
  fi
  exec unshare --user --map-root-user --ipc "$0" "$@"
fi

# Per-namespace limits, high enough for 4N of each kind.
echo 32768 >/proc/sys/kernel/shmmni
echo "32000 1024000000 500 32768" >/proc/sys/kernel/sem
echo 32768 >/proc/sys/kernel/msgmni

have=0
# grow_to M: create objects until there are M of each kind: in one process
# with Python's sysv_ipc when it is there, else one ipcmk per object (slow).
grow_to() {
  local m=$1
  echo "bench-ls: creating objects up to $m of each kind..." >&2
  if $PY -c 'import sysv_ipc' 2>/dev/null; then
    $PY - "$((m - have))" <<'PY'
import sys, sysv_ipc
for _ in range(int(sys.argv[1])):
    sysv_ipc.SharedMemory(None, sysv_ipc.IPC_CREX, size=4096)
    sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX)
    sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX)
PY
    have=$m
  fi
  while [ "$have" -lt "$m" ]; do
    ipcmk -M 4096 >/dev/null
    ipcmk -S 4 >/dev/null
    ipcmk -Q >/dev/null
    have=$((have + 1))
  done
}

run() {
  local m=$1 json
  json=$(mktemp)
  grow_to "$m"
  echo
  echo "== $m shm + $m sem + $m msg objects ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)) =="
  hyperfine -N --style none --warmup 5 --runs "${RUNS:-30}" --export-json "$json" \
    -n "cat /proc/sysvipc/*" "cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg" \
    -n "ipcctl ls" "$IPCCTL ls" \
    -n "ipcctl ls --json" "$IPCCTL ls --json" \
    -n "ipcs -a" "ipcs -a" \
    -n "lsipc -m" "lsipc -m" >/dev/null
  $PY - "$json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
floor = res["cat /proc/sysvipc/*"]["median"]
ipcs = res["ipcs -a"]["median"]
# CPU time (user+sys) is printed too: on a shared machine it is far less
# noisy than wall time.
cpu = lambda r: (r["user"] + r["system"]) * 1000
print(f"{'command':<22}{'median ms':>10}{'vs floor':>10}{'vs ipcs -a':>18}{'cpu ms':>8}")
for name, r in res.items():
    m = r["median"]
    print(f"{name:<22}{m*1000:>10.2f}{m/floor:>9.2f}x{ipcs/m:>10.2f}x faster{cpu(r):>8.1f}")
for name in ("ipcctl ls", "ipcctl ls --json"):
    m = res[name]["median"]
    ok = m <= 1.5 * floor and ipcs / m >= 3
    print(f"target {name}: <=1.5x floor and >=3x faster than ipcs -a: {'met' if ok else 'MISSED'}")
PY
  rm -f "$json"
}

run "$N"
run $((4 * N))
