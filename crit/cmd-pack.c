// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit pack DIR ARCHIVE: a checkpoint as one .tar.zst (or .tar.gz/.tar.xz/.tar). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-convert.h"
#include "convert.h"
#include "crit.h"

void cmd_progress_init(struct cmd_progress *p, const char *what, bool quiet)
{
	*p = (struct cmd_progress){ .what = what, .on = !quiet && isatty(2), .last = -1 };
}

void cmd_progress_cb(uint64_t done, uint64_t total, void *opaque)
{
	struct cmd_progress *p = opaque;
	int permille, width = 30, fill;

	if (!p->on)
		return;
	if (!total) { /* unknown size: a byte counter every 16 MiB */
		if (done - p->last_done < (16u << 20) && p->last >= 0)
			return;
		p->last = 0;
		p->last_done = done;
		fprintf(stderr, "\r%s %8.1f MiB", p->what, done / 1048576.0);
		return;
	}
	permille = done >= total ? 1000 : (int)(done * 1000 / total);
	if (permille == p->last)
		return;
	p->last = permille;
	fill = permille * width / 1000;
	fprintf(stderr, "\r%s [%.*s%*s] %5.1f%% %8.1f MiB", p->what, fill,
		"##############################", width - fill, "", permille / 10.0,
		done / 1048576.0);
}

void cmd_progress_done(struct cmd_progress *p)
{
	if (p->on && p->last >= 0)
		fprintf(stderr, "\r\033[K");
}

static int run_pack(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "level", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 'T' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	     {},
	};
	struct cvt_pack_opts o = { .format = _CVT_AR_INVALID };
	struct cmd_progress bar;
	bool quiet = false;
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:l:T:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o.format = cvt_ar_format_from_string(optarg);
			if (o.format < 0)
				return cr_err(err, -EINVAL, "unknown format '%s' (tar.zst, tar.gz, tar.xz, tar)",
					      optarg);
			break;
		case 'l':
			o.level = atoi(optarg);
			break;
		case 'T':
			o.threads = atoi(optarg);
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
		return cr_err(err, -EINVAL, "expected DIR and ARCHIVE (usage: crit %s %s)", self->name,
			      self->args);
	if (o.format < 0)
		o.format = cvt_ar_format_from_name(argv[optind + 1]);
	if (!strcmp(argv[optind + 1], "-") && isatty(1))
		return cr_err(err, -EINVAL, "refusing to write an archive to a terminal");
	cmd_progress_init(&bar, "packing", quiet);
	o.progress = cmd_progress_cb;
	o.opaque = &bar;
	if (!strcmp(argv[optind + 1], "-"))
		r = cvt_pack_fd(argv[optind], 1, "standard output", &o, err);
	else
		r = cvt_pack_file(argv[optind], argv[optind + 1], &o, err);
	cmd_progress_done(&bar);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_pack = {
	.name = "pack",
	.run = run_pack,
	.args = "DIR ARCHIVE|- [--format tar.zst|tar.gz|tar.xz|tar] [--level N] [--threads N] [--quiet]",
	.help = "pack a checkpoint directory into one archive (tar.zst unless the name says otherwise)",
};
