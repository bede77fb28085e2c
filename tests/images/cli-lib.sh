# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the cli suite (sourced).  Each check runs crit in an empty
# scratch directory and verifies the error contract: exit status 1, exactly
# one line on stderr naming the input, no sanitizer report, and the
# directory left as it was (no output file, no temporary file).
fails=0 checks=0
case $CRIT in /*) ;; *) CRIT=$(cd "$(dirname "$CRIT")" && pwd)/$(basename "$CRIT") ;; esac
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/run" "$tmp/in"

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run_crit LABEL ARGS...: run crit in $tmp/run; sets rc, leaves stderr in $tmp/err
run_crit() {
	_label=$1
	shift
	(cd "$tmp/run" && exec "$CRIT" "$@") > "$tmp/out" 2> "$tmp/err" < "${STDIN:-/dev/null}"
	rc=$?
	checks=$((checks + 1))
}

# The common error contract.  $1 = case name, $2 = text the line must contain.
check_error() {
	_name=$1 _want=$2
	if [ "$rc" -ne 1 ]; then
		fail "$_name: exit status $rc, want 1 ($(head -c 300 "$tmp/err"))"
	fi
	if grep -q -e 'Sanitizer' -e 'runtime error' -e 'LeakSanitizer' "$tmp/err"; then
		fail "$_name: sanitizer report: $(grep -m1 -e Sanitizer -e 'runtime error' "$tmp/err")"
	fi
	_lines=$(wc -l < "$tmp/err")
	if [ "$_lines" -ne 1 ]; then
		fail "$_name: $_lines lines on stderr, want 1: $(head -c 300 "$tmp/err" | tr '\n' '|')"
	fi
	if ! grep -q -F -e "$_want" "$tmp/err"; then
		fail "$_name: error does not name '$_want': $(head -c 300 "$tmp/err")"
	fi
	if [ -n "$(ls -A "$tmp/run")" ]; then
		fail "$_name: left files behind: $(ls -A "$tmp/run" | tr '\n' ' ')"
		rm -rf "$tmp/run" && mkdir "$tmp/run"
	fi
}

# For binary input past the magics: the entry index and byte offset too.
check_where() {
	if ! grep -q -E "entry [0-9]+" "$tmp/err" || ! grep -q -E "offset [0-9]+" "$tmp/err"; then
		fail "$1: error lacks the entry index and byte offset: $(head -c 300 "$tmp/err")"
	fi
}

# decode_fails NAME FILE KIND: KIND "entry" (needs entry+offset), "head" (magic level)
decode_fails() {
	_n=$1 _f=$2 _k=$3
	run_crit "$_n" decode -i "$_f" -o out.json
	check_error "$_n (decode -i -o)" "$_f"
	[ "$_k" = entry ] && check_where "$_n (decode -i -o)"
	STDIN=$_f run_crit "$_n" decode --pretty
	check_error "$_n (decode < file)" "<stdin>"
	[ "$_k" = entry ] && check_where "$_n (decode < file)"
	if [ "$_k" = entry ]; then
		# through a pipe the reader cannot know the size in advance
		cat "$_f" > "$tmp/pipe-in"
		(cd "$tmp/run" && cat "$tmp/pipe-in" | "$CRIT" decode -o out.json) > "$tmp/out" 2> "$tmp/err"
		rc=$?
		checks=$((checks + 1))
		check_error "$_n (cat | decode)" "<stdin>"
		check_where "$_n (cat | decode)"
	fi
	run_crit "$_n" show "$_f"
	check_error "$_n (show)" "$_f"
	run_crit "$_n" info "$_f"
	check_error "$_n (info)" "$_f"
}

# encode_fails NAME FILE [TEXT]: encode must refuse, naming the file (and TEXT)
encode_fails() {
	_n=$1 _f=$2 _t=${3:-}
	run_crit "$_n" encode -i "$_f" -o out.img
	check_error "$_n (encode -i -o)" "$_f"
	[ -n "$_t" ] && ! grep -q -F -e "$_t" "$tmp/err" && fail "$_n: error does not mention '$_t': $(cat "$tmp/err")"
	STDIN=$_f run_crit "$_n" encode -o out.img
	check_error "$_n (encode < file)" "<stdin>"
}

finish() {
	echo "$checks checks, $fails failures"
	[ "$fails" -eq 0 ]
}
