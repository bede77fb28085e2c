#!/bin/bash
# A tree (writer, reader in its own group, a zombie) with a pipe between
# the children full of data: dump, all gone, restore; the reader keeps
# seeing a contiguous counter, ids are kept, the zombie's status is 7.
. "$(dirname "$0")/lib.sh"

setsid "$PROGS/pipetree" "$T" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'reader at' "$T/log" || fail "pipetree did not start"
read -r W R Z < <(sed -n 's/^ready root=[0-9]* writer=\([0-9]*\) reader=\([0-9]*\) zombie=\([0-9]*\)/\1 \2 \3/p' "$T/log")
PIDS="$P $W $R"
dump "$P" "$T/img"
grep -q 'bytes in flight' "$T/img/dump.log" || fail "no pipe data recorded"
grep -qE 'pipe [0-9]+: [1-9][0-9]* bytes in flight' "$T/img/dump.log" || fail "pipe was empty at dump (test too weak)"
for p in $P $W $R; do wait_for 5 gone "$p" || fail "task $p alive after dump"; done
wait "$P" 2>/dev/null
wait_for 5 sh -c "! test -d /proc/$Z" || fail "zombie $Z not reaped after dump"
decode_all "$T/img"
AT=$(last_num "$T/log" 'reader at ')
restore_d "$T/img"
for p in $P $W $R; do alive "$p" || fail "task $p not running after restore"; done
[ -d /proc/$Z ] || fail "zombie $Z not restored"
grep -q '^State:.*Z' /proc/$Z/status || fail "task $Z restored but not a zombie"
[ "$(awk '{print $5}' /proc/$R/stat)" = "$R" ] || fail "reader lost its process group"
[ "$(awk '{print $6}' /proc/$W/stat)" = "$P" ] || fail "writer lost its session"
wait_for 10 sh -c "[ \$(grep 'reader at' $T/log | tail -n 1 | sed 's/reader at //') -gt $((AT + 20000)) ]" ||
	fail "reader stuck after restore"
touch "$T/reap"
wait_for 5 grep -q 'zombie reaped status 7' "$T/log" || fail "zombie not reaped with status 7"
sleep 1
grep BAD "$T/log" && fail "tree saw a bad state after restore"
kill -9 $P $W $R
echo "PASS: pipe tree continued (reader from $AT to $(last_num "$T/log" 'reader at '))"
