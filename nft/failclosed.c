// SPDX-License-Identifier: GPL-2.0-or-later
/* Fail-closed pod start (see failclosed.h). */
#include "nft/failclosed.h"

#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"

/* A rule appended to c, moved to just before its first verdict-map rule. */
static struct rs_rule *insert_rule(struct rs_chain *c)
{
	struct rs_rule r;
	size_t at = 0;

	ruleset_chain_add_rule(c);
	while (at + 1 < c->nrules && !(c->rules[at].nm && c->rules[at].m[0].kind == RS_MATCH_VMAP))
		at++;
	r = c->rules[c->nrules - 1];
	memmove(&c->rules[at + 1], &c->rules[at], (c->nrules - 1 - at) * sizeof(r));
	c->rules[at] = r;
	return &c->rules[at];
}

static void add_plain(struct rs_rule *r, enum rs_match_kind kind)
{
	ruleset_rule_add_match(r, kind, NULL, NULL, 0);
}

/* ip daddr @cidr ip daddr != @known drop (saddr for egress). */
static void add_drop(struct rs_chain *c, bool v6, bool dst)
{
	enum rs_field f = v6 ? (dst ? RS_F_IP6_DADDR : RS_F_IP6_SADDR)
			     : (dst ? RS_F_IP_DADDR : RS_F_IP_SADDR);
	struct rs_rule *r = insert_rule(c);

	ruleset_rule_add_match(r, RS_MATCH_SET, v6 ? "podcidr6" : "podcidr4", &f, 1);
	ruleset_rule_add_match(r, RS_MATCH_SET, v6 ? "known6" : "known4", &f, 1);
	r->m[1].inv = true;
	r->verdict = RS_VERDICT_DROP;
}

/* The interval [network, last address] of CIDR a into e. */
static void cidr_elem(const struct addr *a, struct rs_elem *e)
{
	unsigned len = a->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < len; i++) {
		unsigned bits = a->plen > i * 8 ? a->plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		e->key[i] = a->a[i] & mask;
		e->key_end[i] = (uint8_t)(a->a[i] | ~mask);
	}
}

static bool has_family(const struct addr *cidrs, size_t n, int af)
{
	for (size_t i = 0; i < n; i++)
		if (cidrs[i].family == af)
			return true;
	return false;
}

/* The sets and rules of one family. */
static void put_family(struct ruleset *rs, const struct cluster *c, const char *node,
		       const struct addr *cidrs, size_t ncidrs, bool v6)
{
	int af = v6 ? AF_INET6 : AF_INET;
	enum rs_type t = v6 ? RS_TYPE_IPV6 : RS_TYPE_IPV4;
	unsigned len = v6 ? 16 : 4;
	struct rs_set *s;
	struct rs_chain *ch;

	s = ruleset_add_set(rs, v6 ? "podcidr6" : "podcidr4",
			    "this node's pod CIDRs (fail-closed: unknown addresses dropped)", &t, 1,
			    RS_SET_INTERVAL);
	for (size_t i = 0; i < ncidrs; i++)
		if (cidrs[i].family == af)
			cidr_elem(&cidrs[i], ruleset_set_add_elem(s));
	s = ruleset_add_set(rs, v6 ? "known6" : "known4",
			    "addresses of the local pods the agent knows", &t, 1, 0);
	for (size_t i = 0; i < c->npods; i++) {
		const struct pod *p = &c->pods[i];

		if (!model_pod_eligible(p) || (node && (!p->node || strcmp(p->node, node))))
			continue;
		for (size_t j = 0; j < p->nips; j++)
			if (p->ips[j].family == af)
				memcpy(ruleset_set_add_elem(s)->key, p->ips[j].a, len);
	}
	ch = ruleset_find_chain(rs, "base_ingress");
	if (ch)
		add_drop(ch, v6, true);
	ch = ruleset_find_chain(rs, "base_egress");
	if (ch)
		add_drop(ch, v6, false);
	ch = ruleset_find_chain(rs, "base_egress_node");
	if (ch)
		add_drop(ch, v6, false);
}

/*
 * Add fail-closed to rs, compiled (sealed) for node from c; cidrs: the node's
 * pod CIDRs, either family. rs is sealed again.
 */
void failclosed_put(struct ruleset *rs, const struct cluster *c, const char *node,
		    const struct addr *cidrs, size_t ncidrs)
{
	struct rs_chain *ch;
	struct rs_rule *r;

	if (!ncidrs)
		return;
	/* the node's own packets first: its gateway address lies in the CIDR */
	ch = ruleset_find_chain(rs, "base_egress");
	if (ch) {
		r = insert_rule(ch);
		add_plain(r, RS_MATCH_LOCAL_SOCKET);
		add_plain(r, RS_MATCH_FIB_SADDR_LOCAL);
		r->verdict = RS_VERDICT_ACCEPT;
	}
	ch = ruleset_find_chain(rs, "base_egress_node");
	if (ch) {
		r = insert_rule(ch);
		add_plain(r, RS_MATCH_FIB_SADDR_LOCAL);
		r->verdict = RS_VERDICT_ACCEPT;
	}
	if (has_family(cidrs, ncidrs, AF_INET))
		put_family(rs, c, node, cidrs, ncidrs, false);
	if (has_family(cidrs, ncidrs, AF_INET6))
		put_family(rs, c, node, cidrs, ncidrs, true);
	ruleset_seal(rs);
}
