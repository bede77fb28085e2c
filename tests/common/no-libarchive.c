// SPDX-License-Identifier: LGPL-2.1-or-later
/* LD_PRELOAD shim for test-no-libarchive.sh: dlopen() of libarchive fails as
 * on a system without it, every other dlopen() goes through. */
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

void *dlopen(const char *file, int mode)
{
	void *(*real)(const char *, int);

	if (file && strstr(file, "libarchive"))
		return NULL;
	real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	return real ? real(file, mode) : NULL;
}
