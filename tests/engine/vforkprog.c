// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A parent that never stops for a tracer: it waits for its vfork child
 * (an uninterruptible wait, which PTRACE_INTERRUPT cannot break) while the
 * child sleeps instead of exec'ing.  argv[1]: a file to say "started" in.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	FILE *f = fopen(argc > 1 ? argv[1] : "/dev/null", "a");
	pid_t p;

	if (!f)
		return 1;
	fprintf(f, "started %d\n", (int)getpid());
	fclose(f);
	p = vfork();
	if (p == 0) {
		struct timespec ts = { 600, 0 };

		syscall(SYS_nanosleep, &ts, NULL); /* no libc state touched */
		_exit(0);
	}
	return p < 0;
}
