/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Entry-level image rewriting shared by edit and rename: every entry the
 * callback leaves alone is copied byte for byte from the old file (size
 * prefix, protobuf and extra payload); a replaced message is packed anew
 * and keeps its extra payload, which must not change size.  The result is
 * re-read in full before it replaces the image atomically.
 */
#include <stdbool.h>

#include "crimg.h"
#include "io.h"

struct rw_entry {
	size_t index;
	const struct img_desc *desc;
	const ProtobufCMessage *msg; /* as read */
	ProtobufCMessage *replace;   /* set by the callback; freed by rw_image_at */
};

/* Return < 0 to stop with an error. */
typedef int (*rw_fn)(struct rw_entry *e, void *opaque, struct cr_error **err);

/*
 * Run fn over every entry of dirfd/name.  With dry_run nothing is written.
 * ret_changed (may be NULL) tells whether any entry was replaced.
 */
int rw_image_at(int dirfd, const char *name, rw_fn fn, void *opaque, bool dry_run,
		bool *ret_changed, struct cr_error **err);

/* Re-read a whole written temporary image (validation before commit). */
int rw_validate_tmp(const struct io_tmp *t, const struct img_desc *want, struct cr_error **err);
