/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The engine's internal model: one context per dump or restore (options,
 * image directory fd, log sink, id allocators) and one struct task per
 * process of the tree.  Nothing here is global.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/user.h>

#include "cleanup.h"
#include "cr-error.h"
#include "crimg.h"
#include "log.h"
#include "opts.h"

#define PAGE_SIZE_ 4096ul
/* the restore trampoline: `syscall` at +0, scratch from +512 to the end */
#define TRAMP_SIZE (8 * PAGE_SIZE_)

/* CRIU's task_state values (core.tc.task_state). */
enum { TASK_ALIVE = 1, TASK_DEAD = 2, TASK_STOPPED = 3 };

/* CRIU's vma status bits (image.h). */
#define VMA_AREA_REGULAR (1u << 0)
#define VMA_AREA_STACK (1u << 1)
#define VMA_AREA_VSYSCALL (1u << 2)
#define VMA_AREA_VDSO (1u << 3)
#define VMA_AREA_HEAP (1u << 5)
#define VMA_FILE_PRIVATE (1u << 6)
#define VMA_FILE_SHARED (1u << 7)
#define VMA_ANON_SHARED (1u << 8)
#define VMA_ANON_PRIVATE (1u << 9)
#define VMA_AREA_SYSVIPC (1u << 10)
#define VMA_AREA_SOCKET (1u << 11)
#define VMA_AREA_VVAR (1u << 12)
#define VMA_AREA_AIORING (1u << 13)
#define VMA_AREA_MEMFD (1u << 14)
#define VMA_UNSUPP (1u << 31)

/* A mapping as /proc/PID/maps + smaps show it. */
struct pvma {
	unsigned long start, end, pgoff;
	int prot;
	int flags;       /* MAP_PRIVATE/SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN */
	unsigned status; /* VMA_* */
	unsigned long dev, ino;
	uint64_t madv;   /* 1 << MADV_x for each VmFlags bit we keep */
	uint32_t shmid;  /* file id (file vma) or shmem id (anon shared) */
	char *path;      /* NULL for anonymous; "[heap]", "[vdso]"... for special */
};

struct pvma_list {
	struct pvma *v;
	size_t n, cap;
};
void pvma_list_release(struct pvma_list *l);

struct task {
	pid_t pid, ppid, pgid, sid;
	int state;     /* TASK_* */
	uint32_t exit_code;
	uint32_t stop_signo;
	struct task *parent;
	struct task **children;
	size_t n_children, cap_children;
	size_t idx;    /* position in tree->tasks */

	/* dump */
	bool seized;
	bool regs_saved;
	bool mask_saved;
	struct user_regs_struct regs; /* as stopped, untouched */
	uint64_t sigmask;             /* as stopped */
	unsigned long syscall_ip;     /* a `syscall` instruction in the task */
	unsigned long scratch;        /* injected scratch page (0: none) */
	struct pvma_list vmas;

	/* restore */
	CoreEntry *core;
	TaskKobjIdsEntry *ids;
	MmEntry *mm;
	FsEntry *fs;
	FdinfoEntry **fds;
	size_t n_fds;
	bool created;  /* exists (pid is ours to kill on failure) */

	/* threads other than the leader (threads.c); each is a struct task with
	 * pid = tid and leader set, never in tree->tasks */
	struct task *leader;
	struct task **threads;
	size_t n_threads, cap_threads;
};

struct pstree {
	struct task **tasks; /* tree order: parents before children */
	size_t n, cap;
	struct task *root;
};
void pstree_release(struct pstree *t);
struct task *pstree_find(struct pstree *t, pid_t pid);
struct task *pstree_add(struct pstree *t, pid_t pid, struct task *parent);

/* A regular/vma file already recorded in files.img (dump side). */
struct dfile {
	uint32_t id;
	pid_t pid;     /* task and fd it was found at (-1: a vma or fs file) */
	int fd;
	unsigned long dev, ino;
	uint32_t flags;
	int type;      /* FD_TYPES__* */
};

struct dump_stats {
	uint64_t pages_scanned, pages_written, pages_zero, pages_parent;
	double t_freeze, t_frozen, t_mem, t_memwrite;
};

