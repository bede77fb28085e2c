#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Engine benchmark: dump and restore of a process holding SIZE MiB (default
# 1024) of touched memory, against writing the same number of bytes to the
# same disk with dd in the same run (and CRIU 4.2 when CRIU= points at it).
# Root only.  Not run by the test suite.
#   bench/bench-engine.sh [SIZE_MIB]    env: CRISP=path MEMPAT=path DIR=scratch-dir CRIU=path
set -eu
SIZE=${1:-1024}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CRISP=${CRISP:-$ROOT/build/engine/crisp}
[ -x "$CRISP" ] || CRISP=$ROOT/build-engine/engine/crisp
MEMPAT=${MEMPAT:-}
if [ -z "$MEMPAT" ]; then
	for m in "$ROOT"/build/tests/engine/engine-mempat "$ROOT"/build-engine/tests/engine/engine-mempat; do
		[ -x "$m" ] && MEMPAT=$m && break
	done
fi
[ -n "$MEMPAT" ] || { MEMPAT=$(mktemp /tmp/mempat.XXXXXX); cc -O2 -o "$MEMPAT" "$ROOT/tests/engine/mempat.c"; }
[ "$(id -u)" = 0 ] || { echo "bench-engine: needs root" >&2; exit 1; }
# restored trees are orphans: run under the tests' subreaper so their pids come back
if [ -z "${UNDER_REAPER:-}" ]; then
	for r in "$ROOT"/build/tests/engine/engine-reaper "$ROOT"/build-engine/tests/engine/engine-reaper; do
		[ -x "$r" ] && UNDER_REAPER=1 exec "$r" "$0" "$@"
	done
fi
DIR=${DIR:-$(mktemp -d "${TMPDIR:-/var/tmp}/crisp-bench.XXXXXX")}
mkdir -p "$DIR"
PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

start() { # LOG
	setsid "$MEMPAT" "$SIZE" "$1" </dev/null >/dev/null 2>&1 &
	PID=$!
	for _ in $(seq 600); do grep -q 'iter=0 ' "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "mempat did not start" >&2; exit 1
}
settle() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

# 1. plain write of the same bytes, same disk
settle
t0=$(now); dd if=/dev/zero of="$DIR/dd.out" bs=4M count=$((SIZE / 4)) status=none; t1=$(now)
DD=$(secs "$t0" "$t1"); rm -f "$DIR/dd.out"

# 2. crisp dump
start "$DIR/a.log"
settle
mkdir "$DIR/img"
t0=$(now); "$CRISP" dump -t "$PID" -D "$DIR/img" -o dump.log; t1=$(now)
DUMP=$(secs "$t0" "$t1")
wait "$PID" 2>/dev/null || true
BYTES=$(cat "$DIR"/img/pages-*.img | wc -c)

# 3. crisp restore (pages in the page cache, as right after a dump)
t0=$(now); "$CRISP" restore -D "$DIR/img" -d -o restore.log; t1=$(now)
RESTORE=$(secs "$t0" "$t1")
for _ in $(seq 100); do grep -q BAD "$DIR/a.log" && { echo "restored process saw bad memory" >&2; exit 1; }; sleep 0.02; done
kill -9 "$PID"
for _ in $(seq 200); do [ -d /proc/$PID ] || break; sleep 0.01; done
PID=

# 3b. cold restore (page cache dropped)
settle
t0=$(now); "$CRISP" restore -D "$DIR/img" -d -o restore2.log; t1=$(now)
RESTORE_COLD=$(secs "$t0" "$t1")
sleep 0.5; kill -9 $(grep -o 'pid=[0-9]*' "$DIR/a.log" | head -n 1 | cut -d= -f2) 2>/dev/null || true

printf 'memory: %d MiB touched, %d MiB in pages images\n' "$SIZE" $((BYTES >> 20))
printf 'dd write (same bytes, same disk): %.3f s\n' "$DD"
printf 'crisp dump:                       %.3f s  (%.2fx dd)\n' "$DUMP" "$(echo "$DUMP / $DD" | bc -l)"
printf 'crisp restore (warm):             %.3f s  (%.3f s/GiB)\n' "$RESTORE" "$(echo "$RESTORE * 1024 / $SIZE" | bc -l)"
printf 'crisp restore (cold cache):       %.3f s  (%.3f s/GiB)\n' "$RESTORE_COLD" "$(echo "$RESTORE_COLD * 1024 / $SIZE" | bc -l)"

if [ -n "${CRIU:-}" ] && [ -x "$CRIU" ]; then
	rm -rf "$DIR/img" "$DIR/a.log"; mkdir "$DIR/img"
	start "$DIR/a.log"; settle
	t0=$(now); "$CRIU" dump -t "$PID" -D "$DIR/img" -o dump.log; t1=$(now)
	CDUMP=$(secs "$t0" "$t1"); wait "$PID" 2>/dev/null || true; PID=
	t0=$(now); "$CRIU" restore -D "$DIR/img" -d -o restore.log; t1=$(now)
	CREST=$(secs "$t0" "$t1")
	kill -9 $(grep -o 'pid=[0-9]*' "$DIR/a.log" | head -n 1 | cut -d= -f2) 2>/dev/null || true
	printf 'criu dump:                        %.3f s  (%.2fx dd)\n' "$CDUMP" "$(echo "$CDUMP / $DD" | bc -l)"
	printf 'criu restore:                     %.3f s\n' "$CREST"
fi
