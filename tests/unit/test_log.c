// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: log lines as logfmt and JSON. Every class of character a value
 * may hold is escaped, a value cannot forge a line or a field, keys are
 * sanitized, JSON lines parse back to the values given, long lines are cut
 * into well-formed ones, and the real writer stamps ts and keeps errno.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

#define T0 1796299200123LL /* 2026-12-03T12:00:00.123Z */

static char line[LOG_LINE_MAX];

/* ev rendered with one field key=val at T0, as format. */
static const char *one(enum log_format format, const char *key, const char *val)
{
	struct log_event ev = {
		.level = LOG_LEVEL_INFO,
		.wall_ms = T0,
		.msg = "m",
		.fields = LOG_FIELDS(LOG_STR(key, val)),
	};

	log_render(line, sizeof(line), format, &ev);
	return line;
}

/* The logfmt text of value val (what follows "k=" up to the newline). */
static const char *logfmt_value(const char *val)
{
	static const char head[] = "ts=2026-12-03T12:00:00.123Z level=info msg=\"m\" k=";
	const char *l = one(LOG_FORMAT_LOGFMT, "k", val);
	size_t n = strlen(l);

	ck_assert_msg(!strncmp(l, head, strlen(head)), "line: %s", l);
	ck_assert_msg(n && l[n - 1] == '\n' && !memchr(l, '\n', n - 1), "not one line: %s", l);
	line[n - 1] = '\0';
	return l + strlen(head);
}

START_TEST(logfmt_line)
{
	struct log_event ev = {
		.level = LOG_LEVEL_WARN,
		.wall_ms = T0,
		.msg = "table updated",
		.fields = LOG_FIELDS(LOG_STR("resource", "pods"), LOG_INT("delta", -3),
				     LOG_UINT("objects", 18446744073709551615ULL),
				     LOG_STR("why", "a change"), LOG_STR("none", NULL)),
	};
	size_t n = log_render(line, sizeof(line), LOG_FORMAT_LOGFMT, &ev);

	ck_assert_str_eq(line, "ts=2026-12-03T12:00:00.123Z level=warn msg=\"table updated\" "
			       "resource=pods delta=-3 objects=18446744073709551615 "
			       "why=\"a change\" none=\"\"\n");
	ck_assert_uint_eq(n, strlen(line));
	ev.fields = NULL;
	ev.err = "No such file or directory";
	log_render(line, sizeof(line), LOG_FORMAT_LOGFMT, &ev);
	ck_assert_str_eq(line, "ts=2026-12-03T12:00:00.123Z level=warn msg=\"table updated\" "
			       "error=\"No such file or directory\"\n");
}
END_TEST

