#!/bin/sh
# Bad and missing images: clear errors naming the file, exit status 1 (2 for
# usage), never a crash.  Output (stdout+stderr, temp paths as $T) is
# compared to golden/errors.txt.
# usage: cli-errors.sh CRIT DATA_DIR GOLDEN_DIR [--update]
set -u
[ "${CRIT_ARCHIVE:-1}" = 0 ] && { echo "SKIP: crit built without libarchive: archives are half of this test"; exit 77; }
crit=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$2
golden=$3
update=${4:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
out=$T/out.txt
: >"$out"

run() {
	echo "\$ crit $*" >>"$out"
	(cd "$T" && "$crit" "$@") >>"$out" 2>&1
	rc=$?
	echo "exit $rc" >>"$out"
	if [ $rc -ge 128 ]; then
		echo "CRASH: crit $* (exit $rc)"
		exit 1
	fi
}

mkdir "$T/empty"
cp -r "$data/criu-4.x/shell-loop" "$T/sl"
rm -rf "$T/sl/expected"
cp -r "$T/sl" "$T/sl-trunc"
head -c 10 "$T/sl/core-19084.img" >"$T/sl-trunc/core-19084.img"
cp -r "$T/sl" "$T/sl-garbage"
printf '\031\103\126\124\040\050\111\127\377\377\377\377garbage' >"$T/sl-garbage/mm-19101.img"
cp -r "$T/sl" "$T/sl-nofd"
rm "$T/sl-nofd/fdinfo-3.img"
cp -r "$T/sl" "$T/sl-pages"
head -c 8192 "$T/sl/pages-1.img" >"$T/sl-pages/pages-1.img"
cp -r "$T/sl" "$T/sl-nopstree"
rm "$T/sl-nopstree/pstree.img"
printf 'not an archive' >"$T/junk.tar"
head -c 10000 "$data/podman/looper-zstd.tar.zst" >"$T/cut.tar.zst"

run x nonexistent ps
run x empty ps
run x sl nosuchview
run x
run x sl-trunc ps
run x sl-garbage mems
run x sl-garbage rss
run x sl-nofd fds
run x sl-nopstree fds
run x sl-pages cmdline
run mem sl-pages 19084 --addr 0x564245d5c7fe --len 32
run mem sl 4242
run mem sl 19084 --addr nothex
run search sl no-such-string-anywhere
run search sl '(' --regex
run search sl sh --pid 4242
run stats empty
run check empty
run check sl-trunc
run check sl-nofd
run check sl-pages
run check sl-garbage
run inspect junk.tar
run inspect cut.tar.zst
run inspect nonexistent
run diff sl sl-nofd
run diff sl empty

sed "s|$T|\$T|g" "$out" >"$T/norm.txt"
if [ "$update" = --update ]; then
	cp "$T/norm.txt" "$golden/errors.txt"
	exit 0
fi
if ! cmp -s "$T/norm.txt" "$golden/errors.txt"; then
	diff "$golden/errors.txt" "$T/norm.txt"
	exit 1
fi
