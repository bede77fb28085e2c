/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: threads.  Four workers bump their own __thread
 * counter and publish it; two of them play ping-pong on a mutex+condvar
 * (futexes); one has SIGUSR2 blocked in its own mask.  The main thread
 * checks every round that everyone advances and logs "iter=N ok", or BAD.
 * Usage: threadprog LOG
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NW 4
static _Atomic unsigned long pub[NW];
static __thread unsigned long mine;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;
static _Atomic int bad;
static pid_t tids[NW];

static void msleep(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;

	tids[id] = syscall(SYS_gettid);
	if (id == 3) {
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &s, NULL);
	}
	for (;;) {
		if (id < 2) { /* ping-pong */
			pthread_mutex_lock(&mu);
			while (turn != id)
				pthread_cond_wait(&cv, &mu);
			turn = !id;
			pthread_cond_broadcast(&cv);
			pthread_mutex_unlock(&mu);
		}
		mine++;
		if (pub[id] + 1 != mine)
			bad = 1;
		pub[id] = mine;
		if (id == 3) {
			sigset_t s;

			pthread_sigmask(SIG_BLOCK, NULL, &s);
			if (!sigismember(&s, SIGUSR2))
				bad = 2;
		}
		msleep(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	FILE *log = fopen(argc > 1 ? argv[1] : "/dev/stdout", "a");
	pthread_t th[NW];
	unsigned long last[NW] = { 0 };

	if (!log)
		return 2;
	setvbuf(log, NULL, _IOLBF, 0);
	for (long i = 0; i < NW; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	msleep(50);
	fprintf(log, "ready pid=%d\n", getpid());
	for (int it = 0;; it++) {
		msleep(100);
		for (int i = 0; i < NW; i++) {
			unsigned long v = pub[i];

			if (v == last[i]) {
				fprintf(log, "BAD thread %d (tid %d) stuck at %lu\n", i, tids[i], v);
				return 1;
			}
			last[i] = v;
		}
		if (bad) {
			fprintf(log, "BAD state %d\n", bad);
			return 1;
		}
		fprintf(log, "iter=%d ok\n", it);
	}
}
