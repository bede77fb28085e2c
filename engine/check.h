/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * `crisp check`: probe the kernel interfaces the engine is built on, and
 * answer CRIU's `check --feature NAME` questions.  Returns data; main()
 * prints it.
 */
#include <stdbool.h>
#include <stddef.h>

#include "cr-error.h"
#include "opts.h"

struct crisp_check_item {
	const char *name; /* "ptrace-seize", "clone3-set-tid", ... */
	bool ok;
	bool extra;       /* only needed in special cases (--extra) */
	char *msg;        /* why it failed, NULL when ok */
};

struct crisp_check_result {
	struct crisp_check_item *items;
	size_t n_items;
	bool required_ok; /* every required probe passed */
	bool extra_ok;    /* every --extra probe that ran passed */
};

/* Run the required probes, plus the extra ones when o->check_extra. */
int crisp_check_run(const struct crisp_opts *o, struct crisp_check_result *ret,
		    struct cr_error **err);
void crisp_check_result_release(struct crisp_check_result *r);

/*
 * One CRIU feature name.  -ENOENT (with *err) for an unknown name; else 0
 * and *ret_ok, with *ret_msg (malloc'd) saying why not when false.
 */
int crisp_check_feature(const char *name, bool *ret_ok, char **ret_msg, struct cr_error **err);

/* The feature names, NULL-terminated (for --feature list). */
const char *const *crisp_check_feature_names(void);

/* Kernel support for what RPC FEATURE_CHECK asks about. */
struct crisp_rpc_features {
	bool mem_track, lazy_pages, pidfd_store;
};
void crisp_check_rpc_features(struct crisp_rpc_features *f);
