/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crisp restore.  crisp opens every file the tree needs, then forks the
 * root with clone3(set_tid); each new task runs crisp code: session and
 * group, its children (clone3 again), its fds, cwd/root, umask, rlimits,
 * and reports to a shared page.  crisp then seizes every task and, as its
 * ptracer, swaps the address space and sets the remaining state by
 * injected syscalls executed from a one-page trampoline, sets registers
 * and detaches everything at once.  Any failure kills what was created.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "file-locks.h"
#include "sysv-shm.h"
#include "engine.h"
#include "xalloc.h"

#ifndef PTRACE_SETSIGMASK
#define PTRACE_SETSIGMASK 0x420b
#endif
#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

int ctx_open(struct crisp_ctx *c, const struct crisp_opts *o, struct crisp_log *log,
	     bool create, struct cr_error **err);
void ctx_release(struct crisp_ctx *c);

enum { SLOT_NONE, SLOT_READY, SLOT_ERROR };

struct slot {
	_Atomic int state;
	int code;
	char msg[240];
};

static struct slot *slot_of(struct crisp_ctx *c, struct task *t)
{
	return (struct slot *)c->shared + t->idx;
}

static pid_t clone_pid(pid_t pid, bool sibling)
{
	struct clone_args a;

	memset(&a, 0, sizeof(a));
	/* --restore-sibling: the root becomes a child of crisp's parent (runc, zdtm) */
	a.flags = sibling ? CLONE_PARENT : 0;
	a.exit_signal = sibling ? 0 : SIGCHLD; /* CLONE_PARENT takes the parent's own */
	a.set_tid = (uint64_t)(uintptr_t)&pid;
	a.set_tid_size = 1;
	return syscall(SYS_clone3, &a, sizeof(a));
}

static _Noreturn void task_fail(struct slot *s, int code, const char *what)
{
	if (!s->msg[0])
		snprintf(s->msg, sizeof(s->msg), "%s", what);
	s->code = code;
	atomic_store(&s->state, SLOT_ERROR);
	_exit(1);
}

static _Noreturn void task_main(struct crisp_ctx *c, struct task *t);

static int spawn(struct crisp_ctx *c, struct task *t, struct slot *parent_slot)
{
	pid_t p = clone_pid(t->pid, !t->parent && c->o->restore_sibling);

	if (p < 0) {
		if (parent_slot)
			snprintf(parent_slot->msg, sizeof(parent_slot->msg),
				 "clone3 with pid %d: %s", t->pid, strerror(errno));
		return -errno;
	}
	if (p == 0)
		task_main(c, t);
	if (p != t->pid) {
		kill(p, SIGKILL);
		return -EEXIST;
	}
	t->created = true;
	return 0;
}

/* A zombie: take part in session and group, then die the way it died. */
static _Noreturn void zombie_main(struct task *t)
{
	int code = t->exit_code, sig = code & 0x7f;

	if (sig) {
		sigset_t all;

		signal(sig, SIG_DFL);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		prctl(PR_SET_DUMPABLE, 0); /* no core file for the replayed death */
		kill(getpid(), sig);
	}
	_exit((code >> 8) & 0xff);
}

static _Noreturn void task_main(struct crisp_ctx *c, struct task *t)
{
	struct slot *s = slot_of(c, t);
	sigset_t all;
	int r;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* if crisp (or the parent task) dies half way, nothing is left behind;
	 * a sibling root's parent is crisp's: kill_created() is all it has */
	if (t->parent || !c->o->restore_sibling) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
	}
	if (t->sid == t->pid && setsid() < 0)
		task_fail(s, -errno, "setsid failed");
	if (t->pgid == t->pid && getpgid(0) != t->pid && setpgid(0, 0) < 0)
		task_fail(s, -errno, "setpgid failed");
	if (t->state == TASK_DEAD)
		zombie_main(t);
	for (size_t i = 0; i < t->n_children; i++) {
		r = spawn(c, t->children[i], s);
		if (r < 0)
			task_fail(s, r, "clone3 failed");
	}
	r = core_restore_cwd_ghost(c, t, s->msg, sizeof(s->msg));
	if (r < 0)
		task_fail(s, r, "cwd");
	r = files_restore_task(c, t, s->msg, sizeof(s->msg));
	if (r < 0)
		task_fail(s, r, "files");
	r = core_restore_early(c, t, s->msg, sizeof(s->msg));
	if (r < 0)
		task_fail(s, r, "task state");
	atomic_store(&s->state, SLOT_READY);
	for (;;)
		pause();
}

