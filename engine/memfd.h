/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include "fdkinds.h"

/*
 * A memfd not held by an fd (a MAP_SHARED mapping of one: open
 * /proc/PID/map_files/START-END and pass it here).  Fills out as ops->dump
 * does; out->id is the caller's, the vma's shmid in CRIU's mm image.
 */
int memfd_dump_file(struct fdk_dump *d, int local_fd, uint32_t flags, uint64_t pos,
		    FileEntry *out, struct cr_error **err);
