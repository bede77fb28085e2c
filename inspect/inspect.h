/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * crinspect: analyses of a checkpoint (an image directory) that return data.
 *
 * Quiet like images/: nothing here prints or exits.  Every function that can
 * fail returns a negative errno and fills *err naming the image, entry and
 * offset.  All state lives in a struct ins_ckpt the caller owns; results
 * borrowed from it (const pointers) live as long as it does.
 */
#include <errno.h> /* crimg.h uses EINVAL */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crimg.h"

#define INS_PAGE_SIZE 4096ull

/* CRIU's task_state values (core.tc.task_state). */
#define INS_TASK_ALIVE 1
#define INS_TASK_DEAD 2
#define INS_TASK_STOPPED 3
#define INS_TASK_ZOMBIE 6

/* VMA status bits (mmap.status). */
#define INS_VMA_REGULAR (1u << 0)
#define INS_VMA_STACK (1u << 1)
#define INS_VMA_VSYSCALL (1u << 2)
#define INS_VMA_VDSO (1u << 3)
#define INS_VMA_HEAP (1u << 5)
#define INS_VMA_FILE_PRIVATE (1u << 6)
#define INS_VMA_FILE_SHARED (1u << 7)
#define INS_VMA_ANON_SHARED (1u << 8)
#define INS_VMA_ANON_PRIVATE (1u << 9)
#define INS_VMA_SYSVIPC (1u << 10)
#define INS_VMA_SOCKET (1u << 11)
#define INS_VMA_VVAR (1u << 12)
#define INS_VMA_AIORING (1u << 13)
#define INS_VMA_MEMFD (1u << 14)
#define INS_VMA_UNSUPP (1u << 31)

/* ---- The checkpoint ----------------------------------------------------- */

struct ins_ckpt;

/* Open an image directory.  The path is kept for messages. */
int ins_ckpt_open(const char *path, struct ins_ckpt **ret, struct cr_error **err);
/* Take ownership of an open directory fd. */
int ins_ckpt_open_fd(int dirfd, const char *label, struct ins_ckpt **ret, struct cr_error **err);
struct ins_ckpt *ins_ckpt_free(struct ins_ckpt *c);
int ins_ckpt_dirfd(const struct ins_ckpt *c);
const char *ins_ckpt_label(const struct ins_ckpt *c);

/* ---- Process tree ------------------------------------------------------- */

struct ins_task {
	uint32_t pid, ppid, pgid, sid;
	const uint32_t *threads; /* tids, the leader included when CRIU wrote it */
	size_t n_threads;
	const char *comm;   /* core tc.comm; NULL when the core image is missing */
	uint32_t state;     /* INS_TASK_*; 0 when unknown */
	uint32_t exit_code;
	ssize_t parent;     /* index into tasks, -1 for a root or an orphan */
	size_t *kids;       /* indexes, in pstree order */
	size_t n_kids;
	unsigned depth;     /* 0 for roots */
	const CoreEntry *core; /* NULL when missing */
};

struct ins_pstree {
	struct ins_task *tasks; /* pstree.img order */
	size_t n;
	size_t *order;          /* depth-first (crit x ps order): every task once */
	size_t n_order;
};

/* Load pstree.img and every core-PID.img (cached in c). */
int ins_pstree(struct ins_ckpt *c, const struct ins_pstree **ret, struct cr_error **err);
/* A task by pid, NULL when not in the tree. */
const struct ins_task *ins_task_by_pid(const struct ins_pstree *t, uint32_t pid);
/* True when the task has no mm/fds images of its own (zombie, dead). */
bool ins_task_is_dead(const struct ins_task *t);

/* ---- Files -------------------------------------------------------------- */

/*
 * A file object by kind and id, from files.img (criu >= 3.x) or the older
 * per-kind images (reg-files.img, pipes.img, unixsk.img, inetsk.img, ...).
 * Returns the kind's message (RegFileEntry, PipeEntry, UnixSkEntry, ...)
 * or NULL when not found.  Errors only for an image that exists but is bad.
 */
int ins_file_find(struct ins_ckpt *c, FdTypes type, uint32_t id, const ProtobufCMessage **ret,
		  struct cr_error **err);
/*
 * crit's display name of a file, exactly as CRIU's crit x prints it:
 * a path for REG ("unknown path" if not found), "pipe[N]", "unix[I (P) name]",
 * else "TYPE.ID".  Returns an allocated string.
 */
