// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit: the CRIU image toolkit.  Finds the command, runs it, prints an
 * error once and turns it into an exit status. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crit.h"
#include "crit-cmds.h"

static const struct crit_cmd *const cmds[] = { CRIT_COMMANDS };

void crit_usage(const struct crit_cmd *c)
{
	printf("usage: crit %s %s\n\n%s\n", c->name, c->args, c->help);
}

int crit_parse_json_args(const struct crit_cmd *self, int argc, char **argv, int nargs,
			 bool *json)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (opt == 'j') {
			*json = true;
		} else if (opt == 'h') {
			crit_usage(self);
			return 1;
		} else {
			return -EINVAL;
		}
	}
	if (argc - optind != nargs) {
		fprintf(stderr, "usage: crit %s %s\n", self->name, self->args);
		return -EINVAL;
	}
	return 0;
}

static void help(FILE *f)
{
	fprintf(f, "usage: crit [--version] [--help] COMMAND [ARGS]\n\n"
		   "CRiu Image Tool: decode, encode, explore and transform CRIU image directories.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %s\n", cmds[i]->name, cmds[i]->help);
	fprintf(f, "\nUse 'crit COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	struct cr_error *err = NULL;
	int r;

	if (argc < 2) {
		help(stderr);
		fprintf(stderr, "crit: error: too few arguments\n");
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("crit (crisp) %s\n", CRISP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i]->name))
			continue;
		r = cmds[i]->run(cmds[i], argc - 1, argv + 1, &err);
		if (r < 0) {
			fprintf(stderr, "crit %s: %s\n", cmds[i]->name,
				err ? err->msg : strerror(-r));
			cr_err_free(&err);
			return 1;
		}
		return r;
	}
	fprintf(stderr, "crit: error: unknown command '%s' (see 'crit --help')\n", argv[1]);
	return 1;
}
