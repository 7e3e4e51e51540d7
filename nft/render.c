// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset IR as nft script text (see render.h). The output depends only on
 * the IR, which is sorted, so equal rulesets render byte for byte the same.
 * Text goes through one buffer of our own, written out in large blocks: a
 * ruleset of 100k pods has half a million elements, and stdio's per-call
 * locking and printf's parsing per element were most of the time.
 */
#include "nft/render.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#include "policy/model.h"
#include "base/xalloc.h"

/* The writer: text is gathered in buf and written to f when it is full. */
struct out {
	FILE *f;
	size_t n; /* bytes in buf */
	char buf[16384];
};

/* Start o on f (the buffer is not cleared: callers render single elements). */
static void out_init(struct out *o, FILE *f)
{
	o->f = f;
	o->n = 0;
}

static void out_flush(struct out *o)
{
	if (o->n)
		fwrite(o->buf, 1, o->n, o->f);
	o->n = 0;
}

/* Where n more bytes (at most sizeof(o->buf)) go; the caller adds them to o->n. */
static char *out_room(struct out *o, size_t n)
{
	if (o->n + n > sizeof(o->buf))
		out_flush(o);
	return o->buf + o->n;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (n > sizeof(o->buf) / 2) {
		out_flush(o);
		fwrite(s, 1, n, o->f);
		return;
	}
	memcpy(out_room(o, n), s, n);
	o->n += n;
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_char(struct out *o, char c)
{
	*out_room(o, 1) = c;
	o->n++;
}

/* v in decimal. */
static void out_uint(struct out *o, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (char *p = out_room(o, n); n; o->n++)
		*p++ = tmp[--n];
}

/* printf for short text: numbers and fixed words only (at most 64 bytes). */
static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out_room(o, 64), 64, fmt, ap);
	va_end(ap);
	o->n += n < 0 ? 0 : n < 64 ? (size_t)n : 63;
}

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
static void put_string(const char *s, struct out *o)
{
	out_char(o, '"');
	for (const char *p = s; *p; p++)
		out_char(o, *p == '"' || *p == '\\' || !isprint((unsigned char)*p) ? '_' : *p);
	out_char(o, '"');
}

/* A comment line, if there is a comment. */
static void put_comment(const char *indent, const char *comment, struct out *o)
{
	if (!comment)
		return;
	out_str(o, indent);
	out_str(o, "comment ");
	put_string(comment, o);
	out_char(o, '\n');
}

