import os, select, socket, struct, subprocess, sys, time
out = open(sys.argv[1], "a", buffering=1)
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 1 | 4))
p = subprocess.Popen(["sleep", "1000"])
fd = os.pidfd_open(p.pid)
i = 0
while True:
    i += 1
    s.send(struct.pack("=LHHLL", 32, 18, 0x301, i, 0) + bytes(16))
    links, done = 0, False
    while not done:
        d = s.recv(65536)
        off = 0
        while off < len(d):
            ln, typ, fl, seq, pid = struct.unpack_from("=LHHLL", d, off)
            if typ == 3: done = True
            elif typ == 16 and seq == i: links += 1
            off += (ln + 3) & ~3
    r, _, _ = select.select([fd], [], [], 0)
    out.write(f"i={i} links={links} sock={s.getsockname()} child_exited={bool(r)}\n")
    time.sleep(0.05)
