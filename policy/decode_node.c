// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Node fields cluster network policies need: the addresses a `nodes` peer
 * stands for (status.addresses that are IPs) and the pod CIDRs. A Node has
 * many more fields; they are ignored, and those read are checked as strictly
 * as the API server checks them.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cidr.h"
#include "policy/decode_int.h"
#include "base/xalloc.h"

static int addr_cmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

/* Sort and drop repeats. */
static void addrs_sort_unique(struct addr *v, size_t *n)
{
	size_t k = 0;

	xqsort(v, *n, sizeof(*v), addr_cmp);
	for (size_t i = 0; i < *n; i++)
		if (!k || cidr_cmp(&v[k - 1], &v[i]))
			v[k++] = v[i];
	*n = k;
}

/*
 * One entry of status.addresses: an IP is kept whatever its type; a host name
 * is not an address nftpol can match, except that InternalIP and ExternalIP
 * must be IPs.
 */
static int node_address(struct field_ctx *f, const cJSON *e, size_t i, void *arg)
{
	struct k8s_node *n = arg;
	const char *type, *s;
	struct addr a;
	size_t old;

	if (!field_is(f, e, FIELD_OBJECT))
		return -EINVAL;
	if (field_string(f, e, "type", &type) < 0 || field_string(f, e, "address", &s) < 0)
		return -EINVAL;
	if (!s)
		return 0;
	if (cidr_parse_addr(s, &a) == 0) {
		n->addrs[n->naddrs++] = a;
		return 0;
	}
	if (!type || (strcmp(type, "InternalIP") && strcmp(type, "ExternalIP")))
		return 0;
	old = field_push(f, "address");
	field_error(f, field_get(e, "address"),
		    "invalid IP address \"%.60s\": an %s must be an IPv4 or IPv6 address such "
		    "as 192.168.1.10 or fd00::10",
		    s, type);
	field_pop(f, old);
	return -EINVAL;
}

/* status.addresses: the IPs, sorted and unique. */
static int node_addresses(struct field_ctx *f, const cJSON *status, struct k8s_node *n)
{
	const cJSON *arr;
	int ret = field_typed(f, status, "addresses", FIELD_ARRAY, &arr);

	if (ret <= 0)
		return ret;
	n->addrs = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*n->addrs));
	ret = field_each(f, arr, "addresses", node_address, n);
	addrs_sort_unique(n->addrs, &n->naddrs);
	return ret < 0 ? ret : 0;
}

/* One pod CIDR (string node s, at the current path), host bits masked off. */
static int pod_cidr(struct field_ctx *f, const cJSON *s, size_t i, void *arg)
{
	struct k8s_node *n = arg;

	if (!field_is(f, s, FIELD_STRING))
		return -EINVAL;
	if (cidr_parse(s->valuestring, &n->pod_cidrs[n->npod_cidrs]) < 0) {
		field_error(f, s,
			    "invalid CIDR \"%.60s\": expected an address and a prefix length "
			    "such as 10.244.1.0/24 or fd00:10:244:1::/64",
			    s->valuestring);
		return -EINVAL;
	}
	n->npod_cidrs++;
	return 0;
}

/* spec.podCIDRs, else spec.podCIDR (clusters before dual-stack set only that). */
static int pod_cidrs(struct field_ctx *f, const cJSON *spec, struct k8s_node *n)
{
	const cJSON *arr, *one;
	size_t old;
	int ret = field_typed(f, spec, "podCIDRs", FIELD_ARRAY, &arr);

	if (ret < 0 || field_typed(f, spec, "podCIDR", FIELD_STRING, &one) < 0)
		return -EINVAL;
	n->pod_cidrs = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*n->pod_cidrs));
	ret = field_each(f, arr, "podCIDRs", pod_cidr, n);
	if (cJSON_GetArraySize(arr) == 0 && one && *one->valuestring) {
		old = field_push(f, "podCIDR");
		ret = pod_cidr(f, one, 0, n);
		field_pop(f, old);
	}
	return ret;
}

/*
 * spec and status of a Node into n (the caller decodes metadata). Returns 0 or
 * -EINVAL (reported through f); on error n is for model_node_fini() only.
 */
int decode_node_fields(struct field_ctx *f, const cJSON *obj, struct k8s_node *n)
{
	const cJSON *spec, *status;
	size_t old;
	int ret = 0;

	if (field_typed(f, obj, "spec", FIELD_OBJECT, &spec) < 0)
		ret = -EINVAL;
	old = field_push(f, "spec");
	if (pod_cidrs(f, spec, n) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	if (field_typed(f, obj, "status", FIELD_OBJECT, &status) < 0)
		ret = -EINVAL;
	old = field_push(f, "status");
	if (node_addresses(f, status, n) < 0)
		ret = -EINVAL;
	field_pop(f, old);
	return ret;
}
