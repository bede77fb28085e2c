#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit rename on a runc container checkpoint (corpus case runc-busybox),
# verified by decoding: overlay layer paths in mountpoints, the hostname in
# utsns, cgroup paths with their cgns_prefix and the nested directory names
# of cgroup.img, and a cgroup move that cannot be expressed is refused.
# usage: test-rename-ct.sh CRIT DATA_DIR
set -u
CRIT=$1 DATA=$2
CASE=$DATA/criu-4.x/runc-busybox
[ -d "$CASE" ] || { echo "SKIP: no corpus case $CASE"; exit 77; }
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok   $*"; }
json() { "$CRIT" decode -i "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"; }

cp -a "$CASE" "$T/c"
"$CRIT" rename "$T/c" --path /tmp/ct=/srv/ct --hostname web-2 > "$T/out" || bad "rename failed: $(cat "$T/out")"
root="[e for e in j['entries'] if e['mountpoint'] == '/'][0]"
[ "$(json "$T/c/mountpoints-13.img" "$root['options']")" = \
	"lowerdir=/srv/ct/lower,upperdir=/srv/ct/upper,workdir=/srv/ct/ovlwork,uuid=on" ] &&
	ok "overlay lowerdir/upperdir/workdir renamed" || bad "overlay options: $(json "$T/c/mountpoints-13.img" "$root['options']")"
[ "$(json "$T/c/utsns-12.img" "j['entries'][0]['nodename']")" = web-2 ] &&
	ok "utsns nodename" || bad "utsns nodename not renamed"
# only the root mount's options and the hostname changed
[ "$(grep -c -- "->" "$T/out")" = 2 ] || bad "expected 2 changes: $(cat "$T/out")"
"$CRIT" check "$T/c" > /dev/null || bad "check after rename"

# cgroup: path and cgns_prefix (a length into it) and the controllers' dir_name
cp -a "$CASE" "$T/g"
"$CRIT" rename "$T/g" --path /bbx=/webserver > "$T/out" || bad "cgroup rename failed: $(cat "$T/out")"
ctl="[c for c in j['entries'][0]['sets'][0]['ctls'] if c['name'] == 'pids'][0]"
[ "$(json "$T/g/cgroup.img" "$ctl['path'], $ctl['cgns_prefix']")" = "/webserver 10" ] &&
	ok "cgroup member path and cgns_prefix" || bad "cgroup member: $(json "$T/g/cgroup.img" "$ctl")"
mem="[c for c in j['entries'][0]['sets'][0]['ctls'] if c['name'] == 'memory'][0]['path']"
[ "$(json "$T/g/cgroup.img" "$mem")" = /process_api/f20d86b889346df6ac8d6bc128cc03f1/bbx ] &&
	ok "other hierarchy's path untouched" || bad "memory path: $(json "$T/g/cgroup.img" "$mem")"
dirs="sorted(set(d['dir_name'] for c in j['entries'][0]['controllers'] for d in c['dirs']))"
[ "$(json "$T/g/cgroup.img" "$dirs")" = "['process_api/f20d86b889346df6ac8d6bc128cc03f1/bbx', 'webserver']" ] &&
	ok "cgroup dir_name" || bad "dir names: $(json "$T/g/cgroup.img" "$dirs")"
# a multi-component top-level dir_name is renamed as a whole path
"$CRIT" rename "$T/g" --path /process_api/f20d86b889346df6ac8d6bc128cc03f1=/pa > /dev/null &&
	[ "$(json "$T/g/cgroup.img" "$dirs")" = "['pa/bbx', 'webserver']" ] &&
	[ "$(json "$T/g/cgroup.img" "$mem")" = /pa/bbx ] &&
	[ "$(json "$T/g/cgroup.img" "[c for c in j['entries'][0]['sets'][0]['ctls'] if c['name'] == 'memory'][0]['cgns_prefix']")" = 7 ] &&
	ok "nested cgroup path, prefix 49 -> 7" || bad "nested cgroup rename"

# a child directory cannot leave its parent: refused, nothing written
cp -a "$CASE" "$T/n"
"$CRIT" decode -i "$T/n/cgroup.img" | python3 -c '
import json, sys
j = json.load(sys.stdin)
d = j["entries"][0]["controllers"][0]["dirs"][0]
d["children"] = [{"dir_name": "inner", "dir_perms": d["dir_perms"]}]
json.dump(j, sys.stdout)' | "$CRIT" encode -o "$T/n/cgroup.img" || bad "crafting a nested cgroup"
cp "$T/n/cgroup.img" "$T/n.orig"
if "$CRIT" rename "$T/n" --path /bbx/inner=/elsewhere/inner > "$T/out" 2> "$T/err"; then
	bad "a cgroup moved out of its parent was accepted"
elif ! grep -q "cgroup.img': entry 0: cgroup directory '/bbx/inner' cannot move out of its parent" "$T/err"; then
	bad "refusal does not name the file and cgroup: $(cat "$T/err")"
elif ! cmp -s "$T/n/cgroup.img" "$T/n.orig"; then
	bad "refused rename changed cgroup.img"
else
	ok "cgroup move out of its parent refused"
fi
"$CRIT" rename "$T/n" --path /bbx/inner=/bbx/outer > /dev/null &&
	[ "$(json "$T/n/cgroup.img" "j['entries'][0]['controllers'][0]['dirs'][0]['children'][0]['dir_name']")" = outer ] &&
	ok "nested child renamed in place" || bad "nested child rename"
exit $fail
