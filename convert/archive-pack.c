// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit pack: a checkpoint directory as one tar stream.  pax format (long
 * names, big and sparse files), members in sorted order, a marker first and
 * a manifest last.  tar.zst goes through our own zstd stream (worker
 * threads, frame checksums); gz and xz through libarchive's filters.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#if CVT_HAVE_ZSTD
#include <zstd.h>
#endif

#include "cleanup.h"
#include "convert.h"
#include "cvt-util.h"
#include "io.h"
#include "larchive.h"
#include "manifest.h"
#include "sha256.h"
#include "xalloc.h"

#define PACK_BUF (1u << 20)

struct pack_item {
	char *path; /* relative to the root, "" never stored */
	struct stat st;
};

struct pack_ctx {
	const struct cvt_pack_opts *o;
	const struct larchive *la;
	const char *dir, *label;
	int rootfd, outfd;
	struct stat out_st;
	struct archive *a;
	struct pack_item *items;
	size_t n_items, cap_items;
	struct manifest mf;
	uint64_t done, total;
	uint8_t *buf;
	/* our zstd stream */
#if CVT_HAVE_ZSTD
	ZSTD_CCtx *zc;
#endif
	uint8_t *zbuf;
	size_t zbuf_size;
	int werr; /* errno of a failed write in a callback */
};

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect(struct pack_ctx *c, int dirfd, const char *rel, struct cr_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd, r = 0;

	fd = openat(dirfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, r, "'%s/%s': cannot open directory", c->dir, rel);
	}
	rewinddir(d); /* a dup shares the offset of its original */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), strcmp_p);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *path = rel[0] ? xasprintf("%s/%s", rel, names[i])
						   : xstrdup(names[i]);
		struct pack_item it = { 0 };

		free(names[i]);
		if (r < 0)
			continue;
		if (!rel[0] && (!strcmp(path, CVT_AR_MARKER) || !strcmp(path, CVT_AR_MANIFEST)))
			continue;
		if (fstatat(c->rootfd, path, &it.st, AT_SYMLINK_NOFOLLOW)) {
			r = cr_err_sys(err, -errno, "'%s/%s': cannot stat", c->dir, path);
			continue;
		}
		if (it.st.st_dev == c->out_st.st_dev && it.st.st_ino == c->out_st.st_ino)
			continue; /* the archive being written */
		if (!S_ISREG(it.st.st_mode) && !S_ISDIR(it.st.st_mode) && !S_ISLNK(it.st.st_mode)) {
			r = cr_err(err, -EPERM, "'%s/%s': not a file, directory or link", c->dir,
				   path);
			continue;
		}
		if (S_ISREG(it.st.st_mode))
			c->total += it.st.st_size;
		it.path = TAKE_PTR(path);
		c->items = xgrow(c->items, &c->cap_items, c->n_items + 1, sizeof(*c->items));
		c->items[c->n_items++] = it;
		if (S_ISDIR(it.st.st_mode))
			r = collect(c, dirfd, it.path, err);
	}
	return r;
}

#if CVT_HAVE_ZSTD
static ssize_t zst_write(struct archive *a, void *opaque, const void *buf, size_t len)
{
	struct pack_ctx *c = opaque;
	ZSTD_inBuffer in = { buf, len, 0 };

	while (in.pos < in.size) {
		ZSTD_outBuffer out = { c->zbuf, c->zbuf_size, 0 };
		size_t z = ZSTD_compressStream2(c->zc, &out, &in, ZSTD_e_continue);

		if (ZSTD_isError(z)) {
			c->la->set_error(a, EIO, "zstd: %s", ZSTD_getErrorName(z));
			return -1;
		}
		if (io_write_full(c->outfd, c->zbuf, out.pos) < 0) {
			c->werr = errno;
			c->la->set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
	}
	return len;
}

static int zst_close(struct archive *a, void *opaque)
{
	struct pack_ctx *c = opaque;
	ZSTD_inBuffer in = { NULL, 0, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { c->zbuf, c->zbuf_size, 0 };

		left = ZSTD_compressStream2(c->zc, &out, &in, ZSTD_e_end);
		if (ZSTD_isError(left)) {
			c->la->set_error(a, EIO, "zstd: %s", ZSTD_getErrorName(left));
			return ARCHIVE_FATAL;
		}
		if (io_write_full(c->outfd, c->zbuf, out.pos) < 0) {
			c->werr = errno;
			c->la->set_error(a, errno, "write: %s", strerror(errno));
			return ARCHIVE_FATAL;
		}
	} while (left);
	return ARCHIVE_OK;
}

#endif

static int open_archive(struct pack_ctx *c, struct cr_error **err)
{
	const struct cvt_pack_opts *o = c->o;
	char lvl[16];
	int r;

	c->a = c->la->write_new();
	c->la->write_set_format_pax_restricted(c->a);
	c->la->write_set_bytes_per_block(c->a, 64 * 1024);
	c->la->write_set_bytes_in_last_block(c->a, 1);
	snprintf(lvl, sizeof(lvl), "%d", o->level);
	switch (o->format) {
	case CVT_AR_TAR_ZST:
#if !CVT_HAVE_ZSTD
		c->la->write_add_filter_zstd(c->a);
		break;
#else
		c->zc = ZSTD_createCCtx();
		c->zbuf_size = ZSTD_CStreamOutSize();
		c->zbuf = xmalloc(c->zbuf_size);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, o->level ? o->level : 3);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setParameter(c->zc, ZSTD_c_nbWorkers,
				       o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN));
		r = c->la->write_open2(c->a, c, NULL, zst_write, zst_close, NULL);
		goto opened;
#endif
	case CVT_AR_TAR_GZ:
		c->la->write_add_filter_gzip(c->a);
		if (o->level)
			c->la->write_set_filter_option(c->a, "gzip", "compression-level", lvl);
		break;
	case CVT_AR_TAR_XZ:
		c->la->write_add_filter_xz(c->a);
		if (o->level)
			c->la->write_set_filter_option(c->a, "xz", "compression-level", lvl);
		if (o->threads != 1)
			c->la->write_set_filter_option(c->a, "xz", "threads", "0");
		break;
	case CVT_AR_TAR:
		break;
	default:
		return cr_err(err, -EINVAL, "'%s': unknown archive format", c->label);
	}
	r = c->la->write_open_fd(c->a, c->outfd);
