// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Opening checkpoints for the inspect commands: any form ins_ckpt_open_any
 * takes, with page data read through convert/'s page source so that
 * zstd-compressed pages (pages-N.img.zst) read like plain ones.
 */
#include <errno.h>
#include <stdlib.h>

#include "cleanup.h"
#include "crit-out.h"
#include "inspect.h"
#include "pages.h"
#include "xalloc.h"

struct cvt_source {
	struct ins_page_source s;
	struct cvt_pages *p;
};

static ssize_t cvt_pread(struct ins_page_source *s, void *buf, size_t len, uint64_t off,
			 struct cr_error **err)
{
	return cvt_pages_pread(((struct cvt_source *)s)->p, buf, len, off, err);
}

static void cvt_close(struct ins_page_source *s)
{
	struct cvt_source *c = (struct cvt_source *)s;

	cvt_pages_close(c->p);
	free(s->label);
	free(c);
}

static int cvt_fd(struct ins_page_source *s)
{
	return cvt_pages_fd(((struct cvt_source *)s)->p);
}

static const struct ins_page_source_ops cvt_ops = { cvt_pread, cvt_close, cvt_fd };

static int cvt_open(int dirfd, uint32_t pages_id, struct ins_page_source **ret,
		    struct cr_error **err)
{
	struct cvt_pages *p = NULL;
	struct cvt_source *c;
	int r = cvt_pages_open_at(dirfd, pages_id, &p, err);

	if (r < 0)
		return r;
	c = xzalloc(sizeof(*c));
	c->p = p;
	c->s.ops = &cvt_ops;
	c->s.size = cvt_pages_size(p);
	c->s.label = cvt_pages_compressed(p) ? xasprintf("pages-%u.img.zst", pages_id)
					     : xasprintf("pages-%u.img", pages_id);
	*ret = &c->s;
	return 0;
}

void crit_ckpt_use_convert_pages(struct ins_ckpt *c)
{
	ins_ckpt_set_page_open(c, cvt_open);
}

int crit_open_ckpt(const char *path, struct ins_ckpt **ret, struct cr_error **err)
{
	int r = ins_ckpt_open_any(path, ret, err);

	if (r >= 0)
		ins_ckpt_set_page_open(*ret, cvt_open);
	return r;
}
