// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Label selector matching with the semantics of metav1.LabelSelector: matchLabels
 * and every matchExpression must hold; NotIn and DoesNotExist hold for objects
 * that lack the key.
 */
#include "policy/selector.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static bool value_in(const struct sel_req *r, const char *v)
{
	size_t lo = 0, hi = r->nvalues;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->values[mid], v);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool req_matches(const struct sel_req *r, const struct labels *l)
{
	const char *v = model_labels_get(l, r->key);

	switch (r->op) {
	case SEL_OP_IN:
		return v && value_in(r, v);
	case SEL_OP_NOT_IN:
		return !v || !value_in(r, v);
	case SEL_OP_EXISTS:
		return v != NULL;
	case SEL_OP_DOES_NOT_EXIST:
		return v == NULL;
	}
	return false;
}

/* Whether label map l satisfies selector s. An empty selector matches everything. */
bool selector_matches(const struct selector *s, const struct labels *l)
{
	for (size_t i = 0; i < s->match.n; i++) {
		const char *v = model_labels_get(l, s->match.v[i].key);

		if (!v || strcmp(v, s->match.v[i].value))
			return false;
	}
	for (size_t i = 0; i < s->nreqs; i++)
		if (!req_matches(&s->reqs[i], l))
			return false;
	return true;
}

/* Whether s has no requirement at all (selects everything). */
bool selector_is_empty(const struct selector *s)
{
	return s->match.n == 0 && s->nreqs == 0;
}

static void req_format(const struct sel_req *r, FILE *f)
{
	switch (r->op) {
	case SEL_OP_EXISTS:
		fputs(r->key, f);
		return;
	case SEL_OP_DOES_NOT_EXIST:
		fprintf(f, "!%s", r->key);
		return;
	case SEL_OP_IN:
	case SEL_OP_NOT_IN:
		fprintf(f, "%s %s (", r->key, r->op == SEL_OP_IN ? "in" : "notin");
		for (size_t i = 0; i < r->nvalues; i++)
			fprintf(f, "%s%s", i ? "," : "", r->values[i]);
		fputc(')', f);
		return;
	}
}

/*
 * Print s in the label-selector syntax of kubectl ("app=web,tier in (a,b),!x"),
 * canonical because selectors are kept sorted; "{}" for the empty selector.
 */
void selector_format(const struct selector *s, FILE *f)
{
	const char *sep = "";

	if (selector_is_empty(s)) {
		fputs("{}", f);
		return;
	}
	for (size_t i = 0; i < s->match.n; i++) {
		fprintf(f, "%s%s=%s", sep, s->match.v[i].key, s->match.v[i].value);
		sep = ",";
	}
	for (size_t i = 0; i < s->nreqs; i++) {
		fputs(sep, f);
		req_format(&s->reqs[i], f);
		sep = ",";
	}
}

/* selector_format() into a new string the caller frees. */
char *selector_to_string(const struct selector *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&buf, &len));

	selector_format(s, f);
	fclose(f);
	return buf;
}
