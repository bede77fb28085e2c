/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory: mm-N.img (VMAs and mm fields), pagemap-N.img + pages-M.img
 * (present, non-zero private pages) and pagemap-shmem-ID.img for shared
 * anonymous memory.  Dump reads /proc/PID/pagemap and copies pages with
 * process_vm_readv; restore rebuilds the address space of a stopped task
 * by injected munmap/mremap/mmap/mprotect and fills it with
 * process_vm_writev straight from the mmap'ed pages image.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctx.h"
#include "pm-scan.h"
#include "sysv-shm.h"
#include "mem-parent.h"
#include "pages-src.h"
#include "io.h"
#include "xalloc.h"

#define PME_PRESENT (1ull << 63)
#define PME_SWAP (1ull << 62)
#define PME_FILE (1ull << 61)
#define PME_SOFT_DIRTY (1ull << 55)
#define PME_PFN_MASK ((1ull << 55) - 1)
#define IOV_BATCH 512
#define COPY_BUF (8u << 20)
#define BIG_RUN (256u << 10) /* runs this long are pread by the task itself */

int mem_zero_pfn(struct crisp_ctx *c)
{
	_cleanup_close_ int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	volatile char *p;
	uint64_t e;

	if (fd < 0)
		return -errno;
	p = mmap(NULL, PAGE_SIZE_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	(void)p[0];
	if (pread(fd, &e, 8, ((unsigned long)p / PAGE_SIZE_) * 8) == 8 && (e & PME_PRESENT) &&
	    (e & PME_PFN_MASK)) {
		c->zero_pfn = e & PME_PFN_MASK;
		c->have_zero_pfn = true;
	}
	munmap((void *)p, PAGE_SIZE_);
	return 0;
}

/* ---- dump ---- */

struct page_writer {
	struct img_writer *pagemap;
	struct img_writer *pages;
	pid_t pid;
	uint8_t *buf;
	size_t buf_used;
	struct iovec riov[IOV_BATCH];
	size_t n_riov;
	uint64_t written;
	struct mem_parent *parent; /* pages not soft-dirty since it can stay there */
};

static int pw_flush(struct page_writer *pw, struct cr_error **err)
{
	struct iovec l = { pw->buf, pw->buf_used };
	ssize_t n;
	int r;

	if (!pw->buf_used)
		return 0;
	n = process_vm_readv(pw->pid, &l, 1, pw->riov, pw->n_riov, 0);
	if (n != (ssize_t)pw->buf_used) {
		/* PROT_NONE (or write-only) memory: /proc/PID/mem reads it anyway */
		char path[64];
		_cleanup_close_ int mfd = -1;
		size_t off = 0;

		snprintf(path, sizeof(path), "/proc/%d/mem", pw->pid);
		mfd = open(path, O_RDONLY | O_CLOEXEC);
		if (mfd < 0)
			return cr_err_sys(err, -errno, "open '%s'", path);
		for (size_t i = 0; i < pw->n_riov; i++) {
			ssize_t got = pread(mfd, pw->buf + off, pw->riov[i].iov_len,
					    (off_t)(unsigned long)pw->riov[i].iov_base);

			if (got != (ssize_t)pw->riov[i].iov_len)
				return cr_err_sys(err, got < 0 ? -errno : -EFAULT,
						  "task %d: reading %zu bytes at %p", pw->pid,
						  pw->riov[i].iov_len, pw->riov[i].iov_base);
			off += got;
		}
	}
	r = img_writer_put_raw(pw->pages, pw->buf, pw->buf_used, err);
	if (r < 0)
		return r;
	pw->written += pw->buf_used;
	pw->buf_used = 0;
	pw->n_riov = 0;
	return 0;
}

/* Queue [addr, addr + n pages) for copying and record its pagemap entry. */
static int pw_add(struct page_writer *pw, unsigned long vaddr_img, unsigned long addr,
		  uint64_t npages, struct cr_error **err)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int r;

	pe.vaddr = vaddr_img;
	pe.compat_nr_pages = 0; /* CRIU 4.2 writes the count only in nr_pages */
	pe.has_nr_pages = true;
	pe.nr_pages = npages;
	pe.has_flags = true;
	pe.flags = IMG_PE_PRESENT;
	r = img_writer_put(pw->pagemap, &pe.base, err);
	if (r < 0)
		return r;
	while (npages) {
		size_t room = (COPY_BUF - pw->buf_used) / PAGE_SIZE_;
		size_t k = npages < room ? npages : room;

		if (!k || pw->n_riov == IOV_BATCH) {
			r = pw_flush(pw, err);
			if (r < 0)
				return r;
			continue;
		}
		pw->riov[pw->n_riov].iov_base = (void *)addr;
		pw->riov[pw->n_riov].iov_len = k * PAGE_SIZE_;
		pw->n_riov++;
		pw->buf_used += k * PAGE_SIZE_;
		addr += k * PAGE_SIZE_;
		npages -= k;
	}
	return 0;
}

/* A run the parent images hold: a PE_PARENT entry, no bytes. */
static int pw_add_parent(struct page_writer *pw, unsigned long vaddr_img, uint64_t npages,
			 struct cr_error **err)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;

	pe.vaddr = vaddr_img;
	pe.has_nr_pages = true;
	pe.nr_pages = npages;
	pe.has_flags = true;
	pe.flags = IMG_PE_PARENT;
	return img_writer_put(pw->pagemap, &pe.base, err);
}

static int pw_run(struct crisp_ctx *c, struct page_writer *pw, bool parent,
		  unsigned long vaddr_img, unsigned long addr, uint64_t npages,
		  struct cr_error **err)
{
	if (parent) {
		c->st.pages_parent += npages;
		return pw_add_parent(pw, vaddr_img, npages, err);
	}
	c->st.pages_written += npages;
	return pw_add(pw, vaddr_img, addr, npages, err);
}

