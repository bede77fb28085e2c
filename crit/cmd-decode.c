// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit decode / show / encode / info: whole images <-> crit's JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "crimg.h"
#include "crit.h"
#include "io.h"
#include "xalloc.h"

struct preset {
	bool pretty; /* show */
	bool positional_in;
};

struct io_opts {
	const char *in, *out;
	bool pretty, nopl;
};

static int parse(const struct crit_cmd *c, int argc, char **argv, bool with_pretty,
		 bool positional, struct io_opts *o, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'i' },	   { "out", required_argument, NULL, 'o' },
		{ "pretty", no_argument, NULL, 'p' },	   { "nopl", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },	   {},
	};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, positional ? "h" : "i:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
		case 'o':
			if (positional)
				goto bad;
			*(ch == 'i' ? &o->in : &o->out) = optarg;
			break;
		case 'p':
			if (!with_pretty)
				goto bad;
			o->pretty = true;
			break;
		case 'n':
			if (strcmp(c->name, "show"))
				goto bad;
			o->nopl = true;
			break;
		case 'h':
			crit_usage(c);
			return 1;
		default:
			goto bad;
		}
	}
	if (positional) {
		if (optind + 1 != argc)
			return cr_err(err, -EINVAL, "expected one image file (usage: crit %s %s)",
				      c->name, c->args);
		o->in = argv[optind];
	} else if (optind != argc) {
		return cr_err(err, -EINVAL, "unexpected argument '%s'", argv[optind]);
	}
	return 0;
bad:
	return cr_err(err, -EINVAL, "unrecognized option '%s' (usage: crit %s %s)",
		      argv[optind - 1], c->name, c->args);
}

static int open_in(const char *in, const char **label, struct cr_error **err)
{
	int fd;

	if (!in || !strcmp(in, "-")) {
		*label = "<stdin>";
		return dup(STDIN_FILENO);
	}
	*label = in;
	fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", in);
	return fd;
}

/* Write text to -o FILE atomically, or to stdout with a trailing newline. */
static int emit(const char *out, const char *text, size_t len, bool newline_on_stdout,
		struct cr_error **err)
{
	struct io_tmp t;
	int r;

	if (!out || !strcmp(out, "-")) {
		r = io_write_full(STDOUT_FILENO, text, len);
		if (r == 0 && newline_on_stdout)
			r = io_write_full(STDOUT_FILENO, "\n", 1);
		return r < 0 ? cr_err_sys(err, r, "writing standard output") : 0;
	}
	r = io_tmp_open_at(AT_FDCWD, out, 0644, &t, err);
	if (r < 0)
		return r;
	r = io_write_full(t.fd, text, len);
	if (r < 0) {
		io_tmp_abort(&t);
		return cr_err_sys(err, r, "'%s': write failed", out);
	}
	return io_tmp_commit(&t, err);
}

static int run_decode(const struct crit_cmd *c, int argc, char **argv, struct cr_error **err)
{
	const struct preset *pre = c->data;
	struct io_opts o = { .pretty = pre->pretty };
	struct img_reader *r = NULL;
	_cleanup_free_ char *text = NULL;
	const char *label;
	size_t len = 0;
	int k, fd;

	k = parse(c, argc, argv, !pre->positional_in, pre->positional_in, &o, err);
	if (k != 0)
		return k > 0 ? 0 : k;
	fd = open_in(o.in, &label, err);
	if (fd < 0)
		return fd;
	if (isatty(fd)) {
		close(fd);
		return cr_err(err, -EINVAL, "refusing to read a binary image from a terminal (use -i FILE)");
	}
	k = img_reader_open_fd(fd, label, &r, err);
	if (k < 0) {
		close(fd);
		return k;
	}
	if (o.out && strcmp(o.out, "-")) {
		/* streamed into a temporary file renamed into place on success */
		struct io_tmp t;
		k = io_tmp_open_at(AT_FDCWD, o.out, 0644, &t, err);
		if (k == 0) {
			k = img_json_write_file(r, o.pretty, o.nopl, t.fd, err);
			if (k < 0)
				io_tmp_abort(&t);
			else
				k = io_tmp_commit(&t, err);
		}
		img_reader_close(r);
		return k;
	}
	/* standard output gets nothing unless the whole image decoded */
	k = img_json_decode_textn(r, o.pretty, o.nopl, &text, &len, err);
	img_reader_close(r);
	if (k < 0)
		return k;
	return emit(NULL, text, len, true, err);
}

