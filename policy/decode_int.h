/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by decode.c and the decoders of one kind each (decode_pod.c,
 * decode_node.c, decode_cnp.c with decode_cnp_port.c and decode_anp.c), and
 * decode_early.c; nothing else includes this.
 */
#ifndef POLICY_DECODE_INT_H
#define POLICY_DECODE_INT_H

#include "policy/decode.h"
#include "policy/field.h"
#include "policy/model.h"

/* What the items of a YAML List gave before their document was complete. */
struct decode_early {
	struct cluster c;
	struct diag_list d;
	struct decode_stats st;
};

void decode_early_init(struct decode_early *e);
void decode_early_fini(struct decode_early *e);
void decode_early_clear(struct decode_early *e);
void decode_early_take(struct decode_early *e, struct cluster *c, struct diag_list *d,
		       struct decode_stats *st);
void decode_early_add_skipped(struct decode_stats *st, char *label, size_t n);

int decode_meta(struct field_ctx *f, const struct cJSON *obj, const char *kind, char **ns,
		char **name);
int decode_meta_cluster(struct field_ctx *f, const struct cJSON *obj, const char *kind,
			char **name);
int decode_pod_fields(struct field_ctx *f, const struct cJSON *obj, struct pod *p);
int decode_node_fields(struct field_ctx *f, const struct cJSON *obj, struct k8s_node *n);
int decode_cnp_spec(struct field_ctx *f, const struct cJSON *obj, struct cnp *p);

/*
 * What tells the API versions of cluster network policies apart: v1alpha2
 * ClusterNetworkPolicy (decode_cnp.c) and v1alpha1 AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (decode_anp.c). Lists of field names end in NULL.
 */
struct decode_cnp_api {
	const char *const *spec_fields;
	const char *const *rule_fields[DIR_COUNT];
	const char *const *peer_fields[DIR_COUNT]; /* the kinds of peer, in message order */
	const char *actions[3];			   /* by enum cnp_action; NULL: not allowed */
	const char *ports_key;			   /* "protocols" or "ports" */
	const char *named_port;			   /* the port member that names a port */
	const char *addr_peers;			   /* for messages: the peers without named ports */
	size_t max_rules;			   /* per direction */
	size_t max_peers;			   /* per rule */
	size_t max_ports;			   /* per rule */
	bool ns_selector_required;		   /* in a `pods` subject or peer */
	bool has_tier, has_priority;
	int (*port)(struct field_ctx *f, const struct cJSON *node, struct np_port *out);
};

int decode_cnp_missing(struct field_ctx *f, const struct cJSON *obj, const char *key,
		       const char *what);
int decode_cnp_one_of(struct field_ctx *f, const struct cJSON *obj, const char *const *names);
int decode_cnp_port_number(struct field_ctx *f, const struct cJSON *obj, const char *key,
			   uint16_t *out);
int decode_cnp_port_range(struct field_ctx *f, const struct cJSON *obj, const char *start,
			  const char *end, struct np_port *p);
int decode_cnp_port_named(struct field_ctx *f, const struct cJSON *v, struct np_port *p);
int decode_cnp_port_protocol(struct field_ctx *f, const struct cJSON *node, struct np_port *p);
const struct decode_cnp_api *decode_anp_api(enum cnp_source s);

#endif
