// SPDX-License-Identifier: LGPL-2.1-or-later
/* crit diff A B [--json]: what changed between two checkpoints.  Exit status
 * as diff(1): 0 when nothing differs, 1 when something does. */
#include <getopt.h>
#include <stdio.h>

#include "crit.h"
#include "crit-out.h"
#include "inspect.h"

static const char *const whats[] = { "task", "fd", "socket", "memory" };
static const char *const ops[] = { "added", "removed", "changed" };

static void print_item(const struct ins_diff_item *it)
{
	char where[48];

	if (it->what == INS_D_FD || it->what == INS_D_SOCKET)
		snprintf(where, sizeof(where), "%s %u:%u", whats[it->what], it->pid, it->fd);
	else
		snprintf(where, sizeof(where), "%s %u", whats[it->what], it->pid);
	if (it->op != INS_D_CHANGED) {
		printf("%c %s: %s\n", it->op == INS_D_ADDED ? '+' : '-', where, it->key);
		return;
	}
	printf("~ %s: %s -> %s", where, it->a, it->b);
	if (it->what == INS_D_MEM)
		printf(" (%+lld bytes dumped)", (long long)it->delta);
	putchar('\n');
}

static int run_diff(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	struct ins_ckpt *a = NULL, *b = NULL;
	struct ins_diff *d = NULL;
	bool json = false;
	int r;

	r = crit_parse_json_args(self, argc, argv, 2, &json);
	if (r != 0)
		return r > 0 ? 0 : CRIT_EXIT_USAGE;
	r = crit_open_ckpt(argv[optind], &a, err);
	if (r >= 0)
		r = crit_open_ckpt(argv[optind + 1], &b, err);
	if (r >= 0)
		r = ins_diff(a, b, &d, err);
	if (r < 0)
		goto out;
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < d->n; i++) {
			const struct ins_diff_item *it = &d->items[i];
			json_t *o = json_object();
			json_object_set_new(o, "what", json_string(whats[it->what]));
			json_object_set_new(o, "op", json_string(ops[it->op]));
			json_object_set_new(o, "pid", json_integer(it->pid));
			if (it->what == INS_D_FD || it->what == INS_D_SOCKET)
				json_object_set_new(o, "fd", json_integer(it->fd));
			json_object_set_new(o, "key", json_string(it->key));
			if (it->a)
				json_object_set_new(o, "a", json_string(it->a));
			if (it->b)
				json_object_set_new(o, "b", json_string(it->b));
			if (it->what == INS_D_MEM)
				json_object_set_new(o, "dumped_delta", json_integer(it->delta));
			json_array_append_new(arr, o);
		}
		r = crit_json_print(stdout, arr, err);
		json_decref(arr);
	} else {
		for (size_t i = 0; i < d->n; i++)
			print_item(&d->items[i]);
		if (!d->n)
			printf("no differences\n");
		r = crit_out_end(stdout, err);
	}
	if (r >= 0)
		r = d->n ? 1 : 0;
out:
	ins_diff_free(d);
	ins_ckpt_free(a);
	ins_ckpt_free(b);
	return r;
}

const struct crit_cmd crit_cmd_diff = {
	.name = "diff",
	.run = run_diff,
	.args = "[--json] DIR_A DIR_B",
	.help = "show what changed between two checkpoints (tasks, fds, sockets, memory)",
};
