// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit inspect DIR|ARCHIVE [--json]: one tree view of a checkpoint: the
 * container (for podman/CRI-O checkpoints), the process tree with command
 * lines, fds, sockets and memory sizes, namespaces, mounts, and dump
 * statistics.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "crit.h"
#include "crit-out.h"
#include "inspect.h"
#include "xalloc.h"

struct view {
	struct ins_bundle *b;
	const struct ins_pstree *pt;
	struct ins_fds *fds;
	struct ins_mms *mms;
	struct ins_sks *sks;
	struct ins_args *args;
	struct ins_mounts *mounts;
	struct ins_nss *nss;
	struct ins_stats stats;
};

static void view_clear(struct view *v)
{
	ins_fds_free(v->fds);
	ins_mms_free(v->mms);
	ins_sks_free(v->sks);
	ins_args_free(v->args);
	ins_mounts_free(v->mounts);
	ins_nss_free(v->nss);
	ins_stats_clear(&v->stats);
	ins_bundle_free(v->b);
}

static int view_load(struct view *v, const char *path, struct cr_error **err)
{
	struct ins_ckpt *c;
	int r;

	r = ins_bundle_open(path, &v->b, err);
	if (r < 0)
		return r;
	c = v->b->ckpt;
	crit_ckpt_use_convert_pages(c);
	if ((r = ins_pstree(c, &v->pt, err)) < 0 || (r = ins_fds(c, &v->fds, err)) < 0 ||
	    (r = ins_mems(c, &v->mms, err)) < 0 ||
	    (r = ins_mems_count_dumped(c, v->mms, err)) < 0 || (r = ins_sockets(c, &v->sks, err)) < 0 ||
	    (r = ins_args(c, &v->args, err)) < 0 || (r = ins_mounts(c, &v->mounts, err)) < 0 ||
	    (r = ins_namespaces(c, &v->nss, err)) < 0 || (r = ins_stats(c, &v->stats, err)) < 0)
		return r;
	return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void sizes(const struct ins_task_mm *t, uint64_t *mapped, uint64_t *dumped)
{
	*mapped = *dumped = 0;
	for (size_t i = 0; i < t->n; i++) {
		*mapped += t->vmas[i].end - t->vmas[i].start;
		*dumped += t->vmas[i].pages_dumped * INS_PAGE_SIZE;
	}
}

/* ---- text ----------------------------------------------------------------- */

static void text_container(const struct view *v)
{
	const json_t *cfg = v->b->config, *spec = v->b->spec;
	const char *id = jstr(cfg, "id");

	printf("container:\n");
	printf("  name:     %s\n", jstr(cfg, "name") ? jstr(cfg, "name") : "?");
	printf("  id:       %.12s\n", id ? id : "?");
	if (jstr(cfg, "rootfsImageName"))
		printf("  image:    %s\n", jstr(cfg, "rootfsImageName"));
	if (jstr(cfg, "createdTime"))
		printf("  created:  %s\n", jstr(cfg, "createdTime"));
	if (jstr(cfg, "runtime"))
		printf("  runtime:  %s\n", jstr(cfg, "runtime"));
	const json_t *args = json_object_get(json_object_get(spec, "process"), "args");
	if (json_is_array(args)) {
		size_t i;
		json_t *a;
		printf("  command: ");
		json_array_foreach(args, i, a)
			printf(" %s", json_string_value(a) ? json_string_value(a) : "?");
		printf("\n");
	}
	if (jstr(spec, "hostname"))
		printf("  hostname: %s\n", jstr(spec, "hostname"));
	printf("  rootfs changes: %s\n", v->b->has_rootfs_diff ? "rootfs-diff.tar" : "none");
	if (json_is_array(v->b->deleted))
		printf("  deleted files: %zu\n", json_array_size(v->b->deleted));
}

static const struct ins_task_args *targs(const struct view *v, uint32_t pid)
{
	for (size_t i = 0; i < v->args->n; i++)
		if (v->args->tasks[i].pid == pid)
			return &v->args->tasks[i];
	return NULL;
}

static void text_task(const struct view *v, size_t idx)
{
	const struct ins_task *k = &v->pt->tasks[idx];
	const struct ins_task_args *a = targs(v, k->pid);
	int ind = 2 + 4 * k->depth;
	char b1[32], b2[32];

	printf("%*s%u %s [%s]", ind, "", k->pid, k->comm ? k->comm : "?",
	       crit_task_state_name(k->state));
	if (a && a->argc) {
		putchar(' ');
		for (size_t i = 0; i < a->argc; i++)
			printf("%s%s", i ? " " : "", a->argv[i]);
	}
	putchar('\n');
	if (k->n_threads > 1)
		printf("%*s  threads: %zu\n", ind, "", k->n_threads);
	const struct ins_task_mm *tm = &v->mms->tasks[idx];
	if (!tm->dead) {
		uint64_t mapped, dumped;
		sizes(tm, &mapped, &dumped);
		printf("%*s  memory: %zu vmas, %s mapped, %s dumped\n", ind, "", tm->n,
		       crit_size(mapped, b1, sizeof(b1)), crit_size(dumped, b2, sizeof(b2)));
	}
	const struct ins_task_fds *tf = &v->fds->tasks[idx];
	if (!tf->dead) {
		printf("%*s  fds:", ind, "");
		for (size_t i = 0; i < tf->n; i++)
			printf("%s %u=%s", i ? "," : "", tf->fds[i].fd, tf->fds[i].name);
		printf("%s\n", tf->n ? "" : " none");
		if (tf->cwd)
			printf("%*s  cwd: %s  root: %s\n", ind, "", tf->cwd, tf->root);
	}
	for (size_t i = 0; i < v->sks->n; i++) {
		const struct ins_sk *s = &v->sks->sks[i];
		const char *f = ins_sk_family_name(s->family), *st = ins_sk_state_name(s->state);
		if (s->pid != k->pid)
			continue;
		printf("%*s  socket fd %u: %s %s", ind, "", s->fd, f ? f : "?", st ? st : "-");
		if (s->kind == INS_SK_INET)
			printf(" %s:%u -> %s:%u", s->src, s->src_port, s->dst, s->dst_port);
		else if (s->kind == INS_SK_UNIX)
			printf(" %s peer %u", s->src && s->src[0] ? s->src : "(unnamed)", s->peer);
		putchar('\n');
	}
}

static void text_map(const char *what, const struct ins_id_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf(", %s %u->%u (%u)", what, m[i].first, m[i].lower_first, m[i].count);
}

static void text_ns(const struct ins_ns *ns)
{
	printf("  %s %u: %zu task%s", ins_ns_kind_name(ns->kind), ns->id, ns->n_tasks,
	       ns->n_tasks == 1 ? "" : "s");
	switch (ns->kind) {
	case INS_NS_UTS:
		if (ns->hostname)
			printf(", hostname %s, domain %s", ns->hostname, ns->domainname);
		break;
	case INS_NS_USER:
		text_map("uid", ns->uid_map, ns->n_uid_map);
		text_map("gid", ns->gid_map, ns->n_gid_map);
		break;
	case INS_NS_IPC:
		if (ns->dumped)
			printf(", %zu shm, %zu msg queues, %zu sem sets", ns->n_shm, ns->n_msg_queues,
			       ns->n_sem_sets);
		break;
	case INS_NS_MNT:
		if (ns->dumped)
			printf(", %zu mounts", ns->n_mounts);
		break;
	case INS_NS_NET:
		if (ns->dumped)
			printf(", %zu links", ns->n_links);
		else if (ns->own)
			printf(", not dumped (restored empty)");
		for (size_t i = 0; i < ns->n_net_raw; i++)
			printf("%s%s", i ? " " : ", raw: ", ns->net_raw[i]);
		break;
	default:
		break;
	}
	putchar('\n');
}

/* The checkpoint's own namespaces in full; inherited ones (the dumper's) on one line. */
static void text_nss(const struct ins_nss *s)
{
	size_t own = 0, k = 0;

	for (size_t i = 0; i < s->n; i++)
		own += s->v[i].own;
	if (!own) {
		printf("namespaces: none of its own (%zu inherited)\n", s->n);
		return;
	}
	printf("namespaces: %zu of its own\n", own);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].own)
			text_ns(&s->v[i]);
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].own)
			printf("%s%s %u", k++ ? ", " : "  inherited: ", ins_ns_kind_name(s->v[i].kind),
			       s->v[i].id);
	if (k)
		putchar('\n');
}