int ins_file_name(struct ins_ckpt *c, FdTypes type, uint32_t id, char **ret,
		  struct cr_error **err);
/* The name of a memfd (memfd.img) behind a MEMFD file id; NULL if unknown. */
int ins_memfd_name(struct ins_ckpt *c, uint32_t file_id, const char **ret, struct cr_error **err);
/* The enum name of an fd type ("REG"), or NULL for unknown values. */
const char *ins_fd_type_name(FdTypes type);

/* ---- fds ---------------------------------------------------------------- */

struct ins_fd {
	uint32_t fd;
	FdTypes type;
	uint32_t id;
	uint32_t flags;
	char *name; /* ins_file_name() */
};

struct ins_task_fds {
	uint32_t pid;
	bool dead;  /* no fd images for this task: nothing below is set */
	struct ins_fd *fds;
	size_t n;
	char *cwd, *root; /* NULL when fs-PID.img is missing */
};

struct ins_fds {
	struct ins_task_fds *tasks; /* pstree order */
	size_t n;
};

int ins_fds(struct ins_ckpt *c, struct ins_fds **ret, struct cr_error **err);
struct ins_fds *ins_fds_free(struct ins_fds *f);

/* ---- Memory maps -------------------------------------------------------- */

enum ins_vma_kind {
	INS_VMA_K_ANON,        /* private anonymous */
	INS_VMA_K_FILE,        /* file mapping: name, pgoff, shared */
	INS_VMA_K_SHMEM,       /* shared anonymous: vid */
	INS_VMA_K_SYSV,        /* SysV shm: vid */
	INS_VMA_K_PACKET,      /* packet socket ring: vid */
	INS_VMA_K_STACK,
	INS_VMA_K_VSYSCALL,
	INS_VMA_K_VDSO,
	INS_VMA_K_STACK_GUESS, /* MAP_GROWSDOWN without the stack status */
};

struct ins_vma {
	uint64_t start, end, pgoff, shmid;
	uint32_t prot, flags, status;
	enum ins_vma_kind kind;
	char *name;      /* file status bits set: ins_file_name(REG, shmid) */
	uint64_t vid;    /* SHMEM/SYSV/PACKET: crit's running number for the shmid */
	bool shared;     /* FILE: VMA_FILE_SHARED */
	const char *memfd; /* VMA_AREA_MEMFD: the memfd's name (crit shows "unknown path") */
	bool regular;    /* VMA_AREA_REGULAR; crit marks irregular ones with '*' */
	uint64_t pages_dumped; /* pagemap pages inside the VMA: ins_mems_count_dumped() */
};

struct ins_task_mm {
	uint32_t pid;
	bool dead;
	char *exe;  /* ins_file_name(REG, exe_file_id) */
	struct ins_vma *vmas;
	size_t n;
	uint64_t arg_start, arg_end, env_start, env_end;
};

struct ins_mms {
	struct ins_task_mm *tasks;
	size_t n;
};

int ins_mems(struct ins_ckpt *c, struct ins_mms **ret, struct cr_error **err);
/* Fill ins_vma.pages_dumped from each task's pagemap (not done by ins_mems). */
int ins_mems_count_dumped(struct ins_ckpt *c, struct ins_mms *mms, struct cr_error **err);
struct ins_mms *ins_mms_free(struct ins_mms *m);

/* ---- RSS (pagemap against VMAs, crit x rss) ------------------------------ */

struct ins_rss_ref {
	size_t vma;  /* index into the task's VMAs */
	bool repeat; /* the same VMA as the previous reference (crit's "~") */
};

struct ins_rss_row {
	uint64_t vaddr, nr_pages;
	uint32_t flags;          /* PE_* (derived from in_parent for old images) */
	struct ins_rss_ref *refs;
	size_t n_refs;
};

struct ins_task_rss {
	uint32_t pid;
	bool dead;
	struct ins_vma *vmas; /* from ins_mems, borrowed from the ins_mms passed in */
	size_t n_vmas;
	struct ins_rss_row *rows;
	size_t n;
	uint64_t pages_present, pages_parent, pages_lazy;
};

struct ins_rss {
	struct ins_task_rss *tasks;
	size_t n;
};

