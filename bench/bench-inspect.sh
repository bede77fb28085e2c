#!/bin/sh
# Benchmark crit x ps/fds/mems/rss against CRIU's Python crit 4.2 on a
# synthetic checkpoint (20,000 VMAs, 4,000 fds) built with `crit encode`,
# and `crit search` over 1 GiB of pages against `cat file > /dev/null`.
# usage: bench/bench-inspect.sh [CRIT] [PYCRIT]   (not run by the tests)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
crit=${1:-$top/build/crit/crit}
case $crit in /*) ;; *) crit=$(cd "$(dirname "$crit")" && pwd)/$(basename "$crit") ;; esac
pycrit=${2:-/work/shared/tools/crit-4.2}
case_dir=$top/tests/data/criu-4.x/shell-loop
NVMAS=${NVMAS:-20000}
NFDS=${NFDS:-4000}
RUNS=${RUNS:-5}
SEARCH_MIB=${SEARCH_MIB:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# best of RUNS runs: "WALL_NS CPU_NS" (CPU = user + sys of the child, which
# is what a loaded machine disturbs least).  Timed from python: the same
# spawn cost for every command, no shell or date(1) in the interval.
best() {
	python3 - "$RUNS" "$@" <<'PY'
import os, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
bw = bc = None
for _ in range(runs):
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    w = time.perf_counter_ns() - t0
    c = int((ru.ru_utime + ru.ru_stime) * 1e9)
    bw = w if bw is None or w < bw else bw
    bc = c if bc is None or c < bc else bc
print(bw, bc)
PY
}

ms() { awk -v n="$1" 'BEGIN { printf "%.1f ms", n / 1e6 }'; }

echo "== building a checkpoint with $NVMAS VMAs and $NFDS fds"
python3 "$here/gen-big-ckpt.py" "$case_dir" "$work/json" "$NVMAS" "$NFDS" >"$work/npages"
mkdir "$work/big"
for f in "$work"/json/*.json; do
	b=$(basename "$f" .json)
	"$crit" encode -i "$f" -o "$work/big/$b"
done
truncate -s $(($(cat "$work/npages") * 4096)) "$work/big/pages-1.img"
cd "$work/big"

have_py=1
if ! /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || [ ! -x "$pycrit" ]; then
	echo "(python crit 4.2 not usable: comparing crit only)"
	have_py=0
fi
printf '%-6s %10s %10s %7s   %10s %10s %7s   %s\n' view wall wall-4.2 ratio cpu cpu-4.2 ratio output
for v in ps fds mems rss; do
	set -- $(best "$crit" x . $v)
	cw=$1 cc=$2
	if [ $have_py = 1 ]; then
		set -- $(best "$pycrit" x . $v)
		pw=$1 pc=$2
		"$crit" x . $v >"$work/o.txt"
		"$pycrit" x . $v >"$work/p.txt"
		same=$(cmp -s "$work/o.txt" "$work/p.txt" && echo identical || echo DIFFERENT)
		printf '%-6s %10s %10s %6.0fx   %10s %10s %6.0fx   %s\n' "$v" "$(ms "$cw")" "$(ms "$pw")" \
			"$(awk -v a="$pw" -v b="$cw" 'BEGIN { print a / (b > 0 ? b : 1) }')" \
			"$(ms "$cc")" "$(ms "$pc")" \
			"$(awk -v a="$pc" -v b="$cc" 'BEGIN { print a / (b > 0 ? b : 1) }')" "$same"
	else
		printf '%-6s %10s %10s %7s   %10s\n' "$v" "$(ms "$cw")" - - "$(ms "$cc")"
	fi
done

echo "== crit search over $SEARCH_MIB MiB of pages"
mkdir "$work/s"
python3 - "$work/s" "$SEARCH_MIB" "$work/json" <<'PY'
import json, os, random, sys
out, mib, js = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(1)
block = bytes(random.getrandbits(8) for _ in range(1 << 20)).replace(b'needle', b'xxxxxx')
with open(os.path.join(out, 'pages-1.img'), 'wb') as f:
    for i in range(mib):
        if i == mib - 1:
            b = bytearray(block); b[12345:12357] = b'needle-found'; f.write(b)
        else:
            f.write(block)
pages = mib * 256
base = 0x7f0000000000
for name in os.listdir(js):
    d = json.load(open(os.path.join(js, name)))
    if d['magic'] == 'MM':
        d['entries'][0]['vmas'] = [{'start': base, 'end': base + pages * 4096, 'pgoff': 0,
            'shmid': 0, 'prot': 3, 'flags': 0x22, 'status': 0x201, 'fd': -1}]
    if d['magic'] == 'PAGEMAP':
        d['entries'] = [{'pages_id': 1}, {'vaddr': base, 'compat_nr_pages': 0, 'flags': 4,
                                            'nr_pages': pages}]
    json.dump(d, open(os.path.join(out, name), 'w'))
PY
for f in "$work"/s/*.json; do
	"$crit" encode -i "$f" -o "$work/s/$(basename "$f" .json)"
done
cat "$work/s/pages-1.img" >/dev/null # warm the page cache for both
RUNS=3
set -- $(best cat "$work/s/pages-1.img")
c=$1
set -- $(best "$crit" search "$work/s" needle-found)
t=$1
"$crit" search "$work/s" needle-found
printf 'wall: cat %s, crit search %s (%.2fx the time of cat; %.0f MiB/s)\n' "$(ms "$c")" "$(ms "$t")" \
	"$(awk -v a="$t" -v b="$c" 'BEGIN { print a / b }')" \
	"$(awk -v n="$t" -v m="$SEARCH_MIB" 'BEGIN { print m / (n / 1e9) }')"
