// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CRIU's options, one row each.  The same table drives getopt_long for
 * argv, the by-name lookup for config files, and --help.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "xalloc.h"

enum opt_kind {
	K_BOOL,   /* bool field; "no-NAME" clears it */
	K_FLAG,   /* bool field, no "no-" form */
	K_STR,    /* char * field */
	K_LIST,   /* char ** field + size_t count */
	K_IGNORE, /* accepted, recorded in o->ignored */
	K_SPECIAL,
};

enum opt_special {
	S_TREE = 1, S_LEAVE_STOPPED, S_LEAVE_RUNNING, S_VERBOSE, S_EXT_UNIX, S_GHOST_LIMIT,
	S_TIMEOUT, S_STATUS_FD, S_MANAGE_CG, S_CONFIG, S_NO_DEFCONF, S_HELP, S_VERSION,
	S_PRE_DUMP_MODE, S_NETWORK_LOCK, S_EXT_MOUNT_MAP, S_INHERIT_FD, S_ALL, S_MS, S_EMPTY_NS,
	S_CPU_CAP, S_FILE_VALIDATION, S_VETH_PAIR, S_JOIN_NS,
};

enum opt_section { SEC_COMMON, SEC_DUMP, SEC_RESTORE, SEC_CHECK, SEC_LOG, SEC_OTHER };

struct optdef {
	const char *name;
	signed char has_arg; /* no_argument, required_argument, optional_argument */
	char shortopt;
	unsigned char kind;
	unsigned char special;
	unsigned char section;
	size_t off, count_off;
	const char *arg, *help; /* help == NULL: accepted but not listed */
};

