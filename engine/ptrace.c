/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stopping tasks with PTRACE_SEIZE + PTRACE_INTERRUPT and running single
 * syscalls inside them: set the registers to "syscall instruction, nr,
 * args", PTRACE_SYSCALL to the entry stop and again to the exit stop, read
 * rax.  No code is written into the target.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "xalloc.h"

#ifndef PTRACE_GETSIGMASK
#define PTRACE_GETSIGMASK 0x420a
#define PTRACE_SETSIGMASK 0x420b
#endif

static int wait_stop(pid_t pid, int *ret_status, struct cr_error **err)
{
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, __WALL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cr_err_sys(err, -errno, "task %d: waitpid", pid);
		}
		break;
	}
	if (!WIFSTOPPED(st)) {
		if (WIFEXITED(st))
			return cr_err(err, -ESRCH, "task %d exited with %d", pid, WEXITSTATUS(st));
		return cr_err(err, -ESRCH, "task %d killed by signal %d", pid, WTERMSIG(st));
	}
	*ret_status = st;
	return 0;
}

/*
 * wait_stop for a task that may never stop: one in uninterruptible sleep
 * (a dead NFS server, a vfork parent) ignores PTRACE_INTERRUPT.  --timeout
 * bounds the wait, as it bounds CRIU's freezing of the tree.
 */
static int wait_stop_timeout(pid_t pid, int timeout_s, int *ret_status, struct cr_error **err)
{
	double deadline = now_sec() + timeout_s;
	useconds_t nap = 50;

	if (timeout_s <= 0)
		return wait_stop(pid, ret_status, err);
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, __WALL | WNOHANG);

		if (r == pid) {
			if (!WIFSTOPPED(st))
				return cr_err(err, -ESRCH, "task %d ended while being stopped (%#x)", pid, st);
			*ret_status = st;
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return cr_err_sys(err, -errno, "task %d: waitpid", pid);
		if (now_sec() > deadline) {
			struct proc_stat ps;
			char state = proc_read_stat(pid, &ps, NULL) == 0 ? ps.state : '?';

			return cr_err(err, -ETIMEDOUT,
				      "task %d did not stop within %d s (state %c%s); see --timeout", pid,
				      timeout_s, state, state == 'D' ? ": uninterruptible sleep" : "");
		}
		usleep(nap);
		if (nap < 5000)
			nap *= 2;
	}
}

