/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File descriptors: files.img (one FileEntry per open file description)
 * and fdinfo-N.img (which fd of a task points to which entry).  The
 * per-kind work is in the fd_ops tables (files-reg.c, pipes.c, ...).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "xalloc.h"

static const struct fd_ops *const fd_ops_table[] = {
	&fd_ops_pty, /* before reg: ptys are character devices too */
	&fd_ops_reg,
	&fd_ops_pipe,
	&fd_ops_fifo,
	&fd_ops_tty,
};

static const struct fd_ops *ops_by_type(FdTypes type)
{
	for (size_t i = 0; i < ARRAY_SIZE(fd_ops_table); i++)
		if (fd_ops_table[i]->type == type)
			return fd_ops_table[i];
	return NULL;
}

static struct dfile *dfile_add(struct crisp_ctx *c, uint32_t id, pid_t pid, int fd,
			       const struct stat *st, uint32_t flags, int type)
{
	struct dfile *d;

	c->dfiles = xgrow(c->dfiles, &c->cap_dfiles, c->n_dfiles + 1, sizeof(*c->dfiles));
	d = &c->dfiles[c->n_dfiles++];
	d->id = id;
	d->pid = pid;
	d->fd = fd;
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->flags = flags;
	d->type = type;
	return d;
}

static int put_file(struct crisp_ctx *c, FileEntry *fe, struct cr_error **err)
{
	int r = img_writer_put(c->w_files, &fe->base, err);

	return r < 0 ? cr_err_wrap(err, "files.img") : 0;
}

int files_dump_path(struct crisp_ctx *c, pid_t pid, const char *link, uint32_t flags,
		    uint32_t *ret_id, struct cr_error **err)
{
	char path[128];
	_cleanup_free_ char *target = NULL;
	FileEntry fe = FILE_ENTRY__INIT;
	struct stat st;
	struct dfile *d;
	char *del;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, link);
	if (stat(path, &st) < 0)
		return cr_err_sys(err, -errno, "stat '%s'", path);
	for (size_t i = 0; i < c->n_dfiles; i++) {
		d = &c->dfiles[i];
		if (d->pid < 0 && d->dev == st.st_dev && d->ino == st.st_ino && d->flags == flags) {
			*ret_id = d->id;
			return 0;
		}
	}
	r = proc_readlink(pid, link, &target, err);
	if (r < 0)
		return r;
	if (target[0] != '/')
		return cr_err(err, -EOPNOTSUPP, "task %d: %s -> '%s': not a path", pid, link, target);
	d = dfile_add(c, ++c->next_file_id, -1, -1, &st, flags, FD_TYPES__REG);
	del = strstr(target, " (deleted)");
	if (del && st.st_nlink == 0) {
		/* a deleted binary or mapped file: its bytes go into a ghost file */
		_cleanup_close_ int rfd = open(path, O_RDONLY | O_CLOEXEC);

		*del = 0;
		if (rfd < 0)
			return cr_err_sys(err, -errno, "open '%s'", path);
		r = ghost_dump(c, rfd, &st, d->id, err);
		if (r < 0)
			return cr_err_wrap(err, "task %d: %s -> '%s'", pid, link, target);
	}
	fe.type = FD_TYPES__REG;
	fe.id = d->id;
	fe.reg = reg_entry_new(d->id, target, flags, 0, &st);
	r = put_file(c, &fe, err);
	protobuf_c_message_free_unpacked(&fe.reg->base, NULL);
	if (r < 0)
		return r;
	*ret_id = d->id;
	return 0;
}

int files_put_reg(struct crisp_ctx *c, const char *path, uint32_t flags, const struct stat *st,
		  uint32_t *ret_id, struct cr_error **err)
{
	FileEntry fe = FILE_ENTRY__INIT;
	uint32_t id = ++c->next_file_id;
	int r;

	fe.type = FD_TYPES__REG;
	fe.id = id;
	fe.reg = reg_entry_new(id, path, flags, 0, st);
	r = put_file(c, &fe, err);
	protobuf_c_message_free_unpacked(&fe.reg->base, NULL);
	if (r >= 0)
		*ret_id = id;
	return r;
}

