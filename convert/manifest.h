/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The archive manifest (member CVT_AR_MANIFEST, written last):
 *
 *   crisp-manifest 1
 *   f <size> <sha256> <path>        regular file (sha256 of its logical bytes)
 *   d - - <path>                    directory
 *   l - - <path> <target>           symbolic link
 *   h - - <path> <target>           hard link to an earlier file
 *   end <number of member lines>
 *
 * Paths and targets are percent-encoded (bytes <= ' ', '%' and >= 0x7f),
 * so a line always splits on spaces.  The final "end" line tells a
 * complete manifest from a cut one.
 */
#include <stddef.h>
#include <stdint.h>

#include "cr-error.h"

struct mf_entry {
	char type; /* 'f', 'd', 'l', 'h' */
	uint64_t size;
	char sha[65];
	char *path, *target;
};

struct manifest {
	struct mf_entry *v;
	size_t n, cap;
};

void mf_add(struct manifest *m, char type, const char *path, uint64_t size, const char *sha,
	    const char *target);
char *mf_format(const struct manifest *m, size_t *ret_len);
int mf_parse(const char *buf, size_t len, const char *label, struct manifest *ret,
	     struct cr_error **err);
/* Compare what was unpacked (got) with the manifest (want), naming the first mismatch. */
int mf_compare(struct manifest *got, struct manifest *want, const char *label,
	       struct cr_error **err);
void mf_release(struct manifest *m);