/* Print a value of type t at p (network order; a mark in host order). */
static void put_value(enum rs_type t, const uint8_t *p, struct out *o)
{
	char buf[INET6_ADDRSTRLEN];
	uint32_t mark;

	switch (t) {
	case RS_TYPE_IPV4:
		for (int i = 0; i < 4; i++) {
			if (i)
				out_char(o, '.');
			out_uint(o, p[i]);
		}
		break;
	case RS_TYPE_IPV6:
		out_str(o, inet_ntop(AF_INET6, p, buf, sizeof(buf)));
		break;
	case RS_TYPE_PROTO:
		if (strcmp(model_proto_name(p[0]), "?"))
			out_str(o, model_proto_name(p[0]));
		else
			out_uint(o, p[0]);
		break;
	case RS_TYPE_SERVICE:
		out_uint(o, (uint32_t)p[0] << 8 | p[1]);
		break;
	case RS_TYPE_MARK:
		memcpy(&mark, p, sizeof(mark));
		out_printf(o, "0x%08" PRIx32, mark);
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
static void put_field(enum rs_type t, const uint8_t *lo, const uint8_t *hi, bool interval,
		      struct out *o)
{
	unsigned len = ruleset_type_len(t);
	int plen;

	put_value(t, lo, o);
	if (!interval || !memcmp(lo, hi, len))
		return;
	plen = (t == RS_TYPE_IPV4 || t == RS_TYPE_IPV6) ? range_prefix(lo, hi, len) : -1;
	if (plen >= 0) {
		out_char(o, '/');
		out_uint(o, (uint32_t)plen);
		return;
	}
	out_char(o, '-');
	put_value(t, hi, o);
}

static void put_elem(const struct rs_set *s, const struct rs_elem *e, struct out *o)
{
	bool interval = s->flags & RS_SET_INTERVAL;

	for (unsigned i = 0; i < s->nkey; i++) {
		unsigned off = s->nkey == 1 ? 0 : ruleset_field_offset(s, i);

		if (i)
			out_str(o, " . ");
		put_field(s->key[i], e->key + off, interval ? e->key_end + off : NULL, interval, o);
	}
	if (s->flags & RS_SET_VMAP) {
		out_str(o, " : jump ");
		out_str(o, e->chain);
	}
}

/* Print one element of s in nft syntax (without separator). */
void render_elem(const struct rs_set *s, const struct rs_elem *e, FILE *f)
{
	struct out o;

	out_init(&o, f);
	put_elem(s, e, &o);
	out_flush(&o);
}

static void put_set_type(const struct rs_set *s, struct out *o)
{
	for (unsigned i = 0; i < s->nkey; i++) {
		if (i)
			out_str(o, " . ");
		out_str(o, type_names[s->key[i]]);
	}
	if (s->flags & RS_SET_VMAP)
		out_str(o, " : verdict");
}

/* Print the type of s's keys ("ipv4_addr . inet_proto", plus " : verdict" for maps). */
void render_set_type(const struct rs_set *s, FILE *f)
{
	struct out o;

	out_init(&o, f);
	put_set_type(s, &o);
	out_flush(&o);
}

static void put_set(const struct rs_set *s, struct out *o)
{
	out_str(o, s->flags & RS_SET_VMAP ? "\tmap " : "\tset ");
	out_str(o, s->name);
	out_str(o, " {\n\t\ttype ");
	put_set_type(s, o);
	out_char(o, '\n');
	if (s->flags & RS_SET_INTERVAL)
		out_str(o, "\t\tflags interval\n");
	put_comment("\t\t", s->comment, o);
	if (s->nelems) {
		out_str(o, "\t\telements = {");
		for (size_t i = 0; i < s->nelems; i++) {
			out_str(o, i ? ",\n\t\t\t" : " ");
			put_elem(s, &s->elems[i], o);
		}
		out_str(o, " }\n");
	}
	out_str(o, "\t}\n");
}

static void put_ct_state(uint32_t st, struct out *o)
{
	static const char *const names[] = { "invalid", "established", "related", "new" };
	const char *sep = "";

	out_str(o, "ct state ");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (st & (1u << i)) {
			out_str(o, sep);
			out_str(o, names[i]);
			sep = ",";
		}
}

static void put_icmpv6_type(uint8_t t, struct out *o)
{
	if (t == RS_ICMPV6_ND_NEIGHBOR_SOLICIT) {
		out_str(o, "icmpv6 type nd-neighbor-solicit");
	} else if (t == RS_ICMPV6_ND_NEIGHBOR_ADVERT) {
		out_str(o, "icmpv6 type nd-neighbor-advert");
	} else {
		out_str(o, "icmpv6 type ");
		out_uint(o, t);
	}
}

/* The statements of r after its matches: limit, log, counter (see ruleset.h). */
static void put_stmts(const struct rs_rule *r, const char **sep, struct out *o)
{
	if (r->limit_rate) {
		out_str(o, *sep);
		out_printf(o, "limit rate %" PRIu32 "/second burst %" PRIu32 " packets",
			   r->limit_rate, r->limit_burst);
		*sep = " ";
	}
	if (r->log) {
		out_str(o, *sep);
		out_str(o, "log ");
		if (r->log_prefix) {
			out_str(o, "prefix ");
			put_string(r->log_prefix, o);
			out_char(o, ' ');
		}
		out_str(o, "group ");
		out_uint(o, r->log_group);
		*sep = " ";
	}
	if (r->counter) {
		out_str(o, *sep);
		out_str(o, "counter name ");
		put_string(r->counter, o);
		*sep = " ";
	}
}

/* One match of a rule: a fixed form, or fields looked up in a set or map. */
static void put_match(const struct rs_match *m, struct out *o)
{
	switch (m->kind) {
	case RS_MATCH_CT_STATE:
		put_ct_state(m->ct_state, o);
		return;
	case RS_MATCH_CT_MARK:
		out_printf(o, "ct mark & 0x%08" PRIx32 " == 0x%08" PRIx32, m->ct_mark, m->ct_mark);
		return;
	case RS_MATCH_LOCAL_SOCKET:
		out_str(o, "meta skuid >= 0");
		return;
	case RS_MATCH_FIB_SADDR_LOCAL:
		out_str(o, "fib saddr type local");
		return;
	case RS_MATCH_ICMPV6_TYPE:
		put_icmpv6_type(m->icmpv6_type, o);
		return;
	default:
		break;
	}
	for (unsigned j = 0; j < m->nf; j++) {
		if (j)
			out_str(o, " . ");
		out_str(o, field_names[m->f[j]]);
	}
	out_str(o, m->kind == RS_MATCH_VMAP ? " vmap @" : m->inv ? " != @" : " @");
	out_str(o, m->set);
}

static void put_rule(const struct rs_rule *r, struct out *o)
{
	static const char *const verdicts[] = {
		[RS_VERDICT_ACCEPT] = "accept",
		[RS_VERDICT_DROP] = "drop",
		[RS_VERDICT_JUMP] = "jump ",
	};
	const char *sep = "";

	for (unsigned i = 0; i < r->nm; i++) {
		out_str(o, sep);
		sep = " ";
		put_match(&r->m[i], o);
	}
	put_stmts(r, &sep, o);
	if (r->verdict == RS_VERDICT_NONE)
		return;
	out_str(o, sep);
	out_str(o, verdicts[r->verdict]);
	if (r->verdict == RS_VERDICT_JUMP)
		out_str(o, r->target);
}

/* Print one rule in nft syntax (without indentation or newline). */
void render_rule(const struct rs_rule *r, FILE *f)
{
	struct out o;

	out_init(&o, f);
	put_rule(r, &o);
	out_flush(&o);
}

/*
 * A priority as nft 1.0.6 lists it: the standard name of the inet family valid
 * on the hook that is at most 10 away, plus or minus the rest, else the number.
 */
static void put_prio(enum rs_hook hook, int prio, struct out *o)
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
		out_printf(o, "%d", prio);
	else if (prio == base)
		out_str(o, name);
	else
		out_printf(o, "%s %c %d", name, prio > base ? '+' : '-',
			   prio > base ? prio - base : base - prio);
}

static void put_chain(const struct rs_chain *c, struct out *o)
{
	static const char *const hooks[] = {
		[RS_HOOK_PREROUTING] = "prerouting",   [RS_HOOK_INPUT] = "input",
		[RS_HOOK_FORWARD] = "forward",	       [RS_HOOK_OUTPUT] = "output",
		[RS_HOOK_POSTROUTING] = "postrouting",
	};

	out_str(o, "\tchain ");
	out_str(o, c->name);
	out_str(o, " {\n");
	put_comment("\t\t", c->comment, o);
	if (c->hook != RS_HOOK_NONE) {
		out_str(o, "\t\ttype filter hook ");
		out_str(o, hooks[c->hook]);
		out_str(o, " priority ");
		put_prio(c->hook, c->prio, o);
		out_str(o, c->policy_drop ? "; policy drop;\n" : "; policy accept;\n");
	}
	for (size_t i = 0; i < c->nrules; i++) {
		out_str(o, "\t\t");
		put_rule(&c->rules[i], o);
		out_char(o, '\n');
	}
	out_str(o, "\t}\n");
}

/*
 * Print rs as an nft script that, loaded with `nft -f`, atomically replaces any
 * table of the same name (create it if missing, delete it, define it anew).
 * Returns 0, or -EIO when writing failed.
 */
int render_ruleset(const struct ruleset *rs, FILE *f)
{
	static const char *const heads[] = { "table inet ", "\ndelete table inet ",
					     "\ntable inet " };
	struct out *o = xmalloc(sizeof(*o));

	out_init(o, f);
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++) {
		out_str(o, heads[i]);
		out_str(o, rs->table);
	}
	out_str(o, " {\n");
	put_comment("\t", rs->comment, o);
	for (size_t i = 0; i < rs->ncounters; i++) {
		out_str(o, "\tcounter ");
		out_str(o, rs->counters[i].name);
		out_str(o, " {\n");
		put_comment("\t\t", rs->counters[i].comment, o);
		out_str(o, "\t}\n");
	}
	for (size_t i = 0; i < rs->nsets; i++)
		put_set(&rs->sets[i], o);
	for (size_t i = 0; i < rs->nchains; i++)
		put_chain(&rs->chains[i], o);
	out_str(o, "}\n");
	out_flush(o);
	free(o);
	return ferror(f) ? -EIO : 0;
}
