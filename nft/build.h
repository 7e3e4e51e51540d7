/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nf_tables netlink messages from the ruleset IR. A build collects the messages
 * of one transaction on one inet table into a batch that nft/netlink.c sends
 * with one sendmsg(). The bytecode, set metadata and userdata are what nft 1.0.6
 * emits for the script render_ruleset() prints, so both read back identically.
 * Nothing here touches a socket: unit tests build and parse messages back.
 */
#ifndef NFT_BUILD_H
#define NFT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft/ruleset.h"

struct build;
struct nftnl_batch;

/* What a message does; error replies are mapped back to these. */
enum build_op {
	BUILD_OP_BEGIN,
	BUILD_OP_END,
	BUILD_OP_ADD_TABLE,
	BUILD_OP_DEL_TABLE,
	BUILD_OP_ADD_CHAIN,
	BUILD_OP_DEL_CHAIN,
	BUILD_OP_FLUSH_CHAIN,
	BUILD_OP_ADD_RULE,
	BUILD_OP_ADD_SET,
	BUILD_OP_DEL_SET,
	BUILD_OP_ADD_ELEMS,
	BUILD_OP_DEL_ELEMS,
	BUILD_OP_ADD_COUNTER,
	BUILD_OP_DEL_COUNTER,
};

/* build_elems() flags */
enum {
	BUILD_ELEMS_DEL = 1 << 0, /* DELSETELEM instead of NEWSETELEM */
};

struct build *build_new(const char *table, uint32_t seq);
void build_free(struct build *b);

void build_begin(struct build *b, uint32_t genid);
void build_end(struct build *b);

void build_table_add(struct build *b, const char *comment);
void build_table_del(struct build *b);
void build_chain_add(struct build *b, const struct rs_chain *c);
void build_chain_del(struct build *b, const char *name);
void build_chain_flush(struct build *b, const char *name);
int build_rule_add(struct build *b, const struct ruleset *rs, const struct rs_chain *c, size_t i)
	__attribute__((warn_unused_result));
int build_rules_add(struct build *b, const struct ruleset *rs, const struct rs_chain *c)
	__attribute__((warn_unused_result));
int build_counter_add(struct build *b, const struct rs_counter *c)
	__attribute__((warn_unused_result));
void build_counter_del(struct build *b, const char *name);
int build_set_add(struct build *b, const struct rs_set *s) __attribute__((warn_unused_result));
void build_set_del(struct build *b, const char *name);
int build_elems(struct build *b, const struct rs_set *s, const struct rs_elem *const *v, size_t n,
		unsigned flags) __attribute__((warn_unused_result));
int build_set_elems(struct build *b, const struct rs_set *s) __attribute__((warn_unused_result));
int build_replace(struct build *b, const struct ruleset *rs) __attribute__((warn_unused_result));

void build_comment_clean(const char *in, char *out);
bool build_set_userdata_eq(const struct rs_set *s, const void *data, size_t len);
uint32_t build_key_type(const struct rs_set *s);

const char *build_error(const struct build *b);
struct nftnl_batch *build_batch(struct build *b);
size_t build_msgs(const struct build *b);
size_t build_len(const struct build *b);
uint32_t build_next_seq(const struct build *b);
bool build_describe(const struct build *b, uint32_t seq, char *buf, size_t len);
enum build_op build_seq_op(const struct build *b, uint32_t seq);

#endif
