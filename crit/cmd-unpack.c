// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit unpack ARCHIVE DIR: safe extraction, verified against the manifest. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd-convert.h"
#include "convert.h"
#include "crit.h"

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;

	switch (*end) {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (end == s || (shift && end[1]))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}

static int run_unpack(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "max-size", required_argument, NULL, 'm' }, { "max-total", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },	      { "help", no_argument, NULL, 'h' },
		{},
	};
	struct cvt_unpack_opts o = { 0 };
	struct cvt_unpack_stats st;
	struct cmd_progress bar;
	_cleanup_close_ int fd = -1;
	const char *in;
	bool quiet = false;
	struct stat sb;
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "m:t:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
		case 't':
			if (parse_size(optarg, ch == 'm' ? &o.max_member : &o.max_total) < 0)
				return cr_err(err, -EINVAL, "bad size '%s' (N, NK, NM, NG, NT)", optarg);
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
		return cr_err(err, -EINVAL, "expected ARCHIVE and DIR (usage: crit %s %s)",
			      self->name, self->args);
	in = argv[optind];
	if (!strcmp(in, "-") && isatty(0))
		return cr_err(err, -EINVAL, "refusing to read an archive from a terminal");
	if (strcmp(in, "-")) {
		fd = open(in, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cr_err_sys(err, -errno, "'%s': cannot open", in);
		if (!fstat(fd, &sb) && S_ISREG(sb.st_mode))
			o.in_size = sb.st_size;
	}
	cmd_progress_init(&bar, "unpacking", quiet);
	o.progress = cmd_progress_cb;
	o.opaque = &bar;
	r = cvt_unpack_fd(fd >= 0 ? fd : 0, fd >= 0 ? in : "standard input", argv[optind + 1], &o,
			  &st, err);
	cmd_progress_done(&bar);
	if (r < 0)
		return r;
	if (!quiet && !st.verified)
		fprintf(stderr, "crit unpack: note: no crisp manifest (foreign archive); contents not checksummed\n");
	return 0;
}

const struct crit_cmd crit_cmd_unpack = {
	.name = "unpack",
	.run = run_unpack,
	.args = "ARCHIVE|- DIR [--max-size N[KMGT]] [--max-total N[KMGT]] [--quiet]",
	.help = "unpack an archive safely into a new directory, verifying its manifest",
};
