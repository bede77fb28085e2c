#!/bin/bash
# A task logging to a datagram unix socket outside the tree (syslog's
# shape): the dump refuses it without --ext-unix-sk, naming the option;
# with CRIU's newer spelling --external unix[INO] it is dumped, and after
# restore the task's socket is connected to the same listener again.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
$PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
f = open(sys.argv[2], "a", buffering=1)
while True: f.write(s.recv(100).decode() + "\n")' "$T/log.sock" "$T/srv.out" &
S=$!; PIDS="$S"
wait_for 5 test -S "$T/log.sock" || fail "listener did not start"
setsid $PY -c 'import socket, sys, time
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); c.connect(sys.argv[1]); i = 0
while True:
    i += 1; c.send(b"m%d" % i); time.sleep(0.05)' "$T/log.sock" </dev/null >/dev/null 2>"$T/cli.err" &
P=$!; PIDS="$PIDS $P"
wait_for 5 grep -q m3 "$T/srv.out" || fail "client does not send"
INO=$(readlink "/proc/$P/fd/3" | tr -dc 0-9)
[ -n "$INO" ] || fail "no socket on fd 3"
mkdir -p "$T/img0"
"$CRISP" dump -t "$P" -D "$T/img0" -o dump.log 2>"$T/err" && fail "dump with an external unix peer succeeded without the option"
grep -q -- "--ext-unix-sk" "$T/err" || fail "refusal does not name --ext-unix-sk: $(cat "$T/err")"
alive "$P" || fail "refused dump killed the client"
dump "$P" "$T/img" --external "unix[$INO]"
wait_for 5 gone "$P" || fail "client alive after dump"
n=$(tail -n 1 "$T/srv.out" | tr -dc 0-9)
restore_d "$T/img" --external "unix[$INO]"
wait_for 5 grep -q "^m$((n + 5))\$" "$T/srv.out" || fail "no messages after restore (dumped after m$n): $(tail -n 1 "$T/srv.out")"
alive "$P" || fail "client died after restore: $(cat "$T/cli.err")"
kill -9 "$P" "$S"
echo "PASS: external datagram peer reconnected, m$n -> $(tail -n 1 "$T/srv.out")"
