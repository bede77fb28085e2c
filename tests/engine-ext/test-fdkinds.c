/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eventfd, signalfd, timerfd, epoll, inotify, memfd: dump from a child, restore, check. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

/* ---- eventfd ---- */

static void mk_eventfd(int *fds, void *arg)
{
	fds[0] = eventfd(7, EFD_NONBLOCK);
	fds[1] = eventfd(2, EFD_SEMAPHORE);
}

TEST(eventfd_counter)
{
	struct xenv x;
	int fds[16], fd;
	uint64_t v = 0;
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_eventfd, NULL, fds);
	FileEntry *fe = h_dump(&x, pid, fds[0]);
	h_kill(pid);
	if (!fe)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(fe->type, FD_TYPES__EVENTFD);
	ASSERT_EQ(fe->efd->counter, 7);
	ASSERT_EQ(fe->efd->flags, O_RDWR | O_NONBLOCK);
	fd = h_open(&x, 0);
	if (fd < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_EQ(read(fd, &v, sizeof(v)), 8);
	ASSERT_EQ(v, 7);
	/* nonblocking came back: a second read fails at once */
	ASSERT_EQ(read(fd, &v, sizeof(v)), -1);
	ASSERT_EQ(errno, EAGAIN);
	close(fd);
	/* EFD_SEMAPHORE: reads take one at a time */
	ASSERT_TRUE(h_dump(&x, pid, fds[1]) == NULL); /* the child is gone: fails cleanly */
	h_release(&x);

	h_init(&x, false);
	pid = h_child(mk_eventfd, NULL, fds);
	fe = h_dump(&x, pid, fds[1]);
	h_kill(pid);
	if (!fe)
		FAILF("dump: %s", h_errmsg(&x));
	fd = h_open(&x, 0);
	if (fd < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_EQ(read(fd, &v, sizeof(v)), 8);
	ASSERT_EQ(v, 1);
	ASSERT_EQ(read(fd, &v, sizeof(v)), 8);
	ASSERT_EQ(v, 1);
	close(fd);
	h_release(&x);
}

/* ---- signalfd ---- */

static void mk_signalfd(int *fds, void *arg)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGRTMIN + 3);
	fds[0] = signalfd(-1, &s, SFD_NONBLOCK);
}

TEST(signalfd_mask)
{
	struct xenv x;
	int fds[16], fd;
	struct signalfd_siginfo si;
	sigset_t s, old;
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_signalfd, NULL, fds);
	FileEntry *fe = h_dump(&x, pid, fds[0]);
	h_kill(pid);
	if (!fe)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(fe->sgfd->sigmask, (1ull << (SIGUSR1 - 1)) | (1ull << (SIGRTMIN + 3 - 1)));
	fd = h_open(&x, 0);
	if (fd < 0)
		FAILF("open: %s", h_errmsg(&x));
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	ASSERT_EQ(read(fd, &si, sizeof(si)), sizeof(si));
	ASSERT_EQ(si.ssi_signo, SIGUSR1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	h_release(&x);
}

/* ---- timerfd ---- */

static void mk_timerfd(int *fds, void *arg)
{
	struct itimerspec slow = { .it_value = { 3, 0 }, .it_interval = { 5, 0 } };
	struct itimerspec fast = { .it_value = { 0, 100000000 }, .it_interval = { 0, 50000000 } };

	fds[0] = timerfd_create(CLOCK_MONOTONIC, 0);
	timerfd_settime(fds[0], 0, &slow, NULL);
	fds[1] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	timerfd_settime(fds[1], 0, &fast, NULL);
}

TEST(timerfd_remaining_and_interval)
{
	struct xenv x;
	int fds[16], fd, fd2;
	struct itimerspec its;
	uint64_t ticks = 0;
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_timerfd, NULL, fds);
	FileEntry *a = h_dump(&x, pid, fds[0]);
	FileEntry *b = a ? h_dump(&x, pid, fds[1]) : NULL;
	h_kill(pid);
	if (!a || !b)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(a->tfd->clockid, CLOCK_MONOTONIC);
	ASSERT_EQ(a->tfd->isec, 5);
	ASSERT_TRUE(a->tfd->vsec <= 3);
	fd = h_open(&x, 0);
	fd2 = h_open(&x, 1);
	if (fd < 0 || fd2 < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_OK(timerfd_gettime(fd, &its));
	ASSERT_EQ(its.it_interval.tv_sec, 5);
	ASSERT_TRUE(its.it_value.tv_sec >= 2 && its.it_value.tv_sec <= 3);
	/* the fast one keeps firing after restore */
	usleep(250000);
	ASSERT_EQ(read(fd2, &ticks, sizeof(ticks)), 8);
	ASSERT_TRUE(ticks >= 2);
	close(fd);
	close(fd2);
	h_release(&x);
}

