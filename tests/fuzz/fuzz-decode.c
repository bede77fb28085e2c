// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness for image decoding: the bytes are an image file.  Beyond
 * "no crash, no leak, no sanitizer report" it checks that anything decode
 * accepts, encode accepts again and decodes to the same JSON (the round trip
 * crit's users rely on), and that the pipe path agrees with the file path.
 */
#include "fuzz-common.h"

static void check_roundtrip(const char *text, bool pretty)
{
	int fd = fz_encode(text, strlen(text));
	char *again;

	/*
	 * Known limit: string fields holding invalid UTF-8 decode as lone
	 * surrogates (\udcXX, Python's surrogateescape), which jansson refuses
	 * to parse back, so such images decode but do not re-encode.
	 */
	if (fd < 0 && strstr(text, "\\udc"))
		return;
	if (fd < 0) {
		fprintf(stderr, "decode accepted, encode refused its JSON:\n%s\n", text);
		abort();
	}
	again = fz_decode(fd, pretty, false);
	if (!again || strcmp(again, text)) {
		fprintf(stderr, "re-decoded JSON differs:\n%s\n---\n%s\n", text,
			again ? again : "(refused)");
		abort();
	}
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *plain = fz_decode(fz_memfd(data, size), false, false);
	char *pretty = fz_decode(fz_memfd(data, size), true, false);
	char *nopl = fz_decode(fz_memfd(data, size), true, true);
	int pfd = fz_pipe(data, size);

	if (!plain != !pretty) /* nopl skips payloads and may accept more */
		abort();
	if (pfd >= 0) {
		char *viapipe = fz_decode(pfd, false, false);
		if ((!viapipe != !plain) || (plain && strcmp(viapipe, plain)))
			abort();
		free(viapipe);
	}
	if (plain) {
		check_roundtrip(plain, false);
		check_roundtrip(pretty, true);
	}
	free(plain);
	free(pretty);
	free(nopl);
	return 0;
}
