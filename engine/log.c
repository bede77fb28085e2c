/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void crisp_log_init(struct crisp_log *l, int fd, int level)
{
	l->fd = fd;
	l->level = level;
	l->owned = false;
	l->t0 = now_mono();
}

int crisp_log_open_at(struct crisp_log *l, int dirfd, const char *path, int level)
{
	int fd;

	if (!path || !strcmp(path, "-")) {
		crisp_log_init(l, STDERR_FILENO, level);
		return 0;
	}
	fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0600);
	if (fd < 0)
		return -errno;
	crisp_log_init(l, fd, level);
	l->owned = true;
	return 0;
}

void crisp_log_close(struct crisp_log *l)
{
	if (l->owned && l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->owned = false;
}

void crisp_log_vprintf(struct crisp_log *l, int level, const char *fmt, va_list ap)
{
	char buf[4096];
	int n, m;

	if (!l || l->fd < 0 || level > l->level)
		return;
	n = snprintf(buf, sizeof(buf), "(%09.6f) ", now_mono() - l->t0);
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	if (buf[n - 1] != '\n')
		buf[n++] = '\n';
	io_write_full(l->fd, buf, n);
}

void crisp_log_printf(struct crisp_log *l, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crisp_log_vprintf(l, level, fmt, ap);
	va_end(ap);
}

struct crisp_log *crisp_log_default(void)
{
	static struct crisp_log def = { .level = CRISP_LOG_WARN, .fd = STDERR_FILENO };

	return &def;
}
