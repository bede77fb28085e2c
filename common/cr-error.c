// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cr-error.h"
#include "xalloc.h"

static int set_err(struct cr_error **err, int code, char *msg)
{
	if (code > 0)
		code = -code;
	if (code == 0)
		code = -EINVAL;
	if (!err || *err) {
		free(msg);
		return code;
	}
	*err = xmalloc(sizeof(**err));
	(*err)->code = code;
	(*err)->msg = msg;
	return code;
}

int cr_err(struct cr_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	return set_err(err, code, msg);
}

int cr_err_sys(struct cr_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg, *full;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("%s: %s", msg, strerror(code < 0 ? -code : code));
	free(msg);
	return set_err(err, code, full);
}

int cr_err_wrap(struct cr_error **err, const char *fmt, ...)
{
	va_list ap;
	char *ctx, *full;

	if (!err || !*err)
		return -EINVAL;
	va_start(ap, fmt);
	ctx = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = full;
	return (*err)->code;
}

struct cr_error *cr_err_free(struct cr_error **err)
{
	if (err && *err) {
		free((*err)->msg);
		free(*err);
		*err = NULL;
	}
	return NULL;
}
