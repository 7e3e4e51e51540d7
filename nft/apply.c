// SPDX-License-Identifier: GPL-2.0-or-later
/* One reconcile of the kernel's table with a ruleset, or its removal (see apply.h). */
#include "nft/apply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nft/build.h"
#include "nft/readback.h"

#define APPLY_TRIES 5

/* Whether the table read back is exactly what we programmed last time. */
static bool same_as_last(const struct ruleset *have, const struct ruleset *last)
{
	struct diff_plan p;
	bool same = diff_plan(last, have, &p) == 0 && diff_plan_empty(&p);

	diff_plan_fini(&p);
	return same;
}

/*
 * Decide between a difference and a full replace of what the kernel holds
 * (read is readback_table()'s result) and build the batch body into b.
 */
static int build_body(struct build *b, const struct ruleset *have, int read,
		      const struct ruleset *want, const struct ruleset *last, bool force,
		      struct apply_result *res)
{
	int ret;

	res->full = true;
	if (read == -ENOENT)
		snprintf(res->why, sizeof(res->why), "table inet %s does not exist", want->table);
	else if (read == -ENOTSUP)
		; /* readback said why */
	else if (force && !res->why[0])
		snprintf(res->why, sizeof(res->why), "full replace requested");
	else if (force)
		; /* the difference could not do it, why says so */
	else if (last && !same_as_last(have, last))
		snprintf(res->why, sizeof(res->why), "table inet %s was changed by someone else",
			 want->table);
	else
		res->full = false;
	if (!res->full) {
		ret = diff_build(have, want, b, &res->st);
		if (ret != -EXDEV)
			return ret;
		snprintf(res->why, sizeof(res->why), "a table or chain definition changed");
		res->full = true;
		return 1; /* start over: the diff may have written messages */
	}
	diff_replace_stats(read ? NULL : have, want, &res->st);
	return build_replace(b, want);
}

/* The ruleset generation right after one commit checked against gen (0 is skipped). */
static uint32_t next_gen(uint32_t gen)
{
	return gen + 1 ? gen + 1 : 1;
}

static int try_once(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		    unsigned flags, struct apply_result *res)
{
	struct ruleset have;
	bool force = flags & APPLY_REPLACE;
	struct build *b = NULL;
	uint32_t genid = 0;
	int read, ret;

	read = readback_table(nl, want->table, &have, &genid, res->why, sizeof(res->why));
	if (read && read != -ENOENT && read != -ENOTSUP) {
		res->stage = APPLY_STAGE_READ;
		ret = read;
		goto out;
	}
	res->genid = genid;
	for (;;) {
		b = build_new(want->table, netlink_next_seq(nl));
		build_begin(b, genid);
		ret = build_body(b, &have, read, want, last, force, res);
		if (ret != 1)
			break;
		build_free(b);
		memset(&res->st, 0, sizeof(res->st));
		force = true;
	}
	if (ret) {
		res->stage = APPLY_STAGE_BUILD;
		snprintf(res->err, sizeof(res->err), "%s", build_error(b));
		goto out;
	}
	if (!res->full && diff_stats_empty(&res->st)) {
		res->gen_after = genid;
		goto out;
	}
	if (!(flags & APPLY_CHECK))
		build_end(b);
	res->msgs = build_msgs(b);
	res->sent = true;
	ret = netlink_send(nl, b, &res->rep);
	res->bytes = res->rep.bytes;
	if (ret)
		res->stage = APPLY_STAGE_KERNEL;
	else if (!(flags & APPLY_CHECK) && genid)
		res->gen_after = next_gen(genid);
out:
	build_free(b);
	ruleset_fini(&have);
	return ret;
}

/*
 * Whether a refused batch may have been built on a view of the table that was
 * not the kernel's, so that reading back again and retrying can succeed:
 * ERESTART (the generation moved on), or the kernel not finding, already
 * having or still using an object the read-back said otherwise about. A dump
 * runs concurrently with other writers' transactions: a batch of theirs that
 * is being processed (not yet committed, so the generation has not moved)
 * inserts its new objects into the lists a dump walks, and the kernel's
 * position-based dump continuation can then return some objects twice or
 * miss some (seen on 6.18 with two `nftpol apply` racing).
 */
static bool stale_view(int ret, const struct apply_result *res)
{
	if (ret == -ERESTART)
		return true;
	return res->stage == APPLY_STAGE_KERNEL && !res->full &&
	       (ret == -ENOENT || ret == -EEXIST || ret == -EBUSY);
}

/*
 * Program want (sealed) into its table in one transaction. last is what this
 * process programmed before (NULL if nothing or unknown): when the kernel's
 * table differs from it, someone else changed it and it is replaced whole.
 * With APPLY_CHECK the batch goes without BATCH_END: validated, not committed.
 * res says what was done or why not. Returns 0 (also when nothing had to
 * change: res->sent is false), or -errno with res->stage set.
 */
