#!/bin/bash
# --shell-job: a job of a shell on a terminal (not a session leader, fds
# on the pty) is dumped with -j and restored with -j onto the terminal of
# another session; it keeps counting and its fds are that terminal.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "SKIP: no script(1) for a pty"; exit 77; }
LOG=$T/loop.log
cat > "$T/job.sh" <<EOF2
sh -c 'echo \$\$ > $T/pid; i=0; while :; do echo \$i >> $LOG; echo \$i; i=\$((i+1)); sleep 0.05; done' &
wait
EOF2
script -qfec "sh $T/job.sh" /dev/null </dev/null >/dev/null 2>&1 &
S=$!; PIDS="$S"
wait_for 5 test -s "$T/pid" || fail "job did not start"
P=$(cat "$T/pid"); PIDS="$S $P"
wait_for 5 test -s "$LOG" || fail "job does not count"
[ "$(awk '{print $6}' /proc/$P/stat)" != "$P" ] || fail "the job is a session leader (test broken)"
readlink /proc/$P/fd/1 | grep -q /dev/pts/ || fail "job's stdout is not a pty"
sleep 0.3
# without --shell-job a terminal from outside the tree is refused, as by
# CRIU, naming the option, and the job runs on
mkdir -p "$T/img0"
"$CRISP" dump -t "$P" -D "$T/img0" -o dump.log 2>"$T/err0" && fail "dump of a job on a terminal without --shell-job succeeded"
grep -q -- "--shell-job" "$T/err0" || fail "refusal does not name --shell-job: $(cat "$T/err0")"
alive "$P" || fail "refused dump killed the job"
dump "$P" "$T/img" --shell-job
wait_for 5 gone "$P" || fail "job alive after dump"
kill -9 "$S" 2>/dev/null; wait "$S" 2>/dev/null
N=$(tail -n 1 "$LOG")
script -qfec "$CRISP restore -j -D $T/img -o restore.log -v4" /dev/null </dev/null >/dev/null 2>&1 &
S2=$!; PIDS="$PIDS $S2"
wait_for 5 alive "$P" || fail "job not running after restore: $(tail -n 3 $T/img/restore.log)"
wait_for 5 sh -c "[ \$(tail -n 1 $LOG) -gt $((N + 3)) ]" || fail "job does not count after restore"
TTY=$(readlink /proc/$P/fd/1)
CR=$(awk '{print $4}' /proc/$P/stat) # crisp, waiting for its restored child
[ "$TTY" = "$(readlink /proc/$CR/fd/0)" ] || fail "job's stdout is '$TTY', not crisp's terminal $(readlink /proc/$CR/fd/0)"
case "$TTY" in /dev/pts/*) ;; *) fail "job's stdout is '$TTY', not a terminal" ;; esac
[ "$(awk '{print $6}' /proc/$P/stat)" = "$(awk '{print $6}' /proc/$S2/stat)" ] ||
	[ "$(awk '{print $6}' /proc/$P/stat)" != "$P" ] || fail "job's session is wrong"
kill -9 "$P"
echo "PASS: shell job reattached to $TTY, counted on from $N"
