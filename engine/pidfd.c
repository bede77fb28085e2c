/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pidfds (pidfd_open, clone's CLONE_PIDFD; Go and systemd hold them for
 * their children).  The image keeps the target's pid (NSpid in fdinfo)
 * and the file flags, as CRIU's PidfdEntry does.  A pidfd can only be
 * made for a process that exists, and at open time (before the tree is
 * forked) none does: crisp hands the task a placeholder, and the task
 * itself swaps in pidfd_open(pid) at its fd number once the tree is up.
 * A pidfd of a process that had already died is refused at dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd, FileEntry *out,
		      struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	const char *p, *nsp;
	PidfdEntry *e;
	uint32_t flags;
	struct stat st;
	long target;
	int r;

	(void)d;
	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	p = fdk_fdinfo_field(info, "Pid");
	nsp = fdk_fdinfo_field(info, "NSpid");
	if (!p || fdk_fdinfo_flags(info, &flags, NULL) < 0 || fstat(local_fd, &st) < 0)
		return cr_err(err, -EINVAL, "pidfd %d of task %d: unexpected fdinfo", target_fd, pid);
	target = strtol(nsp ? nsp : p, NULL, 10);
	if (target <= 0)
		return cr_err(err, -EOPNOTSUPP, "pidfd %d of task %d: its process has exited: not supported",
			      target_fd, pid);
	e = xmalloc(sizeof(*e));
	pidfd_entry__init(e);
	e->id = out->id;
	e->ino = (uint32_t)st.st_ino;
	/* what pidfd_open() takes (CRIU passes it straight there): PIDFD_NONBLOCK,
	 * PIDFD_THREAD; a pidfd is O_RDWR by nature */
	e->flags = flags & (O_NONBLOCK | O_EXCL);
	e->nspid = (int32_t)target;
	e->fown = fdk_fown_new(local_fd);
	out->type = FD_TYPES__PIDFD;
	out->pidfd = e;
	return 0;
}

static int pidfd_open_placeholder(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
				  struct cr_error **err)
{
	int fd;

	(void)rs;
	if (!fe->pidfd)
		return cr_err(err, -EINVAL, "file %u: PIDFD without pidfd", fe->id);
	if (fe->pidfd->nspid <= 0)
		return cr_err(err, -EINVAL, "pidfd %u: no pid (%d)", fe->id, fe->pidfd->nspid);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "pidfd %u: placeholder", fe->id);
	*ret_fd = fd;
	return 0;
}

/* In the restored task: the tree is being forked, so wait a little for the target. */
static int pidfd_post(const FileEntry *fe, int fd, struct cr_error **err)
{
	const PidfdEntry *e = fe->pidfd;
	unsigned int pflags = e->flags & (O_NONBLOCK | O_EXCL); /* PIDFD_NONBLOCK, PIDFD_THREAD */
	int cloexec = fcntl(fd, F_GETFD), pfd = -1;

	for (int tries = 0; tries < 2000; tries++) {
		pfd = (int)syscall(SYS_pidfd_open, (pid_t)e->nspid, pflags);
		if (pfd >= 0 || errno != ESRCH)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (pfd < 0)
		return cr_err_sys(err, -errno, "pidfd %u: pidfd_open(%d)", e->id, e->nspid);
	if (dup3(pfd, fd, cloexec > 0 && (cloexec & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
		close(pfd);
		return cr_err_sys(err, -errno, "pidfd %u: dup3 to %d", e->id, fd);
	}
	close(pfd);
	return 0;
}

const struct fdk_ops fdk_pidfd_ops = {
	.name = "pidfd",
	.type = FD_TYPES__PIDFD,
	.dump = pidfd_dump,
	.open = pidfd_open_placeholder,
	.post = pidfd_post,
};
