// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two JSON sinks.  Text is written exactly as Python's json.dump writes
 * it (crit's output): ", " and ": " when compact, "," and newline + indent
 * when indented, "{}" and "[]" when empty, every non-ASCII character
 * escaped as \uXXXX.  The tree sink builds jansson values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crimg.h"
#include "img-codec.h"
#include "io.h"
#include "xalloc.h"

#define TEXT_BUF (256 * 1024)
#define MAX_DEPTH 256

struct img_jtext {
	struct img_jsink sink;
	int fd, indent, depth, error;
	bool first[MAX_DEPTH]; /* nothing written yet in the container at this depth */
	bool after_key;
	char *p;
	size_t len, cap;
};

static void tflush(struct img_jtext *t)
{
	if (t->fd < 0 || t->len == 0)
		return;
	if (!t->error) {
		int r = io_write_full(t->fd, t->p, t->len);
		if (r < 0)
			t->error = r;
	}
	t->len = 0;
}

static inline void tput(struct img_jtext *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		tflush(t);
		if (t->len + n + 1 > t->cap)
			t->p = xgrow(t->p, &t->cap, t->len + n + 1, 1);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static inline void tputc(struct img_jtext *t, char c)
{
	if (t->len + 2 > t->cap)
		tput(t, &c, 1);
	else
		t->p[t->len++] = c;
}

static void tnewline(struct img_jtext *t, int depth)
{
	static const char spaces[] = "                                                                ";
	size_t n = (size_t)t->indent * depth;

	tputc(t, '\n');
	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		tput(t, spaces, k);
		n -= k;
	}
}

/* Separator and indentation before a value or a key. */
static void tbefore(struct img_jtext *t)
{
	int d = t->depth < MAX_DEPTH ? t->depth : MAX_DEPTH - 1;

	if (t->after_key) {
		t->after_key = false;
		return;
	}
	if (t->depth == 0)
		return;
	if (!t->first[d])
		tput(t, t->indent ? "," : ", ", t->indent ? 1 : 2);
	t->first[d] = false;
	if (t->indent)
		tnewline(t, t->depth);
}

static void topen(struct img_jsink *s, char c)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tputc(t, c);
	t->depth++;
	if (t->depth < MAX_DEPTH)
		t->first[t->depth] = true;
}

static void tclose(struct img_jsink *s, char c)
{
	struct img_jtext *t = (struct img_jtext *)s;
	bool empty = t->depth < MAX_DEPTH ? t->first[t->depth] : false;

	t->depth--;
	if (!empty && t->indent)
		tnewline(t, t->depth);
	tputc(t, c);
}

static void t_obj_begin(struct img_jsink *s) { topen(s, '{'); }
static void t_obj_end(struct img_jsink *s) { tclose(s, '}'); }
static void t_arr_begin(struct img_jsink *s) { topen(s, '['); }
static void t_arr_end(struct img_jsink *s) { tclose(s, ']'); }

static void put_u16(struct img_jtext *t, unsigned v)
{
	static const char hx[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hx[(v >> 12) & 15], hx[(v >> 8) & 15], hx[(v >> 4) & 15], hx[v & 15] };
	tput(t, e, 6);
}

/* One UTF-8 sequence; its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if ((c & 0xe0) == 0xc0)
		len = 2, v = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, v = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		len = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Bytes that stand for themselves in a JSON string (printable ASCII but " and \\). */
static const bool plain_byte[256] = {
	[0x20 ... 0x21] = true, /* 0x22 is " */
	[0x23 ... 0x5b] = true, /* 0x5c is \\ */
	[0x5d ... 0x7e] = true,
};

static void put_string(struct img_jtext *t, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	tputc(t, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		size_t j = i;

		while (j < n && plain_byte[u[j]])
			j++;
		if (j > i) {
			tput(t, s + i, j - i);
			i = j;
			continue;
		}
		switch (c) {
		case '"': tput(t, "\\\"", 2); i++; continue;
		case '\\': tput(t, "\\\\", 2); i++; continue;
		case '\n': tput(t, "\\n", 2); i++; continue;
		case '\r': tput(t, "\\r", 2); i++; continue;
		case '\t': tput(t, "\\t", 2); i++; continue;
		case '\b': tput(t, "\\b", 2); i++; continue;
		case '\f': tput(t, "\\f", 2); i++; continue;
		}
		uint32_t cp;
		size_t len = c < 0x80 ? (cp = c, 1) : utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			/* not UTF-8: carried as a lone surrogate, as Python's surrogateescape */
			put_u16(t, 0xdc00 | c);
			i++;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_u16(t, 0xd800 | (cp >> 10));
			put_u16(t, 0xdc00 | (cp & 0x3ff));
		} else {
			put_u16(t, cp);
		}
		i += len;
	}
	tputc(t, '"');
}

static void t_key(struct img_jsink *s, const char *k, size_t n)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_string(t, k, n);
	tput(t, ": ", 2);
	t->after_key = true;
}

static void t_str(struct img_jsink *s, const char *p, size_t n)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_string(t, p, n);
}

static void put_u64(struct img_jtext *t, uint64_t v, bool neg)
{
	char buf[24];
	char *e = buf + sizeof(buf), *p = e;

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	if (neg)
		*--p = '-';
	tput(t, p, e - p);
}

