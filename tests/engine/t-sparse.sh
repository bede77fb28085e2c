#!/bin/bash
# A 1 TiB MAP_NORESERVE reservation with a few pages written in it (the
# shape of ASan's shadow, Go's and the JVM's heap reservations): it comes
# back as a reservation (without MAP_NORESERVE a 1 TiB mapping is refused
# by the overcommit check) with the written pages, and the dump finds
# those pages without reading a pagemap word for each of the 2^28 pages.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
setsid $PY -c 'import mmap, sys, time
SIZE = 1 << 40
m = mmap.mmap(-1, SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000)  # MAP_NORESERVE
offs = [k * (SIZE // 7) + 4096 * k for k in range(7)]
for k, o in enumerate(offs):
    m[o:o + 8] = (0x1122334455667788 + k).to_bytes(8, "little")
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    ok = all(m[o:o + 8] == (0x1122334455667788 + k).to_bytes(8, "little") for k, o in enumerate(offs))
    out.write(f"i={i} ok={ok}\n")
    time.sleep(0.05)' "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=2 ok=True' "$T/log" || fail "python did not start: $(cat "$T/err")"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
tail -n 1 "$T/log" | grep -q 'ok=True' || fail "written pages lost: $(tail -n 1 "$T/log")"
big=0
while read -r range _; do
	[ $((16#${range#*-} - 16#${range%-*})) = 1099511627776 ] && big=1
done </proc/$P/maps
[ "$big" = 1 ] || fail "the 1 TiB reservation is not there after restore"
kill -9 "$P"
echo "PASS: 1 TiB reservation with 7 written pages restored"