/* rss borrows VMAs from mms, which must outlive it. */
int ins_rss(struct ins_ckpt *c, const struct ins_mms *mms, struct ins_rss **ret,
	    struct cr_error **err);
struct ins_rss *ins_rss_free(struct ins_rss *r);

/* ---- Sockets ------------------------------------------------------------ */

enum ins_sk_family { INS_SK_UNIX, INS_SK_INET, INS_SK_PACKET, INS_SK_NETLINK };

struct ins_sk {
	uint32_t pid;  /* first task holding it */
	uint32_t fd;
	uint32_t id, ino;
	enum ins_sk_family kind;
	uint32_t family, type, state, proto; /* AF_*, SOCK_*, TCP_* / unix state, IPPROTO_* */
	char *src, *dst;   /* addresses: "127.0.0.1", "::1", unix path ("@abs" for abstract) */
	uint32_t src_port, dst_port;
	uint32_t peer;     /* unix: peer inode */
	uint32_t backlog;
	uint64_t inq, outq;        /* tcp-stream queue bytes (inet), when dumped */
	uint64_t queued, n_queued; /* sk-queues.img: bytes and packets queued for it */
};

struct ins_sks {
	struct ins_sk *sks;
	size_t n;
};

int ins_sockets(struct ins_ckpt *c, struct ins_sks **ret, struct cr_error **err);
struct ins_sks *ins_sks_free(struct ins_sks *s);
/* Names for socket values (dict "sk"): "STREAM", "ESTABLISHED", "TCP"... NULL if unknown. */
const char *ins_sk_type_name(uint32_t type);
const char *ins_sk_state_name(uint32_t state);
const char *ins_sk_family_name(uint32_t family);
const char *ins_sk_proto_name(uint32_t proto);

/* ---- Memory ------------------------------------------------------------- */

/*
 * Where page data comes from: pages-N.img opened by id, read by offset.  The
 * default back end preads the raw file; a compressed back end can provide
 * the same two calls.
 */
struct ins_page_source;
struct ins_page_source_ops {
	ssize_t (*pread)(struct ins_page_source *s, void *buf, size_t len, uint64_t off,
			 struct cr_error **err);
	void (*close)(struct ins_page_source *s);
	/* Optional: the fd of an uncompressed file (offsets 1:1), or -1. */
	int (*plain_fd)(struct ins_page_source *s);
};
struct ins_page_source {
	const struct ins_page_source_ops *ops;
	char *label;
	uint64_t size; /* bytes of page data available */
};
/* Open pages-ID.img of dirfd (raw). */
int ins_page_source_open_raw(int dirfd, uint32_t pages_id, struct ins_page_source **ret,
			     struct cr_error **err);
void ins_page_source_close(struct ins_page_source *s);
/*
 * How page sources are opened: ins_page_source_open_raw by default; the CLI
 * plugs in a back end that also reads compressed pages (convert/pages.h),
 * which inspect/ cannot link itself (it sits beside convert/, not above).
 * -ENOENT means the pages file does not exist.
 */
typedef int (*ins_page_open_fn)(int dirfd, uint32_t pages_id, struct ins_page_source **ret,
				struct cr_error **err);
void ins_ckpt_set_page_open(struct ins_ckpt *c, ins_page_open_fn fn);

/* A task's memory: pagemap + pages, following `parent` dirs. */
struct ins_mem;

/* One resolved run of dumped pages. */
struct ins_extent {
	uint64_t vaddr;
	uint64_t len;     /* bytes */
	unsigned layer;   /* 0 = this dir, 1 = parent, ... */
	uint64_t off;     /* byte offset in that layer's page source */
};

int ins_mem_open(struct ins_ckpt *c, uint32_t pid, struct ins_mem **ret, struct cr_error **err);
/* Open from a directory fd (borrowed) and a pid. */
int ins_mem_open_at(int dirfd, const char *label, uint32_t pid, struct ins_mem **ret,
		    struct cr_error **err);
struct ins_mem *ins_mem_free(struct ins_mem *m);
/* Use another page source back end (ins_mem_open takes the ckpt's). */
void ins_mem_set_page_open(struct ins_mem *m, ins_page_open_fn fn);
/*
 * Read len bytes at vaddr into buf.  Bytes nothing was dumped for read as
 * zeros.  Returns 0 or -errno.  *ret_dumped (optional) counts the bytes that
 * came from page data.
 */
