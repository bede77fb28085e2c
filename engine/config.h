/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * CRIU's configuration files.  One long option per line, without the
 * dashes, with at most one argument ("name arg", "name=arg" or
 * name "quoted arg"); '#' starts a comment at the start of a word.
 *
 * Order (later wins): global, user, $CRIU_CONFIG_FILE, --config FILE
 * (which also skips global and user), the command line or the RPC
 * options, then the RPC request's config_file.
 */
#include <stdbool.h>
#include <stddef.h>

#include "cr-error.h"
#include "opts.h"

#define CRISP_GLOBAL_CONFIG "/etc/criu/default.conf"
#define CRISP_USER_CONFIG ".criu/default.conf" /* under $HOME */

/* Where the config files live; tests point these at a temp dir. */
struct crisp_config_paths {
	const char *global;   /* NULL: no global file */
	const char *home;     /* $HOME; NULL: no user file */
	const char *env_file; /* $CRIU_CONFIG_FILE; NULL: none */
};

/* The real paths: /etc/criu/default.conf, $HOME, $CRIU_CONFIG_FILE. */
void crisp_config_paths_default(struct crisp_config_paths *p);

struct crisp_config_entry {
	char *name;    /* long option name, no dashes */
	char *arg;     /* NULL when the line has no argument */
	unsigned line; /* 1-based */
};

struct crisp_config {
	char *path;
	struct crisp_config_entry *entries;
	size_t n_entries;
};

/* Parse a config file held in memory; errors name path and line. */
int crisp_config_parse_buf(const char *path, const char *buf, size_t len,
			   struct crisp_config *ret, struct cr_error **err);

/*
 * Read and parse a file.  A missing file is -ENOENT with *err set; callers
 * that treat missing default files as normal check for it.
 */
int crisp_config_load(const char *path, struct crisp_config *ret, struct cr_error **err);

void crisp_config_release(struct crisp_config *c);

/* Apply every entry in order; an unknown option or bad value names file:line. */
int crisp_config_apply(struct crisp_opts *o, const struct crisp_config *c,
		       struct cr_error **err);

/*
 * Which files apply, in order, given --config (cfg_file, may be NULL) and
 * --no-default-config.  Returns how many of out[] were filled (at most 4);
 * out[i].must_exist says whether a missing file is an error.
 */
struct crisp_config_file {
	char *path;
	bool must_exist;
};
size_t crisp_config_files(const struct crisp_config_paths *p, const char *cfg_file,
			  bool no_default, struct crisp_config_file out[4]);

/*
 * Load and apply all files the paths and options select, parsing every
 * file before applying any, so a bad line changes nothing.
 */
int crisp_config_load_all(struct crisp_opts *o, const struct crisp_config_paths *p,
			  const char *cfg_file, bool no_default, struct cr_error **err);
