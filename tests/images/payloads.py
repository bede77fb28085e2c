#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Images the corpus has none of: every extra-payload layout (ipcns shm,
sem, msg; ghost files plain and chunked; tcp-stream; bpfmap-data) and the
types CRIU's crit cannot handle (signal-s/-p, pidfd, binfmt-misc; encode
of bpfmap-data).  For each: crit encode, decode (plain and pretty) gives
the same values back, decode | encode reproduces the bytes, the payload
bytes are where CRIU's layout puts them, and where CRIU's Python crit 4.2
is present it decodes our image to the same JSON (for the types it can
read).  Usage: payloads.py CRIT [CRIT42]"""
import base64, json, os, struct, subprocess, sys, tempfile

crit = sys.argv[1]
crit42 = sys.argv[2] if len(sys.argv) > 2 and os.path.exists(sys.argv[2]) else None
failed = 0


def b64(data):
    return base64.encodebytes(data).decode()


def run(args, data=None):
    return subprocess.run(args, input=data, capture_output=True)


desc = {"key": 1, "uid": 0, "gid": 0, "cuid": 0, "cgid": 0, "mode": 0o600, "id": 7}
fown = {"uid": 0, "euid": 0, "signum": 0, "pid_type": 0, "pid": 0}
cases = {
    # name: (json image, [(offset-from-end, bytes that must be there)], crit42 can decode)
    "ipcns-shm-1.img": ({"magic": "IPCNS_SHM", "entries": [
        {"desc": desc, "size": 5, "extra": b64(b"hello")}]}, b"hello\0\0\0", True),
    "ipcns-sem-1.img": ({"magic": "IPCNS_SEM", "entries": [
        {"desc": desc, "nsems": 3, "extra": [1, 2, 65535]}]},
        struct.pack("<3H", 1, 2, 65535) + b"\0\0", True),
    "ipcns-msg-1.img": ({"magic": "IPCNS_MSG", "entries": [
        {"desc": desc, "qbytes": 16384, "qnum": 2,
         "extra": [{"mtype": 1, "msize": 3}, b64(b"abc"), {"mtype": 2, "msize": 9}, b64(b"123456789")]}]},
        b"123456789" + b"\0" * 7, True),
    "ghost-file-1.img": ({"magic": "GHOST_FILE", "entries": [
        {"uid": 0, "gid": 0, "mode": 0o100644, "size": 11, "extra": b64(b"ghost bytes")}]},
        b"ghost bytes", True),
    "ghost-file-2.img": ({"magic": "GHOST_FILE", "entries": [
        {"uid": 0, "gid": 0, "mode": 0o100644, "chunks": True, "size": 8200},
        {"len": 4, "off": 0, "extra": b64(b"head")},
        {"len": 4, "off": 8196, "extra": b64(b"tail")}]}, b"tail", True),
    "tcp-stream-1a.img": ({"magic": "TCP_STREAM", "entries": [
        {"inq_len": 3, "inq_seq": 100, "outq_len": 4, "outq_seq": 200, "opt_mask": 7,
         "snd_wscale": 7, "mss_clamp": 65495, "extra": {"inq": b64(b"inq"), "outq": b64(b"outq")}}]},
        b"inqoutq", True),
    "bpfmap-data.img": ({"magic": "BPFMAP_DATA", "entries": [
        {"map_id": 3, "keys_bytes": 4, "values_bytes": 8, "count": 1,
         "extra": b64(b"KKKKVVVVVVVV")}]}, b"KKKKVVVVVVVV", True),
    "signal-s-1.img": ({"magic": "SIGNAL", "entries": [
        {"signals": [{"siginfo": b64(b"\x0a" + b"\0" * 127)}]}]}, None, False),
    "pidfd.img": ({"magic": "PIDFD", "entries": [
        {"id": 1, "ino": 42, "flags": 0, "nspid": 1234, "fown": fown}]}, None, False),
    "binfmt-misc.img": ({"magic": "BINFMT_MISC", "entries": [
        {"name": "qemu-arm", "enabled": True, "interpreter": "/usr/bin/qemu-arm", "flags": "F",
         "magic": "7f454c46", "mask": "ffffffff", "offset": 0}]}, None, False),
}


def fail(name, msg):
    global failed
    failed += 1
    print("FAIL %s: %s" % (name, msg))


with tempfile.TemporaryDirectory() as tmp:
    for name, (img, tail, py_ok) in cases.items():
        path = os.path.join(tmp, name)
        r = run([crit, "encode", "-o", path], json.dumps(img).encode())
        if r.returncode != 0:
            fail(name, "encode: " + r.stderr.decode().strip())
            continue
        data = open(path, "rb").read()
        if tail and not data.endswith(tail):
            fail(name, "payload not at the end of the image: %r" % data[-len(tail):])
        plain = run([crit, "decode", "-i", path])
        if plain.returncode != 0 or json.loads(plain.stdout) != img:
            fail(name, "plain decode differs: " + plain.stdout.decode()[:300] + plain.stderr.decode())
            continue
        for mode in ([], ["--pretty"]):
            out = run([crit, "decode", "-i", path] + mode)
            again = run([crit, "encode"], out.stdout)
            if again.returncode != 0 or again.stdout != data:
                fail(name, "decode %s | encode changed the bytes" % " ".join(mode))
        info = run([crit, "info", path])
        want = len(img["entries"])
        if info.returncode != 0 or json.loads(info.stdout)["count"] != want:
            fail(name, "info count: " + info.stdout.decode())
        if crit42 and py_ok:
            py = run([crit42, "decode", "-i", path])
            if py.returncode != 0 or json.loads(py.stdout) != img:
                fail(name, "crit 4.2 reads our image differently: " + py.stdout.decode()[:300]
                     + py.stderr.decode()[-300:])
        print("ok   %s" % name)
sys.exit(1 if failed else 0)
