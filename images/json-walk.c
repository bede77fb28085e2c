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
#include "xalloc.h"

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

/* The text of a recent flags value (files and VMAs repeat a few of them). */
#define FLAG_MEMO 8
struct flag_memo {
	uint64_t v;
	bool used;
	uint8_t len;
	char text[54];
};

/* One field of a message type, resolved once per walk. */
struct wfield {
	const ProtobufCFieldDescriptor *f;
	const struct img_field_rule *rule; /* NULL when it has none */
	const struct img_flag *fmap;       /* rule->flags, looked up */
	size_t fmap_n;
	size_t *fmap_len; /* strlen of each name in fmap */
	struct flag_memo *memo; /* FLAG_MEMO of them, with fmap */
	struct img_jkey key;
	size_t elt_size; /* of one element of a repeated field */
	bool sig, unix_name;
	enum { P_ALWAYS, P_COUNT, P_ONEOF, P_PTR, P_HAS } presence; /* field_present() */
	bool repeated;
	bool is_int;     /* one of the integer types */
	bool pretty_int; /* an integer with display rules of its own */
};

struct wmsg {
	const ProtobufCMessageDescriptor *d; /* NULL: free slot */
	struct wfield *fields;
};

struct img_walk {
	struct img_jsink *s;
	struct wmsg *tab; /* open addressing on the descriptor's address */
	size_t cap, n;
};

struct img_walk *img_walk_new(struct img_jsink *s)
{
	struct img_walk *w = xzalloc(sizeof(*w));

	w->s = s;
	w->cap = 16;
	w->tab = xcalloc(w->cap, sizeof(*w->tab));
	return w;
}

static void wmsg_release(struct wmsg *m)
{
	if (!m->d)
		return;
	for (unsigned i = 0; i < m->d->n_fields; i++) {
		free((char *)m->fields[i].key.text);
		free(m->fields[i].fmap_len);
		free(m->fields[i].memo);
	}
	free(m->fields);
}

struct img_walk *img_walk_free(struct img_walk *w)
{
	if (!w)
		return NULL;
	for (size_t i = 0; i < w->cap; i++)
		wmsg_release(&w->tab[i]);
	free(w->tab);
	free(w);
	return NULL;
}

static size_t slot(const struct img_walk *w, const ProtobufCMessageDescriptor *d)
{
	size_t i = ((uintptr_t)d >> 4) * 0x9e3779b97f4a7c15ull >> 32;

	for (i &= w->cap - 1; w->tab[i].d && w->tab[i].d != d; i = (i + 1) & (w->cap - 1))
		;
	return i;
}

static void wfield_init(struct wfield *wf, const ProtobufCFieldDescriptor *f,
			const struct img_msg_rules *mr)
{
	wf->f = f;
	wf->rule = img_field_rule(mr, f->id);
	wf->key.name = f->name;
	wf->key.len = strlen(f->name);
	wf->key.text = img_json_key_text(f->name, wf->key.len, &wf->key.text_len);
	wf->elt_size = img_pb_type_size(f->type);
	wf->sig = img_pb_is_signed(f->type);
	wf->repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		wf->presence = P_ALWAYS;
	else if (wf->repeated)
		wf->presence = P_COUNT;
	else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		wf->presence = P_ONEOF;
	else if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
		wf->presence = P_PTR;
	else
		wf->presence = P_HAS;
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BOOL:
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		break;
	default:
		wf->is_int = true;
	}
	if (!wf->rule)
		return;
	wf->pretty_int = wf->rule->hex || wf->rule->dev || wf->rule->flags || wf->rule->dict;
	wf->unix_name = wf->rule->conv && !strcmp(wf->rule->conv, "unix_name");
	if (wf->rule->flags)
		wf->fmap = img_flag_map(wf->rule->flags, &wf->fmap_n);
	if (wf->fmap) {
		wf->fmap_len = xcalloc(wf->fmap_n + 1, sizeof(*wf->fmap_len));
		for (size_t i = 0; i < wf->fmap_n; i++)
			wf->fmap_len[i] = strlen(wf->fmap[i].name);
		wf->memo = xcalloc(FLAG_MEMO, sizeof(*wf->memo));
	}
}

/* The resolved fields of a message type, built on first sight. */
static struct wfield *wfields(struct img_walk *w, const ProtobufCMessageDescriptor *d)
{
	size_t i = slot(w, d);
	const struct img_msg_rules *mr;
	struct wmsg *m;

	if (w->tab[i].d)
		return w->tab[i].fields;
	if (2 * (w->n + 1) > w->cap) {
		struct wmsg *old = w->tab;
		size_t ocap = w->cap;
		w->cap *= 2;
		w->tab = xcalloc(w->cap, sizeof(*w->tab));
		for (size_t k = 0; k < ocap; k++)
			if (old[k].d)
				w->tab[slot(w, old[k].d)] = old[k];
		free(old);
		i = slot(w, d);
	}
	m = &w->tab[i];
	mr = img_msg_rules_find(d);
	m->fields = xcalloc(d->n_fields + 1, sizeof(*m->fields));
	for (unsigned k = 0; k < d->n_fields; k++)
		wfield_init(&m->fields[k], &d->fields[k], mr);
	m->d = d;
	w->n++;
	return m->fields;
}