opened:
	if (r != ARCHIVE_OK)
		return cr_err(err, -EIO, "'%s': %s", c->label, c->la->error_string(c->a));
	return 0;
}

static int put_header(struct pack_ctx *c, struct archive_entry *e, const char *path,
		      struct cr_error **err)
{
	if (c->la->write_header(c->a, e) != ARCHIVE_OK)
		return cr_err(err, c->werr ? -c->werr : -EIO, "'%s': member '%s': %s", c->label,
			      path, c->la->error_string(c->a));
	return 0;
}

static int put_data(struct pack_ctx *c, const void *buf, size_t len, struct sha256 *md,
		    const char *path, struct cr_error **err)
{
	if (md)
		sha256_update(md, buf, len);
	if (c->la->write_data(c->a, buf, len) != (la_ssize_t)len)
		return cr_err(err, c->werr ? -c->werr : -EIO, "'%s': member '%s': %s", c->label,
			      path, c->la->error_string(c->a));
	return 0;
}

static int put_small(struct pack_ctx *c, const char *name, const char *data, size_t len,
		     struct cr_error **err)
{
	struct archive_entry *e = c->la->entry_new();
	int r;

	c->la->entry_set_pathname(e, name);
	c->la->entry_set_filetype(e, AE_IFREG);
	c->la->entry_set_perm(e, 0644);
	c->la->entry_set_size(e, len);
	c->la->entry_set_mtime(e, time(NULL), 0);
	r = put_header(c, e, name, err);
	c->la->entry_free(e);
	if (r < 0)
		return r;
	return put_data(c, data, len, NULL, name, err);
}

/* Data regions of a file from SEEK_DATA/SEEK_HOLE; holes are not stored. */
static int add_sparse_map(const struct larchive *la, int fd, struct archive_entry *e, off_t size)
{
	off_t pos = 0, data, hole;
	unsigned n = 0;

	while (pos < size) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0)
			break; /* ENXIO: only a hole left */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		if (data == 0 && hole >= size && !n)
			return 0; /* not sparse */
		la->entry_sparse_add_entry(e, data, hole - data);
		n++;
		pos = hole;
	}
	if (!n)
		la->entry_sparse_add_entry(e, size, 0);
	return n;
}

/*
 * Plain tar has no compression to absorb zero pages, so there every run of
 * zero pages becomes a hole of the sparse map (one more read of the file).
 */
static int add_zero_map(const struct larchive *la, int fd, struct archive_entry *e, off_t size,
			uint8_t *buf)
{
	off_t pos = 0, run = -1; /* start of the current non-zero run */
	unsigned n = 0;

	while (pos < size) {
		ssize_t got = pread(fd, buf, size - pos < PACK_BUF ? size - pos : PACK_BUF, pos);

		if (got <= 0)
			return -1;
		for (ssize_t i = 0; i < got; i += 4096) {
			size_t k = got - i < 4096 ? got - i : 4096;
			bool zero = !memcmp(buf + i, cvt_zeros, k);

			if (!zero && run < 0)
				run = pos + i;
			if (zero && run >= 0) {
				la->entry_sparse_add_entry(e, run, pos + i - run);
				n++;
				run = -1;
			}
		}
		pos += got;
	}
	if (run == 0 && !n)
		return 0; /* no zero page: not sparse */
	if (run >= 0)
		la->entry_sparse_add_entry(e, run, size - run), n++;
	if (!n)
		la->entry_sparse_add_entry(e, size, 0);
	return n;
}

