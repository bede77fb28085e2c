/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: files at offsets and in append mode, /dev/null at a
 * high fd, a directory fd, cwd, umask, an rlimit, comm, a signal handler
 * and a blocked signal.  Every round checks all of it and logs
 * "iter=N usr1=K ok", or "BAD what" and exits.  Usage: fileprog DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;
static FILE *logf_;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (!(cond)) {                            \
			fprintf(logf_, "BAD " __VA_ARGS__); \
			fprintf(logf_, "\n");             \
			exit(1);                          \
		}                                         \
	} while (0)

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char cwd[PATH_MAX], rdir[PATH_MAX], comm[32];
	int a, b, e, d;
	off_t apos = 37, asize = 0;
	struct sigaction sa;
	struct rlimit rl = { 1000, 4096 };
	sigset_t blk;

	if (chdir(dir) < 0 || !realpath(".", rdir))
		return 2;
	logf_ = fopen("log", "a");
	if (!logf_)
		return 2;
	setvbuf(logf_, NULL, _IOLBF, 0);
	umask(027);
	setrlimit(RLIMIT_NOFILE, &rl);
	prctl(PR_SET_NAME, "crisp-fileprog");
	a = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	b = open("app", O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	{
		int ro = open("ro", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (ro < 0 || write(ro, "0123456789", 10) != 10)
			return 2;
		close(ro);
	}
	e = open("ro", O_RDONLY);
	d = open(".", O_RDONLY | O_DIRECTORY);
	if (a < 0 || b < 0 || e < 0 || d < 0)
		return 2;
	if (dup2(open("/dev/null", O_RDWR), 42) != 42)
		return 2;
	{
		char buf[100];

		memset(buf, '.', sizeof(buf));
		if (write(a, buf, sizeof(buf)) != sizeof(buf))
			return 2;
	}
	lseek(a, apos, SEEK_SET);
	lseek(e, 5, SEEK_SET);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	{
		struct itimerval itv = { { 10, 0 }, { 1000, 0 } };

		setitimer(ITIMER_REAL, &itv, NULL);
	}
	fprintf(logf_, "ready pid=%d\n", getpid());
	for (int it = 0;; it++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		char line[64], ch, expect = '0' + (5 + it) % 10;
		struct stat st;
		sigset_t cur;
		mode_t m;
		int n;

		CHECK(lseek(a, 0, SEEK_CUR) == apos, "data offset %lld != %lld",
		      (long long)lseek(a, 0, SEEK_CUR), (long long)apos);
		CHECK(write(a, "X", 1) == 1, "data write");
		apos++;
		n = snprintf(line, sizeof(line), "iter %d\n", it);
		lseek(b, 0, SEEK_SET); /* O_APPEND must still win */
		CHECK(write(b, line, n) == n, "app write");
		asize += n;
		CHECK(fstat(b, &st) == 0 && st.st_size == asize, "app size %lld != %lld",
		      (long long)st.st_size, (long long)asize);
		CHECK(fcntl(b, F_GETFL) & O_APPEND, "O_APPEND lost");
		CHECK(read(e, &ch, 1) == 1 && ch == expect, "ro read '%c' != '%c'", ch, expect);
		if (ch == '9')
			lseek(e, 0, SEEK_SET);
		CHECK(fcntl(42, F_GETFD) >= 0 && fstat(42, &st) == 0 && S_ISCHR(st.st_mode),
		      "fd 42 is not /dev/null");
		CHECK(fstat(d, &st) == 0 && S_ISDIR(st.st_mode), "dir fd");
		CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, rdir), "cwd '%s' != '%s'", cwd, rdir);
		m = umask(027);
		CHECK(m == 027, "umask %o", m);
		CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 1000 && rl.rlim_max == 4096,
		      "rlimit %lu/%lu", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
		CHECK(prctl(PR_GET_NAME, comm) == 0 && !strcmp(comm, "crisp-fileprog"), "comm '%s'",
		      comm);
		CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGUSR2) &&
			      !sigismember(&cur, SIGUSR1),
		      "signal mask");
		CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == on_usr1 &&
			      (sa.sa_flags & SA_RESTART),
		      "SIGUSR1 handler");
		{
			struct itimerval itv;

			CHECK(getitimer(ITIMER_REAL, &itv) == 0 && itv.it_interval.tv_sec == 10 &&
				      itv.it_value.tv_sec <= 1000 && itv.it_value.tv_sec > 900,
			      "itimer %ld/%ld", (long)itv.it_interval.tv_sec, (long)itv.it_value.tv_sec);
		}
		CHECK(sigpending(&cur) == 0, "sigpending");
		fprintf(logf_, "iter=%d usr1=%d pend=%d ok\n", it, (int)usr1, sigismember(&cur, SIGUSR2));
		nanosleep(&ts, NULL);
	}
}
