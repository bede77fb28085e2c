// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A checkpoint as people hand it over: a bare image directory, a container
 * checkpoint directory (checkpoint/ + config.dump + spec.dump ...), or an
 * archive of the latter (podman `container checkpoint --export`, CRI-O),
 * read with libarchive.  Archives are streamed once; only the members the
 * views need are written, into a private temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "inspect-int.h"
#include "io.h"
#include "xalloc.h"

#define MAX_META (16u << 20) /* config.dump, spec.dump, deleted.files */
#define MAX_MEMBERS 100000

void ins_rm_tmp(const char *dir)
{
	_cleanup_free_ char *cp = xasprintf("%s/checkpoint", dir);
	DIR *d = opendir(cp);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(cp);
	rmdir(dir);
}

struct ins_bundle *ins_bundle_free(struct ins_bundle *b)
{
	if (!b)
		return NULL;
	ins_ckpt_free(b->ckpt);
	if (b->tmpdir)
		ins_rm_tmp(b->tmpdir);
	free(b->tmpdir);
	free(b->path);
	json_decref(b->config);
	json_decref(b->spec);
	json_decref(b->deleted);
	ins_strv_free(b->members, b->n_members);
	free(b);
	return NULL;
}

json_t *ins_parse_json(const char *buf, size_t len)
{
	json_error_t je;

	return json_loadb(buf, len, 0, &je);
}

void ins_bundle_add_member(struct ins_bundle *b, size_t *cap, char *s)
{
	if (b->n_members >= MAX_MEMBERS) {
		free(s);
		return;
	}
	b->members = xgrow(b->members, cap, b->n_members + 1, sizeof(*b->members));
	b->members[b->n_members++] = s;
}

/* Container metadata files of a checkpoint directory. */
static void read_meta_at(struct ins_bundle *b, int dirfd)
{
	static const char *const names[] = { "config.dump", "spec.dump", "deleted.files" };
	json_t **dst[] = { &b->config, &b->spec, &b->deleted };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct cr_error *err = NULL;
		char *buf = NULL;
		size_t len;

		if (io_read_file_at(dirfd, names[i], MAX_META, &buf, &len, &err) >= 0)
			*dst[i] = ins_parse_json(buf, len);
		cr_err_free(&err);
		free(buf);
	}
	b->has_rootfs_diff = faccessat(dirfd, "rootfs-diff.tar", F_OK, 0) == 0;
}

static int open_dir(struct ins_bundle *b, struct cr_error **err)
{
	_cleanup_close_ int fd = open(b->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int cfd;

	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", b->path);
	cfd = openat(fd, "checkpoint", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0) {
		b->kind = "image directory";
		return ins_ckpt_open_fd(TAKE_FD(fd), b->path, &b->ckpt, err);
	}
	b->kind = "container checkpoint directory";
	read_meta_at(b, fd);
	_cleanup_free_ char *label = xasprintf("%s/checkpoint", b->path);
	int r = ins_ckpt_open_fd(cfd, label, &b->ckpt, err);
	if (r >= 0)
		b->ckpt->meta_dirfd = TAKE_FD(fd);
	return r;
}

int ins_bundle_open(const char *path, struct ins_bundle **ret, struct cr_error **err)
{
	struct ins_bundle *b = xzalloc(sizeof(*b));
	struct stat st;
	int r;

	b->path = xstrdup(path);
	if (stat(path, &st) < 0)
		r = cr_err_sys(err, -errno, "'%s'", path);
	else if (S_ISDIR(st.st_mode))
		r = open_dir(b, err);
	else
		r = ins_bundle_open_archive(b, err);
	if (r < 0) {
		ins_bundle_free(b);
		return r;
	}
	*ret = b;
	return 0;
}

int ins_ckpt_open_any(const char *path, struct ins_ckpt **ret, struct cr_error **err)
{
	struct ins_bundle *b = NULL;
	int r = ins_bundle_open(path, &b, err);

	if (r < 0)
		return r;
	*ret = TAKE_PTR(b->ckpt);
	(*ret)->tmpdir = TAKE_PTR(b->tmpdir);
	ins_bundle_free(b);
	return 0;
}
