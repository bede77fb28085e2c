#!/bin/bash
# A process tree whose tasks talk over sockets (sktree.c): TCP and unix
# listeners shared by the parent and the server child, and the client
# child's connections to both, with requests in flight.  Both ends of each
# connection are inside the dumped tree (CRIU's tcp-pair case).  First a
# --leave-running dump (the tree must go on untouched), then a real one:
# after restore the same connections carry on, the client's counter
# continues, and no network lock is left behind.
. "$(dirname "$0")/../engine/lib.sh"

mkdir "$T/work"
setsid "$PROGS/sktree" "$T/work" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'n=3 ' "$T/work/log" || fail "sktree did not start: $(tail -n 2 "$T/work/log")"
KIDS=$(cat /proc/$P/task/$P/children)

# --leave-running: connections leave repair mode and the network lock goes
dump "$P" "$T/img-r" --tcp-established --leave-running
alive "$P" || fail "task gone after --leave-running"
N0=$(last_num "$T/work/log" 'n=')
wait_for 5 grep -q "n=$((N0 + 5)) " "$T/work/log" || fail "connections stuck after --leave-running: $(tail -n 2 "$T/work/log")"
if command -v nft >/dev/null && nft list tables 2>/dev/null | grep -q crisp-tcp-; then
	fail "network lock left behind by --leave-running: $(nft list tables)"
fi

# --network-lock skip: the connections are not locked (no nft run at all)
if command -v strace >/dev/null; then
	mkdir -p "$T/img-s"
	strace -f -qq -e trace=execve -o "$T/strace" \
		"$CRISP" dump -t "$P" -D "$T/img-s" -o dump.log --tcp-established --leave-running \
		--network-lock skip || fail "dump with --network-lock skip failed"
	grep -q 'execve(".*nft"' "$T/strace" && fail "--network-lock skip still ran nft"
	N0=$(last_num "$T/work/log" 'n=')
	wait_for 5 grep -q "n=$((N0 + 3)) " "$T/work/log" || fail "connections stuck after --network-lock skip"
fi

dump "$P" "$T/img" --tcp-established
wait_for 5 gone "$P" || fail "task $P alive after dump"
wait "$P" 2>/dev/null # reap it: its pid must be free for the restore
decode_all "$T/img"
# the same fields as CRIU 4.2's tcp-pair case
if [ -n "${CRIT42:-}" ]; then
	"$CRIT42" show "$T/img/files.img" >"$T/files.json" || fail "crit-4.2 show files.img"
	python3 "$(dirname "$0")/shape-cmp.py" "$T/files.json" \
		"$CORPUS/criu-4.x/tcp-pair/expected/crit-4.2/files.img.json" INETSK >"$T/shape" ||
		fail "INETSK entries differ from CRIU's: $(cat "$T/shape")"
	for f in "$T/img"/tcp-stream-*.img; do
		"$CRIT42" show "$f" >"$T/ts.json" || fail "crit-4.2 show $(basename "$f")"
		python3 "$(dirname "$0")/shape-cmp.py" "$T/ts.json" \
			"$CORPUS/criu-4.x/tcp-pair/expected/crit-4.2/tcp-stream-eec0.img.json" - >"$T/shape" ||
			fail "$(basename "$f") differs from CRIU's: $(cat "$T/shape")"
	done
fi
N=$(last_num "$T/work/log" 'n=')
restore_d "$T/img" --tcp-established
wait_for 5 grep -q "n=$((N + 5)) " "$T/work/log" || fail "no progress after restore: $(tail -n 2 "$T/work/log")"
[ "$(cat /proc/$P/task/$P/children)" = "$KIDS" ] || fail "children changed"
grep BAD "$T/work/log" && fail "connection broken after restore"
if command -v nft >/dev/null && nft list tables 2>/dev/null | grep -q crisp-tcp-; then
	fail "network lock left behind after restore: $(nft list tables)"
fi
kill -9 $P $KIDS
echo "PASS: in-tree TCP and unix connections carried on (n=$N -> $(last_num "$T/work/log" 'n='))"
