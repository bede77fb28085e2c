#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# roundtrip.sh CRIT CASEDIR: for every framed image of one corpus case,
#  - `crit decode --pretty` is byte-identical to CRIU crit 4.2's output in
#    expected/crit-4.2/<image>.json (and so has the same JSON values; when the
#    text differs, json-cmp.py says whether the values do too);
#  - decode | encode gives the image back byte for byte, plain and pretty,
#    through files (-i/-o) and through pipes;
#  - crit 4.2's own JSON encodes to the original bytes.
# Raw images (pages-*, tmpfs-dev-*.tar.gz, iptables-* ...) have no JSON
# form: crit 4.2 refuses them and so must we, with a line naming the file.
set -u
crit=$1 case=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/raw-names.sh"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
bad() { echo "FAIL $(basename "$case")/$img: $*"; fail=$((fail + 1)); }

for f in "$case"/*.img "$case"/stats-*; do
	[ -f "$f" ] || continue
	img=$(basename "$f")
	exp=$case/expected/crit-4.2/$img.json
	if raw_image "$img"; then
		[ -f "$exp" ] && bad "raw image, yet crit 4.2 decoded it ($exp)"
		if "$crit" decode -i "$f" -o "$tmp/raw.json" 2> "$tmp/why"; then
			bad "decode of a raw image succeeded"
		elif ! grep -q "a raw image (" "$tmp/why" || ! grep -qF "$img" "$tmp/why"; then
			# named by its file name, empty or not (iptables-N with no rules)
			bad "decode of a raw image fails without saying it is raw: $(cat "$tmp/why")"
		fi
		continue
	fi
	if [ ! -f "$exp" ]; then
		bad "no expected output $exp"
		continue
	fi
	n=$((n + 1))
	"$crit" decode --pretty -i "$f" -o "$tmp/pretty.json" || { bad "decode --pretty failed"; continue; }
	if ! cmp -s "$tmp/pretty.json" "$exp"; then
		if /usr/bin/python3 "$here/json-cmp.py" "$exp" "$tmp/pretty.json"; then
			bad "pretty JSON has crit 4.2's values but not its exact text"
		else
			bad "pretty JSON values differ from crit 4.2's"
		fi
	fi
	"$crit" decode -i "$f" -o "$tmp/plain.json" || { bad "decode failed"; continue; }
	# stdout form: the same text plus a newline
	"$crit" decode < "$f" > "$tmp/plain-stdout.json" || bad "decode from stdin failed"
	printf '\n' | cat "$tmp/plain.json" - | cmp -s - "$tmp/plain-stdout.json" ||
		bad "decode to stdout differs from decode -o"
	"$crit" encode -i "$tmp/plain.json" -o "$tmp/plain.img" || { bad "encode of plain JSON failed"; continue; }
	cmp -s "$f" "$tmp/plain.img" || bad "decode | encode (plain) is not byte-identical"
	"$crit" encode -i "$tmp/pretty.json" -o "$tmp/pretty.img" || { bad "encode of pretty JSON failed"; continue; }
	cmp -s "$f" "$tmp/pretty.img" || bad "decode --pretty | encode is not byte-identical"
	cat "$f" | "$crit" decode | "$crit" encode | cmp -s "$f" - ||
		bad "decode | encode through pipes is not byte-identical"
	cat "$f" | "$crit" decode --pretty | "$crit" encode | cmp -s "$f" - ||
		bad "decode --pretty | encode through pipes is not byte-identical"
	"$crit" encode -i "$exp" | cmp -s "$f" - || bad "crit 4.2's JSON does not encode to the image"
done
echo "$(basename "$case"): $n images, $fail failures"
[ "$n" -gt 0 ] || exit 1
[ "$fail" -eq 0 ]
