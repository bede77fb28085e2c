/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* flock(), POSIX (fcntl) and OFD locks of the tree: filelocks.img, as CRIU 4.2. */
#include "ctx.h"

/* Every seized task's locks from its fdinfo "lock:" lines into filelocks.img
 * (with --file-locks); without the option a held lock fails the dump. */
int file_locks_dump(struct crisp_ctx *c, struct cr_error **err);
/* Take the task's locks again, by injection, once its fds are in place. */
int file_locks_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err);
