#!/usr/bin/env bash
# Checks that a spear-inspect binary runs on any x86_64 Linux of the last decade: it is
# stripped, needs no shared library beyond glibc's own, no glibc symbol newer than 2.17,
# and it runs `--version`, a `scan` of a fresh fixture database and a migration into sled.
set -euo pipefail
bin="${1:?usage: check-portable.sh BINARY}"
max_glibc="2.17"
fail() { echo "check-portable: FAILED: $*" >&2; exit 1; }

# (Not `tee /dev/stderr`: reopening a redirected stderr truncates its file.)
kind=$(file "$bin")
echo "$kind"
[[ "$kind" == *stripped* && "$kind" != *"not stripped"* ]] || fail "not stripped"

# Shared libraries it asks for: only glibc's (libc, libm, libpthread, libdl, librt and
# the loader). No libstdc++, no libgcc_s: those differ from host to host.
needed=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}')
echo "needs: $(echo $needed)"
for lib in $needed; do
  case "$lib" in
    libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | librt.so.1 | ld-linux-x86-64.so.2) ;;
    *) fail "depends on $lib, which a production host may not have" ;;
  esac
done

# The newest glibc symbol version it references.
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
echo "newest glibc symbol: GLIBC_${newest:-none}"
if [[ -n "$newest" && "$(printf '%s\n%s\n' "$newest" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]]; then
  fail "needs GLIBC_$newest, newer than $max_glibc"
fi

size=$(stat -c %s "$bin")
echo "size: $((size / 1024 / 1024)) MiB ($size bytes)"
# 11.9 MB with RocksDB alone; sled, and etcd's gRPC and TLS stack (tonic, rustls, ring)
# with the inspector on etcd, bring it to about 21 MB.
((size < 24 * 1024 * 1024)) || fail "larger than 24 MiB"

"$bin" --version
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" demo "$tmp/db" --no-tui 2>/dev/null
pairs=$("$bin" scan "$tmp/db" --prefix node: | wc -l)
((pairs > 0)) || fail "scan of the demo database printed nothing"
echo "scan: $pairs node pairs"
# Every backend the README's `migrate` line names is in this build (sled among them).
"$bin" migrate --from memory: --to "sled:$tmp/sled" 2>&1 | tail -1 || fail "migrate --to sled: failed"
echo "check-portable: ok"
