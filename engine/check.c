// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel probes.  Each one exercises the interface the engine uses, on
 * crisp itself or on a short-lived traced child, and says what is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/elf.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mem-parent.h"
#include "cleanup.h"
#include "xalloc.h"

#ifndef PTRACE_GETSIGMASK
#define PTRACE_GETSIGMASK 0x420a
#endif
#ifndef PTRACE_PEEKSIGINFO
#define PTRACE_PEEKSIGINFO 0x4209
#endif
#define CRISP_PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#define CRISP_PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif
#ifndef PR_SET_MM
#define PR_SET_MM 35
#endif
#ifndef PR_SET_MM_MAP_SIZE
#define PR_SET_MM_MAP_SIZE 15
#endif
#define CRISP_KCMP_VM 1
#define CRISP_KCMP_EPOLL_TFD 7
#define CRISP_SO_BUF_LOCK 72
#define CRISP_SIOCUNIXFILE 0x89e0
#define CRISP_PAGEMAP_SCAN 0xc0606610 /* _IOWR('f', 16, struct pm_scan_arg) */
#define CRISP_CAP_SYS_ADMIN 21
#define CRISP_CAP_CHECKPOINT_RESTORE 40

struct peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

struct rseq_conf {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size, signature, flags, pad;
};

/* The clone3 argument block up to set_tid_size (CLONE_ARGS_SIZE_VER1). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size;
};

typedef int (*probe_fn)(char **msg);

static int fail(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(*msg);
	*msg = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_errno(char **msg, const char *what)
{
	return fail(msg, "%s: %s", what, strerror(errno));
}

/* ---- a traced child for the ptrace probes ---- */

static pid_t traced_child(char **msg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		fail_errno(msg, "fork");
		return -1;
	}
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		fail_errno(msg, "PTRACE_SEIZE");
		goto kill;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
		fail_errno(msg, "PTRACE_INTERRUPT");
		goto kill;
	}
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) {
		fail(msg, "PTRACE_INTERRUPT did not stop the child");
		goto kill;
	}
	return pid;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
	return -1;
}

static void traced_child_end(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WALL);
	}
}

static int with_traced(int (*fn)(pid_t, char **), char **msg)
{
	pid_t pid = traced_child(msg);
	int r;

	if (pid < 0)
		return -1;
	r = fn(pid, msg);
	traced_child_end(pid);
	return r;
}

static int t_seize(pid_t pid, char **msg)
{
	return 0;
}

static int t_regs(pid_t pid, char **msg)
{
	char buf[4096];
	struct iovec iov = { buf, sizeof(buf) };

	if (ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) < 0)
		return fail_errno(msg, "PTRACE_GETREGSET NT_PRSTATUS");
	return 0;
}

static int t_xstate(pid_t pid, char **msg)
{
#if defined(__x86_64__) || defined(__i386__)
	_cleanup_free_ char *buf = xmalloc(1 << 16);
	struct iovec iov = { buf, 1 << 16 };

	if (ptrace(PTRACE_GETREGSET, pid, NT_X86_XSTATE, &iov) < 0)
		return fail_errno(msg, "PTRACE_GETREGSET NT_X86_XSTATE");
#else
	char buf[1024];
	struct iovec iov = { buf, sizeof(buf) };

	if (ptrace(PTRACE_GETREGSET, pid, NT_PRFPREG, &iov) < 0)
		return fail_errno(msg, "PTRACE_GETREGSET NT_PRFPREG");
#endif
	return 0;
}

static int t_sigmask(pid_t pid, char **msg)
{
	uint64_t mask;

	if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(mask), &mask) < 0)
		return fail_errno(msg, "PTRACE_GETSIGMASK");
	return 0;
}

static int t_peeksiginfo(pid_t pid, char **msg)
{
	struct peeksiginfo_args a = { 0, 0, 1 };
	siginfo_t si;

	if (ptrace(PTRACE_PEEKSIGINFO, pid, &a, &si) < 0)
		return fail_errno(msg, "PTRACE_PEEKSIGINFO");
	return 0;
}

static int t_rseq(pid_t pid, char **msg)
{
	struct rseq_conf c;

	if (ptrace(CRISP_PTRACE_GET_RSEQ_CONFIGURATION, pid, sizeof(c), &c) < 0)
		return fail_errno(msg, "PTRACE_GET_RSEQ_CONFIGURATION");
	return 0;
}

