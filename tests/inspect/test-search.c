// SPDX-License-Identifier: LGPL-2.1-or-later
/* inspect/search.c: matches across 1 MiB chunk edges, regex, pid filter. */
#include "inspect.h"
#include "synth.h"
#include "test.h"

TEST_MAIN();

/* One task (pid 7) whose 600 pages at 0x100000 are one run; "needle"
 * written across the 1 MiB chunk edge and at the very end. */
static char *make(void)
{
	char *top = synth_tmpdir();
	int fd = synth_open(top), pf;
	const struct synth_pme pe[] = { { 0x100000, 600, IMG_PE_PRESENT } };
	static char buf[600 * 4096];
	PstreeEntry ps = PSTREE_ENTRY__INIT;
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry v = VMA_ENTRY__INIT, *vp = &v;
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf + (1 << 20) - 3, "needle", 6);
	memcpy(buf + sizeof(buf) - 6, "needle", 6);
	pf = openat(fd, "pages-1.img", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (pf < 0 || write(pf, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		exit(1);
	close(pf);
	synth_pagemap(fd, 7, 1, pe, 1);
	ps.pid = ps.pgid = ps.sid = 7;
	synth_write_one(fd, IMG_PSTREE, 0, &ps.base);
	tc.comm = "t";
	tc.task_state = 1;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.tc = &tc;
	synth_write_one(fd, IMG_CORE, 7, &core.base);
	v.start = 0x100000;
	v.end = 0x100000 + 600 * 4096;
	v.prot = 3;
	v.status = 0x201;
	v.fd = -1;
	mm.n_vmas = 1;
	mm.vmas = &vp;
	synth_write_one(fd, IMG_MM, 7, &mm.base);
	close(fd);
	return top;
}

static int search(const char *top, const char *pat, bool regex, uint32_t pid,
		  struct ins_matches **m, struct cr_error **err)
{
	struct ins_ckpt *c = NULL;
	struct ins_search_opts o = { .pattern = pat, .pattern_len = strlen(pat), .regex = regex,
				     .pid = pid, .context = 4 };
	int r = ins_ckpt_open(top, &c, err);

	if (r >= 0)
		r = ins_search(c, &o, m, err);
	ins_ckpt_free(c);
	return r;
}

TEST(across_chunks)
{
	char *top = make();
	struct cr_error *err = NULL;
	struct ins_matches *m = NULL;

	ASSERT_OK(search(top, "needle", false, 0, &m, &err));
	ASSERT_EQ(m->n, 2);
	ASSERT_EQ(m->m[0].vaddr, 0x100000 + (1 << 20) - 3);
	ASSERT_EQ(m->m[0].vma, 0);
	ASSERT_TRUE(!memcmp(m->m[0].ctx, "xxxxneedlexxxx", 14));
	ASSERT_EQ(m->m[1].vaddr, 0x100000 + 600 * 4096 - 6);
	ins_matches_free(m);
	ASSERT_OK(search(top, "ne+dl[a-e]", true, 0, &m, &err));
	ASSERT_EQ(m->n, 2);
	ins_matches_free(m);
	ASSERT_OK(search(top, "absent", false, 0, &m, &err));
	ASSERT_EQ(m->n, 0);
	ins_matches_free(m);
	ASSERT_TRUE(search(top, "needle", false, 99, &m, &err) == -ESRCH);
	cr_err_free(&err);
	synth_rm_rf(top);
	free(top);
}