int apply_ruleset(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		  unsigned flags, struct apply_result *res)
{
	int tries = 0, ret;

	do {
		memset(res, 0, sizeof(*res));
		res->tries = ++tries;
		ret = try_once(nl, want, last, flags, res);
	} while (stale_view(ret, res) && tries < APPLY_TRIES);
	return ret;
}

/* The slow path of apply_delta(): read back, compare, send; then note the generation. */
static int apply_read(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		      uint32_t *gen, struct apply_result *res)
{
	int ret = apply_ruleset(nl, want, last, 0, res);

	*gen = ret ? 0 : res->gen_after;
	return ret;
}

/*
 * End batch b (begun against generation *gen), send it and free it. On
 * success *gen is the generation after it; on failure 0. Returns 0 or -errno.
 */
static int send_built(struct netlink *nl, struct build *b, uint32_t *gen, struct apply_result *res)
{
	int ret;

	build_end(b);
	res->msgs = build_msgs(b);
	res->sent = true;
	ret = netlink_send(nl, b, &res->rep);
	res->bytes = res->rep.bytes;
	build_free(b);
	*gen = ret ? 0 : next_gen(*gen);
	res->gen_after = *gen;
	return ret;
}

/*
 * Program want from the state this process keeps: last is what it committed,
 * *gen the ruleset generation right after that commit (0: unknown). The
 * difference last -> want goes to the kernel without reading anything back,
 * in a batch that the kernel refuses unless the generation is still *gen, i.e.
 * nobody committed anything in the meantime. When it is refused, when *gen or
 * last is unknown, or when only a whole replace can do it, this falls back to
 * apply_ruleset() (read back, compare, send). On success *gen is the new
 * generation (0 when it cannot be known, so the next call reads back). Returns
 * 0 or -errno with res as apply_ruleset() fills it.
 */
int apply_delta(struct netlink *nl, const struct ruleset *want, const struct ruleset *last,
		uint32_t *gen, struct apply_result *res)
{
	struct build *b;
	int ret;

	if (!last || !*gen)
		return apply_read(nl, want, last, gen, res);
	memset(res, 0, sizeof(*res));
	res->tries = 1;
	res->genid = *gen;
	b = build_new(want->table, netlink_next_seq(nl));
	build_begin(b, *gen);
	ret = diff_build(last, want, b, &res->st);
	if (ret || diff_stats_empty(&res->st)) {
		build_free(b);
		if (ret)
			return apply_read(nl, want, last, gen, res);
		res->gen_after = *gen;
		return 0;
	}
	ret = send_built(nl, b, gen, res);
	return ret ? apply_read(nl, want, last, gen, res) : 0;
}

/*
 * Send plan p (a difference computed without the old ruleset at hand, such as
 * nft/incr.c's) to table, in a batch the kernel refuses unless the ruleset
 * generation is still *gen. Nothing falls back here: on any failure the table
 * is as it was, *gen is 0 and the caller reads back (apply_ruleset). On
 * success *gen is the new generation. Returns 0 or -errno (res->stage says
 * where); -ESTALE when *gen is unknown.
 */
int apply_plan(struct netlink *nl, const struct diff_plan *p, const char *table, uint32_t *gen,
	       struct apply_result *res)
{
	struct build *b;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!*gen)
		return -ESTALE;
	res->tries = 1;
	res->genid = *gen;
	res->st = p->st;
	if (diff_plan_empty(p)) {
		res->gen_after = *gen;
		return 0;
	}
	b = build_new(table, netlink_next_seq(nl));
	build_begin(b, *gen);
	ret = diff_plan_build(p, b);
	if (ret) {
		build_free(b);
		res->stage = APPLY_STAGE_BUILD;
		(void)snprintf(res->err, sizeof(res->err), "cannot express the difference: %s",
			       strerror(-ret));
		*gen = 0;
		return ret;
	}
	ret = send_built(nl, b, gen, res);
	if (ret)
		res->stage = APPLY_STAGE_KERNEL;
	return ret;
}

/*
 * Remove the inet table called table and everything in it, in one transaction:
 * a batch holding a single DELTABLE. Returns 0 when it was removed, -ENOENT
 * when there was no such table (nothing changed), or another -errno with rep
 * listing what the kernel refused (the table is then left as it was).
 */
int apply_uninstall(struct netlink *nl, const char *table, struct netlink_report *rep)
{
	struct build *b = build_new(table, netlink_next_seq(nl));
	int ret;

	build_begin(b, 0);
	build_table_del(b);
	build_end(b);
	ret = netlink_send(nl, b, rep);
	build_free(b);
	return ret;
}
