// SPDX-License-Identifier: LGPL-2.1-or-later
/* inspect/mem.c: reads by address across pagemap layers. */
#include "inspect.h"
#include "synth.h"
#include "test.h"

TEST_MAIN();

#define PG 4096

/* pre: 0x10000 A, 0x11000 B.  cur: 0x10000 parent, 0x11000 C, 0x13000 lazy,
 * 0x20000 D (data after a gap in the address space). */
static char *make_incremental(void)
{
	char *top = synth_tmpdir(), path[512];
	int pre, cur;

	snprintf(path, sizeof(path), "%s/pre", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cur", top);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cur/parent", top);
	if (symlink("../pre", path))
		perror("symlink");
	snprintf(path, sizeof(path), "%s/pre", top);
	pre = synth_open(path);
	snprintf(path, sizeof(path), "%s/cur", top);
	cur = synth_open(path);
	const struct synth_pme pe0[] = { { 0x10000, 2, IMG_PE_PRESENT } };
	const struct synth_pme pe1[] = {
		{ 0x10000, 1, IMG_PE_PARENT },
		{ 0x11000, 1, IMG_PE_PRESENT },
		{ 0x13000, 1, IMG_PE_LAZY },
		{ 0x20000, 1, IMG_PE_PRESENT },
	};
	synth_pagemap(pre, 7, 1, pe0, 1);
	synth_pages(pre, 1, "AB");
	synth_pagemap(cur, 7, 3, pe1, 4);
	synth_pages(cur, 3, "CD");
	close(pre);
	close(cur);
	return top;
}

static int open_cur(const char *top, struct ins_mem **m, struct cr_error **err)
{
	char path[512];
	int fd, r;

	snprintf(path, sizeof(path), "%s/cur", top);
	fd = synth_open(path);
	r = ins_mem_open_at(fd, "cur", 7, m, err);
	close(fd);
	return r;
}

TEST(incremental_read)
{
	char *top = make_incremental();
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;
	static uint8_t buf[5 * PG];
	size_t dumped = 0, n;
	const struct ins_extent *x;

	ASSERT_OK(open_cur(top, &m, &err));
	ASSERT_EQ(ins_mem_layers(m), 2);
	ASSERT_OK(ins_mem_read(m, 0x10000, buf, sizeof(buf), &dumped, &err));
	ASSERT_EQ(dumped, 2 * PG);
	ASSERT_EQ(buf[0], 'A');
	ASSERT_EQ(buf[PG - 1], 'A');
	ASSERT_EQ(buf[PG], 'C');      /* the newer page wins over parent's B */
	ASSERT_EQ(buf[2 * PG], 0);    /* never dumped */
	ASSERT_EQ(buf[3 * PG + 5], 0);/* lazy: not in the images */
	/* unaligned read across the A|C boundary */
	ASSERT_OK(ins_mem_read(m, 0x10ffe, buf, 4, &dumped, &err));
	ASSERT_TRUE(!memcmp(buf, "AACC", 4));
	ASSERT_OK(ins_mem_read(m, 0x20010, buf, 1, NULL, &err));
	ASSERT_EQ(buf[0], 'D');
	x = ins_mem_extents(m, &n);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(x[0].vaddr, 0x10000);
	ASSERT_EQ(x[0].layer, 1);
	ASSERT_EQ(x[1].vaddr, 0x11000);
	ASSERT_EQ(x[1].layer, 0);
	ASSERT_EQ(x[1].off, 0);
	ASSERT_EQ(x[2].off, PG);
	ins_mem_free(m);
	synth_rm_rf(top);
	free(top);
}

TEST(strings)
{
	char *top = make_incremental();
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;
	char **v = NULL;
	size_t n = 0;

	ASSERT_OK(open_cur(top, &m, &err));
	/* 0x11000 is all 'C': one string of 8 bytes when asked for 8 */
	ASSERT_OK(ins_mem_strings(m, 0x11ff8, 0x12004, &v, &n, &err));
	ASSERT_EQ(n, 1); /* "CCCCCCCC" then zeros: trailing NULs give no entries */
	ASSERT_STREQ(v[0], "CCCCCCCC");
	ins_strv_free(v, n);
	ASSERT_TRUE(ins_mem_strings(m, 0x30000, 0x30010, &v, &n, &err) == -ENODATA);
	ASSERT_TRUE(err && strstr(err->msg, "not in the dumped memory"));
	cr_err_free(&err);
	ins_mem_free(m);
	synth_rm_rf(top);
	free(top);
}

TEST(missing_parent)
{
	char *top = make_incremental(), path[512];
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;

	snprintf(path, sizeof(path), "%s/cur/parent", top);
	unlink(path);
	ASSERT_TRUE(open_cur(top, &m, &err) < 0);
	ASSERT_TRUE(err && strstr(err->msg, "parent"));
	cr_err_free(&err);
	synth_rm_rf(top);
	free(top);
}

TEST(truncated_pages)
{
	char *top = make_incremental(), path[512];
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;
	uint8_t buf[16];

	snprintf(path, sizeof(path), "%s/cur/pages-3.img", top);
	ASSERT_OK(truncate(path, PG + 8));
	ASSERT_OK(open_cur(top, &m, &err));
	ASSERT_OK(ins_mem_read(m, 0x20000, buf, 8, NULL, &err));
	ASSERT_TRUE(ins_mem_read(m, 0x20000, buf, 16, NULL, &err) == -ENODATA);
	ASSERT_TRUE(err && strstr(err->msg, "pages-3.img") && strstr(err->msg, "beyond end"));
	cr_err_free(&err);
	ins_mem_free(m);
	synth_rm_rf(top);
	free(top);
}
