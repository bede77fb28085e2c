#!/bin/bash
# A TLS session through a dump: `openssl s_server -rev` (OpenSSL's test
# server, which answers each line reversed) with `openssl s_client`
# connected from outside the tree.  The server is dumped with
# --tcp-established and restored; the client's next line comes back
# reversed on the same TLS session (keys, sequence numbers and all live in
# the server's memory).  Skips (77) without openssl or nft.
. "$(dirname "$0")/../engine/lib.sh"

command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || { echo "SKIP: nft not installed (apt-get install nftables)"; exit 77; }
trap '' PIPE
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 1 \
	-subj /CN=crisp >/dev/null 2>&1 || fail "openssl req"
PORT=$((20000 + RANDOM % 20000))
setsid openssl s_server -accept "$PORT" -cert "$T/cert.pem" -key "$T/key.pem" -rev -naccept 1 \
	</dev/null >"$T/srv.out" 2>"$T/srv.err" &
S=$!; PIDS="$S"
wait_for 5 grep -q ACCEPT "$T/srv.out" || fail "s_server did not start: $(cat "$T/srv.err")"
mkfifo "$T/cin"
openssl s_client -connect "127.0.0.1:$PORT" -quiet <"$T/cin" >"$T/cli.out" 2>"$T/cli.err" &
C=$!; PIDS="$PIDS $C"
exec 7>"$T/cin"
echo "before-dump" >&7
wait_for 5 grep -q 'pmud-erofeb' "$T/cli.out" || fail "no TLS answer before the dump: $(cat "$T/cli.err")"
dump "$S" "$T/img" --tcp-established
wait_for 5 gone "$S" || fail "s_server alive after dump"
restore_d "$T/img" --tcp-established
echo "after-restore" >&7
wait_for 10 grep -q 'erotser-retfa' "$T/cli.out" ||
	fail "no TLS answer on the same session after restore: $(tail -n 2 "$T/cli.err")"
alive "$C" || fail "the client lost its session"
exec 7>&-
echo "PASS: TLS session with openssl s_server carried on through dump/restore"
