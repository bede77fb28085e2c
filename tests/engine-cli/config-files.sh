#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An option from each kind of config file takes effect in a real `crisp dump`:
# ~/.criu/default.conf, $CRIU_CONFIG_FILE, --config FILE, and the command line
# over all of them.  The effects are visible without the engine core: the log
# file name (log-file) and the log level (verbosity: info lines appear).  As
# root, with a working engine, leave-running from a config file keeps the
# dumped process alive.  /etc/criu/default.conf is not touched: the unit test
# engine-config covers it with injected paths, and the RPC config_file is in
# engine-rpc.  Usage: config-files.sh CRISP
set -u
CRISP=$1
T=$(mktemp -d /tmp/crisp-conf.XXXXXX)
# A victim with only stdio: whatever the harness left open is not the test's business.
victim() {
	(
		for fd in $(ls /proc/self/fd); do
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec setsid sleep 1000 </dev/null >/dev/null 2>&1
	) &
}
victim
VICTIM=$!
trap 'kill -9 $VICTIM 2>/dev/null; rm -rf "$T"' EXIT
export HOME="$T/home"
unset CRIU_CONFIG_FILE
mkdir -p "$HOME/.criu" "$T/img"
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

# The dump itself may fail (no engine, not root): only the config effect matters here.
dump() { "$CRISP" dump -t "$VICTIM" -D "$T/img" "$@" >/dev/null 2>&1; }

# 1. the user file
printf '# user defaults\nlog-file user.log\nverbosity 4\nleave-running\n' >"$HOME/.criu/default.conf"
dump
[ -f "$T/img/user.log" ] && ok "user config: log-file" || fail "user config: no user.log"
grep -q "dumping $VICTIM" "$T/img/user.log" 2>/dev/null && ok "user config: verbosity" ||
	fail "user config: verbosity 4 did not reach the log"

# 2. $CRIU_CONFIG_FILE over the user file
printf 'log-file env.log\nleave-running\n' >"$T/env.conf"
CRIU_CONFIG_FILE="$T/env.conf" dump
[ -f "$T/img/env.log" ] && ok "env config: log-file" || fail "env config: no env.log"
grep -q "dumping $VICTIM" "$T/img/env.log" 2>/dev/null && ok "env config keeps the user file's verbosity" ||
	fail "env config: user file not read before it"

# 3. --config FILE: read, and the user file is skipped
rm -f "$T/img/"*.log
printf 'log-file "cmd line.log"\nleave-running\n' >"$T/cmd.conf"
dump --config "$T/cmd.conf"
[ -f "$T/img/cmd line.log" ] && ok "--config: log-file (quoted)" || fail "--config: no 'cmd line.log'"
grep -q "dumping $VICTIM" "$T/img/cmd line.log" 2>/dev/null &&
	fail "--config: the user file was read too" || ok "--config skips the user file"

# 4. --no-default-config skips the user file, keeps $CRIU_CONFIG_FILE
rm -f "$T/img/"*.log
CRIU_CONFIG_FILE="$T/env.conf" dump --no-default-config
[ -f "$T/img/env.log" ] && ! grep -q "dumping $VICTIM into" "$T/img/env.log" &&
	ok "--no-default-config" || fail "--no-default-config"

# 5. the command line wins
rm -f "$T/img/"*.log
CRIU_CONFIG_FILE="$T/env.conf" dump -o argv.log
[ -f "$T/img/argv.log" ] && [ ! -f "$T/img/env.log" ] && ok "command line wins" ||
	fail "command line does not win"

# 6. a bad line stops everything before the dump starts
printf 'leave-running\nbogus-thing 1\n' >"$T/bad.conf"
rm -f "$T/img/"*.log
out=$("$CRISP" dump -t "$VICTIM" -D "$T/img" -o bad.log --config "$T/bad.conf" 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "'$T/bad.conf': line 2: unknown option 'bogus-thing'" &&
	[ ! -f "$T/img/bad.log" ] && kill -0 $VICTIM 2>/dev/null; then
	ok "bad config line: named, nothing done"
else
	fail "bad config line: rc=$rc out=$out"
fi

# 7. leave-running from a config file, with a real dump
if [ "$(id -u)" -eq 0 ]; then
	rm -rf "$T/img" && mkdir -p "$T/img"
	if "$CRISP" dump -t "$VICTIM" -D "$T/img" -o real.log 2>/dev/null; then
		if kill -0 $VICTIM 2>/dev/null; then
			ok "leave-running from ~/.criu/default.conf kept the task alive"
		else
			fail "leave-running from the user config was ignored"
		fi
	else
		echo "skip leave-running check: the engine could not dump ($(tail -n 1 "$T/img/real.log" 2>/dev/null))"
	fi
fi

# 8. action-script from a config file: run with CRTOOLS_SCRIPT_ACTION at each point
printf '#!/bin/sh\necho "$CRTOOLS_SCRIPT_ACTION" >>"%s"\n' "$T/actions" >"$T/act.sh"
chmod +x "$T/act.sh"
printf 'action-script %s\nleave-running\n' "$T/act.sh" >"$T/act.conf"
rm -rf "$T/img" && mkdir -p "$T/img"
if "$CRISP" dump -t "$VICTIM" -D "$T/img" -o act.log --config "$T/act.conf" 2>/dev/null; then
	want="pre-dump post-dump"
else
	want="pre-dump"
fi
got=$(tr '\n' ' ' <"$T/actions" 2>/dev/null | sed 's/ $//')
[ "$got" = "$want" ] && ok "action-script from --config ran: $got" || fail "action-script: got '$got', want '$want'"

# 9. pidfile and restore-detached from a config file, on a real restore
if [ "$(id -u)" -eq 0 ]; then
	victim
	V2=$!
	sleep 0.2
	rm -rf "$T/img2" && mkdir -p "$T/img2"
	printf 'restore-detached\npidfile restored.pid\n' >"$T/rst.conf"
	if "$CRISP" dump -t $V2 -D "$T/img2" -o dump.log --no-default-config 2>/dev/null; then
		wait $V2 2>/dev/null
		if "$CRISP" restore -D "$T/img2" -o restore.log --config "$T/rst.conf" 2>/dev/null &&
			[ "$(cat "$T/img2/restored.pid" 2>/dev/null)" = "$V2" ] && kill -0 $V2 2>/dev/null; then
			ok "restore -d with --pidfile from --config: pid $V2 back"
		else
			fail "restore with pidfile from config: $(tail -n 2 "$T/img2/restore.log" 2>/dev/null)"
		fi
		kill -9 $V2 2>/dev/null
	else
		kill -9 $V2 2>/dev/null
		echo "skip pidfile check: the engine could not dump ($(tail -n 1 "$T/img2/dump.log" 2>/dev/null))"
	fi
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
