#!/bin/bash
# ping (iputils): a raw ICMP socket (IPv4, with ICMP_FILTER) and its
# counters.  After restore the same process goes on: the sequence numbers
# continue from where they were, and the replies still come.  Skips (77)
# without ping.
. "$(dirname "$0")/lib.sh"

PING=$(command -v ping || true)
[ -x "$PING" ] || { echo "SKIP: ping not installed (apt-get install iputils-ping)"; exit 77; }
setsid "$PING" -n -i 0.2 127.0.0.1 </dev/null >"$T/out" 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'icmp_seq=3 ' "$T/out" || fail "ping did not start: $(cat "$T/err")"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "ping alive after dump"
n=$(last_num "$T/out" 'icmp_seq=')
restore_d "$T/img"
wait_for 5 grep -q "icmp_seq=$((n + 3)) " "$T/out" || fail "no replies after restore (seq $n): $(tail -n 2 "$T/out") $(cat "$T/err")"
grep -q "icmp_seq=$((n + 1)) " "$T/out" || fail "sequence did not go on from $n"
[ -s "$T/err" ] && fail "ping complained: $(cat "$T/err")"
kill -INT "$P"
wait_for 5 grep -q 'packets transmitted' "$T/out" || fail "no summary"
grep -q ' 0% packet loss' "$T/out" || echo "note: $(grep 'packet loss' "$T/out")"
echo "PASS: ping went on from icmp_seq=$n ($(grep 'packet loss' "$T/out"))"
