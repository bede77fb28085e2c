// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is an image directory complete and consistent?  Every image file decodes;
 * inventory is sane; every task of pstree has its core (threads too), ids,
 * mm, fs, fdinfo, pagemap and pages images; pagemap entries are ordered and
 * agree with the size of the pages file; every fd, cwd/root, exe and file
 * mapping resolves to a file object; in-parent pages have a parent.
 * Container checkpoints (runc, podman) add: the state images of the tree's
 * own namespaces, a tmpfs-dev-N.tar.gz.img (gzip) per dumped tmpfs, files on
 * mounts that exist, SysV shm pages, cgroup sets; raw network images need
 * no decoding but must belong to a network namespace of the tree.
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
	char **names; /* every file of the directory, sorted */
	size_t n_names;
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
	size_t cap = 0;
	struct dirent *de;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot list", k->c->label);
	}
	rewinddir(d); /* a dup shares its original's offset: an earlier listing left it at the end */
	while ((de = readdir(d))) {
		if (!img_desc_by_filename(de->d_name))
			continue;
		k->names = xgrow(k->names, &cap, k->n_names + 1, sizeof(*k->names));
		k->names[k->n_names++] = xstrdup(de->d_name);
	}
	if (k->n_names)
		qsort(k->names, k->n_names, sizeof(*k->names), name_cmp);
	for (size_t i = 0; i < k->n_names; i++) {
		struct img_reader *r = NULL;
		struct img_entry e;
		int x;

		if (!img_desc_by_filename(k->names[i])->msg)
			continue; /* raw: pages-N, tmpfs-dev-N.tar.gz, ifaddr-N ... */
		k->p->images_checked++;
		x = img_reader_open_at(k->c->dirfd, k->names[i], &r, err);
		while (x >= 0 && (x = img_reader_next(r, true, &e, err)) > 0)
			img_entry_release(&e);
		if (x < 0)
			add_err(k, err);
		img_reader_close(r);
	}
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

/* A pagemap (pagemap-PID or pagemap-shmem-ID) against its pages-N file. */
static void check_pagefile(struct ck *k, enum img_type type, uint32_t id)
{
	struct cr_error *err = NULL;
	struct ins_pagemap pm;
	_cleanup_free_ char *pages = NULL, *pmname = img_filename(type, id);

	if (ins_pagemap_load_type(k->c->dirfd, type, id, false, &pm, &err) < 0) {
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
			add(k, INS_ERROR, "'%s' is missing (%s has %llu bytes of pages)", pages, pmname,
			    (unsigned long long)pm.data_bytes);
	} else if (r < 0) {
		add_err(k, &err);
	} else if (src->size != pm.data_bytes) {
		add(k, src->size < pm.data_bytes ? INS_ERROR : INS_WARN,
		    "'%s': %llu bytes, %s accounts for %llu", src->label,
		    (unsigned long long)src->size, pmname, (unsigned long long)pm.data_bytes);
	}
	ins_page_source_close(src);
	for (size_t i = 1; i < pm.n; i++)
		if (pm.v[i].vaddr < pm.v[i - 1].vaddr + pm.v[i - 1].nr_pages * INS_PAGE_SIZE) {
			add(k, INS_ERROR, "'%s': entry %zu at 0x%llx overlaps or is out of order",
			    pmname, i + 1, (unsigned long long)pm.v[i].vaddr);
			break;
		}
	ins_pagemap_clear(&pm);
}

static void check_pages(struct ck *k, uint32_t pid)
{
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;

	check_pagefile(k, IMG_PAGEMAP, pid);
	/* parents of in-parent pages */
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

/* ---- container checkpoints ---------------------------------------------- */

/* The state image each kind of own namespace must have (net: none, runc dumps it empty). */
static void check_ns_images(struct ck *k, const struct ins_nss *s)
{
	static const struct {
		enum ins_ns_kind kind;
		enum img_type type;
	} want[] = {
		{ INS_NS_UTS, IMG_UTSNS },
		{ INS_NS_IPC, IMG_IPC_VAR },
		{ INS_NS_MNT, IMG_MNTS },
		{ INS_NS_USER, IMG_USERNS },
	};
	char why[64];

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < ARRAY_SIZE(want); j++)
			if (s->v[i].own && s->v[i].kind == want[j].kind) {
				snprintf(why, sizeof(why), "the tree's own %s namespace %u",
					 ins_ns_kind_name(want[j].kind), s->v[i].id);
				need(k, want[j].type, s->v[i].id, why);
			}
}

