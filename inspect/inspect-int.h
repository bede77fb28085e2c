/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Internals shared by the inspect/ files. */
#include "inspect.h"

/* Every entry of one image, messages owned. */
struct ins_msgs {
	ProtobufCMessage **v;
	size_t *extra_len; /* skipped extra payload bytes per entry */
	size_t n;
	bool present;      /* the file exists */
};
void ins_msgs_clear(struct ins_msgs *m);
/* Read every entry of an image (extra payloads skipped).  With missing_ok a
 * missing file is not an error: out->present stays false. */
int ins_load_all(int dirfd, enum img_type type, unsigned long id, bool missing_ok,
		 struct ins_msgs *out, struct cr_error **err);
bool ins_exists_at(int dirfd, enum img_type type, unsigned long id);

/* _cleanup_(ins_msg_freep) for one unpacked message */
static inline void ins_msg_freep(ProtobufCMessage **m)
{
	if (*m)
		protobuf_c_message_free_unpacked(*m, NULL);
}

/* A file table: messages sorted by id for lookup. */
struct ins_idref {
	uint32_t id;
	size_t ord;
	const ProtobufCMessage *msg;
};
struct ins_ftab {
	bool loaded;
	struct ins_msgs msgs;
	struct ins_idref *idx; /* sorted by id */
	size_t n;
};

#define INS_N_KINDS 24

struct ins_ckpt {
	int dirfd;
	char *label;
	struct ins_msgs pstree_msgs;
	struct ins_pstree *pstree;
	struct ins_ftab files;               /* files.img */
	struct ins_ftab kinds[INS_N_KINDS];  /* older per-kind images */
	struct ins_msgs memfd;               /* memfd.img inodes */
	char *tmpdir;                        /* extracted archive, removed with the ckpt */
	ins_page_open_fn page_open;          /* NULL: raw files */
	int meta_dirfd;                      /* container dir holding checkpoint/ (stats-*), or -1 */
	bool memfd_loaded;
};

/* Message field helpers (by descriptor). */
bool ins_msg_u32(const ProtobufCMessage *m, const char *field, uint32_t *ret);
/* crit's rendering of a unix socket name: repr(quopri.encodestring(name)). */
char *ins_unix_name_crit(const ProtobufCBinaryData *name);

/* A task's pagemap-PID.img, flags normalised (PE_* from in_parent if old). */
struct ins_pme {
	uint64_t vaddr, nr_pages;
	uint32_t flags;
	uint64_t off; /* byte offset of its data in pages-N.img when PE_PRESENT */
};
struct ins_pagemap {
	bool present;
	uint32_t pages_id;
	struct ins_pme *v;
	size_t n;
	uint64_t data_bytes; /* bytes of pages-N.img the entries account for */
};
int ins_pagemap_load(int dirfd, uint32_t pid, bool missing_ok, struct ins_pagemap *ret,
		     struct cr_error **err);
/* The same for pagemap-shmem-ID.img (type IMG_SHMEM_PAGEMAP) or pagemap-PID. */
int ins_pagemap_load_type(int dirfd, enum img_type type, uint32_t id, bool missing_ok,
			  struct ins_pagemap *ret, struct cr_error **err);
void ins_pagemap_clear(struct ins_pagemap *p);
/* Remove an archive extraction directory (bundle.c). */
void ins_rm_tmp(const char *dir);

/* bundle.c / archive.c */
void ins_bundle_add_member(struct ins_bundle *b, size_t *cap, char *s);
json_t *ins_parse_json(const char *buf, size_t len);
/* Extract an archive's checkpoint into b->tmpdir and open it (-ENOSYS without libarchive). */
int ins_bundle_open_archive(struct ins_bundle *b, struct cr_error **err);