static void text_view(const struct view *v)
{
	const struct ins_bundle *b = v->b;
	char b1[32];

	printf("checkpoint: %s (%s)\n", b->path, b->kind);
	if (b->config || b->spec)
		text_container(v);
	printf("processes: %zu\n", v->pt->n);
	for (size_t i = 0; i < v->pt->n_order; i++)
		text_task(v, v->pt->order[i]);
	text_nss(v->nss);
	printf("mounts: %zu\n", v->mounts->n);
	for (size_t i = 0; i < v->mounts->n; i++) {
		const struct ins_mount *m = &v->mounts->v[i];
		printf("  %s %s %s%s%s%s%s\n", m->mountpoint ? m->mountpoint : "?", m->fstype,
		       m->source ? m->source : "", m->root && strcmp(m->root, "/") ? " root=" : "",
		       m->root && strcmp(m->root, "/") ? m->root : "", m->ext_key ? " external=" : "",
		       m->ext_key ? m->ext_key : "");
	}
	if (v->stats.dump && v->stats.dump->dump) {
		const DumpStatsEntry *d = v->stats.dump->dump;
		printf("dump: frozen %.2f ms, %llu pages written (%s), %llu scanned\n",
		       d->frozen_time / 1e3, (unsigned long long)d->pages_written,
		       crit_size(d->pages_written * INS_PAGE_SIZE, b1, sizeof(b1)),
		       (unsigned long long)d->pages_scanned);
	}
	if (v->stats.restore && v->stats.restore->restore)
		printf("restore: %.2f ms\n", v->stats.restore->restore->restore_time / 1e3);
}

