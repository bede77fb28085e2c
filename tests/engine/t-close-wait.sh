#!/bin/bash
# A TCP connection in CLOSE_WAIT (the client has shut down its side, the
# server has not read the end yet), both over IPv4 and IPv6: dumped with
# --tcp-established, restored, and the server then reads what was still
# queued, gets the end of the stream, and its answer reaches the client,
# which was waiting on the same connection.  crisp sends the peer's FIN
# again from a raw socket, as CRIU does.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }
cat >"$T/srv.py" <<'PY'
import os, socket, sys, time
fam = socket.AF_INET6 if sys.argv[3] == "6" else socket.AF_INET
host = "::1" if sys.argv[3] == "6" else "127.0.0.1"
l = socket.socket(fam); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((host, int(sys.argv[2]))); l.listen(1)
out = open(sys.argv[1], "a", buffering=1)
c, _ = l.accept()
out.write("accepted\n")
while not os.path.exists(sys.argv[1] + ".go"):
    time.sleep(0.05)
data = b""
while True:
    d = c.recv(100)
    if not d:
        break
    data += d
out.write(f"got {data!r} then EOF\n")
c.sendall(b"answer after EOF")
c.close()
out.write("closed\n")
time.sleep(100)
PY
one() { # 4|6 [criu-dump|criu-restore]
	local fam=$1 how=${2:-} port=$((20000 + RANDOM % 20000)) log=$T/log$1${2:-} p c
	setsid $PY "$T/srv.py" "$log" "$port" "$fam" </dev/null >/dev/null 2>"$log.err" &
	p=$!; PIDS="$PIDS $p"
	sleep 0.3
	$PY - "$port" "$fam" "$log.cli" <<'PY' &
import socket, sys
fam = socket.AF_INET6 if sys.argv[2] == "6" else socket.AF_INET
s = socket.socket(fam)
s.connect(("::1" if sys.argv[2] == "6" else "127.0.0.1", int(sys.argv[1])))
s.sendall(b"queued before close")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(100)
    if not d:
        break
    got += d
open(sys.argv[3], "w").write(f"client got {got!r}\n")
PY
	c=$!
	wait_for 5 grep -q accepted "$log" || fail "IPv$fam: server did not accept: $(cat "$log.err")"
	wait_for 5 sh -c "ss -tn state close-wait | grep -q ':$port '" || fail "IPv$fam: no CLOSE_WAIT socket"
	local img=$T/img$fam$how
	if [ "$how" = criu-dump ]; then
		mkdir -p "$img"
		"$CRIU" dump -t "$p" -D "$img" -o dump.log --tcp-established >/dev/null 2>&1 ||
			fail "CRIU dump of a CLOSE_WAIT connection failed"
		wait "$p" 2>/dev/null
	else
		# in CRIU's iptables form, which CRIU's restore lifts
		dump "$p" "$img" --tcp-established ${how:+--network-lock iptables}
	fi
	wait_for 5 gone "$p" || fail "IPv$fam: server alive after dump"
	grep -q '"state": "CLOSE_WAIT"' <("$CRIT" show "$img/files.img") || fail "IPv$fam: no CLOSE_WAIT entry"
	if [ "$how" = criu-restore ]; then
		"$CRIU" restore -D "$img" -d -o restore.log --tcp-established >/dev/null 2>&1 ||
			fail "CRIU 4.2 cannot restore crisp's CLOSE_WAIT: $(grep Error "$img/restore.log" | tail -n 2)"
	else
		# lifts CRIU's lock too, whoever wrote it
		restore_d "$img" --tcp-established
	fi
	ss -tn state close-wait | grep -q ":$port " || fail "IPv$fam: restored socket is not in CLOSE_WAIT: $(ss -tn | grep ":$port ")"
	touch "$log.go"
	wait_for 5 grep -q closed "$log" || fail "IPv$fam: server did not finish: $(cat "$log") $(cat "$log.err")"
	grep -q "got b'queued before close' then EOF" "$log" || fail "IPv$fam: server read $(grep got "$log")"
	wait "$c"
	grep -q "client got b'answer after EOF'" "$log.cli" || fail "IPv$fam: client: $(cat "$log.cli" 2>&1)"
	kill -9 "$p"
}
one 4
one 6
CRIU=${CRIU42:-/work/shared/tools/criu-4.2}
oracle=""
if [ -x "$CRIU" ] && [ -x /usr/sbin/iptables ] && "$CRIU" check >/dev/null 2>&1; then
	one 4 criu-dump
	one 4 criu-restore
	oracle=", and with CRIU 4.2 both ways (its iptables lock lifted by crisp, crisp's by CRIU)"
fi
echo "PASS: CLOSE_WAIT connections (IPv4, IPv6) read to their end and answered after restore$oracle"
