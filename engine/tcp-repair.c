/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Established TCP connections through TCP_REPAIR (needs CAP_NET_ADMIN).
 *
 * Dump: put the socket in repair mode (it stays there, so that killing the
 * dumped task closes it without FIN or RST), read both sequence numbers,
 * peek both queues, the negotiated options (MSS, window scale, SACK,
 * timestamps) and the window, into tcp-stream-<ino %x>.img: one entry then
 * inq_len + outq_len bytes.
 *
 * Restore (the socket is new and in repair mode): set the sequence numbers,
 * bind and connect (no SYN is sent in repair mode: the socket becomes
 * ESTABLISHED), set the options, refill the receive queue and the sent part
 * and the send queue, then the window.  fdk_restore_finish() turns repair
 * off once every socket of the tree exists.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"

#define ST_CLOSE_WAIT_ 8
#define ST_FIN_WAIT1_ 4
#define ST_FIN_WAIT2_ 5
#include "xalloc.h"

#ifndef TCP_REPAIR_WINDOW
#define TCP_REPAIR_WINDOW 29
struct tcp_repair_window {
	uint32_t snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup;
};
#endif
#ifndef TCP_REPAIR_OFF_NO_WP
#define TCP_REPAIR_OFF_NO_WP -1
#endif

enum { Q_NONE, Q_RECV, Q_SEND }; /* TCP_NO_QUEUE, TCP_RECV_QUEUE, TCP_SEND_QUEUE */

#define TCPOPT_MSS_ 2
#define TCPOPT_WINDOW_ 3
#define TCPOPT_SACK_PERM_ 4
#define TCPOPT_TIMESTAMP_ 8

/* ---- network lock ---- */

/*
 * As CRIU does with nft or iptables: from before the dump reads a
 * connection until its restored socket exists, every packet of it is
 * dropped.  Otherwise a segment arriving while no socket holds the 4-tuple
 * (the peer's delayed ACK, new data) is answered with a RST that kills the
 * connection, and data arriving after the queues were read would be
 * acknowledged and lost.  The peer retransmits what was dropped.
 *
 * One table, "inet crisp", whose sets hold both directions of every locked
 * connection (saddr . sport . daddr . dport); a dump adds the connections
 * of a task in one nft run, a restore removes its own in one run, so
 * concurrent dumps don't disturb each other.  nft runs as a program, as
 * CRIU runs nft/iptables-restore.
 */

