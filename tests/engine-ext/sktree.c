/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: a tree talking over sockets.  The parent opens a
 * TCP listener and a unix listener at DIR/sock (both shared with the
 * server child), then forks a server and a client.  The client connects to
 * both and, every 0.1 s, sends counter N on each and expects N+1 back from
 * the server, keeping one request in flight.  It logs "n=N ok" or
 * "BAD what".  The parent waits.  Usage: sktree DIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static FILE *logf_;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (!(cond)) {                                  \
			fprintf(logf_, "BAD " __VA_ARGS__);     \
			fprintf(logf_, " (errno %d)\n", errno); \
			exit(1);                                \
		}                                               \
	} while (0)

static int get_u32(int fd, uint32_t *v)
{
	size_t off = 0;

	while (off < 4) {
		ssize_t n = recv(fd, (char *)v + off, 4 - off, 0);

		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

static void serve(int tl, int ul)
{
	int c[2] = { accept(tl, NULL, NULL), accept(ul, NULL, NULL) };

	CHECK(c[0] >= 0 && c[1] >= 0, "server accept");
	for (;;) {
		struct pollfd p[2] = { { c[0], POLLIN, 0 }, { c[1], POLLIN, 0 } };

		poll(p, 2, -1);
		for (int i = 0; i < 2; i++) {
			uint32_t v;

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			CHECK(get_u32(c[i], &v) == 0, "server recv on %s", i ? "unix" : "tcp");
			v++;
			CHECK(send(c[i], &v, 4, MSG_NOSIGNAL) == 4, "server send");
		}
	}
}

static void client(const struct sockaddr_in *ta, const struct sockaddr_un *ua)
{
	int c[2] = { socket(AF_INET, SOCK_STREAM, 0), socket(AF_UNIX, SOCK_STREAM, 0) };
	uint32_t n = 0, v;

	CHECK(connect(c[0], (const struct sockaddr *)ta, sizeof(*ta)) == 0, "tcp connect");
	CHECK(connect(c[1], (const struct sockaddr *)ua, sizeof(*ua)) == 0, "unix connect");
	for (int i = 0; i < 2; i++)
		send(c[i], &n, 4, 0);
	for (;;) {
		usleep(100000);
		for (int i = 0; i < 2; i++) {
			v = n + 1;
			CHECK(send(c[i], &v, 4, MSG_NOSIGNAL) == 4, "client send");
			CHECK(get_u32(c[i], &v) == 0, "client recv on %s", i ? "unix" : "tcp");
			CHECK(v == n + 1, "%s: got %u want %u", i ? "unix" : "tcp", v, n + 1);
		}
		n++;
		fprintf(logf_, "n=%u ok\n", n);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in ta = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un ua = { .sun_family = AF_UNIX };
	socklen_t l = sizeof(ta);
	int tl, ul;

	if (argc < 2 || chdir(argv[1]) < 0)
		return 2;
	logf_ = fopen("log", "a");
	if (!logf_)
		return 2;
	setvbuf(logf_, NULL, _IOLBF, 0);
	snprintf(ua.sun_path, sizeof(ua.sun_path), "%s/sock", argv[1]);
	unlink(ua.sun_path);
	tl = socket(AF_INET, SOCK_STREAM, 0);
	ul = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(tl, (struct sockaddr *)&ta, sizeof(ta)) == 0 && listen(tl, 8) == 0, "tcp listen");
	CHECK(bind(ul, (struct sockaddr *)&ua, sizeof(ua)) == 0 && listen(ul, 8) == 0, "unix listen");
	getsockname(tl, (struct sockaddr *)&ta, &l);
	if (fork() == 0)
		serve(tl, ul);
	if (fork() == 0) {
		close(tl);
		close(ul);
		client(&ta, &ua);
	}
	for (;;)
		if (wait(NULL) < 0 && errno == ECHILD)
			return 0;
}
