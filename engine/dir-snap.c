/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an image directory held before a dump, so that a dump which fails
 * takes away what it wrote (images, the parent link, ghost copies) and
 * leaves the directory as it found it: half a checkpoint is worse than
 * none, since a restore would try it.  Files that were there before (the
 * log the dump is writing, older images) are kept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "dir-snap.h"
#include "xalloc.h"

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(int dirfd, char ***ret, size_t *ret_n)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_name);
	*ret = v;
	*ret_n = n;
	return 0;
}

void dir_snap_take(struct dir_snap *s, int dirfd)
{
	memset(s, 0, sizeof(*s));
	s->ok = list(dirfd, &s->names, &s->n) == 0;
}

void dir_snap_remove_new(const struct dir_snap *s, int dirfd, struct crisp_log *log)
{
	char **now = NULL;
	size_t n = 0;

	if (!s->ok || list(dirfd, &now, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (bsearch(&now[i], s->names, s->n, sizeof(*s->names), cmp_name))
			continue;
		if (unlinkat(dirfd, now[i], 0) == 0)
			log_info(log, "removed '%s', written by the failed dump", now[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(now[i]);
	free(now);
}

void dir_snap_release(struct dir_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	memset(s, 0, sizeof(*s));
}
