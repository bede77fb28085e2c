#!/bin/bash
# A TCP client that has shut down its sending side (shutdown(SHUT_WR)) and
# waits for the answer: its socket is in FIN_WAIT2.  Dumped with
# --tcp-established and restored, it is in FIN_WAIT2 again, receives the
# answer the server sends afterwards on the same connection, and then its
# end.  The FIN is queued again in repair mode, as CRIU does.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }
one() { # [criu-dump|criu-restore]
local how=${1:-}
PORT=$((20000 + RANDOM % 20000))
rm -rf "$T/img" "$T/srv" "$T/srv.go" "$T/cli"
# the server, outside the tree: reads to the end, answers when told
$PY -c 'import os, socket, sys, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[2]))); l.listen(1)
c, _ = l.accept()
got = b""
while True:
    d = c.recv(100)
    if not d: break
    got += d
open(sys.argv[1], "w").write(f"server got {got!r}\n")
while not os.path.exists(sys.argv[1] + ".go"):
    time.sleep(0.05)
c.sendall(b"answer after your FIN"); c.close()' "$T/srv" "$PORT" &
S=$!; PIDS="$S"
sleep 0.3
setsid $PY -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
s.sendall(b"question"); s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(100)
    if not d: break
    got += d
open(sys.argv[1], "w").write(f"client got {got!r} then EOF\n")
import time; time.sleep(100)' "$T/cli" "$PORT" </dev/null >/dev/null 2>"$T/cli.err" &
P=$!; PIDS="$PIDS $P"
wait_for 5 grep -q "server got b'question'" "$T/srv" || fail "server did not read the question"
wait_for 5 sh -c "ss -tn state fin-wait-2 | grep -q ':$PORT'" || fail "client socket not in FIN_WAIT2: $(ss -tn | grep ":$PORT")"
if [ "$how" = criu-dump ]; then
	mkdir -p "$T/img"
	"$CRIU" dump -t "$P" -D "$T/img" -o dump.log --tcp-established >/dev/null 2>&1 || fail "CRIU dump of a FIN_WAIT2 connection failed"
	wait "$P" 2>/dev/null
else
	dump "$P" "$T/img" --tcp-established ${how:+--network-lock iptables}
fi
wait_for 5 gone "$P" || fail "client alive after dump"
"$CRIT" show "$T/img/files.img" | grep -q '"state": "FIN_WAIT2"' || fail "no FIN_WAIT2 entry"
if [ "$how" = criu-restore ]; then
	"$CRIU" restore -D "$T/img" -d -o restore.log --tcp-established >/dev/null 2>&1 ||
		fail "CRIU 4.2 cannot restore crisp's FIN_WAIT2: $(grep Error "$T/img/restore.log" | tail -n 2)"
else
	restore_d "$T/img" --tcp-established
fi
wait_for 5 sh -c "ss -tn state fin-wait-2 | grep -q ':$PORT'" || fail "restored socket not in FIN_WAIT2: $(ss -tn | grep ":$PORT")"
touch "$T/srv.go"
wait_for 10 test -s "$T/cli" || fail "client got nothing after restore: $(cat "$T/cli.err")"
grep -q "client got b'answer after your FIN' then EOF" "$T/cli" || fail "client: $(cat "$T/cli")"
kill -9 "$P"
}
one
CRIU=${CRIU42:-/work/shared/tools/criu-4.2}
oracle=""
if [ -x "$CRIU" ] && [ -x /usr/sbin/iptables ] && "$CRIU" check >/dev/null 2>&1; then
	one criu-dump
	one criu-restore
	oracle=", and with CRIU 4.2 both ways"
fi
echo "PASS: FIN_WAIT2 connection received its answer and end after restore$oracle"
