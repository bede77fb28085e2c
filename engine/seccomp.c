/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp: strict mode and filter chains.  Dump reads each thread's
 * filters with PTRACE_SECCOMP_GET_FILTER (newest first) and flags with
 * PTRACE_GET_SECCOMP_METADATA into seccomp.img, shared chains once.  As in
 * CRIU's images, ids are indexes, the thread core names the oldest filter
 * and each filter's `prev` is the next one to install.  Restore installs a
 * chain in that order as the very last injected syscalls of the thread, so
 * the filter never gets in the way of the restore itself.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "ctx.h"
#include "xalloc.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef PTRACE_SECCOMP_GET_METADATA
#define PTRACE_SECCOMP_GET_METADATA 0x420d
#endif
#define MAX_CHAIN 64

static uint32_t filter_id(struct crisp_ctx *c, const uint8_t *prog, size_t len, bool has_next,
			  uint32_t next, uint32_t flags)
{
	struct sc_filter *f;

	for (size_t i = 0; i < c->n_scf; i++)
		if (c->scf[i].len == len && c->scf[i].has_prev == has_next &&
		    (!has_next || c->scf[i].prev == next) && c->scf[i].flags == flags &&
		    !memcmp(c->scf[i].prog, prog, len))
			return i;
	c->scf = xgrow(c->scf, &c->cap_scf, c->n_scf + 1, sizeof(*c->scf));
	f = &c->scf[c->n_scf++];
	f->prog = xmalloc(len ? len : 1);
	memcpy(f->prog, prog, len);
	f->len = len;
	f->has_prev = has_next;
	f->prev = next;
	f->flags = flags;
	return c->n_scf - 1;
}

int seccomp_dump_chain(struct crisp_ctx *c, pid_t tid, uint32_t *ret_top, struct cr_error **err)
{
	uint8_t *progs[MAX_CHAIN] = { 0 };
	size_t lens[MAX_CHAIN];
	uint32_t flags[MAX_CHAIN];
	int n = 0, r = 0;
	uint32_t id = 0;

	for (; n < MAX_CHAIN; n++) {
		struct { uint64_t off, flags; } md = { n, 0 };
		long cnt = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, n, NULL);

		if (cnt < 0) {
			if (errno == ENOENT)
				break;
			r = cr_err_sys(err, -errno, "task %d: PTRACE_SECCOMP_GET_FILTER", tid);
			goto out;
		}
		lens[n] = cnt * sizeof(struct sock_filter);
		progs[n] = xmalloc(lens[n] ? lens[n] : 1);
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, n, progs[n]) != cnt) {
			r = cr_err_sys(err, -errno, "task %d: PTRACE_SECCOMP_GET_FILTER", tid);
			n++;
			goto out;
		}
		flags[n] = ptrace(PTRACE_SECCOMP_GET_METADATA, tid, sizeof(md), &md) > 0 ? md.flags : 0;
	}
	if (n == MAX_CHAIN) {
		r = cr_err(err, -E2BIG, "task %d: more than %d seccomp filters", tid, MAX_CHAIN);
		goto out;
	}
	if (!n) {
		r = cr_err(err, -EINVAL, "task %d: seccomp filter mode without filters", tid);
		goto out;
	}
	/* ptrace index 0 is the newest: link each older one to the next newer */
	for (int i = 0; i < n; i++)
		id = filter_id(c, progs[i], lens[i], i > 0, id, flags[i]);
	*ret_top = id;
out:
	for (int i = 0; i < n; i++)
		free(progs[i]);
	return r;
}

