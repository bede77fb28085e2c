#!/bin/bash
# Files at offsets and in O_APPEND, /dev/null at fd 42, a directory fd,
# cwd, umask, rlimit, comm, an itimer, a handler, a blocked signal and a
# pending one survive.
. "$(dirname "$0")/lib.sh"

mkdir "$T/work"
setsid "$PROGS/fileprog" "$T/work" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'iter=3 ' "$T/work/log" || fail "fileprog did not start"
kill -USR2 "$P" # blocked: stays pending across the dump
wait_for 5 grep -q 'pend=1' "$T/work/log" || fail "SIGUSR2 not pending before the dump"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task $P alive after dump"
wait "$P" 2>/dev/null
decode_all "$T/img"
N=$(last_num "$T/work/log" 'iter=')
restore_d "$T/img"
wait_for 5 grep -q "iter=$((N + 3)) " "$T/work/log" || fail "no progress after restore"
kill -USR1 "$P"
wait_for 5 grep -q 'usr1=1 pend=1 ok' "$T/work/log" || fail "SIGUSR1 handler or pending SIGUSR2 lost"
grep BAD "$T/work/log" && fail "file state wrong after restore"
[ "$(cat /proc/$P/comm)" = crisp-fileprog ] || fail "comm not restored"
kill -9 "$P"
echo "PASS: files, offsets, append, fs state kept (iter $N -> $(last_num "$T/work/log" 'iter='))"
