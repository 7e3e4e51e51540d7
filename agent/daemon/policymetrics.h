/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the policies did, on /metrics:
 *   nftpol_policy_packets_total{namespace,policy,direction,rule,verdict}
 *   nftpol_policy_bytes_total{...}        accept (per rule), deny, would_deny
 *   nftpol_cluster_policy_packets_total{kind,policy,tier,direction,rule,rule_name,action}
 *   nftpol_cluster_policy_bytes_total{...}
 *   nftpol_denied_packets_total{direction}
 *   nftpol_denied_log_lines_total, nftpol_denied_log_suppressed_total (--log-denied)
 * First packets only (the chains see ct state new).
 */
#ifndef AGENT_DAEMON_POLICYMETRICS_H
#define AGENT_DAEMON_POLICYMETRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "agent/daemon/denied.h"
#include "agent/daemon/reconcile.h"

void policy_metrics_render(struct reconcile *r, const struct denied *d, bool audit_all, FILE *f);

#endif
