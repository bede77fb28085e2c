# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers for the engine tests (sourced).  Each test runs under
# reaper (a child subreaper), as root; 77 = skip.
# Environment from meson: CRISP (crisp binary), PROGS (test programs),
# CRIT (our crit, may be missing), CRIT42 (CRIU's Python crit 4.2, may be
# missing), CORPUS (tests/data).
set -u

[ "$(id -u)" = 0 ] || { echo "SKIP: engine tests need root"; exit 77; }
[ -x "${CRISP:-}" ] || { echo "SKIP: no crisp binary"; exit 77; }

T=$(mktemp -d /tmp/crisp-test.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	for f in "$T"/*/dump.log "$T"/*/restore.log; do
		[ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
	done
	exit 1
}

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local n=$(($1 * 20)); shift
	while [ $n -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

alive() { [ -d /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; }
gone() { ! alive "$1"; }

# dump PID DIR [OPTS...]
dump() {
	local pid=$1 dir=$2; shift 2
	mkdir -p "$dir"
	"$CRISP" dump -t "$pid" -D "$dir" -o dump.log -v4 "$@" || fail "crisp dump of $pid failed"
}

# restore_d DIR [OPTS...]: detached restore
restore_d() {
	local dir=$1; shift
	"$CRISP" restore -D "$dir" -d -o restore.log -v4 "$@" || fail "crisp restore from $dir failed"
}

# decode every non-raw image of DIR with the crits we have
decode_all() {
	local dir=$1 f
	for f in "$dir"/*.img "$dir"/stats-dump; do
		[ -f "$f" ] || continue
		case "$(basename "$f")" in pages-*) continue ;; esac
		if [ -n "${CRIT42:-}" ]; then
			"$CRIT42" decode -i "$f" >/dev/null 2>"$T/crit42.err" ||
				fail "crit-4.2 cannot decode $(basename "$f"): $(tail -n 1 "$T/crit42.err")"
		fi
		if [ -n "${CRIT:-}" ] && [ -x "${CRIT:-}" ]; then
			"$CRIT" decode -i "$f" >/dev/null 2>"$T/crit.err" ||
				fail "crit cannot decode $(basename "$f"): $(tail -n 1 "$T/crit.err")"
		fi
		# Debian's own Python crit (package criu 3.17), where installed
		if [ -x /usr/bin/crit ]; then
			/usr/bin/crit decode -i "$f" >/dev/null 2>"$T/crit317.err" ||
				fail "Debian's crit cannot decode $(basename "$f"): $(tail -n 1 "$T/crit317.err")"
		fi
	done
}

last_num() { grep -E "$2" "$1" | tail -n 1 | sed -E "s/.*$2([0-9]+).*/\1/"; }
