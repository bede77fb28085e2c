/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TCP through TCP_REPAIR: a loopback connection with data in flight in both
 * directions (unread bytes in one receive queue, unacknowledged and unsent
 * bytes in the other end's send queue) is dumped, the holder is killed
 * (repair mode: no FIN, no RST), the sockets are recreated from the images
 * and the same connection carries on: every byte arrives once and in
 * order, and new data flows both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "harness.h"
#include "test.h"

#define C2S_LEN 1000

struct tcp_setup {
	int family;
	bool bulk;
};

static uint8_t pat(uint32_t i, uint32_t salt)
{
	return (uint8_t)((i * 2654435761u) >> 24) ^ salt;
}

static void mk_tcp(int *fds, void *arg)
{
	const struct tcp_setup *ts = arg;
	struct sockaddr_storage ss = { 0 };
	socklen_t l;
	uint8_t buf[C2S_LEN];
	int small = 4096;

	if (ts->family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		l = sizeof(*a);
	}
	fds[0] = socket(ts->family, SOCK_STREAM, 0);
	setsockopt(fds[0], SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	bind(fds[0], (struct sockaddr *)&ss, l);
	listen(fds[0], 4);
	getsockname(fds[0], (struct sockaddr *)&ss, &l);
	fds[1] = socket(ts->family, SOCK_STREAM, 0);
	if (ts->bulk) /* a small window so that the server's data backs up */
		setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	connect(fds[1], (struct sockaddr *)&ss, l);
	fds[2] = accept(fds[0], NULL, NULL);
	setsockopt(fds[2], SOL_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	for (uint32_t i = 0; i < C2S_LEN; i++)
		buf[i] = pat(i, 0x11);
	send(fds[1], buf, C2S_LEN, 0);
	fds[3] = 0;
	if (ts->bulk) {
		uint8_t big[4096];

		fcntl(fds[2], F_SETFL, O_NONBLOCK);
		for (;;) {
			for (uint32_t i = 0; i < sizeof(big); i++)
				big[i] = pat(fds[3] + i, 0x22);
			ssize_t n = send(fds[2], big, sizeof(big), 0);
			if (n <= 0)
				break;
			fds[3] += n;
			if (fds[3] > 4 << 20)
				break;
		}
		fcntl(fds[2], F_SETFL, 0);
	}
	usleep(100000);
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 10000) != 1)
			return -ETIMEDOUT;
		n = recv(fd, buf + off, len - off, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		off += n;
	}
	return 0;
}

static TcpStreamEntry *stream_of(struct xenv *x, uint32_t ino)
{
	struct img_reader *r = NULL;
	struct img_entry e = { 0 };

	if (img_reader_open_type_at(x->imgfd, IMG_TCP_STREAM, ino, &r, &x->err) < 0)
		return NULL;
	if (img_reader_next(r, true, &e, &x->err) <= 0) {
		img_reader_close(r);
		return NULL;
	}
	img_reader_close(r);
	return (TcpStreamEntry *)TAKE_PTR(e.msg);
}

static void run_established(int family, bool bulk, int *failed)
{
	struct tcp_setup ts = { family, bulk };
	struct xenv x;
	int fds[16], s[3], total;
	uint8_t *buf;
	TcpStreamEntry *cs, *ss;
	struct sockaddr_storage a0, a1;
	socklen_t l0 = sizeof(a0), l1 = sizeof(a1);
	pid_t pid;

	h_init(&x, true);
	pid = h_child(mk_tcp, &ts, fds);
	total = fds[3];
	for (int i = 0; i < 3; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid); /* in repair mode: closed without FIN or RST */
	ASSERT_EQ(x.fes[0]->isk->state, 10);
	ASSERT_EQ(x.fes[0]->isk->backlog, 4);
	ASSERT_EQ(x.fes[1]->isk->state, 1);
	ASSERT_EQ(x.fes[1]->isk->dst_port, x.fes[0]->isk->src_port);
	cs = stream_of(&x, x.fes[1]->isk->ino);
	ss = stream_of(&x, x.fes[2]->isk->ino);
	if (!cs || !ss)
		FAILF("tcp-stream: %s", h_errmsg(&x));
	ASSERT_EQ(ss->inq_len, C2S_LEN);
	ASSERT_EQ(cs->outq_len, 0);
	/* the sequence numbers of the two ends agree */
	ASSERT_EQ(cs->outq_seq, ss->inq_seq);
	ASSERT_EQ(ss->outq_seq - ss->outq_len, cs->inq_seq);
	if (bulk) {
		ASSERT_TRUE(ss->outq_len > 0);
		ASSERT_TRUE(cs->inq_len > 0);
		ASSERT_EQ(ss->outq_len + cs->inq_len, total);
	}
	ASSERT_TRUE(ss->has_nodelay && ss->nodelay);
	fprintf(stderr, "in flight: client inq %u, server inq %u outq %u (unsent %u)\n",
		cs->inq_len, ss->inq_len, ss->outq_len, ss->unsq_len);
	/* tcp-pair: the same fields as CRIU (nodelay is extra only because it is set) */
	ss->has_nodelay = false;
	ASSERT_EQ(h_shape(&x, &cs->base, "tcp-pair/expected/crit-4.2/tcp-stream-eec0.img.json"), 0);
	if (family == AF_INET) { /* the corpus has IPv4 only */
		ASSERT_EQ(h_shape(&x, &x.fes[0]->base, "tcp-pair/expected/crit-4.2/files.img.json"), 0);
		ASSERT_EQ(h_shape(&x, &x.fes[1]->base, "tcp-pair/expected/crit-4.2/files.img.json"), 0);
	}
	ASSERT_EQ(cs->opt_mask & 7, 7);
	protobuf_c_message_free_unpacked(&cs->base, NULL);
	protobuf_c_message_free_unpacked(&ss->base, NULL);

	for (int i = 0; i < 3; i++) {
		s[i] = h_open(&x, i);
		if (s[i] < 0)
			FAILF("open %d: %s", i, h_errmsg(&x));
	}
	if (fdk_restore_finish(&x.r, &x.err) < 0)
		FAILF("finish: %s", h_errmsg(&x));
	/* the same 4-tuple */
	ASSERT_OK(getsockname(s[1], (struct sockaddr *)&a0, &l0));
	ASSERT_OK(getpeername(s[2], (struct sockaddr *)&a1, &l1));
	ASSERT_TRUE(l0 == l1 && !memcmp(&a0, &a1, l0));

	buf = malloc(total + C2S_LEN + 16);
	ASSERT_OK(read_all(s[2], buf, C2S_LEN));
	for (uint32_t i = 0; i < C2S_LEN; i++)
		if (buf[i] != pat(i, 0x11))
			FAILF("client->server byte %u differs", i);
	if (total) {
		int r = read_all(s[1], buf, total);

		if (r < 0)
			FAILF("server->client stream: %s", strerror(-r));
		for (int i = 0; i < total; i++)
			if (buf[i] != pat(i, 0x22))
				FAILF("server->client byte %d of %d differs", i, total);
	}
	/* and it carries on both ways */
	ASSERT_EQ(send(s[1], "after", 5, 0), 5);
	ASSERT_OK(read_all(s[2], buf, 5));
	ASSERT_TRUE(!memcmp(buf, "after", 5));
	ASSERT_EQ(send(s[2], "reply", 5, 0), 5);
	ASSERT_OK(read_all(s[1], buf, 5));
	ASSERT_TRUE(!memcmp(buf, "reply", 5));
	/* the listener still accepts */
	{
		struct sockaddr_storage la;
		socklen_t ll = sizeof(la);
		int c = socket(family, SOCK_STREAM, 0);

		getsockname(s[0], (struct sockaddr *)&la, &ll);
		ASSERT_OK(connect(c, (struct sockaddr *)&la, ll));
		int acc = accept(s[0], NULL, NULL);
		ASSERT_TRUE(acc >= 0);
		close(acc);
		close(c);
	}
	free(buf);
	for (int i = 0; i < 3; i++)
		close(s[i]);
	h_release(&x);
}

TEST(tcp_established_v4_queues_in_flight)
{
	run_established(AF_INET, true, failed);
}

TEST(tcp_established_v6)
{
	run_established(AF_INET6, false, failed);
}

/* tcp-client: the peer is outside the dumped tree and stays up throughout */
static void mk_client(int *fds, void *arg)
{
	const struct sockaddr_in *srv = arg;

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	connect(fds[0], (const struct sockaddr *)srv, sizeof(*srv));
	send(fds[0], "ping-1", 6, 0);
}

TEST(tcp_established_external_peer)
{
	struct sockaddr_in srv = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(srv);
	struct xenv x;
	int fds[16], lsk, peer, s;
	char buf[16];
	pid_t pid;

	lsk = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_OK(bind(lsk, (struct sockaddr *)&srv, sizeof(srv)));
	ASSERT_OK(listen(lsk, 1));
	ASSERT_OK(getsockname(lsk, (struct sockaddr *)&srv, &l));
	h_init(&x, true);
	pid = h_child(mk_client, &srv, fds);
	peer = accept(lsk, NULL, NULL);
	ASSERT_TRUE(peer >= 0);
	ASSERT_OK(read_all(peer, (uint8_t *)buf, 6));
	ASSERT_EQ(send(peer, "pong-1", 6, 0), 6); /* waits in the client's queue */
	usleep(50000);
	if (!h_dump(&x, pid, fds[0]) || h_dump_done(&x, false) < 0)
		FAILF("dump: %s", h_errmsg(&x));
	h_kill(pid);
	s = h_open(&x, 0);
	if (s < 0 || fdk_restore_finish(&x.r, &x.err) < 0)
		FAILF("restore: %s", h_errmsg(&x));
	ASSERT_OK(read_all(s, (uint8_t *)buf, 6));
	ASSERT_TRUE(!memcmp(buf, "pong-1", 6));
	ASSERT_EQ(send(s, "ping-2", 6, 0), 6);
	ASSERT_OK(read_all(peer, (uint8_t *)buf, 6));
	ASSERT_TRUE(!memcmp(buf, "ping-2", 6));
	ASSERT_EQ(send(peer, "pong-2", 6, 0), 6);
	ASSERT_OK(read_all(s, (uint8_t *)buf, 6));
	ASSERT_TRUE(!memcmp(buf, "pong-2", 6));
	close(s);
	close(peer);
	close(lsk);
	h_release(&x);
}

/*
 * Request/response traffic puts the receiver in delayed-ACK mode: the last
 * response is received but not yet acknowledged when the dump comes, so it
 * sits in the sender's send queue as sent-but-unacked.
 */
static void mk_unacked(int *fds, void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	char b[64];

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	bind(fds[0], (struct sockaddr *)&a, sizeof(a));
	listen(fds[0], 4);
	getsockname(fds[0], (struct sockaddr *)&a, &l);
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	connect(fds[1], (struct sockaddr *)&a, l);
	fds[2] = accept(fds[0], NULL, NULL);
	for (int i = 0; i < 8; i++) {
		send(fds[1], "request", 7, 0);
		recv(fds[2], b, sizeof(b), 0);
		send(fds[2], "response", 8, 0);
		recv(fds[1], b, sizeof(b), 0);
	}
}

TEST(tcp_established_unacked_data)
{
	struct xenv x;
	int fds[16], s[3];
	uint8_t buf[16];
	TcpStreamEntry *ss;
	pid_t pid;

	h_init(&x, true);
	pid = h_child(mk_unacked, NULL, fds);
	for (int i = 1; i < 3; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	if (h_dump_done(&x, false) < 0)
		FAILF("commit: %s", h_errmsg(&x));
	h_kill(pid);
	ss = stream_of(&x, x.fes[1]->isk->ino);
	if (!ss)
		FAILF("tcp-stream: %s", h_errmsg(&x));
	fprintf(stderr, "server outq %u (unacked %u)\n", ss->outq_len, ss->outq_len - ss->unsq_len);
	protobuf_c_message_free_unpacked(&ss->base, NULL);
	for (int i = 0; i < 2; i++) {
		s[i] = h_open(&x, i);
		if (s[i] < 0)
			FAILF("open %d: %s", i, h_errmsg(&x));
	}
	if (fdk_restore_finish(&x.r, &x.err) < 0)
		FAILF("finish: %s", h_errmsg(&x));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(send(s[0], "request", 7, 0), 7);
		ASSERT_OK(read_all(s[1], buf, 7));
		ASSERT_EQ(send(s[1], "response", 8, 0), 8);
		ASSERT_OK(read_all(s[0], buf, 8));
		ASSERT_TRUE(!memcmp(buf, "response", 8));
	}
	close(s[0]);
	close(s[1]);
	h_release(&x);
}

/* A dump that fails (or --leave-running) after the lock: the connection works on. */
TEST(tcp_dump_then_keep_running)
{
	struct tcp_setup ts = { AF_INET, false };
	struct xenv x;
	int fds[16], pidfd, c, s;
	uint8_t buf[C2S_LEN];
	pid_t pid;

	h_init(&x, true);
	pid = h_child(mk_tcp, &ts, fds);
	for (int i = 1; i < 3; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	ASSERT_TRUE(x.d.netlock_missing || x.d.n_locked == 2);
	fdk_dump_finish(&x.d, true); /* resume: lock lifted, repair off */
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	c = syscall(SYS_pidfd_getfd, pidfd, fds[1], 0);
	s = syscall(SYS_pidfd_getfd, pidfd, fds[2], 0);
	close(pidfd);
	ASSERT_TRUE(c >= 0 && s >= 0);
	ASSERT_OK(read_all(s, buf, C2S_LEN)); /* what was queued before the dump */
	ASSERT_EQ(send(c, "later", 5, 0), 5);
	ASSERT_OK(read_all(s, buf, 5));
	ASSERT_TRUE(!memcmp(buf, "later", 5));
	ASSERT_EQ(send(s, "back", 4, 0), 4);
	ASSERT_OK(read_all(c, buf, 4));
	if (!x.d.netlock_missing) { /* this connection's elements are gone (others may run) */
		struct sockaddr_in me;
		socklen_t ml = sizeof(me);
		char cmd[128];

		ASSERT_OK(getsockname(c, (struct sockaddr *)&me, &ml));
		snprintf(cmd, sizeof(cmd), "nft list set inet crisp c4 | grep -q ' %u '",
			 ntohs(me.sin_port));
		ASSERT_TRUE(system(cmd) != 0);
	}
	close(c);
	close(s);
	h_kill(pid);
	h_release(&x);
}

TEST(tcp_without_option_names_it)
{
	struct tcp_setup ts = { AF_INET, false };
	struct xenv x;
	int fds[16];
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_tcp, &ts, fds);
	ASSERT_TRUE(h_dump(&x, pid, fds[0]) != NULL); /* a listener needs nothing */
	ASSERT_TRUE(h_dump(&x, pid, fds[1]) == NULL);
	ASSERT_TRUE(strstr(h_errmsg(&x), "--tcp-established") != NULL);
	h_kill(pid);
	h_release(&x);
}

TEST(tcp_close_restores_closed)
{
	struct tcp_setup ts = { AF_INET, false };
	struct xenv x;
	struct sockaddr_storage a;
	socklen_t l = sizeof(a);
	int fds[16], s;
	pid_t pid;

	h_init(&x, false);
	x.o.tcp_close = true;
	x.d.tcp_close = true;
	pid = h_child(mk_tcp, &ts, fds);
	if (!h_dump(&x, pid, fds[1]))
		FAILF("dump: %s", h_errmsg(&x));
	h_kill(pid);
	char name[64];

	snprintf(name, sizeof(name), "tcp-stream-%x.img", x.fes[0]->isk->ino);
	ASSERT_TRUE(faccessat(x.imgfd, name, F_OK, 0) < 0);
	s = h_open(&x, 0);
	if (s < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_TRUE(getpeername(s, (struct sockaddr *)&a, &l) < 0);
	close(s);
	h_release(&x);
}

TEST_MAIN()
