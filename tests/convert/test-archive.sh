#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit pack/unpack: round trips in every format, through pipes, podman's
# layout, cut and corrupted transfers, hostile archives, sparse files.
# usage: test-archive.sh CRIT DATA_DIR SRC_DIR
set -u
CRIT=$1 DATA=$2 SRC=$3
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok   $*"; }
nothing_left() { # $1 = target name
	[ ! -e "$T/$1" ] && [ -z "$(ls -A "$T" | grep "^\.$1\.unpack-")" ]
}

for c in "$DATA"/criu-4.x/*/; do
	c=${c%/}; n=$(basename "$c")
	for f in tar.zst tar.gz tar.xz tar; do
		"$CRIT" pack -q "$c" "$T/$n.$f" && "$CRIT" unpack -q "$T/$n.$f" "$T/$n-$f" &&
			diff -r "$c" "$T/$n-$f" >/dev/null && ok "round trip $n $f" || bad "round trip $n $f"
		rm -rf "$T/$n-$f"
	done
	"$CRIT" pack -q --format tar.xz "$c" - | "$CRIT" unpack -q - "$T/$n-pipe" &&
		diff -r "$c" "$T/$n-pipe" >/dev/null && ok "pipe $n" || bad "pipe $n"
	rm -rf "$T/$n-pipe"
done
# a named pipe as ARCHIVE is written to, never replaced by a file
mkfifo "$T/fifo.tar.zst"
"$CRIT" unpack -q "$T/fifo.tar.zst" "$T/fifo-out" & up=$!
"$CRIT" pack -q "$DATA/criu-4.x/fdzoo" "$T/fifo.tar.zst"; wait $up &&
	[ -p "$T/fifo.tar.zst" ] && diff -r "$DATA/criu-4.x/fdzoo" "$T/fifo-out" >/dev/null &&
	ok "named pipe as archive" || bad "named pipe as archive"
# format by name is what tar(1) and zstd(1) expect
zstd -qt "$T/fdzoo.tar.zst" && gzip -t "$T/fdzoo.tar.gz" && xz -t "$T/fdzoo.tar.xz" &&
	tar -tf "$T/fdzoo.tar" >/dev/null && ok "formats readable by zstd/gzip/xz/tar" ||
	bad "formats readable by standard tools"

# podman export: unpack, pack again, unpack again
P="$DATA/podman/looper-zstd.tar.zst"
"$CRIT" unpack -q "$P" "$T/pod" && [ -f "$T/pod/checkpoint/inventory.img" ] &&
	[ -f "$T/pod/config.dump" ] && "$CRIT" pack -q "$T/pod" "$T/pod2.tar.zst" &&
	"$CRIT" unpack -q "$T/pod2.tar.zst" "$T/pod2" && diff -r "$T/pod" "$T/pod2" >/dev/null &&
	ok "podman export layout" || bad "podman export layout"

# cut and corrupted transfers
A="$T/fdzoo.tar"
Z=$(stat -c %s "$T/fdzoo.tar.zst")
for cut in 1000 $((Z / 2)) $((Z - 1)); do
	head -c $cut "$T/fdzoo.tar.zst" >"$T/cut.tar.zst"
	"$CRIT" unpack -q "$T/cut.tar.zst" "$T/cut" 2>/dev/null && bad "cut zst at $cut accepted" ||
		{ nothing_left cut && ok "cut zst at $cut refused" || bad "cut zst at $cut left files"; }
done
python3 - "$A" "$T" <<'PY'
import sys, tarfile
a, t = sys.argv[1], sys.argv[2]
data = open(a, "rb").read()
last = tarfile.open(a).getmembers()[-1]
open(f"{t}/cut-member.tar", "wb").write(data[:last.offset])   # at a member boundary
d = bytearray(data); d[5000] ^= 1
open(f"{t}/flip.tar", "wb").write(d)                          # one bit in file data
PY
for x in cut-member flip; do
	"$CRIT" unpack -q "$T/$x.tar" "$T/x" 2>"$T/err" && bad "$x accepted" ||
		{ nothing_left x && ok "$x refused: $(cat "$T/err")" || bad "$x left files"; }
done
python3 -c "
import sys; d=bytearray(open('$T/fdzoo.tar.zst','rb').read()); d[len(d)//2]^=0x40
open('$T/flip.tar.zst','wb').write(d)"
"$CRIT" unpack -q "$T/flip.tar.zst" "$T/x" 2>/dev/null && bad "flipped zst accepted" ||
	{ nothing_left x && ok "flipped zst refused" || bad "flipped zst left files"; }

# hostile archives: refused, nothing written
mkdir "$T/h"
for n in $(python3 "$SRC/mkhostile.py" "$T/h"); do
	"$CRIT" unpack -q --max-size 1K "$T/h/$n.tar" "$T/hx" 2>"$T/err" && bad "hostile $n accepted" ||
		{ nothing_left hx && ok "hostile $n refused: $(cat "$T/err")" || bad "hostile $n left files"; }
	rm -rf "$T/hx"
done
[ ! -e /tmp/crisp-hostile-abs ] && [ ! -e "$T/crisp-hostile-up" ] || bad "hostile wrote outside"
# a link inside is fine: incremental dumps keep parent -> ../dump-1
mkdir -p "$T/chain/d1" "$T/chain/d2" && cp "$DATA/criu-4.x/shell-loop/inventory.img" "$T/chain/d1/" &&
	cp "$DATA/criu-4.x/shell-loop/inventory.img" "$T/chain/d2/" && ln -s ../d1 "$T/chain/d2/parent"
"$CRIT" pack -q "$T/chain" "$T/chain.tar" && "$CRIT" unpack -q "$T/chain.tar" "$T/chain2" &&
	[ "$(readlink "$T/chain2/d2/parent")" = ../d1 ] && ok "inner parent link kept" || bad "inner parent link"
"$CRIT" pack -q "$T/chain/d2" "$T/out.tar" 2>/dev/null && bad "outward link packed" || ok "outward link refused by pack"
# unpack refuses a non-empty target, accepts an empty one
mkdir "$T/full" && touch "$T/full/x"
"$CRIT" unpack -q "$A" "$T/full" 2>/dev/null && bad "non-empty target accepted" || ok "non-empty target refused"
mkdir "$T/empty" && "$CRIT" unpack -q "$A" "$T/empty" && [ -f "$T/empty/inventory.img" ] &&
	ok "empty target filled" || bad "empty target"

# sparse: 100 MiB file with 5 bytes of data stays small both ways
mkdir "$T/sp" && cp "$DATA/criu-4.x/shell-loop/inventory.img" "$T/sp/" &&
	truncate -s 100M "$T/sp/pages-9.img" &&
	printf hello | dd of="$T/sp/pages-9.img" bs=1 seek=50000000 conv=notrunc 2>/dev/null
"$CRIT" pack -q "$T/sp" "$T/sp.tar" && [ "$(stat -c %s "$T/sp.tar")" -lt 100000 ] &&
	"$CRIT" unpack -q "$T/sp.tar" "$T/sp2" && cmp -s "$T/sp/pages-9.img" "$T/sp2/pages-9.img" &&
	[ "$(stat -c %b "$T/sp2/pages-9.img")" -lt 1000 ] && ok "sparse not inflated" || bad "sparse"
# zero pages written out in full are not inflated on unpack either
mkdir "$T/zp" && cp "$DATA/criu-4.x/shell-loop/inventory.img" "$T/zp/" &&
	{ head -c 8192 /dev/urandom; head -c 40M /dev/zero; head -c 5000 /dev/urandom; } >"$T/zp/pages-1.img"
"$CRIT" pack -q "$T/zp" "$T/zp.tar.zst" && "$CRIT" unpack -q "$T/zp.tar.zst" "$T/zp2" &&
	cmp -s "$T/zp/pages-1.img" "$T/zp2/pages-1.img" && [ "$(stat -c %b "$T/zp2/pages-1.img")" -lt 1000 ] &&
	"$CRIT" pack -q "$T/zp" "$T/zp.tar" && [ "$(stat -c %s "$T/zp.tar")" -lt 100000 ] &&
	tar -xOf "$T/zp.tar" pages-1.img | cmp -s - "$T/zp/pages-1.img" &&
	ok "zero pages not inflated" || bad "zero pages"
exit $fail
