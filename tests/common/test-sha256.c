// SPDX-License-Identifier: LGPL-2.1-or-later
/* common/sha256: the FIPS 180-2 / NIST example vectors, in one call and fed
 * in awkward pieces, and the SHA extensions against the portable code. */
#include <stdbool.h>

#include "sha256.h"
#include "test.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Digest of data fed in chunks of `step` bytes (0: one update). */
static void digest(const void *data, size_t len, size_t step, bool hw, char out[65])
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&s);
	sha256_set_hw(&s, hw);
	if (!step)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step)
		sha256_update(&s, (const uint8_t *)data + off, len - off < step ? len - off : step);
	sha256_final(&s, d);
	hex(d, out);
}

static const struct {
	const char *msg, *sha;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	/* 448 bits: the padding spills into a second block */
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	/* 896 bits */
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

TEST(vectors)
{
	static const size_t steps[] = { 0, 1, 3, 63, 64, 65 };
	char got[65];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		for (int hw = 0; hw < 2; hw++)
			for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
				digest(vectors[i].msg, strlen(vectors[i].msg), steps[k], hw, got);
				ASSERT_STREQ(got, vectors[i].sha);
			}
}

TEST(one_call)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char got[65];

	sha256("abc", 3, d);
	hex(d, got);
	ASSERT_STREQ(got, vectors[1].sha);
}

TEST(million_a)
{
	static const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	size_t n = 1000000;
	char *a = malloc(n), got[65];

	ASSERT_TRUE(a);
	memset(a, 'a', n);
	for (int hw = 0; hw < 2; hw++) {
		digest(a, n, 0, hw, got);
		ASSERT_STREQ(got, want);
		digest(a, n, 4093, hw, got);
		ASSERT_STREQ(got, want);
	}
	free(a);
}

/* Every length around the block and padding edges, and some long ones, odd
 * offsets (unaligned input): both block functions agree. */
TEST(hw_matches_portable)
{
	size_t n = 70000;
	uint8_t *buf = malloc(n + 1);
	uint32_t x = 12345;
	char c[65], h[65];
	struct sha256 s;

	ASSERT_TRUE(buf);
	for (size_t i = 0; i <= n; i++) {
		x = x * 1103515245 + 12345;
		buf[i] = x >> 16;
	}
	sha256_init(&s);
	printf("# SHA extensions: %s\n", s.hw ? "used" : "not available");
	for (size_t len = 0; len < 300; len++) {
		digest(buf + 1, len, 0, false, c);
		digest(buf + 1, len, 0, true, h);
		ASSERT_STREQ(h, c);
	}
	for (size_t len = 1000; len <= n; len += 7919) {
		digest(buf + (len & 7), len, 0, false, c);
		digest(buf + (len & 7), len, 0, true, h);
		ASSERT_STREQ(h, c);
	}
	free(buf);
}

TEST_MAIN()
