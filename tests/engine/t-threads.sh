#!/bin/bash
# A process with four threads (TLS counters, a mutex+condvar ping-pong,
# one thread with its own signal mask): dump, gone, restore; every thread
# has its tid back and keeps going.
. "$(dirname "$0")/lib.sh"

setsid "$PROGS/threadprog" "$T/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'iter=2 ' "$T/log" || fail "threadprog did not start"
TIDS=$(ls /proc/$P/task | sort -n | tr '\n' ' ')
[ "$(echo $TIDS | wc -w)" = 5 ] || fail "expected 5 threads, got: $TIDS"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
for t in $TIDS; do [ -f "$T/img/core-$t.img" ] || fail "no core-$t.img"; done
decode_all "$T/img"
N=$(last_num "$T/log" 'iter=')
restore_d "$T/img"
[ "$(ls /proc/$P/task | sort -n | tr '\n' ' ')" = "$TIDS" ] || fail "threads after restore: $(ls /proc/$P/task | tr '\n' ' '), wanted $TIDS"
wait_for 5 grep -q "iter=$((N + 5)) " "$T/log" || fail "no progress after restore: $(tail -n 2 "$T/log")"
grep BAD "$T/log" && fail "a thread went wrong after restore"
kill -9 "$P"
echo "PASS: 5 threads restored with their tids (iter $N -> $(last_num "$T/log" 'iter='))"
