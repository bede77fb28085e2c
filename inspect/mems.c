// SPDX-License-Identifier: LGPL-2.1-or-later
/* Memory maps (mm-PID.img) and their dumped pages (pagemap-PID.img). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

/* crit's running numbers for shared-memory ids, across all tasks. */
struct vids {
	uint64_t *ids;
	size_t n, cap;
};

static uint64_t vid_get(struct vids *v, uint64_t shmid)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->ids[i] == shmid)
			return i + 1;
	v->ids = xgrow(v->ids, &v->cap, v->n + 1, sizeof(*v->ids));
	v->ids[v->n++] = shmid;
	return v->n;
}

struct ins_mms *ins_mms_free(struct ins_mms *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		struct ins_task_mm *t = &m->tasks[i];
		for (size_t j = 0; j < t->n; j++)
			free(t->vmas[j].name);
		free(t->vmas);
		free(t->exe);
	}
	free(m->tasks);
	free(m);
	return NULL;
}

static int classify(struct ins_ckpt *c, struct vids *vids, const VmaEntry *e, struct ins_vma *v,
		    struct cr_error **err)
{
	uint32_t st = e->status;

	v->start = e->start;
	v->end = e->end;
	v->pgoff = e->pgoff;
	v->shmid = e->shmid;
	v->prot = e->prot;
	v->flags = e->flags;
	v->status = st;
	v->regular = st & INS_VMA_REGULAR;
	if (st & (INS_VMA_FILE_PRIVATE | INS_VMA_FILE_SHARED)) {
		int r = ins_file_name(c, FD_TYPES__REG, (uint32_t)e->shmid, &v->name, err);
		if (r >= 0 && (st & INS_VMA_MEMFD))
			r = ins_memfd_name(c, (uint32_t)e->shmid, &v->memfd, err);
		if (r < 0)
			return r;
	}
	if (st & INS_VMA_SYSVIPC) {
		v->kind = INS_VMA_K_SYSV;
	} else if (st & INS_VMA_ANON_SHARED) {
		v->kind = INS_VMA_K_SHMEM;
	} else if (st & INS_VMA_SOCKET) {
		v->kind = INS_VMA_K_PACKET;
	} else if (st & (INS_VMA_FILE_PRIVATE | INS_VMA_FILE_SHARED)) {
		v->kind = INS_VMA_K_FILE;
		v->shared = st & INS_VMA_FILE_SHARED;
	} else if (st & INS_VMA_STACK) {
		v->kind = INS_VMA_K_STACK;
	} else if (st & INS_VMA_VSYSCALL) {
		v->kind = INS_VMA_K_VSYSCALL;
	} else if (st & INS_VMA_VDSO) {
		v->kind = INS_VMA_K_VDSO;
	} else if (e->flags & 0x0100) { /* MAP_GROWSDOWN */
		v->kind = INS_VMA_K_STACK_GUESS;
	} else {
		v->kind = INS_VMA_K_ANON;
	}
	if (v->kind == INS_VMA_K_SYSV || v->kind == INS_VMA_K_SHMEM || v->kind == INS_VMA_K_PACKET)
		v->vid = vid_get(vids, e->shmid);
	return 0;
}

/* Pages of pm inside each VMA (both sorted by address). */
static void count_dumped(struct ins_task_mm *t, const struct ins_pagemap *pm)
{
	size_t j = 0;

	for (size_t i = 0; i < pm->n; i++) {
		uint64_t s = pm->v[i].vaddr, e = s + pm->v[i].nr_pages * INS_PAGE_SIZE;

		while (j < t->n && t->vmas[j].end <= s)
			j++;
		for (size_t k = j; k < t->n && t->vmas[k].start < e; k++) {
			uint64_t a = s > t->vmas[k].start ? s : t->vmas[k].start;
			uint64_t b = e < t->vmas[k].end ? e : t->vmas[k].end;
			if (b > a)
				t->vmas[k].pages_dumped += (b - a) / INS_PAGE_SIZE;
		}
	}
}

static int task_mm(struct ins_ckpt *c, struct vids *vids, const struct ins_task *k,
		   struct ins_task_mm *t, struct cr_error **err)
{
	ProtobufCMessage *m = NULL;
	const MmEntry *mm;
	int r;

