/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bridge between the core's fd walk (files.c) and the ext fd kinds
 * (fdkinds.h: sockets, eventfd, epoll, timerfd, signalfd, inotify, memfd).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "ctx.h"
#include "fdkinds.h"
#include "memfd.h"
#include "xalloc.h"

static uint32_t net_ns_id(void *arg, unsigned long ino)
{
	return ns_id_for(arg, ino);
}

/* --ext-unix-sk: a peer outside the tree becomes one more files.img entry */
static uint32_t new_file_id(void *arg)
{
	struct crisp_ctx *c = arg;

	return ++c->next_file_id;
}

static int put_file(void *arg, FileEntry *fe, struct cr_error **err)
{
	struct crisp_ctx *c = arg;

	return img_writer_put(c->w_files, &fe->base, err);
}

static int dump_local(void *arg, int fd, uint32_t *ret_id, struct cr_error **err)
{
	return files_dump_local(arg, fd, ret_id, err);
}

static int open_file(void *arg, uint32_t id, int *ret_fd, struct cr_error **err)
{
	return files_open_entry(arg, id, ret_fd, err);
}

int ext_dump_init(struct crisp_ctx *c, struct cr_error **err)
{
	struct fdk_dump *d = xzalloc(sizeof(*d));

	fdk_dump_init(d, c->imgfd, c->o, &c->next_pages_id);
	d->net_ns_id = net_ns_id; /* the same ids as ids-N.img net_ns_id */
	d->net_ns_arg = c;
	d->new_file_id = new_file_id;
	d->put_file = put_file;
	d->dump_local = dump_local;
	d->file_arg = c;
	c->ext_dump = d;
	return 0;
}

int ext_dump_fd(struct crisp_ctx *c, pid_t pid, int fd, int lfd, const struct stat *st,
		FileEntry *fe, struct cr_error **err)
{
	const struct fdk_ops *ops = fdk_ops_for_fd(lfd, st);
	int r;

	if (!ops || !c->ext_dump)
		return 0;
	fe->type = ops->type;
	r = ops->dump(c->ext_dump, pid, fd, lfd, fe, err);
	if (r < 0)
		return cr_err_wrap(err, "task %d fd %d (%s)", pid, fd, ops->name);
	return 1;
}

int ext_dump_commit(struct crisp_ctx *c, struct cr_error **err)
{
	return c->ext_dump ? fdk_dump_commit(c->ext_dump, err) : 0;
}

void ext_dump_finish(struct crisp_ctx *c, bool keep_running)
{
	if (!c->ext_dump)
		return;
	if (((struct fdk_dump *)c->ext_dump)->netlock_missing)
		log_warn(c->log, "nft is not installed: established TCP connections were not locked during the dump");
	fdk_dump_finish(c->ext_dump, keep_running);
	free(c->ext_dump);
	c->ext_dump = NULL;
}

int ext_restore_init(struct crisp_ctx *c, struct cr_error **err)
{
	struct fdk_restore *r = xzalloc(sizeof(*r));
	int rc = fdk_restore_init(r, c->imgfd, c->o, c->fentries, c->n_fentries, err);

	if (rc < 0) {
		free(r);
		return rc;
	}
	r->open_file = open_file;
	r->open_arg = c;
	c->ext_rst = r;
	return 0;
}

int ext_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const struct fdk_ops *ops = fdk_ops_by_type(fe->type);
	int r;

	if (!ops || !c->ext_rst)
		return 0;
	r = ops->open(c->ext_rst, fe, ret_fd, err);
	return r < 0 ? r : 1;
}

int ext_post(struct crisp_ctx *c, const FileEntry *fe, int fd, struct cr_error **err)
{
	const struct fdk_ops *ops = fdk_ops_by_type(fe->type);

	if (!ops || !ops->post)
		return 0;
	return ops->post(fe, fd, err);
}

int ext_restore_finish(struct crisp_ctx *c, struct cr_error **err)
{
	return c->ext_rst ? fdk_restore_finish(c->ext_rst, err) : 0;
}

void ext_release(struct crisp_ctx *c)
{
	if (c->ext_rst) {
		fdk_restore_release(c->ext_rst);
		free(c->ext_rst);
		c->ext_rst = NULL;
	}
	if (c->ext_dump)
		ext_dump_finish(c, true);
}

void ext_entry_free(FileEntry *fe)
{
	fdk_file_entry_release(fe);
	free(fe);
}

int ext_dump_memfd(struct crisp_ctx *c, int lfd, FileEntry *fe, struct cr_error **err)
{
	if (!c->ext_dump)
		return cr_err(err, -EINVAL, "memfd: no dump state");
	return memfd_dump_file(c->ext_dump, lfd, O_RDWR, 0, fe, err);
}

FownEntry *ext_fown_dump(int lfd)
{
	return fdk_fown_new(lfd);
}