static void kill_created(struct crisp_ctx *c)
{
	for (size_t i = c->tree.n; i-- > 0;) {
		struct task *t = c->tree.tasks[i];

		if (t->created || t->seized)
			kill(t->pid, SIGKILL);
	}
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];
		int st;

		if (t->seized)
			waitpid(t->pid, &st, __WALL);
		t->seized = false;
	}
	if (c->tree.root && c->tree.root->created) {
		int st;

		waitpid(c->tree.root->pid, &st, __WALL);
	}
}

static bool task_exists(pid_t pid)
{
	char p[32];

	snprintf(p, sizeof(p), "/proc/%d", pid);
	return access(p, F_OK) == 0;
}

/* Wait for every live task to report; a child dying early is a failure. */
static int wait_ready(struct crisp_ctx *c, struct cr_error **err)
{
	double deadline = now_sec() + 30;

	for (;;) {
		bool all = true;

		for (size_t i = 0; i < c->tree.n; i++) {
			struct task *t = c->tree.tasks[i];
			struct slot *s = slot_of(c, t);
			int st = atomic_load(&s->state);

			if (st == SLOT_ERROR)
				return cr_err(err, s->code ? s->code : -EIO, "task %d: %s", t->pid,
					      s->msg);
			if (t->state == TASK_DEAD)
				continue;
			if (st != SLOT_READY) {
				struct proc_stat ps;

				all = false;
				/* a task that died in crisp code never reports: notice it */
				if (t->parent &&
				    atomic_load(&slot_of(c, t->parent)->state) == SLOT_READY &&
				    (proc_read_stat(t->pid, &ps, NULL) < 0 || ps.state == 'Z'))
					return cr_err(err, -ECHILD, "task %d died during restore",
						      t->pid);
			}
		}
		if (all)
			return 0;
		if (c->o->restore_sibling) {
			struct proc_stat ps;

			/* not our child: we cannot wait for it, only look */
			if (proc_read_stat(c->tree.root->pid, &ps, NULL) < 0 || ps.state == 'Z')
				return cr_err(err, -ECHILD, "task %d died during restore",
					      c->tree.root->pid);
		} else {
			int st;
			pid_t p = waitpid(c->tree.root->pid, &st, WNOHANG);

			if (p == c->tree.root->pid) {
				c->tree.root->created = false;
				return cr_err(err, -ECHILD, "task %d died during restore (status %#x)",
					      p, st);
			}
		}
		if (now_sec() > deadline)
			return cr_err(err, -ETIMEDOUT, "tasks did not get ready in 30 s");
		usleep(500);
	}
}

static bool tramp_free(struct crisp_ctx *c, unsigned long a)
{
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (!t->mm)
			continue;
		for (size_t k = 0; k < t->mm->n_vmas; k++)
			if (t->mm->vmas[k]->start < a + TRAMP_SIZE && a < t->mm->vmas[k]->end)
				return false;
	}
	return true;
}

/* One RWX page, free in every task of the image: `syscall; int3`, then scratch. */
static int make_tramp(struct crisp_ctx *c, struct cr_error **err)
{
	unsigned long hint = 0x10000000000ul;

	for (int i = 0; i < 256; i++, hint += 0x100000000ul) {
		void *p = mmap(i ? (void *)hint : NULL, TRAMP_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | (i ? MAP_FIXED_NOREPLACE : 0), -1, 0);

		if (p == MAP_FAILED)
			continue;
		if (tramp_free(c, (unsigned long)p)) {
			unsigned char *b = p;

			b[0] = 0x0f;
			b[1] = 0x05;
			b[2] = 0xcc;
			c->tramp = (unsigned long)p;
			return 0;
		}
		munmap(p, TRAMP_SIZE);
	}
	return cr_err(err, -ENOMEM, "no room for the restore trampoline");
}

static int seize_task(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	struct { uint64_t ptr; uint32_t size, sig, flags, pad; } rc = { 0 };
	long ret = 0;
	int r;

	r = ptr_seize(c, t, err);
	if (r < 0)
		return r;
	t->syscall_ip = c->tramp;
	t->scratch = c->tramp + 512;
	/* glibc's rseq area of the crisp copy goes away with its memory */
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->pid, sizeof(rc), &rc) > 0 && rc.ptr) {
		r = ptr_syscall(t, SYS_rseq, rc.ptr, rc.size, 1 /* UNREGISTER */, rc.sig, 0, 0,
				&ret, err);
		if (r < 0)
			return r;
		if (ret < 0)
			return cr_err_sys(err, (int)ret, "task %d: rseq unregister", t->pid);
	}
	/* --shell-job: the job's old group belongs to the old shell; it stays in ours */
	if (c->o->shell_job && t->pgid == c->tree.root->pgid && c->tree.root->pgid != c->tree.root->pid)
		return 0;
	if (t->pgid != t->pid && getpgid(t->pid) != t->pgid) {
		r = ptr_syscall(t, SYS_setpgid, 0, t->pgid, 0, 0, 0, 0, &ret, err);
		if (r < 0)
			return r;
		if (ret < 0)
			pr_warn(c, "task %d: cannot join process group %d: %s", t->pid, t->pgid,
				strerror(-ret));
	}
	return 0;
}

