// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit compress/decompress DIR: pages-N.img <-> pages-N.img.zst.  CRIU
 * opens pages-N.img by name, so it fails with "No such file" on a
 * compressed directory instead of misreading it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "io.h"
#include "xalloc.h"

/* "pages-12.img" (plain) or "pages-12.img.zst" (zst): the file names we convert. */
static bool pages_name(const char *name, bool zst)
{
	unsigned long id;
	int n = -1;

	if (sscanf(name, "pages-%lu.img%n", &id, &n) != 1 || n < 0 || name[6] < '0' ||
	    name[6] > '9')
		return false;
	return zst ? !strcmp(name + n, ".zst") : !name[n];
}

struct dir_job {
	int dirfd;
	const char *label;
	const struct cvt_zstd_opts *o;
	struct cvt_zstd_stats st;
	uint64_t total, done_before;
};

static void file_progress(uint64_t done, uint64_t total, void *opaque)
{
	struct dir_job *j = opaque;

	if (j->o->progress)
		j->o->progress(j->done_before + done, j->total, j->o->opaque);
}

static int convert_one(struct dir_job *j, const char *name, bool compress,
		       struct cr_error **err)
{
	_cleanup_free_ char *out = compress ? xasprintf("%s.zst", name)
					    : xstrndup(name, strlen(name) - 4);
	_cleanup_free_ char *label = xasprintf("%s/%s", j->label, name);
	_cleanup_close_ int fd = openat(j->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct cvt_zstd_opts fo = *j->o;
	struct timespec ts[2];
	struct io_tmp t;
	struct stat st;
	uint64_t out_bytes = 0;
	int r;

	if (fd < 0 || fstat(fd, &st))
		return cr_err_sys(err, -errno, "'%s': cannot open", label);
	r = io_tmp_open_at(j->dirfd, out, st.st_mode & 07777, &t, err);
	if (r < 0)
		return r;
	fo.progress = file_progress;
	fo.opaque = j;
	if (compress)
		r = cvt_zstd_compress_fd(fd, t.fd, label, &fo, &out_bytes, err);
	else
		r = cvt_zstd_decompress_fd(fd, t.fd, label, err);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	if (r >= 0 && (futimens(t.fd, ts) || fsync(t.fd)))
		r = cr_err_sys(err, -errno, "'%s/%s': cannot sync", j->label, out);
	if (r < 0) {
		io_tmp_abort(&t);
		return r;
	}
	if (!compress) {
		struct stat ost;

		out_bytes = fstat(t.fd, &ost) ? 0 : ost.st_size;
	}
	r = io_tmp_commit(&t, err);
	if (r < 0)
		return r;
	/* The new file is complete and durable: only now drop the old one. */
	if (unlinkat(j->dirfd, name, 0))
		return cr_err_sys(err, -errno, "'%s': cannot remove", label);
	j->st.files++;
	j->st.raw_bytes += compress ? (uint64_t)st.st_size : out_bytes;
	j->st.zst_bytes += compress ? out_bytes : (uint64_t)st.st_size;
	j->done_before += st.st_size;
	return 0;
}

static int convert_dir(int dirfd, const char *label, const struct cvt_zstd_opts *o,
		       bool compress, struct cvt_zstd_stats *ret, struct cr_error **err)
{
	struct cvt_zstd_opts none = { 0 };
	struct dir_job j = { .dirfd = dirfd, .label = label, .o = o ? o : &none };
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int fd = dup(dirfd), r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return cr_err_sys(err, -errno, "'%s': cannot read directory", label);
	}
	rewinddir(d); /* a dup shares the offset of its original */
	while ((de = readdir(d))) {
		struct stat st;

		if (pages_name(de->d_name, !compress)) {
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
				continue;
			names = xgrow(names, &cap, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
			j.total += st.st_size;
		} else if (pages_name(de->d_name, compress)) {
			j.st.skipped++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (r >= 0)
			r = convert_one(&j, names[i], compress, err);
		free(names[i]);
	}
	if (r >= 0 && ret)
		*ret = j.st;
	return r;
}

int cvt_compress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			struct cvt_zstd_stats *ret_stats, struct cr_error **err)
{
	return convert_dir(dirfd, label, o, true, ret_stats, err);
}

int cvt_decompress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			  struct cvt_zstd_stats *ret_stats, struct cr_error **err)
{
	return convert_dir(dirfd, label, o, false, ret_stats, err);
}