static const char *nft_path(void)
{
	static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/*
 * Run argv[0] with `in` on its standard input (NULL: /dev/null) and, when
 * `find` is given, look for it (any case) in its standard output, into
 * *found; the rest of its output goes to /dev/null.  0 when it exited 0,
 * -EIO when it failed, -errno when it could not be run.
 */
static int run_tool(const char *const argv[], const char *in, const char *find, bool *found)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, st = 0, e;
	size_t len = in ? strlen(in) : 0, off = 0;
	pid_t pid;

	if ((in && pipe2(ip, O_CLOEXEC) < 0) || (find && pipe2(op, O_CLOEXEC) < 0)) {
		e = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		e = -errno;
		goto fail;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(in ? ip[0] : null, 0);
		dup2(find ? op[1] : null, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (in) {
		close(ip[0]);
		while (off < len) {
			ssize_t n = write(ip[1], in + off, len - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		close(ip[1]);
	}
	if (find) {
		char buf[4096];
		size_t have = 0, keep = strlen(find);

		close(op[1]);
		*found = false;
		for (;;) {
			ssize_t k = read(op[0], buf + have, sizeof(buf) - 1 - have);

			if (k <= 0)
				break;
			have += (size_t)k;
			buf[have] = 0;
			if (strcasestr(buf, find)) {
				*found = true;
				break;
			}
			/* keep the tail: a match may straddle two reads */
			if (have > keep) {
				memmove(buf, buf + have - keep, keep);
				have = keep;
			}
		}
		close(op[0]);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
fail:
	for (int i = 0; i < 2; i++) {
		if (ip[i] >= 0)
			close(ip[i]);
		if (op[i] >= 0)
			close(op[i]);
	}
	return e;
}

/* Run `nft -f -` (or `nft list set inet crisp ARG` when script is NULL); 0 or a negative errno. */
static int nft_run(const char *script, const char *arg, struct cr_error **err)
{
	const char *nft = nft_path();
	const char *const run[] = { nft, "-f", "-", NULL };
	const char *const list[] = { nft, "list", "set", "inet", "crisp", arg, NULL };
	int r;

	if (!nft)
		return -ENOENT;
	r = run_tool(script ? run : list, script, NULL, NULL);
	if (r == -EIO)
		return cr_err(err, -EIO, "nft failed");
	if (r < 0)
		return cr_err_sys(err, r, "running nft");
	return 0;
}

static const char nl_table[] =
	"add table inet crisp\n"
	"add set inet crisp c4 { type ipv4_addr . inet_service . ipv4_addr . inet_service ; }\n"
	"add set inet crisp c6 { type ipv6_addr . inet_service . ipv6_addr . inet_service ; }\n"
	"add chain inet crisp in { type filter hook input priority -150 ; policy accept ; }\n"
	"add chain inet crisp out { type filter hook output priority -150 ; policy accept ; }\n"
	"add rule inet crisp in ip saddr . tcp sport . ip daddr . tcp dport @c4 drop\n"
	"add rule inet crisp in ip6 saddr . tcp sport . ip6 daddr . tcp dport @c6 drop\n"
	"add rule inet crisp out ip saddr . tcp sport . ip daddr . tcp dport @c4 drop\n"
	"add rule inet crisp out ip6 saddr . tcp sport . ip6 daddr . tcp dport @c6 drop\n";

void fdk_conn_of(const InetSkEntry *ie, struct fdk_conn *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = ie->family;
	ret->ino = ie->ino;
	memcpy(ret->src, ie->src_addr, 4 * (ie->n_src_addr < 4 ? ie->n_src_addr : 4));
	memcpy(ret->dst, ie->dst_addr, 4 * (ie->n_dst_addr < 4 ? ie->n_dst_addr : 4));
	ret->sport = ie->src_port;
	ret->dport = ie->dst_port;
}

/* "A . P . B . Q, B . Q . A . P" in set `which` (c4/c6): both directions. */
static const char *conn_elems(const struct fdk_conn *c, char *buf, size_t sz)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *set = "c6";

	if (c->family == AF_INET) {
		inet_ntop(AF_INET, c->src, a, sizeof(a));
		inet_ntop(AF_INET, c->dst, b, sizeof(b));
		set = "c4";
	} else if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)c->src)) {
		/* a v6 socket talking to a v4 address: v4 packets on the wire */
		inet_ntop(AF_INET, c->src + 3, a, sizeof(a));
		inet_ntop(AF_INET, c->dst + 3, b, sizeof(b));
		set = "c4";
	} else {
		inet_ntop(AF_INET6, c->src, a, sizeof(a));
		inet_ntop(AF_INET6, c->dst, b, sizeof(b));
	}
	snprintf(buf, sz, "%s . %u . %s . %u, %s . %u . %s . %u", a, c->sport, b, c->dport, b,
		 c->dport, a, c->sport);
	return set;
}

static char *conn_script(const struct fdk_conn *c, size_t n, bool lock)
{
	size_t cap = 64 + n * 320, len = 0;
	char *s = xmalloc(cap), e[232]; /* two v6 tuples: 2 x 97 + separators */

	s[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *set = conn_elems(&c[i], e, sizeof(e));

		int k = snprintf(s + len, cap - len, "%s element inet crisp %s { %.*s }\n",
				 lock ? "add" : "delete", set, (int)sizeof(e) - 1, e);

		len += k > 0 && (size_t)k < cap - len ? (size_t)k : 0;
	}
	return s;
}

int netlock_conns(const struct fdk_conn *c, size_t n, bool lock, struct cr_error **err)
{
	_cleanup_free_ char *script = NULL;
	int r;

	if (!n)
		return 0;
	if (!nft_path())
		return -ENOENT;
	if (lock && nft_run(NULL, "c6", NULL) < 0) {
		r = nft_run(nl_table, NULL, err);
		if (r < 0)
			return cr_err_wrap(err, "network lock: creating table inet crisp");
	}
	script = conn_script(c, n, lock);
	r = nft_run(script, NULL, lock ? err : NULL);
	if (r < 0 && lock)
		return cr_err_wrap(err, "network lock of %zu connections", n);
	if (r < 0 && n > 1) {
		/* one transaction: a single element already gone fails it; go one by one */
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *one = conn_script(&c[i], 1, false);

			nft_run(one, NULL, NULL);
		}
	}
	return 0;
}

/*
 * CRIU's own form of the lock (its --network-lock iptables, the default):
 * one iptables rule per direction dropping the connection's packets unless
 * they carry CRIU's mark.  crisp writes it with --network-lock iptables, so
 * that CRIU's restore lifts crisp's lock, and lifts it at every restore, so
 * that a connection CRIU dumped on this host comes back unblocked.
 */
#define CRIU_MARK "0xC114"

static int ipt_run(const char *bin, const char *op, const char *chain, const char *src, uint32_t sport,
		   const char *dst, uint32_t dport)
{
	char sp[16], dp[16];
	const char *const argv[] = { bin, "-w", "-t", "filter", op, chain, "--protocol", "tcp", "-m", "mark",
				     "!", "--mark", CRIU_MARK, "--source", src, "--sport", sp,
				     "--destination", dst, "--dport", dp, "-j", "DROP", NULL };

	snprintf(sp, sizeof(sp), "%u", sport);
	snprintf(dp, sizeof(dp), "%u", dport);
	return run_tool(argv, NULL, NULL, NULL);
}

