// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Container checkpoint archives (podman export, CRI-O) and `crit pack`
 * archives of bare image directories, read with libarchive in one pass.
 * Only checkpoint/<image> or a top-level <image>, stats-* and the small
 * metadata files are taken; member names must be a single component, under
 * checkpoint/ or at the top (no absolute paths, "..", links or devices), files are
 * created O_EXCL|O_NOFOLLOW in a private directory and sizes are bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "larchive.h"
#include "xalloc.h"

#define MAX_META (16u << 20)     /* config.dump, spec.dump, deleted.files */
#define MAX_MEMBER (64ull << 30) /* one extracted image */

/* An image name, or a pages-N.img.zst that `crit compress` made. */
static bool is_image_name(const char *name)
{
	size_t n = strlen(name);
	_cleanup_free_ char *plain = NULL;

	if (img_desc_by_filename(name) || !strcmp(name, "descriptors.json"))
		return true;
	if (n < 5 || strcmp(name + n - 4, ".zst"))
		return false;
	plain = xstrndup(name, n - 4);
	return img_desc_by_filename(plain) != NULL;
}

/*
 * "checkpoint/core-1.img" -> "core-1.img" (podman, CRI-O); a top-level
 * image name as `crit pack` of a bare image directory (runc's --image-path)
 * writes it -> itself; NULL for anything else.
 */
static const char *image_member(const char *name)
{
	const char *base = name;

	if (!strncmp(name, "checkpoint/", 11))
		base = name + 11;
	else if (!is_image_name(name))
		return NULL;
	if (!*base || strchr(base, '/') || !strcmp(base, ".") || !strcmp(base, ".."))
		return NULL;
	return base;
}

static int extract_to(const struct larchive *la, struct archive *a, int dirfd, const char *name, int64_t size,
		      const char *label, struct cr_error **err)
{
	_cleanup_close_ int fd = -1;
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (size < 0 || (uint64_t)size > MAX_MEMBER)
		return cr_err(err, -EFBIG, "'%s': member '%s' is too large", label, name);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': member '%s': cannot create", label, name);
	while ((r = la->read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off + len > MAX_MEMBER)
			return cr_err(err, -EFBIG, "'%s': member '%s' is too large", label, name);
		if (pwrite(fd, buf, len, off) != (ssize_t)len)
			return cr_err_sys(err, -errno, "'%s': member '%s': write", label, name);
	}
	if (r != ARCHIVE_EOF)
		return cr_err(err, -EIO, "'%s': member '%s': %s", label, name, la->error_string(a));
	if (ftruncate(fd, size) < 0)
		return cr_err_sys(err, -errno, "'%s': member '%s': truncate", label, name);
	return 0;
}

static int read_small(const struct larchive *la, struct archive *a, int64_t size, const char *label, const char *name,
		      json_t **ret, struct cr_error **err)
{
	_cleanup_free_ char *buf = NULL;
	la_ssize_t n;

	if (size < 0 || size > MAX_META)
		return cr_err(err, -EFBIG, "'%s': member '%s' larger than %u bytes", label, name, MAX_META);
	buf = xmalloc(size + 1);
	n = la->read_data(a, buf, size);
	if (n < 0)
		return cr_err(err, -EIO, "'%s': member '%s': %s", label, name, la->error_string(a));
	json_decref(*ret);
	*ret = ins_parse_json(buf, n);
	return 0;
}

static int walk_archive(const struct larchive *la, struct ins_bundle *b, struct archive *a, int ckfd, struct cr_error **err)
{
	struct archive_entry *e;
	size_t cap = 0;
	int r;

	while ((r = la->read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = la->entry_pathname(e);
		int64_t size = la->entry_size(e);
		bool reg = la->entry_filetype(e) == AE_IFREG;
		const char *img;

		if (!name)
			continue;
		while (!strncmp(name, "./", 2))
			name += 2;
		ins_bundle_add_member(b, &cap, xasprintf("%s %lld", name, (long long)size));
		if (!reg)
			continue;
		if (!strcmp(name, "rootfs-diff.tar"))
			b->has_rootfs_diff = true;
		if ((img = image_member(name))) /* also the top-level stats-* of podman */
			r = extract_to(la, a, ckfd, img, size, b->path, err);
		else if (!strcmp(name, "config.dump"))
			r = read_small(la, a, size, b->path, name, &b->config, err);
		else if (!strcmp(name, "spec.dump"))
			r = read_small(la, a, size, b->path, name, &b->spec, err);
		else if (!strcmp(name, "deleted.files"))
			r = read_small(la, a, size, b->path, name, &b->deleted, err);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return cr_err(err, -EINVAL, "'%s': %s", b->path,
			      la->error_string(a) ? la->error_string(a) : "not an archive");
	return 0;
}

int ins_bundle_open_archive(struct ins_bundle *b, struct cr_error **err)
{
	const char *tmp = getenv("TMPDIR");
	const struct larchive *la;
	struct archive *a;
	_cleanup_free_ char *cp = NULL;
	int ckfd, r;

	b->kind = "archive";
	r = larchive_get(&la, err);
	if (r < 0)
		return cr_err_wrap(err, "'%s'", b->path);
	b->tmpdir = xasprintf("%s/crit-inspect-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b->tmpdir)) {
		r = cr_err_sys(err, -errno, "'%s': cannot create", b->tmpdir);
		free(b->tmpdir);
		b->tmpdir = NULL;
		return r;
	}
	cp = xasprintf("%s/checkpoint", b->tmpdir);
	if (mkdir(cp, 0700) < 0)
		return cr_err_sys(err, -errno, "'%s': cannot create", cp);
	ckfd = open(cp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ckfd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", cp);
	a = la->read_new();
	la->read_support_filter_all(a);
	la->read_support_format_tar(a);
	la->read_support_format_gnutar(a);
	if (la->read_open_filename(a, b->path, 1 << 16) != ARCHIVE_OK) {
		r = cr_err(err, -EINVAL, "'%s': %s", b->path, la->error_string(a));
		la->read_free(a);
		close(ckfd);
		return r;
	}
	r = walk_archive(la, b, a, ckfd, err);
	la->read_free(a);
	if (r < 0) {
		close(ckfd);
		return r;
	}
	_cleanup_free_ char *label = xasprintf("%s:checkpoint", b->path);
	return ins_ckpt_open_fd(ckfd, label, &b->ckpt, err);
}

