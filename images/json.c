// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Generic protobuf <-> JSON, walking protobuf-c descriptors the way crit's
 * pb2dict walks Python ones: set fields only, in field-number order, proto
 * names, enums by name, bytes as MIME base64 (quoted-printable for
 * unix_name), and in pretty form the display rules of the schema
 * annotations.  The reverse direction accepts both forms and is strict:
 * unknown names, wrong JSON types, out-of-range numbers and missing
 * required fields are errors naming the JSON path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "crimg.h"
#include "img-codec.h"
#include "img-rules.h"
#include "xalloc.h"

static const struct img_field_rule *find_rule(const ProtobufCMessageDescriptor *d, uint32_t id)
{
	/* a handful of annotated messages: a linear scan is cheaper than a hash */
	for (size_t i = 0; i < img_msg_rules_count; i++) {
		if (img_msg_rules[i].desc != d)
			continue;
		for (size_t j = 0; j < img_msg_rules[i].n; j++)
			if (img_msg_rules[i].rules[j].id == id)
				return &img_msg_rules[i].rules[j];
		return NULL;
	}
	return NULL;
}

static bool has_rules(const ProtobufCMessageDescriptor *d)
{
	for (size_t i = 0; i < img_msg_rules_count; i++)
		if (img_msg_rules[i].desc == d)
			return true;
	return false;
}

/* ---- protobuf -> JSON -------------------------------------------------- */

static bool is_signed_type(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
	       t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
	       t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_FLOAT:
		return 4;
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	}
	return 0;
}

/* Read an integer field's value as signed or unsigned 64 bits. */
static void get_int(ProtobufCType t, const void *p, int64_t *s, uint64_t *u)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*s = *(const int32_t *)p;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		*u = *(const uint32_t *)p;
		*s = (int64_t)*u;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*s = *(const int64_t *)p;
		break;
	default:
		*u = *(const uint64_t *)p;
		*s = (int64_t)*u;
		break;
	}
	if (is_signed_type(t))
		*u = (uint64_t)*s;
}

static json_t *hex_string(bool neg, uint64_t mag)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%s0x%" PRIx64, neg ? "-" : "", mag);
	return json_string(buf);
}

static json_t *flags_string(uint64_t v, const struct img_flag *map, size_t n)
{
	char buf[512];
	size_t len = 0;
	uint64_t known = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		known |= map[i].value;
		if (v & map[i].value)
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " | " : "",
					map[i].name);
	}
	if (v & ~known)
		snprintf(buf + len, sizeof(buf) - len, "%s0x%" PRIx64, len ? " | " : "", v & ~known);
	return json_string(buf);
}

static json_t *int_to_json(const ProtobufCFieldDescriptor *f, const struct img_field_rule *rule,
			   const void *p, bool pretty, bool hex)
{
	int64_t s = 0;
	uint64_t u = 0;
	bool sig = is_signed_type(f->type);

	get_int(f->type, p, &s, &u);
	if (pretty) {
		if (hex || (rule && rule->hex))
			return sig && s < 0 ? hex_string(true, -(uint64_t)s) : hex_string(false, u);
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
			snprintf(buf, sizeof(buf), "%llu:%llu", ma, mi);
			return json_string(buf);
		}
		if (rule && rule->flags) {
			size_t n;
			const struct img_flag *map = img_flag_map(rule->flags, &n);
			if (!map)
				return sig && s < 0 ? hex_string(true, -(uint64_t)s) : hex_string(false, u);
			return flags_string(u, map, n);
		}
		if (rule && rule->dict) {
			const char *name = img_dict_name(rule->dict, f->name, s);
			if (name)
				return json_string(name);
		}
	}
	if (sig || u <= INT64_MAX)
		return json_integer(s);
	return img_json_u64(u);
}

static json_t *ipv4_text(uint32_t be)
{
	char buf[16];
	const uint8_t *b = (const uint8_t *)&be;
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return json_string(buf);
}

/* IPv6 text as Python 3.11's ipaddress.compressed (hex groups, longest zero run). */
static json_t *ipv6_text(const uint32_t *w)
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
	return json_string(buf);
}

