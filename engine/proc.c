/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc parsing: stat, status, maps+smaps, children, fdinfo. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "xalloc.h"

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int proc_read_ulong(const char *path, unsigned long *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long v;

	if (!f)
		return -errno;
	if (fscanf(f, "%lu", &v) != 1)
		return -EINVAL;
	*ret = v;
	return 0;
}

int proc_read_stat(pid_t pid, struct proc_stat *s, struct cr_error **err)
{
	char path[64], buf[4096], *p, *q;
	_cleanup_close_ int fd = -1;
	unsigned long f[64];
	ssize_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cr_err_sys(err, -errno, "open '%s'", path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return cr_err_sys(err, n < 0 ? -errno : -EIO, "read '%s'", path);
	buf[n] = 0;
	p = strchr(buf, '(');
	q = strrchr(buf, ')');
	if (!p || !q || q < p)
		return cr_err(err, -EINVAL, "'%s': malformed", path);
	memset(s, 0, sizeof(*s));
	snprintf(s->comm, sizeof(s->comm), "%.*s", (int)(q - p - 1), p + 1);
	p = q + 2;
	s->state = *p;
	p += 2;
	/* fields from 4 (ppid) on; f[k] is field k+4 */
	for (i = 0; i < 60 && *p; i++) {
		f[i] = strtoul(p, &q, 10);
		if (*q == '-' || q == p) { /* negative values (nice, prio) */
			f[i] = (unsigned long)strtol(p, &q, 10);
		}
		p = q;
		while (*p == ' ')
			p++;
	}
	if (i < 49)
		return cr_err(err, -EINVAL, "'%s': only %d fields", path, i + 3);
#define F(k) f[(k) - 4]
	s->ppid = F(4);
	s->pgid = F(5);
	s->sid = F(6);
	s->flags = F(9);
	s->nice = (long)F(19);
	s->num_threads = F(20);
	s->start_code = F(26);
	s->end_code = F(27);
	s->start_stack = F(28);
	s->start_data = F(45);
	s->end_data = F(46);
	s->start_brk = F(47);
	s->arg_start = F(48);
	s->arg_end = F(49);
	s->env_start = F(50);
	s->env_end = F(51);
	s->exit_code = F(52);
#undef F
	return 0;
}

static uint64_t hex64(const char *s)
{
	return strtoull(s, NULL, 16);
}

int proc_read_status(pid_t pid, struct proc_status *s, struct cr_error **err)
{
	char path[64];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return cr_err_sys(err, -errno, "open '%s'", path);
	memset(s, 0, sizeof(*s));
	s->umask = 022;
	while (getline(&line, &cap, f) > 0) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcmp(line, "Uid"))
			sscanf(v, "%u %u %u %u", &s->uid[0], &s->uid[1], &s->uid[2], &s->uid[3]);
		else if (!strcmp(line, "Gid"))
			sscanf(v, "%u %u %u %u", &s->gid[0], &s->gid[1], &s->gid[2], &s->gid[3]);
		else if (!strcmp(line, "Umask"))
			s->umask = strtoul(v, NULL, 8);
		else if (!strcmp(line, "CapInh"))
			s->cap_inh = hex64(v);
		else if (!strcmp(line, "CapPrm"))
			s->cap_prm = hex64(v);
		else if (!strcmp(line, "CapEff"))
			s->cap_eff = hex64(v);
		else if (!strcmp(line, "CapBnd"))
			s->cap_bnd = hex64(v);
		else if (!strcmp(line, "CapAmb"))
			s->cap_amb = hex64(v);
		else if (!strcmp(line, "NoNewPrivs"))
			s->no_new_privs = atoi(v);
		else if (!strcmp(line, "Seccomp"))
			s->seccomp = atoi(v);
		else if (!strcmp(line, "SigPnd"))
			s->sigpnd = hex64(v);
		else if (!strcmp(line, "ShdPnd"))
			s->shdpnd = hex64(v);
		else if (!strcmp(line, "Groups")) {
			char *p = v, *q;
			size_t gcap = 0;

			for (;;) {
				unsigned long g = strtoul(p, &q, 10);

				if (q == p)
					break;
				s->groups = xgrow(s->groups, &gcap, s->n_groups + 1, sizeof(uint32_t));
				s->groups[s->n_groups++] = g;
				p = q;
			}
		}
	}
	return 0;
}

void proc_status_release(struct proc_status *s)
{
	free(s->groups);
	s->groups = NULL;
	s->n_groups = 0;
}

void pvma_list_release(struct pvma_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* VmFlags two-letter codes we carry as madvise bits (as CRIU does). */
static uint64_t vmflags_madv(const char *s, bool *ret_gd, bool *ret_lo, bool *ret_nr)
{
	static const struct { const char name[3]; int madv; } map[] = {
		{ "dc", MADV_DONTFORK }, { "dd", MADV_DONTDUMP }, { "mg", MADV_MERGEABLE },
		{ "hg", MADV_HUGEPAGE }, { "nh", MADV_NOHUGEPAGE }, { "wf", MADV_WIPEONFORK },
	};
	uint64_t m = 0;

	*ret_gd = *ret_lo = *ret_nr = false;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!s[0] || !s[1])
			break;
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (s[0] == map[i].name[0] && s[1] == map[i].name[1])
				m |= 1ull << map[i].madv;
		if (s[0] == 'g' && s[1] == 'd')
			*ret_gd = true;
		if (s[0] == 'l' && s[1] == 'o')
			*ret_lo = true; /* mlock()ed */
		if (s[0] == 'n' && s[1] == 'r')
			*ret_nr = true; /* MAP_NORESERVE: a reservation, not a commitment */
		s += 2;
	}
	return m;
}

