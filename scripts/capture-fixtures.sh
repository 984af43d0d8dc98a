#!/usr/bin/env bash
# capture-fixtures.sh DEST: capture the kernel files ipcctl reads into a
# fixture tree at DEST (e.g. internal/cli/ls/testdata/fs-basic).
#
# It runs in a fresh private IPC namespace (never the host's objects),
# creates a few known objects with util-linux ipcmk, then copies
# /proc/sysvipc/*, /proc/sys/kernel/{shm*,sem,msg*} and /proc/sys/fs/mqueue/*
# below DEST with their paths. Objects are created as root (uid 0), the one
# user name every machine resolves the same way.
set -euo pipefail
dest=${1:?usage: $0 DEST}
if [ -z "${CAPTURE_INSIDE:-}" ]; then
  export CAPTURE_INSIDE=1
  if [ "$(id -u)" = 0 ]; then
    exec unshare --ipc "$0" "$@"
  fi
  exec unshare --user --map-root-user --ipc "$0" "$@"
fi

ipcmk -M 4096 -p 0640 >/dev/null
ipcmk -M 1048576 -p 0600 >/dev/null
ipcmk -M 65536 -p 0666 >/dev/null
ipcmk -S 1 -p 0600 >/dev/null
ipcmk -S 16 -p 0664 >/dev/null
ipcmk -Q -p 0620 >/dev/null
ipcmk -Q -p 0666 >/dev/null
# A queue holding two messages, when Python's sysv_ipc is there to send them.
/usr/bin/python3 - 2>/dev/null <<'PY' || echo "capture: no python3-sysv-ipc; no busy queue" >&2
import sysv_ipc
q = sysv_ipc.MessageQueue(0x1234, sysv_ipc.IPC_CREX, mode=0o640)
q.send(b"hello", type=1)
q.send(b"world!", type=2)
PY

rm -rf "$dest"
for f in /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg \
  /proc/sys/kernel/shmmax /proc/sys/kernel/shmall /proc/sys/kernel/shmmni \
  /proc/sys/kernel/sem /proc/sys/kernel/msgmax /proc/sys/kernel/msgmnb /proc/sys/kernel/msgmni \
  /proc/sys/fs/mqueue/*; do
  mkdir -p "$dest/$(dirname "${f#/}")"
  cat "$f" >"$dest/${f#/}"
done
echo "captured $(find "$dest" -type f | wc -l) files into $dest" >&2
