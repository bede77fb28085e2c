/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SysV shared memory attached by tasks in crisp's own IPC namespace (the
 * host's): PostgreSQL keeps its interlock segment this way.  The segment
 * is not the tree's alone (its id and key are the host's), so crisp does
 * not own it the way CRIU owns an IPC namespace it dumps; it records, per
 * attached segment, the id, key, owner, mode, size and contents in
 * ipcns-shm-N.img (N: the IPC namespace's id, CRIU's layout), and the
 * mapping as a SYSVIPC vma with its shmid, as CRIU writes it.
 *
 * At restore a segment that still exists with the same id, key and size
 * (killing the tree does not remove it) is attached as it is: processes
 * outside the tree may share it.  One that is gone is created again under
 * the same id (kernel.shm_next_id) with its owner, mode and contents.
 * A vma is attached with shmat() at its address, injected into the task.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "ctx.h"
#include "sysv-shm.h"
#include "xalloc.h"

#define SHM_NEXT_ID "/proc/sys/kernel/shm_next_id"

int sysvshm_dump_vma(struct crisp_ctx *c, struct task *t, struct pvma *v, struct cr_error **err)
{
	struct shmid_ds ds;
	int id = (int)v->ino; /* the kernel numbers a segment's inode by its id */
	unsigned long size;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return cr_err_sys(err, -errno, "task %d: SysV shm %d behind %lx-%lx", t->pid, id, v->start,
				  v->end);
	size = (ds.shm_segsz + 4095) & ~4095ul;
	if (v->pgoff || v->end - v->start != size)
		return cr_err(err, -EOPNOTSUPP,
			      "task %d: SysV shm %d mapped in part (%lx-%lx, offset %lu, segment %zu bytes): not supported",
			      t->pid, id, v->start, v->end, v->pgoff, (size_t)ds.shm_segsz);
	v->shmid = (uint32_t)id;
	for (size_t i = 0; i < c->n_sysv; i++)
		if (c->sysv[i] == (uint32_t)id)
			return 0;
	c->sysv = xgrow(c->sysv, &c->cap_sysv, c->n_sysv + 1, sizeof(*c->sysv));
	c->sysv[c->n_sysv++] = (uint32_t)id;
	if (!c->sysv_ns) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/ipc", t->pid);
		c->sysv_ns = stat(path, &st) == 0 ? ns_id_for(c, st.st_ino) : 0;
	}
	return 0;
}

static int dump_one(struct img_writer *w, int id, struct cr_error **err)
{
	IpcShmEntry e = IPC_SHM_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	static const uint8_t zero[4];
	struct shmid_ds ds;
	void *m;
	int r;

	if (shmctl(id, IPC_STAT, &ds) < 0)
		return cr_err_sys(err, -errno, "SysV shm %d", id);
	d.key = (uint32_t)ds.shm_perm.__key;
	d.uid = ds.shm_perm.uid;
	d.gid = ds.shm_perm.gid;
	d.cuid = ds.shm_perm.cuid;
	d.cgid = ds.shm_perm.cgid;
	d.mode = ds.shm_perm.mode; /* with SHM_DEST and SHM_LOCKED, as CRIU keeps it */
	d.id = (uint32_t)id;
	e.desc = &d;
	e.size = ds.shm_segsz;
	e.has_in_pagemaps = true;
	e.in_pagemaps = false; /* the bytes follow the entry */
	m = shmat(id, NULL, SHM_RDONLY);
	if (m == (void *)-1)
		return cr_err_sys(err, -errno, "SysV shm %d: shmat", id);
	r = img_writer_put(w, &e.base, err);
	if (r >= 0)
		r = img_writer_put_raw(w, m, ds.shm_segsz, err);
	if (r >= 0 && ds.shm_segsz % 4)
		r = img_writer_put_raw(w, zero, 4 - ds.shm_segsz % 4, err);
	shmdt(m);
	return r;
}

int sysvshm_dump_commit(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_writer *w = NULL;
	int r;

	if (!c->n_sysv)
		return 0;
	r = img_writer_open_type_at(c->imgfd, IMG_IPCNS_SHM, c->sysv_ns, &w, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < c->n_sysv; i++) {
		r = dump_one(w, (int)c->sysv[i], err);
		if (r >= 0)
			pr_info(c, "SysV shm %u saved", c->sysv[i]);
	}
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}

/* ---- restore ---- */

static int write_next_id(long v, struct cr_error **err)
{
	char buf[32];
	int fd = open(SHM_NEXT_ID, O_WRONLY | O_CLOEXEC), n;
	ssize_t k;

	if (fd < 0)
		return cr_err_sys(err, -errno, "open %s", SHM_NEXT_ID);
	n = snprintf(buf, sizeof(buf), "%ld", v);
	k = write(fd, buf, (size_t)n);
	close(fd);
	if (k != n)
		return cr_err_sys(err, -errno, "write %ld to %s", v, SHM_NEXT_ID);
	return 0;
}

static int recreate(struct crisp_ctx *c, const IpcShmEntry *e, const struct img_entry *ie,
		    struct cr_error **err)
{
	const IpcDescEntry *d = e->desc;
	struct shmid_ds ds;
	void *m;
	int id, r;

