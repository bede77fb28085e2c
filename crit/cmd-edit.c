// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit edit IMAGE [--set PATH=VALUE]...: typed field edits, or $EDITOR on pretty JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "crit.h"
#include "io.h"
#include "xalloc.h"

/* Write text to a temporary file, run $EDITOR (or vi) on it, read it back. */
static int run_editor(const char *text, char **ret, struct cr_error **err)
{
	char tmpl[] = "/tmp/crit-edit-XXXXXX.json";
	const char *ed = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
	_cleanup_free_ char *cmd = NULL;
	size_t len;
	int fd, status, r;

	fd = mkstemps(tmpl, 5);
	if (fd < 0)
		return cr_err_sys(err, -errno, "cannot create a temporary file");
	r = io_write_full(fd, text, strlen(text));
	close(fd);
	if (r < 0) {
		unlink(tmpl);
		return cr_err_sys(err, r, "'%s': cannot write", tmpl);
	}
	cmd = xasprintf("%s \"$1\"", ed && *ed ? ed : "vi");
	switch (fork()) {
	case -1:
		unlink(tmpl);
		return cr_err_sys(err, -errno, "fork");
	case 0:
		execl("/bin/sh", "sh", "-c", cmd, "sh", tmpl, (char *)NULL);
		_exit(127);
	}
	if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(tmpl);
		return cr_err(err, -ECANCELED, "editor '%s' failed; image left unchanged",
			      ed ? ed : "vi");
	}
	r = io_read_file_at(AT_FDCWD, tmpl, 1u << 30, ret, &len, err);
	unlink(tmpl);
	return r;
}

static int run_edit(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ char **sets = NULL, *text = NULL, *edited = NULL;
	_cleanup_free_ char *d1 = NULL, *d2 = NULL;
	_cleanup_close_ int dfd = -1;
	size_t n = 0, cap = 0;
	bool changed;
	int ch, r;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sets = xgrow(sets, &cap, n + 1, sizeof(*sets));
			sets[n++] = optarg;
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
		return cr_err(err, -EINVAL, "expected one IMAGE (usage: crit %s %s)", self->name,
			      self->args);
	d1 = xstrdup(argv[optind]);
	d2 = xstrdup(argv[optind]);
	dfd = open(dirname(d1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open its directory", argv[optind]);
	if (n)
		return cvt_edit_set_at(dfd, basename(d2), sets, n, err);
	r = cvt_edit_dump_at(dfd, basename(d2), &text, err);
	if (r >= 0)
		r = run_editor(text, &edited, err);
	if (r >= 0)
		r = cvt_edit_json_at(dfd, basename(d2), edited, &changed, err);
	if (r >= 0 && !changed)
		fprintf(stderr, "crit edit: no changes\n");
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_edit = {
	.name = "edit",
	.run = run_edit,
	.args = "IMAGE [--set 'entries[N].field=VALUE']...",
	.help = "change fields of an image in place (no --set: edit its pretty JSON in $EDITOR)",
};
