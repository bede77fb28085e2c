/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine test program: fills memory of several kinds with a pattern and
 * verifies it forever, logging "iter=N bad=0".  A mismatch logs BAD and
 * exits 1.  A counter page is rewritten every iteration (each word holds
 * the iteration number), so an incremental dump must take it fresh.
 * Usage: mempat MiB LOG [untouched-MiB]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t pat(uint64_t i, uint64_t seed)
{
	return (i * 0x9E3779B97F4A7C15ull) ^ seed;
}

static void fill(uint64_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pat(i, seed);
}

static size_t check(const uint64_t *p, size_t n, uint64_t seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != pat(i, seed);
	return bad;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	size_t untouched = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	FILE *log = fopen(argc > 2 ? argv[2] : "/dev/stdout", "a");
	size_t n = mib << 17, sn = 1 << 17, hn = 1 << 15;
	uint64_t *big, *shared, *heap, *ctr, stackbuf[512];
	char tmpl[4096];
	char *fmap, *zero;
	double acc = 1.0, acc2 = 1.0;
	int fd;

	if (!log)
		return 2;
	setvbuf(log, NULL, _IOLBF, 0);
	big = mmap(NULL, n * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, sn * 8, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	zero = mmap(NULL, (untouched << 20) + 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	heap = malloc(hn * 8);
	ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ctr == MAP_FAILED)
		return 2;
	memset(ctr, 0, 4096);
	snprintf(tmpl, sizeof(tmpl), "%s.map", argc > 2 ? argv[2] : "/tmp/mempat");
	fd = open(tmpl, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (big == MAP_FAILED || shared == MAP_FAILED || zero == MAP_FAILED || !heap || fd < 0)
		return 2;
	/* a private file mapping with one page changed (COW) and one left alone */
	if (ftruncate(fd, 8192) < 0)
		return 2;
	pwrite(fd, "file-page-0", 11, 0);
	pwrite(fd, "file-page-1", 11, 4096);
	fmap = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (fmap == MAP_FAILED)
		return 2;
	memcpy(fmap, "cow-page-0!", 11);
	fill(big, n, 0xA5A5A5A5);
	fill(shared, sn, 0x5A5A);
	fill(heap, hn, 0x1234);
	fill(stackbuf, 512, 0x777);
	fprintf(log, "ready pid=%d\n", getpid());
	for (unsigned long it = 0;; it++) {
		size_t bad = check(big, n, 0xA5A5A5A5) + check(shared, sn, 0x5A5A) +
			     check(heap, hn, 0x1234) + check(stackbuf, 512, 0x777);
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		bad += memcmp(fmap, "cow-page-0!", 11) != 0;
		bad += memcmp(fmap + 4096, "file-page-1", 11) != 0;
		bad += zero[0] != 0 || zero[untouched << 20] != 0;
		/* FPU state must survive too: two identical computations */
		for (int k = 0; k < 1000; k++) {
			acc = acc * 1.0000001 + 0.5;
			acc2 = acc2 * 1.0000001 + 0.5;
		}
		bad += acc != acc2;
		for (int k = 0; k < 512; k++) {
			bad += ctr[k] != it;
			ctr[k] = it + 1;
		}
		fprintf(log, "iter=%lu bad=%zu\n", it, bad);
		if (bad) {
			fprintf(log, "BAD\n");
			return 1;
		}
		nanosleep(&ts, NULL);
	}
}