/*
 * Walk the pagemap of [start, end) and queue the runs of pages worth
 * keeping: present or swapped, not the zero page, and for private mappings
 * only anonymous (COWed) ones; page-cache pages stay in their files.
 */
enum range_mode { RANGE_PRIVATE, RANGE_SHARED, RANGE_ALL };

/*
 * dump_range through PAGEMAP_SCAN: the same choice of pages, from runs
 * instead of one pagemap word per page.  1 when the kernel lacks it.
 */
static int dump_range_scan(struct crisp_ctx *c, int pmfd, struct page_writer *pw,
			   unsigned long start, unsigned long end, enum range_mode mode,
			   unsigned long img_base, struct cr_error **err)
{
	static struct pm_region regs[512];
	unsigned long run = 0, run_end = 0;
	uint64_t at = start;
	int r;

	while (at < end) {
		size_t n = 0;
		uint64_t next;

		r = pm_scan(pmfd, at, end, regs, ARRAY_SIZE(regs), &n, &next);
		if (r == -ENOTTY && at == start)
			return 1;
		if (r < 0)
			return cr_err_sys(err, r, "task %d: PAGEMAP_SCAN at %lx", pw->pid, (unsigned long)at);
		for (size_t i = 0; i < n; i++) {
			const struct pm_region *g = &regs[i];
			bool keep = (g->categories & PM_IS_SWAPPED) ||
				    (mode == RANGE_SHARED || !(g->categories & PM_IS_FILE));

			if (keep && (g->categories & PM_IS_PFNZERO)) {
				keep = false;
				c->st.pages_zero += (g->end - g->start) / PAGE_SIZE_;
			}
			if (!keep)
				continue;
			if (run_end == g->start) {
				run_end = g->end;
				continue;
			}
			if (run_end) {
				r = pw_run(c, pw, false, run - start + img_base, run,
					   (run_end - run) / PAGE_SIZE_, err);
				if (r < 0)
					return r;
			}
			run = g->start;
			run_end = g->end;
		}
		if (next <= at)
			break;
		at = next;
	}
	if (run_end)
		return pw_run(c, pw, false, run - start + img_base, run, (run_end - run) / PAGE_SIZE_,
			      err);
	return 0;
}

static int dump_range(struct crisp_ctx *c, int pmfd, struct page_writer *pw, unsigned long start,
		      unsigned long end, enum range_mode mode, unsigned long img_base,
		      struct cr_error **err)
{
	static uint64_t ents[4096];
	unsigned long run = 0, run_n = 0;
	bool run_par = false;
	int r;

	/* soft-dirty against a parent and the whole-vdso mode need every word */
	if (mode != RANGE_ALL && !pw->parent && !c->no_pm_scan) {
		c->st.pages_scanned += (end - start) / PAGE_SIZE_;
		r = dump_range_scan(c, pmfd, pw, start, end, mode, img_base, err);
		if (r <= 0)
			return r;
		c->st.pages_scanned -= (end - start) / PAGE_SIZE_;
		c->no_pm_scan = true; /* the kernel lacks it: the word-by-word walk from now on */
	}

