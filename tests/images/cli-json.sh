#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cli-json.sh CRIT CORPUS: JSON of the wrong shape given to `crit encode`
# (unknown names, wrong types, out-of-range values, missing required
# fields, bad enum names, bad base64, payloads of the wrong length, broken
# JSON), and binary images given to encode.  Python crit accepts several of
# these silently; crit must refuse each under the error contract of
# cli-lib.sh, leaving no output file behind.
set -u
CRIT=$1 corpus=$(cd "$2" && pwd)
. "$(dirname "$0")/cli-lib.sh"
in=$tmp/in
n=0

# bad NAME 'JSON' [TEXT-IN-ERROR]
bad() {
	n=$((n + 1))
	printf '%s' "$2" > "$in/case$n.json"
	encode_fails "$1" "$in/case$n.json" "${3:-}"
	[ -s "$tmp/out" ] && fail "$1: wrote $(wc -c < "$tmp/out") bytes to stdout"
	rm -f "$in/case$n.json"
}
fd='"flags": 0, "type": "REG", "fd": 0'
skq='"magic": "SK_QUEUES", "entries": [{"id_for": 10, "length": 9'

bad "unknown field" '{"magic": "FDINFO", "entries": [{"id": 1, '"$fd"', "bogus": 1}]}' bogus
bad "unknown nested field" '{"magic": "FILES", "entries": [{"id": 1, "type": "REG", "reg": {"id": 1, "flags": 0, "pos": 0, "name": "/x", "fown": {"uid": 0, "euid": 0, "signum": 0, "pid_type": 0, "pid": 0, "nope": 0}}}]}' nope
bad "unknown top-level key" '{"magic": "FDINFO", "entries": [], "extra": 1}' extra
bad "string for uint32" '{"magic": "FDINFO", "entries": [{"id": "abc", '"$fd"'}]}' id
bad "list for uint32" '{"magic": "FDINFO", "entries": [{"id": [1], '"$fd"'}]}' id
bad "float for uint32" '{"magic": "FDINFO", "entries": [{"id": 1.5, '"$fd"'}]}' id
bad "bool for uint32" '{"magic": "FDINFO", "entries": [{"id": true, '"$fd"'}]}' id
bad "null for uint32" '{"magic": "FDINFO", "entries": [{"id": null, '"$fd"'}]}' id
bad "uint32 out of range" '{"magic": "FDINFO", "entries": [{"id": 4294967296, '"$fd"'}]}' id
bad "negative uint32" '{"magic": "FDINFO", "entries": [{"id": -1, '"$fd"'}]}' id
bad "uint32 hex string out of range" '{"magic": "FDINFO", "entries": [{"id": "0x100000000", '"$fd"'}]}' id
bad "int32 out of range" '{"magic": "AUTOFS", "entries": [{"fd": 2147483648, "pgrp": 0, "timeout": 0, "minproto": 0, "maxproto": 0, "mode": 0}]}' fd
bad "int32 below range" '{"magic": "AUTOFS", "entries": [{"fd": -2147483649, "pgrp": 0, "timeout": 0, "minproto": 0, "maxproto": 0, "mode": 0}]}' fd
bad "uint64 out of range" '{"magic": "RLIMIT", "entries": [{"cur": 18446744073709551616, "max": 0}]}' cur
bad "uint64 far out of range" '{"magic": "RLIMIT", "entries": [{"cur": 0, "max": 99999999999999999999999999}]}' max
bad "missing required field" '{"magic": "FDINFO", "entries": [{"id": 1, "flags": 0, "fd": 0}]}' type
bad "missing required nested field" '{"magic": "IDS", "entries": [{"vm_id": 1}]}' 
bad "bad enum name" '{"magic": "FDINFO", "entries": [{"id": 1, "flags": 0, "type": "NOT_A_TYPE", "fd": 0}]}' 'type: not a value of enum'
bad "enum as bool" '{"magic": "FDINFO", "entries": [{"id": 1, "flags": 0, "type": false, "fd": 0}]}' type
bad "bad flag name" '{"magic": "MM", "entries": [{"mm_start_code": 0, "mm_end_code": 0, "mm_start_data": 0, "mm_end_data": 0, "mm_start_stack": 0, "mm_start_brk": 0, "mm_brk": 0, "mm_arg_start": 0, "mm_arg_end": 0, "mm_env_start": 0, "mm_env_end": 0, "exe_file_id": 0, "vmas": [{"start": 0, "end": 0, "pgoff": 0, "shmid": 0, "prot": "PROT_READ | PROT_FLY", "flags": 0, "status": 0, "fd": 0}]}]}' PROT_FLY
bad "bad dev string" '{"magic": "GHOST_FILE", "entries": [{"uid": 0, "gid": 0, "mode": 0, "dev": "8;1"}]}' dev
bad "bad base64 in bytes field" '{"magic": "SECCOMP", "entries": [{"seccomp_filters": [{"filter": "!!notbase64"}]}]}' filter
bad "number for bytes field" '{"magic": "SECCOMP", "entries": [{"seccomp_filters": [{"filter": 12}]}]}' filter
bad "object for repeated field" '{"magic": "SECCOMP", "entries": [{"seccomp_filters": {"filter": ""}}]}' seccomp_filters
bad "bad base64 in payload" '{'"$skq"', "extra": "!!!"}]}' extra
bad "payload too short" '{'"$skq"', "extra": "dW5peC1kYXQ=\n"}]}' extra
bad "payload too long" '{'"$skq"', "extra": "dW5peC1kYXRhYQ==\n"}]}' extra
bad "payload missing" '{'"$skq"'}]}' extra
bad "payload of the wrong JSON type" '{'"$skq"', "extra": 9}]}' extra
bad "pipe payload longer than bytes" '{"magic": "PIPES_DATA", "entries": [{"pipe_id": 1, "bytes": 2, "extra": "YWJj\n"}]}' extra
bad "tcp-stream inq of the wrong length" '{"magic": "TCP_STREAM", "entries": [{"inq_len": 2, "inq_seq": 0, "outq_len": 0, "outq_seq": 0, "opt_mask": 0, "snd_wscale": 0, "mss_clamp": 0, "extra": {"inq": "YQ==\n", "outq": ""}}]}' extra
bad "tcp-stream payload not an object" '{"magic": "TCP_STREAM", "entries": [{"inq_len": 0, "inq_seq": 0, "outq_len": 0, "outq_seq": 0, "opt_mask": 0, "snd_wscale": 0, "mss_clamp": 0, "extra": "AA==\n"}]}' extra
bad "pagemap head of the wrong shape" '{"magic": "PAGEMAP", "entries": [{"vaddr": 4096, "nr_pages": 1}]}' entries
bad "unknown magic name" '{"magic": "NOPE", "entries": []}' NOPE
bad "magic not a string" '{"magic": 5, "entries": []}' magic
bad "missing magic" '{"entries": []}' magic
bad "missing entries" '{"magic": "FDINFO"}' entries
bad "entries not a list" '{"magic": "FDINFO", "entries": {}}' entries
bad "entry not an object" '{"magic": "FDINFO", "entries": [1]}' entries
bad "top level a list" '[{"magic": "FDINFO"}]' 
bad "broken JSON" '{"magic": "FDINFO", "entries": [{"id": 1,' 
bad "trailing garbage" '{"magic": "FDINFO", "entries": []} x' 
bad "empty input" '' 
bad "control character in a key" '{"magic": "FDINFO", "entries": [{"id": 1, '"$fd"', "a\nb": 1}]}' 
bad "newline in a number string" '{"magic": "FDINFO", "entries": [{"id": "1\n2", '"$fd"'}]}' id

