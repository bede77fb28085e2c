/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memfd: the file (flags, position) in files.img, the inode once per memfd
 * in memfd.img (name, owner, size, mode, seals) and its contents as shmem
 * pages, CRIU's way: pagemap-shmem-<shmid>.img naming a pages-N.img, only
 * pages with non-zero data written.  shmid is the inode number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "memfd.h"
#include "xalloc.h"

#define PG 4096ul
#define SEALS_ALL (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

static bool page_zero(const uint8_t *p)
{
	for (size_t i = 0; i < PG; i += 8)
		if (*(const uint64_t *)(p + i))
			return false;
	return true;
}

/* pagemap-shmem-<shmid> + pages-N for the non-zero pages of the file. */
static int dump_contents(struct fdk_dump *d, int fd, uint32_t shmid, uint64_t size,
			 struct cr_error **err)
{
	struct img_writer *pm = NULL, *pg = NULL;
	PagemapHead h = PAGEMAP_HEAD__INIT;
	_cleanup_free_ uint8_t *buf = xmalloc(PG);
	uint64_t run_start = 0, run_len = 0;
	int r;

	h.pages_id = ++*d->next_pages_id; /* the counter holds the last id used */
	r = img_writer_open_type_at(d->imgfd, IMG_SHMEM_PAGEMAP, shmid, &pm, err);
	if (r < 0)
		return r;
	r = img_writer_open_type_at(d->imgfd, IMG_PAGES, h.pages_id, &pg, err);
	if (r < 0)
		goto fail;
	r = img_writer_put(pm, &h.base, err);
	for (uint64_t off = 0; r >= 0 && off < size; off += PG) {
		off_t data = lseek(fd, off, SEEK_DATA);
		ssize_t n;

		if (data < 0 && errno == ENXIO)
			break;
		if (data > (off_t)off) { /* skip a hole */
			off = (data & ~(PG - 1)) - PG;
			continue;
		}
		memset(buf, 0, PG);
		n = pread(fd, buf, PG, off);
		if (n < 0) {
			r = cr_err_sys(err, -errno, "memfd %u: read at %llu", shmid,
				       (unsigned long long)off);
			break;
		}
		bool keep = !page_zero(buf);
		if (keep && run_len && run_start + run_len * PG == off) {
			run_len++;
		} else if (keep) {
			if (run_len) {
				PagemapEntry pe = PAGEMAP_ENTRY__INIT;

				pe.vaddr = run_start;
				pe.has_nr_pages = pe.has_flags = true;
				pe.nr_pages = run_len;
				pe.flags = IMG_PE_PRESENT;
				r = img_writer_put(pm, &pe.base, err);
			}
			run_start = off;
			run_len = 1;
		}
		if (keep && r >= 0)
			r = img_writer_put_raw(pg, buf, PG, err);
	}
	if (r >= 0 && run_len) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT;

		pe.vaddr = run_start;
		pe.has_nr_pages = pe.has_flags = true;
		pe.nr_pages = run_len;
		pe.flags = IMG_PE_PRESENT;
		r = img_writer_put(pm, &pe.base, err);
	}
	if (r >= 0)
		r = img_writer_commit(TAKE_PTR(pg), err);
	if (r >= 0)
		r = img_writer_commit(TAKE_PTR(pm), err);
fail:
	if (pg)
		img_writer_abort(pg);
	if (pm)
		img_writer_abort(pm);
	return r;
}

static int dump_inode(struct fdk_dump *d, int fd, const struct stat *st, uint32_t *ret_id,
		      struct cr_error **err)
{
	MemfdInodeEntry mi = MEMFD_INODE_ENTRY__INIT;
	char p[64], link[512];
	ssize_t n;
	int seals, r;

