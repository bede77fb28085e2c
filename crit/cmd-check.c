// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crit check DIR [--json]: is the image directory complete and consistent?
 * Lists every problem; exit status 0 = a restore can be tried (warnings
 * only), 1 = errors found (or the directory cannot be read).
 */
#include <getopt.h>
#include <stdio.h>

#include "crit.h"
#include "crit-out.h"
#include "inspect.h"

static int run_check(const struct crit_cmd *self, int argc, char **argv, struct cr_error **err)
{
	struct ins_problems *p = NULL;
	struct ins_ckpt *c = NULL;
	bool json = false;
	int r;

	r = crit_parse_json_args(self, argc, argv, 1, &json);
	if (r != 0)
		return r > 0 ? 0 : CRIT_EXIT_USAGE;
	r = crit_open_ckpt(argv[optind], &c, err);
	if (r < 0)
		return r;
	r = ins_check(c, &p, err);
	ins_ckpt_free(c);
	if (r < 0)
		return r;
	if (json) {
		json_t *o = json_object(), *a = json_array();
		for (size_t i = 0; i < p->n; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "severity",
					    json_string(p->p[i].sev == INS_ERROR ? "error" : "warning"));
			json_object_set_new(e, "message", json_string(p->p[i].msg));
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "images_checked", json_integer(p->images_checked));
		json_object_set_new(o, "errors", json_integer(p->n_errors));
		json_object_set_new(o, "warnings", json_integer(p->n - p->n_errors));
		json_object_set_new(o, "restorable", json_boolean(!p->n_errors));
		json_object_set_new(o, "problems", a);
		r = crit_json_print(stdout, o, err);
		json_decref(o);
	} else {
		for (size_t i = 0; i < p->n; i++)
			printf("%s: %s\n", p->p[i].sev == INS_ERROR ? "error" : "warning", p->p[i].msg);
		printf("%zu images checked: %zu errors, %zu warnings; %s\n", p->images_checked,
		       p->n_errors, p->n - p->n_errors,
		       p->n_errors ? "a restore would fail" : "a restore can be tried");
		r = crit_out_end(stdout, err);
	}
	if (r >= 0)
		r = p->n_errors ? 1 : 0;
	ins_problems_free(p);
	return r;
}

const struct crit_cmd crit_cmd_check = {
	.name = "check",
	.run = run_check,
	.args = "[--json] DIR",
	.help = "check that an image directory is complete and consistent",
};
