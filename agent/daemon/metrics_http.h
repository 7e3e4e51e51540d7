/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small non-blocking HTTP/1.0 server on the agent's poll loop: /metrics
 * (Prometheus text), /healthz (the loop runs) and /readyz (the first complete
 * sync is programmed). One request per connection, bounded request size, a
 * bounded number of clients, each with a deadline.
 */
#ifndef AGENT_DAEMON_METRICS_HTTP_H
#define AGENT_DAEMON_METRICS_HTTP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/daemon/metrics.h"

#define METRICS_HTTP_CLIENTS 16 /* connections served at once */
#define METRICS_HTTP_FDS (METRICS_HTTP_CLIENTS + 1)
#define METRICS_HTTP_TIMEOUT_MS 5000 /* a connection's whole life */
#define METRICS_HTTP_REQ_MAX 4096    /* bytes of a request head */

struct metrics_http;

int metrics_http_new(const char *addr, const struct metrics *m, struct metrics_http **out,
		     char **err);
void metrics_http_free(struct metrics_http *h);
size_t metrics_http_pollfds(const struct metrics_http *h, struct pollfd *fds, size_t max);
void metrics_http_handle(struct metrics_http *h, const struct pollfd *fds, size_t n, int64_t now);
int64_t metrics_http_deadline(const struct metrics_http *h);

#endif
