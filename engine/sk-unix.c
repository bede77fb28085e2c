/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unix sockets.  Dump: sock_diag (NETLINK_SOCK_DIAG) gives the state, the
 * name, the peer's inode, the not-yet-accepted connections and the queue
 * lengths; the receive queue is read with MSG_PEEK from crisp's copy of the
 * socket (SO_PEEK_OFF walks it without consuming) into sk-queues.img.
 *
 * Restore: a connected pair inside the tree becomes a socketpair(), or, when
 * the server end was accepted from a listener of the image, a connect() to
 * that listener and an accept(); listeners and bound sockets are bound to
 * their names again; dgram sockets connect to their peer's name.  Queued
 * data is sent back through the peer.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

#ifndef SIOCGSKNS
#define SIOCGSKNS 0x894C
#endif

struct usk_diag {
	uint8_t type, state, shutdown;
	uint32_t ino, peer;
	uint32_t rqueue, wqueue;
	uint32_t n_icons;
	bool have_vfs;
	uint32_t vfs_ino, vfs_dev;
	char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	size_t name_len;
};

static int diag_parse(const struct nlmsghdr *h, struct usk_diag *ret)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	ret->type = m->udiag_type;
	ret->state = m->udiag_state;
	ret->ino = m->udiag_ino;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		const void *p = RTA_DATA(a);
		size_t pl = RTA_PAYLOAD(a);

		switch (a->rta_type) {
		case UNIX_DIAG_NAME:
			ret->name_len = pl < sizeof(ret->name) - 1 ? pl : sizeof(ret->name) - 1;
			memcpy(ret->name, p, ret->name_len);
			break;
		case UNIX_DIAG_PEER:
			if (pl >= 4)
				ret->peer = *(const uint32_t *)p;
			break;
		case UNIX_DIAG_ICONS:
			ret->n_icons = pl / 4;
			break;
		case UNIX_DIAG_RQLEN:
			if (pl >= sizeof(struct unix_diag_rqlen)) {
				const struct unix_diag_rqlen *q = p;

				ret->rqueue = q->udiag_rqueue;
				ret->wqueue = q->udiag_wqueue;
			}
			break;
		case UNIX_DIAG_SHUTDOWN:
			if (pl >= 1)
				ret->shutdown = *(const uint8_t *)p;
			break;
		case UNIX_DIAG_VFS:
			if (pl >= sizeof(struct unix_diag_vfs)) {
				const struct unix_diag_vfs *v = p;

				ret->have_vfs = true;
				ret->vfs_ino = v->udiag_vfs_ino;
				ret->vfs_dev = v->udiag_vfs_dev;
			}
			break;
		}
	}
	return 0;
}

/*
 * A sock_diag socket in the net namespace of `sk` (sock_diag only sees its
 * own namespace; a container's sockets live in another one).  setns() is
 * undone at once: crisp is single-threaded while it dumps.
 */
static int diag_socket(int sk)
{
	_cleanup_close_ int ns = sk >= 0 ? ioctl(sk, SIOCGSKNS) : -1;
	_cleanup_close_ int self = -1;
	struct stat a, b;
	int nl, e;

	if (ns < 0 || fstat(ns, &a) < 0 || stat("/proc/self/ns/net", &b) < 0 ||
	    a.st_ino == b.st_ino)
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(ns, CLONE_NEWNET) < 0)
		return -1;
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* cannot go home: nothing after this would be right */
	errno = e;
	return nl;
}

/* One socket by inode, in the netns of sk (UNIX_DIAG_SHUTDOWN always comes). */
static int usk_diag_get(int sk, uint32_t ino, struct usk_diag *ret, struct cr_error **err)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = ino,
		       .udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_ICONS |
				     UDIAG_SHOW_RQLEN | UDIAG_SHOW_VFS,
		       .udiag_cookie = { ~0u, ~0u } },
	};
	_cleanup_close_ int nl = diag_socket(sk);
	_cleanup_free_ char *buf = xmalloc(16384);
	struct nlmsghdr *h;
	ssize_t n;

	if (nl < 0)
		return cr_err_sys(err, -errno, "socket NETLINK_SOCK_DIAG");
	if (send(nl, &req, sizeof(req), 0) != sizeof(req))
		return cr_err_sys(err, -errno, "sock_diag request for unix %u", ino);
	n = recv(nl, buf, 16384, 0);
	if (n < 0)
		return cr_err_sys(err, -errno, "sock_diag reply for unix %u", ino);
	h = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(h, (size_t)n))
		return cr_err(err, -EIO, "sock_diag: short reply for unix %u", ino);
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return cr_err_sys(err, e->error ? e->error : -EIO, "sock_diag unix %u", ino);
	}
	if (diag_parse(h, ret) < 0)
		return cr_err(err, -EIO, "sock_diag: bad reply for unix %u", ino);
	return 0;
}

