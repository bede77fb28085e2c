// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit compress|decompress DIR: pages-N.img <-> pages-N.img.zst (seekable zstd). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd-convert.h"
#include "convert.h"
#include "crit.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_compress(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "level", required_argument, NULL, 'l' }, { "threads", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },	    { "help", no_argument, NULL, 'h' },
		{},
	};
	bool compress = !strcmp(self->name, "compress"), quiet = false;
	struct cvt_zstd_opts o = { 0 };
	struct cvt_zstd_stats st = { 0 };
	struct cmd_progress bar;
	_cleanup_close_ int dfd = -1;
	double t0;
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "l:T:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			o.level = atoi(optarg);
			if (o.level < 1 || o.level > 19)
				return cr_err(err, -EINVAL, "level '%s' is not in 1..19", optarg);
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
	if (argc - optind != 1)
		return cr_err(err, -EINVAL, "expected DIR (usage: crit %s %s)", self->name,
			      self->args);
	dfd = open(argv[optind], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open directory", argv[optind]);
	cmd_progress_init(&bar, compress ? "compressing" : "decompressing", quiet);
	o.progress = cmd_progress_cb;
	o.opaque = &bar;
	t0 = now();
	r = (compress ? cvt_compress_dir_at : cvt_decompress_dir_at)(dfd, argv[optind], &o, &st, err);
	cmd_progress_done(&bar);
	if (r < 0)
		return r;
	if (!quiet) {
		double dt = now() - t0;

		printf("%s: %u file(s) %s, %u already %s; %.1f MiB raw, %.1f MiB zstd (ratio %.2f), %.0f MiB/s\n",
		       argv[optind], st.files, compress ? "compressed" : "decompressed", st.skipped,
		       compress ? "compressed" : "plain", st.raw_bytes / 1048576.0,
		       st.zst_bytes / 1048576.0,
		       st.zst_bytes ? (double)st.raw_bytes / st.zst_bytes : 0.0,
		       dt > 0 ? st.raw_bytes / 1048576.0 / dt : 0.0);
	}
	return 0;
}

const struct crit_cmd crit_cmd_compress = {
	.name = "compress",
	.run = run_compress,
	.args = "DIR [--level N] [--threads N] [--quiet]",
	.help = "store the pages of a checkpoint zstd-compressed (pages-N.img -> pages-N.img.zst)",
};

const struct crit_cmd crit_cmd_decompress = {
	.name = "decompress",
	.run = run_compress,
	.args = "DIR [--threads N] [--quiet]",
	.help = "give back the original pages-N.img of a compressed checkpoint",
};
