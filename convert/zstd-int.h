/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * Compressed pages: pages-N.img.zst in zstd's seekable format
 * (zstd/contrib/seekable_format/zstd_seekable_compression_format.md).
 *
 *   frame 0 .. frame K-1   ordinary zstd frames, each CVT_ZST_FRAME bytes of
 *                          pages (the last may be shorter), independent,
 *                          with content size and an XXH64 checksum
 *   seek table             a skippable frame (magic 0x184D2A5E, u32 size)
 *                          holding K x {u32 compressed, u32 decompressed},
 *                          then the 9-byte footer {u32 K, u8 descriptor = 0,
 *                          u32 0x8F92EAB1}; all little-endian
 *
 * `zstd -d` decodes the file as is (it skips the skippable frame), and a
 * page at any offset costs one frame of decompression.
 */
#include <stdint.h>

#include "cr-error.h"

#define CVT_ZST_FRAME (1u << 20)
#define CVT_ZST_SKIPPABLE 0x184D2A5Eu
#define CVT_ZST_SEEKABLE 0x8F92EAB1u
#define CVT_ZST_FOOTER 9
#define CVT_ZST_MAX_FRAME (64u << 20) /* refuse frames bigger than this */

struct zst_index {
	uint32_t n;     /* frames */
	uint64_t *coff; /* n + 1 compressed offsets; coff[n] = start of the seek table */
	uint64_t *uoff; /* n + 1 decompressed offsets; uoff[n] = total size */
};

/* Read and check the seek table of fd (sizes add up to the file size). */
int zst_index_read(int fd, const char *label, struct zst_index *ret, struct cr_error **err);
void zst_index_release(struct zst_index *ix);
/* Frame containing decompressed offset off (off < uoff[n]). */
uint32_t zst_index_find(const struct zst_index *ix, uint64_t off);
