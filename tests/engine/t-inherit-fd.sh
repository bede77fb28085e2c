#!/bin/bash
# --inherit-fd fd[N]:pipe:[INO]: a task whose stdout was a pipe to a
# reader outside the tree gets, at restore, crisp's fd N in its place
# (as runc and conmon hand a container its stdio), so its output reaches
# the new reader.  Without it the pipe comes back with no reader at all.
# A bad --inherit-fd is refused before anything is restored.
. "$(dirname "$0")/lib.sh"

(setsid sh -c 'i=0; while :; do i=$((i+1)); echo "n=$i"; sleep 0.05; done' </dev/null | cat >"$T/out1") &
wait_for 5 grep -q 'n=3' "$T/out1" || fail "writer did not start"
P=$(pgrep -f "i=0; while :; do i=" | head -n 1)
[ -n "$P" ] || fail "no writer pid"
PIDS="$P"
KEY=$(readlink "/proc/$P/fd/1")
case "$KEY" in pipe:*) ;; *) fail "stdout of the writer is $KEY, not a pipe" ;; esac
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "writer still alive after dump"
sleep 0.3 # let cat drain what the writer left in the old pipe
N=$(last_num "$T/out1" 'n=')

# bad keys and fds: refused, nothing restored
"$CRISP" restore -d -D "$T/img" -o restore.log --inherit-fd "fd[97]:$KEY" 2>"$T/err" &&
	fail "restore with a closed inherit fd succeeded"
grep -q "no fd 97" "$T/err" || fail "closed inherit fd: $(cat "$T/err")"
"$CRISP" restore -d -D "$T/img" -o restore.log --inherit-fd "fd[x]:$KEY" 2>"$T/err" &&
	fail "restore with a malformed --inherit-fd succeeded"
gone "$P" || fail "refused restore left $P running"

mkfifo "$T/ff"
cat "$T/ff" >"$T/out2" &
R=$!
exec 7>"$T/ff"
restore_d "$T/img" --inherit-fd "fd[7]:$KEY"
exec 7>&-
grep -q "inherited from crisp's fd 7" "$T/img/restore.log" || fail "restore log does not tell of the inherited fd"
wait_for 5 grep -q "n=$((N + 3))\$" "$T/out2" || fail "no output on the inherited pipe (dumped at n=$N): $(tail -n 2 "$T/out2")"
[ "$(head -n 1 "$T/out2")" = "n=$((N + 1))" ] || fail "output did not go on from n=$N: $(head -n 1 "$T/out2")"
alive "$P" || fail "writer died after restore"
kill -9 "$P"
wait "$R" 2>/dev/null
echo "PASS: restored writer goes on at n=$((N + 1)) on crisp's fd 7 ($KEY)"
