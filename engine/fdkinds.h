/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The "ext" file kinds: unix and inet sockets (TCP through TCP_REPAIR),
 * eventfd, eventpoll, timerfd, signalfd, inotify and memfd.  One file per
 * kind, each filling a struct fdk_ops; the core finds the ops of a dumped fd
 * with fdk_ops_for_fd() and of an image entry with fdk_ops_by_type().
 *
 * Dump: the core stops the tasks, copies a target fd into crisp with
 * pidfd_getfd() and calls ops->dump once per open file description (not per
 * fd: a socket shared by two tasks is dumped once).  ops->dump fills the
 * kind's sub-entry of *out (out->id is set by the caller) and writes the
 * kind's own images (sk-queues, tcp-stream-%x, memfd, pagemap-shmem-N)
 * through struct fdk_dump.  Established TCP connections are put under a
 * network lock (nft) and in repair mode before they are read.
 * fdk_dump_commit() finishes those images once all tasks are done;
 * fdk_dump_finish() lifts the lock and turns repair off again when the tasks
 * keep running.
 *
 * Restore: every object is created in the calling process (crisp, before
 * the tasks are forked); ops->open returns a new fd the caller owns.  Kinds
 * whose state refers to other fds by number (epoll targets) have ops->post,
 * run in the restored task once all its fds are at their numbers.
 * fdk_restore_finish() lifts the dump's network lock and takes established
 * TCP sockets out of repair mode; call it after every task has its fds and
 * before crisp closes its copies.
 *
 * Nothing here is global: all state lives in struct fdk_dump/fdk_restore.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cr-error.h"
#include "crimg.h"

struct crisp_opts;

struct fdk_memfd_ino {
	unsigned long dev, ino;
	uint32_t inode_id;
};

#define FDK_USK_EXTERN 0x1 /* CRIU's USK_EXTERN: a peer outside the dumped tree */

struct fdk_usk {
	uint32_t ino, peer, id;
	uint32_t type, state;
	bool named;
};

struct fdk_repaired {
	int fd;       /* crisp's copy, keeps the socket for fdk_dump_finish() */
	uint32_t ino;
};

/* One TCP connection as the network lock sees it (addresses in network order). */
struct fdk_conn {
	int family;
	uint32_t ino;
	uint32_t src[4], dst[4];
	uint32_t sport, dport;
};

struct fdk_dump {
	int imgfd;
	bool tcp_established, tcp_close, ext_unix_sk;
	uint32_t *next_pages_id; /* the core's pages-N counter: last id used */
	/* optional: CRIU's ns id for a net namespace inode (ids-N net_ns_id) */
	uint32_t (*net_ns_id)(void *arg, unsigned long ino);
	void *net_ns_arg;
	/*
	 * For --ext-unix-sk: record a peer outside the tree as an extra
	 * UNIXSK entry of files.img with uflags USK_EXTERN, as CRIU does.
	 * new_file_id returns a fresh file id; put_file writes fe to files.img.
	 */
	uint32_t (*new_file_id)(void *arg);
	int (*put_file)(void *arg, FileEntry *fe, struct cr_error **err);
	/* optional: a file crisp received in flight (SCM_RIGHTS): its file id */
	int (*dump_local)(void *arg, int fd, uint32_t *ret_id, struct cr_error **err);
	void *file_arg;
	struct img_writer *w_skq;   /* sk-queues.img, on demand */
	struct img_writer *w_memfd; /* memfd.img, on demand */
	struct fdk_memfd_ino *memfds;
	size_t n_memfds, cap_memfds;
	struct fdk_usk *usks; /* unix sockets dumped, for the peer check */
	size_t n_usks, cap_usks;
	struct fdk_repaired *repaired; /* TCP sockets left in repair mode */
	size_t n_repaired, cap_repaired;
	struct fdk_conn *locked; /* connections under the network lock */
	size_t n_locked, cap_locked;
	bool netlock_missing; /* nft is not installed: connections were not locked */
	bool netlock_skip;    /* --network-lock skip */
	bool netlock_iptables; /* --network-lock iptables: CRIU's rules, which its restore lifts */
	bool skip_in_flight;  /* --skip-in-flight: drop connections not yet accepted */
};

/*
 * imgfd is borrowed; next_pages_id points at the counter the core uses for
 * pages-N.img ids (memfd contents take ids from it).
 */
void fdk_dump_init(struct fdk_dump *d, int imgfd, const struct crisp_opts *o,
		   uint32_t *next_pages_id);
/* After all tasks: peer checks, commit sk-queues.img and memfd.img. */
int fdk_dump_commit(struct fdk_dump *d, struct cr_error **err);
/*
 * Always call last.  keep_running: the tasks are resumed (failed dump,
 * --leave-running), so the network lock goes and TCP sockets leave repair
 * mode; otherwise both stay, so that killing the tasks sends neither FIN
 * nor RST and the peer's packets wait for the restore.
 */
void fdk_dump_finish(struct fdk_dump *d, bool keep_running);

struct fdk_rsk {
	uint32_t id; /* file id */
	int fd;      /* crisp's copy */
};

struct fdk_tcp_pending {
	int fd;
	struct fdk_conn conn; /* the network lock to lift */
	/* CLOSE_WAIT: the peer's FIN, to be received again once repair is off */
	bool fin;
	uint32_t fin_seq, fin_ack, fin_win;
};

