#!/usr/bin/env bash
# Installs what the tests need, where it can: root with apt-get. Prints why
# when it cannot; the tests that need a missing tool skip with a reason.
set -u
pkgs=(python3-sysv-ipc util-linux gcc libc6-dev bsdextrautils bash-completion zsh fish tmux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
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
