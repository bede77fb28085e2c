#!/bin/bash
# --leave-running: the task keeps running untouched after the dump; then
# kill it and restore the images: it carries on from the dump point.
. "$(dirname "$0")/lib.sh"

LOG=$T/mem.log
setsid "$PROGS/mempat" 32 "$LOG" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 10 grep -q 'iter=1 ' "$LOG" || fail "mempat did not start"
dump "$P" "$T/img" --leave-running
alive "$P" || fail "task died with --leave-running"
N=$(last_num "$LOG" 'iter=')
wait_for 5 grep -q "iter=$((N + 3)) " "$LOG" || fail "task stuck after --leave-running dump"
grep -q BAD "$LOG" && fail "task saw bad memory after a --leave-running dump"
kill -9 "$P"; wait "$P" 2>/dev/null
wait_for 5 gone "$P" || fail "could not kill $P"
decode_all "$T/img"
echo "--- restored" >> "$LOG"
restore_d "$T/img"
wait_for 5 sh -c "sed -n '/^--- restored/,\$p' $LOG | grep -q 'iter='" || fail "no progress after restore"
grep -q BAD "$LOG" && fail "bad memory after restore"
kill -9 "$P"
echo "PASS: left running, then restored"
