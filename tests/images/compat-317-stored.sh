#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# compat-317-stored.sh CRIT CORPUS: our pretty JSON against the output of
# Debian 12's crit 3.17.1 stored in each case's expected/crit-3.17.1/ (real
# runs of that tool, see expected/README.txt), allowing only for what its
# older schemas lack (json-compat.py).  Needs no Python crit installed.
set -u
crit=$1 corpus=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
pairs=
for d in "$corpus"/*/; do
	c=$(basename "$d")
	if [ ! -d "$d"expected/crit-3.17.1 ]; then
		# e.g. runc-busybox: only crit 4.2 outputs were made for it
		echo "skip $c: no expected/crit-3.17.1 outputs stored for this case"
		continue
	fi
	mkdir "$tmp/$c"
	for old in "$d"expected/crit-3.17.1/*.json; do
		[ -f "$old" ] || continue
		b=$(basename "$old" .json)
		"$crit" decode --pretty -i "$d$b" -o "$tmp/$c/$b.json" || { echo "FAIL $c/$b: decode"; fail=$((fail + 1)); continue; }
		pairs="$pairs $old $tmp/$c/$b.json"
		n=$((n + 1))
	done
done
# shellcheck disable=SC2086
/usr/bin/python3 "$here/json-compat.py" -v $pairs > "$tmp/report" || fail=$((fail + 1))
sort "$tmp/report" | uniq -c
echo "crit 3.17.1 stored outputs: $n images, $fail failures"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
