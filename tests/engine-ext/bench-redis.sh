#!/bin/bash
# Benchmark: dump and restore of redis-server (5 threads) holding N client
# connections (default 200), each with its counter, restored with
# --tcp-established.  Prints one line per N with dump/restore wall times
# and crisp's own stats; checks every connection still answers afterwards.
# Usage: bench-redis.sh CRISP [N...]   (root; needs redis-server, python3)
set -u
CRISP=$(realpath "${1:?usage: bench-redis.sh CRISP [N...]}"); shift
[ $# -gt 0 ] || set -- 10 100 200 500
REDIS=$(command -v redis-server) || { echo "no redis-server"; exit 77; }
ulimit -n 4096
for N in "$@"; do
	T=$(mktemp -d /tmp/crisp-bench.XXXXXX)
	PORT=$((20000 + RANDOM % 20000))
	setsid "$REDIS" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --maxclients 4000 \
		--dir "$T" --logfile "$T/log" </dev/null >/dev/null 2>&1 &
	P=$!
	sleep 0.3
	mkfifo "$T/go" "$T/ready"
	python3 - "$PORT" "$N" "$T/ready" "$T/go" >"$T/client.out" 2>&1 <<'PY' &
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
def incr(s, k):
    s.sendall(b"*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n" % (len(k), k))
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += s.recv(64)
    return int(buf[1:-2])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
for i, s in enumerate(socks):
    assert incr(s, b"k%d" % i) == 1
open(sys.argv[3], "w").write("ready\n")
open(sys.argv[4]).read()
bad = sum(1 for i, s in enumerate(socks) if incr(s, b"k%d" % i) != 2)
print("bad=%d" % bad)
PY
	C=$!
	cat "$T/ready" >/dev/null
	mkdir "$T/img"
	t0=$(date +%s.%N)
	"$CRISP" dump -t "$P" -D "$T/img" -o dump.log --tcp-established || { echo "N=$N dump failed"; tail -3 "$T/img/dump.log"; }
	t1=$(date +%s.%N)
	while [ -d /proc/$P ] && ! grep -q '^State:.*Z' /proc/$P/status 2>/dev/null; do sleep 0.01; done
	wait "$P" 2>/dev/null
	t2=$(date +%s.%N)
	"$CRISP" restore -D "$T/img" -d -o restore.log --tcp-established || { echo "N=$N restore failed"; tail -3 "$T/img/restore.log"; }
	t3=$(date +%s.%N)
	echo go >"$T/go"
	wait "$C"
	printf 'N=%-4d dump %.3f s  restore %.3f s  images %s  threads %s  %s\n' "$N" \
		"$(echo "$t1 - $t0" | bc)" "$(echo "$t3 - $t2" | bc)" "$(du -sh "$T/img" | cut -f1)" \
		"$(ls /proc/$P/task 2>/dev/null | wc -l)" "$(cat "$T/client.out")"
	kill -9 "$P" 2>/dev/null
	rm -rf "$T"
done
