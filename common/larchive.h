/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * libarchive, loaded on first use.  crit links only libarchive's headers:
 * libarchive.so.13 and what it pulls in (libxml2, ICU, libstdc++, libcrypto,
 * nettle, lz4, bz2 ...) cost milliseconds of dynamic loading at every start,
 * which `crit x` and friends never need.  larchive_get() dlopen()s it the
 * first time pack, unpack or an archive bundle needs it and returns a table
 * of the archive_* functions convert/ and inspect/ call:
 *
 *   const struct larchive *la;
 *   if (larchive_get(&la, err) < 0)   -ENOSYS when libarchive is missing
 *           return r;
 *   struct archive *a = la->read_new();
 *   la->read_support_format_tar(a);
 *
 * Member `x` is `archive_x`, with libarchive's own prototype (typeof), so a
 * mismatch is a compile error.  To call another function, add it to
 * LARCHIVE_FUNCS.
 */
#include <archive.h>
#include <archive_entry.h>

#include "cr-error.h"

#define LARCHIVE_SONAME "libarchive.so.13"

#define LARCHIVE_FUNCS(X)                                                    \
	X(error_string)                                                      \
	X(set_error)                                                         \
	X(filter_bytes)                                                      \
	/* reading */                                                        \
	X(read_new)                                                          \
	X(read_free)                                                         \
	X(read_support_filter_all)                                           \
	X(read_support_format_tar)                                           \
	X(read_support_format_gnutar)                                        \
	X(read_open_fd)                                                      \
	X(read_open_filename)                                                \
	X(read_next_header)                                                  \
	X(read_data)                                                         \
	X(read_data_block)                                                   \
	/* writing */                                                        \
	X(write_new)                                                         \
	X(write_free)                                                        \
	X(write_set_format_pax_restricted)                                   \
	X(write_set_bytes_per_block)                                         \
	X(write_set_bytes_in_last_block)                                     \
	X(write_add_filter_gzip)                                             \
	X(write_add_filter_xz)                                               \
	X(write_add_filter_zstd)                                             \
	X(write_set_filter_option)                                           \
	X(write_open_fd)                                                     \
	X(write_open2)                                                       \
	X(write_header)                                                      \
	X(write_data)                                                        \
	X(write_close)                                                       \
	/* entries */                                                        \
	X(entry_new)                                                         \
	X(entry_free)                                                        \
	X(entry_pathname)                                                    \
	X(entry_set_pathname)                                                \
	X(entry_size)                                                        \
	X(entry_set_size)                                                    \
	X(entry_filetype)                                                    \
	X(entry_set_filetype)                                                \
	X(entry_perm)                                                        \
	X(entry_set_perm)                                                    \
	X(entry_mtime)                                                       \
	X(entry_set_mtime)                                                   \
	X(entry_hardlink)                                                    \
	X(entry_symlink)                                                     \
	X(entry_set_symlink)                                                 \
	X(entry_copy_stat)                                                   \
	X(entry_sparse_add_entry)                                            \
	X(entry_sparse_clear)

struct larchive {
#define LARCHIVE_MEMBER(name) __typeof__(archive_##name) *name;
	LARCHIVE_FUNCS(LARCHIVE_MEMBER)
#undef LARCHIVE_MEMBER
};

/*
 * The table, loading libarchive on the first call (thread-safe); the same
 * pointer every time after.  -ENOSYS ("libarchive.so.13 not found: install
 * libarchive13") when the library or one of its functions is missing.
 */
int larchive_get(const struct larchive **ret, struct cr_error **err);
