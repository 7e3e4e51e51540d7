/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time for deadlines, backoffs and durations: CLOCK_MONOTONIC in milliseconds,
 * never the wall clock (which jumps).
 */
#ifndef AGENT_MONOTIME_H
#define AGENT_MONOTIME_H

#include <stdint.h>

#define MONOTIME_NEVER INT64_MAX	/* a deadline that never comes */

int64_t monotime_ms(void);
double monotime_wall(void);

#endif
