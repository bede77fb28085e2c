// SPDX-License-Identifier: LGPL-2.1-or-later
/* Built with -Dzstd=disabled: the API stays, every call fails clearly. */
#include <errno.h>

#include "convert.h"
#include "zstd-int.h"

#define NOZSTD(err) cr_err(err, -ENOSYS, "crisp was built without zstd")

int cvt_compress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			struct cvt_zstd_stats *ret_stats, struct cr_error **err)
{
	return NOZSTD(err);
}

int cvt_decompress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			  struct cvt_zstd_stats *ret_stats, struct cr_error **err)
{
	return NOZSTD(err);
}

int cvt_zstd_compress_fd(int in_fd, int out_fd, const char *label, const struct cvt_zstd_opts *o,
			 uint64_t *ret_out_bytes, struct cr_error **err)
{
	return NOZSTD(err);
}

int cvt_zstd_decompress_fd(int in_fd, int out_fd, const char *label, struct cr_error **err)
{
	return NOZSTD(err);
}

void zst_index_release(struct zst_index *ix)
{
}
