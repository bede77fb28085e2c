#!/bin/sh
# Golden outputs of the views beyond CRIU's crit (sk, cmdline, env, --json)
# and of the other inspect commands, per corpus case.
# usage: cli-golden.sh CRIT DATA_DIR GOLDEN_DIR [--update]
set -u
crit=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
data=$2
golden=$3
update=${4:-}
fail=0
n=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# name|command line (run in the case dir, '.' is the case)
cmds='x-sk|x . sk
x-cmdline|x . cmdline
x-env|x . env
x-ps.json|x --json . ps
x-fds.json|x --json . fds
x-mems.json|x --json . mems
x-rss.json|x --json . rss
x-cmdline.json|x --json . cmdline
stats|stats .
stats.json|stats --json .
check|check .
inspect|inspect .
inspect.json|inspect --json .
search|search . anchor --max 3 --context 8
search.json|search --json . /tmp/ --max 2
x-sk.json|x --json . sk
diff-self|diff . .'

for d in "$data"/criu-4.x/*/; do
	case=$(basename "$d")
	echo "$cmds" | while IFS='|' read -r name cmd; do
		g="$golden/$case/$name.txt"
		# shellcheck disable=SC2086
		(cd "$d" && "$crit" $cmd) >"$tmp" 2>&1
		echo "exit $?" >>"$tmp"
		if [ "$update" = --update ]; then
			mkdir -p "$golden/$case"
			cp "$tmp" "$g"
			continue
		fi
		if [ ! -f "$g" ]; then
			echo "MISSING golden $g"; exit 1
		fi
		if ! cmp -s "$tmp" "$g"; then
			echo "FAIL: $case: crit $cmd"; diff "$g" "$tmp" | head -20; exit 1
		fi
	done || fail=1
	n=$((n + 1))
done
# the podman archive, read in place
arch="$data/podman/looper-zstd.tar.zst"
if [ "${CRIT_ARCHIVE:-1}" = 0 ]; then
	echo "skip: the podman archive (crit built without libarchive)"
elif [ -f "$arch" ]; then
	for spec in 'inspect|inspect looper-zstd.tar.zst' 'inspect.json|inspect --json looper-zstd.tar.zst' \
		    'x-ps|x looper-zstd.tar.zst ps' 'x-fds|x looper-zstd.tar.zst fds' \
		    'x-mems|x looper-zstd.tar.zst mems' 'x-rss|x looper-zstd.tar.zst rss' \
		    'x-cmdline|x looper-zstd.tar.zst cmdline' 'check|check looper-zstd.tar.zst' \
		    'stats|stats looper-zstd.tar.zst'; do
		name=${spec%%|*}
		cmd=${spec#*|}
		g="$golden/podman/$name.txt"
		# shellcheck disable=SC2086
		(cd "$data/podman" && "$crit" $cmd) >"$tmp" 2>&1
		echo "exit $?" >>"$tmp"
		if [ "$update" = --update ]; then
			mkdir -p "$golden/podman"
			cp "$tmp" "$g"
		elif ! cmp -s "$tmp" "$g"; then
			echo "FAIL: podman: crit $cmd"; diff "$g" "$tmp" | head -20; fail=1
		fi
	done
fi
[ "$n" -gt 0 ] || exit 77
exit $fail
