// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit x DIR VIEW: explore an image directory.  ps, fds, mems and rss print
 * exactly what CRIU's crit prints; sk, cmdline and env go further.  --json
 * prints any view as JSON.  The data comes from inspect/.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "crit.h"
#include "crit-out.h"
#include "inspect.h"
#include "xalloc.h"

struct x_view {
	const char *name;
	int (*text)(struct ins_ckpt *c, FILE *f, struct cr_error **err);
	int (*json)(struct ins_ckpt *c, json_t **ret, struct cr_error **err);
};

/* ---- ps ----------------------------------------------------------------- */

static int ps_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	const struct ins_pstree *t;
	int r = ins_pstree(c, &t, err);

	if (r < 0)
		return r;
	fprintf(f, "%7s%7s%7s   %s\n", "PID", "PGID", "SID", "COMM");
	for (size_t i = 0; i < t->n_order; i++) {
		const struct ins_task *k = &t->tasks[t->order[i]];
		fprintf(f, "%7u%7u%7u   %*s%s\n", k->pid, k->pgid, k->sid, (int)(4 * k->depth), "",
			k->comm ? k->comm : "?");
	}
	return 0;
}

static json_t *ps_node(const struct ins_pstree *t, size_t i, unsigned depth)
{
	const struct ins_task *k = &t->tasks[i];
	json_t *o = json_object(), *kids = json_array(), *th = json_array();

	json_object_set_new(o, "pid", json_integer(k->pid));
	json_object_set_new(o, "ppid", json_integer(k->ppid));
	json_object_set_new(o, "pgid", json_integer(k->pgid));
	json_object_set_new(o, "sid", json_integer(k->sid));
	json_object_set_new(o, "comm", k->comm ? json_string(k->comm) : json_null());
	json_object_set_new(o, "state", json_string(crit_task_state_name(k->state)));
	if (ins_task_is_dead(k))
		json_object_set_new(o, "exit_code", json_integer(k->exit_code));
	for (size_t j = 0; j < k->n_threads; j++)
		json_array_append_new(th, json_integer(k->threads[j]));
	json_object_set_new(o, "threads", th);
	for (size_t j = 0; j < k->n_kids && depth < t->n; j++)
		json_array_append_new(kids, ps_node(t, k->kids[j], depth + 1));
	json_object_set_new(o, "children", kids);
	return o;
}

static int ps_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	const struct ins_pstree *t;
	int r = ins_pstree(c, &t, err);

	if (r < 0)
		return r;
	*ret = json_array();
	for (size_t i = 0; i < t->n; i++)
		if (t->tasks[i].parent < 0)
			json_array_append_new(*ret, ps_node(t, i, 0));
	return 0;
}

/* ---- fds ---------------------------------------------------------------- */

static int fds_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	struct ins_fds *fds = NULL;
	int r = ins_fds(c, &fds, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < fds->n; i++) {
		const struct ins_task_fds *t = &fds->tasks[i];

		fprintf(f, "%u\n", t->pid);
		if (t->dead) {
			fprintf(f, "\t(dead task: no files)\n");
			continue;
		}
		for (size_t j = 0; j < t->n; j++)
			fprintf(f, "\t%7u: %s\n", t->fds[j].fd, t->fds[j].name);
		if (t->cwd)
			fprintf(f, "\t%7s: %s\n\t%7s: %s\n", "cwd", t->cwd, "root", t->root);
	}
	ins_fds_free(fds);
	return 0;
}

static int fds_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	struct ins_fds *fds = NULL;
	int r = ins_fds(c, &fds, err);

	if (r < 0)
		return r;
	*ret = json_array();
	for (size_t i = 0; i < fds->n; i++) {
		const struct ins_task_fds *t = &fds->tasks[i];
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "pid", json_integer(t->pid));
		json_object_set_new(o, "dead", json_boolean(t->dead));
		for (size_t j = 0; j < t->n; j++) {
			const struct ins_fd *d = &t->fds[j];
			const char *tn = ins_fd_type_name(d->type);
			json_t *e = json_object();

			json_object_set_new(e, "fd", json_integer(d->fd));
			json_object_set_new(e, "type", tn ? json_string(tn) : json_integer(d->type));
			json_object_set_new(e, "id", json_integer(d->id));
			json_object_set_new(e, "flags", json_integer(d->flags));
			json_object_set_new(e, "name", json_string(d->name));
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "fds", a);
		json_object_set_new(o, "cwd", t->cwd ? json_string(t->cwd) : json_null());
		json_object_set_new(o, "root", t->root ? json_string(t->root) : json_null());
		json_array_append_new(*ret, o);
	}
	ins_fds_free(fds);
	return 0;
}

