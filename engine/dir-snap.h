/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct crisp_log;

/* The names in a directory at one moment (sorted). */
struct dir_snap {
	char **names;
	size_t n;
	bool ok; /* taken; remove_new does nothing otherwise */
};

void dir_snap_take(struct dir_snap *s, int dirfd);
/* Unlink every entry of dirfd not in s (non-directories only). */
void dir_snap_remove_new(const struct dir_snap *s, int dirfd, struct crisp_log *log);
void dir_snap_release(struct dir_snap *s);
