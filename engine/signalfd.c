/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* signalfd: the mask, from "sigmask:" (hex) in fdinfo. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

static int signalfd_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			 FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	SignalfdEntry *e;
	const char *mask;
	uint32_t flags;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	mask = fdk_fdinfo_field(info, "sigmask");
	if (!mask || fdk_fdinfo_flags(info, &flags, NULL) < 0)
		return cr_err(err, -EINVAL, "signalfd %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	e = xmalloc(sizeof(*e));
	signalfd_entry__init(e);
	e->id = out->id;
	e->flags = flags;
	e->fown = fdk_fown_new(local_fd);
	e->sigmask = strtoull(mask, NULL, 16);
	out->type = FD_TYPES__SIGNALFD;
	out->sgfd = e;
	return 0;
}

static int signalfd_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
			 struct cr_error **err)
{
	const SignalfdEntry *e = fe->sgfd;
	_cleanup_close_ int fd = -1;
	uint64_t mask;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: SIGNALFD without sgfd", fe->id);
	mask = e->sigmask;
	/* the raw syscall takes the kernel's 8-byte mask, as fdinfo shows it */
	fd = syscall(SYS_signalfd4, -1, &mask, sizeof(mask),
		     SFD_CLOEXEC | (e->flags & SFD_NONBLOCK));
	if (fd < 0)
		return cr_err_sys(err, -errno, "signalfd %u (mask 0x%llx)", e->id,
				  (unsigned long long)mask);
	return fdk_open_done(TAKE_FD(fd), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_signalfd_ops = {
	.name = "signalfd",
	.type = FD_TYPES__SIGNALFD,
	.dump = signalfd_dump,
	.open = signalfd_open,
};
