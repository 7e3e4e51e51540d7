// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One version of the cluster as reach_diff.c compares it (see reach_diff_int.h):
 * its rules numbered, what each admits as a mask over the port list, which
 * pods each rule's peers stand for (per rule, through the namespace index, or
 * per candidate pod, against every rule), and what one direction of one pair
 * admits. The semantics are eval.h's; test_reach_diff checks the masks against
 * reach.c on every port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"
#include "policy/reach.h"
#include "policy/reach_diff_int.h"
#include "policy/selector.h"
#include "base/strmap.h"
#include "base/xalloc.h"

/* -- policies by content ------------------------------------------------------------ */

static void put_addr(FILE *f, const struct addr *a)
{
	fprintf(f, "%u/%u:", a->family, a->plen);
	for (size_t i = 0; i < sizeof(a->a); i++)
		fprintf(f, "%02x", a->a[i]);
}

static void put_peer(FILE *f, const struct peer *p)
{
	fprintf(f, " peer %u ", p->flags);
	if (p->flags & PEER_IPBLOCK) {
		put_addr(f, &p->cidr);
		for (size_t i = 0; i < p->nexcept; i++) {
			fputs(" except ", f);
			put_addr(f, &p->except[i]);
		}
		return;
	}
	selector_format(&p->pod_sel, f);
	fputc(' ', f);
	selector_format(&p->ns_sel, f);
}

/* What the dir rules of np mean, as text: equal text, equal answers. */
static char *content_key(const struct netpol *np, enum dir dir)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xnonnull(open_memstream(&buf, &len));

	fprintf(f, "%s %d", np->ns, dir);
	for (size_t i = 0; i < np->nrules[dir]; i++) {
		const struct np_rule *r = &np->rules[dir][i];

		fputs(" | rule", f);
		for (size_t j = 0; j < r->npeers; j++)
			put_peer(f, &r->peers[j]);
		for (size_t j = 0; j < r->nports; j++)
			fprintf(f, " port %u %u %u %u %s", r->ports[j].proto, r->ports[j].flags,
				r->ports[j].port, r->ports[j].end_port,
				r->ports[j].name ? r->ports[j].name : "-");
	}
	fclose(f);
	return buf;
}

static size_t content_id(struct strmap *ids, const struct netpol *np, enum dir dir)
{
	char *key = content_key(np, dir);
	size_t id = (size_t)(uintptr_t)strmap_get(ids, key);

	if (!id) {
		id = strmap_count(ids) + 1;
		strmap_put(ids, key, (void *)(uintptr_t)id);
	}
	free(key);
	return id;
}

/* -- one version ------------------------------------------------------------------------ */

/* The ports rule admits to any destination: a mask over o's port list. */
static uint64_t *fixed_ports(const struct rd_out *o, const struct np_rule *rule,
			     const uint64_t *ones, bool *named)
{
	uint64_t *m = rd_mask_new(o->words);

	*named = false;
	if (!rule->nports) {
		memcpy(m, ones, o->words * sizeof(*m));
		return m;
	}
	for (size_t j = 0; j < rule->nports; j++) {
		*named |= rule->ports[j].flags & PORT_NAMED;
		for (size_t i = 0; i < o->nports; i++)
			if (eval_port_admits(&rule->ports[j], NULL, o->ports[i].proto,
					     o->ports[i].port))
				rd_bit_set(m, i);
	}
	return m;
}

/*
 * Prepare c (sealed; it, o and ones must outlive k) to be compared on o's
 * ports; ones is the mask of every port. ids numbers rule contents, shared by
 * the versions compared. Release with reach_diff_rules_fini().
 */
