#!/bin/bash
# One of every ext kind in a real process (fdzoo.c), dumped and restored by
# crisp: eventfd, epoll, timerfd, signalfd, inotify, memfd, unix stream and
# dgram pairs with a message in flight, and a TCP connection to itself with
# data in both directions (--tcp-established).  The program checks all of
# it every round; after restore it must carry on, and take a SIGUSR1
# through its signalfd.
. "$(dirname "$0")/../engine/lib.sh"

mkdir "$T/work"
setsid "$PROGS/fdzoo" "$T/work" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'iter=3 ' "$T/work/log" || fail "fdzoo did not start: $(tail -n 2 "$T/work/log")"

# without the option the dump refuses, names it, and leaves the task running
mkdir -p "$T/img0"
if "$CRISP" dump -t "$P" -D "$T/img0" -o dump.log 2>"$T/err0"; then
	fail "dump of an established TCP connection succeeded without --tcp-established"
fi
grep -q -- '--tcp-established' "$T/err0" "$T/img0/dump.log" || fail "error does not name --tcp-established: $(cat "$T/err0")"
alive "$P" || fail "task gone after a refused dump"
N0=$(last_num "$T/work/log" 'iter=')
wait_for 5 grep -q "iter=$((N0 + 2)) " "$T/work/log" || fail "task stuck after a refused dump"

dump "$P" "$T/img" --tcp-established
wait_for 5 gone "$P" || fail "task $P alive after dump"
decode_all "$T/img"
N=$(last_num "$T/work/log" 'iter=')
ls "$T/img"/tcp-stream-*.img >/dev/null 2>&1 || fail "no tcp-stream image"
[ -s "$T/img/sk-queues.img" ] || fail "no sk-queues image"
[ -s "$T/img/memfd.img" ] || fail "no memfd image"
restore_d "$T/img" --tcp-established
wait_for 5 grep -q "iter=$((N + 3)) " "$T/work/log" || fail "no progress after restore: $(tail -n 2 "$T/work/log")"
kill -USR1 "$P"
wait_for 5 grep -q 'sig=1 ok' "$T/work/log" || fail "SIGUSR1 not seen through the signalfd"
grep BAD "$T/work/log" && fail "state wrong after restore"
kill -9 "$P"
echo "PASS: ext kinds carried on (iter $N -> $(last_num "$T/work/log" 'iter='))"
