#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""json-cmp.py A B: exit 0 when the two JSON files hold equal values, else
print the first differing path and exit 1.  Stdlib only."""
import json
import sys


def diff(a, b, path="$"):
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            d = diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def main():
    with open(sys.argv[1]) as fa, open(sys.argv[2]) as fb:
        d = diff(json.load(fa), json.load(fb))
    if d:
        print(f"{sys.argv[1]} vs {sys.argv[2]}: {d}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
