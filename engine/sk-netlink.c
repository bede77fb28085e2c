/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Netlink sockets, as CRIU keeps them: protocol, bound port id, multicast
 * groups (the bitmap words of NETLINK_LIST_MEMBERSHIPS), the connected
 * destination and the socket options.  Everything comes from the socket
 * itself (getsockname, getpeername, getsockopt on crisp's pidfd_getfd
 * copy).  Messages queued on the socket are not kept: netlink is a
 * lossy transport (ENOBUFS tells a reader it lost some), and CRIU drops
 * them too.  Restore binds the same port id, joins the same groups and
 * connects to the same destination.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_MAX_GROUP_WORDS 64 /* 2048 groups: more than any family has */

static int netlink_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	struct sockaddr_nl self = { 0 }, peer = { 0 };
	socklen_t len;
	uint32_t groups[NL_MAX_GROUP_WORDS], flags;
	NetlinkSkEntry *e;
	struct stat st;
	int proto = 0, r;
	size_t n = 0;

	(void)d;
	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0 || fstat(local_fd, &st) < 0)
		return cr_err(err, -EINVAL, "netlink socket %d of task %d: unexpected fdinfo", target_fd, pid);
	len = sizeof(proto);
	if (getsockopt(local_fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0)
		return cr_err_sys(err, -errno, "netlink socket %d of task %d: SO_PROTOCOL", target_fd, pid);
	len = sizeof(self);
	if (getsockname(local_fd, (struct sockaddr *)&self, &len) < 0)
		return cr_err_sys(err, -errno, "netlink socket %d of task %d: getsockname", target_fd, pid);
	len = sizeof(peer);
	if (getpeername(local_fd, (struct sockaddr *)&peer, &len) < 0)
		memset(&peer, 0, sizeof(peer));
	len = sizeof(groups);
	if (getsockopt(local_fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len) == 0) {
		/* len is what the socket has, which may be more than we asked for */
		n = (len < sizeof(groups) ? len : sizeof(groups)) / sizeof(groups[0]);
		if (len > sizeof(groups))
			return cr_err(err, -EOPNOTSUPP, "netlink socket %d of task %d: in more than %d groups",
				      target_fd, pid, NL_MAX_GROUP_WORDS * 32);
	}
	while (n && !groups[n - 1])
		n--;

	e = xmalloc(sizeof(*e));
	netlink_sk_entry__init(e);
	e->id = out->id;
	e->ino = (uint32_t)st.st_ino;
	e->protocol = (uint32_t)proto;
	e->flags = flags;
	e->portid = self.nl_pid;
	e->n_groups = n;
	if (n) {
		e->groups = xcalloc(n, sizeof(groups[0]));
		memcpy(e->groups, groups, n * sizeof(groups[0]));
	}
	e->dst_portid = peer.nl_pid;
	/* the kernel keeps the destination as a group number, connect() takes a mask */
	e->dst_group = peer.nl_groups ? (uint32_t)__builtin_ffs((int)peer.nl_groups) : 0;
	e->state = (e->dst_portid || e->dst_group) ? 1 : 0; /* NETLINK_CONNECTED */
	e->fown = fdk_fown_new(local_fd);
	e->opts = fdk_skopts_dump(local_fd, false);
	out->type = FD_TYPES__NETLINKSK;
	out->nlsk = e;
	return 0;
}

static int netlink_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const NetlinkSkEntry *e = fe->nlsk;
	_cleanup_close_ int sk = -1;
	int r;

	(void)rs;
	if (!e)
		return cr_err(err, -EINVAL, "file %u: NETLINKSK without nlsk", fe->id);
	sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, (int)e->protocol);
	if (sk < 0)
		return cr_err_sys(err, -errno, "netlink socket %u (protocol %u)", e->id, e->protocol);
	r = fdk_skopts_restore(sk, e->opts, err);
	if (r < 0)
		return cr_err_wrap(err, "netlink socket %u", e->id);
	if (e->portid) {
		struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_pid = e->portid };

		if (bind(sk, (struct sockaddr *)&a, sizeof(a)) < 0)
			return cr_err_sys(err, -errno, "netlink socket %u: bind to port id %u", e->id,
					  e->portid);
	}
	for (size_t w = 0; w < e->n_groups; w++)
		for (int b = 0; b < 32; b++) {
			int g = (int)(w * 32 + b + 1);

			if (!(e->groups[w] & (1u << b)))
				continue;
			if (setsockopt(sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
				return cr_err_sys(err, -errno, "netlink socket %u: join group %d", e->id, g);
		}
	if (e->dst_portid || e->dst_group) {
		struct sockaddr_nl a = {
			.nl_family = AF_NETLINK,
			.nl_pid = e->dst_portid,
			.nl_groups = e->dst_group && e->dst_group <= 32 ? 1u << (e->dst_group - 1) : 0,
		};

		if (connect(sk, (struct sockaddr *)&a, sizeof(a)) < 0)
			return cr_err_sys(err, -errno, "netlink socket %u: connect to %u/%u", e->id,
					  e->dst_portid, e->dst_group);
	}
	return fdk_open_done(TAKE_FD(sk), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_netlink_ops = {
	.name = "netlink",
	.type = FD_TYPES__NETLINKSK,
	.dump = netlink_dump,
	.open = netlink_open,
};
