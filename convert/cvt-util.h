/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Helpers shared by the convert/ back ends (not public). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cr-error.h"

/*
 * Normalise an archive member or relative path: drops "." and empty
 * components and a trailing '/'.  NULL when the path is absolute or has a
 * ".." component; "" for the top directory itself.  Caller frees.
 */
char *cvt_path_normalize(const char *path);

/*
 * A symbolic link at `linkpath` (normalised, relative to a root) whose
 * `target` stays inside that root whatever the other links are: relative,
 * ".." only as leading components, and no more of them than the link's
 * depth.  This keeps `parent -> ../dump-1` of incremental dumps.
 */
bool cvt_link_target_ok(const char *linkpath, const char *target);

/* Remove dirfd/name recursively without following any link.  NULL-safe. */
int cvt_rm_rf_at(int dirfd, const char *name);

/* Open the directory holding `path` below rootfd, each component with
 * O_NOFOLLOW (and created 0700 when `create`).  *ret_base points into path. */
int cvt_open_parent(int rootfd, const char *path, bool create, int *ret_fd,
		    const char **ret_base, struct cr_error **err);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void cvt_hex(const uint8_t *b, size_t n, char *out);

/* A 1 MiB buffer of zeros shared read-only by every caller. */
extern const uint8_t cvt_zeros[1u << 20];
