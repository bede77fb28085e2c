// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Namespaces of a checkpoint.  ids-PID.img gives each task's namespace ids
 * per kind; inventory's root_ids are those of the tree CRIU ran in, so an id
 * that differs from root_ids is a namespace of the checkpoint's own (a
 * container's), whose state CRIU wrote to utsns-ID, ipcns-*-ID,
 * mountpoints-ID, userns-ID, netdev-ID and the raw network images.  A
 * network namespace with no netdev-ID.img was dumped "empty" (runc always
 * asks CRIU for that: it rebuilds the network itself).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

static const char *const kind_names[_INS_NS_KIND_MAX] = {
	[INS_NS_PID] = "pid",   [INS_NS_NET] = "net",       [INS_NS_IPC] = "ipc",
	[INS_NS_UTS] = "uts",   [INS_NS_MNT] = "mnt",       [INS_NS_USER] = "user",
	[INS_NS_CGROUP] = "cgroup", [INS_NS_TIME] = "time",
};

const char *ins_ns_kind_name(enum ins_ns_kind k)
{
	return k >= 0 && k < _INS_NS_KIND_MAX ? kind_names[k] : NULL;
}

/* The id of one kind in a TaskKobjIdsEntry; false when the field is absent. */
static bool ids_get(const TaskKobjIdsEntry *e, enum ins_ns_kind k, uint32_t *ret)
{
	bool has;
	uint32_t v;

	switch (k) {
	case INS_NS_PID: has = e->has_pid_ns_id, v = e->pid_ns_id; break;
	case INS_NS_NET: has = e->has_net_ns_id, v = e->net_ns_id; break;
	case INS_NS_IPC: has = e->has_ipc_ns_id, v = e->ipc_ns_id; break;
	case INS_NS_UTS: has = e->has_uts_ns_id, v = e->uts_ns_id; break;
	case INS_NS_MNT: has = e->has_mnt_ns_id, v = e->mnt_ns_id; break;
	case INS_NS_USER: has = e->has_user_ns_id, v = e->user_ns_id; break;
	case INS_NS_CGROUP: has = e->has_cgroup_ns_id, v = e->cgroup_ns_id; break;
	case INS_NS_TIME: has = e->has_time_ns_id, v = e->time_ns_id; break;
	default: return false;
	}
	if (has)
		*ret = v;
	return has;
}

struct ins_nss *ins_nss_free(struct ins_nss *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].hostname);
		free(s->v[i].domainname);
		free(s->v[i].uid_map);
		free(s->v[i].gid_map);
	}
	free(s->v);
	free(s);
	return NULL;
}

static struct ins_ns *find_or_add(struct ins_nss *s, size_t *cap, enum ins_ns_kind k, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == k && s->v[i].id == id)
			return &s->v[i];
	s->v = xgrow(s->v, cap, s->n + 1, sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(*s->v));
	s->v[s->n].kind = k;
	s->v[s->n].id = id;
	return &s->v[s->n++];
}

static int count_entries(struct ins_ckpt *c, enum img_type t, uint32_t id, size_t *ret,
			 bool *ret_present, struct cr_error **err)
{
	struct ins_msgs m;
	int r = ins_load_all(c->dirfd, t, id, true, &m, err);

	if (r < 0)
		return r;
	*ret = m.n;
	if (ret_present)
		*ret_present = m.present;
	ins_msgs_clear(&m);
	return 0;
}

static struct ins_id_map *copy_map(UidGidExtent **v, size_t n)
{
	struct ins_id_map *m = xcalloc(n + 1, sizeof(*m));

	for (size_t i = 0; i < n; i++)
		m[i] = (struct ins_id_map){ v[i]->first, v[i]->lower_first, v[i]->count };
	return m;
}

static int load_uts(struct ins_ckpt *c, struct ins_ns *ns, struct cr_error **err)
{
	_cleanup_(ins_msg_freep) ProtobufCMessage *m = NULL;
	const UtsnsEntry *u;
	int r;

	if (!ins_exists_at(c->dirfd, IMG_UTSNS, ns->id))
		return 0;
	r = img_read_one_at(c->dirfd, IMG_UTSNS, ns->id, &m, err);
	if (r < 0)
		return r;
	u = (const UtsnsEntry *)m;
	ns->dumped = true;
	ns->hostname = xstrdup(u->nodename ? u->nodename : "");
	ns->domainname = xstrdup(u->domainname ? u->domainname : "");
	return 0;
}

static int load_user(struct ins_ckpt *c, struct ins_ns *ns, struct cr_error **err)
{
	_cleanup_(ins_msg_freep) ProtobufCMessage *m = NULL;
	const UsernsEntry *u;
	int r;

	if (!ins_exists_at(c->dirfd, IMG_USERNS, ns->id))
		return 0;
	r = img_read_one_at(c->dirfd, IMG_USERNS, ns->id, &m, err);
	if (r < 0)
		return r;
	u = (const UsernsEntry *)m;
	ns->dumped = true;
	ns->uid_map = copy_map(u->uid_map, u->n_uid_map);
	ns->n_uid_map = u->n_uid_map;
	ns->gid_map = copy_map(u->gid_map, u->n_gid_map);
	ns->n_gid_map = u->n_gid_map;
	return 0;
}

