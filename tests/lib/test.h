/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A tiny unit-test harness: TEST(name) { ... } registers a case, ASSERT_*
 * fail it with the file and line.  Exit 0 = all passed, 1 = a failure,
 * 77 = skipped (meson's convention).  No hand-kept plan counts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(int *failed);
};

#define TEST_MAX 256
extern struct test_case test_cases[TEST_MAX];
extern int test_count;

#define TEST(n)                                                              \
	static void test_##n(int *failed);                                   \
	__attribute__((constructor)) static void register_##n(void)          \
	{                                                                    \
		if (test_count < TEST_MAX)                                   \
			test_cases[test_count++] = (struct test_case){ #n, test_##n }; \
	}                                                                    \
	static void test_##n(int *failed)

#define FAILF(...)                                                           \
	do {                                                                 \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                \
		fputc('\n', stderr);                                         \
		*failed = 1;                                                 \
		return;                                                      \
	} while (0)

#define ASSERT_TRUE(c)                                                       \
	do {                                                                 \
		if (!(c))                                                    \
			FAILF("assertion failed: %s", #c);                   \
	} while (0)
#define ASSERT_EQ(a, b)                                                      \
	do {                                                                 \
		long long _a = (long long)(a), _b = (long long)(b);          \
		if (_a != _b)                                                \
			FAILF("%s == %s: %lld != %lld", #a, #b, _a, _b);     \
	} while (0)
#define ASSERT_STREQ(a, b)                                                   \
	do {                                                                 \
		const char *_a = (a), *_b = (b);                             \
		if (!_a || !_b || strcmp(_a, _b))                            \
			FAILF("%s == %s: '%s' != '%s'", #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)
#define ASSERT_OK(r)                                                         \
	do {                                                                 \
		long long _r = (long long)(r);                               \
		if (_r < 0)                                                  \
			FAILF("%s failed: %lld", #r, _r);                    \
	} while (0)

/* Define in exactly one place per test binary: TEST_MAIN(). */
#define TEST_MAIN()                                                          \
	struct test_case test_cases[TEST_MAX];                               \
	int test_count;                                                      \
	int main(void)                                                       \
	{                                                                    \
		int bad = 0;                                                 \
		for (int i = 0; i < test_count; i++) {                       \
			int failed = 0;                                      \
			test_cases[i].fn(&failed);                           \
			printf("%s %s\n", failed ? "FAIL" : "ok  ", test_cases[i].name); \
			bad |= failed;                                       \
		}                                                            \
		return bad ? 1 : 0;                                          \
	}
