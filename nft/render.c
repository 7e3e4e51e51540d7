// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset IR as nft script text (see render.h). The output depends only on
 * the IR, which is sorted, so equal rulesets render byte for byte the same.
 */
#include "nft/render.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "policy/model.h"

static const char *const type_names[] = {
	[RS_TYPE_IPV4] = "ipv4_addr",	[RS_TYPE_IPV6] = "ipv6_addr",
	[RS_TYPE_PROTO] = "inet_proto", [RS_TYPE_SERVICE] = "inet_service",
	[RS_TYPE_MARK] = "mark",
};

static const char *const field_names[] = {
	[RS_F_IP_SADDR] = "ip saddr",	 [RS_F_IP_DADDR] = "ip daddr",
	[RS_F_IP6_SADDR] = "ip6 saddr",	 [RS_F_IP6_DADDR] = "ip6 daddr",
	[RS_F_L4PROTO] = "meta l4proto", [RS_F_TH_DPORT] = "th dport",
};

/* s as a quoted nft string: quotes, backslashes and control bytes become '_'. */
static void put_string(const char *s, FILE *f)
{
	fputc('"', f);
	for (const char *p = s; *p; p++)
		fputc(*p == '"' || *p == '\\' || !isprint((unsigned char)*p) ? '_' : *p, f);
	fputc('"', f);
}

/* A comment line, if there is a comment. */
static void put_comment(const char *indent, const char *comment, FILE *f)
{
	if (!comment)
		return;
	fprintf(f, "%scomment ", indent);
	put_string(comment, f);
	fputc('\n', f);
}

/* Print a value of type t at p (network order; a mark in host order). */
static void put_value(enum rs_type t, const uint8_t *p, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];
	uint32_t mark;

	switch (t) {
	case RS_TYPE_IPV4:
		fputs(inet_ntop(AF_INET, p, buf, sizeof(buf)), f);
		break;
	case RS_TYPE_IPV6:
		fputs(inet_ntop(AF_INET6, p, buf, sizeof(buf)), f);
		break;
	case RS_TYPE_PROTO:
		if (strcmp(model_proto_name(p[0]), "?"))
			fputs(model_proto_name(p[0]), f);
		else
			fprintf(f, "%u", p[0]);
		break;
	case RS_TYPE_SERVICE:
		fprintf(f, "%u", (unsigned)p[0] << 8 | p[1]);
		break;
	case RS_TYPE_MARK:
		memcpy(&mark, p, sizeof(mark));
		fprintf(f, "0x%08" PRIx32, mark);
		break;
	}
}

/* The prefix length if [lo, hi] is exactly one prefix, else -1. */
static int range_prefix(const uint8_t *lo, const uint8_t *hi, unsigned len)
{
	unsigned bits = 0;
	unsigned i = 0;

	while (i < len * 8) {
		unsigned byte = i / 8, bit = 7 - i % 8;
		unsigned l = lo[byte] >> bit & 1, h = hi[byte] >> bit & 1;

		if (l != h)
			break;
		bits++;
		i++;
	}
	for (; i < len * 8; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;

		if ((lo[byte] >> bit & 1) != 0 || (hi[byte] >> bit & 1) != 1)
			return -1;
	}
	return (int)bits;
}

/* Print one field of an element: a value, a prefix or a range. */
static void put_field(enum rs_type t, const uint8_t *lo, const uint8_t *hi, bool interval, FILE *f)
{
	unsigned len = ruleset_type_len(t);
	int plen;

	put_value(t, lo, f);
	if (!interval || !memcmp(lo, hi, len))
		return;
	plen = (t == RS_TYPE_IPV4 || t == RS_TYPE_IPV6) ? range_prefix(lo, hi, len) : -1;
	if (plen >= 0) {
		fprintf(f, "/%d", plen);
		return;
	}
	fputc('-', f);
	put_value(t, hi, f);
}

