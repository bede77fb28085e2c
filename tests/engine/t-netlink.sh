#!/bin/bash
# A netlink route socket (as ip monitor, udev and network daemons hold
# one): bound to its port id, in multicast groups 1, 3 and 33 (beyond the
# 32 that bind() can name).  After restore it has the same port id and
# groups, and RTM_GETLINK dumps on it still answer.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
cat >"$T/nl.py" <<'PY'
import socket, struct, sys, time
out = open(sys.argv[1], "a", buffering=1)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)   # NETLINK_ROUTE
s.bind((0, 1 | 4))                                          # groups 1 and 3
s.setsockopt(270, 1, 33)                                    # NETLINK_ADD_MEMBERSHIP 33
i = 0
while True:
    i += 1
    s.send(struct.pack("=LHHLL", 32, 18, 0x301, i, 0) + bytes(16))  # RTM_GETLINK, dump
    links, done = 0, False
    while not done:
        d = s.recv(65536)
        off = 0
        while off < len(d):
            ln, typ, fl, seq, pid = struct.unpack_from("=LHHLL", d, off)
            if typ == 3:
                done = True
            elif typ == 16 and seq == i:
                links += 1
            off += (ln + 3) & ~3
    port, groups = s.getsockname()
    members = struct.unpack("=2L", s.getsockopt(270, 9, 8))      # NETLINK_LIST_MEMBERSHIPS
    out.write(f"i={i} links={links} port={port} groups={members[0]},{members[1]}\n")
    time.sleep(0.05)
PY
setsid $PY "$T/nl.py" "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "nl.py did not start: $(cat "$T/err")"
before=$(tail -n 1 "$T/log" | sed 's/^i=[0-9]* //')
case "$before" in *links=0*) fail "no links seen before dump: $before" ;; esac
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "nl.py alive after dump"
decode_all "$T/img"
if [ -x "${CRIT:-}" ]; then
	"$CRIT" x "$T/img" sk | grep -q "NETLINK ROUTE .* portid " || fail "crit x sk: $("$CRIT" x "$T/img" sk)"
fi
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "netlink requests stuck after restore: $(cat "$T/err")"
after=$(tail -n 1 "$T/log" | sed 's/^i=[0-9]* //')
[ "$after" = "$before" ] || fail "netlink socket changed: before '$before', after '$after'"
alive "$P" || fail "nl.py died after restore"
kill -9 "$P"
echo "PASS: netlink socket kept its port and groups ($after)"
