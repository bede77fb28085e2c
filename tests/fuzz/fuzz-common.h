/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Shared by the libFuzzer harnesses: inputs go through a memfd (a regular
 * file, so the reader knows the size) and, when small, also through a pipe
 * (size unknown: the reader must still bound every allocation).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crimg.h"

static inline int fz_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

static inline int fz_memfd(const uint8_t *p, size_t n)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (fz_write_all(fd, p, n) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* A pipe holding all of p, or -1 when it does not fit in the pipe buffer. */
static inline int fz_pipe(const uint8_t *p, size_t n)
{
	int fds[2];

	if (n > 60000 || pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fcntl(fds[1], F_SETPIPE_SZ, 65536);
	if (fz_write_all(fds[1], p, n) < 0)
		abort();
	close(fds[1]);
	return fds[0];
}

/* The whole contents of an fd (a memfd we wrote), malloc'd; the fd is left at 0. */
static inline uint8_t *fz_slurp(int fd, size_t *ret_len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *b;

	if (end < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	b = malloc(end + 1);
	if (!b || read(fd, b, end) != end || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	*ret_len = end;
	return b;
}

/* Decode an image from fd (consumed) to JSON text; NULL when it is refused. */
static inline char *fz_decode(int fd, bool pretty, bool nopl)
{
	struct cr_error *err = NULL;
	struct img_reader *r = NULL;
	json_t *j = NULL;
	char *text = NULL;

	if (img_reader_open_fd(fd, "fuzz", &r, &err) < 0) {
		close(fd);
		if (!err || !err->msg || strchr(err->msg, '\n'))
			abort(); /* every error is one line */
		cr_err_free(&err);
		return NULL;
	}
	if (img_json_decode_file(r, pretty, nopl, &j, &err) == 0) {
		text = img_json_dumps(j, pretty ? 4 : 0);
		json_decref(j);
	} else if (!err || !err->msg || strchr(err->msg, '\n')) {
		abort();
	}
	cr_err_free(&err);
	/* the streaming text sink (crit decode) must say exactly what the tree path says */
	if (lseek(img_reader_fd(r), 0, SEEK_SET) == 0) {
		struct img_reader *r2 = NULL;
		char *streamed = NULL;
		int k = img_reader_open_fd(dup(img_reader_fd(r)), "fuzz", &r2, &err);
		if (k == 0)
			k = img_json_decode_text(r2, pretty, nopl, &streamed, &err);
		if ((k == 0) != (text != NULL) || (text && strcmp(text, streamed)))
			abort();
		free(streamed);
		cr_err_free(&err);
		img_reader_close(r2);
	}
	img_reader_close(r);
	return text;
}

/* Encode JSON text to a memfd; returns the fd (at offset 0) or -1 when refused. */
static inline int fz_encode(const char *text, size_t len)
{
	struct cr_error *err = NULL;
	json_t *j = NULL;
	int fd, k;

	if (img_json_loads(text, len, "fuzz", &j, &err) < 0) {
		cr_err_free(&err);
		return -1;
	}
	fd = memfd_create("fuzz-out", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	k = img_json_encode_file(j, fd, "fuzz-out", &err);
	json_decref(j);
	if (k < 0) {
		if (!err || !err->msg || strchr(err->msg, '\n'))
			abort();
		cr_err_free(&err);
		close(fd);
		return -1;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}