#define HX16(p)                                                                           \
	p "0" p "1" p "2" p "3" p "4" p "5" p "6" p "7" p "8" p "9" p "a" p "b" p "c" p "d" \
		p "e" p "f"
/* "00" to "ff": two digits per step */
static const char hex_pairs[] = HX16("0") HX16("1") HX16("2") HX16("3") HX16("4") HX16("5")
	HX16("6") HX16("7") HX16("8") HX16("9") HX16("a") HX16("b") HX16("c") HX16("d")
		HX16("e") HX16("f");

/* "0x1f" or "-0x1f", without printf: pretty decode formats many of these */
static size_t fmt_hex(char *buf, bool neg, uint64_t mag)
{
	unsigned nib = mag ? (67 - __builtin_clzll(mag)) / 4 : 1;
	char *w = buf, *e;

	if (neg)
		*w++ = '-';
	*w++ = '0';
	*w++ = 'x';
	e = w + nib;
	for (unsigned i = nib; i >= 2; i -= 2, mag >>= 8) {
		e -= 2;
		memcpy(e, hex_pairs + 2 * (mag & 0xff), 2);
	}
	if (nib & 1)
		e[-1] = hex_pairs[2 * (mag & 15) + 1];
	return w + nib - buf;
}

static void emit_hex(struct img_jsink *s, bool neg, uint64_t mag)
{
	char buf[24];
	s->ops->astr(s, buf, fmt_hex(buf, neg, mag));
}

static __attribute__((noinline)) void emit_flags(struct img_jsink *s, uint64_t v,
						  struct wfield *wf)
{
	struct flag_memo *memo = &wf->memo[(v * 0x9e3779b97f4a7c15ull) >> 61];
	char buf[512];
	size_t len = 0;
	uint64_t known = 0;

	if (memo->used && memo->v == v) {
		s->ops->astr(s, memo->text, memo->len);
		return;
	}
	for (size_t i = 0; i < wf->fmap_n; i++) {
		size_t k = wf->fmap_len[i];
		known |= wf->fmap[i].value;
		if (!(v & wf->fmap[i].value) || len + k + 3 + 24 > sizeof(buf))
			continue;
		if (len) {
			memcpy(buf + len, " | ", 3);
			len += 3;
		}
		memcpy(buf + len, wf->fmap[i].name, k);
		len += k;
	}
	if (v & ~known) {
		if (len) {
			memcpy(buf + len, " | ", 3);
			len += 3;
		}
		len += fmt_hex(buf + len, false, v & ~known);
	}
	if (len <= sizeof(memo->text)) {
		memo->used = true;
		memo->v = v;
		memo->len = len;
		memcpy(memo->text, buf, len);
	}
	s->ops->astr(s, buf, len); /* flag names are C identifiers */
}

static __attribute__((noinline)) void emit_dev(struct img_jsink *s,
						const struct img_field_rule *rule, uint64_t u)
{
	char buf[48];
	unsigned long long ma, mi;

	if (rule->odev) {
		ma = ((u >> 8) & 0xfff) | ((u >> 32) & ~0xfffull);
		mi = (u & 0xff) | ((u >> 12) & ~0xffull);
	} else {
		ma = u >> 20;
		mi = u & ((1u << 20) - 1);
	}
	s->ops->astr(s, buf, snprintf(buf, sizeof(buf), "%llu:%llu", ma, mi));
}

/* An integer under the pretty rules; false when none applies. */
static __attribute__((noinline)) bool emit_pretty_int(struct img_jsink *s, struct wfield *wf,
						      int64_t v, uint64_t u, bool hex)
{
	const struct img_field_rule *rule = wf->rule;
	bool neg = wf->sig && v < 0;

	if (hex || (rule && rule->hex)) {
		emit_hex(s, neg, neg ? -(uint64_t)v : u);
		return true;
	}
	if (!rule)
		return false;
	if (rule->dev) {
		emit_dev(s, rule, u);
		return true;
	}
	if (rule->flags) {
		if (wf->fmap)
			emit_flags(s, u, wf);
		else
			emit_hex(s, neg, neg ? -(uint64_t)v : u);
		return true;
	}
	if (rule->dict) {
		const char *name = img_dict_name(rule->dict, wf->f->name, v);
		if (name) {
			s->ops->str(s, name, strlen(name));
			return true;
		}
	}
	return false;
}

static inline void emit_int(struct img_jsink *s, struct wfield *wf, const void *p,
			    bool pretty, bool hex)
{
	int64_t v;
	uint64_t u;

	get_int(wf->f->type, p, &v, &u);
	if (pretty && (hex || wf->pretty_int) && emit_pretty_int(s, wf, v, u, hex))
		return;
	if (wf->sig)
		s->ops->i64(s, v);
	else
		s->ops->u64(s, u);
}