static int t_seccomp_suspend(pid_t pid, char **msg)
{
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, CRISP_PTRACE_O_SUSPEND_SECCOMP) < 0)
		return fail_errno(msg, "PTRACE_O_SUSPEND_SECCOMP");
	return 0;
}

static int p_seize(char **msg) { return with_traced(t_seize, msg); }
static int p_regs(char **msg) { return with_traced(t_regs, msg); }
static int p_xstate(char **msg) { return with_traced(t_xstate, msg); }
static int p_sigmask(char **msg) { return with_traced(t_sigmask, msg); }
static int p_peeksiginfo(char **msg) { return with_traced(t_peeksiginfo, msg); }
static int p_rseq(char **msg) { return with_traced(t_rseq, msg); }
static int p_seccomp_suspend(char **msg) { return with_traced(t_seccomp_suspend, msg); }

/* ---- probes on crisp itself ---- */

static int p_pidfd_open(char **msg)
{
	int fd = syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return fail_errno(msg, "pidfd_open");
	close(fd);
	return 0;
}

static int p_pidfd_getfd(char **msg)
{
	_cleanup_close_ int pfd = syscall(SYS_pidfd_open, getpid(), 0);
	int fd;

	if (pfd < 0)
		return fail_errno(msg, "pidfd_open");
	fd = syscall(SYS_pidfd_getfd, pfd, pfd, 0);
	if (fd < 0)
		return fail_errno(msg, "pidfd_getfd");
	close(fd);
	return 0;
}

/* set_tid pointing nowhere: EFAULT means the kernel reads set_tid. */
static int p_clone3_set_tid(char **msg)
{
	struct clone3_args a = { .exit_signal = SIGCHLD, .set_tid = (uint64_t)-1, .set_tid_size = 1 };
	long r = syscall(SYS_clone3, &a, sizeof(a));

	if (r == 0)
		_exit(0); /* cannot happen with a bad set_tid, but never run on in a child */
	if (r > 0) {
		waitpid(r, NULL, 0);
		return fail(msg, "clone3 ignored set_tid");
	}
	if (errno == EFAULT)
		return 0;
	if (errno == ENOSYS)
		return fail(msg, "clone3: not implemented by this kernel");
	return fail_errno(msg, "clone3 with set_tid");
}

static bool has_cap(int cap)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	return eff & (1ULL << cap);
}

static int p_caps(char **msg)
{
	if (has_cap(CRISP_CAP_CHECKPOINT_RESTORE) || has_cap(CRISP_CAP_SYS_ADMIN))
		return 0;
	return fail(msg, "neither CAP_CHECKPOINT_RESTORE nor CAP_SYS_ADMIN: restore cannot pick pids");
}

static int p_vm_readv(char **msg)
{
	char src[16] = "crisp-probe", dst[16] = "";
	struct iovec l = { dst, sizeof(dst) }, r = { src, sizeof(src) };

	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != sizeof(src))
		return fail_errno(msg, "process_vm_readv");
	if (memcmp(src, dst, sizeof(src)))
		return fail(msg, "process_vm_readv returned other bytes");
	return 0;
}

static int p_pagemap(char **msg)
{
	_cleanup_close_ int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	static volatile char page[8192];
	uintptr_t addr = ((uintptr_t)page + 4095) & ~(uintptr_t)4095;
	uint64_t ent;

	if (fd < 0)
		return fail_errno(msg, "/proc/self/pagemap");
	*(volatile char *)addr = 1;
	if (pread(fd, &ent, sizeof(ent), (addr / 4096) * sizeof(ent)) != sizeof(ent))
		return fail_errno(msg, "reading /proc/self/pagemap");
	if (!(ent >> 63))
		return fail(msg, "/proc/self/pagemap does not report present pages");
	return 0;
}

static int p_pagemap_scan(char **msg)
{
	_cleanup_close_ int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	char arg[96] = { 0 };

	if (fd < 0)
		return fail_errno(msg, "/proc/self/pagemap");
	if (ioctl(fd, CRISP_PAGEMAP_SCAN, arg) < 0 && errno == ENOTTY)
		return fail(msg, "PAGEMAP_SCAN ioctl: not implemented by this kernel");
	return 0;
}

