/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads.  Dump: every thread is seized like its leader and gets its
 * own core-TID.img (registers, FPU, mask, robust list, rseq, alternate
 * stack, clear_tid address, credentials) with no task core, as CRIU writes
 * them.  Restore: once the leader's address space is rebuilt, the leader
 * runs an injected clone3(CLONE_THREAD|..., set_tid = TID) per thread; the
 * new thread comes up stopped (PTRACE_O_TRACECLONE) and gets its state by
 * injection from the same trampoline, then its registers.
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "xalloc.h"

#ifndef PTRACE_SETSIGMASK
#define PTRACE_SETSIGMASK 0x420b
#endif

static struct task *thread_add(struct task *t, pid_t tid)
{
	struct task *th = xzalloc(sizeof(*th));

	th->pid = tid;
	th->leader = t;
	th->state = TASK_ALIVE;
	th->ppid = t->ppid;
	th->pgid = t->pgid;
	th->sid = t->sid;
	t->threads = xgrow(t->threads, &t->cap_threads, t->n_threads + 1, sizeof(*t->threads));
	t->threads[t->n_threads++] = th;
	return th;
}

static bool thread_known(struct task *t, pid_t tid)
{
	if (tid == t->pid)
		return true;
	for (size_t i = 0; i < t->n_threads; i++)
		if (t->threads[i]->pid == tid)
			return true;
	return false;
}

int threads_seize(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	for (int round = 0; round < 32; round++) {
		_cleanup_free_ pid_t *tids = NULL;
		size_t n = 0;
		bool fresh = false;
		int r;

		r = proc_read_threads(t->pid, &tids, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			struct task *th;

			if (thread_known(t, tids[i]))
				continue;
			th = thread_add(t, tids[i]);
			r = ptr_seize(c, th, err);
			if (r < 0)
				return cr_err_wrap(err, "thread %d of %d", tids[i], t->pid);
			fresh = true;
		}
		if (!fresh)
			return 0;
	}
	return cr_err(err, -EAGAIN, "task %d keeps creating threads", t->pid);
}

int core_dump_thread(struct crisp_ctx *c, struct task *t, struct cr_error **err);

int threads_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		struct task *th = t->threads[i];
		int r;

		/* one mm: the leader's syscall instruction and scratch page serve all */
		th->syscall_ip = t->syscall_ip;
		th->scratch = t->scratch;
		r = core_dump_thread(c, th, err);
		th->scratch = 0; /* the leader unmaps it */
		if (r < 0)
			return cr_err_wrap(err, "thread %d of %d", th->pid, t->pid);
	}
	return 0;
}

int threads_read(struct crisp_ctx *c, struct task *t, const uint32_t *tids, size_t n,
		 struct cr_error **err)
{
	for (size_t i = 0; i < n; i++) {
		ProtobufCMessage *m = NULL;
		struct task *th;
		int r;

		if ((pid_t)tids[i] == t->pid)
			continue;
		th = thread_add(t, tids[i]);
		r = img_read_one_at(c->imgfd, IMG_CORE, th->pid, &m, err);
		if (r < 0)
			return cr_err_wrap(err, "thread %d of %d", th->pid, t->pid);
		th->core = (CoreEntry *)m;
		if (!th->core->thread_info)
			return cr_err(err, -EINVAL, "core-%d.img: no registers", th->pid);
	}
	return 0;
}

/* Our clone3 args and the set_tid array, written to the scratch page. */
struct clone_scratch {
	struct clone_args a;
	pid_t tid;
};

static int create_one(struct crisp_ctx *c, struct task *t, struct task *th,
		      struct cr_error **err)
{
	struct clone_scratch cs;
	long ret;
	int st, r;

	memset(&cs, 0, sizeof(cs));
	cs.a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		     CLONE_SYSVSEM;
	cs.a.set_tid = t->scratch + offsetof(struct clone_scratch, tid);
	cs.a.set_tid_size = 1;
	cs.tid = th->pid;
	r = ptr_mem_write(t->pid, t->scratch, &cs, sizeof(cs), err);
	if (r < 0)
		return r;
	r = ptr_syscall(t, SYS_clone3, t->scratch, sizeof(cs.a), 0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	if (ret < 0)
		return cr_err_sys(err, (int)ret, "thread %d: clone3", th->pid);
	if (ret != th->pid)
		return cr_err(err, -EEXIST, "thread %d came back as %ld", th->pid, ret);
	th->created = true;
	th->seized = true; /* auto-attached through PTRACE_O_TRACECLONE */
	for (;;) {
		pid_t p = waitpid(th->pid, &st, __WALL);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return cr_err_sys(err, -errno, "thread %d: waitpid", th->pid);
		break;
	}
	if (!WIFSTOPPED(st))
		return cr_err(err, -ESRCH, "thread %d died at birth (%#x)", th->pid, st);
	if (ptrace(PTRACE_GETREGS, th->pid, 0, &th->regs) < 0)
		return cr_err_sys(err, -errno, "thread %d: PTRACE_GETREGS", th->pid);
	th->syscall_ip = t->syscall_ip;
	th->scratch = t->scratch;
	return 0;
}

int threads_create(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	int r;

	if (!t->n_threads)
		return 0;
	if (ptrace(PTRACE_SETOPTIONS, t->pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETOPTIONS", t->pid);
	for (size_t i = 0; i < t->n_threads; i++) {
		r = create_one(c, t, t->threads[i], err);
		if (r < 0)
			return r;
	}
	if (ptrace(PTRACE_SETOPTIONS, t->pid, 0, PTRACE_O_TRACESYSGOOD) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETOPTIONS", t->pid);
	return 0;
}

int core_restore_thread(struct crisp_ctx *c, struct task *t, struct cr_error **err);

int threads_finish(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		struct task *th = t->threads[i];
		const ThreadCoreEntry *tc = th->core->thread_core;
		uint64_t mask = tc && tc->has_blk_sigset ? tc->blk_sigset : 0;
		int r;

		r = core_restore_thread(c, th, err);
		if (r >= 0)
			r = seccomp_restore(c, th, tc, c->tramp + 512, TRAMP_SIZE - 512, err);
		if (r < 0)
			return cr_err_wrap(err, "thread %d", th->pid);
		r = regs_restore(c, th, th->core->thread_info, err);
		if (r < 0)
			return r;
		mask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
		if (ptrace(PTRACE_SETSIGMASK, th->pid, sizeof(mask), &mask) < 0)
			return cr_err_sys(err, -errno, "thread %d: PTRACE_SETSIGMASK", th->pid);
	}
	return 0;
}

void threads_detach(struct task *t, bool restore_state)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		struct task *th = t->threads[i];

		if (restore_state)
			ptr_restore_state(th, NULL);
		ptr_detach(th, 0);
	}
}

void threads_free(struct task *t)
{
	for (size_t i = 0; i < t->n_threads; i++) {
		struct task *th = t->threads[i];

		if (th->core)
			protobuf_c_message_free_unpacked(&th->core->base, NULL);
		free(th);
	}
	free(t->threads);
	t->threads = NULL;
	t->n_threads = 0;
}
