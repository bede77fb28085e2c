/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * One ops table per kind of file descriptor (util-linux lsfd style).
 * files.c walks a task's fds, copies each into crisp with pidfd_getfd(),
 * asks every table whether it handles it and lets it fill the FileEntry.
 * On restore, files.c opens every FileEntry in crisp through its table
 * before the tree is forked, so the tasks inherit shared descriptions.
 */
#include <sys/stat.h>

#include "ctx.h"

struct fd_dump_info {
	struct task *t;
	int fd;          /* number in the task */
	int lfd;         /* our copy (same open file description) */
	struct stat st;
	const char *link; /* readlink of /proc/PID/fd/FD */
	uint32_t flags;  /* file status flags from fdinfo */
	uint64_t pos;
	int mnt_id;
};

struct fd_ops {
	const char *name;
	FdTypes type;
	bool (*match)(const struct fd_dump_info *fi);
	/* Fill fe (type and id already set); may write side images (pipes-data). */
	int (*dump)(struct crisp_ctx *c, const struct fd_dump_info *fi, FileEntry *fe,
		    struct cr_error **err);
	/* Open fe in crisp; *ret_fd is a new fd (any number). */
	int (*open)(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err);
};

extern const struct fd_ops fd_ops_reg;
extern const struct fd_ops fd_ops_pipe;
extern const struct fd_ops fd_ops_fifo;
extern const struct fd_ops fd_ops_tty;
extern const struct fd_ops fd_ops_pty;
/* tty.c: in a restored session leader, before its fds are placed */
int tty_restore_ctty(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen);

/* pipes.c, shared with fifo.c: the bytes in a pipe, once per inode */
bool pipe_seen(struct crisp_ctx *c, uint64_t ino);
int pipe_data_dump(struct crisp_ctx *c, const struct fd_dump_info *fi, enum img_type type,
		   struct img_writer **w, struct cr_error **err);
int pipe_data_fill(struct crisp_ctx *c, const struct img_entry *data, size_t n_data,
		   uint32_t pipe_id, int wfd, struct cr_error **err);
/* files.c: record a REG entry for a path with a fresh id (fifo paths) */
int files_put_reg(struct crisp_ctx *c, const char *path, uint32_t flags, const struct stat *st,
		  uint32_t *ret_id, struct cr_error **err);

FownEntry *fown_new(void);
RegFileEntry *reg_entry_new(uint32_t id, const char *name, uint32_t flags, uint64_t pos,
			    const struct stat *st);
