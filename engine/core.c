/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * core-N.img and ids-N.img: task state (registers via regs.c, signal
 * mask and handlers, itimers, rlimits, credentials, personality, comm,
 * robust list, rseq, alternate signal stack) and namespace/kobj ids.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctx.h"
#include "timers.h"
#include "xalloc.h"

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif
#define NSIG_ 64
#define NRLIM 16

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

#ifndef PTRACE_PEEKSIGINFO
#define PTRACE_PEEKSIGINFO 0x4209
#endif
#define PEEKSIGINFO_SHARED 1
#define SIGINFO_SIZE 128

struct peeksiginfo_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

/* Pending signals (private queue or the shared one), oldest first. */
static SignalQueueEntry *sigqueue_dump(pid_t pid, bool shared)
{
	SignalQueueEntry *q = xmalloc(sizeof(*q));
	uint8_t buf[32 * SIGINFO_SIZE];
	size_t cap = 0;

	signal_queue_entry__init(q);
	for (uint64_t off = 0;;) {
		struct peeksiginfo_args a = { off, shared ? PEEKSIGINFO_SHARED : 0, 32 };
		long n = ptrace(PTRACE_PEEKSIGINFO, pid, &a, buf);

		if (n <= 0)
			break;
		for (long i = 0; i < n; i++) {
			SiginfoEntry *e = xmalloc(sizeof(*e));

			siginfo_entry__init(e);
			e->siginfo.len = SIGINFO_SIZE;
			e->siginfo.data = xmalloc(SIGINFO_SIZE);
			memcpy(e->siginfo.data, buf + i * SIGINFO_SIZE, SIGINFO_SIZE);
			q->signals = xgrow(q->signals, &cap, q->n_signals + 1, sizeof(*q->signals));
			q->signals[q->n_signals++] = e;
		}
		off += n;
	}
	return q;
}

struct rseq_conf {
	uint64_t ptr;
	uint32_t size, sig, flags, pad;
};

uint32_t ns_id_for(struct crisp_ctx *c, unsigned long ino)
{
	for (size_t i = 0; i < c->n_nsids; i++)
		if (c->nsids[i].ino == ino)
			return c->nsids[i].id;
	if (c->n_nsids == ARRAY_SIZE(c->nsids))
		return 0;
	c->nsids[c->n_nsids].ino = ino;
	c->nsids[c->n_nsids].id = ++c->next_ns_id;
	return c->nsids[c->n_nsids++].id;
}

static uint32_t ns_of(struct crisp_ctx *c, pid_t pid, const char *ns, protobuf_c_boolean *ret_has)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	*ret_has = stat(path, &st) == 0;
	return *ret_has ? ns_id_for(c, st.st_ino) : 0;
}

static TaskKobjIdsEntry *ids_build(struct crisp_ctx *c, struct task *t)
{
	TaskKobjIdsEntry *ids = xmalloc(sizeof(*ids));

	task_kobj_ids_entry__init(ids);
	/* the pid-namespace ids come first so the root's are the small ones */
	ids->pid_ns_id = ns_of(c, t->pid, "pid", &ids->has_pid_ns_id);
	ids->net_ns_id = ns_of(c, t->pid, "net", &ids->has_net_ns_id);
	ids->ipc_ns_id = ns_of(c, t->pid, "ipc", &ids->has_ipc_ns_id);
	ids->uts_ns_id = ns_of(c, t->pid, "uts", &ids->has_uts_ns_id);
	ids->time_ns_id = ns_of(c, t->pid, "time", &ids->has_time_ns_id);
	ids->mnt_ns_id = ns_of(c, t->pid, "mnt", &ids->has_mnt_ns_id);
	ids->user_ns_id = ns_of(c, t->pid, "user", &ids->has_user_ns_id);
	ids->cgroup_ns_id = ns_of(c, t->pid, "cgroup", &ids->has_cgroup_ns_id);
	/* no CLONE_VM/FILES/FS/SIGHAND sharing between processes yet: one id each */
	ids->vm_id = ids->files_id = ids->fs_id = ids->sighand_id = 0;
	return ids;
}

