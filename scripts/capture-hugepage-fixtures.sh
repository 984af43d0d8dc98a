#!/usr/bin/env bash
# Captures the huge page and THP files ipcctl reads from this machine into a
# fixture tree (default pkg/procfs/testdata/host). It only READS /proc and
# /sys: every file is copied with cat into DEST, never written on the host.
# Mode bits are kept so that read-only counters stay read-only in the copy.
#
#   scripts/capture-hugepage-fixtures.sh [DEST]
set -eu
dest=${1:-pkg/procfs/testdata/host}
# Replace only an earlier capture: a directory holding nothing but proc/ and sys/.
if [ -e "$dest" ]; then
  extra=$(find "$dest" -mindepth 1 -maxdepth 1 ! -name proc ! -name sys | head -1)
  if [ -n "$extra" ] || [ "$(cd "$dest" && pwd -P)" = / ]; then
    echo "capture-hugepage-fixtures: $dest is not an earlier capture; not replacing it" >&2
    exit 2
  fi
  rm -rf "$dest"
fi
mkdir -p "$dest"

copy() { # copy FILE...: each readable regular file, path kept below $dest
  for src in "$@"; do
    [ -f "$src" ] && [ -r "$src" ] || continue
    mkdir -p "$dest$(dirname "$src")"
    cat "$src" >"$dest$src" 2>/dev/null || { rm -f "$dest$src"; continue; }
    chmod "$(stat -c %a "$src")" "$dest$src"
  done
}

copy /proc/meminfo /proc/vmstat /proc/zoneinfo
# Only the hugetlbfs lines of /proc/mounts: the rest says nothing useful and names host paths.
mkdir -p "$dest/proc"
grep ' hugetlbfs ' /proc/mounts >"$dest/proc/mounts" || true
copy /proc/sys/kernel/shmmax /proc/sys/kernel/shmall \
  /proc/sys/vm/min_free_kbytes /proc/sys/vm/hugetlb_shm_group \
  /proc/sys/vm/nr_hugepages /proc/sys/vm/nr_overcommit_hugepages
find /sys/kernel/mm/hugepages /sys/kernel/mm/transparent_hugepage -type f 2>/dev/null |
  while read -r f; do copy "$f"; done
for node in /sys/devices/system/node/node[0-9]*; do
  [ -d "$node" ] || continue
  copy "$node/meminfo"
  find "$node/hugepages" -type f 2>/dev/null | while read -r f; do copy "$f"; done
done
# Two processes for `thp top`: init and this script's shell.
for pid in 1 $$; do
  copy /proc/$pid/status /proc/$pid/smaps_rollup
done
echo "captured into $dest" >&2
