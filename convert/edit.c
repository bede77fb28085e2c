// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit edit: --set PATH=VALUE on entries through their JSON form (so VALUE
 * takes every form encode accepts), or a whole edited JSON document.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "io.h"
#include "rewrite.h"
#include "xalloc.h"


/* One step of a path: a field name, or an index when name is NULL. */
struct step {
	char *name;
	size_t index;
};

struct set {
	size_t entry;
	struct step *steps;
	size_t n_steps;
	const char *value, *spec;
};

static void set_release(struct set *s)
{
	for (size_t i = 0; i < s->n_steps; i++)
		free(s->steps[i].name);
	free(s->steps);
}

static int parse_index(const char **p, size_t *ret)
{
	char *end;
	unsigned long long v;

	if (**p != '[' || !((*p)[1] >= '0' && (*p)[1] <= '9'))
		return -EINVAL;
	v = strtoull(*p + 1, &end, 10);
	if (*end != ']')
		return -EINVAL;
	*ret = v;
	*p = end + 1;
	return 0;
}

/* "entries[2].reg.name=x" -> entry 2, steps [reg, name], value "x". */
static int parse_set(const char *spec, struct set *s, struct cr_error **err)
{
	const char *eq = strchr(spec, '='), *p = spec;
	size_t cap = 0;

	*s = (struct set){ .spec = spec };
	if (!eq || strncmp(spec, "entries", 7))
		goto bad;
	p += 7;
	if (parse_index(&p, &s->entry) < 0)
		goto bad;
	while (p < eq) {
		struct step st = { 0 };

		if (*p == '.') {
			size_t n = strcspn(p + 1, ".[=");

			if (!n || p + 1 + n > eq)
				goto bad;
			st.name = xstrndup(p + 1, n);
			p += 1 + n;
		} else if (parse_index(&p, &st.index) < 0) {
			goto bad;
		}
		s->steps = xgrow(s->steps, &cap, s->n_steps + 1, sizeof(*s->steps));
		s->steps[s->n_steps++] = st;
	}
	if (p != eq || !s->n_steps || !s->steps[0].name)
		goto bad;
	s->value = eq + 1;
	return 0;
bad:
	set_release(s);
	return cr_err(err, -EINVAL, "'%s': expected entries[N].field[.field|[i]]...=VALUE", spec);
}

/* The protobuf field a path ends at, to type the value (NULL when unknown). */
static const ProtobufCFieldDescriptor *path_field(const ProtobufCMessageDescriptor *d,
						  const struct set *s, bool *ret_indexed)
{
	const ProtobufCFieldDescriptor *f = NULL;

	*ret_indexed = false;
	for (size_t i = 0; i < s->n_steps; i++) {
		if (!s->steps[i].name) {
			*ret_indexed = true;
			continue;
		}
		if (f) {
			if (f->type != PROTOBUF_C_TYPE_MESSAGE)
				return NULL;
			d = f->descriptor;
		}
		f = protobuf_c_message_descriptor_get_field_by_name(d, s->steps[i].name);
		if (!f)
			return NULL;
		*ret_indexed = false;
	}
	return f;
}

static json_t *typed_value(const ProtobufCFieldDescriptor *f, bool indexed, const char *v)
{
	json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
	bool whole_repeated = f && f->label == PROTOBUF_C_LABEL_REPEATED && !indexed;

	if (!f || whole_repeated || f->type == PROTOBUF_C_TYPE_MESSAGE)
		return j ? j : json_string(v); /* to_msg names the problem */
	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_BYTES) {
		if (j && json_is_string(j))
			return j; /* "\"quoted\"" */
		json_decref(j);
		return json_string(v);
	}
	if (j && (json_is_number(j) || json_is_boolean(j)))
		return j;
	json_decref(j);
	return json_string(v); /* "0x10", "PROT_READ | PROT_WRITE", "8:1", enum names */
}

static int json_set_path(json_t *root, const struct set *s, json_t *value, struct cr_error **err)
{
	json_t *cur = root;

	for (size_t i = 0; i < s->n_steps; i++) {
		const struct step *st = &s->steps[i];
		bool last = i + 1 == s->n_steps;
		json_t *next;

		if (st->name) {
			if (!json_is_object(cur))
				return cr_err(err, -EINVAL, "'%s': '%s' is not a message", s->spec,
					      st->name);
			if (last)
				return json_object_set(cur, st->name, value) ? -ENOMEM : 0;
			next = json_object_get(cur, st->name);
			if (!next) {
				next = s->steps[i + 1].name ? json_object() : json_array();
				json_object_set_new(cur, st->name, next);
			}
		} else {
			size_t n = json_is_array(cur) ? json_array_size(cur) : 0;

			if (!json_is_array(cur) || st->index > n || (st->index == n && !last))
				return cr_err(err, -EINVAL, "'%s': index %zu out of range (%zu elements)",
					      s->spec, st->index, n);
			if (last)
				return (st->index == n ? json_array_append(cur, value)
						       : json_array_set(cur, st->index, value)) ? -ENOMEM : 0;
			next = json_array_get(cur, st->index);
		}
		cur = next;
	}
	return 0;
}

