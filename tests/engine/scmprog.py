# A unix socketpair with a packet in flight that carries two files
# (SCM_RIGHTS): a file since deleted and the read end of a pipe whose
# write end the task keeps.  Neither is in any fd table any more.  On
# argv[1].check the task receives the packet and reads through both.
import os, socket, sys, time, array
d = sys.argv[2]
a, b = socket.socketpair()
open(d + "/inflight.txt", "w").write("hello from a file in flight\n")
f = os.open(d + "/inflight.txt", os.O_RDONLY)
r, w = os.pipe()
a.sendmsg([b"with-fds"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f, r]))])
os.close(f); os.close(r)            # only in flight now
os.unlink(d + "/inflight.txt")       # and deleted: a ghost in flight
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    if os.path.exists(sys.argv[1] + ".check"):
        os.unlink(sys.argv[1] + ".check")
        msg, anc, flags, addr = b.recvmsg(100, socket.CMSG_LEN(2 * 4))
        fds = array.array("i"); fds.frombytes(anc[0][2])
        os.write(w, b"through the pipe")
        out.write(f"msg={msg!r} file={os.read(fds[0], 100)!r} pipe={os.read(fds[1], 100)!r}\n")
    out.write(f"i={i}\n"); time.sleep(0.05)
