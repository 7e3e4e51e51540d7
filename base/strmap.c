// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * String-keyed hash map with linear probing, grown at 50% load. Used to share
 * nftables objects by their canonical key while compiling.
 */
#include "base/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct slot {
	char *key;   /* owned; NULL: empty */
	void *value; /* borrowed */
	uint64_t hash;
};

struct strmap {
	struct slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

/* FNV-1a, 64 bits: stable across runs and machines (names derive from it). */
uint64_t strmap_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct strmap *strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void strmap_free(struct strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	free(m);
}

static struct slot *find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key) {
		if (m->slots[i].hash == h && !strcmp(m->slots[i].key, key))
			return &m->slots[i];
		i = (i + 1) & (m->cap - 1);
	}
	return &m->slots[i];
}

static void grow(struct strmap *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

/* The value stored under key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, strmap_hash(key));

	return s->key ? s->value : NULL;
}

/* Store value under key (copied), replacing any previous value. */
void strmap_put(struct strmap *m, const char *key, void *value)
{
	uint64_t h = strmap_hash(key);
	struct slot *s;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	s = find(m, key, h);
	if (!s->key) {
		s->key = xstrdup(key);
		s->hash = h;
		m->n++;
	}
	s->value = value;
}

size_t strmap_count(const struct strmap *m)
{
	return m->n;
}
