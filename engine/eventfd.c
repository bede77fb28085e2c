/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * eventfd: the counter, from "eventfd-count:" (hex) in fdinfo.  CRIU's
 * entry has no room for EFD_SEMAPHORE; crisp keeps it as access mode 3 in
 * `flags` (an eventfd is always O_RDWR, so 3 never occurs otherwise, and
 * F_SETFL, which is all CRIU does with these flags, ignores the access mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

static int eventfd_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	EventfdFileEntry *e;
	const char *cnt, *sem;
	uint32_t flags;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	cnt = fdk_fdinfo_field(info, "eventfd-count");
	if (!cnt || fdk_fdinfo_flags(info, &flags, NULL) < 0)
		return cr_err(err, -EINVAL, "eventfd %d of task %d: unexpected fdinfo", target_fd, pid);
	e = xmalloc(sizeof(*e));
	eventfd_file_entry__init(e);
	e->id = out->id;
	e->flags = flags;
	e->fown = fdk_fown_new(local_fd);
	e->counter = strtoull(cnt, NULL, 16);
	sem = fdk_fdinfo_field(info, "eventfd-semaphore");
	if (sem && atoi(sem))
		e->flags |= O_ACCMODE;
	out->type = FD_TYPES__EVENTFD;
	out->efd = e;
	return 0;
}

static int eventfd_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
			struct cr_error **err)
{
	const EventfdFileEntry *e = fe->efd;
	_cleanup_close_ int fd = -1;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: EVENTFD without efd", fe->id);
	/* eventfd() takes an unsigned int; a larger count is written afterwards */
	fd = eventfd(e->counter <= 0xffffffffu ? (unsigned)e->counter : 0,
		     EFD_CLOEXEC | (e->flags & EFD_NONBLOCK) |
			     ((e->flags & O_ACCMODE) == O_ACCMODE ? EFD_SEMAPHORE : 0));
	if (fd < 0)
		return cr_err_sys(err, -errno, "eventfd %u", e->id);
	if (e->counter > 0xffffffffu) {
		uint64_t v = e->counter;

		if (write(fd, &v, sizeof(v)) != sizeof(v))
			return cr_err_sys(err, -errno, "eventfd %u: counter %llu", e->id,
					  (unsigned long long)v);
	}
	return fdk_open_done(TAKE_FD(fd), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_eventfd_ops = {
	.name = "eventfd",
	.type = FD_TYPES__EVENTFD,
	.dump = eventfd_dump,
	.open = eventfd_open,
};