static uint32_t sock_ino(int sk)
{
	struct stat st;

	return fstat(sk, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static bool sk_queue_open(struct fdk_dump *d, struct cr_error **err, int *r)
{
	if (!d->w_skq)
		*r = img_writer_open_type_at(d->imgfd, IMG_SK_QUEUES, 0, &d->w_skq, err);
	return *r >= 0;
}

/* Copy the receive queue of `sk` to sk-queues.img without consuming it. */
static void scm_free(SkPacketEntry *pe)
{
	for (size_t i = 0; i < pe->n_scm; i++) {
		free(pe->scm[i]->rights);
		free(pe->scm[i]);
	}
	free(pe->scm);
	pe->scm = NULL;
	pe->n_scm = 0;
}

static int dump_queue(struct fdk_dump *d, int sk, uint32_t id, uint32_t bufsz,
		      struct cr_error **err)
{
	int old_off = -1, zero = 0, r = 0;
	socklen_t ol = sizeof(old_off);
	_cleanup_free_ uint8_t *buf = NULL;
	char cbuf[CMSG_SPACE(sizeof(int) * 64)];

	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old_off, &ol) < 0)
		return cr_err_sys(err, -errno, "unix %u: SO_PEEK_OFF", id);
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) < 0)
		return cr_err_sys(err, -errno, "unix %u: set SO_PEEK_OFF", id);
	bufsz = bufsz < 65536 ? 65536 : bufsz;
	buf = xmalloc(bufsz);
	for (;;) {
		struct iovec iov = { buf, bufsz };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
		ssize_t n = recvmsg(sk, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		size_t scm_cap = 0;

		if (n < 0) {
			if (errno != EAGAIN)
				r = cr_err_sys(err, -errno, "unix %u: peek queue", id);
			break;
		}
		if (n == 0 && !(mh.msg_flags & MSG_TRUNC))
			break; /* stream EOF; empty datagrams cannot be told from it here */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int *fds = (int *)CMSG_DATA(c);
				size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

				/* the files passed with this packet: entries of files.img */
				if (r >= 0 && !d->dump_local)
					r = cr_err(err, -EOPNOTSUPP,
						   "unix socket %u: file descriptors in flight (SCM_RIGHTS) are not supported",
						   id);
				if (r >= 0 && nfd) {
					ScmEntry *se = xmalloc(sizeof(*se));

					scm_entry__init(se);
					se->type = SCM_RIGHTS;
					se->rights = xcalloc(nfd, sizeof(uint32_t));
					for (size_t i = 0; r >= 0 && i < nfd; i++) {
						r = d->dump_local(d->file_arg, fds[i], &se->rights[i], err);
						se->n_rights += r >= 0;
					}
					pe.scm = xgrow(pe.scm, &scm_cap, pe.n_scm + 1, sizeof(*pe.scm));
					pe.scm[pe.n_scm++] = se;
				}
				for (size_t i = 0; i < nfd; i++)
					close(fds[i]);
			}
		}
		if (r < 0) {
			scm_free(&pe);
			break;
		}
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			r = (mh.msg_flags & MSG_TRUNC)
				    ? cr_err(err, -EMSGSIZE, "unix %u: queued packet larger than %u", id, bufsz)
				    : cr_err(err, -EMSGSIZE, "unix %u: more than 64 files in flight in one packet", id);
			scm_free(&pe);
			break;
		}
		pe.id_for = id;
		pe.length = n;
		if (!sk_queue_open(d, err, &r)) {
			scm_free(&pe);
			break;
		}
		r = img_writer_put(d->w_skq, &pe.base, err);
		if (r >= 0)
			r = img_writer_put_raw(d->w_skq, buf, n, err);
		scm_free(&pe);
		if (r < 0)
			break;
	}
	setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old_off, sizeof(old_off));
	return r;
}