#define F(field) offsetof(struct crisp_opts, field)
#define BOOL(n, s, field, sec, h) { n, no_argument, s, K_BOOL, 0, sec, F(field), 0, NULL, h }
#define FLAG(n, field, sec, h) { n, no_argument, 0, K_FLAG, 0, sec, F(field), 0, NULL, h }
#define STR(n, s, field, sec, a, h) { n, required_argument, s, K_STR, 0, sec, F(field), 0, a, h }
#define LIST(n, s, field, sec, a, h) \
	{ n, required_argument, s, K_LIST, 0, sec, F(field), F(n_##field), a, h }
#define SPEC(n, ha, s, id, sec, a, h) { n, ha, s, K_SPECIAL, id, sec, 0, 0, a, h }
#define IGN(n, ha, sec, a, h) { n, ha, 0, K_IGNORE, 0, sec, 0, 0, a, h }
/* Ignored options that CRIU declares with BOOL_OPT (so "no-NAME" exists too). */
#define IGNB(n, sec, h) { n, no_argument, 0, K_IGNORE, 1, sec, 0, 0, NULL, h }

static const struct optdef optdefs[] = {
	SPEC("tree", required_argument, 't', S_TREE, SEC_DUMP, "PID", "checkpoint the process tree rooted at PID"),
	SPEC("leave-stopped", no_argument, 's', S_LEAVE_STOPPED, SEC_COMMON, NULL, "leave tasks stopped after dump or restore"),
	SPEC("leave-running", no_argument, 'R', S_LEAVE_RUNNING, SEC_DUMP, NULL, "leave tasks running after dump"),
	BOOL("restore-detached", 'd', restore_detached, SEC_RESTORE, "detach crisp from the restored tree"),
	BOOL("restore-sibling", 'S', restore_sibling, SEC_RESTORE, "restore the root task as a sibling (needs -d)"),
	BOOL("daemon", 0, restore_detached, SEC_RESTORE, NULL),
	STR("images-dir", 'D', images_dir, SEC_COMMON, "DIR", "directory of the image files"),
	STR("work-dir", 'W', work_dir, SEC_COMMON, "DIR", "directory for logs and pidfiles (default: images dir)"),
	STR("log-file", 'o', log_file, SEC_LOG, "FILE", "log file, relative to the work dir; '-' is stderr"),
	SPEC("join-ns", required_argument, 'J', S_JOIN_NS, SEC_RESTORE, "NS:PATH", "join an existing namespace"),
	STR("root", 'r', root, SEC_RESTORE, "PATH", "change the root filesystem on restore"),
	SPEC("ext-unix-sk", optional_argument, 'x', S_EXT_UNIX, SEC_COMMON, "INODE", "allow external unix connections"),
	SPEC("help", no_argument, 'h', S_HELP, SEC_OTHER, NULL, "this text"),
	BOOL("tcp-established", 0, tcp_established, SEC_COMMON, "checkpoint/restore established TCP connections"),
	IGN("close", required_argument, SEC_OTHER, "FD", NULL),
	BOOL("log-pid", 0, log_pid, SEC_LOG, "one log file per process"),
	SPEC("version", no_argument, 'V', S_VERSION, SEC_OTHER, NULL, "print the version"),
	BOOL("evasive-devices", 0, evasive_devices, SEC_RESTORE, "use any path to a device file if the original is gone"),
	STR("pidfile", 0, pidfile, SEC_RESTORE, "FILE", "write the root task's pid to FILE (relative to the work dir)"),
	SPEC("veth-pair", required_argument, 0, S_VETH_PAIR, SEC_RESTORE, "IN=OUT", NULL),
	LIST("action-script", 0, action_scripts, SEC_OTHER, "FILE", "run FILE at each notification point (CRTOOLS_SCRIPT_ACTION)"),
	BOOL("link-remap", 0, link_remap, SEC_DUMP, "allow linking unlinked files back"),
	BOOL("shell-job", 'j', shell_job, SEC_COMMON, "the tree is a shell job attached to a terminal"),
	BOOL("file-locks", 'l', file_locks, SEC_COMMON, "handle file locks"),
	IGNB("page-server", SEC_OTHER, NULL),
	STR("address", 0, address, SEC_OTHER, "PATH", "service: the socket to listen on"),
	IGN("port", required_argument, SEC_OTHER, "PORT", NULL),
	STR("prev-images-dir", 0, prev_images_dir, SEC_DUMP, "DIR", "images of a previous (pre-)dump, relative to the images dir"),
	SPEC("ms", no_argument, 0, S_MS, SEC_OTHER, NULL, NULL),
	BOOL("track-mem", 0, track_mem, SEC_DUMP, "turn on memory change tracking"),
	BOOL("auto-dedup", 0, auto_dedup, SEC_DUMP, "deduplicate pages against the parent images"),
	IGN("libdir", required_argument, SEC_OTHER, "PATH", NULL),
	SPEC("cpu-cap", optional_argument, 0, S_CPU_CAP, SEC_OTHER, "CAP", NULL),
	BOOL("force-irmap", 0, force_irmap, SEC_DUMP, NULL),
	SPEC("ext-mount-map", required_argument, 'M', S_EXT_MOUNT_MAP, SEC_COMMON, "KEY:VAL", "external mount mapping (same as --external mnt[KEY]:VAL)"),
	IGN("exec-cmd", no_argument, SEC_OTHER, NULL, NULL),
	SPEC("manage-cgroups", optional_argument, 0, S_MANAGE_CG, SEC_COMMON, "MODE", "dump/restore cgroups: none|props|soft|full|strict|ignore"),
	LIST("cgroup-root", 0, cgroup_roots, SEC_RESTORE, "[CTL:]PATH", "change the root cgroup"),
	SPEC("inherit-fd", required_argument, 0, S_INHERIT_FD, SEC_RESTORE, "fd[N]:KEY", "use crisp's fd N for the resource KEY"),
	STR("feature", 0, feature, SEC_CHECK, "NAME", "check one feature ('list' lists them)"),
	LIST("skip-mnt", 0, skip_mnt, SEC_DUMP, "PATH", "ignore this mount"),
	LIST("enable-fs", 0, enable_fs, SEC_DUMP, "FS", "dump these filesystems' contents"),
	FLAG("enable-external-sharing", ext_sharing, SEC_COMMON, NULL),
	FLAG("enable-external-masters", ext_masters, SEC_COMMON, NULL),
	STR("freeze-cgroup", 0, freeze_cgroup, SEC_DUMP, "PATH", "freeze the tree with this cgroup's freezer"),
	SPEC("ghost-limit", required_argument, 0, S_GHOST_LIMIT, SEC_DUMP, "SIZE", "largest deleted file to save (K, M, G suffixes)"),
	LIST("irmap-scan-path", 0, irmap_scan_paths, SEC_DUMP, "PATH", NULL),
	STR("lsm-profile", 0, lsm_profile, SEC_RESTORE, "TYPE:NAME", "LSM profile for restored tasks"),
	SPEC("timeout", required_argument, 0, S_TIMEOUT, SEC_DUMP, "SEC", "give up freezing the tree after SEC seconds"),
	LIST("external", 0, externals, SEC_COMMON, "RES", "mark a resource as external: mnt[..], dev[..], file[..], ..."),
	SPEC("empty-ns", required_argument, 0, S_EMPTY_NS, SEC_RESTORE, "net", NULL),
	FLAG("lazy-pages", lazy_pages, SEC_OTHER, "restore memory lazily (not supported)"),
	BOOL("extra", 0, check_extra, SEC_CHECK, "also check features needed in special cases"),
	BOOL("experimental", 0, check_experimental, SEC_CHECK, "also check experimental features"),
	SPEC("all", no_argument, 0, S_ALL, SEC_CHECK, NULL, "--extra and --experimental"),
	STR("cgroup-props", 0, cgroup_props, SEC_DUMP, "STR", NULL),
	STR("cgroup-props-file", 0, cgroup_props_file, SEC_DUMP, "FILE", NULL),
	IGN("cgroup-dump-controller", required_argument, SEC_DUMP, "NAME", NULL),
	BOOL("skip-in-flight", 0, skip_in_flight, SEC_DUMP, "skip half-open incoming TCP connections"),
	IGNB("deprecated", SEC_OTHER, NULL),
	BOOL("display-stats", 0, display_stats, SEC_COMMON, "print statistics at the end"),
	BOOL("weak-sysctls", 0, weak_sysctls, SEC_RESTORE, NULL),
	SPEC("status-fd", required_argument, 0, S_STATUS_FD, SEC_OTHER, "FD", "write \\0 to FD when ready"),
	BOOL("tcp-close", 0, tcp_close, SEC_RESTORE, "close established TCP connections on restore"),
	SPEC("verbosity", optional_argument, 'v', S_VERBOSE, SEC_LOG, "N", "log level 0..4 (-v, -vv, -v4)"),
	IGN("ps-socket", required_argument, SEC_OTHER, "FD", NULL),
	BOOL("stream", 0, stream, SEC_OTHER, NULL),
	SPEC("config", required_argument, 0, S_CONFIG, SEC_OTHER, "FILE", "read options from FILE instead of the default files"),
	SPEC("no-default-config", no_argument, 0, S_NO_DEFCONF, SEC_OTHER, NULL, "do not read the default config files"),
	IGN("tls-cacert", required_argument, SEC_OTHER, "FILE", NULL),
	IGN("tls-cacrl", required_argument, SEC_OTHER, "FILE", NULL),
	IGN("tls-cert", required_argument, SEC_OTHER, "FILE", NULL),
	IGN("tls-key", required_argument, SEC_OTHER, "FILE", NULL),
	IGNB("tls", SEC_OTHER, NULL),
	IGN("tls-no-cn-verify", no_argument, SEC_OTHER, NULL, NULL),
	STR("cgroup-yard", 0, cgroup_yard, SEC_COMMON, "PATH", NULL),
	SPEC("pre-dump-mode", required_argument, 0, S_PRE_DUMP_MODE, SEC_DUMP, "MODE", "splice|read"),
	SPEC("file-validation", required_argument, 0, S_FILE_VALIDATION, SEC_RESTORE, "METHOD", NULL),
	IGN("lsm-mount-context", required_argument, SEC_RESTORE, "CTX", NULL),
	SPEC("network-lock", required_argument, 0, S_NETWORK_LOCK, SEC_COMMON, "METHOD", "iptables|nftables|skip"),
	BOOL("mntns-compat-mode", 0, mntns_compat_mode, SEC_RESTORE, NULL),
	BOOL("unprivileged", 0, unprivileged, SEC_COMMON, "run without root (with CAP_CHECKPOINT_RESTORE)"),
	IGNB("ghost-fiemap", SEC_DUMP, NULL),
	IGNB("skip-file-rwx-check", SEC_RESTORE, NULL),
	IGNB("allow-uprobes", SEC_COMMON, NULL),
	STR("archive", 0, archive, SEC_COMMON, "FILE", "crisp: dump to / restore from one .tar.zst"),
};

static const char *const section_names[] = {
	[SEC_COMMON] = "Dump and restore", [SEC_DUMP] = "Dump",	     [SEC_RESTORE] = "Restore",
	[SEC_CHECK] = "Check",		   [SEC_LOG] = "Logging",    [SEC_OTHER] = "Other",
};

/* getopt_long values: base + 2 * row (+ 1 for the no- form). */
#define OPT_BASE 0x1000

/* Booleans, and ignored options CRIU declares as booleans, have a no- form. */
static bool has_neg(const struct optdef *d)
{
	return d->kind == K_BOOL || (d->kind == K_IGNORE && d->special);
}

static const struct optdef *find_def(const char *name, bool *ret_neg)
{
	*ret_neg = false;
	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (!strcmp(optdefs[i].name, name))
			return &optdefs[i];
	if (strncmp(name, "no-", 3))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++) {
		if (has_neg(&optdefs[i]) && !strcmp(optdefs[i].name, name + 3)) {
			*ret_neg = true;
			return &optdefs[i];
		}
	}
	return NULL;
}

static int parse_int(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return true;
	return false;
}

/* "fd[N]:KEY" */
static bool valid_inherit_fd(const char *s)
{
	char *end;

	if (strncmp(s, "fd[", 3) || !isdigit((unsigned char)s[3]))
		return false;
	strtol(s + 3, &end, 10);
	return end[0] == ']' && end[1] == ':' && end[2];
}

/* Comma-separated inode numbers, as CRIU's -x accepts. */
static bool valid_inode_list(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != ',')
			return false;
	return true;
}

