#!/usr/bin/env python3
# shape-cmp.py MINE.json CRIU.json TYPE...: every entry of the given types in
# MINE (crit show of crisp's files.img) has the same keys, at every level, as
# the first entry of that type in CRIU's (TYPE "-": images without a type
# field, every entry against CRIU's first).  Prints the differences; exit 1 if any.
import json, sys

def keys(a, b, path, out):
    if isinstance(a, list) and isinstance(b, list) and a and b:
        return keys(a[0], b[0], path, out)
    if not isinstance(a, dict) or not isinstance(b, dict):
        return
    for k in b:
        if k not in a:
            out.append("%s.%s: missing (CRIU writes it)" % (path, k))
        else:
            keys(a[k], b[k], path + "." + k, out)
    for k in a:
        if k not in b:
            out.append("%s.%s: extra (CRIU does not write it)" % (path, k))

mine = json.load(open(sys.argv[1]))["entries"]
criu = json.load(open(sys.argv[2]))["entries"]
out, seen = [], set()
for t in sys.argv[3:]:
    ref = next((e for e in criu if t == "-" or e.get("type") == t), None)
    for e in mine:
        if (t == "-" or e.get("type") == t) and ref is not None:
            keys(e, ref, t, out)
            seen.add(t)
missing = [t for t in sys.argv[3:] if t not in seen]
for line in sorted(set(out)):
    print(line)
if missing:
    print("no entry of type: " + " ".join(missing))
sys.exit(1 if out or missing else 0)
