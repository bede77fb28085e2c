// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit relocate SRC DST: copy or move a checkpoint directory.  CRIU's
 * incremental dumps link to their predecessor with a `parent` symlink,
 * usually relative (--prev-images-dir ../pre-1).  A link that resolves
 * inside SRC moves with it and is kept; one that leaves SRC is rewritten
 * to reach the same directory from DST.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "cvt-util.h"
#include "xalloc.h"

struct rl_ctx {
	const struct cvt_relocate_opts *o;
	char *asrc, *adst; /* absolute, normalised */
	uint64_t done, total;
	/* move: links to rewrite once the walk is over (not while readdir runs) */
	char **fix_path, **fix_target;
	size_t n_fix, cap_fix, cap_fix2;
};

/* Lexically normalise an absolute path ("/a/b/../c" -> "/a/c"). */
static char *abs_normalize(const char *p)
{
	char *out = xmalloc(strlen(p) + 2), *copy = xstrdup(p), *save = NULL;
	size_t len = 0;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, c, strlen(c));
		len += strlen(c);
	}
	if (!len)
		out[len++] = '/';
	out[len] = '\0';
	free(copy);
	return out;
}

static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '/' || !p[n]);
}

/* Relative path from directory `from` to `to` (both absolute, normalised). */
static char *relpath(const char *from, const char *to)
{
	size_t i = 0, common = 0, ups = 0;
	char *out;

	while (from[i] && from[i] == to[i]) {
		if (from[i] == '/')
			common = i;
		i++;
	}
	if (!from[i] && (to[i] == '/' || !to[i]))
		common = i;
	for (const char *p = from + common; *p; p++)
		ups += *p == '/';
	out = xmalloc(3 * ups + strlen(to) + 2);
	out[0] = '\0';
	for (size_t k = 0; k < ups; k++)
		strcat(out, k ? "/.." : "..");
	if (to[common] && to[common + 1]) {
		if (ups)
			strcat(out, "/");
		strcat(out, to + common + 1);
	}
	if (!out[0])
		strcpy(out, ".");
	return out;
}

/* The target a link at rel (inside src) must have once it lives under dst. */
static char *new_target(const struct rl_ctx *c, const char *rel, const char *target)
{
	_cleanup_free_ char *dir = xstrdup(rel), *joined = NULL, *res = NULL;
	_cleanup_free_ char *newdir = NULL;
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	joined = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s/%s", c->asrc, dir, target);
	res = abs_normalize(joined);
	if (under(res, c->asrc)) {
		if (target[0] != '/')
			return xstrdup(target); /* moves along */
		/* absolute into src: point at the same file inside dst */
		free(joined);
		joined = xasprintf("%s%s", c->adst, res + strlen(c->asrc));
		return joined ? TAKE_PTR(joined) : NULL;
	}
	if (target[0] == '/')
		return xstrdup(target); /* absolute outside: still valid */
	newdir = dir[0] ? xasprintf("%s/%s", c->adst, dir) : xstrdup(c->adst);
	return relpath(newdir, res);
}

static int copy_file(struct rl_ctx *c, int sfd, int dfd, const char *name, const struct stat *st,
		     struct cr_error **err)
{
	_cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	off_t left = st->st_size;

	if (in < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", name);
	out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return cr_err_sys(err, -errno, "'%s': cannot create", name);
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, left, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
			char buf[1 << 16];

			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, n) != n)
				n = -1;
		}
		if (n <= 0)
			return cr_err_sys(err, n < 0 ? -errno : -EIO, "'%s': copy", name);
		left -= n;
		c->done += n;
		if (c->o->progress)
			c->o->progress(c->done, c->total, c->o->opaque);
	}
	if (fchmod(out, st->st_mode & 07777) || futimens(out, ts))
		return cr_err_sys(err, -errno, "'%s': cannot set mode", name);
	return 0;
}

static int walk(struct rl_ctx *c, int sfd, int dfd, const char *rel, bool copy,
		struct cr_error **err);

static int one(struct rl_ctx *c, int sfd, int dfd, const char *name, const char *rel,
	       bool copy, struct cr_error **err)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int r;

	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return cr_err_sys(err, -errno, "'%s': stat", rel);
	if (S_ISLNK(st.st_mode)) {
		_cleanup_free_ char *nt = NULL;

		n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cr_err_sys(err, -errno, "'%s': readlink", rel);
		target[n] = '\0';
		nt = new_target(c, rel, target);
		if (!copy) {
			if (strcmp(nt, target)) {
				c->fix_path = xgrow(c->fix_path, &c->cap_fix, c->n_fix + 1, sizeof(char *));
				c->fix_target = xgrow(c->fix_target, &c->cap_fix2, c->n_fix + 1,
						      sizeof(char *));
				c->fix_path[c->n_fix] = xstrdup(rel);
				c->fix_target[c->n_fix++] = TAKE_PTR(nt);
			}
			return 0;
		}
		return symlinkat(nt, dfd, name) ? cr_err_sys(err, -errno, "'%s': symlink", rel) : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s2 = -1, d2 = -1;
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		if (copy && mkdirat(dfd, name, 0700))
			return cr_err_sys(err, -errno, "'%s': mkdir", rel);
		s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d2 = copy ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			  : dup(s2);
		if (s2 < 0 || d2 < 0)
			return cr_err_sys(err, -errno, "'%s': open", rel);
		r = walk(c, s2, d2, rel, copy, err);
		if (r >= 0 && copy && (fchmod(d2, st.st_mode & 07777) || futimens(d2, ts)))
			r = cr_err_sys(err, -errno, "'%s': cannot set mode", rel);
		return r;
	}
	if (!copy)
		return 0;
	if (!S_ISREG(st.st_mode))
		return cr_err(err, -EPERM, "'%s': not a file, directory or link", rel);
	return copy_file(c, sfd, dfd, name, &st, err);
}

