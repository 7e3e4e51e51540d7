// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * String interning (see intern.h): an open-addressing set (linear probing,
 * backward-shift deletion, grown at 50 % load) of counted strings, each one
 * allocation holding its count, its hash and its characters.
 */
#include "agent/kube/intern.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "base/xalloc.h"

struct istr {
	uint32_t refs;
	uint32_t hash; /* low bits of strmap_hash(s) */
	char s[];
};

struct intern {
	struct istr **slots; /* NULL: free */
	size_t cap;	     /* power of two, or 0 */
	size_t n;
};

static struct istr *istr_of(char *s)
{
	return (struct istr *)(void *)(s - offsetof(struct istr, s));
}

struct intern *intern_new(void)
{
	return xcalloc(1, sizeof(struct intern));
}

/* Free the table and every string in it (whatever their counts). */
void intern_free(struct intern *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	free(t);
}

static void place(struct istr **slots, size_t cap, struct istr *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = e;
}

static void grow(struct intern *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct istr **n = xcalloc(ncap, sizeof(*n));

	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			place(n, ncap, t->slots[i]);
	free(t->slots);
	t->slots = n;
	t->cap = ncap;
}

/*
 * The shared copy of s, its count raised (NULL for NULL). Give it back with
 * intern_put(); never write to it or free() it.
 */
char *intern_get(struct intern *t, const char *s)
{
	uint32_t h;
	size_t len;
	struct istr *e;

	if (!s)
		return NULL;
	h = (uint32_t)strmap_hash(s);
	for (size_t i = t->cap ? h & (t->cap - 1) : 0; t->cap && t->slots[i];
	     i = (i + 1) & (t->cap - 1)) {
		e = t->slots[i];
		if (e->hash == h && !strcmp(e->s, s)) {
			e->refs++;
			return e->s;
		}
	}
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	len = strlen(s);
	e = xmalloc(sizeof(*e) + len + 1);
	e->refs = 1;
	e->hash = h;
	memcpy(e->s, s, len + 1);
	place(t->slots, t->cap, e);
	t->n++;
	return e->s;
}

/* Free slot i and shift the entries after it back so that probing still works. */
static void remove_slot(struct intern *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;

	free(t->slots[i]);
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->slots[j])
			break;
		home = t->slots[j]->hash & mask;
		/* Leave j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i] = NULL;
	t->n--;
}

/* Give back a string intern_get() returned (NULL: nothing); the last one frees it. */
void intern_put(struct intern *t, char *s)
{
	struct istr *e;

	if (!s)
		return;
	e = istr_of(s);
	if (--e->refs)
		return;
	for (size_t i = e->hash & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (t->slots[i] == e) {
			remove_slot(t, i);
			return;
		}
}

/* Distinct strings held. */
size_t intern_count(const struct intern *t)
{
	return t->n;
}
