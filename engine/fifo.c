/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FIFOs: FileEntry FIFO {pipe_id = inode, regf_id} plus a REG entry with
 * the path (CRIU's layout), and fifo-data.img with the bytes in flight.
 * Restore opens the path O_RDWR|O_NONBLOCK once (so no open blocks and
 * the data has a home), then each entry reopens that with its own flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "xalloc.h"

static bool fifo_match(const struct fd_dump_info *fi)
{
	return S_ISFIFO(fi->st.st_mode) && fi->link[0] == '/';
}

static int fifo_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, FileEntry *fe,
		     struct cr_error **err)
{
	FifoEntry *f = xmalloc(sizeof(*f));
	int r;

	fifo_entry__init(f);
	fe->fifo = f;
	f->id = fe->id;
	f->pipe_id = fi->st.st_ino;
	f->has_regf_id = true;
	r = files_put_reg(c, fi->link, fi->flags & ~O_CLOEXEC, &fi->st, &f->regf_id, err);
	if (r < 0)
		return r;
	if (pipe_seen(c, fi->st.st_ino))
		return 0;
	return pipe_data_dump(c, fi, IMG_FIFO_DATA, &c->w_fifo_data, err);
}

static int fifo_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const FifoEntry *f = fe->fifo;
	const FileEntry *path = f && f->has_regf_id ? files_find(c, f->regf_id) : NULL;
	struct rpipe *rp = NULL;
	char proc[64];
	int fd, r;

	if (!path || !path->reg)
		return cr_err(err, -EINVAL, "fifo %u: no path entry", fe->id);
	for (size_t i = 0; i < c->n_rpipes; i++)
		if (c->rpipes[i].pipe_id == f->pipe_id)
			rp = &c->rpipes[i];
	if (!rp) {
		int hold = open(path->reg->name, O_RDWR | O_NONBLOCK | O_CLOEXEC);

		if (hold < 0)
			return cr_err_sys(err, -errno, "fifo '%s'", path->reg->name);
		c->rpipes = xgrow(c->rpipes, &c->cap_rpipes, c->n_rpipes + 1, sizeof(*c->rpipes));
		rp = &c->rpipes[c->n_rpipes++];
		rp->pipe_id = f->pipe_id;
		rp->fds[0] = hold;
		rp->fds[1] = dup(hold);
		r = pipe_data_fill(c, c->fifo_data, c->n_fifo_data, f->pipe_id, hold, err);
		if (r < 0)
			return r;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rp->fds[0]);
	fd = open(proc, (path->reg->flags & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "fifo '%s': reopen", path->reg->name);
	*ret_fd = fd;
	return 0;
}

const struct fd_ops fd_ops_fifo = {
	.name = "fifo",
	.type = FD_TYPES__FIFO,
	.match = fifo_match,
	.dump = fifo_dump,
	.open = fifo_open,
};
