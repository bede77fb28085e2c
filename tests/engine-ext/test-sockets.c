/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unix sockets (pairs, listeners, accepted connections, queues) and UDP. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

static void mk_pairs(int *fds, void *arg)
{
	socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	send(fds[0], "unix-data", 9, 0);
	send(fds[1], "back", 4, 0);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, fds + 2);
	send(fds[2], "one", 3, 0);
	send(fds[2], "second", 6, 0);
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds + 4);
	send(fds[5], "pkt-a", 5, 0);
	send(fds[5], "pkt-bb", 6, 0);
	shutdown(fds[4], SHUT_WR);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
}

TEST(unix_pairs_with_queues)
{
	struct xenv x;
	int fds[16], s[6];
	char buf[64];
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_pairs, NULL, fds);
	for (int i = 0; i < 6; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	ASSERT_EQ(x.fes[0]->usk->peer, x.fes[1]->usk->ino);
	ASSERT_EQ(x.fes[0]->usk->state, 1);
	ASSERT_EQ(x.fes[0]->usk->type, SOCK_STREAM);
	/* fds[0] wrote 9 bytes: they sit on fds[1]'s receive queue, in its sender's wmem */
	ASSERT_TRUE(x.fes[0]->usk->backlog > 0);
	ASSERT_EQ(x.fes[4]->usk->has_shutdown, 1);
	ASSERT_EQ(x.fes[4]->usk->shutdown, SK_SHUTDOWN__WRITE);
	/* fdzoo's socketpair with 9 queued bytes: the same fields as CRIU */
	ASSERT_EQ(h_shape(&x, &x.fes[1]->base, "fdzoo/expected/crit-4.2/files.img.json"), 0);
	for (int i = 0; i < 6; i++) {
		s[i] = h_open(&x, i);
		if (s[i] < 0)
			FAILF("open %d: %s", i, h_errmsg(&x));
	}
	/* stream: bytes back in order, both directions, and the pair still connected */
	ASSERT_EQ(recv(s[1], buf, sizeof(buf), 0), 9);
	ASSERT_TRUE(!memcmp(buf, "unix-data", 9));
	ASSERT_EQ(recv(s[0], buf, sizeof(buf), MSG_DONTWAIT), 4);
	ASSERT_TRUE(!memcmp(buf, "back", 4));
	ASSERT_TRUE(fcntl(s[1], F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(send(s[0], "more", 4, 0), 4);
	ASSERT_EQ(recv(s[1], buf, sizeof(buf), 0), 4);
	/* dgram: boundaries kept */
	ASSERT_EQ(recv(s[3], buf, sizeof(buf), MSG_DONTWAIT), 3);
	ASSERT_EQ(recv(s[3], buf, sizeof(buf), MSG_DONTWAIT), 6);
	ASSERT_TRUE(!memcmp(buf, "second", 6));
	/* seqpacket: records, then EOF from the shut-down writer */
	ASSERT_EQ(recv(s[4], buf, sizeof(buf), MSG_DONTWAIT), 5);
	ASSERT_EQ(recv(s[4], buf, sizeof(buf), MSG_DONTWAIT), 6);
	ASSERT_EQ(recv(s[5], buf, sizeof(buf), MSG_DONTWAIT), 0);
	for (int i = 0; i < 6; i++)
		close(s[i]);
	h_release(&x);
}

struct names {
	char path[108];
	char abstract[32];
};

static int un_addr(struct sockaddr_un *a, const char *name, bool abstract)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path + abstract, name);
	return offsetof(struct sockaddr_un, sun_path) + abstract + strlen(name);
}

static void mk_named(int *fds, void *arg)
{
	struct names *n = arg;
	struct sockaddr_un a;
	int l;

	fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, n->path, false);
	bind(fds[0], (struct sockaddr *)&a, l);
	listen(fds[0], 16);
	fds[1] = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(fds[1], (struct sockaddr *)&a, l);
	fds[2] = accept(fds[0], NULL, NULL);
	send(fds[1], "hello", 5, 0);
	chmod(n->path, 0640);
	/* a bound dgram server with a connected client and a datagram waiting */
	fds[3] = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = un_addr(&a, n->abstract, true);
	bind(fds[3], (struct sockaddr *)&a, l);
	fds[4] = socket(AF_UNIX, SOCK_DGRAM, 0);
	connect(fds[4], (struct sockaddr *)&a, l);
	send(fds[4], "dgram", 5, 0);
}

