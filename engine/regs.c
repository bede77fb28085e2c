/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64 registers: general purpose registers, FPU/SSE/AVX/AVX-512 state
 * (NT_X86_XSTATE, standard non-compacted layout as ptrace exposes it) and
 * the three TLS descriptors, to and from CRIU's ThreadInfoX86.
 */
#include <asm/ldt.h>
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "ctx.h"
#include "xalloc.h"

#define XSAVE_BUF 16384
#define XSTATE_XCR0_OFF 464 /* sw_reserved[0] in the ptrace buffer */
#define XSAVE_HDR_OFF 512
#define GDT_TLS_MIN 12

#ifndef PTRACE_GET_THREAD_AREA
#define PTRACE_GET_THREAD_AREA 25
#define PTRACE_SET_THREAD_AREA 26
#endif

/* Components beyond SSE we carry: xfeature bit, count, element size. */
struct xcomp {
	int bit;
	size_t count, elem;
	size_t n_off, p_off; /* offsets of n_<field> and <field> in UserX86XsaveEntry */
};
#define XC(b, cnt, el, field)                                                                   \
	{ b, cnt, el, offsetof(UserX86XsaveEntry, n_##field), offsetof(UserX86XsaveEntry, field) }
static const struct xcomp xcomps[] = {
	XC(2, 64, 4, ymmh_space),  XC(3, 8, 8, bndreg_state), XC(4, 2, 8, bndcsr_state),
	XC(5, 8, 8, opmask_reg),   XC(6, 64, 8, zmm_upper),   XC(7, 128, 8, hi16_zmm),
	XC(9, 2, 4, pkru),
};

static unsigned xcomp_offset(int bit)
{
	unsigned a, b, c, d;

	__cpuid_count(0xd, bit, a, b, c, d);
	(void)a;
	(void)c;
	(void)d;
	return b;
}

static UserX86RegsEntry *gp_from(const struct user_regs_struct *r)
{
	UserX86RegsEntry *g = xmalloc(sizeof(*g));

	user_x86_regs_entry__init(g);
	g->r15 = r->r15;
	g->r14 = r->r14;
	g->r13 = r->r13;
	g->r12 = r->r12;
	g->bp = r->rbp;
	g->bx = r->rbx;
	g->r11 = r->r11;
	g->r10 = r->r10;
	g->r9 = r->r9;
	g->r8 = r->r8;
	g->ax = r->rax;
	g->cx = r->rcx;
	g->dx = r->rdx;
	g->si = r->rsi;
	g->di = r->rdi;
	g->orig_ax = r->orig_rax;
	g->ip = r->rip;
	g->cs = r->cs;
	g->flags = r->eflags;
	g->sp = r->rsp;
	g->ss = r->ss;
	g->fs_base = r->fs_base;
	g->gs_base = r->gs_base;
	g->ds = r->ds;
	g->es = r->es;
	g->fs = r->fs;
	g->gs = r->gs;
	g->has_mode = true;
	g->mode = USER_X86_REGS_MODE__NATIVE;
	return g;
}

static void gp_to(const UserX86RegsEntry *g, struct user_regs_struct *r)
{
	r->r15 = g->r15;
	r->r14 = g->r14;
	r->r13 = g->r13;
	r->r12 = g->r12;
	r->rbp = g->bp;
	r->rbx = g->bx;
	r->r11 = g->r11;
	r->r10 = g->r10;
	r->r9 = g->r9;
	r->r8 = g->r8;
	r->rax = g->ax;
	r->rcx = g->cx;
	r->rdx = g->dx;
	r->rsi = g->si;
	r->rdi = g->di;
	r->orig_rax = g->orig_ax;
	r->rip = g->ip;
	r->cs = g->cs;
	r->eflags = g->flags;
	r->rsp = g->sp;
	r->ss = g->ss;
	r->fs_base = g->fs_base;
	r->gs_base = g->gs_base;
	r->ds = g->ds;
	r->es = g->es;
	r->fs = g->fs;
	r->gs = g->gs;
}

static void *dup_arr(const void *src, size_t n)
{
	void *p = xmalloc(n ? n : 1);

	memcpy(p, src, n);
	return p;
}

static UserX86FpregsEntry *fp_from(const uint8_t *x, size_t len)
{
	UserX86FpregsEntry *f = xmalloc(sizeof(*f));
	UserX86XsaveEntry *xs;
	uint64_t xcr0, bv;

	user_x86_fpregs_entry__init(f);
	f->cwd = *(uint16_t *)(x + 0);
	f->swd = *(uint16_t *)(x + 2);
	f->twd = *(uint16_t *)(x + 4);
	f->fop = *(uint16_t *)(x + 6);
	f->rip = *(uint64_t *)(x + 8);
	f->rdp = *(uint64_t *)(x + 16);
	f->mxcsr = *(uint32_t *)(x + 24);
	f->mxcsr_mask = *(uint32_t *)(x + 28);
	f->n_st_space = 32;
	f->st_space = dup_arr(x + 32, 128);
	f->n_xmm_space = 64;
	f->xmm_space = dup_arr(x + 160, 256);
	if (len <= XSAVE_HDR_OFF + 64)
		return f;
	xcr0 = *(uint64_t *)(x + XSTATE_XCR0_OFF);
	bv = *(uint64_t *)(x + XSAVE_HDR_OFF);
	xs = xmalloc(sizeof(*xs));
	user_x86_xsave_entry__init(xs);
	xs->xstate_bv = bv;
	for (size_t i = 0; i < ARRAY_SIZE(xcomps); i++) {
		const struct xcomp *c = &xcomps[i];
		unsigned off;

		if (!(xcr0 & (1ull << c->bit)))
			continue;
		off = xcomp_offset(c->bit);
		if (!off || off + c->count * c->elem > len)
			continue;
		*(size_t *)((char *)xs + c->n_off) = c->count;
		*(void **)((char *)xs + c->p_off) = dup_arr(x + off, c->count * c->elem);
	}
	f->xsave = xs;
	return f;
}

void regs_free(ThreadInfoX86 *ti)
{
	if (ti)
		protobuf_c_message_free_unpacked(&ti->base, NULL);
}

/* syscalls that restart through a restart block and are safe to run again from scratch */
static bool restart_again(unsigned long nr)
{
	switch (nr) {
	case 7:   /* poll */
	case 35:  /* nanosleep */
	case 202: /* futex */
	case 230: /* clock_nanosleep */
		return true;
	}
	return false;
}

int regs_dump(struct crisp_ctx *c, struct task *t, ThreadInfoX86 **ret, struct cr_error **err)
{
	_cleanup_free_ uint8_t *x = xzalloc(XSAVE_BUF);
	struct iovec iov = { x, XSAVE_BUF };
	struct user_regs_struct r = t->regs;
	ThreadInfoX86 *ti;

	/*
	 * A task stopped inside an interrupted syscall: rewind it so the
	 * syscall runs again after restore, as CRIU records it.
	 */
	if ((long)r.orig_rax >= 0) {
		switch ((long)r.rax) {
		case -512: /* ERESTARTSYS */
		case -513: /* ERESTARTNOINTR */
		case -514: /* ERESTARTNOHAND */
			r.rax = r.orig_rax;
			r.rip -= 2;
			break;
		case -516: /* ERESTART_RESTARTBLOCK */
			/*
			 * The kernel would resume through restart_syscall and
			 * the task's restart block, which a restored task does
			 * not have: it would get EINTR (tail -f dies of that).
			 * These sleeps still hold their arguments: run them
			 * again, with their whole timeout.
			 */
			r.rax = restart_again(r.orig_rax) ? r.orig_rax : 219; /* __NR_restart_syscall */
			r.rip -= 2;
			break;
		}
	}
	if (ptrace(PTRACE_GETREGSET, t->pid, NT_X86_XSTATE, &iov) < 0) {
		iov.iov_len = 512;
		if (ptrace(PTRACE_GETREGSET, t->pid, NT_PRFPREG, &iov) < 0)
			return cr_err_sys(err, -errno, "task %d: PTRACE_GETREGSET fpu", t->pid);
	}
	ti = xmalloc(sizeof(*ti));
	thread_info_x86__init(ti);
	ti->gpregs = gp_from(&r);
	ti->fpregs = fp_from(x, iov.iov_len);
	ti->n_tls = 3;
	ti->tls = xcalloc(3, sizeof(*ti->tls));
	for (int i = 0; i < 3; i++) {
		struct user_desc d = { .entry_number = GDT_TLS_MIN + i };
		UserDescT *u = xmalloc(sizeof(*u));

		user_desc_t__init(u);
		if (ptrace(PTRACE_GET_THREAD_AREA, t->pid, GDT_TLS_MIN + i, &d) < 0) {
			memset(&d, 0, sizeof(d));
			d.read_exec_only = 1;
			d.seg_not_present = 1;
		}
		u->entry_number = GDT_TLS_MIN + i;
		u->base_addr = d.base_addr;
		u->limit = d.limit;
		u->seg_32bit = d.seg_32bit;
		u->contents_h = !!(d.contents & 2);
		u->contents_l = !!(d.contents & 1);
		u->read_exec_only = d.read_exec_only;
		u->limit_in_pages = d.limit_in_pages;
		u->seg_not_present = d.seg_not_present;
		u->usable = d.useable;
		ti->tls[i] = u;
	}
	*ret = ti;
	return 0;
}

static int fp_restore(struct task *t, const UserX86FpregsEntry *f, struct cr_error **err)
{
	_cleanup_free_ uint8_t *x = xzalloc(XSAVE_BUF);
	struct iovec iov = { x, XSAVE_BUF };
	uint64_t xcr0;
	bool xstate = true;

	if (ptrace(PTRACE_GETREGSET, t->pid, NT_X86_XSTATE, &iov) < 0) {
		xstate = false;
		iov.iov_len = 512;
		if (ptrace(PTRACE_GETREGSET, t->pid, NT_PRFPREG, &iov) < 0)
			return cr_err_sys(err, -errno, "task %d: PTRACE_GETREGSET fpu", t->pid);
	}
	*(uint16_t *)(x + 0) = f->cwd;
	*(uint16_t *)(x + 2) = f->swd;
	*(uint16_t *)(x + 4) = f->twd;
	*(uint16_t *)(x + 6) = f->fop;
	*(uint64_t *)(x + 8) = f->rip;
	*(uint64_t *)(x + 16) = f->rdp;
	*(uint32_t *)(x + 24) = f->mxcsr & (f->mxcsr_mask ? f->mxcsr_mask : 0xffbf);
	if (f->n_st_space == 32)
		memcpy(x + 32, f->st_space, 128);
	if (f->n_xmm_space == 64)
		memcpy(x + 160, f->xmm_space, 256);
	if (xstate && f->xsave && iov.iov_len > XSAVE_HDR_OFF + 64) {
		const UserX86XsaveEntry *xs = f->xsave;

		xcr0 = *(uint64_t *)(x + XSTATE_XCR0_OFF);
		*(uint64_t *)(x + XSAVE_HDR_OFF) = (xs->xstate_bv & xcr0) | 3;
		*(uint64_t *)(x + XSAVE_HDR_OFF + 8) = 0; /* xcomp_bv: standard format */
		for (size_t i = 0; i < ARRAY_SIZE(xcomps); i++) {
			const struct xcomp *c = &xcomps[i];
			size_t n = *(const size_t *)((const char *)xs + c->n_off);
			const void *p = *(void *const *)((const char *)xs + c->p_off);
			unsigned off;

			if (!(xcr0 & (1ull << c->bit)) || n != c->count)
				continue;
			off = xcomp_offset(c->bit);
			if (off && off + n * c->elem <= iov.iov_len)
				memcpy(x + off, p, n * c->elem);
		}
	}
	if (ptrace(PTRACE_SETREGSET, t->pid, xstate ? NT_X86_XSTATE : NT_PRFPREG, &iov) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETREGSET fpu", t->pid);
	return 0;
}

int regs_restore(struct crisp_ctx *c, struct task *t, const ThreadInfoX86 *ti,
		 struct cr_error **err)
{
	struct user_regs_struct r;
	int rc;

	if (!ti || !ti->gpregs)
		return cr_err(err, -EINVAL, "task %d: core has no x86 registers", t->pid);
	if (ti->gpregs->has_mode && ti->gpregs->mode != USER_X86_REGS_MODE__NATIVE)
		return cr_err(err, -EOPNOTSUPP, "task %d: 32-bit tasks are not supported", t->pid);
	if (ptrace(PTRACE_GETREGS, t->pid, 0, &r) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_GETREGS", t->pid);
	gp_to(ti->gpregs, &r);
	/* not in a syscall any more: the image already rewound interrupted ones */
	r.orig_rax = -1;
	if (ti->fpregs) {
		rc = fp_restore(t, ti->fpregs, err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < ti->n_tls; i++) {
		const UserDescT *u = ti->tls[i];
		struct user_desc d = {
			.entry_number = u->entry_number,
			.base_addr = u->base_addr,
			.limit = u->limit,
			.seg_32bit = u->seg_32bit,
			.contents = (u->contents_h << 1) | u->contents_l,
			.read_exec_only = u->read_exec_only,
			.limit_in_pages = u->limit_in_pages,
			.seg_not_present = u->seg_not_present,
			.useable = u->usable,
		};

		if (u->seg_not_present && !u->base_addr && !u->limit)
			continue;
		if (ptrace(PTRACE_SET_THREAD_AREA, t->pid, u->entry_number, &d) < 0)
			pr_warn(c, "task %d: cannot restore TLS entry %u", t->pid, u->entry_number);
	}
	if (ptrace(PTRACE_SETREGS, t->pid, 0, &r) < 0)
		return cr_err_sys(err, -errno, "task %d: PTRACE_SETREGS", t->pid);
	t->regs = r;
	return 0;
}