/* A path name: record the dir of a relative one, and the file's perms or its deletion. */
static void usk_dump_path(pid_t pid, const struct usk_diag *dg, UnixSkEntry *e)
{
	char full[PATH_MAX + sizeof(dg->name)];
	struct stat st;

	if (!dg->name_len || !dg->name[0] || !dg->have_vfs)
		return;
	snprintf(full, sizeof(full), "%s", dg->name);
	if (dg->name[0] != '/') {
		/* relative to the cwd at bind time; CRIU records the task's cwd */
		char lnk[64], cwd[PATH_MAX];
		ssize_t n;

		snprintf(lnk, sizeof(lnk), "/proc/%d/cwd", pid);
		n = readlink(lnk, cwd, sizeof(cwd) - 1);
		if (n > 0) {
			cwd[n] = 0;
			e->name_dir = xstrdup(cwd);
			snprintf(full, sizeof(full), "%s/%s", cwd, dg->name);
		}
	}
	/* a path name: the socket file may be gone or replaced */
	if (stat(full, &st) == 0 && st.st_ino == dg->vfs_ino) {
		FilePermsEntry *fp = xmalloc(sizeof(*fp));

		file_perms_entry__init(fp);
		fp->mode = st.st_mode;
		fp->uid = st.st_uid;
		fp->gid = st.st_gid;
		e->file_perms = fp;
	} else {
		e->has_deleted = true;
		e->deleted = true;
	}
}

static int unix_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
		     FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	struct usk_diag dg;
	UnixSkEntry *e;
	uint32_t flags;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0)
		return cr_err(err, -EINVAL, "socket %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	r = usk_diag_get(local_fd, sock_ino(local_fd), &dg, err);
	if (r < 0)
		return cr_err_wrap(err, "fd %d of task %d", target_fd, pid);
	if (dg.state == 10 /* TCP_LISTEN */ && dg.n_icons && !d->skip_in_flight)
		return cr_err(err, -EOPNOTSUPP,
			      "unix listening socket %u (fd %d of task %d) has %u connections not yet accepted; --skip-in-flight drops them",
			      dg.ino, target_fd, pid, dg.n_icons);

	e = xmalloc(sizeof(*e));
	unix_sk_entry__init(e);
	e->id = out->id;
	e->ino = dg.ino;
	e->type = dg.type;
	e->state = dg.state;
	e->flags = flags;
	e->backlog = dg.wqueue;
	e->peer = dg.peer;
	e->fown = fdk_fown_new(local_fd);
	e->opts = fdk_skopts_dump(local_fd, false);
	e->name.len = dg.name_len;
	e->name.data = dg.name_len ? xmalloc(dg.name_len) : NULL;
	memcpy(e->name.data, dg.name, dg.name_len);
	if (dg.shutdown) {
		e->has_shutdown = true;
		e->shutdown = dg.shutdown & 3;
	}
	usk_dump_path(pid, &dg, e);
	if (d->net_ns_id) {
		int ns = ioctl(local_fd, SIOCGSKNS);
		struct stat st;

		if (ns >= 0) {
			if (fstat(ns, &st) == 0) {
				e->has_ns_id = true;
				e->ns_id = d->net_ns_id(d->net_ns_arg, st.st_ino);
			}
			close(ns);
		}
	}
	out->type = FD_TYPES__UNIXSK;
	out->usk = e;

	if (dg.state != 10 && dg.rqueue) {
		r = dump_queue(d, local_fd, e->id, e->opts->so_rcvbuf, err);
		if (r < 0)
			return cr_err_wrap(err, "fd %d of task %d", target_fd, pid);
	}
	d->usks = xgrow(d->usks, &d->cap_usks, d->n_usks + 1, sizeof(*d->usks));
	d->usks[d->n_usks++] = (struct fdk_usk){ dg.ino, dg.peer, e->id, dg.type, dg.state,
						 dg.name_len > 0 };
	return 0;
}

