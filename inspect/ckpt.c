// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An opened checkpoint: the directory fd plus what the analyses loaded from
 * it (process tree, file tables), so each image is read once per ckpt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

int ins_ckpt_open_fd(int dirfd, const char *label, struct ins_ckpt **ret, struct cr_error **err)
{
	struct ins_ckpt *c = xzalloc(sizeof(*c));

	c->dirfd = dirfd;
	c->meta_dirfd = -1;
	c->label = xstrdup(label);
	*ret = c;
	return 0;
}

int ins_ckpt_open(const char *path, struct ins_ckpt **ret, struct cr_error **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open image directory", path);
	return ins_ckpt_open_fd(fd, path, ret, err);
}

int ins_ckpt_dirfd(const struct ins_ckpt *c)
{
	return c->dirfd;
}

void ins_ckpt_set_page_open(struct ins_ckpt *c, ins_page_open_fn fn)
{
	c->page_open = fn;
}

const char *ins_ckpt_label(const struct ins_ckpt *c)
{
	return c->label;
}

void ins_msgs_clear(struct ins_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i])
			protobuf_c_message_free_unpacked(m->v[i], NULL);
	free(m->v);
	free(m->extra_len);
	memset(m, 0, sizeof(*m));
}

static void pstree_free(struct ins_pstree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->tasks[i].kids);
		if (t->tasks[i].core)
			protobuf_c_message_free_unpacked((ProtobufCMessage *)t->tasks[i].core, NULL);
	}
	free(t->tasks);
	free(t->order);
	free(t);
}

struct ins_ckpt *ins_ckpt_free(struct ins_ckpt *c)
{
	if (!c)
		return NULL;
	pstree_free(c->pstree);
	ins_msgs_clear(&c->pstree_msgs);
	ins_msgs_clear(&c->files.msgs);
	ins_msgs_clear(&c->memfd);
	free(c->files.idx);
	for (size_t i = 0; i < ARRAY_SIZE(c->kinds); i++) {
		ins_msgs_clear(&c->kinds[i].msgs);
		free(c->kinds[i].idx);
	}
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->meta_dirfd >= 0)
		close(c->meta_dirfd);
	if (c->tmpdir)
		ins_rm_tmp(c->tmpdir);
	free(c->tmpdir);
	free(c->label);
	free(c);
	return NULL;
}

bool ins_exists_at(int dirfd, enum img_type type, unsigned long id)
{
	_cleanup_free_ char *name = img_filename(type, id);

	return faccessat(dirfd, name, F_OK, 0) == 0;
}

int ins_load_all(int dirfd, enum img_type type, unsigned long id, bool missing_ok,
		 struct ins_msgs *out, struct cr_error **err)
{
	struct img_reader *r = NULL;
	size_t cap = 0, cap2 = 0;
	int k;

	memset(out, 0, sizeof(*out));
	k = img_reader_open_type_at(dirfd, type, id, &r, err);
	if (k == -ENOENT && missing_ok) {
		cr_err_free(err);
		return 0;
	}
	if (k < 0)
		return k;
	out->present = true;
	for (;;) {
		struct img_entry e;

		k = img_reader_next(r, true, &e, err);
		if (k <= 0)
			break;
		out->v = xgrow(out->v, &cap, out->n + 1, sizeof(*out->v));
		out->extra_len = xgrow(out->extra_len, &cap2, out->n + 1, sizeof(*out->extra_len));
		out->extra_len[out->n] = e.extra_len;
		out->v[out->n++] = TAKE_PTR(e.msg);
		img_entry_release(&e);
	}
	img_reader_close(r);
	if (k < 0) {
		ins_msgs_clear(out);
		return k;
	}
	return 0;
}

/* ---- Process tree ------------------------------------------------------- */

const struct ins_task *ins_task_by_pid(const struct ins_pstree *t, uint32_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->tasks[i].pid == pid)
			return &t->tasks[i];
	return NULL;
}

bool ins_task_is_dead(const struct ins_task *t)
{
	return t->state == INS_TASK_DEAD || t->state == INS_TASK_ZOMBIE;
}

