// SPDX-License-Identifier: LGPL-2.1-or-later
/* CRIU's command line: option forms, commands, usage errors, ignored options. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "cr-error.h"
#include "test.h"

/* No config files at all: the tests must not read the machine's. */
static const struct crisp_config_paths no_files = { NULL, NULL, NULL };

static struct crisp_opts o;
static struct crisp_cli cli;
static struct cr_error *err;

static int parse(int argc, ...)
{
	char *argv[32];
	va_list ap;

	va_start(ap, argc);
	argv[0] = "crisp";
	for (int i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc + 1] = NULL;
	crisp_opts_release(&o);
	cr_err_free(&err);
	crisp_opts_init(&o);
	return crisp_cli_parse(&o, &cli, argc + 1, argv, &no_files, &err);
}

static const char *ignored(const char *key)
{
	for (size_t i = 0; i < o.n_ignored; i++)
		if (!strcmp(o.ignored[i].key, key))
			return o.ignored[i].val;
	return NULL;
}

TEST(dump_options)
{
	ASSERT_OK(parse(9, "dump", "-t", "123", "-D", "/img", "-o", "d.log", "-R", "--shell-job"));
	ASSERT_EQ(o.cmd, CRISP_CMD_DUMP);
	ASSERT_EQ(o.tree, 123);
	ASSERT_STREQ(o.images_dir, "/img");
	ASSERT_STREQ(o.log_file, "d.log");
	ASSERT_TRUE(o.leave_running && !o.leave_stopped);
	ASSERT_TRUE(o.shell_job);
	ASSERT_EQ(cli.action, CRISP_CLI_RUN);
	/* options before the command, long forms with '=' */
	ASSERT_OK(parse(5, "--tree=7", "--images-dir=/x", "--work-dir", "/w", "dump"));
	ASSERT_EQ(o.tree, 7);
	ASSERT_STREQ(o.work_dir, "/w");
	/* -s after -R: the last final state wins, as in CRIU */
	ASSERT_OK(parse(5, "dump", "-t", "1", "-R", "-s"));
	ASSERT_TRUE(o.leave_stopped && !o.leave_running);
}

TEST(defaults)
{
	ASSERT_OK(parse(1, "restore"));
	ASSERT_STREQ(o.images_dir, ".");
	ASSERT_EQ(o.log_level, 2);
	ASSERT_EQ(o.ghost_limit, 1UL << 20);
	ASSERT_EQ(o.images_dirfd, -1);
	ASSERT_EQ(o.status_fd, -1);
	ASSERT_TRUE(o.log_file == NULL);
	ASSERT_TRUE(!o.leave_running && !o.restore_detached);
}

TEST(verbosity)
{
	ASSERT_OK(parse(2, "check", "-v"));
	ASSERT_EQ(o.log_level, 3);
	ASSERT_OK(parse(2, "check", "-v4"));
	ASSERT_EQ(o.log_level, 4);
	ASSERT_OK(parse(2, "check", "-vvv"));
	ASSERT_EQ(o.log_level, 5);
	ASSERT_OK(parse(2, "check", "--verbosity=1"));
	ASSERT_EQ(o.log_level, 1);
	ASSERT_TRUE(parse(2, "check", "-vx") < 0);
}

TEST(booleans_and_negation)
{
	ASSERT_OK(parse(7, "restore", "-d", "--restore-sibling", "--tcp-established", "--no-tcp-established",
			"--file-locks", "--link-remap"));
	ASSERT_TRUE(o.restore_detached && o.restore_sibling);
	ASSERT_TRUE(!o.tcp_established);
	ASSERT_TRUE(o.file_locks && o.link_remap);
	ASSERT_OK(parse(6, "restore", "-j", "-l", "-S", "-d", "--no-shell-job"));
	ASSERT_TRUE(!o.shell_job && o.file_locks && o.restore_sibling);
	ASSERT_OK(parse(4, "restore", "--tcp-close", "--evasive-devices", "--mntns-compat-mode"));
	ASSERT_TRUE(o.tcp_close && o.evasive_devices && o.mntns_compat_mode);
}

TEST(values)
{
	ASSERT_OK(parse(14, "dump", "-t", "1", "--ghost-limit", "2G", "--timeout", "30",
			"--pre-dump-mode", "read", "--network-lock", "nftables", "--manage-cgroups",
			"--lsm-profile", "apparmor:x"));
	ASSERT_EQ(o.ghost_limit, 2UL << 30);
	ASSERT_EQ(o.timeout, 30);
	ASSERT_STREQ(o.pre_dump_mode, "read");
	ASSERT_STREQ(o.network_lock, "nftables");
	ASSERT_TRUE(o.manage_cgroups);
	ASSERT_STREQ(o.cgroup_manage_mode, "soft");
	ASSERT_STREQ(o.lsm_profile, "apparmor:x");
	ASSERT_OK(parse(2, "restore", "--manage-cgroups=strict"));
	ASSERT_STREQ(o.cgroup_manage_mode, "strict");
	ASSERT_OK(parse(3, "restore", "--ghost-limit", "512K"));
	ASSERT_EQ(o.ghost_limit, 512UL << 10);
	ASSERT_OK(parse(4, "restore", "--pidfile", "p", "--status-fd=5"));
	ASSERT_STREQ(o.pidfile, "p");
	ASSERT_EQ(o.status_fd, 5);
}