static int p_soft_dirty(char **msg)
{
	_cleanup_close_ int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return fail_errno(msg, "/proc/self/clear_refs");
	if (write(fd, "4", 1) != 1)
		return fail_errno(msg, "clearing soft-dirty bits");
	if (!mem_soft_dirty_works())
		return fail(msg, "the kernel does not track soft-dirty pages (CONFIG_MEM_SOFT_DIRTY)");
	return 0;
}

static int p_map_files(char **msg)
{
	if (access("/proc/self/map_files", R_OK) < 0)
		return fail_errno(msg, "/proc/self/map_files");
	return 0;
}

static int p_prctl_mm_map(char **msg)
{
	unsigned int size = 0;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, (unsigned long)&size, 0, 0) < 0)
		return fail_errno(msg, "prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE)");
	if (!size)
		return fail(msg, "PR_SET_MM_MAP_SIZE returned 0");
	return 0;
}

static int p_tcp_repair(char **msg)
{
	_cleanup_close_ int sk = socket(AF_INET, SOCK_STREAM, 0);
	int on = 1;

	if (sk < 0)
		return fail_errno(msg, "socket(AF_INET)");
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR, &on, sizeof(on)) < 0)
		return fail(msg, "TCP_REPAIR: %s%s", strerror(errno),
			    errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
	return 0;
}

static int p_memfd(char **msg)
{
	int fd = memfd_create("crisp-check", MFD_CLOEXEC);

	if (fd < 0)
		return fail_errno(msg, "memfd_create");
	close(fd);
	return 0;
}

static int p_memfd_hugetlb(char **msg)
{
	int fd = memfd_create("crisp-check", MFD_CLOEXEC | MFD_HUGETLB);

	if (fd < 0)
		return fail_errno(msg, "memfd_create(MFD_HUGETLB)");
	close(fd);
	return 0;
}

static int p_kcmp(char **msg)
{
	if (syscall(SYS_kcmp, getpid(), getpid(), CRISP_KCMP_VM, 0, 0) != 0)
		return fail_errno(msg, "kcmp");
	return 0;
}

static int p_kcmp_epoll(char **msg)
{
	_cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
	_cleanup_close_ int fd = eventfd(0, EFD_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	struct { uint32_t efd, tfd, toff; } slot;

	if (ep < 0 || fd < 0)
		return fail_errno(msg, "epoll/eventfd");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return fail_errno(msg, "epoll_ctl");
	slot.efd = ep;
	slot.tfd = fd;
	slot.toff = 0;
	if (syscall(SYS_kcmp, getpid(), getpid(), CRISP_KCMP_EPOLL_TFD, fd, &slot) != 0)
		return fail_errno(msg, "kcmp(KCMP_EPOLL_TFD)");
	return 0;
}

static int p_tee(char **msg)
{
	int a[2] = { -1, -1 }, b[2] = { -1, -1 };
	int r = 0;

	if (pipe2(a, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(b, O_CLOEXEC | O_NONBLOCK) < 0)
		r = fail_errno(msg, "pipe");
	else if (write(a[1], "x", 1) != 1)
		r = fail_errno(msg, "pipe write");
	else if (tee(a[0], b[1], 1, SPLICE_F_NONBLOCK) != 1)
		r = fail_errno(msg, "tee");
	for (int i = 0; i < 2; i++) {
		if (a[i] >= 0)
			close(a[i]);
		if (b[i] >= 0)
			close(b[i]);
	}
	return r;
}

static int fdinfo_has(int fd, const char *key, char **msg)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fdinfo/%d", fd);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return fail_errno(msg, path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			return 0;
	return fail(msg, "%s has no '%s' line", path, key);
}

static int p_mnt_id(char **msg)
{
	_cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail_errno(msg, "/proc/self/status");
	return fdinfo_has(fd, "mnt_id:", msg);
}

static int p_timerfd(char **msg)
{
	_cleanup_close_ int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return fail_errno(msg, "timerfd_create");
	return fdinfo_has(fd, "it_value:", msg);
}

static int p_fdinfo_lock(char **msg)
{
	_cleanup_close_ int fd = memfd_create("crisp-lock", MFD_CLOEXEC);

	if (fd < 0)
		return fail_errno(msg, "memfd_create");
	if (flock(fd, LOCK_SH) < 0)
		return fail_errno(msg, "flock");
	return fdinfo_has(fd, "lock:", msg);
}

static int p_sock_diag(char **msg)
{
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 4 /* NETLINK_SOCK_DIAG */);

	if (sk < 0)
		return fail_errno(msg, "socket(NETLINK_SOCK_DIAG)");
	close(sk);
	return 0;
}

