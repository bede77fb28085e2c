/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * crit's command table.  Each crit/cmd-<name>.c exports one (or a few)
 * descriptors; main.c lists them once, and `crit --help` is generated
 * from the same array.  run() parses its own options, returns 0 or a
 * negative errno with *err filled; main prints the error once.  A positive
 * return is an exit status chosen by the command (e.g. `crit check`).
 */
#include "cr-error.h"

struct crit_cmd {
	const char *name;
	int (*run)(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err);
	const char *args; /* "[-i FILE] [-o FILE] [--pretty]" */
	const char *help; /* one line */
	const void *data; /* per-row presets (show = decode --pretty) */
};

/* Print "usage: crit NAME ARGS" and the help line to stdout. */
void crit_usage(const struct crit_cmd *c);
/*
 * Options of the commands that take only [--json] and nargs operands:
 * 0 with argv[optind] the first operand, 1 when --help was printed, or
 * -EINVAL after printing the usage (exit with CRIT_EXIT_USAGE).
 */
#include <stdbool.h>
int crit_parse_json_args(const struct crit_cmd *self, int argc, char **argv, int nargs,
			 bool *json);
/* Exit status for a usage error (bad option, missing argument). */
#define CRIT_EXIT_USAGE 2

extern const struct crit_cmd crit_cmd_decode, crit_cmd_encode, crit_cmd_show, crit_cmd_info;
/* inspect commands */
extern const struct crit_cmd crit_cmd_x, crit_cmd_mem, crit_cmd_search, crit_cmd_stats,
	crit_cmd_check, crit_cmd_diff, crit_cmd_inspect;
/* convert commands (crit/NOTES-convert.md) */
extern const struct crit_cmd crit_cmd_pack, crit_cmd_unpack, crit_cmd_compress,
	crit_cmd_decompress, crit_cmd_edit, crit_cmd_relocate, crit_cmd_rename;
