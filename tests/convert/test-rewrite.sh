#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit edit / rename / relocate, each verified by decoding the result.
# usage: test-rewrite.sh CRIT DATA_DIR
set -u
CRIT=$1 DATA=$2
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok   $*"; }
# jq-like: json FILE EXPR (python expression over j)
json() { "$CRIT" decode ${PRETTY:-} -i "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"; }
# entry spans of an image (after the 8 magic bytes) equal between two files, except the listed
same_spans() {
	python3 - "$@" <<'PY'
import struct, sys
def spans(p):
    d = open(p, "rb").read(); o = 8; out = []
    while o < len(d):
        n = struct.unpack("<I", d[o:o + 4])[0]; out.append(d[o:o + 4 + n]); o += 4 + n
    return out
a, b = spans(sys.argv[1]), spans(sys.argv[2]); skip = {int(x) for x in sys.argv[3:]}
sys.exit(0 if len(a) == len(b) and all(a[i] == b[i] for i in range(len(a)) if i not in skip) else 1)
PY
}

"$CRIT" unpack -q "$DATA/podman/looper-zstd.tar.zst" "$T/pod" || { echo "FAIL: unpack"; exit 1; }
C=$T/pod/checkpoint

# --- edit --set ---------------------------------------------------------
cp "$C/utsns-12.img" "$T/uts.orig"
"$CRIT" edit "$C/utsns-12.img" --set 'entries[0].nodename=web-2' &&
	[ "$(json "$C/utsns-12.img" "j['entries'][0]['nodename']")" = web-2 ] &&
	[ "$(json "$C/utsns-12.img" "j['entries'][0]['domainname']")" = "(none)" ] &&
	ok "edit string field" || bad "edit string field"
cp "$C/files.img" "$T/files.orig"
"$CRIT" edit "$C/files.img" --set 'entries[0].reg.flags=O_RDWR | O_APPEND' \
	--set 'entries[0].reg.mode=0x81a4' --set 'entries[0].reg.build_id[1]=7' \
	--set 'entries[1].reg.name="/dev/zero"' &&
	[ "$(json "$C/files.img" "j['entries'][0]['reg']['flags'], j['entries'][0]['reg']['mode'], j['entries'][0]['reg']['build_id'][1], j['entries'][1]['reg']['name']")" = \
	  "1026 33188 7 /dev/zero" ] && ok "edit typed values (flags, hex, index, quoted)" || bad "edit typed values"
same_spans "$T/files.orig" "$C/files.img" 0 1 && ok "untouched entries byte-identical" ||
	bad "untouched entries changed"
cp "$C/files.img" "$T/files.before"
for s in 'entries[0].reg.nosuch=1' 'entries[0].reg.mnt_id=abc' 'entries[99].id=1' \
	'entries[0].reg.fown=7' 'entries[0]reg.name=x' 'nodename=x'; do
	"$CRIT" edit "$C/files.img" --set 'entries[1].reg.name=/tmp/x' --set "$s" 2>"$T/err" &&
		bad "edit accepted '$s'" ||
		{ cmp -s "$T/files.before" "$C/files.img" && ok "edit refused '$s': $(cat "$T/err")" ||
			bad "edit '$s' wrote something"; }
done
EDITOR="sed -i s/web-2/web-3/" "$CRIT" edit "$C/utsns-12.img" &&
	[ "$(json "$C/utsns-12.img" "j['entries'][0]['nodename']")" = web-3 ] && ok "edit via \$EDITOR" ||
	bad "edit via \$EDITOR"
cp "$C/utsns-12.img" "$T/uts.b"
EDITOR="sed -i s/nodename/nodenam/" "$CRIT" edit "$C/utsns-12.img" 2>/dev/null && bad "bad JSON accepted" ||
	{ cmp -s "$T/uts.b" "$C/utsns-12.img" && ok "invalid edited JSON refused, image untouched" ||
		bad "invalid edit wrote"; }
EDITOR=true "$CRIT" edit "$C/utsns-12.img" 2>&1 | grep -q "no changes" && cmp -s "$T/uts.b" "$C/utsns-12.img" &&
	ok "unchanged editor buffer writes nothing" || bad "unchanged editor buffer"
ls -A "$C" | grep -q '\.tmp\.' && bad "temporary files left" || ok "no temporary files left"

