#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""compat-pycrit.py PYTHONPATH OUTDIR IMAGES... -- JSONS...

Drives CRIU's Python crit library (pycriu) in one process, exactly as its
`crit decode [--pretty] -o` and `crit encode -o` do (pycriu.images.load /
dump, json.dump with indent None or 4), so a whole case costs one Python
start-up instead of four per image.  For each image writes
OUTDIR/<name>.plain.json and .pretty.json; for each JSON after `--` writes
OUTDIR/<name>.enc (its encoding).  Failures go to OUTDIR/<name>.err, one line."""
import json
import os
import sys

if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
import pycriu  # noqa: E402

out = sys.argv[2]
args = sys.argv[3:]
sep = args.index("--")
images, jsons = args[:sep], args[sep + 1:]


def fail(name, exc):
    with open(os.path.join(out, name + ".err"), "w") as f:
        f.write("%s: %s\n" % (type(exc).__name__, str(exc).replace("\n", " ")))


for path in images:
    name = os.path.basename(path)
    for pretty, suffix in ((False, ".plain.json"), (True, ".pretty.json")):
        try:
            with open(path, "rb") as f:
                img = pycriu.images.load(f, pretty, False)
            with open(os.path.join(out, name + suffix), "w") as f:
                json.dump(img, f, indent=4 if pretty else None)
        except Exception as exc:  # noqa: BLE001 - report and go on
            fail(name + suffix, exc)

for path in jsons:
    name = os.path.basename(path)
    try:
        with open(path) as f:
            img = json.load(f)
        with open(os.path.join(out, name + ".enc"), "wb") as f:
            pycriu.images.dump(img, f)
    except Exception as exc:  # noqa: BLE001
        fail(name + ".enc", exc)