TEST(unix_named_listener_and_connections)
{
	struct xenv x;
	struct names n;
	struct sockaddr_un a;
	struct stat st;
	int fds[16], s[5], c, l;
	char buf[64];
	pid_t pid;

	snprintf(n.path, sizeof(n.path), "/tmp/crisp-usk-%d", getpid());
	snprintf(n.abstract, sizeof(n.abstract), "crisp-abs-%d", getpid());
	unlink(n.path);
	h_init(&x, false);
	pid = h_child(mk_named, &n, fds);
	for (int i = 0; i < 5; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	ASSERT_EQ(x.fes[0]->usk->state, 10);
	/* the kernel counts the NUL of a path name, and CRIU keeps it */
	ASSERT_EQ(x.fes[0]->usk->name.len, strlen(n.path) + 1);
	ASSERT_TRUE(x.fes[0]->usk->file_perms != NULL);
	ASSERT_EQ(x.fes[3]->usk->name.data[0], 0);
	/* the dead listener's socket file is still there: restore replaces it */
	for (int i = 0; i < 5; i++) {
		s[i] = h_open(&x, i);
		if (s[i] < 0)
			FAILF("open %d: %s", i, h_errmsg(&x));
	}
	ASSERT_OK(stat(n.path, &st));
	ASSERT_EQ(st.st_mode & 0777, 0640);
	ASSERT_EQ(recv(s[2], buf, sizeof(buf), MSG_DONTWAIT), 5);
	ASSERT_TRUE(!memcmp(buf, "hello", 5));
	ASSERT_EQ(send(s[2], "reply", 5, 0), 5);
	ASSERT_EQ(recv(s[1], buf, sizeof(buf), MSG_DONTWAIT), 5);
	/* the listener takes new connections at its path */
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, n.path, false);
	ASSERT_OK(connect(c, (struct sockaddr *)&a, l));
	int acc = accept(s[0], NULL, NULL);
	ASSERT_TRUE(acc >= 0);
	close(acc);
	close(c);
	/* dgram: queued datagram back, client still connected to the abstract name */
	ASSERT_EQ(recv(s[3], buf, sizeof(buf), MSG_DONTWAIT), 5);
	ASSERT_TRUE(!memcmp(buf, "dgram", 5));
	ASSERT_EQ(send(s[4], "again", 5, 0), 5);
	ASSERT_EQ(recv(s[3], buf, sizeof(buf), MSG_DONTWAIT), 5);
	for (int i = 0; i < 5; i++)
		close(s[i]);
	unlink(n.path);
	h_release(&x);
}

static void mk_outside(int *fds, void *arg)
{
	int *peer = arg;

	fds[0] = peer[0];
}

TEST(unix_peer_outside_needs_ext_unix_sk)
{
	struct xenv x;
	int fds[16], sp[2];
	pid_t pid;

	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	h_init(&x, false);
	pid = h_child(mk_outside, sp, fds);
	if (!h_dump(&x, pid, fds[0]))
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_TRUE(h_dump_done(&x, true) < 0);
	ASSERT_TRUE(strstr(h_errmsg(&x), "--ext-unix-sk") != NULL);
	h_kill(pid);
	close(sp[0]);
	close(sp[1]);
	h_release(&x);
}

static void mk_ext_client(int *fds, void *arg)
{
	struct names *n = arg;
	struct sockaddr_un a;
	int l;

	fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, n->path, false);
	connect(fds[0], (struct sockaddr *)&a, l);
	fds[1] = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = un_addr(&a, n->abstract, true);
	connect(fds[1], (struct sockaddr *)&a, l);
}

TEST(unix_ext_unix_sk_reconnects_by_name)
{
	struct xenv x;
	struct names n;
	struct sockaddr_un a;
	int fds[16], lsk, dsk, acc, s0, s1, l;
	char buf[16];
	pid_t pid;

	snprintf(n.path, sizeof(n.path), "/tmp/crisp-ext-%d", getpid());
	snprintf(n.abstract, sizeof(n.abstract), "crisp-ext-abs-%d", getpid());
	unlink(n.path);
	/* the servers live outside the dumped task and stay up */
	lsk = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, n.path, false);
	ASSERT_OK(bind(lsk, (struct sockaddr *)&a, l));
	ASSERT_OK(listen(lsk, 4));
	dsk = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = un_addr(&a, n.abstract, true);
	ASSERT_OK(bind(dsk, (struct sockaddr *)&a, l));
	h_init(&x, false);
	x.o.ext_unix_sk = true;
	x.d.ext_unix_sk = true;
	pid = h_child(mk_ext_client, &n, fds);
	acc = accept(lsk, NULL, NULL);
	ASSERT_TRUE(acc >= 0);
	for (int i = 0; i < 2; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	close(acc);
	/* the two outside peers were recorded as USK_EXTERN entries */
	ASSERT_EQ(x.n, 4);
	ASSERT_EQ(x.fes[2]->usk->uflags, 1);
	ASSERT_EQ(x.fes[3]->usk->uflags, 1);
	s0 = h_open(&x, 0);
	s1 = h_open(&x, 1);
	if (s0 < 0 || s1 < 0)
		FAILF("open: %s", h_errmsg(&x));
	acc = accept(lsk, NULL, NULL);
	ASSERT_TRUE(acc >= 0);
	ASSERT_EQ(send(s0, "hi", 2, 0), 2);
	ASSERT_EQ(recv(acc, buf, sizeof(buf), 0), 2);
	ASSERT_EQ(send(s1, "dg", 2, 0), 2);
	ASSERT_EQ(recv(dsk, buf, sizeof(buf), 0), 2);
	close(acc);
	close(s0);
	close(s1);
	close(lsk);
	close(dsk);
	unlink(n.path);
	h_release(&x);
}