/* Any rule with CRIU's mark in INPUT?  One run, instead of two per connection. */
static bool ipt_has_marked(const char *bin)
{
	const char *const argv[] = { bin, "-w", "-t", "filter", "-S", "INPUT", NULL };
	bool found = false;

	if (access(bin, X_OK) < 0)
		return false;
	run_tool(argv, NULL, CRIU_MARK, &found);
	return found;
}

int netlock_conns_ipt(const struct fdk_conn *cs, size_t n, bool lock, struct cr_error **err)
{
	int has4 = -1, has6 = -1; /* unknown yet */

	for (size_t i = 0; i < n; i++) {
		const struct fdk_conn *c = &cs[i];
		bool v4 = c->family == AF_INET ||
			  IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)c->src);
		const char *bin = v4 ? "/usr/sbin/iptables" : "/usr/sbin/ip6tables";
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		int r;

		if (access(bin, X_OK) < 0)
			return lock ? -ENOENT : 0;
		/* lifting: only where some lock in this form exists at all */
		if (!lock && v4 && has4 < 0)
			has4 = ipt_has_marked(bin);
		if (!lock && !v4 && has6 < 0)
			has6 = ipt_has_marked(bin);
		if (!lock && !(v4 ? has4 : has6))
			continue;
		if (c->family == AF_INET) {
			inet_ntop(AF_INET, c->src, a, sizeof(a));
			inet_ntop(AF_INET, c->dst, b, sizeof(b));
		} else if (v4) {
			inet_ntop(AF_INET, &c->src[3], a, sizeof(a));
			inet_ntop(AF_INET, &c->dst[3], b, sizeof(b));
		} else {
			inet_ntop(AF_INET6, c->src, a, sizeof(a));
			inet_ntop(AF_INET6, c->dst, b, sizeof(b));
		}
		r = ipt_run(bin, lock ? "-I" : "-D", "INPUT", b, c->dport, a, c->sport);
		if (r >= 0 || !lock)
			r = ipt_run(bin, lock ? "-I" : "-D", "OUTPUT", a, c->sport, b, c->dport);
		if (r < 0 && lock)
			return cr_err_sys(err, r, "network lock: %s for %s:%u", bin, a, c->sport);
	}
	return 0;
}

/* The established TCP connections a stopped task holds, for one lock. */
static void task_conns(pid_t pid, struct fdk_conn **ret, size_t *ret_n)
{
	_cleanup_closedir_ DIR *dir = NULL;
	_cleanup_close_ int pidfd = syscall(SYS_pidfd_open, pid, 0);
	struct dirent *de;
	char path[64];
	size_t cap = 0;

	*ret = NULL;
	*ret_n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir || pidfd < 0)
		return;
	while ((de = readdir(dir))) {
		char lnk[64];
		struct sockaddr_storage a = { 0 }, b = { 0 };
		socklen_t al = sizeof(a), bl = sizeof(b);
		struct tcp_info ti = { 0 };
		socklen_t tl = sizeof(ti);
		struct fdk_conn c = { 0 };
		ssize_t n;
		int fd;

		n = readlinkat(dirfd(dir), de->d_name, lnk, sizeof(lnk) - 1);
		if (n <= 0)
			continue;
		lnk[n] = 0;
		if (strncmp(lnk, "socket:[", 8))
			continue;
		fd = syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
		if (fd < 0)
			continue;
		if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &tl) < 0 ||
		    ti.tcpi_state != TCP_ESTABLISHED ||
		    getsockname(fd, (struct sockaddr *)&a, &al) < 0 ||
		    getpeername(fd, (struct sockaddr *)&b, &bl) < 0) {
			close(fd);
			continue;
		}
		close(fd);
		c.ino = strtoul(lnk + 8, NULL, 10);
		c.family = a.ss_family;
		if (a.ss_family == AF_INET) {
			const struct sockaddr_in *x = (void *)&a, *y = (void *)&b;

			memcpy(c.src, &x->sin_addr, 4);
			memcpy(c.dst, &y->sin_addr, 4);
			c.sport = ntohs(x->sin_port);
			c.dport = ntohs(y->sin_port);
		} else {
			const struct sockaddr_in6 *x = (void *)&a, *y = (void *)&b;

			memcpy(c.src, &x->sin6_addr, 16);
			memcpy(c.dst, &y->sin6_addr, 16);
			c.sport = ntohs(x->sin6_port);
			c.dport = ntohs(y->sin6_port);
		}
		*ret = xgrow(*ret, &cap, *ret_n + 1, sizeof(c));
		(*ret)[(*ret_n)++] = c;
	}
}

