// SPDX-License-Identifier: LGPL-2.1-or-later
/* The streaming reader and writer on well-formed, truncated and oversized
 * inputs, through a regular file (size known) and a pipe (size unknown). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crimg.h"
#include "test.h"

static int memfd_of(const void *p, size_t n)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static int pipe_of(const void *p, size_t n)
{
	int fds[2];
	if (pipe(fds) < 0 || write(fds[1], p, n) != (ssize_t)n)
		abort();
	close(fds[1]);
	return fds[0];
}

/* Read all entries; returns the count, or the negative error (message in *msg). */
static int read_all(int fd, bool skip, char **msg, size_t *extra_total)
{
	struct img_reader *r = NULL;
	struct cr_error *err = NULL;
	struct img_entry e;
	int n = 0, k;

	*msg = NULL;
	if (extra_total)
		*extra_total = 0;
	k = img_reader_open_fd(fd, "t.img", &r, &err);
	if (k < 0) {
		close(fd);
		*msg = strdup(err->msg);
		cr_err_free(&err);
		return k;
	}
	while ((k = img_reader_next(r, skip, &e, &err)) > 0) {
		if (extra_total)
			*extra_total += e.extra_len;
		img_entry_release(&e);
		n++;
	}
	img_reader_close(r);
	if (k < 0) {
		*msg = strdup(err->msg);
		cr_err_free(&err);
		return k;
	}
	return n;
}

/* sk-queues: one entry {id_for 10, length 9} + 9 bytes */
static const uint8_t skq[] = "\x19\x43\x56\x54\x26\x40\x26\x56\x04\x00\x00\x00\x08\x0a\x10\x09unix-data";
#define SKQ_LEN (sizeof(skq) - 1)

TEST(reads_entries_and_payload)
{
	char *msg;
	size_t extra;
	ASSERT_EQ(read_all(memfd_of(skq, SKQ_LEN), false, &msg, &extra), 1);
	ASSERT_EQ(extra, 9);
	ASSERT_EQ(read_all(pipe_of(skq, SKQ_LEN), false, &msg, &extra), 1);
	ASSERT_EQ(extra, 9);
	ASSERT_EQ(read_all(memfd_of(skq, SKQ_LEN), true, &msg, &extra), 1);
	ASSERT_EQ(extra, 9);
	ASSERT_EQ(read_all(pipe_of(skq, SKQ_LEN), true, &msg, &extra), 1);
	/* magics only: an image with no entries */
	ASSERT_EQ(read_all(memfd_of(skq, 8), false, &msg, NULL), 0);
}

TEST(every_truncation_is_refused_or_a_shorter_image)
{
	for (size_t cut = 0; cut < SKQ_LEN; cut++) {
		for (int via = 0; via < 2; via++) {
			char *msg = NULL;
			int fd = via ? pipe_of(skq, cut) : memfd_of(skq, cut);
			int n = read_all(fd, via, &msg, NULL);
			if (cut == 8) {
				ASSERT_EQ(n, 0);
				continue;
			}
			if (n >= 0)
				fprintf(stderr, "cut %zu accepted\n", cut);
			ASSERT_TRUE(n < 0);
			ASSERT_TRUE(msg && strstr(msg, "t.img") && !strchr(msg, '\n'));
			if (cut > 8)
				ASSERT_TRUE(strstr(msg, "entry 0") && strstr(msg, "offset"));
			free(msg);
		}
	}
}

