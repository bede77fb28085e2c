// SPDX-License-Identifier: LGPL-2.1-or-later
/* CRIU config files: syntax, every bad-line case (with file:line), and order. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "cr-error.h"
#include "test.h"

static int parse(const char *text, struct crisp_config *c, struct cr_error **err)
{
	return crisp_config_parse_buf("t.conf", text, strlen(text), c, err);
}

/* Parse and apply text; return the error message (static) or NULL on success. */
static const char *apply_err(const char *text)
{
	static char msg[512];
	struct crisp_config c = {};
	struct crisp_opts o;
	struct cr_error *err = NULL;
	int r;

	crisp_opts_init(&o);
	r = parse(text, &c, &err);
	if (r >= 0)
		r = crisp_config_apply(&o, &c, &err);
	crisp_config_release(&c);
	crisp_opts_release(&o);
	if (r >= 0)
		return NULL;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	cr_err_free(&err);
	return msg;
}

#define ASSERT_BAD(text, expect)                                                  \
	do {                                                                      \
		const char *_m = apply_err(text);                                 \
		if (!_m)                                                          \
			FAILF("accepted bad config %s", #text);                   \
		if (!strstr(_m, expect))                                          \
			FAILF("message '%s' lacks '%s'", _m, expect);             \
	} while (0)

TEST(syntax)
{
	const char *text = "# a comment\n"
			   "\n"
			   "   tree 42   # trailing comment\n"
			   "leave-running\n"
			   "\tlog-file \"my log.txt\"\n"
			   "root=\"/x\"\n"
			   "pidfile \"say \\\"hi\\\"\"\n"
			   "lsm-profile \"\"\n"
			   "external \"a # b\"\n"
			   "manage-cgroups=full\n";
	struct crisp_config c = {};
	struct cr_error *err = NULL;

	ASSERT_OK(parse(text, &c, &err));
	ASSERT_EQ(c.n_entries, 8);
	ASSERT_STREQ(c.entries[0].name, "tree");
	ASSERT_STREQ(c.entries[0].arg, "42");
	ASSERT_EQ(c.entries[0].line, 3);
	ASSERT_STREQ(c.entries[1].name, "leave-running");
	ASSERT_TRUE(c.entries[1].arg == NULL);
	ASSERT_STREQ(c.entries[2].arg, "my log.txt");
	ASSERT_STREQ(c.entries[3].name, "root");
	ASSERT_STREQ(c.entries[3].arg, "\"/x\""); /* name=value takes the rest verbatim */
	ASSERT_STREQ(c.entries[4].arg, "say \"hi\"");
	ASSERT_STREQ(c.entries[5].arg, "");
	ASSERT_STREQ(c.entries[6].arg, "a # b");
	ASSERT_STREQ(c.entries[7].name, "manage-cgroups");
	ASSERT_STREQ(c.entries[7].arg, "full");
	ASSERT_EQ(c.entries[7].line, 10);
	crisp_config_release(&c);
}

TEST(apply_values)
{
	const char *text = "tree 42\nleave-running\nlog-file x.log\nno-tcp-established\n"
			   "tcp-established\nghost-limit 10M\nexternal mnt[a]:b\nexternal dev[c]:d\n";
	struct crisp_config c = {};
	struct crisp_opts o;
	struct cr_error *err = NULL;

	/* "v4" is not an option name: long options only, as in CRIU */
	ASSERT_TRUE(apply_err("v4\n") != NULL);
	crisp_opts_init(&o);
	ASSERT_OK(parse(text, &c, &err));
	ASSERT_OK(crisp_config_apply(&o, &c, &err));
	ASSERT_EQ(o.tree, 42);
	ASSERT_TRUE(o.leave_running);
	ASSERT_STREQ(o.log_file, "x.log");
	ASSERT_TRUE(o.tcp_established);
	ASSERT_EQ(o.ghost_limit, 10UL << 20);
	ASSERT_EQ(o.n_externals, 2);
	ASSERT_STREQ(o.externals[1], "dev[c]:d");
	crisp_config_release(&c);
	crisp_opts_release(&o);
}

TEST(bad_lines_name_file_and_line)
{
	ASSERT_BAD("tree 1\nlog-file \"unterminated\n", "'t.conf': line 2: unterminated quoted string");
	ASSERT_BAD("\n\ntree 1 2\n", "'t.conf': line 3: option 'tree' has more than one argument");
	ASSERT_BAD("root=/a /b\n", "'t.conf': line 1: option 'root' has more than one argument");
	ASSERT_BAD("--tree 1\n", "'t.conf': line 1: '--tree': write the option without leading dashes");
	ASSERT_BAD("\"tree\" 1\n", "'t.conf': line 1: an option name cannot be quoted");
	ASSERT_BAD("log-file \"a\"b\n", "'t.conf': line 1: text right after a closing quote");
	ASSERT_BAD("=1\n", "'t.conf': line 1: missing option name before '='");
	ASSERT_BAD("# ok\nbogus-option\n", "'t.conf': line 2: unknown option 'bogus-option'");
	ASSERT_BAD("tree\n", "'t.conf': line 1: option 'tree' requires an argument");
	ASSERT_BAD("leave-running yes\n", "'t.conf': line 1: option 'leave-running' takes no argument");
	ASSERT_BAD("no-shell-job 1\n", "'t.conf': line 1: option 'no-shell-job' takes no argument");
	ASSERT_BAD("tree abc\n", "'t.conf': line 1: invalid argument for tree: 'abc'");
	ASSERT_BAD("tree 0\n", "'t.conf': line 1: invalid argument for tree: '0'");
	ASSERT_BAD("ghost-limit 10X\n", "'t.conf': line 1: invalid argument for ghost-limit: '10X'");
	ASSERT_BAD("manage-cgroups=bogus\n", "line 1: invalid argument for manage-cgroups");
	ASSERT_BAD("pre-dump-mode fast\n", "line 1: invalid argument for pre-dump-mode");
	ASSERT_BAD("network-lock foo\n", "line 1: invalid argument for network-lock");
	ASSERT_BAD("inherit-fd 3:key\n", "line 1: invalid argument for inherit-fd");
	ASSERT_BAD("ext-mount-map nocolon\n", "line 1: invalid argument for ext-mount-map");
	ASSERT_BAD("config other.conf\n", "'t.conf': line 1: option 'config' is not allowed in a config file");
	ASSERT_BAD("no-default-config\n", "line 1: option 'no-default-config' is not allowed");
	ASSERT_BAD("help\n", "line 1: option 'help' is not allowed in a config file");
	ASSERT_BAD("version\n", "line 1: option 'version' is not allowed in a config file");
	ASSERT_BAD("verbosity=x\n", "line 1: invalid argument for verbosity: 'x'");
}

TEST(nul_byte)
{
	struct crisp_config c = {};
	struct cr_error *err = NULL;

	ASSERT_TRUE(crisp_config_parse_buf("t.conf", "tree 1\nroot \0x\n", 15, &c, &err) < 0);
	ASSERT_TRUE(strstr(err->msg, "'t.conf': line 2: NUL byte") != NULL);
	cr_err_free(&err);
}

/* ---- the order of the files, with paths injected into a temp dir ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static char *tpath(const char *name)
{
	static char bufs[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", tmpdir, name);
	return bufs[i];
}

static void setup_tree(void)
{
	char p[256];

	if (tmpdir[0])
		return;
	strcpy(tmpdir, "/tmp/crisp-cfg-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(p, sizeof(p), "%s/home", tmpdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/home/.criu", tmpdir);
	mkdir(p, 0700);
	/* each file sets its own marker and overrides the log file */
	write_file("global.conf", "log-file global.log\ntcp-established\nroot /global\n");
	write_file("home/.criu/default.conf", "log-file user.log\nfile-locks\n");
	write_file("env.conf", "log-file env.log\nshell-job\n");
	write_file("cmdline.conf", "log-file cmdline.log\next-unix-sk\n");
	write_file("bad.conf", "tree 1\n\n  bogus\n");
}