static int bad_arg(const char *where, const char *disp, const char *arg, struct cr_error **err)
{
	return cr_err(err, -EINVAL, "%s%sinvalid argument for %s: '%s'", where ? where : "",
		      where ? ": " : "", disp, arg ? arg : "");
}

static int apply_verbose(struct crisp_opts *o, const char *arg)
{
	long v;

	if (!arg) {
		o->log_level++;
		return 0;
	}
	if (arg[0] == 'v') { /* -vvv: getopt hands us "vv" */
		if (strspn(arg, "v") != strlen(arg))
			return -EINVAL;
		o->log_level += strlen(arg) + 1;
		return 0;
	}
	if (parse_int(arg, 0, 10, &v) < 0)
		return -EINVAL;
	o->log_level = v;
	return 0;
}

static int apply_mount_map(struct crisp_opts *o, const char *arg)
{
	_cleanup_free_ char *ext = NULL;
	const char *colon = strchr(arg, ':');

	if (!strcmp(arg, "auto")) {
		crisp_opts_list_add(&o->externals, &o->n_externals, "mnt[]");
		return 0;
	}
	if (!colon || colon == arg || !colon[1])
		return -EINVAL;
	ext = xasprintf("mnt[%.*s]:%s", (int)(colon - arg), arg, colon + 1);
	crisp_opts_list_add(&o->externals, &o->n_externals, ext);
	return 0;
}

