// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit rename: retarget a checkpoint (paths, hostname, addresses, listen
 * ports).  One generic walk over every message of every image, driven by a
 * table of {message, field} -> kind, so a field nested anywhere (files.img
 * holds reg/usk/isk inside file_entry) is found without per-image code.
 * Two kinds need their surroundings: a cgroup directory's name is relative
 * to its parent's (cgroup.img nests them), and a cgroup member's
 * cgns_prefix is a length into its path.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "convert.h"
#include "rewrite.h"
#include "xalloc.h"

enum rn_kind { RN_PATH, RN_PATH_BYTES, RN_HOSTNAME, RN_ADDR, RN_LISTEN_PORT, RN_MNT_OPTS, RN_CG_PATH };

static const struct {
	const char *msg, *field;
	enum rn_kind kind;
} rules[] = {
	{ "reg_file_entry", "name", RN_PATH }, /* also ghost/remap targets, fs cwd/root */
	{ "mnt_entry", "mountpoint", RN_PATH },
	{ "mnt_entry", "root", RN_PATH },
	{ "mnt_entry", "source", RN_PATH },
	{ "mnt_entry", "options", RN_MNT_OPTS }, /* overlay lowerdir=,upperdir=,workdir= */
	{ "cg_member_entry", "path", RN_CG_PATH },
	{ "unix_sk_entry", "name", RN_PATH_BYTES },
	{ "unix_sk_entry", "name_dir", RN_PATH },
	{ "fh_entry", "path", RN_PATH },
	{ "irmap_cache_entry", "path", RN_PATH },
	{ "utsns_entry", "nodename", RN_HOSTNAME },
	{ "inet_sk_entry", "src_addr", RN_ADDR },
	{ "inet_sk_entry", "dst_addr", RN_ADDR },
	{ "inet_sk_entry", "src_port", RN_LISTEN_PORT },
};

#define TCP_LISTEN 10
#define IPPROTO_TCP_ 6

struct ip_map {
	int words; /* 1 = IPv4, 4 = IPv6 */
	uint32_t old_v[4], new_v[4];
};

struct rn_ctx {
	const struct cvt_rename_opts *o;
	const char *file;
	struct ip_map *ips;
	unsigned *ports_old, *ports_new;
	unsigned changes;
	size_t entry;
	bool changed;
	char *bad; /* a change that cannot be made, reported by rename_entry */
};

static void report(struct rn_ctx *c, const char *field, const char *old, const char *new)
{
	struct cvt_change ch = { c->file, c->entry, field, old, new };

	c->changes++;
	c->changed = true;
	if (c->o->change)
		c->o->change(&ch, c->o->opaque);
}

static void set_string(struct rn_ctx *c, const ProtobufCFieldDescriptor *f, char **p, char *n,
		       const char *field)
{
	report(c, field, *p, n);
	if (*p != f->default_value)
		free(*p);
	*p = n;
}

/* The new path for s, or NULL: prefixes match whole components. */
static char *map_path(const struct rn_ctx *c, const char *s)
{
	for (size_t i = 0; i < c->o->n_paths; i++) {
		const char *old = c->o->paths[i].old_value;
		size_t n = strlen(old);

		while (n > 1 && old[n - 1] == '/')
			n--;
		if (strncmp(s, old, n) || (s[n] && s[n] != '/' && !(n == 1 && old[0] == '/')))
			continue;
		return xasprintf("%s%s", c->o->paths[i].new_value, s + n);
	}
	return NULL;
}

static void do_string(struct rn_ctx *c, const ProtobufCFieldDescriptor *f, char **p,
		      enum rn_kind kind, const char *field)
{
	char *n = NULL;

	if (!*p)
		return;
	if (kind == RN_HOSTNAME) {
		if (!c->o->hostname || !strcmp(*p, c->o->hostname))
			return;
		n = xstrdup(c->o->hostname);
	} else if (!(n = map_path(c, *p))) {
		return;
	}
	set_string(c, f, p, n, field);
}

static void do_bytes(struct rn_ctx *c, const ProtobufCFieldDescriptor *f, ProtobufCBinaryData *b,
		     const char *field)
{
	_cleanup_free_ char *s = NULL;
	const ProtobufCBinaryData *def = f->default_value;
	char *n;

	if (!b->len || b->data[0] != '/' || memchr(b->data, 0, b->len))
		return; /* abstract and unnamed sockets have no path */
	s = xstrndup((const char *)b->data, b->len);
	n = map_path(c, s);
	if (!n)
		return;
	report(c, field, s, n);
	if (!def || b->data != def->data)
		free(b->data);
	b->data = (uint8_t *)n;
	b->len = strlen(n);
}

static void fmt_addr(const uint32_t *w, size_t n, char *out, size_t len)
{
	inet_ntop(n == 1 ? AF_INET : AF_INET6, w, out, len);
}

