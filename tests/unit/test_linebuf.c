// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: the bounded buffer, and newline framing of watch streams split at
 * arbitrary offsets on top of it.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/linebuf.h"

struct seen {
	char lines[8][64];
	int n;
	int stop_at; /* return non-zero on this line (1-based), 0: never */
};

static int collect(char *line, size_t len, void *arg)
{
	struct seen *s = arg;

	ck_assert_uint_eq(strlen(line), len);
	ck_assert_int_lt(s->n, 8);
	strncpy(s->lines[s->n], line, sizeof(s->lines[0]) - 1);
	s->n++;
	return s->stop_at == s->n ? 42 : 0;
}

START_TEST(split_everywhere)
{
	const char *stream = "{\"type\":\"ADDED\"}\n\r\n{\"type\":\"DELETED\"}\r\n{\"a\":1}\n";
	size_t len = strlen(stream);

	/* every way of cutting the stream in two gives the same three lines */
	for (size_t cut = 0; cut <= len; cut++) {
		struct linebuf lb;
		struct seen s = { 0 };

		linebuf_init(&lb, 1024);
		ck_assert_int_eq(linebuf_feed(&lb, stream, cut, collect, &s), 0);
		ck_assert_int_eq(linebuf_feed(&lb, stream + cut, len - cut, collect, &s), 0);
		ck_assert_int_eq(s.n, 3);
		ck_assert_str_eq(s.lines[0], "{\"type\":\"ADDED\"}");
		ck_assert_str_eq(s.lines[1], "{\"type\":\"DELETED\"}");
		ck_assert_str_eq(s.lines[2], "{\"a\":1}");
		ck_assert_uint_eq(linebuf_pending(&lb), 0);
		linebuf_fini(&lb);
	}
}
END_TEST

START_TEST(byte_by_byte_and_partial_tail)
{
	const char *stream = "one\ntwo\nthr";
	struct linebuf lb;
	struct seen s = { 0 };

	linebuf_init(&lb, 1024);
	for (size_t i = 0; i < strlen(stream); i++)
		ck_assert_int_eq(linebuf_feed(&lb, stream + i, 1, collect, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(linebuf_pending(&lb), 3);
	linebuf_reset(&lb);
	ck_assert_uint_eq(linebuf_pending(&lb), 0);
	linebuf_fini(&lb);
}
END_TEST

START_TEST(bounded)
{
	struct linebuf lb;
	struct seen s = { 0 };
	char big[100];

	memset(big, 'x', sizeof(big));
	linebuf_init(&lb, 64);
	ck_assert_int_eq(linebuf_feed(&lb, big, 64, collect, &s), 0);
	ck_assert_int_eq(linebuf_feed(&lb, big, 1, collect, &s), -EMSGSIZE);
	ck_assert_int_eq(s.n, 0);
	linebuf_fini(&lb);
}
END_TEST

START_TEST(callback_stops)
{
	struct linebuf lb;
	struct seen s = { .stop_at = 1 };

	linebuf_init(&lb, 64);
	ck_assert_int_eq(linebuf_feed(&lb, "a\nb\n", 4, collect, &s), 42);
	ck_assert_int_eq(s.n, 1);
	linebuf_fini(&lb);
}
END_TEST

START_TEST(buf_bounded)
{
	struct buf b;
	char *p;

	buf_init(&b, 8);
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_str_eq(b.p, "");
	ck_assert_int_eq(buf_add(&b, "abcde", 5), 0);
	ck_assert_int_eq(buf_add(&b, "fgh", 3), 0);
	ck_assert_int_eq(buf_add(&b, "i", 1), -EMSGSIZE);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.p, "abcdefgh");
	p = buf_take(&b);
	ck_assert_str_eq(p, "abcdefgh");
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.max, 8);
	free(p);
	ck_assert_int_eq(buf_add(&b, "12345678", 8), 0);
	buf_reset(&b);
	ck_assert_str_eq(b.p, "");
	ck_assert_int_eq(buf_add(&b, "x", 1), 0);
	ck_assert_str_eq(b.p, "x");
	buf_fini(&b);
	ck_assert_ptr_null(b.p);
	buf_fini(&b);
}
END_TEST

START_TEST(buf_grows)
{
	char chunk[1000];
	struct buf b;

	memset(chunk, 'a', sizeof(chunk));
	buf_init(&b, 100000);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(buf_add(&b, chunk, sizeof(chunk)), 0);
	ck_assert_int_eq(buf_add(&b, chunk, 1), -EMSGSIZE);
	ck_assert_uint_eq(strlen(b.p), 100000);
	buf_fini(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("linebuf");
	TCase *tc = tcase_create("core"), *tb = tcase_create("buf");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, split_everywhere);
	tcase_add_test(tc, byte_by_byte_and_partial_tail);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, callback_stops);
	tcase_add_test(tb, buf_bounded);
	tcase_add_test(tb, buf_grows);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
