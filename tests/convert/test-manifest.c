// SPDX-License-Identifier: LGPL-2.1-or-later
/* Archive manifest: format/parse round trip, cut and altered manifests. */
#include <stdlib.h>

#include "manifest.h"
#include "test.h"

static const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(roundtrip_and_compare)
{
	struct manifest a = { 0 }, b = { 0 }, c = { 0 };
	struct cr_error *err = NULL;
	char *txt;
	size_t len;

	mf_add(&a, 'd', "checkpoint", 0, NULL, NULL);
	mf_add(&a, 'f', "checkpoint/pages 1.img", 4096, sha, NULL);
	mf_add(&a, 'l', "d2/parent", 0, NULL, "../d1%x");
	txt = mf_format(&a, &len);
	ASSERT_OK(mf_parse(txt, len, "t", &b, &err));
	ASSERT_EQ(b.n, 3);
	ASSERT_STREQ(b.v[1].path, "checkpoint/pages 1.img");
	ASSERT_STREQ(b.v[2].target, "../d1%x");
	ASSERT_OK(mf_compare(&a, &b, "t", &err));
	/* cut before the end line */
	ASSERT_TRUE(mf_parse(txt, len - 4, "t", &c, &err) < 0);
	ASSERT_TRUE(strstr(err->msg, "end") != NULL);
	cr_err_free(&err);
	/* a size that differs */
	for (size_t i = 0; i < b.n; i++)
		if (b.v[i].type == 'f')
			b.v[i].size = 1;
	ASSERT_TRUE(mf_compare(&a, &b, "t", &err) < 0);
	ASSERT_TRUE(strstr(err->msg, "pages 1.img") != NULL && strstr(err->msg, "bytes"));
	cr_err_free(&err);
	free(txt);
	mf_release(&a);
	mf_release(&b);
}

TEST(missing_member)
{
	struct manifest got = { 0 }, want = { 0 };
	struct cr_error *err = NULL;

	mf_add(&want, 'f', "a", 1, sha, NULL);
	mf_add(&want, 'f', "b", 1, sha, NULL);
	mf_add(&got, 'f', "a", 1, sha, NULL);
	ASSERT_TRUE(mf_compare(&got, &want, "t", &err) < 0);
	ASSERT_TRUE(strstr(err->msg, "'b' is missing") != NULL);
	cr_err_free(&err);
	mf_release(&got);
	mf_release(&want);
}

TEST_MAIN()
