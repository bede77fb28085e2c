// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "io.h"
#include "xalloc.h"

ssize_t io_read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

int io_write_full(int fd, const void *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, buf, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf = (const char *)buf + r;
		n -= r;
	}
	return 0;
}

int io_tmp_open_at(int dirfd, const char *name, mode_t mode, struct io_tmp *t,
		   struct cr_error **err)
{
	const char *slash = strrchr(name, '/');
	struct stat st;
	char *tmp;

	/* A device, fifo or socket (/dev/null, a pipe) is written in place:
	 * renaming a file over it would replace the node. */
	if (fstatat(dirfd, name, &st, 0) == 0 && !S_ISREG(st.st_mode)) {
		t->fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
		if (t->fd < 0)
			return cr_err_sys(err, -errno, "'%s': cannot open", name);
		t->dirfd = dirfd;
		t->name = xstrdup(name);
		t->tmpname = NULL;
		return 0;
	}
	if (slash)
		tmp = xasprintf("%.*s/.%s.tmp.%d", (int)(slash - name), name, slash + 1, getpid());
	else
		tmp = xasprintf(".%s.tmp.%d", name, getpid());
	t->fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (t->fd < 0) {
		int r = -errno;
		free(tmp);
		return cr_err_sys(err, r, "'%s': cannot create", name);
	}
	t->dirfd = dirfd;
	t->name = xstrdup(name);
	t->tmpname = tmp;
	return 0;
}

static void io_tmp_release(struct io_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->name);
	free(t->tmpname);
	t->name = t->tmpname = NULL;
}

int io_tmp_commit(struct io_tmp *t, struct cr_error **err)
{
	int r = 0;

	if (close(t->fd) < 0)
		r = cr_err_sys(err, -errno, "'%s': cannot write", t->name);
	t->fd = -1;
	if (!t->tmpname) {
		io_tmp_release(t);
		return r;
	}
	if (r == 0 && renameat(t->dirfd, t->tmpname, t->dirfd, t->name) < 0)
		r = cr_err_sys(err, -errno, "'%s': cannot rename into place", t->name);
	if (r < 0)
		unlinkat(t->dirfd, t->tmpname, 0);
	io_tmp_release(t);
	return r;
}

void io_tmp_abort(struct io_tmp *t)
{
	if (!t->name)
		return;
	if (t->tmpname)
		unlinkat(t->dirfd, t->tmpname, 0);
	io_tmp_release(t);
}

int io_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
		    struct cr_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", path);
	for (;;) {
		ssize_t r;

		buf = xgrow(buf, &cap, len + 4097, 1);
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cr_err_sys(err, -errno, "'%s': cannot read", path);
		}
		if (r == 0)
			break;
		len += r;
		if (len > max)
			return cr_err(err, -EFBIG, "'%s': larger than %zu bytes", path, max);
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}
