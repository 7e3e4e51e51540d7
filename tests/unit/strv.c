// SPDX-License-Identifier: GPL-2.0-or-later
/* A growable list of owned strings (see strv.h). */
#include "strv.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Append s, which l owns from now on. */
void strv_add(struct strv *l, char *s)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = s;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort l's strings in strcmp() order. */
void strv_sort(struct strv *l)
{
	xqsort(l->v, l->n, sizeof(*l->v), str_cmp);
}

/* Free every string and the list; l is left empty. */
void strv_fini(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
