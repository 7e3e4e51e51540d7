// SPDX-License-Identifier: GPL-2.0-or-later
/* Exponential backoff with jitter (see backoff.h). */
#include "agent/kube/backoff.h"

#include <stdlib.h>

void backoff_init(struct backoff *b, int64_t initial_ms, int64_t cap_ms)
{
	b->base_ms = 0;
	b->initial_ms = initial_ms;
	b->cap_ms = cap_ms;
}

/*
 * Record a failure and return how long to wait before the next attempt, in
 * milliseconds: the base delay (doubled per failure, capped) plus jitter of up
 * to the base delay, capped again.
 */
int64_t backoff_next(struct backoff *b)
{
	int64_t d;

	if (b->base_ms == 0)
		b->base_ms = b->initial_ms;
	else if (b->base_ms < b->cap_ms)
		b->base_ms = b->base_ms * 2 > b->cap_ms ? b->cap_ms : b->base_ms * 2;
	d = b->base_ms + (int64_t)arc4random_uniform((uint32_t)b->base_ms + 1);
	return d > b->cap_ms ? b->cap_ms : d;
}

/* A success: the next failure starts from the initial delay again. */
void backoff_reset(struct backoff *b)
{
	b->base_ms = 0;
}
