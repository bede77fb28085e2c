#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# compat.sh CRIT CASEDIR TOOL VERSION: our crit against CRIU's Python crit
# (TOOL: /work/shared/tools/crit-4.2, or Debian's /usr/bin/crit 3.17) on every
# framed image of one corpus case:
#   - our plain and pretty JSON equal theirs: byte-identical for 4.2, the same
#     values allowing for the fields older schemas lack for 3.17;
#   - their encode of our JSON, and our encode of theirs, give the image's bytes.
# The tool's library (pycriu) is driven in one process per case for speed
# (compat-pycrit.py, the same calls as its decode/encode); the tool itself is
# run once per case for decode and encode as a check of that shortcut.
# Exit 77 when the tool is absent or cannot run.
set -u
crit=$1 case=$2 tool=$3 ver=$4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/raw-names.sh"
if [ ! -x "$tool" ]; then
	echo "SKIP: $tool (CRIU crit $ver) is not installed"
	exit 77
fi
if ! "$tool" --help > /dev/null 2>&1; then # (crit 3.17 has no --version)
	echo "SKIP: $tool does not run here ($("$tool" --help 2>&1 | tail -1))"
	exit 77
fi
case $tool in
*/crit-4.2) pypath=$(cd "$(dirname "$tool")/py42" && pwd) ;;
*) pypath=${CRIT_PYTHONPATH:-} ;; # Debian: pycriu is on the default path
esac
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/ours" "$tmp/theirs"
fail=0 n=0
bad() { echo "FAIL $(basename "$case")/$1: $2"; fail=$((fail + 1)); }

imgs=
for f in "$case"/*.img "$case"/stats-*; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	raw_image "$b" && continue # no JSON form in either tool
	"$crit" decode -i "$f" -o "$tmp/ours/$b.plain.json" || bad "$b" "our decode failed"
	"$crit" decode --pretty -i "$f" -o "$tmp/ours/$b.pretty.json" || bad "$b" "our decode --pretty failed"
	imgs="$imgs $f"
	n=$((n + 1))
done
# shellcheck disable=SC2086
/usr/bin/python3 "$here/compat-pycrit.py" "$pypath" "$tmp/theirs" $imgs -- "$tmp"/ours/*.json ||
	{ echo "FAIL: the pycriu driver failed"; exit 1; }

# the real tool, once per case, agrees with the in-process driver
first=$(echo $imgs | cut -d' ' -f1)
b=$(basename "$first")
"$tool" decode -i "$first" -o "$tmp/cli.json" 2> /dev/null
cmp -s "$tmp/cli.json" "$tmp/theirs/$b.plain.json" || bad "$b" "$tool decode differs from the pycriu driver"
"$tool" encode -i "$tmp/ours/$b.plain.json" -o "$tmp/cli.img" 2> /dev/null
[ -f "$tmp/theirs/$b.plain.json.enc" ] && { cmp -s "$tmp/cli.img" "$tmp/theirs/$b.plain.json.enc" ||
	bad "$b" "$tool encode differs from the pycriu driver"; }

skipped=0
for f in $imgs; do
	b=$(basename "$f")
	for form in plain pretty; do
		ours=$tmp/ours/$b.$form.json theirs=$tmp/theirs/$b.$form.json
		enc=$tmp/theirs/$b.$form.json.enc
		if [ ! -f "$theirs" ]; then
			# an older crit that cannot read a newer image is not our failure
			if [ "$ver" = 4.2 ]; then
				bad "$b" "crit $ver $form decode failed: $(cat "$tmp/theirs/$b.$form.json.err")"
			else
				skipped=$((skipped + 1))
			fi
			continue
		fi
		if [ "$ver" = 4.2 ]; then
			cmp -s "$ours" "$theirs" || {
				/usr/bin/python3 "$here/json-cmp.py" "$theirs" "$ours" > "$tmp/why"
				bad "$b" "$form JSON differs from crit $ver: $(cat "$tmp/why")"
			}
		else
			/usr/bin/python3 "$here/json-compat.py" "$theirs" "$ours" > "$tmp/why" ||
				bad "$b" "$form JSON differs from crit $ver beyond schema age: $(cat "$tmp/why")"
		fi
		# their encode of our JSON gives the image (4.2: always; older: when
		# our JSON holds only fields its schema knows, i.e. the values agree)
		# (an older crit drops the fields it does not know, silently)
		same=1
		[ "$ver" = 4.2 ] || /usr/bin/python3 "$here/json-cmp.py" "$theirs" "$ours" > /dev/null || same=0
		if [ "$same" = 0 ]; then
			skipped=$((skipped + 1))
		elif [ -f "$enc" ]; then
			cmp -s "$enc" "$f" || bad "$b" "crit $ver encode of our $form JSON is not the image"
		else
			bad "$b" "crit $ver cannot encode our $form JSON: $(cat "$enc.err" 2> /dev/null)"
		fi
		# our encode of their JSON gives the image (older crit: when values agree)
		if [ "$same" = 0 ]; then
			# their JSON lacks fields: ours must still take it (3.17's pagemap
			# "nr_pages" is our field 2 name's old spelling: refused is right)
			"$crit" encode -i "$theirs" -o "$tmp/back.img" 2> "$tmp/why" ||
				grep -q -e 'nr_pages' -e 'missing required' "$tmp/why" ||
				bad "$b" "our encode refused crit $ver's $form JSON: $(cat "$tmp/why")"
		elif "$crit" encode -i "$theirs" -o "$tmp/back.img" 2> "$tmp/why"; then
			cmp -s "$tmp/back.img" "$f" || bad "$b" "our encode of crit $ver's $form JSON is not the image"
		else
			bad "$b" "our encode refused crit $ver's $form JSON: $(cat "$tmp/why")"
		fi
	done
done
echo "$(basename "$case") vs crit $ver: $n images, $fail failures, $skipped checks not applicable to the older schema"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