static void t_i64(struct img_jsink *s, int64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_u64(t, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

static void t_u64(struct img_jsink *s, uint64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_u64(t, v, false);
}

static void t_bool(struct img_jsink *s, bool v)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tput(t, v ? "true" : "false", v ? 4 : 5);
}

static void t_real(struct img_jsink *s, double v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char buf[40];

	tbefore(t);
	tput(t, buf, snprintf(buf, sizeof(buf), "%.17g", v));
}

static void t_null(struct img_jsink *s)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tput(t, "null", 4);
}

static const struct img_jsink_ops text_ops = {
	t_obj_begin, t_obj_end, t_arr_begin, t_arr_end, t_key, t_str, t_i64, t_u64, t_bool, t_real,
	t_null,
};

struct img_jtext *img_jtext_new(int fd, int indent)
{
	struct img_jtext *t = xzalloc(sizeof(*t));

	t->sink.ops = &text_ops;
	t->fd = fd;
	t->indent = indent;
	t->cap = TEXT_BUF;
	t->p = xmalloc(t->cap);
	return t;
}

struct img_jsink *img_jtext_sink(struct img_jtext *t)
{
	return &t->sink;
}

int img_jtext_finish(struct img_jtext *t, char **ret_mem)
{
	int r;

	tflush(t);
	r = t->error;
	if (ret_mem && t->fd < 0) {
		t->p[t->len] = '\0';
		*ret_mem = t->p;
		t->p = NULL;
	}
	free(t->p);
	free(t);
	return r;
}

char *img_json_dumps(const json_t *j, int indent)
{
	struct img_jtext *t = img_jtext_new(-1, indent);
	char *out = NULL;

	img_walk_json(img_jtext_sink(t), j);
	img_jtext_finish(t, &out);
	return out;
}

/* ---- tree sink --------------------------------------------------------- */

struct img_jtree {
	struct img_jsink sink;
	json_t *stack[MAX_DEPTH];
	char *keys[MAX_DEPTH]; /* pending key of the object at each depth */
	int depth;
	json_t *result;
};

static void tree_add(struct img_jtree *t, json_t *v)
{
	if (t->depth == 0) {
		json_decref(t->result);
		t->result = v;
		return;
	}
	json_t *top = t->stack[t->depth - 1];
	if (json_is_object(top)) {
		char *k = t->keys[t->depth - 1];
		json_object_set_new_nocheck(top, k ? k : "", v);
		free(k);
		t->keys[t->depth - 1] = NULL;
	} else {
		json_array_append_new(top, v);
	}
}

static void tree_push(struct img_jsink *s, json_t *c)
{
	struct img_jtree *t = (struct img_jtree *)s;

	json_incref(c);
	tree_add(t, c);
	if (t->depth < MAX_DEPTH) {
		t->stack[t->depth] = c;
		t->keys[t->depth] = NULL;
		t->depth++;
	}
	json_decref(c);
}

static void tree_pop(struct img_jsink *s)
{
	struct img_jtree *t = (struct img_jtree *)s;

	if (t->depth > 0)
		t->depth--;
}

static void j_obj_begin(struct img_jsink *s) { tree_push(s, json_object()); }
static void j_arr_begin(struct img_jsink *s) { tree_push(s, json_array()); }

static void j_key(struct img_jsink *s, const char *k, size_t n)
{
	struct img_jtree *t = (struct img_jtree *)s;

	if (t->depth > 0) {
		free(t->keys[t->depth - 1]);
		t->keys[t->depth - 1] = xstrndup(k, n);
	}
}

static void j_str(struct img_jsink *s, const char *p, size_t n)
{
	tree_add((struct img_jtree *)s, json_stringn_nocheck(p, n));
}

static void j_i64(struct img_jsink *s, int64_t v)
{
	tree_add((struct img_jtree *)s, json_integer(v));
}

static void j_u64(struct img_jsink *s, uint64_t v)
{
	tree_add((struct img_jtree *)s, v <= INT64_MAX ? json_integer((json_int_t)v) : img_json_u64(v));
}

static void j_bool(struct img_jsink *s, bool v)
{
	tree_add((struct img_jtree *)s, json_boolean(v));
}

static void j_real(struct img_jsink *s, double v)
{
	tree_add((struct img_jtree *)s, json_real(v));
}

static void j_null(struct img_jsink *s)
{
	tree_add((struct img_jtree *)s, json_null());
}

static const struct img_jsink_ops tree_ops = {
	j_obj_begin, tree_pop, j_arr_begin, tree_pop, j_key, j_str, j_i64, j_u64, j_bool, j_real,
	j_null,
};

struct img_jtree *img_jtree_new(void)
{
	struct img_jtree *t = xzalloc(sizeof(*t));

	t->sink.ops = &tree_ops;
	return t;
}

struct img_jsink *img_jtree_sink(struct img_jtree *t)
{
	return &t->sink;
}

json_t *img_jtree_finish(struct img_jtree *t)
{
	json_t *r = t->result;

	for (int i = 0; i < MAX_DEPTH; i++)
		free(t->keys[i]);
	free(t);
	return r;
}
