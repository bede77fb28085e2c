#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crit inspect / check on a runc container checkpoint (corpus case
# runc-busybox; netns-loop for a dumped network namespace): the namespaces and external mounts inspect shows, what
# check verifies of a container (namespace state images, tmpfs tarballs,
# files on mounts, SysV shm pages, cgroup sets, raw network images), each
# broken on a copy and expected to be reported by name; and the checkpoint
# read from `crit pack` archives (plain and with compressed pages).
# usage: cli-container.sh CRIT DATA_DIR GOLDEN_DIR
set -u
CRIT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CASE=$2/criu-4.x/runc-busybox
[ -d "$CASE" ] || { echo "SKIP: no corpus case $CASE"; exit 77; }
T=$(mktemp -d) || exit 99
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok   $*"; }
has() { grep -qF -- "$2" "$1" || { bad "$3: no '$2' in: $(head -c 2000 "$1")"; return 1; }; }

# --- inspect: namespaces and mounts ---------------------------------------
"$CRIT" inspect "$CASE" > "$T/i.txt" || bad "inspect failed"
has "$T/i.txt" "namespaces: 7 of its own" inspect &&
	has "$T/i.txt" "  uts 12: 2 tasks, hostname bbox, domain (none)" inspect &&
	has "$T/i.txt" "  user 14: 2 tasks, uid 0->100000 (65536), gid 0->100000 (65536)" inspect &&
	has "$T/i.txt" "  ipc 11: 2 tasks, 1 shm, 1 msg queues, 1 sem sets" inspect &&
	has "$T/i.txt" "  net 10: 2 tasks, not dumped (restored empty)" inspect &&
	has "$T/i.txt" "  mnt 13: 2 tasks, 31 mounts" inspect &&
	has "$T/i.txt" "  inherited: time 5" inspect &&
	has "$T/i.txt" "  /dev/null DEVTMPFS devtmpfs root=/null external=/dev/null" inspect &&
	has "$T/i.txt" "  / OVERLAYFS overlay" inspect && ok "inspect shows namespaces and external mounts"
"$CRIT" inspect --json "$CASE" | python3 -c '
import json, sys
j = json.load(sys.stdin)
ns = {n["kind"]: n for n in j["namespaces"]}
assert ns["uts"]["hostname"] == "bbox" and ns["uts"]["own"], ns["uts"]
assert ns["user"]["uid_map"] == [{"first": 0, "lower_first": 100000, "count": 65536}]
assert not ns["net"]["dumped"] and ns["net"]["own"] and not ns["time"]["own"]
ext = [m for m in j["mounts"] if m.get("external")]
assert len(ext) == 8, ext
' && ok "inspect --json namespaces" || bad "inspect --json namespaces"
"$CRIT" inspect "$2/criu-4.x/shell-loop" | grep -qx "namespaces: none of its own (8 inherited)" &&
	ok "plain process tree: no namespaces of its own" || bad "shell-loop namespaces line"

# a dumped network namespace (corpus case netns-loop): links and raw images
NS=$2/criu-4.x/netns-loop
if [ -d "$NS" ]; then
	"$CRIT" inspect "$NS" | grep -qxF "  net 9: 2 tasks, 1 links, raw: ifaddr route route6 rule iptables ip6tables nftables" &&
		ok "inspect: dumped netns with its raw images" || bad "netns-loop inspect: $("$CRIT" inspect "$NS" | grep 'net 9')"
	"$CRIT" check "$NS" | grep -q "0 errors, 0 warnings" && ok "check passes with raw network images" ||
		bad "check on netns-loop: $("$CRIT" check "$NS")"
fi

# --- check: the complete checkpoint passes ---------------------------------
"$CRIT" check "$CASE" > "$T/c.txt" && has "$T/c.txt" "0 errors, 0 warnings" check &&
	ok "check passes on the runc checkpoint" || bad "check on the runc checkpoint: $(cat "$T/c.txt")"

