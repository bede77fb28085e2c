// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What changed between two checkpoints: tasks (by pid), their fds (by fd
 * number), sockets (by pid and fd) and memory (mapped and dumped bytes per
 * task).  Items come out in that order, tasks in the order of A then B.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

struct dd {
	struct ins_diff *d;
	size_t cap;
};

static struct ins_diff_item *item(struct dd *x, enum ins_diff_what w, enum ins_diff_op op,
				  uint32_t pid)
{
	struct ins_diff_item *it;

	x->d->items = xgrow(x->d->items, &x->cap, x->d->n + 1, sizeof(*x->d->items));
	it = &x->d->items[x->d->n++];
	memset(it, 0, sizeof(*it));
	it->what = w;
	it->op = op;
	it->pid = pid;
	return it;
}

struct ins_diff *ins_diff_free(struct ins_diff *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].key);
		free(d->items[i].a);
		free(d->items[i].b);
	}
	free(d->items);
	free(d);
	return NULL;
}

static char *dup_or(const char *s)
{
	return xstrdup(s ? s : "?");
}

static void diff_tasks(struct dd *x, const struct ins_pstree *a, const struct ins_pstree *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct ins_task *ta = &a->tasks[i], *tb = ins_task_by_pid(b, ta->pid);
		if (!tb) {
			item(x, INS_D_TASK, INS_D_REMOVED, ta->pid)->key = dup_or(ta->comm);
		} else if (strcmp(ta->comm ? ta->comm : "", tb->comm ? tb->comm : "") ||
			   ta->ppid != tb->ppid || ins_task_is_dead(ta) != ins_task_is_dead(tb)) {
			struct ins_diff_item *it = item(x, INS_D_TASK, INS_D_CHANGED, ta->pid);
			it->key = dup_or(tb->comm);
			it->a = xasprintf("%s ppid %u%s", ta->comm ? ta->comm : "?", ta->ppid,
					  ins_task_is_dead(ta) ? " dead" : "");
			it->b = xasprintf("%s ppid %u%s", tb->comm ? tb->comm : "?", tb->ppid,
					  ins_task_is_dead(tb) ? " dead" : "");
		}
	}
	for (size_t i = 0; i < b->n; i++)
		if (!ins_task_by_pid(a, b->tasks[i].pid))
			item(x, INS_D_TASK, INS_D_ADDED, b->tasks[i].pid)->key =
				dup_or(b->tasks[i].comm);
}

static const struct ins_task_fds *task_fds(const struct ins_fds *f, uint32_t pid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->tasks[i].pid == pid)
			return &f->tasks[i];
	return NULL;
}

static const struct ins_fd *fd_in(const struct ins_task_fds *t, uint32_t fd)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->fds[i].fd == fd)
			return &t->fds[i];
	return NULL;
}

static void diff_fds(struct dd *x, const struct ins_fds *a, const struct ins_fds *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct ins_task_fds *ta = &a->tasks[i], *tb = task_fds(b, ta->pid);
		if (!tb)
			continue;
		for (size_t j = 0; j < ta->n; j++) {
			const struct ins_fd *fa = &ta->fds[j], *fb = fd_in(tb, fa->fd);
			struct ins_diff_item *it;
			if (!fb) {
				it = item(x, INS_D_FD, INS_D_REMOVED, ta->pid);
				it->fd = fa->fd;
				it->key = xstrdup(fa->name);
			} else if (strcmp(fa->name, fb->name)) {
				it = item(x, INS_D_FD, INS_D_CHANGED, ta->pid);
				it->fd = fa->fd;
				it->key = xstrdup(fb->name);
				it->a = xstrdup(fa->name);
				it->b = xstrdup(fb->name);
			}
		}
		for (size_t j = 0; j < tb->n; j++)
			if (!fd_in(ta, tb->fds[j].fd)) {
				struct ins_diff_item *it = item(x, INS_D_FD, INS_D_ADDED, ta->pid);
				it->fd = tb->fds[j].fd;
				it->key = xstrdup(tb->fds[j].name);
			}
	}
}

static char *sk_desc(const struct ins_sk *k)
{
	const char *f = ins_sk_family_name(k->family), *t = ins_sk_type_name(k->type);
	const char *s = k->kind == INS_SK_PACKET ? "-" : ins_sk_state_name(k->state);

	return xasprintf("%s %s %s %s:%u -> %s:%u", f ? f : "?", t ? t : "?", s ? s : "?",
			 k->src ? k->src : "", k->src_port, k->dst ? k->dst : "", k->dst_port);
}

