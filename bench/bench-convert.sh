#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit pack/unpack against tar -I 'zstd -T0', and page compression ratios.
# usage: bench/bench-convert.sh CRIT [SIZE_MIB] [CHECKPOINT_DIR]
# Without CHECKPOINT_DIR a checkpoint of SIZE_MIB (default 384) is built from
# the corpus: its image files plus pages-1.img made of real corpus pages
# (a mix of incompressible heap from memfill and ordinary process memory).
set -eu
CRIT=$(realpath "$1") SIZE=${2:-384} SRC=${3:-}
HERE=$(dirname "$(realpath "$0")")
DATA=$HERE/../tests/data/criu-4.x
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-convert.XXXXXX")
trap 'rm -rf "$T"' EXIT

if [ -z "$SRC" ]; then
	SRC=$T/ckpt
	mkdir "$SRC"
	cp "$DATA"/fdzoo/*.img "$SRC/"
	rm -f "$SRC"/pages-*.img
	cat "$DATA"/fdzoo/pages-*.img "$DATA"/shell-loop/pages-*.img "$DATA"/tcp-pair/pages-*.img \
		"$DATA"/memfill-4mib/pages-1.img >"$T/mix"
	while [ "$(stat -c %s "$SRC/pages-1.img" 2>/dev/null || echo 0)" -lt $((SIZE << 20)) ]; do
		cat "$T/mix" >>"$SRC/pages-1.img"
	done
fi
raw=$(du -sb "$SRC" | cut -f1)
pages=$(cat "$SRC"/pages-*.img 2>/dev/null | wc -c)
sync
now() { date +%s.%N; }
t() { # label command...: prints seconds
	s=$(now); "$@" >/dev/null; e=$(now)
	echo "$e - $s" | bc
}
mib() { echo "scale=1; $1 / 1048576" | bc; }
rate() { echo "scale=0; $raw / 1048576 / $1" | bc; }

echo "checkpoint: $SRC, $(mib "$raw") MiB ($(mib "$pages") MiB of pages), $(nproc) CPUs"
for run in 1 2; do
	rm -rf "$T/u1" "$T/u2" "$T"/*.tar.zst
	p1=$(t "$CRIT" pack -q "$SRC" "$T/crit.tar.zst")
	p2=$(t tar -C "$SRC" -I 'zstd -T0' -cf "$T/tar.tar.zst" .)
	mkdir "$T/u2"
	u1=$(t "$CRIT" unpack -q "$T/crit.tar.zst" "$T/u1")
	u2=$(t tar -C "$T/u2" -I 'zstd -d' -xf "$T/tar.tar.zst")
	diff -r "$SRC" "$T/u1" >/dev/null || { echo "unpacked tree differs"; exit 1; }
	echo "run $run: pack   crit $p1 s ($(rate "$p1") MiB/s)   tar+zstd -T0 $p2 s ($(rate "$p2") MiB/s)"
	echo "run $run: unpack crit $u1 s ($(rate "$u1") MiB/s)   tar+zstd -d  $u2 s ($(rate "$u2") MiB/s)"
done
c1=$(stat -c %s "$T/crit.tar.zst") c2=$(stat -c %s "$T/tar.tar.zst")
echo "archive: crit $(mib "$c1") MiB (ratio $(echo "scale=2; $raw / $c1" | bc)), tar+zstd $(mib "$c2") MiB (ratio $(echo "scale=2; $raw / $c2" | bc))"

cp -a "$SRC" "$T/z"
s=$(now); "$CRIT" compress -q "$T/z"; e=$(now); zc=$(echo "$e - $s" | bc)
z=$(cat "$T/z"/pages-*.img.zst | wc -c)
s=$(now); "$CRIT" decompress -q "$T/z"; e=$(now); zd=$(echo "$e - $s" | bc)
diff -r "$SRC" "$T/z" >/dev/null || { echo "decompressed pages differ"; exit 1; }
echo "pages: raw $(mib "$pages") MiB -> seekable zstd $(mib "$z") MiB (ratio $(echo "scale=2; $pages / $z" | bc)); compress $zc s, decompress $zd s (with fsync)"
