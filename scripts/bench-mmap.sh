#!/usr/bin/env bash
# Benchmarks `ipcctl mmap` against fincore (util-linux) and vmtouch:
#   1. residency of one 1 GiB file
#   2. residency of a tree of 10 000 small files
#   3. sequential read of a cached 1 GiB file: `ipcctl mmap FILE --read` vs
#      cat, each through a pipe into cat (written to /dev/null directly, a
#      mapping is never read: the kernel's null device discards the bytes
#      without touching the pages, so that figure would measure nothing)
# Target: ipcctl no slower than the fastest of the others. Prints medians
# and ratios (ipcctl / fastest other; below 1.00 is faster). Benchmarks, not
# tests: run it by hand on a quiet machine; nothing here fails on a ratio.
#
# Usage: scripts/bench-mmap.sh [RUNS]   (needs hyperfine and vmtouch; as root
# it installs them from Debian when missing). Files go to a temp dir on disk
# (under $BENCH_DIR, default /var/tmp) and are removed on exit; so does the
# ipcctl it builds (IPCCTL=binary to time another, never built here).
set -euo pipefail
runs=${1:-10}
cd "$(dirname "$0")/.."

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v vmtouch >/dev/null || need+=(vmtouch)
command -v fincore >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench-mmap: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "bench-mmap: missing ${need[*]} (install them, or run as root)" >&2
    exit 1
  fi
fi

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ipcctl-bench-mmap.XXXXXX")
trap 'rm -rf "$work"' EXIT
bin=${IPCCTL:-}
if [ -z "$bin" ]; then
  bin=$work/ipcctl # never into the tree
  CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/ipcctl
fi
fstype=$(stat -f -c %T "$work")
[ "$fstype" = tmpfs ] && echo "bench-mmap: warning: $work is on tmpfs, not disk" >&2

echo "bench-mmap: making a 1 GiB file and 10 000 small files in $work ($fstype)" >&2
big=$work/big
dd if=/dev/zero of="$big" bs=1M count=1024 status=none
mkdir -p "$work/tree"
for d in $(seq 0 99); do
  mkdir "$work/tree/$d"
  for f in $(seq 0 99); do printf '%4096s' "$d/$f" >"$work/tree/$d/$f"; done
done
find "$work/tree" -type f -print0 >"$work/list"
cat "$big" >/dev/null   # cached: the read benchmark measures copying, not the disk

results=$work/results
mkdir "$results"
bench() { # NAME CMD... : hyperfine with JSON export
  local name=$1
  shift
  hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$results/$name.json" "$@"
}

bench residency-1g \
  -n ipcctl "$bin mmap residency $big" \
  -n fincore "fincore $big" \
  -n vmtouch "vmtouch $big"

bench residency-tree \
  -n ipcctl "$bin mmap residency --recursive $work/tree" \
  -n fincore "xargs -0 -a $work/list fincore" \
  -n vmtouch "vmtouch $work/tree"

bench read-1g \
  -n ipcctl "$bin mmap $big --read | cat > /dev/null" \
  -n cat "cat $big | cat > /dev/null"

echo
echo "Medians (noisy on a shared machine); ratio = ipcctl / fastest other"
/usr/bin/python3 - "$results" <<'PY'
import json, os, sys
d = sys.argv[1]
for name in ("residency-1g", "residency-tree", "read-1g"):
    rs = json.load(open(os.path.join(d, name + ".json")))["results"]
    med = {r["command"]: r["median"] for r in rs}
    pairs = [("ipcctl", [c for c in med if not c.startswith("ipcctl")])]
    print(f"{name}: " + ", ".join(f"{c} {m*1000:.2f} ms" for c, m in med.items()))
    for mine, others in pairs:
        best = min(others, key=lambda c: med[c])
        print(f"  {mine} / {best} = {med[mine] / med[best]:.2f}")
PY
