/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ruleset IR: the nftables objects nftpol programs, as plain data. Compiling
 * policies produces one; render prints it as an nft script, build turns it into a
 * netlink batch, diff compares two. Sets and chains are sorted by name, elements
 * by key, so equal rulesets are equal byte for byte.
 */
#ifndef NFT_RULESET_H
#define NFT_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* nft data types of key fields. */
enum rs_type {
	RS_TYPE_IPV4,	 /* ipv4_addr: 4 bytes */
	RS_TYPE_IPV6,	 /* ipv6_addr: 16 bytes */
	RS_TYPE_PROTO,	 /* inet_proto: 1 byte */
	RS_TYPE_SERVICE, /* inet_service: 2 bytes, network order */
	RS_TYPE_MARK,	 /* mark: 4 bytes, host order (the agent's sync stamp) */
};

#define RS_MAX_FIELDS 3
#define RS_KEY_MAX 32 /* ipv6 . ipv6 (self6), each field padded to 4 bytes */

enum {
	RS_SET_INTERVAL = 1 << 0, /* flags interval: elements are ranges */
	RS_SET_VMAP = 1 << 1,	  /* a verdict map: elements carry a jump */
};

/*
 * One element. The key is laid out as the kernel wants it: the fields in order,
 * each in network byte order; in a concatenation (more than one field) each field
 * is padded with zeroes to a multiple of 4 bytes. Only interval sets have a
 * key_end (ruleset_set_add_elem() allocates it), so the many elements of the
 * other sets do not carry 32 unused bytes each.
 */
struct rs_elem {
	uint8_t key[RS_KEY_MAX];
	uint8_t *key_end; /* RS_SET_INTERVAL: inclusive end of the range, RS_KEY_MAX bytes,
			     owned; NULL in other sets */
	char *chain;	  /* RS_SET_VMAP: the chain to jump to, owned */
};

struct rs_set {
	char *name;    /* owned */
	char *comment; /* owned; may be NULL; at most 128 bytes */
	enum rs_type key[RS_MAX_FIELDS];
	unsigned nkey;
	unsigned flags;	       /* RS_SET_* */
	struct rs_elem *elems; /* sorted by key (then key_end), unique */
	size_t nelems, cap;
};

/* Packet fields a rule can look at. */
enum rs_field {
	RS_F_IP_SADDR,
	RS_F_IP_DADDR,
	RS_F_IP6_SADDR,
	RS_F_IP6_DADDR,
	RS_F_L4PROTO,  /* meta l4proto */
	RS_F_TH_DPORT, /* th dport */
};

enum rs_match_kind {
	RS_MATCH_CT_STATE,	  /* ct state <ct_state> */
	RS_MATCH_SET,		  /* f[0] . f[1] ... @set */
	RS_MATCH_VMAP,		  /* f[0] vmap @set: the verdict comes from the map */
	RS_MATCH_LOCAL_SOCKET,	  /* meta skuid >= 0: a socket of this node sent it */
	RS_MATCH_FIB_SADDR_LOCAL, /* fib saddr type local: from an address of this node */
	RS_MATCH_ICMPV6_TYPE,	  /* icmpv6 type <icmpv6_type> */
	RS_MATCH_CT_MARK,	  /* ct mark & <ct_mark> == <ct_mark>: those bits all set */
};

/* ICMPv6 types a rule can name (neighbour discovery). */
enum {
	RS_ICMPV6_ND_NEIGHBOR_SOLICIT = 135,
	RS_ICMPV6_ND_NEIGHBOR_ADVERT = 136,
};

enum {
	RS_CT_INVALID = 1 << 0,
	RS_CT_ESTABLISHED = 1 << 1,
	RS_CT_RELATED = 1 << 2,
	RS_CT_NEW = 1 << 3,
};

struct rs_match {
	enum rs_match_kind kind;
	enum rs_field f[RS_MAX_FIELDS];
	unsigned nf;
	char *set;	     /* RS_MATCH_SET/VMAP: owned set name */
	uint32_t ct_state;   /* RS_MATCH_CT_STATE: RS_CT_* bits, any of them */
	uint8_t icmpv6_type; /* RS_MATCH_ICMPV6_TYPE */
	uint32_t ct_mark;    /* RS_MATCH_CT_MARK: the bits (not 0) */
	bool inv;	     /* RS_MATCH_SET: != @set, the lookup fails */
};

enum rs_verdict {
	RS_VERDICT_NONE, /* the last match is a VMAP, or a log or counter statement: continue */
	RS_VERDICT_ACCEPT,
	RS_VERDICT_DROP,
	RS_VERDICT_JUMP,
};

#define RS_MAX_MATCHES 4

/*
 * A rule: its matches, then its statements in this fixed order (the order
 * render prints and build emits them in): limit, log, counter, verdict.
 */