static const struct ins_sk *sk_at(const struct ins_sks *s, uint32_t pid, uint32_t fd)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->sks[i].pid == pid && s->sks[i].fd == fd)
			return &s->sks[i];
	return NULL;
}

static void diff_sks(struct dd *x, const struct ins_sks *a, const struct ins_sks *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct ins_sk *ka = &a->sks[i], *kb = sk_at(b, ka->pid, ka->fd);
		_cleanup_free_ char *da = sk_desc(ka);
		struct ins_diff_item *it;

		if (!kb) {
			it = item(x, INS_D_SOCKET, INS_D_REMOVED, ka->pid);
			it->fd = ka->fd;
			it->key = TAKE_PTR(da);
			continue;
		}
		_cleanup_free_ char *db = sk_desc(kb);
		if (strcmp(da, db)) {
			it = item(x, INS_D_SOCKET, INS_D_CHANGED, ka->pid);
			it->fd = ka->fd;
			it->key = xstrdup(db);
			it->a = TAKE_PTR(da);
			it->b = TAKE_PTR(db);
		}
	}
	for (size_t i = 0; i < b->n; i++)
		if (!sk_at(a, b->sks[i].pid, b->sks[i].fd)) {
			struct ins_diff_item *it = item(x, INS_D_SOCKET, INS_D_ADDED, b->sks[i].pid);
			it->fd = b->sks[i].fd;
			it->key = sk_desc(&b->sks[i]);
		}
}

static void mm_sizes(const struct ins_task_mm *t, uint64_t *mapped, uint64_t *dumped)
{
	*mapped = *dumped = 0;
	for (size_t i = 0; i < t->n; i++) {
		*mapped += t->vmas[i].end - t->vmas[i].start;
		*dumped += t->vmas[i].pages_dumped * INS_PAGE_SIZE;
	}
}

static void diff_mm(struct dd *x, const struct ins_mms *a, const struct ins_mms *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			uint64_t ma, da, mb, db;
			if (a->tasks[i].pid != b->tasks[j].pid || a->tasks[i].dead || b->tasks[j].dead)
				continue;
			mm_sizes(&a->tasks[i], &ma, &da);
			mm_sizes(&b->tasks[j], &mb, &db);
			if (ma == mb && da == db && a->tasks[i].n == b->tasks[j].n)
				continue;
			struct ins_diff_item *it = item(x, INS_D_MEM, INS_D_CHANGED, a->tasks[i].pid);
			it->key = xstrdup("memory");
			it->a = xasprintf("%zu vmas, %llu mapped, %llu dumped", a->tasks[i].n,
					  (unsigned long long)ma, (unsigned long long)da);
			it->b = xasprintf("%zu vmas, %llu mapped, %llu dumped", b->tasks[j].n,
					  (unsigned long long)mb, (unsigned long long)db);
			it->delta = (int64_t)db - (int64_t)da;
		}
}

int ins_diff(struct ins_ckpt *a, struct ins_ckpt *b, struct ins_diff **ret, struct cr_error **err)
{
	const struct ins_pstree *pa, *pb;
	struct ins_fds *fa = NULL, *fb = NULL;
	struct ins_sks *sa = NULL, *sb = NULL;
	struct ins_mms *ma = NULL, *mb = NULL;
	struct dd x = { 0 };
	int r;

	if ((r = ins_pstree(a, &pa, err)) < 0 || (r = ins_fds(a, &fa, err)) < 0 ||
	    (r = ins_sockets(a, &sa, err)) < 0 || (r = ins_mems(a, &ma, err)) < 0 ||
	    (r = ins_mems_count_dumped(a, ma, err)) < 0) {
		r = cr_err_wrap(err, "%s", a->label);
		goto out;
	}
	if ((r = ins_pstree(b, &pb, err)) < 0 || (r = ins_fds(b, &fb, err)) < 0 ||
	    (r = ins_sockets(b, &sb, err)) < 0 || (r = ins_mems(b, &mb, err)) < 0 ||
	    (r = ins_mems_count_dumped(b, mb, err)) < 0) {
		r = cr_err_wrap(err, "%s", b->label);
		goto out;
	}
	x.d = xzalloc(sizeof(*x.d));
	diff_tasks(&x, pa, pb);
	diff_fds(&x, fa, fb);
	diff_sks(&x, sa, sb);
	diff_mm(&x, ma, mb);
	*ret = x.d;
out:
	ins_fds_free(fa);
	ins_fds_free(fb);
	ins_sks_free(sa);
	ins_sks_free(sb);
	ins_mms_free(ma);
	ins_mms_free(mb);
	return r < 0 ? r : 0;
}