static int pack_file(struct pack_ctx *c, struct archive_entry *e, const struct pack_item *it,
		     struct cr_error **err)
{
	_cleanup_close_ int fd = openat(c->rootfd, it->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct sha256 md;
	uint8_t dig[SHA256_DIGEST_SIZE];
	char sha[65];
	off_t pos = 0, size = it->st.st_size;
	int r;

	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s/%s': cannot open", c->dir, it->path);
	if (c->o->format != CVT_AR_TAR || add_zero_map(c->la, fd, e, size, c->buf) < 0) {
		c->la->entry_sparse_clear(e);
		add_sparse_map(c->la, fd, e, size);
	}
	r = put_header(c, e, it->path, err);
	if (r < 0)
		return r;
	sha256_init(&md);
	while (pos < size && r >= 0) {
		off_t data = lseek(fd, pos, SEEK_DATA);
		size_t want;
		ssize_t n;

		if (data < 0)
			data = size; /* trailing hole */
		while (pos < data && r >= 0) { /* a hole: zeros the pax writer skips */
			want = data - pos < (off_t)sizeof(cvt_zeros) ? (size_t)(data - pos) : sizeof(cvt_zeros);
			r = put_data(c, cvt_zeros, want, &md, it->path, err);
			pos += want;
		}
		if (pos >= size || r < 0)
			break;
		want = size - pos < PACK_BUF ? size - pos : PACK_BUF;
		n = pread(fd, c->buf, want, pos);
		if (n <= 0) {
			r = cr_err_sys(err, n < 0 ? -errno : -EIO,
				       "'%s/%s': read at offset %jd (file shrank?)", c->dir,
				       it->path, (intmax_t)pos);
			break;
		}
		r = put_data(c, c->buf, n, &md, it->path, err);
		pos += n;
		c->done += n;
		if (c->o->progress)
			c->o->progress(c->done, c->total, c->o->opaque);
	}
	sha256_final(&md, dig);
	if (r < 0)
		return r;
	cvt_hex(dig, sizeof(dig), sha);
	mf_add(&c->mf, 'f', it->path, size, sha, NULL);
	return 0;
}

static int pack_item(struct pack_ctx *c, const struct pack_item *it, struct cr_error **err)
{
	struct archive_entry *e = c->la->entry_new();
	char target[PATH_MAX];
	ssize_t n;
	int r = 0;

	c->la->entry_copy_stat(e, &it->st);
	c->la->entry_set_pathname(e, it->path);
	c->la->entry_set_perm(e, it->st.st_mode & 0777);
	if (S_ISREG(it->st.st_mode)) {
		if (it->st.st_mode & (S_ISUID | S_ISGID))
			r = cr_err(err, -EPERM, "'%s/%s': setuid/setgid files are not packed",
				   c->dir, it->path);
		else
			r = pack_file(c, e, it, err);
	} else if (S_ISDIR(it->st.st_mode)) {
		r = put_header(c, e, it->path, err);
		mf_add(&c->mf, 'd', it->path, 0, NULL, NULL);
	} else {
		n = readlinkat(c->rootfd, it->path, target, sizeof(target) - 1);
		if (n < 0) {
			r = cr_err_sys(err, -errno, "'%s/%s': readlink", c->dir, it->path);
			goto out;
		}
		target[n] = '\0';
		if (!cvt_link_target_ok(it->path, target)) {
			r = cr_err(err, -EXDEV,
				   "'%s/%s' -> '%s': link leads outside the directory (pack the directory holding all the dumps)",
				   c->dir, it->path, target);
			goto out;
		}
		c->la->entry_set_symlink(e, target);
		r = put_header(c, e, it->path, err);
		mf_add(&c->mf, 'l', it->path, 0, NULL, target);
	}
out:
	c->la->entry_free(e);
	return r;
}

static int is_checkpoint_dir(int rootfd)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	if (!faccessat(rootfd, "inventory.img", F_OK, AT_SYMLINK_NOFOLLOW))
		return 1;
	fd = dup(rootfd);
	if (fd < 0 || !(d = fdopendir(fd)))
		return 0;
	rewinddir(d); /* a dup shares the offset of its original */
	while ((de = readdir(d))) { /* podman's checkpoint/, or a directory of dumps */
		_cleanup_free_ char *p = xasprintf("%s/inventory.img", de->d_name);

		if (de->d_name[0] != '.' && !faccessat(rootfd, p, F_OK, AT_SYMLINK_NOFOLLOW))
			return 1;
	}
	return 0;
}

