/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ghost files: a regular file still open (or mapped) after it was
 * unlinked.  Dump keeps its contents in ghost-file-ID.img (GhostFileEntry,
 * then the bytes) and links the REG entry to it in remap-fpath.img, as
 * CRIU does.  Restore recreates it as an O_TMPFILE in the directory the
 * file lived in, so it never has a name again, and opens it from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "io.h"
#include "xalloc.h"

#define GHOST_DEFAULT_LIMIT (1ul << 20)

static int write_ghost(struct crisp_ctx *c, int rfd, const struct stat *st, uint32_t gid,
		       struct cr_error **err)
{
	GhostFileEntry g = GHOST_FILE_ENTRY__INIT;
	struct img_writer *w = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	ssize_t n;
	int r;

	g.uid = st->st_uid;
	g.gid = st->st_gid;
	g.mode = st->st_mode;
	g.has_chunks = true;
	g.chunks = false;
	if (S_ISDIR(st->st_mode)) {
		/* a removed directory (a cwd): nothing but its mode and owner, as CRIU keeps it */
		r = img_writer_open_type_at(c->imgfd, IMG_GHOST_FILE, gid, &w, err);
		if (r >= 0)
			r = img_writer_put(w, &g.base, err);
		if (r < 0) {
			if (w)
				img_writer_abort(w);
			return r;
		}
		return img_writer_commit(w, err);
	}
	g.has_size = true;
	g.size = st->st_size;
	buf = xmalloc(st->st_size ? st->st_size : 1);
	n = pread(rfd, buf, st->st_size, 0);
	if (n != st->st_size)
		return cr_err_sys(err, n < 0 ? -errno : -EIO, "reading a deleted file");
	r = img_writer_open_type_at(c->imgfd, IMG_GHOST_FILE, gid, &w, err);
	if (r < 0)
		return r;
	r = img_writer_put(w, &g.base, err);
	if (r >= 0 && n)
		r = img_writer_put_raw(w, buf, n, err);
	if (r < 0) {
		img_writer_abort(w);
		return r;
	}
	return img_writer_commit(w, err);
}

int ghost_dump(struct crisp_ctx *c, int rfd, const struct stat *st, uint32_t file_id,
	       struct cr_error **err)
{
	RemapFilePathEntry rm = REMAP_FILE_PATH_ENTRY__INIT;
	unsigned long limit = c->o->ghost_limit ? c->o->ghost_limit : GHOST_DEFAULT_LIMIT;
	uint32_t gid = 0;
	int r;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return cr_err(err, -EOPNOTSUPP, "deleted non-regular file (mode %o)", st->st_mode);
	for (size_t i = 0; i < c->n_ghosts; i++)
		if (c->ghosts[i].dev == st->st_dev && c->ghosts[i].ino == st->st_ino)
			gid = c->ghosts[i].id;
	if (!gid) {
		if ((unsigned long)st->st_size > limit)
			return cr_err(err, -EFBIG,
				      "deleted file of %lld bytes is above --ghost-limit %lu",
				      (long long)st->st_size, limit);
		gid = ++c->next_ghost_id;
		r = write_ghost(c, rfd, st, gid, err);
		if (r < 0)
			return r;
		c->ghosts = xgrow(c->ghosts, &c->cap_ghosts, c->n_ghosts + 1, sizeof(*c->ghosts));
		c->ghosts[c->n_ghosts].dev = st->st_dev;
		c->ghosts[c->n_ghosts].ino = st->st_ino;
		c->ghosts[c->n_ghosts++].id = gid;
	}
	if (!c->w_remap) {
		r = img_writer_open_type_at(c->imgfd, IMG_REMAP_FPATH, 0, &c->w_remap, err);
		if (r < 0)
			return r;
	}
	rm.orig_id = file_id;
	rm.remap_id = gid;
	rm.has_remap_type = true;
	rm.remap_type = REMAP_TYPE__GHOST;
	return img_writer_put(c->w_remap, &rm.base, err);
}

int ghost_dump_commit(struct crisp_ctx *c, struct cr_error **err)
{
	return c->w_remap ? img_writer_commit(TAKE_PTR(c->w_remap), err) : 0;
}

int ghost_restore_prepare(struct crisp_ctx *c, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e;
	size_t cap = 0;
	int r;

	r = img_reader_open_type_at(c->imgfd, IMG_REMAP_FPATH, 0, &rd, err);
	if (r == -ENOENT) {
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	for (;;) {
		const RemapFilePathEntry *rm;

		memset(&e, 0, sizeof(e));
		r = img_reader_next(rd, false, &e, err);
		if (r <= 0)
			break;
		rm = (const RemapFilePathEntry *)e.msg;
		if (rm->has_remap_type && rm->remap_type != REMAP_TYPE__GHOST) {
			r = cr_err(err, -EOPNOTSUPP, "remap-fpath.img: remap type %d not supported",
				   rm->remap_type);
			img_entry_release(&e);
			break;
		}
		c->remaps = xgrow(c->remaps, &cap, c->n_remaps + 1, sizeof(*c->remaps));
		c->remaps[c->n_remaps].orig_id = rm->orig_id;
		c->remaps[c->n_remaps].remap_id = rm->remap_id;
		c->remaps[c->n_remaps++].fd = -1;
		img_entry_release(&e);
	}
	img_reader_close(rd);
	return r < 0 ? r : 0;
}

/*
 * The directory a ghost lived in may be gone too (a deleted file in a
 * deleted temp dir): make the missing part of the path for the time the
 * ghost is created in it, then remove it again, deepest first.
 */
struct made_dirs {
	char *v[32];
	size_t n;
};

static void make_parents(const char *dir, struct made_dirs *m)
{
	_cleanup_free_ char *p = xstrdup(dir);

	m->n = 0;
	for (char *s = p + 1;; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == 0 && m->n < ARRAY_SIZE(m->v))
			m->v[m->n++] = xstrdup(p);
		if (end)
			break;
		*s = '/';
	}
}

