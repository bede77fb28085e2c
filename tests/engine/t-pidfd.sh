#!/bin/bash
# A parent holding a pidfd for its child (as Go's os/exec and systemd
# do).  After restore the pidfd is one again, for the same child: not
# readable while the child lives, readable once it is killed.  (A
# placeholder would be readable, or fail in select, at once.)
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
setsid $PY -c 'import os, select, subprocess, sys, time
out = open(sys.argv[1], "a", buffering=1)
p = subprocess.Popen(["sleep", "1000"])
fd = os.pidfd_open(p.pid)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".kill"):
        os.unlink(sys.argv[1] + ".kill")
        p.kill()
        out.write("killed\n")
    r, _, _ = select.select([fd], [], [], 0)
    out.write(f"i={i} exited={bool(r)}\n")
    time.sleep(0.05)' "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "python did not start: $(cat "$T/err")"
grep -q 'exited=True' "$T/log" && fail "pidfd readable before the dump"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
decode_all "$T/img"
l=$(wc -l <"$T/log")
restore_d "$T/img"
n=$(last_num "$T/log" 'i=')
wait_for 5 grep -q "^i=$((n + 5)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
tail -n +"$((l + 1))" "$T/log" | grep -q 'exited=True' && fail "pidfd readable while the child lives: $(cat "$T/err")"
touch "$T/log.kill"
wait_for 5 grep -q killed "$T/log" || fail "the parent did not kill its child"
wait_for 5 sh -c "sed -n '/killed/,\$p' $T/log | grep -q 'exited=True'" || fail "pidfd not readable after its child died"
alive "$P" || fail "task died after restore: $(cat "$T/err")"
kill -9 "$P"
echo "PASS: the restored pidfd follows the restored child"