static bool conn_locked(const struct fdk_dump *d, uint32_t ino)
{
	for (size_t i = 0; i < d->n_locked; i++)
		if (d->locked[i].ino == ino)
			return true;
	return false;
}

/* Lock ie's connection, together with every other one of its task (one nft run). */
static int lock_for(struct fdk_dump *d, pid_t pid, const InetSkEntry *ie, struct cr_error **err)
{
	_cleanup_free_ struct fdk_conn *cs = NULL;
	size_t n = 0, k = 0;
	int r;

	if (conn_locked(d, ie->ino) || d->netlock_missing || d->netlock_skip)
		return 0;
	task_conns(pid, &cs, &n);
	for (size_t i = 0; i < n; i++) /* shared with a task dumped before: locked already */
		if (!conn_locked(d, cs[i].ino) && cs[i].ino != ie->ino)
			cs[k++] = cs[i];
	cs = xgrow(cs, &(size_t){ k }, k + 1, sizeof(*cs));
	fdk_conn_of(ie, &cs[k++]);
	r = d->netlock_iptables ? netlock_conns_ipt(cs, k, true, err) : netlock_conns(cs, k, true, err);
	if (r == -ENOENT) {
		d->netlock_missing = true;
		return 0;
	}
	if (r < 0)
		return r;
	d->locked = xgrow(d->locked, &d->cap_locked, d->n_locked + k, sizeof(*cs));
	memcpy(d->locked + d->n_locked, cs, k * sizeof(*cs));
	d->n_locked += k;
	return 0;
}

/* ---- repair ---- */

int tcp_repair_set(int sk, int on)
{
	return setsockopt(sk, SOL_TCP, TCP_REPAIR, &on, sizeof(on));
}

static int set_queue(int sk, int q, struct cr_error **err)
{
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) < 0)
		return cr_err_sys(err, -errno, "TCP_REPAIR_QUEUE %d", q);
	return 0;
}

static int get_u32(int sk, int level, int name, uint32_t *ret, const char *what,
		   struct cr_error **err)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(sk, level, name, ret, &len) < 0)
		return cr_err_sys(err, -errno, "getsockopt %s", what);
	return 0;
}

/* Peek one queue (selected by TCP_REPAIR_QUEUE) into buf[len]. */
static int peek_queue(int sk, int q, uint8_t *buf, uint32_t len, uint32_t *ret_seq,
		      struct cr_error **err)
{
	int r = set_queue(sk, q, err);
	ssize_t n;

	if (r < 0)
		return r;
	r = get_u32(sk, SOL_TCP, TCP_QUEUE_SEQ, ret_seq, "TCP_QUEUE_SEQ", err);
	if (r < 0 || !len)
		return r;
	n = recv(sk, buf, len, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return cr_err_sys(err, -errno, "peek tcp %s queue",
				  q == Q_RECV ? "receive" : "send");
	if ((uint32_t)n != len)
		return cr_err(err, -EIO, "tcp %s queue: peeked %zd of %u bytes",
			      q == Q_RECV ? "receive" : "send", n, len);
	return 0;
}

static int dump_stream(struct fdk_dump *d, int sk, const InetSkEntry *ie,
		       struct cr_error **err)
{
	TcpStreamEntry t = TCP_STREAM_ENTRY__INIT;
	struct tcp_info ti = { 0 };
	struct tcp_repair_window w;
	socklen_t len;
	int inq = 0, outq = 0, unsq = 0, v, r;
	_cleanup_free_ uint8_t *in = NULL, *out = NULL;
	struct img_writer *wr = NULL;

	if (ioctl(sk, SIOCINQ, &inq) < 0 || ioctl(sk, SIOCOUTQ, &outq) < 0 ||
	    ioctl(sk, SIOCOUTQNSD, &unsq) < 0)
		return cr_err_sys(err, -errno, "tcp %u: queue lengths", ie->ino);
	/* our FIN is in the send queue's sequence space, not its data (as CRIU counts) */
	if (ie->state == ST_FIN_WAIT1_ || ie->state == ST_FIN_WAIT2_) {
		if (outq)
			outq--;
		if (unsq)
			unsq--;
	}
	in = xmalloc(inq + 1);
	out = xmalloc(outq + 1);
	r = peek_queue(sk, Q_RECV, in, inq, &t.inq_seq, err);
	if (r >= 0)
		r = peek_queue(sk, Q_SEND, out, outq, &t.outq_seq, err);
	set_queue(sk, Q_NONE, NULL);
	if (r < 0)
		return cr_err_wrap(err, "tcp %u", ie->ino);
	t.inq_len = inq;
	t.outq_len = outq;
	t.has_unsq_len = true;
	t.unsq_len = unsq;