/* Options with a numeric argument. */
static int apply_number(struct crisp_opts *o, const struct optdef *d, const char *arg)
{
	long v;

	switch (d->special) {
	case S_TREE:
		if (parse_int(arg, 1, INT_MAX, &v) < 0)
			return -EINVAL;
		o->tree = v;
		return 0;
	case S_TIMEOUT:
		if (parse_int(arg, 0, INT_MAX, &v) < 0)
			return -EINVAL;
		o->timeout = v;
		return 0;
	case S_STATUS_FD:
		if (parse_int(arg, 0, INT_MAX, &v) < 0)
			return -EINVAL;
		o->status_fd = v;
		return 0;
	case S_GHOST_LIMIT:
		return crisp_parse_size(arg, &o->ghost_limit) < 0 ? -EINVAL : 0;
	default:
		return apply_verbose(o, arg);
	}
}

/* Options whose argument is one word of a fixed list. */
static int apply_choice(struct crisp_opts *o, const struct optdef *d, const char *arg)
{
	static const char *const cg_modes[] = { "none", "props", "soft", "full", "strict", "ignore", NULL };
	static const char *const locks[] = { "iptables", "nftables", "skip", NULL };
	static const char *const pd_modes[] = { "splice", "read", NULL };
	static const char *const fv[] = { "filesize", "buildid", NULL };
	static const char *const empty_ns[] = { "net", NULL };

	switch (d->special) {
	case S_MANAGE_CG:
		if (arg && !one_of(arg, cg_modes))
			return -EINVAL;
		o->manage_cgroups = true;
		crisp_opts_set_str(&o->cgroup_manage_mode, arg ? arg : "soft");
		return 0;
	case S_PRE_DUMP_MODE:
		if (!one_of(arg, pd_modes))
			return -EINVAL;
		crisp_opts_set_str(&o->pre_dump_mode, arg);
		return 0;
	case S_NETWORK_LOCK:
		if (!one_of(arg, locks))
			return -EINVAL;
		crisp_opts_set_str(&o->network_lock, arg);
		return 0;
	default: /* S_FILE_VALIDATION, S_EMPTY_NS: accepted, not acted on */
		if (!one_of(arg, d->special == S_EMPTY_NS ? empty_ns : fv))
			return -EINVAL;
		crisp_opts_add_ignored(o, d->name, arg);
		return 0;
	}
}

/* "A=B"-shaped list entries: '=' (veth-pair) or ':' (join-ns) after a non-empty left part. */
static int apply_pair(char ***list, size_t *n, const char *arg, char sep)
{
	if (!strchr(arg, sep) || arg[0] == sep)
		return -EINVAL;
	crisp_opts_list_add(list, n, arg);
	return 0;
}

