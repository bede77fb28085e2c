#!/bin/bash
# A /dev/shm file mapped MAP_SHARED (what shm_open gives): a counter the
# task keeps in the mapping is visible in the file, stops while the task is
# dumped, and carries on from the same value after restore, so the restored
# mapping is the same shared file and not a private copy.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no $PY"; exit 77; }
SHM=/dev/shm/crisp-test-$$
cat > "$T/shm.py" <<PYEOF
import mmap, os, struct, time
fd = os.open("$SHM", os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
os.close(fd)
i = 0
while True:
    i += 1
    struct.pack_into("<Q", m, 0, i)
    time.sleep(0.02)
PYEOF
rd() { $PY -c "import struct; print(struct.unpack('<Q', open('$SHM', 'rb').read(8))[0])"; }
setsid $PY "$T/shm.py" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 10 sh -c "[ -s $SHM ] && [ \$($PY -c \"import struct; print(struct.unpack('<Q', open('$SHM', 'rb').read(8))[0])\") -gt 5 ]" ||
	fail "counter did not start"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task $P still alive after dump"
wait "$P" 2>/dev/null
A=$(rd); sleep 0.3; B=$(rd)
[ "$A" = "$B" ] || fail "the file changed while the task was dumped ($A -> $B)"
decode_all "$T/img"
restore_d "$T/img"
wait_for 5 alive "$P" || fail "task $P not running after restore"
wait_for 5 sh -c "[ \$($PY -c \"import struct; print(struct.unpack('<Q', open('$SHM', 'rb').read(8))[0])\") -gt $((B + 5)) ]" ||
	fail "counter in $SHM did not carry on after restore (stuck at $(rd), dumped at $B)"
C=$(rd)
[ "$C" -lt $((B + 500)) ] || fail "counter jumped from $B to $C: restarted?"
kill -9 "$P"
rm -f "$SHM"
echo "PASS: /dev/shm mapping shared again after restore ($B -> $C)"