/* ---- mems --------------------------------------------------------------- */

/* Lower-case hex of v, at least `width` digits (printf's %0*llx); returns the end. */
static char *put_hex(char *p, uint64_t v, int width)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* crit's description of a VMA after the protection string; buf must hold
 * strlen(v->name) + 64. */
static char *vma_desc(const struct ins_vma *v, char *p)
{
	switch (v->kind) {
	case INS_VMA_K_SYSV:
		p = put_hex(put_str(p, " ips["), v->vid, 1);
		*p++ = ']';
		break;
	case INS_VMA_K_SHMEM:
		p = put_hex(put_str(p, " shmem["), v->vid, 1);
		*p++ = ']';
		break;
	case INS_VMA_K_PACKET:
		p = put_hex(put_str(p, " packet["), v->vid, 1);
		*p++ = ']';
		break;
	case INS_VMA_K_FILE:
		*p++ = ' ';
		p = put_str(p, v->name);
		if (v->pgoff)
			p = put_hex(put_str(p, " + 0x"), v->pgoff, 1);
		if (v->shared)
			p = put_str(p, " (s)");
		break;
	case INS_VMA_K_STACK:
		p = put_str(p, " [stack]");
		break;
	case INS_VMA_K_VSYSCALL:
		p = put_str(p, " [vsyscall]");
		break;
	case INS_VMA_K_VDSO:
		p = put_str(p, " [vdso]");
		break;
	case INS_VMA_K_STACK_GUESS:
		p = put_str(p, " [stack?]");
		break;
	case INS_VMA_K_ANON:
		break;
	}
	if (!v->regular)
		p = put_str(p, " *");
	return p;
}

static void prot_str(uint32_t prot, char out[4])
{
	out[0] = prot & 1 ? 'r' : '-';
	out[1] = prot & 2 ? 'w' : '-';
	out[2] = prot & 4 ? 'x' : '-';
	out[3] = 0;
}

/* "\t%-36s%s%s\n" % ("%08lx-%08lx" % (start, end), prot, desc) */
static void vma_line(FILE *f, const struct ins_vma *v, char **buf, size_t *cap)
{
	size_t need = (v->name ? strlen(v->name) : 0) + 128;
	char *p, *a;

	if (*cap < need) {
		*buf = xrealloc(*buf, need);
		*cap = need;
	}
	p = *buf;
	*p++ = '\t';
	a = p;
	p = put_hex(p, v->start, 8);
	*p++ = '-';
	p = put_hex(p, v->end, 8);
	while (p - a < 36)
		*p++ = ' ';
	prot_str(v->prot, p);
	p = vma_desc(v, p + 3);
	*p++ = '\n';
	fwrite(*buf, 1, p - *buf, f);
}

static int mems_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	struct ins_mms *m = NULL;
	char *buf = NULL;
	size_t cap = 0;
	int r = ins_mems(c, &m, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n; i++) {
		const struct ins_task_mm *t = &m->tasks[i];

		fprintf(f, "%u\n", t->pid);
		if (t->dead) {
			fprintf(f, "\t(dead task: no memory)\n");
			continue;
		}
		fprintf(f, "\t%-36s    %s\n", "exe", t->exe);
		for (size_t j = 0; j < t->n; j++)
			vma_line(f, &t->vmas[j], &buf, &cap);
	}
	free(buf);
	ins_mms_free(m);
	return 0;
}

static const char *const vma_kinds[] = {
	[INS_VMA_K_ANON] = "anon",	[INS_VMA_K_FILE] = "file",
	[INS_VMA_K_SHMEM] = "shmem",	[INS_VMA_K_SYSV] = "sysv-shm",
	[INS_VMA_K_PACKET] = "packet",	[INS_VMA_K_STACK] = "stack",
	[INS_VMA_K_VSYSCALL] = "vsyscall", [INS_VMA_K_VDSO] = "vdso",
	[INS_VMA_K_STACK_GUESS] = "stack?",
};

