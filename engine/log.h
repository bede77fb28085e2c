/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/*
 * A small log sink: a level and an fd, carried in the engine's context.
 * Levels follow CRIU's -v: 0 none... 1 errors, 2 warnings (default),
 * 3 info, 4 debug.  Lines look like CRIU's: "(00.012345) message".
 */
#include <stdarg.h>
#include <stdbool.h>

enum crisp_log_level {
	CRISP_LOG_NONE = 0,
	CRISP_LOG_ERROR = 1,
	CRISP_LOG_WARN = 2,
	CRISP_LOG_INFO = 3,
	CRISP_LOG_DEBUG = 4,
};

struct crisp_log {
	int level;  /* messages above it are dropped */
	int fd;     /* -1: drop everything */
	bool owned; /* crisp_log_close() closes fd */
	double t0;  /* CLOCK_MONOTONIC at init, for the timestamps */
};

/* Initialise a sink on fd (not owned) at a level. */
void crisp_log_init(struct crisp_log *l, int fd, int level);
/*
 * Open a log file: path "-" or NULL means stderr; otherwise relative to
 * dirfd (the work dir).  Returns 0 or -errno.
 */
int crisp_log_open_at(struct crisp_log *l, int dirfd, const char *path, int level);
void crisp_log_close(struct crisp_log *l);

void crisp_log_printf(struct crisp_log *l, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void crisp_log_vprintf(struct crisp_log *l, int level, const char *fmt, va_list ap);

/*
 * The sink crisp_dump()/crisp_restore() use when no sink is passed.  The
 * CLI sets it up once in main() (the only global the engine reads, as the
 * log level is allowed to be in STYLE.md).  Defaults to stderr, level 2.
 */
struct crisp_log *crisp_log_default(void);

#define log_err(l, ...) crisp_log_printf((l), CRISP_LOG_ERROR, "Error: " __VA_ARGS__)
#define log_warn(l, ...) crisp_log_printf((l), CRISP_LOG_WARN, "Warn: " __VA_ARGS__)
#define log_info(l, ...) crisp_log_printf((l), CRISP_LOG_INFO, __VA_ARGS__)
#define log_debug(l, ...) crisp_log_printf((l), CRISP_LOG_DEBUG, __VA_ARGS__)
