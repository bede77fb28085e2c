// SPDX-License-Identifier: LGPL-2.1-or-later
/* stats-dump and stats-restore (service images, one stats_entry each). */
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "inspect-int.h"

void ins_stats_clear(struct ins_stats *s)
{
	if (s->dump)
		protobuf_c_message_free_unpacked(&s->dump->base, NULL);
	if (s->restore)
		protobuf_c_message_free_unpacked(&s->restore->base, NULL);
	memset(s, 0, sizeof(*s));
}

static int read_stats(int dirfd, const char *which, StatsEntry **ret, struct cr_error **err)
{
	_cleanup_free_ char *name = img_filename_str(IMG_STATS, which);
	struct img_reader *r = NULL;
	struct img_entry e;
	int k;

	*ret = NULL;
	k = img_reader_open_at(dirfd, name, &r, err);
	if (k == -ENOENT) {
		cr_err_free(err);
		return 0;
	}
	if (k < 0)
		return k;
	if (img_reader_desc(r)->type != IMG_STATS) {
		k = cr_err(err, -EMEDIUMTYPE, "'%s': not a stats image", name);
		img_reader_close(r);
		return k;
	}
	k = img_reader_next(r, true, &e, err);
	if (k == 0)
		k = cr_err(err, -ENODATA, "'%s': no entry", name);
	img_reader_close(r);
	if (k < 0)
		return k;
	*ret = (StatsEntry *)e.msg;
	e.msg = NULL;
	img_entry_release(&e);
	return 0;
}

int ins_stats(struct ins_ckpt *c, struct ins_stats *ret, struct cr_error **err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_stats(c->dirfd, "dump", &ret->dump, err);
	if (r >= 0)
		r = read_stats(c->dirfd, "restore", &ret->restore, err);
	/* podman/CRI-O keep them beside checkpoint/ */
	if (r >= 0 && !ret->dump && c->meta_dirfd >= 0)
		r = read_stats(c->meta_dirfd, "dump", &ret->dump, err);
	if (r >= 0 && !ret->restore && c->meta_dirfd >= 0)
		r = read_stats(c->meta_dirfd, "restore", &ret->restore, err);
	if (r < 0)
		ins_stats_clear(ret);
	return r;
}
