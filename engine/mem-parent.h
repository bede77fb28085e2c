/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "cr-error.h"

/*
 * The pages of one task in the chain of parent images (DIR/parent,
 * DIR/parent/parent, ...) of an incremental dump.  Opened per task:
 * an index of that task's pagemap in each parent, walked up on demand.
 */
struct mem_parent;

/* *ret = NULL (and 0) when imgfd has no parent link or the parent has no pagemap for id. */
int mem_parent_open(int imgfd, unsigned long id, struct mem_parent **ret, struct cr_error **err);
void mem_parent_close(struct mem_parent *mp);
/* Is every page of [vaddr, vaddr + npages) in the parent (present or further up)? */
bool mem_parent_has(const struct mem_parent *mp, uint64_t vaddr, uint64_t npages);
/* Read [vaddr, vaddr + len) from the chain into buf. */
int mem_parent_read(struct mem_parent *mp, uint64_t vaddr, void *buf, uint64_t len,
		    struct cr_error **err);
/* Is soft-dirty tracking (pagemap bit 55 after clear_refs 4) working here? */
bool mem_soft_dirty_works(void);
