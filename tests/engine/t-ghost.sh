#!/bin/bash
# Deleted files: a shell holding an unlinked file open at an offset, and a
# child running a binary that was deleted (exe and mappings of a ghost).
# Both come back from ghost-file images and carry on.
. "$(dirname "$0")/lib.sh"

cp /bin/sleep "$T/sleep-copy"
printf 'line-one\nline-two\nline-three\n' > "$T/gone.txt"
setsid bash -c 'exec 7<'"$T"'/gone.txt; read -r first <&7; rm '"$T"'/gone.txt
	'"$T"'/sleep-copy 1000 & echo $! > '"$T"'/child
	i=0; while :; do echo "$i $first" >> '"$T"'/log; i=$((i+1)); sleep 0.05; done' \
	</dev/null >/dev/null 2>&1 &
P=$!; PIDS="$P"
wait_for 5 test -s "$T/child" || fail "tree did not start"
C=$(cat "$T/child"); PIDS="$P $C"
rm "$T/sleep-copy"
wait_for 5 test -s "$T/log" || fail "loop did not start"
readlink /proc/$C/exe | grep -q deleted || fail "child exe not deleted (test broken)"
dump "$P" "$T/img"
ls "$T"/img/ghost-file-*.img >/dev/null 2>&1 || fail "no ghost-file images"
[ -s "$T/img/remap-fpath.img" ] || fail "no remap-fpath.img"
for p in $P $C; do wait_for 5 gone "$p" || fail "$p alive after dump"; done
wait "$P" 2>/dev/null
decode_all "$T/img"
restore_d "$T/img"
alive "$C" || fail "the deleted binary did not come back"
readlink /proc/$P/fd/7 | grep -q 'deleted' || fail "fd 7 is $(readlink /proc/$P/fd/7)"
[ "$(cat /proc/$P/fd/7)" = "$(printf 'line-one\nline-two\nline-three')" ] ||
	fail "ghost content wrong: '$(cat /proc/$P/fd/7)'"
[ "$(awk '/^pos:/ {print $2}' /proc/$P/fdinfo/7)" = 9 ] ||
	fail "ghost offset $(awk '/^pos:/ {print $2}' /proc/$P/fdinfo/7), not 9"
N=$(tail -n 1 "$T/log" | cut -d' ' -f1)
wait_for 5 sh -c "[ \$(tail -n 1 $T/log | cut -d' ' -f1) -gt $((N + 2)) ]" || fail "loop stuck after restore"
kill -9 "$P" "$C"
echo "PASS: ghost file at its offset and a deleted executable restored"
