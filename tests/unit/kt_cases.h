/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hand-built rulesets for the kernel tests: every construct of the IR. */
#ifndef TESTS_KT_CASES_H
#define TESTS_KT_CASES_H

#include <stdint.h>
#include <stdlib.h>

#include "kt.h"
#include "nft/ruleset.h"
#include "base/xalloc.h"

static const enum rs_type __attribute__((unused)) V4[] = { RS_TYPE_IPV4 };
static const enum rs_type __attribute__((unused)) V6[] = { RS_TYPE_IPV6 };
static const enum rs_type __attribute__((unused)) SVC[] = { RS_TYPE_SERVICE };
static const enum rs_type __attribute__((unused)) PROTO[] = { RS_TYPE_PROTO };
static const enum rs_type __attribute__((unused)) PS[] = { RS_TYPE_PROTO, RS_TYPE_SERVICE };
static const enum rs_type __attribute__((unused))
V4PS[] = { RS_TYPE_IPV4, RS_TYPE_PROTO, RS_TYPE_SERVICE };
static const enum rs_type __attribute__((unused))
V6PS[] = { RS_TYPE_IPV6, RS_TYPE_PROTO, RS_TYPE_SERVICE };

static __attribute__((unused)) void rule_set(struct rs_chain *c, const char *set,
					     const enum rs_field *f, unsigned nf, enum rs_verdict v)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	ruleset_rule_add_match(r, RS_MATCH_SET, set, f, nf);
	r->verdict = v;
}

static __attribute__((unused)) void rule_two(struct rs_chain *c, const char *s1, enum rs_field f1,
					     const char *s2, const enum rs_field *f2, unsigned nf2,
					     enum rs_verdict v)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	ruleset_rule_add_match(r, RS_MATCH_SET, s1, &f1, 1);
	ruleset_rule_add_match(r, RS_MATCH_SET, s2, f2, nf2);
	r->verdict = v;
}

static __attribute__((unused)) void rule_vmap(struct rs_chain *c, const char *map, enum rs_field f)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	ruleset_rule_add_match(r, RS_MATCH_VMAP, map, &f, 1);
}

static __attribute__((unused)) void rule_ct(struct rs_chain *c, uint32_t st, enum rs_verdict v)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	ruleset_rule_add_match(r, RS_MATCH_CT_STATE, NULL, NULL, 0);
	r->m[0].ct_state = st;
	r->verdict = v;
}

/* A rule of one plain match (fib saddr type local, icmpv6 type) and verdict v. */
static __attribute__((unused)) void rule_plain(struct rs_chain *c, enum rs_match_kind kind,
					       uint8_t icmpv6_type, enum rs_verdict v)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	ruleset_rule_add_match(r, kind, NULL, NULL, 0);
	r->m[0].icmpv6_type = icmpv6_type;
	r->verdict = v;
}

static __attribute__((unused)) void rule_verdict(struct rs_chain *c, enum rs_verdict v,
						 const char *target)
{
	struct rs_rule *r = ruleset_chain_add_rule(c);

	r->verdict = v;
	r->target = target ? xstrdup(target) : NULL;
}

