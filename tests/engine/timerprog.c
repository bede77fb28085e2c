// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Two POSIX timers with distinct, sparse ids: a periodic CLOCK_MONOTONIC
 * one (SIGEV_SIGNAL, SIGRTMIN+1, sival 0x5eed) whose handler counts ticks,
 * and a one-shot CLOCK_REALTIME one 1000 s away (SIGUSR2).  Three timers
 * made and deleted in between push the one-shot's id up.  Every 100 ms it
 * logs "n=<ticks> ids=<a>,<b> rem=<ms of the one-shot> ok=<0|1>": ok is
 * timer_gettime + timer_getoverrun on both saved ids succeeding, the
 * periodic one armed with its 20 ms interval.  Usage: timerprog LOG
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks, bad_value;

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_TIMER && si->si_value.sival_int != 0x5eed)
		bad_value = 1;
	ticks++;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	struct sigevent se = { 0 };
	timer_t per, once, tmp[3];
	struct itimerspec p = { { 0, 20000000 }, { 0, 20000000 } };
	struct itimerspec o = { { 0, 0 }, { 1000, 0 } };
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return 1;
	sa.sa_sigaction = on_tick;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGRTMIN + 1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);

	se.sigev_notify = SIGEV_SIGNAL;
	se.sigev_signo = SIGRTMIN + 1;
	se.sigev_value.sival_int = 0x5eed;
	if (timer_create(CLOCK_MONOTONIC, &se, &per) < 0)
		return 1;
	for (int i = 0; i < 3; i++)
		if (timer_create(CLOCK_MONOTONIC, NULL, &tmp[i]) < 0)
			return 1;
	for (int i = 0; i < 3; i++)
		timer_delete(tmp[i]);
	se.sigev_signo = SIGUSR2;
	se.sigev_value.sival_int = 77;
	if (timer_create(CLOCK_REALTIME, &se, &once) < 0)
		return 1;
	if (timer_settime(per, 0, &p, NULL) < 0 || timer_settime(once, 0, &o, NULL) < 0)
		return 1;

	for (;;) {
		struct itimerspec a, b;
		char line[160];
		int ok = 1, n;
		struct timespec ts = { 0, 100000000 };

		if (timer_gettime(per, &a) < 0 || timer_gettime(once, &b) < 0 ||
		    timer_getoverrun(per) < 0 || timer_getoverrun(once) < 0)
			ok = 0;
		else if (a.it_interval.tv_sec != 0 || a.it_interval.tv_nsec != 20000000 ||
			 b.it_interval.tv_sec || b.it_interval.tv_nsec || bad_value)
			ok = 0;
		n = snprintf(line, sizeof(line), "n=%d ids=%ld,%ld rem=%lld ok=%d\n", (int)ticks,
			     (long)(intptr_t)per, (long)(intptr_t)once,
			     ok ? (long long)b.it_value.tv_sec * 1000 + b.it_value.tv_nsec / 1000000 : -1LL,
			     ok);
		if (write(fd, line, n) != n)
			return 1;
		while (nanosleep(&ts, &ts) < 0)
			;
	}
}