int ptr_seize(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	int st, r;
	uint64_t all = ~0ull;

	if (ptrace(PTRACE_SEIZE, t->pid, 0, PTRACE_O_TRACESYSGOOD) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SEIZE", t->pid);
	t->seized = true;
	if (ptrace(PTRACE_INTERRUPT, t->pid, 0, 0) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_INTERRUPT", t->pid);
	for (;;) {
		r = wait_stop_timeout(t->pid, c->o ? c->o->timeout : 0, &st, err);
		if (r < 0)
			return r;
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			int sig = WSTOPSIG(st);

			/* group-stop of an already stopped task */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
				t->state = TASK_STOPPED;
				t->stop_signo = sig;
			}
			break;
		}
		/* a signal was about to be delivered: let it go, the interrupt stays pending */
		if (ptrace(PTRACE_CONT, t->pid, 0, WSTOPSIG(st)) < 0)
			return cr_err_sys(err, -errno, "task %d: PTRACE_CONT", t->pid);
	}
	if (ptrace(PTRACE_GETREGS, t->pid, 0, &t->regs) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_GETREGS", t->pid);
	t->regs_saved = true;
	if (ptrace(PTRACE_GETSIGMASK, t->pid, sizeof(uint64_t), &t->sigmask) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_GETSIGMASK", t->pid);
	t->mask_saved = true;
	/* no signal may interrupt the injected syscalls; they stay pending */
	if (ptrace(PTRACE_SETSIGMASK, t->pid, sizeof(uint64_t), &all) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETSIGMASK", t->pid);
	pr_debug(c, "seized %d (ip %llx ax %lld orig_ax %lld)", t->pid, t->regs.rip,
		 (long long)t->regs.rax, (long long)t->regs.orig_rax);
	return 0;
}

static int resume_to_syscall_stop(pid_t pid, struct cr_error **err)
{
	int st, r;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0)
			return cr_err_sys(err, -errno, "task %d: PTRACE_SYSCALL", pid);
		r = wait_stop(pid, &st, err);
		if (r < 0)
			return r;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return 0;
		if ((st >> 16) != 0) /* PTRACE_EVENT_STOP, PTRACE_EVENT_CLONE of an injected clone3 */
			continue;
		/* SIGSTOP or a synchronous fault; a fault here means a bad injection */
		if (WSTOPSIG(st) == SIGSEGV || WSTOPSIG(st) == SIGBUS || WSTOPSIG(st) == SIGILL ||
		    WSTOPSIG(st) == SIGTRAP)
			return cr_err(err, -EFAULT, "task %d: signal %d during injected syscall",
				      pid, WSTOPSIG(st));
	}
}

int ptr_syscall(struct task *t, long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		unsigned long a4, unsigned long a5, unsigned long a6, long *ret,
		struct cr_error **err)
{
	struct user_regs_struct r = t->regs;
	int rc;

	r.rax = nr;
	r.orig_rax = -1; /* no syscall restart games when we resume from this stop */
	r.rip = t->syscall_ip;
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.r10 = a4;
	r.r8 = a5;
	r.r9 = a6;
	if (ptrace(PTRACE_SETREGS, t->pid, 0, &r) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETREGS", t->pid);
	rc = resume_to_syscall_stop(t->pid, err); /* entry */
	if (rc < 0)
		return rc;
	rc = resume_to_syscall_stop(t->pid, err); /* exit */
	if (rc < 0)
		return rc;
	if (ptrace(PTRACE_GETREGS, t->pid, 0, &r) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_GETREGS", t->pid);
	*ret = (long)r.rax;
	return 0;
}

int ptr_restore_state(struct task *t, struct cr_error **err)
{
	if (t->regs_saved && ptrace(PTRACE_SETREGS, t->pid, 0, &t->regs) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETREGS", t->pid);
	if (t->mask_saved &&
	    ptrace(PTRACE_SETSIGMASK, t->pid, sizeof(uint64_t), &t->sigmask) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETSIGMASK", t->pid);
	return 0;
}

int ptr_detach(struct task *t, int sig)
{
	if (!t->seized)
		return 0;
	t->seized = false;
	if (ptrace(PTRACE_DETACH, t->pid, 0, sig) < 0)
		return -errno;
	return 0;
}

int ptr_mem_write(pid_t pid, unsigned long addr, const void *buf, size_t len,
		  struct cr_error **err)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)addr, len };
	ssize_t n = process_vm_writev(pid, &l, 1, &r, 1, 0);

	if (n != (ssize_t)len)
		return cr_err_sys(err, n < 0 ? -errno : -EIO,
				  "task %d: writing %zu bytes at %lx", pid, len, addr);
	return 0;
}

int ptr_mem_read(pid_t pid, unsigned long addr, void *buf, size_t len, struct cr_error **err)
{
	struct iovec l = { buf, len }, r = { (void *)addr, len };
	ssize_t n = process_vm_readv(pid, &l, 1, &r, 1, 0);

	if (n != (ssize_t)len)
		return cr_err_sys(err, n < 0 ? -errno : -EIO,
				  "task %d: reading %zu bytes at %lx", pid, len, addr);
	return 0;
}

/*
 * Any "0f 05" byte pair executes as `syscall` when jumped to.  Look right
 * behind the stopped ip first (tasks usually sit in a syscall), then in the
 * vdso, then in any executable mapping.
 */
int ptr_find_syscall(struct task *t, struct cr_error **err)
{
	unsigned char b[2];
	_cleanup_free_ unsigned char *buf = NULL;

	if (t->regs.rip >= 2 && ptr_mem_read(t->pid, t->regs.rip - 2, b, 2, NULL) == 0 &&
	    b[0] == 0x0f && b[1] == 0x05) {
		t->syscall_ip = t->regs.rip - 2;
		return 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < t->vmas.n; i++) {
			struct pvma *v = &t->vmas.v[i];
			size_t len = v->end - v->start;

			if (!(v->prot & PROT_EXEC) || (v->status & VMA_AREA_VSYSCALL))
				continue;
			if (pass == 0 && !(v->status & VMA_AREA_VDSO))
				continue;
			if (len > (64u << 20))
				len = 64u << 20;
			free(buf);
			buf = xmalloc(len);
			if (ptr_mem_read(t->pid, v->start, buf, len, NULL) < 0)
				continue;
			for (size_t k = 0; k + 1 < len; k++)
				if (buf[k] == 0x0f && buf[k + 1] == 0x05) {
					t->syscall_ip = v->start + k;
					return 0;
				}
		}
	}
	return cr_err(err, -ENOENT, "task %d: no syscall instruction found", t->pid);
}