/* Options with their own rules.  Returns 0, -EINVAL for a bad argument, or 1 if refused here. */
static int apply_special(struct crisp_opts *o, const struct optdef *d, const char *arg,
			 bool in_file)
{
	switch (d->special) {
	case S_TREE: case S_TIMEOUT: case S_STATUS_FD: case S_GHOST_LIMIT: case S_VERBOSE:
		return apply_number(o, d, arg);
	case S_MANAGE_CG: case S_PRE_DUMP_MODE: case S_NETWORK_LOCK: case S_FILE_VALIDATION:
	case S_EMPTY_NS:
		return apply_choice(o, d, arg);
	case S_LEAVE_STOPPED: /* CRIU keeps one final state: the last option wins */
	case S_LEAVE_RUNNING:
		o->leave_stopped = d->special == S_LEAVE_STOPPED;
		o->leave_running = !o->leave_stopped;
		return 0;
	case S_EXT_UNIX:
		if (arg && !valid_inode_list(arg))
			return -EINVAL;
		o->ext_unix_sk = true;
		if (arg)
			crisp_opts_list_add(&o->ext_unix, &o->n_ext_unix, arg);
		return 0;
	case S_EXT_MOUNT_MAP:
		return apply_mount_map(o, arg);
	case S_INHERIT_FD:
		if (!valid_inherit_fd(arg))
			return -EINVAL;
		crisp_opts_list_add(&o->inherit_fds, &o->n_inherit_fds, arg);
		return 0;
	case S_VETH_PAIR:
		return apply_pair(&o->veth_pairs, &o->n_veth_pairs, arg, '=');
	case S_JOIN_NS:
		return apply_pair(&o->join_ns, &o->n_join_ns, arg, ':');
	case S_CPU_CAP:
		crisp_opts_add_ignored(o, d->name, arg ? arg : "all");
		return 0;
	case S_ALL:
		o->check_extra = o->check_experimental = true;
		return 0;
	case S_NO_DEFCONF:
		if (in_file)
			return 1;
		o->no_default_config = true;
		return 0;
	case S_CONFIG:
		if (in_file)
			return 1;
		crisp_opts_set_str(&o->config_file, arg);
		return 0;
	default: /* S_HELP, S_VERSION, S_MS: handled by the argv parser */
		return 1;
	}
}

/*
 * Apply one option.  disp is how the user wrote its name ("--tree", "-t",
 * "tree"); where prefixes errors (a config file and line) or is NULL.
 */
static int apply(struct crisp_opts *o, const struct optdef *d, bool neg, const char *arg,
		 const char *disp, const char *where, struct cr_error **err)
{
	char *base = (char *)o;
	int r;

	switch (d->kind) {
	case K_BOOL:
	case K_FLAG:
		*(bool *)(base + d->off) = !neg;
		return 0;
	case K_STR:
		crisp_opts_set_str((char **)(base + d->off), arg);
		return 0;
	case K_LIST:
		crisp_opts_list_add((char ***)(base + d->off), (size_t *)(base + d->count_off), arg);
		return 0;
	case K_IGNORE:
		crisp_opts_add_ignored(o, d->name, arg ? arg : neg ? "false" : "true");
		return 0;
	default:
		break;
	}
	r = apply_special(o, d, arg, where != NULL);
	if (r == -EINVAL)
		return bad_arg(where, disp, arg, err);
	if (r > 0)
		return cr_err(err, -EINVAL, "%s: option '%s' is not allowed in a config file",
			      where, d->name);
	return r;
}

int crisp_cli_set_option(struct crisp_opts *o, const char *name, const char *arg,
			 const char *where, struct cr_error **err)
{
	const struct optdef *d;
	bool neg;

	if (!where)
		where = "config";
	d = find_def(name, &neg);
	if (!d)
		return cr_err(err, -EINVAL, "%s: unknown option '%s'", where, name);
	if (d->special == S_HELP || d->special == S_VERSION || d->special == S_MS)
		return cr_err(err, -EINVAL, "%s: option '%s' is not allowed in a config file",
			      where, name);
	if (neg || d->has_arg == no_argument) {
		if (arg)
			return cr_err(err, -EINVAL, "%s: option '%s' takes no argument", where,
				      name);
	} else if (d->has_arg == required_argument && !arg) {
		return cr_err(err, -EINVAL, "%s: option '%s' requires an argument", where, name);
	}
	return apply(o, d, neg, arg, name, where, err);
}

/* ---- argv ---- */

/* getopt_long's view of the table; the no- names are allocated. */
struct getopt_tab {
	struct option *lo;
	char **neg_names;
	size_t n_neg;
	char so[3 * ARRAY_SIZE(optdefs) + 2];
};

static void getopt_tab_build(struct getopt_tab *t)
{
	size_t n = 0, s = 0;

	t->lo = xcalloc(2 * ARRAY_SIZE(optdefs) + 1, sizeof(*t->lo));
	t->neg_names = xcalloc(ARRAY_SIZE(optdefs), sizeof(char *));
	t->n_neg = 0;
	t->so[s++] = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++) {
		const struct optdef *d = &optdefs[i];

		t->lo[n++] = (struct option){ d->name, d->has_arg, NULL, OPT_BASE + 2 * (int)i };
		if (has_neg(d)) {
			char *nn = xasprintf("no-%s", d->name);

			t->neg_names[t->n_neg++] = nn;
			t->lo[n++] = (struct option){ nn, no_argument, NULL, OPT_BASE + 2 * (int)i + 1 };
		}
		if (d->shortopt) {
			t->so[s++] = d->shortopt;
			if (d->has_arg == required_argument)
				t->so[s++] = ':';
			else if (d->has_arg == optional_argument)
				s += sprintf(t->so + s, "::");
		}
	}
	t->so[s] = 0;
}