static __attribute__((unused)) void add_sets(struct ruleset *rs)
{
	struct rs_set *s;

	s = ruleset_add_set(rs, "m_in4", "ingress dispatch \"v4\"", V4, 1, RS_SET_VMAP);
	kt_elem(s, "10.0.0.1", "pod_a");
	kt_elem(s, "10.0.0.2", "pod_b");
	s = ruleset_add_set(rs, "m_in6", NULL, V6, 1, RS_SET_VMAP);
	kt_elem(s, "fd00::1", "pod_a");
	ruleset_add_set(rs, "m_empty", NULL, V4, 1, RS_SET_VMAP);
	s = ruleset_add_set(rs, "s_pods4", "pods app=web in ns/default", V4, 1, 0);
	kt_elem(s, "10.0.0.1", NULL);
	kt_elem(s, "10.0.0.3", NULL);
	kt_elem(s, "10.0.1.9", NULL);
	s = ruleset_add_set(rs, "s_pods6", NULL, V6, 1, 0);
	kt_elem(s, "fd00::1", NULL);
	kt_elem(s, "fd00::2", NULL);
	ruleset_add_set(rs, "s_empty4", NULL, V4, 1, 0);
	s = ruleset_add_set(rs, "s_cidr4", "ipBlock", V4, 1, RS_SET_INTERVAL);
	kt_elem(s, "0.0.0.0-0.255.255.255", NULL);
	kt_elem(s, "10.0.0.0-10.0.0.255", NULL);
	kt_elem(s, "10.0.1.0-10.0.1.255", NULL);
	kt_elem(s, "172.16.0.5-172.16.0.9", NULL);
	kt_elem(s, "192.168.7.7", NULL);
	kt_elem(s, "255.255.255.0-255.255.255.255", NULL);
	s = ruleset_add_set(rs, "s_all4", NULL, V4, 1, RS_SET_INTERVAL);
	kt_elem(s, "0.0.0.0-255.255.255.255", NULL);
	s = ruleset_add_set(rs, "s_cidr6", NULL, V6, 1, RS_SET_INTERVAL);
	kt_elem(s, "::1", NULL);
	kt_elem(s, "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", NULL);
	ruleset_add_set(rs, "s_empty_iv", NULL, V4, 1, RS_SET_INTERVAL);
	s = ruleset_add_set(rs, "s_ports", NULL, PS, 2, 0);
	kt_elem(s, "6 . 80", NULL);
	kt_elem(s, "17 . 53", NULL);
	kt_elem(s, "132 . 9000", NULL);
	s = ruleset_add_set(rs, "s_prange", NULL, PS, 2, RS_SET_INTERVAL);
	kt_elem(s, "6 . 80-90", NULL);
	kt_elem(s, "17 . 0-65535", NULL);
	kt_elem(s, "6 . 443", NULL);
	s = ruleset_add_set(rs, "s_svc", NULL, SVC, 1, RS_SET_INTERVAL);
	kt_elem(s, "80-90", NULL);
	kt_elem(s, "100", NULL);
	kt_elem(s, "65535", NULL);
	s = ruleset_add_set(rs, "s_proto", NULL, PROTO, 1, RS_SET_INTERVAL);
	kt_elem(s, "6", NULL);
	kt_elem(s, "17", NULL);
	s = ruleset_add_set(rs, "s_named4", NULL, V4PS, 3, 0);
	kt_elem(s, "10.0.0.1 . 6 . 8080", NULL);
	kt_elem(s, "10.0.0.2 . 17 . 53", NULL);
	s = ruleset_add_set(rs, "s_named6", NULL, V6PS, 3, 0);
	kt_elem(s, "fd00::1 . 17 . 53", NULL);
	s = ruleset_add_set(rs, "s_pp4", NULL, V4PS, 3, RS_SET_INTERVAL);
	kt_elem(s, "10.2.0.0-10.2.255.255 . 6 . 80-90", NULL);
	kt_elem(s, "0.0.0.0-255.255.255.255 . 17 . 0-65535", NULL);
	kt_elem(s, "10.0.0.1 . 6 . 80", NULL);
	s = ruleset_add_set(rs, "s_mark", "a stamp", (enum rs_type[]){ RS_TYPE_MARK }, 1, 0);
	kt_elem(s, "1764757000", NULL);
	s = ruleset_add_set(rs, "s_pp6", NULL, V6PS, 3, RS_SET_INTERVAL);
	kt_elem(s, "2001:db8::-2001:db8::ffff . 6 . 443", NULL);
}

