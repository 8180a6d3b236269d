#!/usr/bin/env bash
# Installs what building and testing spear-next needs on Debian/Ubuntu, if it is missing:
# libclang (bindgen loads it at build time to generate RocksDB's bindings), a C++
# compiler, and rocksdb-tools (Debian's RocksDB 7.8 `ldb` and `db_bench`), which the tests
# use to write databases with another RocksDB version and to read back what we write,
# tmux, in which a test closes a TUI's terminal as a dropped ssh session does, the
# protobuf compiler (the etcd client's build generates its gRPC code with it) and
# Debian's etcd-server and etcd-client: the tests start `etcd` as a 3-member cluster on
# loopback and ask `etcdctl` which member leads.
# With --bench it also installs hyperfine, which the benchmark scripts time with. With --release it
# also installs what scripts/release.sh needs (zig and cargo-zigbuild, from PyPI).
#
# Safe to run again: it does nothing when everything is there, and says what it did.
# `setup.sh --check` only reports (exit 1 when something is missing); `--selftest` runs
# the libclang detector against fake directories, so CI proves the detector itself.
set -euo pipefail

# Where clang-sys (bindgen's loader) looks for libclang, in its order: $LIBCLANG_PATH,
# `llvm-config --libdir`, then the usual system directories.
libclang_dirs() {
  local root="${SETUP_ROOT:-}"
  [[ -n "${LIBCLANG_PATH:-}" ]] && echo "$LIBCLANG_PATH"
  if [[ -z "$root" ]] && command -v llvm-config >/dev/null 2>&1; then
    llvm-config --libdir 2>/dev/null || true
  fi
  local d
  for d in "$root"/usr/lib/llvm-*/lib "$root"/usr/local/lib "$root"/usr/lib \
    "$root"/usr/lib64 "$root"/usr/lib/x86_64-linux-gnu "$root"/usr/lib/aarch64-linux-gnu \
    "$root"/lib/x86_64-linux-gnu "$root"/lib/aarch64-linux-gnu; do
    [[ -d "$d" ]] && echo "$d"
  done
}

# Prints the first file bindgen would load: libclang.so, libclang-N.so, libclang.so.N or
# libclang-N.so.N. Not libclang-cpp*: that is LLVM's C++ library, which bindgen cannot use
# (a fresh Debian has libclang-cpp14 and no libclang, which the old check mistook).
find_libclang() {
  local d f name
  while read -r d; do
    for f in "$d"/libclang.so "$d"/libclang-*.so "$d"/libclang.so.* "$d"/libclang-*.so.*; do
      [[ -e "$f" ]] || continue
      name="${f##*/}"
      [[ "$name" == libclang-cpp* ]] && continue
      echo "$f"
      return 0
    done
  done < <(libclang_dirs)
  return 1
}

# A file that exists is not yet one that loads (a dangling symlink, a missing dependency):
# where Python is at hand, load it for real.
libclang_loads() {
  local lib="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$lib" 2>/dev/null
  else
    [[ -r "$lib" ]]
  fi
}

selftest() {
  local tmp fail=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/lib/x86_64-linux-gnu" "$tmp/usr/lib/llvm-14/lib"
  touch "$tmp/lib/x86_64-linux-gnu/libclang-cpp.so.14" "$tmp/usr/lib/llvm-14/lib/libclang-cpp.so.14"
  if SETUP_ROOT="$tmp" LIBCLANG_PATH="" find_libclang >/dev/null; then
    echo "selftest: FAILED: libclang-cpp alone was taken for libclang" >&2
    fail=1
  fi
  for name in libclang.so libclang-14.so libclang.so.1 libclang-14.so.1; do
    touch "$tmp/usr/lib/llvm-14/lib/$name"
    if ! SETUP_ROOT="$tmp" LIBCLANG_PATH="" find_libclang >/dev/null; then
      echo "selftest: FAILED: $name was not found" >&2
      fail=1
    fi
    rm "$tmp/usr/lib/llvm-14/lib/$name"
  done
  ((fail == 0)) && echo "setup selftest: libclang detection ok"
  return "$fail"
}

mode="${1:-}"
if [[ "$mode" == "--selftest" ]]; then
  selftest
  exit
fi

need=()
pip_need=()
if lib=$(find_libclang) && libclang_loads "$lib"; then
  [[ "$mode" == "--check" ]] && echo "setup: libclang: $lib"
else
  need+=(libclang-dev)
fi
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v ldb >/dev/null 2>&1 && command -v db_bench >/dev/null 2>&1 || need+=(rocksdb-tools)
# The tests end a TUI session the way a dropped ssh connection does: tmux kill-session.
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# etcd-client's build script runs protoc; the etcd tests start Debian's etcd.
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
# ...and imports protobuf's well-known types, which Debian ships apart from protoc.
[[ -f /usr/include/google/protobuf/descriptor.proto ]] || need+=(libprotobuf-dev)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
# The decoder tests read values other encoders wrote: Python's msgpack, cbor2 and
# protobuf runtime (PyPI).
python3 -c 'import msgpack, cbor2, google.protobuf' >/dev/null 2>&1 || pip_need+=(msgpack cbor2 protobuf)
if [[ "$mode" == "--bench" ]]; then
  command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
fi
if [[ "$mode" == "--release" ]]; then
  # pip --user puts commands here, which is often not on PATH.
  PATH="$(python3 -m site --user-base 2>/dev/null)/bin:$PATH"
  python3 -m ziglang version >/dev/null 2>&1 || pip_need+=(ziglang)
  command -v cargo-zigbuild >/dev/null 2>&1 || pip_need+=(cargo-zigbuild)
  command -v file >/dev/null 2>&1 || need+=(file)
  command -v objdump >/dev/null 2>&1 || need+=(binutils)
fi

if [[ "$mode" == "--check" ]]; then
  if ((${#need[@]} + ${#pip_need[@]})); then
    echo "setup: missing: ${need[*]} ${pip_need[*]}" >&2
    exit 1
  fi
  echo "setup: nothing missing"
  exit 0
fi

if ((${#need[@]})); then
  echo "setup: installing ${need[*]} (apt)" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${need[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ((${#pip_need[@]})); then
  echo "setup: installing ${pip_need[*]} (pip, for the user)" >&2
  python3 -m pip install --quiet --user "${pip_need[@]}" 2>/dev/null ||
    python3 -m pip install --quiet "${pip_need[@]}"
fi

# Prove the result rather than trusting the package manager.
if ! lib=$(find_libclang) || ! libclang_loads "$lib"; then
  echo "setup: libclang is still not loadable after installing libclang-dev;" \
    "set LIBCLANG_PATH to the directory holding libclang.so" >&2
  exit 1
fi
((${#need[@]} + ${#pip_need[@]})) && echo "setup: done; libclang: $lib" >&2
exit 0