static int mems_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	struct ins_mms *m = NULL;
	int r = ins_mems(c, &m, err);

	if (r >= 0)
		r = ins_mems_count_dumped(c, m, err);
	if (r < 0) {
		ins_mms_free(m);
		return r;
	}
	*ret = json_array();
	for (size_t i = 0; i < m->n; i++) {
		const struct ins_task_mm *t = &m->tasks[i];
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "pid", json_integer(t->pid));
		json_object_set_new(o, "dead", json_boolean(t->dead));
		json_object_set_new(o, "exe", t->exe ? json_string(t->exe) : json_null());
		for (size_t j = 0; j < t->n; j++) {
			const struct ins_vma *v = &t->vmas[j];
			json_t *e = json_object();
			char p[4];

			prot_str(v->prot, p);
			json_object_set_new(e, "start", crit_json_hex(v->start));
			json_object_set_new(e, "end", crit_json_hex(v->end));
			json_object_set_new(e, "prot", json_string(p));
			json_object_set_new(e, "kind", json_string(vma_kinds[v->kind]));
			if (v->memfd)
				json_object_set_new(e, "memfd", json_string(v->memfd));
			else if (v->name)
				json_object_set_new(e, "name", json_string(v->name));
			if (v->kind == INS_VMA_K_FILE) {
				json_object_set_new(e, "pgoff", crit_json_hex(v->pgoff));
				json_object_set_new(e, "shared", json_boolean(v->shared));
			}
			if (v->vid)
				json_object_set_new(e, "shmid", json_integer(v->shmid));
			json_object_set_new(e, "status", crit_json_hex(v->status));
			json_object_set_new(e, "regular", json_boolean(v->regular));
			json_object_set_new(e, "pages_dumped", json_integer(v->pages_dumped));
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "vmas", a);
		json_array_append_new(*ret, o);
	}
	ins_mms_free(m);
	return 0;
}

/* ---- rss ---------------------------------------------------------------- */

static int rss_load(struct ins_ckpt *c, struct ins_mms **mms, struct ins_rss **rss,
		    struct cr_error **err)
{
	int r = ins_mems(c, mms, err);

	if (r < 0)
		return r;
	r = ins_rss(c, *mms, rss, err);
	if (r < 0)
		*mms = ins_mms_free(*mms);
	return r;
}

/* Decimal of v left-aligned in `width` columns (printf's %-*llu). */
static char *put_dec_left(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0, w = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n) {
		*p++ = tmp[--n];
		w++;
	}
	while (w++ < width)
		*p++ = ' ';
	return p;
}

/* crit: '%-24s%s' % ('\t%lx / %-8d' % (vaddr, n), ' %08lx / %-8d name' or ' ~', each + '\n\t' + 23 spaces) */
static void rss_row_text(FILE *f, const struct ins_task_rss *t, const struct ins_rss_row *row,
			 char **buf, size_t *cap)
{
	size_t need = 64;
	char *p, *s;

	for (size_t k = 0; k < row->n_refs; k++) {
		const struct ins_vma *v = &t->vmas[row->refs[k].vma];
		need += 96 + (v->name ? strlen(v->name) : 16);
	}
	if (*cap < need) {
		*buf = xrealloc(*buf, need);
		*cap = need;
	}
	p = s = *buf;
	*p++ = '\t';
	p = put_hex(p, row->vaddr, 1);
	p = put_str(p, " / ");
	p = put_dec_left(p, row->nr_pages, 8);
	while (p - s < 24)
		*p++ = ' ';
	for (size_t k = 0; k < row->n_refs; k++) {
		const struct ins_vma *v = &t->vmas[row->refs[k].vma];

		if (row->refs[k].repeat) {
			p = put_str(p, " ~");
		} else {
			*p++ = ' ';
			p = put_hex(p, v->start, 8);
			p = put_str(p, " / ");
			p = put_dec_left(p, (v->end - v->start) >> 12, 8);
			if (v->status & (INS_VMA_FILE_PRIVATE | INS_VMA_FILE_SHARED)) {
				*p++ = ' ';
				p = put_str(p, v->name ? v->name : "unknown path");
			}
		}
		p = put_str(p, "\n\t                       ");
	}
	*p++ = '\n';
	fwrite(s, 1, p - s, f);
}