	for (unsigned long a = start; a < end;) {
		size_t n = (end - a) / PAGE_SIZE_;
		ssize_t got;

		if (n > ARRAY_SIZE(ents))
			n = ARRAY_SIZE(ents);
		got = pread(pmfd, ents, n * 8, (a / PAGE_SIZE_) * 8);
		if (got != (ssize_t)(n * 8))
			return cr_err_sys(err, got < 0 ? -errno : -EIO, "task %d: pagemap at %lx",
					  pw->pid, a);
		for (size_t i = 0; i < n; i++, a += PAGE_SIZE_) {
			uint64_t e = ents[i];
			bool keep = false, par = false;

			c->st.pages_scanned++;
			if (mode == RANGE_ALL || (e & PME_SWAP))
				keep = true;
			else if (e & PME_PRESENT) {
				keep = mode == RANGE_SHARED || !(e & PME_FILE);
				if (keep && c->have_zero_pfn && (e & PME_PFN_MASK) == c->zero_pfn) {
					keep = false;
					c->st.pages_zero++;
				}
			}
			/* unchanged since the parent dump reset soft-dirty: leave it there */
			if (keep && mode == RANGE_PRIVATE && pw->parent && !(e & PME_SOFT_DIRTY) &&
			    mem_parent_has(pw->parent, a - start + img_base, 1))
				par = true;
			if (keep && run_n && par == run_par) {
				run_n++;
				continue;
			}
			if (run_n) {
				r = pw_run(c, pw, run_par, run - start + img_base, run, run_n, err);
				if (r < 0)
					return r;
				run_n = 0;
			}
			if (keep) {
				run = a;
				run_n = 1;
				run_par = par;
			}
		}
	}
	if (run_n) {
		r = pw_run(c, pw, run_par, run - start + img_base, run, run_n, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pw_open(struct crisp_ctx *c, struct page_writer *pw, enum img_type pmtype,
		   unsigned long pmid, pid_t pid, struct cr_error **err)
{
	PagemapHead h = PAGEMAP_HEAD__INIT;
	int r;

	memset(pw, 0, sizeof(*pw));
	pw->pid = pid;
	h.pages_id = ++c->next_pages_id;
	r = img_writer_open_type_at(c->imgfd, pmtype, pmid, &pw->pagemap, err);
	if (r < 0)
		return r;
	r = img_writer_put(pw->pagemap, &h.base, err);
	if (r < 0)
		return r;
	r = img_writer_open_type_at(c->imgfd, IMG_PAGES, h.pages_id, &pw->pages, err);
	if (r < 0)
		return r;
	pw->buf = mmap(NULL, COPY_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pw->buf == MAP_FAILED) {
		pw->buf = NULL;
		return cr_err_sys(err, -errno, "mmap copy buffer");
	}
	return 0;
}

static int pw_close(struct page_writer *pw, int r, struct cr_error **err)
{
	if (r >= 0)
		r = pw_flush(pw, err);
	if (r >= 0 && pw->pages)
		r = img_writer_commit(TAKE_PTR(pw->pages), err);
	if (r >= 0 && pw->pagemap)
		r = img_writer_commit(TAKE_PTR(pw->pagemap), err);
	if (pw->pages)
		img_writer_abort(pw->pages);
	if (pw->pagemap)
		img_writer_abort(pw->pagemap);
	if (pw->buf)
		munmap(pw->buf, COPY_BUF);
	pw->buf = NULL;
	mem_parent_close(TAKE_PTR(pw->parent));
	return r;
}

/*
 * The pages of a shared anonymous object: every page it holds, whichever
 * task touched it.  This task's page table shows only the pages it
 * faulted in itself (a forked worker writing shared memory leaves none in
 * its parent's), so ask the object: SEEK_DATA/SEEK_HOLE on it name the
 * pages it has, in memory or in swap.  The bytes are read through this
 * task's mapping.  Without map_files, fall back to this task's pagemap.
 */
static int dump_shmem_object(struct crisp_ctx *c, struct task *t, struct pvma *v, int pmfd,
			     struct page_writer *pw, struct cr_error **err)
{
	char path[96];
	_cleanup_close_ int fd = -1;
	off_t lo = (off_t)v->pgoff, hi = lo + (off_t)(v->end - v->start), off = lo;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", t->pid, v->start, v->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (lseek(fd, lo, SEEK_DATA) < 0 && errno != ENXIO))
		return dump_range(c, pmfd, pw, v->start, v->end, RANGE_SHARED, v->pgoff, err);
	c->st.pages_scanned += (v->end - v->start) / PAGE_SIZE_;
	while (off < hi) {
		off_t data = lseek(fd, off, SEEK_DATA), hole;

		if (data < 0 || data >= hi)
			break; /* ENXIO: no data after off */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0 || hole > hi)
			hole = hi;
		data &= ~(off_t)(PAGE_SIZE_ - 1);
		r = pw_run(c, pw, false, (unsigned long)data, v->start + (unsigned long)(data - lo),
			   (uint64_t)(hole - data + PAGE_SIZE_ - 1) / PAGE_SIZE_, err);
		if (r < 0)
			return r;
		off = hole;
	}
	return 0;
}

static int dump_shmem(struct crisp_ctx *c, struct task *t, struct pvma *v, int pmfd,
		      struct cr_error **err)
{
	struct page_writer pw;
	int r;

	for (size_t i = 0; i < c->n_shm; i++)
		if (c->shm[i].ino == v->ino) {
			v->shmid = c->shm[i].id;
			return 0;
		}
	if (c->n_shm == ARRAY_SIZE(c->shm))
		return cr_err(err, -E2BIG, "too many shared anonymous mappings");
	c->shm[c->n_shm].ino = v->ino;
	c->shm[c->n_shm].id = v->ino;
	c->shm[c->n_shm].pid = t->pid;
	c->shm[c->n_shm++].start = v->start;
	v->shmid = v->ino;
	r = pw_open(c, &pw, IMG_SHMEM_PAGEMAP, v->shmid, t->pid, err);
	if (r >= 0)
		r = dump_shmem_object(c, t, v, pmfd, &pw, err);
	return pw_close(&pw, r, err);
}

static VmaEntry *vma_entry(const struct pvma *v)
{
	VmaEntry *e = xmalloc(sizeof(*e));

	vma_entry__init(e);
	e->start = v->start;
	e->end = v->end;
	e->pgoff = v->pgoff;
	e->shmid = v->shmid;
	e->prot = v->prot;
	e->flags = v->flags;
	e->status = v->status;
	e->fd = -1;
	if (v->madv) {
		e->has_madv = true;
		e->madv = v->madv;
	}
	if (v->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED)) {
		e->has_fdflags = true;
		e->fdflags = (v->status & VMA_FILE_SHARED) && (v->prot & PROT_WRITE) ? O_RDWR
										     : O_RDONLY;
	}
	return e;
}

static int read_auxv(pid_t pid, uint64_t **ret, size_t *ret_n)
{
	char path[64];
	uint64_t buf[256];
	ssize_t n;
	_cleanup_close_ int fd = -1;
	size_t k;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = io_read_full(fd, buf, sizeof(buf));
	if (n < 0)
		return n;
	for (k = 0; k + 1 < (size_t)n / 8; k += 2)
		if (buf[k] == 0)
			break;
	*ret = xmalloc((k ? k : 1) * 8);
	memcpy(*ret, buf, k * 8);
	*ret_n = k;
	return 0;
}

/* [vvar] and [vvar_vclock] side by side are one VVAR area in CRIU's images. */
static void merge_vvar(struct pvma_list *l)
{
	for (size_t i = 0; i + 1 < l->n; i++) {
		struct pvma *a = &l->v[i], *b = &l->v[i + 1];

		if ((a->status & VMA_AREA_VVAR) && (b->status & VMA_AREA_VVAR) &&
		    a->end == b->start) {
			a->end = b->end;
			free(b->path);
			memmove(b, b + 1, (l->n - i - 2) * sizeof(*b));
			l->n--;
			i--;
		}
	}
}

int mem_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	MmEntry mm = MM_ENTRY__INIT;
	struct proc_stat ps;
	struct page_writer pw;
	_cleanup_close_ int pmfd = -1;
	char path[64];
	long ret = 0;
	int r;