static void getopt_tab_free(struct getopt_tab *t)
{
	for (size_t i = 0; i < t->n_neg; i++)
		free(t->neg_names[i]);
	free(t->neg_names);
	free(t->lo);
}

static const struct optdef *def_by_short(int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
		if (optdefs[i].shortopt == c)
			return &optdefs[i];
	return NULL;
}

/* CRIU's pre-parse: --help, --config and --no-default-config act before the config files. */
static void pre_parse(int argc, char **argv, bool *help, const char **cfg, bool *no_default)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			*help = true;
		else if (!strcmp(argv[i], "--no-default-config"))
			*no_default = true;
		else if (!strcmp(argv[i], "--config") && i + 1 < argc)
			*cfg = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			*cfg = argv[i] + 9;
	}
}

static int usage_err(struct crisp_cli *cli, struct cr_error **err, const char *fmt,
		     const char *a)
{
	cli->usage_error = true;
	return cr_err(err, -EINVAL, fmt, a);
}

static int getopt_failure(struct crisp_cli *cli, int c, int argc, char **argv,
			  struct cr_error **err)
{
	const char *what = optind - 1 < argc && optind > 0 ? argv[optind - 1] : "?";
	char sc[2] = { (char)optopt, 0 };

	if (c == ':') {
		if (optopt >= OPT_BASE)
			return usage_err(cli, err, "option '--%s' requires an argument",
					 optdefs[(optopt - OPT_BASE) / 2].name);
		return usage_err(cli, err, "option requires an argument -- '%s'", sc);
	}
	if (optopt && optopt < OPT_BASE)
		return usage_err(cli, err, "invalid option -- '%s'", sc);
	if (optopt >= OPT_BASE)
		return usage_err(cli, err, "option '%s' doesn't allow an argument", what);
	return usage_err(cli, err, "unrecognized option '%s'", what);
}

static int parse_one(struct crisp_opts *o, struct crisp_cli *cli, int c,
		     struct cr_error **err)
{
	const struct optdef *d;
	bool neg = false;
	char disp[64];

	if (c >= OPT_BASE) {
		d = &optdefs[(c - OPT_BASE) / 2];
		neg = (c - OPT_BASE) & 1;
		snprintf(disp, sizeof(disp), "--%s%s", neg ? "no-" : "", d->name);
	} else {
		d = def_by_short(c);
		if (!d)
			return usage_err(cli, err, "invalid option -- '%s'", "?");
		snprintf(disp, sizeof(disp), "-%c", c);
	}
	switch (d->special) {
	case S_HELP:
		cli->action = CRISP_CLI_HELP;
		return 0;
	case S_VERSION:
		if (cli->action != CRISP_CLI_HELP)
			cli->action = CRISP_CLI_VERSION;
		return 0;
	case S_MS:
		return usage_err(cli, err, "%s is deprecated: use 'crisp check'", "--ms");
	default:
		return apply(o, d, neg, optarg, disp, NULL, err);
	}
}

static int parse_argv(struct crisp_opts *o, struct crisp_cli *cli, int argc, char **argv,
		      struct cr_error **err)
{
	struct getopt_tab t;
	int c, idx, r = 0;

	getopt_tab_build(&t);
	opterr = 0;
	optind = 0; /* glibc: full re-initialisation */
	while (r >= 0 && (c = getopt_long(argc, argv, t.so, t.lo, &idx)) != -1) {
		if (c == '?' || c == ':')
			r = getopt_failure(cli, c, argc, argv, err);
		else
			r = parse_one(o, cli, c, err);
	}
	getopt_tab_free(&t);
	return r < 0 ? r : optind;
}

struct cmd_name {
	const char *name;
	enum crisp_cmd cmd;
	bool unsupported;
};

static const struct cmd_name cmd_names[] = {
	{ "dump", CRISP_CMD_DUMP, false },	   { "pre-dump", CRISP_CMD_PRE_DUMP, false },
	{ "restore", CRISP_CMD_RESTORE, false },   { "check", CRISP_CMD_CHECK, false },
	{ "swrk", CRISP_CMD_SWRK, false },	   { "service", CRISP_CMD_SERVICE, false },
	{ "cpuinfo", CRISP_CMD_CPUINFO, false },   { "lazy-pages", CRISP_CMD_NONE, true },
	{ "page-server", CRISP_CMD_NONE, true },   { "dedup", CRISP_CMD_NONE, true },
	{ "exec", CRISP_CMD_NONE, true },	   { "show", CRISP_CMD_NONE, true },
};

static int parse_command(struct crisp_opts *o, struct crisp_cli *cli, int argc, char **argv,
			 struct cr_error **err)
{
	const struct cmd_name *c = NULL;
	int nargs = argc - optind;
	char **args = argv + optind;
	long fd;

