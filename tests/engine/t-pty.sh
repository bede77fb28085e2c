#!/bin/bash
# A pty pair inside the tree (engine/tty.c): the parent holds the master,
# its child is a session leader whose controlling terminal and fds 0-2
# are the slave (VINTR ^G, 33 rows; -echo, then echo on in a second run).
# Bytes are queued both ways at the dump.  After restore the child must
# read the queued line, the queued partial line and the new ones with the
# same termios, the parent must get the child's queued output once, and
# the child's terminal (and foreground group) must be the restored slave.
. "$(dirname "$0")/lib.sh"

[ -x "${PTYPROG:-}" ] || { echo "SKIP: no ptyprog"; exit 77; }

# one_run MODE (noecho|echo)
one_run() {
	local mode=$1 E=0 D=$T/$1 LOG P C STAT TTYNR TPGID DEV MAJ MIN
	[ "$mode" = echo ] && E=1
	mkdir -p "$D"
	LOG=$D/out.log
	setsid "$PTYPROG" "$mode" </dev/null >"$LOG" 2>&1 &
	P=$!; PIDS="$PIDS $P"
	wait_for 5 grep -q 'parent ready' "$LOG" || fail "$mode: ptyprog did not start: $(cat $LOG)"
	C=$(sed -n 's/.*child \([0-9]*\).*/\1/p' "$LOG")
	PIDS="$PIDS $C"
	wait_for 5 sh -c "[ \"\$(awk '{print \$8}' /proc/$C/stat)\" = $C ]" ||
		fail "$mode: the child is not in the foreground of its terminal (test broken)"
	sleep 0.2
	dump "$P" "$D/img"
	wait_for 5 gone "$P" || fail "$mode: parent alive after dump"
	wait_for 5 gone "$C" || fail "$mode: child alive after dump"
	wait "$P" 2>/dev/null
	for f in tty-info.img tty-data.img; do
		[ -s "$D/img/$f" ] || fail "$mode: no $f"
	done
	decode_all "$D/img"
	if [ -n "${CRIT42:-}" ]; then
		"$CRIT42" decode -i "$D/img/files.img" >"$D/files.json" || fail "crit-4.2 files.img"
		grep -q '"TTY"' "$D/files.json" || fail "$mode: files.img has no TTY entry"
		"$CRIT42" decode -i "$D/img/tty-info.img" >"$D/tty-info.json" || fail "crit-4.2 tty-info.img"
		grep -q '"PTY"' "$D/tty-info.json" || fail "$mode: tty-info.img has no PTY entry"
		grep -q "\"sid\": $C" "$D/tty-info.json" || fail "$mode: tty-info.img: no session $C"
		[ "$("$CRIT42" decode -i "$D/img/tty-data.img" | grep -o '"tty_id"' | wc -l)" = 2 ] ||
			fail "$mode: tty-data.img does not hold both directions"
	fi
	restore_d "$D/img"
	wait_for 5 alive "$P" || fail "$mode: parent not restored"
	alive "$C" || fail "$mode: child not restored"
	# the child's controlling terminal is the slave it has as fd 0
	STAT=($(sed 's/.*) //' /proc/$C/stat))
	TTYNR=${STAT[4]} TPGID=${STAT[5]}
	[ "$TTYNR" != 0 ] || fail "$mode: child has no controlling terminal after restore"
	DEV=$(stat -L -c '%t %T' /proc/$C/fd/0)
	MAJ=$((16#${DEV% *})) MIN=$((16#${DEV#* }))
	[ "$TTYNR" = $(((MIN & 255) | (MAJ << 8) | ((MIN & ~255) << 12))) ] ||
		fail "$mode: child's terminal $TTYNR is not its fd 0 ($MAJ:$MIN, $(readlink /proc/$C/fd/0))"
	[ "$TPGID" = "$C" ] || fail "$mode: foreground group $TPGID, not $C"
	readlink /proc/$P/fd/3 | grep -q ptmx || fail "$mode: parent's fd 3 is $(readlink /proc/$P/fd/3)"
	kill -USR1 "$C"
	kill -USR1 "$P"
	wait_for 5 grep -q 'UP:THIRD LINE' "$LOG" || fail "$mode: no answer to the new lines: $(cat -A $LOG)"
	grep -q 'child ready' "$LOG" || fail "$mode: child's output queued at dump lost: $(cat -A $LOG)"
	grep -q "UP:QUEUED BEFORE DUMP intr=7 echo=$E rows=33" "$LOG" ||
		fail "$mode: queued line or termios lost: $(cat -A $LOG)"
	grep -q 'UP:HALF-LINE ' "$LOG" || fail "$mode: the queued partial line was lost: $(cat -A $LOG)"
	grep -q "UP:THIRD LINE intr=7 echo=$E rows=33" "$LOG" || fail "$mode: termios lost: $(cat -A $LOG)"
	# echoes: none without ECHO; with it, the pre-dump one (queued output) once, not again
	[ "$(grep -c 'third line' "$LOG")" = $E ] || fail "$mode: new input echoed $(grep -c 'third line' "$LOG") times: $(cat -A $LOG)"
	[ "$(grep -c 'queued before dump' "$LOG")" = $E ] ||
		fail "$mode: queued input echoed $(grep -c 'queued before dump' "$LOG") times: $(cat -A $LOG)"
	! grep -q $'\r\r' "$LOG" || fail "$mode: queued output processed twice (\\r\\r): $(cat -A $LOG)"
	echo "$mode: the child's terminal is $(readlink /proc/$C/fd/0) (tty_nr $TTYNR)"
	kill -9 "$C" "$P" 2>/dev/null
}

one_run noecho
one_run echo
echo "PASS: pty pair restored twice (-echo, echo): queued data both ways, termios, winsize, ctty, foreground group"