static int load_ipc(struct ins_ckpt *c, struct ins_ns *ns, struct cr_error **err)
{
	int r;

	ns->dumped = ins_exists_at(c->dirfd, IMG_IPC_VAR, ns->id);
	if ((r = count_entries(c, IMG_IPCNS_SHM, ns->id, &ns->n_shm, NULL, err)) < 0 ||
	    (r = count_entries(c, IMG_IPCNS_MSG, ns->id, &ns->n_msg_queues, NULL, err)) < 0 ||
	    (r = count_entries(c, IMG_IPCNS_SEM, ns->id, &ns->n_sem_sets, NULL, err)) < 0)
		return r;
	return 0;
}

static void load_net_raw(struct ins_ckpt *c, struct ins_ns *ns)
{
	static const struct {
		enum img_type t;
		const char *name;
	} raw[] = {
		{ IMG_IFADDR, "ifaddr" },       { IMG_ROUTE, "route" },         { IMG_ROUTE6, "route6" },
		{ IMG_RULE, "rule" },           { IMG_IPTABLES, "iptables" },   { IMG_IP6TABLES, "ip6tables" },
		{ IMG_NFTABLES, "nftables" },   { IMG_NETNF_CT, "netns-ct" },   { IMG_NETNF_EXP, "netns-exp" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(raw) && ns->n_net_raw < ARRAY_SIZE(ns->net_raw); i++)
		if (ins_exists_at(c->dirfd, raw[i].t, ns->id))
			ns->net_raw[ns->n_net_raw++] = raw[i].name;
}

static int load_details(struct ins_ckpt *c, struct ins_ns *ns, struct cr_error **err)
{
	bool present = false;
	int r = 0;

	switch (ns->kind) {
	case INS_NS_UTS:
		return load_uts(c, ns, err);
	case INS_NS_USER:
		return load_user(c, ns, err);
	case INS_NS_IPC:
		return load_ipc(c, ns, err);
	case INS_NS_MNT:
		r = count_entries(c, IMG_MNTS, ns->id, &ns->n_mounts, &present, err);
		ns->dumped = present;
		return r;
	case INS_NS_NET:
		r = count_entries(c, IMG_NETDEV, ns->id, &ns->n_links, &present, err);
		ns->dumped = present;
		load_net_raw(c, ns);
		return r;
	default:
		return 0;
	}
}

static int collect(struct ins_ckpt *c, const struct ins_pstree *t, const TaskKobjIdsEntry *root,
		   struct ins_nss *s, struct cr_error **err)
{
	size_t cap = 0;

	for (size_t i = 0; i < t->n; i++) {
		_cleanup_(ins_msg_freep) ProtobufCMessage *m = NULL;
		const struct ins_task *tk = &t->tasks[i];
		int r;

		if (ins_task_is_dead(tk) || !ins_exists_at(c->dirfd, IMG_IDS, tk->pid))
			continue;
		r = img_read_one_at(c->dirfd, IMG_IDS, tk->pid, &m, err);
		if (r < 0)
			return r;
		for (int k = 0; k < _INS_NS_KIND_MAX; k++) {
			uint32_t id, rid;
			struct ins_ns *ns;

			if (!ids_get((const TaskKobjIdsEntry *)m, k, &id))
				continue;
			ns = find_or_add(s, &cap, k, id);
			ns->n_tasks++;
			ns->own = root && ids_get(root, k, &rid) && rid != id;
		}
	}
	return 0;
}

static int ns_cmp(const void *a, const void *b)
{
	const struct ins_ns *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int ins_namespaces(struct ins_ckpt *c, struct ins_nss **ret, struct cr_error **err)
{
	_cleanup_(ins_msg_freep) ProtobufCMessage *inv = NULL;
	const TaskKobjIdsEntry *root = NULL;
	const struct ins_pstree *t;
	struct ins_nss *s;
	int r;

	r = ins_pstree(c, &t, err);
	if (r < 0)
		return r;
	if (img_read_one_at(c->dirfd, IMG_INVENTORY, 0, &inv, err) < 0)
		cr_err_free(err); /* no inventory: nothing is known to be the container's own */
	else
		root = ((const InventoryEntry *)inv)->root_ids;
	s = xzalloc(sizeof(*s));
	r = collect(c, t, root, s, err);
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), ns_cmp);
	for (size_t i = 0; r >= 0 && i < s->n; i++)
		r = load_details(c, &s->v[i], err);
	if (r < 0) {
		ins_nss_free(s);
		return r;
	}
	*ret = s;
	return 0;
}