static __attribute__((unused)) void add_base_chains(struct ruleset *rs)
{
	struct rs_chain *c;

	c = ruleset_add_chain(rs, "ingress", "nftpol: ingress dispatch");
	c->hook = RS_HOOK_FORWARD;
	rule_ct(c, RS_CT_ESTABLISHED | RS_CT_RELATED, RS_VERDICT_ACCEPT);
	rule_ct(c, RS_CT_INVALID, RS_VERDICT_DROP);
	rule_vmap(c, "m_in4", RS_F_IP_DADDR);
	rule_vmap(c, "m_in6", RS_F_IP6_DADDR);
	c = ruleset_add_chain(rs, "egress", NULL);
	c->hook = RS_HOOK_FORWARD;
	c->prio = 1;
	rule_ct(c, RS_CT_ESTABLISHED | RS_CT_RELATED | RS_CT_NEW | RS_CT_INVALID,
		RS_VERDICT_ACCEPT);
	rule_vmap(c, "m_empty", RS_F_IP_SADDR);
	c = ruleset_add_chain(rs, "zz_strict", "policy drop, negative priority");
	c->hook = RS_HOOK_FORWARD;
	c->prio = -5;
	c->policy_drop = true;
	rule_ct(c, RS_CT_NEW, RS_VERDICT_ACCEPT);
	/* every hook, priorities nft names (srcnat - 5, dstnat + 5) and does not */
	c = ruleset_add_chain(rs, "post", "postrouting before SNAT");
	c->hook = RS_HOOK_POSTROUTING;
	c->prio = 95;
	rule_ct(c, RS_CT_ESTABLISHED | RS_CT_RELATED, RS_VERDICT_ACCEPT);
	rule_plain(c, RS_MATCH_FIB_SADDR_LOCAL, 0, RS_VERDICT_ACCEPT);
	rule_plain(c, RS_MATCH_LOCAL_SOCKET, 0, RS_VERDICT_ACCEPT);
	rule_plain(c, RS_MATCH_CT_MARK, 0, RS_VERDICT_DROP);
	c->rules[c->nrules - 1].m[0].ct_mark = 0x10000000;
	rule_plain(c, RS_MATCH_CT_MARK, 0, RS_VERDICT_ACCEPT);
	c->rules[c->nrules - 1].m[0].ct_mark = 0x3;
	rule_plain(c, RS_MATCH_LOCAL_SOCKET, 0, RS_VERDICT_ACCEPT);
	ruleset_rule_add_match(&c->rules[c->nrules - 1], RS_MATCH_FIB_SADDR_LOCAL, NULL, NULL, 0);
	rule_plain(c, RS_MATCH_ICMPV6_TYPE, RS_ICMPV6_ND_NEIGHBOR_SOLICIT, RS_VERDICT_ACCEPT);
	rule_plain(c, RS_MATCH_ICMPV6_TYPE, RS_ICMPV6_ND_NEIGHBOR_ADVERT, RS_VERDICT_DROP);
	rule_plain(c, RS_MATCH_ICMPV6_TYPE, 128, RS_VERDICT_ACCEPT);
	rule_vmap(c, "m_in4", RS_F_IP_DADDR);
	c = ruleset_add_chain(rs, "in", NULL);
	c->hook = RS_HOOK_INPUT;
	c->prio = 101;
	rule_vmap(c, "m_in6", RS_F_IP6_SADDR);
	c = ruleset_add_chain(rs, "pre", NULL);
	c->hook = RS_HOOK_PREROUTING;
	c->prio = -95;
	rule_plain(c, RS_MATCH_FIB_SADDR_LOCAL, 0, RS_VERDICT_DROP);
	c = ruleset_add_chain(rs, "out", NULL);
	c->hook = RS_HOOK_OUTPUT;
	c->prio = -200;
}

