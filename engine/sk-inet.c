/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IPv4/IPv6 sockets: TCP (listening, established through tcp-repair.c,
 * closed) and UDP.  Everything is read from crisp's copy of the socket
 * (getsockname/getpeername, TCP_INFO, getsockopt); addresses are stored
 * as CRIU does, the raw in_addr/in6_addr words in network order.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#define ICMP_FILTER_ 1   /* linux/icmp.h, SOL_RAW */
#define ICMPV6_FILTER_ 1 /* linux/icmpv6.h, IPPROTO_ICMPV6 */
#define IPV6_HDRINCL_ 36
#include "fdkinds.h"
#include "xalloc.h"

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif

enum { ST_ESTABLISHED = 1, ST_CLOSE = 7, ST_CLOSE_WAIT = 8, ST_LISTEN = 10 };

static int gso(int sk, int level, int name, int dflt)
{
	int v = dflt;
	socklen_t len = sizeof(v);

	if (getsockopt(sk, level, name, &v, &len) < 0)
		return dflt;
	return v;
}

/* Port (host order) and address words of a sockaddr. */
static void addr_words(const struct sockaddr_storage *ss, int family, uint32_t **ret,
		       size_t *ret_n, uint32_t *ret_port)
{
	size_t n = family == AF_INET ? 1 : 4;
	uint32_t *w = xcalloc(n, sizeof(uint32_t));

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		memcpy(w, &s->sin_addr, 4);
		*ret_port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		memcpy(w, &s->sin6_addr, 16);
		*ret_port = ntohs(s->sin6_port);
	} else {
		*ret_port = 0;
	}
	*ret = w;
	*ret_n = n;
}

/* raw sockets (ping without the ping-socket sysctl, routing daemons): CRIU's raw options */
static IpOptsRawEntry *raw_opts_dump(int sk, int family, int proto)
{
	IpOptsRawEntry *r = xmalloc(sizeof(*r));
	uint32_t filt[8];
	socklen_t len = sizeof(filt);

	ip_opts_raw_entry__init(r);
	if (family == AF_INET) {
		r->has_hdrincl = true;
		r->hdrincl = gso(sk, SOL_IP, IP_HDRINCL, 0);
		r->has_nodefrag = true;
		r->nodefrag = gso(sk, SOL_IP, IP_NODEFRAG, 0);
		/* ICMP_FILTER: the ICMP types this socket does not want, one bit each */
		len = sizeof(filt[0]);
		if (proto == IPPROTO_ICMP && getsockopt(sk, SOL_RAW, ICMP_FILTER_, filt, &len) == 0) {
			r->icmpv_filter = xcalloc(1, sizeof(uint32_t));
			r->icmpv_filter[0] = filt[0];
			r->n_icmpv_filter = 1;
		}
	} else {
		r->has_hdrincl = true;
		r->hdrincl = gso(sk, SOL_IPV6, IPV6_HDRINCL_, 0);
		len = sizeof(filt);
		if (proto == IPPROTO_ICMPV6 &&
		    getsockopt(sk, IPPROTO_ICMPV6, ICMPV6_FILTER_, filt, &len) == 0 && len == sizeof(filt)) {
			r->icmpv_filter = xcalloc(8, sizeof(uint32_t));
			memcpy(r->icmpv_filter, filt, sizeof(filt));
			r->n_icmpv_filter = 8;
		}
	}
	return r;
}

static void raw_opts_restore(int sk, int family, int proto, const IpOptsRawEntry *r)
{
	if (!r)
		return;
	if (family == AF_INET) {
		if (r->has_hdrincl && r->hdrincl)
			setsockopt(sk, SOL_IP, IP_HDRINCL, &(int){ 1 }, sizeof(int));
		if (r->has_nodefrag && r->nodefrag)
			setsockopt(sk, SOL_IP, IP_NODEFRAG, &(int){ 1 }, sizeof(int));
		if (proto == IPPROTO_ICMP && r->n_icmpv_filter == 1)
			setsockopt(sk, SOL_RAW, ICMP_FILTER_, r->icmpv_filter, sizeof(uint32_t));
	} else {
		if (r->has_hdrincl && r->hdrincl)
			setsockopt(sk, SOL_IPV6, IPV6_HDRINCL_, &(int){ 1 }, sizeof(int));
		if (proto == IPPROTO_ICMPV6 && r->n_icmpv_filter == 8)
			setsockopt(sk, IPPROTO_ICMPV6, ICMPV6_FILTER_, r->icmpv_filter, 8 * sizeof(uint32_t));
	}
}

