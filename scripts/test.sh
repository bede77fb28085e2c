#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install, build and run the whole test suite (engine tests need root).
set -eu
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
meson test -C build --print-errorlogs --num-processes 2 "$@"
