// SPDX-License-Identifier: LGPL-2.1-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "opts.h"
#include "xalloc.h"

/* CRIU's defaults: log level 2 (warnings), ghost files up to 1 MiB, a 10 s freeze timeout. */
#define DEFAULT_LOG_LEVEL 2
#define DEFAULT_GHOST_LIMIT (1UL << 20)
#define DEFAULT_TIMEOUT 10

void crisp_opts_init(struct crisp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cmd = CRISP_CMD_NONE;
	o->images_dir = xstrdup(".");
	o->images_dirfd = -1;
	o->work_dirfd = -1;
	o->log_level = DEFAULT_LOG_LEVEL;
	o->ghost_limit = DEFAULT_GHOST_LIMIT;
	o->timeout = DEFAULT_TIMEOUT;
	o->pre_dump_mode = xstrdup("splice");
	o->status_fd = -1;
	o->rpc_fd = -1;
}

static void list_free(char ***list, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

void crisp_opts_release(struct crisp_opts *o)
{
	char **strs[] = { &o->images_dir, &o->work_dir, &o->log_file, &o->pidfile, &o->root,
			  &o->prev_images_dir, &o->config_file, &o->pre_dump_mode,
			  &o->cgroup_manage_mode, &o->network_lock, &o->lsm_profile, &o->feature,
			  &o->status_fd_path, &o->archive, &o->freeze_cgroup, &o->cgroup_props,
			  &o->cgroup_props_file, &o->cgroup_yard, &o->address };

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	list_free(&o->externals, &o->n_externals);
	list_free(&o->inherit_fds, &o->n_inherit_fds);
	list_free(&o->ext_unix, &o->n_ext_unix);
	list_free(&o->skip_mnt, &o->n_skip_mnt);
	list_free(&o->enable_fs, &o->n_enable_fs);
	list_free(&o->cgroup_roots, &o->n_cgroup_roots);
	list_free(&o->irmap_scan_paths, &o->n_irmap_scan_paths);
	list_free(&o->join_ns, &o->n_join_ns);
	list_free(&o->veth_pairs, &o->n_veth_pairs);
	list_free(&o->action_scripts, &o->n_action_scripts);
	for (size_t i = 0; i < o->n_ignored; i++) {
		free(o->ignored[i].key);
		free(o->ignored[i].val);
	}
	free(o->ignored);
	o->ignored = NULL;
	o->n_ignored = 0;
}

void crisp_opts_set_str(char **field, const char *val)
{
	free(*field);
	*field = val ? xstrdup(val) : NULL;
}

void crisp_opts_list_add(char ***list, size_t *n, const char *val)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrdup(val);
}

/* Later settings of the same ignored option replace earlier ones (config, then argv). */
void crisp_opts_add_ignored(struct crisp_opts *o, const char *key, const char *val)
{
	for (size_t i = 0; i < o->n_ignored; i++) {
		if (strcmp(o->ignored[i].key, key))
			continue;
		crisp_opts_set_str(&o->ignored[i].val, val);
		return;
	}
	o->ignored = xrealloc(o->ignored, (o->n_ignored + 1) * sizeof(*o->ignored));
	o->ignored[o->n_ignored].key = xstrdup(key);
	o->ignored[o->n_ignored].val = val ? xstrdup(val) : NULL;
	o->n_ignored++;
}

const char *crisp_cmd_name(enum crisp_cmd cmd)
{
	static const char *const names[] = {
		[CRISP_CMD_NONE] = "none",	   [CRISP_CMD_DUMP] = "dump",
		[CRISP_CMD_PRE_DUMP] = "pre-dump", [CRISP_CMD_RESTORE] = "restore",
		[CRISP_CMD_CHECK] = "check",	   [CRISP_CMD_SWRK] = "swrk",
		[CRISP_CMD_SERVICE] = "service",   [CRISP_CMD_CPUINFO] = "cpuinfo",
	};

	if ((unsigned)cmd >= ARRAY_SIZE(names) || !names[cmd])
		return "?";
	return names[cmd];
}

int crisp_parse_size(const char *s, unsigned long *ret)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	switch (*end) {
	case 'K': case 'k': mul = 1ULL << 10; end++; break;
	case 'M': case 'm': mul = 1ULL << 20; end++; break;
	case 'G': case 'g': mul = 1ULL << 30; end++; break;
	default: break;
	}
	if (*end)
		return -EINVAL;
	if (v > ULONG_MAX / mul)
		return -ERANGE;
	*ret = (unsigned long)(v * mul);
	return 0;
}

int crisp_write_pidfile(const struct crisp_opts *o, pid_t pid, struct cr_error **err)
{
	const char *wd = o->work_dir ? o->work_dir : o->images_dir;
	_cleanup_close_ int dirfd = -1;
	_cleanup_close_ int fd = -1;
	char buf[32];
	int n;

	if (!o->pidfile)
		return 0;
	if (o->pidfile[0] != '/') {
		dirfd = o->work_dirfd >= 0 ? fcntl(o->work_dirfd, F_DUPFD_CLOEXEC, 3)
					   : open(wd ? wd : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return cr_err_sys(err, -errno, "pidfile '%s': work dir '%s'", o->pidfile, wd);
	}
	/* CRIU writes the bare number, no newline */
	fd = openat(dirfd >= 0 ? dirfd : AT_FDCWD, o->pidfile,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cr_err_sys(err, -errno, "pidfile '%s'", o->pidfile);
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (write(fd, buf, n) != n)
		return cr_err_sys(err, -errno, "pidfile '%s': write", o->pidfile);
	return 0;
}
