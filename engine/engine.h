/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * crisp's engine: dump and restore of running process trees.
 *
 * Entry points called by the CLI (main.c/cli.c) and the RPC server.  They
 * never print except through the log sink and never exit; failures come
 * back as a negative errno plus *err.
 */
#include <sys/types.h>

#include "cr-error.h"
#include "log.h"
#include "opts.h"

/*
 * Dump the tree rooted at o->tree into o->images_dir.  Every task is
 * stopped for the dump; afterwards the tree is killed (default, as CRIU),
 * left running (--leave-running) or left stopped (--leave-stopped).  A
 * failed dump resumes every task untouched and removes nothing it did not
 * write.  Logs go to crisp_log_default() (see log.h).
 */
int crisp_dump(const struct crisp_opts *o, struct cr_error **err);

/*
 * Restore the tree found in o->images_dir.  On success *ret_root_pid is
 * the root task, running.  With -d (o->restore_detached) the caller may
 * exit at once; otherwise it is the root's parent and should call
 * crisp_restore_wait().  --pidfile is written here.  A failed restore
 * kills every task it created.
 */
int crisp_restore(const struct crisp_opts *o, pid_t *ret_root_pid, struct cr_error **err);

/*
 * Wait for the restored root (a child of the caller) like CRIU does and
 * return its exit status as a shell would: the exit code, or 128+signal.
 */
int crisp_restore_wait(pid_t root, struct cr_error **err);

/* The same with an explicit log sink (the RPC server passes its own). */
int crisp_dump_log(const struct crisp_opts *o, struct crisp_log *log, struct cr_error **err);
int crisp_restore_log(const struct crisp_opts *o, struct crisp_log *log, pid_t *ret_root_pid,
		      struct cr_error **err);
