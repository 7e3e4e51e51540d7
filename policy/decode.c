// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kubernetes manifests into the object model (see decode.h): files and buffers
 * into documents (manifest.c), documents into objects by kind, lists (kind: List
 * and the typed PodList, NamespaceList, NetworkPolicyList) into their items,
 * object metadata, and duplicate detection. Pods are in decode_pod.c, Nodes in
 * decode_node.c, the NetworkPolicy spec in decode_netpol.c, cluster network
 * policies in decode_cnp.c, decode_cnp_port.c and decode_anp.c.
 */
#include "policy/decode.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/decode_int.h"
#include "policy/field.h"
#include "policy/manifest.h"
#include "policy/decode_netpol.h"
#include "policy/validate.h"
#include "base/xalloc.h"

#define API_CORE "v1"
#define API_NETWORKING "networking.k8s.io/v1"
#define API_POLICY_GROUP "policy.networking.k8s.io/"
#define API_CNP API_POLICY_GROUP "v1alpha2"
#define API_ANP API_POLICY_GROUP "v1alpha1"

/* One decode_buffer() call. */
struct decoder {
	const char *name;		/* file name, "-" for stdin */
	const struct manifest_doc *doc; /* current document */
	struct cluster *c;
	struct diag_list *d;
	struct decode_stats *st;   /* borrowed */
	struct decode_early early; /* a YAML List's items read before its document */
};

static void decode_node(struct decoder *dec, const cJSON *node, const char *path, const char *kind);

static void field_init(struct field_ctx *f, const struct decoder *dec, const cJSON *obj)
{
	memset(f, 0, sizeof(*f));
	f->file = dec->name;
	f->doc = dec->doc;
	f->d = dec->d;
	f->line = manifest_line(dec->doc, obj);
}

static int meta_name(struct field_ctx *f, const cJSON *meta, const char *(*valid)(const char *),
		     char **out)
{
	const char *name, *why;
	size_t old = field_push(f, "metadata");
	int ret = field_string(f, meta, "name", &name);

	field_pop(f, old);
	old = field_push(f, "metadata.name");
	if (ret <= 0) {
		if (!field_get(meta, "name"))
			field_error(f, meta, "required value: the object's name");
		field_pop(f, old);
		return -EINVAL;
	}
	why = valid(name);
	if (why)
		field_error(f, field_get(meta, "name"), "invalid name \"%.80s\": %s", name, why);
	else
		*out = xstrdup(name);
	field_pop(f, old);
	return why ? -EINVAL : 0;
}

static int meta_namespace(struct field_ctx *f, const cJSON *meta, char **out)
{
	const char *ns, *why;
	size_t old = field_push(f, "metadata");
	int ret = field_string(f, meta, "namespace", &ns);

	field_pop(f, old);
	if (ret < 0)
		return ret;
	if (!ns || !*ns)
		ns = "default";
	why = validate_dns_label(ns);
	if (why) {
		old = field_push(f, "metadata.namespace");
		field_error(f, field_get(meta, "namespace"), "invalid namespace \"%.80s\": %s", ns,
			    why);
		field_pop(f, old);
		return -EINVAL;
	}
	*out = xstrdup(ns);
	return 0;
}

static int meta_common(struct field_ctx *f, const cJSON *obj, const char *kind, char **ns,
		       const char *(*valid)(const char *), char **name)
{
	const cJSON *meta = field_get(obj, "metadata");
	const cJSON *n = field_get(meta, "name"), *s = field_get(meta, "namespace");
	int ret = 0;

	field_set_object(f, kind,
			 ns ? (cJSON_IsString(s) && *s->valuestring ? s->valuestring : "default")
			    : NULL,
			 cJSON_IsString(n) ? n->valuestring : NULL);
	if (field_typed(f, obj, "metadata", FIELD_OBJECT, &meta) < 0)
		return -EINVAL;
	if (ns && meta_namespace(f, meta, ns) < 0)
		ret = -EINVAL;
	if (meta_name(f, meta, valid, name) < 0)
		ret = -EINVAL;
	return ret;
}

/*
 * metadata of obj: name and, when namespaced, namespace ("default" when absent,
 * as kubectl). Names the object first (field_set_object) so that every message
 * names it.
 * The name of a namespaced object is a DNS subdomain, that of a Namespace (ns
 * NULL) a DNS label.
 */
