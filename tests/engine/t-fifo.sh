#!/bin/bash
# A FIFO open read-write and write-only with bytes in it: after restore
# the task has both ends again and the bytes are still there.
. "$(dirname "$0")/lib.sh"

mkfifo "$T/fifo"
setsid bash -c 'exec 3<>'"$T"'/fifo; echo -n inflight >&3; exec 4>'"$T"'/fifo; i=0; while :; do echo $i >> '"$T"'/log; i=$((i+1)); sleep 0.05; done' \
	</dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$T/log" || fail "loop did not start"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
[ -s "$T/img/fifo-data.img" ] || fail "no fifo-data.img"
decode_all "$T/img"
restore_d "$T/img"
[ "$(readlink /proc/$P/fd/3)" = "$T/fifo" ] || fail "fd 3 is not the fifo"
[ "$(readlink /proc/$P/fd/4)" = "$T/fifo" ] || fail "fd 4 is not the fifo"
GOT=$(timeout 2 dd if=/proc/$P/fd/3 bs=8 count=1 status=none iflag=nonblock)
[ "$GOT" = inflight ] || fail "fifo held '$GOT', not 'inflight'"
N=$(tail -n 1 "$T/log")
wait_for 5 sh -c "[ \$(tail -n 1 $T/log) -gt $((N + 2)) ]" || fail "loop stuck after restore"
kill -9 "$P"
echo "PASS: fifo restored with its bytes"
