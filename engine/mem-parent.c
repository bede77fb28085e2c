// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pages of PE_PARENT pagemap entries: found in the parent images
 * directory (the "parent" symlink of the images dir, as CRIU makes it),
 * present there, or PE_PARENT again and then one level further up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cleanup.h"
#include "crimg.h"
#include "mem-parent.h"
#include "pages-src.h"
#include "xalloc.h"

#define PG 4096ull
#define MAX_DEPTH 64

struct prun {
	uint64_t vaddr, npages, off; /* off: in pages-N, for present runs */
	bool parent;
};

struct mem_parent {
	int dirfd;  /* this level's images dir */
	int pfd;    /* its pages-N */
	unsigned long id;
	int depth;
	struct prun *runs;
	size_t n;
	struct mem_parent *up; /* opened on demand */
	bool up_tried;
};

static int open_level(int dirfd, unsigned long id, int depth, struct mem_parent **ret,
		      struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e = { 0 };
	struct mem_parent *mp;
	size_t cap = 0;
	uint64_t off = 0;
	unsigned long pages_id;
	int r;

	*ret = NULL;
	r = img_reader_open_type_at(dirfd, IMG_PAGEMAP, id, &rd, err);
	if (r == -ENOENT) {
		cr_err_free(err);
		close(dirfd);
		return 0;
	}
	if (r < 0) {
		close(dirfd);
		return cr_err_wrap(err, "parent images (level %d)", depth);
	}
	mp = xcalloc(1, sizeof(*mp));
	mp->dirfd = dirfd;
	mp->pfd = -1;
	mp->id = id;
	mp->depth = depth;
	r = img_reader_next(rd, false, &e, err);
	if (r <= 0) {
		r = r < 0 ? r : cr_err(err, -EINVAL, "parent %s: no pagemap head", img_reader_label(rd));
		goto fail;
	}
	pages_id = ((PagemapHead *)e.msg)->pages_id;
	img_entry_release(&e);
	while ((r = img_reader_next(rd, true, &e, err)) > 0) {
		PagemapEntry *pe = (PagemapEntry *)e.msg;
		uint64_t n = img_pagemap_nr_pages(pe);
		bool par = pe->has_flags && (pe->flags & IMG_PE_PARENT);
		bool present = !pe->has_flags || (pe->flags & IMG_PE_PRESENT);

		if (par || present) {
			if (mp->n == cap) {
				cap = cap ? cap * 2 : 64;
				mp->runs = xrealloc(mp->runs, cap * sizeof(*mp->runs));
			}
			mp->runs[mp->n++] = (struct prun){ pe->vaddr, n, off, par };
		}
		if (present && !par)
			off += n * PG;
		img_entry_release(&e);
	}
	if (r < 0)
		goto fail;
	r = pages_src_open(dirfd, pages_id, &mp->pfd, err);
	if (r < 0)
		goto fail;
	img_reader_close(rd);
	*ret = mp;
	return 0;
fail:
	img_reader_close(rd);
	mem_parent_close(mp);
	return cr_err_wrap(err, "parent images (level %d)", depth);
}

static int open_parent_of(int dirfd, unsigned long id, int depth, struct mem_parent **ret,
			  struct cr_error **err)
{
	int pfd;

	*ret = NULL;
	if (depth > MAX_DEPTH)
		return cr_err(err, -ELOOP, "parent images: more than %d levels", MAX_DEPTH);
	pfd = openat(dirfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : cr_err_sys(err, -errno, "open parent images dir");
	return open_level(pfd, id, depth, ret, err);
}

int mem_parent_open(int imgfd, unsigned long id, struct mem_parent **ret, struct cr_error **err)
{
	return open_parent_of(imgfd, id, 1, ret, err);
}

void mem_parent_close(struct mem_parent *mp)
{
	while (mp) {
		struct mem_parent *up = mp->up;

		if (mp->pfd >= 0)
			close(mp->pfd);
		if (mp->dirfd >= 0)
			close(mp->dirfd);
		free(mp->runs);
		free(mp);
		mp = up;
	}
}

/* The run holding vaddr (runs are sorted by vaddr in a pagemap). */
static const struct prun *find_run(const struct mem_parent *mp, uint64_t vaddr)
{
	size_t lo = 0, hi = mp->n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;
		const struct prun *p = &mp->runs[m];

		if (vaddr < p->vaddr)
			hi = m;
		else if (vaddr >= p->vaddr + p->npages * PG)
			lo = m + 1;
		else
			return p;
	}
	return NULL;
}

bool mem_parent_has(const struct mem_parent *mp, uint64_t vaddr, uint64_t npages)
{
	uint64_t end = vaddr + npages * PG;

	if (!mp)
		return false;
	while (vaddr < end) {
		const struct prun *p = find_run(mp, vaddr);

		if (!p)
			return false;
		vaddr = p->vaddr + p->npages * PG;
	}
	return true;
}

int mem_parent_read(struct mem_parent *mp, uint64_t vaddr, void *buf, uint64_t len,
		    struct cr_error **err)
{
	uint8_t *b = buf;
	int r;

	while (len) {
		const struct prun *p = mp ? find_run(mp, vaddr) : NULL;
		uint64_t rend, k;

		if (!p)
			return cr_err(err, -ENOENT,
				      "pagemap-%lu: page %#llx not found in the parent images",
				      mp ? mp->id : 0ul, (unsigned long long)vaddr);
		rend = p->vaddr + p->npages * PG;
		k = rend - vaddr < len ? rend - vaddr : len;
		if (p->parent) {
			if (!mp->up_tried) {
				mp->up_tried = true;
				r = open_parent_of(mp->dirfd, mp->id, mp->depth + 1, &mp->up, err);
				if (r < 0)
					return r;
			}
			if (!mp->up)
				return cr_err(err, -ENOENT,
					      "pagemap-%lu: page %#llx is in a parent of level %d, which has none",
					      mp->id, (unsigned long long)vaddr, mp->depth);
			r = mem_parent_read(mp->up, vaddr, b, k, err);
			if (r < 0)
				return r;
		} else {
			for (uint64_t done = 0; done < k;) {
				ssize_t n = pread(mp->pfd, b + done, k - done,
						  p->off + (vaddr - p->vaddr) + done);

				if (n <= 0)
					return cr_err_sys(err, n < 0 ? -errno : -EIO,
							  "parent level %d: reading pages of %lu at %#llx",
							  mp->depth, mp->id,
							  (unsigned long long)vaddr);
				done += n;
			}
		}
		b += k;
		vaddr += k;
		len -= k;
	}
	return 0;
}

/*
 * Does this kernel track soft-dirty pages?  As CRIU's kerndat: write a
 * page, reset the bits, write it again, and the pagemap must say dirty
 * (without CONFIG_MEM_SOFT_DIRTY bit 55 reads 0 and clear_refs 4 is
 * accepted all the same).
 */
bool mem_soft_dirty_works(void)
{
	_cleanup_close_ int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int cr = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	volatile char *p;
	uint64_t e = 0;
	bool ok;

	if (pm < 0 || cr < 0)
		return false;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	p[0] = 1;
	ok = write(cr, "4", 1) == 1;
	p[0] = 2;
	ok = ok && pread(pm, &e, 8, ((unsigned long)p / PG) * 8) == 8 && (e & (1ull << 55));
	munmap((void *)p, PG);
	return ok;
}