int decode_meta(struct field_ctx *f, const cJSON *obj, const char *kind, char **ns, char **name)
{
	return meta_common(f, obj, kind, ns, ns ? validate_dns_subdomain : validate_dns_label,
			   name);
}

/*
 * metadata.name of a cluster-scoped object whose name is a DNS subdomain (a
 * Node, a custom resource), as decode_meta().
 */
int decode_meta_cluster(struct field_ctx *f, const cJSON *obj, const char *kind, char **name)
{
	return meta_common(f, obj, kind, NULL, validate_dns_subdomain, name);
}

/* metadata.labels of obj into out. */
static void meta_labels(struct field_ctx *f, const cJSON *obj, struct labels *out)
{
	size_t old = field_push(f, "metadata");

	field_labels(f, field_get(obj, "metadata"), "labels", out);
	field_pop(f, old);
}

static void origin_set(struct origin *o, const struct field_ctx *f)
{
	o->file = xstrdup(f->file);
	o->line = f->line;
}

/* A kind nftpol reads: its typed list, its apiVersion and its decoder. */
struct kind_info {
	const char *kind;
	const char *list; /* kind of its typed list */
	const char *api;
	void (*decode)(struct decoder *dec, const cJSON *obj, const struct kind_info *k);
	enum cnp_source source; /* cluster network policies: which kind */
	bool namespaced;
};

static void decode_ns(struct decoder *dec, const cJSON *obj, const struct kind_info *k)
{
	struct k8s_ns ns = { 0 };
	struct field_ctx f;

	field_init(&f, dec, obj);
	decode_meta(&f, obj, k->kind, NULL, &ns.name);
	meta_labels(&f, obj, &ns.labels);
	if (f.nerrors) {
		model_ns_fini(&ns);
		return;
	}
	origin_set(&ns.origin, &f);
	XGROW(dec->c->nss, dec->c->capnss, dec->c->nnss);
	dec->c->nss[dec->c->nnss++] = ns;
}

/*
 * The annotation nftpol.io/enforcement of a policy: "audit" (compiled, counted
 * and logged, not enforced) or "enforce". Another value is warned about and
 * the policy enforced: the safe reading.
 */
static void decode_enforcement(struct field_ctx *f, const cJSON *obj, bool *audit)
{
	const cJSON *ann = field_get(field_get(obj, "metadata"), "annotations");
	const cJSON *v = field_get(ann, NFTPOL_ENFORCEMENT_ANNOTATION);
	size_t old;

	*audit = false;
	if (!v)
		return;
	old = field_push(f, "metadata.annotations");
	field_push(f, NFTPOL_ENFORCEMENT_ANNOTATION);
	if (cJSON_IsString(v) && !strcmp(v->valuestring, "audit"))
		*audit = true;
	else if (!cJSON_IsString(v) || strcmp(v->valuestring, "enforce")) {
		char *q = cJSON_IsString(v) ? manifest_quote(v->valuestring, SIZE_MAX, 40)
					    : xstrdup("(not a string)");

		field_warn(f, v,
			   "unknown enforcement %s: expected \"audit\" or \"enforce\"; the policy "
			   "is "
			   "enforced",
			   q);
		free(q);
	}
	field_pop(f, old);
}

static void decode_np(struct decoder *dec, const cJSON *obj, const struct kind_info *k)
{
	struct netpol np = { 0 };
	struct field_ctx f;

	field_init(&f, dec, obj);
	decode_meta(&f, obj, k->kind, &np.ns, &np.name);
	decode_netpol_spec(&f, obj, &np);
	decode_enforcement(&f, obj, &np.audit);
	if (f.nerrors) {
		model_netpol_fini(&np);
		return;
	}
	origin_set(&np.origin, &f);
	XGROW(dec->c->pols, dec->c->cappols, dec->c->npols);
	dec->c->pols[dec->c->npols++] = np;
}

static void decode_pod_obj(struct decoder *dec, const cJSON *obj, const struct kind_info *k)
{
	struct pod p = { 0 };
	struct field_ctx f;

	field_init(&f, dec, obj);
	decode_meta(&f, obj, k->kind, &p.ns, &p.name);
	meta_labels(&f, obj, &p.labels);
	decode_pod_fields(&f, obj, &p);
	if (f.nerrors) {
		model_pod_fini(&p);
		return;
	}
	origin_set(&p.origin, &f);
	XGROW(dec->c->pods, dec->c->cappods, dec->c->npods);
	dec->c->pods[dec->c->npods++] = p;
}

