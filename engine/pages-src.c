// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The bytes of pages-N.img for restore, plain or compressed by crit
 * compress (pages-N.img.zst).  Restore wants a plain fd it can mmap and
 * that the restored task can pread from, so a compressed file is inflated
 * once into a memfd; a plain file is used as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "crimg.h"
#include "io.h"
#include "pages-src.h"
#include "pages.h"

#define INFLATE_CHUNK (4u << 20)

static int inflate_to_memfd(struct cvt_pages *p, unsigned long id, int *ret_fd,
			    struct cr_error **err)
{
	_cleanup_close_ int mfd = memfd_create("crisp-pages", MFD_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	uint64_t size = cvt_pages_size(p);

	if (mfd < 0)
		return cr_err_sys(err, -errno, "pages-%lu.img.zst: memfd_create", id);
	if (ftruncate(mfd, size) < 0)
		return cr_err_sys(err, -errno, "pages-%lu.img.zst: %llu bytes of memory", id,
				  (unsigned long long)size);
	buf = malloc(INFLATE_CHUNK);
	if (!buf)
		return cr_err(err, -ENOMEM, "pages-%lu.img.zst: no memory to inflate", id);
	for (uint64_t off = 0; off < size;) {
		size_t want = size - off < INFLATE_CHUNK ? size - off : INFLATE_CHUNK;
		ssize_t n = cvt_pages_pread(p, buf, want, off, err);
		if (n < 0)
			return n;
		if (n == 0)
			return cr_err(err, -EIO, "pages-%lu.img.zst: ends at %llu of %llu bytes", id,
				      (unsigned long long)off, (unsigned long long)size);
		if (pwrite(mfd, buf, n, off) != n)
			return cr_err_sys(err, -errno, "pages-%lu.img.zst: writing memfd", id);
		off += n;
	}
	*ret_fd = TAKE_FD(mfd);
	return 0;
}

int pages_src_open(int imgfd, unsigned long id, int *ret_fd, struct cr_error **err)
{
	_cleanup_free_ char *name = img_filename(IMG_PAGES, id);
	struct cvt_pages *p = NULL;
	int fd, r;

	fd = openat(imgfd, name, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (errno != ENOENT)
		return cr_err_sys(err, -errno, "open '%s'", name);
	r = cvt_pages_open_at(imgfd, id, &p, err);
	if (r < 0)
		return r;
	if (!cvt_pages_compressed(p)) {
		fd = dup(cvt_pages_fd(p));
		cvt_pages_close(p);
		if (fd < 0)
			return cr_err_sys(err, -errno, "dup '%s'", name);
		*ret_fd = fd;
		return 0;
	}
	r = inflate_to_memfd(p, id, ret_fd, err);
	cvt_pages_close(p);
	return r;
}
