// SPDX-License-Identifier: LGPL-2.1-or-later
/* Open files of every task: ids -> fdinfo-<files_id>, plus cwd/root from fs. */
#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

struct ins_fds *ins_fds_free(struct ins_fds *f)
{
	if (!f)
		return NULL;
	for (size_t i = 0; i < f->n; i++) {
		struct ins_task_fds *t = &f->tasks[i];
		for (size_t j = 0; j < t->n; j++)
			free(t->fds[j].name);
		free(t->fds);
		free(t->cwd);
		free(t->root);
	}
	free(f->tasks);
	free(f);
	return NULL;
}

/* ids-PID.img -> files_id; 0 and *missing when the task has none. */
static int task_files_id(struct ins_ckpt *c, const struct ins_task *k, uint32_t *ret,
			 bool *missing, struct cr_error **err)
{
	ProtobufCMessage *m = NULL;
	int r;

	*missing = false;
	r = img_read_one_at(c->dirfd, IMG_IDS, k->pid, &m, err);
	if (r == -ENOENT && (ins_task_is_dead(k) || !k->core)) {
		cr_err_free(err);
		*missing = true;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = ((TaskKobjIdsEntry *)m)->files_id;
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

static int task_fds(struct ins_ckpt *c, const struct ins_task *k, struct ins_task_fds *t,
		    struct cr_error **err)
{
	struct ins_msgs fdi = { 0 };
	ProtobufCMessage *m = NULL;
	uint32_t files_id = 0;
	bool missing;
	int r;

	t->pid = k->pid;
	r = task_files_id(c, k, &files_id, &missing, err);
	if (r < 0)
		return r;
	if (missing) {
		t->dead = true;
		return 0;
	}
	r = ins_load_all(c->dirfd, IMG_FDINFO, files_id, false, &fdi, err);
	if (r < 0)
		return r;
	t->fds = xcalloc(fdi.n ? fdi.n : 1, sizeof(*t->fds));
	for (size_t i = 0; i < fdi.n; i++) {
		const FdinfoEntry *e = (const FdinfoEntry *)fdi.v[i];
		struct ins_fd *f = &t->fds[t->n++];

		f->fd = e->fd;
		f->type = e->type;
		f->id = e->id;
		f->flags = e->flags;
		r = ins_file_name(c, e->type, e->id, &f->name, err);
		if (r < 0)
			goto out;
	}
	r = img_read_one_at(c->dirfd, IMG_FS, k->pid, &m, err);
	if (r == -ENOENT) {
		cr_err_free(err);
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	r = ins_file_name(c, FD_TYPES__REG, ((FsEntry *)m)->cwd_id, &t->cwd, err);
	if (r >= 0)
		r = ins_file_name(c, FD_TYPES__REG, ((FsEntry *)m)->root_id, &t->root, err);
	protobuf_c_message_free_unpacked(m, NULL);
out:
	ins_msgs_clear(&fdi);
	return r;
}

int ins_fds(struct ins_ckpt *c, struct ins_fds **ret, struct cr_error **err)
{
	const struct ins_pstree *pt;
	struct ins_fds *f;
	int r;

	r = ins_pstree(c, &pt, err);
	if (r < 0)
		return r;
	f = xzalloc(sizeof(*f));
	f->tasks = xcalloc(pt->n, sizeof(*f->tasks));
	for (size_t i = 0; i < pt->n; i++) {
		f->n++;
		r = task_fds(c, &pt->tasks[i], &f->tasks[i], err);
		if (r < 0) {
			ins_fds_free(f);
			return cr_err_wrap(err, "task %u", pt->tasks[i].pid);
		}
	}
	*ret = f;
	return 0;
}
