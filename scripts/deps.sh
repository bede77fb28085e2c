#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what crisp needs to build and test, from Debian's archive.
# apt-get update runs only when something is missing, so a machine that
# already has everything needs no network.
set -eu
pkgs=(meson ninja-build pkg-config gcc libc6-dev python3 python3-protobuf
      libprotobuf-c-dev protobuf-c-compiler libjansson-dev libzstd-dev libarchive-dev
      zstd xz-utils gzip tar procps iproute2 nftables
      nginx redis-server postgresql-15 tmux iputils-ping openssl iptables
      criu  # only for its Python crit 3.17, a test oracle; crisp never runs criu
      libprotobuf-c1 libnl-3-200 libnet1 libbsd0 libgnutls30 libnftables1 libjansson4)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# the servers are for the engine tests, which start their own: keep
	# the packages' init scripts from starting them at install time
	policy=/usr/sbin/policy-rc.d
	restore_policy=
	[ -e $policy ] || { printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; restore_policy=1; }
	apt-get install -y -qq "${missing[@]}" >/dev/null
	[ -z "$restore_policy" ] || rm -f $policy
fi