static void do_addr(struct rn_ctx *c, uint32_t *w, size_t n, const char *field)
{
	for (size_t i = 0; i < c->o->n_ips; i++) {
		const struct ip_map *m = &c->ips[i];
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		uint32_t *at = w;

		if (n == 4 && m->words == 1 && !w[0] && !w[1] && w[2] == htonl(0xffff))
			at = w + 3; /* v4-mapped in an IPv6 socket */
		else if ((size_t)m->words != n)
			continue;
		if (memcmp(at, m->old_v, m->words * 4))
			continue;
		fmt_addr(w, n, a, sizeof(a));
		memcpy(at, m->new_v, m->words * 4);
		fmt_addr(w, n, b, sizeof(b));
		report(c, field, a, b);
		return;
	}
}

static void do_port(struct rn_ctx *c, ProtobufCMessage *m, uint32_t *port, const char *field)
{
	const InetSkEntry *sk = (const InetSkEntry *)m;
	char a[16], b[16];

	if (sk->state != TCP_LISTEN || sk->proto != IPPROTO_TCP_)
		return;
	for (size_t i = 0; i < c->o->n_ports; i++) {
		if (*port != c->ports_old[i])
			continue;
		snprintf(a, sizeof(a), "%u", *port);
		snprintf(b, sizeof(b), "%u", c->ports_new[i]);
		*port = c->ports_new[i];
		report(c, field, a, b);
		return;
	}
}

/* Keys of overlayfs options whose values are host paths (lowerdir: a list). */
static bool ovl_path_key(const char *k, size_t n)
{
	static const char *const keys[] = { "lowerdir", "upperdir", "workdir", "lowerdir+", "datadir+" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i]) == n && !strncmp(k, keys[i], n))
			return true;
	return false;
}

static void append(char **out, const char *s, size_t n)
{
	char *o = xasprintf("%s%.*s", *out, (int)n, s);

	free(*out);
	*out = o;
}

/* Append one ':'-separated lowerdir element (or a whole value), mapped. */
static bool put_path(const struct rn_ctx *c, char **out, const char *s, size_t n)
{
	_cleanup_free_ char *one = xstrndup(s, n);
	_cleanup_free_ char *m = one[0] == '/' ? map_path(c, one) : NULL;

	append(out, m ? m : one, strlen(m ? m : one));
	return m != NULL;
}

/*
 * mnt_entry.options as the kernel shows them: "a,b=c,...", commas and
 * colons inside a path escaped with a backslash (lowerdir separators are
 * bare colons).  Returns the rewritten string or NULL when nothing maps.
 */
static char *map_mnt_opts(const struct rn_ctx *c, const char *opts)
{
	_cleanup_free_ char *out = xstrdup("");
	bool any = false;
	const char *p = opts;

	while (*p) {
		size_t n = 0, k;
		const char *eq;

		while (p[n] && p[n] != ',')
			n += p[n] == '\\' && p[n + 1] ? 2 : 1;
		eq = memchr(p, '=', n);
		k = eq ? (size_t)(eq - p) : n;
		append(&out, p, eq && ovl_path_key(p, k) ? k + 1 : n);
		if (eq && ovl_path_key(p, k)) {
			const char *v = eq + 1, *end = p + n;

			while (v < end) {
				size_t m = 0;

				while (v + m < end && v[m] != ':')
					m += v[m] == '\\' && v + m + 1 < end ? 2 : 1;
				any |= put_path(c, &out, v, m);
				v += m;
				if (v < end) /* the separator */
					append(&out, v++, 1);
			}
		}
		p += n;
		if (*p == ',')
			append(&out, p++, 1);
	}
	return any ? TAKE_PTR(out) : NULL;
}

static void fail_change(struct rn_ctx *c, const char *fmt, const char *a, const char *b)
{
	if (!c->bad)
		c->bad = xasprintf(fmt, a, b);
}

/* A cgroup member's path; cgns_prefix (the namespace root's length in it) follows it. */
static void do_cg_member(struct rn_ctx *c, const ProtobufCFieldDescriptor *f, ProtobufCMessage *m,
			 const char *field)
{
	CgMemberEntry *e = (CgMemberEntry *)m;
	_cleanup_free_ char *pfx = NULL, *pfx_new = NULL, *pf = NULL;
	char *n = e->path ? map_path(c, e->path) : NULL;
	size_t len;

	if (!n)
		return;
	if (e->has_cgns_prefix && e->cgns_prefix <= strlen(e->path)) {
		pfx = xstrndup(e->path, e->cgns_prefix);
		pfx_new = e->cgns_prefix ? map_path(c, pfx) : NULL;
		len = pfx_new ? strlen(pfx_new) : e->cgns_prefix;
		if (strncmp(n, pfx_new ? pfx_new : pfx, len)) {
			fail_change(c, "cgroup '%s': the new path '%s' leaves its cgroup namespace root", e->path, n);
			free(n);
			return;
		}
		if (len != e->cgns_prefix) {
			char a[24], b[24];

			snprintf(a, sizeof(a), "%u", e->cgns_prefix);
			snprintf(b, sizeof(b), "%zu", len);
			pf = xasprintf("%.*scgns_prefix", (int)(strlen(field) - strlen(f->name)), field);
			report(c, pf, a, b);
			e->cgns_prefix = len;
		}
	}
	set_string(c, f, &e->path, n, field);
}

