/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * The one error convention below the CLIs: functions return >= 0 on
 * success and a negative errno on failure, filling *err with a message that
 * carries the context (file, entry, offset, field).  Only main() prints.
 */
#include <stdarg.h>

struct cr_error {
	int code;  /* negative errno */
	char *msg; /* "'file': entry 3 at offset 120: truncated payload" */
};

/* Set *err (if err and *err is empty) and return code (a negative errno). */
int cr_err(struct cr_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(-code)". */
int cr_err_sys(struct cr_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix context to an existing error: "ctx: old message".  Returns the code. */
int cr_err_wrap(struct cr_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free an error (NULL-safe) and reset *err.  Returns NULL. */
struct cr_error *cr_err_free(struct cr_error **err);