static json_t *msg_to_json(const ProtobufCMessage *m, bool pretty, bool hex, struct cr_error **err);

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const struct img_field_rule *rule,
			     const void *p, bool pretty, bool hex, struct cr_error **err)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		return msg_to_json(*(ProtobufCMessage *const *)p, pretty,
				   hex || (rule && rule->hex), err);
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = p;
		if (rule && rule->conv && !strcmp(rule->conv, "unix_name")) {
			size_t n;
			_cleanup_free_ char *q = img_qp_encode(b->data, b->len, &n);
			return json_stringn(q, n);
		}
		_cleanup_free_ char *s = img_b64_encode(b->data, b->len);
		return json_string(s);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;
		return json_stringn_nocheck(s, strlen(s));
	}
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
		return ev ? json_string(ev->name) : json_integer(v);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)p);
	default:
		return int_to_json(f, rule, p, pretty, hex);
	}
}

/* Is an optional field set?  (Python's ListFields.) */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	const void *p = base + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset) > 0;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
		const void *ptr = *(void *const *)p;
		return ptr && ptr != f->default_value;
	}
	return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
}

static json_t *repeated_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
				const struct img_field_rule *rule, bool pretty, bool hex,
				struct cr_error **err)
{
	const char *base = (const char *)m;
	size_t n = *(const size_t *)(base + f->quantifier_offset);
	const char *arr = *(char *const *)(base + f->offset);
	size_t sz = type_size(f->type);
	json_t *a = json_array();

	if (pretty && rule && rule->ipadd && f->type == PROTOBUF_C_TYPE_UINT32 && (n == 1 || n == 4)) {
		json_array_append_new(a, n == 1 ? ipv4_text(*(const uint32_t *)arr)
						: ipv6_text((const uint32_t *)arr));
		return a;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = value_to_json(f, rule, arr + i * sz, pretty, hex, err);
		if (!v) {
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, v);
	}
	return a;
}

static json_t *msg_to_json(const ProtobufCMessage *m, bool pretty, bool hex, struct cr_error **err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool rules = pretty && has_rules(d);
	json_t *o = json_object();

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const struct img_field_rule *rule = rules ? find_rule(d, f->id) : NULL;
		json_t *v;

		if (!field_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			v = repeated_to_json(m, f, rule, pretty, hex, err);
		else
			v = value_to_json(f, rule, (const char *)m + f->offset, pretty, hex, err);
		if (!v) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new_nocheck(o, f->name, v);
	}
	return o;
}

int img_json_from_msg(const ProtobufCMessage *m, bool pretty, json_t **ret, struct cr_error **err)
{
	json_t *o = msg_to_json(m, pretty, false, err);

	if (!o)
		return err && *err ? (*err)->code : -EINVAL;
	*ret = o;
	return 0;
}

/* ---- JSON -> protobuf -------------------------------------------------- */

static int parse_int_string(const char *s, const struct img_field_rule *rule,
			    const ProtobufCFieldDescriptor *f, const char *path, bool *neg,
			    uint64_t *mag, struct cr_error **err)
{
	char *end;

	*neg = false;
	if (rule && rule->dev) {
		unsigned long long ma, mi;
		int n = -1;
		if (sscanf(s, "%llu:%llu%n", &ma, &mi, &n) != 2 || s[n] != '\0')
			return img_json_err(err, -EINVAL, "%s: '%s' is not a major:minor device", path, s);
		if (rule->odev)
			*mag = ((ma & 0xfff) << 8) | ((ma & ~0xfffull) << 32) | (mi & 0xff) |
			       ((mi & ~0xffull) << 12);
		else
			*mag = ma << 20 | mi;
		return 0;
	}
	if (rule && rule->flags) {
		size_t n;
		const struct img_flag *map = img_flag_map(rule->flags, &n);
		if (map) {
			uint64_t v = 0;
			_cleanup_free_ char *copy = xstrdup(s);
			char *save = NULL;
			for (char *tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
				while (*tok == ' ' || *tok == '\t')
					tok++;
				char *e = tok + strlen(tok);
				while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
					*--e = '\0';
				size_t k;
				for (k = 0; k < n; k++)
					if (!strcmp(map[k].name, tok))
						break;
				if (k < n) {
					v |= map[k].value;
					continue;
				}
				errno = 0;
				unsigned long long x = strtoull(tok, &end, 0);
				if (!*tok || *end || errno || *tok == '-')
					return img_json_err(err, -EINVAL, "%s: unknown flag '%s' for %s", path,
						      tok, rule->flags);
				v |= x;
			}
			*mag = v;
			return 0;
		}
	}
	if (rule && rule->dict) {
		int64_t v;
		if (img_dict_value(rule->dict, f->name, s, &v) == 0) {
			*neg = v < 0;
			*mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			return 0;
		}
	}
	const char *p = s;
	if (*p == '-' || *p == '+') {
		*neg = *p == '-';
		p++;
	}
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	errno = 0;
	*mag = strtoull(p, &end, base);
	if (!*p || *end || errno || *p == '-' || *p == '+' || *p == ' ')
		return img_json_err(err, -EINVAL, "%s: '%s' is not a number", path, s);
	return 0;
}