struct crisp_ctx {
	const struct crisp_opts *o;
	struct crisp_log *log;
	int imgfd;
	int workfd;
	struct pstree tree;

	/* dump */
	struct img_writer *w_files;     /* files.img */
	struct img_writer *w_pipes_data; /* pipes-data.img (opened on demand) */
	struct img_writer *w_fifo_data;  /* fifo-data.img (opened on demand) */
	struct dfile *dfiles;
	size_t n_dfiles, cap_dfiles;
	int *kept;            /* crisp's fds of files in flight (files_dump_local) */
	size_t n_kept, cap_kept;
	uint32_t next_file_id;
	uint32_t next_pages_id;
	uint64_t zero_pfn;
	bool have_zero_pfn;
	bool no_pm_scan;      /* the kernel has no PAGEMAP_SCAN */
	uint64_t *pipes_done; /* pipe inodes whose data was written */
	size_t n_pipes_done, cap_pipes_done;
	struct { unsigned long ino; uint32_t id; } nsids[32];
	size_t n_nsids;
	uint32_t next_ns_id;
	struct { unsigned long ino; uint32_t id; pid_t pid; unsigned long start; } shm[64];
	size_t n_shm;
	struct dump_stats st;
	uint32_t *sysv;       /* SysV shm ids attached by the tree (sysv-shm.c) */
	size_t n_sysv, cap_sysv;
	uint32_t sysv_ns;     /* their IPC namespace's id */
	uint32_t sysv_rm[16]; /* restore: segments to remove again once attached */
	size_t n_sysv_rm;

	/* restore */
	FileEntry **fentries; /* all of files.img */
	size_t n_fentries;
	int *ffd;             /* crisp-side fd for fentries[i], -1 if not opened */
	uint8_t *fd_used;     /* bitmap: fd numbers some task gets (files_park_fd) */
	size_t n_fd_used;     /* bits in it */
	struct img_entry *pipe_data;
	size_t n_pipe_data;
	struct img_entry *fifo_data;
	size_t n_fifo_data;
	unsigned long tramp;  /* the trampoline page, same address in every task */
	void *shared;         /* the sync page the restored tasks report to */
	size_t shared_len;
	pid_t self;
	struct { uint64_t shmid; pid_t pid; unsigned long start, end, pgoff; } rshm[64];
	size_t n_rshm;
	struct rpipe { uint32_t pipe_id; int fds[2]; } *rpipes;
	size_t n_rpipes, cap_rpipes;

	/* ghost files (ghost.c): dump side */
	struct img_writer *w_remap; /* remap-fpath.img */
	struct { unsigned long dev, ino; uint32_t id; } *ghosts;
	size_t n_ghosts, cap_ghosts;
	uint32_t next_ghost_id;
	/* restore side */
	struct { uint32_t orig_id, remap_id; int fd; } *remaps;
	size_t n_remaps;

	/* seccomp filters (seccomp.c) as CRIU lays them out: ids are indexes, a
	 * thread names its oldest filter and `prev` leads to the next newer one */
	struct sc_filter { uint8_t *prog; size_t len; uint32_t prev, flags; bool has_prev; } *scf;
	size_t n_scf, cap_scf;

	/* the "ext" fd kinds (fdkinds.h): struct fdk_dump / fdk_restore, or NULL */
	void *ext_dump;
	void *ext_rst;
};

static inline int ctx_log_level(struct crisp_ctx *c)
{
	return c->log ? c->log->level : 0;
}

#define pr_err(c, ...) log_err((c)->log, __VA_ARGS__)
#define pr_warn(c, ...) log_warn((c)->log, __VA_ARGS__)
#define pr_info(c, ...) log_info((c)->log, __VA_ARGS__)
#define pr_debug(c, ...) log_debug((c)->log, __VA_ARGS__)

/* ---- proc.c ---- */
struct proc_stat {
	char comm[64];
	char state;
	pid_t ppid, pgid, sid;
	unsigned long flags;
	long nice;
	unsigned long start_code, end_code, start_stack;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code;
	int num_threads;
};
int proc_read_stat(pid_t pid, struct proc_stat *ret, struct cr_error **err);