static int rss_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	struct ins_mms *mms = NULL;
	struct ins_rss *rss = NULL;
	char *buf = NULL;
	size_t cap = 0;
	int r = rss_load(c, &mms, &rss, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < rss->n; i++) {
		const struct ins_task_rss *t = &rss->tasks[i];

		fprintf(f, "%u\n", t->pid);
		if (t->dead)
			fprintf(f, "\t(dead task: no memory)\n");
		for (size_t j = 0; j < t->n; j++)
			rss_row_text(f, t, &t->rows[j], &buf, &cap);
	}
	free(buf);
	ins_rss_free(rss);
	ins_mms_free(mms);
	return 0;
}

static int rss_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	struct ins_mms *mms = NULL;
	struct ins_rss *rss = NULL;
	int r = rss_load(c, &mms, &rss, err);

	if (r < 0)
		return r;
	*ret = json_array();
	for (size_t i = 0; i < rss->n; i++) {
		const struct ins_task_rss *t = &rss->tasks[i];
		json_t *o = json_object(), *a = json_array();

		json_object_set_new(o, "pid", json_integer(t->pid));
		json_object_set_new(o, "dead", json_boolean(t->dead));
		json_object_set_new(o, "pages_present", json_integer(t->pages_present));
		json_object_set_new(o, "pages_parent", json_integer(t->pages_parent));
		json_object_set_new(o, "pages_lazy", json_integer(t->pages_lazy));
		for (size_t j = 0; j < t->n; j++) {
			const struct ins_rss_row *row = &t->rows[j];
			json_t *e = json_object(), *v = json_array();

			json_object_set_new(e, "vaddr", crit_json_hex(row->vaddr));
			json_object_set_new(e, "nr_pages", json_integer(row->nr_pages));
			json_object_set_new(e, "flags", json_string(crit_pe_flags(row->flags)));
			for (size_t k = 0; k < row->n_refs; k++)
				json_array_append_new(v, crit_json_hex(t->vmas[row->refs[k].vma].start));
			json_object_set_new(e, "vmas", v);
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "pagemap", a);
		json_array_append_new(*ret, o);
	}
	ins_rss_free(rss);
	ins_mms_free(mms);
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

/* ---- sk ------------------------------------------------------------------ */

static const char *or_num(const char *name, uint32_t v, char *buf, size_t sz)
{
	if (name)
		return name;
	snprintf(buf, sz, "%u", v);
	return buf;
}

/* NETLINK_* protocols by number, for the TYPE column of netlink sockets */
static const char *netlink_proto_name(uint32_t p)
{
	static const char *const names[] = {
		[0] = "ROUTE", [2] = "USERSOCK", [3] = "FIREWALL", [4] = "SOCK_DIAG", [5] = "NFLOG",
		[6] = "XFRM", [7] = "SELINUX", [8] = "ISCSI", [9] = "AUDIT", [10] = "FIB_LOOKUP",
		[11] = "CONNECTOR", [12] = "NETFILTER", [13] = "IP6_FW", [14] = "DNRTMSG",
		[15] = "KOBJECT_UEVENT", [16] = "GENERIC", [18] = "SCSITRANSPORT", [19] = "ECRYPTFS",
		[20] = "RDMA", [21] = "CRYPTO", [22] = "SMC",
	};

	return p < sizeof(names) / sizeof(names[0]) ? names[p] : NULL;
}

static char *sk_addr(const struct ins_sk *k, const char *a, uint32_t port)
{
	if (k->family == 10)
		return xasprintf("[%s]:%u", a ? a : "", port);
	return xasprintf("%s:%u", a ? a : "", port);
}

/* "LOCAL -> REMOTE" or the unix/netlink equivalent. */
static char *sk_where(const struct ins_sk *k)
{
	switch (k->kind) {
	case INS_SK_UNIX:
		return xasprintf("ino %u%s%s peer %u", k->ino, k->src && k->src[0] ? " " : "",
				 k->src ? k->src : "", k->peer);
	case INS_SK_INET: {
		_cleanup_free_ char *l = sk_addr(k, k->src, k->src_port);
		_cleanup_free_ char *r = sk_addr(k, k->dst, k->dst_port);
		return xasprintf("%s -> %s", l, r);
	}
	case INS_SK_NETLINK:
		return xasprintf("portid %u -> %u", k->src_port, k->dst_port);
	default:
		return xasprintf("proto 0x%x", k->proto);
	}
}