TEST(repeatable)
{
	ASSERT_OK(parse(13, "restore", "--external", "mnt[a]:b", "--ext-mount-map", "k:/v", "-M", "auto",
			"--inherit-fd", "fd[3]:pipe:[123]", "--skip-mnt", "/proc", "-x12,13", "--ext-unix-sk"));
	ASSERT_EQ(o.n_externals, 3);
	ASSERT_STREQ(o.externals[0], "mnt[a]:b");
	ASSERT_STREQ(o.externals[1], "mnt[k]:/v");
	ASSERT_STREQ(o.externals[2], "mnt[]");
	ASSERT_EQ(o.n_inherit_fds, 1);
	ASSERT_STREQ(o.inherit_fds[0], "fd[3]:pipe:[123]");
	ASSERT_EQ(o.n_skip_mnt, 1);
	ASSERT_TRUE(o.ext_unix_sk);
	ASSERT_EQ(o.n_ext_unix, 1);
	ASSERT_STREQ(o.ext_unix[0], "12,13");
	ASSERT_TRUE(parse(3, "restore", "--inherit-fd", "3:x") < 0);
	ASSERT_TRUE(strstr(err->msg, "invalid argument for --inherit-fd: '3:x'") != NULL);
}

TEST(ignored_are_recorded)
{
	ASSERT_OK(parse(9, "dump", "-t", "1", "--tls-cert", "c.pem", "--page-server", "--no-deprecated",
			"--cpu-cap=fpu", "--libdir=/l"));
	ASSERT_STREQ(ignored("tls-cert"), "c.pem");
	ASSERT_STREQ(ignored("page-server"), "true");
	ASSERT_STREQ(ignored("deprecated"), "false");
	ASSERT_STREQ(ignored("cpu-cap"), "fpu");
	ASSERT_STREQ(ignored("libdir"), "/l");
	ASSERT_TRUE(ignored("tree") == NULL);
}

TEST(commands)
{
	ASSERT_OK(parse(2, "swrk", "3"));
	ASSERT_EQ(o.cmd, CRISP_CMD_SWRK);
	ASSERT_EQ(o.rpc_fd, 3);
	ASSERT_OK(parse(2, "cpuinfo", "check"));
	ASSERT_EQ(cli.cpuinfo, CRISP_CPUINFO_CHECK);
	ASSERT_OK(parse(3, "pre-dump", "-t", "5"));
	ASSERT_EQ(o.cmd, CRISP_CMD_PRE_DUMP);
	ASSERT_OK(parse(1, "lazy-pages"));
	ASSERT_TRUE(cli.unsupported_cmd);
	ASSERT_STREQ(cli.cmd_name, "lazy-pages");
	ASSERT_OK(parse(1, "page-server"));
	ASSERT_TRUE(cli.unsupported_cmd);
	ASSERT_OK(parse(1, "service"));
	ASSERT_EQ(o.cmd, CRISP_CMD_SERVICE);
	ASSERT_OK(parse(3, "check", "--feature", "list"));
	ASSERT_EQ(cli.action, CRISP_CLI_FEATURE_LIST);
	ASSERT_OK(parse(3, "check", "--feature", "timens"));
	ASSERT_STREQ(o.feature, "timens");
	ASSERT_OK(parse(2, "check", "--all"));
	ASSERT_TRUE(o.check_extra && o.check_experimental);
}

TEST(help_and_version)
{
	ASSERT_OK(parse(1, "--help"));
	ASSERT_EQ(cli.action, CRISP_CLI_HELP);
	ASSERT_OK(parse(2, "dump", "-h"));
	ASSERT_EQ(cli.action, CRISP_CLI_HELP);
	ASSERT_OK(parse(1, "--version"));
	ASSERT_EQ(cli.action, CRISP_CLI_VERSION);
	ASSERT_OK(parse(1, "-V"));
	ASSERT_EQ(cli.action, CRISP_CLI_VERSION);
}

