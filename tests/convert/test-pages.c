// SPDX-License-Identifier: LGPL-2.1-or-later
/* Seekable zstd: identity, random reads across frames, damage detected. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "convert.h"
#include "pages.h"
#include "test.h"

static int mkfile(const uint8_t *buf, size_t len)
{
	int fd = memfd_create("t", 0);

	if (fd >= 0 && len && write(fd, buf, len) != (ssize_t)len)
		return -1;
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Compress buf, check pread at many offsets and the full decompression. */
static int check_roundtrip(const uint8_t *buf, size_t len, int threads)
{
	struct cvt_zstd_opts o = { .threads = threads };
	struct cr_error *err = NULL;
	struct cvt_pages *p = NULL;
	int in = mkfile(buf, len), zfd = memfd_create("z", 0), out = memfd_create("o", 0);
	uint8_t *tmp = malloc(3 << 20);
	uint64_t zb;
	int bad = 0;

	if (cvt_zstd_compress_fd(in, zfd, "in", &o, &zb, &err) < 0 ||
	    cvt_zstd_decompress_fd(zfd, out, "z", &err) < 0)
		bad = 1;
	if (!bad && (lseek(out, 0, SEEK_END) != (off_t)len ||
		     pread(out, tmp, len < (3u << 20) ? len : (3u << 20), 0) < 0 ||
		     memcmp(tmp, buf, len < (3u << 20) ? len : (3u << 20))))
		bad = 2;
	if (!bad && cvt_pages_open_fd(dup(zfd), "z", true, &p, &err) < 0)
		bad = 3;
	if (!bad && cvt_pages_size(p) != len)
		bad = 4;
	for (int i = 0; !bad && i < 200; i++) {
		uint64_t off = len ? (uint64_t)rand() % len : 0;
		size_t n = (size_t)rand() % (3u << 20);
		ssize_t got = cvt_pages_pread(p, tmp, n, off, &err);
		size_t want = off + n > len ? len - off : n;

		if (got != (ssize_t)want || memcmp(tmp, buf + off, want))
			bad = 5;
	}
	if (err)
		fprintf(stderr, "%s\n", err->msg);
	cr_err_free(&err);
	cvt_pages_close(p);
	free(tmp);
	close(in);
	close(zfd);
	close(out);
	return bad;
}

TEST(empty_and_small)
{
	static const uint8_t page[4096] = { 1, 2, 3 };

	ASSERT_EQ(check_roundtrip(page, 0, 1), 0);
	ASSERT_EQ(check_roundtrip(page, sizeof(page), 2), 0);
}

TEST(many_frames_many_threads)
{
	size_t len = (9u << 20) + 12345;
	uint8_t *buf = malloc(len);

	for (size_t i = 0; i < len; i++)
		buf[i] = (i / 4096) % 3 ? (uint8_t)(i * 2654435761u >> 13) : 0;
	ASSERT_EQ(check_roundtrip(buf, len, 1), 0);
	ASSERT_EQ(check_roundtrip(buf, len, 3), 0);
	free(buf);
}

TEST(same_output_any_threads)
{
	size_t len = 5u << 20;
	uint8_t *buf = malloc(len), *a = malloc(len), *b = malloc(len);
	struct cvt_zstd_opts o1 = { .threads = 1 }, o4 = { .threads = 4 };
	struct cr_error *err = NULL;
	int in = -1, z1 = memfd_create("1", 0), z4 = memfd_create("4", 0);
	ssize_t n1, n4;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i % 251);
	in = mkfile(buf, len);
	ASSERT_OK(cvt_zstd_compress_fd(in, z1, "in", &o1, NULL, &err));
	lseek(in, 0, SEEK_SET);
	ASSERT_OK(cvt_zstd_compress_fd(in, z4, "in", &o4, NULL, &err));
	n1 = pread(z1, a, len, 0);
	n4 = pread(z4, b, len, 0);
	ASSERT_EQ(n1, n4);
	ASSERT_TRUE(!memcmp(a, b, n1));
	free(buf);
	free(a);
	free(b);
}