static int set_int(const ProtobufCFieldDescriptor *f, void *p, bool neg, uint64_t mag,
		   const char *path, struct cr_error **err)
{
	bool sig = is_signed_type(f->type);
	size_t sz = type_size(f->type);

	if (neg && !sig && mag != 0)
		return img_json_err(err, -ERANGE, "%s: negative value for an unsigned field", path);
	if (sig) {
		uint64_t lim = sz == 4 ? (neg ? 0x80000000ull : 0x7fffffffull)
				       : (neg ? 0x8000000000000000ull : 0x7fffffffffffffffull);
		if (mag > lim)
			return img_json_err(err, -ERANGE, "%s: value out of range for %s", path,
				      sz == 4 ? "int32" : "int64");
		int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		if (sz == 4)
			*(int32_t *)p = (int32_t)v;
		else
			*(int64_t *)p = v;
		return 0;
	}
	if (sz == 4) {
		if (mag > UINT32_MAX)
			return img_json_err(err, -ERANGE, "%s: value out of range for uint32", path);
		*(uint32_t *)p = (uint32_t)mag;
	} else {
		*(uint64_t *)p = mag;
	}
	return 0;
}

static int json_to_msg_at(const json_t *j, const ProtobufCMessageDescriptor *d, const char *path,
			  ProtobufCMessage **ret, struct cr_error **err);

static int value_from_json(const json_t *v, const ProtobufCFieldDescriptor *f,
			   const struct img_field_rule *rule, void *p, const char *path,
			   struct cr_error **err)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		return json_to_msg_at(v, f->descriptor, path, (ProtobufCMessage **)p, err);
	case PROTOBUF_C_TYPE_STRING:
		if (!json_is_string(v))
			return img_json_err(err, -EINVAL, "%s: expected a string", path);
		*(char **)p = xstrndup(json_string_value(v), json_string_length(v));
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = p;
		if (!json_is_string(v))
			return img_json_err(err, -EINVAL, "%s: expected a base64 string", path);
		if (rule && rule->conv && !strcmp(rule->conv, "unix_name")) {
			b->data = img_qp_decode(json_string_value(v), json_string_length(v), &b->len);
			return 0;
		}
		if (img_b64_decode(json_string_value(v), json_string_length(v), &b->data, &b->len) < 0)
			return img_json_err(err, -EINVAL, "%s: invalid base64", path);
		return 0;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (json_is_boolean(v))
			*(protobuf_c_boolean *)p = json_is_true(v);
		else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
			*(protobuf_c_boolean *)p = json_integer_value(v);
		else
			return img_json_err(err, -EINVAL, "%s: expected true or false", path);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = NULL;
		if (json_is_string(v)) {
			ev = protobuf_c_enum_descriptor_get_value_by_name(f->descriptor,
									   json_string_value(v));
		} else if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
			   json_integer_value(v) <= INT32_MAX) {
			/* decode prints values the schema does not name (a newer
			 * CRIU's) as numbers: take them back as they are */
			*(int *)p = (int)json_integer_value(v);
			return 0;
		}
		if (!ev)
			return img_json_err(err, -EINVAL, "%s: not a value of enum %s", path,
				      ((const ProtobufCEnumDescriptor *)f->descriptor)->name);
		*(int *)p = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!json_is_number(v))
			return img_json_err(err, -EINVAL, "%s: expected a number", path);
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)p = json_number_value(v);
		else
			*(double *)p = json_number_value(v);
		return 0;
	default:
		break;
	}
	/* integers */
	bool neg = false;
	uint64_t mag;
	int r;

	if (img_json_is_big(v, &mag)) {
		neg = false;
	} else if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		neg = x < 0;
		mag = neg ? -(uint64_t)x : (uint64_t)x;
	} else if (json_is_string(v)) {
		r = parse_int_string(json_string_value(v), rule, f, path, &neg, &mag, err);
		if (r < 0)
			return r;
	} else {
		return img_json_err(err, -EINVAL, "%s: expected an integer", path);
	}
	return set_int(f, p, neg, mag, path, err);
}