#define ASSERT_USAGE(want, ...)                                                         \
	do {                                                                           \
		if (parse(__VA_ARGS__) >= 0)                                           \
			FAILF("accepted: %s", #__VA_ARGS__);                           \
		ASSERT_TRUE(cli.usage_error);                                          \
		if (!strstr(err->msg, want))                                           \
			FAILF("message '%s' lacks '%s'", err->msg, want);              \
	} while (0)

TEST(usage_errors)
{
	ASSERT_USAGE("unrecognized option '--bogus'", 2, "dump", "--bogus");
	ASSERT_USAGE("invalid option -- 'Q'", 2, "dump", "-Q");
	ASSERT_USAGE("option '--tree' requires an argument", 2, "dump", "--tree");
	ASSERT_USAGE("option requires an argument -- 't'", 2, "dump", "-t");
	ASSERT_USAGE("doesn't allow an argument", 2, "dump", "--leave-running=yes");
	ASSERT_USAGE("command is required", 1, "-v");
	ASSERT_USAGE("unknown command 'frobnicate'", 1, "frobnicate");
	ASSERT_USAGE("no process to dump", 1, "dump");
	ASSERT_USAGE("usage: crisp swrk FD", 1, "swrk");
	ASSERT_USAGE("usage: crisp swrk FD", 2, "swrk", "x");
	ASSERT_USAGE("usage: crisp cpuinfo dump|check", 1, "cpuinfo");
	ASSERT_USAGE("unexpected argument 'extra'", 2, "restore", "extra");
	ASSERT_USAGE("--restore-sibling only makes sense with --restore-detached", 2, "restore",
		     "--restore-sibling");
	ASSERT_USAGE("--feature only goes with 'check'", 3, "restore", "--feature", "x");
	ASSERT_USAGE("deprecated", 2, "check", "--ms");
	/* bad values are not usage errors of the getopt kind but still fail */
	ASSERT_TRUE(parse(3, "dump", "-t", "abc") < 0);
	ASSERT_STREQ(err->msg, "invalid argument for -t: 'abc'");
	ASSERT_TRUE(parse(3, "dump", "--tree", "-5") < 0);
	ASSERT_STREQ(err->msg, "invalid argument for --tree: '-5'");
}

TEST(set_option_by_name)
{
	crisp_opts_release(&o);
	crisp_opts_init(&o);
	ASSERT_OK(crisp_cli_set_option(&o, "leave-running", NULL, "rpc", &err));
	ASSERT_TRUE(o.leave_running);
	ASSERT_OK(crisp_cli_set_option(&o, "no-leave-running", NULL, "rpc", &err) < 0 ? 0 : -1);
	cr_err_free(&err); /* leave-running has no no- form in CRIU */
	ASSERT_OK(crisp_cli_set_option(&o, "verbosity", "4", "rpc", &err));
	ASSERT_EQ(o.log_level, 4);
	ASSERT_OK(crisp_cli_set_option(&o, "verbosity", NULL, "rpc", &err));
	ASSERT_EQ(o.log_level, 5);
}

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)); p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

TEST(describe)
{
	char *d;

	ASSERT_OK(parse(15, "dump", "-t", "9", "-R", "--daemon", "--tcp-established", "-x7",
			"--external", "mnt[a]:b", "-M", "k:v", "--manage-cgroups=full", "--tls-key=k",
			"-v4", "--ghost-limit=1K"));
	d = crisp_cli_describe(&o);
	ASSERT_TRUE(has_word(d, "tree=9"));
	ASSERT_TRUE(has_word(d, "leave-running"));
	ASSERT_TRUE(!has_word(d, "leave-stopped"));
	ASSERT_TRUE(has_word(d, "restore-detached"));
	ASSERT_TRUE(!has_word(d, "daemon")); /* an alias prints once, by its main name */
	ASSERT_TRUE(has_word(d, "tcp-established"));
	ASSERT_TRUE(has_word(d, "ext-unix-sk=7"));
	ASSERT_TRUE(has_word(d, "external=mnt[a]:b"));
	ASSERT_TRUE(has_word(d, "external=mnt[k]:v"));
	ASSERT_TRUE(has_word(d, "manage-cgroups=full"));
	ASSERT_TRUE(has_word(d, "tls-key=k"));
	ASSERT_TRUE(has_word(d, "verbosity=4"));
	ASSERT_TRUE(has_word(d, "ghost-limit=1024"));
	ASSERT_TRUE(!has_word(d, "shell-job"));
	free(d);
}

TEST(parse_size)
{
	unsigned long v;

	ASSERT_OK(crisp_parse_size("0", &v));
	ASSERT_EQ(v, 0);
	ASSERT_OK(crisp_parse_size("3k", &v));
	ASSERT_EQ(v, 3072);
	ASSERT_TRUE(crisp_parse_size("", &v) < 0);
	ASSERT_TRUE(crisp_parse_size("M", &v) < 0);
	ASSERT_TRUE(crisp_parse_size("1MB", &v) < 0);
	ASSERT_TRUE(crisp_parse_size("99999999999999999999", &v) < 0);
	crisp_opts_release(&o);
	cr_err_free(&err);
}

TEST_MAIN()
