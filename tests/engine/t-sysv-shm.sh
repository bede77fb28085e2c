#!/bin/bash
# SysV shared memory of the host's IPC namespace (PostgreSQL's shape).
# The dump saves each attached segment in ipcns-shm-N.img.  Restore
# attaches a segment that still exists (killing the tree leaves it) as
# it is, at the same address: the counter kept in it goes on.  One that
# was removed meanwhile is made again with the same id, key and bytes; one
# the task had already removed (IPC_RMID while attached) is made again and
# removed again once attached, so it still goes with the task.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v ipcrm >/dev/null || { echo "SKIP: no ipcrm"; exit 77; }
K1=$(printf '%x' $((0x5c000000 + $$ % 65536))); K2=$(printf '%x' $((0x5d000000 + $$ % 65536))); K3=$(printf '%x' $((0x5e000000 + $$ % 65536)))
cleanup_shm() { ipcrm -M "0x$K1" 2>/dev/null; ipcrm -M "0x$K2" 2>/dev/null; ipcrm -M "0x$K3" 2>/dev/null; }
trap 'cleanup_shm; cleanup' EXIT
cleanup_shm

run_one() { # LOG KEY IMG REMOVE [rmid]
	local log=$1 key=$2 img=$3 remove=$4 p n id st
	setsid $PY "$(dirname "$0")/sysvprog.py" "$log" "$key" ${5:-} </dev/null >/dev/null 2>"$log.err" &
	p=$!; PIDS="$PIDS $p"
	wait_for 5 grep -q 'i=3 ' "$log" || fail "sysvprog did not start: $(cat "$log.err")"
	id=$(sed -n 's/.*shmid=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	dump "$p" "$img"
	wait_for 5 gone "$p" || fail "task alive after dump"
	wait "$p" 2>/dev/null
	ls "$img"/ipcns-shm-*.img >/dev/null 2>&1 || fail "no ipcns-shm image"
	[ -n "${CRIT:-}" ] && { "$CRIT" decode -i "$img"/ipcns-shm-*.img | grep -q "\"id\": $id" ||
		fail "ipcns-shm does not hold segment $id"; }
	st=$(last_num "$log" 'n=')
	[ "$remove" = 1 ] && { ipcrm -m "$id" || fail "ipcrm $id"; }
	n=$(last_num "$log" 'i=')
	restore_d "$img"
	wait_for 5 grep -q "^i=$((n + 3)) " "$log" || fail "no progress after restore: $(cat "$log.err")"
	tail -n 1 "$log" | grep -q "shmid=$id ok=True" || fail "segment wrong after restore: $(tail -n 1 "$log")"
	# the counter lives in the segment: it goes on from where it was
	grep -q "^i=$((n + 1)) shmid=$id ok=True n=$((st + 1))\$" "$log" ||
		fail "segment counter did not go on from $st: $(grep "^i=$((n + 1)) " "$log")"
	alive "$p" || fail "task died after restore"
	if [ "${5:-}" = rmid ]; then
		ipcs -m | awk -v id="$id" '$2 == id' | grep -q dest ||
			fail "removed segment $id not marked removed again: $(ipcs -m | awk -v id="$id" '$2 == id')"
	fi
	kill -9 "$p"; wait_for 5 gone "$p"
	if [ "${5:-}" = rmid ]; then
		sleep 0.2
		ipcs -m | awk -v id="$id" '$2 == id' | grep -q . && fail "segment $id outlived its task"
	fi
	RID=$id
}
run_one "$T/a.log" "$K1" "$T/a" 0; id1=$RID
run_one "$T/b.log" "$K2" "$T/b" 1; id2=$RID
run_one "$T/c.log" "$K3" "$T/c" 0 rmid; id3=$RID
grep -q "created again" "$T/b/restore.log" || fail "removed segment was not made again"
grep -q "still exists" "$T/a/restore.log" || fail "existing segment not attached as it was"
echo "PASS: SysV shm $id1 reattached, $id2 made again with its id and bytes, $id3 removed again"
