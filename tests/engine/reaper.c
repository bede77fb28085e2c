/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs an engine test as a child subreaper: orphans of the test (killed
 * trees, restored trees left with -d) become our children and are reaped,
 * so their pids are free again.  When the test is done, children still
 * alive (ours only) are killed.  Usage: reaper CMD ARGS...
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void kill_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;
		int ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			kill(atoi(de->d_name), SIGKILL);
		fclose(f);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	pid_t child;
	int st, rc = 1;

	if (argc < 2)
		return 2;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	child = fork();
	if (child == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	for (;;) {
		pid_t p = wait(&st);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p == child) {
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			child = -1;
		}
		if (child < 0)
			kill_children();
	}
	return rc;
}
