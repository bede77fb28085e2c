// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The byte encodings crit uses in JSON: MIME base64 exactly as Python's
 * base64.encodebytes (76-character lines, each ending in a newline) and
 * quoted-printable exactly as binascii.b2a_qp (unix socket names).  The
 * round trip of decode | encode depends on both being reproduced exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crimg.h"
#include "img-codec.h"
#include "xalloc.h"

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *img_b64_encode(const uint8_t *in, size_t len)
{
	/* 57 input bytes make one 76-character line */
	size_t lines = (len + 56) / 57;
	char *out = xmalloc((len + 2) / 3 * 4 + lines + 1);
	char *o = out;

	for (size_t i = 0; i < len; i += 57) {
		size_t end = i + 57 < len ? i + 57 : len;
		for (size_t j = i; j < end; j += 3) {
			uint32_t v = in[j] << 16;
			size_t n = end - j;
			if (n > 1)
				v |= in[j + 1] << 8;
			if (n > 2)
				v |= in[j + 2];
			*o++ = b64chars[(v >> 18) & 63];
			*o++ = b64chars[(v >> 12) & 63];
			*o++ = n > 1 ? b64chars[(v >> 6) & 63] : '=';
			*o++ = n > 2 ? b64chars[v & 63] : '=';
		}
		*o++ = '\n';
	}
	*o = '\0';
	return out;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int img_b64_decode(const char *s, size_t slen, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = xmalloc(slen / 4 * 3 + 3);
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0, pad = 0;

	for (size_t i = 0; i < slen; i++) {
		char c = s[i];
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad) {
			free(out);
			return -EINVAL;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = acc >> bits;
		}
	}
	/* leftover bits must be a proper tail: 2 or 3 chars of a quantum */
	if (bits >= 6 || pad > 2 || (pad && (bits + pad * 6) % 8 && bits == 0)) {
		free(out);
		return -EINVAL;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}

static void hex2(uint8_t c, char *o)
{
	static const char h[] = "0123456789ABCDEF";
	o[0] = '=';
	o[1] = h[c >> 4];
	o[2] = h[c & 15];
}

char *img_qp_encode(const uint8_t *d, size_t len, size_t *ret_len)
{
	const size_t maxline = 76;
	char *o = xmalloc(len * 3 * 2 + 4);
	size_t in = 0, out = 0, linelen = 0;
	const uint8_t *nl = len ? memchr(d, '\n', len) : NULL; /* d is NULL when len is 0 */
	bool crlf = nl && nl > d && nl[-1] == '\r';

	while (in < len) {
		uint8_t c = d[in];
		bool enc = c > 126 || c == '=' ||
			   (c == '.' && linelen == 0 &&
			    (in + 1 == len || d[in + 1] == '\n' || d[in + 1] == '\r' || d[in + 1] == 0)) ||
			   ((c == '\t' || c == ' ') && in + 1 == len) ||
			   (c < 33 && c != '\r' && c != '\n' && c != '\t' && c != ' ');
		if (enc) {
			if (linelen + 3 >= maxline) {
				o[out++] = '=';
				if (crlf)
					o[out++] = '\r';
				o[out++] = '\n';
				linelen = 0;
			}
			hex2(c, o + out);
			out += 3;
			in++;
			linelen += 3;
		} else if (c == '\n' || (in + 1 < len && c == '\r' && d[in + 1] == '\n')) {
			linelen = 0;
			if (out && (o[out - 1] == ' ' || o[out - 1] == '\t')) {
				uint8_t ch = o[out - 1];
				hex2(ch, o + out - 1);
				out += 2;
			}
			if (crlf)
				o[out++] = '\r';
			o[out++] = '\n';
			in += c == '\r' ? 2 : 1;
		} else {
			if (in + 1 != len && d[in + 1] != '\n' && linelen + 1 >= maxline) {
				o[out++] = '=';
				if (crlf)
					o[out++] = '\r';
				o[out++] = '\n';
				linelen = 0;
			}
			linelen++;
			o[out++] = d[in++];
		}
	}
	o[out] = '\0';
	*ret_len = out;
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* As binascii.a2b_qp: "=XX" is a byte, "=" before a line end is a soft break. */
uint8_t *img_qp_decode(const char *s, size_t len, size_t *ret_len)
{
	uint8_t *o = xmalloc(len + 1);
	size_t in = 0, out = 0;

	while (in < len) {
		if (s[in] != '=') {
			o[out++] = s[in++];
			continue;
		}
		in++;
		if (in >= len)
			break;
		if (s[in] == '\n' || s[in] == '\r') {
			if (s[in] != '\n')
				while (in < len && s[in] != '\n')
					in++;
			if (in < len)
				in++;
		} else if (s[in] == '=') {
			o[out++] = '=';
			in++;
		} else if (in + 1 < len && hexval(s[in]) >= 0 && hexval(s[in + 1]) >= 0) {
			o[out++] = hexval(s[in]) << 4 | hexval(s[in + 1]);
			in += 2;
		} else {
			o[out++] = '=';
		}
	}
	*ret_len = out;
	return o;
}
