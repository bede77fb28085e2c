#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Seed and run one harness: run-fuzz.sh BUILDDIR decode|encode SECONDS [libFuzzer args]
# Seeds: every framed image of tests/data/criu-4.x (decode), and crit's plain and
# pretty JSON of each (encode).  The working corpus lives in BUILDDIR/fuzz-corpus-*.
set -eu
b=$1 what=$2 secs=$3
shift 3
src=$(cd "$(dirname "$0")/../.." && pwd)
crit=$b/crit/crit
corpus=$b/fuzz-corpus-$what
seeds=$b/fuzz-seeds-$what
mkdir -p "$corpus" "$seeds" "$b/fuzz-artifacts-$what"
. "$src/tests/images/raw-names.sh"
for f in "$src"/tests/data/criu-4.x/*/*.img "$src"/tests/data/criu-4.x/*/stats-*; do
	raw_image "$(basename "$f")" && continue
	id=$(basename "$(dirname "$f")")-$(basename "$f")
	if [ "$what" = decode ]; then
		cp "$f" "$seeds/$id"
	else
		"$crit" decode -i "$f" -o "$seeds/$id.json"
		"$crit" decode --pretty -i "$f" -o "$seeds/$id.pretty.json"
	fi
done
exec "$b/tests/fuzz/fuzz-$what" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$b/fuzz-artifacts-$what/" -print_final_stats=1 "$@" "$corpus" "$seeds"