int core_write_ids(struct crisp_ctx *c, struct task *t, uint32_t kobj_id, struct cr_error **err);
int core_write_ids(struct crisp_ctx *c, struct task *t, uint32_t kobj_id, struct cr_error **err)
{
	TaskKobjIdsEntry *ids = ids_build(c, t);
	int r;

	ids->vm_id = ids->files_id = ids->fs_id = ids->sighand_id = kobj_id;
	r = img_write_one_at(c->imgfd, IMG_IDS, t->pid, &ids->base, err);
	protobuf_c_message_free_unpacked(&ids->base, NULL);
	return r;
}

static uint32_t *caps_arr(uint64_t v, size_t *n)
{
	uint32_t *a = xmalloc(2 * sizeof(*a));

	a[0] = (uint32_t)v;
	a[1] = (uint32_t)(v >> 32);
	*n = 2;
	return a;
}

static CredsEntry *creds_build(struct proc_status *s)
{
	CredsEntry *cr = xmalloc(sizeof(*cr));

	creds_entry__init(cr);
	cr->uid = s->uid[0];
	cr->euid = s->uid[1];
	cr->suid = s->uid[2];
	cr->fsuid = s->uid[3];
	cr->gid = s->gid[0];
	cr->egid = s->gid[1];
	cr->sgid = s->gid[2];
	cr->fsgid = s->gid[3];
	cr->cap_inh = caps_arr(s->cap_inh, &cr->n_cap_inh);
	cr->cap_prm = caps_arr(s->cap_prm, &cr->n_cap_prm);
	cr->cap_eff = caps_arr(s->cap_eff, &cr->n_cap_eff);
	cr->cap_bnd = caps_arr(s->cap_bnd, &cr->n_cap_bnd);
	cr->cap_amb = caps_arr(s->cap_amb, &cr->n_cap_amb);
	cr->secbits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) >= 0 ? 0 : 0;
	if (s->n_groups) {
		cr->n_groups = s->n_groups;
		cr->groups = xmalloc(s->n_groups * sizeof(uint32_t));
		memcpy(cr->groups, s->groups, s->n_groups * sizeof(uint32_t));
	}
	cr->has_no_new_privs = true;
	cr->no_new_privs = s->no_new_privs;
	return cr;
}

/* Line i+1 of /proc/PID/limits is rlimit i: "Max cpu time   unlimited   unlimited   seconds". */
static int limits_from_proc(pid_t pid, int i, struct rlimit *rl)
{
	char path[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char soft[32], hard[32];

		if (n++ < i)
			continue;
		/* the name column is 26 characters wide */
		if (strlen(line) < 27 || sscanf(line + 26, "%31s %31s", soft, hard) != 2)
			break;
		rl->rlim_cur = strcmp(soft, "unlimited") ? strtoull(soft, NULL, 10) : RLIM_INFINITY;
		rl->rlim_max = strcmp(hard, "unlimited") ? strtoull(hard, NULL, 10) : RLIM_INFINITY;
		return 0;
	}
	errno = EINVAL;
	return -EINVAL;
}

static ItimerEntry *itimer_from(const uint64_t *v)
{
	ItimerEntry *it = xmalloc(sizeof(*it));

	itimer_entry__init(it);
	it->isec = v[0];
	it->iusec = v[1];
	it->vsec = v[2];
	it->vusec = v[3];
	return it;
}

static int inj_get(struct task *t, long nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, void *out, size_t outlen,
		   struct cr_error **err)
{
	long ret = 0;
	int r = ptr_syscall(t, nr, a1, a2, a3, a4, 0, 0, &ret, err);

	if (r < 0)
		return r;
	if (ret < 0 && ret > -4096)
		return cr_err_sys(err, (int)ret, "task %d: injected syscall %ld", t->pid, nr);
	if (out && outlen)
		return ptr_mem_read(t->pid, t->scratch, out, outlen, err);
	return 0;
}

static TaskCoreEntry *tc_build(struct crisp_ctx *c, struct task *t, struct proc_stat *ps,
			       struct cr_error **err)
{
	TaskCoreEntry *tc = xmalloc(sizeof(*tc));
	char path[64];
	unsigned long v;
	int r;

