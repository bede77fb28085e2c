// SPDX-License-Identifier: LGPL-2.1-or-later
/* Byte encodings of crit's JSON: base64 as Python's base64.encodebytes and
 * quoted-printable as quopri.encodestring (expected strings produced by
 * Python 3.11). */
#include "crimg.h"
#include "img-codec.h"
#include "test.h"

static uint8_t *pattern(size_t n)
{
	uint8_t *b = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	return b;
}

static const struct {
	size_t n;
	const char *b64;
} b64_vectors[] = {
	{ 0, "" },
	{ 1, "Aw==\n" },
	{ 2, "Awo=\n" },
	{ 3, "AwoR\n" },
	{ 57, "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkVMU1phaG92fYSL\n" },
	{ 58, "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkVMU1phaG92fYSL\nkg==\n" },
	{ 114, "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkVMU1phaG92fYSL\n"
	       "kpmgp661vMPK0djf5u30+wIJEBceJSwzOkFIT1ZdZGtyeYCHjpWco6qxuL/GzdTb4unw9/4FDBMa\n" },
	{ 115, "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA3PkVMU1phaG92fYSL\n"
	       "kpmgp661vMPK0djf5u30+wIJEBceJSwzOkFIT1ZdZGtyeYCHjpWco6qxuL/GzdTb4unw9/4FDBMa\n"
	       "IQ==\n" },
};

TEST(b64_encode_as_python_encodebytes)
{
	for (size_t i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		uint8_t *in = pattern(b64_vectors[i].n);
		char *s = img_b64_encode(in, b64_vectors[i].n);
		int same = !strcmp(s, b64_vectors[i].b64);
		if (!same)
			fprintf(stderr, "n=%zu: got '%s'\n", b64_vectors[i].n, s);
		free(s);
		free(in);
		ASSERT_TRUE(same);
	}
}

TEST(b64_encode_null_empty)
{
	char *s = img_b64_encode(NULL, 0);
	ASSERT_STREQ(s, "");
	free(s);
}

TEST(b64_decode_roundtrip)
{
	for (size_t i = 0; i < sizeof(b64_vectors) / sizeof(b64_vectors[0]); i++) {
		size_t n = b64_vectors[i].n, got = 0;
		uint8_t *in = pattern(n), *out = NULL;
		const char *s = b64_vectors[i].b64;
		ASSERT_OK(img_b64_decode(s, strlen(s), &out, &got));
		ASSERT_EQ(got, n);
		ASSERT_TRUE(n == 0 || memcmp(in, out, n) == 0);
		free(in);
		free(out);
	}
}

TEST(b64_decode_refuses_garbage)
{
	static const char *bad[] = { "A", "AB*D", "Aw==Aw==", "Aw=x", "====", "AAAAA", "Zm9v!" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *out = NULL;
		size_t n;
		int r = img_b64_decode(bad[i], strlen(bad[i]), &out, &n);
		if (r >= 0)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
		free(r >= 0 ? out : NULL);
		ASSERT_TRUE(r < 0);
	}
}

/* Unix socket names: abstract names start with NUL. */
static const struct {
	const char *in;
	size_t n;
	const char *qp;
} qp_vectors[] = {
	{ "\0abc", 4, "=00abc" },
	{ "\0\0x", 3, "=00=00x" },
	{ "a=b", 3, "a=3Db" },
	{ "trail  ", 7, "trail =20" },
	{ "tab\t", 4, "tab=09" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 80,
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\nxxxxx" },
	{ "\0\1\2\3\4\5\6\7\10\t\n\13\14\r\16\17\20\21\22\23\24\25\26\27\30\31\32\33\34\35\36\37 !\"#$%&'",
	  40, "=00=01=02=03=04=05=06=07=08=09\n=0B=0C\r=0E=0F=10=11=12=13=14=15=16=17=18=19=1A=1B=1C=1D=1E=1F !\"#$%&'" },
	{ ".", 1, "=2E" },
	{ ".\n", 2, "=2E\n" },
	{ "a\nb ", 4, "a\nb=20" },
	{ "@/tmp/sock", 10, "@/tmp/sock" },
	{ "\xff\xfe\x80", 3, "=FF=FE=80" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=", 76,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\n=3D" },
	{ " ", 1, "=20" },
	{ "", 0, "" },
};

TEST(qp_encode_as_python_quopri)
{
	for (size_t i = 0; i < sizeof(qp_vectors) / sizeof(qp_vectors[0]); i++) {
		size_t n;
		char *s = img_qp_encode((const uint8_t *)qp_vectors[i].in, qp_vectors[i].n, &n);
		int same = n == strlen(qp_vectors[i].qp) && !memcmp(s, qp_vectors[i].qp, n);
		if (!same)
			fprintf(stderr, "vector %zu: got '%.*s'\n", i, (int)n, s);
		free(s);
		ASSERT_TRUE(same);
	}
}

TEST(qp_decode_roundtrip)
{
	for (size_t i = 0; i < sizeof(qp_vectors) / sizeof(qp_vectors[0]); i++) {
		size_t n;
		const char *q = qp_vectors[i].qp;
		uint8_t *d = img_qp_decode(q, strlen(q), &n);
		int same = n == qp_vectors[i].n && !memcmp(d, qp_vectors[i].in, n);
		if (!same)
			fprintf(stderr, "vector %zu: decoded %zu bytes\n", i, n);
		free(d);
		ASSERT_TRUE(same);
	}
}

TEST_MAIN()
