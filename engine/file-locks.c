/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File locks.  Dump: /proc/PID/fdinfo/FD lists the locks taken through
 * that open file ("lock:\t1: FLOCK  ADVISORY  WRITE 123 fe:00:456 0 EOF");
 * each becomes a FileLockEntry with CRIU's values (flag FL_POSIX 1,
 * FL_FLOCK 2, FL_OFD 4; type F_RDLCK/F_WRLCK; len 0 up to EOF) naming the
 * task and fd.  A flock or OFD lock seen through several fds of one open
 * file description (dup, fork) is written once (kcmp).
 * Restore: the task takes each lock again on its own fd by an injected
 * flock() / fcntl(F_SETLK) / fcntl(F_OFD_SETLK): POSIX locks belong to
 * the process, flock and OFD locks to the description it shares.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx.h"
#include "file-locks.h"
#include "xalloc.h"

/* CRIU's file-lock.h */
#define FL_POSIX 1
#define FL_FLOCK 2
#define FL_OFD 4
#define FL_LEASE 8
#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif

struct dlock {
	pid_t pid;
	int fd;
	uint32_t flag, type;
	unsigned maj, min;
	unsigned long ino;
	int64_t start, end; /* end -1: EOF */
};

static const char *flag_name(uint32_t f)
{
	return f == FL_POSIX ? "POSIX" : f == FL_FLOCK ? "flock" : f == FL_OFD ? "OFD" :
	       f == FL_LEASE ? "lease" : "?";
}

/* "1: FLOCK  ADVISORY  WRITE 123 fe:00:456 0 EOF" (after "lock:\t") */
static int parse_lock(pid_t pid, int fd, const char *s, struct dlock *l, struct cr_error **err)
{
	char kind[16], mode[16], rw[16], end[32];
	long long id, start;
	int owner;

	memset(l, 0, sizeof(*l));
	l->pid = pid;
	l->fd = fd;
	if (sscanf(s, "%lld: %15s %15s %15s %d %x:%x:%lu %lld %31s", &id, kind, mode, rw, &owner,
		   &l->maj, &l->min, &l->ino, &start, end) != 10)
		return cr_err(err, -EINVAL, "task %d: fd %d: cannot parse lock '%s'", pid, fd, s);
	if (!strcmp(kind, "POSIX"))
		l->flag = FL_POSIX;
	else if (!strcmp(kind, "FLOCK"))
		l->flag = FL_FLOCK;
	else if (!strcmp(kind, "OFDLCK"))
		l->flag = FL_OFD;
	else if (!strcmp(kind, "LEASE"))
		l->flag = FL_LEASE;
	else
		return cr_err(err, -EOPNOTSUPP, "task %d: fd %d: %s locks are not supported ('%s')",
			      pid, fd, kind, s);
	/* a lease is ACTIVE; one being broken (BREAKING, BREAKER) waits on another
	 * process's open, which the dump cannot carry */
	if (l->flag == FL_LEASE && strcmp(mode, "ACTIVE"))
		return cr_err(err, -EOPNOTSUPP, "task %d: fd %d: lease being broken ('%s')", pid,
			      fd, s);
	if (l->flag != FL_LEASE && strcmp(mode, "ADVISORY"))
		return cr_err(err, -EOPNOTSUPP, "task %d: fd %d: %s lock not supported ('%s')", pid,
			      fd, mode, s);
	if (!strcmp(rw, "READ"))
		l->type = F_RDLCK;
	else if (!strcmp(rw, "WRITE"))
		l->type = F_WRLCK;
	else
		return cr_err(err, -EINVAL, "task %d: fd %d: lock type '%s' ('%s')", pid, fd, rw, s);
	l->start = start;
	l->end = strcmp(end, "EOF") ? strtoll(end, NULL, 10) : -1;
	return 0;
}

/* The same lock already seen through this open file description? */
static bool seen(const struct dlock *v, size_t n, const struct dlock *l)
{
	for (size_t i = 0; i < n; i++) {
		const struct dlock *o = &v[i];

		if (o->flag != l->flag || o->type != l->type || o->maj != l->maj ||
		    o->min != l->min || o->ino != l->ino || o->start != l->start || o->end != l->end)
			continue;
		if (syscall(SYS_kcmp, o->pid, l->pid, KCMP_FILE, o->fd, l->fd) == 0)
			return true;
	}
	return false;
}

static int task_locks(struct crisp_ctx *c, struct task *t, struct dlock **v, size_t *n,
		      size_t *cap, struct cr_error **err)
{
	char path[64];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", t->pid);
	d = opendir(path);
	if (!d)
		return cr_err_sys(err, -errno, "task %d: open %s", t->pid, path);
	while ((de = readdir(d))) {
		char p[96], line[256];
		_cleanup_fclose_ FILE *f = NULL;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		snprintf(p, sizeof(p), "%s/%d", path, fd);
		f = fopen(p, "re");
		if (!f)
			return cr_err_sys(err, -errno, "task %d: open %s", t->pid, p);
		while (fgets(line, sizeof(line), f)) {
			struct dlock l;
			int r;

			if (strncmp(line, "lock:\t", 6))
				continue;
			line[strcspn(line, "\n")] = 0;
			if (!c->o->file_locks)
				return cr_err(err, -EBUSY,
					      "task %d holds a file lock on fd %d (%s): dump it with --file-locks",
					      t->pid, fd, line + 6);
			r = parse_lock(t->pid, fd, line + 6, &l, err);
			if (r < 0)
				return r;
			if (seen(*v, *n, &l))
				continue;
			*v = xgrow(*v, cap, *n + 1, sizeof(**v));
			(*v)[(*n)++] = l;
		}
	}
	return 0;
}

