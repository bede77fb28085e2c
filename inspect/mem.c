// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A task's memory by virtual address.  pagemap-PID.img says which pages were
 * dumped: PE_PRESENT entries have their data in pages-N.img in entry order,
 * PE_PARENT entries live in the previous (pre-)dump, reached through the
 * `parent` link of the image directory.  Everything is resolved once into a
 * sorted list of extents (address -> layer, offset); reads pread only what
 * they need, so page files are never loaded whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

#define MAX_LAYERS 64              /* parent links followed at most */
#define MAX_STRINGS (16u << 20)    /* argv/env area read at most */

/* ---- raw page source ---------------------------------------------------- */

struct raw_source {
	struct ins_page_source s;
	int fd;
};

static ssize_t raw_pread(struct ins_page_source *s, void *buf, size_t len, uint64_t off,
			 struct cr_error **err)
{
	struct raw_source *r = (struct raw_source *)s;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(r->fd, (char *)buf + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cr_err_sys(err, -errno, "'%s': read at offset %llu", s->label,
					  (unsigned long long)(off + done));
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

static void raw_close(struct ins_page_source *s)
{
	struct raw_source *r = (struct raw_source *)s;

	close(r->fd);
	free(s->label);
	free(r);
}

static int raw_fd(struct ins_page_source *s)
{
	return ((struct raw_source *)s)->fd;
}

static const struct ins_page_source_ops raw_ops = { raw_pread, raw_close, raw_fd };

int ins_page_source_open_raw(int dirfd, uint32_t pages_id, struct ins_page_source **ret,
			     struct cr_error **err)
{
	_cleanup_free_ char *name = img_filename(IMG_PAGES, pages_id);
	struct raw_source *r;
	struct stat st;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", name);
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return cr_err_sys(err, e, "'%s': stat", name);
	}
	r = xzalloc(sizeof(*r));
	r->fd = fd;
	r->s.ops = &raw_ops;
	r->s.label = TAKE_PTR(name);
	r->s.size = st.st_size;
	*ret = &r->s;
	return 0;
}

void ins_page_source_close(struct ins_page_source *s)
{
	if (s)
		s->ops->close(s);
}

/* ---- layers ------------------------------------------------------------- */

struct layer {
	int dirfd;
	char *label; /* "DIR", "DIR/parent", ... */
	struct ins_pagemap pm;
	struct ins_page_source *src; /* opened on first read */
};

struct ins_mem {
	uint32_t pid;
	ins_page_open_fn page_open;
	struct layer *layers;
	unsigned n;
	struct ins_extent *ext;
	size_t n_ext, cap_ext;
};

struct ins_mem *ins_mem_free(struct ins_mem *m)
{
	if (!m)
		return NULL;
	for (unsigned i = 0; i < m->n; i++) {
		if (m->layers[i].dirfd >= 0)
			close(m->layers[i].dirfd);
		free(m->layers[i].label);
		ins_pagemap_clear(&m->layers[i].pm);
		ins_page_source_close(m->layers[i].src);
	}
	free(m->layers);
	free(m->ext);
	free(m);
	return NULL;
}

static int pme_cmp(const void *a, const void *b)
{
	const struct ins_pme *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static bool needs_parent(const struct ins_pagemap *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		if ((pm->v[i].flags & IMG_PE_PARENT) && !(pm->v[i].flags & IMG_PE_PRESENT))
			return true;
	return false;
}

static int add_layer(struct ins_mem *m, int dirfd, char *label, struct cr_error **err)
{
	struct layer *l;
	int r;

	m->layers = xrealloc(m->layers, (m->n + 1) * sizeof(*m->layers));
	l = &m->layers[m->n++];
	memset(l, 0, sizeof(*l));
	l->dirfd = dirfd;
	l->label = label;
	r = ins_pagemap_load(dirfd, m->pid, false, &l->pm, err);
	if (r < 0)
		return cr_err_wrap(err, "%s", label);
	if (l->pm.n)
		qsort(l->pm.v, l->pm.n, sizeof(*l->pm.v), pme_cmp);
	for (size_t i = 1; i < l->pm.n; i++) {
		const struct ins_pme *p = &l->pm.v[i - 1];
		if (p->vaddr + p->nr_pages * INS_PAGE_SIZE > l->pm.v[i].vaddr)
			return cr_err(err, -EBADMSG, "%s: pagemap-%u.img: entries overlap at 0x%llx",
				      label, m->pid, (unsigned long long)l->pm.v[i].vaddr);
	}
	return 0;
}

static void emit(struct ins_mem *m, uint64_t va, uint64_t len, unsigned layer, uint64_t off)
{
	struct ins_extent *last = m->n_ext ? &m->ext[m->n_ext - 1] : NULL;

	if (last && last->layer == layer && last->vaddr + last->len == va &&
	    last->off + last->len == off) {
		last->len += len;
		return;
	}
	m->ext = xgrow(m->ext, &m->cap_ext, m->n_ext + 1, sizeof(*m->ext));
	m->ext[m->n_ext++] = (struct ins_extent){ va, len, layer, off };
}

/* First entry of a layer that ends after va. */
static size_t first_after(const struct ins_pagemap *pm, uint64_t va)
{
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pm->v[mid].vaddr + pm->v[mid].nr_pages * INS_PAGE_SIZE <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void resolve(struct ins_mem *m, unsigned layer, uint64_t start, uint64_t end)
{
	const struct ins_pagemap *pm = &m->layers[layer].pm;

	for (size_t i = first_after(pm, start); i < pm->n && pm->v[i].vaddr < end; i++) {
		const struct ins_pme *e = &pm->v[i];
		uint64_t es = e->vaddr, ee = es + e->nr_pages * INS_PAGE_SIZE;
		uint64_t a = es > start ? es : start, b = ee < end ? ee : end;

		if (b <= a)
			continue;
		if (e->flags & IMG_PE_PRESENT)
			emit(m, a, b - a, layer, e->off + (a - es));
		else if ((e->flags & IMG_PE_PARENT) && layer + 1 < m->n)
			resolve(m, layer + 1, a, b);
		/* lazy-only or parent-less: nothing dumped, reads as zeros */
	}
}

int ins_mem_open_at(int dirfd, const char *label, uint32_t pid, struct ins_mem **ret,
		    struct cr_error **err)
{
	struct ins_mem *m = xzalloc(sizeof(*m));
	int fd, r;

	m->pid = pid;
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		r = cr_err_sys(err, -errno, "%s: dup", label);
		goto fail;
	}
	r = add_layer(m, fd, xstrdup(label), err);
	while (r >= 0 && needs_parent(&m->layers[m->n - 1].pm)) {
		const struct layer *l = &m->layers[m->n - 1];
		char *plabel = xasprintf("%s/parent", l->label);

		if (m->n >= MAX_LAYERS) {
			r = cr_err(err, -ELOOP, "%s: more than %d parent directories", plabel,
				   MAX_LAYERS);
			free(plabel);
			break;
		}
		fd = openat(l->dirfd, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			r = cr_err_sys(err, -errno,
				       "%s: pagemap-%u.img has in-parent pages but the parent "
				       "directory cannot be opened", plabel, pid);
			free(plabel);
			break;
		}
		r = add_layer(m, fd, plabel, err);
	}
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < m->layers[0].pm.n; i++) {
		const struct ins_pme *e = &m->layers[0].pm.v[i];
		resolve(m, 0, e->vaddr, e->vaddr + e->nr_pages * INS_PAGE_SIZE);
	}
	*ret = m;
	return 0;
fail:
	ins_mem_free(m);
	return r;
}

int ins_mem_open(struct ins_ckpt *c, uint32_t pid, struct ins_mem **ret, struct cr_error **err)
{
	int r = ins_mem_open_at(c->dirfd, c->label, pid, ret, err);

	if (r >= 0 && c->page_open)
		ins_mem_set_page_open(*ret, c->page_open);
	return r;
}

void ins_mem_set_page_open(struct ins_mem *m, ins_page_open_fn fn)
{
	m->page_open = fn;
}

const struct ins_extent *ins_mem_extents(const struct ins_mem *m, size_t *n)
{
	*n = m->n_ext;
	return m->ext;
}

unsigned ins_mem_layers(const struct ins_mem *m)
{
	return m->n;
}

static int layer_source(struct ins_mem *m, unsigned i, struct ins_page_source **ret,
			struct cr_error **err)
{
	struct layer *l = &m->layers[i];
	int r;