static IpOptsEntry *ip_opts_dump(int sk, int family)
{
	IpOptsEntry *o = xmalloc(sizeof(*o));
	int v;

	ip_opts_entry__init(o);
	o->has_ttl = true;
	o->ttl = gso(sk, SOL_IP, IP_TTL, 64);
	if (family == AF_INET) {
		v = gso(sk, SOL_IP, IP_TOS, 0);
		if (v) {
			o->has_tos = true;
			o->tos = v;
		}
		if (gso(sk, SOL_IP, IP_PKTINFO, 0)) {
			o->has_pktinfo = true;
			o->pktinfo = true;
		}
	}
	if (gso(sk, SOL_IP, IP_FREEBIND, 0)) {
		o->has_freebind = true;
		o->freebind = true;
	}
	return o;
}

static int inet_state(int sk, int type, struct cr_error **err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (type == SOCK_STREAM) {
		struct tcp_info ti = { 0 };

		len = sizeof(ti);
		if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) < 0)
			return cr_err_sys(err, -errno, "TCP_INFO");
		return ti.tcpi_state;
	}
	return getpeername(sk, (struct sockaddr *)&ss, &len) == 0 ? ST_ESTABLISHED : ST_CLOSE;
}

static int inet_fill(struct fdk_dump *d, int sk, InetSkEntry *e, struct cr_error **err)
{
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	socklen_t len;
	int st;

	e->family = gso(sk, SOL_SOCKET, SO_DOMAIN, 0);
	e->type = gso(sk, SOL_SOCKET, SO_TYPE, 0);
	e->proto = gso(sk, SOL_SOCKET, SO_PROTOCOL, 0);
	/* TCP, UDP, ping sockets (ICMP datagrams) and raw sockets */
	if (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP && e->type != SOCK_RAW &&
	    !(e->type == SOCK_DGRAM && (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)))
		return cr_err(err, -EOPNOTSUPP, "inet socket %u: protocol %u (type %u) not supported",
			      e->ino, e->proto, e->type);
	st = inet_state(sk, e->type, err);
	if (st < 0)
		return st;
	e->state = st;
	len = sizeof(src);
	getsockname(sk, (struct sockaddr *)&src, &len);
	len = sizeof(dst);
	if (getpeername(sk, (struct sockaddr *)&dst, &len) < 0)
		dst.ss_family = e->family;
	addr_words(&src, e->family, &e->src_addr, &e->n_src_addr, &e->src_port);
	addr_words(&dst, e->family, &e->dst_addr, &e->n_dst_addr, &e->dst_port);
	if (e->state == ST_LISTEN) {
		struct tcp_info ti = { 0 };

		len = sizeof(ti);
		/* for a listener tcpi_sacked is the backlog given to listen(),
		 * tcpi_unacked the connections waiting in it for accept() */
		if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) == 0) {
			e->backlog = ti.tcpi_sacked;
			if (ti.tcpi_unacked && !d->skip_in_flight)
				return cr_err(err, -EOPNOTSUPP,
					      "TCP listening socket %u (port %u) has %u connections not yet accepted; --skip-in-flight drops them",
					      e->ino, e->src_port, ti.tcpi_unacked);
		}
	}
	e->opts = fdk_skopts_dump(sk, true);
	if (e->family == AF_INET6) {
		e->has_v6only = true;
		e->v6only = gso(sk, SOL_IPV6, IPV6_V6ONLY, 0);
	}
	e->ip_opts = ip_opts_dump(sk, e->family);
	if (e->type == SOCK_RAW)
		e->ip_opts->raw = raw_opts_dump(sk, e->family, e->proto);
	if (e->proto == IPPROTO_TCP) {
		TcpOptsEntry *t = xmalloc(sizeof(*t));

		tcp_opts_entry__init(t);
		if (gso(sk, SOL_TCP, TCP_CORK, 0))
			t->has_cork = t->cork = true;
		if (gso(sk, SOL_TCP, TCP_NODELAY, 0))
			t->has_nodelay = t->nodelay = true;
		t->has_keepcnt = t->has_keepidle = t->has_keepintvl = true;
		t->keepcnt = gso(sk, SOL_TCP, TCP_KEEPCNT, 9);
		t->keepidle = gso(sk, SOL_TCP, TCP_KEEPIDLE, 7200);
		t->keepintvl = gso(sk, SOL_TCP, TCP_KEEPINTVL, 75);
		e->tcp_opts = t;
	}
	if (d->net_ns_id) {
		int ns = ioctl(sk, SIOCGSKNS);
		struct stat sst;

		if (ns >= 0) {
			if (fstat(ns, &sst) == 0) {
				e->has_ns_id = true;
				e->ns_id = d->net_ns_id(d->net_ns_arg, sst.st_ino);
			}
			close(ns);
		}
	}
	return 0;
}

