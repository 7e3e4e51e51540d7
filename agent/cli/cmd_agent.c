// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `nftpol agent`: options, then the parts (API client, store, watches,
 * reconciler, metrics listener) wired to one poll loop. On SIGTERM or SIGINT
 * the loop ends and the rules stay in the kernel.
 */
#include "agent/cli/cmd_agent.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/daemon/datapath.h"
#include "agent/daemon/denied.h"
#include "agent/daemon/policymetrics.h"
#include "agent/kube/kube.h"
#include "base/log.h"
#include "agent/daemon/loop.h"
#include "base/now.h"
#include "base/num.h"
#include "base/xalloc.h"
#include "nft/compile.h"
#include "nft/netlink.h"
#include "nft/readback.h"
#include "nft/stamp.h"
#include "policy/cidr.h"

#define DEFAULT_METRICS "127.0.0.1:9465"

#define AGENT_POD_CIDRS_MAX 8

struct agent_opts {
	const char *kubeconfig;
	const char *context;
	const char *node;
	const char *metrics; /* "" or "off": no listener */
	struct reconcile_opts rec;
	bool verbose;
	enum log_format log_format; /* --log-format */
	bool check_node;	    /* --check-node: report blind datapaths, exit */
	int64_t stale_after_s;	    /* --stale-after: the table's sync stamp may be this old */
	struct addr cidrs[AGENT_POD_CIDRS_MAX]; /* --pod-cidr */
	bool help;
};

static void usage(FILE *f)
{
	fputs("usage: nftpol agent [OPTION]...\n"
	      "  Watch Pods, Namespaces and NetworkPolicies and keep table inet nftpol\n"
	      "  equal to what the policies demand for this node.\n"
	      "  --node-name NAME        this node (default: $NODE_NAME; required)\n"
	      "  --kubeconfig FILE       kubeconfig (default: $KUBECONFIG, in-cluster\n"
	      "                          service account, ~/.kube/config)\n"
	      "  --context NAME          kubeconfig context (default: current-context)\n"
	      "  --metrics-address ADDR  /metrics, /healthz, /readyz (default " DEFAULT_METRICS
	      ";\n"
	      "                          'off' to disable)\n"
	      "  --full-check SECONDS    read the table back and repair it this often (60)\n"
	      "  --coalesce-ms MS        sync after this quiet period (100) ...\n"
	      "  --max-delay-ms MS       ... and at most this long after a change (1000;\n"
	      "                          sooner when syncs are cheap: four times the last\n"
	      "                          sync's time, at least 10 ms)\n"
	      "  --fail-closed           drop traffic of addresses in this node's pod CIDRs\n"
	      "                          that are not pods the agent knows yet, until they\n"
	      "                          are programmed\n"
	      "  --pod-cidr CIDR         this node's pod CIDR (repeat for each, both families;\n"
	      "                          default: the Node object's spec.podCIDRs)\n"
	      "  --no-incremental        compile the whole table at every sync (by default\n"
	      "                          pod changes send only the elements they change)\n"
	      "  --check-incremental     debug: after each incremental sync compile the\n"
	      "                          whole table too and log any difference (slow)\n"
	      "  --keep-established      let established connections a policy change denies\n"
	      "                          live on (default: drop their packets from that sync)\n"
	      "  --check-node            report, once, what on this node escapes enforcement\n"
	      "                          (a bridge without br_netfilter; a table no agent has\n"
	      "                          synced for --stale-after); exit 1 if any\n"
	      "  --stale-after SECONDS   with --check-node: the agent's last sync may be this\n"
	      "                          old (300; 0: do not check)\n"
	      "  --log-denied[=RATE]     log each denied connection attempt: both ends as\n"
	      "                          pods, protocol, port, the policies that denied it;\n"
	      "                          at most RATE lines a second (20), the rest counted\n"
	      "  --audit                 dry run: every NetworkPolicy in audit mode (what it\n"
	      "                          would deny is allowed, counted, logged as would-deny)\n"
	      "  --no-counters           no per-rule counters in the table (and on /metrics)\n"
	      "  --log-format FORMAT     the agent's log lines: logfmt (default) or json, one\n"
	      "                          object a line; both carry ts (RFC 3339, UTC)\n"
	      "  -v, --verbose           debug logs\n",
	      f);
}

