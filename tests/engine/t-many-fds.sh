#!/bin/bash
# A task with a thousand open files and one fd near its RLIMIT_NOFILE:
# crisp holds every file it hands to the tasks in fd numbers none of them
# uses, so they fit below the limit (crisp cannot raise it without
# CAP_SYS_RESOURCE).  Restore failed with EMFILE when it put them all
# above the highest fd number.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
H=$(ulimit -Hn)
[ "$H" = unlimited ] && H=1048576
[ "$H" -ge 2100 ] || { echo "SKIP: hard RLIMIT_NOFILE $H is too low for this test"; exit 77; }
[ "$H" -gt 1048576 ] && H=1048576
ulimit -Sn "$H"
setsid $PY -c 'import os, sys, time
high = int(sys.argv[2]) - 10
fds = [os.open("/dev/null" if i % 2 else "/etc/hostname", os.O_RDONLY) for i in range(1000)]
os.dup2(fds[1], high)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    n = len(os.listdir("/proc/self/fd"))
    ok = os.path.samestat(os.fstat(high), os.stat("/dev/null")) and os.pread(fds[0], 1, 0) != b""
    out.write(f"i={i} n={n} ok={ok}\n")
    time.sleep(0.05)' "$T/log" "$H" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 10 grep -q 'i=2 ' "$T/log" || fail "python did not start: $(cat "$T/err")"
before=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
after=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
[ "$after" = "$before" ] || fail "fds changed: before '$before', after '$after'"
kill -9 "$P"
echo "PASS: 1000 files and fd $((H - 10)) restored under a limit of $H ($after)"