	len = sizeof(ti);
	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) < 0)
		return cr_err_sys(err, -errno, "tcp %u: TCP_INFO", ie->ino);
	t.opt_mask = ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	t.snd_wscale = ti.tcpi_snd_wscale;
	t.has_rcv_wscale = true;
	t.rcv_wscale = ti.tcpi_rcv_wscale;
	/* in repair mode TCP_MAXSEG reports mss_clamp */
	r = get_u32(sk, SOL_TCP, TCP_MAXSEG, &t.mss_clamp, "TCP_MAXSEG", err);
	if (r < 0)
		return r;
	if (t.opt_mask & TCPI_OPT_TIMESTAMPS) {
		t.has_timestamp = true;
		r = get_u32(sk, SOL_TCP, TCP_TIMESTAMP, &t.timestamp, "TCP_TIMESTAMP", err);
		if (r < 0)
			return r;
	}
	len = sizeof(v);
	if (getsockopt(sk, SOL_TCP, TCP_CORK, &v, &len) == 0 && v) {
		t.has_cork = true;
		t.cork = true;
	}
	len = sizeof(v);
	if (getsockopt(sk, SOL_TCP, TCP_NODELAY, &v, &len) == 0 && v) {
		t.has_nodelay = true;
		t.nodelay = true;
	}
	len = sizeof(w);
	if (getsockopt(sk, SOL_TCP, TCP_REPAIR_WINDOW, &w, &len) == 0) {
		t.has_snd_wl1 = t.has_snd_wnd = t.has_max_window = true;
		t.has_rcv_wnd = t.has_rcv_wup = true;
		t.snd_wl1 = w.snd_wl1;
		t.snd_wnd = w.snd_wnd;
		t.max_window = w.max_window;
		t.rcv_wnd = w.rcv_wnd;
		t.rcv_wup = w.rcv_wup;
	}

	r = img_writer_open_type_at(d->imgfd, IMG_TCP_STREAM, ie->ino, &wr, err);
	if (r < 0)
		return r;
	r = img_writer_put(wr, &t.base, err);
	if (r >= 0)
		r = img_writer_put_raw(wr, in, inq, err);
	if (r >= 0)
		r = img_writer_put_raw(wr, out, outq, err);
	if (r < 0) {
		img_writer_abort(wr);
		return r;
	}
	return img_writer_commit(wr, err);
}

int tcp_repair_dump(struct fdk_dump *d, pid_t pid, int sk, InetSkEntry *ie,
		    struct cr_error **err)
{
	struct fdk_repaired rp = { .fd = -1, .ino = ie->ino };
	int r;

	/* lock first: nothing may reach or leave the connection from here to its restore */
	r = lock_for(d, pid, ie, err);
	if (r < 0)
		return r;
	rp.fd = fcntl(sk, F_DUPFD_CLOEXEC, 0);
	if (rp.fd < 0 || tcp_repair_set(sk, 1) < 0) {
		r = cr_err_sys(err, -errno, "tcp %u: TCP_REPAIR on (needs CAP_NET_ADMIN)", ie->ino);
		if (rp.fd >= 0)
			close(rp.fd);
		return r; /* the lock goes in fdk_dump_finish(.., true) */
	}
	/* the socket stays in repair mode (and locked) until fdk_dump_finish() */
	d->repaired = xgrow(d->repaired, &d->cap_repaired, d->n_repaired + 1, sizeof(rp));
	d->repaired[d->n_repaired++] = rp;
	return dump_stream(d, sk, ie, err);
}

/* ---- restore ---- */

