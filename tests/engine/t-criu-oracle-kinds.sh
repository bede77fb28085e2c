#!/bin/bash
# Image interchange for the newer fd kinds, both ways with CRIU 4.2: a
# task holding a netlink route socket (port id, groups) and a pidfd for
# its child (kindsprog.py) dumped by CRIU restores with crisp, and dumped
# by crisp restores with CRIU.  Each time the socket keeps its address and
# answers RTM_GETLINK, and the pidfd does not read as exited while the
# child lives.  crisp never runs CRIU; this script does, and skips when
# it cannot.
. "$(dirname "$0")/lib.sh"

CRIU=${CRIU42:-/work/shared/tools/criu-4.2}
[ -x "$CRIU" ] || { echo "SKIP: no CRIU 4.2 at $CRIU"; exit 77; }
"$CRIU" check >/dev/null 2>&1 || { echo "SKIP: CRIU 4.2 cannot run here"; exit 77; }
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }

setsid $PY "$(dirname "$0")/kindsprog.py" "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "kindsprog did not start: $(cat "$T/err")"
state() { tail -n 1 "$T/log" | cut -d' ' -f2-; }
S0=$(state)
case "$S0" in *links=0*|*child_exited=True*) fail "unexpected state before dump: $S0" ;; esac

# went_on DIR WHO: progress, same socket address, child alive by its pidfd
went_on() {
	local n=$(last_num "$T/log" 'i=')
	wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "$2: no progress after restore: $(cat "$T/err")"
	[ "$(state)" = "$S0" ] || fail "$2: state changed: '$S0' -> '$(state)'"
}

mkdir "$T/a"
"$CRIU" dump -t "$P" -D "$T/a" -o dump.log -v4 >/dev/null 2>&1 ||
	fail "CRIU dump failed: $(grep Error "$T/a/dump.log" | tail -n 2)"
wait "$P" 2>/dev/null
grep -q NETLINKSK <("$CRIT" show "$T/a/files.img" 2>/dev/null) || fail "CRIU wrote no NETLINKSK entry"
restore_d "$T/a"
went_on "$T/a" "CRIU dump, crisp restore"

dump "$P" "$T/b"
wait_for 5 gone "$P" || fail "crisp left $P running"
"$CRIU" restore -D "$T/b" -d -o restore.log -v4 >/dev/null 2>&1 ||
	fail "CRIU 4.2 cannot restore crisp's images: $(grep Error "$T/b/restore.log" | tail -n 3)"
went_on "$T/b" "crisp dump, CRIU restore"
kill -9 "$P"
echo "PASS: netlink socket and pidfd interchange with CRIU 4.2 both ways ($S0)"
