/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include "cr-error.h"

/* A readable, mmap-able fd with the bytes of pages-<id>.img of the image
 * directory imgfd, whether stored plain or as pages-<id>.img.zst. */
int pages_src_open(int imgfd, unsigned long id, int *ret_fd, struct cr_error **err);
