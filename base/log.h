/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging, one event a line on stderr: level=... msg="..." key=value. Only the
 * agent layer logs; everything below returns diagnostics.
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_init(enum log_level max);
void log_warn(const char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warnx(const char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_info(const char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_debug(const char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_error(const char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