static int walk(struct rl_ctx *c, int sfd, int dfd, const char *rel, bool copy,
		struct cr_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(sfd), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot read directory", rel);
	}
	rewinddir(d); /* a dup shares the offset of its original */
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		r = one(c, sfd, dfd, de->d_name, sub, copy, err);
	}
	return r;
}

static uint64_t tree_size(int fd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	uint64_t sum = 0;
	int dfd = dup(fd);

	if (dfd < 0 || !(d = fdopendir(dfd)))
		return 0;
	rewinddir(d); /* a dup shares the offset of its original */
	while ((de = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISREG(st.st_mode))
			sum += st.st_size;
		if (S_ISDIR(st.st_mode) &&
		    (sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) >= 0) {
			sum += tree_size(sub);
			close(sub);
		}
	}
	return sum;
}

static int copy_tree(struct rl_ctx *c, const char *src, const char *dst, struct cr_error **err)
{
	_cleanup_free_ char *d1 = xstrdup(dst), *d2 = xstrdup(dst), *tmp = NULL;
	_cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dfd = -1;
	struct stat st;
	int r;

	if (sfd < 0 || fstat(sfd, &st))
		return cr_err_sys(err, -errno, "'%s': cannot open directory", src);
	tmp = xasprintf("%s/.%s.relocate-XXXXXX", dirname(d1), basename(d2));
	if (!mkdtemp(tmp))
		return cr_err_sys(err, -errno, "'%s': cannot create", tmp);
	c->total = tree_size(sfd);
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? cr_err_sys(err, -errno, "'%s'", tmp) : walk(c, sfd, dfd, "", true, err);
	if (r >= 0 && fchmod(dfd, st.st_mode & 07777))
		r = cr_err_sys(err, -errno, "'%s': chmod", tmp);
	if (r >= 0 && rename(tmp, dst))
		r = cr_err_sys(err, -errno, "'%s': cannot rename into place", dst);
	if (r < 0)
		cvt_rm_rf_at(AT_FDCWD, tmp);
	return r;
}

int cvt_relocate(const char *src, const char *dst, const struct cvt_relocate_opts *o,
		 struct cr_error **err)
{
	struct rl_ctx c = { .o = o };
	_cleanup_free_ char *d1 = xstrdup(dst), *d2 = xstrdup(dst), *pdir = NULL;
	char buf[PATH_MAX];
	struct stat st;
	int r;

	if (!lstat(dst, &st))
		return cr_err(err, -EEXIST, "'%s': already exists", dst);
	if (!realpath(src, buf))
		return cr_err_sys(err, -errno, "'%s'", src);
	c.asrc = xstrdup(buf);
	pdir = xstrdup(dirname(d1));
	if (!realpath(pdir, buf)) {
		free(c.asrc);
		return cr_err_sys(err, -errno, "'%s'", pdir);
	}
	c.adst = xasprintf("%s/%s", strcmp(buf, "/") ? buf : "", basename(d2));
	if (under(c.adst, c.asrc)) {
		r = cr_err(err, -EINVAL, "'%s' is inside '%s'", dst, src);
	} else if (o->move && !rename(src, dst)) {
		_cleanup_close_ int fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		r = fd < 0 ? cr_err_sys(err, -errno, "'%s'", dst) : walk(&c, fd, fd, "", false, err);
		for (size_t i = 0; i < c.n_fix; i++) {
			_cleanup_free_ char *tmp = xasprintf("%s.relocate~", c.fix_path[i]);

			/* a new link renamed over the old one: never a moment without it */
			if (r >= 0 && (symlinkat(c.fix_target[i], fd, tmp) ||
				       renameat(fd, tmp, fd, c.fix_path[i])))
				r = cr_err_sys(err, -errno, "'%s/%s': cannot rewrite link", dst,
					       c.fix_path[i]);
			free(c.fix_path[i]);
			free(c.fix_target[i]);
		}
		free(c.fix_path);
		free(c.fix_target);
	} else if (o->move && errno != EXDEV) {
		r = cr_err_sys(err, -errno, "'%s': cannot move to '%s'", src, dst);
	} else {
		r = copy_tree(&c, src, dst, err);
		if (r >= 0 && o->move && cvt_rm_rf_at(AT_FDCWD, src) < 0)
			r = cr_err_sys(err, -errno, "'%s': copied, but cannot remove", src);
	}
	free(c.asrc);
	free(c.adst);
	return r;
}
