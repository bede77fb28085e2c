// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The carrier for unsigned integers beyond jansson's signed range, the
 * input pre-pass that keeps them exact, and one-line errors about JSON.
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