static void decode_node_obj(struct decoder *dec, const cJSON *obj, const struct kind_info *k)
{
	struct k8s_node n = { 0 };
	struct field_ctx f;

	field_init(&f, dec, obj);
	decode_meta_cluster(&f, obj, k->kind, &n.name);
	meta_labels(&f, obj, &n.labels);
	decode_node_fields(&f, obj, &n);
	if (f.nerrors) {
		model_node_fini(&n);
		return;
	}
	origin_set(&n.origin, &f);
	XGROW(dec->c->nodes, dec->c->capnodes, dec->c->nnodes);
	dec->c->nodes[dec->c->nnodes++] = n;
}

static void decode_cnp_obj(struct decoder *dec, const cJSON *obj, const struct kind_info *k)
{
	struct cnp p = { .source = k->source };
	struct field_ctx f;

	field_init(&f, dec, obj);
	decode_meta_cluster(&f, obj, k->kind, &p.name);
	decode_cnp_spec(&f, obj, &p);
	if (f.nerrors) {
		model_cnp_fini(&p);
		return;
	}
	origin_set(&p.origin, &f);
	XGROW(dec->c->cnps, dec->c->capcnps, dec->c->ncnps);
	dec->c->cnps[dec->c->ncnps++] = p;
}

static const struct kind_info kinds[] = {
	{ "Namespace", "NamespaceList", API_CORE, decode_ns, 0, false },
	{ "Pod", "PodList", API_CORE, decode_pod_obj, 0, true },
	{ "Node", "NodeList", API_CORE, decode_node_obj, 0, false },
	{ "NetworkPolicy", "NetworkPolicyList", API_NETWORKING, decode_np, 0, true },
	{ "ClusterNetworkPolicy", "ClusterNetworkPolicyList", API_CNP, decode_cnp_obj, CNP_SRC_CNP,
	  false },
	{ "AdminNetworkPolicy", "AdminNetworkPolicyList", API_ANP, decode_cnp_obj, CNP_SRC_ANP,
	  false },
	{ "BaselineAdminNetworkPolicy", "BaselineAdminNetworkPolicyList", API_ANP, decode_cnp_obj,
	  CNP_SRC_BANP, false },
};

/* The kind named kind, or whose typed list it is (*list set), or NULL. */
static const struct kind_info *kind_find(const char *kind, bool *list)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		*list = !strcmp(kind, kinds[i].list);
		if (*list || !strcmp(kind, kinds[i].kind))
			return &kinds[i];
	}
	return NULL;
}

/* The kind or typed list that kind names in other letter case, or NULL. */
static const char *kind_find_case(const char *kind, const struct kind_info **k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		*k = &kinds[i];
		if (!strcasecmp(kind, kinds[i].kind))
			return kinds[i].kind;
		if (!strcasecmp(kind, kinds[i].list))
			return kinds[i].list;
	}
	return NULL;
}

/*
 * Whether api (group/version, or version for the core group) is of a group
 * Kubernetes itself serves: the core group, a group without a dot (apps,
 * extensions) or one under k8s.io. A custom resource's group has a dot and is
 * not under k8s.io: its kinds may be called NetworkPolicy (Calico's are) and
 * are not ours to read.
 */
static bool api_builtin(const char *api)
{
	const char *slash = strrchr(api, '/');
	size_t n = slash ? (size_t)(slash - api) : 0;

	if (!memchr(api, '.', n))
		return true;
	return n >= 7 && !memcmp(api + n - 7, ".k8s.io", 7);
}

/*
 * Count an object of a kind nftpol does not read; api is given when the kind
 * is one nftpol reads, of a custom resource's group.
 */
static void skip_kind(struct decoder *dec, const char *kind, const char *api)
{
	decode_early_add_skipped(dec->st, api ? xasprintf("%s in %s", kind, api) : xstrdup(kind),
				 1);
}

/* An error about the document or list structure, before any object is known. */
static void __attribute__((format(printf, 4, 5)))
doc_error(struct decoder *dec, const cJSON *node, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(dec->d, DIAG_ERROR, dec->name, manifest_line(dec->doc, node), NULL, path, fmt,
		  ap);
	va_end(ap);
}

