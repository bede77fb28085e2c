#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit compress/decompress on every corpus case: exact bytes back, the
# compressed form readable by zstd(1), no pages-N.img left for CRIU to misread.
# usage: test-compress.sh CRIT DATA_DIR
set -u
CRIT=$1 DATA=$2
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok   $*"; }

for c in "$DATA"/criu-4.x/*/; do
	c=${c%/}; n=$(basename "$c")
	cp -a "$c" "$T/$n"
	"$CRIT" compress -q --threads 2 "$T/$n" || { bad "compress $n"; continue; }
	ls "$T/$n" | grep -q '^pages-[0-9]*\.img$' && bad "$n: plain pages left"
	for z in "$T/$n"/pages-*.img.zst; do
		zstd -qdc "$z" | cmp -s - "$c/$(basename "$z" .zst)" || bad "$n: zstd -d $(basename "$z")"
	done
	"$CRIT" compress "$T/$n" | grep -q '0 file(s) compressed' || bad "$n: second compress not a no-op"
	"$CRIT" decompress -q "$T/$n" && diff -r "$c" "$T/$n" >/dev/null &&
		ok "identity $n" || bad "identity $n"
done
# a damaged compressed file is refused and the directory left as it was
cp -a "$DATA/criu-4.x/memfill-4mib" "$T/dmg" && "$CRIT" compress -q "$T/dmg"
python3 -c "
import sys; p='$T/dmg/pages-1.img.zst'; d=bytearray(open(p,'rb').read()); d[200]^=0x55; open(p,'wb').write(d)"
"$CRIT" decompress -q "$T/dmg" 2>"$T/err" && bad "damaged accepted" ||
	{ [ -f "$T/dmg/pages-1.img.zst" ] && [ ! -e "$T/dmg/pages-1.img" ] &&
		ok "damaged refused: $(cat "$T/err")" || bad "damaged left a partial file"; }
exit $fail
