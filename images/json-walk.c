// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * protobuf -> JSON, walking protobuf-c descriptors the way crit's pb2dict
 * walks Python ones: set fields only, in field-number order, proto names,
 * enums by name, bytes as MIME base64 (quoted-printable for unix_name), and
 * in pretty form the display rules of the schema annotations (hex, inherited
 * by nested messages; dev; flags; dict; ipadd).  Output goes to a sink.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "crimg.h"
#include "img-codec.h"
#include "img-rules.h"

const struct img_msg_rules *img_msg_rules_find(const ProtobufCMessageDescriptor *d)
{
	for (size_t i = 0; i < img_msg_rules_count; i++)
		if (img_msg_rules[i].desc == d)
			return &img_msg_rules[i];
	return NULL;
}

const struct img_field_rule *img_field_rule(const struct img_msg_rules *mr, uint32_t id)
{
	if (!mr)
		return NULL;
	for (size_t j = 0; j < mr->n; j++)
		if (mr->rules[j].id == id)
			return &mr->rules[j];
	return NULL;
}

bool img_pb_is_signed(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
	       t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
	       t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

size_t img_pb_type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_FLOAT:
		return 4;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 8;
	}
}

/* An integer field's value as signed and unsigned 64 bits. */
static void get_int(ProtobufCType t, const void *p, int64_t *s, uint64_t *u)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*s = *(const int32_t *)p;
		*u = (uint64_t)*s;
		return;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*u = *(const uint32_t *)p;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*s = *(const int64_t *)p;
		*u = (uint64_t)*s;
		return;
	default:
		*u = *(const uint64_t *)p;
		break;
	}
	*s = (int64_t)*u;
}

static void emit_cstr(struct img_jsink *s, const char *p)
{
	s->ops->str(s, p, strlen(p));
}

/* "0x1f" or "-0x1f", without printf: pretty decode formats many of these */
static size_t fmt_hex(char *buf, bool neg, uint64_t mag)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0, k = 0;

	do
		tmp[k++] = hx[mag & 15];
	while (mag >>= 4);
	if (neg)
		buf[n++] = '-';
	buf[n++] = '0';
	buf[n++] = 'x';
	while (k)
		buf[n++] = tmp[--k];
	return n;
}

static void emit_hex(struct img_jsink *s, bool neg, uint64_t mag)
{
	char buf[24];
	s->ops->str(s, buf, fmt_hex(buf, neg, mag));
}

static void emit_flags(struct img_jsink *s, uint64_t v, const struct img_flag *map, size_t n)
{
	char buf[512];
	size_t len = 0;
	uint64_t known = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(map[i].name);
		known |= map[i].value;
		if (!(v & map[i].value) || len + k + 3 + 24 > sizeof(buf))
			continue;
		if (len) {
			memcpy(buf + len, " | ", 3);
			len += 3;
		}
		memcpy(buf + len, map[i].name, k);
		len += k;
	}
	if (v & ~known) {
		if (len) {
			memcpy(buf + len, " | ", 3);
			len += 3;
		}
		len += fmt_hex(buf + len, false, v & ~known);
	}
	s->ops->str(s, buf, len);
}

static void emit_int(struct img_jsink *s, const ProtobufCFieldDescriptor *f,
		     const struct img_field_rule *rule, const void *p, bool pretty, bool hex)
{
	bool sig = img_pb_is_signed(f->type);
	int64_t v;
	uint64_t u;

	get_int(f->type, p, &v, &u);
	if (pretty) {
		if (hex || (rule && rule->hex)) {
			emit_hex(s, sig && v < 0, sig && v < 0 ? -(uint64_t)v : u);
			return;
		}
		if (rule && rule->dev) {
			char buf[48];
			unsigned long long ma, mi;
			if (rule->odev) {
				ma = ((u >> 8) & 0xfff) | ((u >> 32) & ~0xfffull);
				mi = (u & 0xff) | ((u >> 12) & ~0xffull);
			} else {
				ma = u >> 20;
				mi = u & ((1u << 20) - 1);
			}
			s->ops->str(s, buf, snprintf(buf, sizeof(buf), "%llu:%llu", ma, mi));
			return;
		}
		if (rule && rule->flags) {
			size_t n;
			const struct img_flag *map = img_flag_map(rule->flags, &n);
			if (map)
				emit_flags(s, u, map, n);
			else
				emit_hex(s, sig && v < 0, sig && v < 0 ? -(uint64_t)v : u);
			return;
		}
		if (rule && rule->dict) {
			const char *name = img_dict_name(rule->dict, f->name, v);
			if (name) {
				emit_cstr(s, name);
				return;
			}
		}
	}
	if (sig)
		s->ops->i64(s, v);
	else
		s->ops->u64(s, u);
}

static void emit_ipv4(struct img_jsink *s, uint32_t be)
{
	char buf[16];
	const uint8_t *b = (const uint8_t *)&be;
	s->ops->str(s, buf, snprintf(buf, sizeof(buf), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]));
}