int unix_dump_external(struct fdk_dump *d, int via, uint32_t ino, struct cr_error **err)
{
	FileEntry fe = FILE_ENTRY__INIT;
	UnixSkEntry e = UNIX_SK_ENTRY__INIT;
	FownEntry fown = FOWN_ENTRY__INIT;
	SkOptsEntry opts = SK_OPTS_ENTRY__INIT;
	struct usk_diag dg;
	int r;

	for (size_t i = 0; i < d->n_usks; i++)
		if (d->usks[i].ino == ino)
			return 0; /* two sockets of the tree talk to the same outside peer */
	if (!d->new_file_id || !d->put_file)
		return cr_err(err, -EOPNOTSUPP, "--ext-unix-sk: no way to record unix peer %u", ino);
	r = usk_diag_get(via, ino, &dg, err);
	if (r < 0)
		return cr_err_wrap(err, "external unix peer %u", ino);
	e.id = d->new_file_id(d->file_arg);
	e.ino = ino;
	e.type = dg.type;
	e.state = dg.state;
	e.flags = O_RDWR;
	e.uflags = FDK_USK_EXTERN;
	e.backlog = dg.wqueue;
	e.peer = dg.peer;
	e.fown = &fown;
	e.opts = &opts;
	e.name.len = dg.name_len;
	e.name.data = (uint8_t *)dg.name;
	fe.type = FD_TYPES__UNIXSK;
	fe.id = e.id;
	fe.usk = &e;
	r = d->put_file(d->file_arg, &fe, err);
	if (r < 0)
		return r;
	d->usks = xgrow(d->usks, &d->cap_usks, d->n_usks + 1, sizeof(*d->usks));
	d->usks[d->n_usks++] = (struct fdk_usk){ ino, dg.peer, e.id, dg.type, dg.state,
						 dg.name_len > 0 };
	return 0;
}

/* ---- restore ---- */

static socklen_t usk_addr(const UnixSkEntry *e, struct sockaddr_un *a)
{
	size_t n = e->name.len < sizeof(a->sun_path) ? e->name.len : sizeof(a->sun_path);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, e->name.data, n);
	return offsetof(struct sockaddr_un, sun_path) + n;
}

static int usk_bind_here(int sk, const UnixSkEntry *e, struct cr_error **err)
{
	struct sockaddr_un a;
	socklen_t len;
	struct stat st;

	if (!e->name.len)
		return 0;
	len = usk_addr(e, &a);
	/* a path left behind by the dumped (now dead) socket is in the way */
	if (a.sun_path[0] && lstat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(a.sun_path);
	if (bind(sk, (struct sockaddr *)&a, len) < 0)
		return cr_err_sys(err, -errno, "unix %u: bind '%s%.*s'", e->id,
				  a.sun_path[0] ? "" : "@", (int)(e->name.len - !a.sun_path[0]),
				  a.sun_path + !a.sun_path[0]);
	if (a.sun_path[0] && e->file_perms) {
		if (chmod(a.sun_path, e->file_perms->mode & 07777) < 0 ||
		    lchown(a.sun_path, e->file_perms->uid, e->file_perms->gid) < 0)
			return cr_err_sys(err, -errno, "unix %u: perms of '%s'", e->id,
					  a.sun_path);
	}
	if (a.sun_path[0] && e->has_deleted && e->deleted)
		unlink(a.sun_path);
	return 0;
}

/* A relative path name is bound from the directory it was relative to (name_dir). */
static int usk_bind(int sk, const UnixSkEntry *e, struct cr_error **err)
{
	_cleanup_close_ int here = -1;
	int r;

	if (!e->name.len || !e->name.data[0] || e->name.data[0] == '/' || !e->name_dir)
		return usk_bind_here(sk, e, err);
	here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || chdir(e->name_dir) < 0)
		return cr_err_sys(err, -errno, "unix %u: chdir '%s'", e->id, e->name_dir);
	r = usk_bind_here(sk, e, err);
	if (fchdir(here) < 0)
		abort(); /* crisp's own cwd is gone from under it */
	return r;
}

