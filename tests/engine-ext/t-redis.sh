#!/bin/bash
# A real multi-threaded server from Debian's packages: redis-server (its
# main thread and bio threads; epoll, eventfd, pipes, TCP listener), with two
# clients connected over their own TCP connections, dumped and restored
# with --tcp-established.  Each client increments a counter on its same
# connection before and after; the data set (a key written before the
# dump) survives, and new clients connect.  Skips (77) without redis-server.
. "$(dirname "$0")/../engine/lib.sh"

REDIS=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$REDIS" ] || { echo "SKIP: redis-server not installed (apt-get install redis-server)"; exit 77; }

# clients outside the tree need the network lock (nft), or a stray ACK during
# the dump gets a RST from the kernel and the connection is gone
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }
PORT=$((20000 + RANDOM % 20000))
mkdir -p "$T/redis"
setsid "$REDIS" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	--dir "$T/redis" --logfile "$T/redis/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
port_open() { (exec 9<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; }
wait_for 5 port_open || fail "redis did not start: $(tail -n 3 "$T/redis/log")"

# cmd FD ARGS...: one RESP command on an open connection; prints the reply line
cmd() {
	local fd=$1 a line; shift
	{
		printf '*%d\r\n' $#
		for a in "$@"; do printf '$%d\r\n%s\r\n' ${#a} "$a"; done
	} >&"$fd" || return 1
	IFS= read -r -t 5 line <&"$fd" || return 1
	case "$line" in \$*) IFS= read -r -t 5 line <&"$fd" || return 1 ;; esac
	printf '%s' "${line%$'\r'}"
}

exec 3<>/dev/tcp/127.0.0.1/$PORT || fail "connect"
exec 4<>/dev/tcp/127.0.0.1/$PORT || fail "connect"
[ "$(cmd 3 SET greeting before-dump)" = "+OK" ] || fail "SET"
for i in 1 2 3; do
	[ "$(cmd 3 INCR c1)" = ":$i" ] || fail "client 1 INCR $i"
done
[ "$(cmd 4 INCR c2)" = ":1" ] || fail "client 2 INCR"
THREADS=$(ls /proc/$P/task | wc -l)

dump "$P" "$T/img" --tcp-established
wait_for 5 gone "$P" || fail "redis $P alive after dump"
wait "$P" 2>/dev/null # reap it: its pid must be free for the restore
decode_all "$T/img"
restore_d "$T/img" --tcp-established
alive "$P" || fail "redis not back"
[ "$(ls /proc/$P/task | wc -l)" = "$THREADS" ] || fail "redis has $(ls /proc/$P/task | wc -l) threads, had $THREADS"
R1=$(cmd 3 INCR c1) || fail "client 1: no answer on its connection after restore"
[ "$R1" = ":4" ] || fail "client 1: got '$R1', want :4"
R2=$(cmd 4 INCR c2) || fail "client 2: no answer after restore"
[ "$R2" = ":2" ] || fail "client 2: got '$R2', want :2"
[ "$(cmd 4 GET greeting)" = "before-dump" ] || fail "data set lost"
# the restored connections send full-size segments, not the 536-byte default
if command -v ss >/dev/null; then
	mss=$(ss -tni "sport = :$PORT" | grep -o ' mss:[0-9]*' | cut -d: -f2 | sort -n | head -n 1)
	[ -n "$mss" ] && [ "$mss" -gt 1000 ] || fail "restored connections have mss ${mss:-?}"
fi
exec 5<>/dev/tcp/127.0.0.1/$PORT || fail "new connection after restore"
[ "$(cmd 5 INCR c1)" = ":5" ] || fail "new client"
[ "$(cmd 3 PING)" = "+PONG" ] || fail "client 1 after a new client"
kill -9 "$P"
echo "PASS: redis ($THREADS threads) kept both clients' connections (c1 :3 -> $R1, c2 :1 -> $R2)"