	if (ie->extra_len < e->size)
		return cr_err(err, -EINVAL, "SysV shm %u: %zu bytes saved of %llu", d->id, ie->extra_len,
			      (unsigned long long)e->size);
	r = write_next_id(d->id, err);
	if (r < 0)
		return r;
	id = shmget((key_t)d->key, e->size, IPC_CREAT | IPC_EXCL | (int)(d->mode & 0777));
	r = id < 0 ? -errno : 0;
	write_next_id(-1, NULL);
	if (r < 0)
		return cr_err_sys(err, r, "SysV shm %u (key %#x): shmget", d->id, d->key);
	if ((uint32_t)id != d->id) {
		shmctl(id, IPC_RMID, NULL);
		return cr_err(err, -EBUSY, "SysV shm %u came back as %d", d->id, id);
	}
	m = shmat(id, NULL, 0);
	if (m == (void *)-1) {
		r = -errno;
		shmctl(id, IPC_RMID, NULL);
		return cr_err_sys(err, r, "SysV shm %u: shmat", d->id);
	}
	memcpy(m, ie->extra, e->size);
	shmdt(m);
	if (shmctl(id, IPC_STAT, &ds) == 0) {
		ds.shm_perm.uid = d->uid;
		ds.shm_perm.gid = d->gid;
		ds.shm_perm.mode = d->mode & 0777;
		shmctl(id, IPC_SET, &ds);
	}
	pr_info(c, "SysV shm %u (key %#x, %llu bytes) created again", d->id, d->key,
		(unsigned long long)e->size);
	/* removed while attached (IPC_RMID after shmat, as X11's MIT-SHM does):
	 * it goes again once a task holds it (sysvshm_attach) */
	if ((d->mode & SHM_DEST) && c->n_sysv_rm < ARRAY_SIZE(c->sysv_rm))
		c->sysv_rm[c->n_sysv_rm++] = d->id;
	return 0;
}

static int prepare_one(struct crisp_ctx *c, const IpcShmEntry *e, const struct img_entry *ie,
		       struct cr_error **err)
{
	const IpcDescEntry *d = e->desc;
	struct shmid_ds ds;

	if (shmctl((int)d->id, IPC_STAT, &ds) < 0) {
		if (errno != EINVAL && errno != EIDRM)
			return cr_err_sys(err, -errno, "SysV shm %u", d->id);
		return recreate(c, e, ie, err);
	}
	if ((uint32_t)ds.shm_perm.__key != d->key || ds.shm_segsz != e->size)
		return cr_err(err, -EBUSY,
			      "SysV shm id %u is another segment now (key %#x, %zu bytes; the image's: key %#x, %llu bytes)",
			      d->id, (unsigned)ds.shm_perm.__key, (size_t)ds.shm_segsz, d->key,
			      (unsigned long long)e->size);
	pr_info(c, "SysV shm %u (key %#x) still exists: attached as it is", d->id, d->key);
	return 0;
}

int sysvshm_restore_prepare(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_entry *v = NULL;
	bool any = false;
	uint32_t ns = 0;
	size_t n = 0;
	int r;

	for (size_t k = 0; k < c->tree.n && !any; k++) {
		const struct task *t = c->tree.tasks[k];

		for (size_t i = 0; t->mm && i < t->mm->n_vmas && !any; i++)
			any = t->mm->vmas[i]->status & VMA_AREA_SYSVIPC;
		if (any && t->ids)
			ns = t->ids->ipc_ns_id;
	}
	if (!any)
		return 0;
	/* none saved (CRIU writes them only with the IPC namespace): the
	 * segments must still be there, and sysvshm_attach() says which is not */
	r = img_read_entries(c->imgfd, IMG_IPCNS_SHM, ns, true, &v, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = prepare_one(c, (const IpcShmEntry *)v[i].msg, &v[i], err);
	for (size_t i = 0; i < n; i++)
		img_entry_release(&v[i]);
	free(v);
	return r < 0 ? r : 0;
}

int sysvshm_attach(struct crisp_ctx *c, struct task *t, const VmaEntry *v, struct cr_error **err)
{
	int flags = SHM_REMAP | ((v->prot & PROT_WRITE) ? 0 : SHM_RDONLY) | ((v->prot & PROT_EXEC) ? SHM_EXEC : 0);
	long ret = 0;
	int r;

	r = ptr_syscall(t, SYS_shmat, v->shmid, v->start, (unsigned long)flags, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	if (ret < 0 && ret > -4096)
		return cr_err_sys(err, (int)ret, "task %d: shmat of SysV shm %u at %lx%s", t->pid,
				  (unsigned)v->shmid, (unsigned long)v->start,
				  ret == -EINVAL || ret == -EIDRM ? " (the segment is gone and was not saved)" : "");
	if ((unsigned long)ret != v->start)
		return cr_err(err, -EFAULT, "task %d: SysV shm %u landed at %lx, not %lx", t->pid,
			      (unsigned)v->shmid, (unsigned long)ret, (unsigned long)v->start);
	for (size_t i = 0; i < c->n_sysv_rm; i++)
		if (c->sysv_rm[i] == v->shmid) {
			/* attached now: the task keeps it, later attaches by id still work */
			shmctl((int)v->shmid, IPC_RMID, NULL);
			c->sysv_rm[i] = c->sysv_rm[--c->n_sysv_rm];
			break;
		}
	return 0;
}
