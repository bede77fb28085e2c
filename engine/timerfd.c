/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * timerfd: clock, remaining time and interval, settime flags and ticks not
 * yet read, all from fdinfo.  The remaining time is relative, so a timer
 * armed with TFD_TIMER_ABSTIME is re-armed at now + remaining.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static int pair(const char *s, uint64_t *a, uint64_t *b)
{
	unsigned long long x, y;

	if (!s || sscanf(s, "(%llu, %llu)", &x, &y) != 2)
		return -EINVAL;
	*a = x;
	*b = y;
	return 0;
}

static int timerfd_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	const char *clk, *ticks, *sf;
	TimerfdEntry e = TIMERFD_ENTRY__INIT, *ep;
	uint32_t flags;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	clk = fdk_fdinfo_field(info, "clockid");
	ticks = fdk_fdinfo_field(info, "ticks");
	sf = fdk_fdinfo_field(info, "settime flags");
	if (!clk || !ticks || !sf || fdk_fdinfo_flags(info, &flags, NULL) < 0 ||
	    pair(fdk_fdinfo_field(info, "it_value"), &e.vsec, &e.vnsec) < 0 ||
	    pair(fdk_fdinfo_field(info, "it_interval"), &e.isec, &e.insec) < 0)
		return cr_err(err, -EINVAL, "timerfd %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	e.id = out->id;
	e.flags = flags;
	e.clockid = strtoul(clk, NULL, 10);
	e.ticks = strtoull(ticks, NULL, 10);
	e.settime_flags = strtoul(sf, NULL, 8);
	e.fown = fdk_fown_new(local_fd);
	ep = xmalloc(sizeof(*ep));
	*ep = e;
	out->type = FD_TYPES__TIMERFD;
	out->tfd = ep;
	return 0;
}

static int timerfd_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
			struct cr_error **err)
{
	const TimerfdEntry *e = fe->tfd;
	_cleanup_close_ int fd = -1;
	struct itimerspec its;
	int sflags;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: TIMERFD without tfd", fe->id);
	fd = timerfd_create(e->clockid, TFD_CLOEXEC | (e->flags & TFD_NONBLOCK));
	if (fd < 0)
		return cr_err_sys(err, -errno, "timerfd_create %u (clock %u)", e->id, e->clockid);
	its.it_value.tv_sec = e->vsec;
	its.it_value.tv_nsec = e->vnsec;
	its.it_interval.tv_sec = e->isec;
	its.it_interval.tv_nsec = e->insec;
	/*
	 * A periodic timer that fired and was not read yet is not re-armed by
	 * the kernel until the read: fdinfo shows 0 left.  It ticks again one
	 * interval after that read; arming with 0 would disarm it.
	 */
	if (!e->vsec && !e->vnsec && (e->isec || e->insec))
		its.it_value = its.it_interval;
	sflags = e->settime_flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET);
	if ((sflags & TFD_TIMER_ABSTIME) && (its.it_value.tv_sec || its.it_value.tv_nsec)) {
		struct timespec now;

		if (clock_gettime(e->clockid, &now) < 0)
			return cr_err_sys(err, -errno, "clock_gettime %u", e->clockid);
		its.it_value.tv_sec += now.tv_sec;
		its.it_value.tv_nsec += now.tv_nsec;
		if (its.it_value.tv_nsec >= 1000000000L) {
			its.it_value.tv_nsec -= 1000000000L;
			its.it_value.tv_sec++;
		}
	} else {
		sflags &= ~TFD_TIMER_ABSTIME;
	}
	if (timerfd_settime(fd, sflags, &its, NULL) < 0)
		return cr_err_sys(err, -errno, "timerfd_settime %u", e->id);
	if (e->ticks) {
		uint64_t t = e->ticks;

		if (ioctl(fd, TFD_IOC_SET_TICKS, &t) < 0)
			return cr_err_sys(err, -errno, "timerfd %u: set %llu ticks", e->id,
					  (unsigned long long)t);
	}
	return fdk_open_done(TAKE_FD(fd), e->flags, e->fown, ret_fd, err);
}

const struct fdk_ops fdk_timerfd_ops = {
	.name = "timerfd",
	.type = FD_TYPES__TIMERFD,
	.dump = timerfd_dump,
	.open = timerfd_open,
};
