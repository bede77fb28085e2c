// SPDX-License-Identifier: LGPL-2.1-or-later
/* Page source over plain or seekable-zstd pages-N.img (see pages.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if CVT_HAVE_ZSTD
#include <zstd.h>
#endif

#include "cleanup.h"
#include "pages.h"
#include "xalloc.h"
#include "zstd-int.h"

struct cvt_pages {
	int fd;
	char *label;
	bool zst;
	uint64_t size;
	struct zst_index ix;
#if CVT_HAVE_ZSTD
	ZSTD_DCtx *dc;
#endif
	uint8_t *cbuf, *ubuf;
	size_t cbuf_cap, ubuf_cap;
	int64_t cached; /* frame in ubuf, -1 = none */
};

struct cvt_pages *cvt_pages_close(struct cvt_pages *p)
{
	if (!p)
		return NULL;
	if (p->fd >= 0)
		close(p->fd);
#if CVT_HAVE_ZSTD
	zst_index_release(&p->ix);
	ZSTD_freeDCtx(p->dc);
#endif
	free(p->cbuf);
	free(p->ubuf);
	free(p->label);
	free(p);
	return NULL;
}

int cvt_pages_open_fd(int fd, const char *label, bool compressed, struct cvt_pages **ret,
		      struct cr_error **err)
{
	struct cvt_pages *p;
	struct stat st;

	if (fstat(fd, &st))
		return cr_err_sys(err, -errno, "'%s': fstat", label);
#if !CVT_HAVE_ZSTD
	if (compressed)
		return cr_err(err, -ENOSYS, "'%s': compressed pages, but crisp was built without zstd",
			      label);
#endif
	p = xzalloc(sizeof(*p));
	p->fd = -1;
	p->label = xstrdup(label);
	p->zst = compressed;
	p->cached = -1;
	p->size = st.st_size;
#if CVT_HAVE_ZSTD
	if (compressed) {
		int r = zst_index_read(fd, label, &p->ix, err);

		if (r < 0) {
			cvt_pages_close(p);
			return r;
		}
		p->size = p->ix.uoff[p->ix.n];
		p->dc = ZSTD_createDCtx();
	}
#endif
	p->fd = fd;
	*ret = p;
	return 0;
}

int cvt_pages_open_at(int dirfd, unsigned long id, struct cvt_pages **ret,
		      struct cr_error **err)
{
	_cleanup_free_ char *plain = xasprintf("pages-%lu.img", id);
	_cleanup_free_ char *zst = xasprintf("pages-%lu.img.zst", id);
	bool compressed = false;
	int fd, r;

	fd = openat(dirfd, plain, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		compressed = true;
		fd = openat(dirfd, zst, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", errno == ENOENT ? plain : zst);
	r = cvt_pages_open_fd(fd, compressed ? zst : plain, compressed, ret, err);
	if (r < 0)
		close(fd);
	return r;
}

uint64_t cvt_pages_size(const struct cvt_pages *p)
{
	return p->size;
}

bool cvt_pages_compressed(const struct cvt_pages *p)
{
	return p->zst;
}

int cvt_pages_fd(const struct cvt_pages *p)
{
	return p->zst ? -1 : p->fd;
}

#if CVT_HAVE_ZSTD
static int load_frame(struct cvt_pages *p, uint32_t f, struct cr_error **err)
{
	uint64_t c0 = p->ix.coff[f], clen = p->ix.coff[f + 1] - c0;
	uint64_t ulen = p->ix.uoff[f + 1] - p->ix.uoff[f];
	size_t r;

	if (p->cached == f)
		return 0;
	p->cached = -1;
	p->cbuf = xgrow(p->cbuf, &p->cbuf_cap, clen, 1);
	p->ubuf = xgrow(p->ubuf, &p->ubuf_cap, ulen + 1, 1);
	if (pread(p->fd, p->cbuf, clen, c0) != (ssize_t)clen)
		return cr_err_sys(err, -EIO, "'%s': reading frame %u at offset %" PRIu64, p->label,
				  f, c0);
	r = ZSTD_decompressDCtx(p->dc, p->ubuf, ulen + 1, p->cbuf, clen);
	if (ZSTD_isError(r))
		return cr_err(err, -EBADMSG, "'%s': frame %u at offset %" PRIu64 ": %s", p->label,
			      f, c0, ZSTD_getErrorName(r));
	if (r != ulen)
		return cr_err(err, -EBADMSG, "'%s': frame %u holds %zu bytes, the seek table says %" PRIu64,
			      p->label, f, r, ulen);
	p->cached = f;
	return 0;
}
#endif

ssize_t cvt_pages_pread(struct cvt_pages *p, void *buf, size_t len, uint64_t off,
			struct cr_error **err)
{
	size_t done = 0;

	if (off >= p->size)
		return 0;
	if (len > p->size - off)
		len = p->size - off;
	if (!p->zst) {
		while (done < len) {
			ssize_t n = pread(p->fd, (char *)buf + done, len - done, off + done);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return cr_err_sys(err, n < 0 ? -errno : -EIO,
						  "'%s': read at offset %" PRIu64, p->label,
						  off + done);
			done += n;
		}
		return done;
	}
#if CVT_HAVE_ZSTD
	while (done < len) {
		uint64_t at = off + done;
		uint32_t f = zst_index_find(&p->ix, at);
		uint64_t in_frame = at - p->ix.uoff[f];
		uint64_t avail = p->ix.uoff[f + 1] - at;
		size_t n = len - done < avail ? len - done : avail;
		int r = load_frame(p, f, err);

		if (r < 0)
			return r;
		memcpy((char *)buf + done, p->ubuf + in_frame, n);
		done += n;
	}
#endif
	return done;
}
