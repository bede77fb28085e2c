#!/bin/bash
# A dump that cannot finish (an fd kind crisp does not handle yet, or a
# tree root that does not exist) leaves the task running untouched.
. "$(dirname "$0")/lib.sh"

# a fanotify group: no fd kind handles it
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
cat > "$T/sock.py" <<'PY'
import socket, sys, time
import ctypes
fan = ctypes.CDLL(None).fanotify_init(0, 0)  # no crisp kind handles fanotify
assert fan >= 0
i = 0
while True:
    with open(sys.argv[1], "a") as f:
        f.write("%d\n" % i)
    i += 1
    time.sleep(0.05)
PY
setsid $PY "$T/sock.py" "$T/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 10 test -s "$T/log" || fail "python loop did not start"
mkdir -p "$T/img"
if "$CRISP" dump -t "$P" -D "$T/img" -o dump.log -v4 2>"$T/err"; then
	fail "dump of a task with a fanotify group succeeded"
fi
alive "$P" || fail "task killed by a failed dump"
grep -q '^State:.*[tT]' /proc/$P/status && fail "task left stopped by a failed dump"
grep -q TracerPid:.0 /proc/$P/status || fail "task still traced after a failed dump"
N=$(tail -n 1 "$T/log")
wait_for 5 sh -c "[ \$(tail -n 1 $T/log) -gt $((N + 3)) ]" || fail "task stuck after a failed dump"
grep -q "$P" "$T/err" || fail "error does not name the task: $(cat "$T/err")"
# nothing half-written: what the failed dump wrote is gone, its log stays
[ "$(ls "$T/img")" = dump.log ] || fail "a failed dump left: $(ls "$T/img" | tr '\n' ' ')"

# the disk fills up half way through the pages: same, and the task goes on
mkdir -p "$T/small"
if mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	"$CRISP" dump -t "$P" -D "$T/small" -o "$T/small.log" -v4 2>"$T/err2" &&
		fail "dump into a full file system succeeded"
	grep -q "No space left" "$T/err2" || fail "ENOSPC not reported: $(cat "$T/err2")"
	left=$(ls "$T/small")
	umount "$T/small"
	[ -z "$left" ] || fail "a dump that ran out of space left: $left"
	grep -q "removed '.*', written by the failed dump" "$T/small.log" || fail "no cleanup logged"
	alive "$P" || fail "task killed by a dump that ran out of space"
	N=$(tail -n 1 "$T/log")
	wait_for 5 sh -c "[ \$(tail -n 1 $T/log) -gt $((N + 3)) ]" || fail "task stuck after ENOSPC"
fi
"$CRISP" dump -t 999999 -D "$T/img2" -o dump.log 2>/dev/null && fail "dump of a missing pid succeeded"
kill -9 "$P"

# a task that never stops (a vfork parent waits uninterruptibly): --timeout
# gives up on it, names it, and leaves it as it was
if [ -x "${VFORKPROG:-}" ]; then
	setsid "$VFORKPROG" "$T/vf.log" </dev/null >/dev/null 2>&1 &
	V=$!; PIDS="$PIDS $V"
	wait_for 5 grep -q started "$T/vf.log" || fail "vforkprog did not start"
	sleep 0.2
	mkdir -p "$T/img4"
	timeout 20 "$CRISP" dump -t "$V" -D "$T/img4" -o dump.log --timeout 1 2>"$T/vf.err" &&
		fail "dump of a task that cannot stop succeeded"
	[ $? = 124 ] && fail "dump hung on a task that cannot stop despite --timeout 1"
	grep -q "did not stop within 1 s" "$T/vf.err" || fail "timeout not reported: $(cat "$T/vf.err")"
	alive "$V" || fail "the vfork parent died"
	kill -9 "$V" $(cat /proc/$V/task/$V/children 2>/dev/null) 2>/dev/null
fi

# a tree in its own pid namespace (a container's init) would come back
# with other pids: refused before anything is touched, and left running
if command -v unshare >/dev/null && unshare -pf true 2>/dev/null; then
	setsid unshare -pf --mount-proc sh -c 'while :; do echo u >>"$0"; sleep 0.05; done' "$T/ns.log" \
		</dev/null >/dev/null 2>&1 &
	Q=$!; PIDS="$PIDS $Q"
	wait_for 5 test -s "$T/ns.log" || fail "unshare loop did not start"
	mkdir -p "$T/img3"
	"$CRISP" dump -t "$Q" -D "$T/img3" -o dump.log 2>"$T/ns.err" && fail "dump across a pid namespace succeeded"
	grep -q "namespace" "$T/ns.err" || fail "refusal does not name the namespace: $(cat "$T/ns.err")"
	ls "$T"/img3/*.img >/dev/null 2>&1 && fail "refused dump left images: $(ls "$T/img3")"
	alive "$Q" || fail "refused dump killed the namespace tree"
	n=$(wc -l <"$T/ns.log")
	wait_for 5 sh -c "[ \$(wc -l <$T/ns.log) -gt $((n + 3)) ]" || fail "namespace tree stuck after a refused dump"
	kill -9 "$Q"
fi
echo "PASS: failed dump left $P running: $(head -n 1 "$T/err")"
