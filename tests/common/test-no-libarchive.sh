#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit links no libarchive (common/larchive.h loads it on first use): without
# it, archive commands fail with a clear message and touch nothing, and
# everything else works.  The library's absence is faked by an LD_PRELOAD
# shim that refuses to dlopen() it.
# usage: test-no-libarchive.sh CRIT SHIM DATA_DIR
set -u
crit=$1 shim=$2 data=$3
case=$data/criu-4.x/shell-loop
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
want="libarchive.so.13 not found: install libarchive13"

if ldd "$crit" 2>/dev/null | grep -E 'libarchive|libcrypto|libxml2|libicu'; then
	echo "FAIL: crit is linked with the libraries above"
	fail=1
fi

# expect RC MESSAGE-FRAGMENT crit ARGS...
expect() {
	rc=$1 msg=$2
	shift 2
	ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$shim "$crit" "$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" != "$rc" ] || ! grep -qF "$msg" "$T/out"; then
		echo "FAIL: crit $* -> exit $got (want $rc, '$msg'):"
		cat "$T/out"
		fail=1
	else
		echo "ok   crit $*"
	fi
}

"$crit" pack "$case" "$T/real.tar.zst" || { echo "FAIL: pack with libarchive"; exit 1; }
echo keep >"$T/keep.tar.zst"
expect 1 "$want" pack "$case" "$T/new.tar.zst"
expect 1 "$want" pack "$case" "$T/keep.tar.zst"
expect 1 "$want" unpack "$T/real.tar.zst" "$T/out-dir"
expect 1 "$want" inspect "$data/podman/looper-zstd.tar.zst"
expect 0 "" x "$case" ps
expect 0 "" --version
[ -e "$T/new.tar.zst" ] && { echo "FAIL: pack left new.tar.zst"; fail=1; }
[ "$(cat "$T/keep.tar.zst")" = keep ] || { echo "FAIL: pack changed keep.tar.zst"; fail=1; }
[ -e "$T/out-dir" ] && { echo "FAIL: unpack created out-dir"; fail=1; }
ls -a "$T" | grep -q unpack && { echo "FAIL: unpack left a temporary directory"; fail=1; }
exit $fail