	if (!l->src) {
		ins_page_open_fn open_fn = m->page_open ? m->page_open : ins_page_source_open_raw;
		r = open_fn(l->dirfd, l->pm.pages_id, &l->src, err);
		if (r < 0)
			return cr_err_wrap(err, "%s", l->label);
	}
	*ret = l->src;
	return 0;
}

int ins_mem_read(struct ins_mem *m, uint64_t vaddr, void *buf, size_t len, size_t *ret_dumped,
		 struct cr_error **err)
{
	uint64_t end = vaddr + len < vaddr ? UINT64_MAX : vaddr + len;
	size_t lo = 0, hi = m->n_ext, dumped = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->ext[mid].vaddr + m->ext[mid].len <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint64_t filled = vaddr; /* bytes below this are written */
	for (size_t i = lo; i < m->n_ext && m->ext[i].vaddr < end; i++) {
		const struct ins_extent *x = &m->ext[i];
		uint64_t a = x->vaddr > vaddr ? x->vaddr : vaddr;
		uint64_t b = x->vaddr + x->len < end ? x->vaddr + x->len : end;
		struct ins_page_source *src = NULL;
		ssize_t n;
		int r;

		if (a > filled) /* a hole: nothing dumped */
			memset((char *)buf + (filled - vaddr), 0, a - filled);
		filled = b;

		r = layer_source(m, x->layer, &src, err);
		if (r < 0)
			return r;
		n = src->ops->pread(src, (char *)buf + (a - vaddr), b - a, x->off + (a - x->vaddr),
				    err);
		if (n < 0)
			return n;
		if ((uint64_t)n < b - a)
			return cr_err(err, -ENODATA,
				      "%s: '%s': page data for 0x%llx (offset %llu) beyond end of file",
				      m->layers[x->layer].label, src->label, (unsigned long long)a,
				      (unsigned long long)(x->off + (a - x->vaddr)));
		dumped += b - a;
	}
	if (end > filled)
		memset((char *)buf + (filled - vaddr), 0, end - filled);
	if (ret_dumped)
		*ret_dumped = dumped;
	return 0;
}

int ins_mem_view(struct ins_mem *m, uint64_t vaddr, size_t len, const uint8_t **ret,
		 struct ins_view *view, struct cr_error **err)
{
	size_t lo = 0, hi = m->n_ext;
	const struct ins_extent *x;
	struct ins_page_source *src = NULL;
	uint64_t off, aligned;
	int fd, r;