/* Decoding the items of one list. */
struct list_walk {
	struct decoder *dec;
	const char *path; /* of the list */
	const char *item_kind;
};

/*
 * "path.items[i]" into sub (FIELD_PATH_MAX bytes, cut short as snprintf
 * would): without printf, as this runs for every item of a list.
 */
static void item_path(char *sub, const char *path, size_t i)
{
	char num[24];
	size_t n = 0, len = 0, k = sizeof(num);
	const char *parts[4] = { path, *path ? ".items[" : "items[", num, "]" };

	do
		num[--k] = (char)('0' + i % 10);
	while ((i /= 10));
	memmove(num, num + k, sizeof(num) - k);
	num[sizeof(num) - k] = '\0';
	for (size_t j = 0; j < ARRAY_SIZE(parts); j++) {
		n = strnlen(parts[j], FIELD_PATH_MAX - 1 - len);
		memcpy(sub + len, parts[j], n);
		len += n;
	}
	sub[len] = '\0';
}

static void decode_item(void *arg, const cJSON *item, size_t i)
{
	const struct list_walk *w = arg;
	char sub[FIELD_PATH_MAX];

	item_path(sub, w->path, i);
	decode_node(w->dec, item, sub, w->item_kind);
}

static void decode_list(struct decoder *dec, const cJSON *obj, const char *path,
			const char *item_kind)
{
	const cJSON *items = field_get(obj, "items");
	struct list_walk w = { dec, path, item_kind };
	char sub[FIELD_PATH_MAX];

	if (items && !cJSON_IsArray(items)) {
		snprintf(sub, sizeof(sub), "%s%sitems", path, *path ? "." : "");
		doc_error(dec, items, sub, "expected a list of objects, got %s",
			  field_type_name(items));
		return;
	}
	/* the root list's items read early (YAML) come first, then the others */
	if (!*path)
		decode_early_take(&dec->early, dec->c, dec->d, dec->st);
	if (items)
		manifest_each(dec->doc, items, decode_item, &w);
}

/*
 * An item of a YAML List, complete before its document: read now into
 * dec->early when it names its kind and apiVersion (then it reads the same
 * whatever the list turns out to be), else left for decode_list.
 */
static bool decode_early(void *arg, const cJSON *item, size_t i, const struct manifest_doc *doc)
{
	struct decoder *dec = arg;
	struct decoder sub = *dec;
	struct list_walk w = { &sub, "", NULL };

	if (!item) {
		decode_early_clear(&dec->early);
		return false;
	}
	if (!field_get(item, "kind") || !field_get(item, "apiVersion"))
		return false;
	sub.doc = doc;
	sub.c = &dec->early.c;
	sub.d = &dec->early.d;
	sub.st = &dec->early.st;
	decode_item(&w, item, i);
	return true;
}

/* Whether api is of the group policy.networking.k8s.io, any version. */
static bool api_is_policy_group(const char *api)
{
	size_t n = strlen(API_POLICY_GROUP) - 1;

	return !strncmp(api, API_POLICY_GROUP, n) && (api[n] == '\0' || api[n] == '/');
}

/* Why the usual mix-up of versions does not work, or "". */
static const char *version_hint(const char *api, const struct kind_info *k)
{
	if (!api_is_policy_group(k->api))
		return !strcmp(k->kind, "NetworkPolicy") && !strcmp(api, "extensions/v1beta1")
			       ? " (extensions/v1beta1 NetworkPolicy was removed in Kubernetes "
				 "1.16)"
			       : "";
	if (k->source == CNP_SRC_CNP && !strcmp(api, API_ANP))
		return " (v1alpha1 has AdminNetworkPolicy and BaselineAdminNetworkPolicy; "
		       "ClusterNetworkPolicy replaced both in v1alpha2)";
	if (k->source != CNP_SRC_CNP && !strcmp(api, API_CNP))
		return " (v1alpha2 has only ClusterNetworkPolicy, which replaced it)";
	return "";
}