	if (nargs < 1)
		return usage_err(cli, err, "%s", "command is required");
	for (size_t i = 0; i < ARRAY_SIZE(cmd_names); i++)
		if (!strcmp(cmd_names[i].name, args[0]))
			c = &cmd_names[i];
	if (!c)
		return usage_err(cli, err, "unknown command '%s'", args[0]);
	cli->cmd_name = c->name;
	cli->unsupported_cmd = c->unsupported;
	o->cmd = c->cmd;
	if (c->cmd == CRISP_CMD_SWRK) {
		if (nargs != 2 || parse_int(args[1], 0, INT_MAX, &fd) < 0)
			return usage_err(cli, err, "%s", "usage: crisp swrk FD");
		o->rpc_fd = fd;
		return 0;
	}
	if (c->cmd == CRISP_CMD_CPUINFO) {
		if (nargs != 2 || (strcmp(args[1], "dump") && strcmp(args[1], "check")))
			return usage_err(cli, err, "%s", "usage: crisp cpuinfo dump|check");
		cli->cpuinfo = !strcmp(args[1], "dump") ? CRISP_CPUINFO_DUMP : CRISP_CPUINFO_CHECK;
		return 0;
	}
	if (nargs > 1)
		return usage_err(cli, err, "unexpected argument '%s'", args[1]);
	return 0;
}

static int check_combination(const struct crisp_opts *o, struct crisp_cli *cli,
			     struct cr_error **err)
{
	if (o->restore_sibling && !o->restore_detached)
		return usage_err(cli, err, "%s", "--restore-sibling only makes sense with --restore-detached");
	if ((o->cmd == CRISP_CMD_DUMP || o->cmd == CRISP_CMD_PRE_DUMP) && o->tree <= 0)
		return usage_err(cli, err, "%s", "no process to dump: give -t/--tree PID");
	if (o->feature && o->cmd != CRISP_CMD_CHECK)
		return usage_err(cli, err, "%s", "--feature only goes with 'check'");
	return 0;
}

int crisp_cli_parse(struct crisp_opts *o, struct crisp_cli *cli, int argc, char **argv,
		    const struct crisp_config_paths *paths, struct cr_error **err)
{
	struct crisp_config_paths defaults;
	const char *cfg = NULL;
	bool help = false, no_default = false;
	int r;

	memset(cli, 0, sizeof(*cli));
	pre_parse(argc, argv, &help, &cfg, &no_default);
	if (help) { /* even when a config file is broken, as CRIU does */
		cli->action = CRISP_CLI_HELP;
		return 0;
	}
	if (!paths) {
		crisp_config_paths_default(&defaults);
		paths = &defaults;
	}
	r = crisp_config_load_all(o, paths, cfg, no_default, err);
	if (r < 0)
		return r;
	r = parse_argv(o, cli, argc, argv, err);
	if (r < 0)
		return r;
	if (cli->action == CRISP_CLI_VERSION || cli->action == CRISP_CLI_HELP)
		return 0;
	r = parse_command(o, cli, argc, argv, err);
	if (r < 0)
		return r;
	if (o->cmd == CRISP_CMD_CHECK && o->feature && !strcmp(o->feature, "list")) {
		cli->action = CRISP_CLI_FEATURE_LIST;
		return 0;
	}
	return check_combination(o, cli, err);
}

/* ---- describe: the effective options, for the log ---- */

struct strbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct strbuf *b, const char *name, const char *val)
{
	char *item = val ? xasprintf("%s%s=%s", b->len ? " " : "", name, val)
			 : xasprintf("%s%s", b->len ? " " : "", name);
	size_t n = strlen(item);

	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, item, n + 1);
	b->len += n;
	free(item);
}

static void sb_add_num(struct strbuf *b, const char *name, long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", v);
	sb_add(b, name, num);
}

/* Rows that share a field with an earlier row (aliases such as --daemon) print once. */
static bool is_alias(size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (optdefs[j].kind == optdefs[i].kind && optdefs[j].off == optdefs[i].off &&
		    optdefs[i].kind != K_SPECIAL && optdefs[i].kind != K_IGNORE)
			return true;
	return false;
}

