// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holds an exclusive flock() on FLOCKFILE, a POSIX write lock on bytes
 * [100, 150) of POSIXFILE and an OFD read lock on bytes [0, 10) of OFDFILE.
 * Logs "n=<iter> held" every 100 ms; on SIGUSR1 it drops all three and
 * logs "released".  Usage: lockprog LOG FLOCKFILE POSIXFILE OFDFILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t release;

static void on_usr1(int sig)
{
	(void)sig;
	release = 1;
}

int main(int argc, char **argv)
{
	struct flock pl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50 };
	struct flock ol = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	int log, ff, pf, of, released = 0;

	if (argc < 5)
		return 2;
	log = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ff = open(argv[2], O_RDWR | O_CREAT, 0644);
	pf = open(argv[3], O_RDWR | O_CREAT, 0644);
	of = open(argv[4], O_RDWR | O_CREAT, 0644);
	if (log < 0 || ff < 0 || pf < 0 || of < 0)
		return 1;
	signal(SIGUSR1, on_usr1);
	if (flock(ff, LOCK_EX | LOCK_NB) < 0 || fcntl(pf, F_SETLK, &pl) < 0 ||
	    fcntl(of, F_OFD_SETLK, &ol) < 0) {
		dprintf(log, "BAD lock: %m\n");
		return 1;
	}
	for (int n = 0;; n++) {
		struct timespec ts = { 0, 100000000 };

		if (release && !released) {
			pl.l_type = F_UNLCK;
			ol.l_type = F_UNLCK;
			if (flock(ff, LOCK_UN) < 0 || fcntl(pf, F_SETLK, &pl) < 0 ||
			    fcntl(of, F_OFD_SETLK, &ol) < 0)
				dprintf(log, "BAD unlock: %m\n");
			released = 1;
		}
		dprintf(log, "n=%d %s\n", n, released ? "released" : "held");
		nanosleep(&ts, NULL);
	}
}
