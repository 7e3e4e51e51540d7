// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The log module (see log.h): renders an event into one line of logfmt or JSON
 * in a buffer on the stack, escaping every key and value, and writes the line
 * to stderr at once. It allocates nothing (xoom() logs through it) and
 * preserves errno.
 */
#include "base/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* What the end of a line may need after a value was cut: a quote, the mark, "}\n\0". */
#define LOG_RESERVE 32
/* The smallest buffer log_render() writes into: the ts and level always fit. */
#define LOG_RENDER_MIN 128

static enum log_level log_max = LOG_LEVEL_INFO;
static enum log_format log_fmt = LOG_FORMAT_LOGFMT;

static const char *const level_names[] = {
	[LOG_LEVEL_FATAL] = "fatal", [LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",   [LOG_LEVEL_DEBUG] = "debug",
};

static const char *const format_names[] = {
	[LOG_FORMAT_LOGFMT] = "logfmt",
	[LOG_FORMAT_JSON] = "json",
};

/* A line being rendered; once a piece does not fit, cut is set and nothing more is added. */
struct out {
	char *b;
	size_t n;    /* bytes written */
	size_t room; /* where ordinary pieces must end: the size less LOG_RESERVE */
	bool cut;
};

/* Set the most verbose level that is printed, and the format of the lines. */
void log_init(enum log_level max, enum log_format format)
{
	log_max = max;
	log_fmt = format;
}

/* The format named name ("logfmt" or "json") into *out: 0, or -EINVAL. */
int log_format_parse(const char *name, enum log_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum log_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool put(struct out *o, const char *s, size_t len)
{
	if (o->cut || o->n + len > o->room) {
		o->cut = true;
		return false;
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
	return true;
}

static bool puts_(struct out *o, const char *s)
{
	return put(o, s, strlen(s));
}

/* The closing pieces, written into the reserve even after a cut. */
static void put_end(struct out *o, const char *s)
{
	size_t len = strlen(s);

	memcpy(o->b + o->n, s, len);
	o->n += len;
}

/* The length of the well-formed UTF-8 sequence of two to four bytes at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t rest)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (rest < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A C0 or C1 control character or DEL at p (of len bytes): its code point, else -1. */
static int control_char(const unsigned char *p, size_t len)
{
	if (len == 1 && (p[0] < 0x20 || p[0] == 0x7f))
		return p[0];
	if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return p[1];
	return -1;
}

/*
 * The text for the character at p into tok (at least 8 bytes), its length
 * returned and the bytes of input it stands for in *adv. Controls become
 * escapes, a byte that is no well-formed UTF-8 becomes U+FFFD; in a quoted
 * value '"' and '\' are escaped too.
 */
static size_t token(const unsigned char *p, size_t rest, bool quoted, char *tok, size_t *adv)
{
	size_t len = p[0] < 0x80 ? 1 : utf8_len(p, rest);
	int c;

	*adv = len ? len : 1;
	if (!len) {
		memcpy(tok, "\xef\xbf\xbd", 3); /* U+FFFD */
		return 3;
	}
	c = control_char(p, len);
	if (c == '\n' || c == '\t' || c == '\r')
		return (size_t)snprintf(tok, 8, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
	if (c >= 0)
		return (size_t)snprintf(tok, 8, "\\u%04x", (unsigned)c);
	if (quoted && (p[0] == '"' || p[0] == '\\'))
		return (size_t)snprintf(tok, 8, "\\%c", p[0]);
	memcpy(tok, p, len);
	return len;
}

/* Whether a logfmt value must be quoted: empty, or a space, '=', '"', a control or bad UTF-8. */
static bool needs_quotes(const unsigned char *s)
{
	size_t rest = strlen((const char *)s), len;

	if (!rest)
		return true;
	for (; rest; s += len, rest -= len) {
		len = s[0] < 0x80 ? 1 : utf8_len(s, rest);
		if (!len || s[0] == ' ' || s[0] == '=' || s[0] == '"' || control_char(s, len) >= 0)
			return true;
	}
	return false;
}

/*
 * A string value; JSON strings and the logfmt message are always quoted. A cut
 * keeps what fit, whole characters, and closes the quote.
 */
static void put_str(struct out *o, const char *s, bool quoted)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t rest = strlen((const char *)p), adv, len;
	char tok[8];

	quoted = quoted || needs_quotes(p);
	if (quoted && !puts_(o, "\"")) {
		put_end(o, "\"\"");
		return;
	}
	for (; rest; p += adv, rest -= adv) {
		len = token(p, rest, quoted, tok, &adv);
		if (!put(o, tok, len))
			break;
	}
	if (quoted)
		put_end(o, "\"");
}

/* The key, with every byte outside [A-Za-z0-9_.-] as '_', and what precedes and follows it. */
static bool put_key(struct out *o, enum log_format format, const char *key)
{
	const char *p = key && *key ? key : "_";
	bool ok = puts_(o, format == LOG_FORMAT_JSON ? ",\"" : " ");

	for (; ok && *p; p++) {
		char c = *p;

		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    c != '_' && c != '.' && c != '-')
			c = '_';
		ok = put(o, &c, 1);
	}
	return ok && puts_(o, format == LOG_FORMAT_JSON ? "\":" : "=");
}

/* One field; when not even its key and a number fit, nothing of it stays. */
static void put_field(struct out *o, enum log_format format, const struct log_field *f)
{
	size_t mark = o->n;
	char num[32];

	if (!put_key(o, format, f->key)) {
		o->n = mark;
		return;
	}
	if (f->type == LOG_TYPE_STR) {
		put_str(o, f->v.s, format == LOG_FORMAT_JSON);
		return;
	}
	if (f->type == LOG_TYPE_INT)
		snprintf(num, sizeof(num), "%lld", f->v.i);
	else
		snprintf(num, sizeof(num), "%llu", f->v.u);
	if (!puts_(o, num))
		o->n = mark;
}

/* ts: RFC 3339 in UTC with milliseconds, e.g. 2026-12-03T12:00:00.123Z. */
static void put_ts(struct out *o, int64_t wall_ms)
{
	int64_t ms = wall_ms % 1000;
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	char ts[64];

	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
	puts_(o, ts);
}

/*
 * Render ev as one line ending in '\n' (and a NUL after it) into buf of size
 * bytes, at least 128. The line holds ts, level, msg, error (when ev->err is
 * set) and the fields in their order, every key sanitized and every value
 * escaped for the format. A line that does not fit is cut inside a value and
 * ends with truncated=true. Returns the length without the NUL (0: size too
 * small, nothing written).
 */
size_t log_render(char *buf, size_t size, enum log_format format, const struct log_event *ev)
{
	struct out o = { .b = buf, .room = size - LOG_RESERVE };
	const struct log_field err = LOG_STR("error", ev->err);
	bool json = format == LOG_FORMAT_JSON;

	if (size < LOG_RENDER_MIN)
		return 0;
	puts_(&o, json ? "{\"ts\":\"" : "ts=");
	put_ts(&o, ev->wall_ms);
	puts_(&o, json ? "\",\"level\":\"" : " level=");
	puts_(&o, level_names[ev->level]);
	puts_(&o, json ? "\",\"msg\":" : " msg=");
	put_str(&o, ev->msg, true);
	if (ev->err)
		put_field(&o, format, &err);
	for (const struct log_field *f = ev->fields; f && f->type != LOG_TYPE_END; f++)
		put_field(&o, format, f);
	if (o.cut)
		put_end(&o, json ? ",\"truncated\":true" : " truncated=true");
	put_end(&o, json ? "}\n" : "\n");
	buf[o.n] = '\0';
	return o.n;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print one event at level lvl, if it is printed at all; errno is preserved. */
static void log_at(enum log_level lvl, const char *msg, const char *err,
		   const struct log_field *fields)
{
	int saved = errno;
	char line[LOG_LINE_MAX];
	struct log_event ev = { .level = lvl, .msg = msg, .err = err, .fields = fields };
	size_t n;

	if (lvl <= log_max) {
		ev.wall_ms = wall_ms();
		n = log_render(line, sizeof(line), log_fmt, &ev);
		fwrite(line, 1, n, stderr);
	}
	errno = saved;
}

/*
 * Log msg with fields (a LOG_FIELDS() list, or NULL) at the level in the
 * name. log_warn() adds error=strerror(errno); log_fatal() is always printed
 * (the caller aborts after it).
 */
void log_fatal(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_FATAL, msg, NULL, fields);
}

void log_error(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_ERROR, msg, NULL, fields);
}

void log_warn(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_WARN, msg, strerror(errno), fields);
}

void log_warnx(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_WARN, msg, NULL, fields);
}

void log_info(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_INFO, msg, NULL, fields);
}

void log_debug(const char *msg, const struct log_field *fields)
{
	log_at(LOG_LEVEL_DEBUG, msg, NULL, fields);
}
