#!/bin/bash
# CRIU 4.2 as an oracle, both ways: a loop dumped by CRIU restores with
# crisp, and a loop dumped by crisp restores with CRIU.  crisp never runs
# CRIU; this script does, and skips when it cannot.
. "$(dirname "$0")/lib.sh"

CRIU=${CRIU42:-/work/shared/tools/criu-4.2}
[ -x "$CRIU" ] || { echo "SKIP: no CRIU 4.2 at $CRIU"; exit 77; }
"$CRIU" check >/dev/null 2>&1 || { echo "SKIP: CRIU 4.2 cannot run here"; exit 77; }

start_loop() { # LOG
	setsid sh -c 'echo $$ > '"$1"'.pid; i=0; while :; do echo $i >> '"$1"'; i=$((i+1)); sleep 0.05; done' \
		</dev/null >/dev/null 2>&1 &
	wait_for 5 test -s "$1.pid" || fail "loop did not start"
	wait_for 5 test -s "$1" || fail "loop does not count"
	sleep 0.2
	cat "$1.pid"
}
continues() { # LOG N
	wait_for 5 sh -c "[ \$(tail -n 1 $1) -gt $(($2 + 3)) ]" &&
		awk 'NR > 1 && $1 != prev + 1 { exit 1 } { prev = $1 }' "$1"
}

# CRIU dump -> crisp restore
P=$(start_loop "$T/a.log"); PIDS="$P"
mkdir "$T/a"
"$CRIU" dump -t "$P" -D "$T/a" -o dump.log -v4 >/dev/null 2>&1 || { echo "SKIP: CRIU dump failed: $(tail -n 2 "$T/a/dump.log")"; exit 77; }
wait_for 5 gone "$P" || fail "CRIU left $P running"
N=$(tail -n 1 "$T/a.log")
restore_d "$T/a"
continues "$T/a.log" "$N" || fail "CRIU-dumped loop did not continue under crisp"
kill -9 "$P"; wait_for 5 gone "$P"

# crisp dump -> CRIU restore
P=$(start_loop "$T/b.log"); PIDS="$PIDS $P"
dump "$P" "$T/b"
wait_for 5 gone "$P" || fail "crisp left $P running"
N=$(tail -n 1 "$T/b.log")
if ! "$CRIU" restore -D "$T/b" -d -o restore.log -v4 >/dev/null 2>&1; then
	fail "CRIU 4.2 cannot restore crisp's images: $(grep -i error "$T/b/restore.log" | tail -n 3)"
fi
continues "$T/b.log" "$N" || fail "crisp-dumped loop did not continue under CRIU"
kill -9 "$P"; wait_for 5 gone "$P"

# threads: CRIU dump -> crisp restore -> crisp dump -> CRIU restore
setsid "$PROGS/threadprog" "$T/t.log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$PIDS $P"
wait_for 5 grep -q 'iter=2 ' "$T/t.log" || fail "threadprog did not start"
mkdir "$T/c" "$T/d"
"$CRIU" dump -t "$P" -D "$T/c" -o dump.log >/dev/null 2>&1 || fail "CRIU dump of threadprog failed"
wait "$P" 2>/dev/null
N=$(grep -c iter= "$T/t.log")
restore_d "$T/c"
wait_for 5 sh -c "[ \$(grep -c iter= $T/t.log) -gt $((N + 3)) ]" || fail "CRIU-dumped threads stuck under crisp"
dump "$P" "$T/d"
wait_for 5 gone "$P" || fail "crisp left $P running"
N=$(grep -c iter= "$T/t.log")
"$CRIU" restore -D "$T/d" -d -o restore.log >/dev/null 2>&1 ||
	fail "CRIU 4.2 cannot restore crisp's threads: $(grep -i error "$T/d/restore.log" | tail -n 3)"
wait_for 5 sh -c "[ \$(grep -c iter= $T/t.log) -gt $((N + 3)) ]" || fail "crisp-dumped threads stuck under CRIU"
grep BAD "$T/t.log" && fail "threads went wrong across CRIU/crisp"
kill -9 "$P"; wait_for 5 gone "$P"

# seccomp (CRIU: leader only, TSYNC; crisp: per thread), both ways
setsid "$PROGS/seccompprog" "$T/s.log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$PIDS $P"
wait_for 5 grep -q 'iter=2 ' "$T/s.log" || fail "seccompprog did not start"
mkdir "$T/e" "$T/f"
"$CRIU" dump -t "$P" -D "$T/e" -o dump.log >/dev/null 2>&1 || fail "CRIU dump of seccompprog failed"
wait "$P" 2>/dev/null
N=$(grep -c iter= "$T/s.log")
restore_d "$T/e"
wait_for 5 sh -c "[ \$(grep -c iter= $T/s.log) -gt $((N + 3)) ]" || fail "CRIU-dumped seccompprog stuck under crisp"
dump "$P" "$T/f"
wait_for 5 gone "$P" || fail "crisp left $P running"
N=$(grep -c iter= "$T/s.log")
"$CRIU" restore -D "$T/f" -d -o restore.log >/dev/null 2>&1 ||
	fail "CRIU 4.2 cannot restore crisp's seccomp: $(grep -i error "$T/f/restore.log" | tail -n 3)"
wait_for 5 sh -c "[ \$(grep -c iter= $T/s.log) -gt $((N + 3)) ]" || fail "crisp-dumped seccompprog stuck under CRIU"
grep BAD "$T/s.log" && fail "seccomp lost across CRIU/crisp"
kill -9 "$P"
# a zombie, both ways: CRIU writes its thread id uninitialised, and CRIU's
# restore of one without a thread id killed the parent.  The parent reaps
# it after the second restore and gets its exit status.
setsid /usr/bin/python3 -c 'import os, sys, time
if os.fork() == 0:
    os._exit(3)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".reap"):
        os.unlink(sys.argv[1] + ".reap")
        pid, st = os.wait()
        out.write(f"reaped {os.waitstatus_to_exitcode(st)}\n")
    out.write(f"i={i}\n")
    time.sleep(0.05)' "$T/z.log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$PIDS $P"
wait_for 5 grep -q 'i=3' "$T/z.log" || fail "zombie parent did not start"
Z=$(tr -d " " </proc/$P/task/$P/children)
grep -q '^State:.*Z' /proc/$Z/status || fail "child $Z is not a zombie"
mkdir "$T/g" "$T/h"
"$CRIU" dump -t "$P" -D "$T/g" -o dump.log >/dev/null 2>&1 || fail "CRIU dump of a zombie failed"
wait "$P" 2>/dev/null
restore_d "$T/g"
grep -q '^State:.*Z' /proc/$Z/status 2>/dev/null || fail "crisp did not bring CRIU's zombie back"
dump "$P" "$T/h"
wait_for 5 gone "$P" || fail "crisp left $P running"
"$CRIU" restore -D "$T/h" -d -o restore.log >/dev/null 2>&1 ||
	fail "CRIU 4.2 cannot restore crisp's zombie: $(grep Error "$T/h/restore.log" | tail -n 2)"
grep -q '^State:.*Z' /proc/$Z/status 2>/dev/null || fail "CRIU did not bring crisp's zombie back"
touch "$T/z.log.reap"
wait_for 5 grep -q '^reaped' "$T/z.log" || fail "the parent did not reap its zombie after restore"
grep -q '^reaped 3$' "$T/z.log" || fail "zombie's exit status lost: $(grep reaped "$T/z.log")"
kill -9 "$P"

echo "PASS: CRIU->crisp and crisp->CRIU: single-threaded, threads, seccomp, a zombie"