static int sk_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	struct ins_sks *s = NULL;
	int r = ins_sockets(c, &s, err);

	if (r < 0)
		return r;
	fprintf(f, "%7s %5s  %-7s %-9s %-11s  %s\n", "PID", "FD", "FAMILY", "TYPE", "STATE",
		"ADDRESS");
	for (size_t i = 0; i < s->n; i++) {
		const struct ins_sk *k = &s->sks[i];
		_cleanup_free_ char *w = sk_where(k);
		char b1[16], b2[16], b3[16];

		bool nl = k->kind == INS_SK_NETLINK;

		/* a netlink socket has no type of its own to show: its protocol instead */
		fprintf(f, "%7u %5u  %-7s %-9s %-11s  %s", k->pid, k->fd,
			or_num(ins_sk_family_name(k->family), k->family, b1, sizeof(b1)),
			nl ? or_num(netlink_proto_name(k->proto), k->proto, b2, sizeof(b2))
			   : or_num(ins_sk_type_name(k->type), k->type, b2, sizeof(b2)),
			k->kind == INS_SK_PACKET ? "-" :
			nl ? (k->state ? "CONNECTED" : "-") :
			or_num(ins_sk_state_name(k->state), k->state, b3, sizeof(b3)), w);
		if (k->inq || k->outq)
			fprintf(f, "  inq %llu outq %llu", (unsigned long long)k->inq,
				(unsigned long long)k->outq);
		if (k->n_queued)
			fprintf(f, "  queued %llu bytes in %llu packets", (unsigned long long)k->queued,
				(unsigned long long)k->n_queued);
		fputc('\n', f);
	}
	ins_sks_free(s);
	return 0;
}

static void set_name(json_t *o, const char *key, const char *name, uint32_t v)
{
	json_object_set_new(o, key, name ? json_string(name) : json_integer(v));
}

static int sk_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	struct ins_sks *s = NULL;
	int r = ins_sockets(c, &s, err);

	if (r < 0)
		return r;
	*ret = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct ins_sk *k = &s->sks[i];
		json_t *o = json_object();

		json_object_set_new(o, "pid", json_integer(k->pid));
		json_object_set_new(o, "fd", json_integer(k->fd));
		json_object_set_new(o, "id", json_integer(k->id));
		json_object_set_new(o, "ino", json_integer(k->ino));
		set_name(o, "family", ins_sk_family_name(k->family), k->family);
		set_name(o, "type", ins_sk_type_name(k->type), k->type);
		if (k->kind != INS_SK_PACKET)
			set_name(o, "state", ins_sk_state_name(k->state), k->state);
		if (k->kind == INS_SK_INET)
			set_name(o, "proto", ins_sk_proto_name(k->proto), k->proto);
		else
			json_object_set_new(o, "proto", json_integer(k->proto));
		if (k->kind == INS_SK_UNIX) {
			json_object_set_new(o, "name", json_string(k->src ? k->src : ""));
			json_object_set_new(o, "peer", json_integer(k->peer));
		}
		if (k->kind == INS_SK_INET) {
			json_object_set_new(o, "src", json_string(k->src ? k->src : ""));
			json_object_set_new(o, "src_port", json_integer(k->src_port));
			json_object_set_new(o, "dst", json_string(k->dst ? k->dst : ""));
			json_object_set_new(o, "dst_port", json_integer(k->dst_port));
			json_object_set_new(o, "inq", json_integer(k->inq));
			json_object_set_new(o, "outq", json_integer(k->outq));
		}
		if (k->kind == INS_SK_NETLINK) {
			json_object_set_new(o, "portid", json_integer(k->src_port));
			json_object_set_new(o, "dst_portid", json_integer(k->dst_port));
		}
		json_object_set_new(o, "backlog", json_integer(k->backlog));
		json_object_set_new(o, "queued_bytes", json_integer(k->queued));
		json_object_set_new(o, "queued_packets", json_integer(k->n_queued));
		json_array_append_new(*ret, o);
	}
	ins_sks_free(s);
	return 0;
}

/* ---- cmdline / env --------------------------------------------------------- */

