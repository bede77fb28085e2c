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

/*
 * What goes before the next key or value: nothing (after a key, or the top
 * value), the indentation of a container's first item, or the separator and
 * indentation of any later item.  That is all the state Python's layout
 * needs, besides the depth.
 */
enum pend { PEND_NONE, PEND_FIRST, PEND_NEXT };

struct img_jtext {
	struct img_jsink sink;
	int fd, indent, depth, error;
	enum pend pend;
	size_t ind;  /* indent * depth: spaces before an item at this depth */
	char *sep;   /* ",\n" and spaces (indented), ", " (compact) */
	size_t sep_cap;
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

static __attribute__((noinline)) void tmake_room(struct img_jtext *t, size_t n)
{
	tflush(t);
	if (t->len + n + 1 > t->cap)
		t->p = xgrow(t->p, &t->cap, t->len + n + 1, 1);
}

/* The per-value helpers are small and hot: inline them into every sink op. */
#define HOT static inline __attribute__((always_inline))

/* Room for n more bytes (and the final NUL); write there, then add to len. */
HOT char *treserve(struct img_jtext *t, size_t n)
{
	if (__builtin_expect(t->cap - t->len < n + 1, 0))
		tmake_room(t, n);
	return t->p + t->len;
}

/* memcpy of at most 32 bytes as two overlapping moves, without a call */
HOT void copy_small(char *d, const char *s, size_t n)
{
	if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

HOT void tput(struct img_jtext *t, const char *s, size_t n)
{
	char *w = treserve(t, n);

	if (n <= 32)
		copy_small(w, s, n);
	else
		memcpy(w, s, n);
	t->len += n;
}

HOT void tputc(struct img_jtext *t, char c)
{
	*treserve(t, 1) = c;
	t->len++;
}

/* Enough spaces in t->sep for an item at the current depth. */
static void tset_depth(struct img_jtext *t, int depth)
{
	t->depth = depth;
	if (!t->indent)
		return;
	t->ind = (size_t)t->indent * (depth > 0 ? depth : 0);
	if (t->ind + 2 > t->sep_cap) {
		size_t old = t->sep_cap;
		t->sep = xgrow(t->sep, &t->sep_cap, t->ind + 2, 1);
		memset(t->sep + old, ' ', t->sep_cap - old);
		t->sep[0] = ',';
		t->sep[1] = '\n';
	}
}

/* Separator and indentation before a value or a key. */
HOT void tbefore(struct img_jtext *t)
{
	if (t->pend == PEND_NEXT) {
		if (!t->indent) {
			char *w = treserve(t, 2);
			w[0] = ',';
			w[1] = ' ';
			t->len += 2;
		} else {
			tput(t, t->sep, 2 + t->ind);
		}
	} else if (t->pend == PEND_FIRST && t->indent) {
		tput(t, t->sep + 1, 1 + t->ind);
	}
}

HOT char *tcopy(char *w, const char *s, size_t n)
{
	if (n <= 32)
		copy_small(w, s, n);
	else
		memcpy(w, s, n);
	return w + n;
}

/*
 * The scalar ops make one check for room, for the separator and all they
 * write, then store without checks: one predictable branch per value.
 */
HOT char *tneed(struct img_jtext *t, size_t n)
{
	return treserve(t, 2 + t->ind + n);
}

/* The pending separator at w (room reserved by tneed). */
HOT char *tsep(struct img_jtext *t, char *w)
{
	if (t->pend == PEND_NEXT) {
		if (!t->indent) {
			w[0] = ',';
			w[1] = ' ';
			return w + 2;
		}
		return tcopy(w, t->sep, 2 + t->ind);
	}
	if (t->pend == PEND_FIRST && t->indent)
		return tcopy(w, t->sep + 1, 1 + t->ind);
	return w;
}

HOT void tdone(struct img_jtext *t, char *w, enum pend next)
{
	t->len = w - t->p;
	t->pend = next;
}

static void topen(struct img_jsink *s, char c)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tputc(t, c);
	tset_depth(t, t->depth + 1);
	t->pend = PEND_FIRST;
}

static void tclose(struct img_jsink *s, char c)
{
	struct img_jtext *t = (struct img_jtext *)s;
	bool empty = t->pend == PEND_FIRST;

	tset_depth(t, t->depth - 1);
	if (!empty && t->indent)
		tput(t, t->sep + 1, 1 + t->ind);
	tputc(t, c);
	t->pend = PEND_NEXT;
}

static void t_obj_begin(struct img_jsink *s) { topen(s, '{'); }
static void t_obj_end(struct img_jsink *s) { tclose(s, '}'); }
static void t_arr_begin(struct img_jsink *s) { topen(s, '['); }
static void t_arr_end(struct img_jsink *s) { tclose(s, ']'); }

static char *put_u16(char *w, unsigned v)
{
	static const char hx[] = "0123456789abcdef";

	w[0] = '\\';
	w[1] = 'u';
	w[2] = hx[(v >> 12) & 15];
	w[3] = hx[(v >> 8) & 15];
	w[4] = hx[(v >> 4) & 15];
	w[5] = hx[v & 15];
	return w + 6;
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

/* The escape of one byte or UTF-8 sequence at u[0] (n bytes left); sets *used. */
static char *put_escape(char *w, const unsigned char *u, size_t n, size_t *used)
{
	static const char short_esc[256] = {
		['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
		['\t'] = 't', ['\b'] = 'b', ['\f'] = 'f',
	};
	unsigned char c = u[0];
	uint32_t cp;
	size_t len;

	*used = 1;
	if (short_esc[c]) {
		w[0] = '\\';
		w[1] = short_esc[c];
		return w + 2;
	}
	len = c < 0x80 ? (cp = c, 1) : utf8_decode(u, n, &cp);
	if (len == 0) /* not UTF-8: carried as a lone surrogate, as Python's surrogateescape */
		return put_u16(w, 0xdc00 | c);
	*used = len;
	if (cp >= 0x10000) {
		cp -= 0x10000;
		w = put_u16(w, 0xd800 | (cp >> 10));
		return put_u16(w, 0xdc00 | (cp & 0x3ff));
	}
	return put_u16(w, cp);
}

/*
 * Escaped in chunks: each reserves the worst case of its input (6 bytes out
 * per byte in, and a sequence begun at the chunk's end may run 3 bytes over),
 * so the loop itself never checks for room.
 */
#define STR_CHUNK 4096

static void put_string(struct img_jtext *t, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	tputc(t, '"');
	while (i < n) {
		size_t end = n - i > STR_CHUNK ? i + STR_CHUNK : n;
		char *w0 = treserve(t, 6 * (end - i) + 24), *w = w0;

		while (i < end) {
			size_t j = i, used;
			while (j < end && plain_byte[u[j]])
				j++;
			memcpy(w, s + i, j - i);
			w += j - i;
			i = j;
			if (i < end) {
				w = put_escape(w, u + i, n - i, &used);
				i += used;
			}
		}
		t->len += w - w0;
	}
	tputc(t, '"');
}

static void t_key(struct img_jsink *s, const char *k, size_t n)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_string(t, k, n);
	tput(t, ": ", 2);
	t->pend = PEND_NONE;
}

static void t_fkey(struct img_jsink *s, const struct img_jkey *k)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, k->text_len));

	tdone(t, tcopy(w, k->text, k->text_len), PEND_NONE);
}

