#!/bin/bash
# End to end through the ext fd kinds: a unix socketpair with queued
# bytes, an eventfd, and memfds (one held by an fd and mapped, one only
# mapped) survive crisp dump + restore, with the fd and the mapping still
# sharing one inode.  Skips when crisp was built without the ext kinds.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
cat > "$T/s.py" <<'PY'
import mmap, os, socket, sys, time
a, b = socket.socketpair()
a.send(b"queued-before-dump")
efd = os.eventfd(5)
fd = os.memfd_create("crisp-test")
os.ftruncate(fd, 8192)
m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m[0:5] = b"hello"
fd2 = os.memfd_create("only-mapped")
os.ftruncate(fd2, 4096)
m2 = mmap.mmap(fd2, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m2[0:5] = b"world"
os.close(fd2)
log = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    m[5] = i % 256
    ok = os.pread(fd, 6, 0) == b"hello" + bytes([i % 256]) and m2[0:5] == b"world"
    line = "%d ok=%d" % (i, ok)
    if os.path.exists(sys.argv[1] + ".check"):
        got = b.recv(100, socket.MSG_DONTWAIT)
        line += " got=%s efd=%d" % (got.decode(), os.eventfd_read(efd))
        os.unlink(sys.argv[1] + ".check")
    log.write(line + "\n")
    i += 1
    time.sleep(0.05)
PY
setsid $PY "$T/s.py" "$T/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q '^3 ' "$T/log" || fail "python did not start"
mkdir -p "$T/img"
if ! "$CRISP" dump -t "$P" -D "$T/img" -o dump.log -v4 2>"$T/err"; then
	grep -q 'unsupported file type' "$T/err" && { echo "SKIP: crisp built without the ext fd kinds"; exit 77; }
	fail "dump failed: $(cat "$T/err")"
fi
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
decode_all "$T/img"
restore_d "$T/img"
N=$(tail -n 1 "$T/log" | cut -d' ' -f1)
touch "$T/log.check"
wait_for 5 grep -q 'got=queued-before-dump efd=5' "$T/log" || fail "socket queue or eventfd lost: $(tail -n 2 "$T/log")"
grep -q 'ok=0' "$T/log" && fail "memfd contents or sharing lost: $(grep -m1 ok=0 "$T/log")"
kill -9 "$P"
echo "PASS: socketpair queue, eventfd, memfd fd+mappings restored"