/* ---- json ----------------------------------------------------------------- */

static json_t *json_task(const struct view *v, size_t idx)
{
	const struct ins_task *k = &v->pt->tasks[idx];
	const struct ins_task_args *a = targs(v, k->pid);
	const struct ins_task_mm *tm = &v->mms->tasks[idx];
	const struct ins_task_fds *tf = &v->fds->tasks[idx];
	json_t *o = json_object(), *kids = json_array(), *fds = json_array(), *argv = json_array();
	json_t *sks = json_array();

	json_object_set_new(o, "pid", json_integer(k->pid));
	json_object_set_new(o, "comm", k->comm ? json_string(k->comm) : json_null());
	json_object_set_new(o, "state", json_string(crit_task_state_name(k->state)));
	json_object_set_new(o, "threads", json_integer(k->n_threads));
	for (size_t i = 0; a && i < a->argc; i++)
		json_array_append_new(argv, json_string(a->argv[i]) ?: json_string("?"));
	json_object_set_new(o, "argv", argv);
	if (!tm->dead) {
		uint64_t mapped, dumped;
		sizes(tm, &mapped, &dumped);
		json_object_set_new(o, "vmas", json_integer(tm->n));
		json_object_set_new(o, "mapped_bytes", json_integer(mapped));
		json_object_set_new(o, "dumped_bytes", json_integer(dumped));
	}
	for (size_t i = 0; i < tf->n; i++) {
		json_t *f = json_object();
		json_object_set_new(f, "fd", json_integer(tf->fds[i].fd));
		json_object_set_new(f, "name", json_string(tf->fds[i].name));
		json_array_append_new(fds, f);
	}
	json_object_set_new(o, "fds", fds);
	for (size_t i = 0; i < v->sks->n; i++)
		if (v->sks->sks[i].pid == k->pid)
			json_array_append_new(sks, json_integer(v->sks->sks[i].fd));
	json_object_set_new(o, "socket_fds", sks);
	for (size_t i = 0; i < k->n_kids; i++)
		json_array_append_new(kids, json_task(v, k->kids[i]));
	json_object_set_new(o, "children", kids);
	return o;
}