/* IPv6 text as Python 3.11's ipaddress.compressed (hex groups, longest zero run). */
static void emit_ipv6(struct img_jsink *s, const uint32_t *w)
{
	uint16_t g[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;
	char buf[64];
	size_t len = 0;

	for (int i = 0; i < 4; i++) {
		const uint8_t *b = (const uint8_t *)&w[i];
		g[2 * i] = b[0] << 8 | b[1];
		g[2 * i + 1] = b[2] << 8 | b[3];
	}
	for (int i = 0; i < 8; i++) {
		if (g[i] == 0) {
			if (cur < 0)
				cur = i, curlen = 0;
			curlen++;
			if (curlen > bestlen)
				best = cur, bestlen = curlen;
		} else {
			cur = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			/* the group before the run printed no colon: "::" in every position */
			len += snprintf(buf + len, sizeof(buf) - len, "::");
			i += bestlen - 1;
			continue;
		}
		len += snprintf(buf + len, sizeof(buf) - len, "%x%s", g[i],
				i < 7 && i + 1 != best ? ":" : "");
	}
	s->ops->str(s, buf, len);
}

void img_walk_b64(struct img_jsink *s, const uint8_t *p, size_t n)
{
	_cleanup_free_ char *t = img_b64_encode(p, n);
	emit_cstr(s, t);
}

static void emit_value(struct img_jsink *s, const ProtobufCFieldDescriptor *f,
		       const struct img_field_rule *rule, const void *p, bool pretty, bool hex)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		s->ops->obj_begin(s);
		img_walk_fields(s, *(ProtobufCMessage *const *)p, pretty, hex || (rule && rule->hex));
		s->ops->obj_end(s);
		return;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		if (rule && rule->conv && !strcmp(rule->conv, "unix_name")) {
			size_t n;
			_cleanup_free_ char *q = img_qp_encode(b->data, b->len, &n);
			s->ops->str(s, q, n);
			return;
		}
		img_walk_b64(s, b->data, b->len);
		return;
	}
	case PROTOBUF_C_TYPE_STRING:
		emit_cstr(s, *(char *const *)p);
		return;
	case PROTOBUF_C_TYPE_BOOL:
		s->ops->boolean(s, *(const protobuf_c_boolean *)p);
		return;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		if (ev)
			emit_cstr(s, ev->name);
		else
			s->ops->i64(s, v);
		return;
	}
	case PROTOBUF_C_TYPE_FLOAT:
		s->ops->real(s, *(const float *)p);
		return;
	case PROTOBUF_C_TYPE_DOUBLE:
		s->ops->real(s, *(const double *)p);
		return;
	default:
		emit_int(s, f, rule, p, pretty, hex);
	}
}

/* Is an optional field set?  (Python's ListFields.) */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;

	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset) > 0;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
		const void *ptr = *(void *const *)(base + f->offset);
		return ptr && ptr != f->default_value;
	}
	return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

static void emit_repeated(struct img_jsink *s, const ProtobufCMessage *m,
			  const ProtobufCFieldDescriptor *f, const struct img_field_rule *rule,
			  bool pretty, bool hex)
{
	const char *base = (const char *)m;
	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const char *arr = *(char *const *)(base + f->offset);
	size_t sz = img_pb_type_size(f->type);

	s->ops->arr_begin(s);
	if (pretty && rule && rule->ipadd && f->type == PROTOBUF_C_TYPE_UINT32 && (n == 1 || n == 4)) {
		if (n == 1)
			emit_ipv4(s, *(const uint32_t *)arr);
		else
			emit_ipv6(s, (const uint32_t *)arr);
	} else {
		for (size_t i = 0; i < n; i++)
			emit_value(s, f, rule, arr + i * sz, pretty, hex);
	}
	s->ops->arr_end(s);
}

void img_walk_fields(struct img_jsink *s, const ProtobufCMessage *m, bool pretty, bool hex)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const struct img_msg_rules *mr = pretty ? img_msg_rules_find(d) : NULL;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const struct img_field_rule *rule = img_field_rule(mr, f->id);

		if (!field_present(m, f))
			continue;
		s->ops->key(s, f->name, strlen(f->name));
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			emit_repeated(s, m, f, rule, pretty, hex);
		else
			emit_value(s, f, rule, (const char *)m + f->offset, pretty, hex);
	}
}

void img_walk_msg(struct img_jsink *s, const ProtobufCMessage *m, bool pretty)
{
	s->ops->obj_begin(s);
	img_walk_fields(s, m, pretty, false);
	s->ops->obj_end(s);
}

void img_walk_json(struct img_jsink *s, const json_t *j)
{
	uint64_t big;

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		s->ops->obj_begin(s);
		json_object_foreach((json_t *)j, key, v) {
			s->ops->key(s, key, strlen(key));
			img_walk_json(s, v);
		}
		s->ops->obj_end(s);
		return;
	}
	case JSON_ARRAY:
		s->ops->arr_begin(s);
		for (size_t i = 0; i < json_array_size(j); i++)
			img_walk_json(s, json_array_get(j, i));
		s->ops->arr_end(s);
		return;
	case JSON_STRING:
		if (img_json_is_big(j, &big))
			s->ops->u64(s, big);
		else
			s->ops->str(s, json_string_value(j), json_string_length(j));
		return;
	case JSON_INTEGER:
		s->ops->i64(s, json_integer_value(j));
		return;
	case JSON_REAL:
		s->ops->real(s, json_real_value(j));
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		s->ops->boolean(s, json_is_true(j));
		return;
	case JSON_NULL:
		s->ops->null(s);
		return;
	}
}

int img_json_from_msg(const ProtobufCMessage *m, bool pretty, json_t **ret, struct cr_error **err)
{
	struct img_jtree *t = img_jtree_new();

	img_walk_msg(img_jtree_sink(t), m, pretty);
	*ret = img_jtree_finish(t);
	return 0;
}
