/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * convert: whole-checkpoint transformations.  Archives (pack/unpack),
 * zstd page compression, and rewrites (edit, relocate, rename).
 *
 * Quiet like images/: nothing prints, nothing exits.  Long operations
 * report progress through a callback; every failure is a negative errno
 * with *err naming the file, archive member or offset.
 *
 * Back ends disabled at build time (-Dzstd=disabled, -Dlibarchive=disabled)
 * keep these prototypes and fail with -ENOSYS, so callers need no #ifdef.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cr-error.h"

/* done/total in bytes; total is 0 when unknown (unpacking from a pipe). */
typedef void (*cvt_progress_fn)(uint64_t done, uint64_t total, void *opaque);

/* ---- Archives (convert/archive-*.c) ------------------------------------- */

enum cvt_ar_format {
	CVT_AR_TAR_ZST,
	CVT_AR_TAR_GZ,
	CVT_AR_TAR_XZ,
	CVT_AR_TAR,
	_CVT_AR_MAX,
	_CVT_AR_INVALID = -EINVAL,
};

/* Format from an archive name's ending; anything else (and "-") is tar.zst. */
enum cvt_ar_format cvt_ar_format_from_name(const char *name);
/* "tar.zst", "tar.gz", "tar.xz", "tar" -> format; _CVT_AR_INVALID otherwise. */
enum cvt_ar_format cvt_ar_format_from_string(const char *s);
const char *cvt_ar_format_name(enum cvt_ar_format f);

/*
 * Members that crisp adds to its archives.  CRIU and podman ignore them;
 * unpack consumes them and never writes them to the target.
 *   CVT_AR_MARKER   first member: "this archive has a manifest"
 *   CVT_AR_MANIFEST last member: type, size and sha256 of every member
 */
#define CVT_AR_MARKER ".crisp-archive"
#define CVT_AR_MANIFEST ".crisp-manifest"

struct cvt_pack_opts {
	enum cvt_ar_format format;
	int level;   /* compression level, 0 = the back end's default */
	int threads; /* zstd worker threads, 0 = one per CPU */
	cvt_progress_fn progress;
	void *opaque;
};

/*
 * Pack the checkpoint directory `dir` (plain CRIU images, or podman's
 * export layout with checkpoint/ and *.dump files) into fd.  `label` names
 * the output in errors.  Files with holes are stored sparse.  Symbolic links
 * that lead outside `dir` are refused (pack the directory holding the whole
 * chain of incremental dumps instead).
 */
int cvt_pack_fd(const char *dir, int fd, const char *label, const struct cvt_pack_opts *o,
		struct cr_error **err);
/* Same, to a file created atomically (nothing is left behind on failure). */
int cvt_pack_file(const char *dir, const char *path, const struct cvt_pack_opts *o,
		  struct cr_error **err);

struct cvt_unpack_opts {
	uint64_t max_member; /* largest regular file accepted; 0 = CVT_AR_MAX_MEMBER */
	uint64_t max_total;  /* sum of all file sizes; 0 = CVT_AR_MAX_TOTAL */
	uint64_t in_size;    /* size of the input when known, for progress */
	cvt_progress_fn progress;
	void *opaque;
};
#define CVT_AR_MAX_MEMBER (64ull << 30)
#define CVT_AR_MAX_TOTAL (1ull << 40)

struct cvt_unpack_stats {
	uint64_t members; /* members written (files, dirs, links) */
	uint64_t bytes;   /* logical bytes of regular files */
	bool verified;    /* a crisp manifest was present and matched */
};

/*
 * Unpack an archive read from fd (format and compression detected) into
 * `dir`, which must not exist or be an empty directory.  Safe for archives
 * from strangers: refuses absolute names, '..', links leading outside,
 * device nodes, fifos, setuid/setgid bits and oversized members, never
 * follows a link it finds in the target, and unpacks into a temporary
 * directory renamed into place at the end (nothing is left on failure).
 * An archive made by crisp must end with a matching manifest, so a cut or
 * corrupted transfer is reported.  ret_stats may be NULL.
 */
int cvt_unpack_fd(int fd, const char *label, const char *dir, const struct cvt_unpack_opts *o,
		  struct cvt_unpack_stats *ret_stats, struct cr_error **err);

/* ---- Page compression (convert/zstd.c, format in convert/pages.h) ------- */