TEST(oversized_lengths)
{
	uint8_t b[SKQ_LEN + 8];
	char *msg = NULL;

	/* size prefix 0xffffffff, and just past the end */
	memcpy(b, skq, SKQ_LEN);
	memcpy(b + 8, "\xff\xff\xff\xff", 4);
	ASSERT_EQ(read_all(memfd_of(b, SKQ_LEN), false, &msg, NULL), -EBADMSG);
	ASSERT_TRUE(strstr(msg, "exceeds"));
	free(msg);
	ASSERT_TRUE(read_all(pipe_of(b, SKQ_LEN), false, &msg, NULL) < 0);
	free(msg);
	b[8] = SKQ_LEN - 12 + 1, b[9] = b[10] = b[11] = 0;
	ASSERT_TRUE(read_all(memfd_of(b, SKQ_LEN), false, &msg, NULL) < 0);
	free(msg);
	/* payload length 4 GiB - 1 with 9 bytes present */
	static const uint8_t big[] = "\x19\x43\x56\x54\x26\x40\x26\x56\x08\x00\x00\x00\x08\x0a\x10\xff\xff\xff\xff\x0funix-data";
	for (int via = 0; via < 2; via++) {
		ASSERT_TRUE(read_all(via ? pipe_of(big, sizeof(big) - 1) : memfd_of(big, sizeof(big) - 1),
				     false, &msg, NULL) < 0);
		ASSERT_TRUE(strstr(msg, "entry 0") && strstr(msg, "4294967295"));
		free(msg);
		ASSERT_TRUE(read_all(via ? pipe_of(big, sizeof(big) - 1) : memfd_of(big, sizeof(big) - 1),
				     true, &msg, NULL) < 0);
		free(msg);
	}
}

TEST(magics)
{
	char *msg = NULL;
	ASSERT_EQ(read_all(memfd_of("", 0), false, &msg, NULL), -ENODATA);
	ASSERT_TRUE(strstr(msg, "empty"));
	free(msg);
	ASSERT_EQ(read_all(memfd_of("\x19\x43\x56\x54\x01\x02\x03\x04", 8), false, &msg, NULL), -EMEDIUMTYPE);
	free(msg);
	ASSERT_EQ(read_all(memfd_of("memfd page data", 15), false, &msg, NULL), -EMEDIUMTYPE);
	ASSERT_TRUE(strstr(msg, "raw"));
	free(msg);
	ASSERT_EQ(read_all(memfd_of("{\"magic\": 1}", 12), false, &msg, NULL), -EMEDIUMTYPE);
	ASSERT_TRUE(strstr(msg, "JSON"));
	free(msg);
	/* a service magic needs the service head, a common one the common head */
	ASSERT_TRUE(read_all(memfd_of("\x19\x43\x56\x54\x06\x33\x09\x57", 8), false, &msg, NULL) < 0);
	free(msg);
	ASSERT_EQ(read_all(memfd_of("\x40\x59\x10\x55\x06\x33\x09\x57", 8), false, &msg, NULL), 0);
	ASSERT_TRUE(read_all(memfd_of("\x40\x59\x10\x55\x47\x38\x05\x55", 8), false, &msg, NULL) < 0);
	free(msg);
	/* inventory has no head magic; with one it is refused */
	ASSERT_EQ(read_all(memfd_of("\x16\x31\x31\x58", 4), false, &msg, NULL), 0);
	ASSERT_TRUE(read_all(memfd_of("\x19\x43\x56\x54\x16\x31\x31\x58", 8), false, &msg, NULL) < 0);
	free(msg);
}

TEST(writer_roundtrip)
{
	struct cr_error *err = NULL;
	struct img_writer *w = NULL;
	int fd = memfd_create("w", MFD_CLOEXEC);
	SkPacketEntry e = SK_PACKET_ENTRY__INIT;

	e.id_for = 10;
	e.length = 9;
	ASSERT_OK(img_writer_open_fd(fd, "w", img_desc_get(IMG_SK_QUEUES), &w, &err));
	ASSERT_OK(img_writer_put(w, &e.base, &err));
	ASSERT_OK(img_writer_put_raw(w, "unix-data", 9, &err));
	ASSERT_OK(img_writer_commit(w, &err));
	uint8_t got[64];
	ASSERT_EQ(pread(fd, got, sizeof(got), 0), SKQ_LEN);
	ASSERT_TRUE(memcmp(got, skq, SKQ_LEN) == 0);
	close(fd);
}

TEST(writer_at_leaves_nothing_on_abort)
{
	struct cr_error *err = NULL;
	struct img_writer *w = NULL;
	char dir[] = "/tmp/crisp-test-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_OK(img_writer_open_at(dfd, "x.img", img_desc_get(IMG_FILES), &w, &err));
	img_writer_abort(w);
	ASSERT_TRUE(faccessat(dfd, "x.img", F_OK, 0) < 0);
	ASSERT_OK(unlinkat(AT_FDCWD, dir, AT_REMOVEDIR)); /* empty: no temporary left */
	close(dfd);
}

TEST_MAIN()
