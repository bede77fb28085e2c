#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job end to end: start a process, checkpoint it with crisp, look
# inside with crit, pack it into one archive, unpack it elsewhere, restore
# it from there and show that it carries on counting.  Needs root.
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
# Run under a child subreaper, as on a system whose init reaps orphans: the
# dumped tree's zombies must go away before its pids can be reused.
if [ -z "${CRISP_DEMO_REAPED:-}" ] && [ -x build/tests/engine/engine-reaper ]; then
	CRISP_DEMO_REAPED=1 exec build/tests/engine/engine-reaper bash "$0" "$@"
fi
crisp=$PWD/build/engine/crisp
crit=$PWD/build/crit/crit
work=$(mktemp -d /tmp/crisp-demo.XXXXXX)
log=$work/counter.log
trap 'kill $(cat $work/pid 2>/dev/null) 2>/dev/null || true' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "start a counter (a shell loop in its own session)"
setsid sh -c 'i=0; while :; do echo $i >> '"$log"'; i=$((i+1)); sleep 0.2; done' \
	</dev/null >/dev/null 2>&1 &
pid=$!
echo $pid > $work/pid
sleep 1.2
echo "pid $pid, log so far: $(tr '\n' ' ' < $log)"

step "crisp dump -t $pid -D $work/ckpt"
mkdir -p $work/ckpt
$crisp dump -t $pid -D $work/ckpt -o dump.log -v4
sleep 0.5
kill -0 $pid 2>/dev/null && { echo "process still running after dump"; exit 1; }
last=$(tail -n 1 $log)
echo "dumped; the process is gone, last count $last"

step "crit x $work/ckpt ps"
$crit x $work/ckpt ps
step "crit show pstree.img"
$crit show $work/ckpt/pstree.img

step "crit pack -> one archive, crit unpack -> another directory"
$crit pack $work/ckpt $work/ckpt.tar.zst
ls -l $work/ckpt.tar.zst
$crit unpack $work/ckpt.tar.zst $work/restored

step "crisp restore -d -D $work/restored"
$crisp restore -d -D $work/restored -o restore.log -v4
sleep 1.2
next=$(sed -n "$((last + 2))p" $log)
echo "log after restore: ... $(tail -n 6 $log | tr '\n' ' ')"
if [ "$(grep -c . $log)" -gt $((last + 2)) ] && [ "$next" = "$((last + 1))" ]; then
	echo "restored process $pid continues from $((last + 1))"
else
	echo "the counter did not continue"; exit 1
fi
