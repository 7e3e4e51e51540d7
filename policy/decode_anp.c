// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What v1alpha1 AdminNetworkPolicy and BaselineAdminNetworkPolicy (the kinds
 * ClusterNetworkPolicy replaced) differ in from v1alpha2, for decode_cnp.c:
 * no tier (the kind is the tier), Allow for Accept, up to 100 rules, peers and
 * ports, both selectors of `pods` required, and `ports` entries (portNumber,
 * namedPort, portRange with a protocol defaulting to TCP) for `protocols`.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>

#include "policy/decode_int.h"

static const char *const anp_spec_fields[] = { "priority", "subject", "ingress", "egress", NULL };
static const char *const banp_spec_fields[] = { "subject", "ingress", "egress", NULL };
static const char *const ingress_fields[] = { "name", "action", "from", "ports", NULL };
static const char *const egress_fields[] = { "name", "action", "to", "ports", NULL };
static const char *const ingress_peers[] = { "namespaces", "pods", NULL };
static const char *const anp_egress_peers[] = {
	"namespaces", "pods", "nodes", "networks", "domainNames", NULL,
};
static const char *const banp_egress_peers[] = { "namespaces", "pods", "nodes", "networks", NULL };
static const char *const port_fields[] = { "portNumber", "namedPort", "portRange", NULL };
static const char *const number_fields[] = { "protocol", "port", NULL };
static const char *const range_fields[] = { "protocol", "start", "end", NULL };

/*
 * One item of ports: exactly one of portNumber {protocol, port}, namedPort and
 * portRange {protocol, start, end}. The CRD has no rule that start is below
 * end; its documentation says it must be, and a range the other way round
 * would match nothing, so it is refused as in v1alpha2.
 */
static int decode_port(struct field_ctx *f, const cJSON *node, struct np_port *p)
{
	const cJSON *v;
	size_t old;
	int which, ret = -EINVAL;

	if (!field_is(f, node, FIELD_OBJECT) || field_known(f, node, port_fields) < 0)
		return -EINVAL;
	which = decode_cnp_one_of(f, node, port_fields);
	if (which < 0)
		return -EINVAL;
	old = field_push(f, port_fields[which]);
	v = field_get(node, port_fields[which]);
	if (which == 1) {
		ret = decode_cnp_port_named(f, v, p);
	} else if (field_is(f, v, FIELD_OBJECT) &&
		   field_known(f, v, which == 0 ? number_fields : range_fields) == 0 &&
		   field_protocol(f, v, &p->proto) == 0) {
		if (which == 2)
			ret = decode_cnp_port_range(f, v, "start", "end", p);
		else if (decode_cnp_port_number(f, v, "port", &p->port) == 0)
			ret = 0;
		p->flags |= which == 0 && ret == 0 ? PORT_NUMBER : 0;
	}
	field_pop(f, old);
	return ret;
}

static const struct decode_cnp_api api_anp = {
	.spec_fields = anp_spec_fields,
	.rule_fields = { ingress_fields, egress_fields },
	.peer_fields = { ingress_peers, anp_egress_peers },
	.actions = { "Allow", "Deny", "Pass" },
	.ports_key = "ports",
	.named_port = "namedPort",
	.addr_peers = "networks, nodes or domainNames",
	.max_rules = 100,
	.max_peers = 100,
	.max_ports = 100,
	.ns_selector_required = true,
	.has_priority = true,
	.port = decode_port,
};

static const struct decode_cnp_api api_banp = {
	.spec_fields = banp_spec_fields,
	.rule_fields = { ingress_fields, egress_fields },
	.peer_fields = { ingress_peers, banp_egress_peers },
	.actions = { "Allow", "Deny", NULL },
	.ports_key = "ports",
	.named_port = "namedPort",
	.addr_peers = "networks or nodes",
	.max_rules = 100,
	.max_peers = 100,
	.max_ports = 100,
	.ns_selector_required = true,
	.port = decode_port,
};

/* How the v1alpha1 kind s (CNP_SRC_ANP or CNP_SRC_BANP) is decoded. */
const struct decode_cnp_api *decode_anp_api(enum cnp_source s)
{
	return s == CNP_SRC_BANP ? &api_banp : &api_anp;
}
