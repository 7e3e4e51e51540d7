/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging, one event a line on stderr, as logfmt
 *   ts=2026-12-03T12:00:00.123Z level=info msg="..." key=value key2="a value"
 * or as one JSON object a line. Fields are typed key/value pairs that this
 * module escapes itself, so no value can end a line or forge a field. Only the
 * agent layer logs; everything below returns diagnostics.
 *
 *   log_info("list complete", LOG_FIELDS(LOG_STR("resource", r), LOG_UINT("objects", n)));
 *   log_error("cannot initialise", NULL);
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_FATAL, /* always printed; the process aborts after it */
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_format {
	LOG_FORMAT_LOGFMT, /* key=value, values quoted when they must be */
	LOG_FORMAT_JSON,   /* {"ts":"...","level":"...","msg":"...","key":"value"} */
};

enum log_type {
	LOG_TYPE_END, /* ends a field list */
	LOG_TYPE_STR,
	LOG_TYPE_INT,
	LOG_TYPE_UINT,
};

/* One field. The key should be [A-Za-z0-9_.-]: other bytes print as '_'. */
struct log_field {
	const char *key; /* borrowed */
	enum log_type type;
	union {
		const char *s; /* borrowed; NULL prints as "" */
		long long i;
		unsigned long long u;
	} v;
};

#define LOG_STR(k, val) ((struct log_field){ .key = (k), .type = LOG_TYPE_STR, .v.s = (val) })
#define LOG_INT(k, val) ((struct log_field){ .key = (k), .type = LOG_TYPE_INT, .v.i = (val) })
#define LOG_UINT(k, val) ((struct log_field){ .key = (k), .type = LOG_TYPE_UINT, .v.u = (val) })
#define LOG_END ((struct log_field){ .key = NULL, .type = LOG_TYPE_END })
/* A field list for one call: LOG_FIELDS(LOG_STR(...), LOG_UINT(...)). */
#define LOG_FIELDS(...) ((const struct log_field[]){ __VA_ARGS__, LOG_END })

/* A line longer than this is cut inside a value and marked truncated=true. */
#define LOG_LINE_MAX 8192

/* One event, as log_render() prints it. */
struct log_event {
	enum log_level level;
	int64_t wall_ms;		/* milliseconds since the Unix epoch (ts, in UTC) */
	const char *msg;		/* borrowed */
	const char *err;		/* strerror(errno) for log_warn(), else NULL */
	const struct log_field *fields; /* ends with LOG_END; NULL: none */
};

void log_init(enum log_level max, enum log_format format);
int log_format_parse(const char *name, enum log_format *out) __attribute__((warn_unused_result));
size_t log_render(char *buf, size_t size, enum log_format format, const struct log_event *ev);

void log_fatal(const char *msg, const struct log_field *fields);
void log_error(const char *msg, const struct log_field *fields);
void log_warn(const char *msg, const struct log_field *fields);
void log_warnx(const char *msg, const struct log_field *fields);
void log_info(const char *msg, const struct log_field *fields);
void log_debug(const char *msg, const struct log_field *fields);

#endif
