// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit unpack: extraction that is safe for archives from strangers.  We do
 * not use archive_write_disk: every member is checked here and created with
 * *at() calls below a fresh temporary directory, parents opened with
 * O_NOFOLLOW one component at a time, files with O_EXCL, so nothing the
 * archive (or anyone) put in the target is ever followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "cvt-util.h"
#include "larchive.h"
#include "manifest.h"
#include "sha256.h"
#include "xalloc.h"

#define MANIFEST_MAX (64u << 20)
#define PAGE 4096

struct dir_mode {
	char *path;
	mode_t mode;
	struct timespec mtime;
};

struct unpack_ctx {
	const struct cvt_unpack_opts *o;
	const struct larchive *la;
	const char *label;
	struct archive *a;
	int rootfd;
	uint64_t max_member, max_total, total;
	struct manifest got, want;
	bool marker, manifest;
	struct dir_mode *dirs;
	size_t n_dirs, cap_dirs;
	struct cvt_unpack_stats stats;
};

static int ar_fail(struct unpack_ctx *c, const char *member, struct cr_error **err)
{
	const char *msg = c->la->error_string(c->a);
	int64_t at = c->la->filter_bytes(c->a, -1);

	if (member)
		return cr_err(err, -EBADMSG, "'%s': member '%s' (input byte %" PRId64 "): %s",
			      c->label, member, at, msg ? msg : "read error");
	return cr_err(err, -EBADMSG, "'%s': input byte %" PRId64 ": %s", c->label, at,
		      msg ? msg : "read error");
}

/* Small members (marker, manifest) into memory. */
static int read_small(struct unpack_ctx *c, struct archive_entry *e, const char *path,
		      char **ret, size_t *ret_len, struct cr_error **err)
{
	int64_t size = c->la->entry_size(e);
	_cleanup_free_ char *buf = NULL;
	la_ssize_t n;

	if (size < 0 || size > MANIFEST_MAX)
		return cr_err(err, -EFBIG, "'%s': member '%s': too big", c->label, path);
	buf = xmalloc(size + 1);
	n = c->la->read_data(c->a, buf, size);
	if (n != size)
		return n < 0 ? ar_fail(c, path, err)
			     : cr_err(err, -EBADMSG, "'%s': member '%s': truncated", c->label, path);
	buf[size] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = size;
	return 0;
}

static void hash_zeros(struct sha256 *md, uint64_t n)
{
	while (n) {
		size_t k = n < sizeof(cvt_zeros) ? n : sizeof(cvt_zeros);

		sha256_update(md, cvt_zeros, k);
		n -= k;
	}
}

/*
 * Write a block at off, leaving whole zero pages as holes: the file is new
 * and gets its final size from ftruncate(), so they read back as zeros
 * without taking disk space (zero pages are never inflated on unpack).
 */
static int write_nonzero(int fd, const uint8_t *buf, size_t len, int64_t off)
{
	size_t done = 0;

	while (done < len) {
		size_t chunk = PAGE - (size_t)((off + done) % PAGE);
		ssize_t n;

		if (chunk > len - done)
			chunk = len - done;
		if (!memcmp(buf + done, cvt_zeros, chunk)) { /* any zero range: never written */
			done += chunk;
			continue;
		}
		/* coalesce the following non-zero pages into one write */
		while (done + chunk < len) {
			size_t next = len - done - chunk < PAGE ? len - done - chunk : PAGE;

			if (!memcmp(buf + done + chunk, cvt_zeros, next))
				break;
			chunk += next;
		}
		n = pwrite(fd, buf + done, chunk, off + done);
		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

static int write_data(struct unpack_ctx *c, int fd, const char *path, int64_t size,
		      struct sha256 *md, struct cr_error **err)
{
	int64_t pos = 0;

	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = c->la->read_data_block(c->a, &buf, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			return ar_fail(c, path, err);
		if (off < pos || off + (int64_t)len > size)
			return cr_err(err, -EBADMSG, "'%s': member '%s': data block at %" PRId64 " out of order or beyond its size",
				      c->label, path, (int64_t)off);
		hash_zeros(md, off - pos); /* a hole */
		sha256_update(md, buf, len);
		r = write_nonzero(fd, buf, len, off);
		if (r < 0)
			return cr_err_sys(err, r, "'%s': cannot write", path);
		pos = off + len;
		if (c->o->progress)
			c->o->progress(c->la->filter_bytes(c->a, -1), c->o->in_size, c->o->opaque);
	}
	hash_zeros(md, size - pos);
	if (ftruncate(fd, size))
		return cr_err_sys(err, -errno, "'%s': cannot set size", path);
	return 0;
}

static int extract_file(struct unpack_ctx *c, struct archive_entry *e, const char *path,
			int pfd, const char *base, struct cr_error **err)
{
	int64_t size = c->la->entry_size(e);
	mode_t mode = c->la->entry_perm(e);
	_cleanup_close_ int fd = -1;
	struct sha256 md;
	uint8_t dig[SHA256_DIGEST_SIZE];
	char sha[65];
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { c->la->entry_mtime(e), 0 } };
	int r;

	if (size < 0 || (uint64_t)size > c->max_member)
		return cr_err(err, -EFBIG, "'%s': member '%s': %" PRId64 " bytes is over the %" PRIu64 " limit",
			      c->label, path, size, c->max_member);
	c->total += size;
	if (c->total > c->max_total)
		return cr_err(err, -EFBIG, "'%s': member '%s': archive holds more than %" PRIu64 " bytes",
			      c->label, path, c->max_total);
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': member '%s': cannot create (duplicate?)",
				  c->label, path);
	sha256_init(&md);
	r = write_data(c, fd, path, size, &md, err);
	sha256_final(&md, dig);
	if (r < 0)
		return r;
	if (fchmod(fd, mode & 0777) || futimens(fd, ts))
		return cr_err_sys(err, -errno, "'%s': cannot set mode", path);
	cvt_hex(dig, sizeof(dig), sha);
	mf_add(&c->got, 'f', path, size, sha, NULL);
	c->stats.bytes += size;
	return 0;
}

