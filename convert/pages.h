/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Page source: the bytes of pages-N.img of a checkpoint, whether stored
 * plain or compressed (pages-N.img.zst, zstd's seekable format, see
 * convert/zstd-int.h).  Offsets are in the uncompressed file: the k-th
 * present page of pagemap-P.img (pagemap_head.pages_id = N) is at
 * k * 4096.  A read decompresses only the frames (1 MiB each) it touches;
 * the last frame is cached.  One source is not safe for concurrent use;
 * open one per thread.  Without zstd support, compressed files fail with
 * -ENOSYS.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cr-error.h"

struct cvt_pages;

/* Open pages-<id>.img, else pages-<id>.img.zst, in dirfd. */
int cvt_pages_open_at(int dirfd, unsigned long id, struct cvt_pages **ret,
		      struct cr_error **err);
/* Open an fd (taken over on success); compressed says which form it is. */
int cvt_pages_open_fd(int fd, const char *label, bool compressed, struct cvt_pages **ret,
		      struct cr_error **err);
/* Uncompressed size in bytes. */
uint64_t cvt_pages_size(const struct cvt_pages *p);
bool cvt_pages_compressed(const struct cvt_pages *p);
/* The plain file's fd (for preadv/splice), -1 when compressed. */
int cvt_pages_fd(const struct cvt_pages *p);
/*
 * Read len bytes at offset off.  Returns the bytes read, fewer only at the
 * end of the data, or a negative errno naming the file and offset.
 */
ssize_t cvt_pages_pread(struct cvt_pages *p, void *buf, size_t len, uint64_t off,
			struct cr_error **err);
struct cvt_pages *cvt_pages_close(struct cvt_pages *p);
