// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * File objects by kind and id.  files.img (one file_entry per object, the
 * kind's message in a sub-field) is checked first, as crit does; objects it
 * does not hold are looked up in the older per-kind images.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

struct kind {
	FdTypes type;
	const char *field;  /* file_entry field */
	enum img_type img;  /* per-kind image, _IMG_TYPE_INVALID if none */
};

static const struct kind kinds[] = {
	{ FD_TYPES__REG, "reg", IMG_REG_FILES },
	{ FD_TYPES__PIPE, "pipe", IMG_PIPES },
	{ FD_TYPES__FIFO, "fifo", IMG_FIFO },
	{ FD_TYPES__INETSK, "isk", IMG_INETSK },
	{ FD_TYPES__UNIXSK, "usk", IMG_UNIXSK },
	{ FD_TYPES__EVENTFD, "efd", IMG_EVENTFD_FILE },
	{ FD_TYPES__EVENTPOLL, "epfd", IMG_EVENTPOLL_FILE },
	{ FD_TYPES__INOTIFY, "ify", IMG_INOTIFY_FILE },
	{ FD_TYPES__SIGNALFD, "sgfd", IMG_SIGNALFD },
	{ FD_TYPES__PACKETSK, "psk", IMG_PACKETSK },
	{ FD_TYPES__TTY, "tty", IMG_TTY_FILES },
	{ FD_TYPES__FANOTIFY, "ffy", IMG_FANOTIFY_FILE },
	{ FD_TYPES__NETLINKSK, "nlsk", IMG_NETLINK_SK },
	{ FD_TYPES__NS, "nsf", IMG_NS_FILES },
	{ FD_TYPES__TUNF, "tunf", IMG_TUNFILE },
	{ FD_TYPES__EXT, "ext", IMG_EXT_FILES },
	{ FD_TYPES__TIMERFD, "tfd", IMG_TIMERFD },
	{ FD_TYPES__MEMFD, "memfd", _IMG_TYPE_INVALID },
	{ FD_TYPES__BPFMAP, "bpf", IMG_BPFMAP_FILE },
	{ FD_TYPES__PIDFD, "pidfd", IMG_PIDFD },
};
_Static_assert(ARRAY_SIZE(kinds) <= INS_N_KINDS, "INS_N_KINDS too small");

static ssize_t kind_index(FdTypes type)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].type == type)
			return i;
	return -1;
}

const char *ins_fd_type_name(FdTypes type)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&fd_types__descriptor, type);

	return v ? v->name : NULL;
}

bool ins_msg_u32(const ProtobufCMessage *m, const char *field, uint32_t *ret)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);

	if (!f || f->label == PROTOBUF_C_LABEL_REPEATED)
		return false;
	switch (f->type) {
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_FIXED32:
		*ret = *(const uint32_t *)((const char *)m + f->offset);
		return true;
	default:
		return false;
	}
}