static int p_sk_unix_file(char **msg)
{
	_cleanup_close_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int fd;

	if (sk < 0)
		return fail_errno(msg, "socket(AF_UNIX)");
	fd = ioctl(sk, CRISP_SIOCUNIXFILE);
	if (fd < 0 && (errno == ENOTTY || errno == EINVAL))
		return fail(msg, "SIOCUNIXFILE: not implemented by this kernel");
	if (fd >= 0)
		close(fd);
	return 0;
}

static int p_sockopt_buf_lock(char **msg)
{
	_cleanup_close_ int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int v = 0;
	socklen_t len = sizeof(v);

	if (sk < 0)
		return fail_errno(msg, "socket(AF_UNIX)");
	if (getsockopt(sk, SOL_SOCKET, CRISP_SO_BUF_LOCK, &v, &len) < 0)
		return fail_errno(msg, "SO_BUF_LOCK");
	return 0;
}

static int p_openat2(char **msg)
{
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY | O_CLOEXEC, 0, 0 };
	int fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return fail_errno(msg, "openat2");
	close(fd);
	return 0;
}

static int p_ns_pid(char **msg)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (!f)
		return fail_errno(msg, "/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			return 0;
	return fail(msg, "/proc/self/status has no NSpid line");
}

static int p_always(char **msg)
{
	return 0;
}

/* ---- crisp check ---- */

struct probe {
	const char *name;
	probe_fn fn;
	bool extra;
};

static const struct probe probes[] = {
	{ "ptrace-seize", p_seize, false },
	{ "ptrace-getregset", p_regs, false },
	{ "ptrace-fpu-xstate", p_xstate, false },
	{ "ptrace-getsigmask", p_sigmask, false },
	{ "ptrace-peeksiginfo", p_peeksiginfo, false },
	{ "ptrace-rseq-config", p_rseq, false },
	{ "pidfd_open", p_pidfd_open, false },
	{ "pidfd_getfd", p_pidfd_getfd, false },
	{ "clone3-set-tid", p_clone3_set_tid, false },
	{ "checkpoint-restore-capability", p_caps, false },
	{ "process_vm_readv", p_vm_readv, false },
	{ "proc-pagemap", p_pagemap, false },
	{ "pr-set-mm-map", p_prctl_mm_map, false },
	{ "memfd_create", p_memfd, false },
	{ "kcmp", p_kcmp, false },
	{ "pipe-tee", p_tee, false },
	{ "tcp-repair", p_tcp_repair, false },
	{ "fdinfo-mnt-id", p_mnt_id, false },
	{ "proc-map-files", p_map_files, true },
	{ "sock-diag", p_sock_diag, true },
	{ "kcmp-epoll", p_kcmp_epoll, true },
	{ "timerfd-fdinfo", p_timerfd, true },
	{ "fdinfo-lock", p_fdinfo_lock, true },
	{ "soft-dirty", p_soft_dirty, true },
	{ "pagemap-scan", p_pagemap_scan, true },
	{ "seccomp-suspend", p_seccomp_suspend, true },
};

int crisp_check_run(const struct crisp_opts *o, struct crisp_check_result *ret,
		    struct cr_error **err)
{
	struct crisp_check_result r = { .required_ok = true, .extra_ok = true };

	r.items = xcalloc(ARRAY_SIZE(probes), sizeof(*r.items));
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		struct crisp_check_item *it = &r.items[r.n_items];
		char *msg = NULL;

		if (probes[i].extra && !o->check_extra)
			continue;
		it->name = probes[i].name;
		it->extra = probes[i].extra;
		it->ok = probes[i].fn(&msg) == 0;
		it->msg = it->ok ? (free(msg), NULL) : msg;
		if (!it->ok && it->extra)
			r.extra_ok = false;
		else if (!it->ok)
			r.required_ok = false;
		r.n_items++;
	}
	*ret = r;
	return 0;
}

void crisp_check_result_release(struct crisp_check_result *r)
{
	for (size_t i = 0; i < r->n_items; i++)
		free(r->items[i].msg);
	free(r->items);
	r->items = NULL;
	r->n_items = 0;
}

