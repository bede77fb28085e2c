#!/bin/bash
# A restore that fails kills everything it created.  Late: the child's
# binary vanished after the dump, so its memory cannot be rebuilt after
# the whole tree was already forked and the root's memory swapped.  Early:
# a file the root has open vanished.  Nothing may be left either time.
. "$(dirname "$0")/lib.sh"

mkdir "$T/work"
echo hello > "$T/work/f"
cp /bin/sleep "$T/work/sleep-copy"
setsid bash -c 'exec 7<'"$T"'/work/f; '"$T"'/work/sleep-copy 1000 & echo $! > '"$T"'/child; while :; do sleep 0.1; done' \
	</dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$T/child" || fail "tree did not start"
C=$(cat "$T/child"); PIDS="$P $C"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "not gone after dump"
wait "$P" 2>/dev/null
wait_for 5 gone "$C" || fail "child not gone after dump"

mv "$T/work/sleep-copy" "$T/work/sleep-copy.away"
if "$CRISP" restore -D "$T/img" -d -o restore.log -v4 2>"$T/err"; then
	fail "restore succeeded without the child's binary"
fi
grep -q "sleep-copy" "$T/err" || fail "error does not name the binary: $(cat "$T/err")"
grep -q "seized $P" "$T/img/restore.log" || fail "the failure came too early to test the late cleanup"
sleep 0.2
for p in $P $C; do alive "$p" && fail "task $p left behind by a failed restore"; done
LATE=$(head -n 1 "$T/err")

mv "$T/work/sleep-copy.away" "$T/work/sleep-copy"
rm "$T/work/f"
if "$CRISP" restore -D "$T/img" -d -o restore.log -v4 2>"$T/err"; then
	fail "restore succeeded without the file"
fi
grep -q "work/f" "$T/err" || fail "error does not name the file: $(cat "$T/err")"
sleep 0.2
for p in $P $C; do alive "$p" && fail "task $p left behind by a failed restore"; done
echo "PASS: failed restores left nothing: $LATE / $(head -n 1 "$T/err")"
