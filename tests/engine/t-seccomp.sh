#!/bin/bash
# no_new_privs and a chain of two seccomp filters, in the main thread and
# in a second thread, are still in force after dump and restore.
. "$(dirname "$0")/lib.sh"

setsid "$PROGS/seccompprog" "$T/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'iter=2 ' "$T/log" || fail "seccompprog did not start: $(cat "$T/log" 2>/dev/null)"
grep -q '^Seccomp:.2' /proc/$P/status || fail "no filter (test broken)"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
decode_all "$T/img"
restore_d "$T/img"
for t in $(ls /proc/$P/task); do
	grep -q '^Seccomp:.2' /proc/$P/task/$t/status || fail "thread $t lost seccomp"
	grep -q '^NoNewPrivs:.1' /proc/$P/task/$t/status || fail "thread $t lost no_new_privs"
done
N=$(last_num "$T/log" 'iter=')
wait_for 5 grep -q "iter=$((N + 3)) " "$T/log" || fail "no progress after restore: $(tail -n 2 "$T/log")"
grep BAD "$T/log" && fail "filters not in force after restore"
kill -9 "$P"
echo "PASS: seccomp filter chain and no_new_privs restored in both threads"