static void describe_special(struct strbuf *b, const struct crisp_opts *o, const struct optdef *d)
{
	switch (d->special) {
	case S_TREE:
		if (o->tree > 0)
			sb_add_num(b, d->name, o->tree);
		break;
	case S_LEAVE_STOPPED:
	case S_LEAVE_RUNNING:
		if (d->special == S_LEAVE_STOPPED ? o->leave_stopped : o->leave_running)
			sb_add(b, d->name, NULL);
		break;
	case S_VERBOSE:
		sb_add_num(b, d->name, o->log_level);
		break;
	case S_EXT_UNIX:
		if (o->ext_unix_sk && !o->n_ext_unix)
			sb_add(b, d->name, NULL);
		for (size_t i = 0; i < o->n_ext_unix; i++)
			sb_add(b, d->name, o->ext_unix[i]);
		break;
	case S_GHOST_LIMIT:
		sb_add_num(b, d->name, (long)o->ghost_limit);
		break;
	case S_TIMEOUT:
		sb_add_num(b, d->name, o->timeout);
		break;
	case S_STATUS_FD:
		if (o->status_fd >= 0)
			sb_add_num(b, d->name, o->status_fd);
		break;
	case S_MANAGE_CG:
		if (o->manage_cgroups)
			sb_add(b, d->name, o->cgroup_manage_mode);
		break;
	case S_PRE_DUMP_MODE:
	case S_NETWORK_LOCK: {
		const char *v = d->special == S_PRE_DUMP_MODE ? o->pre_dump_mode : o->network_lock;

		if (v)
			sb_add(b, d->name, v);
		break;
	}
	case S_INHERIT_FD:
		for (size_t i = 0; i < o->n_inherit_fds; i++)
			sb_add(b, d->name, o->inherit_fds[i]);
		break;
	case S_VETH_PAIR:
	case S_JOIN_NS: {
		char **l = d->special == S_VETH_PAIR ? o->veth_pairs : o->join_ns;
		size_t n = d->special == S_VETH_PAIR ? o->n_veth_pairs : o->n_join_ns;

		for (size_t i = 0; i < n; i++)
			sb_add(b, d->name, l[i]);
		break;
	}
	default: /* ext-mount-map lands in externals; help, config... say nothing */
		break;
	}
}

char *crisp_cli_describe(const struct crisp_opts *o)
{
	struct strbuf b = { NULL, 0, 0 };
	const char *base = (const char *)o;

	for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++) {
		const struct optdef *d = &optdefs[i];

		if (is_alias(i))
			continue;
		switch (d->kind) {
		case K_BOOL:
		case K_FLAG:
			if (*(const bool *)(base + d->off))
				sb_add(&b, d->name, NULL);
			break;
		case K_STR:
			if (*(char *const *)(base + d->off))
				sb_add(&b, d->name, *(char *const *)(base + d->off));
			break;
		case K_LIST:
			for (size_t j = 0; j < *(const size_t *)(base + d->count_off); j++)
				sb_add(&b, d->name, (*(char **const *)(base + d->off))[j]);
			break;
		case K_SPECIAL:
			describe_special(&b, o, d);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < o->n_ignored; i++)
		sb_add(&b, o->ignored[i].key, o->ignored[i].val);
	return b.s ? b.s : xstrdup("");
}

/* ---- help ---- */

void crisp_cli_usage(FILE *f, bool full)
{
	fputs("\nUsage:\n"
	      "  crisp dump|pre-dump -t PID [<options>]\n"
	      "  crisp restore [<options>]\n"
	      "  crisp check [--feature FEAT]\n"
	      "  crisp swrk FD\n"
	      "  crisp service [<options>]\n"
	      "  crisp cpuinfo dump|check\n"
	      "  crisp page-server | lazy-pages   (not supported)\n",
	      f);
	if (!full)
		return;
	fputs("\nCommands:\n"
	      "  dump           checkpoint a process tree identified by pid\n"
	      "  pre-dump       dump the memory of a tree, leaving it running (incremental dumps)\n"
	      "  restore        restore a process tree from its images\n"
	      "  check          check that the kernel has what crisp needs\n"
	      "  swrk FD        answer CRIU RPC requests on socket FD (runc, go-criu, libcriu)\n"
	      "  service        CRIU's RPC daemon (not supported: use swrk)\n"
	      "  cpuinfo        dump or check CPU information (not supported)\n",
	      f);
	for (int sec = 0; sec < (int)ARRAY_SIZE(section_names); sec++) {
		fprintf(f, "\n%s options:\n", section_names[sec]);
		for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++) {
			const struct optdef *d = &optdefs[i];
			char left[64];
			int n = 0;

			if (d->section != sec || !d->help)
				continue;
			if (d->shortopt)
				n += snprintf(left + n, sizeof(left) - n, "-%c|", d->shortopt);
			n += snprintf(left + n, sizeof(left) - n, "--%s", d->name);
			if (d->arg)
				snprintf(left + n, sizeof(left) - n,
					 d->has_arg == optional_argument ? "[=%s]" : " %s", d->arg);
			fprintf(f, "  %-30s %s\n", left, d->help);
		}
	}
	fputs("\nBoolean options also take a --no- form (--no-shell-job).\n"
	      "Options may also come from /etc/criu/default.conf, ~/.criu/default.conf,\n"
	      "$CRIU_CONFIG_FILE and --config FILE: one long option per line, no dashes.\n",
	      f);
}

void crisp_cli_version(FILE *f)
{
	/* CRIU's shape: tools (LXC, scripts) parse "Version: X.Y". */
	fprintf(f, "Version: %d.%d\n", CRISP_CRIU_MAJOR, CRISP_CRIU_MINOR);
	fprintf(f, "crisp %s (CRIU-compatible command line, images and RPC)\n", CRISP_VERSION);
}
