# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the corpus scripts: raw_image NAME succeeds when NAME is one of
# the RAW rows of images/image-types.def (pages-*, tmpfs-dev-*.tar.gz,
# iptables-*, ...): unframed data that neither crit decodes.  The patterns
# are read from the table itself so a new RAW row needs no edit here.
_raw_def=$(cd "$(dirname "$0")/../../images" && pwd)/image-types.def
_raw_pats=$(sed -n 's/^RAW([A-Z0-9_]*, *"\([^"]*\)").*/\1.img/p' "$_raw_def" |
	sed 's/%l*u/*/g')
[ -n "$_raw_pats" ] || { echo "no RAW rows in $_raw_def"; exit 99; }

raw_image() {
	for _p in $_raw_pats; do
		# shellcheck disable=SC2254
		case $1 in $_p) return 0 ;; esac
	done
	return 1
}
