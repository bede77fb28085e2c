#!/bin/bash
# A setsid shell loop printing a counter: dump (it is gone), restore, the
# count continues from the next number with no gap and no repeat.
. "$(dirname "$0")/lib.sh"

LOG=$T/loop.log
setsid sh -c 'echo $$ > '"$T"'/pid; i=0; while :; do echo $i >> '"$LOG"'; i=$((i+1)); sleep 0.05; done' \
	</dev/null >/dev/null 2>&1 &
wait_for 5 test -s "$T/pid" || fail "loop did not start"
P=$(cat "$T/pid"); PIDS="$P"
wait_for 5 test -s "$LOG" || fail "loop does not count"
sleep 0.3
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task $P still alive after dump"
wait $! 2>/dev/null
N=$(tail -n 1 "$LOG")
sleep 0.3
[ "$(tail -n 1 "$LOG")" = "$N" ] || fail "log grew while the task was dumped"
decode_all "$T/img"
restore_d "$T/img" --pidfile "$T/restored.pid"
wait_for 5 alive "$P" || fail "task $P not running after restore"
[ "$(cat "$T/restored.pid" 2>/dev/null)" = "$P" ] || fail "--pidfile holds '$(cat "$T/restored.pid" 2>/dev/null)', not $P"
wait_for 5 sh -c "[ \$(tail -n 1 $LOG) -gt $((N + 3)) ]" || fail "count did not continue after $N"
# contiguous: every line is the previous plus one
awk 'NR > 1 && $1 != prev + 1 { print "gap after " prev; exit 1 } { prev = $1 }' "$LOG" ||
	fail "counter has a gap or repeat"
kill -9 "$P"
echo "PASS: counted to $(tail -n 1 "$LOG") across the restore (dumped at $N)"
