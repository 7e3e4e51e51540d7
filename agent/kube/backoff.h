/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exponential backoff with jitter, as client-go's reflector does it: the first
 * delay is 800 ms, each failure doubles it up to a cap of 30 s, and a random
 * amount of up to the delay itself is added so agents do not retry in step.
 */
#ifndef AGENT_KUBE_BACKOFF_H
#define AGENT_KUBE_BACKOFF_H

#include <stdint.h>

#define BACKOFF_INITIAL_MS 800
#define BACKOFF_CAP_MS 30000

struct backoff {
	int64_t base_ms; /* the delay before jitter; 0: no failure yet */
	int64_t initial_ms;
	int64_t cap_ms;
};

void backoff_init(struct backoff *b, int64_t initial_ms, int64_t cap_ms);
int64_t backoff_next(struct backoff *b);
void backoff_reset(struct backoff *b);

#endif
