/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* The order of `crit --help`.  Add a command here and in meson.build. */
#include "crit.h"

/* inspect commands (crit/NOTES-inspect.md) */
#define CRIT_INSPECT_COMMANDS , &crit_cmd_x, &crit_cmd_mem, &crit_cmd_search, &crit_cmd_stats, \
	&crit_cmd_check, &crit_cmd_diff, &crit_cmd_inspect

/* convert commands (crit/NOTES-convert.md) */
#define CRIT_CONVERT_COMMANDS , &crit_cmd_pack, &crit_cmd_unpack, &crit_cmd_compress, &crit_cmd_decompress, &crit_cmd_edit, &crit_cmd_relocate, &crit_cmd_rename

#define CRIT_COMMANDS &crit_cmd_decode, &crit_cmd_encode, &crit_cmd_show, &crit_cmd_info \
	CRIT_INSPECT_COMMANDS \
	CRIT_CONVERT_COMMANDS