	memset(view, 0, sizeof(*view));
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->ext[mid].vaddr + m->ext[mid].len <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= m->n_ext)
		return 0;
	x = &m->ext[lo];
	if (x->vaddr > vaddr || x->vaddr + x->len < vaddr + len)
		return 0;
	r = layer_source(m, x->layer, &src, err);
	if (r < 0)
		return r;
	fd = src->ops->plain_fd ? src->ops->plain_fd(src) : -1;
	off = x->off + (vaddr - x->vaddr);
	if (fd < 0 || off + len > src->size) /* short files take the read path and its error */
		return 0;
	aligned = off & ~(INS_PAGE_SIZE - 1);
	view->len = len + (off - aligned);
	view->base = mmap(NULL, view->len, PROT_READ, MAP_PRIVATE, fd, aligned);
	if (view->base == MAP_FAILED) {
		memset(view, 0, sizeof(*view));
		return 0;
	}
	madvise(view->base, view->len, MADV_SEQUENTIAL);
	*ret = (const uint8_t *)view->base + (off - aligned);
	return 1;
}

void ins_mem_unview(struct ins_view *view)
{
	if (view->base)
		munmap(view->base, view->len);
	memset(view, 0, sizeof(*view));
}

void ins_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int ins_mem_strings(struct ins_mem *m, uint64_t start, uint64_t end, char ***ret, size_t *n,
		    struct cr_error **err)
{
	_cleanup_free_ char *buf = NULL;
	char **v = NULL;
	size_t len, cap = 0, cnt = 0, dumped;
	int r;

	*ret = NULL;
	*n = 0;
	if (end <= start)
		return 0;
	if (end - start > MAX_STRINGS)
		return cr_err(err, -EFBIG, "string area 0x%llx-0x%llx larger than %u bytes",
			      (unsigned long long)start, (unsigned long long)end, MAX_STRINGS);
	len = end - start;
	buf = xmalloc(len + 1);
	r = ins_mem_read(m, start, buf, len, &dumped, err);
	if (r < 0)
		return r;
	if (!dumped)
		return cr_err(err, -ENODATA, "0x%llx-0x%llx: not in the dumped memory",
			      (unsigned long long)start, (unsigned long long)end);
	while (len && !buf[len - 1]) /* trailing NULs and unused space end the list */
		len--;
	buf[len] = 0;
	for (size_t i = 0; i < len;) {
		size_t k = strnlen(buf + i, len - i);
		v = xgrow(v, &cap, cnt + 1, sizeof(*v));
		v[cnt++] = xstrndup(buf + i, k);
		i += k + 1;
	}
	*ret = v;
	*n = cnt;
	return 0;
}
