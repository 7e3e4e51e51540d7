// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Following a packet through the IR (see walk.h). Set lookups compare each
 * field of a concatenation on its own, as the kernel's set backends do: an
 * interval element matches when every field lies within its range.
 */
#include "nft/walk.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

enum walk_result {
	WALK_CONTINUE, /* fell off the end of a regular chain: return */
	WALK_ACCEPT,
	WALK_DROP,
};

#define WALK_MAX_DEPTH 16
/* Room for the longest key a rule can build (ipv6 . ipv6, 32 bytes). */
#define WALK_KEY_MAX RS_KEY_MAX

/* The bytes of field f of p, or 0 when the packet has no such field. */
static unsigned field_bytes(const struct walk_pkt *p, enum rs_field f, uint8_t *out)
{
	uint16_t port = htons(p->dport);
	bool v6 = p->saddr.family == AF_INET6;

	switch (f) {
	case RS_F_IP_SADDR:
	case RS_F_IP6_SADDR:
		memcpy(out, p->saddr.a, v6 ? 16 : 4);
		return v6 == (f == RS_F_IP6_SADDR) ? (v6 ? 16 : 4) : 0;
	case RS_F_IP_DADDR:
	case RS_F_IP6_DADDR:
		memcpy(out, p->daddr.a, v6 ? 16 : 4);
		return v6 == (f == RS_F_IP6_DADDR) ? (v6 ? 16 : 4) : 0;
	case RS_F_L4PROTO:
		out[0] = p->proto;
		return 1;
	case RS_F_TH_DPORT:
		memcpy(out, &port, 2);
		return 2;
	}
	return 0;
}

/* Lay the fields of m out as a key of s; false when the packet lacks one. */
static bool build_key(const struct rs_set *s, const struct rs_match *m, const struct walk_pkt *p,
		      uint8_t *key)
{
	memset(key, 0, WALK_KEY_MAX);
	if (m->nf != s->nkey)
		return false;
	for (unsigned i = 0; i < m->nf; i++) {
		uint8_t buf[16];
		unsigned len = field_bytes(p, m->f[i], buf);

		if (!len || len != ruleset_type_len(s->key[i]))
			return false;
		memcpy(key + ruleset_field_offset(s, i), buf, len);
	}
	return true;
}

static bool elem_matches(const struct rs_set *s, const struct rs_elem *e, const uint8_t *key)
{
	for (unsigned i = 0; i < s->nkey; i++) {
		unsigned off = ruleset_field_offset(s, i), len = ruleset_type_len(s->key[i]);

		if (!(s->flags & RS_SET_INTERVAL)) {
			if (memcmp(key + off, e->key + off, len))
				return false;
			continue;
		}
		if (memcmp(key + off, e->key + off, len) < 0 ||
		    memcmp(key + off, e->key_end + off, len) > 0)
			return false;
	}
	return true;
}

/* The element of the set m names that the packet's fields hit, or NULL. */
static const struct rs_elem *lookup(const struct ruleset *rs, const struct rs_match *m,
				    const struct walk_pkt *p)
{
	const struct rs_set *s = ruleset_find_set(rs, m->set);
	uint8_t key[WALK_KEY_MAX];

	if (!s || !build_key(s, m, p, key))
		return NULL;
	if (!(s->flags & RS_SET_INTERVAL))
		return ruleset_set_find_key(s, key);
	for (size_t i = 0; i < s->nelems; i++)
		if (elem_matches(s, &s->elems[i], key))
			return &s->elems[i];
	return NULL;
}

/*
 * Whether every match of r holds for p. A verdict map hit sets *jump to the
 * chain its element names. A limit is not looked at: it holds (see walk.h).
 */
