#!/usr/bin/env bash
# Runs util-linux's own regression tests for ipcs (tests/ts/ipcs: headers,
# limits, limits2, mk-rm-msg, mk-rm-sem, mk-rm-shm) with util-linux's real
# test runner, TS_CMD_IPCS/IPCMK/IPCRM pointing at symlinks to ipcctl, in
# private user + IPC + mount namespaces (the limits test writes the shm
# sysctls: those of the private IPC namespace).
#
#   IPCCTL=bin/ipcctl scripts/ul-ipcs-suite.sh              # source from Debian
#   UL_SRC=~/src/util-linux scripts/ul-ipcs-suite.sh        # a source tree you have
#   UL_CMDS=/usr/bin scripts/ul-ipcs-suite.sh               # the suite against util-linux itself
#
# Without UL_SRC the source of the installed util-linux version comes from
# Debian with `apt-get source --download-only`, using a sources list and
# state directories of its own under $CACHE (/etc/apt is not changed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
ipcctl=${IPCCTL:-$root/bin/ipcctl}
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ipcctl/util-linux}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${UL_CMDS:-}" ] && [ ! -x "$ipcctl" ]; then
	(cd "$root" && CGO_ENABLED=0 go build -o "$ipcctl" ./cmd/ipcctl)
fi

src=${UL_SRC:-}
if [ -z "$src" ]; then
	version=$(dpkg-query -W -f '${Version}' util-linux 2>/dev/null || true)
	[ -n "$version" ] || { echo "ul-ipcs-suite: util-linux is not a dpkg package here; set UL_SRC" >&2; exit 2; }
	upstream=${version%%-*}
	src=$cache/util-linux-$upstream
	if [ ! -x "$src/tests/run.sh" ]; then
		mkdir -p "$cache/lists/partial" "$cache/apt-cache/archives/partial" "$cache/dl"
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $(. /etc/os-release; echo "$VERSION_CODENAME") main" >"$cache/sources.list"
		apt=(-o Dir::Etc::SourceList="$cache/sources.list" -o Dir::Etc::SourceParts=/nonexistent
			-o Dir::State::Lists="$cache/lists" -o Dir::Cache="$cache/apt-cache")
		apt-get "${apt[@]}" -qq update
		(cd "$cache/dl" && apt-get "${apt[@]}" -qq source --download-only "util-linux=$version")
		tar -C "$cache" -xf "$cache/dl/util-linux_$upstream.orig.tar.xz"
	fi
fi
[ -x "$src/tests/run.sh" ] || { echo "ul-ipcs-suite: no tests/run.sh in $src" >&2; exit 2; }

# the runner's only compiled helper is test_sysinfo (page size, limits)
mkdir -p "$work/build"
gcc -O2 -o "$work/build/test_sysinfo" "$src/tests/helpers/test_sysinfo.c"

if [ -n "${UL_CMDS:-}" ]; then
	cmds=$UL_CMDS
else
	cmds=$work/bin
	mkdir -p "$cmds"
	for n in ipcs ipcmk ipcrm lsipc; do ln -s "$ipcctl" "$cmds/$n"; done
fi

echo "ul-ipcs-suite: util-linux tests from $src, commands from $cmds"
exec unshare --user --map-root-user --ipc --mount --propagation private \
	env TS_CMD_IPCS="$cmds/ipcs" TS_CMD_IPCMK="$cmds/ipcmk" TS_CMD_IPCRM="$cmds/ipcrm" \
	"$src/tests/run.sh" --srcdir="$src" --builddir="$work/build" --nolocks --show-diff ipcs
