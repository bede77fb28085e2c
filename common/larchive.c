// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libarchive through dlopen() (see larchive.h).  The only global state is
 * the table below: written once, inside pthread_once(), and only read after
 * that, so every thread sees either nothing or the complete table and no
 * lock is needed to use it.  The library is never unloaded (a handle kept
 * for the life of the process, like a linked library).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "larchive.h"

static pthread_once_t la_once = PTHREAD_ONCE_INIT;
static struct larchive la_table;
static int la_status;     /* 0 or -ENOSYS, set once */
static char la_why[512]; /* what failed, set once */

static void la_load(void)
{
	void *h = dlopen(LARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!h) {
		e = dlerror();
		snprintf(la_why, sizeof(la_why), "%s not found: install libarchive13 (%s)",
			 LARCHIVE_SONAME, e ? e : "dlopen failed");
		la_status = -ENOSYS;
		return;
	}
#define LARCHIVE_RESOLVE(name)                                                          \
	la_table.name = (__typeof__(la_table.name))dlsym(h, "archive_" #name);          \
	if (!la_table.name) {                                                           \
		snprintf(la_why, sizeof(la_why),                                        \
			 "%s has no archive_%s: install a newer libarchive13",          \
			 LARCHIVE_SONAME, #name);                                       \
		la_status = -ENOSYS;                                                    \
		dlclose(h);                                                             \
		return;                                                                 \
	}
	LARCHIVE_FUNCS(LARCHIVE_RESOLVE)
#undef LARCHIVE_RESOLVE
	la_status = 0;
}

int larchive_get(const struct larchive **ret, struct cr_error **err)
{
	pthread_once(&la_once, la_load);
	if (la_status < 0) {
		*ret = NULL;
		return cr_err(err, la_status, "%s", la_why);
	}
	*ret = &la_table;
	return 0;
}
