#!/bin/bash
# A real server from Debian's packages: nginx (single process: no master,
# one worker, as a user would run it under a supervisor) with two clients
# connected over keep-alive HTTP/1.1 connections (one IPv4, one IPv6),
# dumped and restored with --tcp-established.  nginx's $connection_requests
# is a counter kept per connection by the server: after restore each
# client's next request on its same connection must get the next number,
# and new connections work.  Skips (77) without nginx or nft.
. "$(dirname "$0")/../engine/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "SKIP: nginx not installed (apt-get install nginx)"; exit 77; }

# clients outside the tree need the network lock (nft), or a stray ACK during
# the dump gets a RST from the kernel and the connection is gone
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }
PORT=$((20000 + RANDOM % 20000))
mkdir -p "$T/ngx/logs" "$T/ngx/tmp"
cat >"$T/ngx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $T/ngx/nginx.pid;
error_log $T/ngx/logs/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/ngx/tmp/body;
	proxy_temp_path $T/ngx/tmp/proxy;
	fastcgi_temp_path $T/ngx/tmp/fastcgi;
	uwsgi_temp_path $T/ngx/tmp/uwsgi;
	scgi_temp_path $T/ngx/tmp/scgi;
	keepalive_timeout 300s;
	keepalive_requests 100000;
	server {
		listen 127.0.0.1:$PORT;
		listen [::1]:$PORT;
		location /count { default_type text/plain; return 200 "n=\$connection_requests\n"; }
	}
}
CONF
setsid "$NGINX" -p "$T/ngx" -c "$T/ngx/nginx.conf" </dev/null >"$T/ngx/out" 2>&1 &
P=$!; PIDS="$P"
port_open() { (exec 9<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; }
wait_for 5 port_open || fail "nginx did not start: $(tail -n 3 "$T/ngx/out" "$T/ngx/logs/error.log")"

# req FD: one request on an open connection; prints the body
req() {
	local fd=$1 line len=0 body
	printf 'GET /count HTTP/1.1\r\nHost: t\r\n\r\n' >&"$fd" || return 1
	while IFS= read -r -t 5 line <&"$fd"; do
		line=${line%$'\r'}
		[ -z "$line" ] && break
		case "$line" in Content-Length:*) len=${line#Content-Length: } ;; esac
	done
	[ "$len" -gt 0 ] || return 1
	IFS= read -r -t 5 -N "$len" body <&"$fd" || return 1
	printf '%s' "${body%$'\n'}"
}

exec 3<>/dev/tcp/127.0.0.1/$PORT || fail "connect"
exec 4<>/dev/tcp/::1/$PORT || fail "connect over IPv6"
for i in 1 2 3; do
	[ "$(req 3)" = "n=$i" ] || fail "client 1 request $i before dump"
done
[ "$(req 4)" = "n=1" ] || fail "client 2 request before dump"

dump "$P" "$T/img" --tcp-established
wait_for 5 gone "$P" || fail "nginx $P alive after dump"
wait "$P" 2>/dev/null # reap it: its pid must be free for the restore
decode_all "$T/img"
restore_d "$T/img" --tcp-established
alive "$P" || fail "nginx not back"
R1=$(req 3) || fail "client 1: no answer on its connection after restore"
[ "$R1" = "n=4" ] || fail "client 1: got '$R1', want n=4 on the same connection"
R2=$(req 4) || fail "client 2: no answer after restore"
[ "$R2" = "n=2" ] || fail "client 2: got '$R2', want n=2"
exec 5<>/dev/tcp/127.0.0.1/$PORT || fail "new connection after restore"
[ "$(req 5)" = "n=1" ] || fail "new connection after restore"
[ "$(req 3)" = "n=5" ] || fail "client 1 after a new connection"
kill -9 "$P"
echo "PASS: nginx kept both keep-alive connections (client 1 n=3 -> $R1, client 2 n=1 -> $R2)"
