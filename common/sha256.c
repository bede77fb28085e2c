// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SHA-256 as FIPS 180-4 describes it (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3,
 * 6.2).  The block function is portable C; on x86-64 a second one uses the
 * SHA extensions (sha256rnds2/msg1/msg2), chosen at sha256_init() from
 * CPUID, so the binary runs on any x86-64.  tests/common/test-sha256.c
 * checks both against the FIPS examples and each other.
 */
#include <string.h>

#include "sha256.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define SHA256_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* The first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes (4.2.2). */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Square roots of the first 8 primes (5.3.3). */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define BSIG1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define SSIG0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))

/* 6.2.2 over n whole blocks; a 16-word window of the message schedule. */
static void blocks_c(uint32_t h[8], const uint8_t *p, size_t n)
{
	for (; n; n--, p += SHA256_BLOCK_SIZE) {
		uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
				g = h[6], hh = h[7];

#define ROUND(t)                                                                   \
	do {                                                                       \
		uint32_t t1 = hh + BSIG1(e) + CH(e, f, g) + K[t] + w[(t) & 15];    \
		uint32_t t2 = BSIG0(a) + MAJ(a, b, c);                             \
		hh = g;                                                            \
		g = f;                                                             \
		f = e;                                                             \
		e = d + t1;                                                        \
		d = c;                                                             \
		c = b;                                                             \
		b = a;                                                             \
		a = t1 + t2;                                                       \
	} while (0)
#pragma GCC unroll 16
		for (int t = 0; t < 16; t++) {
			w[t] = load_be32(p + 4 * t);
			ROUND(t);
		}
#pragma GCC unroll 16
		for (int t = 16; t < 64; t++) {
			w[t & 15] += SSIG1(w[(t - 2) & 15]) + w[(t - 7) & 15] + SSIG0(w[(t - 15) & 15]);
			ROUND(t);
		}
#undef ROUND
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
}

#if SHA256_X86
/*
 * The SHA extensions keep the state as two vectors, ABEF and CDGH;
 * sha256rnds2 does two rounds with W+K in the low two lanes, msg1/msg2 the
 * two halves of the schedule's sigma sums.  Four rounds per step g, the
 * last four schedule vectors rotating in m[].
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_x86(uint32_t h[8],
								     const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i s0, s1, tmp;

	tmp = _mm_loadu_si128((const __m128i *)&h[0]);	   /* DCBA (lane 0 = A) */
	s1 = _mm_loadu_si128((const __m128i *)&h[4]);	   /* HGFE */
	tmp = _mm_shuffle_epi32(tmp, 0xb1);		   /* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1b);		   /* EFGH */
	s0 = _mm_alignr_epi8(tmp, s1, 8);		   /* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xf0);		   /* CDGH */

	for (; n; n--, p += SHA256_BLOCK_SIZE) {
		__m128i abef = s0, cdgh = s1, m[4], wk;

#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			__m128i *cur = &m[g & 3];

			if (g < 4)
				*cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)),
							bswap);
			wk = _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
			if (g >= 3 && g <= 14) { /* finish W[4(g+1) .. 4(g+1)+3] */
				__m128i *next = &m[(g + 1) & 3];

				*next = _mm_add_epi32(*next, _mm_alignr_epi8(*cur, m[(g + 3) & 3], 4));
				*next = _mm_sha256msg2_epu32(*next, *cur);
			}
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0e));
			if (g >= 1 && g <= 12) /* start W[4(g+3) ..] */
				m[(g + 3) & 3] = _mm_sha256msg1_epu32(m[(g + 3) & 3], *cur);
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}

	tmp = _mm_shuffle_epi32(s0, 0x1b);		   /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xb1);		   /* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xf0);		   /* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);		   /* HGFE */
	_mm_storeu_si128((__m128i *)&h[0], s0);
	_mm_storeu_si128((__m128i *)&h[4], s1);
}

static bool have_sha_ext(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return b & bit_SHA;
}
#endif

static void blocks(struct sha256 *s, const uint8_t *p, size_t n)
{
#if SHA256_X86
	if (s->hw) {
		blocks_x86(s->h, p, n);
		return;
	}
#endif
	blocks_c(s->h, p, n);
}

void sha256_init(struct sha256 *s)
{
	memcpy(s->h, H0, sizeof(H0));
	s->bytes = 0;
	s->fill = 0;
#if SHA256_X86
	s->hw = have_sha_ext();
#else
	s->hw = false;
#endif
}

void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	if (s->fill) {
		size_t k = SHA256_BLOCK_SIZE - s->fill;

		if (k > len)
			k = len;
		memcpy(s->buf + s->fill, p, k);
		s->fill += k;
		p += k;
		len -= k;
		if (s->fill < SHA256_BLOCK_SIZE)
			return;
		blocks(s, s->buf, 1);
		s->fill = 0;
	}
	if (len >= SHA256_BLOCK_SIZE) {
		size_t n = len / SHA256_BLOCK_SIZE;

		blocks(s, p, n);
		p += n * SHA256_BLOCK_SIZE;
		len -= n * SHA256_BLOCK_SIZE;
	}
	if (len) {
		memcpy(s->buf, p, len);
		s->fill = len;
	}
}

/* 5.1.1: a 1 bit, zeros to 56 mod 64 bytes, the bit length big-endian. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE])
{
	uint64_t bits = s->bytes * 8;

	s->buf[s->fill++] = 0x80;
	if (s->fill > SHA256_BLOCK_SIZE - 8) {
		memset(s->buf + s->fill, 0, SHA256_BLOCK_SIZE - s->fill);
		blocks(s, s->buf, 1);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, SHA256_BLOCK_SIZE - 8 - s->fill);
	store_be32(s->buf + 56, bits >> 32);
	store_be32(s->buf + 60, (uint32_t)bits);
	blocks(s, s->buf, 1);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof(*s));
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}
