/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared pieces of the ext file kinds: dispatch, fdinfo parsing, fown and
 * socket options, and the per-dump / per-restore state.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "opts.h"
#include "xalloc.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif

static const struct fdk_ops *const all_ops[] = {
	&fdk_unix_ops,    &fdk_inet_ops,     &fdk_eventfd_ops, &fdk_eventpoll_ops,
	&fdk_timerfd_ops, &fdk_signalfd_ops, &fdk_inotify_ops, &fdk_memfd_ops,
	&fdk_netlink_ops, &fdk_pidfd_ops, &fdk_packet_ops,
};

const struct fdk_ops *fdk_ops_by_type(int type)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_ops); i++)
		if (all_ops[i]->type == type)
			return all_ops[i];
	return NULL;
}

static const struct {
	const char *link;
	const struct fdk_ops *ops;
} anon_links[] = {
	{ "anon_inode:[eventfd]", &fdk_eventfd_ops },
	{ "anon_inode:[eventpoll]", &fdk_eventpoll_ops },
	{ "anon_inode:[timerfd]", &fdk_timerfd_ops },
	{ "anon_inode:[signalfd]", &fdk_signalfd_ops },
	{ "anon_inode:inotify", &fdk_inotify_ops },
	{ "anon_inode:[pidfd]", &fdk_pidfd_ops },
};