/* Print one element of s in nft syntax (without separator). */
void render_elem(const struct rs_set *s, const struct rs_elem *e, FILE *f)
{
	bool interval = s->flags & RS_SET_INTERVAL;

	for (unsigned i = 0; i < s->nkey; i++) {
		unsigned off = s->nkey == 1 ? 0 : ruleset_field_offset(s, i);

		if (i)
			fputs(" . ", f);
		put_field(s->key[i], e->key + off, interval ? e->key_end + off : NULL, interval, f);
	}
	if (s->flags & RS_SET_VMAP)
		fprintf(f, " : jump %s", e->chain);
}

/* Print the type of s's keys ("ipv4_addr . inet_proto", plus " : verdict" for maps). */
void render_set_type(const struct rs_set *s, FILE *f)
{
	for (unsigned i = 0; i < s->nkey; i++)
		fprintf(f, "%s%s", i ? " . " : "", type_names[s->key[i]]);
	if (s->flags & RS_SET_VMAP)
		fputs(" : verdict", f);
}

static void render_set(const struct rs_set *s, FILE *f)
{
	fprintf(f, "\t%s %s {\n\t\ttype ", s->flags & RS_SET_VMAP ? "map" : "set", s->name);
	render_set_type(s, f);
	fputc('\n', f);
	if (s->flags & RS_SET_INTERVAL)
		fputs("\t\tflags interval\n", f);
	put_comment("\t\t", s->comment, f);
	if (s->nelems) {
		fputs("\t\telements = {", f);
		for (size_t i = 0; i < s->nelems; i++) {
			fputs(i ? ",\n\t\t\t" : " ", f);
			render_elem(s, &s->elems[i], f);
		}
		fputs(" }\n", f);
	}
	fputs("\t}\n", f);
}

static void put_ct_state(uint32_t st, FILE *f)
{
	static const char *const names[] = { "invalid", "established", "related", "new" };
	const char *sep = "";

	fputs("ct state ", f);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (st & (1u << i)) {
			fprintf(f, "%s%s", sep, names[i]);
			sep = ",";
		}
}

static void put_icmpv6_type(uint8_t t, FILE *f)
{
	if (t == RS_ICMPV6_ND_NEIGHBOR_SOLICIT)
		fputs("icmpv6 type nd-neighbor-solicit", f);
	else if (t == RS_ICMPV6_ND_NEIGHBOR_ADVERT)
		fputs("icmpv6 type nd-neighbor-advert", f);
	else
		fprintf(f, "icmpv6 type %u", t);
}

/* The statements of r after its matches: limit, log, counter (see ruleset.h). */
static void put_stmts(const struct rs_rule *r, const char **sep, FILE *f)
{
	if (r->limit_rate) {
		fprintf(f, "%slimit rate %" PRIu32 "/second burst %" PRIu32 " packets", *sep,
			r->limit_rate, r->limit_burst);
		*sep = " ";
	}
	if (r->log) {
		fprintf(f, "%slog ", *sep);
		if (r->log_prefix) {
			fputs("prefix ", f);
			put_string(r->log_prefix, f);
			fputc(' ', f);
		}
		fprintf(f, "group %u", r->log_group);
		*sep = " ";
	}
	if (r->counter) {
		fprintf(f, "%scounter name ", *sep);
		put_string(r->counter, f);
		*sep = " ";
	}
}

