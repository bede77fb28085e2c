#!/bin/bash
# Shared anonymous memory written only by a forked child: the parent's
# page table has none of those pages (it never touched them), yet they
# are the object's and must come back (PostgreSQL's workers write its
# shared buffers this way).  crisp asked only the first task's pagemap
# and lost them.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
setsid $PY -c 'import mmap, os, sys, time
N = 256
m = mmap.mmap(-1, N * 4096, mmap.MAP_SHARED)
out = open(sys.argv[1], "a", buffering=1)
if os.fork() == 0:
    for p in range(N):
        m[p * 4096:p * 4096 + 8] = (p * 2654435761 % 2**64).to_bytes(8, "little")
    out.write("child wrote\n")
    while True:
        time.sleep(0.1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".check"):
        os.unlink(sys.argv[1] + ".check")
        bad = sum(m[p * 4096:p * 4096 + 8] != (p * 2654435761 % 2**64).to_bytes(8, "little")
                  for p in range(N))
        out.write(f"checked bad={bad}\n")
    out.write(f"i={i}\n")
    time.sleep(0.05)' "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'child wrote' "$T/log" || fail "child did not write: $(cat "$T/err")"
C=$(cat /proc/$P/task/$P/children)
PIDS="$P $C"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "parent alive after dump"
restore_d "$T/img"
touch "$T/log.check"
wait_for 5 grep -q '^checked' "$T/log" || fail "parent did not check after restore: $(cat "$T/err")"
grep -q '^checked bad=0$' "$T/log" || fail "shared pages the child wrote were lost: $(grep checked "$T/log")"
alive "$C" || fail "child died after restore"
kill -9 "$P" $C
echo "PASS: 256 shared pages written only by the child came back"