# --- rename ---------------------------------------------------------------
"$CRIT" unpack -q "$DATA/podman/looper-zstd.tar.zst" "$T/pod2"; C=$T/pod2/checkpoint
ID=24b98b07bfe1f899168620126b3068076e6bba0a51d197b4a6d0754e108402bf
NEW=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
cp -a "$C" "$T/c.orig"
"$CRIT" rename "$C" --dry-run --hostname web-2 --path "/libpod_parent/libpod-$ID=/libpod_parent/libpod-$NEW" >"$T/out" &&
	grep -q "nodename: '24b98b07bfe1' -> 'web-2'" "$T/out" && diff -r "$T/c.orig" "$C" >/dev/null &&
	ok "rename --dry-run prints, writes nothing" || bad "rename --dry-run"
"$CRIT" rename "$C" --hostname web-2 --path "/libpod_parent/libpod-$ID=/libpod_parent/libpod-$NEW" \
	--path "/tmp/ct/podman/runroot/overlay-containers/$ID=/run/ct/$NEW" --path /bin=/usr/bin >"$T/out" &&
	[ "$(json "$C/utsns-12.img" "j['entries'][0]['nodename']")" = web-2 ] &&
	[ "$(json "$C/files.img" "j['entries'][0]['reg']['name']")" = /usr/bin/busybox ] &&
	[ "$(json "$C/cgroup.img" "sum(c['path'].count('$NEW') for s in j['entries'][0]['sets'] for c in s['ctls'])")" -gt 0 ] &&
	[ "$(json "$C/mountpoints-13.img" "sum(('$ID' in m['root']) for m in j['entries'])")" = 0 ] &&
	[ "$(json "$C/mountpoints-13.img" "sum(m['root'].startswith('/run/ct/$NEW/userdata/') for m in j['entries'])")" = 3 ] &&
	ok "rename paths, cgroups, mounts, hostname ($(tail -1 "$T/out"))" || bad "rename podman"
for f in "$T/c.orig"/*.img; do
	b=$(basename "$f"); case $b in utsns-*|files.img|cgroup.img|mountpoints-*) continue;; esac
	cmp -s "$f" "$C/$b" || bad "rename touched $b"
done
cp -a "$DATA/criu-4.x/tcp-pair" "$T/tp"
"$CRIT" rename "$T/tp" --ip 127.0.0.1=10.1.2.3 --port 23457=8080 >"$T/out" &&
	[ "$(PRETTY=--pretty json "$T/tp/files.img" "sorted((e['isk']['state'], e['isk']['src_port'], e['isk']['src_addr'][0]) for e in j['entries'] if 'isk' in e)")" = \
	  "[('ESTABLISHED', 23457, '10.1.2.3'), ('ESTABLISHED', 55278, '10.1.2.3'), ('LISTEN', 8080, '10.1.2.3')]" ] &&
	ok "rename --ip/--port (listen port only)" || bad "rename tcp: $(cat "$T/out")"
"$CRIT" rename "$T/tp" --ip 1.2.3.4=fd00::1 2>/dev/null && bad "mixed families accepted" || ok "mixed families refused"

# --- relocate ---------------------------------------------------------------
mkdir -p "$T/ck/pre" "$T/ck/d2" "$T/else"
cp "$DATA"/criu-4.x/shell-loop/*.img "$T/ck/pre/"; cp "$DATA"/criu-4.x/shell-loop/*.img "$T/ck/d2/"
ln -s ../pre "$T/ck/d2/parent"
"$CRIT" relocate -q "$T/ck/d2" "$T/else/d2" && [ -f "$T/else/d2/parent/inventory.img" ] &&
	[ "$(readlink "$T/else/d2/parent")" = ../../ck/pre ] && [ -f "$T/ck/d2/inventory.img" ] &&
	ok "relocate copy rewrites outward parent link" || bad "relocate copy"
"$CRIT" relocate -q --move "$T/else/d2" "$T/d2m" && [ ! -e "$T/else/d2" ] &&
	[ "$(readlink "$T/d2m/parent")" = ../ck/pre ] && [ -f "$T/d2m/parent/inventory.img" ] &&
	ok "relocate --move" || bad "relocate --move"
"$CRIT" relocate -q --move "$T/ck" "$T/else/ck" && [ "$(readlink "$T/else/ck/d2/parent")" = ../pre ] &&
	ok "relocate of a whole chain keeps inner links" || bad "relocate chain"
"$CRIT" relocate -q "$T/else/ck" "$T/d2m" 2>/dev/null && bad "relocate over existing" || ok "relocate refuses an existing DST"
exit $fail