static json_t *json_map(const struct ins_id_map *m, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "first", json_integer(m[i].first));
		json_object_set_new(e, "lower_first", json_integer(m[i].lower_first));
		json_object_set_new(e, "count", json_integer(m[i].count));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *json_ns(const struct ins_ns *ns)
{
	json_t *e = json_object();

	json_object_set_new(e, "kind", json_string(ins_ns_kind_name(ns->kind)));
	json_object_set_new(e, "id", json_integer(ns->id));
	json_object_set_new(e, "own", json_boolean(ns->own));
	json_object_set_new(e, "tasks", json_integer(ns->n_tasks));
	json_object_set_new(e, "dumped", json_boolean(ns->dumped));
	if (ns->kind == INS_NS_UTS && ns->hostname) {
		json_object_set_new(e, "hostname", json_string(ns->hostname));
		json_object_set_new(e, "domainname", json_string(ns->domainname));
	} else if (ns->kind == INS_NS_USER && ns->dumped) {
		json_object_set_new(e, "uid_map", json_map(ns->uid_map, ns->n_uid_map));
		json_object_set_new(e, "gid_map", json_map(ns->gid_map, ns->n_gid_map));
	} else if (ns->kind == INS_NS_IPC && ns->dumped) {
		json_object_set_new(e, "shm", json_integer(ns->n_shm));
		json_object_set_new(e, "msg_queues", json_integer(ns->n_msg_queues));
		json_object_set_new(e, "sem_sets", json_integer(ns->n_sem_sets));
	} else if (ns->kind == INS_NS_MNT && ns->dumped) {
		json_object_set_new(e, "mounts", json_integer(ns->n_mounts));
	} else if (ns->kind == INS_NS_NET) {
		json_t *raw = json_array();
		json_object_set_new(e, "links", json_integer(ns->n_links));
		for (size_t i = 0; i < ns->n_net_raw; i++)
			json_array_append_new(raw, json_string(ns->net_raw[i]));
		json_object_set_new(e, "raw_images", raw);
	}
	return e;
}

static json_t *json_view(const struct view *v)
{
	json_t *o = json_object(), *tasks = json_array(), *mounts = json_array();

	json_object_set_new(o, "path", json_string(v->b->path));
	json_object_set_new(o, "kind", json_string(v->b->kind));
	if (v->b->config) {
		json_t *c = json_object();
		const char *keys[] = { "name", "id", "rootfsImageName", "createdTime", "runtime" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (jstr(v->b->config, keys[i]))
				json_object_set_new(c, keys[i], json_string(jstr(v->b->config, keys[i])));
		json_object_set(c, "args",
				json_object_get(json_object_get(v->b->spec, "process"), "args") ?: json_null());
		json_object_set_new(c, "rootfs_diff", json_boolean(v->b->has_rootfs_diff));
		json_object_set_new(o, "container", c);
	}
	for (size_t i = 0; i < v->pt->n; i++)
		if (v->pt->tasks[i].parent < 0)
			json_array_append_new(tasks, json_task(v, i));
	json_object_set_new(o, "processes", tasks);
	for (size_t i = 0; i < v->mounts->n; i++) {
		const struct ins_mount *m = &v->mounts->v[i];
		json_t *e = json_object();
		json_object_set_new(e, "mountpoint", json_string(m->mountpoint ? m->mountpoint : ""));
		json_object_set_new(e, "fstype", json_string(m->fstype));
		json_object_set_new(e, "source", json_string(m->source ? m->source : ""));
		json_object_set_new(e, "root", json_string(m->root ? m->root : ""));
		if (m->ext_key)
			json_object_set_new(e, "external", json_string(m->ext_key));
		json_array_append_new(mounts, e);
	}
	json_object_set_new(o, "mounts", mounts);
	json_t *nss = json_array();
	for (size_t i = 0; i < v->nss->n; i++)
		json_array_append_new(nss, json_ns(&v->nss->v[i]));
	json_object_set_new(o, "namespaces", nss);
	if (v->stats.dump && v->stats.dump->dump) {
		json_t *s = json_object();
		json_object_set_new(s, "frozen_time_us", json_integer(v->stats.dump->dump->frozen_time));
		json_object_set_new(s, "pages_written", json_integer(v->stats.dump->dump->pages_written));
		json_object_set_new(o, "dump_stats", s);
	}
	return o;
}

static int run_inspect(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	struct view v = { 0 };
	bool json = false;
	int r;

	r = crit_parse_json_args(self, argc, argv, 1, &json);
	if (r != 0)
		return r > 0 ? 0 : CRIT_EXIT_USAGE;
	r = view_load(&v, argv[optind], err);
	if (r >= 0 && json) {
		json_t *o = json_view(&v);
		r = crit_json_print(stdout, o, err);
		json_decref(o);
	} else if (r >= 0) {
		crit_out_begin(stdout);
		text_view(&v);
		r = crit_out_end(stdout, err);
	}
	view_clear(&v);
	return r < 0 ? r : 0;
}

const struct crit_cmd crit_cmd_inspect = {
	.name = "inspect",
	.run = run_inspect,
	.args = "[--json] DIR|ARCHIVE",
	.help = "one tree view of a checkpoint (dir, container dir, podman/CRI-O archive)",
};