/* Print one rule in nft syntax (without indentation or newline). */
void render_rule(const struct rs_rule *r, FILE *f)
{
	const char *sep = "";

	for (unsigned i = 0; i < r->nm; i++) {
		const struct rs_match *m = &r->m[i];

		fputs(sep, f);
		sep = " ";
		if (m->kind == RS_MATCH_CT_STATE) {
			put_ct_state(m->ct_state, f);
			continue;
		}
		if (m->kind == RS_MATCH_CT_MARK) {
			fprintf(f, "ct mark & 0x%08" PRIx32 " == 0x%08" PRIx32, m->ct_mark,
				m->ct_mark);
			continue;
		}
		if (m->kind == RS_MATCH_LOCAL_SOCKET) {
			fputs("meta skuid >= 0", f);
			continue;
		}
		if (m->kind == RS_MATCH_FIB_SADDR_LOCAL) {
			fputs("fib saddr type local", f);
			continue;
		}
		if (m->kind == RS_MATCH_ICMPV6_TYPE) {
			put_icmpv6_type(m->icmpv6_type, f);
			continue;
		}
		for (unsigned j = 0; j < m->nf; j++)
			fprintf(f, "%s%s", j ? " . " : "", field_names[m->f[j]]);
		fprintf(f,
			m->kind == RS_MATCH_VMAP ? " vmap @%s"
			: m->inv		 ? " != @%s"
						 : " @%s",
			m->set);
	}
	put_stmts(r, &sep, f);
	switch (r->verdict) {
	case RS_VERDICT_NONE:
		break;
	case RS_VERDICT_ACCEPT:
		fprintf(f, "%saccept", sep);
		break;
	case RS_VERDICT_DROP:
		fprintf(f, "%sdrop", sep);
		break;
	case RS_VERDICT_JUMP:
		fprintf(f, "%sjump %s", sep, r->target);
		break;
	}
}

/*
 * A priority as nft 1.0.6 lists it: the standard name of the inet family valid
 * on the hook that is at most 10 away, plus or minus the rest, else the number.
 */
static void put_prio(enum rs_hook hook, int prio, FILE *f)
{
	const char *name = NULL;
	int base = 0;

	if (prio >= -10 && prio <= 10)
		name = "filter";
	else if (prio >= 90 && prio <= 110 && hook == RS_HOOK_POSTROUTING)
		name = "srcnat", base = 100;
	else if (prio >= -110 && prio <= -90 &&
		 (hook == RS_HOOK_PREROUTING || hook == RS_HOOK_OUTPUT))
		name = "dstnat", base = -100;
	if (!name)
		fprintf(f, "%d", prio);
	else if (prio == base)
		fputs(name, f);
	else
		fprintf(f, "%s %c %d", name, prio > base ? '+' : '-',
			prio > base ? prio - base : base - prio);
}

static void render_chain(const struct rs_chain *c, FILE *f)
{
	static const char *const hooks[] = {
		[RS_HOOK_PREROUTING] = "prerouting",   [RS_HOOK_INPUT] = "input",
		[RS_HOOK_FORWARD] = "forward",	       [RS_HOOK_OUTPUT] = "output",
		[RS_HOOK_POSTROUTING] = "postrouting",
	};

	fprintf(f, "\tchain %s {\n", c->name);
	put_comment("\t\t", c->comment, f);
	if (c->hook != RS_HOOK_NONE) {
		fprintf(f, "\t\ttype filter hook %s priority ", hooks[c->hook]);
		put_prio(c->hook, c->prio, f);
		fprintf(f, "; policy %s;\n", c->policy_drop ? "drop" : "accept");
	}
	for (size_t i = 0; i < c->nrules; i++) {
		fputs("\t\t", f);
		render_rule(&c->rules[i], f);
		fputc('\n', f);
	}
	fputs("\t}\n", f);
}

/*
 * Print rs as an nft script that, loaded with `nft -f`, atomically replaces any
 * table of the same name (create it if missing, delete it, define it anew).
 * Returns 0, or -EIO when writing failed.
 */
int render_ruleset(const struct ruleset *rs, FILE *f)
{
	fprintf(f, "table inet %s\ndelete table inet %s\ntable inet %s {\n", rs->table, rs->table,
		rs->table);
	put_comment("\t", rs->comment, f);
	for (size_t i = 0; i < rs->ncounters; i++) {
		fprintf(f, "\tcounter %s {\n", rs->counters[i].name);
		put_comment("\t\t", rs->counters[i].comment, f);
		fputs("\t}\n", f);
	}
	for (size_t i = 0; i < rs->nsets; i++)
		render_set(&rs->sets[i], f);
	for (size_t i = 0; i < rs->nchains; i++)
		render_chain(&rs->chains[i], f);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