struct proc_status {
	uint32_t uid[4], gid[4]; /* real, effective, saved, fs */
	uint32_t *groups;
	size_t n_groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t umask;
	int no_new_privs;
	int seccomp;
	uint64_t sigpnd, shdpnd;
};
int proc_read_status(pid_t pid, struct proc_status *ret, struct cr_error **err);
void proc_status_release(struct proc_status *s);

int proc_read_maps(pid_t pid, struct pvma_list *ret, struct cr_error **err);
int proc_read_children(pid_t pid, pid_t **ret, size_t *ret_n, struct cr_error **err);
int proc_read_threads(pid_t pid, pid_t **ret, size_t *ret_n, struct cr_error **err);
/* readlink /proc/PID/<what> into a malloc'd string. */
int proc_readlink(pid_t pid, const char *what, char **ret, struct cr_error **err);
/* "flags:" and "pos:" of /proc/PID/fdinfo/FD. */
int proc_fdinfo(pid_t pid, int fd, uint32_t *ret_flags, uint64_t *ret_pos, int *ret_mnt_id,
		struct cr_error **err);
int proc_read_ulong(const char *path, unsigned long *ret);

/* ---- ptrace.c: stopping tasks and injecting syscalls ---- */
int ptr_seize(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* Execute one syscall in a stopped task at t->syscall_ip; regs are not restored. */
int ptr_syscall(struct task *t, long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5, unsigned long a6, long *ret,
		struct cr_error **err);
/* Put back the registers and signal mask the task had when seized. */
int ptr_restore_state(struct task *t, struct cr_error **err);
int ptr_detach(struct task *t, int sig);
int ptr_mem_write(pid_t pid, unsigned long addr, const void *buf, size_t len,
		  struct cr_error **err);
int ptr_mem_read(pid_t pid, unsigned long addr, void *buf, size_t len, struct cr_error **err);
int ptr_find_syscall(struct task *t, struct cr_error **err);

/* ---- regs.c ---- */
int regs_dump(struct crisp_ctx *c, struct task *t, ThreadInfoX86 **ret, struct cr_error **err);
void regs_free(ThreadInfoX86 *ti);
/* Load registers and FPU state from the image into the stopped task. */
int regs_restore(struct crisp_ctx *c, struct task *t, const ThreadInfoX86 *ti,
		 struct cr_error **err);

/* ---- core.c: the core-N image ---- */
int core_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err);
int core_dump_zombie(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* Restore-side pieces run by injection once memory is in place. */
int core_restore_late(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* Pieces a new task applies to itself while it still runs crisp code. */
int core_restore_early(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen);

/* ---- mem.c ---- */
int mem_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err);
int mem_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err);
int mem_zero_pfn(struct crisp_ctx *c);

/* ---- files.c ---- */
int files_dump_task(struct crisp_ctx *c, struct task *t, uint32_t files_id,
		    struct cr_error **err);
/* Record a file by path (vma, exe, cwd/root); returns its id. */
int files_dump_path(struct crisp_ctx *c, pid_t pid, const char *link, uint32_t flags,
		    uint32_t *ret_id, struct cr_error **err);
FileEntry *files_find(struct crisp_ctx *c, uint32_t id);
/* A memfd behind a mapping: a MEMFD entry (shared with its fds), id for the vma's shmid. */
int files_dump_memfd_vma(struct crisp_ctx *c, pid_t pid, unsigned long start, unsigned long end,
			 uint32_t *ret_id, struct cr_error **err);
/* crisp's fd for a files.img entry, opened on first use (borrowed). */
int files_open_entry(struct crisp_ctx *c, uint32_t id, int *ret_fd, struct cr_error **err);
int files_dump_local(struct crisp_ctx *c, int fd, uint32_t *ret_id, struct cr_error **err);
/* Move fd (closed) to a number no restored task uses; the new fd or -errno. */
int files_park_fd(struct crisp_ctx *c, int fd);
int files_restore_prepare(struct crisp_ctx *c, struct cr_error **err);
/* In the new task: put its fds in place and close everything else. */
int files_restore_task(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen);

/* ---- files-ext.c: bridge to the ext fd kinds (files-ext-none.c when absent) ---- */
int ext_dump_init(struct crisp_ctx *c, struct cr_error **err);
/* 1: handled (fe filled), 0: not an ext kind */
int ext_dump_fd(struct crisp_ctx *c, pid_t pid, int fd, int lfd, const struct stat *st,
		FileEntry *fe, struct cr_error **err);
