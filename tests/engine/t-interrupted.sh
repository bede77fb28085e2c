#!/bin/bash
# Tasks stopped inside a sleeping syscall go on after restore as if they
# had never stopped.  `tail -f` waits in poll() with a timeout, which the
# kernel would resume through a restart block the restored task does not
# have: it got EINTR and died ("error waiting for inotify and output
# events").  A python thread in a timed condition wait (futex with a
# timeout) and a sleep(1) loop (clock_nanosleep) ride along.
. "$(dirname "$0")/lib.sh"

command -v tail >/dev/null || { echo "SKIP: no tail"; exit 77; }
echo first >"$T/watched"
setsid tail -f "$T/watched" </dev/null >"$T/tail.out" 2>"$T/tail.err" &
P=$!; PIDS="$P"
wait_for 5 grep -q first "$T/tail.out" || fail "tail -f did not start"
sleep 0.3
dump "$P" "$T/img"
grep -q "seized $P .*ax -516 orig_ax 7)" "$T/img/dump.log" ||
	echo "note: tail was not stopped in a timed poll: $(grep "seized $P" "$T/img/dump.log")"
wait_for 5 gone "$P" || fail "tail still alive after dump"
restore_d "$T/img"
sleep 0.5
alive "$P" || fail "tail died after restore: $(cat "$T/tail.err")"
echo second >>"$T/watched"
wait_for 5 grep -q second "$T/tail.out" || fail "restored tail -f does not follow the file: $(cat "$T/tail.err")"
[ -s "$T/tail.err" ] && fail "tail complained after restore: $(cat "$T/tail.err")"
kill -9 "$P"

PY=/usr/bin/python3
if [ -x $PY ]; then
	cat >"$T/cond.py" <<'PY'
import sys, threading, time
out = open(sys.argv[1], "a", buffering=1)
c = threading.Condition()
def waiter():
    n = 0
    with c:
        while True:
            c.wait(0.4)          # futex wait with a timeout
            n += 1
            out.write(f"w{n}\n")
threading.Thread(target=waiter, daemon=True).start()
while True:
    time.sleep(1)                # clock_nanosleep
PY
	setsid $PY "$T/cond.py" "$T/cond.out" </dev/null >/dev/null 2>"$T/cond.err" &
	P=$!; PIDS="$PIDS $P"
	wait_for 5 grep -q w2 "$T/cond.out" || fail "cond.py did not start"
	dump "$P" "$T/img2"
	wait_for 5 gone "$P" || fail "cond.py still alive after dump"
	n=$(last_num "$T/cond.out" w)
	restore_d "$T/img2"
	wait_for 5 grep -q "^w$((n + 3))\$" "$T/cond.out" || fail "timed condition wait stuck after restore (at w$n)"
	alive "$P" || fail "cond.py died after restore: $(cat "$T/cond.err")"
	[ -s "$T/cond.err" ] && fail "cond.py complained: $(cat "$T/cond.err")"
	kill -9 "$P"
fi
echo "PASS: tail -f and timed waits go on after restore"
