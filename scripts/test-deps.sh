#!/usr/bin/env bash
# Installs what the tests need, where it can: root with apt-get. Prints why
# when it cannot; the tests that need a missing tool skip with a reason.
set -u
pkgs=(python3-sysv-ipc util-linux gcc libc6-dev bsdextrautils bash-completion zsh fish tmux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

# Debian's Prometheus server, promtool and node_exporter, for the
# real-Prometheus test of `ipcctl metrics` and `serve` (e2e/metrics):
# unpacked from the Debian packages into a private directory, never
# installed. Installing them would add a system user and, wherever
# policy-rc.d allows it, start both services on 0.0.0.0:9090 and :9100:
# a test run must not leave daemons on the host. The tests look on PATH
# first, then in $IPCCTL_TEST_TOOLS (default ~/.cache/ipcctl-test-tools).
tools="${IPCCTL_TEST_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ipcctl-test-tools}"
unpack=()
for p in prometheus prometheus-node-exporter; do
  bin=$p
  [ "$p" = prometheus-node-exporter ] || bin=promtool
  command -v "$bin" >/dev/null 2>&1 || [ -x "$tools/usr/bin/$bin" ] || unpack+=("$p")
done
if [ ${#unpack[@]} -gt 0 ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
  tmp=$(mktemp -d)
  # apt-get download runs as the _apt user where it can: let it write.
  chmod 0777 "$tmp"
  if ! (cd "$tmp" && apt-get download -qq "${unpack[@]}" >/dev/null 2>&1); then
    [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1
    (cd "$tmp" && apt-get download -qq "${unpack[@]}" >/dev/null 2>&1)
  fi
  ok=1
  for deb in "$tmp"/*.deb; do
    [ -e "$deb" ] || { ok=0; break; }
    mkdir -p "$tools" && dpkg-deb -x "$deb" "$tools" || ok=0
  done
  [ $ok = 1 ] && echo "test-deps: unpacked ${unpack[*]} into $tools" >&2 ||
    echo "test-deps: could not fetch ${unpack[*]}: the Prometheus tests will skip" >&2
  rm -rf "$tmp"
elif [ ${#unpack[@]} -gt 0 ]; then
  echo "test-deps: no apt-get; ${unpack[*]} missing: the Prometheus tests will skip" >&2
fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "test-deps: not root with apt-get; missing ${missing[*]}: tests that need them will skip" >&2
  exit 0
fi
echo "test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "test-deps: apt-get failed; tests that need ${missing[*]} will skip" >&2
fi
exit 0
