/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ctx.h"

/* dump: a SYSVIPC vma of t (v->shmid set); the segment joins ipcns-shm */
int sysvshm_dump_vma(struct crisp_ctx *c, struct task *t, struct pvma *v, struct cr_error **err);
int sysvshm_dump_commit(struct crisp_ctx *c, struct cr_error **err);
/* restore: before the tree is forked, every segment a vma needs exists */
int sysvshm_restore_prepare(struct crisp_ctx *c, struct cr_error **err);
/* restore: attach v in the stopped task t at v->start */
int sysvshm_attach(struct crisp_ctx *c, struct task *t, const VmaEntry *v, struct cr_error **err);