static void classify(struct pvma *v, bool shared, int vmaj, int vmin)
{
	const char *p = v->path;

	v->flags = shared ? MAP_SHARED : MAP_PRIVATE;
	v->status = VMA_AREA_REGULAR;
	if (p && !strcmp(p, "[vsyscall]")) {
		v->status = VMA_AREA_VSYSCALL | VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (p && !strcmp(p, "[vdso]")) {
		v->status |= VMA_AREA_VDSO | VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (p && (!strcmp(p, "[vvar]") || !strcmp(p, "[vvar_vclock]"))) {
		v->status |= VMA_AREA_VVAR | VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (p && !strcmp(p, "[heap]")) {
		v->status |= VMA_AREA_HEAP | VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (p && !strcmp(p, "[stack]")) {
		v->status |= VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (!p || (p[0] == '[' && vmaj == 0 && vmin == 0 && v->ino == 0)) {
		v->status |= shared ? VMA_ANON_SHARED : VMA_ANON_PRIVATE;
		v->flags |= MAP_ANONYMOUS;
	} else if (shared && (!strncmp(p, "/dev/zero", 9) || !strncmp(p, "/SYSV", 5)) &&
		   vmaj == 0) {
		/* shmem behind MAP_SHARED|MAP_ANONYMOUS shows as "/dev/zero (deleted)" */
		v->status |= strncmp(p, "/SYSV", 5) ? VMA_ANON_SHARED : VMA_AREA_SYSVIPC;
		v->flags |= MAP_ANONYMOUS;
	} else {
		v->status |= shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE;
	}
}

int proc_read_maps(pid_t pid, struct pvma_list *l, struct cr_error **err)
{
	char path[64];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	struct pvma *cur = NULL;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "re");
	if (!f)
		return cr_err_sys(err, -errno, "open '%s'", path);
	while (getline(&line, &cap, f) > 0) {
		unsigned long s, e, off, ino;
		char perms[8];
		int vmaj, vmin, n = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &s, &e, perms, &off, &vmaj, &vmin,
			   &ino, &n) >= 7 && n > 0) {
			char *name = line + n;
			size_t len = strlen(name);

			while (len && (name[len - 1] == '\n' || name[len - 1] == ' '))
				name[--len] = 0;
			l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
			cur = &l->v[l->n++];
			memset(cur, 0, sizeof(*cur));
			cur->start = s;
			cur->end = e;
			cur->pgoff = off;
			cur->dev = makedev(vmaj, vmin);
			cur->ino = ino;
			cur->path = len ? xstrdup(name) : NULL;
			cur->prot = (perms[0] == 'r' ? PROT_READ : 0) |
				    (perms[1] == 'w' ? PROT_WRITE : 0) |
				    (perms[2] == 'x' ? PROT_EXEC : 0);
			classify(cur, perms[3] == 's', vmaj, vmin);
			if (cur->flags & MAP_ANONYMOUS && !(cur->status & VMA_ANON_SHARED))
				cur->pgoff = 0;
			continue;
		}
		if (cur && !strncmp(line, "VmFlags:", 8)) {
			bool gd, lo, nr;

			cur->madv = vmflags_madv(line + 8, &gd, &lo, &nr);
			if (nr)
				cur->flags |= MAP_NORESERVE;
			if (gd)
				cur->flags |= MAP_GROWSDOWN;
			/* as mmap() takes it: CRIU's restore maps it locked again too */
			if (lo)
				cur->flags |= MAP_LOCKED;
		}
	}
	return 0;
}

static int read_pid_list(const char *path, pid_t **ret, size_t *ret_n, struct cr_error **err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	pid_t *v = NULL;
	size_t n = 0, cap = 0;
	int p;

	if (!f)
		return cr_err_sys(err, -errno, "open '%s'", path);
	while (fscanf(f, "%d", &p) == 1) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = p;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int proc_read_children(pid_t pid, pid_t **ret, size_t *ret_n, struct cr_error **err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	return read_pid_list(path, ret, ret_n, err);
}

int proc_read_threads(pid_t pid, pid_t **ret, size_t *ret_n, struct cr_error **err)
{
	char path[64];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	pid_t *v = NULL;
	size_t n = 0, cap = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return cr_err_sys(err, -errno, "open '%s'", path);
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = atoi(de->d_name);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int proc_readlink(pid_t pid, const char *what, char **ret, struct cr_error **err)
{
	char path[128], buf[PATH_MAX + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	n = readlink(path, buf, PATH_MAX);
	if (n < 0)
		return cr_err_sys(err, -errno, "readlink '%s'", path);
	buf[n] = 0;
	*ret = xstrdup(buf);
	return 0;
}

int proc_fdinfo(pid_t pid, int fd, uint32_t *ret_flags, uint64_t *ret_pos, int *ret_mnt_id,
		struct cr_error **err)
{
	char path[64], key[32];
	_cleanup_fclose_ FILE *f = NULL;
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return cr_err_sys(err, -errno, "open '%s'", path);
	*ret_flags = 0;
	*ret_pos = 0;
	*ret_mnt_id = -1;
	while (fscanf(f, "%31[^:]: ", key) == 1) {
		if (!strcmp(key, "flags")) {
			if (fscanf(f, "%llo", &v) == 1)
				*ret_flags = v;
		} else if (!strcmp(key, "pos")) {
			if (fscanf(f, "%llu", &v) == 1)
				*ret_pos = v;
		} else if (!strcmp(key, "mnt_id")) {
			if (fscanf(f, "%llu", &v) == 1)
				*ret_mnt_id = v;
		}
		if (fscanf(f, "%*[^\n]") < 0)
			break;
		fgetc(f);
	}
	return 0;
}
