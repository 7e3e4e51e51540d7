// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Pod fields NetworkPolicy needs: node, hostNetwork, named container ports
 * (of containers and init containers, since sidecars declare ports there too),
 * phase and IPs. Fields nftpol does not use are ignored; those it uses are
 * checked as strictly as the API server checks them.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/cidr.h"
#include "policy/decode_int.h"
#include "policy/validate.h"
#include "base/xalloc.h"

static const char *const phase_names[] = {
	[POD_PHASE_PENDING] = "Pending",     [POD_PHASE_RUNNING] = "Running",
	[POD_PHASE_SUCCEEDED] = "Succeeded", [POD_PHASE_FAILED] = "Failed",
	[POD_PHASE_UNKNOWN] = "Unknown",
};

/* A growing list of named ports. */
struct port_list {
	struct pod_port *v;
	size_t n, cap;
};

static int pod_phase(struct field_ctx *f, const cJSON *status, struct pod *p)
{
	const char *ph;
	int ret = field_string(f, status, "phase", &ph);

	p->phase = POD_PHASE_PENDING;
	if (ret <= 0)
		return ret;
	p->phase = POD_PHASE_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(phase_names); i++)
		if (!strcmp(ph, phase_names[i]))
			p->phase = (enum pod_phase)i;
	return 0;
}

/* One pod IP (string node s, at the current path); at most one per family. */
static int pod_ip(struct field_ctx *f, const cJSON *s, struct pod *p)
{
	struct addr a;

	if (!field_is(f, s, FIELD_STRING))
		return -EINVAL;
	if (cidr_parse_addr(s->valuestring, &a) < 0) {
		field_error(f, s,
			    "invalid IP address \"%.60s\": expected an IPv4 or IPv6 "
			    "address such as 10.244.1.7 or fd00:10:244::7",
			    s->valuestring);
		return -EINVAL;
	}
	for (size_t i = 0; i < p->nips; i++) {
		if (p->ips[i].family == a.family) {
			field_error(f, s,
				    "a pod has at most one IP per family, and \"%.60s\" is "
				    "a second %s address",
				    s->valuestring, a.family == AF_INET ? "IPv4" : "IPv6");
			return -EINVAL;
		}
	}
	p->ips[p->nips++] = a;
	return 0;
}

static int pod_ip_entry(struct field_ctx *f, const cJSON *e, struct pod *p)
{
	const cJSON *ip;
	size_t old;
	int ret;

	if (!field_is(f, e, FIELD_OBJECT))
		return -EINVAL;
	ip = field_get(e, "ip");
	old = field_push(f, "ip");
	if (!ip) {
		field_error(f, e, "required value: the pod's IP address");
		ret = -EINVAL;
	} else {
		ret = pod_ip(f, ip, p);
	}
	field_pop(f, old);
	return ret;
}