static void t_str(struct img_jsink *s, const char *p, size_t n)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	put_string(t, p, n);
	t->pend = PEND_NEXT;
}

static void t_astr(struct img_jsink *s, const char *p, size_t n)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, n + 2));

	*w++ = '"';
	w = tcopy(w, p, n);
	*w++ = '"';
	tdone(t, w, PEND_NEXT);
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static const uint64_t pow10_tab[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
};

/* Decimal length from the bit length: log10(2) ~ 1233/4096, then one correction. */
HOT unsigned ndigits(uint64_t v)
{
	unsigned bits = 64 - __builtin_clzll(v | 1);
	unsigned d = (bits * 1233) >> 12;

	return d + ((v | 1) >= pow10_tab[d]); /* v | 1: "0" has one digit */
}

/* Two digits of v < 100 ending at e. */
HOT char *put2(char *e, uint32_t v)
{
	memcpy(e - 2, digit_pairs + 2 * v, 2);
	return e - 2;
}

/*
 * Decimal digits of v at w, from the end: eight at a time in 32-bit
 * arithmetic (64-bit divisions are the slow part of a long address), then
 * pairs.  Returns the end.
 */
HOT char *fmt_u64(char *w, uint64_t v, bool neg)
{
	unsigned n = ndigits(v) + neg;
	char *end = w + n, *e = end;
	uint32_t v32;

	while (v >= 100000000) {
		uint32_t lo = v % 100000000, hi4 = lo / 10000, lo4 = lo % 10000;
		v /= 100000000;
		e = put2(e, lo4 % 100);
		e = put2(e, lo4 / 100);
		e = put2(e, hi4 % 100);
		e = put2(e, hi4 / 100);
	}
	v32 = v;
	while (v32 >= 100) {
		e = put2(e, v32 % 100);
		v32 /= 100;
	}
	if (v32 >= 10)
		e = put2(e, v32);
	else
		*--e = '0' + v32;
	if (neg)
		*--e = '-';
	return end;
}

