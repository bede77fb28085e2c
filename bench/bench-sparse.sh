#!/bin/bash
# Dump time of a process with a huge sparse reservation (an ASan build of
# the tests' mempat: ~20 TB of shadow mapped MAP_NORESERVE, 64 MiB written)
# and of the plain build, with this crisp (PAGEMAP_SCAN) and an older one
# (OLD_CRISP, reading /proc/PID/pagemap a word per page), in the same run.
# usage: OLD_CRISP=... ASAN_MEMPAT=... build/tests/engine/engine-reaper bash bench/bench-sparse.sh
# (ASAN_MEMPAT: tests/engine/engine-mempat of a -Db_sanitize=address build)
CRISP=${CRISP:-$(cd "$(dirname "$0")/.." && pwd)/build/engine/crisp}
. "$(dirname "$0")/../tests/engine/lib.sh"
run() { # NAME CRISP PROG...
	local name=$1 bin=$2; shift 2
	setsid "$@" </dev/null >/dev/null 2>&1 & local p=$!; PIDS="$PIDS $p"; sleep 1.5
	local t0=$(date +%s.%N); "$bin" dump -t $p -D $T/$name -o dump.log -R 2>/dev/null || { mkdir -p $T/$name; "$bin" dump -t $p -D $T/$name -o dump.log -R; }
	local t1=$(date +%s.%N); echo "$name: $(python3 -c "print(round($t1 - $t0, 3))") s, images $(du -sh $T/$name | cut -f1)"
	kill -9 $p
}
mkdir -p $T/x; mkdir -p $T/asan-new $T/asan-old $T/plain-new $T/plain-old
ASAN_OPTIONS=detect_leaks=0 run asan-new "$CRISP" "$ASAN_MEMPAT" 64 $T/x/log1
ASAN_OPTIONS=detect_leaks=0 run asan-old "$OLD_CRISP" "$ASAN_MEMPAT" 64 $T/x/log2
run plain-new "$CRISP" "$(dirname "$CRISP")/../tests/engine/engine-mempat" 64 $T/x/log3
run plain-old "$OLD_CRISP" "$(dirname "$CRISP")/../tests/engine/engine-mempat" 64 $T/x/log4