static int extract_dir(struct unpack_ctx *c, struct archive_entry *e, const char *path,
		       int pfd, const char *base, struct cr_error **err)
{
	struct stat st;
	struct dir_mode *d;

	if (mkdirat(pfd, base, 0700) && errno != EEXIST)
		return cr_err_sys(err, -errno, "'%s': member '%s': cannot create", c->label, path);
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
		return cr_err(err, -EEXIST, "'%s': member '%s': exists and is not a directory",
			      c->label, path);
	for (size_t i = 0; i < c->got.n; i++)
		if (c->got.v[i].type == 'd' && !strcmp(c->got.v[i].path, path))
			return cr_err(err, -EEXIST, "'%s': member '%s': duplicate", c->label, path);
	c->dirs = xgrow(c->dirs, &c->cap_dirs, c->n_dirs + 1, sizeof(*c->dirs));
	d = &c->dirs[c->n_dirs++];
	d->path = xstrdup(path);
	d->mode = (c->la->entry_perm(e) & 0777) | 0700; /* podman stores checkpoint/ as 0600 */
	d->mtime = (struct timespec){ c->la->entry_mtime(e), 0 };
	mf_add(&c->got, 'd', path, 0, NULL, NULL);
	return 0;
}

static int extract_link(struct unpack_ctx *c, struct archive_entry *e, const char *path,
			int pfd, const char *base, struct cr_error **err)
{
	const char *hl = c->la->entry_hardlink(e);
	const char *sl = c->la->entry_symlink(e);

	if (hl) {
		_cleanup_free_ char *target = cvt_path_normalize(hl);
		_cleanup_close_ int tfd = -1;
		const char *tbase;
		struct stat st;
		int r;

		if (!target || !target[0])
			return cr_err(err, -EPERM, "'%s': member '%s': hard link to '%s' leads outside",
				      c->label, path, hl);
		r = cvt_open_parent(c->rootfd, target, false, &tfd, &tbase, err);
		if (r < 0)
			return cr_err_wrap(err, "'%s': member '%s': hard link", c->label, path);
		if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			return cr_err(err, -EPERM, "'%s': member '%s': hard link to '%s', which is not an earlier file",
				      c->label, path, hl);
		if (linkat(tfd, tbase, pfd, base, 0))
			return cr_err_sys(err, -errno, "'%s': member '%s': cannot link", c->label,
					  path);
		mf_add(&c->got, 'h', path, 0, NULL, target);
		return 0;
	}
	if (!sl || !cvt_link_target_ok(path, sl))
		return cr_err(err, -EPERM, "'%s': member '%s': symbolic link to '%s' leads outside",
			      c->label, path, sl ? sl : "");
	if (symlinkat(sl, pfd, base))
		return cr_err_sys(err, -errno, "'%s': member '%s': cannot create (duplicate?)",
				  c->label, path);
	mf_add(&c->got, 'l', path, 0, NULL, sl);
	return 0;
}

/* Our own members: the marker must come first, the manifest last. */
static int special_member(struct unpack_ctx *c, struct archive_entry *e, const char *path,
			  struct cr_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (c->la->entry_filetype(e) != AE_IFREG)
		return cr_err(err, -EBADMSG, "'%s': member '%s' is not a file", c->label, path);
	r = read_small(c, e, path, &buf, &len, err);
	if (r < 0)
		return r;
	if (!strcmp(path, CVT_AR_MARKER)) {
		if (c->got.n || c->marker || strncmp(buf, "crisp-archive 1\n", 16))
			return cr_err(err, -EBADMSG, "'%s': misplaced or unknown '%s'", c->label,
				      path);
		c->marker = true;
		return 0;
	}
	r = mf_parse(buf, len, c->label, &c->want, err);
	if (r < 0)
		return r;
	c->manifest = true;
	return 0;
}

