/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Built instead of files-ext.c when the ext fd kinds are not in the tree. */
#include <errno.h>

#include "ctx.h"
#include "xalloc.h"

int ext_dump_init(struct crisp_ctx *c, struct cr_error **err)
{
	return 0;
}

int ext_dump_fd(struct crisp_ctx *c, pid_t pid, int fd, int lfd, const struct stat *st,
		FileEntry *fe, struct cr_error **err)
{
	return 0;
}

int ext_dump_commit(struct crisp_ctx *c, struct cr_error **err)
{
	return 0;
}

void ext_dump_finish(struct crisp_ctx *c, bool keep_running)
{
}

int ext_restore_init(struct crisp_ctx *c, struct cr_error **err)
{
	return 0;
}

int ext_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err)
{
	return 0;
}

int ext_post(struct crisp_ctx *c, const FileEntry *fe, int fd, struct cr_error **err)
{
	return 0;
}

int ext_restore_finish(struct crisp_ctx *c, struct cr_error **err)
{
	return 0;
}

void ext_release(struct crisp_ctx *c)
{
}

void ext_entry_free(FileEntry *fe)
{
	protobuf_c_message_free_unpacked(&fe->base, NULL);
}

int ext_dump_memfd(struct crisp_ctx *c, int lfd, FileEntry *fe, struct cr_error **err)
{
	return cr_err(err, -EOPNOTSUPP, "memfd mappings need the ext fd kinds");
}

FownEntry *ext_fown_dump(int lfd)
{
	FownEntry *f = xmalloc(sizeof(*f));

	(void)lfd;
	fown_entry__init(f);
	return f;
}