int files_dump_memfd_vma(struct crisp_ctx *c, pid_t pid, unsigned long start, unsigned long end,
			 uint32_t *ret_id, struct cr_error **err)
{
	char path[96];
	_cleanup_close_ int lfd = -1;
	FileEntry *fe;
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", pid, start, end);
	lfd = open(path, O_RDWR | O_CLOEXEC);
	if (lfd < 0)
		lfd = open(path, O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || fstat(lfd, &st) < 0)
		return cr_err_sys(err, -errno, "open '%s'", path);
	for (size_t i = 0; i < c->n_dfiles; i++) {
		struct dfile *d = &c->dfiles[i];

		if (d->pid < 0 && d->type == FD_TYPES__MEMFD && d->dev == st.st_dev &&
		    d->ino == st.st_ino) {
			*ret_id = d->id;
			return 0;
		}
	}
	fe = xmalloc(sizeof(*fe));
	file_entry__init(fe);
	fe->id = ++c->next_file_id;
	r = ext_dump_memfd(c, lfd, fe, err);
	if (r >= 0) {
		dfile_add(c, fe->id, -1, -1, &st, O_RDWR, FD_TYPES__MEMFD);
		r = put_file(c, fe, err);
	}
	if (r >= 0)
		*ret_id = fe->id;
	ext_entry_free(fe);
	return r < 0 ? cr_err_wrap(err, "task %d: memfd mapping %lx-%lx", pid, start, end) : 0;
}

/* An fd the tree already showed us (kcmp says same description)? */
static struct dfile *find_shared(struct crisp_ctx *c, struct task *t, int fd,
				 const struct stat *st)
{
	for (size_t i = 0; i < c->n_dfiles; i++) {
		struct dfile *d = &c->dfiles[i];

		if (d->pid < 0 || d->dev != st->st_dev || d->ino != st->st_ino)
			continue;
		if (syscall(SYS_kcmp, d->pid, t->pid, KCMP_FILE, d->fd, fd) == 0)
			return d;
	}
	return NULL;
}

/*
 * The owner (F_SETOWN/F_SETSIG, for SIGIO) and status flags of any file
 * entry: every kind's sub-message has a `fown` and a `flags` field, found
 * by name in its descriptor rather than kind by kind.
 */
static ProtobufCMessage *entry_sub(const FileEntry *fe)
{
	const ProtobufCMessageDescriptor *d = fe->base.descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		ProtobufCMessage *sub;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		sub = *(ProtobufCMessage **)((char *)fe + f->offset);
		if (sub)
			return sub;
	}
	return NULL;
}

static FownEntry **entry_fown(const FileEntry *fe, uint32_t *ret_flags)
{
	ProtobufCMessage *sub = entry_sub(fe);
	const ProtobufCFieldDescriptor *fo, *fl;

	*ret_flags = 0;
	if (!sub)
		return NULL;
	fl = protobuf_c_message_descriptor_get_field_by_name(sub->descriptor, "flags");
	if (fl && fl->type == PROTOBUF_C_TYPE_UINT32 && fl->label != PROTOBUF_C_LABEL_REPEATED)
		*ret_flags = *(uint32_t *)((char *)sub + fl->offset);
	fo = protobuf_c_message_descriptor_get_field_by_name(sub->descriptor, "fown");
	if (!fo || fo->type != PROTOBUF_C_TYPE_MESSAGE || fo->descriptor != &fown_entry__descriptor)
		return NULL;
	return (FownEntry **)((char *)sub + fo->offset);
}

