/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POSIX timers.  Dump: /proc/PID/timers gives each timer's id, signal,
 * sigev value, notification and clock; the remaining time and overrun
 * come from timer_gettime/timer_getoverrun injected into the task.
 * Restore: timer_create by injection with the same id (the kernel's
 * PR_TIMER_CREATE_RESTORE_IDS when it has it, else creating and deleting
 * timers until the counter reaches each id, as CRIU does), then
 * timer_settime with the remaining time, relative, as CRIU does.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "ctx.h"
#include "timers.h"
#include "xalloc.h"

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS 77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF 0
#define PR_TIMER_CREATE_RESTORE_IDS_ON 1
#endif
#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#define SYSCALL_ERR(x) ((x) < 0 && (x) > -4096)

/* the kernel's struct sigevent (64 bytes) */
struct ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

/* scratch layout during restore */
#define SC_SIGEV 0
#define SC_ID 64
#define SC_SPEC 72

struct ptimer {
	int32_t id, clock, signo, notify, tid;
	uint64_t sival;
};

static int cmp_ptimer(const void *a, const void *b)
{
	const struct ptimer *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * ID: 4
 * signal: 12/0000000000001234
 * notify: signal/pid.123       (or thread/..., none/..., signal/tid.N)
 * ClockID: 1
 */
static int timers_parse(pid_t pid, struct ptimer **ret, size_t *ret_n, struct cr_error **err)
{
	char path[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;
	struct ptimer *v = NULL, *cur = NULL;
	size_t n = 0, cap = 0;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	f = fopen(path, "re");
	if (!f && errno == ENOENT) { /* a kernel without CONFIG_CHECKPOINT_RESTORE */
		*ret = NULL;
		*ret_n = 0;
		return 1;
	}
	if (!f)
		return cr_err_sys(err, -errno, "task %d: open %s", pid, path);
	while (fgets(line, sizeof(line), f)) {
		char how[16], who[8];
		int id, x;
		unsigned long sv;

		if (sscanf(line, "ID: %d", &id) == 1) {
			v = xgrow(v, &cap, n + 1, sizeof(*v));
			cur = &v[n++];
			memset(cur, 0, sizeof(*cur));
			cur->id = id;
			continue;
		}
		if (!cur)
			goto bad;
		if (sscanf(line, "signal: %d/%lx", &x, &sv) == 2) {
			cur->signo = x;
			cur->sival = sv;
		} else if (sscanf(line, "notify: %15[a-z]/%7[a-z].%d", how, who, &x) == 3) {
			cur->tid = x;
			if (who[0] == 't')
				cur->notify = SIGEV_THREAD_ID;
			else if (!strcmp(how, "signal"))
				cur->notify = SIGEV_SIGNAL;
			else if (!strcmp(how, "thread"))
				cur->notify = SIGEV_THREAD;
			else
				cur->notify = SIGEV_NONE;
		} else if (sscanf(line, "ClockID: %d", &x) == 1) {
			cur->clock = x;
		} else {
			goto bad;
		}
	}
	/* the kernel lists them newest first; restore wants ascending ids */
	if (n)
		qsort(v, n, sizeof(*v), cmp_ptimer);
	*ret = v;
	*ret_n = n;
	return 0;
bad:
	free(v);
	line[strcspn(line, "\n")] = 0;
	return cr_err(err, -EINVAL, "task %d: cannot parse %s line '%s'", pid, path, line);
}

static int inj(struct task *t, long nr, unsigned long a1, unsigned long a2, unsigned long a3,
	       unsigned long a4, long *ret, const char *what, int id, struct cr_error **err)
{
	int r = ptr_syscall(t, nr, a1, a2, a3, a4, 0, 0, ret, err);

	if (r < 0)
		return cr_err_wrap(err, "task %d: posix timer %d: %s", t->pid, id, what);
	if (SYSCALL_ERR(*ret))
		return cr_err_sys(err, (int)*ret, "task %d: posix timer %d: %s", t->pid, id, what);
	return 0;
}

int timers_dump(struct crisp_ctx *c, struct task *t, TaskTimersEntry *tt, struct cr_error **err)
{
	_cleanup_free_ struct ptimer *v = NULL;
	size_t n = 0;
	int r;

	r = timers_parse(t->pid, &v, &n, err);
	if (r > 0)
		pr_warn(c, "task %d: no /proc/%d/timers: its POSIX timers (if any) are not dumped",
			t->pid, t->pid);
	if (r != 0 || !n)
		return r < 0 ? r : 0;
	tt->posix = xcalloc(n, sizeof(*tt->posix));
	for (size_t i = 0; i < n; i++) {
		int64_t spec[4]; /* interval sec/nsec, value sec/nsec */
		PosixTimerEntry *pe;
		long ret = 0;

		r = inj(t, SYS_timer_gettime, v[i].id, t->scratch, 0, 0, &ret, "timer_gettime",
			v[i].id, err);
		if (r < 0)
			return r;
		r = ptr_mem_read(t->pid, t->scratch, spec, sizeof(spec), err);
		if (r < 0)
			return r;
		pe = xmalloc(sizeof(*pe));
		posix_timer_entry__init(pe);
		tt->posix[tt->n_posix++] = pe;
		r = inj(t, SYS_timer_getoverrun, v[i].id, 0, 0, 0, &ret, "timer_getoverrun",
			v[i].id, err);
		if (r < 0)
			return r;
		pe->it_id = v[i].id;
		pe->clock_id = (uint32_t)v[i].clock;
		pe->si_signo = v[i].signo;
		pe->it_sigev_notify = v[i].notify;
		pe->sival_ptr = v[i].sival;
		pe->overrun = (uint32_t)ret;
		pe->isec = spec[0];
		pe->insec = spec[1];
		pe->vsec = spec[2];
		pe->vnsec = spec[3];
		if (v[i].notify == SIGEV_THREAD_ID) {
			pe->has_notify_thread_id = true;
			pe->notify_thread_id = v[i].tid;
		}
		pr_debug(c, "task %d: posix timer %d clock %d signal %d notify %d value %lld.%09lld interval %lld.%09lld",
			 t->pid, v[i].id, v[i].clock, v[i].signo, v[i].notify, (long long)spec[2],
			 (long long)spec[3], (long long)spec[0], (long long)spec[1]);
	}
	pr_info(c, "task %d: %zu posix timers", t->pid, n);
	return 0;
}

/* timer_create with the wanted id: exact (restore_ids) or by walking the id counter. */
static int create_one(struct task *t, const PosixTimerEntry *pe, bool exact, struct cr_error **err)
{
	struct ksigevent se;
	int32_t id = pe->it_id;
	long ret = 0;
	int r;

	memset(&se, 0, sizeof(se));
	se.value = pe->sival_ptr;
	se.signo = pe->si_signo;
	se.notify = pe->it_sigev_notify;
	se.tid = pe->has_notify_thread_id ? pe->notify_thread_id : 0;
	r = ptr_mem_write(t->pid, t->scratch + SC_SIGEV, &se, sizeof(se), err);
	if (r < 0)
		return r;
	for (;;) {
		int32_t got = -1;

		r = ptr_mem_write(t->pid, t->scratch + SC_ID, &id, sizeof(id), err);
		if (r < 0)
			return r;
		r = inj(t, SYS_timer_create, (int32_t)pe->clock_id, t->scratch + SC_SIGEV,
			t->scratch + SC_ID, 0, &ret, "timer_create", pe->it_id, err);
		if (r < 0)
			return r;
		r = ptr_mem_read(t->pid, t->scratch + SC_ID, &got, sizeof(got), err);
		if (r < 0)
			return r;
		if (got == (int32_t)pe->it_id)
			return 0;
		if (exact || got > (int32_t)pe->it_id)
			return cr_err(err, -EEXIST, "task %d: posix timer %u: the kernel gave id %d",
				      t->pid, pe->it_id, got);
		r = inj(t, SYS_timer_delete, got, 0, 0, 0, &ret, "timer_delete", got, err);
		if (r < 0)
			return r;
	}
}

int timers_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err)
{
	const TaskTimersEntry *tt = t->core->tc ? t->core->tc->timers : NULL;
	bool exact;
	long ret = 0;
	int r;

	if (!tt || !tt->n_posix)
		return 0;
	r = ptr_syscall(t, SYS_prctl, PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_ON,
			0, 0, 0, 0, &ret, err);
	if (r < 0)
		return r;
	exact = ret == 0;
	if (!exact)
		pr_info(c, "task %d: no PR_TIMER_CREATE_RESTORE_IDS (%ld): creating timers in order",
			t->pid, ret);
	for (size_t i = 0; i < tt->n_posix; i++) {
		r = create_one(t, tt->posix[i], exact, err);
		if (r < 0)
			return r;
	}
	if (exact) {
		r = inj(t, SYS_prctl, PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_OFF,
			0, 0, &ret, "prctl(PR_TIMER_CREATE_RESTORE_IDS, OFF)", -1, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < tt->n_posix; i++) {
		const PosixTimerEntry *pe = tt->posix[i];
		int64_t spec[4] = { pe->isec, pe->insec, pe->vsec, pe->vnsec };

		if (!pe->vsec && !pe->vnsec)
			continue; /* disarmed: as created */
		r = ptr_mem_write(t->pid, t->scratch + SC_SPEC, spec, sizeof(spec), err);
		if (r < 0)
			return r;
		r = inj(t, SYS_timer_settime, pe->it_id, 0, t->scratch + SC_SPEC, 0, &ret,
			"timer_settime", pe->it_id, err);
		if (r < 0)
			return r;
	}
	pr_info(c, "task %d: %zu posix timers restored (%s ids)", t->pid, tt->n_posix,
		exact ? "exact" : "walked");
	return 0;
}
