/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time for deadlines, backoffs and durations: CLOCK_MONOTONIC in milliseconds,
 * never the wall clock (which jumps).
 */
#ifndef BASE_NOW_H
#define BASE_NOW_H

#include <stdint.h>

#define NOW_NEVER INT64_MAX /* a deadline that never comes */

int64_t now_ms(void);
double now_wall(void);

#endif
