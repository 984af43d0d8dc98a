#!/usr/bin/env bash
# bench-metrics.sh: the cost of one `ipcctl metrics` scrape with many objects.
#
# Inside private IPC and mount namespaces (never the host's objects; a
# private tmpfs on /dev/shm and mqueue on /dev/mqueue), creates N shm + N sem
# + N msg objects (default N=2000: 6000 objects), then times side by side
# with hyperfine, all to /dev/null:
#   cat /proc/sysvipc/*          the floor: the kernel's text of every object
#   ipcctl ls --json             the same listings, rendered
#   ipcctl metrics               every area (IPC, limits, huge pages, THP)
#   ipcctl metrics --per-object  plus series per object (cap 200 a kind)
#   ipcs -u                      util-linux's usage summary, the nearest
#                                thing to what metrics reports
# and prints medians, ratios against the floor, and CPU time (user+sys).
# Then the Go benchmark of one in-process scrape (what each scrape of
# `ipcctl serve` costs). A benchmark, not a test: it reports, never fails.
#
# Usage: scripts/bench-metrics.sh [N]      (IPCCTL=path overrides bin/ipcctl)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
IPCCTL=${IPCCTL:-$PWD/bin/ipcctl}
PY=/usr/bin/python3

if [ -z "${BENCH_METRICS_INSIDE:-}" ]; then
  if ! command -v hyperfine >/dev/null; then
    echo "bench-metrics: installing hyperfine" >&2
    apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
  fi
  [ -x "$IPCCTL" ] || CGO_ENABLED=0 go build -trimpath -o "$IPCCTL" ./cmd/ipcctl
  export BENCH_METRICS_INSIDE=1 IPCCTL
  userns=()
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  unshare "${userns[@]}" --ipc --mount --propagation private "$0" "$@"
  echo
  echo "== Go benchmark: one in-process scrape, $N objects of each System V kind =="
  go test ./internal/metrics -run '^$' -bench Scrape -benchtime 30x -count "${COUNT:-5}"
  exit
fi

# A private /dev: /dev/shm and /dev/mqueue here are this namespace's only.
old=$(mktemp -d)
mount --rbind /dev "$old"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero urandom random; do
  touch "/dev/$n" && mount --bind "$old/$n" "/dev/$n"
done
umount -l "$old" && rmdir "$old"
mkdir /dev/shm /dev/mqueue
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue none /dev/mqueue

echo 32768 >/proc/sys/kernel/shmmni
echo "32000 1024000000 500 32768" >/proc/sys/kernel/sem
echo 32768 >/proc/sys/kernel/msgmni

echo "bench-metrics: creating $N objects of each System V kind..." >&2
if $PY -c 'import sysv_ipc' 2>/dev/null; then
  $PY - "$N" <<'PY'
import sys, sysv_ipc
for _ in range(int(sys.argv[1])):
    sysv_ipc.SharedMemory(None, sysv_ipc.IPC_CREX, size=4096)
    sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX)
    sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX)
PY
else
  for _ in $(seq "$N"); do ipcmk -M 4096 >/dev/null; ipcmk -S 1 >/dev/null; ipcmk -Q >/dev/null; done
fi

json=$(mktemp)
echo
echo "== $N shm + $N sem + $N msg objects ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)) =="
hyperfine -N --style none --warmup 5 --runs "${RUNS:-40}" --export-json "$json" \
  -n "cat /proc/sysvipc/*" "cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg" \
  -n "ipcctl ls --json" "$IPCCTL ls --json" \
  -n "ipcctl metrics" "$IPCCTL metrics" \
  -n "ipcctl metrics --per-object" "$IPCCTL metrics --per-object" \
  -n "ipcs -u" "ipcs -u" >/dev/null
$PY - "$json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
floor = res["cat /proc/sysvipc/*"]["median"]
# CPU time (user+sys) is far less noisy than wall time on a shared machine.
cpu = lambda r: (r["user"] + r["system"]) * 1000
print(f"{'command':<30}{'median ms':>10}{'vs floor':>10}{'cpu ms':>8}")
for name, r in res.items():
    m = r["median"]
    print(f"{name:<30}{m*1000:>10.2f}{m/floor:>9.2f}x{cpu(r):>8.1f}")
PY
rm -f "$json"
