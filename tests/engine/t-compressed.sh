#!/bin/bash
# A checkpoint whose pages were compressed with `crit compress` restores:
# mempat's 64 MiB pattern is dumped, pages-*.img are replaced by
# pages-*.img.zst, crisp restores from those and mempat keeps verifying its
# memory with no mismatch.
. "$(dirname "$0")/lib.sh"
[ -n "${CRIT:-}" ] || { echo "SKIP: crit not built"; exit 77; }

LOG=$T/mem.log
setsid "$PROGS/mempat" 64 "$LOG" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 20 grep -q 'iter=1 ' "$LOG" || fail "mempat did not start"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task $P still alive after dump"
wait "$P" 2>/dev/null
"$CRIT" compress "$T/img" >/dev/null || fail "crit compress failed"
ls "$T"/img/pages-*.img >/dev/null 2>&1 && fail "plain pages files left after compress"
ls "$T"/img/pages-*.img.zst >/dev/null 2>&1 || fail "no compressed pages files"
N=$(last_num "$LOG" 'iter=')
restore_d "$T/img"
wait_for 10 grep -q "iter=$((N + 3)) " "$LOG" || fail "no progress after restore from compressed pages (dumped at iter $N)"
grep -q BAD "$LOG" && fail "memory mismatch after restore from compressed pages"
alive "$P" || fail "task died after restore"
kill -9 "$P"
echo "PASS: restored from zstd-compressed pages, memory verified (iter $N -> $(last_num "$LOG" 'iter='))"
