// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Data-plane difference of two compiled rulesets of one table (see
 * cmd_diff_plane.h). Sets and chains are sorted by name and elements by key, so
 * one merge walk finds what is added and removed; a chain whose rules differ is
 * shown as its rules removed and added.
 */
#include "agent/cli/cmd_diff_plane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/render.h"
#include "base/xalloc.h"

static void add_line(struct cmd_diff_plane *p, char sign, char *text)
{
	XGROW(p->v, p->cap, p->n);
	p->v[p->n++] = (struct cmd_diff_plane_line){ sign, text };
}

static FILE *mem(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);

	if (!f)
		abort();
	return f;
}

static void set_line(struct cmd_diff_plane *p, char sign, const char *table,
		     const struct rs_set *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem(&buf, &len);

	fprintf(f, "%s %s inet %s %s", sign == '+' ? "add" : "delete",
		s->flags & RS_SET_VMAP ? "map" : "set", table, s->name);
	if (sign == '+') {
		fputs(" { type ", f);
		render_set_type(s, f);
		fputs(s->flags & RS_SET_INTERVAL ? "; flags interval; }" : "; }", f);
	}
	fclose(f);
	add_line(p, sign, buf);
	p->sets++;
}

static void elem_line(struct cmd_diff_plane *p, char sign, const char *table,
		      const struct rs_set *s, const struct rs_elem *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem(&buf, &len);

	fprintf(f, "%s element inet %s %s { ", sign == '+' ? "add" : "delete", table, s->name);
	render_elem(s, e, f);
	fputs(" }", f);
	fclose(f);
	add_line(p, sign, buf);
	p->elems++;
}

/* Elements of a (or b, when a is NULL) missing from the other set. */
static void diff_elems(struct cmd_diff_plane *p, const char *table, const struct rs_set *a,
		       const struct rs_set *b)
{
	size_t i = 0, j = 0, na = a ? a->nelems : 0, nb = b ? b->nelems : 0;
	const struct rs_set *s = a ? a : b;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 :
			ruleset_elem_cmp(s, &a->elems[i], &b->elems[j]);

		if (c == 0 && (s->flags & RS_SET_VMAP) &&
		    strcmp(a->elems[i].chain, b->elems[j].chain)) {
			elem_line(p, '-', table, a, &a->elems[i]);
			elem_line(p, '+', table, b, &b->elems[j]);
		}
		if (c < 0)
			elem_line(p, '-', table, a, &a->elems[i]);
		else if (c > 0)
			elem_line(p, '+', table, b, &b->elems[j]);
		i += c <= 0;
		j += c >= 0;
	}
}

static bool same_type(const struct rs_set *a, const struct rs_set *b)
{
	return a->nkey == b->nkey && a->flags == b->flags &&
	       !memcmp(a->key, b->key, a->nkey * sizeof(a->key[0]));
}

static void diff_sets(struct cmd_diff_plane *p, const struct ruleset *a,
		      const struct ruleset *b)
{
	size_t i = 0, j = 0;

	while (i < a->nsets || j < b->nsets) {
		int c = i == a->nsets ? 1 : j == b->nsets ? -1 :
			strcmp(a->sets[i].name, b->sets[j].name);

		if (c == 0 && !same_type(&a->sets[i], &b->sets[j]))
			c = -2;
		if (c < 0)
			set_line(p, '-', a->table, &a->sets[i]);
		if (c > 0 || c == -2) {
			set_line(p, '+', b->table, &b->sets[j]);
			diff_elems(p, b->table, NULL, &b->sets[j]);
		}
		if (c == 0)
			diff_elems(p, a->table, &a->sets[i], &b->sets[j]);
		i += c <= 0;
		j += c >= 0 || c == -2;
	}
}

static void rule_line(struct cmd_diff_plane *p, char sign, const char *table,
		      const struct rs_chain *c, const struct rs_rule *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = mem(&buf, &len);

	fprintf(f, "%s rule inet %s %s ", sign == '+' ? "add" : "delete", table, c->name);
	render_rule(r, f);
	fclose(f);
	add_line(p, sign, buf);
	p->rules++;
}

static bool has_rule(const struct rs_chain *c, const struct rs_rule *r)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (ruleset_rule_eq(&c->rules[i], r))
			return true;
	return false;
}

static bool same_rules(const struct rs_chain *a, const struct rs_chain *b)
{
	if (a->nrules != b->nrules)
		return false;
	for (size_t i = 0; i < a->nrules; i++)
		if (!ruleset_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

/* One chain added (a NULL), removed (b NULL) or rewritten. */
static void diff_chain(struct cmd_diff_plane *p, const char *table, const struct rs_chain *a,
		       const struct rs_chain *b)
{
	const struct rs_chain *c = a ? a : b;

	if (a && b && same_rules(a, b))
		return;
	if (!a || !b)
		add_line(p, a ? '-' : '+', xasprintf("%s chain inet %s %s", a ? "delete" : "add",
						     table, c->name));
	else
		add_line(p, '-', xasprintf("flush chain inet %s %s", table, c->name));
	p->chains++;
	for (size_t i = 0; a && i < a->nrules; i++)
		if (!b || !has_rule(b, &a->rules[i]))
			rule_line(p, '-', table, a, &a->rules[i]);
	for (size_t i = 0; b && i < b->nrules; i++)
		if (!a || !has_rule(a, &b->rules[i]))
			rule_line(p, '+', table, b, &b->rules[i]);
}

static void diff_chains(struct cmd_diff_plane *p, const struct ruleset *a,
			const struct ruleset *b)
{
	size_t i = 0, j = 0;

	while (i < a->nchains || j < b->nchains) {
		int c = i == a->nchains ? 1 : j == b->nchains ? -1 :
			strcmp(a->chains[i].name, b->chains[j].name);

		diff_chain(p, a->table, c <= 0 ? &a->chains[i] : NULL,
			   c >= 0 ? &b->chains[j] : NULL);
		i += c <= 0;
		j += c >= 0;
	}
}

/*
 * What turns old into new (both sealed, same table), into out (zeroed first;
 * release with cmd_diff_plane_fini): chains, then sets and their elements.
 */
void cmd_diff_plane_compute(const struct ruleset *old, const struct ruleset *new,
			    struct cmd_diff_plane *out)
{
	memset(out, 0, sizeof(*out));
	diff_chains(out, old, new);
	diff_sets(out, old, new);
}

void cmd_diff_plane_fini(struct cmd_diff_plane *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].text);
	free(p->v);
	memset(p, 0, sizeof(*p));
}
