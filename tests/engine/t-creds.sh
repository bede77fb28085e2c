#!/bin/bash
# A task running as nobody with no groups: dump and restore keep its uids,
# gids, (empty) groups and (empty) capabilities, and its rlimits.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || { echo "SKIP: no setpriv(1)"; exit 77; }
chmod 755 "$T"; mkdir -m 777 "$T/w"
setsid setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c 'ulimit -S -n 777; i=0; while :; do echo $i >> '"$T"'/w/log; i=$((i+1)); sleep 0.05; done' \
	</dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$T/w/log" || fail "loop did not start"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
N=$(tail -n 1 "$T/w/log")
restore_d "$T/img"
wait_for 5 sh -c "[ \$(tail -n 1 $T/w/log) -gt $((N + 2)) ]" || fail "loop stuck after restore"
grep -q '^Uid:.65534.65534.65534.65534' /proc/$P/status || fail "uids: $(grep Uid /proc/$P/status)"
grep -q '^Gid:.65534.65534.65534.65534' /proc/$P/status || fail "gids: $(grep Gid /proc/$P/status)"
[ -z "$(grep '^Groups:' /proc/$P/status | cut -f2 | tr -d ' ')" ] || fail "groups: $(grep Groups /proc/$P/status)"
grep -q '^CapEff:.0000000000000000' /proc/$P/status || fail "caps: $(grep CapEff /proc/$P/status)"
grep -q '^Max open files *777 ' /proc/$P/limits || fail "rlimit: $(grep 'open files' /proc/$P/limits)"
kill -9 "$P"
echo "PASS: nobody stays nobody"
