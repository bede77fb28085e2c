/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * crimg: the CRIU image format library.
 *
 * Quiet: it never prints or exits.  Every function that can fail returns a
 * negative errno and fills *err with a message naming the file, the entry
 * index and the byte offset.
 */
#include <errno.h> /* _IMG_TYPE_INVALID = -EINVAL */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "cr-error.h"
#include "images-pb.h" /* generated: every *.pb-c.h */

#define IMG_HEAD_COMMON 0x54564319u
#define IMG_HEAD_SERVICE 0x55105940u

/* Caps applied to every length read from a file before allocating. */
#define IMG_MAX_ENTRY (64u << 20)  /* one protobuf entry */
#define IMG_MAX_EXTRA (1ull << 32) /* one extra payload held in memory */

enum img_head { IMG_HEAD_NONE, IMG_HEAD_COMMON_K, IMG_HEAD_SERVICE_K, IMG_HEAD_RAW_K };

enum img_extra {
	IMG_EXTRA_NONE,
	IMG_EXTRA_PAGEMAP,     /* first entry is a pagemap_head */
	IMG_EXTRA_PIPE_DATA,   /* pipe_data_entry.bytes raw bytes */
	IMG_EXTRA_SK_QUEUE,    /* sk_packet_entry.length raw bytes */
	IMG_EXTRA_TCP_STREAM,  /* inq_len + outq_len raw bytes */
	IMG_EXTRA_GHOST,       /* ghost_file_entry, then chunks or the rest of the file */
	IMG_EXTRA_BPFMAP_DATA, /* keys_bytes + values_bytes raw bytes */
	IMG_EXTRA_IPC_SHM,     /* size bytes, padded to 4 */
	IMG_EXTRA_IPC_MSG,     /* qnum x (u32 size + ipc_msg + msize bytes padded to 8) */
	IMG_EXTRA_IPC_SEM,     /* nsems x u16, padded to 8 */
};

enum img_type {
#define IMG(id, name, pat, magic, head, msg, extra) IMG_##id,
#define RAW(id, pat) IMG_##id,
#include "image-types.def"
#undef IMG
#undef RAW
	_IMG_TYPE_MAX,
	_IMG_TYPE_INVALID = -EINVAL,
};

struct img_desc {
	enum img_type type;
	const char *name;    /* crit's "magic" string: "CORE"; NULL for raw */
	const char *pattern; /* "core-%u" (".img" appended unless service) */
	uint32_t magic;
	enum img_head head;
	const ProtobufCMessageDescriptor *msg;
	enum img_extra extra;
};

const struct img_desc *img_desc_get(enum img_type type);
/* By magic: first row with that magic (PAGEMAP, SIGNAL_S...), NULL if none. */
const struct img_desc *img_desc_by_magic(uint32_t magic);
/* By crit's magic name ("CORE"), NULL if none. */
const struct img_desc *img_desc_by_name(const char *name);
/* By a file's base name ("core-42.img", "pages-1.img", "stats-dump"), NULL if none. */
const struct img_desc *img_desc_by_filename(const char *basename);
/* Format a file name for a type and id: img_filename(IMG_CORE, 42) -> "core-42.img". */
char *img_filename(enum img_type type, unsigned long id);
char *img_filename_str(enum img_type type, const char *id); /* stats-%s */

/* ---- Reading ------------------------------------------------------------ */

struct img_reader;

/* One entry as read: the message, its extra payload (if any) and where it was. */
struct img_entry {
	ProtobufCMessage *msg; /* owned by the entry */
	uint8_t *extra;        /* owned; NULL when none */
	size_t extra_len;
	/* ipc msg extra: the ipc_msg messages, each followed by its data in `extra` */
	ProtobufCMessage **sub;
	size_t n_sub;
	size_t index; /* entry index in the file, from 0 */
	off_t offset; /* byte offset of the entry's size prefix */
	bool borrowed; /* msg and sub live in the reader (img_reader_reuse_memory) */
};
void img_entry_release(struct img_entry *e);

/*
 * Open an image: reads and checks the magics and picks the type.  `label`
 * names the file in errors.  The reader owns fd after a successful call.
 * Raw images (no magic, e.g. pages-*.img) fail with -EMEDIUMTYPE unless
 * `expect` says so.
 */
int img_reader_open_fd(int fd, const char *label, struct img_reader **ret, struct cr_error **err);
int img_reader_open_at(int dirfd, const char *path, struct img_reader **ret, struct cr_error **err);
/* Open a file whose type the caller knows (checks the magic matches). */
int img_reader_open_type_at(int dirfd, enum img_type type, unsigned long id,
			    struct img_reader **ret, struct cr_error **err);
const struct img_desc *img_reader_desc(const struct img_reader *r);
const char *img_reader_label(const struct img_reader *r);
/* The file descriptor being read (owned by the reader). */
int img_reader_fd(const struct img_reader *r);
/*
 * Next entry.  Returns 1 with *ret filled, 0 at a clean end of file, or a
 * negative errno (truncated size prefix, entry or payload; malformed
 * protobuf; a length beyond the file or the caps).  With skip_extra, extra
 * payloads are skipped (seeked over) and only their size is recorded.
 */
int img_reader_next(struct img_reader *r, bool skip_extra, struct img_entry *ret,
		    struct cr_error **err);
/*
 * From now on, unpack messages into memory the reader owns and recycles at
 * the next img_reader_next() or img_reader_close(): no allocation per field
 * and nothing to free per entry, for callers done with each entry before
 * they read the next (crit decode).  Entries are marked borrowed; never
 * take their msg or sub.
 */