static __attribute__((unused)) void add_chains(struct ruleset *rs)
{
	static const enum rs_field sp[] = { RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field s4[] = { RS_F_IP_SADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field s6[] = { RS_F_IP6_SADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field d4[] = { RS_F_IP_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field d6[] = { RS_F_IP6_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field ip6s = RS_F_IP6_SADDR, dport = RS_F_TH_DPORT;
	static const enum rs_field l4 = RS_F_L4PROTO, ip4d = RS_F_IP_DADDR;
	struct rs_chain *c;
	struct rs_rule *r;

	add_base_chains(rs);
	c = ruleset_add_chain(rs, "pod_a", "pods: default/web-1");
	rule_verdict(c, RS_VERDICT_JUMP, "pol_1");
	rule_verdict(c, RS_VERDICT_JUMP, "pol_2");
	rule_verdict(c, RS_VERDICT_DROP, NULL);
	c = ruleset_add_chain(rs, "pod_b", NULL);
	rule_verdict(c, RS_VERDICT_JUMP, "pol_1");
	rule_verdict(c, RS_VERDICT_DROP, NULL);
	c = ruleset_add_chain(rs, "pol_1", "NetworkPolicy default/allow-web ingress");
	rule_two(c, "s_pods4", RS_F_IP_SADDR, "s_ports", sp, 2, RS_VERDICT_ACCEPT);
	rule_two(c, "s_cidr4", RS_F_IP_SADDR, "s_prange", sp, 2, RS_VERDICT_ACCEPT);
	rule_set(c, "s_pods6", &ip6s, 1, RS_VERDICT_ACCEPT);
	rule_set(c, "s_pp4", s4, 3, RS_VERDICT_ACCEPT);
	rule_set(c, "s_pp6", s6, 3, RS_VERDICT_ACCEPT);
	rule_set(c, "s_named4", d4, 3, RS_VERDICT_ACCEPT);
	rule_set(c, "s_named6", d6, 3, RS_VERDICT_ACCEPT);
	rule_set(c, "s_svc", &dport, 1, RS_VERDICT_ACCEPT);
	rule_set(c, "s_proto", &l4, 1, RS_VERDICT_DROP);
	rule_set(c, "s_ports", sp, 2, RS_VERDICT_ACCEPT);
	rule_verdict(c, RS_VERDICT_ACCEPT, NULL);
	c = ruleset_add_chain(rs, "pol_2", NULL);
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_all4", (enum rs_field[]){ RS_F_IP_SADDR }, 1);
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_empty4", &ip4d, 1);
	r->verdict = RS_VERDICT_ACCEPT;
	rule_set(c, "s_empty_iv", (enum rs_field[]){ RS_F_IP_SADDR }, 1, RS_VERDICT_DROP);
	rule_set(c, "s_cidr6", &ip6s, 1, RS_VERDICT_ACCEPT);
	/* a lookup that must fail (ip daddr != @set) after one that must hit */
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_cidr4", &ip4d, 1);
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_pods4", &ip4d, 1);
	r->m[1].inv = true;
	r->verdict = RS_VERDICT_DROP;
	/* icmpv6 after an ip6 lookup and before one: one nfproto check per rule */
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_pods6", &ip6s, 1);
	ruleset_rule_add_match(r, RS_MATCH_ICMPV6_TYPE, NULL, NULL, 0);
	r->m[1].icmpv6_type = RS_ICMPV6_ND_NEIGHBOR_ADVERT;
	r->verdict = RS_VERDICT_ACCEPT;
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_ICMPV6_TYPE, NULL, NULL, 0);
	r->m[0].icmpv6_type = RS_ICMPV6_ND_NEIGHBOR_SOLICIT;
	ruleset_rule_add_match(r, RS_MATCH_SET, "s_cidr6", &ip6s, 1);
	r->verdict = RS_VERDICT_DROP;
}

/* A rule of optional set match, limit, log, counter and verdict. */
static __attribute__((unused)) struct rs_rule *rule_stmts(struct rs_chain *c, const char *set,
							  uint32_t rate, uint32_t burst,
							  const char *prefix, int group,
							  const char *counter, enum rs_verdict v)
{
	static const enum rs_field saddr = RS_F_IP_SADDR;
	struct rs_rule *r = ruleset_chain_add_rule(c);

	if (set)
		ruleset_rule_add_match(r, RS_MATCH_SET, set, &saddr, 1);
	r->limit_rate = rate;
	r->limit_burst = burst;
	if (group >= 0)
		ruleset_rule_set_log(r, prefix, (uint16_t)group);
	ruleset_rule_set_counter(r, counter);
	r->verdict = v;
	return r;
}

/*
 * Named counters, and the statements: a rate-limited log without verdict
 * before a counted drop (what a group chain's end looks like with denied
 * logging), limit + log + counter + verdict, a log alone, a counter alone.
 */
static __attribute__((unused)) void add_counters(struct ruleset *rs)
{
	struct rs_chain *c;

	ruleset_add_counter(rs, "ctr_grp_in_ab12_drop", "NetworkPolicy drops of grp_in_ab12");
	ruleset_add_counter(rs, "ctr_accept", NULL);
	ruleset_add_counter(rs, "ctr_unused", "referenced by no rule");
	c = ruleset_add_chain(rs, "grp_in_ab12", "a group chain, logged and counted");
	rule_stmts(c, "s_pods4", 0, 0, NULL, -1, "ctr_accept", RS_VERDICT_ACCEPT);
	rule_stmts(c, "s_cidr4", 50, 20, "nftpol deny grp_in_ab12", 7, NULL, RS_VERDICT_NONE);
	rule_stmts(c, NULL, 0, 0, NULL, -1, "ctr_grp_in_ab12_drop", RS_VERDICT_DROP);
	rule_stmts(c, "s_pods4", 10, 5, "p \"q\"", 0, "ctr_accept", RS_VERDICT_JUMP)->target =
		xstrdup("pol_1");
	rule_stmts(c, NULL, 0, 0, NULL, 65535, NULL, RS_VERDICT_NONE);
	rule_stmts(c, NULL, 1, 1, NULL, -1, "ctr_accept", RS_VERDICT_NONE);
	rule_stmts(c, NULL, 100000, 1000, "x", 3, NULL, RS_VERDICT_DROP);
}

/* One ruleset using every construct the IR has. */
static __attribute__((unused)) void every_construct(struct ruleset *rs)
{
	ruleset_init(rs, KT_TABLE);
	rs->comment = xstrdup("nftpol \"node-1\" \\ policies");
	add_sets(rs);
	add_chains(rs);
	add_counters(rs);
	ruleset_seal(rs);
}

#endif