struct rs_rule {
	struct rs_match m[RS_MAX_MATCHES]; /* all must match, in order */
	unsigned nm;
	uint32_t limit_rate;  /* limit rate N/second: packets a second, 0: no limit */
	uint32_t limit_burst; /* ... burst B packets: at least 1 with a rate */
	bool log;	      /* log [prefix "P"] group G: the packet to NFLOG group G */
	uint16_t log_group;   /* the NFLOG group */
	char *log_prefix;     /* owned; may be NULL; see ruleset_rule_set_log() */
	char *counter;	      /* owned; counter name "C": the named counter, NULL: none */
	enum rs_verdict verdict;
	char *target; /* RS_VERDICT_JUMP: owned chain name */
};

/* Base chain hooks (all of type filter). */
enum rs_hook {
	RS_HOOK_NONE, /* a regular chain */
	RS_HOOK_PREROUTING,
	RS_HOOK_INPUT,
	RS_HOOK_FORWARD,
	RS_HOOK_OUTPUT,
	RS_HOOK_POSTROUTING,
};

struct rs_chain {
	char *name;    /* owned */
	char *comment; /* owned; may be NULL; at most 128 bytes */
	enum rs_hook hook;
	int prio;	  /* base chains: priority (filter = 0, srcnat = 100) */
	bool policy_drop; /* base chains: policy drop instead of accept */
	struct rs_rule *rules;
	size_t nrules, cap;
};

/* A named counter object (`counter NAME { comment "..." }`). */
struct rs_counter {
	char *name;    /* owned */
	char *comment; /* owned; may be NULL; at most 128 bytes */
};

struct ruleset {
	char *table;	     /* owned; the inet table's name */
	char *comment;	     /* owned; may be NULL */
	struct rs_set *sets; /* sorted by name after ruleset_seal */
	size_t nsets, capsets;
	struct rs_chain *chains; /* sorted by name after ruleset_seal */
	size_t nchains, capchains;
	struct rs_counter *counters; /* sorted by name, unique, after ruleset_seal */
	size_t ncounters, capcounters;
};

#define RS_COMMENT_MAX 128
#define RS_LOG_PREFIX_MAX 127 /* the kernel's NF_LOG_PREFIXLEN less the NUL */

void ruleset_init(struct ruleset *rs, const char *table);
void ruleset_fini(struct ruleset *rs);

struct rs_set *ruleset_add_set(struct ruleset *rs, const char *name, const char *comment,
			       const enum rs_type *key, unsigned nkey, unsigned flags);
struct rs_chain *ruleset_add_chain(struct ruleset *rs, const char *name, const char *comment);
struct rs_elem *ruleset_set_add_elem(struct rs_set *s);
struct rs_rule *ruleset_chain_add_rule(struct rs_chain *c);
void ruleset_rule_add_match(struct rs_rule *r, enum rs_match_kind kind, const char *set,
			    const enum rs_field *f, unsigned nf);
struct rs_counter *ruleset_add_counter(struct ruleset *rs, const char *name, const char *comment);
void ruleset_rule_set_log(struct rs_rule *r, const char *prefix, uint16_t group);
void ruleset_rule_set_counter(struct rs_rule *r, const char *name);
void ruleset_seal(struct ruleset *rs);

struct rs_set *ruleset_find_set(const struct ruleset *rs, const char *name);
const struct rs_elem *ruleset_set_find_key(const struct rs_set *s, const uint8_t *key);
void ruleset_set_insert(struct rs_set *s, const struct rs_elem *e);
bool ruleset_set_remove(struct rs_set *s, const uint8_t *key);
void ruleset_set_merge(struct rs_set *s, const struct rs_elem *const *del, size_t ndel,
		       const struct rs_elem *const *add, size_t nadd);
extern size_t ruleset_merge_small; /* ruleset_set_merge(): changes made one by one */
void ruleset_take_chain(struct ruleset *rs, struct rs_chain *c);
void ruleset_take_set(struct ruleset *rs, struct rs_set *st);
void ruleset_take_counter(struct ruleset *rs, struct rs_counter *k);
void ruleset_remove_set(struct ruleset *rs, struct rs_set *s);
void ruleset_remove_chain(struct ruleset *rs, struct rs_chain *c);
void ruleset_remove_counter(struct ruleset *rs, struct rs_counter *k);
struct rs_chain *ruleset_find_chain(const struct ruleset *rs, const char *name);
struct rs_counter *ruleset_find_counter(const struct ruleset *rs, const char *name);

int ruleset_hook_num(enum rs_hook h);
enum rs_hook ruleset_hook_of(unsigned hooknum);
unsigned ruleset_type_len(enum rs_type t);
unsigned ruleset_key_len(const struct rs_set *s);
unsigned ruleset_field_offset(const struct rs_set *s, unsigned i);
enum rs_type ruleset_field_type(enum rs_field f);
int ruleset_elem_cmp(const struct rs_set *s, const struct rs_elem *a, const struct rs_elem *b);
bool ruleset_rule_eq(const struct rs_rule *a, const struct rs_rule *b);
bool ruleset_chain_rules_eq(const struct rs_chain *a, const struct rs_chain *b);
bool ruleset_rule_has_stmt(const struct rs_rule *r);

#endif
