#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""json-compat.py OLD NEW [OLD NEW...]: OLD is an older crit's JSON (crit 3.17, older
schemas), NEW ours.  Exit 0 when every value OLD has is in NEW, allowing
for what the older schemas lack: fields missing from OLD, the renamed
pagemap count (3.17's field 2 "nr_pages" is 4.2's "compat_nr_pages"), and
flag bits OLD has no name for (printed as hex where NEW names them).
Prints the allowances used with -v."""
import json
import re
import sys

verbose = "-v" in sys.argv
argv = [a for a in sys.argv[1:] if a != "-v"]
RENAMED = {"nr_pages": "compat_nr_pages"}  # pagemap_entry field 2


def flag_ok(old, new):
    """'A | 0x4000' vs 'A | VMA_AREA_MEMFD': OLD's names within NEW's, and
    OLD's leftover hex bits are what NEW has extra names for."""
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    ot = [t.strip() for t in old.split("|") if t.strip()]
    nt = [t.strip() for t in new.split("|") if t.strip()]
    onames = {t for t in ot if not re.fullmatch(r"0x[0-9a-f]+", t)}
    ohex = [t for t in ot if re.fullmatch(r"0x[0-9a-f]+", t)]
    nnames = {t for t in nt if not re.fullmatch(r"0x[0-9a-f]+", t)}
    return bool(ohex) and onames < nnames


def diff(old, new, path):
    global allowed
    if isinstance(old, dict) and isinstance(new, dict):
        for k, v in old.items():
            nk = k
            if k in RENAMED and RENAMED[k] in new and (k not in new or new[k] != v):
                nk = RENAMED[k]
                allowed.append(f"{path}.{k}: is {nk} in the newer schema")
            if nk not in new:
                return f"{path}.{k}: missing from ours"
            d = diff(v, new[nk], f"{path}.{k}")
            if d:
                return d
        for k in new:
            if k not in old and not (k in RENAMED.values()):
                allowed.append(f"{path}.{k}: not in the older schema")
        return None
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return f"{path}: {len(old)} items vs {len(new)}"
        for i, (a, b) in enumerate(zip(old, new)):
            d = diff(a, b, f"{path}[{i}]")
            if d:
                return d
        return None
    if old == new and type(old) is type(new):
        return None
    if flag_ok(old, new):
        allowed.append(f"{path}: {old!r} names bits as {new!r}")
        return None
    return f"{path}: {old!r} != {new!r}"


bad = 0
for i in range(0, len(argv), 2):
    allowed = []
    with open(argv[i]) as fo, open(argv[i + 1]) as fn:
        d = diff(json.load(fo), json.load(fn), "$")
    if verbose:
        for a in sorted(set(re.sub(r"\[\d+\]", "[]", x) for x in allowed)):
            print("  allowed:", a)
    if d:
        print(f"{argv[i]} vs {argv[i + 1]}: {d}")
        bad = 1
sys.exit(bad)