	task_core_entry__init(tc);
	tc->task_state = t->state;
	tc->exit_code = t->exit_code;
	tc->flags = ps->flags;
	tc->comm = xstrdup(ps->comm);
	snprintf(path, sizeof(path), "/proc/%d/personality", t->pid);
	{
		_cleanup_fclose_ FILE *f = fopen(path, "re");

		if (f && fscanf(f, "%lx", &v) == 1)
			tc->personality = v;
	}
	snprintf(path, sizeof(path), "/proc/%d/loginuid", t->pid);
	if (proc_read_ulong(path, &v) == 0) {
		tc->has_loginuid = true;
		tc->loginuid = v;
	}
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", t->pid);
	{
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		int adj;

		if (f && fscanf(f, "%d", &adj) == 1) {
			tc->has_oom_score_adj = true;
			tc->oom_score_adj = adj;
		}
	}
	if (t->state == TASK_STOPPED) {
		tc->has_stop_signo = true;
		tc->stop_signo = t->stop_signo;
	}
	if (t->state == TASK_DEAD)
		return tc;

	tc->blk_sigset = t->sigmask;
	tc->rlimits = xmalloc(sizeof(*tc->rlimits));
	task_rlimits_entry__init(tc->rlimits);
	tc->rlimits->n_rlimits = NRLIM;
	tc->rlimits->rlimits = xcalloc(NRLIM, sizeof(RlimitEntry *));
	for (int i = 0; i < NRLIM; i++) {
		struct rlimit rl;
		RlimitEntry *re = xmalloc(sizeof(*re));

		rlimit_entry__init(re);
		tc->rlimits->rlimits[i] = re;
		/* prlimit() on another uid's task needs CAP_SYS_RESOURCE; /proc does not */
		if (prlimit(t->pid, i, NULL, &rl) < 0 && limits_from_proc(t->pid, i, &rl) < 0) {
			cr_err_sys(err, -errno, "task %d: reading rlimit %d", t->pid, i);
			goto fail;
		}
		re->cur = rl.rlim_cur;
		re->max = rl.rlim_max;
	}

	/* handlers are only readable from inside: one injected rt_sigaction each;
	 * CRIU's list skips SIGKILL and SIGSTOP (62 entries) */
	tc->sigactions = xcalloc(NSIG_, sizeof(SaEntry *));
	for (int s = 1; s <= NSIG_; s++) {
		struct k_sigaction ka = { 0 };
		SaEntry *sa;

		if (s == SIGKILL || s == SIGSTOP)
			continue;
		sa = xmalloc(sizeof(*sa));
		sa_entry__init(sa);
		tc->sigactions[tc->n_sigactions++] = sa;
		r = inj_get(t, SYS_rt_sigaction, s, 0, t->scratch, 8, &ka, sizeof(ka), err);
		if (r < 0)
			goto fail;
		sa->sigaction = ka.handler;
		sa->flags = ka.flags;
		sa->restorer = ka.restorer;
		sa->mask = ka.mask;
		sa->has_compat_sigaction = true;
	}
	tc->timers = xmalloc(sizeof(*tc->timers));
	task_timers_entry__init(tc->timers);
	for (int w = 0; w < 3; w++) {
		uint64_t tv[4];
		ItimerEntry *it;

		r = inj_get(t, SYS_getitimer, w, t->scratch, 0, 0, tv, sizeof(tv), err);
		if (r < 0)
			goto fail;
		it = itimer_from(tv);
		if (w == 0)
			tc->timers->real = it;
		else if (w == 1)
			tc->timers->virt = it;
		else
			tc->timers->prof = it;
	}
	r = timers_dump(c, t, tc->timers, err);
	if (r < 0)
		goto fail;
	{
		uint32_t sr = 0;

		r = inj_get(t, SYS_prctl, PR_GET_CHILD_SUBREAPER, t->scratch, 0, 0, &sr,
			    sizeof(sr), err);
		if (r < 0)
			goto fail;
		tc->has_child_subreaper = true;
		tc->child_subreaper = !!sr;
	}
	tc->signals_s = sigqueue_dump(t->pid, true);
	return tc;
fail:
	protobuf_c_message_free_unpacked(&tc->base, NULL);
	return NULL;
}

static ThreadCoreEntry *thc_build(struct crisp_ctx *c, struct task *t, struct proc_stat *ps,
				  struct proc_status *st, uint64_t *ret_tid_addr,
				  struct cr_error **err)
{
	ThreadCoreEntry *th = xmalloc(sizeof(*th));
	struct rseq_conf rc = { 0 };
	uint64_t head = 0;
	size_t len = 0;
	struct sched_param sp;
	int r, pol;

