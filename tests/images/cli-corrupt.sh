#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cli-corrupt.sh CRIT CORPUS: a corrupted-input set made from real corpus
# images (truncations at many offsets, oversized size prefixes, wrong magics,
# bit flips, empty and raw files, entries missing required fields, payloads
# cut short, JSON given to decode).  Each refusal must follow the error
# contract of cli-lib.sh; stricter than CRIU's Python crit, which accepts
# several of these silently.
set -u
CRIT=$1 corpus=$(cd "$2" && pwd)
. "$(dirname "$0")/cli-lib.sh"
in=$tmp/in

patch() { # patch FILE OFFSET PRINTF-BYTES
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}
flip() { # flip FILE OFFSET BIT
	_v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	patch "$1" "$2" "\\$(printf %03o $((_v ^ (1 << $3))))"
}
size() { stat -c %s "$1"; }

# 1. truncated at many offsets.  Cutting exactly at an entry boundary leaves
# a valid, shorter image: accepted only if it re-encodes to the same bytes.
for src in fdzoo/sk-queues.img fdzoo/pipes-data.img fdzoo/inventory.img fdzoo/stats-dump \
	fdzoo/pagemap-shmem-1126.img tcp-pair/tcp-stream-eec0.img fdzoo/pagemap-21614.img \
	fdzoo/files.img fdzoo/core-21614.img runc-busybox/ipcns-sem-11.img runc-busybox/ipcns-msg-11.img; do
	f=$corpus/$src
	n=$(size "$f")
	step=1
	[ "$n" -gt 40 ] && step=$((n / 29))
	i=0
	off=1
	while [ "$off" -lt "$n" ]; do
		t=$in/$(basename "$src").cut$off
		head -c "$off" "$f" > "$t"
		(cd "$tmp/run" && "$CRIT" decode -i "$t") > "$tmp/out" 2> "$tmp/err"
		rc=$?
		checks=$((checks + 1))
		if [ "$rc" -eq 0 ]; then
			"$CRIT" encode -i "$tmp/out" | cmp -s - "$t" ||
				fail "$src cut at $off: accepted but is not a valid shorter image"
		else
			kind=entry
			[ "$off" -lt 8 ] && kind=head
			case $src in */inventory.img) [ "$off" -lt 4 ] && kind=head || kind=entry ;; esac
			# every 8th cut through all the entry points, the rest through decode -i -o
			if [ $((i % 8)) -eq 0 ]; then
				decode_fails "$src cut at $off" "$t" "$kind"
			else
				run_crit cut decode -i "$t" -o out.json
				check_error "$src cut at $off" "$t"
				[ "$kind" = entry ] && check_where "$src cut at $off"
			fi
			i=$((i + 1))
		fi
		rm -f "$t"
		off=$((off + step))
	done
done

# 2. size prefix oversized: 0xffffffff, just past the end, far past the end
for src in fdzoo/sk-queues.img fdzoo/files.img fdzoo/stats-dump fdzoo/inventory.img; do
	f=$corpus/$src
	at=8
	case $src in */inventory.img) at=4 ;; esac
	b=$(basename "$src")
	cp "$f" "$in/$b.ffff"
	patch "$in/$b.ffff" $at '\377\377\377\377'
	decode_fails "$src size 0xffffffff" "$in/$b.ffff" entry
	left=$(($(size "$f") - at - 4 + 1))
	cp "$f" "$in/$b.past"
	patch "$in/$b.past" $at "$(printf '\\%03o\\%03o\\%03o\\000' $((left & 255)) $(((left >> 8) & 255)) $(((left >> 16) & 255)))"
	decode_fails "$src size past the end ($left)" "$in/$b.past" entry
	cp "$f" "$in/$b.64m"
	patch "$in/$b.64m" $at '\001\000\000\004'
	decode_fails "$src size 64 MiB + 1" "$in/$b.64m" entry
done