	for (size_t i = 0; i < d->n_memfds; i++)
		if (d->memfds[i].dev == st->st_dev && d->memfds[i].ino == st->st_ino) {
			*ret_id = d->memfds[i].inode_id;
			return 0;
		}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return cr_err_sys(err, -errno, "readlink '%s'", p);
	link[n] = 0;
	if (n > 10 && !strcmp(link + n - 10, " (deleted)"))
		link[n - 10] = 0;
	if (strncmp(link, "/memfd:", 7))
		return cr_err(err, -EINVAL, "'%s' is not a memfd", link);
	seals = fcntl(fd, F_GET_SEALS);
	mi.name = link + 7;
	mi.uid = st->st_uid;
	mi.gid = st->st_gid;
	mi.size = st->st_size;
	mi.shmid = st->st_ino;
	mi.seals = seals > 0 ? seals : 0;
	mi.inode_id = d->n_memfds + 1;
	mi.has_mode = true;
	mi.mode = st->st_mode;
	if (!d->w_memfd) {
		r = img_writer_open_type_at(d->imgfd, IMG_MEMFD_INODE, 0, &d->w_memfd, err);
		if (r < 0)
			return r;
	}
	r = dump_contents(d, fd, mi.shmid, mi.size, err);
	if (r < 0)
		return r;
	r = img_writer_put(d->w_memfd, &mi.base, err);
	if (r < 0)
		return r;
	d->memfds = xgrow(d->memfds, &d->cap_memfds, d->n_memfds + 1, sizeof(*d->memfds));
	d->memfds[d->n_memfds++] = (struct fdk_memfd_ino){ st->st_dev, st->st_ino, mi.inode_id };
	*ret_id = mi.inode_id;
	return 0;
}

int memfd_dump_file(struct fdk_dump *d, int local_fd, uint32_t flags, uint64_t pos,
		    FileEntry *out, struct cr_error **err)
{
	MemfdFileEntry *e;
	struct stat st;
	uint32_t inode_id = 0;
	int r;

	if (fstat(local_fd, &st) < 0)
		return cr_err_sys(err, -errno, "fstat memfd");
	r = dump_inode(d, local_fd, &st, &inode_id, err);
	if (r < 0)
		return r;
	e = xmalloc(sizeof(*e));
	memfd_file_entry__init(e);
	e->id = out->id;
	e->flags = flags;
	e->pos = pos;
	e->fown = fdk_fown_new(local_fd);
	e->inode_id = inode_id;
	out->type = FD_TYPES__MEMFD;
	out->memfd = e;
	return 0;
}

static int memfd_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
		      FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	uint32_t flags;
	uint64_t pos;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, &pos) < 0)
		return cr_err(err, -EINVAL, "memfd %d of task %d: unexpected fdinfo", target_fd, pid);
	return memfd_dump_file(d, local_fd, flags, pos, out, err);
}

static int load_inodes(struct fdk_restore *rs, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	size_t cap = 0;
	int r;

	if (rs->mino_loaded)
		return 0;
	r = img_reader_open_type_at(rs->imgfd, IMG_MEMFD_INODE, 0, &rd, err);
	if (r < 0)
		return r;
	for (;;) {
		struct img_entry e = { 0 };

		r = img_reader_next(rd, true, &e, err);
		if (r <= 0)
			break;
		rs->mino = xgrow(rs->mino, &cap, rs->n_mino + 1, sizeof(*rs->mino));
		rs->mino[rs->n_mino++] = (MemfdInodeEntry *)TAKE_PTR(e.msg);
		img_entry_release(&e);
	}
	img_reader_close(rd);
	if (r < 0)
		return r;
	rs->mino_fd = xmalloc(sizeof(int) * (rs->n_mino ? rs->n_mino : 1));
	for (size_t i = 0; i < rs->n_mino; i++)
		rs->mino_fd[i] = -1;
	rs->mino_loaded = true;
	return 0;
}

static int fill_contents(struct fdk_restore *rs, int fd, const MemfdInodeEntry *mi,
			 struct cr_error **err)
{
	struct img_reader *rd = NULL;
	_cleanup_close_ int pages = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	off_t poff = 0;
	int r;

