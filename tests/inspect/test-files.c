// SPDX-License-Identifier: LGPL-2.1-or-later
/* inspect/files.c: crit's rendering of unix socket names (repr(quopri(name))). */
#include "inspect-int.h"
#include "test.h"

TEST_MAIN();

static char *qp(const char *s, size_t n)
{
	ProtobufCBinaryData b = { n, (uint8_t *)s };

	return ins_unix_name_crit(&b);
}

#define CHECK_QP(lit, want)                                       \
	do {                                                      \
		char *got = qp(lit, sizeof(lit) - 1);             \
		int bad = strcmp(got, want);                      \
		if (bad)                                          \
			fprintf(stderr, "got %s\n", got);         \
		free(got);                                        \
		ASSERT_TRUE(!bad);                                \
	} while (0)

TEST(unix_names_like_python)
{
	/* expected values from Python 3.11: repr(quopri.encodestring(b)) */
	CHECK_QP("/tmp/sock", "b'/tmp/sock'");
	CHECK_QP("\0abstract", "b'=00abstract'");
	CHECK_QP("a=b", "b'a=3Db'");
	CHECK_QP("it's", "b\"it's\"");
	CHECK_QP("trail ", "b'trail=20'");
	CHECK_QP("x\ny", "b'x\\ny'");
	CHECK_QP("\xff\x01", "b'=FF=01'");
	CHECK_QP(".", "b'=2E'");
	CHECK_QP("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "b'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\\n"
		 "aaaaaaaaaaaaaaaaaaaaaaaaa'");
}

TEST(fd_type_names)
{
	ASSERT_STREQ(ins_fd_type_name(FD_TYPES__REG), "REG");
	ASSERT_STREQ(ins_fd_type_name(FD_TYPES__EVENTPOLL), "EVENTPOLL");
	ASSERT_TRUE(ins_fd_type_name(12345) == NULL);
	ASSERT_STREQ(ins_sk_state_name(10), "LISTEN");
	ASSERT_TRUE(ins_sk_state_name(99) == NULL);
}
