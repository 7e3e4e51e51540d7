// SPDX-License-Identifier: GPL-2.0-or-later
/* Monotonic milliseconds for every deadline (see monotime.h). */
#include "base/now.h"

#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC (an arbitrary but fixed origin). */
int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds since the epoch, for reporting only (metrics timestamps). */
double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