	r = img_reader_open_type_at(rs->imgfd, IMG_SHMEM_PAGEMAP, mi->shmid, &rd, err);
	if (r == -ENOENT) { /* nothing was written: all zero */
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	buf = xmalloc(PG);
	for (;;) {
		struct img_entry e = { 0 };

		r = img_reader_next(rd, true, &e, err);
		if (r <= 0)
			break;
		if (e.index == 0) {
			char name[64];

			snprintf(name, sizeof(name), "pages-%u.img",
				 ((PagemapHead *)e.msg)->pages_id);
			pages = openat(rs->imgfd, name, O_RDONLY | O_CLOEXEC);
			if (pages < 0)
				r = cr_err_sys(err, -errno, "open '%s'", name);
		} else {
			const PagemapEntry *pe = (PagemapEntry *)e.msg;
			uint64_t np = img_pagemap_nr_pages(pe);

			for (uint64_t i = 0; r >= 0 && i < np; i++) {
				if (pread(pages, buf, PG, poff) != (ssize_t)PG)
					r = cr_err(err, -EIO, "memfd '%s': short pages file", mi->name);
				else if (pwrite(fd, buf, PG, pe->vaddr + i * PG) != (ssize_t)PG)
					r = cr_err_sys(err, -errno, "memfd '%s': write", mi->name);
				poff += PG;
			}
		}
		img_entry_release(&e);
		if (r < 0)
			break;
	}
	img_reader_close(rd);
	return r;
}

static int inode_fd(struct fdk_restore *rs, uint32_t inode_id, struct cr_error **err)
{
	const MemfdInodeEntry *mi = NULL;
	_cleanup_close_ int fd = -1;
	size_t i;
	int r;

	r = load_inodes(rs, err);
	if (r < 0)
		return r;
	for (i = 0; i < rs->n_mino; i++)
		if (rs->mino[i]->inode_id == inode_id) {
			mi = rs->mino[i];
			break;
		}
	if (!mi)
		return cr_err(err, -ENOENT, "memfd inode %u not in memfd.img", inode_id);
	if (rs->mino_fd[i] >= 0)
		return rs->mino_fd[i];
	fd = memfd_create(mi->name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "memfd_create '%s'", mi->name);
	if (fchown(fd, mi->uid, mi->gid) < 0)
		return cr_err_sys(err, -errno, "memfd '%s': chown", mi->name);
	if (mi->has_mode && fchmod(fd, mi->mode & 07777) < 0)
		return cr_err_sys(err, -errno, "memfd '%s': chmod", mi->name);
	if (ftruncate(fd, mi->size) < 0)
		return cr_err_sys(err, -errno, "memfd '%s': truncate to %llu", mi->name,
				  (unsigned long long)mi->size);
	r = fill_contents(rs, fd, mi, err);
	if (r < 0)
		return r;
	if ((mi->seals & SEALS_ALL) && fcntl(fd, F_ADD_SEALS, mi->seals & SEALS_ALL) < 0)
		return cr_err_sys(err, -errno, "memfd '%s': seals 0x%x", mi->name, mi->seals);
	rs->mino_fd[i] = TAKE_FD(fd);
	return rs->mino_fd[i];
}

static int memfd_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
		      struct cr_error **err)
{
	const MemfdFileEntry *e = fe->memfd;
	_cleanup_close_ int fd = -1;
	char p[64];
	int ifd, r;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: MEMFD without memfd", fe->id);
	ifd = inode_fd(rs, e->inode_id, err);
	if (ifd < 0)
		return ifd;
	/* a new open file description: its own flags and position */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", ifd);
	fd = open(p, (e->flags & ~(O_CREAT | O_EXCL | O_TRUNC)) | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "memfd file %u: reopen", e->id);
	if (e->pos && lseek(fd, e->pos, SEEK_SET) < 0)
		return cr_err_sys(err, -errno, "memfd file %u: seek", e->id);
	r = fdk_fown_restore(fd, e->fown, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

const struct fdk_ops fdk_memfd_ops = {
	.name = "memfd",
	.type = FD_TYPES__MEMFD,
	.dump = memfd_dump,
	.open = memfd_open,
};
