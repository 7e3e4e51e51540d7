// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: label selector matching and canonical text. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "policy/selector.h"
#include "base/xalloc.h"

static struct labels mklabels(const char *const *kv)
{
	struct labels l = { 0 };

	for (; kv[0]; kv += 2)
		model_labels_set(&l, kv[0], kv[1]);
	return l;
}

static void add_req(struct selector *s, const char *key, enum sel_op op, const char *const *values)
{
	struct sel_req *r;

	s->reqs = xreallocarray(s->reqs, s->nreqs + 1, sizeof(*s->reqs));
	r = &s->reqs[s->nreqs++];
	memset(r, 0, sizeof(*r));
	r->key = xstrdup(key);
	r->op = op;
	for (; values && *values; values++) {
		r->values = xreallocarray(r->values, r->nvalues + 1, sizeof(char *));
		r->values[r->nvalues++] = xstrdup(*values);
	}
}

START_TEST(empty_selects_all)
{
	struct selector s = { 0 };
	struct labels none = { 0 };
	struct labels l = mklabels((const char *[]){ "app", "web", NULL });

	ck_assert(selector_matches(&s, &none));
	ck_assert(selector_matches(&s, &l));
	ck_assert(selector_is_empty(&s));
	model_labels_fini(&l);
}
END_TEST

START_TEST(match_labels_and)
{
	struct selector s = { 0 };
	struct labels both = mklabels((const char *[]){ "app", "web", "tier", "fe", NULL });
	struct labels one = mklabels((const char *[]){ "app", "web", NULL });
	struct labels other = mklabels((const char *[]){ "app", "db", "tier", "fe", NULL });

	model_labels_set(&s.match, "tier", "fe");
	model_labels_set(&s.match, "app", "web");
	ck_assert(selector_matches(&s, &both));
	ck_assert(!selector_matches(&s, &one));
	ck_assert(!selector_matches(&s, &other));
	model_selector_fini(&s);
	model_labels_fini(&both);
	model_labels_fini(&one);
	model_labels_fini(&other);
}
END_TEST

START_TEST(expressions)
{
	struct selector in = { 0 }, notin = { 0 }, ex = { 0 }, dne = { 0 };
	struct labels a = mklabels((const char *[]){ "env", "a", NULL });
	struct labels c = mklabels((const char *[]){ "env", "c", NULL });
	struct labels none = { 0 };

	add_req(&in, "env", SEL_OP_IN, (const char *[]){ "a", "b", NULL });
	add_req(&notin, "env", SEL_OP_NOT_IN, (const char *[]){ "a", "b", NULL });
	add_req(&ex, "env", SEL_OP_EXISTS, NULL);
	add_req(&dne, "env", SEL_OP_DOES_NOT_EXIST, NULL);
	ck_assert(selector_matches(&in, &a) && !selector_matches(&in, &c));
	ck_assert(!selector_matches(&in, &none));
	ck_assert(!selector_matches(&notin, &a) && selector_matches(&notin, &c));
	/* NotIn and DoesNotExist hold for objects without the key */
	ck_assert(selector_matches(&notin, &none));
	ck_assert(selector_matches(&ex, &a) && !selector_matches(&ex, &none));
	ck_assert(!selector_matches(&dne, &a) && selector_matches(&dne, &none));
	model_selector_fini(&in);
	model_selector_fini(&notin);
	model_selector_fini(&ex);
	model_selector_fini(&dne);
	model_labels_fini(&a);
	model_labels_fini(&c);
}
END_TEST

START_TEST(canonical_text)
{
	struct selector s = { 0 };
	char *text;

	text = selector_to_string(&s);
	ck_assert_str_eq(text, "{}");
	free(text);
	model_labels_set(&s.match, "b", "2");
	model_labels_set(&s.match, "a", "1");
	add_req(&s, "env", SEL_OP_IN, (const char *[]){ "x", "y", NULL });
	add_req(&s, "gone", SEL_OP_DOES_NOT_EXIST, NULL);
	add_req(&s, "has", SEL_OP_EXISTS, NULL);
	text = selector_to_string(&s);
	ck_assert_str_eq(text, "a=1,b=2,env in (x,y),!gone,has");
	free(text);
	model_selector_fini(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("selector");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, empty_selects_all);
	tcase_add_test(tc, match_labels_and);
	tcase_add_test(tc, expressions);
	tcase_add_test(tc, canonical_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
