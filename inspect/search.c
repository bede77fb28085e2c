// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Find a byte string (or a POSIX extended regex) in the dumped memory of the
 * tasks.  Memory is scanned run by run (address-contiguous extents) in 1 MiB
 * chunks that overlap by the pattern length, so page files stream through
 * at read speed and are never held whole.
 */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

#define CHUNK (1u << 20)
#define REGEX_OVERLAP 4096u /* a regex match longer than this may be cut at a chunk edge */

struct ins_matches *ins_matches_free(struct ins_matches *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		free(m->m[i].ctx);
	free(m->m);
	free(m);
	return NULL;
}

/*
 * How common a byte is in process memory, roughly (0 = rare): zeros, 0xff,
 * spaces, lower-case letters and digits are everywhere.  The scan looks for
 * the needle's rarest byte with memchr and checks the rest around it.
 */
static unsigned byte_rank(uint8_t b)
{
	static const char common[] = "etaoinsrhldcumfpgwybvkxjqz0123456789/._-=:ETAOINSRHLDCUMFP";
	const char *p;

	if (b == 0)
		return 255;
	if (b == 0xff)
		return 250;
	if (b == ' ' || b == '\n')
		return 245;
	if (b && (p = strchr(common, b)))
		return 240 - (p - common);
	if (b < 32 || b >= 127)
		return 100; /* other binary bytes: fairly common in code and data */
	return 50;          /* remaining punctuation and upper case */
}

/*
 * First occurrence of pat (pl >= 2 bytes) in h[0, n): candidates must match
 * the bytes at k1 and k2 (the two rarest), tested 16 positions at a time
 * (SSE2, the x86-64 baseline), then memcmp.  Elsewhere: memchr on k1.
 */
static const uint8_t *find2(const uint8_t *h, size_t n, const uint8_t *pat, size_t pl, size_t k1,
			    size_t k2)
{
	size_t i = 0, last;

	if (n < pl)
		return NULL;
	last = n - pl; /* candidate starts 0..last */
#if defined(__SSE2__)
	const __m128i f = _mm_set1_epi8((char)pat[k1]), l = _mm_set1_epi8((char)pat[k2]);

	for (; i + 16 <= last + 1; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(h + i + k1));
		__m128i b = _mm_loadu_si128((const __m128i *)(h + i + k2));
		unsigned mask = _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, f),
								_mm_cmpeq_epi8(b, l)));
		while (mask) {
			unsigned bit = __builtin_ctz(mask);
			if (!memcmp(h + i + bit, pat, pl))
				return h + i + bit;
			mask &= mask - 1;
		}
	}
#else
	while (i <= last) {
		const uint8_t *p = memchr(h + i + k1, pat[k1], last - i + 1);
		if (!p)
			return NULL;
		i = (p - h) - k1;
		if (h[i + k2] == pat[k2] && !memcmp(h + i, pat, pl))
			return h + i;
		i++;
	}
#endif
	for (; i <= last; i++)
		if (h[i + k1] == pat[k1] && h[i + k2] == pat[k2] && !memcmp(h + i, pat, pl))
			return h + i;
	return NULL;
}

struct scan {
	const struct ins_search_opts *o;
	size_t rare, rare2; /* indexes of the needle's two rarest bytes */
	struct ins_matches *out;
	size_t cap;
	regex_t re;
	bool have_re;
	struct ins_mem *mem;
	const struct ins_task_mm *tm;
	uint32_t pid;
	uint64_t last; /* address of the last match reported (dedupe across overlaps) */
	bool any;
};