/* F_SETOWN/F_SETSIG of a core kind's file (pipe, file, tty): into its entry */
static void core_fown_dump(FileEntry *fe, int lfd)
{
	uint32_t flags;
	FownEntry **slot = entry_fown(fe, &flags);

	if (!slot)
		return;
	if (*slot)
		protobuf_c_message_free_unpacked(&(*slot)->base, NULL);
	*slot = ext_fown_dump(lfd);
}

/*
 * In the restored task, at the fd's final number: O_ASYNC (which open()
 * does not take) and the owner, which is usually the task itself and so
 * could not be set by crisp before the fork.  An owner elsewhere in the
 * tree may still be on its way: wait for it a little.
 */
static int fown_restore_in_task(const FileEntry *fe, int fd, char *msg, size_t msglen)
{
	uint32_t flags;
	FownEntry **slot = entry_fown(fe, &flags);
	const FownEntry *o = slot ? *slot : NULL;
	int fl;

	if ((flags & O_ASYNC) && (fl = fcntl(fd, F_GETFL)) >= 0 && !(fl & O_ASYNC) &&
	    fcntl(fd, F_SETFL, fl | O_ASYNC) < 0) {
		snprintf(msg, msglen, "fd %d: O_ASYNC: %m", fd);
		return -errno;
	}
	if (!o || !o->pid)
		return 0;
	for (int tries = 0;; tries++) {
		struct f_owner_ex own = { .type = (int)o->pid_type, .pid = (pid_t)o->pid };

		if (fcntl(fd, F_SETOWN_EX, &own) == 0)
			break;
		if (errno != ESRCH || tries >= 200) {
			snprintf(msg, msglen, "fd %d: F_SETOWN_EX %u: %m", fd, o->pid);
			return -errno;
		}
		usleep(1000);
	}
	if (o->signum && fcntl(fd, F_SETSIG, (int)o->signum) < 0) {
		snprintf(msg, msglen, "fd %d: F_SETSIG %u: %m", fd, o->signum);
		return -errno;
	}
	return 0;
}

/*
 * The file behind fd of t (lfd: crisp's copy of it): the id of the entry
 * the dump already has for that open file, or a new entry in files.img.
 */