/* "Kind ns/name" or "Kind name" for obj, of kind k, into object; NULL for a list. */
static const char *object_label(const cJSON *obj, const char *kind, const struct kind_info *k,
				bool list, char *object, size_t len)
{
	const cJSON *meta = field_get(obj, "metadata");
	const cJSON *name = field_get(meta, "name"), *ns = field_get(meta, "namespace");

	if (list)
		return NULL;
	snprintf(object, len, "%s %.80s%s%.253s", kind,
		 !k->namespaced				  ? ""
		 : cJSON_IsString(ns) && *ns->valuestring ? ns->valuestring
							  : "default",
		 k->namespaced ? "/" : "", cJSON_IsString(name) ? name->valuestring : "(no name)");
	return object;
}

/* A kind nftpol reads under another apiVersion. */
static void version_error(struct decoder *dec, const cJSON *obj, const char *path, const char *kind,
			  const char *api, const struct kind_info *k)
{
	char sub[FIELD_PATH_MAX], object[FIELD_OBJECT_MAX];

	snprintf(sub, sizeof(sub), "%s%sapiVersion", path, *path ? "." : "");
	diag_add(dec->d, DIAG_ERROR, dec->name,
		 manifest_line(dec->doc, field_get(obj, "apiVersion")),
		 object_label(obj, kind, k, strcmp(kind, k->kind), object, sizeof(object)), sub,
		 "unsupported apiVersion \"%.80s\" for %s: expected %s%s", api, kind, k->api,
		 version_hint(api, k));
}

/* A kind nftpol reads spelt in other letter case: kubectl refuses it too. */
static void kind_case_error(struct decoder *dec, const cJSON *obj, const char *path,
			    const char *kind, const char *want, const struct kind_info *k)
{
	char sub[FIELD_PATH_MAX], object[FIELD_OBJECT_MAX];

	snprintf(sub, sizeof(sub), "%s%skind", path, *path ? "." : "");
	diag_add(dec->d, DIAG_ERROR, dec->name, manifest_line(dec->doc, field_get(obj, "kind")),
		 object_label(obj, kind, k, want == k->list, object, sizeof(object)), sub,
		 "unknown kind \"%s\": did you mean %s?", kind, want);
}

static void decode_object(struct decoder *dec, const cJSON *obj, const char *path, const char *kind,
			  const char *api)
{
	bool list;
	const struct kind_info *k = kind_find(kind, &list);
	const char *want;

	if (!k && !strcmp(kind, "List") && !strcmp(api, API_CORE)) {
		decode_list(dec, obj, path, NULL);
		return;
	}
	if (!list)
		dec->st->objects++;
	if (!k) {
		want = api_builtin(api) ? kind_find_case(kind, &k) : NULL;
		if (want)
			kind_case_error(dec, obj, path, kind, want, k);
		else
			skip_kind(dec, kind, NULL);
		return;
	}
	if (strcmp(api, k->api)) {
		if (api_builtin(api))
			version_error(dec, obj, path, kind, api, k);
		else
			skip_kind(dec, kind, api);
		return;
	}
	if (list)
		decode_list(dec, obj, path, k->kind);
	else
		k->decode(dec, obj, k);
}

/* apiVersion of an item of a typed list whose kind is known. */
static const char *kind_api(const char *kind)
{
	bool list;
	const struct kind_info *k = kind_find(kind, &list);

	return k ? k->api : API_CORE;
}

/* A string member that must be present: kind or apiVersion. NULL when not (reported). */
static const char *required_string(struct decoder *dec, const cJSON *node, const char *path,
				   const char *key)
{
	const cJSON *v = field_get(node, key);
	char sub[FIELD_PATH_MAX];

	if (cJSON_IsString(v) && *v->valuestring)
		return v->valuestring;
	snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
	if (v && !cJSON_IsString(v))
		doc_error(dec, v, sub, "expected a string, got %s", field_type_name(v));
	else
		doc_error(dec, node, sub, "required value: every object needs %s", key);
	return NULL;
}

/*
 * One object, or a list of them, at path ("" for a document, "items[3]" for an
 * item). item_kind is the kind a typed list implies for its items, or NULL.
 */
static void decode_node(struct decoder *dec, const cJSON *node, const char *path,
			const char *item_kind)
{
	const char *kind, *api;

	if (!cJSON_IsObject(node)) {
		doc_error(dec, node, path,
			  "expected a Kubernetes object (a mapping with "
			  "apiVersion and kind), got %s",
			  field_type_name(node));
		return;
	}
	if (item_kind && !field_get(node, "kind")) {
		decode_object(dec, node, path, item_kind, kind_api(item_kind));
		return;
	}
	kind = required_string(dec, node, path, "kind");
	api = item_kind && !field_get(node, "apiVersion")
		      ? kind_api(item_kind)
		      : required_string(dec, node, path, "apiVersion");
	if (kind && api)
		decode_object(dec, node, path, kind, api);
}

