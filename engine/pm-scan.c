/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PAGEMAP_SCAN, declared here: Debian 12's kernel headers predate it. */
#include <errno.h>
#include <sys/ioctl.h>

#include "pm-scan.h"

struct pm_scan_arg_ {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};

#define PAGEMAP_SCAN_ _IOWR('f', 16, struct pm_scan_arg_)

int pm_scan(int pmfd, uint64_t start, uint64_t end, struct pm_region *out, size_t cap,
	    size_t *ret_n, uint64_t *ret_next)
{
	struct pm_scan_arg_ a = {
		.size = sizeof(a),
		.start = start,
		.end = end,
		.vec = (uint64_t)(uintptr_t)out,
		.vec_len = cap,
		.category_anyof_mask = PM_IS_PRESENT | PM_IS_SWAPPED,
		.return_mask = PM_IS_PRESENT | PM_IS_SWAPPED | PM_IS_FILE | PM_IS_PFNZERO,
	};
	long n = ioctl(pmfd, PAGEMAP_SCAN_, &a);

	if (n < 0)
		return errno == EINVAL || errno == ENOTTY ? -ENOTTY : -errno;
	*ret_n = (size_t)n;
	*ret_next = a.walk_end ? a.walk_end : end;
	return 0;
}
