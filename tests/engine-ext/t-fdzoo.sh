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
wait "$P" 2>/dev/null # reap it: its pid must be free for the restore
decode_all "$T/img"
# the entries have the fields CRIU 4.2 writes for the same kinds (its fdzoo case)
if [ -n "${CRIT42:-}" ]; then
	"$CRIT42" show "$T/img/files.img" >"$T/files.json" || fail "crit-4.2 show files.img"
	python3 "$(dirname "$0")/shape-cmp.py" "$T/files.json" \
		"$CORPUS/criu-4.x/fdzoo/expected/crit-4.2/files.img.json" \
		EVENTFD EVENTPOLL TIMERFD SIGNALFD INOTIFY MEMFD UNIXSK >"$T/shape" ||
		fail "entries differ from CRIU's: $(cat "$T/shape")"
fi
N=$(last_num "$T/work/log" 'iter=')
ls "$T/img"/tcp-stream-*.img >/dev/null 2>&1 || fail "no tcp-stream image"
[ -s "$T/img/sk-queues.img" ] || fail "no sk-queues image"
[ -s "$T/img/memfd.img" ] || fail "no memfd image"
# a restore without the option refuses, names it, and leaves nothing behind
if "$CRISP" restore -D "$T/img" -d -o restore0.log 2>"$T/rerr"; then
	fail "restore of an established connection succeeded without --tcp-established"
fi
grep -q -- '--tcp-established' "$T/rerr" "$T/img/restore0.log" || fail "restore error does not name --tcp-established: $(cat "$T/rerr")"
gone "$P" || fail "a failed restore left task $P behind"
restore_d "$T/img" --tcp-established
wait_for 5 grep -q "iter=$((N + 3)) " "$T/work/log" || fail "no progress after restore: $(tail -n 2 "$T/work/log")"
kill -USR1 "$P"
wait_for 5 grep -q 'sig=1 ok' "$T/work/log" || fail "SIGUSR1 not seen through the signalfd"
grep BAD "$T/work/log" && fail "state wrong after restore"
kill -9 "$P"
echo "PASS: ext kinds carried on (iter $N -> $(last_num "$T/work/log" 'iter='))"