/* One packet that carried files (SCM_RIGHTS): sent again with crisp's fds of them. */
static int usk_send_scm(struct fdk_restore *rs, const UnixSkEntry *e, int via, const SkPacketEntry *pe,
			const uint8_t *data, size_t len, const struct sockaddr_un *to, socklen_t tolen,
			struct cr_error **err)
{
	int fds[64];
	size_t nfd = 0;
	char cbuf[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = to ? tolen : 0,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	for (size_t k = 0; k < pe->n_scm; k++) {
		const ScmEntry *se = pe->scm[k];

		if (se->type != SCM_RIGHTS)
			return cr_err(err, -EOPNOTSUPP, "unix %u: queued control message type %u",
				      e->id, se->type);
		for (size_t j = 0; j < se->n_rights; j++) {
			int r;

			if (nfd == ARRAY_SIZE(fds) || !rs->open_file)
				return cr_err(err, -EOPNOTSUPP, "unix %u: %s files in flight", e->id,
					      rs->open_file ? "more than 64" : "cannot restore");
			r = rs->open_file(rs->open_arg, se->rights[j], &fds[nfd], err);
			if (r < 0)
				return cr_err_wrap(err, "unix %u: file %u in flight", e->id, se->rights[j]);
			nfd++;
		}
	}
	if (nfd) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfd * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfd * sizeof(int));
	}
	n = sendmsg(via, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 || (size_t)n != len)
		return cr_err_sys(err, n < 0 ? -errno : -EIO, "unix %u: requeue %zu bytes with %zu files",
				  e->id, len, nfd);
	return 0;
}

/* Send the packets queued for `e` (id_for) through `via`, its peer end. */
static int usk_fill_queue(struct fdk_restore *rs, const UnixSkEntry *e, int via,
			  const struct sockaddr_un *to, socklen_t tolen, struct cr_error **err)
{
	int r = fdk_skq_load(rs, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < rs->n_skq; i++) {
		const SkPacketEntry *pe = (const SkPacketEntry *)rs->skq[i].msg;
		size_t off = 0;

		if (pe->id_for != e->id)
			continue;
		if (via < 0)
			return cr_err(err, -EOPNOTSUPP, "unix %u: queued data but no peer to send it",
				      e->id);
		if (pe->n_scm) {
			r = usk_send_scm(rs, e, via, pe, rs->skq[i].extra, rs->skq[i].extra_len, to,
					 tolen, err);
			if (r < 0)
				return r;
			continue;
		}
		while (off < rs->skq[i].extra_len) {
			ssize_t n = sendto(via, rs->skq[i].extra + off, rs->skq[i].extra_len - off,
					   MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to,
					   to ? tolen : 0);

			if (n < 0)
				return cr_err_sys(err, -errno, "unix %u: requeue %zu bytes", e->id,
						  rs->skq[i].extra_len);
			off += n;
		}
	}
	return 0;
}

static int usk_finish(const UnixSkEntry *e, int sk, struct cr_error **err)
{
	int r = fdk_skopts_restore(sk, e->opts, err);

	if (r < 0)
		return r;
	r = fdk_set_fl(sk, e->flags, err);
	if (r < 0)
		return r;
	return fdk_fown_restore(sk, e->fown, err);
}

static int usk_shutdown(const UnixSkEntry *e, int sk, struct cr_error **err)
{
	static const int how[] = { -1, SHUT_RD, SHUT_WR, SHUT_RDWR };

	if (!e->has_shutdown || !e->shutdown || e->shutdown > 3)
		return 0;
	if (shutdown(sk, how[e->shutdown]) < 0)
		return cr_err_sys(err, -errno, "unix %u: shutdown", e->id);
	return 0;
}

static int usk_new(const UnixSkEntry *e, struct cr_error **err)
{
	int sk = socket(AF_UNIX, e->type | SOCK_CLOEXEC, 0);

	if (sk < 0)
		return cr_err_sys(err, -errno, "unix %u: socket type %u", e->id, e->type);
	return sk;
}

static int unix_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
		     struct cr_error **err);

/* crisp's fd for an entry, creating it (and its peer) if needed. */
static int usk_get(struct fdk_restore *rs, const FileEntry *fe, struct cr_error **err)
{
	int fd = fdk_rsk_find(rs, fe->id), tmp = -1, r;

	if (fd >= 0)
		return fd;
	r = unix_open(rs, fe, &tmp, err);
	if (r < 0)
		return r;
	close(tmp);
	return fdk_rsk_find(rs, fe->id);
}

