/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The order of `crit --help`.  Add a command here and in meson.build. */
#include "crit.h"

#define CRIT_COMMANDS &crit_cmd_decode, &crit_cmd_encode, &crit_cmd_show, &crit_cmd_info