/* a container's sockets: sock_diag must be asked in their own net namespace */
static void mk_pair_in_netns(int *fds, void *arg)
{
	if (unshare(CLONE_NEWNET) < 0)
		_exit(1);
	socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	send(fds[0], "netns", 5, 0);
}

TEST(unix_socket_in_other_netns)
{
	struct xenv x;
	int fds[16], a, b;
	char buf[16];
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_pair_in_netns, NULL, fds);
	for (int i = 0; i < 2; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	ASSERT_EQ(x.fes[0]->usk->peer, x.fes[1]->usk->ino);
	a = h_open(&x, 0);
	b = h_open(&x, 1);
	if (a < 0 || b < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_EQ(recv(b, buf, sizeof(buf), MSG_DONTWAIT), 5);
	close(a);
	close(b);
	h_release(&x);
}

/* a relative path name, and a stream socket whose peer closed with bytes unread */
static void mk_relative(int *fds, void *dir)
{
	struct sockaddr_un a;
	int l, sp[2];

	if (chdir(dir) < 0)
		_exit(1);
	fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, "rel.sock", false);
	bind(fds[0], (struct sockaddr *)&a, l);
	listen(fds[0], 1);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	send(sp[1], "last words", 10, 0);
	close(sp[1]);
	fds[1] = sp[0];
}

TEST(unix_relative_name_and_closed_peer)
{
	char dir[] = "/tmp/crisp-rel-XXXXXX", path[64], buf[16];
	struct xenv x;
	struct sockaddr_un a;
	int fds[16], l, s0, s1, c;
	pid_t pid;

	if (!mkdtemp(dir))
		FAILF("mkdtemp");
	h_init(&x, false);
	pid = h_child(mk_relative, dir, fds);
	for (int i = 0; i < 2; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	ASSERT_STREQ(x.fes[0]->usk->name_dir, dir);
	ASSERT_TRUE(x.fes[0]->usk->file_perms != NULL);
	ASSERT_EQ(x.fes[1]->usk->peer, 0);
	s0 = h_open(&x, 0);
	s1 = h_open(&x, 1);
	if (s0 < 0 || s1 < 0)
		FAILF("open: %s", h_errmsg(&x));
	snprintf(path, sizeof(path), "%s/rel.sock", dir);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	l = un_addr(&a, path, false);
	ASSERT_OK(connect(c, (struct sockaddr *)&a, l));
	ASSERT_EQ(recv(s1, buf, sizeof(buf), MSG_DONTWAIT), 10);
	ASSERT_TRUE(!memcmp(buf, "last words", 10));
	ASSERT_EQ(recv(s1, buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(c);
	close(s0);
	close(s1);
	unlink(path);
	rmdir(dir);
	h_release(&x);
}

static void mk_udp(int *fds, void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t l = sizeof(a);

	fds[0] = socket(AF_INET, SOCK_DGRAM, 0);
	bind(fds[0], (struct sockaddr *)&a, sizeof(a));
	getsockname(fds[0], (struct sockaddr *)&a, &l);
	fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
	connect(fds[1], (struct sockaddr *)&a, sizeof(a));
	fds[2] = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(fds[2], SOL_IPV6, IPV6_V6ONLY, &(int){ 1 }, sizeof(int));
	bind(fds[2], (struct sockaddr *)&a6, sizeof(a6));
}

TEST(udp_v4_v6)
{
	struct xenv x;
	int fds[16], s[3];
	struct sockaddr_in a, b;
	struct sockaddr_in6 a6;
	socklen_t l;
	char buf[16];
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_udp, NULL, fds);
	for (int i = 0; i < 3; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	h_kill(pid);
	ASSERT_EQ(x.fes[1]->isk->state, 1);
	ASSERT_EQ(x.fes[1]->isk->dst_port, x.fes[0]->isk->src_port);
	ASSERT_EQ(x.fes[2]->isk->n_src_addr, 4);
	for (int i = 0; i < 3; i++) {
		s[i] = h_open(&x, i);
		if (s[i] < 0)
			FAILF("open %d: %s", i, h_errmsg(&x));
	}
	l = sizeof(a);
	ASSERT_OK(getsockname(s[0], (struct sockaddr *)&a, &l));
	ASSERT_EQ(ntohs(a.sin_port), x.fes[0]->isk->src_port);
	l = sizeof(b);
	ASSERT_OK(getpeername(s[1], (struct sockaddr *)&b, &l));
	ASSERT_EQ(b.sin_port, a.sin_port);
	ASSERT_EQ(send(s[1], "udp", 3, 0), 3);
	ASSERT_EQ(recv(s[0], buf, sizeof(buf), 0), 3);
	l = sizeof(a6);
	ASSERT_OK(getsockname(s[2], (struct sockaddr *)&a6, &l));
	ASSERT_EQ(ntohs(a6.sin6_port), x.fes[2]->isk->src_port);
	int v6 = 0;
	l = sizeof(v6);
	getsockopt(s[2], SOL_IPV6, IPV6_V6ONLY, &v6, &l);
	ASSERT_EQ(v6, 1);
	for (int i = 0; i < 3; i++)
		close(s[i]);
	h_release(&x);
}

TEST_MAIN()
