// SPDX-License-Identifier: LGPL-2.1-or-later
/* Entry writer: magics, then size-prefixed entries and raw payloads.
 * Files in a directory are written under a temporary name and renamed on
 * commit, so a failed write never leaves half an image behind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "crimg.h"
#include "io.h"
#include "xalloc.h"

#define WBUF (256 * 1024)

struct img_writer {
	int fd;
	bool own;      /* fd is a temporary file we commit */
	struct io_tmp tmp;
	char *label;
	size_t len;
	int error;
	uint8_t buf[WBUF];
};

static int flush(struct img_writer *w)
{
	int r;

	if (w->len == 0)
		return 0;
	r = io_write_full(w->fd, w->buf, w->len);
	w->len = 0;
	return r;
}

static int wr(struct img_writer *w, const void *p, size_t n, struct cr_error **err)
{
	int r;

	if (w->len + n > WBUF) {
		r = flush(w);
		if (r < 0)
			return cr_err_sys(err, r, "'%s': write failed", w->label);
		if (n > WBUF) {
			r = io_write_full(w->fd, p, n);
			if (r < 0)
				return cr_err_sys(err, r, "'%s': write failed", w->label);
			return 0;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

static int put_u32(struct img_writer *w, uint32_t v, struct cr_error **err)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
	return wr(w, b, 4, err);
}

static int start(struct img_writer *w, const struct img_desc *d, struct cr_error **err)
{
	int r = 0;

	if (!d || d->head == IMG_HEAD_RAW_K)
		return 0;
	if (d->head == IMG_HEAD_COMMON_K)
		r = put_u32(w, IMG_HEAD_COMMON, err);
	else if (d->head == IMG_HEAD_SERVICE_K)
		r = put_u32(w, IMG_HEAD_SERVICE, err);
	if (r == 0)
		r = put_u32(w, d->magic, err);
	return r;
}

int img_writer_open_fd(int fd, const char *label, const struct img_desc *d,
		       struct img_writer **ret, struct cr_error **err)
{
	struct img_writer *w = xzalloc(sizeof(*w));
	int r;

	w->fd = fd;
	w->label = xstrdup(label);
	r = start(w, d, err);
	if (r < 0) {
		free(w->label);
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

int img_writer_open_at(int dirfd, const char *name, const struct img_desc *d,
		       struct img_writer **ret, struct cr_error **err)
{
	struct img_writer *w = xzalloc(sizeof(*w));
	int r;

	r = io_tmp_open_at(dirfd, name, 0644, &w->tmp, err);
	if (r < 0) {
		free(w);
		return r;
	}
	w->own = true;
	w->fd = w->tmp.fd;
	w->label = xstrdup(name);
	r = start(w, d, err);
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	*ret = w;
	return 0;
}

int img_writer_open_type_at(int dirfd, enum img_type type, unsigned long id,
			    struct img_writer **ret, struct cr_error **err)
{
	_cleanup_free_ char *name = img_filename(type, id);

	if (!name)
		return cr_err(err, -EINVAL, "invalid image type %d", type);
	return img_writer_open_at(dirfd, name, img_desc_get(type), ret, err);
}

int img_writer_put(struct img_writer *w, const ProtobufCMessage *msg, struct cr_error **err)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t stackbuf[4096];
	_cleanup_free_ uint8_t *heap = NULL;
	uint8_t *p = stackbuf;
	int r;

	if (n > IMG_MAX_ENTRY)
		return cr_err(err, -EFBIG, "'%s': entry of %zu bytes is too large", w->label, n);
	if (n > sizeof(stackbuf))
		p = heap = xmalloc(n);
	protobuf_c_message_pack(msg, p);
	r = put_u32(w, n, err);
	if (r == 0)
		r = wr(w, p, n, err);
	return r;
}

int img_writer_put_raw(struct img_writer *w, const void *buf, size_t len, struct cr_error **err)
{
	return wr(w, buf, len, err);
}

int img_writer_commit(struct img_writer *w, struct cr_error **err)
{
	int r = flush(w);

	if (r < 0) {
		r = cr_err_sys(err, r, "'%s': write failed", w->label);
		img_writer_abort(w);
		return r;
	}
	if (w->own)
		r = io_tmp_commit(&w->tmp, err);
	free(w->label);
	free(w);
	return r;
}

void img_writer_abort(struct img_writer *w)
{
	if (!w)
		return;
	if (w->own)
		io_tmp_abort(&w->tmp);
	free(w->label);
	free(w);
}

int img_write_one_at(int dirfd, enum img_type type, unsigned long id, const ProtobufCMessage *msg,
		     struct cr_error **err)
{
	struct img_writer *w = NULL;
	int r = img_writer_open_type_at(dirfd, type, id, &w, err);

	if (r < 0)
		return r;
	r = img_writer_put(w, msg, err);
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}