int file_locks_dump(struct crisp_ctx *c, struct cr_error **err)
{
	_cleanup_free_ struct dlock *v = NULL;
	struct img_writer *w = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (t->state == TASK_DEAD)
			continue;
		r = task_locks(c, t, &v, &n, &cap, err);
		if (r < 0)
			return r;
	}
	if (!c->o->file_locks)
		return 0;
	r = img_writer_open_type_at(c->imgfd, IMG_FILE_LOCKS, 0, &w, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		FileLockEntry fle = FILE_LOCK_ENTRY__INIT;

		fle.flag = v[i].flag;
		fle.type = v[i].type;
		fle.pid = v[i].pid;
		fle.fd = v[i].fd;
		fle.start = v[i].start;
		fle.len = v[i].end < 0 ? 0 : v[i].end + 1 - v[i].start;
		pr_info(c, "task %d: fd %d: %s %s lock at %lld len %lld", fle.pid, fle.fd,
			flag_name(fle.flag), fle.type == F_WRLCK ? "write" : "read",
			(long long)fle.start, (long long)fle.len);
		r = img_writer_put(w, &fle.base, err);
		if (r < 0) {
			img_writer_abort(w);
			return r;
		}
	}
	return img_writer_commit(w, err);
}

static int restore_one(struct crisp_ctx *c, struct task *t, const FileLockEntry *fle,
		       struct cr_error **err)
{
	bool have_fd = false;
	long ret = 0;
	int r;

	for (size_t i = 0; i < t->n_fds && !have_fd; i++)
		have_fd = (int)t->fds[i]->fd == fle->fd;
	if (!have_fd)
		return cr_err(err, -EBADF, "task %d: %s lock on fd %d, which the task does not have",
			      t->pid, flag_name(fle->flag), fle->fd);
	if (fle->flag & FL_FLOCK) {
		int op = fle->type == F_RDLCK ? LOCK_SH : fle->type == F_WRLCK ? LOCK_EX : -1;

		if (op < 0)
			return cr_err(err, -EINVAL, "task %d: fd %d: flock type %u", t->pid, fle->fd,
				      fle->type);
		r = ptr_syscall(t, SYS_flock, fle->fd, op | LOCK_NB, 0, 0, 0, 0, &ret, err);
	} else if (fle->flag & FL_LEASE) {
		if (fle->type != F_RDLCK && fle->type != F_WRLCK)
			return cr_err(err, -EINVAL, "task %d: fd %d: lease type %u", t->pid, fle->fd,
				      fle->type);
		r = ptr_syscall(t, SYS_fcntl, fle->fd, F_SETLEASE, fle->type, 0, 0, 0, &ret, err);
	} else if (fle->flag & (FL_POSIX | FL_OFD)) {
		struct flock fl;

		memset(&fl, 0, sizeof(fl));
		fl.l_type = fle->type;
		fl.l_whence = SEEK_SET;
		fl.l_start = fle->start;
		fl.l_len = fle->len;
		r = ptr_mem_write(t->pid, t->scratch, &fl, sizeof(fl), err);
		if (r < 0)
			return r;
		r = ptr_syscall(t, SYS_fcntl, fle->fd, (fle->flag & FL_OFD) ? F_OFD_SETLK : F_SETLK,
				t->scratch, 0, 0, 0, &ret, err);
	} else {
		return cr_err(err, -EINVAL, "task %d: fd %d: unknown lock flag %u", t->pid, fle->fd,
			      fle->flag);
	}
	if (r < 0)
		return r;
	if (ret < 0 && ret > -4096)
		return cr_err_sys(err, (int)ret, "task %d: fd %d: taking its %s %s lock at %lld len %lld%s",
				  t->pid, fle->fd, flag_name(fle->flag),
				  fle->type == F_WRLCK ? "write" : "read", (long long)fle->start,
				  (long long)fle->len,
				  ret == -EAGAIN || ret == -EACCES || ret == -EWOULDBLOCK
					  ? " (someone else holds the file locked)" : "");
	pr_info(c, "task %d: fd %d: %s lock restored", t->pid, fle->fd, flag_name(fle->flag));
	return 0;
}

int file_locks_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	int r;

	r = img_reader_open_type_at(c->imgfd, IMG_FILE_LOCKS, 0, &rd, err);
	if (r == -ENOENT) {
		cr_err_free(err); /* no filelocks.img: dumped without --file-locks */
		return 0;
	}
	if (r < 0)
		return cr_err_wrap(err, "task %d: file locks", t->pid);
	for (;;) {
		struct img_entry e = { 0 };
		const FileLockEntry *fle;

		r = img_reader_next(rd, true, &e, err);
		if (r <= 0)
			break;
		fle = (const FileLockEntry *)e.msg;
		if (fle->pid != t->pid) {
			img_entry_release(&e);
			continue;
		}
		if (!c->o->file_locks) {
			pr_warn(c, "task %d: fd %d: %s lock not restored: restore with --file-locks",
				t->pid, fle->fd, flag_name(fle->flag));
			img_entry_release(&e);
			continue;
		}
		r = restore_one(c, t, fle, err);
		img_entry_release(&e);
		if (r < 0)
			break;
	}
	img_reader_close(rd);
	return r < 0 ? r : 0;
}