/* Both ends of a connection in the image: a pair, or connect+accept through a listener. */
static int usk_open_connected(struct fdk_restore *rs, const FileEntry *fe, const FileEntry *pfe,
			      struct cr_error **err)
{
	const UnixSkEntry *e = fe->usk, *p = pfe->usk;
	const FileEntry *lst = NULL;
	int fds[2] = { -1, -1 }, r;

	/* the accepted end carries its listener's name */
	for (size_t i = 0; i < rs->n_fes && !lst; i++) {
		const UnixSkEntry *l = rs->fes[i]->usk;
		const UnixSkEntry *srv = e->name.len ? e : p;

		if (rs->fes[i]->type != FD_TYPES__UNIXSK || !l || l->state != 10 ||
		    !srv->name.len || l->name.len != srv->name.len ||
		    memcmp(l->name.data, srv->name.data, l->name.len) || l->type != e->type)
			continue;
		lst = rs->fes[i];
	}
	if (lst) {
		const UnixSkEntry *srv = e->name.len ? e : p, *cli = e->name.len ? p : e;
		struct sockaddr_un a;
		socklen_t al = usk_addr(srv, &a);
		int lfd = usk_get(rs, lst, err);
		int c = -1, s = -1;

		if (lfd < 0)
			return lfd;
		c = usk_new(cli, err);
		if (c < 0)
			return c;
		if ((r = usk_bind(c, cli, err)) < 0 ||
		    (connect(c, (struct sockaddr *)&a, al) < 0 &&
		     (r = cr_err_sys(err, -errno, "unix %u: connect to listener %u", cli->id,
				     lst->id)) < 0)) {
			close(c);
			return r;
		}
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			close(c);
			return cr_err_sys(err, -errno, "unix %u: accept", lst->id);
		}
		fds[0] = cli == e ? c : s;
		fds[1] = cli == e ? s : c;
	} else {
		if (socketpair(AF_UNIX, e->type | SOCK_CLOEXEC, 0, fds) < 0)
			return cr_err_sys(err, -errno, "unix %u/%u: socketpair", e->id, p->id);
	}
	fdk_rsk_add(rs, e->id, fds[0]);
	fdk_rsk_add(rs, p->id, fds[1]);
	if ((r = usk_finish(e, fds[0], err)) < 0 || (r = usk_finish(p, fds[1], err)) < 0)
		return r;
	if ((r = usk_fill_queue(rs, e, fds[1], NULL, 0, err)) < 0 ||
	    (r = usk_fill_queue(rs, p, fds[0], NULL, 0, err)) < 0)
		return r;
	if ((r = usk_shutdown(e, fds[0], err)) < 0 || (r = usk_shutdown(p, fds[1], err)) < 0)
		return r;
	return 0;
}

/*
 * A connected stream socket whose peer is closed: the kernel still calls it
 * connected and it may hold unread bytes.  A pair whose other end is closed
 * once the bytes are in gives the same: the data, then EOF.
 */
static int usk_open_orphan(struct fdk_restore *rs, const FileEntry *fe, struct cr_error **err)
{
	const UnixSkEntry *e = fe->usk;
	int fds[2], r;

	if (socketpair(AF_UNIX, e->type | SOCK_CLOEXEC, 0, fds) < 0)
		return cr_err_sys(err, -errno, "unix %u: socketpair", e->id);
	fdk_rsk_add(rs, e->id, fds[0]);
	r = usk_finish(e, fds[0], err);
	if (r >= 0)
		r = usk_fill_queue(rs, e, fds[1], NULL, 0, err);
	close(fds[1]);
	if (r >= 0)
		r = usk_shutdown(e, fds[0], err);
	return r;
}

/* One socket on its own: listener, bound or unbound, maybe connected to a named dgram peer. */
static int usk_open_single(struct fdk_restore *rs, const FileEntry *fe, const FileEntry *pfe,
			   struct cr_error **err)
{
	const UnixSkEntry *e = fe->usk;
	int sk, r;