static int idref_cmp(const void *a, const void *b)
{
	const struct ins_idref *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int idref_key_cmp(const void *a, const void *b)
{
	const struct ins_idref *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const ProtobufCMessage *ftab_find(const struct ins_ftab *t, uint32_t id)
{
	struct ins_idref key = { .id = id }, *hit;

	if (!t->n)
		return NULL;
	hit = bsearch(&key, t->idx, t->n, sizeof(*t->idx), idref_key_cmp);
	if (!hit)
		return NULL;
	while (hit > t->idx && hit[-1].id == id)
		hit--;
	return hit->msg;
}

static void ftab_index(struct ins_ftab *t)
{
	t->idx = xcalloc(t->msgs.n ? t->msgs.n : 1, sizeof(*t->idx));
	t->n = 0;
	for (size_t i = 0; i < t->msgs.n; i++) {
		uint32_t id;

		if (!ins_msg_u32(t->msgs.v[i], "id", &id))
			continue;
		t->idx[t->n] = (struct ins_idref){ id, t->n, t->msgs.v[i] };
		t->n++;
	}
	/* ord keeps duplicates in file order: the first wins, as in crit's scan */
	if (t->n)
		qsort(t->idx, t->n, sizeof(*t->idx), idref_cmp);
	t->loaded = true;
}

static int ftab_load(struct ins_ckpt *c, struct ins_ftab *t, enum img_type img,
		     struct cr_error **err)
{
	int r;

	if (t->loaded)
		return 0;
	r = ins_load_all(c->dirfd, img, 0, true, &t->msgs, err);
	if (r < 0)
		return r;
	ftab_index(t);
	return 0;
}

static const ProtobufCMessage *file_entry_field(const ProtobufCMessage *fe, const char *field)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(fe->descriptor, field);

	if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return NULL;
	return *(const ProtobufCMessage *const *)((const char *)fe + f->offset);
}

int ins_file_find(struct ins_ckpt *c, FdTypes type, uint32_t id, const ProtobufCMessage **ret,
		  struct cr_error **err)
{
	ssize_t k = kind_index(type);
	const ProtobufCMessage *fe;
	int r;

	*ret = NULL;
	if (k < 0)
		return 0;
	r = ftab_load(c, &c->files, IMG_FILES, err);
	if (r < 0)
		return r;
	fe = ftab_find(&c->files, id);
	if (fe) {
		*ret = file_entry_field(fe, kinds[k].field);
		return 0;
	}
	if (kinds[k].img == _IMG_TYPE_INVALID)
		return 0;
	r = ftab_load(c, &c->kinds[k], kinds[k].img, err);
	if (r < 0)
		return r;
	*ret = ftab_find(&c->kinds[k], id);
	return 0;
}

/* Python's binascii.b2a_qp(quotetabs=False, istext=True, header=False). */
static void qp_encode(const uint8_t *in, size_t n, char **out, size_t *out_len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = xmalloc(n * 4 + 8);
	size_t w = 0, linelen = 0;
	bool crlf = false;

	for (size_t i = 0; i < n; i++)
		if (in[i] == '\n') {
			crlf = i > 0 && in[i - 1] == '\r';
			break;
		}
	for (size_t i = 0; i < n;) {
		uint8_t ch = in[i];
		bool enc = ch > 126 || ch == '=' ||
			   (ch == '.' && linelen == 0 &&
			    (i + 1 == n || in[i + 1] == '\n' || in[i + 1] == '\r' || in[i + 1] == 0)) ||
			   ((ch == '\t' || ch == ' ') && i + 1 == n) ||
			   (ch < 33 && ch != '\r' && ch != '\n' && ch != '\t' && ch != ' ');

		if (enc) {
			if (linelen + 3 >= 76) {
				o[w++] = '=';
				if (crlf)
					o[w++] = '\r';
				o[w++] = '\n';
				linelen = 0;
			}
			o[w++] = '=';
			o[w++] = hex[ch >> 4];
			o[w++] = hex[ch & 15];
			i++;
			linelen += 3;
		} else if (ch == '\n' || (i + 1 < n && ch == '\r' && in[i + 1] == '\n')) {
			linelen = 0;
			if (w && (o[w - 1] == ' ' || o[w - 1] == '\t')) {
				uint8_t sp = o[w - 1];
				o[w - 1] = '=';
				o[w++] = hex[sp >> 4];
				o[w++] = hex[sp & 15];
			}
			if (crlf)
				o[w++] = '\r';
			o[w++] = '\n';
			i += ch == '\r' ? 2 : 1;
		} else {
			if (i + 1 != n && in[i + 1] != '\n' && linelen + 1 >= 76) {
				o[w++] = '=';
				if (crlf)
					o[w++] = '\r';
				o[w++] = '\n';
				linelen = 0;
			}
			linelen++;
			o[w++] = in[i++];
		}
	}
	*out = o;
	*out_len = w;
}

/* Python 3's repr() of a bytes object. */
static char *py_bytes_repr(const char *s, size_t n)
{
	bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
	char q = sq && !dq ? '"' : '\'';
	char *o = xmalloc(n * 4 + 4);
	size_t w = 0;

	o[w++] = 'b';
	o[w++] = q;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];

		if (ch == q || ch == '\\') {
			o[w++] = '\\';
			o[w++] = ch;
		} else if (ch == '\t') {
			o[w++] = '\\', o[w++] = 't';
		} else if (ch == '\n') {
			o[w++] = '\\', o[w++] = 'n';
		} else if (ch == '\r') {
			o[w++] = '\\', o[w++] = 'r';
		} else if (ch < 32 || ch >= 127) {
			w += sprintf(o + w, "\\x%02x", ch);
		} else {
			o[w++] = ch;
		}
	}
	o[w++] = q;
	o[w] = 0;
	return o;
}

char *ins_unix_name_crit(const ProtobufCBinaryData *name)
{
	_cleanup_free_ char *qp = NULL;
	size_t qn;

	qp_encode(name->data, name->len, &qp, &qn);
	return py_bytes_repr(qp, qn);
}

int ins_file_name(struct ins_ckpt *c, FdTypes type, uint32_t id, char **ret, struct cr_error **err)
{
	const ProtobufCMessage *m = NULL;
	int r;

	if (type != FD_TYPES__REG && type != FD_TYPES__PIPE && type != FD_TYPES__UNIXSK) {
		const char *tn = ins_fd_type_name(type);
		*ret = tn ? xasprintf("%s.%u", tn, id) : xasprintf("%u.%u", type, id);
		return 0;
	}
	r = ins_file_find(c, type, id, &m, err);
	if (r < 0)
		return r;
	switch (type) {
	case FD_TYPES__REG: {
		const RegFileEntry *rf = (const RegFileEntry *)m;
		*ret = xstrdup(rf && rf->name && rf->name[0] ? rf->name : "unknown path");
		break;
	}
	case FD_TYPES__PIPE:
		*ret = m ? xasprintf("pipe[%u]", ((const PipeEntry *)m)->pipe_id) : xstrdup("pipe[?]");
		break;
	default: {
		const UnixSkEntry *u = (const UnixSkEntry *)m;
		if (!u) {
			*ret = xstrdup("unix[?]");
			break;
		}
		if (u->name.len) {
			_cleanup_free_ char *n = ins_unix_name_crit(&u->name);
			*ret = xasprintf("unix[%u (%u) %s]", u->ino, u->peer, n);
		} else {
			*ret = xasprintf("unix[%u (%u)]", u->ino, u->peer);
		}
	}
	}
	return 0;
}

int ins_memfd_name(struct ins_ckpt *c, uint32_t file_id, const char **ret, struct cr_error **err)
{
	const ProtobufCMessage *m = NULL;
	const MemfdFileEntry *f;
	int r;

	*ret = NULL;
	r = ins_file_find(c, FD_TYPES__MEMFD, file_id, &m, err);
	if (r < 0 || !m)
		return r;
	f = (const MemfdFileEntry *)m;
	if (!c->memfd_loaded) {
		r = ins_load_all(c->dirfd, IMG_MEMFD_INODE, 0, true, &c->memfd, err);
		if (r < 0)
			return r;
		c->memfd_loaded = true;
	}
	for (size_t i = 0; i < c->memfd.n; i++) {
		const MemfdInodeEntry *e = (const MemfdInodeEntry *)c->memfd.v[i];
		if (e->inode_id == f->inode_id) {
			*ret = e->name;
			break;
		}
	}
	return 0;
}
