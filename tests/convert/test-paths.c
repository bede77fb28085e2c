// SPDX-License-Identifier: LGPL-2.1-or-later
/* Member-name and link-target rules of safe unpacking. */
#include <stdlib.h>

#include "cvt-util.h"
#include "test.h"

static int norm_is(const char *in, const char *want)
{
	char *got = cvt_path_normalize(in);
	int ok = want ? got && !strcmp(got, want) : !got;

	free(got);
	return ok;
}

TEST(normalize)
{
	ASSERT_TRUE(norm_is("a/b", "a/b"));
	ASSERT_TRUE(norm_is("./a//b/", "a/b"));
	ASSERT_TRUE(norm_is("./", ""));
	ASSERT_TRUE(norm_is("/etc/passwd", NULL));
	ASSERT_TRUE(norm_is("../x", NULL));
	ASSERT_TRUE(norm_is("a/../b", NULL));
	ASSERT_TRUE(norm_is("a/..", NULL));
	ASSERT_TRUE(norm_is("a/..b", "a/..b"));
}

TEST(link_targets)
{
	ASSERT_TRUE(cvt_link_target_ok("d2/parent", "../d1"));
	ASSERT_TRUE(cvt_link_target_ok("l", "x/y"));
	ASSERT_TRUE(cvt_link_target_ok("l", "."));
	ASSERT_TRUE(cvt_link_target_ok("a/b/l", "./../../x"));
	ASSERT_TRUE(!cvt_link_target_ok("parent", "../d1"));
	ASSERT_TRUE(!cvt_link_target_ok("a/l", "../../x"));
	ASSERT_TRUE(!cvt_link_target_ok("a/l", "s/../x"));
	ASSERT_TRUE(!cvt_link_target_ok("l", "/etc"));
	ASSERT_TRUE(!cvt_link_target_ok("l", ""));
}

TEST_MAIN()
