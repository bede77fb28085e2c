// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is an image directory complete and consistent?  Every image file decodes;
 * inventory is sane; every task of pstree has its core (threads too), ids,
 * mm, fs, fdinfo, pagemap and pages images; pagemap entries are ordered and
 * agree with the size of the pages file; every fd, cwd/root, exe and file
 * mapping resolves to a file object; in-parent pages have a parent.
 * Problems are collected, not returned as errors: only a directory that
 * cannot be read at all fails the call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

struct ck {
	struct ins_ckpt *c;
	struct ins_problems *p;
	size_t cap;
};

static void __attribute__((format(printf, 3, 4))) add(struct ck *k, enum ins_severity sev,
						       const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < k->p->n; i++)
		if (!strcmp(k->p->p[i].msg, msg)) { /* seen by an earlier pass */
			free(msg);
			return;
		}
	k->p->p = xgrow(k->p->p, &k->cap, k->p->n + 1, sizeof(*k->p->p));
	k->p->p[k->p->n].msg = msg;
	k->p->p[k->p->n++].sev = sev;
	if (sev == INS_ERROR)
		k->p->n_errors++;
}

/* Record an error from the library as a problem and clear it. */
static void add_err(struct ck *k, struct cr_error **err)
{
	add(k, INS_ERROR, "%s", *err ? (*err)->msg : "unknown error");
	cr_err_free(err);
}

