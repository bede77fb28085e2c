#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write one hostile tar per case into DIR: NAME.tar.  Every one must be
refused by `crit unpack` with nothing left behind."""
import io
import sys
import tarfile


def reg(name, data=b"x", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode = len(data), mode
    return ti, io.BytesIO(data)


def link(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname = kind, target
    return ti, None


def dev(name, kind):
    ti = tarfile.TarInfo(name)
    ti.type, ti.devmajor, ti.devminor = kind, 1, 3
    return ti, None


CASES = {
    "absolute": [reg("/tmp/crisp-hostile-abs")],
    "dotdot": [reg("../crisp-hostile-up")],
    "dotdot-inner": [reg("a/../../crisp-hostile-up")],
    "symlink-abs": [link("l", "/etc")],
    "symlink-up": [link("l", "../x")],
    "symlink-deep-up": [link("a/l", "../../x")],
    "symlink-mid-dotdot": [link("a/s", "."), link("a/l", "s/../x")],
    "through-symlink": [link("d", "sub"), reg("sub/keep"), reg("d/x")],
    "through-symlink-out": [link("d", "."), reg("d/x")],
    "hardlink-abs": [link("h", "/etc/passwd", tarfile.LNKTYPE)],
    "hardlink-up": [link("h", "../x", tarfile.LNKTYPE)],
    "hardlink-missing": [link("h", "nope", tarfile.LNKTYPE)],
    "hardlink-to-symlink": [link("a/l", "../b"), link("h", "a/l", tarfile.LNKTYPE)],
    "chardev": [dev("null", tarfile.CHRTYPE)],
    "blockdev": [dev("sda", tarfile.BLKTYPE)],
    "fifo": [dev("fifo", tarfile.FIFOTYPE)],
    "setuid": [reg("suid", b"#!/bin/sh\n", 0o4755)],
    "setgid": [reg("sgid", b"#!/bin/sh\n", 0o2755)],
    "duplicate": [reg("f", b"1"), reg("f", b"2")],
    "file-over-dir": [reg("d/x"), reg("d")],
    "too-big": [reg("big", b"\0" * 4096)],  # run with --max-size 1K
}

if __name__ == "__main__":
    out = sys.argv[1]
    only = sys.argv[2:] or CASES
    for name in only:
        with tarfile.open(f"{out}/{name}.tar", "w", format=tarfile.GNU_FORMAT) as t:
            t.addfile(*reg("inventory.img", b"ok"))
            for ti, f in CASES[name]:
                t.addfile(ti, f)
    print(" ".join(only))
