#!/bin/bash
# SIGIO users and scheduling: a pipe and a unix socket with O_ASYNC, an
# owner (the task itself, which does not exist when crisp opens files)
# and a signal (F_SETOWN, F_SETSIG); SCHED_BATCH with nice 5; an
# oom_score_adj.  All the same after restore, and SIGIO still arrives.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
setsid $PY -c 'import fcntl, os, signal, socket, sys, time
os.nice(5)
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
open("/proc/self/oom_score_adj", "w").write("123")
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
r, w = os.pipe()
a, b = socket.socketpair()
for fd in (r, a.fileno()):
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, 10, signal.SIGUSR1)                      # F_SETSIG
    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".poke"):
        os.unlink(sys.argv[1] + ".poke")
        os.write(w, b"x"); b.send(b"y"); time.sleep(0.1)
        out.write(f"sigio={len(got)} {os.read(r, 10)} {a.recv(10)}\n")
    st = [(fcntl.fcntl(fd, fcntl.F_GETOWN) == os.getpid(), fcntl.fcntl(fd, 11),
           bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ASYNC)) for fd in (r, a.fileno())]
    oom = open("/proc/self/oom_score_adj").read().strip()
    out.write(f"i={i} nice={os.nice(0)} policy={os.sched_getscheduler(0)} oom={oom} fds={st}\n")
    time.sleep(0.05)' "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "python did not start: $(cat "$T/err")"
before=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
case "$before" in *"policy=3 "*True*) ;; *) fail "unexpected before dump: $before" ;; esac
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
after=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
[ "$after" = "$before" ] || fail "changed: before '$before', after '$after'"
touch "$T/log.poke"
wait_for 5 grep -q '^sigio=' "$T/log" || fail "no answer to the poke"
grep -q "^sigio=2 b'x' b'y'" "$T/log" || fail "SIGIO after restore: $(grep sigio "$T/log")"
kill -9 "$P"
echo "PASS: owners, F_SETSIG, O_ASYNC, SCHED_BATCH, nice and oom_score_adj kept; SIGIO arrives"
