#!/bin/sh
# crit x ps/fds/mems/rss must match CRIU crit 4.2 byte for byte on every corpus case.
# usage: cli-x-crit42.sh CRIT DATA_DIR
set -u
crit=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$2
fail=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for d in "$data"/criu-4.x/*/; do
	for v in ps fds mems rss; do
		exp="$d/expected/crit-4.2/x-$v.txt"
		[ -f "$exp" ] || continue
		n=$((n + 1))
		if ! (cd "$d" && "$crit" x . "$v") >"$tmp" 2>&1; then
			echo "FAIL: $d x $v exited non-zero"; cat "$tmp"; fail=1; continue
		fi
		if ! cmp -s "$tmp" "$exp"; then
			echo "FAIL: $d x $v differs"; diff "$exp" "$tmp" | head -20; fail=1
		fi
	done
done
[ "$n" -gt 0 ] || { echo "no corpus cases found in $data"; exit 77; }
echo "$n views compared"
exit $fail
