// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON text exactly as Python's json.dump writes it (crit's output): keys
 * in insertion order, ", " and ": " separators when compact, "," and
 * newline + indent when indented, every non-ASCII character escaped.
 * Also the carrier for unsigned integers beyond jansson's signed range.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crimg.h"
#include "img-codec.h"
#include "xalloc.h"

json_t *img_json_u64(uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%c%" PRIu64, 0, v);
	return json_stringn_nocheck(buf, n);
}

bool img_json_is_big(const json_t *j, uint64_t *ret)
{
	const char *s;
	size_t n;

	if (!json_is_string(j))
		return false;
	s = json_string_value(j);
	n = json_string_length(j);
	if (n < 2 || n > 21 || s[0] != 0)
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	errno = 0;
	uint64_t v = strtoull(s + 1, NULL, 10);
	if (errno)
		return false;
	if (ret)
		*ret = v;
	return true;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u16(struct buf *b, unsigned v)
{
	char t[8];
	snprintf(t, sizeof(t), "\\u%04x", v);
	put(b, t, 6);
}

/* Decode one UTF-8 sequence; returns its length, 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
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

static void put_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	put(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		const char *esc = NULL;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		}
		if (esc) {
			puts_(b, esc);
			i++;
			continue;
		}
		if (c >= 0x20 && c < 0x7f) {
			size_t j = i;
			while (j < n && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '"' && u[j] != '\\')
				j++;
			put(b, s + i, j - i);
			i = j;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(u + i, n - i, &cp);
		if (len == 0) {
			/* not UTF-8: carried as a lone surrogate, as Python's surrogateescape */
			put_u16(b, 0xdc00 | c);
			i++;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_u16(b, 0xd800 | (cp >> 10));
			put_u16(b, 0xdc00 | (cp & 0x3ff));
		} else {
			put_u16(b, cp);
		}
		i += len;
	}
	put(b, "\"", 1);
}

static void newline(struct buf *b, int indent, int depth)
{
	put(b, "\n", 1);
	for (int i = 0; i < indent * depth; i++)
		put(b, " ", 1);
}

static void dump(struct buf *b, const json_t *j, int indent, int depth)
{
	char num[64];
	uint64_t big;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		bool first = true;

		if (json_object_size(j) == 0) {
			puts_(b, "{}");
			return;
		}
		put(b, "{", 1);
		json_object_foreach((json_t *)j, key, v) {
			if (!first)
				puts_(b, indent ? "," : ", ");
			first = false;
			if (indent)
				newline(b, indent, depth + 1);
			put_string(b, key, strlen(key));
			puts_(b, ": ");
			dump(b, v, indent, depth + 1);
		}
		if (indent)
			newline(b, indent, depth);
		put(b, "}", 1);
		return;
	}
	case JSON_ARRAY:
		if (json_array_size(j) == 0) {
			puts_(b, "[]");
			return;
		}
		put(b, "[", 1);
		for (size_t i = 0; i < json_array_size(j); i++) {
			if (i)
				puts_(b, indent ? "," : ", ");
			if (indent)
				newline(b, indent, depth + 1);
			dump(b, json_array_get(j, i), indent, depth + 1);
		}
		if (indent)
			newline(b, indent, depth);
		put(b, "]", 1);
		return;
	case JSON_STRING:
		if (img_json_is_big(j, &big)) {
			snprintf(num, sizeof(num), "%" PRIu64, big);
			puts_(b, num);
			return;
		}
		put_string(b, json_string_value(j), json_string_length(j));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		puts_(b, num);
		return;
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(j));
		puts_(b, num);
		return;
	case JSON_TRUE:
		puts_(b, "true");
		return;
	case JSON_FALSE:
		puts_(b, "false");
		return;
	case JSON_NULL:
		puts_(b, "null");
		return;
	}
}

char *img_json_dumps(const json_t *j, int indent)
{
	struct buf b = { 0 };

	put(&b, "", 0);
	dump(&b, j, indent, 0);
	return b.p;
}

/* Integers in JSON text that overflow int64 become "\u0000DIGITS" strings. */
char *img_json_protect_big(const char *s, size_t n, size_t *ret_len)
{
	struct buf b = { 0 };
	size_t i = 0, last = 0;

	put(&b, "", 0);
	while (i < n) {
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			i++;
			continue;
		}
		if ((s[i] >= '0' && s[i] <= '9') && (i == 0 || !strchr("0123456789.-+eE", s[i - 1]))) {
			size_t j = i;
			while (j < n && s[j] >= '0' && s[j] <= '9')
				j++;
			bool frac = j < n && strchr(".eE", s[j]);
			size_t digits = j - i;
			if (!frac && (digits > 19 || (digits == 19 && strncmp(s + i, "9223372036854775807", 19) > 0))) {
				put(&b, s + last, i - last);
				puts_(&b, "\"\\u0000");
				put(&b, s + i, digits);
				puts_(&b, "\"");
				last = j;
			}
			i = j;
			continue;
		}
		i++;
	}
	put(&b, s + last, n - last);
	*ret_len = b.len;
	return b.p;
}

/*
 * cr_err() for messages that quote JSON input: control characters in the
 * quoted keys and values are escaped, so every error stays one line.
 */
int img_json_err(struct cr_error **err, int code, const char *fmt, ...)
{
	struct buf b = { 0 };
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cr_err(err, code, "out of memory formatting an error");
	put(&b, "", 0);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		char t[8];
		if (*p >= 0x20 && *p != 0x7f) {
			put(&b, (const char *)p, 1);
			continue;
		}
		snprintf(t, sizeof(t), *p == '\n' ? "\\n" : *p == '\t' ? "\\t" : "\\x%02x", *p);
		puts_(&b, t);
	}
	free(msg);
	code = cr_err(err, code, "%s", b.p);
	free(b.p);
	return code;
}
