#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# crisp's command line as a user (or runc, podman, zdtm) sees it:
# --help, --version, usage errors, check --feature, unsupported commands,
# config-file errors.  Usage: cli.sh CRISP
set -u
CRISP=$1
T=$(mktemp -d /tmp/crisp-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
# never read the machine's ~/.criu or $CRIU_CONFIG_FILE
export HOME="$T/home"
unset CRIU_CONFIG_FILE
mkdir -p "$HOME"
fails=0

# expect EXIT STDOUT-PATTERN STDERR-PATTERN -- ARGS...   (patterns: grep -E, '' = any)
expect() {
	want_rc=$1 out_pat=$2 err_pat=$3
	shift 4
	"$CRISP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	ok=1
	[ "$rc" -eq "$want_rc" ] || ok=0
	if [ -n "$out_pat" ] && ! grep -Eq -- "$out_pat" "$T/out"; then ok=0; fi
	if [ -n "$err_pat" ] && ! grep -Eq -- "$err_pat" "$T/err"; then ok=0; fi
	if [ $ok -eq 1 ]; then
		echo "ok   crisp $*"
	else
		echo "FAIL crisp $*: exit $rc (want $want_rc)"
		echo "  stdout:"; sed 's/^/    /' "$T/out"
		echo "  stderr:"; sed 's/^/    /' "$T/err"
		fails=$((fails + 1))
	fi
}

# --version: CRIU's first line, which LXC and scripts parse
expect 0 '^Version: 4\.2$' '' -- --version
expect 0 '^Version: ' '' -- -V
"$CRISP" --version | head -1 | grep -qx 'Version: 4.2' || { echo "FAIL version line"; fails=$((fails + 1)); }

# --help lists the commands and CRIU's main options, exit 0
expect 0 'Usage:' '' -- --help
expect 0 '--images-dir' '' -- -h
for opt in --tree --leave-running --shell-job --tcp-established --ext-unix-sk --file-locks \
	--restore-detached --pidfile --root --external --inherit-fd --config --no-default-config \
	--log-file --work-dir --prev-images-dir --track-mem --display-stats --manage-cgroups; do
	"$CRISP" --help | grep -q -- "$opt" || { echo "FAIL --help lacks $opt"; fails=$((fails + 1)); }
done
# help wins even with a broken config file (CRIU's pre-parse)
printf 'bogus-option\n' >"$T/bad.conf"
expect 0 'Usage:' '' -- --config "$T/bad.conf" --help

# usage errors: getopt-style message, the short usage, exit 1
expect 1 '' "unrecognized option '--bogus'" -- dump --bogus
expect 1 '' 'Try -h\|--help for more info' -- dump --bogus
expect 1 '' "invalid option -- 'Q'" -- -Q check
expect 1 '' "option '--tree' requires an argument" -- dump --tree
expect 1 '' 'command is required' --
expect 1 '' "unknown command 'frob'" -- frob
expect 1 '' 'no process to dump' -- dump
expect 1 '' "invalid argument for -t: 'x'" -- dump -t x
expect 1 '' 'restore-sibling only makes sense' -- restore --restore-sibling

# check --feature: CRIU's names, "NAME is supported" and exit 0, else exit 1
expect 0 'mem_dirty_track' '' -- check --feature list
expect 0 'uffd-noncoop' '' -- check --feature list
expect 0 '^ns_pid is supported$' '' -- check --feature ns_pid
expect 0 '^clone3_set_tid is supported$' '' -- check --feature clone3_set_tid
expect 0 '^external_net_ns is supported$' '' -- check --feature external_net_ns
expect 1 '' 'Unknown feature no_such_thing' -- check --feature no_such_thing
# memory tracking depends on the kernel's soft-dirty bits: the answer and
# pre-dump must agree with each other either way
if "$CRISP" check --feature mem_dirty_track >/dev/null 2>&1; then
	dirty_track=1
	expect 0 '^mem_dirty_track is supported$' '' -- check --feature mem_dirty_track
else
	dirty_track=0
	expect 1 '' 'mem_dirty_track is not supported' -- check --feature mem_dirty_track
fi
expect 1 '' 'uffd is not supported' -- check --feature uffd
expect 1 '' 'timens is not supported' -- check --feature timens

# commands crisp does not do: a clean error, exit 1
expect 1 '' "'lazy-pages' is not supported" -- lazy-pages
expect 1 '' "'page-server' is not supported" -- page-server
if [ $dirty_track = 0 ]; then
	expect 1 '' "'pre-dump' is not supported" -- pre-dump -t 1
fi
expect 1 '' "'cpuinfo' is not supported" -- cpuinfo dump
expect 1 '' 'lazy-pages is not supported' -- restore --lazy-pages

# config files: a bad line names file and line, before anything runs
printf '# comment\ntree 1\n\nleave-running yes\n' >"$T/c1.conf"
expect 1 '' "'$T/c1.conf': line 4: option 'leave-running' takes no argument" -- check --config "$T/c1.conf"
printf 'log-file "open\n' >"$T/c2.conf"
CRIU_CONFIG_FILE="$T/c2.conf" expect 1 '' "'$T/c2.conf': line 1: unterminated quoted string" -- check --no-default-config
mkdir -p "$HOME/.criu"
printf 'tcp-established\nno-such-option\n' >"$HOME/.criu/default.conf"
expect 1 '' "'$HOME/.criu/default.conf': line 2: unknown option 'no-such-option'" -- check
# --no-default-config and --config skip the user file
expect 0 '' '' -- check --feature ns_pid --no-default-config
printf 'display-stats\n' >"$T/ok.conf"
expect 0 '' '' -- check --feature ns_pid --config "$T/ok.conf"
rm -f "$HOME/.criu/default.conf"
expect 1 '' "nope.conf" -- check --config "$T/nope.conf"

# service: a socket it cannot create is a clean error (engine-rpc tests a working one)
expect 1 '' "service: bind '/nonexistent-dir/s.sock'" -- service --address /nonexistent-dir/s.sock

# swrk without a socket fails cleanly
expect 1 '' 'usage: crisp swrk FD' -- swrk

if [ $fails -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
exit 0