	r = proc_read_stat(t->pid, &ps, err);
	if (r < 0)
		return r;
	merge_vvar(&t->vmas);
	mm.mm_start_code = ps.start_code;
	mm.mm_end_code = ps.end_code;
	mm.mm_start_data = ps.start_data;
	mm.mm_end_data = ps.end_data;
	mm.mm_start_stack = ps.start_stack;
	mm.mm_start_brk = ps.start_brk;
	mm.mm_arg_start = ps.arg_start;
	mm.mm_arg_end = ps.arg_end;
	mm.mm_env_start = ps.env_start;
	mm.mm_env_end = ps.env_end;
	r = ptr_syscall(t, SYS_brk, 0, 0, 0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	mm.mm_brk = ret;
	r = ptr_syscall(t, SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	mm.has_dumpable = true;
	mm.dumpable = ret;
	r = ptr_syscall(t, SYS_prctl, PR_GET_THP_DISABLE, 0, 0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	mm.has_thp_disabled = true;
	mm.thp_disabled = ret == 1;
	r = read_auxv(t->pid, &mm.mm_saved_auxv, &mm.n_mm_saved_auxv);
	if (r < 0)
		return cr_err_sys(err, r, "task %d: auxv", t->pid);
	r = files_dump_path(c, t->pid, "exe", O_RDONLY, &mm.exe_file_id, err);
	if (r < 0)
		goto out;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	pmfd = open(path, O_RDONLY | O_CLOEXEC);
	if (pmfd < 0) {
		r = cr_err_sys(err, -errno, "open '%s'", path);
		goto out;
	}
	mm.vmas = xcalloc(t->vmas.n ? t->vmas.n : 1, sizeof(VmaEntry *));
	for (size_t i = 0; i < t->vmas.n; i++) {
		struct pvma *v = &t->vmas.v[i];

		if (v->status & VMA_AREA_SYSVIPC) {
			r = sysvshm_dump_vma(c, t, v, err);
			if (r < 0)
				goto out;
			mm.vmas[mm.n_vmas++] = vma_entry(v);
			continue;
		}
		if (v->status & VMA_AREA_AIORING) {
			r = cr_err(err, -EOPNOTSUPP, "task %d: mapping %lx-%lx (%s): unsupported",
				   t->pid, v->start, v->end, v->path ? v->path : "?");
			goto out;
		}
		if (v->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED)) {
			char link[80];

			if (v->path && !strncmp(v->path, "/memfd:", 7)) {
				/* a memfd: its inode and contents go with the MEMFD kind */
				v->status |= VMA_AREA_MEMFD;
				r = files_dump_memfd_vma(c, t->pid, v->start, v->end, &v->shmid, err);
				if (r < 0)
					goto out;
				mm.vmas[mm.n_vmas++] = vma_entry(v);
				continue;
			}
			snprintf(link, sizeof(link), "map_files/%lx-%lx", v->start, v->end);
			r = files_dump_path(c, t->pid, link,
					    (v->status & VMA_FILE_SHARED) && (v->prot & PROT_WRITE)
						    ? O_RDWR
						    : O_RDONLY,
					    &v->shmid, err);
			if (r < 0)
				goto out;
		}
		if (v->status & VMA_ANON_SHARED) {
			r = dump_shmem(c, t, v, pmfd, err);
			if (r < 0)
				goto out;
		}
		mm.vmas[mm.n_vmas++] = vma_entry(v);
	}

	r = pw_open(c, &pw, IMG_PAGEMAP, t->pid, t->pid, err);
	/* as CRIU: pages stay in the parent only when memory is tracked (soft-dirty) */
	if (r >= 0 && c->o->prev_images_dir &&
	    (c->o->track_mem || c->o->cmd == CRISP_CMD_PRE_DUMP))
		r = mem_parent_open(c->imgfd, t->pid, &pw.parent, err);
	for (size_t i = 0; r >= 0 && i < t->vmas.n; i++) {
		struct pvma *v = &t->vmas.v[i];

		if (v->status & (VMA_AREA_VSYSCALL | VMA_AREA_VVAR | VMA_ANON_SHARED | VMA_FILE_SHARED |
				 VMA_AREA_SYSVIPC))
			continue;
		if (!(v->prot & PROT_READ) && !(v->status & VMA_ANON_PRIVATE))
			continue;
		/* the whole vdso goes in too, present or not: CRIU checks it at restore */
		r = dump_range(c, pmfd, &pw, v->start, v->end,
			       v->status & VMA_AREA_VDSO ? RANGE_ALL : RANGE_PRIVATE, v->start, err);
	}
	r = pw_close(&pw, r, err);
	if (r < 0)
		goto out;
	r = img_write_one_at(c->imgfd, IMG_MM, t->pid, &mm.base, err);
out:
	for (size_t i = 0; i < mm.n_vmas; i++)
		protobuf_c_message_free_unpacked(&mm.vmas[i]->base, NULL);
	free(mm.vmas);
	free(mm.mm_saved_auxv);
	if (r < 0)
		return cr_err_wrap(err, "task %d: memory", t->pid);
	return 0;
}

/* ---- restore ---- */

struct rvma_fd {
	uint32_t shmid;
	int fd; /* in the target */
};

static int inj(struct task *t, long nr, unsigned long a1, unsigned long a2, unsigned long a3,
	       unsigned long a4, unsigned long a5, unsigned long a6, long *ret,
	       const char *what, struct cr_error **err)
{
	long v;
	int r = ptr_syscall(t, nr, a1, a2, a3, a4, a5, a6, &v, err);

	if (r < 0)
		return r;
	if (v < 0 && v > -4096)
		return cr_err_sys(err, (int)v, "task %d: %s", t->pid, what);
	if (ret)
		*ret = v;
	return 0;
}

/* Open a path inside the target (its root and cwd apply). */
static int inj_open(struct task *t, const char *path, int flags, int *ret_fd,
		    struct cr_error **err)
{
	size_t len = strlen(path) + 1;
	long fd = -1;
	int r;

	if (len > 3000)
		return cr_err(err, -ENAMETOOLONG, "task %d: path too long", t->pid);
	r = ptr_mem_write(t->pid, t->scratch, path, len, err);
	if (r < 0)
		return r;
	r = inj(t, SYS_openat, AT_FDCWD, t->scratch, flags | O_CLOEXEC, 0, 0, 0, &fd, path, err);
	if (r < 0)
		return cr_err_wrap(err, "open '%s'", path);
	*ret_fd = fd;
	return 0;
}

/* A REG entry opened by the task: by its path, or through crisp's fd of its ghost. */
static int open_in_task(struct crisp_ctx *c, struct task *t, const FileEntry *fe, int flags,
			int *ret_fd, struct cr_error **err)
{
	char self[64];
	int gfd, g = ghost_fd(c, fe->id, fe->reg->name, &gfd, err);

	if (g < 0)
		return g;
	if (!g)
		return inj_open(t, fe->reg->name, flags, ret_fd, err);
	snprintf(self, sizeof(self), "/proc/%d/fd/%d", c->self, gfd);
	return inj_open(t, self, flags, ret_fd, err);
}

static bool overlaps(unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
	return a < d && c < b;
}

static bool is_special(const struct pvma *v)
{
	return v->path && (!strcmp(v->path, "[vdso]") || !strcmp(v->path, "[vvar]") ||
			   !strcmp(v->path, "[vvar_vclock]") || !strcmp(v->path, "[vsyscall]"));
}

static int unmap_all(struct crisp_ctx *c, struct task *t, struct pvma_list *cur,
		     struct cr_error **err)
{
	unsigned long ts = c->tramp, te = c->tramp + TRAMP_SIZE;
	int r;

	for (size_t i = 0; i < cur->n; i++) {
		struct pvma *v = &cur->v[i];

		if (is_special(v))
			continue;
		if (overlaps(v->start, v->end, ts, te)) {
			if (v->start < ts) {
				r = inj(t, SYS_munmap, v->start, ts - v->start, 0, 0, 0, 0, NULL,
					"munmap", err);
				if (r < 0)
					return r;
			}
			if (v->end > te) {
				r = inj(t, SYS_munmap, te, v->end - te, 0, 0, 0, 0, NULL, "munmap",
					err);
				if (r < 0)
					return r;
			}
			continue;
		}
		r = inj(t, SYS_munmap, v->start, v->end - v->start, 0, 0, 0, 0, NULL, "munmap",
			err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Move this kernel's [vvar]/[vvar_vclock]/[vdso] so the vdso lands where
 * the image had it (the vdso finds its data relative to itself).  Two
 * steps through a scratch area so the moves never overlap each other.
 */
static int move_vdso(struct crisp_ctx *c, struct task *t, struct pvma_list *cur,
		     struct cr_error **err)
{
	const VmaEntry *img_vdso = NULL;
	struct pvma *cvdso = NULL;
	unsigned long lo = ~0ul, hi = 0, tmp;
	long delta, ret = 0;
	int r;

	for (size_t i = 0; i < t->mm->n_vmas; i++)
		if (t->mm->vmas[i]->status & VMA_AREA_VDSO)
			img_vdso = t->mm->vmas[i];
	for (size_t i = 0; i < cur->n; i++) {
		struct pvma *v = &cur->v[i];

		if (!is_special(v) || !strcmp(v->path, "[vsyscall]"))
			continue;
		if (!strcmp(v->path, "[vdso]"))
			cvdso = v;
		if (v->start < lo)
			lo = v->start;
		if (v->end > hi)
			hi = v->end;
	}
	if (!img_vdso || !cvdso)
		return 0;
	if (img_vdso->end - img_vdso->start != cvdso->end - cvdso->start)
		pr_warn(c, "task %d: vdso size differs from the image's", t->pid);
	delta = img_vdso->start - cvdso->start;
	if (!delta)
		return 0;
	r = inj(t, SYS_mmap, 0, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &ret,
		"mmap vdso scratch", err);
	if (r < 0)
		cr_err_wrap(err, "vdso area %lx-%lx", lo, hi);
	if (r < 0)
		return r;
	tmp = ret;
	if (overlaps(tmp, tmp + hi - lo, lo + delta, hi + delta))
		return cr_err(err, -EBUSY, "task %d: no room to move the vdso", t->pid);
	for (int step = 0; step < 2; step++) {
		for (size_t i = 0; i < cur->n; i++) {
			struct pvma *v = &cur->v[i];
			unsigned long from, to, len = v->end - v->start;

			if (!is_special(v) || !strcmp(v->path, "[vsyscall]"))
				continue;
			from = step == 0 ? v->start : tmp + (v->start - lo);
			to = step == 0 ? tmp + (v->start - lo) : v->start + delta;
			r = inj(t, SYS_mremap, from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to, 0,
				&ret, "mremap vdso", err);
			if (r < 0)
				return cr_err_wrap(err, "moving %s", v->path);
		}
	}
	return 0;
}

static int vma_fd(struct crisp_ctx *c, struct task *t, const VmaEntry *ve, struct rvma_fd *fds,
		  size_t *n_fds, int *ret_fd, struct cr_error **err)
{
	FileEntry *fe;
	int flags, fd, r;

	for (size_t i = 0; i < *n_fds; i++)
		if (fds[i].shmid == ve->shmid) {
			*ret_fd = fds[i].fd;
			return 0;
		}
	if (ve->status & VMA_AREA_MEMFD) {
		char self[64];
		int mfd;

		r = files_open_entry(c, ve->shmid, &mfd, err);
		if (r < 0)
			return cr_err_wrap(err, "task %d: memfd of vma %lx", t->pid,
					   (unsigned long)ve->start);
		snprintf(self, sizeof(self), "/proc/%d/fd/%d", c->self, mfd);
		r = inj_open(t, self, (ve->flags & MAP_SHARED) && (ve->prot & PROT_WRITE) ? O_RDWR
											 : O_RDONLY,
			     &fd, err);
		if (r < 0)
			return r;
		fds[*n_fds].shmid = ve->shmid;
		fds[(*n_fds)++].fd = fd;
		*ret_fd = fd;
		return 0;
	}
	fe = files_find(c, ve->shmid);
	if (!fe || !fe->reg)
		return cr_err(err, -ENOENT, "task %d: vma %lx: file id %lu not in files.img",
			      t->pid, (unsigned long)ve->start, (unsigned long)ve->shmid);
	flags = ve->has_fdflags ? (int)ve->fdflags : O_RDONLY;
	if ((ve->flags & MAP_SHARED) && (ve->prot & PROT_WRITE))
		flags = O_RDWR;
	r = open_in_task(c, t, fe, flags & O_ACCMODE, &fd, err);
	if (r < 0)
		return r;
	fds[*n_fds].shmid = ve->shmid;
	fds[(*n_fds)++].fd = fd;
	*ret_fd = fd;
	return 0;
}

struct shm_rec {
	uint64_t shmid;
	pid_t pid;
	unsigned long start, end, pgoff;
};

static struct shm_rec *shm_find(struct crisp_ctx *c, uint64_t shmid)
{
	for (size_t i = 0; i < c->n_rshm; i++)
		if (c->rshm[i].shmid == shmid)
			return (struct shm_rec *)&c->rshm[i];
	return NULL;
}

/* Pages of a PE_PARENT entry: read from the parent chain, written into the task. */
static int parent_pages_write(struct task *t, struct mem_parent *mp, unsigned long addr,
			      uint64_t vaddr, uint64_t len, struct cr_error **err)
{
	size_t cap = len < COPY_BUF ? len : COPY_BUF;
	uint8_t *buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r = 0;

	if (buf == MAP_FAILED)
		return cr_err_sys(err, -errno, "task %d: buffer for parent pages", t->pid);
	for (uint64_t done = 0; r >= 0 && done < len;) {
		size_t k = len - done < cap ? len - done : cap;
		struct iovec l = { buf, k }, rv = { (void *)(addr + done), k };
		ssize_t w;

		r = mem_parent_read(mp, vaddr + done, buf, k, err);
		if (r < 0)
			break;
		w = process_vm_writev(t->pid, &l, 1, &rv, 1, 0);
		if (w != (ssize_t)k)
			r = cr_err_sys(err, w < 0 ? -errno : -EFAULT,
				       "task %d: writing parent pages at %lx", t->pid, addr + done);
		done += k;
	}
	munmap(buf, cap);
	return r;
}

/* Copy the present pages of one pagemap image into the task. */
static int fill_pages(struct crisp_ctx *c, struct task *t, enum img_type type, unsigned long id,
		      unsigned long base, unsigned long lo_skip, unsigned long hi_skip,
		      bool required, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e = { 0 };
	_cleanup_close_ int pfd = -1;
	_cleanup_free_ char *pname = NULL;
	struct iovec liov[IOV_BATCH], riov[IOV_BATCH];
	size_t n_iov = 0, batch = 0;
	uint8_t *map = MAP_FAILED;
	struct stat st;
	uint64_t off = 0;
	unsigned long pages_id = 0;
	struct mem_parent *mp = NULL;
	int r, tfd = -1;

	r = img_reader_open_type_at(c->imgfd, type, id, &rd, err);
	if (r < 0) {
		if (r == -ENOENT && !required) {
			cr_err_free(err);
			return 0;
		}
		return r;
	}
	r = img_reader_next(rd, false, &e, err);
	if (r <= 0) {
		r = r < 0 ? r : cr_err(err, -EINVAL, "%s: no pagemap head", img_reader_label(rd));
		goto out;
	}
	{
		PagemapHead *h = (PagemapHead *)e.msg;

		pname = img_filename(IMG_PAGES, h->pages_id);
		pages_id = h->pages_id;
	}
	img_entry_release(&e);
	r = pages_src_open(c->imgfd, pages_id, &pfd, err);
	if (r < 0)
		goto out;
	if (fstat(pfd, &st) < 0) {
		r = cr_err_sys(err, -errno, "stat '%s'", pname);
		goto out;
	}
	if (st.st_size) {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, pfd, 0);
		if (map == MAP_FAILED) {
			r = cr_err_sys(err, -errno, "mmap '%s'", pname);
			goto out;
		}
	}
	while ((r = img_reader_next(rd, true, &e, err)) > 0) {
		PagemapEntry *pe = (PagemapEntry *)e.msg;
		uint64_t n = img_pagemap_nr_pages(pe);
		uint64_t len = n * PAGE_SIZE_;
		unsigned long addr = pe->vaddr - base;

		if (pe->has_flags && (pe->flags & IMG_PE_PARENT)) {
			img_entry_release(&e);
			if (type != IMG_PAGEMAP) {
				r = cr_err(err, -EOPNOTSUPP, "%s: shared memory pages in a parent image are not supported",
					   img_reader_label(rd));
				break;
			}
			if (overlaps(addr, addr + len, lo_skip, hi_skip))
				continue;
			if (!mp) {
				r = mem_parent_open(c->imgfd, id, &mp, err);
				if (r >= 0 && !mp)
					r = cr_err(err, -ENOENT, "%s: pages in a parent image, but no parent pagemap-%lu",
						   img_reader_label(rd), id);
				if (r < 0)
					break;
			}
			r = parent_pages_write(t, mp, addr, addr + base, len, err);
			if (r < 0)
				break;
			c->st.pages_written += n;
			continue;
		}
		if (pe->has_flags && !(pe->flags & IMG_PE_PRESENT)) {
			img_entry_release(&e);
			continue;
		}
		if (off + len > (uint64_t)st.st_size) {
			r = cr_err(err, -EINVAL, "%s: pages beyond the end of '%s'",
				   img_reader_label(rd), pname);
			img_entry_release(&e);
			break;
		}
		img_entry_release(&e);
		if (len >= BIG_RUN && !overlaps(addr, addr + len, lo_skip, hi_skip)) {
			/* big runs: the task preads them itself, one copy from the page cache */
			long got = 0;

			if (tfd < 0) {
				char self[64];

				snprintf(self, sizeof(self), "/proc/%d/fd/%d", c->self, pfd);
				r = inj_open(t, self, O_RDONLY, &tfd, err);
				if (r < 0)
					break;
			}
			for (uint64_t done = 0; done < len; done += got) {
				r = inj(t, SYS_pread64, tfd, addr + done, len - done, off + done, 0, 0,
					&got, "pread pages", err);
				if (r < 0)
					break;
				if (got <= 0) {
					r = cr_err(err, -EIO, "task %d: short read of '%s'", t->pid, pname);
					break;
				}
			}
			if (r < 0)
				break;
			c->st.pages_written += n;
		} else if (!overlaps(addr, addr + len, lo_skip, hi_skip)) {
			liov[n_iov].iov_base = map + off;
			liov[n_iov].iov_len = len;
			riov[n_iov].iov_base = (void *)addr;
			riov[n_iov].iov_len = len;
			n_iov++;
			batch += len;
			c->st.pages_written += n;
		}
		off += len;
		if (n_iov == IOV_BATCH || batch >= (64u << 20)) {
			ssize_t w = process_vm_writev(t->pid, liov, n_iov, riov, n_iov, 0);

			if (w != (ssize_t)batch) {
				r = cr_err_sys(err, w < 0 ? -errno : -EFAULT,
					       "task %d: writing pages", t->pid);
				break;
			}
			n_iov = batch = 0;
		}
	}
	if (r >= 0 && n_iov) {
		ssize_t w = process_vm_writev(t->pid, liov, n_iov, riov, n_iov, 0);

		if (w != (ssize_t)batch)
			r = cr_err_sys(err, w < 0 ? -errno : -EFAULT, "task %d: writing pages",
				       t->pid);
	}
out:
	mem_parent_close(mp);
	if (tfd >= 0)
		inj(t, SYS_close, tfd, 0, 0, 0, 0, 0, NULL, "close", NULL);
	if (map != MAP_FAILED)
		munmap(map, st.st_size);
	img_reader_close(rd);
	return r < 0 ? r : 0;
}

static int map_vmas(struct crisp_ctx *c, struct task *t, struct rvma_fd *fds, size_t *n_fds,
		    struct cr_error **err)
{
	char link[96];
	long ret = 0;
	int r;

	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];
		unsigned long len = v->end - v->start;
		int flags = (v->flags & (MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN |
					 MAP_NORESERVE | MAP_LOCKED)) |
			    MAP_FIXED;
		int prot = v->prot, fd = -1;
		unsigned long pgoff = v->pgoff;

		if (v->status & (VMA_AREA_VSYSCALL | VMA_AREA_VDSO | VMA_AREA_VVAR))
			continue;
		if (v->status & VMA_AREA_SYSVIPC) {
			r = sysvshm_attach(c, t, v, err);
			if (r < 0)
				return r;
			continue;
		}
		if (v->status & (VMA_AREA_AIORING | VMA_AREA_SOCKET | VMA_UNSUPP))
			return cr_err(err, -EOPNOTSUPP, "task %d: vma %lx-%lx: unsupported kind %#x",
				      t->pid, (unsigned long)v->start, (unsigned long)v->end,
				      v->status);
		if (!(v->status & VMA_AREA_REGULAR))
			continue;
		if (v->status & (VMA_FILE_PRIVATE | VMA_FILE_SHARED)) {
			r = vma_fd(c, t, v, fds, n_fds, &fd, err);
			if (r < 0)
				return r;
			flags &= ~MAP_ANONYMOUS;
			if (v->flags & MAP_PRIVATE)
				prot |= PROT_WRITE;
		} else if (v->status & VMA_ANON_SHARED) {
			struct shm_rec *s = shm_find(c, v->shmid);

			if (s) {
				snprintf(link, sizeof(link), "/proc/%d/map_files/%lx-%lx", s->pid,
					 s->start, s->end);
				r = inj_open(t, link, O_RDWR, &fd, err);
				if (r < 0)
					return r;
				flags = (flags & ~(MAP_ANONYMOUS | MAP_PRIVATE)) | MAP_SHARED;
				pgoff = v->pgoff - s->pgoff;
			} else {
				prot |= PROT_WRITE;
				pgoff = 0;
			}
		} else {
			prot |= PROT_WRITE;
			pgoff = 0;
		}
		r = inj(t, SYS_mmap, v->start, len, prot, flags, fd, pgoff, &ret, "mmap", err);
		if (r < 0)
			return cr_err_wrap(err, "vma %lx-%lx", (unsigned long)v->start,
					   (unsigned long)v->end);
		if ((unsigned long)ret != v->start)
			return cr_err(err, -EFAULT, "task %d: vma %lx landed at %lx", t->pid,
				      (unsigned long)v->start, (unsigned long)ret);
		if ((v->status & VMA_ANON_SHARED) && fd >= 0) {
			r = inj(t, SYS_close, fd, 0, 0, 0, 0, 0, NULL, "close", err);
			if (r < 0)
				return r;
		} else if ((v->status & VMA_ANON_SHARED) && c->n_rshm < ARRAY_SIZE(c->rshm)) {
			/* first mapping of this object: fill it, later tasks map it */
			r = fill_pages(c, t, IMG_SHMEM_PAGEMAP, v->shmid, v->pgoff - v->start,
				       0, 0, false, err);
			if (r < 0)
				return r;
			c->rshm[c->n_rshm].shmid = v->shmid;
			c->rshm[c->n_rshm].pid = t->pid;
			c->rshm[c->n_rshm].start = v->start;
			c->rshm[c->n_rshm].end = v->end;
			c->rshm[c->n_rshm].pgoff = v->pgoff;
			c->n_rshm++;
		}
	}
	return 0;
}

static int finish_vmas(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	static const int madvs[] = { MADV_DONTFORK, MADV_DONTDUMP, MADV_HUGEPAGE,
				     MADV_NOHUGEPAGE, MADV_WIPEONFORK };
	int r;

	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		if (v->status & (VMA_AREA_VSYSCALL | VMA_AREA_VDSO | VMA_AREA_VVAR) ||
		    !(v->status & VMA_AREA_REGULAR))
			continue;
		r = inj(t, SYS_mprotect, v->start, v->end - v->start, v->prot, 0, 0, 0, NULL,
			"mprotect", err);
		if (r < 0)
			return r;
		if (!v->has_madv)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(madvs); k++)
			if (v->madv & (1ull << madvs[k]))
				inj(t, SYS_madvise, v->start, v->end - v->start, madvs[k], 0, 0, 0,
				    NULL, "madvise", NULL);
	}
	return 0;
}

