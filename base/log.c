// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log module (see log.h). Each call prints level, a quoted message and
 * optional key=value pairs formatted by the caller; errno is preserved.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level log_max = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

/* Set the most verbose level that is printed. */
void log_init(enum log_level max)
{
	log_max = max;
}

static void vlog(enum log_level lvl, const char *msg, const char *err, const char *fmt, va_list ap)
{
	if (lvl > log_max)
		return;
	fprintf(stderr, "level=%s msg=\"%s\"", level_names[lvl], msg);
	if (err)
		fprintf(stderr, " error=\"%s\"", err);
	if (fmt && *fmt) {
		fputc(' ', stderr);
		vfprintf(stderr, fmt, ap);
	}
	fputc('\n', stderr);
}

#define LOG_BODY(lvl, err)                                                                         \
	do {                                                                                       \
		int saved = errno;                                                                 \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog((lvl), msg, (err), fmt, ap);                                                  \
		va_end(ap);                                                                        \
		errno = saved;                                                                     \
	} while (0)

/* Log a warning with strerror(errno) appended. */
void log_warn(const char *msg, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, strerror(errno));
}

void log_warnx(const char *msg, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, NULL);
}

void log_info(const char *msg, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, NULL);
}

void log_debug(const char *msg, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, NULL);
}

void log_error(const char *msg, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL);
}
