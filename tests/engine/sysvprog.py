# A task attached to a SysV shared memory segment of the host's IPC
# namespace (key argv[2], hex): it fills it with a pattern once, then
# checks the pattern and bumps a counter in the segment every 50 ms.
# argv[3] "rmid": remove the segment once attached (X11's MIT-SHM way): it
# lives as long as a task holds it.
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
SIZE = 10000
sid = libc.shmget(int(sys.argv[2], 16), SIZE, 0o1600)  # IPC_CREAT | 0600
assert sid >= 0, ctypes.get_errno()
buf = (ctypes.c_ubyte * SIZE).from_address(libc.shmat(sid, None, 0))
if len(sys.argv) > 3 and sys.argv[3] == "rmid":
    libc.shmctl(sid, 0, None)  # IPC_RMID
if buf[0] == 0:
    for k in range(8, SIZE):
        buf[k] = (k * 7) % 251
    buf[0] = 1
out = open(sys.argv[1], "a", buffering=1)
i = 0
while True:
    i += 1
    ok = all(buf[k] == (k * 7) % 251 for k in range(8, SIZE, 97))
    n = int.from_bytes(bytes(buf[1:5]), "little") + 1
    buf[1:5] = n.to_bytes(4, "little")
    out.write(f"i={i} shmid={sid} ok={ok} n={n}\n")
    time.sleep(0.05)
