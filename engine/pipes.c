/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pipes: FileEntry PIPE {pipe_id = inode, flags} per end and, once per
 * pipe, pipes-data.img with the bytes in flight.  The bytes are copied
 * with tee() from a read end we open through /proc, so the pipe keeps
 * them and a pipe whose read end lives outside the tree works too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "io.h"
#include "xalloc.h"

static bool pipe_match(const struct fd_dump_info *fi)
{
	return S_ISFIFO(fi->st.st_mode) && !strncmp(fi->link, "pipe:[", 6);
}

bool pipe_seen(struct crisp_ctx *c, uint64_t ino)
{
	for (size_t i = 0; i < c->n_pipes_done; i++)
		if (c->pipes_done[i] == ino)
			return true;
	c->pipes_done = xgrow(c->pipes_done, &c->cap_pipes_done, c->n_pipes_done + 1,
			      sizeof(*c->pipes_done));
	c->pipes_done[c->n_pipes_done++] = ino;
	return false;
}

int pipe_data_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, enum img_type type,
		   struct img_writer **w, struct cr_error **err)
{
	_cleanup_close_ int rfd = -1, tmp0 = -1, tmp1 = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	PipeDataEntry pd = PIPE_DATA_ENTRY__INIT;
	char path[64];
	int size, tfd[2], r;
	ssize_t n = 0, got;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fi->lfd);
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rfd < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: reopening pipe", fi->t->pid, fi->fd);
	size = fcntl(rfd, F_GETPIPE_SZ);
	if (size < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: F_GETPIPE_SZ", fi->t->pid, fi->fd);
	if (pipe2(tfd, O_CLOEXEC | O_NONBLOCK) < 0)
		return cr_err_sys(err, -errno, "pipe");
	tmp0 = tfd[0];
	tmp1 = tfd[1];
	if (fcntl(tmp1, F_SETPIPE_SZ, size) < 0)
		return cr_err_sys(err, -errno, "F_SETPIPE_SZ %d", size);
	got = tee(rfd, tmp1, size, SPLICE_F_NONBLOCK);
	if (got < 0 && errno != EAGAIN)
		return cr_err_sys(err, -errno, "task %d fd %d: tee", fi->t->pid, fi->fd);
	if (got > 0) {
		buf = xmalloc(got);
		n = io_read_full(tmp0, buf, got);
		if (n != got)
			return cr_err_sys(err, n < 0 ? (int)n : -EIO, "reading pipe copy");
	}
	if (!*w) {
		r = img_writer_open_type_at(c->imgfd, type, 0, w, err);
		if (r < 0)
			return r;
	}
	pd.pipe_id = fi->st.st_ino;
	pd.bytes = n;
	pd.has_size = true;
	pd.size = size;
	r = img_writer_put(*w, &pd.base, err);
	if (r >= 0 && n)
		r = img_writer_put_raw(*w, buf, n, err);
	if (r >= 0)
		pr_debug(c, "pipe %lu: %zd bytes in flight", (unsigned long)fi->st.st_ino, n);
	return r;
}

static int pipe_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, FileEntry *fe,
		     struct cr_error **err)
{
	PipeEntry *p = xmalloc(sizeof(*p));

	pipe_entry__init(p);
	p->id = fe->id;
	p->pipe_id = fi->st.st_ino;
	p->flags = fi->flags & ~O_CLOEXEC;
	p->fown = fown_new();
	fe->pipe = p;
	if (pipe_seen(c, fi->st.st_ino))
		return 0;
	return pipe_data_dump(c, fi, IMG_PIPES_DATA, &c->w_pipes_data, err);
}

int pipe_data_fill(struct crisp_ctx *c, const struct img_entry *data, size_t n_data,
		   uint32_t pipe_id, int wfd, struct cr_error **err)
{
	for (size_t i = 0; i < n_data; i++) {
		const PipeDataEntry *pd = (const PipeDataEntry *)data[i].msg;
		int r;

		if (pd->pipe_id != pipe_id)
			continue;
		if (pd->has_size && pd->size && fcntl(wfd, F_SETPIPE_SZ, pd->size) < 0)
			pr_warn(c, "pipe %u: cannot set size %u: %m", pipe_id, pd->size);
		if (data[i].extra_len < pd->bytes)
			return cr_err(err, -EINVAL, "pipe %u: truncated data", pipe_id);
		r = io_write_full(wfd, data[i].extra, pd->bytes);
		if (r < 0)
			return cr_err_sys(err, r, "pipe %u: writing %u bytes back", pipe_id,
					  pd->bytes);
	}
	return 0;
}

static int pipe_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const PipeEntry *p = fe->pipe;
	struct rpipe *rp = NULL;
	int fd, r;

	if (!p)
		return cr_err(err, -EINVAL, "file %u: PIPE entry without pipe", fe->id);
	for (size_t i = 0; i < c->n_rpipes; i++)
		if (c->rpipes[i].pipe_id == p->pipe_id)
			rp = &c->rpipes[i];
	if (!rp) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) < 0)
			return cr_err_sys(err, -errno, "pipe");
		c->rpipes = xgrow(c->rpipes, &c->cap_rpipes, c->n_rpipes + 1, sizeof(*c->rpipes));
		rp = &c->rpipes[c->n_rpipes++];
		rp->pipe_id = p->pipe_id;
		rp->fds[0] = fds[0];
		rp->fds[1] = fds[1];
		r = pipe_data_fill(c, c->pipe_data, c->n_pipe_data, p->pipe_id, fds[1], err);
		if (r < 0)
			return r;
	}
	/* a fresh open file description per entry, as the task had them */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d",
			 (p->flags & O_ACCMODE) == O_WRONLY ? rp->fds[1] : rp->fds[0]);
		fd = open(path, (p->flags & (O_ACCMODE | O_NONBLOCK | O_DIRECT)) | O_CLOEXEC);
		if (fd < 0)
			return cr_err_sys(err, -errno, "pipe %u: reopen", p->pipe_id);
	}
	*ret_fd = fd;
	return 0;
}

const struct fd_ops fd_ops_pipe = {
	.name = "pipe",
	.type = FD_TYPES__PIPE,
	.match = pipe_match,
	.dump = pipe_dump,
	.open = pipe_open,
};
