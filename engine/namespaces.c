/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Namespaces.  crisp does not checkpoint them yet, so every task of a
 * dumped tree must live in crisp's own: a task in another pid, mount or
 * net namespace would come back in crisp's, with other pids, another
 * file system view or no sockets, and go on as if nothing happened.
 * Refuse it before the task is touched, naming the namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "ctx.h"

static const char *const ns_names[] = {
	"pid", "pid_for_children", "mnt", "net", "ipc", "uts", "user", "cgroup", "time", "time_for_children",
};

int ns_check_task(pid_t pid, struct cr_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++) {
		char path[64];
		struct stat self, task;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		if (stat(path, &self) < 0)
			continue; /* the kernel lacks this namespace type */
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_names[i]);
		if (stat(path, &task) < 0)
			continue; /* gone or a zombie: seizing it tells */
		if (task.st_ino != self.st_ino || task.st_dev != self.st_dev)
			return cr_err(err, -EOPNOTSUPP,
				      "task %d is in another %s namespace than crisp ([%lu], crisp's is [%lu]): "
				      "checkpointing namespaces (containers) is not supported yet",
				      pid, ns_names[i], (unsigned long)task.st_ino, (unsigned long)self.st_ino);
	}
	return 0;
}
