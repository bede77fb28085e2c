/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * epoll: its targets from the "tfd:" lines of fdinfo.  The target fds are
 * numbers in the owning task, so the set is rebuilt by ->post in the
 * restored task once every fd is at its number.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdkinds.h"
#include "xalloc.h"

static void epoll_entry_free(EventpollFileEntry *e)
{
	protobuf_c_message_free_unpacked(&e->base, NULL);
}

static int eventpoll_dump(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd,
			  FileEntry *out, struct cr_error **err)
{
	_cleanup_free_ char *info = NULL;
	EventpollFileEntry *e;
	uint32_t flags;
	size_t cap = 0;
	int r;

	r = fdk_fdinfo_read(pid, target_fd, &info, err);
	if (r < 0)
		return r;
	if (fdk_fdinfo_flags(info, &flags, NULL) < 0)
		return cr_err(err, -EINVAL, "epoll %d of task %d: unexpected fdinfo", target_fd,
			      pid);
	e = xmalloc(sizeof(*e));
	eventpoll_file_entry__init(e);
	e->id = out->id;
	e->flags = flags;
	e->fown = fdk_fown_new(local_fd);
	for (const char *p = strstr(info, "tfd:"); p; p = strstr(p + 1, "\ntfd:")) {
		EventpollTfdEntry *t;
		int tfd;
		unsigned events, sdev;
		unsigned long long data, pos, ino;

		if (*p == '\n')
			p++;
		if (sscanf(p, "tfd: %d events: %x data: %llx pos:%llu ino:%llx sdev:%x", &tfd,
			   &events, &data, &pos, &ino, &sdev) != 6) {
			epoll_entry_free(e);
			return cr_err(err, -EINVAL, "epoll %d of task %d: bad tfd line", target_fd,
				      pid);
		}
		t = xmalloc(sizeof(*t));
		eventpoll_tfd_entry__init(t);
		t->tfd = tfd;
		t->events = events;
		t->data = data;
		t->has_dev = t->has_inode = t->has_pos = true;
		t->dev = sdev;
		t->inode = ino;
		t->pos = pos;
		e->tfd = xgrow(e->tfd, &cap, e->n_tfd + 1, sizeof(*e->tfd));
		e->tfd[e->n_tfd++] = t;
	}
	out->type = FD_TYPES__EVENTPOLL;
	out->epfd = e;
	return 0;
}

static int eventpoll_open(struct fdk_restore *rs, const FileEntry *fe, int *ret_fd,
			  struct cr_error **err)
{
	const EventpollFileEntry *e = fe->epfd;
	_cleanup_close_ int fd = -1;

	if (!e)
		return cr_err(err, -EINVAL, "file %u: EVENTPOLL without epfd", fe->id);
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "epoll_create1 %u", e->id);
	return fdk_open_done(TAKE_FD(fd), e->flags, e->fown, ret_fd, err);
}

/* In the restored task: every target is at its number now. */
static int eventpoll_post(const FileEntry *fe, int fd, struct cr_error **err)
{
	const EventpollFileEntry *e = fe->epfd;

	for (size_t i = 0; i < e->n_tfd; i++) {
		const EventpollTfdEntry *t = e->tfd[i];
		struct epoll_event ev = { .events = t->events, .data.u64 = t->data };

		/*
		 * EEXIST: a task sharing this epoll added it already.  EBADF: this
		 * task does not hold the target (another task sharing the epoll
		 * does, and adds it in its own post).
		 */
		if (epoll_ctl(fd, EPOLL_CTL_ADD, t->tfd, &ev) < 0 && errno != EEXIST &&
		    errno != EBADF)
			return cr_err_sys(err, -errno, "epoll %u: add target fd %u", e->id, t->tfd);
	}
	return 0;
}

const struct fdk_ops fdk_eventpoll_ops = {
	.name = "eventpoll",
	.type = FD_TYPES__EVENTPOLL,
	.dump = eventpoll_dump,
	.open = eventpoll_open,
	.post = eventpoll_post,
};
