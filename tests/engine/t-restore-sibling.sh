#!/bin/bash
# --restore-sibling (zdtm, and runc through RPC's rst_sibling): the
# restored root is a child of crisp's parent, which can then wait for it
# and get its exit status; without the option it is crisp's child.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
$PY - "$CRISP" "$T" <<'PY' || fail "restore-sibling check failed"
import os, subprocess, sys, time
crisp, t = sys.argv[1], sys.argv[2]
os.makedirs(t + "/img")
loop = "i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo $i >> %s/log; sleep 0.05; done; exit 7" % t
p = subprocess.Popen(["setsid", "sh", "-c", loop], stdin=subprocess.DEVNULL)
while not os.path.exists(t + "/log"):
    time.sleep(0.05)
subprocess.run([crisp, "dump", "-t", str(p.pid), "-D", t + "/img", "-o", "dump.log", "-v4"], check=True)
p.wait()
n = int(open(t + "/log").read().split()[-1])
subprocess.run([crisp, "restore", "-d", "--restore-sibling", "-D", t + "/img", "-o", "restore.log",
                "-v4", "--pidfile", t + "/pid"], check=True)
root = int(open(t + "/pid").read())
assert root == p.pid, f"restored as {root}, dumped as {p.pid}"
ppid = int(open(f"/proc/{root}/stat").read().rsplit(")", 1)[1].split()[1])
assert ppid == os.getpid(), f"restored root's parent is {ppid}, not crisp's parent {os.getpid()}"
pid, st = os.waitpid(root, 0)
code = os.waitstatus_to_exitcode(st)
last = int(open(t + "/log").read().split()[-1])
assert code == 7, f"exit status {code}, not 7"
assert last == 40 and n < 40, f"loop ran from {n} to {last}"
print(f"root {root} child of {ppid}, went on from {n} to {last}, exit {code}")
PY
# the option needs -d, as in CRIU
"$CRISP" restore --restore-sibling -D "$T/img" 2>"$T/err" && fail "--restore-sibling without -d accepted"
grep -q "restore-detached" "$T/err" || fail "no reason given: $(cat "$T/err")"
echo "PASS: --restore-sibling makes the root a child of crisp's parent"
