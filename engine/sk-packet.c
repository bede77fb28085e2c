/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Packet sockets (AF_PACKET: dhclient, lldpd, raw-frame tools): what
 * sock_diag tells of one (interface, TPACKET version, reserve, timestamp
 * source, aux data, memberships such as promiscuous mode, fanout) in
 * CRIU's PacketSockEntry, with its socket options and BPF filter
 * (fdkinds.c).  Restore makes the socket, binds it to the interface and
 * sets it all again.  Sockets with mmap()ed rings (tcpdump) and the old
 * SOCK_PACKET type are refused.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

struct pk_diag {
	uint16_t num; /* the protocol as socket() took it (network order) */
	uint8_t type;
	struct packet_diag_info info;
	bool have_info, rings;
	struct packet_diag_mclist mc[16];
	size_t n_mc;
	bool have_fanout;
	uint32_t fanout;
};

static int pk_diag_get(int sk, uint32_t ino, struct pk_diag *ret, struct cr_error **err)
{
	struct {
		struct nlmsghdr h;
		struct packet_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_PACKET, .pdiag_ino = ino,
		       .pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG |
				     PACKET_SHOW_FANOUT },
	};
	_cleanup_close_ int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	_cleanup_free_ char *buf = xmalloc(32768);
	bool found = false;

	(void)sk;
	memset(ret, 0, sizeof(*ret));
	if (nl < 0 || send(nl, &req, sizeof(req), 0) < 0)
		return cr_err_sys(err, -errno, "packet socket %u: sock_diag", ino);
	for (;;) {
		ssize_t n = recv(nl, buf, 32768, 0);
		int left = (int)n;

		if (n <= 0)
			return n < 0 ? cr_err_sys(err, -errno, "packet socket %u: sock_diag answer", ino)
				     : cr_err(err, -EIO, "packet socket %u: sock_diag ended", ino);
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct packet_diag_msg *m = NLMSG_DATA(h);
			const struct rtattr *a;
			int len;

			if (h->nlmsg_type == NLMSG_DONE)
				return found ? 0 : cr_err(err, -ENOENT, "packet socket %u: not in sock_diag", ino);
			if (h->nlmsg_type == NLMSG_ERROR)
				return cr_err(err, -EIO, "packet socket %u: sock_diag error", ino);
			if (m->pdiag_ino != ino)
				continue;
			found = true;
			ret->num = m->pdiag_num;
			ret->type = m->pdiag_type;
			len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
				size_t pl = RTA_PAYLOAD(a);

				switch (a->rta_type) {
				case PACKET_DIAG_INFO:
					if (pl >= sizeof(ret->info)) {
						memcpy(&ret->info, RTA_DATA(a), sizeof(ret->info));
						ret->have_info = true;
					}
					break;
				case PACKET_DIAG_MCLIST:
					ret->n_mc = pl / sizeof(ret->mc[0]);
					if (ret->n_mc > sizeof(ret->mc) / sizeof(ret->mc[0]))
						return cr_err(err, -EOPNOTSUPP, "packet socket %u: %zu memberships",
							      ino, ret->n_mc);
					memcpy(ret->mc, RTA_DATA(a), ret->n_mc * sizeof(ret->mc[0]));
					break;
				case PACKET_DIAG_RX_RING:
				case PACKET_DIAG_TX_RING:
					ret->rings = true;
					break;
				case PACKET_DIAG_FANOUT:
					if (pl >= 4) {
						ret->have_fanout = true;
						memcpy(&ret->fanout, RTA_DATA(a), 4);
					}
					break;
				}
			}
		}
	}
}

static int packet_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
		       FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	struct pk_diag dg;
	PacketSockEntry *e;
	struct stat st;
	uint32_t flags;
	int r;

	(void)d;
	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0 || fstat(local_fd, &st) < 0)
		return cr_err(err, -EINVAL, "packet socket %d of task %d: unexpected fdinfo", target_fd, pid);
	r = pk_diag_get(local_fd, (uint32_t)st.st_ino, &dg, err);
	if (r < 0)
		return cr_err_wrap(err, "fd %d of task %d", target_fd, pid);
	if (!dg.have_info)
		return cr_err(err, -EIO, "packet socket %d of task %d: no diag info", target_fd, pid);
	if (dg.rings)
		return cr_err(err, -EOPNOTSUPP,
			      "packet socket %d of task %d has mmap()ed rings (tcpdump's): not supported",
			      target_fd, pid);
	if (dg.type == SOCK_PACKET)
		return cr_err(err, -EOPNOTSUPP, "packet socket %d of task %d: SOCK_PACKET is not supported",
			      target_fd, pid);
	e = xmalloc(sizeof(*e));
	packet_sock_entry__init(e);
	e->id = out->id;
	e->type = dg.type;
	e->protocol = htons(dg.num); /* as CRIU keeps it: what socket() takes */
	e->flags = flags;
	e->ifindex = dg.info.pdi_index;
	e->fown = fdk_fown_new(local_fd);
	e->opts = fdk_skopts_dump(local_fd, false);
	e->version = dg.info.pdi_version;
	e->reserve = dg.info.pdi_reserve;
	e->aux_data = dg.info.pdi_flags & PDI_AUXDATA;
	e->orig_dev = dg.info.pdi_flags & PDI_ORIGDEV;
	e->vnet_hdr = dg.info.pdi_flags & PDI_VNETHDR;
	e->loss = dg.info.pdi_flags & PDI_LOSS;
	e->timestamp = dg.info.pdi_tstamp;
	e->copy_thresh = dg.info.pdi_copy_thresh;
	if (dg.have_fanout) {
		e->has_fanout = true;
		e->fanout = dg.fanout;
	}
	e->mclist = dg.n_mc ? xcalloc(dg.n_mc, sizeof(*e->mclist)) : NULL;
	for (size_t i = 0; i < dg.n_mc; i++) {
		const struct packet_diag_mclist *m = &dg.mc[i];
		PacketMclist *ml = xmalloc(sizeof(*ml));

		if (m->pdmc_count != 1)
			return cr_err(err, -EOPNOTSUPP, "packet socket %d of task %d: membership taken %u times",
				      target_fd, pid, m->pdmc_count);
		packet_mclist__init(ml);
		ml->index = m->pdmc_index;
		ml->type = m->pdmc_type;
		if (m->pdmc_type == PACKET_MR_MULTICAST || m->pdmc_type == PACKET_MR_UNICAST) {
			ml->addr.len = m->pdmc_alen < sizeof(m->pdmc_addr) ? m->pdmc_alen : sizeof(m->pdmc_addr);
			ml->addr.data = xmalloc(ml->addr.len ? ml->addr.len : 1);
			memcpy(ml->addr.data, m->pdmc_addr, ml->addr.len);
		}
		e->mclist[e->n_mclist++] = ml;
	}
	out->type = FD_TYPES__PACKETSK;
	out->psk = e;
	return 0;
}

