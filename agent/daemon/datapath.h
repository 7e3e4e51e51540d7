/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node's datapath as nftpol sees it: conditions under which traffic of
 * local pods never reaches a netfilter hook of the inet family, so no policy
 * can be enforced on it. Today: a Linux bridge that carries interfaces while
 * br_netfilter does not hand its IPv4 or IPv6 traffic to netfilter
 * (net.bridge.bridge-nf-call-iptables / -ip6tables 0, or br_netfilter absent).
 * Reads sysfs and procfs of the current network namespace; changes nothing.
 */
#ifndef AGENT_DAEMON_DATAPATH_H
#define AGENT_DAEMON_DATAPATH_H

#include <net/if.h>
#include <stddef.h>

enum datapath_reason {
	DATAPATH_BRIDGE_NF_OFF,	      /* bridge-nf-call-iptables is 0 */
	DATAPATH_BRIDGE_NF6_OFF,      /* bridge-nf-call-ip6tables is 0 */
	DATAPATH_BR_NETFILTER_ABSENT, /* no br_netfilter: bridged traffic bypasses netfilter */
};
#define DATAPATH_REASONS 3

struct datapath_finding {
	enum datapath_reason reason;
	char dev[IFNAMSIZ]; /* the bridge */
	size_t ports;	    /* interfaces it carries */
};

struct datapath_report {
	struct datapath_finding *v; /* owned */
	size_t n, cap;
};

/* Where to look: the real node, or a fake tree in tests. */
struct datapath_paths {
	const char *net;    /* /sys/class/net */
	const char *bridge; /* /proc/sys/net/bridge */
};

extern const struct datapath_paths datapath_node;

int datapath_check(const struct datapath_paths *p, struct datapath_report *out);
void datapath_report_fini(struct datapath_report *r);
const char *datapath_reason_name(enum datapath_reason r);
const char *datapath_reason_sysctl(enum datapath_reason r);
char *datapath_finding_text(const struct datapath_finding *f);

struct metrics;
int datapath_observe(const struct datapath_paths *p, struct metrics *m);

#endif
