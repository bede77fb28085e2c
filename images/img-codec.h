/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Internal helpers shared by the JSON files of images/. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

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

/*
 * One walker, two sinks: protobuf messages (and json_t trees) are walked
 * once and emitted either as a jansson tree (for the tools that edit or
 * analyse) or straight as Python-json-compatible text (crit decode), so
 * decoding a large image never builds a tree it only prints.
 */
struct img_jsink;
/* A key known in advance (a field name): as is, and as the text sink writes it. */
struct img_jkey {
	const char *name;
	size_t len;
	const char *text; /* "\"name\": " escaped */
	size_t text_len;
};
struct img_jsink_ops {
	void (*obj_begin)(struct img_jsink *s);
	void (*obj_end)(struct img_jsink *s);
	void (*arr_begin)(struct img_jsink *s);
	void (*arr_end)(struct img_jsink *s);
	void (*key)(struct img_jsink *s, const char *k, size_t n);
	void (*fkey)(struct img_jsink *s, const struct img_jkey *k);
	void (*str)(struct img_jsink *s, const char *p, size_t n);
	/* a string of printable ASCII other than '"' and '\\': needs no escaping */
	void (*astr)(struct img_jsink *s, const char *p, size_t n);
	void (*i64)(struct img_jsink *s, int64_t v);
	void (*u64)(struct img_jsink *s, uint64_t v);
	/* fkey + i64/u64 in one call, for the many plain integer fields */
	void (*key_i64)(struct img_jsink *s, const struct img_jkey *k, int64_t v);
	void (*key_u64)(struct img_jsink *s, const struct img_jkey *k, uint64_t v);
	void (*boolean)(struct img_jsink *s, bool v);
	void (*real)(struct img_jsink *s, double v);
	void (*null)(struct img_jsink *s);
};
struct img_jsink {
	const struct img_jsink_ops *ops;
};
/* The text of a key as the text sink writes it ("\"k\": "), caller frees. */
char *img_json_key_text(const char *k, size_t n, size_t *ret_len);

size_t img_pb_type_size(ProtobufCType t);
bool img_pb_is_signed(ProtobufCType t);

/*
 * A walk: a sink plus what the walker resolves once per message type (the
 * display rules of each field, flag maps, the key text), so the fields of
 * the 100,000th entry cost no lookups.  Lives as long as the sink.
 */
struct img_walk;
struct img_walk *img_walk_new(struct img_jsink *s);
struct img_walk *img_walk_free(struct img_walk *w);
/* Emit the fields of m as key/value pairs (no braces). */
void img_walk_fields(struct img_walk *w, const ProtobufCMessage *m, bool pretty, bool hex);
/* Emit m as one object. */
void img_walk_msg(struct img_walk *w, const ProtobufCMessage *m, bool pretty);
/* Emit a jansson value. */
void img_walk_json(struct img_jsink *s, const json_t *j);
/* Emit bytes as a base64 string. */
void img_walk_b64(struct img_jsink *s, const uint8_t *p, size_t n);

/* Text sink: to fd (flushed as it fills) or, with fd < 0, to memory. */
struct img_jtext;
struct img_jtext *img_jtext_new(int fd, int indent);
struct img_jsink *img_jtext_sink(struct img_jtext *t);
/* Flush and free; returns 0 or -errno of the first failed write.  With a
 * memory sink, *ret_mem (if given) receives the NUL-terminated text. */
int img_jtext_finish(struct img_jtext *t, char **ret_mem);
/* Bytes held (a memory sink: all written so far). */
size_t img_jtext_len(const struct img_jtext *t);

/* Tree sink. */
struct img_jtree;
struct img_jtree *img_jtree_new(void);
struct img_jsink *img_jtree_sink(struct img_jtree *t);
/* Free the sink and return the (single) value built, owned by the caller. */
json_t *img_jtree_finish(struct img_jtree *t);