struct fdk_restore {
	int imgfd;
	/* optional: crisp's fd for a file id, to pass in flight again (borrowed) */
	int (*open_file)(void *arg, uint32_t id, int *ret_fd, struct cr_error **err);
	void *open_arg;
	bool tcp_established, tcp_close, ext_unix_sk;
	FileEntry **fes; /* all of files.img, borrowed */
	size_t n_fes;
	struct img_entry *skq; /* sk-queues.img, loaded on first use */
	size_t n_skq;
	bool skq_loaded;
	MemfdInodeEntry **mino; /* memfd.img, loaded on first use */
	size_t n_mino;
	int *mino_fd;
	bool mino_loaded;
	struct fdk_rsk *socks; /* unix sockets created so far (both ends of pairs) */
	size_t n_socks, cap_socks;
	struct fdk_tcp_pending *tcp;
	size_t n_tcp, cap_tcp;
};

int fdk_restore_init(struct fdk_restore *r, int imgfd, const struct crisp_opts *o,
		     FileEntry **fes, size_t n_fes, struct cr_error **err);
/* Lift the network lock and take TCP sockets out of repair mode. */
int fdk_restore_finish(struct fdk_restore *r, struct cr_error **err);
void fdk_restore_release(struct fdk_restore *r);

struct fdk_ops {
	const char *name;
	int type; /* FD_TYPES__* */
	/*
	 * pid/target_fd: the fd in the stopped task (for /proc/PID/fdinfo);
	 * local_fd: crisp's copy from pidfd_getfd(), borrowed.
	 */
	int (*dump)(struct fdk_dump *d, pid_t pid, int target_fd, int local_fd, FileEntry *out,
		    struct cr_error **err);
	int (*open)(struct fdk_restore *r, const FileEntry *fe, int *ret_fd, struct cr_error **err);
	/* In the restored task, fd at its final number; NULL when not needed. */
	int (*post)(const FileEntry *fe, int fd, struct cr_error **err);
};

/* The kind handling a local fd (by fstat and its /proc/self/fd link), NULL when none. */
const struct fdk_ops *fdk_ops_for_fd(int local_fd, const struct stat *st);
const struct fdk_ops *fdk_ops_by_type(int type);
/* Free the sub-entry ops->dump attached to fe (fe itself is the caller's). */
void fdk_file_entry_release(FileEntry *fe);

extern const struct fdk_ops fdk_unix_ops, fdk_inet_ops, fdk_eventfd_ops, fdk_eventpoll_ops,
	fdk_timerfd_ops, fdk_signalfd_ops, fdk_inotify_ops, fdk_memfd_ops, fdk_netlink_ops,
	fdk_pidfd_ops, fdk_packet_ops;

/* ---- helpers shared by the kinds (fdkinds.c) ---- */

/* /proc/PID/fdinfo/FD as a NUL-terminated malloc'd string. */
int fdk_fdinfo_read(pid_t pid, int fd, char **ret, struct cr_error **err);
/* Value after "key:" in fdinfo text (NULL when absent). */
const char *fdk_fdinfo_field(const char *text, const char *key);
/* "flags:" without O_CLOEXEC (kept in the fdinfo entry) and "pos:". */
int fdk_fdinfo_flags(const char *text, uint32_t *ret_flags, uint64_t *ret_pos);
FownEntry *fdk_fown_new(int local_fd);
int fdk_fown_restore(int fd, const FownEntry *fown, struct cr_error **err);
/* Reopen flags restorable with fcntl(F_SETFL). */
int fdk_set_fl(int fd, uint32_t flags, struct cr_error **err);
/* The last step of every open: file flags, then owner; fd is taken over
 * (closed on failure) and handed back in *ret_fd. */
int fdk_open_done(int fd, uint32_t flags, const FownEntry *fown, int *ret_fd,
		  struct cr_error **err);

SkOptsEntry *fdk_skopts_dump(int sk, bool inet);
int fdk_skopts_restore(int sk, const SkOptsEntry *o, struct cr_error **err);

/* Restore bookkeeping for sockets: remember crisp's fd for a file id. */
void fdk_rsk_add(struct fdk_restore *r, uint32_t id, int fd);
int fdk_rsk_find(const struct fdk_restore *r, uint32_t id);
const FileEntry *fdk_find_entry(const struct fdk_restore *r, int type, uint32_t ino);
int fdk_skq_load(struct fdk_restore *r, struct cr_error **err);

/* sk-unix.c: the UNIXSK entry of a peer outside the tree (--ext-unix-sk) */
/* via: a socket in the peer's net namespace, or -1 for crisp's */
int unix_dump_external(struct fdk_dump *d, int via, uint32_t ino, struct cr_error **err);

/* tcp-repair.c */
int tcp_repair_dump(struct fdk_dump *d, pid_t pid, int sk, InetSkEntry *ie,
		    struct cr_error **err);
int tcp_repair_restore(struct fdk_restore *r, int sk, const InetSkEntry *ie,
		       struct cr_error **err);
int tcp_repair_set(int sk, int on);
/* Hand the socket of t the peer's FIN again, from a raw socket (tcp-repair.c). */
int tcp_repair_send_fin(const struct fdk_tcp_pending *t, struct cr_error **err);

/*
 * tcp-repair.c, network lock: drop every packet of these connections
 * (lock) or stop doing so (unlock), in one nft transaction.  -ENOENT when
 * nft is not installed (then nothing is done and *err is untouched).
 */
int netlock_conns(const struct fdk_conn *c, size_t n, bool lock, struct cr_error **err);
/* The same in CRIU's iptables form (--network-lock iptables); -ENOENT without iptables. */
int netlock_conns_ipt(const struct fdk_conn *c, size_t n, bool lock, struct cr_error **err);
void fdk_conn_of(const InetSkEntry *ie, struct fdk_conn *ret);
