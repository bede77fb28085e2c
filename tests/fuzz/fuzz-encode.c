// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness for encoding: the bytes are JSON text as crit encode
 * reads it.  Whatever encode accepts must be an image decode accepts (the
 * payload lengths, required fields and value ranges were all checked), and
 * decoding it and encoding again must give the same bytes.
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = fz_encode((const char *)data, size);
	uint8_t *bin, *bin2;
	size_t n, n2;
	char *text;

	if (fd < 0)
		return 0;
	bin = fz_slurp(fd, &n);
	text = fz_decode(fd, false, false); /* consumes fd */
	if (!text) {
		fprintf(stderr, "encode wrote an image that decode refuses\n");
		abort();
	}
	fd = fz_encode(text, strlen(text));
	if (fd < 0)
		abort();
	bin2 = fz_slurp(fd, &n2);
	close(fd);
	if (n != n2 || memcmp(bin, bin2, n)) {
		fprintf(stderr, "encode(decode(encode(x))) != encode(x)\n");
		abort();
	}
	free(bin);
	free(bin2);
	free(text);
	return 0;
}