static int run_parse(struct crisp_opts *o, struct crisp_cli *cli, const struct crisp_config_paths *p,
		     struct cr_error **err, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	crisp_opts_init(o);
	return crisp_cli_parse(o, cli, argc, argv, p, err);
}

TEST(order_later_wins)
{
	struct crisp_config_paths p;
	struct crisp_opts o;
	struct crisp_cli cli;
	struct cr_error *err = NULL;

	setup_tree();
	p = (struct crisp_config_paths){ tpath("global.conf"), tpath("home"), NULL };
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 2, "crisp", "check"));
	ASSERT_STREQ(o.log_file, "user.log"); /* user over global */
	ASSERT_TRUE(o.tcp_established);       /* from global */
	ASSERT_TRUE(o.file_locks);            /* from user */
	crisp_opts_release(&o);

	p.env_file = tpath("env.conf");
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 2, "crisp", "check"));
	ASSERT_STREQ(o.log_file, "env.log");
	ASSERT_TRUE(o.tcp_established && o.file_locks && o.shell_job);
	crisp_opts_release(&o);

	/* the command line wins over every file */
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 4, "crisp", "check", "-o", "argv.log"));
	ASSERT_STREQ(o.log_file, "argv.log");
	crisp_opts_release(&o);
}

TEST(config_option_skips_default_files_not_env)
{
	struct crisp_config_paths p;
	struct crisp_opts o;
	struct crisp_cli cli;
	struct cr_error *err = NULL;

	setup_tree();
	p = (struct crisp_config_paths){ tpath("global.conf"), tpath("home"), tpath("env.conf") };
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 4, "crisp", "check", "--config", tpath("cmdline.conf")));
	ASSERT_STREQ(o.log_file, "cmdline.log"); /* --config after $CRIU_CONFIG_FILE */
	ASSERT_TRUE(o.ext_unix_sk);
	ASSERT_TRUE(o.shell_job);        /* env file still read */
	ASSERT_TRUE(!o.tcp_established); /* global skipped */
	ASSERT_TRUE(!o.file_locks);      /* user skipped */
	ASSERT_TRUE(o.root == NULL);
	crisp_opts_release(&o);

	ASSERT_OK(run_parse(&o, &cli, &p, &err, 3, "crisp", "check", "--no-default-config"));
	ASSERT_STREQ(o.log_file, "env.log");
	ASSERT_TRUE(!o.tcp_established && !o.file_locks);
	crisp_opts_release(&o);
}

