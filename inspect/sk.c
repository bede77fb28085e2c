// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sockets held by the tasks: unix, inet (with TCP queue sizes from
 * tcp-stream-INO.img), packet and netlink, plus what sk-queues.img keeps
 * queued for each.  One row per socket, at the first task/fd holding it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "xalloc.h"

const char *ins_sk_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "STREAM";
	case 2: return "DGRAM";
	case 3: return "RAW";
	case 4: return "RDM";
	case 5: return "SEQPACKET";
	case 10: return "PACKET";
	default: return NULL;
	}
}

const char *ins_sk_state_name(uint32_t state)
{
	static const char *const names[] = {
		NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	};

	return state < ARRAY_SIZE(names) ? names[state] : NULL;
}

const char *ins_sk_family_name(uint32_t family)
{
	switch (family) {
	case 1: return "UNIX";
	case 2: return "INET";
	case 10: return "INET6";
	case 16: return "NETLINK";
	case 17: return "PACKET";
	default: return NULL;
	}
}

const char *ins_sk_proto_name(uint32_t proto)
{
	switch (proto) {
	case 0: return "IP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 136: return "UDPLITE";
	default: return NULL;
	}
}

struct ins_sks *ins_sks_free(struct ins_sks *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		free(s->sks[i].src);
		free(s->sks[i].dst);
	}
	free(s->sks);
	free(s);
	return NULL;
}

static char *ip_str(uint32_t family, const uint32_t *w, size_t n)
{
	char buf[INET6_ADDRSTRLEN];

	if (family == 10 && n >= 4) {
		struct in6_addr a;
		memcpy(&a, w, sizeof(a));
		return xstrdup(inet_ntop(AF_INET6, &a, buf, sizeof(buf)));
	}
	if (n >= 1) {
		struct in_addr a;
		memcpy(&a, w, sizeof(a));
		return xstrdup(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	}
	return xstrdup("");
}

/* A unix socket name: "@..." for abstract names, non-printables as \xNN. */
static char *unix_name(const ProtobufCBinaryData *b)
{
	char *o = xmalloc(b->len * 4 + 2);
	size_t w = 0;

	for (size_t i = 0; i < b->len; i++) {
		uint8_t ch = b->data[i];
		if (i == 0 && ch == 0)
			o[w++] = '@';
		else if (ch < 32 || ch >= 127 || ch == '\\')
			w += sprintf(o + w, "\\x%02x", ch);
		else
			o[w++] = ch;
	}
	o[w] = 0;
	return o;
}

static int tcp_queues(struct ins_ckpt *c, struct ins_sk *s, struct cr_error **err)
{
	ProtobufCMessage *m = NULL;
	int r = img_read_one_at(c->dirfd, IMG_TCP_STREAM, s->ino, &m, err);

	if (r == -ENOENT) {
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	s->inq = ((TcpStreamEntry *)m)->inq_len;
	s->outq = ((TcpStreamEntry *)m)->outq_len;
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

static int fill(struct ins_ckpt *c, const ProtobufCMessage *m, FdTypes type, struct ins_sk *s,
		struct cr_error **err)
{
	switch (type) {
	case FD_TYPES__UNIXSK: {
		const UnixSkEntry *u = (const UnixSkEntry *)m;
		s->kind = INS_SK_UNIX;
		s->family = 1;
		s->ino = u->ino;
		s->type = u->type;
		s->state = u->state;
		s->peer = u->peer;
		s->backlog = u->backlog;
		s->src = unix_name(&u->name);
		return 0;
	}
	case FD_TYPES__INETSK: {
		const InetSkEntry *e = (const InetSkEntry *)m;
		s->kind = INS_SK_INET;
		s->ino = e->ino;
		s->family = e->family;
		s->type = e->type;
		s->proto = e->proto;
		s->state = e->state;
		s->backlog = e->backlog;
		s->src = ip_str(e->family, e->src_addr, e->n_src_addr);
		s->dst = ip_str(e->family, e->dst_addr, e->n_dst_addr);
		s->src_port = e->src_port;
		s->dst_port = e->dst_port;
		return e->proto == 6 ? tcp_queues(c, s, err) : 0;
	}
	case FD_TYPES__PACKETSK: {
		const PacketSockEntry *p = (const PacketSockEntry *)m;
		s->kind = INS_SK_PACKET;
		s->family = 17;
		s->type = p->type;
		s->proto = p->protocol;
		return 0;
	}
	default: {
		const NetlinkSkEntry *n = (const NetlinkSkEntry *)m;
		s->kind = INS_SK_NETLINK;
		s->family = 16;
		s->ino = n->ino;
		s->proto = n->protocol;
		s->state = n->state;
		s->src_port = n->portid;
		s->dst_port = n->dst_portid;
		return 0;
	}
	}
}

static bool is_socket(FdTypes t)
{
	return t == FD_TYPES__UNIXSK || t == FD_TYPES__INETSK || t == FD_TYPES__PACKETSK ||
	       t == FD_TYPES__NETLINKSK;
}

static int add_queues(struct ins_ckpt *c, struct ins_sks *s, struct cr_error **err)
{
	struct ins_msgs q;
	int r = ins_load_all(c->dirfd, IMG_SK_QUEUES, 0, true, &q, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < q.n; i++) {
		const SkPacketEntry *p = (const SkPacketEntry *)q.v[i];
		for (size_t j = 0; j < s->n; j++)
			if (s->sks[j].id == p->id_for) {
				s->sks[j].queued += p->length;
				s->sks[j].n_queued++;
				break;
			}
	}
	ins_msgs_clear(&q);
	return 0;
}

static bool seen(const struct ins_sks *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->sks[i].id == id)
			return true;
	return false;
}

int ins_sockets(struct ins_ckpt *c, struct ins_sks **ret, struct cr_error **err)
{
	struct ins_fds *fds = NULL;
	struct ins_sks *s;
	size_t cap = 0;
	int r;

	r = ins_fds(c, &fds, err);
	if (r < 0)
		return r;
	s = xzalloc(sizeof(*s));
	for (size_t i = 0; r >= 0 && i < fds->n; i++) {
		const struct ins_task_fds *t = &fds->tasks[i];
		for (size_t j = 0; r >= 0 && j < t->n; j++) {
			const struct ins_fd *f = &t->fds[j];
			const ProtobufCMessage *m = NULL;
			struct ins_sk *k;

			if (!is_socket(f->type) || seen(s, f->id))
				continue;
			r = ins_file_find(c, f->type, f->id, &m, err);
			if (r < 0 || !m)
				continue;
			s->sks = xgrow(s->sks, &cap, s->n + 1, sizeof(*s->sks));
			k = &s->sks[s->n++];
			memset(k, 0, sizeof(*k));
			k->pid = t->pid;
			k->fd = f->fd;
			k->id = f->id;
			r = fill(c, m, f->type, k, err);
		}
	}
	ins_fds_free(fds);
	if (r >= 0)
		r = add_queues(c, s, err);
	if (r < 0) {
		ins_sks_free(s);
		return r;
	}
	*ret = s;
	return 0;
}