	t->pid = k->pid;
	r = img_read_one_at(c->dirfd, IMG_MM, k->pid, &m, err);
	if (r == -ENOENT && (ins_task_is_dead(k) || !k->core)) {
		cr_err_free(err);
		t->dead = true;
		return 0;
	}
	if (r < 0)
		return r;
	mm = (const MmEntry *)m;
	t->arg_start = mm->mm_arg_start;
	t->arg_end = mm->mm_arg_end;
	t->env_start = mm->mm_env_start;
	t->env_end = mm->mm_env_end;
	r = ins_file_name(c, FD_TYPES__REG, mm->exe_file_id, &t->exe, err);
	t->vmas = xcalloc(mm->n_vmas ? mm->n_vmas : 1, sizeof(*t->vmas));
	for (size_t i = 0; r >= 0 && i < mm->n_vmas; i++) {
		r = classify(c, vids, mm->vmas[i], &t->vmas[i], err);
		t->n++;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return r;
}

int ins_mems_count_dumped(struct ins_ckpt *c, struct ins_mms *mms, struct cr_error **err)
{
	for (size_t i = 0; i < mms->n; i++) {
		struct ins_task_mm *t = &mms->tasks[i];
		struct ins_pagemap pm;
		int r;

		if (t->dead)
			continue;
		for (size_t j = 0; j < t->n; j++)
			t->vmas[j].pages_dumped = 0;
		r = ins_pagemap_load(c->dirfd, t->pid, true, &pm, err);
		if (r < 0)
			return cr_err_wrap(err, "task %u", t->pid);
		count_dumped(t, &pm);
		ins_pagemap_clear(&pm);
	}
	return 0;
}

int ins_mems(struct ins_ckpt *c, struct ins_mms **ret, struct cr_error **err)
{
	const struct ins_pstree *pt;
	struct vids vids = { 0 };
	struct ins_mms *m;
	int r = 0;

	r = ins_pstree(c, &pt, err);
	if (r < 0)
		return r;
	m = xzalloc(sizeof(*m));
	m->tasks = xcalloc(pt->n, sizeof(*m->tasks));
	for (size_t i = 0; i < pt->n; i++) {
		m->n++;
		r = task_mm(c, &vids, &pt->tasks[i], &m->tasks[i], err);
		if (r < 0) {
			r = cr_err_wrap(err, "task %u", pt->tasks[i].pid);
			break;
		}
	}
	free(vids.ids);
	if (r < 0) {
		ins_mms_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* ---- rss ---------------------------------------------------------------- */

struct ins_rss *ins_rss_free(struct ins_rss *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->tasks[i].n; j++)
			free(r->tasks[i].rows[j].refs);
		free(r->tasks[i].rows);
	}
	free(r->tasks);
	free(r);
	return NULL;
}

/* Python list indexing, negative from the end (crit's walk can step to -1). */
static const struct ins_vma *pyidx(const struct ins_task_rss *t, ssize_t i)
{
	return &t->vmas[i < 0 ? (ssize_t)t->n_vmas + i : i];
}

/* crit x rss's walk of pagemap entries against VMAs, kept exactly. */
static void rss_walk(struct ins_task_rss *t, const struct ins_pagemap *pm)
{
	ssize_t vmi = 0, pvmi = -1, nv = t->n_vmas;

	t->rows = xcalloc(pm->n ? pm->n : 1, sizeof(*t->rows));
	for (size_t i = 0; i < pm->n; i++) {
		struct ins_rss_row *row = &t->rows[t->n++];
		uint64_t pme = pm->v[i].vaddr + (pm->v[i].nr_pages << 12);
		size_t cap = 0;

		row->vaddr = pm->v[i].vaddr;
		row->nr_pages = pm->v[i].nr_pages;
		row->flags = pm->v[i].flags;
		if (row->flags & IMG_PE_PRESENT)
			t->pages_present += row->nr_pages;
		if (row->flags & IMG_PE_PARENT)
			t->pages_parent += row->nr_pages;
		if (row->flags & IMG_PE_LAZY)
			t->pages_lazy += row->nr_pages;
		if (!nv)
			continue;
		while (vmi < nv && vmi >= -nv && pyidx(t, vmi)->end <= row->vaddr)
			vmi++;
		while (vmi < nv && vmi >= -nv && pyidx(t, vmi)->start < pme) {
			row->refs = xgrow(row->refs, &cap, row->n_refs + 1, sizeof(*row->refs));
			row->refs[row->n_refs].vma = vmi < 0 ? nv + vmi : vmi;
			row->refs[row->n_refs].repeat = vmi == pvmi;
			row->n_refs++;
			pvmi = vmi;
			vmi++;
		}
		vmi--;
	}
}

int ins_rss(struct ins_ckpt *c, const struct ins_mms *mms, struct ins_rss **ret,
	    struct cr_error **err)
{
	struct ins_rss *rs = xzalloc(sizeof(*rs));
	int r = 0;

	rs->tasks = xcalloc(mms->n ? mms->n : 1, sizeof(*rs->tasks));
	for (size_t i = 0; i < mms->n; i++) {
		const struct ins_task_mm *tm = &mms->tasks[i];
		struct ins_task_rss *t = &rs->tasks[rs->n++];
		struct ins_pagemap pm;

		t->pid = tm->pid;
		t->vmas = tm->vmas;
		t->n_vmas = tm->n;
		if (tm->dead) {
			t->dead = true;
			continue;
		}
		r = ins_pagemap_load(c->dirfd, tm->pid, false, &pm, err);
		if (r < 0) {
			r = cr_err_wrap(err, "task %u", tm->pid);
			break;
		}
		rss_walk(t, &pm);
		ins_pagemap_clear(&pm);
	}
	if (r < 0) {
		ins_rss_free(rs);
		return r;
	}
	*ret = rs;
	return 0;
}