static bool rule_matches(const struct ruleset *rs, const struct rs_rule *r,
			 const struct walk_pkt *p, const char **jump)
{
	*jump = r->verdict == RS_VERDICT_JUMP ? r->target : NULL;
	for (unsigned i = 0; i < r->nm; i++) {
		const struct rs_match *m = &r->m[i];
		const struct rs_elem *e;

		if (m->kind == RS_MATCH_CT_STATE) {
			if (!(m->ct_state & RS_CT_NEW))
				return false;
			continue;
		}
		if (m->kind == RS_MATCH_CT_MARK)
			return false; /* a new connection's mark is 0 */
		if (m->kind == RS_MATCH_FIB_SADDR_LOCAL || m->kind == RS_MATCH_LOCAL_SOCKET) {
			if (p->path != WALK_FROM_NODE)
				return false;
			continue;
		}
		if (m->kind == RS_MATCH_ICMPV6_TYPE) {
			if (p->saddr.family != AF_INET6 || p->proto != IPPROTO_ICMPV6 ||
			    p->icmpv6_type != m->icmpv6_type)
				return false;
			continue;
		}
		e = lookup(rs, m, p);
		if (m->inv) {
			if (e)
				return false;
			continue;
		}
		if (!e)
			return false;
		if (m->kind == RS_MATCH_VMAP)
			*jump = e->chain;
	}
	return true;
}

static void add_step(struct walk *t, const struct rs_chain *c, size_t rule)
{
	if (t->nsteps < WALK_MAX_STEPS)
		t->steps[t->nsteps++] = (struct walk_step){ c, rule };
}

static enum walk_result walk_chain(const struct ruleset *rs, const struct rs_chain *c,
				   const struct walk_pkt *p, struct walk *t, unsigned depth)
{
	for (size_t i = 0; i < c->nrules && depth < WALK_MAX_DEPTH; i++) {
		const struct rs_rule *r = &c->rules[i];
		const struct rs_chain *next;
		const char *jump;
		enum walk_result w;

		if (!rule_matches(rs, r, p, &jump))
			continue;
		add_step(t, c, i);
		/* no verdict (a log or counter statement only): on to the next rule */
		if (r->verdict == RS_VERDICT_ACCEPT)
			return WALK_ACCEPT;
		if (r->verdict == RS_VERDICT_DROP)
			return WALK_DROP;
		next = jump ? ruleset_find_chain(rs, jump) : NULL;
		if (!next)
			continue;
		w = walk_chain(rs, next, p, t, depth + 1);
		if (w != WALK_CONTINUE)
			return w;
	}
	return WALK_CONTINUE;
}

/* The hooks a packet crosses on its path, in order. */
static const enum rs_hook path_hooks[][3] = {
	[WALK_FORWARDED] = { RS_HOOK_PREROUTING, RS_HOOK_FORWARD, RS_HOOK_POSTROUTING },
	[WALK_TO_NODE] = { RS_HOOK_PREROUTING, RS_HOOK_INPUT, RS_HOOK_NONE },
	[WALK_FROM_NODE] = { RS_HOOK_OUTPUT, RS_HOOK_POSTROUTING, RS_HOOK_NONE },
};

/* The base chain on hook h after done (NULL: the first), by priority then name. */
static const struct rs_chain *next_base(const struct ruleset *rs, enum rs_hook h,
					const struct rs_chain *done)
{
	const struct rs_chain *base = NULL;

	for (size_t i = 0; i < rs->nchains; i++) {
		const struct rs_chain *c = &rs->chains[i];

		if (c->hook != h)
			continue;
		if (done && (c->prio < done->prio || (c->prio == done->prio && c <= done)))
			continue;
		if (!base || c->prio < base->prio)
			base = c;
	}
	return base;
}

/*
 * Follow p through every base chain of rs on the hooks of its path, in hook
 * order and lowest priority first within a hook, into out. out->accepted is false
 * when a chain drops it.
 */
void walk_packet(const struct ruleset *rs, const struct walk_pkt *p, struct walk *out)
{
	memset(out, 0, sizeof(*out));
	out->accepted = true;
	for (size_t h = 0; h < 3 && path_hooks[p->path][h] != RS_HOOK_NONE; h++) {
		const struct rs_chain *base = NULL;

		while ((base = next_base(rs, path_hooks[p->path][h], base))) {
			enum walk_result w = walk_chain(rs, base, p, out, 0);

			if (w == WALK_CONTINUE) {
				add_step(out, base, WALK_POLICY);
				w = base->policy_drop ? WALK_DROP : WALK_ACCEPT;
			}
			if (w == WALK_DROP) {
				out->accepted = false;
				return;
			}
		}
	}
}