const struct fdk_ops *fdk_ops_for_fd(int local_fd, const struct stat *st)
{
	char path[64], link[256];
	ssize_t n;

	if (S_ISSOCK(st->st_mode)) {
		int dom = 0;
		socklen_t len = sizeof(dom);

		if (getsockopt(local_fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0)
			return NULL;
		if (dom == AF_UNIX)
			return &fdk_unix_ops;
		if (dom == AF_INET || dom == AF_INET6)
			return &fdk_inet_ops;
		if (dom == AF_NETLINK)
			return &fdk_netlink_ops;
		if (dom == AF_PACKET)
			return &fdk_packet_ops;
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", local_fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return NULL;
	link[n] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(anon_links); i++)
		if (!strcmp(link, anon_links[i].link))
			return anon_links[i].ops;
	/* memfds live on the internal shmem mount: "/memfd:NAME (deleted)" */
	if (S_ISREG(st->st_mode) && !strncmp(link, "/memfd:", 7))
		return &fdk_memfd_ops;
	return NULL;
}

void fdk_file_entry_release(FileEntry *fe)
{
	ProtobufCMessage *subs[] = {
		(ProtobufCMessage *)fe->usk,  (ProtobufCMessage *)fe->isk,
		(ProtobufCMessage *)fe->efd,  (ProtobufCMessage *)fe->epfd,
		(ProtobufCMessage *)fe->tfd,  (ProtobufCMessage *)fe->sgfd,
		(ProtobufCMessage *)fe->ify,  (ProtobufCMessage *)fe->memfd,
		(ProtobufCMessage *)fe->nlsk, (ProtobufCMessage *)fe->pidfd,
		(ProtobufCMessage *)fe->psk,
	};

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (subs[i])
			protobuf_c_message_free_unpacked(subs[i], NULL);
	fe->usk = NULL;
	fe->isk = NULL;
	fe->efd = NULL;
	fe->epfd = NULL;
	fe->tfd = NULL;
	fe->sgfd = NULL;
	fe->ify = NULL;
	fe->memfd = NULL;
}

/* ---- fdinfo ---- */

int fdk_fdinfo_read(pid_t pid, int fd, char **ret, struct cr_error **err)
{
	char path[64];
	_cleanup_close_ int f = -1;
	size_t len = 0, cap = 4096;
	_cleanup_free_ char *buf = xmalloc(cap);
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return cr_err_sys(err, -errno, "open '%s'", path);
	for (;;) {
		if (cap - len < 1024)
			buf = xgrow(buf, &cap, cap * 2, 1);
		n = read(f, buf + len, cap - len - 1);
		if (n < 0)
			return cr_err_sys(err, -errno, "read '%s'", path);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

const char *fdk_fdinfo_field(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			p += kl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return p;
		}
	}
	return NULL;
}

int fdk_fdinfo_flags(const char *text, uint32_t *ret_flags, uint64_t *ret_pos)
{
	const char *f = fdk_fdinfo_field(text, "flags");
	const char *p = fdk_fdinfo_field(text, "pos");

	if (!f || !p)
		return -EINVAL;
	*ret_flags = (uint32_t)strtoul(f, NULL, 8) & ~(uint32_t)O_CLOEXEC;
	if (ret_pos)
		*ret_pos = strtoull(p, NULL, 10);
	return 0;
}

FownEntry *fdk_fown_new(int local_fd)
{
	FownEntry *f = xmalloc(sizeof(*f));
	struct f_owner_ex own = { 0 };
	int sig;

	fown_entry__init(f);
	if (fcntl(local_fd, F_GETOWN_EX, &own) == 0 && own.pid) {
		f->pid = own.pid;
		f->pid_type = own.type;
		sig = fcntl(local_fd, F_GETSIG);
		f->signum = sig > 0 ? sig : 0;
		/* CRIU records the owner's creds; ours are what the kernel checks on restore */
		f->uid = getuid();
		f->euid = geteuid();
	}
	return f;
}

int fdk_fown_restore(int fd, const FownEntry *fown, struct cr_error **err)
{
	struct f_owner_ex own;

	if (!fown || !fown->pid)
		return 0;
	own.type = fown->pid_type;
	own.pid = fown->pid;
	/* an owner in the tree does not exist yet: the task sets it (files.c) */
	if (fcntl(fd, F_SETOWN_EX, &own) < 0)
		return errno == ESRCH ? 0 : cr_err_sys(err, -errno, "F_SETOWN_EX %u", fown->pid);
	if (fown->signum && fcntl(fd, F_SETSIG, fown->signum) < 0)
		return cr_err_sys(err, -errno, "F_SETSIG %u", fown->signum);
	return 0;
}

int fdk_set_fl(int fd, uint32_t flags, struct cr_error **err)
{
	int mask = O_APPEND | O_ASYNC | O_NONBLOCK | O_DIRECT | O_NOATIME;
	int cur = fcntl(fd, F_GETFL);

	if (cur < 0)
		return cr_err_sys(err, -errno, "F_GETFL");
	if ((cur & mask) == (int)(flags & mask))
		return 0;
	if (fcntl(fd, F_SETFL, (cur & ~mask) | (flags & mask)) < 0)
		return cr_err_sys(err, -errno, "F_SETFL 0%o", flags);
	return 0;
}

int fdk_open_done(int fd, uint32_t flags, const FownEntry *fown, int *ret_fd,
		  struct cr_error **err)
{
	int r = fdk_set_fl(fd, flags, err);

	if (r == 0)
		r = fdk_fown_restore(fd, fown, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* ---- socket options ---- */

static int gso_int(int sk, int level, int name, int dflt)
{
	int v = dflt;
	socklen_t len = sizeof(v);

	if (getsockopt(sk, level, name, &v, &len) < 0)
		return dflt;
	return v;
}

SkOptsEntry *fdk_skopts_dump(int sk, bool inet)
{
	SkOptsEntry *o = xmalloc(sizeof(*o));
	struct timeval tv;
	struct linger lg;
	socklen_t len;
	int v;

	sk_opts_entry__init(o);
	o->so_sndbuf = gso_int(sk, SOL_SOCKET, SO_SNDBUF, 0);
	o->so_rcvbuf = gso_int(sk, SOL_SOCKET, SO_RCVBUF, 0);
	len = sizeof(tv);
	if (getsockopt(sk, SOL_SOCKET, SO_SNDTIMEO_OLD, &tv, &len) == 0) {
		o->so_snd_tmo_sec = tv.tv_sec;
		o->so_snd_tmo_usec = tv.tv_usec;
	}
	len = sizeof(tv);
	if (getsockopt(sk, SOL_SOCKET, SO_RCVTIMEO_OLD, &tv, &len) == 0) {
		o->so_rcv_tmo_sec = tv.tv_sec;
		o->so_rcv_tmo_usec = tv.tv_usec;
	}
	o->has_reuseaddr = true;
	o->reuseaddr = gso_int(sk, SOL_SOCKET, SO_REUSEADDR, 0);
	o->has_so_priority = true;
	o->so_priority = gso_int(sk, SOL_SOCKET, SO_PRIORITY, 0);
	o->has_so_rcvlowat = true;
	o->so_rcvlowat = gso_int(sk, SOL_SOCKET, SO_RCVLOWAT, 1);
	v = gso_int(sk, SOL_SOCKET, SO_MARK, 0);
	if (v) {
		o->has_so_mark = true;
		o->so_mark = v;
	}
	if (!inet) {
		o->has_so_passcred = true;
		o->so_passcred = gso_int(sk, SOL_SOCKET, SO_PASSCRED, 0);
		o->has_so_passsec = true;
		o->so_passsec = gso_int(sk, SOL_SOCKET, SO_PASSSEC, 0);
	}
	o->has_so_dontroute = true;
	o->so_dontroute = gso_int(sk, SOL_SOCKET, SO_DONTROUTE, 0);
	o->has_so_no_check = true;
	o->so_no_check = gso_int(sk, SOL_SOCKET, SO_NO_CHECK, 0);
	o->has_so_reuseport = true;
	o->so_reuseport = gso_int(sk, SOL_SOCKET, SO_REUSEPORT, 0);
	o->has_so_broadcast = true;
	o->so_broadcast = gso_int(sk, SOL_SOCKET, SO_BROADCAST, 0);
	o->has_so_keepalive = true;
	o->so_keepalive = gso_int(sk, SOL_SOCKET, SO_KEEPALIVE, 0);
	o->has_so_oobinline = true;
	o->so_oobinline = gso_int(sk, SOL_SOCKET, SO_OOBINLINE, 0);
	len = sizeof(lg);
	if (getsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff) {
		o->has_so_linger = true;
		o->so_linger = lg.l_linger;
	}
	o->has_so_buf_lock = true;
	o->so_buf_lock = gso_int(sk, SOL_SOCKET, SO_BUF_LOCK, 0);
	{
		char dev[IFNAMSIZ + 1] = "";
		socklen_t dl = sizeof(dev) - 1;

		if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl) == 0 && dl && dev[0])
			o->so_bound_dev = xstrndup(dev, dl);
	}
	{
		/* a classic BPF filter (dhclient's, tcpdump's): CRIU keeps each
		 * struct sock_filter as one fixed64 */
		socklen_t n = 0;

		if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, NULL, &n) == 0 && n > 0 && n <= BPF_MAXINSNS) {
			struct sock_filter *f = xcalloc(n, sizeof(*f));
			socklen_t got = n;

			if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, f, &got) == 0 && got == n) {
				o->so_filter = xcalloc(n, sizeof(uint64_t));
				memcpy(o->so_filter, f, n * sizeof(*f));
				o->n_so_filter = n;
			}
			free(f);
		}
	}
	return o;
}