	thread_core_entry__init(th);
	if (syscall(SYS_get_robust_list, t->pid, &head, &len) == 0) {
		th->futex_rla = head;
		th->futex_rla_len = len;
	}
	th->has_sched_nice = true;
	th->sched_nice = ps->nice;
	pol = sched_getscheduler(t->pid);
	if (pol >= 0) {
		th->has_sched_policy = true;
		th->sched_policy = pol;
		if (pol != SCHED_OTHER && sched_getparam(t->pid, &sp) == 0) {
			th->has_sched_prio = true;
			th->sched_prio = sp.sched_priority;
		}
	}
	th->creds = creds_build(st);
	th->comm = xstrdup(ps->comm);
	th->has_blk_sigset = true;
	th->blk_sigset = t->sigmask;
	th->signals_p = sigqueue_dump(t->pid, false);
	th->has_seccomp_mode = true;
	th->seccomp_mode = st->seccomp;
	if (st->seccomp == SECCOMP_MODE__filter) {
		if (seccomp_dump_chain(c, t->pid, &th->seccomp_filter, err) < 0)
			goto fail;
		th->has_seccomp_filter = true;
	}
	{
		uint64_t ss[3];

		r = inj_get(t, SYS_sigaltstack, 0, t->scratch, 0, 0, ss, sizeof(ss), err);
		if (r < 0)
			goto fail;
		th->sas = xmalloc(sizeof(*th->sas));
		thread_sas_entry__init(th->sas);
		th->sas->ss_sp = ss[0];
		th->sas->ss_flags = (uint32_t)ss[1];
		th->sas->ss_size = ss[2];
	}
	{
		uint32_t pd = 0;

		r = inj_get(t, SYS_prctl, PR_GET_PDEATHSIG, t->scratch, 0, 0, &pd, sizeof(pd), err);
		if (r < 0)
			goto fail;
		th->has_pdeath_sig = true;
		th->pdeath_sig = pd;
	}
	r = inj_get(t, SYS_prctl, PR_GET_TID_ADDRESS, t->scratch, 0, 0, ret_tid_addr,
		    sizeof(*ret_tid_addr), err);
	if (r < 0)
		goto fail;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->pid, sizeof(rc), &rc) > 0 && rc.ptr) {
		th->rseq_entry = xmalloc(sizeof(*th->rseq_entry));
		rseq_entry__init(th->rseq_entry);
		th->rseq_entry->rseq_abi_pointer = rc.ptr;
		th->rseq_entry->rseq_abi_size = rc.size;
		th->rseq_entry->signature = rc.sig;
	}
	return th;
fail:
	protobuf_c_message_free_unpacked(&th->base, NULL);
	return NULL;
}

int core_dump(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	struct proc_stat ps;
	struct proc_status st;
	CoreEntry core = CORE_ENTRY__INIT;
	uint64_t tid_addr = 0;
	int r;

	r = proc_read_stat(t->pid, &ps, err);
	if (r < 0)
		return r;
	r = proc_read_status(t->pid, &st, err);
	if (r < 0)
		return r;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.tc = tc_build(c, t, &ps, err);
	if (!core.tc) {
		r = -EIO;
		goto out;
	}
	core.thread_core = thc_build(c, t, &ps, &st, &tid_addr, err);
	if (!core.thread_core) {
		r = -EIO;
		goto out;
	}
	r = regs_dump(c, t, &core.thread_info, err);
	if (r < 0)
		goto out;
	core.thread_info->clear_tid_addr = tid_addr;
	r = img_write_one_at(c->imgfd, IMG_CORE, t->pid, &core.base, err);
out:
	if (core.tc)
		protobuf_c_message_free_unpacked(&core.tc->base, NULL);
	if (core.thread_core)
		protobuf_c_message_free_unpacked(&core.thread_core->base, NULL);
	regs_free(core.thread_info);
	proc_status_release(&st);
	if (r < 0)
		return cr_err_wrap(err, "task %d: core", t->pid);
	return 0;
}