void reach_diff_rules_init(struct rd_rules *k, const struct cluster *c, const struct rd_out *o,
			   const uint64_t *ones, struct strmap *ids)
{
	size_t id = 0;

	memset(k, 0, sizeof(*k));
	k->c = c;
	k->o = o;
	k->ones = ones;
	k->scratch = rd_mask_new(o->words);
	k->r = reach_new(c);
	k->e = eval_new(c);
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		k->base[dir] = xcalloc(c->npols + 1, sizeof(size_t));
		k->content[dir] = xcalloc(c->npols + 1, sizeof(size_t));
		for (size_t i = 0; i < c->npols; i++) {
			k->base[dir][i] = k->nrules;
			k->nrules += c->pols[i].nrules[dir];
			k->content[dir][i] = content_id(ids, &c->pols[i], dir);
		}
	}
	k->pol = xcalloc(k->nrules + 1, sizeof(*k->pol));
	k->rule = xcalloc(k->nrules + 1, sizeof(*k->rule));
	k->fixed = xcalloc(k->nrules + 1, sizeof(*k->fixed));
	k->named = xcalloc(k->nrules + 1, sizeof(*k->named));
	for (int dir = 0; dir < DIR_COUNT; dir++)
		for (size_t i = 0; i < c->npols; i++)
			for (size_t j = 0; j < c->pols[i].nrules[dir]; j++, id++) {
				k->pol[id] = &c->pols[i];
				k->rule[id] = &c->pols[i].rules[dir][j];
			}
	k->members = xcalloc(k->nrules + 1, sizeof(*k->members));
	k->pod_rules = xcalloc(c->npods + 1, sizeof(*k->pod_rules));
}

/* Compare in family from now on: forget what depends on it (ipBlocks match addresses). */
void reach_diff_rules_family(struct rd_rules *k, int family)
{
	for (size_t i = 0; i < k->nrules; i++) {
		free(k->members[i]);
		k->members[i] = NULL;
	}
	for (size_t i = 0; i < k->c->npods; i++) {
		free(k->pod_rules[i]);
		k->pod_rules[i] = NULL;
	}
	k->family = family;
}

/* Release what k owns. */
void reach_diff_rules_fini(struct rd_rules *k)
{
	free(k->scratch);
	reach_diff_rules_family(k, 0);
	for (size_t i = 0; i < k->nrules; i++)
		free(k->fixed[i]);
	for (int dir = 0; dir < DIR_COUNT; dir++) {
		free(k->base[dir]);
		free(k->content[dir]);
	}
	free(k->pol);
	free(k->rule);
	free(k->fixed);
	free(k->named);
	free(k->members);
	free(k->pod_rules);
	eval_free(k->e);
	reach_free(k->r);
}

/* Whether a peer of rule id stands for pod p (reach.c's rule_peer()). */
static bool peer_of(const struct rd_rules *k, size_t id, const struct pod *p)
{
	const struct np_rule *rule = k->rule[id];
	const struct addr *a = rd_addr_of(p, k->family);

	if (!rule->npeers)
		return true;
	for (size_t i = 0; i < rule->npeers; i++) {
		const struct peer *peer = &rule->peers[i];

		if (peer->flags & PEER_IPBLOCK ? a && eval_ipblock_contains(peer, a)
					       : eval_peer_matches(k->e, k->pol[id], peer, p))
			return true;
	}
	return false;
}

/* The pods the peers of rule id stand for, through the namespace index. */
static uint64_t *rule_members(const struct rd_rules *k, size_t id)
{
	const struct np_rule *rule = k->rule[id];
	uint64_t *m = rd_mask_new((k->c->npods + 63) / 64);

	for (size_t i = 0; i < k->c->npods; i++)
		if (!rule->npeers)
			rd_bit_set(m, i);
	for (size_t j = 0; j < rule->npeers; j++) {
		const struct peer *peer = &rule->peers[j];
		struct pod_list l = { 0 };

		for (size_t i = 0; (peer->flags & PEER_IPBLOCK) && i < k->c->npods; i++) {
			const struct addr *a = rd_addr_of(&k->c->pods[i], k->family);

			if (a && eval_ipblock_contains(peer, a))
				rd_bit_set(m, i);
		}
		eval_peer_pods(k->e, k->pol[id], peer, &l);
		for (size_t i = 0; i < l.n; i++)
			rd_bit_set(m, l.v[i]);
		eval_pod_list_fini(&l);
	}
	return m;
}

