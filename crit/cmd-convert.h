/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Shared by the convert commands (pack, unpack, compress, relocate). */
#include <stdbool.h>
#include <stdint.h>

struct cmd_progress {
	const char *what; /* "packing" */
	bool on;          /* stderr is a terminal and no --quiet */
	int last;         /* last permille drawn, -1 = none */
	uint64_t last_done;
};

/* Set up a bar: on only when stderr is a tty and not quiet. */
void cmd_progress_init(struct cmd_progress *p, const char *what, bool quiet);
/* A cvt_progress_fn: opaque is the struct cmd_progress. */
void cmd_progress_cb(uint64_t done, uint64_t total, void *opaque);
/* Erase the bar. */
void cmd_progress_done(struct cmd_progress *p);
