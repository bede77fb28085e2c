// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "io.h"
#include "rewrite.h"
#include "xalloc.h"

int rw_validate_tmp(const struct io_tmp *t, const struct img_desc *want, struct cr_error **err)
{
	const char *label = t->name;
	struct img_reader *r = NULL;
	struct img_entry e;
	int fd2 = openat(t->dirfd, t->tmpname, O_RDONLY | O_CLOEXEC), n;

	if (fd2 < 0)
		return cr_err_sys(err, -errno, "'%s': cannot re-read", t->tmpname);
	n = img_reader_open_fd(fd2, label, &r, err);
	if (n < 0) {
		close(fd2);
		return cr_err_wrap(err, "validating the new image");
	}
	if (want && img_reader_desc(r) != want) {
		img_reader_close(r);
		return cr_err(err, -EINVAL, "'%s': the new image is not of type %s", label,
			      want->name);
	}
	while ((n = img_reader_next(r, false, &e, err)) > 0)
		img_entry_release(&e);
	img_reader_close(r);
	return n < 0 ? cr_err_wrap(err, "validating the new image") : 0;
}

struct span {
	off_t start, end;
	ProtobufCMessage *replace;
};

static int put_entry(struct io_tmp *t, const uint8_t *raw, const struct span *s,
		     const struct img_desc *d, const char *name, size_t idx, struct cr_error **err)
{
	const uint8_t *p = raw + s->start;
	uint32_t old_len = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
	size_t extra_at = 4 + (size_t)old_len, len;
	_cleanup_free_ uint8_t *buf = NULL;

	if (!s->replace)
		return io_write_full(t->fd, p, s->end - s->start) ?
			       cr_err_sys(err, -errno, "'%s': cannot write", name) : 0;
	if (extra_at > (size_t)(s->end - s->start))
		return cr_err(err, -EINVAL, "'%s': entry %zu: bad size prefix", name, idx);
	if (d->extra != IMG_EXTRA_NONE && d->extra != IMG_EXTRA_PAGEMAP &&
	    d->extra != IMG_EXTRA_GHOST && d->extra != IMG_EXTRA_IPC_MSG) {
		uint64_t want = 0;
		int r = img_extra_size(d->extra, s->replace, &want, err);

		if (r < 0)
			return r;
		/* sem/shm payloads are padded; the padded length must stay the same */
		if (d->extra == IMG_EXTRA_IPC_SEM)
			want = (want + 7) & ~7ull;
		else if (d->extra == IMG_EXTRA_IPC_SHM)
			want = (want + 3) & ~3ull;
		if (want != (uint64_t)(s->end - s->start) - extra_at)
			return cr_err(err, -EINVAL, "'%s': entry %zu: the edit changes the size of the data that follows the entry (%" PRIu64 " bytes, %zu stored)",
				      name, idx, want, (size_t)(s->end - s->start) - extra_at);
	}
	len = protobuf_c_message_get_packed_size(s->replace);
	buf = xmalloc(4 + len);
	buf[0] = len;
	buf[1] = len >> 8;
	buf[2] = len >> 16;
	buf[3] = len >> 24;
	protobuf_c_message_pack(s->replace, buf + 4);
	if (io_write_full(t->fd, buf, 4 + len) ||
	    io_write_full(t->fd, p + extra_at, (s->end - s->start) - extra_at))
		return cr_err_sys(err, -errno, "'%s': cannot write", name);
	return 0;
}

static int write_spans(int dirfd, const char *name, const uint8_t *raw, off_t head,
		       struct span *sp, size_t n, const struct img_desc *d, mode_t mode,
		       struct cr_error **err)
{
	struct io_tmp t;
	int r = io_tmp_open_at(dirfd, name, mode, &t, err);

	if (r < 0)
		return r;
	if (io_write_full(t.fd, raw, head))
		r = cr_err_sys(err, -errno, "'%s': cannot write", name);
	for (size_t i = 0; i < n && r >= 0; i++)
		r = put_entry(&t, raw, &sp[i], d, name, i, err);
	if (r >= 0)
		r = rw_validate_tmp(&t, d, err);
	if (r < 0) {
		io_tmp_abort(&t);
		return r;
	}
	return io_tmp_commit(&t, err);
}

int rw_image_at(int dirfd, const char *name, rw_fn fn, void *opaque, bool dry_run,
		bool *ret_changed, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct span *sp = NULL;
	size_t n = 0, cap = 0;
	uint8_t *raw = MAP_FAILED;
	struct stat st;
	bool changed = false;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		return cr_err_sys(err, -errno, "'%s': cannot open", name);
	if (st.st_size)
		raw = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	r = img_reader_open_fd(fd, name, &rd, err); /* owns fd now */
	if (r < 0) {
		close(fd);
		goto out;
	}
	for (;;) {
		struct img_entry e;
		struct rw_entry re = { .desc = img_reader_desc(rd) };

		r = img_reader_next(rd, true, &e, err);
		if (r <= 0)
			break;
		sp = xgrow(sp, &cap, n + 1, sizeof(*sp));
		sp[n] = (struct span){ .start = e.offset };
		if (n)
			sp[n - 1].end = e.offset;
		re.index = n;
		re.msg = e.msg;
		r = fn(&re, opaque, err);
		sp[n++].replace = re.replace;
		changed |= re.replace != NULL;
		img_entry_release(&e);
		if (r < 0)
			break;
	}
	if (n)
		sp[n - 1].end = st.st_size;
	if (r >= 0 && changed && !dry_run) {
		if (raw == MAP_FAILED)
			r = cr_err_sys(err, -errno, "'%s': cannot map", name);
		else
			r = write_spans(dirfd, name, raw, n ? sp[0].start : st.st_size, sp, n,
					img_reader_desc(rd), st.st_mode & 07777, err);
	}
	if (r >= 0 && ret_changed)
		*ret_changed = changed;
out:
	for (size_t i = 0; i < n; i++)
		if (sp[i].replace)
			protobuf_c_message_free_unpacked(sp[i].replace, NULL);
	free(sp);
	img_reader_close(rd);
	if (raw != MAP_FAILED)
		munmap(raw, st.st_size);
	return r < 0 ? r : 0;
}
