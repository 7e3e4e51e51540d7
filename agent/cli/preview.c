// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers of the preview subcommands (see preview.h): port lists, endpoints,
 * names for output. Nothing here prints on its own; callers report the errors
 * returned.
 */
#include "agent/cli/preview.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "base/num.h"
#include "base/xalloc.h"

static int parse_proto(const char *s, uint8_t *proto)
{
	if (!strcasecmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcasecmp(s, "sctp"))
		*proto = IPPROTO_SCTP;
	else
		return -EINVAL;
	return 0;
}

/*
 * Parse "8080", "8080/TCP" or "udp/53" (protocol case-insensitive, TCP when
 * absent). Returns 0 or -EINVAL.
 */
int preview_parse_port(const char *s, struct preview_port *out)
{
	const char *slash = strchr(s, '/');
	char *num = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	const char *digits = num, *proto = slash ? slash + 1 : NULL;
	unsigned long v;
	int ret = -EINVAL;

	out->proto = IPPROTO_TCP;
	if (slash && num[0] && (num[0] < '0' || num[0] > '9')) {
		digits = slash + 1;
		proto = num;
	}
	if (proto && parse_proto(proto, &out->proto))
		goto out;
	if (num_parse(digits, 1, 65535, &v))
		goto out;
	out->port = (uint16_t)v;
	ret = 0;
out:
	free(num);
	return ret;
}

void preview_ports_add(struct preview_ports *l, uint8_t proto, uint16_t port)
{
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = (struct preview_port){ proto, port };
}

/* A port name a policy uses, with its protocol. */
struct port_name {
	const char *name; /* borrowed from the policy */
	uint8_t proto;
};