# real JSON cut short at many offsets
"$CRIT" decode --pretty -i "$corpus/fdzoo/files.img" -o "$in/files.json"
size=$(stat -c %s "$in/files.json")
off=1
while [ "$off" -lt "$size" ]; do
	head -c "$off" "$in/files.json" > "$in/cut.json"
	encode_fails "files.json cut at $off" "$in/cut.json"
	off=$((off + size / 13))
done

# binary images given to encode
for f in fdzoo/files.img fdzoo/inventory.img fdzoo/stats-dump fdzoo/pages-1.img; do
	encode_fails "binary $f given to encode" "$corpus/$f"
done
run_crit bin encode -i "$corpus/fdzoo/files.img"
grep -q -i binary "$tmp/err" || fail "binary given to encode: message does not say binary: $(cat "$tmp/err")"

# an existing output file is left untouched when encode fails
printf 'keep' > "$tmp/run/keep.img"
printf '{"magic": "NOPE", "entries": []}' > "$in/nope.json"
(cd "$tmp/run" && "$CRIT" encode -i "$in/nope.json" -o keep.img) 2> /dev/null
[ "$(cat "$tmp/run/keep.img")" = keep ] || fail "failed encode clobbered an existing -o file"
[ "$(ls -A "$tmp/run")" = keep.img ] || fail "failed encode left files: $(ls -A "$tmp/run")"
# accepted forms: unsigned 64-bit beyond INT64_MAX in plain JSON (RLIM_INFINITY),
# strings through the pretty reverse maps and int(s, 0); each decodes back to the same text
good() { # good NAME 'JSON-IN' 'PLAIN-JSON-OUT'
	printf '%s' "$2" > "$in/good.json"
	if "$CRIT" encode -i "$in/good.json" -o "$in/good.img" 2> "$tmp/err"; then
		got=$("$CRIT" decode -i "$in/good.img")
		[ "$got" = "$3" ] || fail "$1: decodes to $got"
	else
		fail "$1: refused: $(cat "$tmp/err")"
	fi
	checks=$((checks + 1))
}
inf='{"magic": "RLIMIT", "entries": [{"cur": 18446744073709551615, "max": 18446744073709551615}, {"cur": 9223372036854775808, "max": 0}]}'
good "RLIM_INFINITY" "$inf" "$inf"
good "hex and octal strings" '{"magic": "FDINFO", "entries": [{"id": "0x10", "flags": "0o2", "type": 1, "fd": "7"}]}' \
	'{"magic": "FDINFO", "entries": [{"id": 16, "flags": 2, "type": "REG", "fd": 7}]}'
good "pretty maps" '{"magic": "GHOST_FILE", "entries": [{"uid": 0, "gid": 0, "mode": 33188, "dev": "8:1", "rdev": "136:5", "extra": ""}]}' \
	'{"magic": "GHOST_FILE", "entries": [{"uid": 0, "gid": 0, "mode": 33188, "dev": 8388609, "rdev": 34821, "extra": ""}]}'
finish
