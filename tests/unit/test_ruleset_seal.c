// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: ruleset_seal() sorts and deduplicates set elements (by radix
 * for large sets without intervals, by qsort otherwise) exactly as a plain
 * comparison sort does: random sets of every key shape, small and large, with
 * many duplicates; verdict maps keep the first of equal keys.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/ruleset.h"
#include "base/xalloc.h"

static unsigned long long rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

/* An element: the set's key; each byte from a small alphabet so keys repeat. */
struct ref {
	uint8_t key[RS_KEY_MAX];
	size_t seq; /* order of addition: the first of equals is kept */
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = memcmp(x->key, y->key, RS_KEY_MAX);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const enum rs_type shapes[][3] = {
	{ RS_TYPE_IPV4 },
	{ RS_TYPE_IPV6 },
	{ RS_TYPE_SERVICE },
	{ RS_TYPE_IPV4, RS_TYPE_PROTO, RS_TYPE_SERVICE },
	{ RS_TYPE_IPV6, RS_TYPE_IPV6 },
};
static const unsigned nshape[] = { 1, 1, 1, 3, 2 };

/* One random set sealed, against the reference sort. */
static void one_set(unsigned shape, size_t n, bool vmap)
{
	struct ruleset rs;
	struct rs_set *s;
	struct ref *ref = xcalloc(n ? n : 1, sizeof(*ref));
	unsigned len, alphabet = 1 + rnd(6);
	size_t m = 0;
	char chain[32];

	ruleset_init(&rs, "t");
	s = ruleset_add_set(&rs, "s", NULL, shapes[shape], nshape[shape], vmap ? RS_SET_VMAP : 0);
	len = ruleset_key_len(s);
	for (size_t i = 0; i < n; i++) {
		struct rs_elem *e = ruleset_set_add_elem(s);

		for (unsigned b = 0; b < len; b++)
			e->key[b] = (uint8_t)(rnd(4) ? rnd(alphabet) * 37 : rnd(256));
		if (vmap) {
			snprintf(chain, sizeof(chain), "c%zu", i);
			e->chain = xstrdup(chain);
		}
		memcpy(ref[i].key, e->key, RS_KEY_MAX);
		ref[i].seq = i;
	}
	ruleset_seal(&rs);
	qsort(ref, n, sizeof(*ref), ref_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && !memcmp(ref[i - 1].key, ref[i].key, len))
			continue;
		ck_assert_msg(m < s->nelems, "set of %zu: too few elements", n);
		ck_assert_msg(!memcmp(s->elems[m].key, ref[i].key, len), "set of %zu: element %zu",
			      n, m);
		if (vmap) {
			snprintf(chain, sizeof(chain), "c%zu", ref[i].seq);
			ck_assert_str_eq(s->elems[m].chain, chain);
		}
		m++;
	}
	ck_assert_uint_eq(m, s->nelems);
	ruleset_fini(&rs);
	free(ref);
}

START_TEST(seal_sorts_like_qsort)
{
	static const size_t sizes[] = { 0, 1, 2, 100, 255, 256, 257, 1000, 5000 };

	rnd_state = 0x2545f4914f6cdd1dull;
	for (unsigned shape = 0; shape < ARRAY_SIZE(shapes); shape++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			for (int round = 0; round < 4; round++)
				one_set(shape, sizes[i], round & 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ruleset_seal");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, seal_sorts_like_qsort);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
