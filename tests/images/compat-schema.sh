#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# compat-schema.sh SRCDIR PYCRIU_DIR: see compat-schema.py
[ -x /usr/bin/python3 ] || { echo "SKIP: /usr/bin/python3 not installed"; exit 77; }
[ -d "$2/pycriu" ] || { echo "SKIP: no CRIU pycriu in $2"; exit 77; }
exec /usr/bin/python3 "$(dirname "$0")/compat-schema.py" "$@"
