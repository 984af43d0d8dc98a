#!/usr/bin/env bash
# bench-compat.sh: the util-linux front-ends against util-linux itself.
#
# Inside a private IPC namespace (never the host's objects), creates N shm +
# N sem + N msg objects owned by several users (named, long-named and
# unknown uids, as on a real host), then runs each pair of commands in turn
# (ipcctl's `ipcs -a` through an `ipcs` symlink, then util-linux's, then
# ipcctl's again...) with stdout on /dev/null, and prints the median wall
# and CPU (user+sys) time of each and the ratio of the medians.
#
# Target: `ipcs -a` through ipcctl at least 3x faster than util-linux's at
# N=2000, in CPU and wall time. A benchmark, not a test: it reports, it does
# not fail. Compare ratios, not times, and only on a quiet machine.
#
# Usage: scripts/bench-compat.sh [N] [RUNS]   (IPCCTL=path overrides bin/ipcctl)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
RUNS=${2:-41}
IPCCTL=${IPCCTL:-$PWD/bin/ipcctl}
PY=/usr/bin/python3

if [ -z "${BENCH_COMPAT_INSIDE:-}" ]; then
  for n in ipcs lsipc; do
    command -v "/usr/bin/$n" >/dev/null || { echo "bench-compat: util-linux $n missing" >&2; exit 2; }
  done
  $PY -c 'import sysv_ipc' 2>/dev/null || { echo "bench-compat: needs python3-sysv-ipc (make deps)" >&2; exit 2; }
  [ -x "$IPCCTL" ] || CGO_ENABLED=0 go build -trimpath -o "$IPCCTL" ./cmd/ipcctl
  export BENCH_COMPAT_INSIDE=1 IPCCTL
  if [ "$(id -u)" = 0 ]; then
    exec unshare --ipc "$0" "$@"
  fi
  exec unshare --user --map-root-user --ipc "$0" "$@"
fi

echo 32768 >/proc/sys/kernel/shmmni
echo "32000 1024000000 500 32768" >/proc/sys/kernel/sem
echo 32768 >/proc/sys/kernel/msgmni

links=$(mktemp -d)
trap 'rm -rf "$links"' EXIT
for n in ipcs lsipc; do ln -s "$IPCCTL" "$links/$n"; done

echo "bench-compat: creating $N objects of each kind..." >&2
# owners: root, daemon, a long name if there is one, and uids without a name
owners=$(awk -F: '$3 < 65534 { print $3 }' /etc/passwd | head -8 | tr '\n' ' ')
$PY - "$N" "$owners 4242 4343" <<'PY'
import os, sys, sysv_ipc
n, owners = int(sys.argv[1]), [int(u) for u in sys.argv[2].split()]
# in a user namespace only the mapped ids can own objects
mapped = [u for u in owners if u == os.getuid()] or [os.getuid()]
if open("/proc/self/uid_map").read().split()[2] != "1":
    mapped = owners
for i in range(n):
    for o in (sysv_ipc.SharedMemory(None, sysv_ipc.IPC_CREX, size=4096),
              sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX),
              sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX)):
        o.uid = mapped[i % len(mapped)]
PY

$PY - "$RUNS" "$links" <<'PY'
import os, statistics, sys, time
runs, links = int(sys.argv[1]), sys.argv[2]
pairs = [
    ("ipcs -a", [f"{links}/ipcs", "-a"], ["/usr/bin/ipcs", "-a"]),
    ("ipcs -m -t", [f"{links}/ipcs", "-m", "-t"], ["/usr/bin/ipcs", "-m", "-t"]),
    ("ipcs -a -c", [f"{links}/ipcs", "-a", "-c"], ["/usr/bin/ipcs", "-a", "-c"]),
    ("lsipc -m", [f"{links}/lsipc", "-m"], ["/usr/bin/lsipc", "-m"]),
    ("lsipc -s -J", [f"{links}/lsipc", "-s", "-J"], ["/usr/bin/lsipc", "-s", "-J"]),
]
env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"}
devnull = os.open(os.devnull, os.O_WRONLY)

def once(argv):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(argv[0], argv, env)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv} failed")
    return wall, ru.ru_utime + ru.ru_stime

print(f"load {open('/proc/loadavg').read().split()[:3]}, {os.cpu_count()} cores, {runs} runs each, in turn")
print(f"{'command':<14}{'ipcctl wall':>12}{'util-linux':>12}{'ratio':>8}{'ipcctl cpu':>12}{'util-linux':>12}{'ratio':>8}")
for name, a, b in pairs:
    once(a), once(b)  # warm-up
    wa, wb, ca, cb = [], [], [], []
    for _ in range(runs):
        w, c = once(a); wa.append(w); ca.append(c)
        w, c = once(b); wb.append(w); cb.append(c)
    m = statistics.median
    print(f"{name:<14}{m(wa)*1e3:>10.2f}ms{m(wb)*1e3:>10.2f}ms{m(wb)/m(wa):>7.1f}x"
          f"{m(ca)*1e3:>10.2f}ms{m(cb)*1e3:>10.2f}ms{m(cb)/max(m(ca),1e-9):>7.1f}x")
    if name == "ipcs -a":
        ok = m(wb) / m(wa) >= 3 and m(cb) / max(m(ca), 1e-9) >= 3
        target = "met" if ok else "MISSED"
print(f"target ipcs -a >= 3x faster (wall and cpu): {target}")
PY