/* ---- epoll ---- */

static void mk_epoll(int *fds, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
	struct epoll_event ev2 = { .events = EPOLLIN | EPOLLET, .data.u64 = 0xabcdef0123ull };

	fds[0] = eventfd(0, 0);
	fds[1] = eventfd(3, 0);
	fds[2] = epoll_create1(0);
	epoll_ctl(fds[2], EPOLL_CTL_ADD, fds[0], &ev);
	epoll_ctl(fds[2], EPOLL_CTL_ADD, fds[1], &ev2);
}

TEST(epoll_same_events)
{
	struct xenv x;
	int fds[16], e0, e1, ep;
	struct epoll_event out[4];
	uint64_t one = 1;
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_epoll, NULL, fds);
	FileEntry *a = h_dump(&x, pid, fds[0]);
	FileEntry *b = a ? h_dump(&x, pid, fds[1]) : NULL;
	FileEntry *c = b ? h_dump(&x, pid, fds[2]) : NULL;
	h_kill(pid);
	if (!c)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(c->epfd->n_tfd, 2);
	/* fdinfo lists targets in the kernel's tree order */
	EventpollTfdEntry *t0 = c->epfd->tfd[0], *t1 = c->epfd->tfd[1];
	if ((int)t0->tfd != fds[0]) {
		t0 = c->epfd->tfd[1];
		t1 = c->epfd->tfd[0];
	}
	ASSERT_EQ(t0->tfd, fds[0]);
	ASSERT_EQ(t0->data, 0x1234);
	ASSERT_TRUE(t0->events & EPOLLIN);
	ASSERT_EQ(t1->tfd, fds[1]);
	ASSERT_TRUE(t1->events & EPOLLET);
	ASSERT_EQ(t1->data, 0xabcdef0123ull);
	e0 = h_open(&x, 0);
	e1 = h_open(&x, 1);
	ep = h_open(&x, 2);
	if (e0 < 0 || e1 < 0 || ep < 0)
		FAILF("open: %s", h_errmsg(&x));
	/* keep our own fds clear of the numbers the targets go to */
	e0 = fcntl(e0, F_DUPFD_CLOEXEC, 100);
	e1 = fcntl(e1, F_DUPFD_CLOEXEC, 100);
	ep = fcntl(ep, F_DUPFD_CLOEXEC, 100);
	close(fds[0]);
	close(fds[1]);
	/* what the core does: targets at their old numbers, then ->post */
	ASSERT_TRUE(dup2(e0, fds[0]) == fds[0] && dup2(e1, fds[1]) == fds[1]);
	if (fdk_eventpoll_ops.post(x.fes[2], ep, &x.err) < 0)
		FAILF("post: %s", h_errmsg(&x));
	ASSERT_EQ(epoll_wait(ep, out, 4, 0), 1);
	ASSERT_EQ(out[0].data.u64, 0xabcdef0123ull);
	ASSERT_EQ(write(fds[0], &one, 8), 8);
	ASSERT_EQ(epoll_wait(ep, out, 4, 0), 1); /* edge-triggered one stays quiet */
	ASSERT_EQ(out[0].data.u64, 0x1234);
	close(e0);
	close(e1);
	close(ep);
	close(fds[0]);
	close(fds[1]);
	h_release(&x);
}

/* ---- inotify ---- */

static void mk_inotify(int *fds, void *dir)
{
	fds[0] = inotify_init1(IN_NONBLOCK);
	/* a throwaway watch first so the kept one has wd 2 */
	fds[1] = inotify_add_watch(fds[0], "/tmp", IN_DELETE_SELF);
	inotify_rm_watch(fds[0], fds[1]);
	fds[2] = inotify_add_watch(fds[0], dir, IN_CREATE);
}

