// SPDX-License-Identifier: LGPL-2.1-or-later
/* argv and environ of each task, read from its dumped memory. */
#include <errno.h>
#include <stdlib.h>

#include "inspect-int.h"
#include "xalloc.h"

struct ins_args *ins_args_free(struct ins_args *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		ins_strv_free(a->tasks[i].argv, a->tasks[i].argc);
		ins_strv_free(a->tasks[i].env, a->tasks[i].envc);
		free(a->tasks[i].error);
	}
	free(a->tasks);
	free(a);
	return NULL;
}

static void task_args(struct ins_ckpt *c, const struct ins_task_mm *tm, struct ins_task_args *t)
{
	struct cr_error *err = NULL;
	struct ins_mem *m = NULL;
	int r;

	r = ins_mem_open(c, tm->pid, &m, &err);
	if (r >= 0)
		r = ins_mem_strings(m, tm->arg_start, tm->arg_end, &t->argv, &t->argc, &err);
	if (r >= 0)
		r = ins_mem_strings(m, tm->env_start, tm->env_end, &t->env, &t->envc, &err);
	if (r < 0)
		t->error = xstrdup(err ? err->msg : "read failed");
	cr_err_free(&err);
	ins_mem_free(m);
}

int ins_args(struct ins_ckpt *c, struct ins_args **ret, struct cr_error **err)
{
	struct ins_mms *mms = NULL;
	struct ins_args *a;
	int r = ins_mems(c, &mms, err);

	if (r < 0)
		return r;
	a = xzalloc(sizeof(*a));
	a->tasks = xcalloc(mms->n ? mms->n : 1, sizeof(*a->tasks));
	for (size_t i = 0; i < mms->n; i++) {
		struct ins_task_args *t = &a->tasks[a->n++];

		t->pid = mms->tasks[i].pid;
		t->dead = mms->tasks[i].dead;
		if (!t->dead)
			task_args(c, &mms->tasks[i], t);
	}
	ins_mms_free(mms);
	*ret = a;
	return 0;
}