static int unpack_member(struct unpack_ctx *c, struct archive_entry *e, struct cr_error **err)
{
	const char *raw = c->la->entry_pathname(e);
	_cleanup_free_ char *path = raw ? cvt_path_normalize(raw) : NULL;
	_cleanup_close_ int pfd = -1;
	mode_t type = c->la->entry_filetype(e);
	const char *base;
	int r;

	if (!path)
		return cr_err(err, -EPERM, "'%s': member '%s': absolute or '..' path refused",
			      c->label, raw ? raw : "(no name)");
	if (c->manifest)
		return cr_err(err, -EBADMSG, "'%s': member '%s' follows the manifest", c->label,
			      path);
	if (!path[0])
		return 0; /* "./" */
	if (!strcmp(path, CVT_AR_MARKER) || !strcmp(path, CVT_AR_MANIFEST))
		return special_member(c, e, path, err);
	if (c->la->entry_perm(e) & (S_ISUID | S_ISGID))
		return cr_err(err, -EPERM, "'%s': member '%s': setuid/setgid refused", c->label,
			      path);
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
	    !c->la->entry_hardlink(e))
		return cr_err(err, -EPERM, "'%s': member '%s': device, fifo or socket refused",
			      c->label, path);
	r = cvt_open_parent(c->rootfd, path, true, &pfd, &base, err);
	if (r < 0)
		return cr_err_wrap(err, "'%s': member '%s'", c->label, path);
	c->stats.members++;
	if (c->la->entry_hardlink(e) || type == AE_IFLNK)
		return extract_link(c, e, path, pfd, base, err);
	if (type == AE_IFDIR)
		return extract_dir(c, e, path, pfd, base, err);
	return extract_file(c, e, path, pfd, base, err);
}

static int unpack_run(struct unpack_ctx *c, int fd, struct cr_error **err)
{
	struct archive_entry *e;
	int r;

	c->a = c->la->read_new();
	c->la->read_support_filter_all(c->a);
	c->la->read_support_format_tar(c->a);
	if (c->la->read_open_fd(c->a, fd, 256 * 1024) != ARCHIVE_OK)
		return ar_fail(c, NULL, err);
	while ((r = c->la->read_next_header(c->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		r = unpack_member(c, e, err);
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return ar_fail(c, NULL, err);
	if (c->marker && !c->manifest)
		return cr_err(err, -EBADMSG, "'%s': archive is cut short: its manifest (the last member) is missing",
			      c->label);
	if (c->manifest) {
		r = mf_compare(&c->got, &c->want, c->label, err);
		if (r < 0)
			return r;
		c->stats.verified = true;
	}
	/* Modes last, deepest first, so that 0500 directories could be filled. */
	for (size_t i = c->n_dirs; i-- > 0;) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, c->dirs[i].mtime };

		if (fchmodat(c->rootfd, c->dirs[i].path, c->dirs[i].mode, 0) ||
		    utimensat(c->rootfd, c->dirs[i].path, ts, AT_SYMLINK_NOFOLLOW))
			return cr_err_sys(err, -errno, "'%s': cannot set mode", c->dirs[i].path);
	}
	return 0;
}

static int check_target(const char *dir, struct cr_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;

	if (lstat(dir, &st))
		return errno == ENOENT ? 0 : cr_err_sys(err, -errno, "'%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return cr_err(err, -EEXIST, "'%s': exists and is not a directory", dir);
	d = opendir(dir);
	if (!d)
		return cr_err_sys(err, -errno, "'%s'", dir);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return cr_err(err, -EEXIST, "'%s': exists and is not empty", dir);
	return 0; /* an empty directory is replaced by the rename */
}

int cvt_unpack_fd(int fd, const char *label, const char *dir, const struct cvt_unpack_opts *o,
		  struct cvt_unpack_stats *ret_stats, struct cr_error **err)
{
	struct unpack_ctx c = { .o = o, .label = label, .rootfd = -1 };
	_cleanup_free_ char *d1 = xstrdup(dir), *d2 = xstrdup(dir), *tmp = NULL;
	int r;

	r = larchive_get(&c.la, err);
	if (r < 0)
		return r;
	c.max_member = o->max_member ? o->max_member : CVT_AR_MAX_MEMBER;
	c.max_total = o->max_total ? o->max_total : CVT_AR_MAX_TOTAL;
	r = check_target(dir, err);
	if (r < 0)
		return r;
	tmp = xasprintf("%s/.%s.unpack-XXXXXX", dirname(d1), basename(d2));
	if (!mkdtemp(tmp))
		return cr_err_sys(err, -errno, "'%s': cannot create a temporary directory", tmp);
	c.rootfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = c.rootfd < 0 ? cr_err_sys(err, -errno, "'%s'", tmp) : unpack_run(&c, fd, err);
	if (r >= 0 && rename(tmp, dir))
		r = cr_err_sys(err, -errno, "'%s': cannot rename '%s' into place", dir, tmp);
	if (r < 0)
		cvt_rm_rf_at(AT_FDCWD, tmp);
	else if (ret_stats)
		*ret_stats = c.stats;
	if (c.a)
		c.la->read_free(c.a);
	if (c.rootfd >= 0)
		close(c.rootfd);
	mf_release(&c.got);
	mf_release(&c.want);
	for (size_t i = 0; i < c.n_dirs; i++)
		free(c.dirs[i].path);
	free(c.dirs);
	return r;
}