TEST(damage_detected)
{
	size_t len = 3u << 20;
	uint8_t *buf = malloc(len), c;
	struct cr_error *err = NULL;
	struct cvt_pages *p = NULL;
	int in, z = memfd_create("z", 0), out = memfd_create("o", 0);
	off_t zlen;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 / 3);
	in = mkfile(buf, len);
	ASSERT_OK(cvt_zstd_compress_fd(in, z, "in", NULL, NULL, &err));
	zlen = lseek(z, 0, SEEK_END);
	pread(z, &c, 1, 100);
	c ^= 0x10;
	pwrite(z, &c, 1, 100); /* inside frame 0 */
	ASSERT_TRUE(cvt_zstd_decompress_fd(z, out, "z", &err) < 0);
	cr_err_free(&err);
	ASSERT_OK(cvt_pages_open_fd(dup(z), "z", true, &p, &err));
	ASSERT_TRUE(cvt_pages_pread(p, buf, 4096, 0, &err) < 0);
	ASSERT_TRUE(err && strstr(err->msg, "frame 0"));
	cr_err_free(&err);
	ASSERT_TRUE(cvt_pages_pread(p, buf, 4096, 2u << 20, &err) == 4096); /* frame 2 is fine */
	cvt_pages_close(p);
	ASSERT_OK(ftruncate(z, zlen - 1)); /* cut: no seek table */
	ASSERT_TRUE(cvt_pages_open_fd(z, "z", true, &p, &err) < 0);
	ASSERT_TRUE(err && strstr(err->msg, "seek table"));
	cr_err_free(&err);
	free(buf);
}

/* Every pages-N.img of the corpus reads the same through the page source. */
TEST(corpus)
{
	const char *corpus = getenv("CORPUS");
	_cleanup_closedir_ DIR *top = NULL;
	struct dirent *de;
	int files = 0;

	if (!corpus)
		corpus = "tests/data";
	char path[4096];
	snprintf(path, sizeof(path), "%s/criu-4.x", corpus);
	top = opendir(path);
	ASSERT_TRUE(top);
	while ((de = readdir(top))) {
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *f;
		char dir[8192];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", path, de->d_name);
		if (!(d = opendir(dir)))
			continue;
		while ((f = readdir(d))) {
			char fp[8192];
			struct stat st;
			uint8_t *buf;
			int fd;

			if (strncmp(f->d_name, "pages-", 6))
				continue;
			snprintf(fp, sizeof(fp), "%s/%s", dir, f->d_name);
			fd = open(fp, O_RDONLY);
			ASSERT_TRUE(fd >= 0 && !fstat(fd, &st));
			buf = malloc(st.st_size + 1);
			ASSERT_EQ(pread(fd, buf, st.st_size, 0), st.st_size);
			close(fd);
			ASSERT_EQ(check_roundtrip(buf, st.st_size, 2), 0);
			free(buf);
			files++;
		}
	}
	ASSERT_TRUE(files > 0);
}

TEST(open_at_prefers_plain_then_zst)
{
	char dir[] = "/tmp/crisp-pages-XXXXXX";
	struct cr_error *err = NULL;
	struct cvt_pages *p = NULL;
	uint8_t page[4096] = { 7 }, got[4096];
	int dfd, in, z;

	ASSERT_TRUE(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	in = mkfile(page, sizeof(page));
	z = openat(dfd, "pages-3.img.zst", O_RDWR | O_CREAT, 0600);
	ASSERT_OK(cvt_zstd_compress_fd(in, z, "in", NULL, NULL, &err));
	close(z);
	ASSERT_OK(cvt_pages_open_at(dfd, 3, &p, &err));
	ASSERT_TRUE(cvt_pages_compressed(p) && cvt_pages_fd(p) < 0);
	ASSERT_EQ(cvt_pages_pread(p, got, sizeof(got), 0, &err), 4096);
	ASSERT_TRUE(!memcmp(got, page, sizeof(page)));
	p = cvt_pages_close(p);
	ASSERT_TRUE(cvt_pages_open_at(dfd, 4, &p, &err) < 0);
	ASSERT_TRUE(err && strstr(err->msg, "pages-4.img"));
	cr_err_free(&err);
	unlinkat(dfd, "pages-3.img.zst", 0);
	close(dfd);
	rmdir(dir);
	close(in);
}

TEST_MAIN()