static int dump_file(struct crisp_ctx *c, struct task *t, int fd, int lfd, struct dfile **ret,
		     uint32_t *ret_flags, const char **ret_kind, struct cr_error **err)
{
	struct fd_dump_info fi = { .t = t, .fd = fd, .lfd = lfd };
	_cleanup_free_ char *link = NULL;
	char what[32];
	const struct fd_ops *ops = NULL;
	struct dfile *d;
	int r;

	if (fstat(lfd, &fi.st) < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: fstat", t->pid, fd);
	snprintf(what, sizeof(what), "fd/%d", fd);
	r = proc_readlink(t->pid, what, &link, err);
	if (r < 0)
		return r;
	r = proc_fdinfo(t->pid, fd, &fi.flags, &fi.pos, &fi.mnt_id, err);
	if (r < 0)
		return r;
	fi.link = link;
	*ret_kind = "ext";
	d = find_shared(c, t, fd, &fi.st);
	if (!d) {
		FileEntry *fe = xmalloc(sizeof(*fe));
		bool ext;

		file_entry__init(fe);
		fe->id = ++c->next_file_id;
		/* the ext kinds first: a memfd is S_ISREG too */
		r = ext_dump_fd(c, t->pid, fd, lfd, &fi.st, fe, err);
		ext = r > 0;
		if (r == 0) {
			for (size_t i = 0; i < ARRAY_SIZE(fd_ops_table); i++)
				if (fd_ops_table[i]->match(&fi)) {
					ops = fd_ops_table[i];
					break;
				}
			if (!ops) {
				free(fe);
				return cr_err(err, -EOPNOTSUPP,
					      "task %d fd %d: '%s': unsupported file type", t->pid, fd,
					      link);
			}
			fe->type = ops->type;
			r = ops->dump(c, &fi, fe, err);
			if (r >= 0)
				core_fown_dump(fe, lfd);
			*ret_kind = ops->name;
		}
		if (r >= 0) {
			d = dfile_add(c, fe->id, t->pid, fd, &fi.st, fi.flags, fe->type);
			r = put_file(c, fe, err);
		}
		if (ext)
			ext_entry_free(fe);
		else
			protobuf_c_message_free_unpacked(&fe->base, NULL);
		if (r < 0)
			return r;
	}
	*ret = d;
	*ret_flags = fi.flags; /* this fd's, O_CLOEXEC included */
	pr_debug(c, "task %d fd %d: %s '%s' id %u", t->pid, fd, *ret_kind, link, d->id);
	return 0;
}

static int dump_one_fd(struct crisp_ctx *c, struct task *t, int pidfd, int fd,
		       struct img_writer *w, struct cr_error **err)
{
	_cleanup_close_ int lfd = -1;
	FdinfoEntry fdi = FDINFO_ENTRY__INIT;
	const char *kind;
	struct dfile *d;
	uint32_t flags;
	int r;

	lfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (lfd < 0)
		return cr_err_sys(err, -errno, "task %d fd %d: pidfd_getfd", t->pid, fd);
	r = dump_file(c, t, fd, lfd, &d, &flags, &kind, err);
	if (r < 0)
		return r;
	fdi.id = d->id;
	fdi.flags = (flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
	fdi.type = d->type;
	fdi.fd = fd;
	return img_writer_put(w, &fdi.base, err);
}

/*
 * A file crisp holds itself: one passed in a unix socket's queue
 * (SCM_RIGHTS) and received here by peeking.  Kept open to the end of the
 * dump, so that a task showing the same open file later gets the same id.
 */
int files_dump_local(struct crisp_ctx *c, int fd, uint32_t *ret_id, struct cr_error **err)
{
	struct task self = { .pid = getpid() };
	struct stat st;
	const char *kind;
	struct dfile *d;
	uint32_t flags;
	int keep, r;

	if (fstat(fd, &st) < 0)
		return cr_err_sys(err, -errno, "fd in flight: fstat");
	if (S_ISSOCK(st.st_mode))
		return cr_err(err, -EOPNOTSUPP,
			      "a socket in flight in a unix socket's queue (SCM_RIGHTS) is not supported");
	keep = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (keep < 0)
		return cr_err_sys(err, -errno, "fd in flight: dup");
	r = dump_file(c, &self, keep, keep, &d, &flags, &kind, err);
	if (r < 0 || d->pid != self.pid || d->fd != keep) {
		close(keep); /* an entry the tree had already */
		if (r < 0)
			return cr_err_wrap(err, "a file in flight (SCM_RIGHTS)");
	} else {
		c->kept = xgrow(c->kept, &c->cap_kept, c->n_kept + 1, sizeof(*c->kept));
		c->kept[c->n_kept++] = keep;
	}
	*ret_id = d->id;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int files_dump_task(struct crisp_ctx *c, struct task *t, uint32_t files_id, struct cr_error **err)
{
	char path[64];
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int pidfd = -1;
	_cleanup_free_ int *fds = NULL;
	size_t n = 0, cap = 0;
	struct img_writer *w = NULL;
	struct dirent *de;
	int r;

	pidfd = syscall(SYS_pidfd_open, t->pid, 0);
	if (pidfd < 0)
		return cr_err_sys(err, -errno, "task %d: pidfd_open", t->pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", t->pid);
	d = opendir(path);
	if (!d)
		return cr_err_sys(err, -errno, "open '%s'", path);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fds = xgrow(fds, &cap, n + 1, sizeof(*fds));
		fds[n++] = atoi(de->d_name);
	}
	qsort(fds, n, sizeof(*fds), cmp_int);
	r = img_writer_open_type_at(c->imgfd, IMG_FDINFO, files_id, &w, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = dump_one_fd(c, t, pidfd, fds[i], w, err);
		if (r < 0) {
			img_writer_abort(w);
			return r;
		}
	}
	return img_writer_commit(w, err);
}

/* ---- restore ---- */

FileEntry *files_find(struct crisp_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_fentries; i++)
		if (c->fentries[i]->id == id)
			return c->fentries[i];
	return NULL;
}

static ssize_t files_index(struct crisp_ctx *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_fentries; i++)
		if (c->fentries[i]->id == id)
			return i;
	return -1;
}

/* a crisp-side fd for one file entry: inherited (--inherit-fd) or made anew */
static int open_file(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const struct fd_ops *ops;
	int r = inherit_fd_lookup(c, fe, ret_fd, err);

	if (r != 0)
		return r < 0 ? r : 0;
	ops = ops_by_type(fe->type);
	if (ops)
		return ops->open(c, fe, ret_fd, err);
	r = ext_open(c, fe, ret_fd, err);
	if (r == 0)
		return cr_err(err, -EOPNOTSUPP, "file %u: type %d not supported", fe->id, fe->type);
	return r < 0 ? r : 0;
}

static bool fd_is_used(const struct crisp_ctx *c, int fd)
{
	return (size_t)fd < c->n_fd_used && (c->fd_used[fd / 8] & (1u << (fd % 8)));
}

int files_park_fd(struct crisp_ctx *c, int fd)
{
	int from = 3, hi;

	/* F_DUPFD takes the lowest free number from `from` up; skip what tasks use */
	for (;;) {
		hi = fcntl(fd, F_DUPFD_CLOEXEC, from);
		if (hi < 0) {
			hi = -errno;
			break;
		}
		if (!fd_is_used(c, hi))
			break;
		close(hi);
		for (from = hi + 1; fd_is_used(c, from); from++)
			;
	}
	close(fd);
	return hi;
}

int files_restore_prepare(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_entry *fe = NULL;
	size_t n = 0;
	int maxfd = 2, r;
	struct rlimit rl = { 0 };

	r = img_read_entries(c->imgfd, IMG_FILES, 0, true, &fe, &n, err);
	if (r < 0)
		return r;
	c->fentries = xcalloc(n ? n : 1, sizeof(*c->fentries));
	c->ffd = xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++) {
		c->fentries[i] = (FileEntry *)TAKE_PTR(fe[i].msg);
		c->ffd[i] = -1;
	}
	c->n_fentries = n;
	free(fe);
	r = img_read_entries(c->imgfd, IMG_PIPES_DATA, 0, true, &c->pipe_data, &c->n_pipe_data, err);
	if (r < 0)
		return r;
	r = img_read_entries(c->imgfd, IMG_FIFO_DATA, 0, true, &c->fifo_data, &c->n_fifo_data, err);
	if (r < 0)
		return r;
	r = ext_restore_init(c, err);
	if (r < 0)
		return r;
	r = ghost_restore_prepare(c, err);
	if (r < 0)
		return r;
	/* a removed cwd is made here, before the fork, for the task to fchdir into */
	for (size_t k = 0; k < c->tree.n; k++) {
		const struct task *t = c->tree.tasks[k];
		FileEntry *cwd = t->fs ? files_find(c, t->fs->cwd_id) : NULL;
		int gfd;

		if (cwd && cwd->reg && ghost_fd(c, cwd->id, cwd->reg->name, &gfd, err) < 0)
			return cr_err_wrap(err, "task %d: cwd", t->pid);
	}

	for (size_t k = 0; k < c->tree.n; k++)
		for (size_t i = 0; i < c->tree.tasks[k]->n_fds; i++)
			if ((int)c->tree.tasks[k]->fds[i]->fd > maxfd)
				maxfd = c->tree.tasks[k]->fds[i]->fd;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* what we hand to the tasks sits where no task puts an fd of its own */
	c->n_fd_used = (size_t)maxfd + 1;
	c->fd_used = xcalloc((c->n_fd_used + 7) / 8, 1);
	for (size_t k = 0; k < c->tree.n; k++)
		for (size_t i = 0; i < c->tree.tasks[k]->n_fds; i++) {
			uint32_t n = c->tree.tasks[k]->fds[i]->fd;

			c->fd_used[n / 8] |= (uint8_t)(1u << (n % 8));
		}
	for (size_t k = 0; k < c->tree.n; k++) {
		struct task *t = c->tree.tasks[k];

		for (size_t i = 0; i < t->n_fds; i++) {
			const FdinfoEntry *fdi = t->fds[i];
			ssize_t idx = files_index(c, fdi->id);
			int fd, hi;

			if (idx < 0)
				return cr_err(err, -ENOENT, "task %d fd %u: file %u not in files.img",
					      t->pid, fdi->fd, fdi->id);
			if (c->ffd[idx] >= 0)
				continue;
			r = open_file(c, c->fentries[idx], &fd, err);
			if (r < 0)
				return cr_err_wrap(err, "task %d fd %u", t->pid, fdi->fd);
			hi = files_park_fd(c, fd);
			if (hi < 0)
				return cr_err_sys(err, hi, "task %d fd %u: no fd number free for it in crisp "
						  "(RLIMIT_NOFILE %llu)", t->pid, fdi->fd,
						  (unsigned long long)rl.rlim_cur);
			c->ffd[idx] = hi;
		}
	}
	return 0;
}

