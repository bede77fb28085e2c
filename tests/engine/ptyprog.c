/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A script(1)-like pair: the parent holds a pty master, its child is a
 * session leader with the slave as controlling terminal and fds 0-2.
 * Slave termios: -echo (unless argv[1] is "echo"), VINTR = ^G, 33x99.  Before SIGUSR1 neither reads:
 * the parent has queued "queued before dump\nhalf-" for the child, the
 * child "child ready\n" for the parent.  On SIGUSR1 the child answers
 * each line it reads with "UP:<LINE> intr=N echo=N rows=N"; the parent
 * writes "line\nthird line\n" and copies all it reads from the master to
 * stdout.
 */
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void wait_usr1(void)
{
	sigset_t s;
	int sig;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	while (sigwait(&s, &sig) != 0 || sig != SIGUSR1)
		;
}

static void xwrite(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t k = write(fd, s, len);

		if (k <= 0)
			exit(3);
		s += k;
		len -= k;
	}
}

static _Noreturn void child(int s)
{
	char buf[512], out[700];

	if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0) {
		perror("setsid/TIOCSCTTY");
		exit(2);
	}
	dup2(s, 0);
	dup2(s, 1);
	dup2(s, 2);
	if (s > 2)
		close(s);
	xwrite(1, "child ready\n");
	wait_usr1();
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf) - 1); /* canonical: one line */
		struct termios t;
		struct winsize ws = { 0 };

		if (n <= 0)
			exit(n < 0 ? 4 : 0);
		buf[n] = 0;
		if (buf[n - 1] == '\n')
			buf[n - 1] = 0;
		for (char *p = buf; *p; p++)
			*p = toupper((unsigned char)*p);
		tcgetattr(0, &t);
		ioctl(0, TIOCGWINSZ, &ws);
		snprintf(out, sizeof(out), "UP:%s intr=%d echo=%d rows=%d\n", buf, t.c_cc[VINTR],
			 !!(t.c_lflag & ECHO), ws.ws_row);
		xwrite(1, out);
	}
}

int main(int argc, char **argv)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 99 };
	struct termios t;
	sigset_t s1;
	char buf[512];
	int m, s;
	pid_t pid;

	sigemptyset(&s1);
	sigaddset(&s1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s1, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
		perror("posix_openpt");
		return 1;
	}
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetattr(s, &t) < 0) {
		perror("slave");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "echo"))
		t.c_lflag &= ~ECHO;
	t.c_cc[VINTR] = 7;
	if (tcsetattr(s, TCSANOW, &t) < 0 || ioctl(s, TIOCSWINSZ, &ws) < 0) {
		perror("tcsetattr");
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(m);
		child(s);
	}
	close(s);
	xwrite(m, "queued before dump\nhalf-");
	printf("parent ready child %d slave %s\n", pid, ptsname(m));
	wait_usr1();
	xwrite(m, "line\nthird line\n");
	for (;;) {
		ssize_t n = read(m, buf, sizeof(buf));

		if (n <= 0)
			return n < 0 ? 5 : 0;
		fwrite(buf, 1, n, stdout);
	}
}
