/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* PAGEMAP_SCAN's page categories (linux/fs.h, 6.7+) */
#define PM_IS_FILE (1u << 2)
#define PM_IS_PRESENT (1u << 3)
#define PM_IS_SWAPPED (1u << 4)
#define PM_IS_PFNZERO (1u << 5)

struct pm_region {
	uint64_t start, end, categories;
};

/*
 * The runs of pages of [start, end) that are present or swapped, with their
 * categories, from /proc/PID/pagemap (pmfd) in one walk of the page tables:
 * holes cost nothing, where reading pagemap costs 8 bytes a page (a 20 TB
 * reservation is 40 GB of it).  Fills up to cap regions; *ret_next is where
 * to go on from (end when done).  -ENOTTY when the kernel has no PAGEMAP_SCAN.
 */
int pm_scan(int pmfd, uint64_t start, uint64_t end, struct pm_region *out, size_t cap,
	    size_t *ret_n, uint64_t *ret_next);
