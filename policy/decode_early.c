// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The items of a YAML List read as each is complete, before its document is:
 * what they give (objects, messages, counts) is held apart and joins the rest
 * only when the document turns out whole and the list is one nftpol reads
 * (see manifest_early_cb). A List of 100k objects so never is one tree.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/decode.h"
#include "policy/decode_int.h"
#include "base/xalloc.h"

void decode_early_init(struct decode_early *e)
{
	model_cluster_init(&e->c);
	diag_list_init(&e->d);
	memset(&e->st, 0, sizeof(e->st));
}

void decode_early_fini(struct decode_early *e)
{
	model_cluster_fini(&e->c);
	diag_list_fini(&e->d);
	decode_stats_fini(&e->st);
}

/* Forget what was read: its document had an error, or was no list nftpol reads. */
void decode_early_clear(struct decode_early *e)
{
	if (!e->c.nnss && !e->c.npods && !e->c.npols && !e->c.nnodes && !e->c.ncnps && !e->d.n &&
	    !e->st.objects)
		return;
	decode_early_fini(e);
	decode_early_init(e);
}

/*
 * Count n objects of the kind called label (owned: taken) in st: kinds in the
 * order first seen.
 */
void decode_early_add_skipped(struct decode_stats *st, char *label, size_t n)
{
	size_t i;

	for (i = 0; i < st->nskipped; i++)
		if (!strcmp(st->skipped[i].kind, label))
			break;
	if (i == st->nskipped) {
		XGROW(st->skipped, st->capskipped, st->nskipped);
		st->skipped[st->nskipped++] = (struct decode_skipped){ .kind = label };
	} else {
		free(label);
	}
	st->skipped[i].n += n;
}

/* Move the sn elements of size size at src to the end of *dst (n of them, cap). */
static void append(void **dst, size_t *n, size_t *cap, const void *src, size_t *sn, size_t size)
{
	if (!*sn)
		return;
	xgrow(dst, cap, *n + *sn - 1, size);
	memcpy((char *)*dst + *n * size, src, *sn * size);
	*n += *sn;
	*sn = 0;
}

/* Move everything read into c, d and st, in the order read; e is left empty. */
void decode_early_take(struct decode_early *e, struct cluster *c, struct diag_list *d,
		       struct decode_stats *st)
{
	append((void **)&c->nss, &c->nnss, &c->capnss, e->c.nss, &e->c.nnss, sizeof(*c->nss));
	append((void **)&c->pods, &c->npods, &c->cappods, e->c.pods, &e->c.npods, sizeof(*c->pods));
	append((void **)&c->pols, &c->npols, &c->cappols, e->c.pols, &e->c.npols, sizeof(*c->pols));
	append((void **)&c->nodes, &c->nnodes, &c->capnodes, e->c.nodes, &e->c.nnodes,
	       sizeof(*c->nodes));
	append((void **)&c->cnps, &c->ncnps, &c->capcnps, e->c.cnps, &e->c.ncnps, sizeof(*c->cnps));
	d->nerrors += e->d.nerrors;
	e->d.nerrors = 0;
	append((void **)&d->v, &d->n, &d->cap, e->d.v, &e->d.n, sizeof(*d->v));
	st->objects += e->st.objects;
	for (size_t i = 0; i < e->st.nskipped; i++)
		decode_early_add_skipped(st, e->st.skipped[i].kind, e->st.skipped[i].n);
	free(e->st.skipped);
	memset(&e->st, 0, sizeof(e->st));
	decode_early_clear(e);
}