static bool is_net_ns(const struct ins_nss *s, unsigned long id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == INS_NS_NET && s->v[i].id == id)
			return true;
	return false;
}

/* Raw images named by a namespace id (ifaddr-ID ...) need a namespace of that id. */
static void check_raw_net(struct ck *k, const struct ins_nss *s, const char *name)
{
	static const char *const pfx[] = { "ifaddr-", "route-", "route6-", "rule-", "iptables-",
					   "ip6tables-", "nftables-", "netns-ct-", "netns-exp-" };

	for (size_t i = 0; i < ARRAY_SIZE(pfx); i++) {
		size_t n = strlen(pfx[i]);
		char *end;
		unsigned long id;

		if (strncmp(name, pfx[i], n) || name[n] < '0' || name[n] > '9')
			continue;
		id = strtoul(name + n, &end, 10);
		if (!strcmp(end, ".img") && !is_net_ns(s, id))
			add(k, INS_WARN, "'%s': no task of the tree is in network namespace %lu", name, id);
		return;
	}
}

/* tmpfs-dev-N.tar.gz.img is a gzip'ed tar: at least its magic. */
static void check_gzip(struct ck *k, const char *name)
{
	_cleanup_close_ int fd = openat(k->c->dirfd, name, O_RDONLY | O_CLOEXEC);
	unsigned char m[2];

	if (fd < 0 || read(fd, m, 2) != 2 || m[0] != 0x1f || m[1] != 0x8b)
		add(k, INS_ERROR, "'%s': not a gzip file (tmpfs contents are a tar.gz)", name);
}

/* A dumped tmpfs (not external) has its contents in tmpfs-dev-<root_dev>.tar.gz.img. */
static bool tmpfs_of(const struct ins_mounts *mt, unsigned long dev)
{
	for (size_t i = 0; i < mt->n_msgs; i++) {
		const MntEntry *e = (const MntEntry *)mt->msgs[i];

		if (e->fstype == FSTYPE__TMPFS && e->root_dev == dev && !(e->ext_key && e->ext_key[0]))
			return true;
	}
	return false;
}

static void check_mounts(struct ck *k, const struct ins_mounts *mt, uint32_t **ret_ids, size_t *ret_n)
{
	size_t cap = 0;

	for (size_t i = 0; i < k->n_names; i++) {
		unsigned long dev;
		char tail[16];

		if (sscanf(k->names[i], "tmpfs-dev-%lu.tar.gz.im%15s", &dev, tail) == 2 &&
		    !strcmp(tail, "g") && !tmpfs_of(mt, dev))
			add(k, INS_WARN, "'%s': no dumped tmpfs mount has device %lu", k->names[i], dev);
	}

	for (size_t i = 0; i < mt->n_msgs; i++) {
		const MntEntry *e = (const MntEntry *)mt->msgs[i];
		_cleanup_free_ char *tar = NULL, *why = NULL;

		*ret_ids = xgrow(*ret_ids, &cap, *ret_n + 1, sizeof(**ret_ids));
		(*ret_ids)[(*ret_n)++] = e->mnt_id;
		if (e->fstype != FSTYPE__TMPFS || (e->ext_key && e->ext_key[0]))
			continue;
		tar = img_filename(IMG_TMPFS_DEV, e->root_dev);
		why = xasprintf("the contents of tmpfs mount %u at '%s'", e->mnt_id,
				e->mountpoint ? e->mountpoint : "?");
		if (faccessat(k->c->dirfd, tar, F_OK, 0))
			add(k, INS_ERROR, "'%s' is missing (%s)", tar, why);
		else
			check_gzip(k, tar);
	}
}

/* Every regular file sits on a mount of the checkpoint (CRIU opens it there). */
static void check_file_mounts(struct ck *k, const uint32_t *ids, size_t n)
{
	struct cr_error *err = NULL;
	struct ins_msgs f;

	if (ins_load_all(k->c->dirfd, IMG_FILES, 0, true, &f, &err) < 0) {
		add_err(k, &err);
		return;
	}
	for (size_t i = 0; i < f.n; i++) {
		const FileEntry *e = (const FileEntry *)f.v[i];
		const RegFileEntry *r = e->type == FD_TYPES__REG ? e->reg : NULL;
		bool found = false;

		if (!r || !r->has_mnt_id || r->mnt_id < 0)
			continue;
		for (size_t j = 0; j < n && !found; j++)
			found = ids[j] == (uint32_t)r->mnt_id;
		if (!found)
			add(k, INS_ERROR, "'files.img': entry %zu: '%s' is on mount %d, which no mountpoints image has",
			    i, r->name ? r->name : "?", r->mnt_id);
	}
	ins_msgs_clear(&f);
}

