// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Streaming entry reader: a u32 size, that many bytes of protobuf, then the
 * type's extra payload, until end of file.  Every length is checked against
 * the bytes left in the file (when it is a regular file) and a hard cap
 * before anything is allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "crimg.h"
#include "xalloc.h"

#define RBUF (64 * 1024)
#define ARENA_MIN (64 * 1024)

/*
 * Memory for the messages of one entry when the caller lets the reader
 * recycle it (img_reader_reuse_memory): protobuf-c allocates every string,
 * array and sub-message separately, and these are handed out from one
 * chunk instead and dropped together when the next entry is read.
 */
struct arena_chunk {
	struct arena_chunk *next;
	size_t cap;
};
#define CHUNK_HDR ((sizeof(struct arena_chunk) + 15) & ~(size_t)15)

struct arena {
	struct arena_chunk *head; /* newest and largest first */
	size_t used;              /* bytes used in head */
};

static void *arena_alloc(void *data, size_t size)
{
	struct arena *a = data;
	void *p;

	if (size > IMG_MAX_ENTRY * (size_t)64)
		return NULL; /* no entry needs this much: fails the unpack */
	size = (size + 15) & ~(size_t)15;
	if (!a->head || a->head->cap - a->used < size) {
		size_t cap = a->head ? 2 * a->head->cap : ARENA_MIN;
		struct arena_chunk *c;
		while (cap < size)
			cap *= 2;
		c = xmalloc(CHUNK_HDR + cap);
		c->next = a->head;
		c->cap = cap;
		a->head = c;
		a->used = 0;
	}
	p = (char *)a->head + CHUNK_HDR + a->used;
	a->used += size;
	return p;
}

static void arena_free(void *data, void *p)
{
}

/* Forget everything handed out; keep the largest chunk for the next entry. */
static void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head ? a->head->next : NULL;

	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	if (a->head)
		a->head->next = NULL;
	a->used = 0;
}

static void arena_release(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}

struct img_reader {
	int fd;
	char *label;
	const struct img_desc *desc;
	off_t offset;    /* file offset of buf[pos] */
	off_t file_size; /* -1 when unknown (pipe) */
	size_t pos, len;
	size_t index;    /* index of the next entry */
	bool ghost_chunks;
	bool reuse;              /* messages in the arena (img_reader_reuse_memory) */
	struct arena arena;
	ProtobufCAllocator alloc; /* on the arena */
	uint8_t *scratch;         /* an entry larger than buf */
	size_t scratch_cap;
	uint8_t buf[RBUF];
};

