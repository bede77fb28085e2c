// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crisp: a CRIU-compatible checkpoint/restore engine.  main() is the only
 * place that prints and picks exit codes; everything below returns errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "mem-parent.h"
#include "rpc.h"
#include "xalloc.h"

/* --action-script: CRIU runs each script with the action in the environment. */
struct actions {
	const struct crisp_opts *o;
	char *sent[16];
	size_t n_sent;
};

static int run_actions(void *ctx, const char *script, pid_t pid, struct cr_error **err)
{
	struct actions *a = ctx;

	for (size_t i = 0; i < a->n_sent; i++)
		if (!strcmp(a->sent[i], script))
			return 0;
	if (a->n_sent < ARRAY_SIZE(a->sent))
		a->sent[a->n_sent++] = xstrdup(script);
	for (size_t i = 0; i < a->o->n_action_scripts; i++) {
		const char *path = a->o->action_scripts[i];
		pid_t child = fork();
		int st;

		if (child < 0)
			return cr_err_sys(err, -errno, "action script '%s': fork", path);
		if (child == 0) {
			char buf[16];

			setenv("CRTOOLS_SCRIPT_ACTION", script, 1);
			if (pid > 0) {
				snprintf(buf, sizeof(buf), "%d", (int)pid);
				setenv("CRTOOLS_INIT_PID", buf, 1);
			}
			execl("/bin/sh", "sh", "-c", path, (char *)NULL);
			_exit(127);
		}
		if (waitpid(child, &st, 0) < 0)
			return cr_err_sys(err, -errno, "action script '%s': wait", path);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return cr_err(err, -ECANCELED, "action script '%s' failed on '%s'", path,
				      script);
	}
	return 0;
}

static void actions_release(struct actions *a)
{
	for (size_t i = 0; i < a->n_sent; i++)
		free(a->sent[i]);
}

/* The log goes where CRIU puts it: -o relative to the work dir, stderr without -o. */
static int setup_log(const struct crisp_opts *o, struct cr_error **err)
{
	const char *wd = o->work_dir ? o->work_dir : o->images_dir;
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *desc = NULL;
	int r;

	if (o->log_file && strcmp(o->log_file, "-") && o->log_file[0] != '/') {
		dirfd = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return cr_err_sys(err, -errno, "work dir '%s'", wd);
	}
	r = crisp_log_open_at(crisp_log_default(), dirfd >= 0 ? dirfd : AT_FDCWD, o->log_file,
			      o->log_level);
	if (r < 0)
		return cr_err_sys(err, r, "log file '%s'", o->log_file);
	desc = crisp_cli_describe(o);
	log_debug(crisp_log_default(), "options: %s", desc);
	for (size_t i = 0; i < o->n_ignored; i++)
		log_debug(crisp_log_default(), "option '%s'%s%s is accepted but not acted on",
			  o->ignored[i].key, o->ignored[i].val ? " = " : "",
			  o->ignored[i].val ? o->ignored[i].val : "");
	return 0;
}

static int notify(struct crisp_opts *o, const char *script, pid_t pid, struct cr_error **err)
{
	return o->notify ? o->notify(o->notify_ctx, script, pid, err) : 0;
}

static int cmd_dump(struct crisp_opts *o, struct cr_error **err)
{
	int r;

	log_info(crisp_log_default(), "crisp %s: dumping %d into '%s'", CRISP_VERSION,
		 (int)o->tree, o->images_dir);
	r = notify(o, "pre-dump", 0, err);
	if (r >= 0)
		r = crisp_dump(o, err);
	if (r >= 0)
		r = notify(o, "post-dump", 0, err);
	if (r >= 0)
		log_info(crisp_log_default(), "Dumping finished successfully");
	return r < 0 ? r : 0;
}

static int cmd_restore(struct crisp_opts *o, struct cr_error **err)
{
	pid_t root = 0;
	int r;

	log_info(crisp_log_default(), "crisp %s: restoring from '%s'", CRISP_VERSION,
		 o->images_dir);
	r = notify(o, "pre-restore", 0, err);
	if (r >= 0)
		r = crisp_restore(o, &root, err);
	if (r >= 0)
		r = crisp_write_pidfile(o, root, err);
	if (r >= 0)
		r = notify(o, "post-restore", root, err);
	if (r < 0)
		return r;
	log_info(crisp_log_default(), "Restore finished successfully: root task %d", (int)root);
	if (o->restore_detached)
		return 0;
	/* Like CRIU, stay the parent of the tree until its root exits. */
	return crisp_restore_wait(root, err);
}

