#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# compat-magics.sh SRCDIR MAGICS.TXT CORPUS: see compat-magics.py
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 not installed"; exit 77; }
exec /usr/bin/python3 "$(dirname "$0")/compat-magics.py" "$@"