static int send_queue(int sk, int q, const uint8_t *buf, size_t len, struct cr_error **err)
{
	size_t off = 0;
	int r = set_queue(sk, q, err);

	if (r < 0)
		return r;
	while (off < len) {
		size_t chunk = len - off > 65536 ? 65536 : len - off;
		ssize_t n = send(sk, buf + off, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return cr_err_sys(err, -errno, "refill tcp %s queue (%zu of %zu bytes)",
					  q == Q_RECV ? "receive" : "send", off, len);
		off += n;
	}
	return 0;
}

static void sso(int sk, int level, int name, int v)
{
	setsockopt(sk, level, name, &v, sizeof(v));
}

static int set_u32(int sk, int name, uint32_t v, const char *what, struct cr_error **err)
{
	if (setsockopt(sk, SOL_TCP, name, &v, sizeof(v)) < 0)
		return cr_err_sys(err, -errno, "setsockopt %s", what);
	return 0;
}

static int read_stream(struct fdk_restore *rs, uint32_t ino, TcpStreamEntry **ret,
		       struct img_entry *ret_e, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	int r;

	r = img_reader_open_type_at(rs->imgfd, IMG_TCP_STREAM, ino, &rd, err);
	if (r < 0)
		return r;
	r = img_reader_next(rd, false, ret_e, err);
	img_reader_close(rd);
	if (r == 0)
		return cr_err(err, -EINVAL, "tcp-stream-%x.img: empty", ino);
	if (r < 0)
		return r;
	*ret = (TcpStreamEntry *)ret_e->msg;
	if ((uint64_t)(*ret)->inq_len + (*ret)->outq_len > ret_e->extra_len ||
	    (*ret)->unsq_len > (*ret)->outq_len) {
		img_entry_release(ret_e);
		return cr_err(err, -EINVAL, "tcp-stream-%x.img: queue lengths beyond the payload",
			      ino);
	}
	return 0;
}

static int set_options(int sk, const TcpStreamEntry *t, struct cr_error **err)
{
	struct tcp_repair_opt o[4];
	int n = 0;

	o[n].opt_code = TCPOPT_MSS_;
	o[n++].opt_val = t->mss_clamp;
	if (t->opt_mask & TCPI_OPT_WSCALE) {
		o[n].opt_code = TCPOPT_WINDOW_;
		o[n++].opt_val = t->snd_wscale + (t->rcv_wscale << 16);
	}
	if (t->opt_mask & TCPI_OPT_TIMESTAMPS) {
		o[n].opt_code = TCPOPT_TIMESTAMP_;
		o[n++].opt_val = 0;
	}
	if (t->opt_mask & TCPI_OPT_SACK) {
		o[n].opt_code = TCPOPT_SACK_PERM_;
		o[n++].opt_val = 0;
	}
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_OPTIONS, o, n * sizeof(o[0])) < 0)
		return cr_err_sys(err, -errno, "TCP_REPAIR_OPTIONS");
	if (t->has_timestamp && (t->opt_mask & TCPI_OPT_TIMESTAMPS))
		return set_u32(sk, TCP_TIMESTAMP, t->timestamp, "TCP_TIMESTAMP", err);
	return 0;
}

static int restore_conn(struct fdk_restore *rs, int sk, const InetSkEntry *ie,
			const TcpStreamEntry *t, const uint8_t *data,
			const struct sockaddr *src, const struct sockaddr *dst, socklen_t alen,
			struct cr_error **err)
{
	int r;

	/* in CLOSE_WAIT the peer's FIN took a sequence number after the data:
	 * the socket gets it again as a packet (tcp_repair_send_fin), as CRIU does */
	uint32_t rcv_nxt = t->inq_seq - (ie->state == ST_CLOSE_WAIT_);
	/* and after a shutdown(SHUT_WR) our own FIN took one after the data sent */
	bool our_fin = ie->state == ST_FIN_WAIT1_ || ie->state == ST_FIN_WAIT2_;
	uint32_t write_seq = t->outq_seq - our_fin;

