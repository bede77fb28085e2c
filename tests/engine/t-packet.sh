#!/bin/bash
# A packet socket (dhclient's, lldpd's kind): AF_PACKET bound to lo, in
# promiscuous mode through a membership, with PACKET_AUXDATA and a
# classic BPF filter that passes UDP only.  After restore it has the same
# interface, membership and filter, and still captures a UDP datagram
# sent on lo (and not the TCP around it).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
PORT=$((20000 + RANDOM % 20000))
setsid $PY -c 'import os, socket, struct, sys, time
ETH_P_ALL, SOL_PACKET, PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC, PACKET_AUXDATA = 3, 263, 1, 1, 8
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind(("lo", 0))
lo = socket.if_nametoindex("lo")
s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, struct.pack("iHH8s", lo, PACKET_MR_PROMISC, 0, b""))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
# ldh [12]; jne #0x800, drop; ldb [23]; jne #17, drop; ret #65535; drop: ret #0
code = [(0x28, 0, 0, 12), (0x15, 0, 3, 0x800), (0x30, 0, 0, 23), (0x15, 0, 1, 17),
        (0x06, 0, 0, 65535), (0x06, 0, 0, 0)]
prog = b"".join(struct.pack("HBBI", *c) for c in code)
import ctypes
buf = ctypes.create_string_buffer(prog)
s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HxxxxxxP", len(code), ctypes.addressof(buf)))  # SO_ATTACH_FILTER
s.setblocking(False)
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".check"):
        os.unlink(sys.argv[1] + ".check")
        while True:
            try: s.recv(65536)
            except BlockingIOError: break
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(b"crisp-packet-probe", ("127.0.0.1", int(sys.argv[2])))
        time.sleep(0.2)
        got = []
        while True:
            try: got.append(s.recv(65536))
            except BlockingIOError: break
        udp = sum(b"crisp-packet-probe" in g for g in got)
        other = sum(g[23] != 17 for g in got if len(g) > 23)
        out.write(f"captured udp={udp} other={other}\n")
    filt = s.getsockopt(socket.SOL_SOCKET, 26, 8 * len(code))  # SO_GET_FILTER: optlen comes back as the count
    out.write(f"i={i} name={s.getsockname()[:2]} filter={filt == prog[:len(code)]} aux={s.getsockopt(SOL_PACKET, PACKET_AUXDATA)}\n")
    time.sleep(0.05)' "$T/log" "$PORT" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q 'i=3 ' "$T/log" || fail "python did not start: $(cat "$T/err")"
before=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
case "$before" in *"filter=True aux=1"*) ;; *) fail "unexpected before dump: $before" ;; esac
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
decode_all "$T/img"
"$CRIT" show "$T/img/files.img" | grep -q '"so_filter"' || fail "no filter in the image"
n=$(last_num "$T/log" 'i=')
restore_d "$T/img"
wait_for 5 grep -q "^i=$((n + 3)) " "$T/log" || fail "no progress after restore: $(cat "$T/err")"
after=$(tail -n 1 "$T/log" | cut -d' ' -f2-)
[ "$after" = "$before" ] || fail "changed: before '$before', after '$after'"
ip -d link show lo 2>/dev/null | grep -q promiscuity\ 0 && fail "lo is not promiscuous after restore"
touch "$T/log.check"
wait_for 5 grep -q '^captured' "$T/log" || fail "no capture after restore: $(cat "$T/err")"
grep -q '^captured udp=[12] other=0' "$T/log" || fail "capture after restore: $(grep captured "$T/log")"
kill -9 "$P"
echo "PASS: packet socket kept its interface, membership, aux data and filter; captures UDP only"
