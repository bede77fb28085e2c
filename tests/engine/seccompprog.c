/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: no_new_privs and two stacked seccomp filters, one
 * making getppid() fail with EPERM, one making getsid() fail with ENOSYS;
 * a thread inherits them.  Logs "iter=N ok" while both still hold, else
 * BAD.  Usage: seccompprog LOG
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int deny(int nr, int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { .len = 4, .filter = f };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p);
}

static int check(void)
{
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EPERM)
		return 0;
	errno = 0;
	if (syscall(SYS_getsid, 0) != -1 || errno != ENOSYS)
		return 0;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
}

static volatile int thread_ok = 1;

static void *th(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (;;) {
		thread_ok = check();
		nanosleep(&ts, NULL);
	}
	return arg;
}

int main(int argc, char **argv)
{
	FILE *log = fopen(argc > 1 ? argv[1] : "/dev/stdout", "a");
	pthread_t t;

	if (!log || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || deny(SYS_getppid, EPERM) < 0 ||
	    deny(SYS_getsid, ENOSYS) < 0)
		return 2;
	setvbuf(log, NULL, _IOLBF, 0);
	pthread_create(&t, NULL, th, NULL);
	for (int it = 0;; it++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (!check() || !thread_ok) {
			fprintf(log, "BAD filters gone (main %d thread %d)\n", check(), thread_ok);
			return 1;
		}
		fprintf(log, "iter=%d ok\n", it);
		nanosleep(&ts, NULL);
	}
}
