#!/bin/bash
# Files in flight in a unix socket (SCM_RIGHTS), held by no fd table: a
# deleted file and a pipe's read end.  After restore the packet carries
# both again and both work.  With CRIU 4.2 present, the same both ways:
# CRIU dump -> crisp restore -> crisp dump -> CRIU restore.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
want="msg=b'with-fds' file=b'hello from a file in flight\\n' pipe=b'through the pipe'"
start() { # LOG
	setsid $PY "$(dirname "$0")/scmprog.py" "$1" "$T" </dev/null >/dev/null 2>"$1.err" &
	P=$!; PIDS="$PIDS $P"
	wait_for 5 grep -q 'i=3' "$1" || fail "scmprog did not start: $(cat "$1.err")"
}
check() { # LOG WHO
	touch "$1.check"
	wait_for 5 grep -q '^msg=' "$1" || fail "$2: no packet after restore: $(cat "$1.err")"
	[ "$(grep '^msg=' "$1")" = "$want" ] || fail "$2: got $(grep '^msg=' "$1")"
}

start "$T/a.log"
dump "$P" "$T/a"
wait_for 5 gone "$P" || fail "task alive after dump"
decode_all "$T/a"
"$CRIT" show "$T/a/sk-queues.img" | grep -q '"rights"' || fail "no rights in sk-queues.img"
restore_d "$T/a"
check "$T/a.log" "crisp"
kill -9 "$P"; wait_for 5 gone "$P"

CRIU=${CRIU42:-/work/shared/tools/criu-4.2}
if [ -x "$CRIU" ] && "$CRIU" check >/dev/null 2>&1; then
	start "$T/b.log"
	mkdir "$T/b"
	"$CRIU" dump -t "$P" -D "$T/b" -o dump.log >/dev/null 2>&1 || fail "CRIU dump failed"
	wait "$P" 2>/dev/null
	restore_d "$T/b"
	dump "$P" "$T/c"
	wait_for 5 gone "$P" || fail "crisp left $P running"
	"$CRIU" restore -D "$T/c" -d -o restore.log >/dev/null 2>&1 ||
		fail "CRIU 4.2 cannot restore crisp's files in flight: $(grep Error "$T/c/restore.log" | tail -n 2)"
	check "$T/b.log" "CRIU -> crisp -> CRIU"
	kill -9 "$P"
fi
echo "PASS: files in flight (SCM_RIGHTS) restored, and interchanged with CRIU"