static int sso_int(int sk, int level, int name, int v, const char *what, struct cr_error **err)
{
	if (setsockopt(sk, level, name, &v, sizeof(v)) < 0)
		return cr_err_sys(err, -errno, "setsockopt %s=%d", what, v);
	return 0;
}

int fdk_skopts_restore(int sk, const SkOptsEntry *o, struct cr_error **err)
{
	struct timeval tv;
	int r;

	if (!o)
		return 0;
	/* The kernel doubles what it is given; FORCE variants skip rmem_max (we are root). */
	r = sso_int(sk, SOL_SOCKET, SO_SNDBUFFORCE, o->so_sndbuf / 2, "SO_SNDBUF", err);
	if (r < 0)
		return r;
	r = sso_int(sk, SOL_SOCKET, SO_RCVBUFFORCE, o->so_rcvbuf / 2, "SO_RCVBUF", err);
	if (r < 0)
		return r;
	tv.tv_sec = o->so_snd_tmo_sec;
	tv.tv_usec = o->so_snd_tmo_usec;
	if (setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO_OLD, &tv, sizeof(tv)) < 0)
		return cr_err_sys(err, -errno, "setsockopt SO_SNDTIMEO");
	tv.tv_sec = o->so_rcv_tmo_sec;
	tv.tv_usec = o->so_rcv_tmo_usec;
	if (setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO_OLD, &tv, sizeof(tv)) < 0)
		return cr_err_sys(err, -errno, "setsockopt SO_RCVTIMEO");
	if (o->has_so_priority && o->so_priority &&
	    (r = sso_int(sk, SOL_SOCKET, SO_PRIORITY, o->so_priority, "SO_PRIORITY", err)) < 0)
		return r;
	if (o->has_so_rcvlowat && o->so_rcvlowat > 1 &&
	    (r = sso_int(sk, SOL_SOCKET, SO_RCVLOWAT, o->so_rcvlowat, "SO_RCVLOWAT", err)) < 0)
		return r;
	if (o->has_so_mark && o->so_mark &&
	    (r = sso_int(sk, SOL_SOCKET, SO_MARK, o->so_mark, "SO_MARK", err)) < 0)
		return r;
	if (o->has_so_passcred && o->so_passcred &&
	    (r = sso_int(sk, SOL_SOCKET, SO_PASSCRED, 1, "SO_PASSCRED", err)) < 0)
		return r;
	if (o->has_so_passsec && o->so_passsec &&
	    (r = sso_int(sk, SOL_SOCKET, SO_PASSSEC, 1, "SO_PASSSEC", err)) < 0)
		return r;
	if (o->has_so_dontroute && o->so_dontroute &&
	    (r = sso_int(sk, SOL_SOCKET, SO_DONTROUTE, 1, "SO_DONTROUTE", err)) < 0)
		return r;
	if (o->has_so_no_check && o->so_no_check &&
	    (r = sso_int(sk, SOL_SOCKET, SO_NO_CHECK, 1, "SO_NO_CHECK", err)) < 0)
		return r;
	if (o->has_so_broadcast && o->so_broadcast &&
	    (r = sso_int(sk, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST", err)) < 0)
		return r;
	if (o->has_so_keepalive && o->so_keepalive &&
	    (r = sso_int(sk, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE", err)) < 0)
		return r;
	if (o->has_so_oobinline && o->so_oobinline &&
	    (r = sso_int(sk, SOL_SOCKET, SO_OOBINLINE, 1, "SO_OOBINLINE", err)) < 0)
		return r;
	if (o->has_so_linger) {
		struct linger lg = { .l_onoff = 1, .l_linger = o->so_linger };

		if (setsockopt(sk, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			return cr_err_sys(err, -errno, "setsockopt SO_LINGER");
	}
	if (o->has_so_buf_lock && o->so_buf_lock &&
	    (r = sso_int(sk, SOL_SOCKET, SO_BUF_LOCK, o->so_buf_lock, "SO_BUF_LOCK", err)) < 0)
		return r;
	if (o->so_bound_dev && o->so_bound_dev[0] &&
	    setsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, o->so_bound_dev, strlen(o->so_bound_dev)) < 0)
		return cr_err_sys(err, -errno, "setsockopt SO_BINDTODEVICE '%s'", o->so_bound_dev);
	if (o->n_so_filter) {
		struct sock_fprog prog = { .len = (unsigned short)o->n_so_filter,
					   .filter = (struct sock_filter *)o->so_filter };

		if (o->n_so_filter > BPF_MAXINSNS)
			return cr_err(err, -EINVAL, "socket filter of %zu instructions", o->n_so_filter);
		if (setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
			return cr_err_sys(err, -errno, "setsockopt SO_ATTACH_FILTER (%zu instructions)",
					  o->n_so_filter);
	}
	/* reuseaddr/reuseport are set by the kinds: binding may need them first */
	return 0;
}

/* ---- dump state ---- */

/* --ext-unix-sk, or CRIU's newer spelling --external unix[INO] */
static bool ext_unix_allowed(const struct crisp_opts *o)
{
	if (o->ext_unix_sk)
		return true;
	for (size_t i = 0; i < o->n_externals; i++)
		if (!strncmp(o->externals[i], "unix[", 5))
			return true;
	return false;
}

void fdk_dump_init(struct fdk_dump *d, int imgfd, const struct crisp_opts *o,
		   uint32_t *next_pages_id)
{
	memset(d, 0, sizeof(*d));
	d->imgfd = imgfd;
	d->next_pages_id = next_pages_id;
	if (o) {
		d->tcp_established = o->tcp_established;
		d->tcp_close = o->tcp_close;
		d->ext_unix_sk = ext_unix_allowed(o);
		d->netlock_skip = o->network_lock && !strcmp(o->network_lock, "skip");
		d->netlock_iptables = o->network_lock && !strcmp(o->network_lock, "iptables");
		d->skip_in_flight = o->skip_in_flight;
	}
}

static const struct fdk_usk *usk_find(const struct fdk_dump *d, uint32_t ino)
{
	for (size_t i = 0; i < d->n_usks; i++)
		if (d->usks[i].ino == ino)
			return &d->usks[i];
	return NULL;
}

int fdk_dump_commit(struct fdk_dump *d, struct cr_error **err)
{
	size_t n = d->n_usks; /* external peers are appended as they are recorded */
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct fdk_usk *u = &d->usks[i];

		if (!u->peer || usk_find(d, u->peer))
			continue;
		if (!d->ext_unix_sk)
			return cr_err(err, -EOPNOTSUPP,
				      "unix socket %u (file %u) is connected to %u outside the dumped tree; use --ext-unix-sk",
				      u->ino, u->id, u->peer);
		r = unix_dump_external(d, -1, u->peer, err); /* looked up in crisp's netns */
		if (r < 0)
			return r;
	}
	if (d->w_skq) {
		r = img_writer_commit(TAKE_PTR(d->w_skq), err);
		if (r < 0)
			return r;
	}
	if (d->w_memfd) {
		r = img_writer_commit(TAKE_PTR(d->w_memfd), err);
		if (r < 0)
			return r;
	}
	return 0;
}

void fdk_dump_finish(struct fdk_dump *d, bool keep_running)
{
	if (d->w_skq)
		img_writer_abort(TAKE_PTR(d->w_skq));
	if (d->w_memfd)
		img_writer_abort(TAKE_PTR(d->w_memfd));
	/* the tasks go on: lift the lock, then let the sockets talk again */
	if (keep_running && d->netlock_iptables)
		netlock_conns_ipt(d->locked, d->n_locked, false, NULL);
	else if (keep_running)
		netlock_conns(d->locked, d->n_locked, false, NULL);
	for (size_t i = 0; i < d->n_repaired; i++) {
		if (keep_running)
			tcp_repair_set(d->repaired[i].fd, 0);
		close(d->repaired[i].fd);
	}
	free(d->repaired);
	free(d->locked);
	free(d->memfds);
	free(d->usks);
	memset(d, 0, sizeof(*d));
}

/* ---- restore state ---- */

int fdk_restore_init(struct fdk_restore *r, int imgfd, const struct crisp_opts *o,
		     FileEntry **fes, size_t n_fes, struct cr_error **err)
{
	memset(r, 0, sizeof(*r));
	r->imgfd = imgfd;
	r->fes = fes;
	r->n_fes = n_fes;
	if (o) {
		r->tcp_established = o->tcp_established;
		r->tcp_close = o->tcp_close;
		r->ext_unix_sk = ext_unix_allowed(o);
	}
	return 0;
}

void fdk_rsk_add(struct fdk_restore *r, uint32_t id, int fd)
{
	r->socks = xgrow(r->socks, &r->cap_socks, r->n_socks + 1, sizeof(*r->socks));
	r->socks[r->n_socks++] = (struct fdk_rsk){ id, fd };
}

int fdk_rsk_find(const struct fdk_restore *r, uint32_t id)
{
	for (size_t i = 0; i < r->n_socks; i++)
		if (r->socks[i].id == id)
			return r->socks[i].fd;
	return -1;
}

const FileEntry *fdk_find_entry(const struct fdk_restore *r, int type, uint32_t ino)
{
	for (size_t i = 0; i < r->n_fes; i++) {
		const FileEntry *fe = r->fes[i];

		if ((int)fe->type != type)
			continue;
		if (type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == ino)
			return fe;
		if (type == FD_TYPES__INETSK && fe->isk && fe->isk->ino == ino)
			return fe;
	}
	return NULL;
}

int fdk_skq_load(struct fdk_restore *r, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	size_t cap = 0;
	int ret;

	if (r->skq_loaded)
		return 0;
	ret = img_reader_open_type_at(r->imgfd, IMG_SK_QUEUES, 0, &rd, err);
	if (ret == -ENOENT) {
		cr_err_free(err);
		r->skq_loaded = true;
		return 0;
	}
	if (ret < 0)
		return ret;
	for (;;) {
		struct img_entry e = { 0 };

		ret = img_reader_next(rd, false, &e, err);
		if (ret <= 0)
			break;
		r->skq = xgrow(r->skq, &cap, r->n_skq + 1, sizeof(*r->skq));
		r->skq[r->n_skq++] = e;
	}
	img_reader_close(rd);
	if (ret < 0)
		return ret;
	r->skq_loaded = true;
	return 0;
}

int fdk_restore_finish(struct fdk_restore *r, struct cr_error **err)
{
	struct fdk_conn *cs = xcalloc(r->n_tcp ? r->n_tcp : 1, sizeof(*cs));
	int ret = 0;

	/* lift the dump's lock first: the window probe sent at repair off gets through */
	for (size_t i = 0; i < r->n_tcp; i++)
		cs[i] = r->tcp[i].conn;
	netlock_conns(cs, r->n_tcp, false, NULL);
	/* and CRIU's form, whoever wrote it (CRIU's dump, or crisp's with iptables) */
	netlock_conns_ipt(cs, r->n_tcp, false, NULL);
	free(cs);
	for (size_t i = 0; i < r->n_tcp; i++) {
		struct fdk_tcp_pending *t = &r->tcp[i];

		if (t->fd < 0)
			continue;
		if (tcp_repair_set(t->fd, 0) < 0 && !ret)
			ret = cr_err_sys(err, -errno, "TCP_REPAIR off");
		else if (t->fin && !ret)
			ret = tcp_repair_send_fin(t, err);
		close(t->fd);
		t->fd = -1;
	}
	r->n_tcp = 0;
	return ret;
}

void fdk_restore_release(struct fdk_restore *r)
{
	for (size_t i = 0; i < r->n_tcp; i++) {
		if (r->tcp[i].fd >= 0)
			close(r->tcp[i].fd);
	}
	free(r->tcp);
	for (size_t i = 0; i < r->n_socks; i++)
		close(r->socks[i].fd);
	free(r->socks);
	for (size_t i = 0; i < r->n_skq; i++)
		img_entry_release(&r->skq[i]);
	free(r->skq);
	for (size_t i = 0; i < r->n_mino; i++) {
		protobuf_c_message_free_unpacked(&r->mino[i]->base, NULL);
		if (r->mino_fd[i] >= 0)
			close(r->mino_fd[i]);
	}
	free(r->mino);
	free(r->mino_fd);
	memset(r, 0, sizeof(*r));
}
