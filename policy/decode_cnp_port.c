// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ports of a cluster network policy rule: v1alpha2 protocols (tcp, udp,
 * sctp with a destinationPort number or range, destinationNamedPort), and the
 * numbers, ranges and names v1alpha1 ports (decode_anp.c) share with them, into
 * struct np_port as NetworkPolicy has it; a named port has protocol 0.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "policy/decode_int.h"
#include "policy/validate.h"
#include "base/xalloc.h"

static const char *const protocol_fields[] = { "tcp", "udp", "sctp", "destinationNamedPort", NULL };
static const uint8_t protocol_numbers[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
static const char *const proto_fields[] = { "destinationPort", NULL };
static const char *const dport_fields[] = { "number", "range", NULL };
static const char *const range_fields[] = { "start", "end", NULL };

/* A port number (1-65535) at obj.key (required); 0 or -EINVAL (reported). */
int decode_cnp_port_number(struct field_ctx *f, const cJSON *obj, const char *key, uint16_t *out)
{
	const cJSON *v = field_get(obj, key);
	size_t old;
	long n = 0;
	bool ok;

	if (!v)
		return decode_cnp_missing(f, obj, key, "a port number (1-65535)");
	old = field_push(f, key);
	ok = field_int(f, v, 1, 65535, &n);
	field_pop(f, old);
	*out = (uint16_t)n;
	return ok ? 0 : -EINVAL;
}

/*
 * A port range {start, end} (obj at the current path, keys as given) into p:
 * start below end, as the CEL rule of the CRD has it.
 */
int decode_cnp_port_range(struct field_ctx *f, const cJSON *obj, const char *start, const char *end,
			  struct np_port *p)
{
	if (decode_cnp_port_number(f, obj, start, &p->port) < 0 ||
	    decode_cnp_port_number(f, obj, end, &p->end_port) < 0)
		return -EINVAL;
	if (p->port >= p->end_port) {
		field_error(f, obj, "Start port must be less than End port: %s %u, %s %u", start,
			    p->port, end, p->end_port);
		return -EINVAL;
	}
	p->flags |= PORT_NUMBER | PORT_RANGE;
	return 0;
}

/*
 * A named port (string node v at the current path) into p: any protocol of the
 * container port of that name.
 */
int decode_cnp_port_named(struct field_ctx *f, const cJSON *v, struct np_port *p)
{
	const char *why;

	if (!field_is(f, v, FIELD_STRING))
		return -EINVAL;
	why = *v->valuestring ? validate_port_name(v->valuestring) : "must not be empty";
	if (why) {
		field_error(f, v, "invalid port name \"%.40s\": %s", v->valuestring, why);
		return -EINVAL;
	}
	p->proto = 0;
	p->flags = PORT_NAMED;
	p->name = xstrdup(v->valuestring);
	return 0;
}

/* destinationPort (node, at the current path): a number or a range. */
static int decode_dport(struct field_ctx *f, const cJSON *node, struct np_port *p)
{
	const cJSON *r;
	size_t old;
	int which, ret;
	long n;

	if (!field_is(f, node, FIELD_OBJECT) || field_known(f, node, dport_fields) < 0)
		return -EINVAL;
	which = decode_cnp_one_of(f, node, dport_fields);
	if (which < 0)
		return -EINVAL;
	old = field_push(f, dport_fields[which]);
	if (which == 0) {
		ret = field_int(f, field_get(node, "number"), 1, 65535, &n) ? 0 : -EINVAL;
		p->port = (uint16_t)n;
		p->flags = PORT_NUMBER;
	} else {
		r = field_get(node, "range");
		ret = field_is(f, r, FIELD_OBJECT) && field_known(f, r, range_fields) == 0
			      ? decode_cnp_port_range(f, r, "start", "end", p)
			      : -EINVAL;
	}
	field_pop(f, old);
	return ret;
}

/*
 * One item of the protocols of a v1alpha2 rule (node, at the current path):
 * exactly one of tcp, udp, sctp (each with a destinationPort) and
 * destinationNamedPort, into p. 0 or -EINVAL (reported).
 */
int decode_cnp_port_protocol(struct field_ctx *f, const cJSON *node, struct np_port *p)
{
	const cJSON *pr, *dp;
	size_t old;
	int which, ret;

	if (!field_is(f, node, FIELD_OBJECT) || field_known(f, node, protocol_fields) < 0)
		return -EINVAL;
	which = decode_cnp_one_of(f, node, protocol_fields);
	if (which < 0)
		return -EINVAL;
	old = field_push(f, protocol_fields[which]);
	pr = field_get(node, protocol_fields[which]);
	if (which == 3) {
		ret = decode_cnp_port_named(f, pr, p);
	} else if (!field_is(f, pr, FIELD_OBJECT) || field_known(f, pr, proto_fields) < 0) {
		ret = -EINVAL;
	} else if (!(dp = field_get(pr, "destinationPort"))) {
		field_error(f, pr,
			    "must have at least 1 property: destinationPort, a port number or "
			    "a range (to match every %s port, leave the protocol out)",
			    protocol_fields[which]);
		ret = -EINVAL;
	} else {
		size_t o = field_push(f, "destinationPort");

		ret = decode_dport(f, dp, p);
		field_pop(f, o);
		p->proto = protocol_numbers[which];
	}
	field_pop(f, old);
	return ret;
}
