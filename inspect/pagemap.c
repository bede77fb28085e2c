// SPDX-License-Identifier: LGPL-2.1-or-later
/* pagemap-PID.img as a flat array, with each entry's offset in pages-N.img. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect-int.h"
#include "xalloc.h"

void ins_pagemap_clear(struct ins_pagemap *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int add_entry(struct ins_pagemap *p, size_t *cap, const PagemapEntry *pe, size_t index,
		     const char *label, struct cr_error **err)
{
	struct ins_pme *e;
	uint64_t n = img_pagemap_nr_pages(pe);

	if (pe->vaddr % INS_PAGE_SIZE)
		return cr_err(err, -EBADMSG, "'%s': entry %zu: vaddr 0x%llx not page aligned", label,
			      index, (unsigned long long)pe->vaddr);
	if (n > (UINT64_MAX - pe->vaddr) / INS_PAGE_SIZE)
		return cr_err(err, -EBADMSG, "'%s': entry %zu: %llu pages at 0x%llx overflow", label,
			      index, (unsigned long long)n, (unsigned long long)pe->vaddr);
	p->v = xgrow(p->v, cap, p->n + 1, sizeof(*p->v));
	e = &p->v[p->n++];
	e->vaddr = pe->vaddr;
	e->nr_pages = n;
	if (pe->has_flags)
		e->flags = pe->flags;
	else
		e->flags = pe->has_in_parent && pe->in_parent ? IMG_PE_PARENT : IMG_PE_PRESENT;
	e->off = p->data_bytes;
	if (e->flags & IMG_PE_PRESENT)
		p->data_bytes += n * INS_PAGE_SIZE;
	return 0;
}

int ins_pagemap_load(int dirfd, uint32_t pid, bool missing_ok, struct ins_pagemap *ret,
		     struct cr_error **err)
{
	return ins_pagemap_load_type(dirfd, IMG_PAGEMAP, pid, missing_ok, ret, err);
}

int ins_pagemap_load_type(int dirfd, enum img_type type, uint32_t id, bool missing_ok,
			  struct ins_pagemap *ret, struct cr_error **err)
{
	struct img_reader *r = NULL;
	struct img_entry e;
	size_t cap = 0;
	int k;

	memset(ret, 0, sizeof(*ret));
	k = img_reader_open_type_at(dirfd, type, id, &r, err);
	if (k == -ENOENT && missing_ok) {
		cr_err_free(err);
		return 0;
	}
	if (k < 0)
		return k;
	ret->present = true;
	while ((k = img_reader_next(r, true, &e, err)) > 0) {
		if (e.index == 0)
			ret->pages_id = ((PagemapHead *)e.msg)->pages_id;
		else
			k = add_entry(ret, &cap, (PagemapEntry *)e.msg, e.index, img_reader_label(r),
				      err);
		img_entry_release(&e);
		if (k < 0)
			break;
	}
	img_reader_close(r);
	if (k < 0)
		ins_pagemap_clear(ret);
	return k < 0 ? k : 0;
}