static void pack_release(struct pack_ctx *c)
{
	if (c->a)
		c->la->write_free(c->a);
#if CVT_HAVE_ZSTD
	ZSTD_freeCCtx(c->zc);
#endif
	free(c->zbuf);
	free(c->buf);
	for (size_t i = 0; i < c->n_items; i++)
		free(c->items[i].path);
	free(c->items);
	mf_release(&c->mf);
	if (c->rootfd >= 0)
		close(c->rootfd);
}

static int pack_run(struct pack_ctx *c, struct cr_error **err)
{
	static const char marker[] = "crisp-archive 1\nmanifest " CVT_AR_MANIFEST "\n";
	_cleanup_free_ char *mf = NULL;
	size_t mf_len;
	int r;

	c->rootfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open directory", c->dir);
	if (!is_checkpoint_dir(c->rootfd))
		return cr_err(err, -ENOENT, "'%s': not a checkpoint (no inventory.img here or one level down)",
			      c->dir);
	if (fstat(c->outfd, &c->out_st))
		return cr_err_sys(err, -errno, "'%s': fstat", c->label);
	r = collect(c, c->rootfd, "", err);
	if (r < 0)
		return r;
	c->buf = xmalloc(PACK_BUF);
	r = open_archive(c, err);
	if (r < 0)
		return r;
	r = put_small(c, CVT_AR_MARKER, marker, sizeof(marker) - 1, err);
	for (size_t i = 0; i < c->n_items && r >= 0; i++)
		r = pack_item(c, &c->items[i], err);
	if (r < 0)
		return r;
	mf = mf_format(&c->mf, &mf_len);
	r = put_small(c, CVT_AR_MANIFEST, mf, mf_len, err);
	if (r < 0)
		return r;
	if (c->la->write_close(c->a) != ARCHIVE_OK)
		return cr_err(err, c->werr ? -c->werr : -EIO, "'%s': %s", c->label,
			      c->la->error_string(c->a));
	return 0;
}

int cvt_pack_fd(const char *dir, int fd, const char *label, const struct cvt_pack_opts *o,
		struct cr_error **err)
{
	struct pack_ctx c = { .o = o, .dir = dir, .label = label, .rootfd = -1, .outfd = fd };
	int r = larchive_get(&c.la, err);

	if (r < 0)
		return r;
	r = pack_run(&c, err);

	pack_release(&c);
	return r;
}

int cvt_pack_file(const char *dir, const char *path, const struct cvt_pack_opts *o,
		  struct cr_error **err)
{
	const struct larchive *la;
	struct io_tmp t;
	struct stat st;
	int r;

	r = larchive_get(&la, err); /* before anything is created or truncated */
	if (r < 0)
		return r;
	/* Only regular files are replaced by rename; a device, fifo or link
	 * (/dev/null, a named pipe) is written to as it is. */
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			return cr_err_sys(err, -errno, "'%s': cannot open", path);
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && ftruncate(fd, 0))
			return cr_err_sys(err, -errno, "'%s': cannot truncate", path);
		return cvt_pack_fd(dir, fd, path, o, err);
	}
	r = io_tmp_open_at(AT_FDCWD, path, 0644, &t, err);
	if (r < 0)
		return r;
	r = cvt_pack_fd(dir, t.fd, path, o, err);
	if (r < 0) {
		io_tmp_abort(&t);
		return r;
	}
	return io_tmp_commit(&t, err);
}

static const struct {
	const char *suffix, *name;
} ar_names[_CVT_AR_MAX] = {
	[CVT_AR_TAR_ZST] = { ".tar.zst", "tar.zst" },
	[CVT_AR_TAR_GZ] = { ".tar.gz", "tar.gz" },
	[CVT_AR_TAR_XZ] = { ".tar.xz", "tar.xz" },
	[CVT_AR_TAR] = { ".tar", "tar" },
};

enum cvt_ar_format cvt_ar_format_from_name(const char *name)
{
	size_t n = strlen(name);

	for (int f = 0; f < _CVT_AR_MAX; f++) {
		size_t s = strlen(ar_names[f].suffix);

		if (n >= s && !strcmp(name + n - s, ar_names[f].suffix))
			return f;
	}
	if (n >= 4 && !strcmp(name + n - 4, ".tgz"))
		return CVT_AR_TAR_GZ;
	return CVT_AR_TAR_ZST;
}

enum cvt_ar_format cvt_ar_format_from_string(const char *s)
{
	for (int f = 0; f < _CVT_AR_MAX; f++)
		if (!strcmp(s, ar_names[f].name))
			return f;
	return _CVT_AR_INVALID;
}

const char *cvt_ar_format_name(enum cvt_ar_format f)
{
	return f >= 0 && f < _CVT_AR_MAX ? ar_names[f].name : NULL;
}
