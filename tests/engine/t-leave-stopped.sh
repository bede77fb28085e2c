#!/bin/bash
# --leave-stopped: after the dump every task of the tree is stopped (not
# killed, not running); SIGCONT to the group lets it carry on.
. "$(dirname "$0")/lib.sh"

LOG=$T/loop.log
setsid sh -c 'i=0; while :; do echo $i >> '"$LOG"'; i=$((i+1)); sleep 0.05; done' </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$LOG" || fail "loop did not start"
dump "$P" "$T/img" --leave-stopped
grep -q '^State:.T' /proc/$P/status || fail "root not stopped: $(grep State /proc/$P/status)"
for c in $(cat /proc/$P/task/$P/children); do
	grep -q '^State:.T' /proc/$c/status || fail "child $c not stopped"
done
N=$(tail -n 1 "$LOG"); sleep 0.3
[ "$(tail -n 1 "$LOG")" = "$N" ] || fail "the tree ran while left stopped"
kill -CONT -- -"$P"
wait_for 5 sh -c "[ \$(tail -n 1 $LOG) -gt $((N + 3)) ]" || fail "no progress after SIGCONT"
kill -9 "$P"
echo "PASS: left stopped at $N, continued to $(tail -n 1 "$LOG")"