int core_dump_thread(struct crisp_ctx *c, struct task *t, struct cr_error **err);
int core_dump_thread(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	struct proc_stat ps;
	struct proc_status st;
	CoreEntry core = CORE_ENTRY__INIT;
	uint64_t tid_addr = 0;
	int r;

	/* /proc/TID works for any thread: its own comm, creds, mask */
	r = proc_read_stat(t->pid, &ps, err);
	if (r < 0)
		return r;
	r = proc_read_status(t->pid, &st, err);
	if (r < 0)
		return r;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.thread_core = thc_build(c, t, &ps, &st, &tid_addr, err);
	r = core.thread_core ? regs_dump(c, t, &core.thread_info, err) : -EIO;
	if (r >= 0) {
		core.thread_info->clear_tid_addr = tid_addr;
		r = img_write_one_at(c->imgfd, IMG_CORE, t->pid, &core.base, err);
	}
	if (core.thread_core)
		protobuf_c_message_free_unpacked(&core.thread_core->base, NULL);
	regs_free(core.thread_info);
	proc_status_release(&st);
	return r;
}

int core_dump_zombie(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	struct proc_stat ps;
	int r;

	r = proc_read_stat(t->pid, &ps, err);
	if (r < 0)
		return r;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.tc = &tc;
	tc.task_state = TASK_DEAD;
	tc.exit_code = ps.exit_code;
	tc.comm = ps.comm;
	tc.flags = ps.flags;
	return img_write_one_at(c->imgfd, IMG_CORE, t->pid, &core.base, err);
}

/* ---- restore ---- */

int core_restore_cwd_ghost(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen)
{
	FileEntry *cwd = t->fs ? files_find(c, t->fs->cwd_id) : NULL;
	int gfd = -1;

	/* a removed cwd: crisp made it before the fork; its fd goes with the
	 * fds crisp closes in files_restore_task(), so enter it first */
	if (!cwd || !cwd->reg || ghost_fd(c, cwd->id, cwd->reg->name, &gfd, NULL) <= 0)
		return 0;
	if (fchdir(gfd) < 0) {
		snprintf(msg, msglen, "fchdir to removed '%s': %m", cwd->reg->name);
		return -errno;
	}
	return 0;
}

int core_restore_early(struct crisp_ctx *c, struct task *t, char *msg, size_t msglen)
{
	const TaskCoreEntry *tc = t->core->tc;

	if (tc->comm)
		prctl(PR_SET_NAME, tc->comm, 0, 0, 0);
	if (tc->personality && personality(tc->personality) < 0) {
		snprintf(msg, msglen, "personality %#x: %m", tc->personality);
		return -errno;
	}
	if (tc->has_oom_score_adj) {
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			dprintf(fd, "%d", tc->oom_score_adj);
			close(fd);
		}
	}
	if (t->fs && t->fs->has_umask)
		umask(t->fs->umask);
	if (t->fs) {
		FileEntry *cwd = files_find(c, t->fs->cwd_id);
		FileEntry *root = files_find(c, t->fs->root_id);

		if (root && root->reg && strcmp(root->reg->name, "/") && chroot(root->reg->name) < 0) {
			snprintf(msg, msglen, "chroot '%s': %m", root->reg->name);
			return -errno;
		}
		int gfd = -1;

		/* a removed cwd was entered by core_restore_cwd_ghost() */
		if (cwd && cwd->reg && ghost_fd(c, cwd->id, cwd->reg->name, &gfd, NULL) > 0)
			;
		else if (cwd && cwd->reg && chdir(cwd->reg->name) < 0) {
			snprintf(msg, msglen, "chdir '%s': %m", cwd->reg->name);
			return -errno;
		}
	}
	if (tc->rlimits) {
		for (size_t i = 0; i < tc->rlimits->n_rlimits && i < NRLIM; i++) {
			struct rlimit rl = { tc->rlimits->rlimits[i]->cur,
					     tc->rlimits->rlimits[i]->max };

			if (setrlimit(i, &rl) < 0 && errno == EPERM) {
				/* without CAP_SYS_RESOURCE a hard limit cannot grow: keep ours */
				struct rlimit now;

				getrlimit(i, &now);
				if (rl.rlim_max > now.rlim_max)
					rl.rlim_max = now.rlim_max;
				if (rl.rlim_cur > rl.rlim_max)
					rl.rlim_cur = rl.rlim_max;
				if (setrlimit(i, &rl) < 0) {
					snprintf(msg, msglen, "setrlimit %zu: %m", i);
					return -errno;
				}
			}
		}
	}
	return 0;
}