/*
 * The leader's filters go in after the trampoline is gone (a filter may
 * forbid munmap): through a `syscall` of its own text, with the arguments
 * below its stack pointer (the red zone and what a signal frame would
 * overwrite anyway).
 */
static int leader_seccomp(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	const ThreadCoreEntry *th = t->core->thread_core;
	const size_t room = 40960;
	unsigned long sp;
	int r;

	if (!th || !th->has_seccomp_mode || th->seccomp_mode == SECCOMP_MODE__disabled)
		return 0;
	if (!t->core->thread_info || !t->core->thread_info->gpregs)
		return cr_err(err, -EINVAL, "task %d: no registers", t->pid);
	pvma_list_release(&t->vmas);
	r = proc_read_maps(t->pid, &t->vmas, err);
	if (r < 0)
		return r;
	t->regs.rip = t->core->thread_info->gpregs->ip;
	r = ptr_find_syscall(t, err);
	if (r < 0)
		return r;
	sp = t->core->thread_info->gpregs->sp;
	return seccomp_restore(c, t, th, ((sp - 128 - room) & ~15ul), room, err);
}

static int finish_task(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	uint64_t mask;
	long ret = 0;
	int r;

	/* leave the trampoline: at the exit stop of this munmap we set the real registers */
	r = ptr_syscall(t, SYS_munmap, c->tramp, TRAMP_SIZE, 0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	r = leader_seccomp(c, t, err);
	if (r < 0)
		return r;
	r = regs_restore(c, t, t->core->thread_info, err);
	if (r < 0)
		return r;
	mask = t->core->thread_core && t->core->thread_core->has_blk_sigset
		       ? t->core->thread_core->blk_sigset
		       : t->core->tc->blk_sigset;
	mask &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
	if (ptrace(PTRACE_SETSIGMASK, t->pid, sizeof(mask), &mask) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETSIGMASK", t->pid);
	t->mask_saved = false;
	t->regs_saved = false;
	return 0;
}

/* stats-restore, as CRIU writes it; best effort (the dir may be read-only) */
static void write_stats(struct crisp_ctx *c, double forking, double total)
{
	StatsEntry se = STATS_ENTRY__INIT;
	RestoreStatsEntry rs = RESTORE_STATS_ENTRY__INIT;
	struct img_writer *w = NULL;
	struct cr_error *e = NULL;

	rs.forking_time = forking * 1e6;
	rs.restore_time = total * 1e6;
	rs.has_pages_restored = true;
	rs.pages_restored = c->st.pages_written;
	se.restore = &rs;
	if (img_writer_open_at(c->imgfd, "stats-restore", img_desc_get(IMG_STATS), &w, &e) < 0 ||
	    img_writer_put(w, &se.base, &e) < 0) {
		if (w)
			img_writer_abort(w);
		pr_warn(c, "stats-restore not written: %s", e ? e->msg : "?");
		cr_err_free(&e);
		return;
	}
	if (img_writer_commit(w, &e) < 0) {
		pr_warn(c, "stats-restore not written: %s", e ? e->msg : "?");
		cr_err_free(&e);
	}
}

static int check_pids(struct crisp_ctx *c, struct cr_error **err)
{
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (task_exists(t->pid))
			return cr_err(err, -EEXIST, "pid %d is in use: cannot restore task %d",
				      t->pid, t->pid);
		for (size_t k = 0; k < t->n_threads; k++)
			if (task_exists(t->threads[k]->pid))
				return cr_err(err, -EEXIST,
					      "pid %d is in use: cannot restore thread %d of %d",
					      t->threads[k]->pid, t->threads[k]->pid, t->pid);
		/* setsid() in the parent after the fork: we cannot rebuild that yet */
		if (t->parent && t->sid != t->pid && t->sid != t->parent->sid)
			pr_warn(c, "task %d: session %d is neither its own nor its parent's; it gets %d's",
				t->pid, t->sid, t->parent->pid);
	}
	return 0;
}

static int do_restore(struct crisp_ctx *c, pid_t *ret_root, struct cr_error **err)
{
	ProtobufCMessage *inv = NULL;
	struct task *root;
	double t0 = now_sec(), t_fork = 0;
	int r;

	r = img_read_one_at(c->imgfd, IMG_INVENTORY, 0, &inv, err);
	if (r < 0)
		return r;
	if (((InventoryEntry *)inv)->img_version != 2) {
		r = cr_err(err, -EINVAL, "inventory.img: image version %u not supported",
			   ((InventoryEntry *)inv)->img_version);
		protobuf_c_message_free_unpacked(inv, NULL);
		return r;
	}
	protobuf_c_message_free_unpacked(inv, NULL);
	r = pstree_read(c, err);
	if (r < 0)
		return r;
	root = c->tree.root;
	if (root->sid != root->pid && !c->o->shell_job)
		return cr_err(err, -EINVAL,
			      "task %d is not a session leader (sid %d): restore with --shell-job",
			      root->pid, root->sid);
	if (root->state == TASK_DEAD)
		return cr_err(err, -EINVAL, "the root task %d is a zombie", root->pid);
	r = inherit_fd_check(c->o, err);
	if (r < 0)
		return r;
	r = check_pids(c, err);
	if (r < 0)
		return r;
	r = files_restore_prepare(c, err);
	if (r < 0)
		return r;
	r = seccomp_restore_prepare(c, err);
	if (r < 0)
		return r;
	r = sysvshm_restore_prepare(c, err);
	if (r < 0)
		return r;
	r = make_tramp(c, err);
	if (r < 0)
		return r;
	c->shared_len = (c->tree.n * sizeof(struct slot) + PAGE_SIZE_ - 1) & ~(PAGE_SIZE_ - 1);
	c->shared = mmap(NULL, c->shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (c->shared == MAP_FAILED) {
		c->shared = NULL;
		return cr_err_sys(err, -errno, "mmap");
	}
	fflush(NULL);
	r = spawn(c, root, NULL);
	if (r < 0)
		return cr_err_sys(err, r, "clone3 with pid %d", root->pid);
	/* the pids were free a moment ago: whatever holds them now is ours */
	for (size_t i = 0; i < c->tree.n; i++)
		c->tree.tasks[i]->created = true;
	r = wait_ready(c, err);
	if (r < 0)
		return r;
	/* every task holds its fds now: established TCP sockets can leave repair mode */
	r = ext_restore_finish(c, err);
	if (r < 0)
		return r;
	t_fork = now_sec() - t0;
	pr_info(c, "tree of %zu tasks forked in %.3f s", c->tree.n, t_fork);
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (t->state == TASK_DEAD)
			continue;
		r = seize_task(c, t, err);
		if (r < 0)
			return r;
		r = mem_restore(c, t, err);
		if (r < 0)
			return r;
		/* threads before the leader's credentials: clone3(set_tid) needs our caps */
		r = threads_create(c, t, err);
		if (r < 0)
			return r;
		r = file_locks_restore(c, t, err);
		if (r < 0)
			return r;
		r = core_restore_late(c, t, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (t->state == TASK_DEAD)
			continue;
		r = threads_finish(c, t, err);
		if (r < 0)
			return r;
		r = finish_task(c, t, err);
		if (r < 0)
			return r;
	}
	/* --pidfile is written by the caller (main.c/rpc.c) once we return */
	/* everything is in place: let the whole tree go at once */
	for (size_t i = 0; i < c->tree.n; i++) {
		struct task *t = c->tree.tasks[i];

		if (t->state == TASK_DEAD)
			continue;
		threads_detach(t, false);
		ptr_detach(t, t->state == TASK_STOPPED ? SIGSTOP : 0);
	}
	pr_info(c, "restore of %d done in %.3f s", root->pid, now_sec() - t0);
	write_stats(c, t_fork, now_sec() - t0);
	*ret_root = root->pid;
	return 0;
}

int crisp_restore_log(const struct crisp_opts *o, struct crisp_log *log, pid_t *ret_root_pid,
		      struct cr_error **err)
{
	struct crisp_ctx c;
	pid_t root = 0;
	int r;

	r = ctx_open(&c, o, log, false, err);
	if (r >= 0)
		r = do_restore(&c, &root, err);
	if (r < 0) {
		pr_err(&c, "restore failed, killing what was created");
		kill_created(&c);
	}
	if (c.shared)
		munmap(c.shared, c.shared_len);
	if (c.tramp)
		munmap((void *)c.tramp, TRAMP_SIZE);
	ctx_release(&c);
	if (r >= 0 && ret_root_pid)
		*ret_root_pid = root;
	return r;
}

int crisp_restore(const struct crisp_opts *o, pid_t *ret_root_pid, struct cr_error **err)
{
	return crisp_restore_log(o, NULL, ret_root_pid, err);
}

int crisp_restore_wait(pid_t root, struct cr_error **err)
{
	int st;

	for (;;) {
		pid_t p = waitpid(root, &st, 0);

		if (p == root)
			break;
		if (p < 0 && errno != EINTR)
			return cr_err_sys(err, -errno, "waitpid %d", root);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}