# broken copies: each problem reported, naming the file (and exit 1 for errors)
# brk NAME 'SHELL TO BREAK $D' 'EXPECTED LINE' [warn]
brk() {
	D=$T/b-$1
	rm -rf "$D"
	cp -a "$CASE" "$D"
	rm -rf "$D/expected"
	(cd "$D" && eval "$2") || { bad "$1: cannot break the copy"; return; }
	"$CRIT" check "$D" > "$T/out" 2>&1
	rc=$?
	if [ "${4:-}" = warn ]; then
		[ $rc -eq 0 ] || bad "$1: a warning made check fail (exit $rc)"
	else
		[ $rc -eq 1 ] || bad "$1: exit $rc, want 1"
	fi
	grep -qxF -- "$3" "$T/out" && ok "check: $1" || bad "$1: want '$3', got: $(cat "$T/out")"
}
brk no-tmpfs 'rm tmpfs-dev-44.tar.gz.img' \
	"error: 'tmpfs-dev-44.tar.gz.img' is missing (the contents of tmpfs mount 74 at '/dev')"
brk bad-tmpfs 'echo junk > tmpfs-dev-46.tar.gz.img' \
	"error: 'tmpfs-dev-46.tar.gz.img': not a gzip file (tmpfs contents are a tar.gz)"
brk stray-tmpfs 'cp tmpfs-dev-48.tar.gz.img tmpfs-dev-99.tar.gz.img' \
	"warning: 'tmpfs-dev-99.tar.gz.img': no dumped tmpfs mount has device 99" warn
brk no-utsns 'rm utsns-12.img' "error: 'utsns-12.img' is missing (the tree's own uts namespace 12)"
brk no-userns 'rm userns-14.img' "error: 'userns-14.img' is missing (the tree's own user namespace 14)"
brk no-mounts 'rm mountpoints-13.img' "error: 'mountpoints-13.img' is missing (the tree's own mnt namespace 13)"
brk no-shm-pages 'rm pagemap-shmem-0.img' \
	"error: 'pagemap-shmem-0.img' is missing (the pages of SysV shm 0 of ipcns-shm-11.img)"
brk short-shm-pages 'rm pages-3.img' \
	"error: 'pages-3.img' is missing (pagemap-shmem-0.img has 4096 bytes of pages)"
brk file-mount '"$CRIT" edit files.img --set "entries[2].reg.mnt_id=999"' \
	"error: 'files.img': entry 2: '/data/log' is on mount 999, which no mountpoints image has"
brk cg-set '"$CRIT" edit core-11.img --set "entries[0].thread_core.cg_set=77"' \
	"error: 'core-11.img': thread cg_set 77 is not a set of cgroup.img"
brk raw-net 'printf x > ifaddr-77.img' \
	"warning: 'ifaddr-77.img': no task of the tree is in network namespace 77" warn
# a raw image of the tree's own network namespace is fine (never decoded)
brk raw-net-ok 'printf x > iptables-10.img; printf x > route-10.img' \
	"28 images checked: 0 errors, 0 warnings; a restore can be tried" warn

# --- archives of the bare image directory (crit pack) ----------------------
if [ "${CRIT_ARCHIVE:-1}" = 0 ]; then
	echo "skip archives: crit built without libarchive"
else
	"$CRIT" pack "$CASE" "$T/a.tar.gz" > /dev/null || bad "pack"
	"$CRIT" inspect "$T/a.tar.gz" > "$T/ia.txt" || bad "inspect of the archive failed: $(cat "$T/ia.txt")"
	has "$T/ia.txt" "checkpoint: $T/a.tar.gz (archive)" "inspect archive" &&
		[ "$(sed 1d "$T/ia.txt")" = "$(sed 1d "$T/i.txt")" ] &&
		ok "inspect of a crit pack archive = inspect of the directory" || bad "archive inspect differs"
	"$CRIT" check "$T/a.tar.gz" | grep -q "0 errors, 0 warnings" && ok "check of the archive" ||
		bad "check of the archive"
	cp -a "$CASE" "$T/z" && rm -rf "$T/z/expected"
	if "$CRIT" compress "$T/z" > /dev/null 2>&1; then
		"$CRIT" pack "$T/z" "$T/z.tar" > /dev/null || bad "pack compressed"
		"$CRIT" check "$T/z.tar" | grep -q "0 errors, 0 warnings" &&
			"$CRIT" x "$T/z.tar" rss | cmp -s - "$CASE/expected/crit-4.2/x-rss.txt" &&
			ok "archive with pages-N.img.zst members" || bad "archive with compressed pages"
	else
		echo "skip compressed archive: crit compress unavailable (built without zstd)"
	fi
fi
exit $fail