void img_reader_reuse_memory(struct img_reader *r);
/*
 * Every entry of the image of `type` and `id` in dirfd, with its payloads,
 * into a new array (for the small images a restore consults as a whole);
 * a missing file is no entries when optional.
 */
int img_read_entries(int dirfd, enum img_type type, unsigned long id, bool optional,
		     struct img_entry **ret, size_t *ret_n, struct cr_error **err);
/* Current byte offset. */
off_t img_reader_offset(const struct img_reader *r);
struct img_reader *img_reader_close(struct img_reader *r);

/* Read the single entry of a one-entry image (inventory, mm, core...). */
int img_read_one_at(int dirfd, enum img_type type, unsigned long id, ProtobufCMessage **ret,
		    struct cr_error **err);

/* ---- Writing ------------------------------------------------------------ */

struct img_writer;

/*
 * Create an image.  _at() writes a temporary file in dirfd and renames it
 * into place on img_writer_commit(); img_writer_abort() removes it.
 * _fd() writes to an open fd (stdout) the caller owns.
 */
int img_writer_open_at(int dirfd, const char *name, const struct img_desc *d,
		       struct img_writer **ret, struct cr_error **err);
int img_writer_open_type_at(int dirfd, enum img_type type, unsigned long id,
			    struct img_writer **ret, struct cr_error **err);
int img_writer_open_fd(int fd, const char *label, const struct img_desc *d,
		       struct img_writer **ret, struct cr_error **err);
/* Write one entry: size prefix + packed message. */
int img_writer_put(struct img_writer *w, const ProtobufCMessage *msg, struct cr_error **err);
/* Write raw bytes (an extra payload following the last entry). */
int img_writer_put_raw(struct img_writer *w, const void *buf, size_t len, struct cr_error **err);
int img_writer_commit(struct img_writer *w, struct cr_error **err); /* frees w */
void img_writer_abort(struct img_writer *w);                          /* frees w */

/* Write a whole one-entry image. */
int img_write_one_at(int dirfd, enum img_type type, unsigned long id, const ProtobufCMessage *msg,
		     struct cr_error **err);

/* ---- Extra payloads ----------------------------------------------------- */

/* Bytes of extra payload that follow `msg` for a kind (from its fields). */
int img_extra_size(enum img_extra kind, const ProtobufCMessage *msg, uint64_t *ret,
		   struct cr_error **err);

/* ---- JSON --------------------------------------------------------------- */

/*
 * protobuf <-> JSON with crit's conventions.  pretty selects the display
 * rules (hex, flags, dev, dict, ipadd); to_msg accepts both forms and
 * refuses unknown fields, wrong types, out-of-range values and missing
 * required fields, naming the JSON path in the error.
 */
int img_json_from_msg(const ProtobufCMessage *m, bool pretty, json_t **ret, struct cr_error **err);
int img_json_to_msg(const json_t *j, const ProtobufCMessageDescriptor *d, const char *path,
		    ProtobufCMessage **ret, struct cr_error **err);

/* A whole image as crit's {"magic":..., "entries":[...]} object. */
int img_json_decode_file(struct img_reader *r, bool pretty, bool nopl, json_t **ret,
			 struct cr_error **err);
/* The same, streamed as Python-json-compatible text to fd (indent 4 when
 * pretty), without building a tree: what crit decode uses. */
int img_json_write_file(struct img_reader *r, bool pretty, bool nopl, int fd,
			struct cr_error **err);
/* The same text in memory (NUL-terminated, caller frees). */
int img_json_decode_text(struct img_reader *r, bool pretty, bool nopl, char **ret,
			 struct cr_error **err);
/* The same, with the text's length in *ret_len (megabytes of it: no strlen). */
int img_json_decode_textn(struct img_reader *r, bool pretty, bool nopl, char **ret,
			  size_t *ret_len, struct cr_error **err);
/* Write a whole image from that object to a writer (the magic picks the type). */
int img_json_encode_file(const json_t *img, int fd, const char *label, struct cr_error **err);

/* Python-json-compatible output: indent 0 = compact (", ", ": "), else indent. */
char *img_json_dumps(const json_t *j, int indent);

/* Base64 as Python's base64.encodebytes (76-char lines, trailing newline). */
char *img_b64_encode(const uint8_t *buf, size_t len);
int img_b64_decode(const char *s, size_t slen, uint8_t **ret, size_t *ret_len);

/* ---- Pagemap ------------------------------------------------------------ */

/* Pages in a pagemap entry: nr_pages (field 5) when present, else compat_nr_pages. */
static inline uint64_t img_pagemap_nr_pages(const PagemapEntry *pe)
{
	return pe->has_nr_pages ? pe->nr_pages : pe->compat_nr_pages;
}
#define IMG_PE_PARENT (1u << 0)
#define IMG_PE_LAZY (1u << 1)
#define IMG_PE_PRESENT (1u << 2)

/* The type an image JSON object names in "magic" (checks the object's shape). */
int img_json_image_desc(const json_t *img, const struct img_desc **ret, struct cr_error **err);
/* Encode the entries of an image JSON object to an opened writer (magics written). */
int img_json_encode_entries(const json_t *img, struct img_writer *w, struct cr_error **err);
/* Parse JSON text (integers beyond int64 are kept exact). */
int img_json_loads(const char *text, size_t len, const char *label, json_t **ret,
		   struct cr_error **err);