	r = set_queue(sk, Q_RECV, err);
	if (r >= 0)
		r = set_u32(sk, TCP_QUEUE_SEQ, rcv_nxt - t->inq_len, "TCP_QUEUE_SEQ recv", err);
	if (r >= 0)
		r = set_queue(sk, Q_SEND, err);
	if (r >= 0)
		r = set_u32(sk, TCP_QUEUE_SEQ, write_seq - t->outq_len, "TCP_QUEUE_SEQ send", err);
	if (r < 0)
		return r;
	/*
	 * The repair connect sizes segments from mss_clamp, which is still the
	 * 536 default then (TCP_REPAIR_OPTIONS needs an established socket),
	 * and nothing sizes them again: the connection would go on in 524-byte
	 * segments.  A user MSS given before connect becomes the clamp there
	 * (TCP_MAXSEG takes at most 32767: loopback's 65495 comes back as that;
	 * every real link's MSS is below it and comes back exact).
	 */
	if (t->mss_clamp) {
		uint32_t mss = t->mss_clamp < 32767 ? t->mss_clamp : 32767;

		/* the kernel also keeps segments within half the largest window the
		 * peer offered (tcp_bound_to_half_wnd); that bound is unknown at
		 * connect time here, and a segment larger than the peer's window
		 * waits for the persist timer: a slow trickle */
		if (t->has_max_window && t->max_window / 2 >= 68 && t->max_window / 2 < mss)
			mss = t->max_window / 2;
		sso(sk, SOL_TCP, TCP_MAXSEG, (int)mss);
	}
	/* repair mode sets SK_FORCE_REUSE: binding next to a listener is fine */
	if (bind(sk, src, alen) < 0)
		return cr_err_sys(err, -errno, "tcp %u: bind to port %u", ie->ino, ie->src_port);
	if (connect(sk, dst, alen) < 0)
		return cr_err_sys(err, -errno, "tcp %u: repair connect to port %u", ie->ino,
				  ie->dst_port);
	r = set_options(sk, t, err);
	if (r < 0)
		return r;
	/*
	 * Room for both queues whatever the restored buffer sizes are (skbs
	 * built here need not pack like the originals); ie->opts puts the
	 * sizes back below.  The never-sent tail goes in as sent too: it is
	 * retransmitted once repair is off, so nothing blocks here on a peer
	 * that is not reading yet.
	 */
	sso(sk, SOL_SOCKET, SO_SNDBUFFORCE, t->outq_len + (1 << 20));
	sso(sk, SOL_SOCKET, SO_RCVBUFFORCE, t->inq_len + (1 << 20));
	r = send_queue(sk, Q_RECV, data, t->inq_len, err);
	if (r >= 0)
		r = send_queue(sk, Q_SEND, data + t->inq_len, t->outq_len, err);
	set_queue(sk, Q_NONE, NULL);
	if (r < 0)
		return r;
	/* the FIN goes back in the send queue, still in repair: sent (again) once
	 * repair is off; a peer that had acknowledged it acknowledges it again */
	if (our_fin && shutdown(sk, SHUT_WR) < 0)
		return cr_err_sys(err, -errno, "tcp %u: queueing our FIN again", ie->ino);
	if (ie->opts) {
		sso(sk, SOL_SOCKET, SO_SNDBUFFORCE, ie->opts->so_sndbuf / 2);
		sso(sk, SOL_SOCKET, SO_RCVBUFFORCE, ie->opts->so_rcvbuf / 2);
	}
	if (t->has_rcv_wnd) {
		struct tcp_repair_window w = {
			.snd_wl1 = t->snd_wl1, .snd_wnd = t->snd_wnd, .max_window = t->max_window,
			.rcv_wnd = t->rcv_wnd, .rcv_wup = t->rcv_wup,
		};

		/* the kernel wants both at or before rcv_nxt, which lacks the FIN for now */
		if ((int32_t)(w.rcv_wup - rcv_nxt) > 0)
			w.rcv_wup = rcv_nxt;
		if ((int32_t)(w.snd_wl1 - rcv_nxt) > 0)
			w.snd_wl1 = rcv_nxt;

		if (setsockopt(sk, SOL_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w)) < 0)
			return cr_err_sys(err, -errno, "TCP_REPAIR_WINDOW");
	}
	if (t->has_nodelay && t->nodelay && (r = set_u32(sk, TCP_NODELAY, 1, "TCP_NODELAY", err)) < 0)
		return r;
	if (t->has_cork && t->cork && (r = set_u32(sk, TCP_CORK, 1, "TCP_CORK", err)) < 0)
		return r;
	return 0;
}

int tcp_repair_restore(struct fdk_restore *rs, int sk, const InetSkEntry *ie,
		       struct cr_error **err)
{
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	socklen_t alen;
	struct img_entry e = { 0 };
	TcpStreamEntry *t = NULL;
	struct fdk_tcp_pending p = { .fd = -1 };
	int r;

	if (ie->family == AF_INET) {
		struct sockaddr_in *s = (void *)&src, *d = (void *)&dst;

		s->sin_family = d->sin_family = AF_INET;
		s->sin_port = htons(ie->src_port);
		d->sin_port = htons(ie->dst_port);
		memcpy(&s->sin_addr, ie->src_addr, 4);
		memcpy(&d->sin_addr, ie->dst_addr, 4);
		alen = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (void *)&src, *d = (void *)&dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		s->sin6_port = htons(ie->src_port);
		d->sin6_port = htons(ie->dst_port);
		memcpy(&s->sin6_addr, ie->src_addr, 16);
		memcpy(&d->sin6_addr, ie->dst_addr, 16);
		alen = sizeof(*s);
	}
	fdk_conn_of(ie, &p.conn);
	r = read_stream(rs, ie->ino, &t, &e, err);
	if (r < 0)
		return r;
	if (tcp_repair_set(sk, 1) < 0) {
		r = cr_err_sys(err, -errno, "tcp %u: TCP_REPAIR on (needs CAP_NET_ADMIN)", ie->ino);
		goto out;
	}
	r = restore_conn(rs, sk, ie, t, e.extra, (struct sockaddr *)&src,
			 (struct sockaddr *)&dst, alen, err);
	if (r < 0)
		goto out;
	p.fd = fcntl(sk, F_DUPFD_CLOEXEC, 0);
	if (p.fd < 0) {
		r = cr_err_sys(err, -errno, "dup");
		goto out;
	}
	if (ie->state == ST_CLOSE_WAIT_) {
		p.fin = true;
		p.fin_seq = t->inq_seq - 1;
		p.fin_ack = t->outq_seq - t->outq_len; /* what the peer had acknowledged */
		p.fin_win = t->has_snd_wnd ? t->snd_wnd >> (t->snd_wscale & 15) : 65535;
		if (p.fin_win > 65535)
			p.fin_win = 65535;
	}
	rs->tcp = xgrow(rs->tcp, &rs->cap_tcp, rs->n_tcp + 1, sizeof(*rs->tcp));
	rs->tcp[rs->n_tcp++] = p;
out:
	if (r < 0)
		r = cr_err_wrap(err, "tcp-stream-%x.img", ie->ino);
	img_entry_release(&e);
	return r;
}

