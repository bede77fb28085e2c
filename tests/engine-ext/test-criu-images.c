/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Images written by CRIU 4.2 (tests/data/criu-4.x) opened with the ext
 * kinds' restore code: fdzoo's eventfd, timerfd, signalfd, inotify, memfd
 * (contents from pagemap-shmem + pages) and unix socketpair with its queued
 * bytes, and tcp-pair's listener plus both ends of its established
 * connection, which must talk to each other afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fdkinds.h"
#include "harness.h"
#include "test.h"

struct corpus {
	int dirfd;
	FileEntry *fes[64];
	size_t n;
	struct fdk_restore r;
	struct cr_error *err;
	struct crisp_opts o;
};

static int corpus_open(struct corpus *c, const char *name, bool tcp)
{
	const char *base = getenv("CORPUS");
	struct img_reader *rd = NULL;
	char path[512];
	int r;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/criu-4.x/%s", base ? base : "tests/data", name);
	c->dirfd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (c->dirfd < 0)
		return -errno;
	r = img_reader_open_type_at(c->dirfd, IMG_FILES, 0, &rd, &c->err);
	if (r < 0)
		return r;
	for (;;) {
		struct img_entry e = { 0 };

		r = img_reader_next(rd, true, &e, &c->err);
		if (r <= 0 || c->n == 64)
			break;
		c->fes[c->n++] = (FileEntry *)e.msg;
	}
	img_reader_close(rd);
	c->o.tcp_established = tcp;
	return fdk_restore_init(&c->r, c->dirfd, &c->o, c->fes, c->n, &c->err);
}

static void corpus_close(struct corpus *c)
{
	fdk_restore_release(&c->r);
	for (size_t i = 0; i < c->n; i++)
		protobuf_c_message_free_unpacked(&c->fes[i]->base, NULL);
	close(c->dirfd);
	cr_err_free(&c->err);
}

static int open_id(struct corpus *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++) {
		const FileEntry *fe = c->fes[i];
		const struct fdk_ops *ops;
		int fd = -1;

		if (fe->id != id)
			continue;
		ops = fdk_ops_by_type(fe->type);
		if (!ops || ops->open(&c->r, fe, &fd, &c->err) < 0)
			return -1;
		return fd;
	}
	return -1;
}

TEST(criu_fdzoo_kinds)
{
	struct corpus c;
	struct itimerspec its;
	uint64_t v = 0;
	char buf[64];
	struct stat st;
	int fd;

	if (corpus_open(&c, "fdzoo", false) < 0)
		FAILF("fdzoo: %s", c.err ? c.err->msg : "open");
	/* EVENTFD 12: counter 7 */
	fd = open_id(&c, 12);
	if (fd < 0)
		FAILF("eventfd: %s", c.err ? c.err->msg : "?");
	ASSERT_EQ(read(fd, &v, 8), 8);
	ASSERT_EQ(v, 7);
	close(fd);
	/* TIMERFD 14: 3.37 s left, 5 s interval */
	fd = open_id(&c, 14);
	if (fd < 0)
		FAILF("timerfd: %s", c.err ? c.err->msg : "?");
	ASSERT_OK(timerfd_gettime(fd, &its));
	ASSERT_EQ(its.it_interval.tv_sec, 5);
	ASSERT_TRUE(its.it_value.tv_sec == 3 || its.it_value.tv_sec == 2);
	close(fd);
	/* SIGNALFD 15: SIGUSR1 */
	fd = open_id(&c, 15);
	if (fd < 0)
		FAILF("signalfd: %s", c.err ? c.err->msg : "?");
	{
		char *info = NULL;

		ASSERT_OK(fdk_fdinfo_read(getpid(), fd, &info, &c.err));
		ASSERT_TRUE(strstr(info, "sigmask:\t0000000000000200") != NULL);
		free(info);
	}
	close(fd);
	/* INOTIFY 16: /tmp IN_CREATE, wd 1 (another machine's handle: the path is used) */
	fd = open_id(&c, 16);
	if (fd < 0)
		FAILF("inotify: %s", c.err ? c.err->msg : "?");
	{
		char *info = NULL;

		ASSERT_OK(fdk_fdinfo_read(getpid(), fd, &info, &c.err));
		ASSERT_TRUE(strstr(info, "inotify wd:1 ") != NULL);
		ASSERT_TRUE(strstr(info, "mask:100 ") != NULL);
		free(info);
	}
	close(fd);
	/* MEMFD 17: 'fdzoo-memfd', 64 KiB, F_SEAL_SEAL, first page from pages-1.img */
	fd = open_id(&c, 17);
	if (fd < 0)
		FAILF("memfd: %s", c.err ? c.err->msg : "?");
	ASSERT_OK(fstat(fd, &st));
	ASSERT_EQ(st.st_size, 65536);
	ASSERT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	{
		uint8_t page[4096], want[4096];
		int pf = openat(c.dirfd, "pages-1.img", O_RDONLY);

		ASSERT_TRUE(pf >= 0);
		ASSERT_EQ(read(pf, want, 4096), 4096);
		close(pf);
		ASSERT_EQ(pread(fd, page, 4096, 0), 4096);
		ASSERT_TRUE(!memcmp(page, want, 4096));
	}
	close(fd);
	/* UNIXSK 9/10: a socketpair, 'unix-data' queued for 10 */
	int a = open_id(&c, 9), b = open_id(&c, 10);
	if (a < 0 || b < 0)
		FAILF("unix: %s", c.err ? c.err->msg : "?");
	ASSERT_EQ(recv(b, buf, sizeof(buf), MSG_DONTWAIT), 9);
	ASSERT_TRUE(!memcmp(buf, "unix-data", 9));
	ASSERT_EQ(send(b, "x", 1, 0), 1);
	ASSERT_EQ(recv(a, buf, sizeof(buf), MSG_DONTWAIT), 1);
	close(a);
	close(b);
	corpus_close(&c);
}

TEST(criu_tcp_pair_connection)
{
	struct corpus c;
	int l, s, k;
	char buf[16];

	if (corpus_open(&c, "tcp-pair", true) < 0)
		FAILF("tcp-pair: %s", c.err ? c.err->msg : "open");
	/* INETSK 10 LISTEN 127.0.0.1:23457, 11 its accepted end, 16 the client */
	l = open_id(&c, 10);
	if (l < 0) {
		if (c.err && c.err->code == -EADDRINUSE) {
			fprintf(stderr, "port 23457 busy: skipped\n");
			corpus_close(&c);
			return;
		}
		FAILF("listener: %s", c.err ? c.err->msg : "?");
	}
	s = open_id(&c, 11);
	k = open_id(&c, 16);
	if (s < 0 || k < 0)
		FAILF("established: %s", c.err ? c.err->msg : "?");
	if (fdk_restore_finish(&c.r, &c.err) < 0)
		FAILF("finish: %s", c.err->msg);
	ASSERT_EQ(send(k, "criu->crisp", 11, 0), 11);
	struct pollfd p = { s, POLLIN, 0 };
	ASSERT_EQ(poll(&p, 1, 5000), 1);
	ASSERT_EQ(recv(s, buf, sizeof(buf), 0), 11);
	ASSERT_TRUE(!memcmp(buf, "criu->crisp", 11));
	ASSERT_EQ(send(s, "back", 4, 0), 4);
	p.fd = k;
	ASSERT_EQ(poll(&p, 1, 5000), 1);
	ASSERT_EQ(recv(k, buf, sizeof(buf), 0), 4);
	close(l);
	close(s);
	close(k);
	corpus_close(&c);
}

TEST_MAIN()
