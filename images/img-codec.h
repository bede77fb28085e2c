/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Internal helpers shared by the JSON files of images/. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

char *img_qp_encode(const uint8_t *d, size_t len, size_t *ret_len);
uint8_t *img_qp_decode(const char *s, size_t len, size_t *ret_len);

/* Flag and dict maps of crit's pretty form. */
struct img_flag {
	const char *name;
	uint64_t value;
};
/* NULL if the map name is unknown. */
const struct img_flag *img_flag_map(const char *name, size_t *ret_n);
/* dict "sk"/"gen", key = field name; NULL when the value has no name. */
const char *img_dict_name(const char *dict, const char *field, int64_t value);
/* Reverse: 0 and *ret set when found. */
int img_dict_value(const char *dict, const char *field, const char *name, int64_t *ret);

/*
 * jansson integers are signed 64-bit; unsigned values above INT64_MAX are
 * carried as a string whose first byte is NUL followed by the decimal
 * digits.  The emitter prints them as bare numbers and the input pre-pass
 * turns such numbers into this form.
 */
json_t *img_json_u64(uint64_t v);
bool img_json_is_big(const json_t *j, uint64_t *ret);
/* Rewrite integers beyond INT64_MAX in JSON text into the form above. */
char *img_json_protect_big(const char *text, size_t len, size_t *ret_len);

struct cr_error;
/* cr_err() that escapes control characters (quoted JSON input stays on one line). */
int img_json_err(struct cr_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
