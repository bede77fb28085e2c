// SPDX-License-Identifier: LGPL-2.1-or-later
/* Built without libarchive: archives cannot be opened (directories still can). */
#include <errno.h>

#include "inspect-int.h"

int ins_bundle_open_archive(struct ins_bundle *b, struct cr_error **err)
{
	return cr_err(err, -ENOSYS, "'%s': crit was built without libarchive; unpack it first",
		      b->path);
}