static int set_mm_map(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	const MmEntry *mm = t->mm;
	struct prctl_mm_map m = { 0 };
	uint64_t buf[512];
	size_t auxn = mm->n_mm_saved_auxv;
	FileEntry *exe = files_find(c, mm->exe_file_id);
	int exe_fd = -1, r;

	if (auxn > 400)
		return cr_err(err, -E2BIG, "task %d: auxv too long", t->pid);
	if (exe && exe->reg) {
		r = open_in_task(c, t, exe, O_RDONLY, &exe_fd, err);
		if (r < 0)
			return r;
	}
	m.start_code = mm->mm_start_code;
	m.end_code = mm->mm_end_code;
	m.start_data = mm->mm_start_data;
	m.end_data = mm->mm_end_data;
	m.start_brk = mm->mm_start_brk;
	m.brk = mm->mm_brk;
	m.start_stack = mm->mm_start_stack;
	m.arg_start = mm->mm_arg_start;
	m.arg_end = mm->mm_arg_end;
	m.env_start = mm->mm_env_start;
	m.env_end = mm->mm_env_end;
	m.auxv = (__u64 *)(t->scratch + sizeof(m));
	m.auxv_size = auxn * 8;
	m.exe_fd = exe_fd;
	memcpy(buf, &m, sizeof(m));
	memcpy((char *)buf + sizeof(m), mm->mm_saved_auxv, auxn * 8);
	r = ptr_mem_write(t->pid, t->scratch, buf, sizeof(m) + auxn * 8, err);
	if (r < 0)
		return r;
	r = inj(t, SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, t->scratch, sizeof(m), 0, 0, NULL,
		"prctl(PR_SET_MM_MAP)", err);
	if (exe_fd >= 0)
		inj(t, SYS_close, exe_fd, 0, 0, 0, 0, 0, NULL, "close", NULL);
	if (r < 0)
		return r;
	if (mm->has_dumpable && (mm->dumpable == 0 || mm->dumpable == 1))
		inj(t, SYS_prctl, PR_SET_DUMPABLE, mm->dumpable, 0, 0, 0, 0, NULL, "dumpable", NULL);
	if (mm->has_thp_disabled && mm->thp_disabled)
		inj(t, SYS_prctl, PR_SET_THP_DISABLE, 1, 0, 0, 0, 0, NULL, "thp", NULL);
	return 0;
}

