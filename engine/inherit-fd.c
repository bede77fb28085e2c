/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --inherit-fd fd[N]:KEY at restore: the file the image knows as KEY is
 * not recreated but taken from crisp's own fd N, as CRIU does.  That is
 * how a task whose stdout was a pipe to a process outside the tree (a
 * container's stdio held by runc or conmon, `prog | logger`) gets a live
 * pipe back instead of one nobody reads.  KEYs, as CRIU spells them:
 * pipe:[INO] and socket:[INO] by inode, a regular file or FIFO by its
 * path (with or without the leading '/').
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"

struct inherit {
	int fd;
	const char *key;
};

static int parse_one(const char *s, struct inherit *ret, struct cr_error **err)
{
	char *end;
	long fd;

	if (strncmp(s, "fd[", 3))
		return cr_err(err, -EINVAL, "--inherit-fd '%s': expected fd[N]:KEY", s);
	errno = 0;
	fd = strtol(s + 3, &end, 10);
	if (errno || end == s + 3 || fd < 0 || fd > 1 << 20 || end[0] != ']' || end[1] != ':' || !end[2])
		return cr_err(err, -EINVAL, "--inherit-fd '%s': expected fd[N]:KEY", s);
	if (fcntl((int)fd, F_GETFD) < 0)
		return cr_err_sys(err, -EBADF, "--inherit-fd '%s': crisp has no fd %ld", s, fd);
	ret->fd = (int)fd;
	ret->key = end + 2;
	return 0;
}

int inherit_fd_check(const struct crisp_opts *o, struct cr_error **err)
{
	for (size_t i = 0; i < o->n_inherit_fds; i++) {
		struct inherit in;
		int r = parse_one(o->inherit_fds[i], &in, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static bool path_is(const char *key, const char *path)
{
	if (!path)
		return false;
	while (*key == '/')
		key++;
	while (*path == '/')
		path++;
	return !strcmp(key, path);
}

static bool key_matches(struct crisp_ctx *c, const char *key, const FileEntry *fe)
{
	char buf[64];
	uint32_t ino = 0;
	const char *path = NULL;

	switch (fe->type) {
	case FD_TYPES__PIPE:
		if (!fe->pipe)
			return false;
		snprintf(buf, sizeof(buf), "pipe:[%u]", fe->pipe->pipe_id);
		return !strcmp(key, buf);
	case FD_TYPES__UNIXSK:
		ino = fe->usk ? fe->usk->ino : 0;
		break;
	case FD_TYPES__INETSK:
		ino = fe->isk ? fe->isk->ino : 0;
		break;
	case FD_TYPES__NETLINKSK:
		ino = fe->nlsk ? fe->nlsk->ino : 0;
		break;
	case FD_TYPES__REG:
		path = fe->reg ? fe->reg->name : NULL;
		return path_is(key, path);
	case FD_TYPES__FIFO:
		if (fe->fifo && fe->fifo->has_regf_id) {
			for (size_t i = 0; i < c->n_fentries; i++)
				if (c->fentries[i]->id == fe->fifo->regf_id && c->fentries[i]->reg)
					return path_is(key, c->fentries[i]->reg->name);
		}
		return false;
	default:
		return false;
	}
	if (!ino)
		return false;
	snprintf(buf, sizeof(buf), "socket:[%u]", ino);
	return !strcmp(key, buf);
}

int inherit_fd_lookup(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const struct crisp_opts *o = c->o;

	for (size_t i = 0; i < o->n_inherit_fds; i++) {
		struct inherit in;
		int r = parse_one(o->inherit_fds[i], &in, err), fd;

		if (r < 0)
			return r;
		if (!key_matches(c, in.key, fe))
			continue;
		fd = fcntl(in.fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return cr_err_sys(err, -errno, "--inherit-fd %s: dup of fd %d", o->inherit_fds[i], in.fd);
		pr_info(c, "file %u (%s) inherited from crisp's fd %d", fe->id, in.key, in.fd);
		*ret_fd = fd;
		return 1;
	}
	return 0;
}
