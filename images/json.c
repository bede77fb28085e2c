// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON -> protobuf (the other direction is json-walk.c): accepts crit's
 * plain and pretty forms and is strict: unknown names, wrong JSON types,
 * out-of-range numbers and missing required fields are errors naming the
 * JSON path.
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
	bool sig = img_pb_is_signed(f->type);
	size_t sz = img_pb_type_size(f->type);

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
	size_t sz = img_pb_type_size(f->type), n;

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
	const struct img_msg_rules *mr = img_msg_rules_find(d);
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
		rule = img_field_rule(mr, f->id);
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