#define INT_MAX_TEXT 21 /* "-9223372036854775808", 18446744073709551615 */

HOT char *fmt_i64(char *w, int64_t v)
{
	return fmt_u64(w, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

static void t_i64(struct img_jsink *s, int64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, INT_MAX_TEXT));

	tdone(t, fmt_i64(w, v), PEND_NEXT);
}

static void t_u64(struct img_jsink *s, uint64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, INT_MAX_TEXT));

	tdone(t, fmt_u64(w, v, false), PEND_NEXT);
}

static void t_key_i64(struct img_jsink *s, const struct img_jkey *k, int64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, k->text_len + INT_MAX_TEXT));

	w = tcopy(w, k->text, k->text_len);
	tdone(t, fmt_i64(w, v), PEND_NEXT);
}

static void t_key_u64(struct img_jsink *s, const struct img_jkey *k, uint64_t v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char *w = tsep(t, tneed(t, k->text_len + INT_MAX_TEXT));

	w = tcopy(w, k->text, k->text_len);
	tdone(t, fmt_u64(w, v, false), PEND_NEXT);
}

static void t_bool(struct img_jsink *s, bool v)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tput(t, v ? "true" : "false", v ? 4 : 5);
	t->pend = PEND_NEXT;
}

static void t_real(struct img_jsink *s, double v)
{
	struct img_jtext *t = (struct img_jtext *)s;
	char buf[40];

	tbefore(t);
	tput(t, buf, snprintf(buf, sizeof(buf), "%.17g", v));
	t->pend = PEND_NEXT;
}

static void t_null(struct img_jsink *s)
{
	struct img_jtext *t = (struct img_jtext *)s;

	tbefore(t);
	tput(t, "null", 4);
	t->pend = PEND_NEXT;
}

static const struct img_jsink_ops text_ops = {
	.obj_begin = t_obj_begin,
	.obj_end = t_obj_end,
	.arr_begin = t_arr_begin,
	.arr_end = t_arr_end,
	.key = t_key,
	.fkey = t_fkey,
	.str = t_str,
	.astr = t_astr,
	.i64 = t_i64,
	.u64 = t_u64,
	.key_i64 = t_key_i64,
	.key_u64 = t_key_u64,
	.boolean = t_bool,
	.real = t_real,
	.null = t_null,
};

static struct img_jtext *jtext_new(int fd, int indent, size_t cap)
{
	struct img_jtext *t = xzalloc(sizeof(*t));

	t->sink.ops = &text_ops;
	t->fd = fd;
	t->indent = indent;
	t->cap = cap;
	t->p = xmalloc(t->cap);
	t->sep_cap = 2 + 16 * (size_t)indent;
	t->sep = xmalloc(t->sep_cap);
	memset(t->sep, ' ', t->sep_cap);
	t->sep[0] = ',';
	t->sep[1] = indent ? '\n' : ' ';
	return t;
}

struct img_jtext *img_jtext_new(int fd, int indent)
{
	return jtext_new(fd, indent, TEXT_BUF);
}

struct img_jsink *img_jtext_sink(struct img_jtext *t)
{
	return &t->sink;
}

size_t img_jtext_len(const struct img_jtext *t)
{
	return t->len;
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
	free(t->sep);
	free(t);
	return r;
}

char *img_json_key_text(const char *k, size_t n, size_t *ret_len)
{
	struct img_jtext *t = jtext_new(-1, 0, 6 * n + 32);
	char *out = NULL;

	put_string(t, k, n);
	tput(t, ": ", 2);
	*ret_len = t->len;
	img_jtext_finish(t, &out);
	return out;
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

static void j_fkey(struct img_jsink *s, const struct img_jkey *k)
{
	j_key(s, k->name, k->len);
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

static void j_key_i64(struct img_jsink *s, const struct img_jkey *k, int64_t v)
{
	j_fkey(s, k);
	j_i64(s, v);
}

static void j_key_u64(struct img_jsink *s, const struct img_jkey *k, uint64_t v)
{
	j_fkey(s, k);
	j_u64(s, v);
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
	.obj_begin = j_obj_begin,
	.obj_end = tree_pop,
	.arr_begin = j_arr_begin,
	.arr_end = tree_pop,
	.key = j_key,
	.fkey = j_fkey,
	.str = j_str,
	.astr = j_str,
	.i64 = j_i64,
	.u64 = j_u64,
	.key_i64 = j_key_i64,
	.key_u64 = j_key_u64,
	.boolean = j_bool,
	.real = j_real,
	.null = j_null,
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
