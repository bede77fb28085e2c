/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process tree: collecting and stopping it for a dump, pstree.img,
 * and reading it back (with each task's core, ids, mm, fs and fdinfo
 * images) for a restore.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx.h"
#include "xalloc.h"

struct task *pstree_find(struct pstree *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->tasks[i]->pid == pid)
			return t->tasks[i];
	return NULL;
}

struct task *pstree_add(struct pstree *t, pid_t pid, struct task *parent)
{
	struct task *k = xzalloc(sizeof(*k));

	k->pid = pid;
	k->state = TASK_ALIVE;
	k->parent = parent;
	k->idx = t->n;
	t->tasks = xgrow(t->tasks, &t->cap, t->n + 1, sizeof(*t->tasks));
	t->tasks[t->n++] = k;
	if (parent) {
		parent->children = xgrow(parent->children, &parent->cap_children,
					 parent->n_children + 1, sizeof(*parent->children));
		parent->children[parent->n_children++] = k;
	} else {
		t->root = k;
	}
	return k;
}

static void task_free(struct task *k)
{
	threads_free(k);
	pvma_list_release(&k->vmas);
	if (k->core)
		protobuf_c_message_free_unpacked(&k->core->base, NULL);
	if (k->ids)
		protobuf_c_message_free_unpacked(&k->ids->base, NULL);
	if (k->mm)
		protobuf_c_message_free_unpacked(&k->mm->base, NULL);
	if (k->fs)
		protobuf_c_message_free_unpacked(&k->fs->base, NULL);
	for (size_t i = 0; i < k->n_fds; i++)
		protobuf_c_message_free_unpacked(&k->fds[i]->base, NULL);
	free(k->fds);
	free(k->children);
	free(k);
}

void pstree_release(struct pstree *t)
{
	for (size_t i = 0; i < t->n; i++)
		task_free(t->tasks[i]);
	free(t->tasks);
	memset(t, 0, sizeof(*t));
}

int pstree_collect(struct crisp_ctx *c, pid_t root, struct cr_error **err)
{
	struct pstree *tr = &c->tree;
	int r;

	pstree_add(tr, root, NULL);
	/* breadth first; a stopped task cannot fork, so its children list is final */
	for (size_t i = 0; i < tr->n; i++) {
		struct task *t = tr->tasks[i];
		struct proc_stat ps;
		_cleanup_free_ pid_t *kids = NULL;
		size_t n_kids = 0;

		r = proc_read_stat(t->pid, &ps, err);
		if (r < 0)
			return cr_err_wrap(err, "task %d", t->pid);
		t->ppid = ps.ppid;
		t->pgid = ps.pgid;
		t->sid = ps.sid;
		if (ps.state == 'Z') {
			if (!t->parent)
				return cr_err(err, -EINVAL, "task %d is a zombie", t->pid);
			t->state = TASK_DEAD;
			t->exit_code = ps.exit_code;
			continue;
		}
		r = ns_check_task(t->pid, err);
		if (r < 0)
			return r;
		r = ptr_seize(c, t, err);
		if (r < 0 && t->parent && proc_read_stat(t->pid, &ps, NULL) == 0 &&
		    (ps.state == 'Z' || ps.state == 'X')) {
			/* it exited while we looked: its stopped parent keeps it as a zombie */
			cr_err_free(err);
			t->seized = false;
			t->regs_saved = t->mask_saved = false;
			t->state = TASK_DEAD;
			t->exit_code = ps.exit_code;
			continue;
		}
		if (r < 0)
			return r;
		r = threads_seize(c, t, err);
		if (r < 0)
			return r;
		if (t->parent) {
			/* processes sharing what only threads share here would come back apart */
			static const struct { int type; const char *what; } shared[] = {
				{ KCMP_VM, "its memory (vfork or CLONE_VM)" },
				{ KCMP_FILES, "its fd table (CLONE_FILES)" },
				{ KCMP_FS, "its cwd/root/umask (CLONE_FS)" },
			};

			for (size_t k = 0; k < ARRAY_SIZE(shared); k++)
				if (syscall(SYS_kcmp, t->parent->pid, t->pid, shared[k].type, 0, 0) == 0)
					return cr_err(err, -EOPNOTSUPP,
						      "task %d shares %s with its parent %d: not supported",
						      t->pid, shared[k].what, t->parent->pid);
		}
		r = proc_read_children(t->pid, &kids, &n_kids, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n_kids; k++)
			if (!pstree_find(tr, kids[k]))
				pstree_add(tr, kids[k], t);
	}
	return 0;
}

