#!/usr/bin/env bash
# Installs what building and testing spear-next needs on Debian/Ubuntu, if it is missing:
# libclang (bindgen, for RocksDB's bindings) and a C++ compiler. With --bench it also
# installs rocksdb-tools (ldb, db_bench), the reference the benchmarks measure against.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

need=()
have_libclang() {
  ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so' ||
    compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null
}
have_libclang || need+=(libclang-dev)
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
if [[ "${1:-}" == "--bench" ]]; then
  command -v rocksdb_ldb >/dev/null 2>&1 || command -v ldb >/dev/null 2>&1 || need+=(rocksdb-tools)
  command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
fi

if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${need[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