/* status.podIPs, else status.podIP; IPv4 first. */
static int pod_ips(struct field_ctx *f, const cJSON *status, struct pod *p)
{
	const cJSON *arr, *e, *one;
	int ret = field_typed(f, status, "podIPs", FIELD_ARRAY, &arr);
	size_t old, i = 0;

	if (ret < 0)
		return ret;
	old = field_push(f, "podIPs");
	cJSON_ArrayForEach (e, arr) {
		size_t o = field_push_index(f, i++);

		if (pod_ip_entry(f, e, p) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	if (!arr || cJSON_GetArraySize(arr) == 0) {
		if (field_typed(f, status, "podIP", FIELD_STRING, &one) < 0)
			return -EINVAL;
		old = field_push(f, "podIP");
		if (one && *one->valuestring && pod_ip(f, one, p) < 0)
			ret = -EINVAL;
		field_pop(f, old);
	}
	if (p->nips == 2 && p->ips[0].family == AF_INET6) {
		struct addr t = p->ips[0];

		p->ips[0] = p->ips[1];
		p->ips[1] = t;
	}
	return ret < 0 ? ret : 0;
}

static int port_number(struct field_ctx *f, const cJSON *node, uint16_t *out)
{
	const cJSON *n = field_get(node, "containerPort");
	size_t old = field_push(f, "containerPort");
	long v = 0;
	bool ok = false;

	if (!n)
		field_error(f, node, "required value: the port number (1-65535)");
	else
		ok = field_int(f, n, 1, 65535, &v);
	field_pop(f, old);
	*out = (uint16_t)v;
	return ok ? 0 : -EINVAL;
}

/* One entry of a container's ports: only named ones are kept. */
static int container_port(struct field_ctx *f, const cJSON *node, struct port_list *l)
{
	struct pod_port pp = { 0 };
	const char *name, *why;
	int ret = 0;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	if (field_string(f, node, "name", &name) < 0)
		return -EINVAL;
	if (!name || !*name)
		return 0;
	why = validate_port_name(name);
	if (why) {
		size_t old = field_push(f, "name");

		field_error(f, field_get(node, "name"), "invalid port name \"%.40s\": %s", name,
			    why);
		field_pop(f, old);
		ret = -EINVAL;
	}
	if (port_number(f, node, &pp.port) < 0 || field_protocol(f, node, &pp.proto) < 0)
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	pp.name = xstrdup(name);
	XGROW(l->v, l->cap, l->n);
	l->v[l->n++] = pp;
	return 0;
}

static int container(struct field_ctx *f, const cJSON *node, struct port_list *l)
{
	const cJSON *ports, *e;
	int ret;
	size_t old, i = 0;

	if (!field_is(f, node, FIELD_OBJECT))
		return -EINVAL;
	ret = field_typed(f, node, "ports", FIELD_ARRAY, &ports);
	old = field_push(f, "ports");
	cJSON_ArrayForEach (e, ports) {
		size_t o = field_push_index(f, i++);

		if (container_port(f, e, l) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	return ret < 0 ? ret : 0;
}

static int containers(struct field_ctx *f, const cJSON *spec, const char *key, struct port_list *l)
{
	const cJSON *arr, *e;
	int ret = field_typed(f, spec, key, FIELD_ARRAY, &arr);
	size_t old, i = 0;

	old = field_push(f, key);
	cJSON_ArrayForEach (e, arr) {
		size_t o = field_push_index(f, i++);

		if (container(f, e, l) < 0)
			ret = -EINVAL;
		field_pop(f, o);
	}
	field_pop(f, old);
	return ret < 0 ? ret : 0;
}

static int pod_port_cmp(const void *a, const void *b)
{
	const struct pod_port *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/*
 * Sort by name, protocol and port, dropping exact repeats. A name declared with
 * different numbers (in two containers: the API server only warns) keeps every
 * number: a policy naming it admits each, as kube-network-policies and Calico do.
 */
static void ports_take(struct pod *p, struct port_list *l)
{
	size_t n = 0;

	if (l->n)
		xqsort(l->v, l->n, sizeof(*l->v), pod_port_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (n && !pod_port_cmp(&l->v[n - 1], &l->v[i]))
			free(l->v[i].name);
		else
			l->v[n++] = l->v[i];
	}
	p->ports = l->v;
	p->nports = n;
}

static int pod_spec(struct field_ctx *f, const cJSON *spec, struct pod *p)
{
	struct port_list l = { 0 };
	const cJSON *hn;
	const char *node;
	int ret = 0;

	if (field_string(f, spec, "nodeName", &node) < 0)
		ret = -EINVAL;
	else if (node && *node)
		p->node = xstrdup(node);
	if (field_typed(f, spec, "hostNetwork", FIELD_BOOL, &hn) < 0)
		ret = -EINVAL;
	p->host_network = cJSON_IsTrue(hn);
	if (containers(f, spec, "containers", &l) < 0)
		ret = -EINVAL;
	if (containers(f, spec, "initContainers", &l) < 0)
		ret = -EINVAL;
	ports_take(p, &l);
	return ret;
}

/*
 * spec and status of a Pod into p (the caller decodes metadata). Returns 0 or
 * -EINVAL (reported through f); on error p is for model_pod_fini() only.
 */
int decode_pod_fields(struct field_ctx *f, const cJSON *obj, struct pod *p)
{
	const cJSON *spec, *status;
	size_t old;
	int ret = 0;

	if (field_typed(f, obj, "spec", FIELD_OBJECT, &spec) < 0)
		ret = -EINVAL;
	old = field_push(f, "spec");
	if (spec && pod_spec(f, spec, p) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	if (field_typed(f, obj, "status", FIELD_OBJECT, &status) < 0)
		ret = -EINVAL;
	old = field_push(f, "status");
	if (pod_phase(f, status, p) < 0)
		ret = -EINVAL;
	if (pod_ips(f, status, p) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}
