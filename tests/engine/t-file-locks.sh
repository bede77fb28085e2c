#!/bin/bash
# File locks: a program holding an exclusive flock on one file, a POSIX
# write lock on bytes [100,150) of another and an OFD read lock on a third.
# Without --file-locks the dump fails naming the option (and the program
# runs on); with it, filelocks.img has CRIU's entries, and after restore
# another process is refused all three locks until the program drops
# them on SIGUSR1.
. "$(dirname "$0")/lib.sh"
[ -x "${LOCKPROG:-}" ] || { echo "SKIP: no lockprog"; exit 77; }
command -v flock >/dev/null || { echo "SKIP: no flock(1)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

# can_lock posix|ofd FILE START LEN: 0 when a write lock on the range is free
can_lock() {
	python3 - "$@" <<'PY'
import fcntl, os, struct, sys
kind, path, start, ln = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fd = os.open(path, os.O_RDWR)
cmd = fcntl.F_SETLK if kind == "posix" else getattr(fcntl, "F_OFD_SETLK", 37)
try:
    fcntl.fcntl(fd, cmd, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, start, ln, 0) + b"\0" * 4)
except OSError:
    sys.exit(1)
PY
}
can_flock() { flock -n "$1" true; }
# all_refused WHEN: every lock the program holds is refused to us
all_refused() {
	! can_flock "$T/f1" || fail "$1: flock on f1 granted"
	! can_lock posix "$T/f2" 120 10 || fail "$1: POSIX lock in [100,150) of f2 granted"
	can_lock posix "$T/f2" 0 100 || fail "$1: POSIX lock on [0,100) of f2 refused"
	! can_lock ofd "$T/f3" 0 10 || fail "$1: OFD write lock on f3 granted"
}
all_free() {
	can_flock "$T/f1" || fail "$1: flock on f1 refused"
	can_lock posix "$T/f2" 100 50 || fail "$1: POSIX lock on f2 refused"
	can_lock ofd "$T/f3" 0 10 || fail "$1: OFD lock on f3 refused"
}

setsid "$LOCKPROG" "$T/log" "$T/f1" "$T/f2" "$T/f3" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'held' "$T/log" || fail "lockprog did not start: $(tail -n 1 "$T/log")"
all_refused "before dump"

mkdir -p "$T/nolocks"
"$CRISP" dump -t "$P" -D "$T/nolocks" -o dump.log -v4 2>"$T/nolocks.err" &&
	fail "dump of a task holding locks succeeded without --file-locks"
grep -q -- '--file-locks' "$T/nolocks.err" "$T/nolocks/dump.log" ||
	fail "the error does not name --file-locks: $(tail -n 2 "$T/nolocks.err")"
alive "$P" || fail "lockprog gone after the failed dump"
N=$(last_num "$T/log" 'n=')
wait_for 5 grep -q "n=$((N + 3)) held" "$T/log" || fail "lockprog stuck after the failed dump"
all_refused "after the failed dump"

dump "$P" "$T/img" --file-locks
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
[ -f "$T/img/filelocks.img" ] || fail "no filelocks.img"
all_free "tree gone"
decode_all "$T/img"
if [ -n "${CRIT42:-}" ]; then
	"$CRIT42" decode -i "$T/img/filelocks.img" >"$T/locks.json" || fail "crit-4.2 decode filelocks"
	python3 - "$T/locks.json" "$P" <<'PY' || fail "crit-4.2: filelocks.img wrong: $(cat "$T/locks.json")"
import json, sys
e = json.load(open(sys.argv[1]))["entries"]
pid = int(sys.argv[2])
got = sorted((x["flag"], x["type"], x["pid"], x["start"], x["len"]) for x in e)
assert got == [(1, 1, pid, 100, 50), (2, 1, pid, 0, 0), (4, 0, pid, 0, 10)], got
PY
fi
restore_d "$T/img" --file-locks
PIDS="$P"
N=$(last_num "$T/log" 'n=')
wait_for 5 grep -q "n=$((N + 3)) held" "$T/log" || fail "lockprog not running after restore"
all_refused "after restore"
kill -USR1 "$P"
wait_for 5 grep -q 'released' "$T/log" || fail "lockprog did not release its locks"
grep -q BAD "$T/log" && fail "lockprog: $(grep -m1 BAD "$T/log")"
all_free "after release"
kill -9 "$P"

# a write lease (F_SETLEASE): held again after restore, and another
# process's open breaks it (the holder gets SIGIO) as before the dump
echo data >"$T/leased"
setsid python3 -c 'import fcntl, os, signal, sys, time
broken = []
signal.signal(signal.SIGIO, lambda s, f: broken.append(s))
f = open(sys.argv[2], "r+")
fcntl.fcntl(f.fileno(), 1024, fcntl.F_WRLCK)  # F_SETLEASE
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    out.write(f"i={i} lease={fcntl.fcntl(f.fileno(), 1025)} broken={len(broken)}\n")  # F_GETLEASE
    if broken:
        fcntl.fcntl(f.fileno(), 1024, fcntl.F_UNLCK)
    time.sleep(0.05)' "$T/lease.log" "$T/leased" </dev/null >/dev/null 2>"$T/lease.err" &
L=$!; PIDS="$PIDS $L"
wait_for 5 grep -q 'i=2 lease=1 broken=0' "$T/lease.log" || fail "lease holder did not start: $(cat "$T/lease.err")"
dump "$L" "$T/img-l" --file-locks
wait_for 5 gone "$L" || fail "lease holder alive after dump"
"$CRIT" show "$T/img-l/filelocks.img" | grep -q '"flag": 8' || fail "no lease (flag 8) in filelocks.img"
n=$(last_num "$T/lease.log" 'i=')
restore_d "$T/img-l" --file-locks
wait_for 5 grep -q "^i=$((n + 2)) lease=1 broken=0" "$T/lease.log" ||
	fail "lease not held after restore: $(tail -n 1 "$T/lease.log") $(cat "$T/lease.err")"
timeout 10 cat "$T/leased" >/dev/null || fail "could not open the leased file"
grep -q 'broken=1' "$T/lease.log" || fail "opening the file did not break the restored lease"
kill -9 "$L"
echo "PASS: flock, POSIX and OFD locks held across dump/restore, released on demand; a lease kept and broken"