/*
 * cgroup_dir_entry: dir_name is relative to the parent directory (to the
 * controller's root for the top level, where it may have several
 * components).  A directory moves only where the map names it; it cannot
 * leave its parent, which keeps its own name.
 */
static void walk_cgdir(struct rn_ctx *c, CgroupDirEntry *e, const char *old_parent,
		       const char *new_parent, const char *field)
{
	_cleanup_free_ char *old_full = xasprintf("%s/%s", old_parent, e->dir_name);
	_cleanup_free_ char *mapped = map_path(c, old_full);
	_cleanup_free_ char *new_full = NULL, *nf = xasprintf("%s.dir_name", field);
	size_t pl = strlen(new_parent);

	if (mapped && (strncmp(mapped, new_parent, pl) || mapped[pl] != '/' || !mapped[pl + 1])) {
		fail_change(c, "cgroup directory '%s' cannot move out of its parent to '%s'", old_full, mapped);
		return;
	}
	if (mapped && strcmp(mapped + pl + 1, e->dir_name)) {
		report(c, nf, e->dir_name, mapped + pl + 1);
		free(e->dir_name);
		e->dir_name = xstrdup(mapped + pl + 1);
	}
	new_full = xasprintf("%s/%s", new_parent, e->dir_name);
	for (size_t k = 0; k < e->n_children; k++) {
		_cleanup_free_ char *p = xasprintf("%s.children[%zu]", field, k);

		walk_cgdir(c, e->children[k], old_full, new_full, p);
	}
}

static bool is_cgdir_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
	return f->descriptor == &cgroup_dir_entry__descriptor && !strcmp(d->name, "cg_controller_entry");
}

static int rule_of(const ProtobufCMessageDescriptor *d, const char *field)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (!strcmp(rules[i].msg, d->name) && !strcmp(rules[i].field, field))
			return rules[i].kind;
	return -1;
}

static void walk(struct rn_ctx *c, ProtobufCMessage *m, const char *prefix)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		void *member = (char *)m + f->offset;
		size_t n = f->label == PROTOBUF_C_LABEL_REPEATED ?
				   *(size_t *)((char *)m + f->quantifier_offset) : 1;
		_cleanup_free_ char *path = prefix[0] ? xasprintf("%s.%s", prefix, f->name)
						      : xstrdup(f->name);
		int kind;

		if (f->type == PROTOBUF_C_TYPE_MESSAGE && is_cgdir_field(d, f)) {
			CgroupDirEntry **dirs = *(CgroupDirEntry ***)member;

			for (size_t k = 0; k < n; k++) {
				_cleanup_free_ char *p = xasprintf("%s[%zu]", path, k);

				walk_cgdir(c, dirs[k], "", "", p);
			}
			continue;
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage **subs = f->label == PROTOBUF_C_LABEL_REPEATED ?
							  *(ProtobufCMessage ***)member :
							  (ProtobufCMessage **)member;

			for (size_t k = 0; k < n; k++) {
				_cleanup_free_ char *p = f->label == PROTOBUF_C_LABEL_REPEATED ?
								 xasprintf("%s[%zu]", path, k) : NULL;

				if (subs && subs[k])
					walk(c, subs[k], p ? p : path);
			}
			continue;
		}
		kind = rule_of(d, f->name);
		if (kind < 0)
			continue;
		if (kind == RN_ADDR && f->label == PROTOBUF_C_LABEL_REPEATED && n)
			do_addr(c, *(uint32_t **)member, n, path);
		else if (kind == RN_LISTEN_PORT)
			do_port(c, m, member, path);
		else if (kind == RN_PATH_BYTES && f->type == PROTOBUF_C_TYPE_BYTES)
			do_bytes(c, f, member, path);
		else if (kind == RN_CG_PATH)
			do_cg_member(c, f, m, path);
		else if (kind == RN_MNT_OPTS && *(char **)member) {
			char *o = map_mnt_opts(c, *(char **)member);

			if (o)
				set_string(c, f, member, o, path);
		}
		else if ((kind == RN_PATH || kind == RN_HOSTNAME) && f->type == PROTOBUF_C_TYPE_STRING &&
			 f->label != PROTOBUF_C_LABEL_REPEATED)
			do_string(c, f, member, kind, path);
	}
}