/* Prepare pod (a candidate, or RD_NONE) to be tested against every rule at once. */
void reach_diff_rules_pod(struct rd_rules *k, size_t pod)
{
	if (pod == RD_NONE || k->pod_rules[pod])
		return;
	k->pod_rules[pod] = rd_mask_new((k->nrules + 63) / 64);
	for (size_t id = 0; id < k->nrules; id++)
		if (peer_of(k, id, &k->c->pods[pod]))
			rd_bit_set(k->pod_rules[pod], id);
}

/* The pods (bits over the cluster's pods) the peers of rule id stand for. */
const uint64_t *reach_diff_rules_members(struct rd_rules *k, size_t id)
{
	if (!k->members[id])
		k->members[id] = rule_members(k, id);
	return k->members[id];
}

/* Whether the peers of rule id stand for pod (an index into the cluster's pods). */
bool reach_diff_rules_member(struct rd_rules *k, size_t id, size_t pod)
{
	if (k->pod_rules[pod])
		return rd_bit(k->pod_rules[pod], id);
	return rd_bit(reach_diff_rules_members(k, id), pod);
}

/* The index of proto/port in the port list, or RD_NONE. */
static size_t port_index(const struct rd_out *o, uint8_t proto, uint16_t port)
{
	size_t lo = 0, hi = o->nports;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct reach_diff_port *m = &o->ports[mid];

		if (m->proto == proto && m->port == port)
			return mid;
		if (m->proto < proto || (m->proto == proto && m->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	return RD_NONE;
}

/*
 * The ports rule id admits to dst: its fixed ports, and the numbers dst gives
 * its named ports (eval_port_admits() for a named port, one number at a time).
 */
const uint64_t *reach_diff_rules_ports(struct rd_rules *k, size_t id, const struct pod *dst)
{
	const struct np_rule *rule = k->rule[id];

	if (!k->fixed[id])
		k->fixed[id] = fixed_ports(k->o, rule, k->ones, &k->named[id]);
	if (!k->named[id])
		return k->fixed[id];
	memcpy(k->scratch, k->fixed[id], k->o->words * sizeof(uint64_t));
	for (size_t j = 0; j < rule->nports; j++) {
		const struct np_port *p = &rule->ports[j];
		const struct pod_port *pp;
		size_t n = p->flags & PORT_NAMED ? eval_pod_named_ports(dst, p->name, p->proto, &pp)
						 : 0;

		for (size_t i = 0; i < n; i++) {
			size_t m = port_index(k->o, p->proto, pp[i].port);

			if (m != RD_NONE)
				rd_bit_set(k->scratch, m);
		}
	}
	return k->scratch;
}

/*
 * The ports direction dir admits at end self (egress at the source, ingress at
 * the destination) towards end other, dst being the destination: into out.
 * Returns whether self is isolated in dir (if not, out is every port).
 */
bool reach_diff_rules_admit(struct rd_rules *k, size_t self, size_t other, enum dir dir,
			    uint64_t *out)
{
	const struct pod *dst = &k->c->pods[dir == DIR_EGRESS ? other : self];
	const size_t *pols;
	size_t n = reach_isolating(k->r, &k->c->pods[self], dir, &pols);

	if (!n) {
		memcpy(out, k->ones, k->o->words * sizeof(*out));
		return false;
	}
	memset(out, 0, k->o->words * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		size_t base = k->base[dir][pols[i]];

		for (size_t j = 0; j < k->c->pols[pols[i]].nrules[dir]; j++) {
			const uint64_t *m;

			if (!reach_diff_rules_member(k, base + j, other))
				continue;
			m = reach_diff_rules_ports(k, base + j, dst);
			for (size_t w = 0; w < k->o->words; w++)
				out[w] |= m[w];
		}
	}
	return true;
}