struct ins_problems *ins_problems_free(struct ins_problems *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		free(p->p[i].msg);
	free(p->p);
	free(p);
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every image in the directory decodes from start to end. */
static int check_files(struct ck *k, struct cr_error **err)
{
	int fd = fcntl(k->c->dirfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot list", k->c->label);
	}
	while ((de = readdir(d))) {
		const struct img_desc *desc = img_desc_by_filename(de->d_name);
		if (!desc || !desc->msg)
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		struct img_reader *r = NULL;
		struct img_entry e;
		int x;

		k->p->images_checked++;
		x = img_reader_open_at(k->c->dirfd, names[i], &r, err);
		while (x >= 0 && (x = img_reader_next(r, true, &e, err)) > 0)
			img_entry_release(&e);
		if (x < 0)
			add_err(k, err);
		img_reader_close(r);
		free(names[i]);
	}
	free(names);
	return 0;
}

static void check_inventory(struct ck *k)
{
	struct cr_error *err = NULL;
	ProtobufCMessage *m = NULL;
	const InventoryEntry *inv;

	if (img_read_one_at(k->c->dirfd, IMG_INVENTORY, 0, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	inv = (const InventoryEntry *)m;
	if (inv->img_version != 2)
		add(k, INS_WARN, "'inventory.img': img_version %u (CRIU writes 2)", inv->img_version);
	if (!inv->root_ids)
		add(k, INS_WARN, "'inventory.img': no root_ids");
	if (inv->has_fdinfo_per_id && !inv->fdinfo_per_id)
		add(k, INS_ERROR, "'inventory.img': fdinfo_per_id is false (pre-3.x layout)");
	protobuf_c_message_free_unpacked(m, NULL);
}

static void need(struct ck *k, enum img_type t, unsigned long id, const char *why)
{
	_cleanup_free_ char *name = img_filename(t, id);

	if (faccessat(k->c->dirfd, name, F_OK, 0))
		add(k, INS_ERROR, "'%s' is missing (%s)", name, why);
}

static void resolve(struct ck *k, FdTypes type, uint32_t id, const char *where)
{
	struct cr_error *err = NULL;
	const ProtobufCMessage *m = NULL;
	const char *tn = ins_fd_type_name(type);

	if (ins_file_find(k->c, type, id, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	if (!m && type != FD_TYPES__UND && type != FD_TYPES__CTL_TTY &&
	    type != FD_TYPES__AUTOFS_PIPE)
		add(k, INS_ERROR, "%s: %s file id %u not found in files.img or its own image", where,
		    tn ? tn : "?", id);
}

static void check_pages(struct ck *k, uint32_t pid)
{
	struct cr_error *err = NULL;
	struct ins_pagemap pm;
	_cleanup_free_ char *pages = NULL;

	if (ins_pagemap_load(k->c->dirfd, pid, false, &pm, &err) < 0) {
		add_err(k, &err);
		return;
	}
	pages = img_filename(IMG_PAGES, pm.pages_id);
	ins_page_open_fn open_fn = k->c->page_open ? k->c->page_open : ins_page_source_open_raw;
	struct ins_page_source *src = NULL;
	int r = open_fn(k->c->dirfd, pm.pages_id, &src, &err);
	if (r == -ENOENT) {
		cr_err_free(&err);
		if (pm.data_bytes)
			add(k, INS_ERROR, "'%s' is missing (pagemap-%u.img has %llu bytes of pages)",
			    pages, pid, (unsigned long long)pm.data_bytes);
	} else if (r < 0) {
		add_err(k, &err);
	} else if (src->size != pm.data_bytes) {
		add(k, src->size < pm.data_bytes ? INS_ERROR : INS_WARN,
		    "'%s': %llu bytes, pagemap-%u.img accounts for %llu", src->label,
		    (unsigned long long)src->size, pid, (unsigned long long)pm.data_bytes);
	}
	ins_page_source_close(src);
	for (size_t i = 1; i < pm.n; i++)
		if (pm.v[i].vaddr < pm.v[i - 1].vaddr + pm.v[i - 1].nr_pages * INS_PAGE_SIZE) {
			add(k, INS_ERROR, "'pagemap-%u.img': entry %zu at 0x%llx overlaps or is out of order",
			    pid, i + 1, (unsigned long long)pm.v[i].vaddr);
			break;
		}
	ins_pagemap_clear(&pm);
	/* parents of in-parent pages */
	struct ins_mem *m = NULL;
	if (ins_mem_open(k->c, pid, &m, &err) < 0)
		add_err(k, &err);
	ins_mem_free(m);
}

static void check_mm(struct ck *k, uint32_t pid)
{
	struct cr_error *err = NULL;
	ProtobufCMessage *m = NULL;
	const MmEntry *mm;
	char where[64];

	if (img_read_one_at(k->c->dirfd, IMG_MM, pid, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	mm = (const MmEntry *)m;
	snprintf(where, sizeof(where), "'mm-%u.img': exe", pid);
	resolve(k, FD_TYPES__REG, mm->exe_file_id, where);
	for (size_t i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];
		if (v->end <= v->start || v->start % INS_PAGE_SIZE || v->end % INS_PAGE_SIZE)
			add(k, INS_ERROR, "'mm-%u.img': vma %zu: bad range 0x%llx-0x%llx", pid, i,
			    (unsigned long long)v->start, (unsigned long long)v->end);
		if (i && v->start < mm->vmas[i - 1]->end)
			add(k, INS_ERROR, "'mm-%u.img': vma %zu at 0x%llx overlaps the previous one",
			    pid, i, (unsigned long long)v->start);
		if (v->status & (INS_VMA_FILE_PRIVATE | INS_VMA_FILE_SHARED)) {
			snprintf(where, sizeof(where), "'mm-%u.img': vma %zu", pid, i);
			resolve(k, v->status & INS_VMA_MEMFD ? FD_TYPES__MEMFD : FD_TYPES__REG,
				(uint32_t)v->shmid, where);
		}
	}
	protobuf_c_message_free_unpacked(m, NULL);
}

static void check_fds(struct ck *k, uint32_t pid)
{
	struct cr_error *err = NULL;
	ProtobufCMessage *m = NULL;
	struct ins_msgs fdi;
	uint32_t files_id;
	char where[96];

	if (img_read_one_at(k->c->dirfd, IMG_IDS, pid, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	files_id = ((TaskKobjIdsEntry *)m)->files_id;
	protobuf_c_message_free_unpacked(m, NULL);
	if (ins_load_all(k->c->dirfd, IMG_FDINFO, files_id, false, &fdi, &err) < 0) {
		add_err(k, &err);
	} else {
		for (size_t i = 0; i < fdi.n; i++) {
			const FdinfoEntry *e = (const FdinfoEntry *)fdi.v[i];
			snprintf(where, sizeof(where), "'fdinfo-%u.img': entry %zu (fd %u)", files_id, i,
				 e->fd);
			resolve(k, e->type, e->id, where);
		}
		ins_msgs_clear(&fdi);
	}
	if (img_read_one_at(k->c->dirfd, IMG_FS, pid, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	snprintf(where, sizeof(where), "'fs-%u.img': cwd", pid);
	resolve(k, FD_TYPES__REG, ((FsEntry *)m)->cwd_id, where);
	snprintf(where, sizeof(where), "'fs-%u.img': root", pid);
	resolve(k, FD_TYPES__REG, ((FsEntry *)m)->root_id, where);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void check_task(struct ck *k, const struct ins_pstree *t, const struct ins_task *tk)
{
	char why[64];

	if (tk->ppid && !ins_task_by_pid(t, tk->ppid))
		add(k, INS_ERROR, "'pstree.img': task %u: parent %u is not in the tree", tk->pid,
		    tk->ppid);
	snprintf(why, sizeof(why), "task %u", tk->pid);
	if (!tk->core)
		need(k, IMG_CORE, tk->pid, why);
	for (size_t i = 0; i < tk->n_threads; i++)
		if (tk->threads[i] != tk->pid)
			need(k, IMG_CORE, tk->threads[i], why);
	if (!tk->core || ins_task_is_dead(tk))
		return;
	need(k, IMG_IDS, tk->pid, why);
	need(k, IMG_MM, tk->pid, why);
	need(k, IMG_PAGEMAP, tk->pid, why);
	need(k, IMG_FS, tk->pid, why);
	if (ins_exists_at(k->c->dirfd, IMG_MM, tk->pid))
		check_mm(k, tk->pid);
	if (ins_exists_at(k->c->dirfd, IMG_PAGEMAP, tk->pid))
		check_pages(k, tk->pid);
	if (ins_exists_at(k->c->dirfd, IMG_IDS, tk->pid) && ins_exists_at(k->c->dirfd, IMG_FS, tk->pid))
		check_fds(k, tk->pid);
}

int ins_check(struct ins_ckpt *c, struct ins_problems **ret, struct cr_error **err)
{
	struct ck k = { .c = c };
	const struct ins_pstree *t;
	int r;

	k.p = xzalloc(sizeof(*k.p));
	r = check_files(&k, err);
	if (r < 0) {
		ins_problems_free(k.p);
		return r;
	}
	check_inventory(&k);
	r = ins_pstree(c, &t, err);
	if (r < 0) {
		add_err(&k, err);
	} else {
		for (size_t i = 0; i < t->n; i++)
			check_task(&k, t, &t->tasks[i]);
		if (t->n_order && t->tasks[t->order[0]].parent >= 0)
			add(&k, INS_ERROR, "'pstree.img': no root task");
	}
	*ret = k.p;
	return 0;
}
