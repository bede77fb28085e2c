/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Small fd helpers shared by every layer. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cr-error.h"

/* Read exactly n bytes unless EOF comes first; returns bytes read or -errno. */
ssize_t io_read_full(int fd, void *buf, size_t n);
/* Write all n bytes; returns 0 or -errno. */
int io_write_full(int fd, const void *buf, size_t n);

/*
 * Atomic file creation: io_tmp_open_at() opens a hidden temporary file next
 * to `name` in dirfd; io_tmp_commit() renames it over `name`;
 * io_tmp_abort() unlinks it.  Nothing half-written is ever visible.
 */
struct io_tmp {
	int dirfd;
	int fd;
	char *name;
	char *tmpname;
};
int io_tmp_open_at(int dirfd, const char *name, mode_t mode, struct io_tmp *t,
		   struct cr_error **err);
int io_tmp_commit(struct io_tmp *t, struct cr_error **err);
void io_tmp_abort(struct io_tmp *t);

/* Read a whole small file (sysfs/proc, config files) into a NUL-terminated buffer. */
int io_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		    struct cr_error **err);
