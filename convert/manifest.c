// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "manifest.h"
#include "xalloc.h"

void mf_add(struct manifest *m, char type, const char *path, uint64_t size, const char *sha,
	    const char *target)
{
	struct mf_entry *e;

	m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
	e = &m->v[m->n++];
	e->type = type;
	e->size = size;
	snprintf(e->sha, sizeof(e->sha), "%s", sha ? sha : "-");
	e->path = xstrdup(path);
	e->target = target ? xstrdup(target) : NULL;
}

void mf_release(struct manifest *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].path);
		free(m->v[i].target);
	}
	free(m->v);
	*m = (struct manifest){ 0 };
}

static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '%' || *p >= 0x7f)
			fprintf(f, "%%%02x", *p);
		else
			fputc(*p, f);
	}
}

char *mf_format(const struct manifest *m, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort(); /* out of memory, as xmalloc */
	fprintf(f, "crisp-manifest 1\n");
	for (size_t i = 0; i < m->n; i++) {
		const struct mf_entry *e = &m->v[i];

		if (e->type == 'f')
			fprintf(f, "f %" PRIu64 " %s ", e->size, e->sha);
		else
			fprintf(f, "%c - - ", e->type);
		put_escaped(f, e->path);
		if (e->target) {
			fputc(' ', f);
			put_escaped(f, e->target);
		}
		fputc('\n', f);
	}
	fprintf(f, "end %zu\n", m->n);
	fclose(f);
	*ret_len = len;
	return buf;
}

static char *unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (s[i] == '%' && i + 2 < n + 1 && sscanf(s + i + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int parse_line(const char *line, size_t n, struct manifest *m)
{
	const char *f[5];
	size_t fl[5];
	unsigned nf = 0;
	_cleanup_free_ char *path = NULL, *target = NULL;
	char sha[65] = "-";
	uint64_t size = 0;

	for (size_t i = 0; i < n && nf < 5;) {
		size_t j = i;

		while (j < n && line[j] != ' ')
			j++;
		f[nf] = line + i;
		fl[nf++] = j - i;
		i = j + 1;
	}
	if (nf < 4 || fl[0] != 1 || !strchr("fdlh", f[0][0]))
		return -EINVAL;
	if (f[0][0] == 'f') {
		char *end;

		size = strtoull(f[1], &end, 10);
		if (end != f[1] + fl[1] || fl[2] != 64)
			return -EINVAL;
		memcpy(sha, f[2], 64);
		sha[64] = '\0';
	}
	if ((f[0][0] == 'l' || f[0][0] == 'h') != (nf == 5))
		return -EINVAL;
	path = unescape(f[3], fl[3]);
	if (nf == 5)
		target = unescape(f[4], fl[4]);
	mf_add(m, f[0][0], path, size, sha, target);
	return 0;
}

int mf_parse(const char *buf, size_t len, const char *label, struct manifest *ret,
	     struct cr_error **err)
{
	static const char head[] = "crisp-manifest 1\n";
	struct manifest m = { 0 };
	size_t pos = sizeof(head) - 1, line = 1;

	if (len < pos || memcmp(buf, head, pos))
		return cr_err(err, -EBADMSG, "'%s': manifest: unknown header", label);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n;

		line++;
		if (!nl)
			break;
		n = nl - (buf + pos);
		if (n > 4 && !memcmp(buf + pos, "end ", 4)) {
			size_t count = strtoull(buf + pos + 4, NULL, 10);

			if (count != m.n || nl + 1 != buf + len) {
				mf_release(&m);
				return cr_err(err, -EBADMSG, "'%s': manifest: bad end line %zu",
					      label, line);
			}
			*ret = m;
			return 0;
		}
		if (parse_line(buf + pos, n, &m) < 0) {
			mf_release(&m);
			return cr_err(err, -EBADMSG, "'%s': manifest: malformed line %zu", label,
				      line);
		}
		pos += n + 1;
	}
	mf_release(&m);
	return cr_err(err, -EBADMSG, "'%s': manifest is incomplete (no end line)", label);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct mf_entry *)a)->path, ((const struct mf_entry *)b)->path);
}

int mf_compare(struct manifest *got, struct manifest *want, const char *label,
	       struct cr_error **err)
{
	qsort(got->v, got->n, sizeof(*got->v), cmp_path);
	qsort(want->v, want->n, sizeof(*want->v), cmp_path);
	for (size_t i = 0; i < want->n; i++) {
		const struct mf_entry *w = &want->v[i];
		const struct mf_entry *g = bsearch(w, got->v, got->n, sizeof(*got->v), cmp_path);

		if (!g)
			return cr_err(err, -EBADMSG, "'%s': member '%s' is missing (archive cut short?)",
				      label, w->path);
		if (g->type != w->type)
			return cr_err(err, -EBADMSG, "'%s': member '%s': type differs from the manifest",
				      label, w->path);
		if (g->size != w->size)
			return cr_err(err, -EBADMSG,
				      "'%s': member '%s': %" PRIu64 " bytes, manifest says %" PRIu64,
				      label, w->path, g->size, w->size);
		if (strcmp(g->sha, w->sha))
			return cr_err(err, -EBADMSG, "'%s': member '%s': sha256 mismatch (corrupted)",
				      label, w->path);
		if ((g->target || w->target) &&
		    (!g->target || !w->target || strcmp(g->target, w->target)))
			return cr_err(err, -EBADMSG, "'%s': member '%s': link target differs",
				      label, w->path);
	}
	if (got->n != want->n)
		return cr_err(err, -EBADMSG, "'%s': %zu members but the manifest lists %zu", label,
			      got->n, want->n);
	return 0;
}