/* ---- check --feature NAME: CRIU's names ---- */

struct feature {
	const char *name;
	probe_fn fn;       /* the kernel side */
	const char *unsup; /* non-NULL: crisp itself does not do this yet */
};

static const struct feature features[] = {
	{ "mnt_id", p_mnt_id, NULL },
	{ "mem_dirty_track", p_soft_dirty, NULL },
	{ "aio_remap", NULL, "AIO rings are not checkpointed" },
	{ "timerfd", p_timerfd, NULL },
	{ "tun", NULL, "tun devices are not checkpointed" },
	{ "tun_ns", NULL, "tun devices are not checkpointed" },
	{ "userns", NULL, "user namespaces are not checkpointed" },
	{ "fdinfo_lock", p_fdinfo_lock, NULL },
	{ "seccomp_suspend", p_seccomp_suspend, NULL },
	{ "seccomp_filters", NULL, "seccomp filters are not checkpointed" },
	{ "loginuid", NULL, "loginuid is not restored" },
	{ "cgroupns", NULL, "cgroup namespaces are not checkpointed" },
	{ "autofs", NULL, "autofs mounts are not checkpointed" },
	{ "tcp_half_closed", p_tcp_repair, NULL },
	{ "compat_cr", NULL, "32-bit tasks are not checkpointed" },
	{ "uffd", NULL, "lazy pages (userfaultfd) are not implemented" },
	{ "uffd-noncoop", NULL, "lazy pages (userfaultfd) are not implemented" },
	{ "can_map_vdso", p_always, NULL },
	{ "sk_ns", NULL, "network namespaces are not checkpointed" },
	{ "sk_unix_file", p_sk_unix_file, NULL },
	{ "net_diag_raw", NULL, "raw sockets are not checkpointed" },
	{ "nsid", NULL, "network namespaces are not checkpointed" },
	{ "link_nsid", NULL, "network namespaces are not checkpointed" },
	{ "kcmp_epoll", p_kcmp_epoll, NULL },
	{ "timens", NULL, "time namespaces are not checkpointed" },
	{ "external_net_ns", p_always, NULL },
	{ "clone3_set_tid", p_clone3_set_tid, NULL },
	{ "newifindex", NULL, "network devices are not checkpointed" },
	{ "nftables", NULL, "netfilter state is not checkpointed" },
	{ "has_ipt_legacy", NULL, "netfilter state is not checkpointed" },
	{ "pidfd_store", NULL, "the RPC pidfd store (pre-dump iterations) is not implemented" },
	{ "ns_pid", p_ns_pid, NULL },
	{ "apparmor_stacking", NULL, "AppArmor namespaces are not checkpointed" },
	{ "network_lock_nftables", NULL, "network locking is not implemented" },
	{ "sockopt_buf_lock", p_sockopt_buf_lock, NULL },
	{ "memfd_hugetlb", p_memfd_hugetlb, NULL },
	{ "move_mount_set_group", NULL, "mount namespaces are not checkpointed" },
	{ "openat2", p_openat2, NULL },
	{ "get_rseq_conf", p_rseq, NULL },
	{ "pagemap_scan", p_pagemap_scan, NULL },
};

int crisp_check_feature(const char *name, bool *ret_ok, char **ret_msg, struct cr_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(features); i++) {
		const struct feature *f = &features[i];
		char *msg = NULL;

		if (strcmp(f->name, name))
			continue;
		if (f->unsup) {
			*ret_ok = false;
			*ret_msg = xasprintf("not supported by crisp: %s", f->unsup);
			return 0;
		}
		*ret_ok = f->fn(&msg) == 0;
		*ret_msg = *ret_ok ? (free(msg), NULL) : msg;
		return 0;
	}
	return cr_err(err, -ENOENT, "Unknown feature %s", name);
}

const char *const *crisp_check_feature_names(void)
{
	static const char *names[ARRAY_SIZE(features) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(features); i++)
		names[i] = features[i].name;
	names[ARRAY_SIZE(features)] = NULL;
	return names;
}

void crisp_check_rpc_features(struct crisp_rpc_features *f)
{
	/* What crisp can do, not only what the kernel has. */
	char *msg = NULL;

	f->mem_track = p_soft_dirty(&msg) == 0;
	free(msg);
	f->lazy_pages = false;
	f->pidfd_store = false;
}