int files_open_entry(struct crisp_ctx *c, uint32_t id, int *ret_fd, struct cr_error **err)
{
	ssize_t idx = files_index(c, id);
	int fd = -1, r;

	if (idx < 0)
		return cr_err(err, -ENOENT, "file %u not in files.img", id);
	if (c->ffd[idx] < 0) {
		r = open_file(c, c->fentries[idx], &fd, err);
		if (r < 0)
			return r;
		c->ffd[idx] = fd;
	}
	*ret_fd = c->ffd[idx];
	return 0;
}

int files_restore_task(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen)
{
	int maxfd = -1;
	int rt = tty_restore_ctty(c, t, msg, msglen);

	if (rt < 0)
		return rt;

	for (size_t i = 0; i < t->n_fds; i++) {
		const FdinfoEntry *fdi = t->fds[i];
		ssize_t idx = files_index(c, fdi->id);

		if (idx < 0 || c->ffd[idx] < 0) {
			snprintf(msg, msglen, "fd %u: file %u not prepared", fdi->fd, fdi->id);
			return -ENOENT;
		}
		if (dup3(c->ffd[idx], fdi->fd, (fdi->flags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
			snprintf(msg, msglen, "dup3 to fd %u: %m", fdi->fd);
			return -errno;
		}
		if ((int)fdi->fd > maxfd)
			maxfd = fdi->fd;
	}
	for (size_t i = 0; i < t->n_fds; i++) {
		ssize_t idx = files_index(c, t->fds[i]->id);
		int rf = fown_restore_in_task(c->fentries[idx], t->fds[i]->fd, msg, msglen);

		if (rf < 0)
			return rf;
	}
	for (size_t i = 0; i < t->n_fds; i++) {
		struct cr_error *e = NULL;
		ssize_t idx = files_index(c, t->fds[i]->id);

		if (ext_post(c, c->fentries[idx], t->fds[i]->fd, &e) < 0) {
			snprintf(msg, msglen, "fd %u: %s", t->fds[i]->fd, e ? e->msg : "post-restore failed");
			cr_err_free(&e);
			return -EIO;
		}
	}
	for (int fd = 0; fd <= maxfd; fd++) {
		bool keep = false;

		for (size_t i = 0; i < t->n_fds && !keep; i++)
			keep = (int)t->fds[i]->fd == fd;
		if (!keep)
			close(fd);
	}
	syscall(SYS_close_range, maxfd + 1, ~0u, 0);
	return 0;
}
