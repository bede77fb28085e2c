/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * CRIU's command line: one table of options shared by argv, config files
 * and RPC-provided config files.  Quiet: errors come back in *err, main()
 * prints them.
 */
#include <stdbool.h>
#include <stdio.h>

#include "cr-error.h"
#include "opts.h"

struct crisp_config_paths;

/* What crisp_cli_parse() found besides options. */
enum crisp_cli_action {
	CRISP_CLI_RUN,     /* run o->cmd */
	CRISP_CLI_HELP,    /* print crisp_cli_usage(stdout, true), exit 0 */
	CRISP_CLI_VERSION, /* print crisp_cli_version(), exit 0 */
	CRISP_CLI_FEATURE_LIST, /* check --feature list */
};

/* Sub-commands that take more positional arguments. */
enum crisp_cpuinfo_cmd { CRISP_CPUINFO_NONE, CRISP_CPUINFO_DUMP, CRISP_CPUINFO_CHECK };

/* Extra results of parsing that do not belong in struct crisp_opts. */
struct crisp_cli {
	enum crisp_cli_action action;
	const char *cmd_name;     /* as typed: "dump", "lazy-pages", ... */
	bool unsupported_cmd;     /* lazy-pages, page-server, dedup, exec, show ... */
	enum crisp_cpuinfo_cmd cpuinfo;
	bool usage_error;         /* the error is about usage: main adds the usage hint */
};

/*
 * Parse argv the way CRIU does, after the config files: the default
 * files (unless --config or --no-default-config), $CRIU_CONFIG_FILE,
 * --config FILE, then argv, which wins.  Bad config lines fail before
 * anything is done.  paths == NULL means the real default paths.
 * Returns 0, or a negative errno with *err set (cli->usage_error tells
 * whether it is a usage mistake).
 */
int crisp_cli_parse(struct crisp_opts *o, struct crisp_cli *cli, int argc, char **argv,
		    const struct crisp_config_paths *paths, struct cr_error **err);

/*
 * Apply one long option by name (no dashes), as config files and RPC
 * config files do.  arg is NULL when the line has no argument.  `where`
 * ("'file': line 3") prefixes errors.
 */
int crisp_cli_set_option(struct crisp_opts *o, const char *name, const char *arg,
			 const char *where, struct cr_error **err);

/*
 * The effective options as "name=value" words, the way the command line
 * names them (ignored ones included): logged at debug level so a log
 * shows what crisp was asked to do.  Caller frees.
 */
char *crisp_cli_describe(const struct crisp_opts *o);

/* The usage text; full = --help, else the short "Usage:" block. */
void crisp_cli_usage(FILE *f, bool full);

/* The version text, CRIU's shape ("Version: 4.2\n"). */
void crisp_cli_version(FILE *f);

/* The CRIU version crisp speaks (RPC VERSION, --version). */
#define CRISP_CRIU_MAJOR 4
#define CRISP_CRIU_MINOR 2

/* opts.c helpers */
void crisp_opts_set_str(char **field, const char *val);
void crisp_opts_list_add(char ***list, size_t *n, const char *val);
void crisp_opts_add_ignored(struct crisp_opts *o, const char *key, const char *val);
const char *crisp_cmd_name(enum crisp_cmd cmd);
/* --pidfile: the bare pid, relative to the work dir (default: images dir) unless absolute. */
int crisp_write_pidfile(const struct crisp_opts *o, pid_t pid, struct cr_error **err);
/* "--ghost-limit 10M": K/M/G suffixes (1024-based, as CRIU). */
int crisp_parse_size(const char *s, unsigned long *ret);
