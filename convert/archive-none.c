// SPDX-License-Identifier: LGPL-2.1-or-later
/* Built with -Dlibarchive=disabled: the API stays, every call fails clearly. */
#include <errno.h>
#include <string.h>

#include "convert.h"

#define NOAR(err) cr_err(err, -ENOSYS, "crisp was built without libarchive")

enum cvt_ar_format cvt_ar_format_from_name(const char *name)
{
	return CVT_AR_TAR_ZST;
}

enum cvt_ar_format cvt_ar_format_from_string(const char *s)
{
	return _CVT_AR_INVALID;
}

const char *cvt_ar_format_name(enum cvt_ar_format f)
{
	return NULL;
}

int cvt_pack_fd(const char *dir, int fd, const char *label, const struct cvt_pack_opts *o,
		struct cr_error **err)
{
	return NOAR(err);
}

int cvt_pack_file(const char *dir, const char *path, const struct cvt_pack_opts *o,
		  struct cr_error **err)
{
	return NOAR(err);
}

int cvt_unpack_fd(int fd, const char *label, const char *dir, const struct cvt_unpack_opts *o,
		  struct cvt_unpack_stats *ret_stats, struct cr_error **err)
{
	return NOAR(err);
}
