#!/bin/bash
# Incremental dumps.  With soft-dirty tracking: pre-dump a 64 MiB mempat
# (it keeps running), pre-dump again on top, then dump with
# --prev-images-dir --track-mem: unchanged pages become PE_PARENT entries,
# the counter page mempat rewrites every iteration comes fresh.  Without
# it (no CONFIG_MEM_SOFT_DIRTY) pre-dump is refused as CRIU does, and the
# restore side is tested on an incremental image made from a full dump.
# Either way restore reads PE_PARENT pages through DIR/parent links.
. "$(dirname "$0")/lib.sh"

LOG=$T/mem.log
setsid "$PROGS/mempat" 64 "$LOG" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 20 grep -q 'iter=1 ' "$LOG" || fail "mempat did not start"

pages_of() { cat "$T/$1"/pages-*.img | wc -c; }

# pm_check DIR: crit sees PE_PARENT entries and reads memory through the parents
pm_check() {
	local d=$1 pa
	[ -n "${CRIT:-}" ] && [ -x "${CRIT:-}" ] || return 0
	"$CRIT" decode --pretty -i "$T/$d/pagemap-$P.img" >"$T/pm.json" || fail "crit decode pagemap of $d"
	grep -q PE_PARENT "$T/pm.json" || fail "no PE_PARENT entries in $d's pagemap"
	"$CRIT" x "$T/$d" rss >"$T/rss.txt" 2>&1 || fail "crit x rss: $(tail -n 2 "$T/rss.txt")"
	pa=$(python3 -c 'import json,sys
e=[x for x in json.load(open(sys.argv[1]))["entries"][1:] if "PARENT" in str(x.get("flags",""))]
print(max(e, key=lambda x: x["nr_pages"])["vaddr"])' "$T/pm.json") || fail "no parent vaddr in $d"
	"$CRIT" mem "$T/$d" "$P" --addr "$pa" --len 64 >"$T/crit-mem.txt" 2>&1 ||
		fail "crit mem at $pa (in the parent): $(tail -n 2 "$T/crit-mem.txt")"
	# the 64 MiB pattern is never all zero: crit found it in the parent
	grep -Eq '  ([0-9a-f]{2} +)*(0[1-9a-f]|[1-9a-f][0-9a-f])' "$T/crit-mem.txt" ||
		fail "crit mem at $pa shows no pattern: $(head -n 2 "$T/crit-mem.txt")"
}

# restore_check DIR: the task goes on from exactly where it was dumped
restore_check() {
	local n l
	wait_for 5 gone "$P" || fail "task $P still alive before restore"
	n=$(last_num "$LOG" 'iter=')
	l=$(grep -c . "$LOG")
	restore_d "$T/$1"
	wait_for 10 grep -q "iter=$((n + 3)) " "$LOG" || fail "no progress after restore (dumped at iter $n)"
	grep -q BAD "$LOG" && fail "memory mismatch after restore: $(grep BAD -B1 "$LOG" | head -n 2)"
	[ "$(sed -n "$((l + 1))p" "$LOG")" = "iter=$((n + 1)) bad=0" ] ||
		fail "restored task did not go on from iter $n: '$(sed -n "$((l + 1))p" "$LOG")'"
	alive "$P" || fail "task died after restore"
}

if "$CRISP" check --feature mem_dirty_track >/dev/null 2>&1; then
	MODE=soft-dirty
	mkdir -p "$T/img1" "$T/img2" "$T/img3"
	"$CRISP" pre-dump -t "$P" -D "$T/img1" -o dump.log -v4 || fail "crisp pre-dump failed"
	alive "$P" || fail "task $P died in pre-dump"
	ls "$T"/img1/core-*.img >/dev/null 2>&1 && fail "pre-dump wrote core images"
	for f in inventory.img pstree.img "mm-$P.img" "pagemap-$P.img"; do
		[ -f "$T/img1/$f" ] || fail "pre-dump did not write $f"
	done
	[ "$(pages_of img1)" -ge $((64 << 20)) ] || fail "pre-dump pages hold only $(pages_of img1) bytes"
	N=$(last_num "$LOG" 'iter=')
	wait_for 10 grep -q "iter=$((N + 3)) " "$LOG" || fail "no progress after pre-dump (iter $N)"
	"$CRISP" pre-dump -t "$P" -D "$T/img2" --prev-images-dir ../img1 -o dump.log -v4 ||
		fail "chained pre-dump failed"
	N=$(last_num "$LOG" 'iter=')
	wait_for 10 grep -q "iter=$((N + 2)) " "$LOG" || fail "no progress after second pre-dump"
	"$CRISP" dump -t "$P" -D "$T/img3" --prev-images-dir ../img2 --track-mem -o dump.log -v4 ||
		fail "incremental dump failed"
	[ "$(readlink "$T/img2/parent")" = ../img1 ] || fail "img2/parent -> $(readlink "$T/img2/parent")"
	for d in img2 img3; do
		[ "$(pages_of $d)" -lt $((8 << 20)) ] || fail "$d pages hold $(pages_of $d) bytes: parent pages written again"
	done
	# dump --track-mem leaves the tree running: stop it to restore
	kill -9 "$P"; wait "$P" 2>/dev/null
else
	MODE=crafted
	[ -x "${CRIT:-}" ] || { echo "SKIP: no soft-dirty tracking and no crit to make an incremental image"; exit 77; }
	mkdir -p "$T/img1"
	"$CRISP" pre-dump -t "$P" -D "$T/img1" -o dump.log -v4 >"$T/pd.err" 2>&1 &&
		fail "pre-dump succeeded without soft-dirty tracking"
	grep -q "tracking memory is not available" "$T/pd.err" ||
		fail "pre-dump refused for another reason: $(tail -n 1 "$T/pd.err")"
	alive "$P" || fail "task $P died in the refused pre-dump"
	rm -rf "$T/img1"; mkdir -p "$T/img1"
	dump "$P" "$T/img1"
	wait "$P" 2>/dev/null
	# img2: img1 with its runs of 1024+ pages (the 64 MiB pattern) moved to
	# the parent; img3: img2 with every other run still present moved too,
	# so some pages are one level up and some two.  The layout of the small
	# runs differs between machines: pick them by position, not by size.
	mkincr() {
		local from=$1 to=$2 mode=$3
		mkdir -p "$T/$to"
		cp "$T/$from"/*.img "$T/$from"/stats-dump "$T/$to/"
		ln -s "../$from" "$T/$to/parent"
		"$CRIT" decode -i "$T/$from/pagemap-$P.img" >"$T/pm-$from.json" || fail "crit decode"
		python3 - "$T/pm-$from.json" "$T/$from" "$T/$to" "$mode" >"$T/pm-$to.json" <<'PY' ||
import json, sys
pm = json.load(open(sys.argv[1]))
pid = pm["entries"][0]["pages_id"]
src = open(f"{sys.argv[2]}/pages-{pid}.img", "rb").read()
out, off, moved = bytearray(), 0, 0
mode, nth = sys.argv[4], 0
for e in pm["entries"][1:]:
    n = e.get("nr_pages") or e.get("compat_nr_pages")
    if not e.get("flags", 4) & 4:  # not PE_PRESENT: nothing in pages
        continue
    nth += 1
    if (n >= 1024) if mode == "big" else (nth % 2 == 1):
        e["flags"] = 1  # PE_PARENT
        moved += n
    else:
        out += src[off:off + n * 4096]
    off += n * 4096
assert moved > 0, f"no present run to move ({mode})"
open(f"{sys.argv[3]}/pages-{pid}.img", "wb").write(out)
json.dump(pm, sys.stdout)
PY
			fail "making the incremental image $to"
		"$CRIT" encode -i "$T/pm-$to.json" -o "$T/$to/pagemap-$P.img" || fail "crit encode"
	}
	mkincr img1 img2 big
	mkincr img2 img3 alternate
fi

[ -L "$T/img3/parent" ] || fail "img3/parent is not a symlink"
[ "$(pages_of img3)" -lt $((8 << 20)) ] || fail "img3 pages hold $(pages_of img3) bytes"
pm_check img3
decode_all "$T/img3"
decode_all "$T/img1"
restore_check img3
kill -9 "$P"
echo "PASS ($MODE): restored through parent images (pages: img1 $(($(pages_of img1) >> 20)) MiB, img3 $(pages_of img3) bytes)"
