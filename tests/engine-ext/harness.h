/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * What the engine core does around the ext kinds, in miniature: a child
 * holds the objects, h_dump() copies one of its fds with pidfd_getfd() and
 * runs the kind's dump into a scratch image directory, h_open() runs the
 * kind's open from the entry.  Binaries exit 77 unless run as root.
 */
#include <stdbool.h>
#include <sys/types.h>

#include "fdkinds.h"
#include "opts.h"

#define H_MAX 32

struct xenv {
	char dir[64];
	int imgfd;
	uint32_t pages_id;
	struct crisp_opts o;
	struct fdk_dump d;
	struct fdk_restore r;
	bool r_ready;
	FileEntry *fes[H_MAX];
	size_t n;
	struct cr_error *err;
};

void h_init(struct xenv *x, bool tcp_established);
void h_release(struct xenv *x);
/* Fork a child that runs fn(fds) and then waits; *fds (up to 16) are its numbers. */
pid_t h_child(void (*fn)(int *fds, void *arg), void *arg, int *fds);
void h_kill(pid_t pid);
/* Dump fd `tfd` of `pid`; returns the entry (owned by x) or NULL with x->err set. */
FileEntry *h_dump(struct xenv *x, pid_t pid, int tfd);
/* fdk_dump_commit + finish (tasks killed afterwards) */
int h_dump_done(struct xenv *x, bool keep_running);
/*
 * Open entry idx (the idx-th h_dump).  The first call re-reads every entry
 * from its packed form, as from files.img: use x->fes[idx] afterwards.
 * Returns the fd, or -1 with x->err set.
 */
int h_open(struct xenv *x, size_t idx);
const char *h_errmsg(struct xenv *x);

/*
 * Compare the crit JSON of m with the entry of the same "type" (or the first
 * entry when m has no type) in a corpus file (relative to criu-4.x/): the
 * same keys at every level.  Returns the number of differences (printed).
 */
int h_shape(struct xenv *x, const ProtobufCMessage *m, const char *corpus_file);
