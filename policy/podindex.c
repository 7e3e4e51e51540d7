// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Label index of a sealed cluster's eligible pods (see podindex.h): one list
 * of pod indexes per distinct key=value, all lists back to back in one array,
 * found through a hash table with linear probing.
 */
#include "policy/podindex.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* The pods with one label. */
struct posting {
	const char *key, *value; /* borrowed from the first pod that has it */
	uint64_t hash;
	size_t off, n; /* its pods: pods[off, off + n) */
};

struct podindex {
	struct posting *v;
	size_t n, cap;
	uint32_t *slots; /* 1 + index into v; 0: empty */
	size_t nslots;	 /* power of two */
	uint32_t *pods;	 /* every posting's pods, ascending within each */
};

/* FNV-1a over key, a NUL, value. */
static uint64_t label_hash(const char *key, const char *value)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *s;

	for (s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	h *= 0x100000001b3ull;
	for (s = (const unsigned char *)value; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	return h;
}

/* The slot of key=value: the one that holds it, or the empty one where it goes. */
static uint32_t *slot_of(const struct podindex *x, const char *key, const char *value, uint64_t h)
{
	size_t i = h & (x->nslots - 1);

	for (;; i = (i + 1) & (x->nslots - 1)) {
		const struct posting *p;

		if (!x->slots[i])
			return &x->slots[i];
		p = &x->v[x->slots[i] - 1];
		if (p->hash == h && !strcmp(p->key, key) && !strcmp(p->value, value))
			return &x->slots[i];
	}
}

static void grow_slots(struct podindex *x)
{
	free(x->slots);
	x->nslots = x->nslots ? x->nslots * 2 : 1024;
	x->slots = xcalloc(x->nslots, sizeof(*x->slots));
	for (size_t i = 0; i < x->n; i++)
		*slot_of(x, x->v[i].key, x->v[i].value, x->v[i].hash) = (uint32_t)(i + 1);
}

/* The posting of label l (made when l is the first of its kind): its index. */
static uint32_t posting_of(struct podindex *x, const struct label *l)
{
	uint64_t h = label_hash(l->key, l->value);
	uint32_t *s = slot_of(x, l->key, l->value, h);

	if (!*s) {
		if (2 * (x->n + 1) > x->nslots) {
			grow_slots(x);
			s = slot_of(x, l->key, l->value, h);
		}
		XGROW(x->v, x->cap, x->n);
		x->v[x->n] = (struct posting){ l->key, l->value, h, 0, 0 };
		*s = (uint32_t)++x->n;
	}
	return *s - 1;
}

/*
 * Index the eligible pods of c (sealed; it must outlive the index). NULL when
 * c has too many pods for the index's 32-bit entries: callers then scan. The
 * pods are read once: the posting of each label is noted in a first pass, the
 * lists are filled from those notes.
 */
struct podindex *podindex_new(const struct cluster *c)
{
	struct podindex *x;
	uint32_t *note = NULL;
	size_t nnote = 0, cap = 0, total = 0, k = 0;

	if (c->npods > UINT32_MAX)
		return NULL;
	x = xcalloc(1, sizeof(*x));
	grow_slots(x);
	for (size_t i = 0; i < c->npods; i++)
		for (size_t j = 0; model_pod_eligible(&c->pods[i]) && j < c->pods[i].labels.n;
		     j++) {
			uint32_t id = posting_of(x, &c->pods[i].labels.v[j]);

			XGROW(note, cap, nnote);
			note[nnote++] = id;
			x->v[id].n++;
		}
	for (size_t i = 0; i < x->n; i++) {
		x->v[i].off = total;
		total += x->v[i].n;
		x->v[i].n = 0;
	}
	x->pods = xmalloc((total ? total : 1) * sizeof(*x->pods));
	for (size_t i = 0; i < c->npods; i++)
		for (size_t j = 0; model_pod_eligible(&c->pods[i]) && j < c->pods[i].labels.n;
		     j++) {
			struct posting *p = &x->v[note[k++]];

			x->pods[p->off + p->n++] = (uint32_t)i;
		}
	free(note);
	return x;
}

void podindex_free(struct podindex *x)
{
	if (!x)
		return;
	free(x->v);
	free(x->slots);
	free(x->pods);
	free(x);
}

/*
 * The eligible pods with label key=value: their count, and in *pods a pointer
 * to their indexes into the cluster's pods, ascending (valid while x lives).
 */
size_t podindex_find(const struct podindex *x, const char *key, const char *value,
		     const uint32_t **pods)
{
	const uint32_t *s = slot_of(x, key, value, label_hash(key, value));

	if (!*s) {
		*pods = NULL;
		return 0;
	}
	*pods = x->pods + x->v[*s - 1].off;
	return x->v[*s - 1].n;
}