static int inj_set(struct task *t, long nr, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5, const void *in,
		   size_t inlen, const char *what, struct cr_error **err)
{
	long ret = 0;
	int r;

	if (in && inlen) {
		r = ptr_mem_write(t->pid, t->scratch, in, inlen, err);
		if (r < 0)
			return r;
	}
	r = ptr_syscall(t, nr, a1, a2, a3, a4, a5, 0, &ret, err);
	if (r < 0)
		return r;
	if (ret < 0 && ret > -4096)
		return cr_err_sys(err, (int)ret, "task %d: restoring %s", t->pid, what);
	return 0;
}

static int creds_restore(struct crisp_ctx *c, struct task *t, const CredsEntry *cr,
			 struct cr_error **err)
{
	int r;

	/* always: an empty list must not leave crisp's groups behind */
	if (cr->n_groups * 4 > 3000)
		return cr_err(err, -E2BIG, "task %d: too many groups", t->pid);
	r = inj_set(t, SYS_setgroups, cr->n_groups, t->scratch, 0, 0, 0, cr->groups,
		    cr->n_groups * 4, "groups", err);
	if (r < 0)
		return r;
	if (cr->has_no_new_privs && cr->no_new_privs) {
		r = inj_set(t, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, NULL, 0, "no_new_privs",
			    err);
		if (r < 0)
			return r;
	}
	if (cr->uid == 0 && cr->euid == 0 && cr->gid == 0 && cr->egid == 0 && cr->suid == 0 &&
	    cr->sgid == 0)
		return 0;
	r = inj_set(t, SYS_setresgid, cr->gid, cr->egid, cr->sgid, 0, 0, NULL, 0, "gids", err);
	if (r < 0)
		return r;
	r = inj_set(t, SYS_setfsgid, cr->fsgid, 0, 0, 0, 0, NULL, 0, "fsgid", err);
	if (r < 0)
		return r;
	r = inj_set(t, SYS_setresuid, cr->uid, cr->euid, cr->suid, 0, 0, NULL, 0, "uids", err);
	if (r < 0)
		return r;
	r = inj_set(t, SYS_setfsuid, cr->fsuid, 0, 0, 0, 0, NULL, 0, "fsuid", err);
	if (r < 0)
		return r;
	if (cr->n_cap_eff == 2 && cr->n_cap_prm == 2 && cr->n_cap_inh == 2) {
		struct {
			uint32_t version;
			int pid;
			uint32_t d[6];
		} cap = { _LINUX_CAPABILITY_VERSION_3, 0,
			  { cr->cap_eff[0], cr->cap_prm[0], cr->cap_inh[0], cr->cap_eff[1],
			    cr->cap_prm[1], cr->cap_inh[1] } };

		r = inj_set(t, SYS_capset, t->scratch, t->scratch + 8, 0, 0, 0, &cap, sizeof(cap),
			    "capabilities", err);
		if (r < 0)
			pr_warn(c, "task %d: capabilities not restored", t->pid);
		cr_err_free(err);
	}
	return 0;
}

