#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""compat-schema.py SRCDIR PYCRIU_DIR

Our schema files (images/proto/*.proto) against CRIU 4.2's, as compiled into
its Python crit (pycriu/images/*_pb2.py): every message and enum CRIU
defines must exist here with the same field numbers, names, labels and
types, and the same (criu).* display annotations (hex, ipadd, flags, dev,
odev, dict, conv) -- what makes images and crit JSON interchange.  Exit 77
when CRIU's pycriu or google.protobuf is not available."""
import glob
import importlib
import os
import re
import sys

src, pydir = sys.argv[1], sys.argv[2]
try:
    sys.path.insert(0, pydir)
    import google.protobuf  # noqa: F401
    from pycriu.images import opts_pb2
except Exception as exc:  # noqa: BLE001
    print(f"SKIP: CRIU 4.2's pycriu not importable from {pydir}: {exc}")
    sys.exit(77)

LABELS = {1: "optional", 2: "required", 3: "repeated"}
SCALARS = {1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64",
           7: "fixed32", 8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32",
           16: "sfixed64", 17: "sint32", 18: "sint64"}
OPTS = ("hex", "ipadd", "flags", "dev", "odev", "dict", "conv")

# ---- CRIU's side, from the compiled descriptors
theirs_msgs, theirs_enums = {}, {}


def walk(md):
    fields = {}
    for f in md.fields:
        if f.type in (11, 14):
            t = (f.message_type or f.enum_type).name
        else:
            t = SCALARS[f.type]
        o = f.GetOptions().Extensions[opts_pb2.criu]
        opts = {k: getattr(o, k) for k in OPTS if o.HasField(k)}
        fields[f.number] = (f.name, LABELS[f.label], t, opts)
    theirs_msgs[md.name] = fields
    for n in md.nested_types:
        walk(n)
    for e in md.enum_types:
        theirs_enums[e.name] = {v.name: v.number for v in e.values}


for p in sorted(glob.glob(os.path.join(pydir, "pycriu", "images", "*_pb2.py"))):
    mod = importlib.import_module("pycriu.images." + os.path.basename(p)[:-3])
    for md in mod.DESCRIPTOR.message_types_by_name.values():
        walk(md)
    for e in mod.DESCRIPTOR.enum_types_by_name.values():
        theirs_enums[e.name] = {v.name: v.number for v in e.values}

# ---- ours, from the schema text
ours_msgs, ours_enums = {}, {}
FIELD = re.compile(r"^(required|optional|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(?:\[(.*)\])?\s*;")
for p in sorted(glob.glob(os.path.join(src, "images", "proto", "*.proto"))):
    text = re.sub(r"/\*.*?\*/", "", open(p).read(), flags=re.S)
    stack = []
    for ln in text.split("\n"):
        ln = ln.split("//")[0].strip()
        if not ln:
            continue
        m = re.match(r"^(message|enum|oneof)\s+(\w+)\s*\{", ln)
        if m:
            stack.append((m.group(1), m.group(2)))
            if m.group(1) == "message":
                ours_msgs.setdefault(m.group(2), {})
            elif m.group(1) == "enum":
                ours_enums.setdefault(m.group(2), {})
            continue
        if ln.startswith("}"):
            if stack:
                stack.pop()
            continue
        if not stack:
            continue
        kind, name = stack[-1]
        if kind == "enum":
            m = re.match(r"^(\w+)\s*=\s*(-?\w+)", ln)
            if m:
                ours_enums[name][m.group(1)] = int(m.group(2), 0)
            continue
        m = FIELD.match(ln)
        if m and kind == "message":
            opts = {}
            for k, v in re.findall(r"\(criu\)\.(\w+)\s*=\s*(\"[^\"]*\"|\w+)", m.group(5) or ""):
                opts[k] = v.strip('"') if v.startswith('"') else v == "true"
            t = m.group(2).split(".")[-1]
            ours_msgs[name][int(m.group(4))] = (m.group(3), m.group(1), t, opts)

errors = []
for name, fields in sorted(theirs_msgs.items()):
    if name in ("CRIU_Opts",):
        continue
    if name not in ours_msgs:
        errors.append(f"message {name}: missing")
        continue
    for num, want in sorted(fields.items()):
        got = ours_msgs[name].get(num)
        if got != want:
            errors.append(f"{name} field {num}: ours {got}, CRIU 4.2 {want}")
    for num in sorted(set(ours_msgs[name]) - set(fields)):
        errors.append(f"{name} field {num}: {ours_msgs[name][num]} not in CRIU 4.2")
for name, vals in sorted(theirs_enums.items()):
    if ours_enums.get(name) != vals:
        errors.append(f"enum {name}: ours {ours_enums.get(name)}, CRIU 4.2 {vals}")
hex_theirs = sum(1 for f in theirs_msgs.values() for v in f.values() if v[3].get("hex"))
hex_ours = sum(1 for f in ours_msgs.values() for v in f.values() if v[3].get("hex"))
for e in errors:
    print("FAIL:", e)
nf = sum(len(f) for f in theirs_msgs.values())
print(f"{len(theirs_msgs)} messages / {nf} fields / {len(theirs_enums)} enums of CRIU 4.2 checked; "
      f"(criu).hex: {hex_ours} ours, {hex_theirs} CRIU 4.2; {len(errors)} failures")
sys.exit(1 if errors else 0)