int pstree_write(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_writer *w = NULL;
	int r;

	r = img_writer_open_type_at(c->imgfd, IMG_PSTREE, 0, &w, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];
		PstreeEntry e = PSTREE_ENTRY__INIT;
		_cleanup_free_ uint32_t *tids = xcalloc(t->n_threads + 1, sizeof(uint32_t));

		e.pid = t->pid;
		e.ppid = t->parent ? t->parent->pid : 0;
		e.pgid = t->pgid;
		e.sid = t->sid;
		/* a zombie has its one thread listed too: CRIU's restore of a
		 * zombie without one kills its parent ("Unable to detach") */
		tids[0] = t->pid;
		for (size_t k = 0; t->state != TASK_DEAD && k < t->n_threads; k++)
			tids[k + 1] = t->threads[k]->pid;
		e.n_threads = t->state != TASK_DEAD ? t->n_threads + 1 : 1;
		e.threads = tids;
		r = img_writer_put(w, &e.base, err);
		if (r < 0) {
			img_writer_abort(w);
			return r;
		}
	}
	return img_writer_commit(w, err);
}

static int read_fdinfo(struct crisp_ctx *c, struct task *t, uint32_t files_id,
		       struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e;
	size_t cap = 0;
	int r;

	r = img_reader_open_type_at(c->imgfd, IMG_FDINFO, files_id, &rd, err);
	if (r == -ENOENT) {
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	for (;;) {
		memset(&e, 0, sizeof(e));
		r = img_reader_next(rd, false, &e, err);
		if (r <= 0)
			break;
		t->fds = xgrow(t->fds, &cap, t->n_fds + 1, sizeof(*t->fds));
		t->fds[t->n_fds++] = (FdinfoEntry *)TAKE_PTR(e.msg);
		img_entry_release(&e);
	}
	img_reader_close(rd);
	return r;
}

static int read_task(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	ProtobufCMessage *m = NULL;
	int r;

	r = img_read_one_at(c->imgfd, IMG_CORE, t->pid, &m, err);
	if (r < 0)
		return r;
	t->core = (CoreEntry *)m;
	if (!t->core->tc)
		return cr_err(err, -EINVAL, "core-%d.img: no task core", t->pid);
	if (t->core->mtype != CORE_ENTRY__MARCH__X86_64)
		return cr_err(err, -EOPNOTSUPP, "core-%d.img: not an x86_64 task", t->pid);
	t->state = t->core->tc->task_state;
	t->exit_code = t->core->tc->exit_code;
	if (t->state == TASK_DEAD)
		return 0;
	if (t->state != TASK_ALIVE && t->state != TASK_STOPPED)
		return cr_err(err, -EOPNOTSUPP, "task %d: state %d not supported", t->pid, t->state);
	r = img_read_one_at(c->imgfd, IMG_IDS, t->pid, &m, err);
	if (r == -ENOENT && t->core->ids) {
		cr_err_free(err);
		t->ids = TAKE_PTR(t->core->ids);
	} else if (r < 0) {
		return r;
	} else {
		t->ids = (TaskKobjIdsEntry *)m;
	}
	r = img_read_one_at(c->imgfd, IMG_MM, t->pid, &m, err);
	if (r < 0)
		return r;
	t->mm = (MmEntry *)m;
	r = img_read_one_at(c->imgfd, IMG_FS, t->pid, &m, err);
	if (r < 0)
		return r;
	t->fs = (FsEntry *)m;
	return read_fdinfo(c, t, t->ids->files_id, err);
}

int pstree_read(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e;
	/* each task's thread ids, read once its core says it is not a zombie
	 * (CRIU writes a zombie's one thread id uninitialised) */
	struct tids { uint32_t *v; size_t n; } *tids = NULL;
	size_t cap = 0;
	int r;

	r = img_reader_open_type_at(c->imgfd, IMG_PSTREE, 0, &rd, err);
	if (r < 0)
		return r;
	for (;;) {
		PstreeEntry *p;
		struct task *t, *parent = NULL;

		memset(&e, 0, sizeof(e));
		r = img_reader_next(rd, false, &e, err);
		if (r <= 0)
			break;
		p = (PstreeEntry *)e.msg;
		if (c->tree.n && !(parent = pstree_find(&c->tree, p->ppid))) {
			r = cr_err(err, -EINVAL, "pstree.img: task %u: parent %u not seen before",
				   p->pid, p->ppid);
			img_entry_release(&e);
			break;
		}
		t = pstree_add(&c->tree, p->pid, parent);
		t->ppid = p->ppid;
		t->pgid = p->pgid;
		t->sid = p->sid;
		tids = xgrow(tids, &cap, c->tree.n, sizeof(*tids));
		tids[t->idx].n = p->n_threads;
		tids[t->idx].v = p->n_threads ? xcalloc(p->n_threads, sizeof(uint32_t)) : NULL;
		if (p->n_threads)
			memcpy(tids[t->idx].v, p->threads, p->n_threads * sizeof(uint32_t));
		img_entry_release(&e);
	}
	img_reader_close(rd);
	if (r >= 0 && !c->tree.n)
		r = cr_err(err, -EINVAL, "pstree.img: empty");
	for (size_t i = 0; r >= 0 && i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		r = read_task(c, t, err);
		if (r >= 0 && t->state != TASK_DEAD)
			r = threads_read(c, t, tids[i].v, tids[i].n, err);
		if (r < 0)
			r = cr_err_wrap(err, "task %d", t->pid);
	}
	for (size_t i = 0; i < c->tree.n; i++)
		free(tids[i].v);
	free(tids);
	return r < 0 ? r : 0;
}
