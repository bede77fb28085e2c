// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit relocate SRC DST [--move]: keeps incremental `parent` links valid. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cmd-convert.h"
#include "convert.h"
#include "crit.h"

static int run_relocate(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "move", no_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct cvt_relocate_opts o = { 0 };
	struct cmd_progress bar;
	bool quiet = false;
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "mqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			o.move = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			crit_usage(self);
			return 0;
		default:
			return cr_err(err, -EINVAL, "unrecognized option '%s' (usage: crit %s %s)",
				      argv[optind - 1], self->name, self->args);
		}
	}
	if (argc - optind != 2)
		return cr_err(err, -EINVAL, "expected SRC and DST (usage: crit %s %s)", self->name,
			      self->args);
	cmd_progress_init(&bar, o.move ? "moving" : "copying", quiet);
	o.progress = cmd_progress_cb;
	o.opaque = &bar;
	r = cvt_relocate(argv[optind], argv[optind + 1], &o, err);
	cmd_progress_done(&bar);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_relocate = {
	.name = "relocate",
	.run = run_relocate,
	.args = "SRC DST [--move] [--quiet]",
	.help = "copy (or move) a checkpoint elsewhere, keeping incremental parent links valid",
};
