#!/bin/sh
# install-links.sh: install ipcctl and the symlinks ipcs, ipcrm, ipcmk and
# lsipc to it, through which the binary answers as util-linux's tools.
#
#   scripts/install-links.sh BINARY BINDIR      (make install-links PREFIX=...)
#
# It never replaces a file that is not already one of its links (set
# FORCE=1 to replace), and refuses the system's own directories (/bin,
# /sbin, /usr/bin, /usr/sbin: util-linux lives there) unless FORCE=1 or
# DESTDIR stages the install elsewhere.
set -eu

bin=$1
bindir=$2
destdir=${DESTDIR:-}
force=${FORCE:-}
system_dirs=${SYSTEM_BINDIRS:-/bin /sbin /usr/bin /usr/sbin}

[ -x "$bin" ] || { echo "install-links: $bin is not built (make build)" >&2; exit 1; }

if [ -z "$destdir" ] && [ -z "$force" ]; then
	real=$(cd "$bindir" 2>/dev/null && pwd -P || echo "$bindir")
	for d in $system_dirs; do
		sys=$(cd "$d" 2>/dev/null && pwd -P || echo "$d")
		if [ "$real" = "$sys" ]; then
			echo "install-links: $bindir holds the system's own tools; refusing (FORCE=1 to install there anyway)" >&2
			exit 1
		fi
	done
fi

target=$destdir$bindir
# check every link first: install nothing if one would replace a foreign file
for n in ipcs ipcrm ipcmk lsipc; do
	f=$target/$n
	if [ -e "$f" ] || [ -L "$f" ]; then
		if [ -L "$f" ] && [ "$(readlink "$f")" = ipcctl ]; then
			continue
		fi
		if [ -z "$force" ]; then
			echo "install-links: $f exists and is not a link to ipcctl; refusing (FORCE=1 to replace it)" >&2
			exit 1
		fi
	fi
done

mkdir -p "$target"
install -m 0755 "$bin" "$target/ipcctl"
for n in ipcs ipcrm ipcmk lsipc; do
	ln -sfn ipcctl "$target/$n"
	echo "install-links: $target/$n -> ipcctl"
done