struct cvt_zstd_opts {
	int level;   /* 0 = 3 */
	int threads; /* worker threads, 0 = one per CPU */
	cvt_progress_fn progress;
	void *opaque;
};

struct cvt_zstd_stats {
	unsigned files;   /* files converted */
	unsigned skipped; /* already in the requested form */
	uint64_t raw_bytes, zst_bytes;
};

/*
 * Replace every pages-N.img in dirfd by pages-N.img.zst (seekable zstd), or
 * back.  Each output is complete and renamed into place before its input is
 * removed, so an interrupted run leaves a usable directory.
 */
int cvt_compress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			struct cvt_zstd_stats *ret_stats, struct cr_error **err);
int cvt_decompress_dir_at(int dirfd, const char *label, const struct cvt_zstd_opts *o,
			  struct cvt_zstd_stats *ret_stats, struct cr_error **err);

/* One file: compress in_fd (read from its start) into out_fd. */
int cvt_zstd_compress_fd(int in_fd, int out_fd, const char *label, const struct cvt_zstd_opts *o,
			 uint64_t *ret_out_bytes, struct cr_error **err);
/* Decompress a seekable file into out_fd; checks the index against the frames. */
int cvt_zstd_decompress_fd(int in_fd, int out_fd, const char *label, struct cr_error **err);

/* ---- Rewrites (convert/edit.c, relocate.c, rename.c) -------------------- */

/*
 * Edit one image in place.  Each `sets[i]` is "PATH=VALUE" with PATH like
 * entries[0].nodename or entries[2].reg.name or entries[1].sets[0].ctls[1].path
 * and VALUE in any form encode accepts (a JSON value, or text for string
 * fields; "0x10", flag names, "major:minor" and enum names for numbers).
 * Entries that are not touched keep their exact bytes.  The new image is
 * validated (re-read) before it replaces the old one atomically.
 */
int cvt_edit_set_at(int dirfd, const char *name, char *const *sets, size_t n_sets,
		    struct cr_error **err);

/*
 * Replace the image with the one described by a crit JSON object (as
 * `crit decode --pretty` prints it); validated, then atomic.  ret_changed is
 * false (and nothing written) when the JSON decodes to identical entries.
 */
int cvt_edit_json_at(int dirfd, const char *name, const char *json_text, bool *ret_changed,
		     struct cr_error **err);
/* Pretty crit JSON text of an image (the $EDITOR buffer); caller frees. */
int cvt_edit_dump_at(int dirfd, const char *name, char **ret, struct cr_error **err);

/* One field rewritten by rename: printed by crit, nothing written on dry runs. */
struct cvt_change {
	const char *file;  /* "files.img" */
	size_t entry;      /* entry index */
	const char *field; /* "reg.name", "mountpoint", "src_port" */
	const char *old_value, *new_value;
};
typedef void (*cvt_change_fn)(const struct cvt_change *c, void *opaque);

struct cvt_map {
	const char *old_value, *new_value;
};

struct cvt_rename_opts {
	const struct cvt_map *paths; /* path prefixes, on component boundaries */
	size_t n_paths;
	const struct cvt_map *ips; /* "10.0.0.1" / "fd00::1" */
	size_t n_ips;
	const struct cvt_map *ports; /* "8080" */
	size_t n_ports;
	const char *hostname; /* UTS nodename, NULL = keep */
	bool dry_run;
	cvt_change_fn change;
	void *opaque;
};

/*
 * Rewrite the path-bearing fields of every image in dirfd: regular files
 * (which also name ghost/remap targets and the fs cwd/root), mountpoints,
 * cgroup paths, unix socket names; the UTS hostname; inet socket addresses
 * and TCP listen ports.  Each image is replaced atomically; images without
 * a change are not touched.  ret_changes counts the fields changed.
 */
int cvt_rename_at(int dirfd, const char *label, const struct cvt_rename_opts *o,
		  unsigned *ret_changes, struct cr_error **err);

struct cvt_relocate_opts {
	bool move; /* rename (or copy + remove across file systems) */
	cvt_progress_fn progress;
	void *opaque;
};

/*
 * Copy or move the checkpoint directory src to dst (which must not exist).
 * Symbolic links that point outside src (the `parent` link of an
 * incremental dump) are rewritten so that they still reach the same
 * directory from dst; links inside src are kept as they are.
 */
int cvt_relocate(const char *src, const char *dst, const struct cvt_relocate_opts *o,
		 struct cr_error **err);
