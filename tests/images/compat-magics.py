#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""compat-magics.py SRCDIR MAGICS.TXT CORPUS [FORMAT.md]

The magic numbers are a compatibility surface kept in one place
(images/image-types.def).  Check that table against magics.txt (the facts
of FORMAT.md's "Magics" table, copied), against FORMAT.md itself when it is
present (so a drift of the copy shows), and against every magic seen in the
corpus; and count the (criu).hex annotations of the schemas against
FORMAT.md's "75 fields"."""
import glob
import json
import os
import re
import struct
import sys

src, magics_txt, corpus = sys.argv[1:4]
fmt = sys.argv[4] if len(sys.argv) > 4 else "/work/shared/FORMAT.md"
errors = []
HEADS = {"IMG_COMMON": 0x54564319, "IMG_SERVICE": 0x55105940}
NOT_IN_DIR = {"IMG_COMMON", "IMG_SERVICE", "RAW_IMAGE", "KDAT"}
RAW_ALIAS = {"TMPFS": "TMPFS_IMG"}  # def id -> FORMAT.md name


def parse_table(lines):
    t = {}
    for ln in lines:
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        name, val = ln.split()[:2]
        t[name] = None if val == "RAW" else int(val, 16)
    return t


def parse_format_md(path):
    rows = []
    for ln in open(path):
        m = re.match(r"^\| ([A-Z0-9_, ]+) \| (0x[0-9a-fA-F]+|= RAW[^|]*) \|", ln)
        if not m:
            continue
        for n in re.split(r", *", m.group(1).strip()):
            rows.append(f"{n} {'RAW' if 'RAW' in m.group(2) else m.group(2)}")
    return parse_table(rows)


facts = parse_table(open(magics_txt))
if os.path.exists(fmt):
    live = parse_format_md(fmt)
    if live != facts:
        errors.append(f"magics.txt differs from {fmt}: "
                      f"{sorted(set(live.items()) ^ set(facts.items()))}")
else:
    print(f"note: {fmt} not found; checking against the copy in magics.txt only")

# images/image-types.def
rows = {}
for ln in open(os.path.join(src, "images/image-types.def")):
    m = re.match(r'^IMG\((\w+), *"(\w+)", *"([^"]+)", *(0x[0-9a-fA-F]+), *(\w+),', ln)
    if m:
        rows[m.group(1)] = dict(name=m.group(2), pattern=m.group(3), magic=int(m.group(4), 16),
                                head=m.group(5))
        continue
    m = re.match(r'^RAW\((\w+), *"([^"]+)"\)', ln)
    if m:
        rows[m.group(1)] = dict(name=None, pattern=m.group(2), magic=None, head="RAW")
if len(rows) < 70:
    errors.append(f"only {len(rows)} rows parsed from image-types.def")

covered = set()
for rid, r in rows.items():
    if r["head"] == "RAW":
        key = RAW_ALIAS.get(rid, rid)
        if key not in facts or facts[key] is not None:
            errors.append(f"def RAW({rid}): FORMAT.md does not list {key} as raw")
        covered.add(key)
        continue
    # SHMEM_PAGEMAP, SIGNAL_S/P share a magic with the row crit names
    key = rid if rid in facts else r["name"]
    if key not in facts:
        errors.append(f"def {rid}: no magic in FORMAT.md for {key}")
        continue
    covered.add(key)
    if facts[key] != r["magic"]:
        errors.append(f"def {rid}: magic {r['magic']:#x}, FORMAT.md says {facts[key]:#x}")
    want_head = "NONE" if key == "INVENTORY" else "SERVICE" if key in ("STATS", "IRMAP_CACHE") else "COMMON"
    if r["head"] != want_head:
        errors.append(f"def {rid}: head {r['head']}, want {want_head}")
for name in sorted(set(facts) - covered - NOT_IN_DIR):
    errors.append(f"FORMAT.md magic {name} has no row in image-types.def")
for head, v in HEADS.items():
    if facts.get(head) != v:
        errors.append(f"{head}: {facts.get(head)} != {v:#x}")

# The corpus: every framed image's magics agree with the name crit 4.2 printed
seen = 0
for exp in sorted(glob.glob(os.path.join(corpus, "*", "expected", "crit-4.2", "*.json"))):
    case = os.path.dirname(os.path.dirname(os.path.dirname(exp)))
    img = os.path.join(case, os.path.basename(exp)[:-5])
    if not os.path.exists(img):
        continue
    with open(exp) as f:
        name = json.load(f)["magic"]
    with open(img, "rb") as f:
        head = f.read(8)
    w0, w1 = struct.unpack("<II", head[:8])
    if name == "INVENTORY":
        magic, hd = w0, None
    else:
        magic, hd = w1, w0
        want = HEADS["IMG_SERVICE"] if name in ("STATS", "IRMAP_CACHE") else HEADS["IMG_COMMON"]
        if hd != want:
            errors.append(f"{img}: head magic {hd:#x}, want {want:#x}")
    if facts.get(name) != magic:
        errors.append(f"{img}: magic {magic:#x} but FORMAT.md's {name} is {facts.get(name)}")
    seen += 1
if seen < 100:
    errors.append(f"only {seen} corpus images checked")

# (criu).hex annotations: FORMAT.md says 75
want = 75
if os.path.exists(fmt):
    m = re.search(r"\((\d+) fields", open(fmt).read())
    if m:
        want = int(m.group(1))
hexes = 0
for p in glob.glob(os.path.join(src, "images/proto/*.proto")):
    hexes += len(re.findall(r"\(criu\)\.hex\s*=\s*true", open(p).read()))
if hexes != want:
    errors.append(f"{hexes} (criu).hex annotations in images/proto, FORMAT.md says {want}")

for e in errors:
    print("FAIL:", e)
print(f"{len(rows)} table rows, {len(facts)} FORMAT.md magics, {seen} corpus images, "
      f"{hexes} hex annotations: {len(errors)} failures")
sys.exit(1 if errors else 0)