/* State each thread has for itself (the leader's included). */
static int thread_late(struct crisp_ctx *c, struct task *t, const TaskCoreEntry *tc,
		       const ThreadCoreEntry *th, const ThreadInfoX86 *ti, struct cr_error **err)
{
	int r;

	if (ti && ti->clear_tid_addr) {
		r = inj_set(t, SYS_set_tid_address, ti->clear_tid_addr, 0, 0, 0, 0, NULL, 0,
			    "clear_tid_address", err);
		if (r < 0)
			return r;
	}
	/* also clears the SIGKILL the restore armed */
	r = inj_set(t, SYS_prctl, PR_SET_PDEATHSIG, th && th->has_pdeath_sig ? th->pdeath_sig : 0,
		    0, 0, 0, NULL, 0, "pdeath signal", err);
	if (r < 0)
		return r;
	if (!th)
		return 0;
	if (th->futex_rla) {
		r = inj_set(t, SYS_set_robust_list, th->futex_rla, th->futex_rla_len, 0, 0, 0,
			    NULL, 0, "robust list", err);
		if (r < 0)
			return r;
	}
	if (th->sas && !(th->sas->ss_flags & SS_DISABLE)) {
		uint64_t ss[3] = { th->sas->ss_sp, th->sas->ss_flags, th->sas->ss_size };

		r = inj_set(t, SYS_sigaltstack, t->scratch, 0, 0, 0, 0, ss, sizeof(ss),
			    "sigaltstack", err);
		if (r < 0)
			return r;
	}
	if (th->rseq_entry && th->rseq_entry->rseq_abi_pointer) {
		r = inj_set(t, SYS_rseq, th->rseq_entry->rseq_abi_pointer,
			    th->rseq_entry->rseq_abi_size, 0, th->rseq_entry->signature, 0, NULL, 0,
			    "rseq", err);
		if (r < 0)
			return r;
	}
	for (int shared = 1; shared >= 0; shared--) {
		const SignalQueueEntry *q = shared ? (tc ? tc->signals_s : NULL) : th->signals_p;
		pid_t tgid = t->leader ? t->leader->pid : t->pid;

		for (size_t i = 0; q && i < q->n_signals; i++) {
			const ProtobufCBinaryData *si = &q->signals[i]->siginfo;
			int sig;

			if (si->len < 12 || si->len > SIGINFO_SIZE)
				continue;
			sig = *(const int32_t *)si->data;
			r = shared ? inj_set(t, SYS_rt_sigqueueinfo, tgid, sig, t->scratch, 0, 0,
					     si->data, si->len, "pending signal", err)
				   : inj_set(t, SYS_rt_tgsigqueueinfo, tgid, t->pid, sig, t->scratch, 0,
					     si->data, si->len, "pending signal", err);
			if (r < 0)
				return r;
		}
	}
	if (th->has_sched_policy && (th->sched_policy & ~SCHED_RESET_ON_FORK) != SCHED_OTHER) {
		/* SCHED_BATCH, SCHED_IDLE, or a real-time class with its priority */
		struct sched_param sp = { .sched_priority = th->has_sched_prio ? (int)th->sched_prio : 0 };

		if (sched_setscheduler(t->pid, (int)th->sched_policy, &sp) < 0)
			pr_warn(c, "task %d: scheduling policy %u not restored: %m", t->pid,
				th->sched_policy);
	}
	if (th->has_sched_nice && th->sched_nice)
		setpriority(PRIO_PROCESS, t->pid, th->sched_nice);
	if (th->creds) {
		r = creds_restore(c, t, th->creds, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int core_restore_thread(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	return thread_late(c, t, NULL, t->core->thread_core, t->core->thread_info, err);
}

int core_restore_late(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	const TaskCoreEntry *tc = t->core->tc;
	const ThreadCoreEntry *th = t->core->thread_core;
	const ThreadInfoX86 *ti = t->core->thread_info;
	int r;

	for (size_t i = 0, s = 0; i < tc->n_sigactions; i++) {
		const SaEntry *sa = tc->sigactions[i];
		struct k_sigaction ka = { sa->sigaction, sa->flags, sa->restorer, sa->mask };

		/* 62 entries skip SIGKILL and SIGSTOP (CRIU); 64 have them in place */
		s++;
		if (tc->n_sigactions < NSIG_ && (s == SIGKILL || s == SIGSTOP))
			s++;
		if (s == SIGKILL || s == SIGSTOP || s > NSIG_)
			continue;
		r = inj_set(t, SYS_rt_sigaction, s, t->scratch, 0, 8, 0, &ka, sizeof(ka),
			    "sigaction", err);
		if (r < 0)
			return r;
	}
	if (tc->timers) {
		const ItimerEntry *its[3] = { tc->timers->real, tc->timers->virt, tc->timers->prof };

		for (int w = 0; w < 3; w++) {
			uint64_t tv[4];

			if (!its[w] || !(its[w]->vsec || its[w]->vusec))
				continue;
			tv[0] = its[w]->isec;
			tv[1] = its[w]->iusec;
			tv[2] = its[w]->vsec;
			tv[3] = its[w]->vusec;
			r = inj_set(t, SYS_setitimer, w, t->scratch, 0, 0, 0, tv, sizeof(tv),
				    "itimer", err);
			if (r < 0)
				return r;
		}
	}
	r = timers_restore(c, t, err);
	if (r < 0)
		return r;
	if (tc->has_child_subreaper && tc->child_subreaper) {
		r = inj_set(t, SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0, NULL, 0,
			    "child subreaper", err);
		if (r < 0)
			return r;
	}
	return thread_late(c, t, tc, th, ti, err);
}
