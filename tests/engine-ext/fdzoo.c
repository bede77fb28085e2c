/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: holds one of every ext kind and checks them every
 * round (about 0.2 s).  Each stream keeps exactly one message in flight between
 * rounds, so a dump always catches queued data: round i sends message i+1
 * and must then receive message i.
 *   eventfd (counter 7 between rounds), epoll on it (data 0x1234), timerfd
 *   (100 ms interval: must have ticked), signalfd (SIGUSR1, counted),
 *   inotify on DIR (IN_CREATE of a file per round, same wd), memfd (seed
 *   still there, seals), unix stream and dgram pairs, a TCP connection to
 *   itself through a listener (both directions), UDP.
 * Logs "iter=N sig=K ok" or "BAD what" and exits.  Usage: fdzoo DIR [notcp]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

static FILE *logf_;

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (!(cond)) {                              \
			fprintf(logf_, "BAD " __VA_ARGS__); \
			fprintf(logf_, " (errno %d)\n", errno); \
			exit(1);                            \
		}                                           \
	} while (0)

static void msg(char *b, int i)
{
	snprintf(b, 9, "m%07d", i % 10000000);
}

/* one message in flight on a stream/dgram from wr to rd */
static void hop(int wr, int rd, int i, const char *what)
{
	char b[9], got[9] = { 0 };
	size_t off = 0;

	msg(b, i + 1);
	CHECK(send(wr, b, 8, MSG_NOSIGNAL) == 8, "%s: send %d", what, i + 1);
	msg(b, i);
	while (off < 8) {
		ssize_t n = recv(rd, got + off, 8 - off, 0);

		CHECK(n > 0, "%s: recv %d", what, i);
		off += n;
	}
	CHECK(!memcmp(got, b, 8), "%s: got '%s' want '%s'", what, got, b);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	bool tcp = !(argc > 2 && !strcmp(argv[2], "notcp"));
	int efd, ep, tfd, sfd, ino, wd, mfd, us[2], ud[2], lsk = -1, cli = -1, srv = -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234 };
	struct itimerspec its = { .it_value = { 0, 100000000 }, .it_interval = { 0, 100000000 } };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	char path[4096], b[9];
	sigset_t set;
	int sigs = 0;

	if (chdir(dir) < 0)
		return 2;
	logf_ = fopen("log", "a");
	if (!logf_)
		return 2;
	setvbuf(logf_, NULL, _IOLBF, 0);
	mkdir("watched", 0755);

	efd = eventfd(7, EFD_NONBLOCK);
	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	timerfd_settime(tfd, 0, &its, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_NONBLOCK);
	ino = inotify_init1(IN_NONBLOCK);
	wd = inotify_add_watch(ino, "watched", IN_CREATE);
	mfd = memfd_create("fdzoo-memfd", MFD_ALLOW_SEALING);
	CHECK(efd >= 0 && ep >= 0 && tfd >= 0 && sfd >= 0 && wd >= 0 && mfd >= 0, "setup");
	CHECK(pwrite(mfd, "memfd-seed", 10, 4096) == 10, "memfd write");
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, us) == 0, "socketpair");
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, ud) == 0, "socketpair dgram");
	msg(b, 0);
	send(us[0], b, 8, 0);
	send(us[1], b, 8, 0);
	send(ud[0], b, 8, 0);
	if (tcp) {
		lsk = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(bind(lsk, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lsk, 4) == 0,
		      "listen");
		getsockname(lsk, (struct sockaddr *)&a, &al);
		cli = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(connect(cli, (struct sockaddr *)&a, al) == 0, "connect");
		srv = accept(lsk, NULL, NULL);
		CHECK(srv >= 0, "accept");
		send(cli, b, 8, 0);
		send(srv, b, 8, 0);
	}

	for (int i = 0;; i++) {
		struct epoll_event out[2];
		struct signalfd_siginfo si;
		char ibuf[4096], seed[10];
		uint64_t v = 0;

		/* the 100 ms timer must fire within a second (a sleep cut short by a restore is fine) */
		struct pollfd pt = { tfd, POLLIN, 0 };
		usleep(100000);
		CHECK(poll(&pt, 1, 1000) == 1, "timerfd stopped");
		/* eventfd: 7 + 1 */
		v = 1;
		CHECK(write(efd, &v, 8) == 8, "eventfd write");
		CHECK(read(efd, &v, 8) == 8 && v == 8, "eventfd counter %llu", (unsigned long long)v);
		v = 7;
		CHECK(write(efd, &v, 8) == 8, "eventfd refill");
		CHECK(epoll_wait(ep, out, 2, 0) == 1 && out[0].data.u64 == 0x1234, "epoll events");
		CHECK(read(tfd, &v, 8) == 8 && v >= 1, "timerfd read");
		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			CHECK(si.ssi_signo == SIGUSR1 && ++sigs, "signalfd signo %u", si.ssi_signo);
		snprintf(path, sizeof(path), "watched/f-%d", i);
		close(open(path, O_CREAT | O_WRONLY, 0600));
		ssize_t n = read(ino, ibuf, sizeof(ibuf));
		struct inotify_event *ie = (struct inotify_event *)ibuf;
		CHECK(n > 0 && ie->wd == wd && (ie->mask & IN_CREATE) && !strcmp(ie->name, path + 8),
		      "inotify event (n %zd wd %d mask %x)", n, n > 0 ? ie->wd : -1,
		      n > 0 ? ie->mask : 0);
		unlink(path);
		CHECK(pread(mfd, seed, 10, 4096) == 10 && !memcmp(seed, "memfd-seed", 10),
		      "memfd contents");
		CHECK(fcntl(mfd, F_GET_SEALS) == F_SEAL_SHRINK, "memfd seals");
		hop(us[0], us[1], i, "unix stream a->b");
		hop(us[1], us[0], i, "unix stream b->a");
		hop(ud[0], ud[1], i, "unix dgram");
		if (tcp) {
			hop(cli, srv, i, "tcp c->s");
			hop(srv, cli, i, "tcp s->c");
		}
		fprintf(logf_, "iter=%d sig=%d ok\n", i, sigs);
	}
}