int seccomp_dump_commit(struct crisp_ctx *c, struct cr_error **err)
{
	SeccompEntry se = SECCOMP_ENTRY__INIT;
	SeccompFilter *fs = xcalloc(c->n_scf ? c->n_scf : 1, sizeof(*fs));
	SeccompFilter **fp = xcalloc(c->n_scf ? c->n_scf : 1, sizeof(*fp));
	int r;

	for (size_t i = 0; i < c->n_scf; i++) {
		seccomp_filter__init(&fs[i]);
		fs[i].filter.data = c->scf[i].prog;
		fs[i].filter.len = c->scf[i].len;
		if (c->scf[i].has_prev) {
			fs[i].has_prev = true;
			fs[i].prev = c->scf[i].prev;
		}
		if (c->scf[i].flags) {
			fs[i].has_flags = true;
			fs[i].flags = c->scf[i].flags;
		}
		fp[i] = &fs[i];
	}
	se.n_seccomp_filters = c->n_scf;
	se.seccomp_filters = fp;
	/* written even when empty, as CRIU does */
	r = img_write_one_at(c->imgfd, IMG_SECCOMP, 0, &se.base, err);
	free(fs);
	free(fp);
	return r;
}

int seccomp_restore_prepare(struct crisp_ctx *c, struct cr_error **err)
{
	ProtobufCMessage *m = NULL;
	SeccompEntry *se;
	int r = img_read_one_at(c->imgfd, IMG_SECCOMP, 0, &m, err);

	if (r == -ENOENT) {
		cr_err_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	se = (SeccompEntry *)m;
	for (size_t i = 0; i < se->n_seccomp_filters; i++) {
		const SeccompFilter *f = se->seccomp_filters[i];

		c->scf = xgrow(c->scf, &c->cap_scf, c->n_scf + 1, sizeof(*c->scf));
		c->scf[c->n_scf].prog = xmalloc(f->filter.len ? f->filter.len : 1);
		memcpy(c->scf[c->n_scf].prog, f->filter.data, f->filter.len);
		c->scf[c->n_scf].len = f->filter.len;
		c->scf[c->n_scf].has_prev = f->has_prev;
		c->scf[c->n_scf].prev = f->prev;
		c->scf[c->n_scf++].flags = f->has_flags ? f->flags : 0;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

int seccomp_restore(struct crisp_ctx *c, struct task *t, const ThreadCoreEntry *th,
		    unsigned long scratch, size_t room, struct cr_error **err)
{
	int n = 0;
	long ret;
	int r;

	if (!th || !th->has_seccomp_mode || th->seccomp_mode == SECCOMP_MODE__disabled)
		return 0;
	if (th->seccomp_mode == SECCOMP_MODE__strict) {
		r = ptr_syscall(t, SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0, 0, &ret,
				err);
		return r < 0 ? r : ret < 0 ? cr_err_sys(err, (int)ret, "task %d: strict seccomp", t->pid) : 0;
	}
	if (!th->has_seccomp_filter)
		return cr_err(err, -EINVAL, "task %d: seccomp filter mode without a filter", t->pid);
	for (uint32_t id = th->seccomp_filter;;) {
		const struct sc_filter *f;
		struct sock_fprog prog;

		if (id >= c->n_scf || n++ == MAX_CHAIN)
			return cr_err(err, -EINVAL, "task %d: bad seccomp filter chain", t->pid);
		f = &c->scf[id];
		prog.len = f->len / sizeof(struct sock_filter);
		prog.filter = (struct sock_filter *)(scratch + 16);
		if (f->len + 16 > room)
			return cr_err(err, -E2BIG, "task %d: seccomp filter of %zu bytes too big",
				      t->pid, f->len);
		r = ptr_mem_write(t->pid, scratch, &prog, sizeof(prog), err);
		if (r >= 0)
			r = ptr_mem_write(t->pid, scratch + 16, f->prog, f->len, err);
		/*
		 * crisp records every thread's chain and installs it per thread;
		 * CRIU records the leader's only, flagged TSYNC, which then
		 * reaches the other (filterless) threads: keep the flag as given.
		 */
		if (r >= 0)
			r = ptr_syscall(t, SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, scratch, 0,
					0, 0, &ret, err);
		if (r < 0)
			return r;
		if (ret < 0)
			return cr_err_sys(err, (int)ret, "task %d: installing seccomp filter %u",
					  t->pid, id);
		if (!f->has_prev)
			return 0;
		id = f->prev;
	}
}

void seccomp_release(struct crisp_ctx *c)
{
	for (size_t i = 0; i < c->n_scf; i++)
		free(c->scf[i].prog);
	free(c->scf);
	c->scf = NULL;
	c->n_scf = 0;
}