static int fill(struct img_reader *r)
{
	ssize_t n;

	if (r->pos < r->len)
		return 0;
	r->pos = r->len = 0;
	do
		n = read(r->fd, r->buf, RBUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->len = n;
	return 0;
}

/*
 * Make the next n <= RBUF bytes contiguous in buf at pos; returns how many
 * are there (short only at EOF) or -errno.
 */
static ssize_t ensure(struct img_reader *r, size_t n)
{
	size_t have = r->len - r->pos;

	if (have >= n)
		return n;
	memmove(r->buf, r->buf + r->pos, have);
	r->pos = 0;
	r->len = have;
	while (r->len < n) {
		ssize_t k = read(r->fd, r->buf + r->len, RBUF - r->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		r->len += k;
	}
	return r->len < n ? r->len : n;
}

/* Read up to n bytes; returns the count read (short only at EOF) or -errno. */
static ssize_t rd(struct img_reader *r, void *dst, size_t n)
{
	size_t done = 0;

	while (done < n) {
		int e = fill(r);
		if (e < 0)
			return e;
		if (r->len == 0)
			break;
		size_t k = r->len - r->pos;
		if (k > n - done)
			k = n - done;
		if (dst)
			memcpy((char *)dst + done, r->buf + r->pos, k);
		r->pos += k;
		r->offset += k;
		done += k;
	}
	return done;
}

static uint64_t left(const struct img_reader *r);

static int skip(struct img_reader *r, uint64_t n)
{
	size_t inbuf = r->len - r->pos;

	if (n <= inbuf) {
		r->pos += n;
		r->offset += n;
		return 0;
	}
	if (r->file_size >= 0) {
		off_t target = r->offset + n;
		if (n > left(r))
			return -ENODATA; /* as the pipe path finds: past the end */
		if (lseek(r->fd, target, SEEK_SET) < 0)
			return -errno;
		r->pos = r->len = 0;
		r->offset = target;
		return 0;
	}
	while (n > 0) {
		size_t k = n > 1 << 20 ? 1 << 20 : n;
		ssize_t got = rd(r, NULL, k);
		if (got < 0)
			return got;
		if ((size_t)got < k)
			return -ENODATA;
		n -= k;
	}
	return 0;
}

/* Bytes left in the file, or UINT64_MAX when the size is not known. */
static uint64_t left(const struct img_reader *r)
{
	if (r->file_size < 0)
		return UINT64_MAX;
	return r->file_size > r->offset ? (uint64_t)(r->file_size - r->offset) : 0;
}

const struct img_desc *img_reader_desc(const struct img_reader *r)
{
	return r->desc;
}

int img_reader_fd(const struct img_reader *r)
{
	return r->fd;
}

const char *img_reader_label(const struct img_reader *r)
{
	return r->label;
}

off_t img_reader_offset(const struct img_reader *r)
{
	return r->offset;
}

struct img_reader *img_reader_close(struct img_reader *r)
{
	if (!r)
		return NULL;
	if (r->fd >= 0)
		close(r->fd);
	arena_release(&r->arena);
	free(r->scratch);
	free(r->label);
	free(r);
	return NULL;
}

void img_reader_reuse_memory(struct img_reader *r)
{
	r->reuse = true;
	r->alloc = (ProtobufCAllocator){ arena_alloc, arena_free, &r->arena };
}

static int read_u32(struct img_reader *r, uint32_t *v, bool *eof)
{
	uint8_t b[4];
	ssize_t n;

	if (r->len - r->pos >= 4) {
		const uint8_t *p = r->buf + r->pos;
		*v = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		*eof = false;
		r->pos += 4;
		r->offset += 4;
		return 0;
	}
	n = rd(r, b, 4);
	if (n < 0)
		return n;
	*eof = n == 0;
	if (n > 0 && n < 4)
		return -ENODATA;
	if (n == 4)
		*v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

/* A raw image by its file name (pages-1.img, tmpfs-dev-44.tar.gz.img, iptables-9.img...). */
static const struct img_desc *raw_by_name(const char *label)
{
	const char *base = strrchr(label, '/');
	const struct img_desc *d = img_desc_by_filename(base ? base + 1 : label);

	return d && d->head == IMG_HEAD_RAW_K ? d : NULL;
}

static int raw_err(const char *label, struct cr_error **err)
{
	const struct img_desc *d = raw_by_name(label);
	const char *pct = strchr(d->pattern, '%');

	return cr_err(err, -EMEDIUMTYPE,
		      "'%s': a raw image (%.*sN%s.img): its bytes are not framed entries, so there is nothing to decode",
		      label, (int)(pct - d->pattern), d->pattern, pct + 2);
}

int img_reader_open_fd(int fd, const char *label, struct img_reader **ret, struct cr_error **err)
{
	_cleanup_free_ struct img_reader *r = xzalloc(sizeof(*r));
	struct stat st;
	uint32_t magic = 0;
	bool eof = false;
	int e;

	r->fd = fd;
	r->file_size = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		r->file_size = st.st_size;
		r->offset = lseek(fd, 0, SEEK_CUR);
		if (r->offset < 0)
			r->offset = 0;
	}
	e = read_u32(r, &magic, &eof);
	if ((e < 0 || eof) && raw_by_name(label))
		return raw_err(label, err);
	if (e < 0 || eof)
		return cr_err(err, eof ? -ENODATA : e, "'%s': %s", label,
			      eof ? "empty file, no image magic" : "truncated image magic");
	if (magic == IMG_HEAD_COMMON || magic == IMG_HEAD_SERVICE) {
		uint32_t head = magic;
		e = read_u32(r, &magic, &eof);
		if (e < 0 || eof)
			return cr_err(err, -ENODATA, "'%s': truncated image magic at offset 4", label);
		r->desc = img_desc_by_magic(magic);
		/* inventory has no head magic: with one, encode would not give the file back */
		if (r->desc && (r->desc->head == IMG_HEAD_NONE ||
				(head == IMG_HEAD_SERVICE) != (r->desc->head == IMG_HEAD_SERVICE_K)))
			r->desc = NULL;
	} else {
		r->desc = img_desc_by_magic(magic);
		if (r->desc && r->desc->head != IMG_HEAD_NONE)
			r->desc = NULL;
	}
	if (!r->desc && (memchr("{[ \t\r\n", magic & 0xff, 6)))
		return cr_err(err, -EMEDIUMTYPE,
			      "'%s': this looks like JSON text, not a binary image (crit encode turns JSON into an image)",
			      label);
	if (!r->desc && raw_by_name(label))
		return raw_err(label, err);
	if (!r->desc)
		return cr_err(err, -EMEDIUMTYPE,
			      "'%s': unknown magic 0x%08x; raw data such as pages-*.img has no magic and cannot be decoded",
			      label, magic);
	r->label = xstrdup(label);
	*ret = TAKE_PTR(r);
	return 0;
}

int img_reader_open_at(int dirfd, const char *path, struct img_reader **ret, struct cr_error **err)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return cr_err_sys(err, -errno, "'%s': cannot open", path);
	r = img_reader_open_fd(fd, path, ret, err);
	if (r < 0)
		close(fd);
	return r;
}

int img_reader_open_type_at(int dirfd, enum img_type type, unsigned long id,
			    struct img_reader **ret, struct cr_error **err)
{
	_cleanup_free_ char *name = img_filename(type, id);
	const struct img_desc *want = img_desc_get(type);
	struct img_reader *r = NULL;
	int e;

	if (!name || !want || want->head == IMG_HEAD_RAW_K)
		return cr_err(err, -EINVAL, "image type %d cannot be read as entries", type);
	e = img_reader_open_at(dirfd, name, &r, err);
	if (e < 0)
		return e;
	if (r->desc->magic != want->magic) {
		e = cr_err(err, -EMEDIUMTYPE, "'%s': magic 0x%08x is %s, expected %s", name,
			   r->desc->magic, r->desc->name, want->name);
		img_reader_close(r);
		return e;
	}
	r->desc = want; /* PAGEMAP vs SHMEM_PAGEMAP, SIGNAL_S vs SIGNAL_P */
	*ret = r;
	return 0;
}

void img_entry_release(struct img_entry *e)
{
	if (e->msg && !e->borrowed)
		protobuf_c_message_free_unpacked(e->msg, NULL);
	for (size_t i = 0; i < e->n_sub && !e->borrowed; i++)
		protobuf_c_message_free_unpacked(e->sub[i], NULL);
	free(e->sub);
	free(e->extra);
	memset(e, 0, sizeof(*e));
}

static const ProtobufCMessageDescriptor *entry_desc(const struct img_reader *r)
{
	if (r->desc->extra == IMG_EXTRA_PAGEMAP && r->index == 0)
		return &pagemap_head__descriptor;
	if (r->desc->extra == IMG_EXTRA_GHOST && r->index > 0)
		return &ghost_chunk_entry__descriptor;
	return r->desc->msg;
}

/* Read one size-prefixed message; *ret NULL and 0 at a clean EOF. */
static int read_msg(struct img_reader *r, const ProtobufCMessageDescriptor *d, const char *what,
		    ProtobufCMessage **ret, struct cr_error **err)
{
	off_t at = r->offset;
	const uint8_t *data;
	uint32_t size;
	bool eof;
	ssize_t n;
	int e;

	*ret = NULL;
	e = read_u32(r, &size, &eof);
	if (e < 0)
		return cr_err(err, e, "'%s': %s %zu at offset %lld: truncated size prefix", r->label,
			      what, r->index, (long long)at);
	if (eof)
		return 0;
	if (size > IMG_MAX_ENTRY || size > left(r))
		return cr_err(err, -EBADMSG,
			      "'%s': %s %zu at offset %lld: size %u exceeds the %llu bytes left",
			      r->label, what, r->index, (long long)at, size,
			      (unsigned long long)(left(r) < IMG_MAX_ENTRY ? left(r) : IMG_MAX_ENTRY));
	if (size <= RBUF) {
		/* unpacked where it was read: protobuf-c copies what it keeps */
		n = ensure(r, size);
		data = r->buf + r->pos;
		if (n > 0) {
			r->pos += n;
			r->offset += n;
		}
	} else {
		if (size > r->scratch_cap)
			r->scratch = xgrow(r->scratch, &r->scratch_cap, size, 1);
		n = rd(r, r->scratch, size);
		data = r->scratch;
	}
	if (n < 0)
		return cr_err_sys(err, n, "'%s': %s %zu at offset %lld", r->label, what, r->index,
				  (long long)at);
	if ((size_t)n < size)
		return cr_err(err, -EBADMSG,
			      "'%s': %s %zu at offset %lld: truncated, %zd of %u bytes", r->label,
			      what, r->index, (long long)at, n, size);
	*ret = protobuf_c_message_unpack(d, r->reuse ? &r->alloc : NULL, size, data);
	if (!*ret)
		return cr_err(err, -EBADMSG,
			      "'%s': %s %zu at offset %lld: not a valid %s (malformed or missing a required field)",
			      r->label, what, r->index, (long long)at, d->name);
	return 1;
}

static int read_extra(struct img_reader *r, struct img_entry *e, uint64_t size, bool skip_it,
		      struct cr_error **err)
{
	off_t at = r->offset;
	ssize_t n;

	if (size > left(r) || size > IMG_MAX_EXTRA)
		return cr_err(err, -EBADMSG,
			      "'%s': entry %zu at offset %lld: payload of %llu bytes exceeds the %llu bytes left",
			      r->label, e->index, (long long)at, (unsigned long long)size,
			      (unsigned long long)left(r));
	if (skip_it) {
		e->extra_len += size;
		n = skip(r, size);
		if (n < 0)
			return cr_err(err, -EBADMSG, "'%s': entry %zu at offset %lld: payload cut short",
				      r->label, e->index, (long long)at);
		return 0;
	}
	if (r->file_size < 0) {
		/* size unknown (a pipe): grow with the data actually read, never by
		 * the claimed length alone (a 4 GiB claim on a short stream) */
		uint64_t got = 0;
		n = 0;
		e->extra = xrealloc(e->extra, e->extra_len + 1); /* never NULL, as below */
		while (got < size) {
			size_t k = size - got > RBUF ? RBUF : size - got;
			e->extra = xrealloc(e->extra, e->extra_len + got + k + 1);
			n = rd(r, e->extra + e->extra_len + got, k);
			if (n <= 0)
				break;
			got += n;
		}
		if (n < 0 || got < size)
			return cr_err(err, -EBADMSG,
				      "'%s': entry %zu at offset %lld: payload cut short (%llu of %llu bytes)",
				      r->label, e->index, (long long)at, (unsigned long long)got,
				      (unsigned long long)size);
		e->extra_len += size;
		return 0;
	}
	e->extra = xrealloc(e->extra, e->extra_len + size + 1);
	n = rd(r, e->extra + e->extra_len, size);
	if (n < 0 || (uint64_t)n < size)
		return cr_err(err, -EBADMSG,
			      "'%s': entry %zu at offset %lld: payload cut short (%zd of %llu bytes)",
			      r->label, e->index, (long long)at, n < 0 ? 0 : n,
			      (unsigned long long)size);
	e->extra_len += size;
	return 0;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

static int read_ipc_msgs(struct img_reader *r, struct img_entry *e, bool skip_it,
			 struct cr_error **err)
{
	const IpcMsgEntry *q = (const IpcMsgEntry *)e->msg;

	for (uint32_t i = 0; i < q->qnum; i++) {
		ProtobufCMessage *m = NULL;
		int k = read_msg(r, &ipc_msg__descriptor, "message of entry", &m, err);
		if (k < 0)
			return k;
		if (k == 0)
			return cr_err(err, -EBADMSG, "'%s': entry %zu: queue ends after %u of %u messages",
				      r->label, e->index, i, q->qnum);
		e->sub = xrealloc(e->sub, (e->n_sub + 1) * sizeof(*e->sub));
		e->sub[e->n_sub++] = m;
		uint64_t msize = ((IpcMsg *)m)->msize;
		k = read_extra(r, e, msize, skip_it, err);
		if (k < 0)
			return k;
		k = skip(r, round_up(msize, 8) - msize);
		if (k < 0)
			return cr_err(err, -EBADMSG, "'%s': entry %zu: padding cut short at offset %lld",
				      r->label, e->index, (long long)r->offset);
	}
	return 0;
}

static int read_entry_extra(struct img_reader *r, struct img_entry *e, bool skip_it,
			    struct cr_error **err)
{
	enum img_extra kind = r->desc->extra;
	uint64_t size = 0, pad = 0;
	int k;

	switch (kind) {
	case IMG_EXTRA_NONE:
	case IMG_EXTRA_PAGEMAP:
		return 0;
	case IMG_EXTRA_GHOST:
		if (e->index == 0) {
			r->ghost_chunks = ((GhostFileEntry *)e->msg)->has_chunks &&
					  ((GhostFileEntry *)e->msg)->chunks;
			if (r->ghost_chunks)
				return 0;
			if (r->file_size >= 0)
				return read_extra(r, e, left(r), skip_it, err);
			/* unknown length (a pipe): read to EOF */
			for (;;) {
				e->extra = xrealloc(e->extra, e->extra_len + RBUF);
				ssize_t n = rd(r, e->extra + e->extra_len, RBUF);
				if (n < 0)
					return cr_err_sys(err, n, "'%s': reading ghost contents", r->label);
				e->extra_len += n;
				if (n < RBUF)
					return 0;
				if (e->extra_len > IMG_MAX_EXTRA)
					return cr_err(err, -EFBIG, "'%s': ghost contents too large", r->label);
			}
		}
		if (!r->ghost_chunks)
			return cr_err(err, -EBADMSG,
				      "'%s': entry %zu at offset %lld: data after a non-chunked ghost file",
				      r->label, e->index, (long long)e->offset);
		size = ((GhostChunkEntry *)e->msg)->len;
		break;
	case IMG_EXTRA_IPC_MSG:
		return read_ipc_msgs(r, e, skip_it, err);
	default:
		k = img_extra_size(kind, e->msg, &size, err);
		if (k < 0)
			return cr_err_wrap(err, "'%s': entry %zu", r->label, e->index);
		if (kind == IMG_EXTRA_IPC_SHM)
			pad = round_up(size, 4) - size;
		else if (kind == IMG_EXTRA_IPC_SEM)
			pad = round_up(size, 8) - size;
	}
	k = read_extra(r, e, size, skip_it, err);
	if (k < 0)
		return k;
	if (pad && skip(r, pad) < 0)
		return cr_err(err, -EBADMSG, "'%s': entry %zu: padding cut short at offset %lld",
			      r->label, e->index, (long long)r->offset);
	return 0;
}

int img_reader_next(struct img_reader *r, bool skip_extra, struct img_entry *ret,
		    struct cr_error **err)
{
	struct img_entry e = { .index = r->index, .offset = r->offset, .borrowed = r->reuse };
	int k;

	if (r->reuse)
		arena_reset(&r->arena); /* the previous entry's messages */
	k = read_msg(r, entry_desc(r), "entry", &e.msg, err);
	if (k <= 0)
		return k;
	k = read_entry_extra(r, &e, skip_extra, err);
	if (k < 0) {
		img_entry_release(&e);
		return k;
	}
	r->index++;
	*ret = e;
	return 1;
}

int img_read_one_at(int dirfd, enum img_type type, unsigned long id, ProtobufCMessage **ret,
		    struct cr_error **err)
{
	struct img_reader *r = NULL;
	struct img_entry e;
	int k;

	k = img_reader_open_type_at(dirfd, type, id, &r, err);
	if (k < 0)
		return k;
	k = img_reader_next(r, false, &e, err);
	if (k == 0)
		k = cr_err(err, -ENODATA, "'%s': no entry", r->label);
	img_reader_close(r);
	if (k < 0)
		return k;
	free(e.extra);
	free(e.sub);
	*ret = e.msg;
	return 0;
}

int img_read_entries(int dirfd, enum img_type type, unsigned long id, bool optional,
		     struct img_entry **ret, size_t *ret_n, struct cr_error **err)
{
	struct img_reader *rd = NULL;
	struct img_entry *v = NULL;
	size_t n = 0, cap = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = img_reader_open_type_at(dirfd, type, id, &rd, err);
	if (r == -ENOENT && optional) {
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	for (;;) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		r = img_reader_next(rd, false, &v[n], err);
		if (r <= 0)
			break;
		n++;
	}
	img_reader_close(rd);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			img_entry_release(&v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