static int inet_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
		     FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	InetSkEntry *e;
	struct stat st;
	uint32_t flags;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0 || fstat(local_fd, &st) < 0)
		return cr_err(err, -EINVAL, "socket %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	e = xmalloc(sizeof(*e));
	inet_sk_entry__init(e);
	out->type = FD_TYPES__INETSK;
	out->isk = e;
	e->id = out->id;
	e->ino = st.st_ino;
	e->flags = flags;
	e->fown = fdk_fown_new(local_fd);
	r = inet_fill(d, local_fd, e, err);
	if (r < 0)
		return cr_err_wrap(err, "fd %d of task %d", target_fd, pid);
	if (e->proto != IPPROTO_TCP || e->state == ST_LISTEN || e->state == ST_CLOSE)
		return 0;
	/* CLOSE_WAIT: the peer has closed its side, the task not yet (tcp-repair.c) */
	if (e->state != ST_ESTABLISHED && e->state != ST_CLOSE_WAIT && e->state != 4 /* FIN_WAIT1 */ &&
	    e->state != 5 /* FIN_WAIT2 */ && !d->tcp_close)
		return cr_err(err, -EOPNOTSUPP,
			      "fd %d of task %d: TCP socket %u in state %u (LISTEN, ESTABLISHED, CLOSE_WAIT and FIN_WAIT can be dumped; --tcp-close drops it)",
			      target_fd, pid, e->ino, e->state);
	if (d->tcp_close)
		return 0;
	if (!d->tcp_established)
		return cr_err(err, -EOPNOTSUPP,
			      "fd %d of task %d: connected TCP socket %u (port %u -> %u), consider using --tcp-established",
			      target_fd, pid, e->ino, e->src_port, e->dst_port);
	r = tcp_repair_dump(d, pid, local_fd, e, err);
	if (r < 0)
		return cr_err_wrap(err, "fd %d of task %d", target_fd, pid);
	return 0;
}

/* ---- restore ---- */

