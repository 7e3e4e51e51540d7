// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Blindness detection (see datapath.h): every Linux bridge of the namespace
 * that has ports, against br_netfilter's two sysctls.
 */
#include "agent/daemon/datapath.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/daemon/metrics.h"
#include "base/log.h"
#include "base/xalloc.h"

const struct datapath_paths datapath_node = {
	.net = "/sys/class/net",
	.bridge = "/proc/sys/net/bridge",
};

static const char *const reason_names[DATAPATH_REASONS] = {
	[DATAPATH_BRIDGE_NF_OFF] = "bridge_nf_call_iptables_off",
	[DATAPATH_BRIDGE_NF6_OFF] = "bridge_nf_call_ip6tables_off",
	[DATAPATH_BR_NETFILTER_ABSENT] = "br_netfilter_absent",
};

static const char *const reason_sysctls[DATAPATH_REASONS] = {
	[DATAPATH_BRIDGE_NF_OFF] = "net.bridge.bridge-nf-call-iptables",
	[DATAPATH_BRIDGE_NF6_OFF] = "net.bridge.bridge-nf-call-ip6tables",
	[DATAPATH_BR_NETFILTER_ABSENT] = "net.bridge.bridge-nf-call-iptables",
};

/* The label value of a reason, for metrics and logs. */
const char *datapath_reason_name(enum datapath_reason r)
{
	return reason_names[r];
}

/* The sysctl an operator sets to 1 to cure r (for r absent: after modprobe br_netfilter). */
const char *datapath_reason_sysctl(enum datapath_reason r)
{
	return reason_sysctls[r];
}

/* Interfaces enslaved to bridge dev (entries of <net>/<dev>/brif), or -errno. */
static long bridge_ports(const char *net, const char *dev)
{
	char *path = xasprintf("%s/%s/brif", net, dev);
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;

	free(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The value of sysctl file name under dir: 0 or 1; -ENOENT when absent. */
static int read_flag(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	int v = -1, ret;

	free(path);
	if (!f)
		return -errno;
	ret = fscanf(f, "%d", &v);
	fclose(f);
	if (ret != 1)
		return -EINVAL;
	return v != 0;
}

static void add(struct datapath_report *r, enum datapath_reason why, const char *dev, size_t ports)
{
	struct datapath_finding *f;

	XGROW(r->v, r->cap, r->n);
	f = &r->v[r->n++];
	f->reason = why;
	snprintf(f->dev, sizeof(f->dev), "%s", dev);
	f->ports = ports;
}

/*
 * Judge one bridge with ports against the br_netfilter sysctls. br_netfilter
 * hands a bridge's packets to netfilter when the namespace's sysctl or the
 * bridge's own option (ip link set DEV type bridge nf_call_iptables 1, in sysfs
 * <net>/<dev>/bridge/nf_call_iptables) is on.
 */
static void check_bridge(const struct datapath_paths *p, const char *dev, size_t ports,
			 struct datapath_report *out)
{
	char *own = xasprintf("%s/%s/bridge", p->net, dev);
	int v4 = read_flag(p->bridge, "bridge-nf-call-iptables");
	int v6 = read_flag(p->bridge, "bridge-nf-call-ip6tables");

	if (v4 == -ENOENT && v6 == -ENOENT) {
		add(out, DATAPATH_BR_NETFILTER_ABSENT, dev, ports);
		free(own);
		return;
	}
	if (v4 <= 0 && read_flag(own, "nf_call_iptables") == 1)
		v4 = 1;
	if (v6 <= 0 && read_flag(own, "nf_call_ip6tables") == 1)
		v6 = 1;
	free(own);
	if (v4 <= 0)
		add(out, DATAPATH_BRIDGE_NF_OFF, dev, ports);
	if (v6 <= 0)
		add(out, DATAPATH_BRIDGE_NF6_OFF, dev, ports);
}

/*
 * Append to out every condition of the node (p: where its sysfs and procfs
 * are) under which local traffic escapes enforcement, bridges in name order.
 * Returns 0, or -errno when the interfaces cannot be listed (out unchanged).
 */
int datapath_check(const struct datapath_paths *p, struct datapath_report *out)
{
	struct dirent **names = NULL;
	int n = scandir(p->net, &names, NULL, alphasort);

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *dev = names[i]->d_name;
		long ports = dev[0] == '.' ? 0 : bridge_ports(p->net, dev);

		if (ports > 0)
			check_bridge(p, dev, (size_t)ports, out);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Free what the report owns; it may be reused after datapath_report_fini(). */
void datapath_report_fini(struct datapath_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* One sentence for an operator: what is blind, why, and the cure. Caller frees. */
char *datapath_finding_text(const struct datapath_finding *f)
{
	if (f->reason == DATAPATH_BR_NETFILTER_ABSENT)
		return xasprintf("Linux bridge %s carries %zu interfaces but br_netfilter is not "
				 "loaded: traffic switched between them never reaches netfilter "
				 "and is not enforced (load br_netfilter and set %s=1 and "
				 "net.bridge.bridge-nf-call-ip6tables=1)",
				 f->dev, f->ports, reason_sysctls[f->reason]);
	return xasprintf("Linux bridge %s carries %zu interfaces while %s=0: %s traffic "
			 "switched between them never reaches netfilter and is not enforced "
			 "(set %s=1)",
			 f->dev, f->ports, reason_sysctls[f->reason],
			 f->reason == DATAPATH_BRIDGE_NF_OFF ? "IPv4" : "IPv6",
			 reason_sysctls[f->reason]);
}

/*
 * The agent's check, at start and at every full check: log each finding as an
 * error and set the nftpol_datapath_unenforced gauges. Returns the number of
 * findings, or -errno when the node could not be inspected (gauges unchanged).
 */
int datapath_observe(const struct datapath_paths *p, struct metrics *m)
{
	struct datapath_report r = { 0 };
	int ret = datapath_check(p, &r);

	if (ret < 0) {
		log_warnx("cannot inspect the node's interfaces",
			  LOG_FIELDS(LOG_STR("path", p->net), LOG_STR("error", strerror(-ret))));
		return ret;
	}
	memset(m->unenforced, 0, sizeof(m->unenforced));
	for (size_t i = 0; i < r.n; i++) {
		char *text = datapath_finding_text(&r.v[i]);

		m->unenforced[r.v[i].reason]++;
		log_error("traffic on this node escapes enforcement",
			  LOG_FIELDS(LOG_STR("reason", reason_names[r.v[i].reason]),
				     LOG_STR("device", r.v[i].dev),
				     LOG_STR("sysctl", reason_sysctls[r.v[i].reason]),
				     LOG_STR("detail", text)));
		free(text);
	}
	ret = (int)r.n;
	datapath_report_fini(&r);
	return ret;
}
