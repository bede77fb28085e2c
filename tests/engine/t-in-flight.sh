#!/bin/bash
# A TCP listener with a connection waiting in its backlog (not accepted
# yet): the dump refuses it, as CRIU does, naming --skip-in-flight, and
# leaves the server running; with --skip-in-flight the waiting connection
# is dropped and the listener comes back, accepting new clients.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
PORT=$((20000 + RANDOM % 20000))
setsid $PY -c 'import os, socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(8)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".accept"):
        c, _ = s.accept(); c.sendall(b"hello\n"); c.close()
        out.write("accepted\n")
    out.write(f"i={i}\n")
    time.sleep(0.05)' "$T/log" "$PORT" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=2' "$T/log" || fail "server did not start: $(cat "$T/err")"
exec 3<>"/dev/tcp/127.0.0.1/$PORT" || fail "connect"
mkdir -p "$T/img0"
"$CRISP" dump -t "$P" -D "$T/img0" -o dump.log 2>"$T/d.err" && fail "dump with a connection in the backlog succeeded"
grep -q -- "--skip-in-flight" "$T/d.err" || fail "refusal does not name --skip-in-flight: $(cat "$T/d.err")"
alive "$P" || fail "refused dump killed the server"
dump "$P" "$T/img" --skip-in-flight
wait_for 5 gone "$P" || fail "server alive after dump"
exec 3>&-
restore_d "$T/img"
touch "$T/log.accept"
got=$(timeout 5 bash -c "exec 4<>/dev/tcp/127.0.0.1/$PORT; head -n 1 <&4") || fail "no new connection after restore"
[ "$got" = hello ] || fail "restored listener answered '$got'"
alive "$P" || fail "server died after restore: $(cat "$T/err")"
kill -9 "$P"
echo "PASS: in-flight connection refused, then dropped with --skip-in-flight; listener answers"