static int ip_from_json(const json_t *s, uint32_t **ret, size_t *ret_n, const char *path,
			struct cr_error **err)
{
	const char *t = json_string_value(s);
	uint8_t buf[16];

	if (strchr(t, ':')) {
		if (inet_pton(AF_INET6, t, buf) != 1)
			return img_json_err(err, -EINVAL, "%s: '%s' is not an IPv6 address", path, t);
		*ret = xmalloc(16);
		memcpy(*ret, buf, 16);
		*ret_n = 4;
	} else {
		if (inet_pton(AF_INET, t, buf) != 1)
			return img_json_err(err, -EINVAL, "%s: '%s' is not an IPv4 address", path, t);
		*ret = xmalloc(4);
		memcpy(*ret, buf, 4);
		*ret_n = 1;
	}
	return 0;
}

static int repeated_from_json(const json_t *v, const ProtobufCFieldDescriptor *f,
			      const struct img_field_rule *rule, ProtobufCMessage *m,
			      const char *path, struct cr_error **err)
{
	char *base = (char *)m;
	size_t *np = (size_t *)(base + f->quantifier_offset);
	void **arrp = (void **)(base + f->offset);
	size_t sz = type_size(f->type), n;

	if (!json_is_array(v))
		return img_json_err(err, -EINVAL, "%s: expected a list", path);
	n = json_array_size(v);
	if (n == 0)
		return 0;
	if (rule && rule->ipadd && json_is_string(json_array_get(v, 0)) && f->type == PROTOBUF_C_TYPE_UINT32)
		return ip_from_json(json_array_get(v, 0), (uint32_t **)arrp, np, path, err);
	*arrp = xcalloc(n, sz);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *sub = xasprintf("%s[%zu]", path, i);
		int r = value_from_json(json_array_get(v, i), f, rule, (char *)*arrp + i * sz, sub, err);
		*np = i + 1; /* what is filled so far is freed with the message */
		if (r < 0)
			return r;
	}
	return 0;
}

static int json_to_msg_at(const json_t *j, const ProtobufCMessageDescriptor *d, const char *path,
			  ProtobufCMessage **ret, struct cr_error **err)
{
	ProtobufCMessage *m;
	const char *key;
	json_t *v;
	int r = 0;

	if (!json_is_object(j))
		return img_json_err(err, -EINVAL, "%s: expected an object for %s", path, d->name);
	m = xzalloc(d->sizeof_message);
	d->message_init(m);
	json_object_foreach((json_t *)j, key, v) {
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
		_cleanup_free_ char *sub = xasprintf("%s.%s", path, key);
		const struct img_field_rule *rule;
		char *p;

		if (!f) {
			r = img_json_err(err, -EINVAL, "%s: unknown field for %s", sub, d->name);
			break;
		}
		rule = find_rule(d, f->id);
		p = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			r = repeated_from_json(v, f, rule, m, sub, err);
		} else {
			if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
				*(void **)p = NULL; /* drop the default before setting */
			r = value_from_json(v, f, rule, p, sub, err);
			if (r == 0 && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
				if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
					*(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
				else
					*(protobuf_c_boolean *)((char *)m + f->quantifier_offset) = 1;
			}
		}
		if (r < 0)
			break;
	}
	for (unsigned i = 0; r == 0 && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REQUIRED && !json_object_get(j, f->name))
			r = img_json_err(err, -EINVAL, "%s: missing required field '%s' of %s", path,
				   f->name, d->name);
	}
	if (r < 0) {
		/* free what was built; strings still at their defaults are not ours */
		for (unsigned i = 0; i < d->n_fields; i++) {
			const ProtobufCFieldDescriptor *f = &d->fields[i];
			void **pp = (void **)((char *)m + f->offset);
			if (f->label != PROTOBUF_C_LABEL_REPEATED &&
			    (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) &&
			    *pp == f->default_value)
				*pp = NULL;
		}
		protobuf_c_message_free_unpacked(m, NULL);
		return r;
	}
	*ret = m;
	return 0;
}

int img_json_to_msg(const json_t *j, const ProtobufCMessageDescriptor *d, const char *path,
		    ProtobufCMessage **ret, struct cr_error **err)
{
	return json_to_msg_at(j, d, path ? path : "", ret, err);
}
