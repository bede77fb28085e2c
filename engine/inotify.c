/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * inotify: each watch from an "inotify wd:" fdinfo line, with the file
 * handle the kernel shows.  The watched inode is found again with
 * open_by_handle_at() on its mount (dump: for the path CRIU records;
 * restore: to watch the same inode even if the path is gone).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

#define FH_MAX 128
#define FH_WORDS 16 /* CRIU pads handles to fh_entry_sizes.min_entries */

/* The kernel prints s_dev in its own encoding: major << 20 | minor. */
static dev_t kdev_to_dev(uint32_t k)
{
	return makedev(k >> 20, k & 0xfffff);
}

/* Open the root of a mount of device `dev` (O_PATH), for open_by_handle_at(). */
static int mount_fd_for(dev_t dev)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char mnt[4096];

		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		if (makedev(maj, min) != dev)
			continue;
		int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* not O_PATH: open_by_handle_at refuses it */
		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

static int open_handle(dev_t dev, const FhEntry *fh, int flags)
{
	_cleanup_close_ int mfd = -1;
	_cleanup_free_ struct file_handle *h = NULL;
	int fd;

	if (fh->bytes > FH_MAX || fh->n_handle * 8 < fh->bytes)
		return -EINVAL;
	mfd = mount_fd_for(dev);
	if (mfd < 0)
		return mfd;
	h = xzalloc(sizeof(*h) + FH_MAX);
	h->handle_bytes = fh->bytes;
	h->handle_type = fh->type;
	for (unsigned i = 0; i < fh->bytes; i++)
		h->f_handle[i] = fh->handle[i / 8] >> (8 * (i % 8));
	fd = open_by_handle_at(mfd, h, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static char *fd_path(int fd)
{
	char p[64], buf[4096];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return xstrdup(buf);
}

static InotifyWdEntry *parse_wd(const char *line)
{
	unsigned wd, sdev, mask, ign, bytes;
	int type;
	unsigned long long ino;
	char hex[2 * FH_MAX + 1];
	InotifyWdEntry *w;
	FhEntry *fh;
	int fd;

	if (sscanf(line,
		   "inotify wd:%x ino:%llx sdev:%x mask:%x ignored_mask:%x fhandle-bytes:%x fhandle-type:%x f_handle:%256[0-9a-fA-F]",
		   &wd, &ino, &sdev, &mask, &ign, &bytes, &type, hex) != 8)
		return NULL;
	if (bytes > FH_MAX || strlen(hex) < 2 * bytes)
		return NULL;
	w = xmalloc(sizeof(*w));
	inotify_wd_entry__init(w);
	fh = xmalloc(sizeof(*fh));
	fh_entry__init(fh);
	w->wd = wd;
	w->i_ino = ino;
	w->s_dev = sdev;
	w->mask = mask;
	w->ignored_mask = ign;
	fh->bytes = bytes;
	fh->type = type;
	fh->n_handle = (bytes + 7) / 8 > FH_WORDS ? (bytes + 7) / 8 : FH_WORDS;
	fh->handle = xcalloc(fh->n_handle, sizeof(uint64_t));
	for (unsigned i = 0; i < bytes; i++) {
		unsigned b;

		sscanf(hex + 2 * i, "%2x", &b);
		fh->handle[i / 8] |= (uint64_t)b << (8 * (i % 8));
	}
	fd = open_handle(kdev_to_dev(sdev), fh, O_PATH);
	if (fd >= 0) {
		fh->path = fd_path(fd);
		close(fd);
	}
	w->f_handle = fh;
	return w;
}

static int inotify_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	InotifyFileEntry *e;
	uint32_t flags;
	size_t cap = 0;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0)
		return cr_err(err, -EINVAL, "inotify %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	e = xmalloc(sizeof(*e));
	inotify_file_entry__init(e);
	e->id = out->id;
	e->flags = flags;
	e->fown = fdk_fown_new(local_fd);
	for (const char *p = strstr(info, "inotify wd:"); p; p = strstr(p + 1, "inotify wd:")) {
		InotifyWdEntry *w = parse_wd(p);

		if (!w) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			return cr_err(err, -EINVAL, "inotify %d of task %d: bad watch line",
				      target_fd, pid);
		}
		e->wd = xgrow(e->wd, &cap, e->n_wd + 1, sizeof(*e->wd));
		e->wd[e->n_wd++] = w;
	}
	out->type = FD_TYPES__INOTIFY;
	out->ify = e;
	return 0;
}

/* Add one watch so that it gets its old descriptor number; *ret_removed counts detours. */
static int add_watch(int fd, const InotifyWdEntry *w, int *ret_removed, struct cr_error **err)
{
	_cleanup_close_ int tfd = -1;
	char path[64];
	const char *target;

	tfd = open_handle(kdev_to_dev(w->s_dev), w->f_handle, O_PATH);
	if (tfd >= 0 && w->f_handle->path) {
		struct stat st;

		/* images from another machine: a handle may name another inode here */
		if (fstat(tfd, &st) < 0 || st.st_ino != w->i_ino) {
			close(tfd);
			tfd = -1;
		}
	}
	if (tfd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", tfd);
		target = path;
	} else if (w->f_handle->path) {
		target = w->f_handle->path;
	} else {
		return cr_err(err, -ENOENT, "inotify watch %u: inode %llu not found", w->wd,
			      (unsigned long long)w->i_ino);
	}
	/* descriptors are allocated cyclically upwards: remove and retry until they match */
	for (int tries = 0; tries < 1 << 16; tries++) {
		int wd = inotify_add_watch(fd, target, w->mask);

		if (wd < 0)
			return cr_err_sys(err, -errno, "inotify_add_watch '%s'",
					  w->f_handle->path ? w->f_handle->path : target);
		if ((uint32_t)wd == w->wd)
			return 0;
		if ((uint32_t)wd > w->wd)
			return cr_err(err, -EBUSY, "inotify watch '%s': got wd %d, want %u",
				      w->f_handle->path ? w->f_handle->path : target, wd, w->wd);
		inotify_rm_watch(fd, wd);
		(*ret_removed)++;
	}
	return cr_err(err, -EBUSY, "inotify watch %u: descriptor not reachable", w->wd);
}

static int inotify_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
			struct cr_error **err)
{
	const InotifyFileEntry *e = fe->ify;
	_cleanup_close_ int fd = -1;
	int r, removed = 0;
	char buf[4096];

	if (!e)
		return cr_err(err, -EINVAL, "file %u: INOTIFY without ify", fe->id);
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return cr_err_sys(err, -errno, "inotify_init1 %u", e->id);
	for (size_t i = 0; i < e->n_wd; i++) {
		if (!e->wd[i]->f_handle)
			return cr_err(err, -EINVAL, "inotify %u: watch without handle", e->id);
		r = add_watch(fd, e->wd[i], &removed, err);
		if (r < 0)
			return r;
	}
	/* each detour queued an IN_IGNORED the task must not see */
	while (removed && read(fd, buf, sizeof(buf)) > 0)
		;
	return fdk_open_done(TAKE_FD(fd), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_inotify_ops = {
	.name = "inotify",
	.type = FD_TYPES__INOTIFY,
	.dump = inotify_dump,
	.open = inotify_open,
};