static size_t vma_of(const struct ins_task_mm *tm, uint64_t va)
{
	size_t lo = 0, hi = tm ? tm->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (tm->vmas[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (tm && lo < tm->n && tm->vmas[lo].start <= va)
		return lo;
	return (size_t)-1;
}

static bool full(const struct scan *s)
{
	return s->o->max_matches && s->out->n >= s->o->max_matches;
}

static int report(struct scan *s, uint64_t va, size_t len, struct cr_error **err)
{
	struct ins_match *m;
	uint64_t from;
	int r;

	if (s->any && va <= s->last)
		return 0;
	if (full(s)) {
		s->out->truncated = true;
		return 0;
	}
	s->any = true;
	s->last = va;
	s->out->m = xgrow(s->out->m, &s->cap, s->out->n + 1, sizeof(*s->out->m));
	m = &s->out->m[s->out->n++];
	memset(m, 0, sizeof(*m));
	m->pid = s->pid;
	m->vaddr = va;
	m->len = len;
	m->vma = vma_of(s->tm, va);
	from = va > s->o->context ? va - s->o->context : 0;
	m->ctx_before = va - from;
	m->ctx_len = m->ctx_before + len + s->o->context;
	m->ctx = xmalloc(m->ctx_len);
	r = ins_mem_read(s->mem, from, m->ctx, m->ctx_len, NULL, err);
	return r;
}

/* Matches in buf (which starts at va); only those starting before `limit`
 * bytes are taken, the rest will be seen again in the next chunk. */
static int scan_buf(struct scan *s, const uint8_t *buf, size_t len, uint64_t va, size_t limit,
		    struct cr_error **err)
{
	size_t pos = 0;
	int r;

	while (pos < limit && !full(s)) {
		size_t at, mlen;

		if (s->have_re) {
			regmatch_t pm = { .rm_so = pos, .rm_eo = len };
			if (regexec(&s->re, (const char *)buf, 1, &pm, REG_STARTEND | (pos ? REG_NOTBOL : 0)))
				return 0;
			at = pm.rm_so;
			mlen = pm.rm_eo - pm.rm_so;
		} else {
			const uint8_t *pat = s->o->pattern, *p;
			size_t pl = s->o->pattern_len;

			if (pl == 1)
				p = memchr(buf + pos, pat[0], len - pos);
			else
				p = find2(buf + pos, len - pos, pat, pl, s->rare, s->rare2);
			if (!p)
				return 0;
			at = p - buf;
			mlen = pl;
		}
		if (at >= limit)
			return 0;
		r = report(s, va + at, mlen, err);
		if (r < 0)
			return r;
		pos = at + (mlen ? mlen : 1);
	}
	return 0;
}

static int scan_run(struct scan *s, uint64_t start, uint64_t len, uint8_t *buf,
		    struct cr_error **err)
{
	size_t overlap = s->have_re ? REGEX_OVERLAP : s->o->pattern_len - 1;
	uint64_t off = 0;
	int r;

	while (off < len && !full(s)) {
		size_t n = len - off > CHUNK + overlap ? CHUNK + overlap : len - off;
		size_t limit = len - off > CHUNK + overlap ? CHUNK : n;

		struct ins_view view = { 0 };
		const uint8_t *p = NULL;

		/* byte strings scan the page cache in place; regexec needs a NUL after */
		r = s->have_re ? 0 : ins_mem_view(s->mem, start + off, n, &p, &view, err);
		if (r < 0)
			return r;
		if (!r) {
			r = ins_mem_read(s->mem, start + off, buf, n, NULL, err);
			if (r < 0)
				return r;
			buf[n] = 0; /* regexec's interceptors (ASan) strlen() despite REG_STARTEND */
			p = buf;
		}
		r = scan_buf(s, p, n, start + off, limit, err);
		ins_mem_unview(&view);
		if (r < 0)
			return r;
		off += limit;
	}
	return 0;
}

static int scan_task(struct scan *s, struct ins_ckpt *c, const struct ins_task_mm *tm,
		     uint8_t *buf, struct cr_error **err)
{
	const struct ins_extent *x;
	size_t n;
	int r;

	s->pid = tm->pid;
	s->tm = tm;
	s->any = false;
	r = ins_mem_open(c, tm->pid, &s->mem, err);
	if (r < 0)
		return r;
	x = ins_mem_extents(s->mem, &n);
	for (size_t i = 0; i < n && r >= 0;) {
		uint64_t start = x[i].vaddr, end = x[i].vaddr + x[i].len;
		size_t j = i + 1;
		while (j < n && x[j].vaddr == end)
			end += x[j++].len;
		r = scan_run(s, start, end - start, buf, err);
		i = j;
	}
	s->mem = ins_mem_free(s->mem);
	return r;
}

int ins_search(struct ins_ckpt *c, const struct ins_search_opts *o, struct ins_matches **ret,
	       struct cr_error **err)
{
	struct scan s = { .o = o };
	struct ins_mms *mms = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	bool found = false;
	int r;

	if (!o->pattern_len)
		return cr_err(err, -EINVAL, "empty search pattern");
	for (size_t i = 1; !o->regex && i < o->pattern_len; i++)
		if (byte_rank(((const uint8_t *)o->pattern)[i]) <
		    byte_rank(((const uint8_t *)o->pattern)[s.rare]))
			s.rare = i;
	s.rare2 = s.rare ? 0 : 1;
	for (size_t i = 0; !o->regex && i < o->pattern_len; i++)
		if (i != s.rare && byte_rank(((const uint8_t *)o->pattern)[i]) <
				   byte_rank(((const uint8_t *)o->pattern)[s.rare2]))
			s.rare2 = i;
	if (o->regex) {
		int e = regcomp(&s.re, o->pattern, REG_EXTENDED);
		if (e) {
			char msg[256];
			regerror(e, &s.re, msg, sizeof(msg));
			return cr_err(err, -EINVAL, "bad regex '%s': %s", (const char *)o->pattern, msg);
		}
		s.have_re = true;
	}
	r = ins_mems(c, &mms, err);
	if (r < 0)
		goto out;
	s.out = xzalloc(sizeof(*s.out));
	buf = xmalloc(CHUNK + (o->regex ? REGEX_OVERLAP : o->pattern_len) + 1);
	for (size_t i = 0; r >= 0 && i < mms->n; i++) {
		if (mms->tasks[i].dead || (o->pid && mms->tasks[i].pid != o->pid))
			continue;
		found = true;
		r = scan_task(&s, c, &mms->tasks[i], buf, err);
		if (r < 0)
			r = cr_err_wrap(err, "task %u", mms->tasks[i].pid);
	}
	if (r >= 0 && full(&s))
		s.out->truncated = true;
	if (r >= 0 && o->pid && !found)
		r = cr_err(err, -ESRCH, "%s: no live task with pid %u", c->label, o->pid);
	if (r < 0)
		s.out = ins_matches_free(s.out);
	*ret = s.out;
out:
	if (s.have_re)
		regfree(&s.re);
	ins_mms_free(mms);
	return r < 0 ? r : 0;
}