struct edit_ctx {
	struct set *sets;
	size_t n_sets, n_entries;
	const char *name;
};

static int edit_entry(struct rw_entry *e, void *opaque, struct cr_error **err)
{
	struct edit_ctx *c = opaque;
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *path = NULL;
	bool any = false;
	int r;

	c->n_entries = e->index + 1;
	for (size_t i = 0; i < c->n_sets; i++) {
		struct set *s = &c->sets[i];
		const ProtobufCFieldDescriptor *f;
		json_t *v;
		bool indexed;

		if (s->entry != e->index)
			continue;
		if (!j) {
			r = img_json_from_msg(e->msg, false, &j, err);
			if (r < 0)
				return r;
		}
		f = path_field(e->msg->descriptor, s, &indexed);
		if (!f)
			return cr_err(err, -EINVAL, "'%s': no such field in %s entries", s->spec,
				      e->msg->descriptor->name);
		v = typed_value(f, indexed, s->value);
		r = json_set_path(j, s, v, err);
		json_decref(v);
		if (r < 0)
			return r;
		any = true;
	}
	if (!any)
		return 0;
	path = xasprintf("%s: entries[%zu]", c->name, e->index);
	return img_json_to_msg(j, e->msg->descriptor, path, &e->replace, err);
}

int cvt_edit_set_at(int dirfd, const char *name, char *const *sets, size_t n_sets,
		    struct cr_error **err)
{
	struct edit_ctx c = { .sets = xcalloc(n_sets, sizeof(*c.sets)), .name = name };
	int r = 0;

	for (size_t i = 0; i < n_sets && r >= 0; i++, c.n_sets++)
		r = parse_set(sets[i], &c.sets[i], err);
	if (r >= 0) /* a dry pass first: nothing is written unless every --set applies */
		r = rw_image_at(dirfd, name, edit_entry, &c, true, NULL, err);
	for (size_t i = 0; r >= 0 && i < c.n_sets; i++)
		if (c.sets[i].entry >= c.n_entries)
			r = cr_err(err, -EINVAL, "'%s': '%s' has %zu entries", c.sets[i].spec, name,
				   c.n_entries);
	if (r >= 0)
		r = rw_image_at(dirfd, name, edit_entry, &c, false, NULL, err);
	for (size_t i = 0; i < c.n_sets; i++)
		set_release(&c.sets[i]);
	free(c.sets);
	return r;
}

static int decode_at(int dirfd, const char *name, bool pretty, json_t **ret,
		     struct cr_error **err)
{
	struct img_reader *rd = NULL;
	int r = img_reader_open_at(dirfd, name, &rd, err);

	if (r < 0)
		return r;
	r = img_json_decode_file(rd, pretty, false, ret, err);
	img_reader_close(rd);
	return r;
}

int cvt_edit_dump_at(int dirfd, const char *name, char **ret, struct cr_error **err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	int r = decode_at(dirfd, name, true, &j, err);

	if (r < 0)
		return r;
	*ret = img_json_dumps(j, 4);
	return 0;
}

int cvt_edit_json_at(int dirfd, const char *name, const char *json_text, bool *ret_changed,
		     struct cr_error **err)
{
	_cleanup_(json_decrefp) json_t *old = NULL, *new = NULL;
	const struct img_desc *d_old, *d_new;
	struct io_tmp t;
	struct stat st;
	int r;

	r = decode_at(dirfd, name, true, &old, err);
	if (r < 0)
		return r;
	r = img_json_loads(json_text, strlen(json_text), name, &new, err);
	if (r < 0)
		return r;
	if (json_equal(old, new)) {
		*ret_changed = false;
		return 0;
	}
	r = img_json_image_desc(old, &d_old, err);
	if (r >= 0)
		r = img_json_image_desc(new, &d_new, err);
	if (r < 0)
		return r;
	if (d_old != d_new)
		return cr_err(err, -EINVAL, "'%s': the edit changes the magic from %s to %s", name,
			      d_old->name, d_new->name);
	if (fstatat(dirfd, name, &st, 0))
		return cr_err_sys(err, -errno, "'%s'", name);
	r = io_tmp_open_at(dirfd, name, st.st_mode & 07777, &t, err);
	if (r < 0)
		return r;
	r = img_json_encode_file(new, t.fd, name, err);
	if (r >= 0)
		r = rw_validate_tmp(&t, d_old, err);
	if (r < 0) {
		io_tmp_abort(&t);
		return r;
	}
	*ret_changed = true;
	return io_tmp_commit(&t, err);
}