static void emit_ipv4(struct img_jsink *s, uint32_t be)
{
	char buf[16];
	const uint8_t *b = (const uint8_t *)&be;
	s->ops->astr(s, buf, snprintf(buf, sizeof(buf), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]));
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
	s->ops->astr(s, buf, len);
}

void img_walk_b64(struct img_jsink *s, const uint8_t *p, size_t n)
{
	_cleanup_free_ char *t = img_b64_encode(p, n);
	s->ops->str(s, t, strlen(t));
}

static __attribute__((noinline)) void emit_bytes(struct img_jsink *s, struct wfield *wf,
						  const ProtobufCBinaryData *b)
{
	if (wf->unix_name) {
		size_t n;
		_cleanup_free_ char *q = img_qp_encode(b->data, b->len, &n);
		s->ops->str(s, q, n);
		return;
	}
	img_walk_b64(s, b->data, b->len);
}

static void walk_fields(struct img_walk *w, const ProtobufCMessage *m, bool pretty, bool hex);

static void emit_value(struct img_walk *w, struct wfield *wf, const void *p, bool pretty,
		       bool hex)
{
	struct img_jsink *s = w->s;

	switch (wf->f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		s->ops->obj_begin(s);
		walk_fields(w, *(ProtobufCMessage *const *)p, pretty,
			    hex || (wf->rule && wf->rule->hex));
		s->ops->obj_end(s);
		return;
	case PROTOBUF_C_TYPE_BYTES:
		emit_bytes(s, wf, p);
		return;
	case PROTOBUF_C_TYPE_STRING: {
		const char *str = *(char *const *)p;
		s->ops->str(s, str, strlen(str));
		return;
	}
	case PROTOBUF_C_TYPE_BOOL:
		s->ops->boolean(s, *(const protobuf_c_boolean *)p);
		return;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(wf->f->descriptor, v);
		if (ev) /* a proto identifier: nothing to escape */
			s->ops->astr(s, ev->name, strlen(ev->name));
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
		emit_int(s, wf, p, pretty, hex);
	}
}

/* Is a field set?  (Python's ListFields.) */
static inline bool field_present(const ProtobufCMessage *m, const struct wfield *wf)
{
	const char *base = (const char *)m;
	const ProtobufCFieldDescriptor *f = wf->f;

	switch (wf->presence) {
	case P_ALWAYS:
		return true;
	case P_COUNT:
		return *(const size_t *)(base + f->quantifier_offset) > 0;
	case P_ONEOF:
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	case P_PTR: {
		const void *ptr = *(void *const *)(base + f->offset);
		return ptr && ptr != f->default_value;
	}
	default:
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	}
}

static void emit_repeated(struct img_walk *w, const ProtobufCMessage *m, struct wfield *wf,
			  bool pretty, bool hex)
{
	struct img_jsink *s = w->s;
	const ProtobufCFieldDescriptor *f = wf->f;
	const char *base = (const char *)m;
	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const char *arr = *(char *const *)(base + f->offset);

	s->ops->arr_begin(s);
	if (pretty && wf->rule && wf->rule->ipadd && f->type == PROTOBUF_C_TYPE_UINT32 &&
	    (n == 1 || n == 4)) {
		if (n == 1)
			emit_ipv4(s, *(const uint32_t *)arr);
		else
			emit_ipv6(s, (const uint32_t *)arr);
	} else {
		for (size_t i = 0; i < n; i++)
			emit_value(w, wf, arr + i * wf->elt_size, pretty, hex);
	}
	s->ops->arr_end(s);
}

static void walk_fields(struct img_walk *w, const ProtobufCMessage *m, bool pretty, bool hex)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	struct img_jsink *s = w->s;
	struct wfield *wf = wfields(w, d);

	for (unsigned i = 0; i < d->n_fields; i++, wf++) {
		const ProtobufCFieldDescriptor *f = wf->f;
		const void *p = (const char *)m + f->offset;

		if (!field_present(m, wf))
			continue;
		if (wf->repeated) {
			s->ops->fkey(s, &wf->key);
			emit_repeated(w, m, wf, pretty, hex);
		} else if (wf->is_int && !(pretty && (hex || wf->pretty_int))) {
			/* the common case: key and number in one call */
			int64_t v;
			uint64_t u;
			get_int(f->type, p, &v, &u);
			if (wf->sig)
				s->ops->key_i64(s, &wf->key, v);
			else
				s->ops->key_u64(s, &wf->key, u);
		} else {
			s->ops->fkey(s, &wf->key);
			emit_value(w, wf, p, pretty, hex);
		}
	}
}

void img_walk_fields(struct img_walk *w, const ProtobufCMessage *m, bool pretty, bool hex)
{
	walk_fields(w, m, pretty, hex);
}

void img_walk_msg(struct img_walk *w, const ProtobufCMessage *m, bool pretty)
{
	w->s->ops->obj_begin(w->s);
	walk_fields(w, m, pretty, false);
	w->s->ops->obj_end(w->s);
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
	struct img_walk *w = img_walk_new(img_jtree_sink(t));

	img_walk_msg(w, m, pretty);
	img_walk_free(w);
	*ret = img_jtree_finish(t);
	return 0;
}