static int pso(int sk, int name, uint32_t v, const char *what, struct cr_error **err)
{
	if (setsockopt(sk, SOL_PACKET, name, &v, sizeof(v)) < 0)
		return cr_err_sys(err, -errno, "packet socket: %s %u", what, v);
	return 0;
}

static int packet_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const PacketSockEntry *e = fe->psk;
	_cleanup_close_ int sk = -1;
	struct sockaddr_ll a = { .sll_family = AF_PACKET };
	int r = 0;

	(void)rs;
	if (!e)
		return cr_err(err, -EINVAL, "file %u: PACKETSK without psk", fe->id);
	if (e->rx_ring || e->tx_ring)
		return cr_err(err, -EOPNOTSUPP, "packet socket %u: rings are not supported", e->id);
	sk = socket(AF_PACKET, (int)e->type | SOCK_CLOEXEC, (int)e->protocol);
	if (sk < 0)
		return cr_err_sys(err, -errno, "packet socket %u (type %u, protocol %#x)", e->id, e->type,
				  e->protocol);
	a.sll_ifindex = (int)e->ifindex;
	a.sll_protocol = (unsigned short)e->protocol;
	if (bind(sk, (struct sockaddr *)&a, sizeof(a)) < 0)
		return cr_err_sys(err, -errno, "packet socket %u: bind to interface %u", e->id, e->ifindex);
	if (e->version)
		r = pso(sk, PACKET_VERSION, e->version, "PACKET_VERSION", err);
	if (r >= 0 && e->reserve)
		r = pso(sk, PACKET_RESERVE, e->reserve, "PACKET_RESERVE", err);
	if (r >= 0 && e->timestamp)
		r = pso(sk, PACKET_TIMESTAMP, e->timestamp, "PACKET_TIMESTAMP", err);
	if (r >= 0 && e->copy_thresh)
		r = pso(sk, PACKET_COPY_THRESH, e->copy_thresh, "PACKET_COPY_THRESH", err);
	if (r >= 0 && e->aux_data)
		r = pso(sk, PACKET_AUXDATA, 1, "PACKET_AUXDATA", err);
	if (r >= 0 && e->orig_dev)
		r = pso(sk, PACKET_ORIGDEV, 1, "PACKET_ORIGDEV", err);
	if (r >= 0 && e->vnet_hdr)
		r = pso(sk, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", err);
	if (r >= 0 && e->loss)
		r = pso(sk, PACKET_LOSS, 1, "PACKET_LOSS", err);
	for (size_t i = 0; r >= 0 && i < e->n_mclist; i++) {
		const PacketMclist *ml = e->mclist[i];
		struct packet_mreq mr = { .mr_ifindex = (int)ml->index, .mr_type = (unsigned short)ml->type };

		if (ml->addr.len > sizeof(mr.mr_address))
			return cr_err(err, -EINVAL, "packet socket %u: membership address of %zu bytes", e->id,
				      ml->addr.len);
		mr.mr_alen = (unsigned short)ml->addr.len;
		memcpy(mr.mr_address, ml->addr.data, ml->addr.len);
		if (setsockopt(sk, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			r = cr_err_sys(err, -errno, "packet socket %u: membership %u on interface %u", e->id,
				       ml->type, ml->index);
	}
	if (r >= 0 && e->has_fanout && e->fanout != 0xffffffffu)
		r = pso(sk, PACKET_FANOUT, e->fanout, "PACKET_FANOUT", err);
	if (r >= 0)
		r = fdk_skopts_restore(sk, e->opts, err);
	if (r < 0)
		return r;
	return fdk_open_done(TAKE_FD(sk), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_packet_ops = {
	.name = "packet",
	.type = FD_TYPES__PACKETSK,
	.dump = packet_dump,
	.open = packet_open,
};