# 3. wrong magics: head magic, type magic, inventory magic, a service head
# on a normal image, and a common head on a service image
f=$corpus/fdzoo/files.img
cp "$f" "$in/head"; patch "$in/head" 0 '\020'
decode_fails "wrong head magic" "$in/head" head
cp "$f" "$in/type"; patch "$in/type" 4 '\001\002\003\004'
decode_fails "unknown type magic" "$in/type" head
cp "$corpus/fdzoo/inventory.img" "$in/inv"; patch "$in/inv" 0 '\027'
decode_fails "wrong inventory magic" "$in/inv" head
cp "$f" "$in/svc"; patch "$in/svc" 0 '\100\131\020\125'
decode_fails "service head on files.img" "$in/svc" head
cp "$corpus/fdzoo/stats-dump" "$in/stc"; patch "$in/stc" 0 '\031\103\126\124'
decode_fails "common head on stats-dump" "$in/stc" head
printf '\031\103\126\124' > "$in/headonly"
decode_fails "head magic only" "$in/headonly" head
printf '\031\103\126\124\070\061' > "$in/halfmagic"
decode_fails "type magic cut short" "$in/halfmagic" head

# 4. empty file, raw pages, JSON given to decode
: > "$in/empty.img"
decode_fails "empty file" "$in/empty.img" head
decode_fails "raw pages-1.img" "$corpus/fdzoo/pages-1.img" head
"$CRIT" decode -i "$corpus/fdzoo/files.img" -o "$in/files.json"
decode_fails "JSON given to decode" "$in/files.json" head
grep -q 'JSON' "$tmp/err" || fail "JSON given to decode: message does not say it is JSON"
run_crit raw decode -i "$corpus/fdzoo/pages-1.img"
grep -q -i 'raw' "$tmp/err" || fail "raw pages: message does not say raw: $(cat "$tmp/err")"

# 5. stricter than crit: entry missing a required field (sk_packet_entry
# without length), entry shorter than its prefix, payload cut short,
# pagemap head missing, trailing garbage after the last entry
printf '\031\103\126\124\046\100\046\126\002\000\000\000\010\012' > "$in/noreq.img"
decode_fails "sk-queues entry missing required 'length'" "$in/noreq.img" entry
printf '\031\103\126\124\046\100\046\126\010\000\000\000\010\012\020\011' > "$in/short.img"
decode_fails "entry shorter than its size prefix" "$in/short.img" entry
head -c 20 "$corpus/fdzoo/sk-queues.img" > "$in/cutpay.img"
decode_fails "sk-queues payload cut short" "$in/cutpay.img" entry
cp "$corpus/fdzoo/pipes-data.img" "$in/pipebig.img"
patch "$in/pipebig.img" 17 '\012' # bytes = 10 > the 9 present
decode_fails "pipes-data payload longer than the file" "$in/pipebig.img" entry
printf '\031\103\126\124\046\100\046\126\010\000\000\000\010\012\020\377\377\377\377\017abc' > "$in/skq4g.img"
decode_fails "sk-queues payload of 4 GiB" "$in/skq4g.img" entry
cat "$corpus/fdzoo/sk-queues.img" > "$in/trail.img"; printf '\001\002' >> "$in/trail.img"
decode_fails "two stray bytes after the last entry" "$in/trail.img" entry
printf '\031\103\126\124\045\100\010\126\002\000\000\000\377\377' > "$in/badpb.img"
decode_fails "malformed protobuf" "$in/badpb.img" entry

# 6. bit flips: refused under the contract or accepted cleanly, never a crash
for src in fdzoo/files.img fdzoo/core-21614.img fdzoo/sk-queues.img tcp-pair/tcp-stream-eec0.img; do
	f=$corpus/$src
	n=$(size "$f")
	step=$((n / 23 + 1))
	off=0 bit=0
	while [ "$off" -lt "$n" ]; do
		t=$in/flip
		cp "$f" "$t"
		flip "$t" "$off" "$bit"
		run_crit flip decode --pretty -i "$t" -o out.json
		if [ "$rc" -eq 0 ]; then
			rm -f "$tmp/run/out.json"
			grep -q Sanitizer "$tmp/err" && fail "$src bit $bit of byte $off: sanitizer report"
		else
			check_error "$src bit $bit of byte $off flipped" "$t"
		fi
		off=$((off + step))
		bit=$(((bit + 3) % 8))
	done
done
finish
