#!/usr/bin/env bash
# Installs every dependency of Edict from Debian 12 packages. Idempotent: packages already present
# are skipped without touching the network.
set -euo pipefail

packages=(
  # build tools
  cmake ninja-build make g++ pkg-config python3
  # ANTLR 4: tool 4.7.2 (needs a JRE) and the C++ runtime 4.9 (the pair works together)
  antlr4 libantlr4-runtime-dev uuid-dev
  # LLVM 19 (FileCheck and lit come with llvm-19-tools); LLVM's CMake package needs zstd
  llvm-19-dev llvm-19-tools libzstd-dev
  # clang 19 with its runtime: libFuzzer and sanitizers
  clang-19 libclang-rt-19-dev
  # libraries
  libfmt-dev libcli11-dev libsimdjson-dev libz3-dev libsqlite3-dev libpq-dev postgresql
  libcpp-httplib-dev libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