TEST(inotify_watch_fires)
{
	struct xenv x;
	char dir[] = "/tmp/crisp-ino-XXXXXX", path[64];
	int fds[16], fd;
	char buf[4096];
	pid_t pid;

	if (!mkdtemp(dir))
		FAILF("mkdtemp");
	h_init(&x, false);
	pid = h_child(mk_inotify, dir, fds);
	FileEntry *fe = h_dump(&x, pid, fds[0]);
	h_kill(pid);
	if (!fe)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(fe->ify->n_wd, 1);
	ASSERT_EQ(fe->ify->wd[0]->wd, fds[2]);
	ASSERT_EQ(fe->ify->wd[0]->mask, IN_CREATE);
	ASSERT_STREQ(fe->ify->wd[0]->f_handle->path, dir);
	ASSERT_EQ(fe->ify->wd[0]->f_handle->n_handle, 16);
	fd = h_open(&x, 0);
	if (fd < 0)
		FAILF("open: %s", h_errmsg(&x));
	snprintf(path, sizeof(path), "%s/new", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ssize_t n = read(fd, buf, sizeof(buf));
	ASSERT_TRUE(n >= (ssize_t)sizeof(struct inotify_event));
	struct inotify_event *ev = (struct inotify_event *)buf;
	ASSERT_EQ(ev->wd, fds[2]);
	ASSERT_TRUE(ev->mask & IN_CREATE);
	ASSERT_STREQ(ev->name, "new");
	unlink(path);
	rmdir(dir);
	close(fd);
	h_release(&x);
}

/* ---- memfd ---- */

static void mk_memfd(int *fds, void *arg)
{
	char page[4096];

	fds[0] = memfd_create("crisp-test", MFD_ALLOW_SEALING);
	ftruncate(fds[0], 5 * 4096);
	memset(page, 'A', sizeof(page));
	pwrite(fds[0], page, sizeof(page), 0);
	memset(page, 'C', sizeof(page));
	pwrite(fds[0], page, sizeof(page), 2 * 4096); /* page 1 stays a hole */
	pwrite(fds[0], "tail", 4, 4 * 4096 + 100);
	fcntl(fds[0], F_ADD_SEALS, F_SEAL_SHRINK);
	lseek(fds[0], 1234, SEEK_SET);
}

TEST(memfd_contents_seals)
{
	struct xenv x;
	int fds[16], fd;
	char buf[4096], link[128], p[64];
	struct stat st;
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_memfd, NULL, fds);
	FileEntry *fe = h_dump(&x, pid, fds[0]);
	h_kill(pid);
	if (!fe || h_dump_done(&x, false) < 0)
		FAILF("dump: %s", h_errmsg(&x));
	ASSERT_EQ(fe->type, FD_TYPES__MEMFD);
	ASSERT_EQ(fe->memfd->pos, 1234);
	ASSERT_EQ(fe->memfd->inode_id, 1);
	fd = h_open(&x, 0);
	if (fd < 0)
		FAILF("open: %s", h_errmsg(&x));
	ASSERT_OK(fstat(fd, &st));
	ASSERT_EQ(st.st_size, 5 * 4096);
	ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 1234);
	ASSERT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	ASSERT_STREQ(link, "/memfd:crisp-test (deleted)");
	ASSERT_EQ(pread(fd, buf, 4096, 0), 4096);
	ASSERT_TRUE(buf[0] == 'A' && buf[4095] == 'A');
	ASSERT_EQ(pread(fd, buf, 4096, 4096), 4096);
	ASSERT_TRUE(buf[0] == 0 && buf[4095] == 0);
	ASSERT_EQ(pread(fd, buf, 4096, 2 * 4096), 4096);
	ASSERT_TRUE(buf[0] == 'C' && buf[4095] == 'C');
	ASSERT_EQ(pread(fd, buf, 4, 4 * 4096 + 100), 4);
	ASSERT_TRUE(!memcmp(buf, "tail", 4));
	/* only the three non-zero pages were written */
	ASSERT_EQ(x.pages_id, 1);
	ASSERT_OK(fstatat(x.imgfd, "pages-1.img", &st, 0));
	ASSERT_EQ(st.st_size, 3 * 4096);
	close(fd);
	h_release(&x);
}

/* ---- the entries have the shape CRIU 4.2 writes (fdzoo) ---- */

static void mk_zoo(int *fds, void *arg)
{
	mk_eventfd(fds, arg);
	fds[1] = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
	epoll_ctl(fds[1], EPOLL_CTL_ADD, fds[0], &ev);
	struct itimerspec t = { .it_value = { 3, 0 }, .it_interval = { 5, 0 } };
	fds[2] = timerfd_create(CLOCK_MONOTONIC, 0);
	timerfd_settime(fds[2], 0, &t, NULL);
	mk_signalfd(fds + 3, arg);
	fds[4] = inotify_init1(0);
	inotify_add_watch(fds[4], "/tmp", IN_CREATE);
	fds[5] = memfd_create("zoo", MFD_ALLOW_SEALING);
}

TEST(entries_shaped_like_criu)
{
	struct xenv x;
	int fds[16];
	pid_t pid;

	h_init(&x, false);
	pid = h_child(mk_zoo, NULL, fds);
	for (int i = 0; i < 6; i++)
		if (!h_dump(&x, pid, fds[i]))
			FAILF("dump %d: %s", i, h_errmsg(&x));
	h_kill(pid);
	for (size_t i = 0; i < x.n; i++)
		if (h_shape(&x, &x.fes[i]->base, "fdzoo/expected/crit-4.2/files.img.json") != 0)
			FAILF("entry %zu differs in shape from CRIU's", i);
	h_release(&x);
}

TEST_MAIN()