	if (e->peer && !pfe && !rs->ext_unix_sk)
		return cr_err(err, -EOPNOTSUPP,
			      "unix %u: peer %u is not in the image; use --ext-unix-sk", e->id,
			      e->peer);
	if (!e->peer && e->state == 1 && e->type != SOCK_DGRAM)
		return usk_open_orphan(rs, fe, err);
	sk = usk_new(e, err);
	if (sk < 0)
		return sk;
	fdk_rsk_add(rs, e->id, sk);
	if (e->opts && e->opts->reuseaddr)
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	r = usk_bind(sk, e, err);
	if (r < 0)
		return r;
	if (e->state == 10 && listen(sk, e->backlog ? e->backlog : 128) < 0)
		return cr_err_sys(err, -errno, "unix %u: listen", e->id);
	r = usk_finish(e, sk, err);
	if (r < 0)
		return r;
	if (pfe && pfe->usk->name.len) {
		struct sockaddr_un a;
		socklen_t al = usk_addr(pfe->usk, &a);

		r = usk_get(rs, pfe, err);
		if (r < 0)
			return r;
		if (connect(sk, (struct sockaddr *)&a, al) < 0)
			return cr_err_sys(err, -errno, "unix %u: connect to %u", e->id, pfe->id);
	}
	if (e->type == SOCK_DGRAM && e->name.len) {
		/* datagrams queued for a bound socket: send them to its name */
		struct sockaddr_un a;
		socklen_t al = usk_addr(e, &a);
		_cleanup_close_ int tmp = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		r = usk_fill_queue(rs, e, tmp, &a, al, err);
	} else if (e->state != 10) {
		r = usk_fill_queue(rs, e, -1, NULL, 0, err);
	}
	if (r < 0)
		return r;
	return usk_shutdown(e, sk, err);
}

/* --ext-unix-sk: the peer lives outside the tree; connect to it again by name. */
static int usk_open_external(struct fdk_restore *rs, const FileEntry *fe, const FileEntry *pfe,
			     struct cr_error **err)
{
	const UnixSkEntry *e = fe->usk, *p = pfe->usk;
	struct sockaddr_un a;
	socklen_t al;
	int sk, r;

	if (!rs->ext_unix_sk)
		return cr_err(err, -EOPNOTSUPP,
			      "unix %u: peer %u is outside the tree; restore with --ext-unix-sk",
			      e->id, p->ino);
	if (!p->name.len)
		return cr_err(err, -EOPNOTSUPP,
			      "unix %u: the outside peer %u has no name to connect to", e->id, p->ino);
	sk = usk_new(e, err);
	if (sk < 0)
		return sk;
	fdk_rsk_add(rs, e->id, sk);
	r = usk_bind(sk, e, err);
	if (r >= 0)
		r = usk_finish(e, sk, err);
	if (r < 0)
		return r;
	al = usk_addr(p, &a);
	if (connect(sk, (struct sockaddr *)&a, al) < 0)
		return cr_err_sys(err, -errno, "unix %u: connect to outside peer '%s%s'", e->id,
				  a.sun_path[0] ? "" : "@", a.sun_path + !a.sun_path[0]);
	r = usk_fill_queue(rs, e, -1, NULL, 0, err);
	if (r < 0)
		return r;
	return usk_shutdown(e, sk, err);
}

static int unix_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
		     struct cr_error **err)
{
	const UnixSkEntry *e = fe->usk;
	const FileEntry *pfe = NULL;
	int fd, r;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: UNIXSK without usk", fe->id);
	fd = fdk_rsk_find(rs, fe->id);
	if (fd < 0) {
		if (e->peer)
			pfe = fdk_find_entry(rs, FD_TYPES__UNIXSK, e->peer);
		if (pfe && (pfe->usk->uflags & FDK_USK_EXTERN))
			r = usk_open_external(rs, fe, pfe, err);
		else if (pfe && pfe->usk->peer == e->ino && e->state != 10)
			r = usk_open_connected(rs, fe, pfe, err);
		else
			r = usk_open_single(rs, fe, pfe, err);
		if (r < 0)
			return r;
		fd = fdk_rsk_find(rs, fe->id);
	}
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return cr_err_sys(err, -errno, "unix %u: dup", e->id);
	*ret_fd = fd;
	return 0;
}

const struct fdk_ops fdk_unix_ops = {
	.name = "unix",
	.type = FD_TYPES__UNIXSK,
	.dump = unix_dump,
	.open = unix_open,
};
