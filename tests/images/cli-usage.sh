#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cli-usage.sh CRIT CORPUS: help, version, usage errors and `crit info`.
#  - crit --help / -h and `crit CMD --help` print usage on stdout, exit 0;
#  - unknown commands and options, missing and extra arguments: exit 1, the
#    offending word named on the last stderr line;
#  - `crit info` counts entries right for every corpus image: the pagemap
#    head is not an entry, and payloads (sk-queues, pipes-data) are not
#    entries, where crit 4.2 counts each payload as one more.
set -u
CRIT=$1 corpus=$(cd "$2" && pwd)
. "$(dirname "$0")/cli-lib.sh"

ok_help() { # ok_help NAME ARGS...: exit 0, usage on stdout, nothing on stderr
	_n=$1
	shift
	run_crit "$_n" "$@"
	[ "$rc" -eq 0 ] || fail "$_n: exit status $rc"
	[ -s "$tmp/err" ] && fail "$_n: wrote to stderr: $(head -c 200 "$tmp/err")"
	grep -q '^usage: crit' "$tmp/out" || fail "$_n: no usage line on stdout"
}
ok_help "crit --help" --help
for c in decode encode show info; do
	grep -q "^  $c " "$tmp/out" || fail "crit --help does not list '$c'"
done
ok_help "crit -h" -h
for c in decode encode show info; do
	ok_help "crit $c --help" "$c" --help
	grep -q "^usage: crit $c " "$tmp/out" || fail "crit $c --help: not the usage of $c"
	ok_help "crit $c -h" "$c" -h
done
grep -q -- '--pretty' "$tmp/out" || true
run_crit version --version
[ "$rc" -eq 0 ] && grep -q '^crit ' "$tmp/out" || fail "crit --version: rc $rc, '$(cat "$tmp/out")'"

usage_err() { # usage_err NAME WORD ARGS...: exit 1, WORD on the last stderr line
	_n=$1 _w=$2
	shift 2
	run_crit "$_n" "$@"
	[ "$rc" -eq 1 ] || fail "$_n: exit status $rc, want 1"
	tail -n 1 "$tmp/err" | grep -q -F -e "$_w" || fail "$_n: last stderr line lacks '$_w': $(tail -n 1 "$tmp/err")"
	grep -q Sanitizer "$tmp/err" && fail "$_n: sanitizer report"
	[ -s "$tmp/out" ] && fail "$_n: wrote to stdout"
}
usage_err "unknown command" bogus bogus
usage_err "no command" "too few" 
usage_err "unknown long option" --bogus decode --bogus
usage_err "unknown short option" -- -z decode -z
usage_err "decode extra argument" extra decode extra
usage_err "encode extra argument" extra encode extra
usage_err "-i without a file" -i decode -i
usage_err "--pretty on encode" --pretty encode --pretty
usage_err "info without a file" "info" info
usage_err "show without a file" "show" show
usage_err "info with two files" "info" info a b
usage_err "decode of a missing file" /nonexistent/x.img decode -i /nonexistent/x.img
usage_err "encode of a missing file" /nonexistent/x.json encode -i /nonexistent/x.json
usage_err "decode -o into a missing directory" /nonexistent/out.json decode -i "$corpus/fdzoo/ids-21614.img" -o /nonexistent/out.json
# every usage error above is one line (the bare `crit` also prints the help)
run_crit one-line decode --bogus
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "crit decode --bogus: not one line"

# info counts against the entries of crit 4.2's JSON (one Python run for all)
/usr/bin/python3 -c '
import json, os, sys
for exp in sys.argv[1:]:
    d = exp.split("/expected/crit-4.2/")[0]
    img = os.path.join(d, os.path.basename(exp)[:-5])
    if os.path.exists(img):
        j = json.load(open(exp))
        print(img, len(j["entries"]) - (j["magic"] == "PAGEMAP"), j["magic"])
' "$corpus"/*/expected/crit-4.2/*.json > "$tmp/wants"
[ "$(wc -l < "$tmp/wants")" -gt 100 ] || fail "only $(wc -l < "$tmp/wants") images for info"
while read -r img cnt magic; do
	d=$(dirname "$img")
	b=$(basename "$img")
	run_crit info info "$img"
	got=$(tr -d ' \n' < "$tmp/out")
	[ "$got" = "{\"magic\":\"$magic\",\"count\":$cnt}" ] ||
		fail "info $(basename "$d")/$b: $got, want $cnt entries of $magic"
	# where crit 4.2 disagrees, it is one of its payload-counting images
	c42=$(grep "^$b: " "$d/expected/crit-4.2/info.txt" | sed 's/.*"count": *\([0-9]*\).*/\1/')
	if [ -n "$c42" ] && [ "$c42" != "$cnt" ]; then
		case $magic in
		SK_QUEUES | PIPES_DATA | FIFO_DATA | TCP_STREAM | GHOST_FILE | IPCNS_*) ;;
		*) fail "info $b: crit 4.2 counts $c42, we $cnt, not a payload image" ;;
		esac
	fi
done < "$tmp/wants"
run_crit info info "$corpus/fdzoo/pipes-data.img"
grep -q '"count": 1' "$tmp/out" || fail "pipes-data: one entry, crit 4.2 says 2: $(cat "$tmp/out")"
run_crit info info "$corpus/fdzoo/sk-queues.img"
grep -q '"count": 1' "$tmp/out" || fail "sk-queues: one entry, crit 4.2 says 2"
run_crit info info "$corpus/fdzoo/pagemap-21614.img"
grep -q '"count": 14' "$tmp/out" || fail "pagemap: 15 JSON entries = head + 14"

# show = decode --pretty, with a trailing newline; --nopl hides payloads
run_crit show show "$corpus/fdzoo/sk-queues.img"
printf '\n' | cat "$corpus/fdzoo/expected/crit-4.2/sk-queues.img.json" - | cmp -s - "$tmp/out" ||
	fail "show differs from crit 4.2's decode --pretty"
run_crit nopl show "$corpus/fdzoo/sk-queues.img" --nopl
grep -q '"extra": "... <9B>"' "$tmp/out" || fail "show --nopl: $(tr -d '\n' < "$tmp/out")"
finish
