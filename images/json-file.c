// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whole images <-> crit's {"magic": NAME, "entries": [...]}, with the extra
 * payloads rendered as crit renders them.  Encode checks every payload
 * against the sizes its entry declares, which crit does not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "crimg.h"
#include "img-codec.h"
#include "xalloc.h"

static char *human(uint64_t n)
{
	static const char units[] = " KMGTPEZ";
	double num = n;

	for (int i = 0; i < 8; i++) {
		if (num < 1024.0) {
			if ((double)(uint64_t)num == num)
				return xasprintf("%llu%.*sB", (unsigned long long)num, i ? 1 : 0, &units[i]);
			return xasprintf("%.1f%.*sB", num, i ? 1 : 0, &units[i]);
		}
		num /= 1024.0;
	}
	return xasprintf("%.1fYB", num);
}

static void emit_extra(struct img_jsink *s, struct img_walk *w, const struct img_desc *d,
		       const struct img_entry *e)
{
	static const uint8_t none[1];
	const uint8_t *x = e->extra ? e->extra : none;

	switch (d->extra) {
	case IMG_EXTRA_NONE:
	case IMG_EXTRA_PAGEMAP:
		return;
	case IMG_EXTRA_GHOST:
		if (e->index == 0 && ((GhostFileEntry *)e->msg)->chunks)
			return;
		break;
	case IMG_EXTRA_TCP_STREAM: {
		const TcpStreamEntry *t = (const TcpStreamEntry *)e->msg;
		s->ops->key(s, "extra", 5);
		s->ops->obj_begin(s);
		s->ops->key(s, "inq", 3);
		img_walk_b64(s, x, t->inq_len);
		s->ops->key(s, "outq", 4);
		img_walk_b64(s, x + t->inq_len, t->outq_len);
		s->ops->obj_end(s);
		return;
	}
	case IMG_EXTRA_IPC_SEM:
		s->ops->key(s, "extra", 5);
		s->ops->arr_begin(s);
		for (size_t i = 0; i < e->extra_len / 2; i++)
			s->ops->i64(s, x[2 * i] | x[2 * i + 1] << 8);
		s->ops->arr_end(s);
		return;
	case IMG_EXTRA_IPC_MSG: {
		size_t off = 0;
		s->ops->key(s, "extra", 5);
		s->ops->arr_begin(s);
		for (size_t i = 0; i < e->n_sub; i++) {
			uint32_t len = ((IpcMsg *)e->sub[i])->msize;
			img_walk_msg(w, e->sub[i], false);
			img_walk_b64(s, x + off, len);
			off += len;
		}
		s->ops->arr_end(s);
		return;
	}
	default:
		break;
	}
	s->ops->key(s, "extra", 5);
	img_walk_b64(s, x, e->extra_len);
}

static void emit_nopl(struct img_jsink *s, const struct img_desc *d, const struct img_entry *e)
{
	if (d->extra == IMG_EXTRA_NONE || d->extra == IMG_EXTRA_PAGEMAP)
		return;
	/* crit shows no payload note anywhere in a ghost file */
	if (d->extra == IMG_EXTRA_GHOST)
		return;
	_cleanup_free_ char *h = human(e->extra_len);
	_cleanup_free_ char *t = xasprintf("... <%s>", h);
	s->ops->key(s, "extra", 5);
	s->ops->str(s, t, strlen(t));
}

/* Walk a whole image into a sink; the sink holds whatever was emitted on error. */
static int walk_file(struct img_reader *r, bool pretty, bool nopl, struct img_jsink *s,
		     struct cr_error **err)
{
	const struct img_desc *d = img_reader_desc(r);
	struct img_walk *w = img_walk_new(s);
	struct img_entry e;
	int k;

	/* each entry is emitted and dropped before the next is read */
	img_reader_reuse_memory(r);
	s->ops->obj_begin(s);
	s->ops->key(s, "magic", 5);
	s->ops->str(s, d->name, strlen(d->name));
	s->ops->key(s, "entries", 7);
	s->ops->arr_begin(s);
	while ((k = img_reader_next(r, nopl, &e, err)) > 0) {
		s->ops->obj_begin(s);
		img_walk_fields(w, e.msg, pretty, false);
		if (nopl)
			emit_nopl(s, d, &e);
		else
			emit_extra(s, w, d, &e);
		s->ops->obj_end(s);
		img_entry_release(&e);
	}
	s->ops->arr_end(s);
	s->ops->obj_end(s);
	img_walk_free(w);
	return k;
}

int img_json_decode_file(struct img_reader *r, bool pretty, bool nopl, json_t **ret,
			 struct cr_error **err)
{
	struct img_jtree *t = img_jtree_new();
	int k = walk_file(r, pretty, nopl, img_jtree_sink(t), err);
	json_t *img = img_jtree_finish(t);

	if (k < 0) {
		json_decref(img);
		return k;
	}
	*ret = img;
	return 0;
}