static void on_doc(void *arg, const cJSON *root, const struct manifest_doc *doc)
{
	struct decoder *dec = arg;

	dec->doc = doc;
	decode_node(dec, root, "", NULL);
	dec->doc = NULL;
}

/* decode_buffer_stats() with more flags for manifest_parse_flags(). */
static int decode_flags(const char *name, const char *buf, size_t len, unsigned flags,
			struct cluster *c, struct diag_list *d, struct decode_stats *st)
{
	struct decode_stats none = { 0 };
	struct decoder dec = { .name = name, .c = c, .d = d, .st = st ? st : &none };
	size_t before = d->nerrors;

	decode_early_init(&dec.early);
	manifest_parse_flags(name, buf, len, MANIFEST_STREAM_ITEMS | flags, on_doc, decode_early,
			     &dec, d);
	decode_early_fini(&dec.early);
	decode_stats_fini(&none);
	return d->nerrors > before ? -EINVAL : 0;
}

/*
 * Decode buf (len bytes of YAML or JSON; name for messages and origins) and
 * append its Namespaces, Pods, Nodes, NetworkPolicies and cluster network
 * policies to c; other kinds are skipped and counted in st (which may be NULL;
 * one of these kinds under another apiVersion or in other letter case is an
 * error). Objects with errors are not added. Returns 0, or -EINVAL when
 * anything was wrong (every problem appended to d).
 */
int decode_buffer_stats(const char *name, const char *buf, size_t len, struct cluster *c,
			struct diag_list *d, struct decode_stats *st)
{
	return decode_flags(name, buf, len, 0, c, d, st);
}

/* decode_buffer_stats() without the counts. */
int decode_buffer(const char *name, const char *buf, size_t len, struct cluster *c,
		  struct diag_list *d)
{
	return decode_buffer_stats(name, buf, len, c, d, NULL);
}

/* Free what st holds (not st) and zero it. */
void decode_stats_fini(struct decode_stats *st)
{
	for (size_t i = 0; i < st->nskipped; i++)
		free(st->skipped[i].kind);
	free(st->skipped);
	memset(st, 0, sizeof(*st));
}

/*
 * A large regular file mapped (private, read-only), its length in *len; NULL
 * for anything else, which read_all() reads. Mapped, the input need not be
 * copied, and what was decoded can leave memory (MANIFEST_DROP_INPUT).
 */
static char *map_file(int fd, size_t *len)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (1 << 20) ||
	    st.st_size > DECODE_MAX_INPUT)
		return NULL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return p;
}

/*
 * Read all of fd into a new buffer, at most DECODE_MAX_INPUT + 1 bytes; a
 * regular file's buffer is its size (one more byte to see the end), not twice.
 */
static int read_all(int fd, char **out, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	struct stat st;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size < DECODE_MAX_INPUT) {
		cap = (size_t)st.st_size + 1;
		buf = xmalloc(cap);
	}
	for (;;) {
		ssize_t r;

		if (n == cap)
			XGROW(buf, cap, n + 4096);
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -errno;
		}
		n += (size_t)r;
		if (r == 0 || n > DECODE_MAX_INPUT)
			break;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* decode_file_stats() without the counts. */
int decode_file(const char *path, struct cluster *c, struct diag_list *d)
{
	return decode_file_stats(path, c, d, NULL);
}

/*
 * Decode the file at path ("-": standard input) as decode_buffer_stats() does.
 * Returns 0, -EINVAL when the input had errors, or -errno when it could not be
 * read (also appended to d).
 */
int decode_file_stats(const char *path, struct cluster *c, struct diag_list *d,
		      struct decode_stats *st)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (fd < 0) {
		ret = -errno;
		diag_add(d, DIAG_ERROR, path, 0, NULL, NULL, "cannot open: %s", strerror(-ret));
		return ret;
	}
	buf = map_file(fd, &len);
	if (buf) {
		close(fd);
		ret = decode_flags(path, buf, len, MANIFEST_DROP_INPUT, c, d, st);
		munmap(buf, len);
		return ret;
	}
	ret = read_all(fd, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (ret < 0) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, NULL, "cannot read: %s", strerror(-ret));
		return ret;
	}
	ret = decode_buffer_stats(path, buf, len, c, d, st);
	free(buf);
	return ret;
}

