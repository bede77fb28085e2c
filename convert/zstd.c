// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Seekable zstd for page images (layout in zstd-int.h).  Frames are
 * compressed in batches by worker threads, one ZSTD_CCtx each, and written
 * in order, so the output does not depend on the number of threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "cleanup.h"
#include "convert.h"
#include "io.h"
#include "xalloc.h"
#include "zstd-int.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

void zst_index_release(struct zst_index *ix)
{
	free(ix->coff);
	free(ix->uoff);
	*ix = (struct zst_index){ 0 };
}

int zst_index_read(int fd, const char *label, struct zst_index *ret, struct cr_error **err)
{
	struct zst_index ix = { 0 };
	_cleanup_free_ uint8_t *tab = NULL;
	uint8_t foot[CVT_ZST_FOOTER], head[8];
	struct stat st;
	uint64_t tab_len, start;

	if (fstat(fd, &st))
		return cr_err_sys(err, -errno, "'%s': fstat", label);
	if (st.st_size < CVT_ZST_FOOTER + 8 ||
	    pread(fd, foot, sizeof(foot), st.st_size - CVT_ZST_FOOTER) != CVT_ZST_FOOTER)
		return cr_err(err, -EBADMSG, "'%s': too short for a seekable zstd file", label);
	if (get_le32(foot + 5) != CVT_ZST_SEEKABLE)
		return cr_err(err, -EBADMSG, "'%s': no seek table at the end (not crisp's seekable zstd, or cut short)",
			      label);
	if (foot[4] & 0x7f)
		return cr_err(err, -EBADMSG, "'%s': seek table: reserved descriptor bits set", label);
	ix.n = get_le32(foot);
	tab_len = (uint64_t)ix.n * ((foot[4] & 0x80) ? 12 : 8);
	if (tab_len + CVT_ZST_FOOTER + 8 > (uint64_t)st.st_size)
		return cr_err(err, -EBADMSG, "'%s': seek table of %u frames does not fit the file",
			      label, ix.n);
	start = st.st_size - CVT_ZST_FOOTER - tab_len - 8;
	if (pread(fd, head, 8, start) != 8 || get_le32(head) != CVT_ZST_SKIPPABLE ||
	    get_le32(head + 4) != tab_len + CVT_ZST_FOOTER)
		return cr_err(err, -EBADMSG, "'%s': seek table header at offset %" PRIu64 " is damaged",
			      label, start);
	tab = xmalloc(tab_len + 1);
	if (pread(fd, tab, tab_len, start + 8) != (ssize_t)tab_len)
		return cr_err_sys(err, -EIO, "'%s': reading the seek table", label);
	ix.coff = xcalloc(ix.n + 1, sizeof(*ix.coff));
	ix.uoff = xcalloc(ix.n + 1, sizeof(*ix.uoff));
	for (uint32_t i = 0; i < ix.n; i++) {
		const uint8_t *e = tab + (size_t)i * ((foot[4] & 0x80) ? 12 : 8);
		uint32_t c = get_le32(e), u = get_le32(e + 4);

		if (!c || c > ZSTD_compressBound(CVT_ZST_MAX_FRAME) || u > CVT_ZST_MAX_FRAME) {
			zst_index_release(&ix);
			return cr_err(err, -EBADMSG, "'%s': seek table: frame %u has bad sizes (%u, %u)",
				      label, i, c, u);
		}
		ix.coff[i + 1] = ix.coff[i] + c;
		ix.uoff[i + 1] = ix.uoff[i] + u;
	}
	if (ix.coff[ix.n] != start) {
		uint64_t end = ix.coff[ix.n];

		zst_index_release(&ix);
		return cr_err(err, -EBADMSG, "'%s': frames end at %" PRIu64 " but the seek table starts at %" PRIu64,
			      label, end, start);
	}
	*ret = ix;
	return 0;
}

