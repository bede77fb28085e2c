#!/bin/bash
# Restore the shell-loop image directory CRIU 4.2 wrote (tests/data): the
# dash loop carries on appending to /tmp/loop.log from where CRIU left it.
. "$(dirname "$0")/lib.sh"

SRC=${CORPUS:-}/criu-4.x/shell-loop
[ -d "$SRC" ] || { echo "SKIP: no corpus at $SRC"; exit 77; }
for p in 19084 19101; do
	[ -d /proc/$p ] && { echo "SKIP: pid $p is in use"; exit 77; }
done
[ -x /bin/sh ] && [ -x /usr/bin/sleep ] || { echo "SKIP: no /bin/sh or sleep"; exit 77; }
cp -r "$SRC" "$T/img"
rm -rf "$T/img/expected"
mkdir -p /tmp/anchor # the loop's cwd when CRIU dumped it
[ -e /tmp/loop.log ] && mv /tmp/loop.log "$T/loop.log.saved"
PIDS="19084 19101"
restore_d "$T/img"
alive 19084 || fail "19084 not running after restore"
wait_for 5 sh -c '[ "$(tail -n 1 /tmp/loop.log 2>/dev/null)" -ge 10 ]' 2>/dev/null ||
	fail "the loop does not count after restore: $(cat /tmp/loop.log 2>/dev/null | tr '\n' ' ')"
[ "$(head -n 1 /tmp/loop.log)" = 8 ] || fail "count restarted at $(head -n 1 /tmp/loop.log), not 8"
[ "$(awk '{print $6}' /proc/19084/stat)" = 19084 ] || fail "not a session leader"
kill -9 19084
FIRST=$(head -n 1 /tmp/loop.log)
rm -f /tmp/loop.log
[ -e "$T/loop.log.saved" ] && mv "$T/loop.log.saved" /tmp/loop.log
echo "PASS: CRIU 4.2 shell-loop restored, counted on from $FIRST"