static socklen_t mk_addr(const InetSkEntry *e, bool dst, struct sockaddr_storage *ss)
{
	const uint32_t *w = dst ? e->dst_addr : e->src_addr;
	size_t n = dst ? e->n_dst_addr : e->n_src_addr;
	uint32_t port = dst ? e->dst_port : e->src_port;

	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		if (n >= 1)
			memcpy(&s->sin_addr, w, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (void *)ss;

	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	if (n >= 4)
		memcpy(&s->sin6_addr, w, 16);
	return sizeof(*s);
}

static int restore_opts(int sk, const InetSkEntry *e, struct cr_error **err)
{
	int r = fdk_skopts_restore(sk, e->opts, err);

	if (r < 0)
		return r;
	if (e->ip_opts && e->family == AF_INET) {
		const IpOptsEntry *o = e->ip_opts;

		if (o->has_ttl && o->ttl != 64)
			setsockopt(sk, SOL_IP, IP_TTL, &(int){ o->ttl }, sizeof(int));
		if (o->has_tos && o->tos)
			setsockopt(sk, SOL_IP, IP_TOS, &(int){ o->tos }, sizeof(int));
		if (o->has_pktinfo && o->pktinfo)
			setsockopt(sk, SOL_IP, IP_PKTINFO, &(int){ 1 }, sizeof(int));
	}
	if (e->tcp_opts) {
		const TcpOptsEntry *t = e->tcp_opts;

		if (t->has_keepcnt)
			setsockopt(sk, SOL_TCP, TCP_KEEPCNT, &(int){ t->keepcnt }, sizeof(int));
		if (t->has_keepidle)
			setsockopt(sk, SOL_TCP, TCP_KEEPIDLE, &(int){ t->keepidle }, sizeof(int));
		if (t->has_keepintvl)
			setsockopt(sk, SOL_TCP, TCP_KEEPINTVL, &(int){ t->keepintvl }, sizeof(int));
		if (t->has_nodelay && t->nodelay)
			setsockopt(sk, SOL_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
		if (t->has_cork && t->cork)
			setsockopt(sk, SOL_TCP, TCP_CORK, &(int){ 1 }, sizeof(int));
	}
	return 0;
}

static int inet_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
		     struct cr_error **err)
{
	const InetSkEntry *e = fe->isk;
	_cleanup_close_ int sk = -1;
	struct sockaddr_storage ss;
	socklen_t alen;
	bool connected;
	int r;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: INETSK without isk", fe->id);
	if (e->family != AF_INET && e->family != AF_INET6)
		return cr_err(err, -EINVAL, "inet %u: family %u", e->id, e->family);
	sk = socket(e->family, e->type | SOCK_CLOEXEC, e->proto);
	if (sk < 0)
		return cr_err_sys(err, -errno, "inet %u: socket", e->id);
	if (e->family == AF_INET6 && e->has_v6only && e->v6only)
		setsockopt(sk, SOL_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
	if (e->ip_opts && e->ip_opts->has_freebind && e->ip_opts->freebind)
		setsockopt(sk, SOL_IP, IP_FREEBIND, &(int){ 1 }, sizeof(int));
	r = restore_opts(sk, e, err);
	if (r < 0)
		return r;
	if (e->type == SOCK_RAW && e->ip_opts)
		raw_opts_restore(sk, e->family, e->proto, e->ip_opts->raw);
	connected = e->proto == IPPROTO_TCP && e->state != ST_LISTEN && e->state != ST_CLOSE;
	if (connected && rs->tcp_close) {
		/* --tcp-close: the connection comes back closed, as a fresh socket */
	} else if (connected) {
		if (!rs->tcp_established)
			return cr_err(err, -EOPNOTSUPP,
				      "inet %u: established TCP connection (port %u -> %u) in the image; restore with --tcp-established or --tcp-close",
				      e->id, e->src_port, e->dst_port);
		r = tcp_repair_restore(rs, sk, e, err);
		if (r < 0)
			return r;
	} else {
		/* old sockets of the dumped task may linger on the port (TIME_WAIT) */
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (e->opts && e->opts->has_so_reuseport && e->opts->so_reuseport)
			setsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 }, sizeof(int));
		/* a raw socket has no port (getsockname shows its protocol there):
		 * it was bound if it has an address */
		bool raw_bound = false;

		for (size_t i = 0; e->type == SOCK_RAW && i < e->n_src_addr; i++)
			raw_bound |= e->src_addr[i] != 0;
		if (e->type == SOCK_RAW ? raw_bound : e->src_port != 0) {
			alen = mk_addr(e, false, &ss);
			if (bind(sk, (struct sockaddr *)&ss, alen) < 0)
				return cr_err_sys(err, -errno, "inet %u: bind to port %u", e->id,
						  e->src_port);
		}
		if (e->state == ST_LISTEN && listen(sk, e->backlog) < 0)
			return cr_err_sys(err, -errno, "inet %u: listen", e->id);
		if (e->proto != IPPROTO_TCP && e->state == ST_ESTABLISHED) {
			alen = mk_addr(e, true, &ss);
			if (connect(sk, (struct sockaddr *)&ss, alen) < 0)
				return cr_err_sys(err, -errno, "inet %u: connect to port %u", e->id,
						  e->dst_port);
		}
	}
	if (!(e->opts && e->opts->reuseaddr))
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 0 }, sizeof(int));
	else
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	return fdk_open_done(TAKE_FD(sk), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_inet_ops = {
	.name = "inet",
	.type = FD_TYPES__INETSK,
	.dump = inet_dump,
	.open = inet_open,
};