TEST(missing_files)
{
	struct crisp_config_paths p;
	struct crisp_opts o;
	struct crisp_cli cli;
	struct cr_error *err = NULL;

	setup_tree();
	/* missing default files are normal */
	p = (struct crisp_config_paths){ tpath("nope.conf"), tpath("nohome"), NULL };
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 2, "crisp", "check"));
	crisp_opts_release(&o);
	/* an explicit --config or $CRIU_CONFIG_FILE must exist */
	ASSERT_TRUE(run_parse(&o, &cli, &p, &err, 4, "crisp", "check", "--config", tpath("nope.conf")) < 0);
	ASSERT_TRUE(strstr(err->msg, "nope.conf") != NULL);
	cr_err_free(&err);
	crisp_opts_release(&o);
	p.env_file = tpath("nope-env.conf");
	ASSERT_TRUE(run_parse(&o, &cli, &p, &err, 2, "crisp", "check") < 0);
	ASSERT_TRUE(strstr(err->msg, "nope-env.conf") != NULL);
	cr_err_free(&err);
	crisp_opts_release(&o);
}

TEST(bad_file_fails_before_anything_and_help_still_works)
{
	struct crisp_config_paths p;
	struct crisp_opts o;
	struct crisp_cli cli;
	struct cr_error *err = NULL;
	char want[256];

	setup_tree();
	p = (struct crisp_config_paths){ tpath("bad.conf"), NULL, NULL };
	ASSERT_TRUE(run_parse(&o, &cli, &p, &err, 4, "crisp", "dump", "-t", "1") < 0);
	snprintf(want, sizeof(want), "'%s': line 3: unknown option 'bogus'", tpath("bad.conf"));
	ASSERT_STREQ(err->msg, want);
	ASSERT_TRUE(!cli.usage_error);
	cr_err_free(&err);
	crisp_opts_release(&o);
	/* --help is answered even with a broken config file, as CRIU does */
	ASSERT_OK(run_parse(&o, &cli, &p, &err, 2, "crisp", "--help"));
	ASSERT_EQ(cli.action, CRISP_CLI_HELP);
	crisp_opts_release(&o);
}

TEST(default_paths_are_the_real_ones)
{
	struct crisp_config_paths p;

	setenv("HOME", "/home/someone", 1);
	setenv("CRIU_CONFIG_FILE", "/x/y.conf", 1);
	crisp_config_paths_default(&p);
	ASSERT_STREQ(p.global, "/etc/criu/default.conf");
	ASSERT_STREQ(p.home, "/home/someone");
	ASSERT_STREQ(p.env_file, "/x/y.conf");
	unsetenv("CRIU_CONFIG_FILE");
	crisp_config_paths_default(&p);
	ASSERT_TRUE(p.env_file == NULL);
}

TEST(cleanup_tmpdir)
{
	char cmd[128];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ASSERT_EQ(system(cmd), 0);
}

TEST_MAIN()