int ext_dump_commit(struct crisp_ctx *c, struct cr_error **err);
void ext_dump_finish(struct crisp_ctx *c, bool keep_running);
int ext_restore_init(struct crisp_ctx *c, struct cr_error **err);
/* 1: opened, 0: not an ext kind */
int ext_open(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err);
/* In the new task, once its fds are in place. */
int ext_post(struct crisp_ctx *c, const FileEntry *fe, int fd, struct cr_error **err);
/* a file's owner (F_GETOWN_EX, F_GETSIG) as CRIU's FownEntry */
FownEntry *ext_fown_dump(int lfd);
int ext_restore_finish(struct crisp_ctx *c, struct cr_error **err);
void ext_release(struct crisp_ctx *c);
/* Fill fe (id set) for a memfd held by crisp's lfd; -EOPNOTSUPP without the ext kinds. */
int ext_dump_memfd(struct crisp_ctx *c, int lfd, FileEntry *fe, struct cr_error **err);
/* Free a FileEntry an ext kind filled (the entry itself too). */
void ext_entry_free(FileEntry *fe);

/* ---- pstree.c ---- */
int pstree_collect(struct crisp_ctx *c, pid_t root, struct cr_error **err);
int ns_check_task(pid_t pid, struct cr_error **err);
int inherit_fd_check(const struct crisp_opts *o, struct cr_error **err);
int inherit_fd_lookup(struct crisp_ctx *c, const FileEntry *fe, int *ret_fd, struct cr_error **err);
int pstree_write(struct crisp_ctx *c, struct cr_error **err);
int pstree_read(struct crisp_ctx *c, struct cr_error **err);

/* ---- ghost.c: open files and mappings whose file was deleted ---- */
/* Save the contents of a deleted file (rfd readable) for file id; CRIU's ghost-file + remap. */
int ghost_dump(struct crisp_ctx *c, int rfd, const struct stat *st, uint32_t file_id,
	       struct cr_error **err);
int ghost_dump_commit(struct crisp_ctx *c, struct cr_error **err);
int ghost_restore_prepare(struct crisp_ctx *c, struct cr_error **err);
int core_restore_cwd_ghost(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen);
/* 1 with *ret_fd (crisp's, borrowed) when file id is a ghost, 0 when not. */
int ghost_fd(struct crisp_ctx *c, uint32_t file_id, const char *path, int *ret_fd,
	     struct cr_error **err);
void ghost_release(struct crisp_ctx *c);

/* ---- seccomp.c ---- */
/* The filter chain of a thread (mode 2): *ret_top is the id of its oldest filter. */
int seccomp_dump_chain(struct crisp_ctx *c, pid_t tid, uint32_t *ret_top, struct cr_error **err);
int seccomp_dump_commit(struct crisp_ctx *c, struct cr_error **err);
int seccomp_restore_prepare(struct crisp_ctx *c, struct cr_error **err);
/* Last injections of a thread: its seccomp mode/filters, args staged at scratch. */
int seccomp_restore(struct crisp_ctx *c, struct task *t, const ThreadCoreEntry *th,
		    unsigned long scratch, size_t room, struct cr_error **err);
void seccomp_release(struct crisp_ctx *c);

/* ---- threads.c ---- */
/* Seize every other thread of a seized leader (until no new one shows up). */
int threads_seize(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* core-TID.img for each other thread (registers, mask, thread state). */
int threads_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* Restore: read core-TID.img of the threads listed in pstree.img. */
int threads_read(struct crisp_ctx *c, struct task *t, const uint32_t *tids, size_t n,
		 struct cr_error **err);
/* Restore, leader seized with its memory in place: clone3 each thread with its tid. */
int threads_create(struct crisp_ctx *c, struct task *t, struct cr_error **err);
/* Restore: per-thread state, then registers (before the leader's finish). */
int threads_finish(struct crisp_ctx *c, struct task *t, struct cr_error **err);
void threads_detach(struct task *t, bool restore_state);
void threads_free(struct task *t);

/* ---- misc ---- */
uint32_t ns_id_for(struct crisp_ctx *c, unsigned long ino);
double now_sec(void);