static int parse_ms(const char *s, long scale, int64_t *out)
{
	unsigned long v;

	if (num_parse(s, 1, INT_MAX, &v))
		return -EINVAL;
	*out = (int64_t)v * scale;
	return 0;
}

/* --stale-after: seconds, 0 allowed (no check). */
static int parse_stale(const char *s, int64_t *out)
{
	unsigned long v;

	if (num_parse(s, 0, INT_MAX, &v))
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

/*
 * Fill o from argv. 0: run, or --help was given (the usage is printed and
 * o->help set); -EINVAL: bad usage, the reason printed (docs/architecture.md).
 */
static int parse_opts(int argc, char **argv, struct agent_opts *o)
{
	static const struct option opts[] = {
		{ "node-name", required_argument, NULL, 'n' },
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "context", required_argument, NULL, 'c' },
		{ "metrics-address", required_argument, NULL, 'm' },
		{ "full-check", required_argument, NULL, 'f' },
		{ "coalesce-ms", required_argument, NULL, 'q' },
		{ "max-delay-ms", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-node", no_argument, NULL, 'C' },
		{ "keep-established", no_argument, NULL, 'K' },
		{ "stale-after", required_argument, NULL, 'S' },
		{ "fail-closed", no_argument, NULL, 'F' },
		{ "pod-cidr", required_argument, NULL, 'P' },
		{ "log-format", required_argument, NULL, 'L' },
		{ "log-denied", optional_argument, NULL, 'D' },
		{ "audit", no_argument, NULL, 'A' },
		{ "no-counters", no_argument, NULL, 'N' },
		{ "no-incremental", no_argument, NULL, 'I' },
		{ "check-incremental", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, ret = 0;

	while (!ret && (opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->node = optarg;
			break;
		case 'k':
			o->kubeconfig = optarg;
			break;
		case 'c':
			o->context = optarg;
			break;
		case 'm':
			o->metrics = optarg;
			break;
		case 'f':
			ret = parse_ms(optarg, 1000, &o->rec.full_check_ms);
			break;
		case 'q':
			ret = parse_ms(optarg, 1, &o->rec.quiet_ms);
			break;
		case 'd':
			ret = parse_ms(optarg, 1, &o->rec.max_delay_ms);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'C':
			o->check_node = true;
			break;
		case 'K':
			o->rec.keep_established = true;
			break;
		case 'S':
			ret = parse_stale(optarg, &o->stale_after_s);
			break;
		case 'F':
			o->rec.fail_closed = true;
			break;
		case 'D':
			o->rec.log_group = DENIED_GROUP;
			o->rec.log_rate = DENIED_RATE_DEFAULT;
			if (optarg) {
				unsigned long v;

				if (num_parse(optarg, 1, 100000, &v)) {
					fprintf(stderr,
						"nftpol agent: --log-denied=%s: expected a rate, "
						"lines "
						"a second, 1 to 100000\n",
						optarg);
					usage(stderr);
					return -EINVAL;
				}
				o->rec.log_rate = (uint32_t)v;
			}
			break;
		case 'A':
			o->rec.audit = true;
			break;
		case 'I':
			o->rec.no_incremental = true;
			break;
		case 'X':
			o->rec.check_incremental = true;
			break;
		case 'N':
			o->rec.no_counters = true;
			break;
		case 'P':
			if (o->rec.npod_cidrs == AGENT_POD_CIDRS_MAX ||
			    cidr_parse(optarg, &o->cidrs[o->rec.npod_cidrs])) {
				fprintf(stderr,
					"nftpol agent: --pod-cidr %s: expected a CIDR such as "
					"10.244.1.0/24 or fd00:10:244:1::/64 (at most %d)\n",
					optarg, AGENT_POD_CIDRS_MAX);
				usage(stderr);
				return -EINVAL;
			}
			o->rec.pod_cidrs = o->cidrs;
			o->rec.npod_cidrs++;
			break;
		case 'L':
			if (log_format_parse(optarg, &o->log_format)) {
				fprintf(stderr,
					"nftpol agent: --log-format %s: expected logfmt or json\n",
					optarg);
				usage(stderr);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			o->help = true;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (ret)
		fprintf(stderr, "nftpol agent: %s: expected a positive number\n", optarg);
	if (!ret && optind < argc) {
		fprintf(stderr, "nftpol agent: unexpected argument '%s'\n", argv[optind]);
		ret = -EINVAL;
	}
	if (!ret && !o->check_node && (!o->node || !*o->node)) {
		fputs("nftpol agent: --node-name or NODE_NAME is required\n", stderr);
		ret = -EINVAL;
	}
	if (ret)
		usage(stderr);
	return ret;
}

/* Everything the agent runs; built by setup(), freed by teardown(). */
struct agent {
	struct kube *kube;
	struct store *store;
	struct metrics m;
	bool audit; /* --audit, for the policy metrics */
	struct loop_parts parts;
};

static int setup_kube(struct agent *a, const struct agent_opts *o)
{
	struct kubeconfig kc;
	char *err = NULL;
	int ret = kubeconfig_load(o->kubeconfig, o->context, &kc, &err);

	if (ret) {
		log_error("cannot load the API server configuration",
			  LOG_FIELDS(LOG_STR("reason", err)));
		free(err);
		return 2;
	}
	log_info("API server", LOG_FIELDS(LOG_STR("server", kc.server), LOG_STR("from", kc.origin),
					  LOG_STR("tls_verify", kc.insecure ? "no" : "yes")));
	a->kube = kube_new(&kc);
	return 0;
}

static void render_policy_metrics(void *ctx, FILE *f)
{
	struct agent *a = ctx;

	policy_metrics_render(a->parts.rec, a->parts.denied, a->audit, f);
}

static int setup(struct agent *a, const struct agent_opts *o)
{
	char *err = NULL;
	int ret = setup_kube(a, o);

	if (ret)
		return ret;
	a->store = store_new();
	a->parts.m = &a->m;
	a->parts.store = a->store;
	if (reconcile_new(&o->rec, a->store, &a->m, &a->parts.rec, &err) < 0) {
		log_error("cannot start the reconciler", LOG_FIELDS(LOG_STR("reason", err)));
		free(err);
		return 3;
	}
	if (strcmp(o->metrics, "off") && *o->metrics &&
	    metrics_http_new(o->metrics, &a->m, &a->parts.http, &err) < 0) {
		log_error("cannot start the metrics listener", LOG_FIELDS(LOG_STR("reason", err)));
		free(err);
		return 2;
	}
	if (o->rec.log_group &&
	    denied_new(o->rec.log_group, o->rec.log_rate, &a->parts.denied, &err) < 0) {
		log_error("cannot read the denied-connection log (NFLOG)",
			  LOG_FIELDS(LOG_STR("reason", err)));
		free(err);
		return 3;
	}
	a->audit = a->parts.audit = o->rec.audit;
	a->m.extra = render_policy_metrics;
	a->m.extra_ctx = a;
	datapath_observe(&datapath_node, &a->m);
	a->parts.multi = kube_multi_new();
	for (int k = 0; k < STORE_KINDS; k++)
		a->parts.watches[k] = watch_new(k, a->kube, a->parts.multi, a->store, &a->m.watch);
	return 0;
}

static void teardown(struct agent *a)
{
	for (int k = 0; k < STORE_KINDS; k++)
		watch_free(a->parts.watches[k]);
	if (a->parts.multi)
		curl_multi_cleanup(a->parts.multi);
	metrics_http_free(a->parts.http);
	reconcile_free(a->parts.rec);
	denied_free(a->parts.denied);
	store_free(a->store);
	kube_free(a->kube);
	metrics_fini(&a->m);
}

/*
 * The age of the agent's sync stamp in this namespace's table: a STALE line and
 * 1 when older than stale_s seconds (0: not checked), else an OK or NOTE line
 * and 0; 3 when the table cannot be read.
 */
static int check_table_age(int64_t stale_s)
{
	struct netlink *nl;
	struct ruleset rs;
	uint32_t gen, at;
	char why[256], when[32];
	int64_t age;
	time_t t;
	int ret;

	if (!stale_s)
		return 0;
	ret = netlink_open(&nl);
	if (ret) {
		fprintf(stderr, "nftpol agent: netlink: %s\n", strerror(-ret));
		return 3;
	}
	ret = readback_table(nl, COMPILE_TABLE, &rs, &gen, why, sizeof(why));
	netlink_close(nl);
	if (!ret)
		ret = stamp_get(&rs, &at) ? -ENODATA : 0;
	ruleset_fini(&rs);
	if (ret == -ENOENT) {
		puts("NOTE no table inet " COMPILE_TABLE " in this network namespace: nothing is "
		     "enforced here yet");
		return 0;
	}
	if (ret == -ENOTSUP) {
		printf("NOTE table inet " COMPILE_TABLE " holds what nftpol does not make: %s\n",
		       why);
		return 0;
	}
	if (ret && ret != -ENODATA) {
		fprintf(stderr, "nftpol agent: reading table inet " COMPILE_TABLE ": %s\n",
			strerror(-ret));
		return 3;
	}
	if (ret) {
		puts("NOTE table inet " COMPILE_TABLE " carries no agent sync time (nftpol apply "
		     "programmed it, or an older agent)");
		return 0;
	}
	t = (time_t)at;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	age = (int64_t)now_wall() - (int64_t)at;
	if (age > stale_s) {
		printf("STALE table inet " COMPILE_TABLE
		       " last synced by the agent %lld s ago (%s), "
		       "more than %lld s: no agent keeps it; pods and policy changes since then "
		       "are not enforced\n",
		       (long long)age, when, (long long)stale_s);
		return 1;
	}
	printf("OK table inet " COMPILE_TABLE " synced by the agent %lld s ago (%s)\n",
	       (long long)age, when);
	return 0;
}

/*
 * `nftpol agent --check-node`: one report line per condition under which this
 * node's traffic escapes enforcement, then the age of the agent's last sync.
 * 0 none, 1 some, 3 cannot inspect.
 */
static int check_node(int64_t stale_s)
{
	struct datapath_report r = { 0 };
	int ret = datapath_check(&datapath_node, &r), age;

	if (ret < 0) {
		fprintf(stderr, "nftpol agent: cannot list the interfaces in %s: %s\n",
			datapath_node.net, strerror(-ret));
		return 3;
	}
	for (size_t i = 0; i < r.n; i++) {
		char *text = datapath_finding_text(&r.v[i]);

		printf("BLIND %s %s: %s\n", datapath_reason_name(r.v[i].reason), r.v[i].dev, text);
		free(text);
	}
	if (!r.n)
		puts("OK no condition found under which nftpol cannot enforce on this node "
		     "(checked: Linux bridges against br_netfilter)");
	ret = r.n ? 1 : 0;
	datapath_report_fini(&r);
	age = check_table_age(stale_s);
	return age > ret ? age : ret;
}

/* Entry point of `nftpol agent`; returns the exit code. */
/*
 * Blocks of 128 KiB and more (the store's arrays and index, the tables' set
 * element arrays) are mapped of their own, so that freeing them gives the
 * memory back. Left alone, glibc raises that threshold to the size of each
 * such block freed (up to 32 MiB): after the first full sync replaced a table,
 * the next tables' arrays come from the heap, and the holes an old table
 * leaves there stay resident. No fastbins: a LIST's pages are decoded into
 * memory the previous page freed (watch.c packs each page), and the fastbins'
 * consolidation passes cost the start-up a third of a second at 100k pods.
 */
static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
	mallopt(M_MXFAST, 0);
}

int cmd_agent_main(int argc, char **argv)
{
	struct agent_opts o = {
		.node = getenv("NODE_NAME"),
		.metrics = DEFAULT_METRICS,
		.rec = { .quiet_ms = 100, .max_delay_ms = 1000, .full_check_ms = 60000 },
		.stale_after_s = 300,
	};
	struct agent a;
	int ret, sig;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (o.help)
		return 0;
	if (o.check_node)
		return check_node(o.stale_after_s);
	o.rec.node = o.node;
	tune_malloc();
	log_init(o.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO, o.log_format);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || loop_signals_init() < 0) {
		log_error("cannot initialise", NULL);
		return 3;
	}
	memset(&a, 0, sizeof(a));
	ret = setup(&a, &o);
	if (!ret) {
		log_info("agent started",
			 LOG_FIELDS(LOG_STR("node", o.node), LOG_STR("metrics", o.metrics)));
		for (int k = 0; k < STORE_KINDS; k++)
			watch_start(a.parts.watches[k], now_ms());
		sig = loop_run(&a.parts);
		log_info("stopping; the rules stay in the kernel",
			 LOG_FIELDS(LOG_INT("signal", sig)));
	}
	teardown(&a);
	loop_signals_fini();
	curl_global_cleanup();
	return ret;
}