START_TEST(logfmt_escapes)
{
	/* plain: unquoted, a backslash and UTF-8 as they are */
	ck_assert_str_eq(logfmt_value("pods"), "pods");
	ck_assert_str_eq(logfmt_value("a\\b"), "a\\b");
	ck_assert_str_eq(logfmt_value("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80"),
			 "caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80");
	/* quoted: empty, a space, '=', '"' */
	ck_assert_str_eq(logfmt_value(""), "\"\"");
	ck_assert_str_eq(logfmt_value("a b"), "\"a b\"");
	ck_assert_str_eq(logfmt_value("a=b"), "\"a=b\"");
	ck_assert_str_eq(logfmt_value("say \"hi\""), "\"say \\\"hi\\\"\"");
	ck_assert_str_eq(logfmt_value("a\"b"), "\"a\\\"b\"");
	/* inside quotes a backslash is escaped */
	ck_assert_str_eq(logfmt_value("a \\ b"), "\"a \\\\ b\"");
	/* controls: \n \t \r, the other C0, DEL and C1 as \u00XX */
	ck_assert_str_eq(logfmt_value("a\nb"), "\"a\\nb\"");
	ck_assert_str_eq(logfmt_value("a\tb"), "\"a\\tb\"");
	ck_assert_str_eq(logfmt_value("a\rb"), "\"a\\rb\"");
	ck_assert_str_eq(logfmt_value("a\x01"
				      "b\x1b[31m"),
			 "\"a\\u0001b\\u001b[31m\"");
	ck_assert_str_eq(logfmt_value("a\x7f"), "\"a\\u007f\"");
	ck_assert_str_eq(logfmt_value("a\xc2\x85z"), "\"a\\u0085z\"");
	/* bad UTF-8 (a lone byte, a cut sequence, overlong, a surrogate) is U+FFFD */
	ck_assert_str_eq(logfmt_value("a\xff"), "\"a\xef\xbf\xbd\"");
	ck_assert_str_eq(logfmt_value("\xe2\x82"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	ck_assert_str_eq(logfmt_value("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	ck_assert_str_eq(logfmt_value("\xed\xa0\x80"), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}
END_TEST

/* The case: a JSON key holding a forged line, in a value, the message and a key. */
START_TEST(forged_line)
{
	const char *forged = "x\nlevel=error msg=\"forged\"";
	struct log_event ev = { .level = LOG_LEVEL_INFO, .wall_ms = T0, .msg = forged };
	size_t n;

	ck_assert_str_eq(logfmt_value(forged), "\"x\\nlevel=error msg=\\\"forged\\\"\"");
	n = log_render(line, sizeof(line), LOG_FORMAT_LOGFMT, &ev);
	ck_assert_str_eq(line, "ts=2026-12-03T12:00:00.123Z level=info "
			       "msg=\"x\\nlevel=error msg=\\\"forged\\\"\"\n");
	ck_assert_ptr_eq(memchr(line, '\n', n - 1), NULL);
	one(LOG_FORMAT_LOGFMT, forged, "v");
	ck_assert_str_eq(line, "ts=2026-12-03T12:00:00.123Z level=info msg=\"m\" "
			       "x_level_error_msg__forged_=v\n");
}
END_TEST

START_TEST(keys_sanitized)
{
	one(LOG_FORMAT_LOGFMT, "Az09_.-", "v");
	ck_assert_ptr_nonnull(strstr(line, " Az09_.-=v\n"));
	one(LOG_FORMAT_LOGFMT, "a b=c\"d\te\xc3\xa9", "v");
	ck_assert_ptr_nonnull(strstr(line, " a_b_c_d_e__=v\n"));
	one(LOG_FORMAT_LOGFMT, "", "v");
	ck_assert_ptr_nonnull(strstr(line, " _=v\n"));
	one(LOG_FORMAT_LOGFMT, NULL, "v");
	ck_assert_ptr_nonnull(strstr(line, " _=v\n"));
	one(LOG_FORMAT_JSON, "a\"b", "v");
	ck_assert_ptr_nonnull(strstr(line, ",\"a_b\":\"v\"}\n"));
}
END_TEST

START_TEST(timestamps)
{
	static const struct {
		long long ms;
		const char *ts;
	} cases[] = {
		{ T0, "2026-12-03T12:00:00.123Z" },
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 951782400999LL, "2000-02-29T00:00:00.999Z" },
		{ 1704067199001LL, "2023-12-31T23:59:59.001Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
	};
	char want[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct log_event ev = { .level = LOG_LEVEL_DEBUG,
					.wall_ms = cases[i].ms,
					.msg = "" };

		snprintf(want, sizeof(want), "ts=%s level=debug msg=\"\"\n", cases[i].ts);
		log_render(line, sizeof(line), LOG_FORMAT_LOGFMT, &ev);
		ck_assert_str_eq(line, want);
	}
}
END_TEST

/* line as JSON: one object on one line; NULL when it does not parse. */
static cJSON *parse(const char *l)
{
	size_t n = strlen(l);

	ck_assert_msg(n && l[n - 1] == '\n' && !memchr(l, '\n', n - 1), "not one line: %s", l);
	return cJSON_ParseWithOpts(l, NULL, 0);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	ck_assert_msg(cJSON_IsString(v), "%s is no string", key);
	return v->valuestring;
}

START_TEST(json_round_trip)
{
	static const char *const values[] = {
		"plain",
		"",
		"a b=c",
		"x\nlevel=error msg=\"forged\"",
		"quote \" backslash \\ slash /",
		"\x01\x02\x08\x0c\x1f\x7f tab\t cr\r",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"}{\"level\":\"error\"}",
	};
	struct log_event ev = { .level = LOG_LEVEL_ERROR, .wall_ms = T0, .msg = "m" };
	cJSON *o;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ev.msg = values[i];
		ev.err = values[i];
		ev.fields =
			LOG_FIELDS(LOG_STR("v", values[i]), LOG_INT("i", -42), LOG_UINT("u", 7));
		log_render(line, sizeof(line), LOG_FORMAT_JSON, &ev);
		o = parse(line);
		ck_assert_msg(o != NULL, "does not parse: %s", line);
		ck_assert_int_eq(cJSON_GetArraySize(o), 7);
		ck_assert_str_eq(str_of(o, "ts"), "2026-12-03T12:00:00.123Z");
		ck_assert_str_eq(str_of(o, "level"), "error");
		ck_assert_str_eq(str_of(o, "msg"), values[i]);
		ck_assert_str_eq(str_of(o, "error"), values[i]);
		ck_assert_str_eq(str_of(o, "v"), values[i]);
		ck_assert_double_eq(cJSON_GetObjectItem(o, "i")->valuedouble, -42);
		ck_assert_double_eq(cJSON_GetObjectItem(o, "u")->valuedouble, 7);
		cJSON_Delete(o);
	}
	/* the order is ts, level, msg, then the fields */
	ev.msg = "m";
	ev.err = NULL;
	ev.fields = LOG_FIELDS(LOG_STR("k", "v"), LOG_UINT("n", 1));
	log_render(line, sizeof(line), LOG_FORMAT_JSON, &ev);
	ck_assert_str_eq(line, "{\"ts\":\"2026-12-03T12:00:00.123Z\",\"level\":\"error\","
			       "\"msg\":\"m\",\"k\":\"v\",\"n\":1}\n");
}
END_TEST

START_TEST(json_bad_utf8)
{
	cJSON *o;

	one(LOG_FORMAT_JSON, "k",
	    "a\xff\xfe"
	    "b\xe2\x82"
	    "c\xed\xa0\x80");
	o = parse(line);
	ck_assert_msg(o != NULL, "does not parse: %s", line);
	ck_assert_str_eq(str_of(o, "k"), "a\xef\xbf\xbd\xef\xbf\xbd"
					 "b\xef\xbf\xbd\xef\xbf\xbd"
					 "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cJSON_Delete(o);
	one(LOG_FORMAT_JSON, "k", "\n\t\"\\\x01");
	ck_assert_ptr_nonnull(strstr(line, "\"k\":\"\\n\\t\\\"\\\\\\u0001\"}"));
}
END_TEST

/* Every size from the smallest to a few hundred bytes: a well-formed, marked line. */
START_TEST(cut_lines)
{
	static const char nasty[] = "\xc3\xa9\n\"\\\x01 \xf0\x9f\x98\x80=";
	char val[1200], buf[600];
	struct log_event ev = { .level = LOG_LEVEL_INFO, .wall_ms = T0, .msg = "cut" };
	size_t n = 0;
	cJSON *o;

	while (n + sizeof(nasty) < sizeof(val)) {
		memcpy(val + n, nasty, sizeof(nasty) - 1);
		n += sizeof(nasty) - 1;
	}
	val[n] = '\0';
	ev.fields = LOG_FIELDS(LOG_STR("a", "first"), LOG_STR("v", val), LOG_UINT("z", 1));
	ck_assert_uint_eq(log_render(buf, 127, LOG_FORMAT_JSON, &ev), 0);
	for (size_t size = 128; size <= sizeof(buf); size++) {
		n = log_render(buf, size, LOG_FORMAT_JSON, &ev);
		ck_assert_uint_lt(n, size);
		ck_assert_uint_eq(n, strlen(buf));
		o = parse(buf);
		ck_assert_msg(o != NULL, "size %zu does not parse: %s", size, buf);
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "truncated")));
		cJSON_Delete(o);
		n = log_render(buf, size, LOG_FORMAT_LOGFMT, &ev);
		ck_assert_uint_lt(n, size);
		ck_assert_msg(!memchr(buf, '\n', n - 1), "size %zu: %s", size, buf);
		ck_assert_str_eq(buf + n - strlen(" truncated=true\n"), " truncated=true\n");
	}
}
END_TEST

START_TEST(format_names)
{
	enum log_format f = LOG_FORMAT_JSON;

	ck_assert_int_eq(log_format_parse("logfmt", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_LOGFMT);
	ck_assert_int_eq(log_format_parse("json", &f), 0);
	ck_assert_int_eq(f, LOG_FORMAT_JSON);
	ck_assert_int_eq(log_format_parse("JSON", &f), -EINVAL);
	ck_assert_int_eq(log_format_parse("", &f), -EINVAL);
}
END_TEST

/* What the log_* calls write to stderr (fd 2 pointed at a file meanwhile). */
static char *capture(void (*fn)(void))
{
	static char out[4 * LOG_LINE_MAX];
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static int errno_after;

static void write_some(void)
{
	log_init(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	log_debug("not shown", NULL);
	log_info("shown", LOG_FIELDS(LOG_STR("k", "v")));
	errno = ENOENT;
	log_warn("with errno", NULL);
	errno_after = errno;
	log_init(LOG_LEVEL_DEBUG, LOG_FORMAT_JSON);
	log_debug("debug", NULL);
	log_init(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
}

START_TEST(real_writer)
{
	const char *pat = "^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
			  "level=info msg=\"shown\" k=v\n"
			  "ts=[^ ]+Z level=warn msg=\"with errno\" error=\"No such file or "
			  "directory\"\n"
			  "\\{\"ts\":\"[0-9T:.-]+Z\",\"level\":\"debug\",\"msg\":\"debug\"\\}\n$";
	char *out = capture(write_some);
	regex_t re;

	ck_assert_int_eq(regcomp(&re, pat, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(!regexec(&re, out, 0, NULL, 0), "output: %s", out);
	regfree(&re);
	ck_assert_int_eq(errno_after, ENOENT);
}
END_TEST

/* A line longer than LOG_LINE_MAX is cut, marked, and still one line. */
static void write_long(void)
{
	static char big[3 * LOG_LINE_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[1000] = '\n';
	log_info("long", LOG_FIELDS(LOG_STR("v", big), LOG_UINT("after", 1)));
}

START_TEST(real_writer_long)
{
	char *out = capture(write_long);
	size_t n = strlen(out);

	ck_assert_uint_lt(n, LOG_LINE_MAX);
	ck_assert_ptr_null(memchr(out, '\n', n - 1));
	ck_assert_str_eq(out + n - strlen("\" truncated=true\n"), "\" truncated=true\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tf = tcase_create("logfmt"), *tj = tcase_create("json"),
	      *tw = tcase_create("writer");
	SRunner *sr;
	int failed;

	tcase_add_test(tf, logfmt_line);
	tcase_add_test(tf, logfmt_escapes);
	tcase_add_test(tf, forged_line);
	tcase_add_test(tf, keys_sanitized);
	tcase_add_test(tf, timestamps);
	tcase_add_test(tj, json_round_trip);
	tcase_add_test(tj, json_bad_utf8);
	tcase_add_test(tj, cut_lines);
	tcase_add_test(tw, format_names);
	tcase_add_test(tw, real_writer);
	tcase_add_test(tw, real_writer_long);
	suite_add_tcase(s, tf);
	suite_add_tcase(s, tj);
	suite_add_tcase(s, tw);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
