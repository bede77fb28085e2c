#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench-images.sh [BUILDDIR] [PYCRIT]: decode and pretty-decode speed of a
# large checkpoint, our crit against CRIU's Python crit 4.2, in the same run.
# The checkpoint is built with `crit encode` from generated JSON: mm with
# 20,000 VMAs, files.img with 4,000 fds, a pagemap of 100,000 entries.
# Columns (milliseconds, best of REPS runs, default 5; Python: 3):
#   unpack   bare protobuf_c_message_unpack + free of every entry, in one
#            warm process, the file already in memory (bench-unpack unpack)
#   unp_prc  the same as a process of its own, timed like crit: start-up,
#            mapping the file and one unpack pass
#   lib      the library's decode in-process, the text kept in memory (what
#            `crit decode` does for standard output); libpr: --pretty
#   null     the `crit decode` process writing to /dev/null; nullpr: --pretty
#   crit     the `crit decode` process writing a file (-o, replacing the last
#            run's); critpr: --pretty
#   py       Python crit 4.2 writing a file the same way; pypr: --pretty
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$src/build-itest}
py=${2:-/work/shared/tools/crit-4.2}
reps=${REPS:-5}
crit=$b/crit/crit
unpack=$b/bench/bench-unpack
nvmas=${NVMAS:-20000} nfds=${NFDS:-4000} npm=${NPAGEMAP:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$tmp" "$nvmas" "$nfds" "$npm" <<'PY'
import json, sys
out, nvmas, nfds, npm = sys.argv[1], *map(int, sys.argv[2:])
def dump(name, magic, entries):
    with open(f"{out}/{name}.json", "w") as f:
        json.dump({"magic": magic, "entries": entries}, f)
base = 0x7f0000000000
vmas = [{"start": base + i * 0x3000, "end": base + i * 0x3000 + 0x2000, "pgoff": i * 2,
         "shmid": 0, "prot": 3 if i % 3 else 5, "flags": 0x22 if i % 2 else 0x2,
         "status": 0x201 if i % 2 else 0x41, "fd": -1 if i % 2 else 3 + i % 50,
         **({"madv": 0x10000} if i % 7 == 0 else {})} for i in range(nvmas)]
mm = {k: base + n * 0x1000 for n, k in enumerate(
    "mm_start_code mm_end_code mm_start_data mm_end_data mm_start_stack mm_start_brk mm_brk "
    "mm_arg_start mm_arg_end mm_env_start mm_env_end".split())}
mm.update(exe_file_id=1, mm_saved_auxv=list(range(1, 39)), vmas=vmas, dumpable=1)
dump("mm-1.img", "MM", [mm])
fown = {"uid": 0, "euid": 0, "signum": 0, "pid_type": 0, "pid": 0}
files = [{"type": "REG", "id": i + 1, "reg": {"id": i + 1, "flags": 0o2 | 0o2000000, "pos": i * 17,
          "fown": fown, "name": f"/var/lib/app/data/file-{i:05d}.dat", "size": 4096 * i,
          "mode": 0o100644}} for i in range(nfds)]
dump("files.img", "FILES", files)
pm = [{"pages_id": 1}] + [{"vaddr": base + i * 0x3000, "compat_nr_pages": 0, "flags": 4,
                           "nr_pages": 1 + i % 2} for i in range(npm)]
dump("pagemap-1.img", "PAGEMAP", pm)
PY
for n in mm-1.img files.img pagemap-1.img; do
	"$crit" encode -i "$tmp/$n.json" -o "$tmp/$n"
done

best() { # best REPS CMD...: best wall time in seconds of REPS runs
	_r=$1
	shift
	/usr/bin/python3 - "$_r" "$@" <<'PY'
import subprocess, sys, time
r, cmd = int(sys.argv[1]), sys.argv[2:]
t = []
for _ in range(r):
    s = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    t.append(time.perf_counter() - s)
print(f"{min(t):.4f}")
PY
}
have_py=1
"$py" --version > /dev/null 2>&1 || have_py=0
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %8s %7s | %7s %7s | %7s %7s | %7s %7s | %7s %7s | %7s %7s\n' image bytes entries \
	unpack unp_prc lib libpr null nullpr crit critpr py pypr
for n in mm-1.img files.img pagemap-1.img; do
	f=$tmp/$n
	sz=$(stat -c %s "$f")
	set -- $("$unpack" unpack "$f" "$reps")
	ent=$4 un=$5
	set -- $("$unpack" json "$f" "$reps")
	lj=$5
	set -- $("$unpack" pretty "$f" "$reps")
	lp=$5
	up=$(best "$reps" "$unpack" unpack "$f" 1)
	cn=$(best "$reps" "$crit" decode -i "$f" -o /dev/null)
	cnp=$(best "$reps" "$crit" decode --pretty -i "$f" -o /dev/null)
	c=$(best "$reps" "$crit" decode -i "$f" -o "$tmp/o.json")
	cmp -s "$tmp/o.json" "$tmp/$n.json" || echo "note: $n plain JSON differs from its generated input"
	cp=$(best "$reps" "$crit" decode --pretty -i "$f" -o "$tmp/o.json")
	if [ "$have_py" = 1 ]; then
		p=$(best 3 "$py" decode -i "$f" -o "$tmp/p.json")
		pp=$(best 3 "$py" decode --pretty -i "$f" -o "$tmp/p.json")
		cmp -s "$tmp/o.json" "$tmp/p.json" || echo "note: $n pretty JSON differs from Python crit's"
	else
		p=0 pp=0
	fi
	/usr/bin/python3 -c '
import sys
n, sz, ent = sys.argv[1], int(sys.argv[2]), sys.argv[3]
un, lj, lp = map(float, sys.argv[4:7])  # ms, in-process
up, cn, cnp, c, cp, p, pp = (float(x) * 1e3 for x in sys.argv[7:])  # s -> ms
r = lambda a, b: f"{a / b:.1f}x" if b else "n/a"
print(f"{n:<14} {sz:>8} {ent:>7} | {un:>7.2f} {up:>7.2f} | {lj:>7.2f} {lp:>7.2f} | {cn:>7.2f} {cnp:>7.2f} | {c:>7.2f} {cp:>7.2f} | {p:>7.1f} {pp:>7.1f}")
print(f"{chr(32)*14} ratios to bare unpack, plain / pretty: lib {r(lj, un)} / {r(lp, un)} (both in-process); "
      f"null {r(cn, up)} / {r(cnp, up)} (both processes), {r(cn, un)} / {r(cnp, un)} (vs in-process); "
      f"crit {r(c, un)} / {r(cp, un)} (vs in-process)")
print(f"{chr(32)*14} the output file (crit minus null) costs {c - cn:.1f} / {cp - cnp:.1f} ms; "
      f"Python crit / crit: {r(p, c)} / {r(pp, cp)}")
' "$n" "$sz" "$ent" "$un" "$lj" "$lp" "$up" "$cn" "$cnp" "$c" "$cp" "$p" "$pp"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$have_py" = 1 ] || echo "note: $py not runnable; Python columns are 0"