static int rename_entry(struct rw_entry *e, void *opaque, struct cr_error **err)
{
	struct rn_ctx *c = opaque;
	size_t len = protobuf_c_message_get_packed_size(e->msg);
	_cleanup_free_ uint8_t *buf = xmalloc(len + 1);
	ProtobufCMessage *copy;

	protobuf_c_message_pack(e->msg, buf);
	copy = protobuf_c_message_unpack(e->msg->descriptor, NULL, len, buf);
	if (!copy)
		return cr_err(err, -ENOMEM, "'%s': entry %zu: cannot copy", c->file, e->index);
	c->entry = e->index;
	c->changed = false;
	walk(c, copy, "");
	if (c->bad) {
		int r = cr_err(err, -EINVAL, "'%s': entry %zu: %s", c->file, e->index, c->bad);

		free(c->bad);
		c->bad = NULL;
		protobuf_c_message_free_unpacked(copy, NULL);
		return r;
	}
	if (c->changed)
		e->replace = copy;
	else
		protobuf_c_message_free_unpacked(copy, NULL);
	return 0;
}

static int parse_maps(struct rn_ctx *c, struct cr_error **err)
{
	const struct cvt_rename_opts *o = c->o;

	c->ips = xcalloc(o->n_ips + 1, sizeof(*c->ips));
	c->ports_old = xcalloc(o->n_ports + 1, sizeof(unsigned));
	c->ports_new = xcalloc(o->n_ports + 1, sizeof(unsigned));
	for (size_t i = 0; i < o->n_ips; i++) {
		struct ip_map *m = &c->ips[i];
		bool v4 = inet_pton(AF_INET, o->ips[i].old_value, m->old_v) == 1 &&
			  inet_pton(AF_INET, o->ips[i].new_value, m->new_v) == 1;
		bool v6 = !v4 && inet_pton(AF_INET6, o->ips[i].old_value, m->old_v) == 1 &&
			  inet_pton(AF_INET6, o->ips[i].new_value, m->new_v) == 1;

		if (!v4 && !v6)
			return cr_err(err, -EINVAL, "--ip '%s=%s': two addresses of one family expected",
				      o->ips[i].old_value, o->ips[i].new_value);
		m->words = v4 ? 1 : 4;
	}
	for (size_t i = 0; i < o->n_ports; i++) {
		char *e1, *e2;
		unsigned long a = strtoul(o->ports[i].old_value, &e1, 10);
		unsigned long b = strtoul(o->ports[i].new_value, &e2, 10);

		if (*e1 || *e2 || !a || !b || a > 65535 || b > 65535)
			return cr_err(err, -EINVAL, "--port '%s=%s': ports 1..65535 expected",
				      o->ports[i].old_value, o->ports[i].new_value);
		c->ports_old[i] = a;
		c->ports_new[i] = b;
	}
	for (size_t i = 0; i < o->n_paths; i++)
		if (o->paths[i].old_value[0] != '/' || o->paths[i].new_value[0] != '/')
			return cr_err(err, -EINVAL, "--path '%s=%s': absolute paths expected",
				      o->paths[i].old_value, o->paths[i].new_value);
	return 0;
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int rename_all(struct rn_ctx *c, int dirfd, const char *label, struct cr_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd = dup(dirfd), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot read directory", label);
	}
	rewinddir(d); /* a dup shares the offset of its original */
	while ((de = readdir(d))) {
		const struct img_desc *desc = img_desc_by_filename(de->d_name);

		if (de->d_name[0] == '.' || !desc || !desc->msg)
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), strcmp_p);
	for (size_t i = 0; i < n; i++) {
		c->file = names[i];
		if (r >= 0) {
			r = rw_image_at(dirfd, names[i], rename_entry, c, c->o->dry_run, NULL, err);
			if (r < 0)
				cr_err_wrap(err, "'%s'", label);
		}
		free(names[i]);
	}
	return r;
}

int cvt_rename_at(int dirfd, const char *label, const struct cvt_rename_opts *o,
		  unsigned *ret_changes, struct cr_error **err)
{
	struct cvt_rename_opts dry = *o;
	struct rn_ctx c = { .o = &dry };
	int r = parse_maps(&c, err);

	/* A quiet dry pass first: an image that does not decode stops the
	 * rename before any file is rewritten. */
	dry.dry_run = true;
	dry.change = NULL;
	if (r >= 0 && !o->dry_run)
		r = rename_all(&c, dirfd, label, err);
	c.o = o;
	c.changes = 0;
	if (r >= 0)
		r = rename_all(&c, dirfd, label, err);
	if (r >= 0 && ret_changes)
		*ret_changes = c.changes;
	free(c.ips);
	free(c.ports_old);
	free(c.ports_new);
	return r;
}
