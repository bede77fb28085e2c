/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * SHA-256 (FIPS 180-4), for the archive manifest.  Our own so that crit
 * does not link libcrypto (its start-up cost is most of a `crit x`).
 * Portable C, plus the x86 SHA extensions when the CPU has them (chosen
 * per context at sha256_init(), no global state).
 *
 *   struct sha256 s;
 *   sha256_init(&s);
 *   sha256_update(&s, buf, len);   any number of times, any lengths
 *   sha256_final(&s, digest);      s must be re-initialised to be reused
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;                  /* message length so far */
	uint8_t buf[SHA256_BLOCK_SIZE]; /* a partial block */
	size_t fill;                     /* bytes in buf */
	bool hw;                         /* use the SHA extensions */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);
/* One call: the digest of data[0..len). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);

/* For tests: sha256_set_hw(s, false) right after sha256_init() makes this
 * context use the portable code (true keeps what the CPU offers); s->hw
 * tells which one runs. */
static inline void sha256_set_hw(struct sha256 *s, bool on)
{
	s->hw = s->hw && on;
}