static int port_name_cmp(const void *a, const void *b)
{
	const struct port_name *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The named ports of a list of ports. */
struct port_names {
	struct port_name *v;
	size_t n, cap;
};

/* Add the numbers (and range ends) of ports[0..n) to l, their names to names. */
static void add_ports(struct preview_ports *l, struct port_names *names,
		      const struct np_port *ports, size_t n)
{
	static const uint8_t any[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };

	for (size_t k = 0; k < n; k++) {
		const struct np_port *p = &ports[k];

		if (p->flags & PORT_NUMBER)
			preview_ports_add(l, p->proto, p->port);
		if (p->flags & PORT_RANGE)
			preview_ports_add(l, p->proto, p->end_port);
		if (!(p->flags & PORT_NAMED))
			continue;
		/* proto 0 (a ClusterNetworkPolicy named port): any protocol */
		for (size_t i = 0; i < (p->proto ? 1 : ARRAY_SIZE(any)); i++) {
			XGROW(names->v, names->cap, names->n);
			names->v[names->n++] =
				(struct port_name){ p->name, p->proto ? p->proto : any[i] };
		}
	}
}

/*
 * Add every port the policies of c name to l: numbers, both ends of ranges,
 * named ports as each pod resolves them (each pod's ports are looked up among
 * the names policies use, once). Protocol-only ports add nothing.
 */
void preview_ports_from_policies(const struct cluster *c, struct preview_ports *l)
{
	struct port_names pn = { 0 };
	struct port_name *names;
	size_t n;

	for (size_t i = 0; i < c->npols; i++)
		for (int dir = 0; dir < DIR_COUNT; dir++)
			for (size_t j = 0; j < c->pols[i].nrules[dir]; j++)
				add_ports(l, &pn, c->pols[i].rules[dir][j].ports,
					  c->pols[i].rules[dir][j].nports);
	for (size_t i = 0; i < c->ncnps; i++)
		for (int dir = 0; dir < DIR_COUNT; dir++)
			for (size_t j = 0; j < c->cnps[i].nrules[dir]; j++)
				add_ports(l, &pn, c->cnps[i].rules[dir][j].ports,
					  c->cnps[i].rules[dir][j].nports);
	names = pn.v;
	n = pn.n;
	xqsort(names, n, sizeof(*names), port_name_cmp);
	for (size_t i = 0; n && i < c->npods; i++)
		for (size_t j = 0; model_pod_eligible(&c->pods[i]) && j < c->pods[i].nports; j++) {
			const struct pod_port *pp = &c->pods[i].ports[j];
			struct port_name key = { pp->name, pp->proto };

			if (xbsearch(&key, names, n, sizeof(*names), port_name_cmp))
				preview_ports_add(l, pp->proto, pp->port);
		}
	free(names);
}

static int port_cmp(const void *a, const void *b)
{
	const struct preview_port *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* Sort l by protocol (TCP first) and port, and drop duplicates. */
void preview_ports_sort(struct preview_ports *l)
{
	size_t n = 0;

	xqsort(l->v, l->n, sizeof(*l->v), port_cmp);
	for (size_t i = 0; i < l->n; i++)
		if (!n || port_cmp(&l->v[n - 1], &l->v[i]))
			l->v[n++] = l->v[i];
	l->n = n;
}

void preview_ports_fini(struct preview_ports *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "TCP", "UDP", "SCTP", as Kubernetes spells protocols. */
const char *preview_proto_upper(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		return "?";
	}
}

/*
 * Parse an endpoint: "NS/POD" (its address of family, 0: its first) or an
 * address. Returns 0, -ENOENT for an unknown pod, -EADDRNOTAVAIL for a pod
 * without such an address, -EINVAL for anything else.
 */
int preview_parse_end(const struct reach *r, const char *s, int family, struct reach_end *out)
{
	const char *slash = strchr(s, '/');
	const struct pod *p;
	struct addr a;
	char *ns;

	if (!cidr_parse_addr(s, &a)) {
		reach_end_addr(r, &a, out);
		return 0;
	}
	if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
		return -EINVAL;
	ns = xstrndup(s, (size_t)(slash - s));
	p = reach_find_pod(r, ns, slash + 1);
	free(ns);
	if (!p)
		return -ENOENT;
	return reach_end_pod(p, family, out) ? -EADDRNOTAVAIL : 0;
}

/* Parse "4" or "6" into AF_INET or AF_INET6. Returns 0 or -EINVAL. */
int preview_parse_family(const char *s, int *family)
{
	if (!strcmp(s, "4") || !strcasecmp(s, "ipv4"))
		*family = AF_INET;
	else if (!strcmp(s, "6") || !strcasecmp(s, "ipv6"))
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* Whether an eligible pod of c has an address of family. */
bool preview_has_family(const struct cluster *c, int family)
{
	for (size_t i = 0; i < c->npods; i++)
		for (size_t j = 0; j < c->pods[i].nips; j++)
			if (model_pod_eligible(&c->pods[i]) && c->pods[i].ips[j].family == family)
				return true;
	return false;
}

/* AF_INET when any eligible pod has an IPv4 address, else AF_INET6. */
int preview_default_family(const struct cluster *c)
{
	if (preview_has_family(c, AF_INET))
		return AF_INET;
	return c->npods ? AF_INET6 : AF_INET;
}

/*
 * Name rule (of direction dir) of the cluster network policy c->cnps[cnp]:
 * `ClusterNetworkPolicy NAME (Admin tier, priority 10) egress[0] "rule": Deny`.
 */
void preview_put_cnp_rule(FILE *f, const struct cluster *c, size_t cnp, enum dir dir, size_t rule)
{
	const struct cnp *p = &c->cnps[cnp];
	const struct cnp_rule *r = &p->rules[dir][rule];

	fprintf(f, "%s %s (%s tier", model_cnp_source_kind(p->source), p->name,
		model_cnp_tier_name(p->tier));
	if (p->source != CNP_SRC_BANP)
		fprintf(f, ", priority %d", p->priority);
	if (p->origin.file && p->origin.line)
		fprintf(f, ", %s:%u", p->origin.file, p->origin.line);
	fprintf(f, ") %s[%zu]", dir == DIR_INGRESS ? "ingress" : "egress", rule);
	if (*r->name)
		fprintf(f, " \"%s\"", r->name);
	fprintf(f, ": %s", model_cnp_action_name(r->action));
}

/* Start writing a string: what is written to the FILE returned lands in s. */
FILE *preview_str_open(struct preview_str *s)
{
	s->buf = NULL;
	s->len = 0;
	s->f = xnonnull(open_memstream(&s->buf, &s->len));
	return s->f;
}

/* The string written since preview_str_open(), NUL-terminated; the caller frees it. */
char *preview_str_take(struct preview_str *s)
{
	fclose(s->f);
	s->f = NULL;
	return s->buf;
}
