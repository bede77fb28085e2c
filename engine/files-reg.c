/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regular files, directories and device nodes (/dev/null, ttys...):
 * FileEntry REG with path, flags, position.  O_APPEND comes back with the
 * flags; the position is set with lseek.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "files.h"
#include "xalloc.h"

FownEntry *fown_new(void)
{
	FownEntry *f = xmalloc(sizeof(*f));

	fown_entry__init(f);
	return f;
}

RegFileEntry *reg_entry_new(uint32_t id, const char *name, uint32_t flags, uint64_t pos,
			    const struct stat *st)
{
	RegFileEntry *r = xmalloc(sizeof(*r));

	reg_file_entry__init(r);
	r->id = id;
	r->flags = flags;
	r->pos = pos;
	r->fown = fown_new();
	r->name = xstrdup(name);
	if (st) {
		if (S_ISREG(st->st_mode)) {
			r->has_size = true;
			r->size = st->st_size;
		}
		r->has_mode = true;
		r->mode = st->st_mode;
	}
	return r;
}

static bool reg_match(const struct fd_dump_info *fi)
{
	mode_t m = fi->st.st_mode;

	return S_ISREG(m) || S_ISDIR(m) || S_ISCHR(m) || S_ISBLK(m);
}

static int reg_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, FileEntry *fe,
		    struct cr_error **err)
{
	if (fi->link[0] != '/')
		return cr_err(err, -EOPNOTSUPP, "task %d fd %d: '%s' has no path", fi->t->pid,
			      fi->fd, fi->link);
	const char *del = strstr(fi->link, " (deleted)");
	_cleanup_free_ char *path = xstrdup(fi->link);

	if (del && (S_ISCHR(fi->st.st_mode) || S_ISBLK(fi->st.st_mode))) {
		/* a device node replaced under the task: any node of that device will do */
		struct stat now;

		path[del - fi->link] = 0;
		if (stat(path, &now) < 0 || now.st_rdev != fi->st.st_rdev ||
		    (now.st_mode & S_IFMT) != (fi->st.st_mode & S_IFMT))
			return cr_err(err, -EOPNOTSUPP, "task %d fd %d: device '%s' was removed",
				      fi->t->pid, fi->fd, fi->link);
	} else if (del && fi->st.st_nlink == 0) {
		/* unlinked: keep its bytes as a ghost file */
		char self[64];
		_cleanup_close_ int rfd = -1;
		int r;

		path[del - fi->link] = 0;
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fi->lfd);
		rfd = open(self, O_RDONLY | O_CLOEXEC);
		if (rfd < 0)
			return cr_err_sys(err, -errno, "task %d fd %d: reopening '%s'", fi->t->pid,
					  fi->fd, fi->link);
		r = ghost_dump(c, rfd, &fi->st, fe->id, err);
		if (r < 0)
			return cr_err_wrap(err, "task %d fd %d: '%s'", fi->t->pid, fi->fd, fi->link);
	}
	if (S_ISCHR(fi->st.st_mode) && (major(fi->st.st_rdev) == 136 || major(fi->st.st_rdev) == 4 ||
					major(fi->st.st_rdev) == 5) &&
	    !c->o->shell_job)
		pr_warn(c, "task %d fd %d: terminal '%s' recorded by path (use --shell-job to reattach)",
			fi->t->pid, fi->fd, fi->link);
	fe->reg = reg_entry_new(fe->id, path, fi->flags & ~O_CLOEXEC,
				S_ISREG(fi->st.st_mode) || S_ISBLK(fi->st.st_mode) ? fi->pos : 0,
				&fi->st);
	return 0;
}

static bool is_tty_path(const char *p)
{
	return !strncmp(p, "/dev/pts/", 9) || !strncmp(p, "/dev/tty", 8) ||
	       !strcmp(p, "/dev/console");
}

static int reg_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	const RegFileEntry *r = fe->reg;
	int flags, fd;

	if (!r || !r->name)
		return cr_err(err, -EINVAL, "file %u: REG entry without a name", fe->id);
	/* --shell-job: the task's terminal is ours now */
	if (c->o->shell_job && is_tty_path(r->name) && isatty(STDIN_FILENO)) {
		char p[64];

		snprintf(p, sizeof(p), "/proc/self/fd/%d", STDIN_FILENO);
		fd = open(p, (r->flags & (O_ACCMODE | O_APPEND | O_NONBLOCK)) | O_NOCTTY);
		if (fd < 0)
			return cr_err_sys(err, -errno, "file %u: reopening our terminal", fe->id);
		*ret_fd = fd;
		return 0;
	}
	flags = r->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC);
	{
		int gfd, g = ghost_fd(c, fe->id, r->name, &gfd, err);
		char self[64];

		if (g < 0)
			return g;
		if (g > 0) {
			snprintf(self, sizeof(self), "/proc/self/fd/%d", gfd);
			fd = open(self, flags | O_NOCTTY);
			if (fd < 0)
				return cr_err_sys(err, -errno, "file %u: ghost of '%s'", fe->id, r->name);
			goto opened;
		}
	}
	fd = open(r->name, flags | O_NOCTTY);
	if (fd < 0 && errno == EISDIR)
		fd = open(r->name, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return cr_err_sys(err, -errno, "file %u: open '%s'", fe->id, r->name);
opened:
	if (r->has_size) {
		struct stat st;

		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size != r->size)
			pr_warn(c, "file '%s' changed size (%llu, image %llu)", r->name,
				(unsigned long long)st.st_size, (unsigned long long)r->size);
	}
	if (r->pos && lseek(fd, r->pos, SEEK_SET) < 0) {
		int e = -errno;

		close(fd);
		return cr_err_sys(err, e, "file %u: seek '%s' to %llu", fe->id, r->name,
				  (unsigned long long)r->pos);
	}
	*ret_fd = fd;
	return 0;
}

const struct fd_ops fd_ops_reg = {
	.name = "regular file",
	.type = FD_TYPES__REG,
	.match = reg_match,
	.dump = reg_dump,
	.open = reg_open,
};

/*
 * The --shell-job terminal: a TTY entry whose pty pair is not inside the
 * tree (tty.c takes the pairs that are).  On restore the task gets
 * crisp's own terminal; on dump such a slave is recorded as a REG path,
 * so nothing matches here.
 */
static bool tty_match(const struct fd_dump_info *fi)
{
	return false;
}

static int tty_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	char p[64];
	int fd;

	if (!c->o->shell_job || !isatty(STDIN_FILENO))
		return cr_err(err, -EOPNOTSUPP,
			      "file %u: a terminal from a CRIU image restores only with --shell-job on a terminal",
			      fe->id);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", STDIN_FILENO);
	fd = open(p, ((fe->tty ? fe->tty->flags : O_RDWR) & (O_ACCMODE | O_APPEND | O_NONBLOCK)) |
			     O_NOCTTY);
	if (fd < 0)
		return cr_err_sys(err, -errno, "file %u: reopening our terminal", fe->id);
	*ret_fd = fd;
	return 0;
}

const struct fd_ops fd_ops_tty = {
	.name = "terminal",
	.type = FD_TYPES__TTY,
	.match = tty_match,
	.open = tty_open,
};