static void remove_parents(struct made_dirs *m)
{
	while (m->n > 0) {
		char *d = m->v[--m->n];

		rmdir(d);
		free(d);
	}
}

/*
 * A removed directory: made under a name of its own next to where it was,
 * opened, and removed again, so the task holds a directory that no path
 * leads to, as before (its parent must still exist).
 */
static int make_ghost_dir(struct crisp_ctx *c, const GhostFileEntry *g, const char *path,
			  const char *parent, int *ret_fd, struct cr_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.crisp-ghost-%d", path, (int)getpid());
	const char *at = path; /* its own name, which /proc shows, when that is free */
	int fd;

	if (mkdir(path, g->mode & 07777) < 0) {
		at = tmp;
		if (mkdir(tmp, g->mode & 07777) < 0)
			return cr_err_sys(err, -errno, "removed directory '%s': mkdir in '%s'", path,
					  parent);
	}
	fd = open(at, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (fchown(fd, g->uid, g->gid) < 0 || fchmod(fd, g->mode & 07777) < 0))
		pr_warn(c, "removed directory '%s': owner or mode not restored", path);
	rmdir(at);
	if (fd < 0)
		return cr_err_sys(err, -errno, "removed directory '%s': open", path);
	*ret_fd = fd;
	return 0;
}

/* Recreate ghost remap_id next to where `path` was. */
static int make_ghost(struct crisp_ctx *c, uint32_t remap_id, const char *path, int *ret_fd,
		      struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry e = { 0 };
	_cleanup_free_ char *dir = xstrdup(path);
	struct made_dirs made = { .n = 0 };
	const GhostFileEntry *g;
	int fd = -1, r;

	r = img_reader_open_type_at(c->imgfd, IMG_GHOST_FILE, remap_id, &rd, err);
	if (r < 0)
		return r;
	r = img_reader_next(rd, false, &e, err);
	if (r <= 0) {
		r = r < 0 ? r : cr_err(err, -EINVAL, "%s: empty", img_reader_label(rd));
		goto out;
	}
	g = (const GhostFileEntry *)e.msg;
	if (g->has_chunks && g->chunks) {
		r = cr_err(err, -EOPNOTSUPP, "%s: chunked ghost files are not supported",
			   img_reader_label(rd));
		goto out;
	}
	if (S_ISDIR(g->mode)) {
		dirname(dir);
		make_parents(dir, &made);
		r = make_ghost_dir(c, g, path, dir, &fd, err);
		remove_parents(&made);
		if (r >= 0)
			*ret_fd = TAKE_FD(fd);
		goto out;
	}
	dirname(dir);
	make_parents(dir, &made);
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, g->mode & 07777);
	remove_parents(&made);
	if (fd < 0) {
		r = cr_err_sys(err, -errno, "ghost of '%s': O_TMPFILE in '%s'", path, dir);
		goto out;
	}
	r = io_write_full(fd, e.extra, e.extra_len);
	if (r < 0) {
		r = cr_err_sys(err, r, "ghost of '%s': writing", path);
		goto out;
	}
	if (fchown(fd, g->uid, g->gid) < 0 || fchmod(fd, g->mode & 07777) < 0)
		pr_warn(c, "ghost of '%s': owner or mode not restored", path);
	{
		/* keep it read-only: a writer would make it unusable as an exe (ETXTBSY) */
		char self[64];
		int ro;

		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		ro = open(self, O_RDONLY | O_CLOEXEC);
		if (ro < 0) {
			r = cr_err_sys(err, -errno, "ghost of '%s': reopen", path);
			goto out;
		}
		close(fd);
		fd = ro;
	}
	*ret_fd = TAKE_FD(fd);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	img_entry_release(&e);
	img_reader_close(rd);
	return r;
}

int ghost_fd(struct crisp_ctx *c, uint32_t file_id, const char *path, int *ret_fd,
	     struct cr_error **err)
{
	for (size_t i = 0; i < c->n_remaps; i++) {
		int r;

		if (c->remaps[i].orig_id != file_id)
			continue;
		if (c->remaps[i].fd < 0) {
			/* another file id may share this ghost */
			for (size_t k = 0; k < c->n_remaps; k++)
				if (c->remaps[k].remap_id == c->remaps[i].remap_id &&
				    c->remaps[k].fd >= 0)
					c->remaps[i].fd = fcntl(c->remaps[k].fd, F_DUPFD_CLOEXEC, 3);
		}
		if (c->remaps[i].fd < 0) {
			r = make_ghost(c, c->remaps[i].remap_id, path, &c->remaps[i].fd, err);
			if (r < 0)
				return r;
		}
		*ret_fd = c->remaps[i].fd;
		return 1;
	}
	return 0;
}

void ghost_release(struct crisp_ctx *c)
{
	if (c->w_remap)
		img_writer_abort(c->w_remap);
	c->w_remap = NULL;
	for (size_t i = 0; i < c->n_remaps; i++)
		if (c->remaps[i].fd >= 0)
			close(c->remaps[i].fd);
	free(c->remaps);
	free(c->ghosts);
	c->remaps = NULL;
	c->ghosts = NULL;
	c->n_remaps = c->n_ghosts = 0;
}
