// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interning (see intern.h): an open-addressing set (linear probing,
 * backward-shift deletion, grown at 50 % load) of counted values, each one
 * allocation holding its count, hash, length and bytes. A string is the blob
 * of its characters and its NUL.
 */
#include "agent/kube/intern.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct ival {
	uint32_t refs;
	uint32_t hash;
	uint32_t len;
	alignas(16) unsigned char v[]; /* aligned for the arrays of pointers blobs hold */
};

struct intern {
	struct ival **slots; /* NULL: free */
	size_t cap;	     /* power of two, or 0 */
	size_t n;
};

static struct ival *ival_of(const void *p)
{
	return (struct ival *)(void *)((uintptr_t)p - offsetof(struct ival, v));
}

/* FNV-1a of len bytes at p, folded to 32 bits. */
static uint32_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

struct intern *intern_new(void)
{
	return xcalloc(1, sizeof(struct intern));
}

/* Free the table and every value in it (whatever their counts). */
void intern_free(struct intern *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	free(t);
}

static void place(struct ival **slots, size_t cap, struct ival *e)
{
	size_t i = e->hash & (cap - 1);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = e;
}

static void grow(struct intern *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct ival **n = xcalloc(ncap, sizeof(*n));

	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i])
			place(n, ncap, t->slots[i]);
	free(t->slots);
	t->slots = n;
	t->cap = ncap;
}

/*
 * The shared copy of the len bytes at p (compared byte for byte: zero any
 * padding), its count raised. Give it back with intern_put(); never write to
 * it or free() it.
 */
void *intern_get_blob(struct intern *t, const void *p, size_t len)
{
	uint32_t h = hash_bytes(p, len);
	struct ival *e;

	for (size_t i = t->cap ? h & (t->cap - 1) : 0; t->cap && t->slots[i];
	     i = (i + 1) & (t->cap - 1)) {
		e = t->slots[i];
		if (e->hash == h && e->len == len && !memcmp(e->v, p, len)) {
			e->refs++;
			return e->v;
		}
	}
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	e = xmalloc(sizeof(*e) + len);
	e->refs = 1;
	e->hash = h;
	e->len = (uint32_t)len;
	memcpy(e->v, p, len);
	place(t->slots, t->cap, e);
	t->n++;
	return e->v;
}

/* intern_get_blob() of string s and its NUL (NULL for NULL). */
char *intern_get(struct intern *t, const char *s)
{
	return s ? intern_get_blob(t, s, strlen(s) + 1) : NULL;
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

/* Give back a value intern_get*() returned (NULL: nothing); the last one frees it. */
void intern_put(struct intern *t, void *p)
{
	struct ival *e;

	if (!p)
		return;
	e = ival_of(p);
	if (--e->refs)
		return;
	for (size_t i = e->hash & (t->cap - 1);; i = (i + 1) & (t->cap - 1))
		if (t->slots[i] == e) {
			remove_slot(t, i);
			return;
		}
}

/* How many holders the interned value p has (1: intern_put() will free it). */
unsigned intern_refs(const void *p)
{
	return ival_of(p)->refs;
}

/* Distinct values held. */
size_t intern_count(const struct intern *t)
{
	return t->n;
}