int ins_mem_read(struct ins_mem *m, uint64_t vaddr, void *buf, size_t len, size_t *ret_dumped,
		 struct cr_error **err);
/*
 * A read-only view of [vaddr, vaddr+len) straight from the page cache (mmap
 * of the pages file), for scans that would otherwise copy every byte.  Only
 * for a range inside one extent of an uncompressed, long enough file:
 * returns 1 and sets *ret, or 0 when the caller should ins_mem_read instead.
 * Release with ins_mem_unview(view).
 */
struct ins_view {
	void *base;
	size_t len;
};
int ins_mem_view(struct ins_mem *m, uint64_t vaddr, size_t len, const uint8_t **ret,
		 struct ins_view *view, struct cr_error **err);
void ins_mem_unview(struct ins_view *view);
/* The resolved extents, sorted by vaddr, non-overlapping. */
const struct ins_extent *ins_mem_extents(const struct ins_mem *m, size_t *n);
unsigned ins_mem_layers(const struct ins_mem *m);
/* Read a NUL-separated string list from [start, end): argv or environ. */
int ins_mem_strings(struct ins_mem *m, uint64_t start, uint64_t end, char ***ret, size_t *n,
		    struct cr_error **err);
void ins_strv_free(char **v, size_t n);

/* ---- Search ------------------------------------------------------------- */

struct ins_match {
	uint32_t pid;
	uint64_t vaddr;
	size_t vma;        /* index into that task's VMAs, (size_t)-1 if none */
	uint8_t *ctx;      /* context bytes: [vaddr - ctx_before, vaddr + len + after) */
	size_t ctx_len, ctx_before, len;
};

struct ins_search_opts {
	const void *pattern;
	size_t pattern_len;
	bool regex;       /* POSIX extended regex (pattern NUL-terminated) */
	uint32_t pid;     /* 0 = every task */
	size_t context;   /* bytes of context each side */
	size_t max_matches; /* 0 = unlimited */
};

struct ins_matches {
	struct ins_match *m;
	size_t n;
	bool truncated; /* max_matches was reached: there may be more */
};

int ins_search(struct ins_ckpt *c, const struct ins_search_opts *o, struct ins_matches **ret,
	       struct cr_error **err);
struct ins_matches *ins_matches_free(struct ins_matches *m);

/* ---- Stats -------------------------------------------------------------- */

struct ins_stats {
	StatsEntry *dump;    /* NULL when stats-dump is missing */
	StatsEntry *restore; /* NULL when stats-restore is missing */
};
int ins_stats(struct ins_ckpt *c, struct ins_stats *ret, struct cr_error **err);
void ins_stats_clear(struct ins_stats *s);

/* ---- Check -------------------------------------------------------------- */

enum ins_severity { INS_WARN, INS_ERROR };
struct ins_problem {
	enum ins_severity sev;
	char *msg; /* "'fdinfo-2.img': entry 3: fd 5 refers to file id 17, not in files.img" */
};
struct ins_problems {
	struct ins_problem *p;
	size_t n;
	size_t n_errors;
	size_t images_checked;
};
int ins_check(struct ins_ckpt *c, struct ins_problems **ret, struct cr_error **err);
struct ins_problems *ins_problems_free(struct ins_problems *p);

/* ---- Diff --------------------------------------------------------------- */

enum ins_diff_what { INS_D_TASK, INS_D_FD, INS_D_SOCKET, INS_D_MEM };
enum ins_diff_op { INS_D_ADDED, INS_D_REMOVED, INS_D_CHANGED };
struct ins_diff_item {
	enum ins_diff_what what;
	enum ins_diff_op op;
	uint32_t pid;
	uint32_t fd; /* INS_D_FD */
	char *key;   /* task comm, fd name, socket description */
	char *a, *b; /* old and new value text (NULL for added/removed) */
	int64_t delta; /* INS_D_MEM: bytes (b - a) */
};
struct ins_diff {
	struct ins_diff_item *items;
	size_t n;
};
int ins_diff(struct ins_ckpt *a, struct ins_ckpt *b, struct ins_diff **ret, struct cr_error **err);
struct ins_diff *ins_diff_free(struct ins_diff *d);

/* ---- argv / environment ----------------------------------------------------- */

