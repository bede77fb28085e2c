#!/bin/bash
# A C program verifying a 256 MiB pattern (plus shared anon, heap, stack,
# a COWed file page and FPU state): dump, gone, restore, it keeps verifying
# with bad=0.  64 MiB it never touched must not be in the pages images.
. "$(dirname "$0")/lib.sh"

LOG=$T/mem.log
setsid "$PROGS/mempat" 256 "$LOG" 64 </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 20 grep -q 'iter=1 ' "$LOG" || fail "mempat did not start"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task $P still alive after dump"
wait "$P" 2>/dev/null
SZ=$(cat "$T"/img/pages-*.img | wc -c)
[ "$SZ" -ge $((256 << 20)) ] || fail "pages images hold only $SZ bytes"
[ "$SZ" -lt $((300 << 20)) ] || fail "pages images hold $SZ bytes: untouched memory was written"
decode_all "$T/img"
N=$(last_num "$LOG" 'iter=')
restore_d "$T/img"
wait_for 10 sh -c "[ \$(grep -c . $LOG) -gt 0 ] && grep -q 'iter=$((N + 3)) ' $LOG" ||
	fail "no progress after restore (dumped at iter $N)"
grep -q BAD "$LOG" && fail "memory mismatch after restore: $(grep BAD -B1 "$LOG" | head -n 2)"
alive "$P" || fail "task died after restore"
kill -9 "$P"
echo "PASS: 256 MiB verified after restore (iter $N -> $(last_num "$LOG" 'iter=')), pages $((SZ >> 20)) MiB"