static int cmd_check_feature(const char *name)
{
	struct cr_error *err = NULL;
	_cleanup_free_ char *msg = NULL;
	bool ok = false;

	if (crisp_check_feature(name, &ok, &msg, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		cr_err_free(&err);
		return 1;
	}
	if (!ok) {
		fprintf(stderr, "Warn: %s is not supported: %s\n", name, msg ? msg : "missing");
		return 1;
	}
	printf("%s is supported\n", name);
	return 0;
}

static int cmd_check(const struct crisp_opts *o)
{
	struct crisp_check_result res = {};
	struct cr_error *err = NULL;
	int ret = 0;

	if (o->feature)
		return cmd_check_feature(o->feature);
	if (crisp_check_run(o, &res, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		cr_err_free(&err);
		return 1;
	}
	for (size_t i = 0; i < res.n_items; i++) {
		const struct crisp_check_item *it = &res.items[i];

		if (!it->ok)
			fprintf(stderr, "%s: %s: %s\n", it->extra ? "Warn" : "Error", it->name,
				it->msg ? it->msg : "missing");
		else if (o->log_level >= CRISP_LOG_INFO)
			fprintf(stderr, "%s: ok\n", it->name);
	}
	if (!res.required_ok) {
		printf("Does not look good.\n");
		ret = 1;
	} else if (!res.extra_ok) {
		printf("Looks good but some kernel features are missing\n"
		       "which, depending on your process tree, may cause\n"
		       "dump or restore failure.\n");
		ret = 1;
	} else {
		printf("Looks good.\n");
	}
	crisp_check_result_release(&res);
	return ret;
}

static void print_feature_list(void)
{
	const char *const *names = crisp_check_feature_names();
	size_t col = 0;

	for (; *names; names++) {
		size_t len = strlen(*names);

		if (col && col + len + 1 > 78) {
			putchar('\n');
			col = 0;
		}
		printf("%s%s", col ? " " : "", *names);
		col += len + (col ? 1 : 0);
	}
	putchar('\n');
}

/* Print an error once, in the log file (the tail runc/podman show) and on stderr. */
static int fail(struct cr_error **err, int code)
{
	struct crisp_log *l = crisp_log_default();
	const char *msg = *err ? (*err)->msg : strerror(-code);

	log_err(l, "%s", msg);
	if (l->fd != STDERR_FILENO)
		fprintf(stderr, "Error: %s\n", msg);
	cr_err_free(err);
	return 1;
}

static int run(struct crisp_opts *o, const struct crisp_cli *cli)
{
	struct cr_error *err = NULL;
	struct actions act = { .o = o };
	int r;

	if (cli->unsupported_cmd || o->cmd == CRISP_CMD_CPUINFO) {
		fprintf(stderr, "Error: '%s' is not supported by crisp\n", cli->cmd_name);
		return 1;
	}
	if (o->lazy_pages) {
		fprintf(stderr, "Error: --lazy-pages is not supported by crisp\n");
		return 1;
	}
	if (o->cmd == CRISP_CMD_PRE_DUMP && !mem_soft_dirty_works()) {
		fprintf(stderr, "Error: 'pre-dump' is not supported on this kernel: tracking memory is not available (no soft-dirty pages)\n");
		return 1;
	}
	if (o->cmd == CRISP_CMD_CHECK)
		return cmd_check(o);
	if (o->cmd == CRISP_CMD_SWRK || o->cmd == CRISP_CMD_SERVICE) {
		r = o->cmd == CRISP_CMD_SWRK ? crisp_rpc_serve(o->rpc_fd, NULL, &err)
					     : crisp_rpc_service(o, &err);
		if (r < 0) {
			fprintf(stderr, "Error: %s\n", err ? err->msg : strerror(-r));
			cr_err_free(&err);
			return 1;
		}
		return 0;
	}
	if (setup_log(o, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err->msg);
		cr_err_free(&err);
		return 1;
	}
	if (o->n_action_scripts) {
		o->notify = run_actions;
		o->notify_ctx = &act;
	}
	r = o->cmd == CRISP_CMD_DUMP || o->cmd == CRISP_CMD_PRE_DUMP ? cmd_dump(o, &err)
									: cmd_restore(o, &err);
	actions_release(&act);
	if (r < 0)
		return fail(&err, r);
	return o->cmd == CRISP_CMD_RESTORE ? r : 0;
}

int main(int argc, char **argv)
{
	struct crisp_opts o;
	struct crisp_cli cli;
	struct cr_error *err = NULL;
	int ret = 0;

	crisp_opts_init(&o);
	if (crisp_cli_parse(&o, &cli, argc, argv, NULL, &err) < 0) {
		if (cli.usage_error) {
			fprintf(stderr, "crisp: %s\n", err->msg);
			crisp_cli_usage(stderr, false);
			fprintf(stderr, "\nTry -h|--help for more info\n");
		} else {
			fprintf(stderr, "Error: %s\n", err->msg);
		}
		cr_err_free(&err);
		crisp_opts_release(&o);
		return 1;
	}
	switch (cli.action) {
	case CRISP_CLI_HELP:
		crisp_cli_usage(stdout, true);
		break;
	case CRISP_CLI_VERSION:
		crisp_cli_version(stdout);
		break;
	case CRISP_CLI_FEATURE_LIST:
		print_feature_list();
		break;
	case CRISP_CLI_RUN:
		ret = run(&o, &cli);
		break;
	}
	crisp_log_close(crisp_log_default());
	crisp_opts_release(&o);
	return ret;
}
