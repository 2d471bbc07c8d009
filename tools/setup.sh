#!/usr/bin/env bash
# Installs the Debian 12 packages roar-seccomp needs to build, package and test, skipping those
# present (dpkg-dev: the package's Depends; chromium and graphviz: the report views' tests).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libseccomp-dev libmsgpack-cxx-dev libcli11-dev doctest-dev
  python3 python3-msgpack util-linux make
  bubblewrap busybox-static strace xfsprogs btrfs-progs
  clang libclang-rt-14-dev
  dpkg-dev chromium graphviz
)
# The 32-bit test fixture needs a multilib compiler; it exists on x86-64 only.
if [ "$(dpkg --print-architecture)" = amd64 ]; then
  packages+=(gcc-multilib)
fi

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
echo "roar-seccomp: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