int img_json_write_file(struct img_reader *r, bool pretty, bool nopl, int fd, struct cr_error **err)
{
	struct img_jtext *t = img_jtext_new(fd, pretty ? 4 : 0);
	int k = walk_file(r, pretty, nopl, img_jtext_sink(t), err);
	int w = img_jtext_finish(t, NULL);

	if (k < 0)
		return k;
	if (w < 0)
		return cr_err_sys(err, w, "writing JSON");
	return 0;
}

int img_json_decode_textn(struct img_reader *r, bool pretty, bool nopl, char **ret,
			  size_t *ret_len, struct cr_error **err)
{
	struct img_jtext *t = img_jtext_new(-1, pretty ? 4 : 0);
	int k = walk_file(r, pretty, nopl, img_jtext_sink(t), err);
	size_t len = img_jtext_len(t);
	char *text = NULL;

	img_jtext_finish(t, &text);
	if (k < 0) {
		free(text);
		return k;
	}
	*ret = text;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int img_json_decode_text(struct img_reader *r, bool pretty, bool nopl, char **ret,
			 struct cr_error **err)
{
	return img_json_decode_textn(r, pretty, nopl, ret, NULL, err);
}

/* ---- encode ------------------------------------------------------------ */

static int b64_field(const json_t *v, const char *path, uint8_t **ret, size_t *ret_len,
		     struct cr_error **err)
{
	if (!json_is_string(v) ||
	    img_b64_decode(json_string_value(v), json_string_length(v), ret, ret_len) < 0)
		return img_json_err(err, -EINVAL, "%s: expected base64 data", path);
	return 0;
}

static int put_padded(struct img_writer *w, const uint8_t *p, size_t n, size_t align,
		      struct cr_error **err)
{
	static const uint8_t zeros[8];
	size_t pad = (align - n % align) % align;
	int r = img_writer_put_raw(w, p, n, err);

	if (r == 0 && pad)
		r = img_writer_put_raw(w, zeros, pad, err);
	return r;
}

static int want_len(const char *path, size_t got, uint64_t want, struct cr_error **err)
{
	if (got != want)
		return img_json_err(err, -EINVAL, "%s: payload has %zu bytes, the entry declares %llu", path,
			      got, (unsigned long long)want);
	return 0;
}

static int encode_ipc_msgs(struct img_writer *w, const json_t *x, const IpcMsgEntry *q,
			   const char *path, struct cr_error **err)
{
	if (!json_is_array(x) || json_array_size(x) != 2ull * q->qnum)
		return img_json_err(err, -EINVAL, "%s: expected %u message/data pairs", path, q->qnum);
	for (size_t i = 0; i < json_array_size(x); i += 2) {
		_cleanup_free_ char *sub = xasprintf("%s[%zu]", path, i);
		_cleanup_free_ uint8_t *data = NULL;
		ProtobufCMessage *m = NULL;
		size_t n;
		int r = img_json_to_msg(json_array_get(x, i), &ipc_msg__descriptor, sub, &m, err);
		if (r < 0)
			return r;
		uint32_t msize = ((IpcMsg *)m)->msize;
		r = img_writer_put(w, m, err);
		protobuf_c_message_free_unpacked(m, NULL);
		if (r == 0)
			r = b64_field(json_array_get(x, i + 1), sub, &data, &n, err);
		if (r == 0)
			r = want_len(sub, n, msize, err);
		if (r == 0)
			r = put_padded(w, data, n, 8, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int encode_extra(struct img_writer *w, const struct img_desc *d, const json_t *x,
			const ProtobufCMessage *m, size_t index, const char *path,
			struct cr_error **err)
{
	_cleanup_free_ uint8_t *data = NULL;
	uint64_t want = 0;
	size_t n = 0;
	int r;

	switch (d->extra) {
	case IMG_EXTRA_NONE:
	case IMG_EXTRA_PAGEMAP:
		return 0;
	case IMG_EXTRA_GHOST:
		if (index == 0 && ((GhostFileEntry *)m)->chunks)
			return 0;
		if (!x)
			return index == 0 ? 0 : img_json_err(err, -EINVAL, "%s: missing chunk data", path);
		r = b64_field(x, path, &data, &n, err);
		if (r == 0 && index > 0)
			r = want_len(path, n, ((GhostChunkEntry *)m)->len, err);
		return r ? r : img_writer_put_raw(w, data, n, err);
	case IMG_EXTRA_TCP_STREAM: {
		const TcpStreamEntry *t = (const TcpStreamEntry *)m;
		_cleanup_free_ uint8_t *out = NULL;
		size_t on;
		if (!json_is_object(x))
			return img_json_err(err, -EINVAL, "%s: expected {\"inq\": ..., \"outq\": ...}", path);
		r = b64_field(json_object_get(x, "inq"), path, &data, &n, err);
		if (r == 0)
			r = want_len(path, n, t->inq_len, err);
		if (r == 0)
			r = b64_field(json_object_get(x, "outq"), path, &out, &on, err);
		if (r == 0)
			r = want_len(path, on, t->outq_len, err);
		if (r == 0)
			r = img_writer_put_raw(w, data, n, err);
		return r ? r : img_writer_put_raw(w, out, on, err);
	}
	case IMG_EXTRA_IPC_SEM: {
		const IpcSemEntry *s = (const IpcSemEntry *)m;
		if (!json_is_array(x) || json_array_size(x) != s->nsems)
			return img_json_err(err, -EINVAL, "%s: expected %u semaphore values", path, s->nsems);
		data = xmalloc(2ull * s->nsems + 1);
		for (size_t i = 0; i < s->nsems; i++) {
			json_t *v = json_array_get(x, i);
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffff)
				return img_json_err(err, -EINVAL, "%s[%zu]: expected a 16-bit value", path, i);
			data[2 * i] = json_integer_value(v);
			data[2 * i + 1] = json_integer_value(v) >> 8;
		}
		return put_padded(w, data, 2ull * s->nsems, 8, err);
	}
	case IMG_EXTRA_IPC_MSG:
		return encode_ipc_msgs(w, x, (const IpcMsgEntry *)m, path, err);
	default:
		break;
	}
	r = img_extra_size(d->extra, m, &want, err);
	if (r < 0)
		return r;
	if (!x) {
		if (want == 0)
			return 0;
		return img_json_err(err, -EINVAL, "%s: missing payload of %llu bytes", path,
			      (unsigned long long)want);
	}
	r = b64_field(x, path, &data, &n, err);
	if (r == 0)
		r = want_len(path, n, want, err);
	if (r < 0)
		return r;
	return d->extra == IMG_EXTRA_IPC_SHM ? put_padded(w, data, n, 4, err)
					     : img_writer_put_raw(w, data, n, err);
}

static const ProtobufCMessageDescriptor *entry_desc(const struct img_desc *d, size_t i)
{
	if (d->extra == IMG_EXTRA_PAGEMAP && i == 0)
		return &pagemap_head__descriptor;
	if (d->extra == IMG_EXTRA_GHOST && i > 0)
		return &ghost_chunk_entry__descriptor;
	return d->msg;
}

int img_json_image_desc(const json_t *img, const struct img_desc **ret, struct cr_error **err)
{
	const json_t *magic = json_object_get(img, "magic");
	const struct img_desc *d;

	if (!json_is_object(img))
		return img_json_err(err, -EINVAL, "expected an object with \"magic\" and \"entries\"");
	if (!json_is_string(magic))
		return img_json_err(err, -EINVAL, ".magic: missing or not a string");
	d = img_desc_by_name(json_string_value(magic));
	if (!d)
		return img_json_err(err, -EINVAL, ".magic: unknown image magic '%s'", json_string_value(magic));
	if (!json_is_array(json_object_get(img, "entries")))
		return img_json_err(err, -EINVAL, ".entries: missing or not a list");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)img, key, v)
		if (strcmp(key, "magic") && strcmp(key, "entries"))
			return img_json_err(err, -EINVAL, ".%s: unknown key", key);
	*ret = d;
	return 0;
}

int img_json_encode_entries(const json_t *img, struct img_writer *w, struct cr_error **err)
{
	const struct img_desc *d;
	const json_t *entries;
	int r = img_json_image_desc(img, &d, err);

	if (r < 0)
		return r;
	entries = json_object_get(img, "entries");
	for (size_t i = 0; i < json_array_size(entries); i++) {
		_cleanup_free_ char *path = xasprintf(".entries[%zu]", i);
		_cleanup_free_ char *xpath = xasprintf(".entries[%zu].extra", i);
		json_t *ent = json_array_get(entries, i);
		ProtobufCMessage *m = NULL;
		json_t *copy, *x;

		if (!json_is_object(ent))
			return img_json_err(err, -EINVAL, "%s: expected an object", path);
		copy = json_copy(ent);
		x = json_incref(json_object_get(copy, "extra"));
		json_object_del(copy, "extra");
		r = img_json_to_msg(copy, entry_desc(d, i), path, &m, err);
		json_decref(copy);
		if (r == 0)
			r = img_writer_put(w, m, err);
		if (r == 0)
			r = encode_extra(w, d, x, m, i, xpath, err);
		json_decref(x);
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

int img_json_encode_file(const json_t *img, int fd, const char *label, struct cr_error **err)
{
	const struct img_desc *d;
	struct img_writer *w = NULL;
	int r = img_json_image_desc(img, &d, err);

	if (r < 0)
		return r;
	r = img_writer_open_fd(fd, label, d, &w, err);
	if (r < 0)
		return r;
	r = img_json_encode_entries(img, w, err);
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}

int img_json_loads(const char *text, size_t len, const char *label, json_t **ret,
		   struct cr_error **err)
{
	size_t n;
	_cleanup_free_ char *safe = img_json_protect_big(text, len, &n);
	json_error_t je;
	json_t *j = json_loadb(safe, n, JSON_DISABLE_EOF_CHECK * 0 | JSON_ALLOW_NUL, &je);

	if (!j)
		return img_json_err(err, -EINVAL, "'%s': line %d column %d: %s", label, je.line, je.column,
			      je.text);
	*ret = j;
	return 0;
}
