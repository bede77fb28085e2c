/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Build small synthetic image directories for inspect/ unit tests. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crimg.h"

static inline char *synth_tmpdir(void)
{
	char *t = strdup("/tmp/crisp-inspect-XXXXXX");

	if (!mkdtemp(t)) {
		perror("mkdtemp");
		exit(1);
	}
	return t;
}

static inline void synth_rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static inline int synth_open(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		perror(dir);
		exit(1);
	}
	return fd;
}

struct synth_pme {
	uint64_t vaddr, nr;
	uint32_t flags;
};

/* pagemap-PID.img with the given entries (4.2 style: nr_pages, flags). */
static inline int synth_pagemap(int dirfd, unsigned pid, unsigned pages_id,
				const struct synth_pme *e, size_t n)
{
	struct cr_error *err = NULL;
	struct img_writer *w = NULL;
	PagemapHead h = PAGEMAP_HEAD__INIT;
	int r;

	r = img_writer_open_type_at(dirfd, IMG_PAGEMAP, pid, &w, &err);
	if (r < 0)
		goto out;
	h.pages_id = pages_id;
	r = img_writer_put(w, &h.base, &err);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT;
		pe.vaddr = e[i].vaddr;
		pe.has_nr_pages = true;
		pe.nr_pages = e[i].nr;
		pe.has_flags = true;
		pe.flags = e[i].flags;
		r = img_writer_put(w, &pe.base, &err);
	}
	if (r < 0) {
		img_writer_abort(w);
		goto out;
	}
	r = img_writer_commit(w, &err);
out:
	if (err)
		fprintf(stderr, "synth_pagemap: %s\n", err->msg);
	cr_err_free(&err);
	return r;
}

/* pages-ID.img: npages pages, page i filled with fill[i]. */
static inline int synth_pages(int dirfd, unsigned id, const char *fill)
{
	char name[64], page[4096];
	int fd;

	snprintf(name, sizeof(name), "pages-%u.img", id);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	for (size_t i = 0; fill[i]; i++) {
		memset(page, fill[i], sizeof(page));
		if (write(fd, page, sizeof(page)) != sizeof(page)) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

static inline int synth_write_one(int dirfd, enum img_type t, unsigned long id,
				  const ProtobufCMessage *m)
{
	struct cr_error *err = NULL;
	int r = img_write_one_at(dirfd, t, id, m, &err);

	if (err)
		fprintf(stderr, "synth_write_one: %s\n", err->msg);
	cr_err_free(&err);
	return r;
}
