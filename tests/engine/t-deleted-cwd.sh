#!/bin/bash
# A task whose working directory was removed (a build step in a deleted
# temp dir, zdtm's cwd02): dumped as a ghost directory, as CRIU keeps one,
# and restored into a directory no path leads to again (named as before
# in /proc); the deleted file it holds open, in a directory removed too,
# comes back; nothing is left behind next to where they were.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/gone/sub"
echo inside >"$T/gone/sub/f"
setsid sh -c 'cd "$1" && rmdir ../gone 2>/dev/null; exec 3<sub/f; cd sub; rm f; cd ..; rmdir sub
while :; do echo "tick $(ls -a | wc -l)" >>"$2"; sleep 0.05; done' sh "$T/gone" "$T/log" </dev/null >/dev/null 2>"$T/err" &
P=$!; PIDS="$P"
wait_for 5 grep -q tick "$T/log" || fail "loop did not start: $(cat "$T/err")"
rmdir "$T/gone" || fail "could not remove the cwd"
m=$(wc -l <"$T/log")
wait_for 5 sh -c "[ \$(wc -l <$T/log) -gt $((m + 2)) ]" || fail "loop stuck"
case "$(readlink /proc/$P/cwd)" in *"(deleted)") ;; *) fail "cwd not deleted: $(readlink /proc/$P/cwd)" ;; esac
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "task alive after dump"
decode_all "$T/img"
ls "$T"/img/ghost-file-*.img >/dev/null 2>&1 || fail "no ghost image for the removed cwd"
n=$(wc -l <"$T/log")
before=$(tail -n 1 "$T/log")
restore_d "$T/img"
wait_for 5 sh -c "[ \$(wc -l <$T/log) -gt $((n + 3)) ]" || fail "no progress after restore: $(cat "$T/err")"
[ "$(readlink /proc/$P/cwd)" = "$T/gone (deleted)" ] || fail "cwd after restore: $(readlink /proc/$P/cwd)"
[ "$(tail -n 1 "$T/log")" = "$before" ] || fail "the restored cwd lists '$(tail -n 1 "$T/log")', before '$before'"
[ -z "$(ls "$T" | grep gone)" ] || fail "left behind: $(ls "$T" | grep gone)"
kill -9 "$P"
echo "PASS: removed cwd restored as a removed directory"
