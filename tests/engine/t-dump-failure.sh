#!/bin/bash
# A dump that cannot finish (an fd kind crisp does not handle yet, or a
# tree root that does not exist) leaves the task running untouched.
. "$(dirname "$0")/lib.sh"

# a netlink socket: no fd kind handles it
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
cat > "$T/sock.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # no crisp kind handles netlink
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
	fail "dump of a task with a socket succeeded"
fi
alive "$P" || fail "task killed by a failed dump"
grep -q '^State:.*[tT]' /proc/$P/status && fail "task left stopped by a failed dump"
grep -q TracerPid:.0 /proc/$P/status || fail "task still traced after a failed dump"
N=$(tail -n 1 "$T/log")
wait_for 5 sh -c "[ \$(tail -n 1 $T/log) -gt $((N + 3)) ]" || fail "task stuck after a failed dump"
grep -q "$P" "$T/err" || fail "error does not name the task: $(cat "$T/err")"
"$CRISP" dump -t 999999 -D "$T/img2" -o dump.log 2>/dev/null && fail "dump of a missing pid succeeded"
kill -9 "$P"
echo "PASS: failed dump left $P running: $(head -n 1 "$T/err")"
