// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cvt-util.h"
#include "xalloc.h"

const uint8_t cvt_zeros[1u << 20];

char *cvt_path_normalize(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *out = xmalloc(strlen(path) + 1), *save = NULL;
	size_t len = 0;

	if (path[0] == '/') {
		free(out);
		return NULL;
	}
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			free(out);
			return NULL;
		}
		if (len)
			out[len++] = '/';
		memcpy(out + len, c, strlen(c));
		len += strlen(c);
	}
	out[len] = '\0';
	return out;
}

bool cvt_link_target_ok(const char *linkpath, const char *target)
{
	unsigned depth = 0, ups = 0;
	bool descended = false;
	const char *p;

	if (!target[0] || target[0] == '/')
		return false;
	for (p = linkpath; *p; p++)
		depth += *p == '/';
	for (p = target; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			if (descended || ++ups > depth)
				return false;
		} else if (n && !(n == 1 && *p == '.')) {
			descended = true;
		}
		p += n;
		p += *p == '/';
	}
	return true;
}

int cvt_rm_rf_at(int atfd, const char *name)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (!unlinkat(atfd, name, 0) || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		cvt_rm_rf_at(dirfd(d), de->d_name);
	}
	return unlinkat(atfd, name, AT_REMOVEDIR) ? -errno : 0;
}

int cvt_open_parent(int rootfd, const char *path, bool create, int *ret_fd,
		    const char **ret_base, struct cr_error **err)
{
	_cleanup_close_ int fd = dup(rootfd);
	const char *p = path, *slash;

	if (fd < 0)
		return cr_err_sys(err, -errno, "dup");
	while ((slash = strchr(p, '/'))) {
		_cleanup_free_ char *comp = xstrndup(p, slash - p);
		int nfd;

		if (create && mkdirat(fd, comp, 0700) && errno != EEXIST)
			return cr_err_sys(err, -errno, "'%.*s': cannot create directory",
					  (int)(slash - path), path);
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return cr_err_sys(err, -errno, "'%.*s': not a directory (links are never followed)",
					  (int)(slash - path), path);
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*ret_fd = TAKE_FD(fd);
	*ret_base = p;
	return 0;
}

void cvt_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
