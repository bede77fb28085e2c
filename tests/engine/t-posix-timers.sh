#!/bin/bash
# POSIX timers: a periodic one (ticks counted by a handler) and a one-shot
# 1000 s away with a sparse id.  Dump, gone, restore: the same ids work
# (timer_gettime/timer_getoverrun on the saved ids), the periodic one keeps
# ticking, the one-shot's remaining time carries on from the dump; crit 4.2
# decodes the core image with both timers in it.
. "$(dirname "$0")/lib.sh"
[ -x "${TIMERPROG:-}" ] || { echo "SKIP: no timerprog"; exit 77; }

ticks_ge() { [ "$(tail -n 1 "$T/log" | sed -E 's/^n=([0-9]+) .*/\1/')" -ge "$1" ]; }
ids() { sed -n 's/^ID: //p' /proc/$1/timers | sort -n | tr '\n' ' '; }

setsid "$TIMERPROG" "$T/log" </dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 grep -q 'ok=1' "$T/log" || fail "timerprog did not start: $(tail -n 1 "$T/log")"
sleep 2 # the one-shot is now well below 1000 s
IDS=$(ids $P)
[ "$IDS" = "0 4 " ] || fail "expected timer ids 0 4, got '$IDS'"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "alive after dump"
wait "$P" 2>/dev/null
LAST=$(tail -n 1 "$T/log")
N=$(echo "$LAST" | sed -E 's/^n=([0-9]+) .*/\1/')
REM=$(echo "$LAST" | sed -E 's/.* rem=([0-9-]+) .*/\1/')
echo "before: $LAST"
decode_all "$T/img"
if [ -n "${CRIT42:-}" ]; then
	"$CRIT42" decode -i "$T/img/core-$P.img" >"$T/core.json" || fail "crit-4.2 decode core"
	python3 - "$T/core.json" <<'PY' || fail "crit-4.2: posix timers in core-$P.img wrong"
import json, sys
tc = json.load(open(sys.argv[1]))["entries"][0]["tc"]
pt = tc["timers"]["posix"]
assert [t["it_id"] for t in pt] == [0, 4], pt
assert pt[0]["clock_id"] == 1 and pt[0]["insec"] == 20000000 and pt[0]["sival_ptr"] == 0x5eed, pt[0]
assert pt[1]["clock_id"] == 0 and pt[1]["si_signo"] == 12 and 990 < pt[1]["vsec"] < 1000, pt[1]
assert all(t["it_sigev_notify"] == 0 for t in pt), pt
PY
fi
sleep 1 # time while the tree is gone is not counted (CRIU restores relative)
restore_d "$T/img"
PIDS="$P"
[ "$(ids $P)" = "$IDS" ] || fail "timer ids after restore: '$(ids $P)', wanted '$IDS'"
wait_for 5 ticks_ge $((N + 25)) || fail "periodic timer not firing after restore: $(tail -n 2 "$T/log")"
AFTER=$(grep -A 1000000 -F -x "$LAST" "$T/log" | sed 1d)
[ -n "$AFTER" ] || fail "no log lines after restore"
echo "$AFTER" | grep -q 'ok=0' && fail "timer ids broken after restore: $(echo "$AFTER" | grep -m1 ok=0)"
FIRST=$(echo "$AFTER" | head -n 1)
REM2=$(echo "$FIRST" | sed -E 's/.* rem=([0-9-]+) .*/\1/')
echo "after: $FIRST"
# at most ~0.3 s of logging delay before the dump, plus the time since the restore
[ "$REM2" -le $((REM + 300)) ] && [ "$REM2" -ge $((REM - 3000)) ] ||
	fail "one-shot remaining $REM2 ms after restore, $REM ms at dump"
kill -9 "$P"
echo "PASS: posix timers $IDS restored (ticks $N -> $(tail -n 1 "$T/log" | sed -E 's/^n=([0-9]+) .*/\1/'), one-shot ${REM} -> ${REM2} ms)"