static void origin_format(const struct origin *o, char *buf, size_t len)
{
	if (o->line)
		snprintf(buf, len, "%s:%u", o->file ? o->file : "?", o->line);
	else
		snprintf(buf, len, "%s", o->file ? o->file : "?");
}

static int origin_cmp(const struct origin *a, const struct origin *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Report that the object at b was given before at a. */
static void dup_report(struct diag_list *d, const char *object, const struct origin *a,
		       const struct origin *b)
{
	char first[300], second[300];

	if (origin_cmp(a, b) > 0) {
		const struct origin *t = a;

		a = b;
		b = t;
	}
	origin_format(a, first, sizeof(first));
	origin_format(b, second, sizeof(second));
	diag_add(d, DIAG_ERROR, b->file, b->line, object, NULL,
		 "given twice: at %s and at %s; each object may be given once", first, second);
}

static int cnp_key_cmp(const void *a, const void *b)
{
	const struct cnp *x = *(const struct cnp *const *)a, *y = *(const struct cnp *const *)b;

	if (x->source != y->source)
		return x->source < y->source ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Cluster network policies of one kind and name: their sealed order is by priority. */
static void cnp_duplicates(const struct cluster *c, struct diag_list *d)
{
	const struct cnp **v = c->ncnps ? xcalloc(c->ncnps, sizeof(*v)) : NULL;
	char obj[FIELD_OBJECT_MAX];

	for (size_t i = 0; i < c->ncnps; i++)
		v[i] = &c->cnps[i];
	xqsort(v, c->ncnps, sizeof(*v), cnp_key_cmp);
	for (size_t i = 1; i < c->ncnps; i++) {
		if (cnp_key_cmp(&v[i - 1], &v[i]))
			continue;
		snprintf(obj, sizeof(obj), "%s %s", model_cnp_source_kind(v[i]->source),
			 v[i]->name);
		dup_report(d, obj, &v[i - 1]->origin, &v[i]->origin);
	}
	free(v);
}

/*
 * After model_cluster_seal(): report every object given more than once (same
 * kind, namespace and name; a ClusterNetworkPolicy and an AdminNetworkPolicy
 * of one name are two objects). Returns 0 or -EINVAL.
 */
int decode_check_duplicates(const struct cluster *c, struct diag_list *d)
{
	size_t before = d->nerrors;
	char obj[FIELD_OBJECT_MAX];

	for (size_t i = 1; i < c->nnss; i++) {
		if (strcmp(c->nss[i - 1].name, c->nss[i].name))
			continue;
		snprintf(obj, sizeof(obj), "Namespace %s", c->nss[i].name);
		dup_report(d, obj, &c->nss[i - 1].origin, &c->nss[i].origin);
	}
	for (size_t i = 1; i < c->npods; i++) {
		const struct pod *a = &c->pods[i - 1], *b = &c->pods[i];

		if (strcmp(a->ns, b->ns) || strcmp(a->name, b->name))
			continue;
		snprintf(obj, sizeof(obj), "Pod %s/%s", b->ns, b->name);
		dup_report(d, obj, &a->origin, &b->origin);
	}
	for (size_t i = 1; i < c->npols; i++) {
		const struct netpol *a = &c->pols[i - 1], *b = &c->pols[i];

		if (strcmp(a->ns, b->ns) || strcmp(a->name, b->name))
			continue;
		snprintf(obj, sizeof(obj), "NetworkPolicy %s/%s", b->ns, b->name);
		dup_report(d, obj, &a->origin, &b->origin);
	}
	for (size_t i = 1; i < c->nnodes; i++) {
		if (strcmp(c->nodes[i - 1].name, c->nodes[i].name))
			continue;
		snprintf(obj, sizeof(obj), "Node %s", c->nodes[i].name);
		dup_report(d, obj, &c->nodes[i - 1].origin, &c->nodes[i].origin);
	}
	cnp_duplicates(c, d);
	return d->nerrors > before ? -EINVAL : 0;
}
