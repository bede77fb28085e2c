/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* POSIX timers (timer_create) of a task: core-N.img tc.timers.posix, as CRIU 4.2. */
#include "ctx.h"

/* Append the task's POSIX timers to tt->posix (injected timer_gettime/getoverrun). */
int timers_dump(struct crisp_ctx *c, struct task *t, TaskTimersEntry *tt, struct cr_error **err);
/* Re-create them with their ids and arm them, by injection, before signals are unblocked. */
int timers_restore(struct crisp_ctx *c, struct task *t, struct cr_error **err);
