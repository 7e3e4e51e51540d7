// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's sync stamp in the table (see stamp.h). */
#include "nft/stamp.h"

#include <errno.h>
#include <string.h>

/* Add the stamp set holding unix_secs to the sealed ruleset rs (sealed again). */
void stamp_put(struct ruleset *rs, uint32_t unix_secs)
{
	static const enum rs_type key[] = { RS_TYPE_MARK };
	struct rs_set *s = ruleset_add_set(rs, STAMP_SET,
					   "Unix time (hex) of the nftpol agent's last sync on "
					   "this node",
					   key, 1, 0);

	memcpy(ruleset_set_add_elem(s)->key, &unix_secs, sizeof(unix_secs));
	ruleset_seal(rs);
}

/* The stamp of rs into *unix_secs: 0, or -ENOENT when it has none. */
int stamp_get(const struct ruleset *rs, uint32_t *unix_secs)
{
	const struct rs_set *s = ruleset_find_set(rs, STAMP_SET);

	if (!s || s->nkey != 1 || s->key[0] != RS_TYPE_MARK || s->nelems != 1)
		return -ENOENT;
	memcpy(unix_secs, s->elems[0].key, sizeof(*unix_secs));
	return 0;
}