/* SysV shm kept in pagemaps (in_pagemaps): pagemap-shmem-<shmid> and its pages. */
static void check_ipc_shm(struct ck *k, const struct ins_nss *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct cr_error *err = NULL;
		struct ins_msgs m;

		if (s->v[i].kind != INS_NS_IPC || !s->v[i].n_shm)
			continue;
		if (ins_load_all(k->c->dirfd, IMG_IPCNS_SHM, s->v[i].id, true, &m, &err) < 0) {
			add_err(k, &err);
			continue;
		}
		for (size_t j = 0; j < m.n; j++) {
			const IpcShmEntry *e = (const IpcShmEntry *)m.v[j];
			char why[96];

			if (!e->has_in_pagemaps || !e->in_pagemaps || !e->desc)
				continue;
			snprintf(why, sizeof(why), "the pages of SysV shm %u of ipcns-shm-%u.img",
				 e->desc->id, s->v[i].id);
			need(k, IMG_SHMEM_PAGEMAP, e->desc->id, why);
			if (ins_exists_at(k->c->dirfd, IMG_SHMEM_PAGEMAP, e->desc->id))
				check_pagefile(k, IMG_SHMEM_PAGEMAP, e->desc->id);
		}
		ins_msgs_clear(&m);
	}
}

static bool has_set(const CgroupEntry *cg, uint32_t id)
{
	for (size_t i = 0; i < cg->n_sets; i++)
		if (cg->sets[i]->id == id)
			return true;
	return false;
}

/*
 * Each task's and thread's cg_set is a set of cgroup.img.  (inventory's
 * root_cg_set is CRIU's own cgroup set, written only when a task shares it.)
 */
static void check_cgroups(struct ck *k, const struct ins_pstree *t)
{
	_cleanup_(ins_msg_freep) ProtobufCMessage *m = NULL;
	struct cr_error *err = NULL;
	const CgroupEntry *cg;

	if (!ins_exists_at(k->c->dirfd, IMG_CGROUP, 0))
		return;
	if (img_read_one_at(k->c->dirfd, IMG_CGROUP, 0, &m, &err) < 0) {
		add_err(k, &err);
		return;
	}
	cg = (const CgroupEntry *)m;
	for (size_t i = 0; i < t->n; i++) {
		const CoreEntry *c = t->tasks[i].core;

		if (c && c->tc && c->tc->has_cg_set && !has_set(cg, c->tc->cg_set))
			add(k, INS_ERROR, "'core-%u.img': cg_set %u is not a set of cgroup.img",
			    t->tasks[i].pid, c->tc->cg_set);
		if (c && c->thread_core && c->thread_core->has_cg_set &&
		    !has_set(cg, c->thread_core->cg_set))
			add(k, INS_ERROR, "'core-%u.img': thread cg_set %u is not a set of cgroup.img",
			    t->tasks[i].pid, c->thread_core->cg_set);
	}
}

static void check_container(struct ck *k, const struct ins_pstree *t)
{
	struct cr_error *err = NULL;
	struct ins_nss *s = NULL;
	struct ins_mounts *mt = NULL;
	_cleanup_free_ uint32_t *mnt_ids = NULL;
	size_t n_mnt = 0;

	if (ins_namespaces(k->c, &s, &err) < 0) {
		add_err(k, &err);
	} else {
		check_ns_images(k, s);
		check_ipc_shm(k, s);
		for (size_t i = 0; i < k->n_names; i++)
			check_raw_net(k, s, k->names[i]);
	}
	if (ins_mounts(k->c, &mt, &err) < 0) {
		add_err(k, &err);
	} else if (mt->n) {
		check_mounts(k, mt, &mnt_ids, &n_mnt);
		check_file_mounts(k, mnt_ids, n_mnt);
	}
	check_cgroups(k, t);
	ins_mounts_free(mt);
	ins_nss_free(s);
}

int ins_check(struct ins_ckpt *c, struct ins_problems **ret, struct cr_error **err)
{
	struct ck k = { .c = c };
	const struct ins_pstree *t;
	int r;

	k.p = xzalloc(sizeof(*k.p));
	r = check_files(&k, err);
	if (r < 0) {
		ins_strv_free(k.names, k.n_names);
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
		check_container(&k, t);
		if (t->n_order && t->tasks[t->order[0]].parent >= 0)
			add(&k, INS_ERROR, "'pstree.img': no root task");
	}
	ins_strv_free(k.names, k.n_names);
	*ret = k.p;
	return 0;
}
