// SPDX-License-Identifier: LGPL-2.1-or-later
/* The image type table: lookups by crit name, magic and file name, and file
 * names formatted from a type and an id. */
#include "crimg.h"
#include "test.h"

static enum img_type by_file(const char *name)
{
	const struct img_desc *d = img_desc_by_filename(name);
	return d ? d->type : _IMG_TYPE_INVALID;
}

TEST(by_filename)
{
	ASSERT_EQ(by_file("inventory.img"), IMG_INVENTORY);
	ASSERT_EQ(by_file("core-21614.img"), IMG_CORE);
	ASSERT_EQ(by_file("pagemap-21614.img"), IMG_PAGEMAP);
	ASSERT_EQ(by_file("pagemap-shmem-1126.img"), IMG_SHMEM_PAGEMAP);
	ASSERT_EQ(by_file("pages-1.img"), IMG_PAGES);
	ASSERT_EQ(img_desc_get(IMG_PAGES)->head, IMG_HEAD_RAW_K);
	ASSERT_EQ(by_file("stats-dump"), IMG_STATS);
	ASSERT_EQ(by_file("stats-restore"), IMG_STATS);
	ASSERT_EQ(by_file("irmap-cache"), IMG_IRMAP_CACHE);
	ASSERT_EQ(by_file("tmpfs-dev-61.tar.gz.img"), IMG_TMPFS_DEV);
	ASSERT_EQ(by_file("tmpfs-61.tar.gz.img"), IMG_TMPFS);
	ASSERT_EQ(by_file("tcp-stream-ea78.img"), IMG_TCP_STREAM);
	ASSERT_EQ(by_file("ghost-file-1f.img"), IMG_GHOST_FILE);
	ASSERT_EQ(by_file("signal-s-7.img"), IMG_SIGNAL_S);
	ASSERT_EQ(by_file("signal-p-7.img"), IMG_SIGNAL_P);
	ASSERT_EQ(by_file("files.img"), IMG_FILES);
	ASSERT_EQ(by_file("memfd.img"), IMG_MEMFD_INODE);
	ASSERT_EQ(by_file("netns-ct-3.img"), IMG_NETNF_CT);
	ASSERT_EQ(by_file("ipcns-shm-9.img"), IMG_IPCNS_SHM);
	/* not image names */
	ASSERT_EQ(by_file("core-.img"), _IMG_TYPE_INVALID);
	ASSERT_EQ(by_file("core-12"), _IMG_TYPE_INVALID);
	ASSERT_EQ(by_file("core-12.img.bak"), _IMG_TYPE_INVALID);
	ASSERT_EQ(by_file("dump.log"), _IMG_TYPE_INVALID);
	ASSERT_EQ(by_file(""), _IMG_TYPE_INVALID);
}

TEST(by_magic)
{
	ASSERT_EQ(img_desc_by_magic(0x55053847)->type, IMG_CORE);
	ASSERT_EQ(img_desc_by_magic(0x58313116)->type, IMG_INVENTORY);
	/* aliases resolve to the first row, as crit's magic.py */
	ASSERT_EQ(img_desc_by_magic(0x56084025)->type, IMG_PAGEMAP);
	ASSERT_EQ(img_desc_by_magic(0x59255647)->type, IMG_SIGNAL_S);
	ASSERT_EQ(img_desc_by_magic(0x57093306)->type, IMG_STATS);
	ASSERT_EQ(img_desc_by_magic(0x57093306)->head, IMG_HEAD_SERVICE_K);
	/* head magics and raw 0 are not image types */
	ASSERT_TRUE(img_desc_by_magic(0) == NULL);
	ASSERT_TRUE(img_desc_by_magic(IMG_HEAD_COMMON) == NULL);
	ASSERT_TRUE(img_desc_by_magic(IMG_HEAD_SERVICE) == NULL);
	ASSERT_TRUE(img_desc_by_magic(0x12345678) == NULL);
}

TEST(by_name)
{
	ASSERT_EQ(img_desc_by_name("CORE")->type, IMG_CORE);
	ASSERT_EQ(img_desc_by_name("PAGEMAP")->type, IMG_PAGEMAP);
	ASSERT_EQ(img_desc_by_name("SIGNAL")->magic, 0x59255647);
	ASSERT_EQ(img_desc_by_name("STATS")->type, IMG_STATS);
	ASSERT_EQ(img_desc_by_name("MEMFD_INODE")->type, IMG_MEMFD_INODE);
	ASSERT_TRUE(img_desc_by_name("core") == NULL);
	ASSERT_TRUE(img_desc_by_name("PAGES") == NULL);
	ASSERT_TRUE(img_desc_by_name("") == NULL);
}

TEST(table_is_consistent)
{
	for (int t = 0; t < _IMG_TYPE_MAX; t++) {
		const struct img_desc *d = img_desc_get(t);
		ASSERT_TRUE(d && (int)d->type == t && d->pattern);
		if (d->head == IMG_HEAD_RAW_K) {
			ASSERT_TRUE(d->name == NULL && d->msg == NULL);
			continue;
		}
		ASSERT_TRUE(d->name && d->msg && d->magic);
		/* a formatted name maps back to a row with the same magic */
		char *n = img_filename_str(t, d->head == IMG_HEAD_SERVICE_K ? "dump" : "12");
		const struct img_desc *back = img_desc_by_filename(n);
		if (!back || back->magic != d->magic)
			fprintf(stderr, "%s does not map back\n", n);
		free(n);
		ASSERT_TRUE(back && back->magic == d->magic);
	}
	ASSERT_TRUE(img_desc_get(_IMG_TYPE_MAX) == NULL);
	ASSERT_TRUE(img_desc_get(_IMG_TYPE_INVALID) == NULL);
}

TEST(filenames)
{
	char *s;
	s = img_filename(IMG_CORE, 42);
	ASSERT_STREQ(s, "core-42.img");
	free(s);
	s = img_filename(IMG_TCP_STREAM, 0xea78);
	ASSERT_STREQ(s, "tcp-stream-ea78.img");
	free(s);
	s = img_filename(IMG_FILES, 0);
	ASSERT_STREQ(s, "files.img");
	free(s);
	s = img_filename(IMG_PAGES, 1);
	ASSERT_STREQ(s, "pages-1.img");
	free(s);
	s = img_filename(IMG_TMPFS_DEV, 61);
	ASSERT_STREQ(s, "tmpfs-dev-61.tar.gz.img");
	free(s);
	s = img_filename_str(IMG_STATS, "dump");
	ASSERT_STREQ(s, "stats-dump");
	free(s);
	s = img_filename(IMG_IRMAP_CACHE, 0);
	ASSERT_STREQ(s, "irmap-cache");
	free(s);
	s = img_filename(IMG_SHMEM_PAGEMAP, 1126);
	ASSERT_STREQ(s, "pagemap-shmem-1126.img");
	free(s);
}

TEST_MAIN()
