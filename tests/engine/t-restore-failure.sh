#!/bin/bash
# A restore that fails half way kills everything it created: here the
# child's fd points at a file that vanished after the dump.
. "$(dirname "$0")/lib.sh"

mkdir "$T/work"
echo hello > "$T/work/f"
setsid bash -c 'exec 7<'"$T"'/work/f; sleep 1000 & echo $! > '"$T"'/child; while :; do sleep 0.1; done' \
	</dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$T/child" || fail "tree did not start"
C=$(cat "$T/child"); PIDS="$P $C"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "not gone after dump"
wait "$P" 2>/dev/null
wait_for 5 gone "$C" || fail "child not gone after dump"
rm "$T/work/f"
if "$CRISP" restore -D "$T/img" -d -o restore.log -v4 2>"$T/err"; then
	fail "restore succeeded without the file"
fi
grep -q "work/f" "$T/err" || fail "error does not name the file: $(cat "$T/err")"
sleep 0.2
for p in $P $C; do alive "$p" && fail "task $p left behind by a failed restore"; done
echo "PASS: failed restore left nothing: $(head -n 1 "$T/err")"