static int read_all(int fd, const char *label, char **ret, size_t *ret_len, struct cr_error **err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		buf = xgrow(buf, &cap, len + 65536, 1);
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return cr_err_sys(err, -errno, "'%s': read failed", label);
		}
		if (n == 0)
			break;
		len += n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int run_encode(const struct crit_cmd *c, int argc, char **argv, struct cr_error **err)
{
	struct io_opts o = { 0 };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	const struct img_desc *d;
	struct img_writer *w = NULL;
	const char *label;
	json_t *img = NULL;
	size_t len = 0;
	int k;

	k = parse(c, argc, argv, false, false, &o, err);
	if (k != 0)
		return k > 0 ? 0 : k;
	fd = open_in(o.in, &label, err);
	if (fd < 0)
		return fd;
	k = read_all(fd, label, &text, &len, err);
	if (k < 0)
		return k;
	if (len >= 4 && (memcmp(text, "\x19\x43\x56\x54", 4) == 0 ||
			 memcmp(text, "\x40\x59\x10\x55", 4) == 0 || memchr(text, '\0', len)))
		return cr_err(err, -EINVAL,
			      "'%s': this is a binary image, not JSON; encode expects the JSON that decode writes",
			      label);
	k = img_json_loads(text, len, label, &img, err);
	if (k < 0)
		return k;
	k = img_json_image_desc(img, &d, err);
	if (k < 0)
		cr_err_wrap(err, "'%s'", label); /* name the file, as every other error */
	if (k == 0 && o.out && strcmp(o.out, "-"))
		k = img_writer_open_at(AT_FDCWD, o.out, d, &w, err);
	else if (k == 0)
		k = img_writer_open_fd(STDOUT_FILENO, "<stdout>", d, &w, err);
	if (k == 0) {
		k = img_json_encode_entries(img, w, err);
		if (k < 0) {
			img_writer_abort(w);
			cr_err_wrap(err, "'%s'", label);
		} else {
			k = img_writer_commit(w, err);
		}
	}
	json_decref(img);
	return k;
}

static int run_info(const struct crit_cmd *c, int argc, char **argv, struct cr_error **err)
{
	struct io_opts o = { 0 };
	struct img_reader *r = NULL;
	struct img_entry e;
	const char *label;
	size_t count = 0;
	int k, fd;

	k = parse(c, argc, argv, false, true, &o, err);
	if (k != 0)
		return k > 0 ? 0 : k;
	fd = open_in(o.in, &label, err);
	if (fd < 0)
		return fd;
	k = img_reader_open_fd(fd, label, &r, err);
	if (k < 0) {
		close(fd);
		return k;
	}
	while ((k = img_reader_next(r, true, &e, err)) > 0) {
		count++;
		img_entry_release(&e);
	}
	if (k == 0) {
		const struct img_desc *d = img_reader_desc(r);
		if (d->extra == IMG_EXTRA_PAGEMAP && count > 0)
			count--; /* the head is not an entry */
		printf("{\n    \"magic\": \"%s\",\n    \"count\": %zu\n}\n", d->name, count);
	}
	img_reader_close(r);
	return k;
}

static const struct preset plain = { 0 }, pretty = { .pretty = true, .positional_in = true };

const struct crit_cmd crit_cmd_decode = {
	.name = "decode",
	.run = run_decode,
	.args = "[-i/--in FILE] [-o/--out FILE] [--pretty]",
	.help = "convert a criu image from binary to JSON (standard input and output by default)",
	.data = &plain,
};
const struct crit_cmd crit_cmd_show = {
	.name = "show",
	.run = run_decode,
	.args = "FILE [--nopl]",
	.help = "show a criu image as human-readable JSON (decode --pretty); --nopl hides payloads",
	.data = &pretty,
};
const struct crit_cmd crit_cmd_encode = {
	.name = "encode",
	.run = run_encode,
	.args = "[-i/--in FILE] [-o/--out FILE]",
	.help = "convert JSON (plain or pretty) back to a binary criu image",
};
const struct crit_cmd crit_cmd_info = {
	.name = "info",
	.run = run_info,
	.args = "FILE",
	.help = "show an image's magic and its number of entries",
};