struct ins_task_args {
	uint32_t pid;
	bool dead;
	char **argv, **env;
	size_t argc, envc;
	char *error; /* why the strings could not be read (pages not dumped...) */
};
struct ins_args {
	struct ins_task_args *tasks; /* pstree order */
	size_t n;
};
/* argv and environment of every task, from mm arg/env ranges and memory. */
int ins_args(struct ins_ckpt *c, struct ins_args **ret, struct cr_error **err);
struct ins_args *ins_args_free(struct ins_args *a);

/* ---- Mounts ----------------------------------------------------------------- */

struct ins_mount {
	uint32_t ns_id;   /* from mountpoints-NS.img */
	uint32_t mnt_id, parent_mnt_id;
	const char *mountpoint, *root, *source, *options;
	const char *fstype; /* fsname when set, else the fstype enum name */
	const char *ext_key; /* an external (bind from outside) mount's --external key, else NULL */
};
struct ins_mounts {
	struct ins_mount *v;
	size_t n;
	ProtobufCMessage **msgs; /* owned */
	size_t n_msgs;
};
/* Every mountpoints-*.img of the directory (none is not an error). */
int ins_mounts(struct ins_ckpt *c, struct ins_mounts **ret, struct cr_error **err);
struct ins_mounts *ins_mounts_free(struct ins_mounts *m);

/* ---- Namespaces ------------------------------------------------------------- */

enum ins_ns_kind {
	INS_NS_PID,
	INS_NS_NET,
	INS_NS_IPC,
	INS_NS_UTS,
	INS_NS_MNT,
	INS_NS_USER,
	INS_NS_CGROUP,
	INS_NS_TIME,
	_INS_NS_KIND_MAX,
	_INS_NS_KIND_INVALID = -EINVAL,
};
struct ins_id_map {
	uint32_t first, lower_first, count;
};
struct ins_ns {
	enum ins_ns_kind kind;
	uint32_t id;          /* ids-PID.img */
	size_t n_tasks;       /* tasks of the tree in it */
	bool own;             /* not inventory's root_ids one: the checkpoint's own */
	bool dumped;          /* its state image exists (uts, ipc, mnt, user, net) */
	char *hostname, *domainname;              /* uts */
	struct ins_id_map *uid_map, *gid_map;     /* user */
	size_t n_uid_map, n_gid_map;
	size_t n_mounts;                          /* mnt */
	size_t n_shm, n_msg_queues, n_sem_sets;   /* ipc */
	size_t n_links;                           /* net: netdev entries */
	const char *net_raw[9];                   /* net: raw images present ("ifaddr", ...) */
	size_t n_net_raw;
};
struct ins_nss {
	struct ins_ns *v; /* by kind, then id */
	size_t n;
};
/* The namespaces the tree's tasks are in, with what their images say. */
int ins_namespaces(struct ins_ckpt *c, struct ins_nss **ret, struct cr_error **err);
struct ins_nss *ins_nss_free(struct ins_nss *s);
const char *ins_ns_kind_name(enum ins_ns_kind k);

/* ---- Checkpoint bundles (a directory or a podman/CRI-O archive) ------------ */

struct ins_bundle {
	struct ins_ckpt *ckpt;
	const char *kind;    /* "image directory", "container checkpoint directory", "archive" */
	char *path;
	char *tmpdir;        /* extraction directory (archives), removed by ins_bundle_free */
	json_t *config;      /* config.dump (podman) or NULL */
	json_t *spec;        /* spec.dump (OCI runtime spec) or NULL */
	json_t *deleted;     /* deleted.files or NULL */
	char **members;      /* archive members ("name size") or container dir entries */
	size_t n_members;
	bool has_rootfs_diff;
};
/*
 * Open a checkpoint: an image directory, a directory holding checkpoint/
 * (podman/CRI-O export layout), or an archive of that layout (tar, tar.gz,
 * tar.zst...), read through libarchive.  From archives only checkpoint/
 * images, stats and the small metadata files are extracted, into a private
 * temporary directory; member names are checked (no absolute paths, no "..",
 * no links), sizes are bounded.
 */
int ins_bundle_open(const char *path, struct ins_bundle **ret, struct cr_error **err);
struct ins_bundle *ins_bundle_free(struct ins_bundle *b);
/* The images of any of those (an archive is extracted until ins_ckpt_free). */
int ins_ckpt_open_any(const char *path, struct ins_ckpt **ret, struct cr_error **err);
