#!/bin/bash
# Per-process settings a daemon makes with prctl and mlock: locked memory
# (mlockall, as gpg-agent and real-time programs do; its vmas come back
# locked), child-subreaper, no-new-privs, and a child's parent-death signal.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
setsid $PY -c 'import ctypes, os, signal, sys, time
l = ctypes.CDLL(None, use_errno=True)
l.prctl(36, 1, 0, 0, 0)                      # PR_SET_CHILD_SUBREAPER
l.prctl(38, 1, 0, 0, 0)                      # PR_SET_NO_NEW_PRIVS
can_lock = l.mlockall(1) == 0                # MCL_CURRENT (needs CAP_IPC_LOCK or room in RLIMIT_MEMLOCK)
if os.fork() == 0:
    l.prctl(1, signal.SIGUSR1, 0, 0, 0)       # PR_SET_PDEATHSIG
    out = open(sys.argv[1] + ".child", "a", buffering=1)
    while True:
        v = ctypes.c_int(0); l.prctl(2, ctypes.byref(v), 0, 0, 0)
        out.write(f"pdeathsig={v.value}\n"); time.sleep(0.05)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    v = ctypes.c_int(0); l.prctl(37, ctypes.byref(v), 0, 0, 0)
    lck = int([x for x in open("/proc/self/status") if x.startswith("VmLck")][0].split()[1])
    out.write(f"i={i} subreaper={v.value} nnp={l.prctl(39, 0, 0, 0, 0)} locked={lck > 1000 if can_lock else None}\n")
    time.sleep(0.05)' "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "python did not start: $(cat "$T/err")"
wait_for 5 test -s "$T/log.child" || fail "child did not start"
want="subreaper=1 nnp=1 locked=True"
tail -n 1 "$T/log" | grep -q "locked=None" && { echo "note: mlockall not permitted here"; want="subreaper=1 nnp=1 locked=None"; }
tail -n 1 "$T/log" | grep -q "$want" || fail "unexpected before dump: $(tail -n 1 "$T/log")"
C=$(cat /proc/$P/task/$P/children); PIDS="$P $C"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
tail -n 1 "$T/log" | grep -q "$want" || fail "lost after restore: $(tail -n 1 "$T/log") (want $want)"
[ "$(tail -n 1 "$T/log.child")" = "pdeathsig=10" ] || fail "child: $(tail -n 1 "$T/log.child")"
kill -9 "$P" $C
echo "PASS: mlock, subreaper, no-new-privs and pdeathsig kept"