static void dfs(struct ins_pstree *t, size_t i, unsigned depth)
{
	struct ins_task *k = &t->tasks[i];

	if (t->n_order >= t->n)
		return;
	k->depth = depth;
	t->order[t->n_order++] = i;
	for (size_t j = 0; j < k->n_kids; j++)
		dfs(t, k->kids[j], depth + 1);
}

static int load_cores(struct ins_ckpt *c, struct ins_pstree *t, struct cr_error **err)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ins_task *k = &t->tasks[i];
		ProtobufCMessage *m = NULL;
		int r = img_read_one_at(c->dirfd, IMG_CORE, k->pid, &m, err);

		if (r == -ENOENT) {
			cr_err_free(err);
			continue;
		}
		if (r < 0)
			return r;
		k->core = (const CoreEntry *)m;
		if (k->core->tc) {
			k->comm = k->core->tc->comm;
			k->state = k->core->tc->task_state;
			k->exit_code = k->core->tc->exit_code;
		}
	}
	return 0;
}

static void link_tree(struct ins_pstree *t)
{
	size_t *caps = xcalloc(t->n ? t->n : 1, sizeof(*caps));

	for (size_t i = 0; i < t->n; i++) {
		struct ins_task *k = &t->tasks[i];

		k->parent = -1;
		if (k->ppid == 0)
			continue;
		for (size_t j = 0; j < t->n; j++) {
			if (j == i || t->tasks[j].pid != k->ppid)
				continue;
			k->parent = j;
			struct ins_task *p = &t->tasks[j];
			p->kids = xgrow(p->kids, &caps[j], p->n_kids + 1, sizeof(*p->kids));
			p->kids[p->n_kids++] = i;
			break;
		}
	}
	free(caps);
	/* roots first in pstree order; then anything a cycle left out */
	t->order = xcalloc(t->n ? t->n : 1, sizeof(*t->order));
	for (size_t i = 0; i < t->n; i++)
		if (t->tasks[i].parent < 0)
			dfs(t, i, 0);
}

int ins_pstree(struct ins_ckpt *c, const struct ins_pstree **ret, struct cr_error **err)
{
	struct ins_pstree *t;
	int r;

	if (c->pstree) {
		*ret = c->pstree;
		return 0;
	}
	r = ins_load_all(c->dirfd, IMG_PSTREE, 0, false, &c->pstree_msgs, err);
	if (r < 0)
		return r;
	if (c->pstree_msgs.n == 0)
		return cr_err(err, -ENODATA, "'pstree.img': no tasks");
	t = xzalloc(sizeof(*t));
	t->n = c->pstree_msgs.n;
	t->tasks = xcalloc(t->n, sizeof(*t->tasks));
	for (size_t i = 0; i < t->n; i++) {
		const PstreeEntry *p = (const PstreeEntry *)c->pstree_msgs.v[i];
		struct ins_task *k = &t->tasks[i];

		k->pid = p->pid;
		k->ppid = p->ppid;
		k->pgid = p->pgid;
		k->sid = p->sid;
		k->threads = p->threads;
		k->n_threads = p->n_threads;
		for (size_t j = 0; j < i; j++)
			if (t->tasks[j].pid == k->pid) {
				pstree_free(t);
				return cr_err(err, -EBADMSG, "'pstree.img': entry %zu: pid %u repeated",
					      i, k->pid);
			}
	}
	r = load_cores(c, t, err);
	if (r < 0) {
		pstree_free(t);
		return r;
	}
	link_tree(t);
	/* a cycle (no root reaches it): append what is left, flat */
	if (t->n_order < t->n) {
		bool *seen = xcalloc(t->n, 1);
		for (size_t i = 0; i < t->n_order; i++)
			seen[t->order[i]] = true;
		for (size_t i = 0; i < t->n; i++)
			if (!seen[i])
				t->order[t->n_order++] = i;
		free(seen);
	}
	c->pstree = t;
	*ret = t;
	return 0;
}