uint32_t zst_index_find(const struct zst_index *ix, uint64_t off)
{
	uint32_t lo = 0, hi = ix->n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ix->uoff[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* ---- batches of frames over worker threads ------------------------------ */

struct zjob {
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_cap, out_len;
	size_t err; /* a ZSTD error code, 0 = fine */
};

struct zworker {
	pthread_t th;
	bool started, compress;
	int level;
	ZSTD_CCtx *cc;
	ZSTD_DCtx *dc;
	struct zjob *jobs;
	size_t n_jobs, first, step;
};

static void *zwork(void *opaque)
{
	struct zworker *w = opaque;

	for (size_t i = w->first; i < w->n_jobs; i += w->step) {
		struct zjob *j = &w->jobs[i];
		size_t r = w->compress ? ZSTD_compress2(w->cc, j->out, j->out_cap, j->in, j->in_len)
				       : ZSTD_decompressDCtx(w->dc, j->out, j->out_cap, j->in,
							     j->in_len);

		j->err = ZSTD_isError(r) ? r : 0;
		j->out_len = ZSTD_isError(r) ? 0 : r;
	}
	return NULL;
}

struct zpool {
	struct zworker *w;
	unsigned n;
};

static void zpool_init(struct zpool *p, bool compress, const struct cvt_zstd_opts *o)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	p->n = o && o->threads > 0 ? o->threads : cpus > 0 ? cpus : 1;
	p->w = xcalloc(p->n, sizeof(*p->w));
	for (unsigned i = 0; i < p->n; i++) {
		p->w[i].compress = compress;
		if (compress) {
			p->w[i].cc = ZSTD_createCCtx();
			ZSTD_CCtx_setParameter(p->w[i].cc, ZSTD_c_compressionLevel,
					       o && o->level ? o->level : 3);
			ZSTD_CCtx_setParameter(p->w[i].cc, ZSTD_c_checksumFlag, 1);
			ZSTD_CCtx_setParameter(p->w[i].cc, ZSTD_c_contentSizeFlag, 1);
		} else {
			p->w[i].dc = ZSTD_createDCtx();
		}
	}
}

static void zpool_release(struct zpool *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		ZSTD_freeCCtx(p->w[i].cc);
		ZSTD_freeDCtx(p->w[i].dc);
	}
	free(p->w);
}

/* Run jobs[0..n) on the pool; the calling thread is worker 0. */
static void zpool_run(struct zpool *p, struct zjob *jobs, size_t n)
{
	unsigned used = n < p->n ? n : p->n;

	for (unsigned i = 0; i < used; i++) {
		p->w[i].jobs = jobs;
		p->w[i].n_jobs = n;
		p->w[i].first = i;
		p->w[i].step = used;
		p->w[i].started = i && !pthread_create(&p->w[i].th, NULL, zwork, &p->w[i]);
		if (i && !p->w[i].started)
			zwork(&p->w[i]); /* no thread: do its share here */
	}
	zwork(&p->w[0]);
	for (unsigned i = 1; i < used; i++)
		if (p->w[i].started)
			pthread_join(p->w[i].th, NULL);
}

/* ---- compress ------------------------------------------------------------ */

struct ztab {
	uint8_t *v;
	size_t len, cap;
};

static void ztab_add(struct ztab *t, uint32_t c, uint32_t u)
{
	t->v = xgrow(t->v, &t->cap, t->len + 8, 1);
	put_le32(t->v + t->len, c);
	put_le32(t->v + t->len + 4, u);
	t->len += 8;
}

static int write_table(int out_fd, struct ztab *t, const char *label, uint64_t *out_bytes,
		       struct cr_error **err)
{
	uint8_t head[8], foot[CVT_ZST_FOOTER];

	put_le32(head, CVT_ZST_SKIPPABLE);
	put_le32(head + 4, t->len + CVT_ZST_FOOTER);
	put_le32(foot, t->len / 8);
	foot[4] = 0;
	put_le32(foot + 5, CVT_ZST_SEEKABLE);
	if (io_write_full(out_fd, head, 8) || io_write_full(out_fd, t->v ? t->v : head, t->len) ||
	    io_write_full(out_fd, foot, sizeof(foot)))
		return cr_err_sys(err, -errno, "'%s': cannot write the seek table", label);
	*out_bytes += 8 + t->len + sizeof(foot);
	return 0;
}