int mem_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	struct pvma_list cur = { 0 };
	struct rvma_fd *fds = NULL;
	size_t n_fds = 0;
	unsigned long vlo = 0, vhi = 0;
	int r;

	if (!t->mm)
		return cr_err(err, -ENOENT, "task %d: no mm image", t->pid);
	for (size_t i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		if (overlaps(v->start, v->end, c->tramp, c->tramp + TRAMP_SIZE))
			return cr_err(err, -EBUSY, "task %d: trampoline collides with vma %lx",
				      t->pid, (unsigned long)v->start);
		if (v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR)) {
			if (!vlo || v->start < vlo)
				vlo = v->start;
			if (v->end > vhi)
				vhi = v->end;
		}
	}
	fds = xcalloc(t->mm->n_vmas + 1, sizeof(*fds));
	r = proc_read_maps(t->pid, &cur, err);
	if (r >= 0)
		r = unmap_all(c, t, &cur, err);
	if (r >= 0)
		r = move_vdso(c, t, &cur, err);
	if (r >= 0)
		r = map_vmas(c, t, fds, &n_fds, err);
	if (r >= 0)
		r = fill_pages(c, t, IMG_PAGEMAP, t->pid, 0, vlo, vhi, true, err);
	if (r >= 0)
		r = finish_vmas(c, t, err);
	for (size_t i = 0; i < n_fds; i++)
		inj(t, SYS_close, fds[i].fd, 0, 0, 0, 0, 0, NULL, "close", NULL);
	if (r >= 0)
		r = set_mm_map(c, t, err);
	free(fds);
	pvma_list_release(&cur);
	if (r < 0)
		return cr_err_wrap(err, "task %d: memory", t->pid);
	return 0;
}
