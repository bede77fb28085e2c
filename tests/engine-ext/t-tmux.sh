#!/bin/bash
# A detached tmux server with an interactive bash in its pane: a pty pair
# (master in tmux, slave the shell's terminal), tmux's listening unix
# socket, its event loop.  After restore the pane still shows what was
# typed before, a command sent to it runs, and the server opens new
# windows.  Skips (77) without tmux.
. "$(dirname "$0")/../engine/lib.sh"

command -v tmux >/dev/null || { echo "SKIP: tmux not installed (apt-get install tmux)"; exit 77; }
export TMUX_TMPDIR=$T
tmux new-session -d -s crisp -x 80 -y 24 'bash --norc --noprofile' || fail "tmux did not start"
P=$(tmux display -p '#{pid}'); PIDS="$P"
trap 'tmux kill-server 2>/dev/null; cleanup' EXIT
sleep 0.3
tmux send-keys -t crisp 'for i in 1 2 3; do echo before-$i; done' Enter
wait_for 5 sh -c "tmux capture-pane -p -t crisp | grep -q '^before-3'" || fail "pane does not run commands"
dump "$P" "$T/img"
wait_for 5 gone "$P" || fail "tmux server alive after dump"
tmux has-session -t crisp 2>/dev/null && fail "a tmux server answers while dumped"
restore_d "$T/img"
tmux capture-pane -p -t crisp | grep -q '^before-3' || fail "pane history lost: $(tmux capture-pane -p -t crisp 2>&1 | tail -n 3)"
tmux send-keys -t crisp 'echo after-restore $((6 * 7))' Enter
wait_for 5 sh -c "tmux capture-pane -p -t crisp | grep -q '^after-restore 42'" ||
	fail "shell in the pane does not answer: $(tmux capture-pane -p -t crisp | grep -v '^$' | tail -n 3)"
tmux new-window -t crisp 'echo second; sleep 30' || fail "new window"
[ "$(tmux list-windows -t crisp | wc -l)" = 2 ] || fail "windows: $(tmux list-windows -t crisp)"
alive "$P" || fail "tmux server died"
echo "PASS: tmux server with an interactive shell carried on"