/* Shell-quote a word when it needs it. */
static void put_word(FILE *f, const char *w)
{
	if (*w && !w[strcspn(w, " \t\n'\"\\$`|&;<>()*?[]#~!{}")]) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	}
	fputc('\'', f);
}

static int args_text(struct ins_ckpt *c, FILE *f, bool env, struct cr_error **err)
{
	struct ins_args *a = NULL;
	int r = ins_args(c, &a, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < a->n; i++) {
		const struct ins_task_args *t = &a->tasks[i];
		char **v = env ? t->env : t->argv;
		size_t n = env ? t->envc : t->argc;

		fprintf(f, env ? "%u\n" : "%7u  ", t->pid);
		if (t->dead || t->error) {
			fprintf(f, "%s(%s)\n", env ? "\t" : "", t->dead ? "dead task" : t->error);
			continue;
		}
		for (size_t j = 0; j < n; j++) {
			if (env) {
				fprintf(f, "\t%s\n", v[j]);
				continue;
			}
			if (j)
				fputc(' ', f);
			put_word(f, v[j]);
		}
		if (!env)
			fputc('\n', f);
	}
	ins_args_free(a);
	return 0;
}

static int args_json(struct ins_ckpt *c, json_t **ret, bool env, struct cr_error **err)
{
	struct ins_args *a = NULL;
	int r = ins_args(c, &a, err);

	if (r < 0)
		return r;
	*ret = json_array();
	for (size_t i = 0; i < a->n; i++) {
		const struct ins_task_args *t = &a->tasks[i];
		char **v = env ? t->env : t->argv;
		size_t n = env ? t->envc : t->argc;
		json_t *o = json_object(), *l = json_array();

		json_object_set_new(o, "pid", json_integer(t->pid));
		json_object_set_new(o, "dead", json_boolean(t->dead));
		if (t->error)
			json_object_set_new(o, "error", json_string(t->error));
		for (size_t j = 0; j < n; j++)
			json_array_append_new(l, json_stringn(v[j], strlen(v[j])) ?:
						       json_string("(not utf-8)"));
		json_object_set_new(o, env ? "env" : "argv", l);
		json_array_append_new(*ret, o);
	}
	ins_args_free(a);
	return 0;
}

static int cmdline_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	return args_text(c, f, false, err);
}

static int env_text(struct ins_ckpt *c, FILE *f, struct cr_error **err)
{
	return args_text(c, f, true, err);
}

static int cmdline_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	return args_json(c, ret, false, err);
}

static int env_json(struct ins_ckpt *c, json_t **ret, struct cr_error **err)
{
	return args_json(c, ret, true, err);
}

static const struct x_view views[] = {
	{ "ps", ps_text, ps_json },
	{ "fds", fds_text, fds_json },
	{ "mems", mems_text, mems_json },
	{ "rss", rss_text, rss_json },
	{ "sk", sk_text, sk_json },
	{ "cmdline", cmdline_text, cmdline_json },
	{ "env", env_text, env_json },
};

static int run_x(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct x_view *v = NULL;
	struct ins_ckpt *c = NULL;
	bool json = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'h':
			crit_usage(self);
			return 0;
		default:
			return CRIT_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: crit %s %s\n", self->name, self->args);
		return CRIT_EXIT_USAGE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(views); i++)
		if (!strcmp(argv[optind + 1], views[i].name))
			v = &views[i];
	if (!v) {
		fprintf(stderr, "crit x: unknown view '%s' (ps, fds, mems, rss, sk, cmdline, env)\n",
			argv[optind + 1]);
		return CRIT_EXIT_USAGE;
	}
	r = crit_open_ckpt(argv[optind], &c, err);
	if (r < 0)
		return r;
	if (json) {
		json_t *j = NULL;
		r = v->json(c, &j, err);
		if (r < 0)
			cr_err_wrap(err, "%s", argv[optind]);
		if (r >= 0)
			r = crit_json_print(stdout, j, err);
		json_decref(j);
	} else {
		crit_out_begin(stdout);
		r = v->text(c, stdout, err);
		if (r < 0)
			cr_err_wrap(err, "%s", argv[optind]);
		if (r >= 0)
			r = crit_out_end(stdout, err);
	}
	ins_ckpt_free(c);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_x = {
	.name = "x",
	.run = run_x,
	.args = "[--json] DIR {ps,fds,mems,rss,sk,cmdline,env}",
	.help = "explore image dir",
};
