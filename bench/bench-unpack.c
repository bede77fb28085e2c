// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-unpack MODE FILE [REPS]: the in-process costs behind `crit decode`.
 *   unpack  bare protobuf_c_message_unpack + free of every entry, the file
 *           already in memory (the floor any decoder pays);
 *   json    the library's decode as `crit decode` runs it: reader + protobuf ->
 *           Python-style JSON text in memory (img_json_decode_text);
 *   pretty  the same with the pretty display rules;
 *   tree, tree-pretty  through a jansson tree printed afterwards (the path
 *           of the tools that edit images).
 * Prints the best of REPS runs: "MODE FILE bytes entries ms MB/s" (entries
 * -1 when the mode does not count them).
 * Images with extra payloads are not supported by `unpack` (not needed here).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crimg.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t u32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static long bare_unpack(const uint8_t *b, size_t n)
{
	size_t off = 4;
	uint32_t m = u32(b);
	const struct img_desc *d;
	long entries = 0;

	if (m == IMG_HEAD_COMMON || m == IMG_HEAD_SERVICE)
		m = u32(b + 4), off = 8;
	d = img_desc_by_magic(m);
	if (!d || (d->extra != IMG_EXTRA_NONE && d->extra != IMG_EXTRA_PAGEMAP)) {
		fprintf(stderr, "bench-unpack: unsupported image\n");
		exit(1);
	}
	while (off + 4 <= n) {
		uint32_t sz = u32(b + off);
		const ProtobufCMessageDescriptor *md =
			d->extra == IMG_EXTRA_PAGEMAP && entries == 0 ? &pagemap_head__descriptor : d->msg;
		off += 4;
		if (sz > n - off)
			exit(1);
		ProtobufCMessage *msg = protobuf_c_message_unpack(md, NULL, sz, b + off);
		if (!msg)
			exit(1);
		protobuf_c_message_free_unpacked(msg, NULL);
		off += sz;
		entries++;
	}
	return entries;
}

/* What `crit decode` does: reader + protobuf -> JSON text in memory. */
static long lib_json(const char *path, bool pretty)
{
	struct cr_error *err = NULL;
	struct img_reader *r = NULL;
	char *text = NULL;

	if (img_reader_open_at(AT_FDCWD, path, &r, &err) < 0 ||
	    img_json_decode_text(r, pretty, false, &text, &err) < 0) {
		fprintf(stderr, "bench-unpack: %s\n", err ? err->msg : "?");
		exit(1);
	}
	img_reader_close(r);
	free(text);
	return -1;
}

/* The jansson tree (what the editing tools build), then printed. */
static long lib_tree(const char *path, bool pretty)
{
	struct cr_error *err = NULL;
	struct img_reader *r = NULL;
	json_t *j = NULL;
	long entries;

	if (img_reader_open_at(AT_FDCWD, path, &r, &err) < 0 ||
	    img_json_decode_file(r, pretty, false, &j, &err) < 0) {
		fprintf(stderr, "bench-unpack: %s\n", err ? err->msg : "?");
		exit(1);
	}
	img_reader_close(r);
	entries = json_array_size(json_object_get(j, "entries"));
	free(img_json_dumps(j, pretty ? 4 : 0));
	json_decref(j);
	return entries;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-unpack unpack|json|pretty|tree|tree-pretty FILE [REPS]\n");
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	int reps = argc > 3 ? atoi(argv[3]) : 5;
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 1;
	const uint8_t *b = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (b == MAP_FAILED)
		return 1;
	double best = 1e9;
	long entries = 0;
	for (int i = 0; i < reps; i++) {
		double t = now();
		if (!strcmp(mode, "unpack"))
			entries = bare_unpack(b, st.st_size);
		else if (!strncmp(mode, "tree", 4))
			entries = lib_tree(path, !strcmp(mode, "tree-pretty"));
		else
			entries = lib_json(path, !strcmp(mode, "pretty"));
		t = now() - t;
		if (t < best)
			best = t;
	}
	printf("%s %s %lld %ld %.2f %.1f\n", mode, path, (long long)st.st_size, entries, best * 1e3,
	       st.st_size / best / 1e6);
	return 0;
}