int cvt_zstd_compress_fd(int in_fd, int out_fd, const char *label, const struct cvt_zstd_opts *o,
			 uint64_t *ret_out_bytes, struct cr_error **err)
{
	struct zpool pool;
	struct ztab tab = { 0 };
	size_t batch, cbound = ZSTD_compressBound(CVT_ZST_FRAME);
	_cleanup_free_ uint8_t *in = NULL, *out = NULL;
	_cleanup_free_ struct zjob *jobs = NULL;
	uint64_t done = 0, out_bytes = 0;
	int r = 0;

	zpool_init(&pool, true, o);
	batch = pool.n * 4;
	in = xmalloc(batch * CVT_ZST_FRAME);
	out = xmalloc(batch * cbound);
	jobs = xcalloc(batch, sizeof(*jobs));
	for (bool eof = false; !eof && r >= 0;) {
		ssize_t n = io_read_full(in_fd, in, batch * CVT_ZST_FRAME);
		size_t k;

		if (n < 0) {
			r = cr_err_sys(err, n, "'%s': read at offset %" PRIu64, label, done);
			break;
		}
		eof = (size_t)n < batch * CVT_ZST_FRAME;
		for (k = 0; k * CVT_ZST_FRAME < (size_t)n; k++)
			jobs[k] = (struct zjob){ in + k * CVT_ZST_FRAME,
						 n - k * CVT_ZST_FRAME < CVT_ZST_FRAME ? n - k * CVT_ZST_FRAME : CVT_ZST_FRAME,
						 out + k * cbound, cbound };
		zpool_run(&pool, jobs, k);
		for (size_t i = 0; i < k && r >= 0; i++) {
			if (jobs[i].err)
				r = cr_err(err, -EIO, "'%s': zstd at offset %" PRIu64 ": %s", label,
					   done, ZSTD_getErrorName(jobs[i].err));
			else if (io_write_full(out_fd, jobs[i].out, jobs[i].out_len))
				r = cr_err_sys(err, -errno, "'%s': cannot write", label);
			else
				ztab_add(&tab, jobs[i].out_len, jobs[i].in_len);
			done += jobs[i].in_len;
			out_bytes += jobs[i].out_len;
		}
		if (o && o->progress)
			o->progress(done, 0, o->opaque);
	}
	if (r >= 0)
		r = write_table(out_fd, &tab, label, &out_bytes, err);
	if (r >= 0 && ret_out_bytes)
		*ret_out_bytes = out_bytes;
	free(tab.v);
	zpool_release(&pool);
	return r;
}

/* ---- decompress ----------------------------------------------------------- */

int cvt_zstd_decompress_fd(int in_fd, int out_fd, const char *label, struct cr_error **err)
{
	struct zst_index ix;
	struct zpool pool;
	_cleanup_free_ uint8_t *in = NULL, *out = NULL;
	_cleanup_free_ struct zjob *jobs = NULL;
	size_t batch, maxc = 0, maxu = 0;
	int r = zst_index_read(in_fd, label, &ix, err);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < ix.n; i++) {
		if (ix.coff[i + 1] - ix.coff[i] > maxc)
			maxc = ix.coff[i + 1] - ix.coff[i];
		if (ix.uoff[i + 1] - ix.uoff[i] > maxu)
			maxu = ix.uoff[i + 1] - ix.uoff[i];
	}
	zpool_init(&pool, false, NULL);
	batch = pool.n * 4;
	in = xmalloc(batch * maxc + 1);
	out = xmalloc(batch * maxu + 1);
	jobs = xcalloc(batch, sizeof(*jobs));
	for (uint32_t f = 0; f < ix.n && r >= 0; f += batch) {
		uint32_t k = ix.n - f < batch ? ix.n - f : batch;
		uint64_t c0 = ix.coff[f], clen = ix.coff[f + k] - c0;

		if (pread(in_fd, in, clen, c0) != (ssize_t)clen) {
			r = cr_err_sys(err, -EIO, "'%s': reading frames at offset %" PRIu64, label, c0);
			break;
		}
		for (uint32_t i = 0; i < k; i++)
			jobs[i] = (struct zjob){ in + (ix.coff[f + i] - c0),
						 ix.coff[f + i + 1] - ix.coff[f + i],
						 out + (size_t)i * maxu, maxu };
		zpool_run(&pool, jobs, k);
		for (uint32_t i = 0; i < k && r >= 0; i++) {
			uint64_t want = ix.uoff[f + i + 1] - ix.uoff[f + i];

			if (jobs[i].err)
				r = cr_err(err, -EBADMSG, "'%s': frame %u at offset %" PRIu64 ": %s",
					   label, f + i, ix.coff[f + i], ZSTD_getErrorName(jobs[i].err));
			else if (jobs[i].out_len != want)
				r = cr_err(err, -EBADMSG, "'%s': frame %u holds %zu bytes, the seek table says %" PRIu64,
					   label, f + i, jobs[i].out_len, want);
			else if (io_write_full(out_fd, jobs[i].out, want))
				r = cr_err_sys(err, -errno, "'%s': cannot write", label);
		}
	}
	zst_index_release(&ix);
	zpool_release(&pool);
	return r;
}
