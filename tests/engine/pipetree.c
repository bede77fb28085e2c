/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: a tree with pipes between children and data in
 * flight, a zombie, a child in its own process group.
 *   root -- writer W: counter words into pipe P (faster than the reader)
 *        -- reader R (own pgid): checks the counter is contiguous
 *        -- zombie Z: exit(7), reaped by root only when DIR/reap exists
 * The reader bumps a counter in a MAP_SHARED|MAP_ANONYMOUS page and in a
 * MAP_SHARED file page; root checks both keep moving (sharing survived).
 * Everyone checks its pid/ppid/pgid/sid every round; anything wrong logs
 * BAD.  Usage: pipetree DIR (must run as a session leader: setsid)
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *logf_;

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void check_ids(const char *who, pid_t pid, pid_t ppid, pid_t pgid, pid_t sid)
{
	if (getpid() != pid || getppid() != ppid || getpgid(0) != pgid || getsid(0) != sid) {
		fprintf(logf_, "BAD %s ids pid %d/%d ppid %d/%d pgid %d/%d sid %d/%d\n", who,
			getpid(), pid, getppid(), ppid, getpgid(0), pgid, getsid(0), sid);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[4096];
	pid_t root = getpid(), sid = getsid(0), w, r, z;
	volatile uint64_t *shm, *shf;
	uint64_t last_m = 0, last_f = 0;
	int p[2], fd, stuck = 0;

	snprintf(path, sizeof(path), "%s/log", dir);
	logf_ = fopen(path, "a");
	if (!logf_ || pipe(p) < 0)
		return 2;
	setvbuf(logf_, NULL, _IOLBF, 0);
	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	snprintf(path, sizeof(path), "%s/shared-file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (shm == MAP_FAILED || fd < 0 || ftruncate(fd, 4096) < 0)
		return 2;
	shf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (shf == MAP_FAILED)
		return 2;
	w = fork();
	if (w == 0) {
		uint32_t v = 0, buf[256];

		close(p[0]);
		for (;;) {
			for (int i = 0; i < 256; i++)
				buf[i] = v++;
			if (write(p[1], buf, sizeof(buf)) != sizeof(buf)) {
				fprintf(logf_, "BAD writer write\n");
				return 1;
			}
			check_ids("writer", w = getpid(), root, root, sid);
		}
	}
	r = fork();
	if (r == 0) {
		uint32_t expect = 0, buf[128];
		unsigned long rounds = 0;

		setpgid(0, 0);
		close(p[1]);
		for (;;) {
			ssize_t n = read(p[0], buf, sizeof(buf));

			if (n != sizeof(buf)) { /* writes are 1 KiB, reads 512 bytes: never short */
				fprintf(logf_, "BAD reader read %zd\n", n);
				return 1;
			}
			for (int i = 0; i < 128; i++, expect++)
				if (buf[i] != expect) {
					fprintf(logf_, "BAD reader got %u expected %u\n", buf[i], expect);
					return 1;
				}
			check_ids("reader", getpid(), root, getpid(), sid);
			shm[0]++;
			shf[0]++;
			if (++rounds % 50 == 0)
				fprintf(logf_, "reader at %u\n", expect);
			msleep(2);
		}
	}
	close(p[0]);
	close(p[1]);
	z = fork();
	if (z == 0)
		_exit(7);
	fprintf(logf_, "ready root=%d writer=%d reader=%d zombie=%d\n", root, w, r, z);
	for (;;) {
		struct stat st;
		int status;

		check_ids("root", root, getppid(), root, sid);
		if (shm[0] == last_m || shf[0] == last_f) {
			if (++stuck > 5) {
				fprintf(logf_, "BAD shared memory stuck at %lu/%lu\n",
					(unsigned long)shm[0], (unsigned long)shf[0]);
				return 1;
			}
		} else {
			stuck = 0;
		}
		last_m = shm[0];
		last_f = shf[0];
		snprintf(path, sizeof(path), "%s/reap", dir);
		if (z && stat(path, &st) == 0) {
			pid_t got = waitpid(z, &status, WNOHANG);

			if (got != z || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
				fprintf(logf_, "BAD zombie got %d status %#x\n", got, status);
				return 1;
			}
			fprintf(logf_, "zombie reaped status 7\n");
			z = 0;
		}
		if (waitpid(w, &status, WNOHANG) > 0 || waitpid(r, &status, WNOHANG) > 0) {
			fprintf(logf_, "BAD a child died: status %#x\n", status);
			return 1;
		}
		msleep(100);
	}
}