/* ---- the peer's FIN of a CLOSE_WAIT connection ---- */

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A FIN|ACK from the peer to the restored socket, as the peer sent it
 * before the dump: from the peer's address and port, at the FIN's
 * sequence number.  Sent through a raw socket with our own IP header,
 * since the source is the peer's address; it reaches the local socket
 * whether the peer is local or not.  The socket moves to CLOSE_WAIT and
 * acknowledges the FIN, which the peer had seen acknowledged already.
 */
int tcp_repair_send_fin(const struct fdk_tcp_pending *t, struct cr_error **err)
{
	struct fdk_conn v4, *c0 = (struct fdk_conn *)&t->conn;
	const struct fdk_conn *c = c0;
	uint8_t pkt[60] = { 0 };
	uint8_t *tcp;
	size_t iplen;
	struct sockaddr_storage to = { 0 };
	socklen_t tolen;
	uint32_t sum = 0;
	_cleanup_close_ int raw = -1;
	int one = 1;

	/* a v6 socket talking to a v4 address: v4 packets on the wire */
	if (c->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)c->src)) {
		v4 = *c;
		v4.family = AF_INET;
		v4.src[0] = c->src[3];
		v4.dst[0] = c->dst[3];
		c = &v4;
	}
	iplen = c->family == AF_INET ? 20 : 40;

	raw = socket(c->family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (raw < 0)
		return cr_err_sys(err, -errno, "tcp %u: raw socket for the peer's FIN", c->ino);
	{
		/* past a lock CRIU may still hold on the connection */
		int mark = 0xC114;

		setsockopt(raw, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	}
	tcp = pkt + iplen;
	tcp[0] = c->dport >> 8;
	tcp[1] = c->dport & 0xff;
	tcp[2] = c->sport >> 8;
	tcp[3] = c->sport & 0xff;
	for (int i = 0; i < 4; i++) {
		tcp[4 + i] = t->fin_seq >> (24 - 8 * i);
		tcp[8 + i] = t->fin_ack >> (24 - 8 * i);
	}
	tcp[12] = 5 << 4;         /* 20 bytes, no options */
	tcp[13] = 0x11;           /* FIN|ACK */
	tcp[14] = t->fin_win >> 8;
	tcp[15] = t->fin_win & 0xff;
	if (c->family == AF_INET) {
		struct sockaddr_in *d = (struct sockaddr_in *)&to;

		pkt[0] = 0x45;
		pkt[2] = 0;
		pkt[3] = 40;          /* total length */
		pkt[8] = 64;          /* ttl */
		pkt[9] = IPPROTO_TCP;
		memcpy(pkt + 12, c->dst, 4); /* from the peer */
		memcpy(pkt + 16, c->src, 4); /* to us */
		{
			uint8_t ph[12] = { 0 };

			memcpy(ph, c->dst, 4);
			memcpy(ph + 4, c->src, 4);
			ph[9] = IPPROTO_TCP;
			ph[11] = 20;
			sum = csum_add(csum_add(0, ph, sizeof(ph)), tcp, 20);
		}
		d->sin_family = AF_INET;
		memcpy(&d->sin_addr, c->src, 4);
		tolen = sizeof(*d);
		/* IPPROTO_RAW implies IP_HDRINCL */
	} else {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&to;

		pkt[0] = 0x60;
		pkt[5] = 20;          /* payload length */
		pkt[6] = IPPROTO_TCP;
		pkt[7] = 64;
		memcpy(pkt + 8, c->dst, 16);
		memcpy(pkt + 24, c->src, 16);
		{
			uint8_t ph[40] = { 0 };

			memcpy(ph, c->dst, 16);
			memcpy(ph + 16, c->src, 16);
			ph[35] = 20;
			ph[39] = IPPROTO_TCP;
			sum = csum_add(csum_add(0, ph, sizeof(ph)), tcp, 20);
		}
		d->sin6_family = AF_INET6;
		memcpy(&d->sin6_addr, c->src, 16);
		tolen = sizeof(*d);
		setsockopt(raw, IPPROTO_IPV6, 36 /* IPV6_HDRINCL */, &one, sizeof(one));
	}
	{
		uint16_t ck = csum_fold(sum);

		tcp[16] = ck >> 8;
		tcp[17] = ck & 0xff;
	}
	if (sendto(raw, pkt, iplen + 20, 0, (struct sockaddr *)&to, tolen) < 0)
		return cr_err_sys(err, -errno, "tcp %u: sending the peer's FIN again", c->ino);
	return 0;
}
