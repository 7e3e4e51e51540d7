// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * In-process phase timer for scripts/bench (not a test; prints figures, asserts
 * nothing about them). Every figure is CLOCK_MONOTONIC wall time in ms; each
 * result is one line "KIND key=value ...".
 *
 *   bench_nft compile [--node N] [-o SCRIPT] FILE
 *       decode (decode_file), compile_cluster, render (into memory); peak RSS.
 *   bench_nft program [--node N] [--netns NAME]... FILE
 *       decode and compile once, then program the table into each named network
 *       namespace in turn (/run/netns/NAME; none: the current one), which must
 *       not hold it: GETGEN, build the replace batch, sendmsg +
 *       acknowledgements, each timed; one line per namespace.
 *   bench_nft delta [--node N] [--reps R] BASE NAME=FILE...
 *       program BASE, then for each changed cluster, R times: compile it; the
 *       fast path of apply_delta from the kept ruleset in two timed halves
 *       (diff + build, then sendmsg + acks); the replace transaction of the same
 *       ruleset alone; apply_delta back to BASE and forward again (end to end);
 *       apply_ruleset(APPLY_REPLACE), which reads the table back first as
 *       `nftpol apply --replace` does; apply_delta back to BASE.
 *
 * Network namespaces are the caller's business: run program and delta only
 * under `ip netns exec` of a namespace made for the benchmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "nft/apply.h"
#include "nft/build.h"
#include "nft/compile.h"
#include "nft/diff.h"
#include "nft/netlink.h"
#include "nft/render.h"
#include "policy/decode.h"
#include "policy/diag.h"
#include "policy/model.h"
#include "base/num.h"
#include "base/xalloc.h"

#define NETNS_MAX 32

static const char *node;
static int reps = 5;
static const char *netns[NETNS_MAX];
static int nnetns;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_nft: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void load(char *path, struct cluster *c)
{
	struct diag_list d;

	diag_list_init(&d);
	model_cluster_init(c);
	decode_file(path, c, &d);
	model_cluster_seal(c);
	if (!d.nerrors)
		decode_check_duplicates(c, &d);
	for (size_t i = 0; i < d.n; i++)
		diag_print(&d.v[i], stderr);
	if (d.nerrors)
		die(path, EINVAL);
	diag_list_fini(&d);
}

static void compile(const struct cluster *c, struct ruleset *rs)
{
	struct diag_list d;
	int ret;

	diag_list_init(&d);
	ret = compile_cluster(c, node, rs, &d);
	for (size_t i = 0; i < d.n; i++)
		diag_print(&d.v[i], stderr);
	if (ret || d.nerrors)
		die("compile", ret ? ret : EINVAL);
	diag_list_fini(&d);
}

static void counts(const struct ruleset *rs)
{
	size_t rules = 0, elems = 0;

	for (size_t i = 0; i < rs->nsets; i++)
		elems += rs->sets[i].nelems;
	for (size_t i = 0; i < rs->nchains; i++)
		rules += rs->chains[i].nrules;
	printf(" sets=%zu chains=%zu rules=%zu elems=%zu", rs->nsets, rs->nchains, rules, elems);
}

static int cmd_compile(char *path, const char *out)
{
	struct cluster c;
	struct ruleset rs;
	char *buf = NULL;
	size_t len = 0;
	double t0, t1, t2, t3;
	long rss_decode, rss_compile;
	FILE *mem;

	t0 = now_ms();
	load(path, &c);
	t1 = now_ms();
	rss_decode = maxrss_kb();
	compile(&c, &rs);
	t2 = now_ms();
	rss_compile = maxrss_kb();
	mem = open_memstream(&buf, &len);
	if (!mem || render_ruleset(&rs, mem))
		die("render", errno);
	fclose(mem);
	t3 = now_ms();
	printf("compile decode_ms=%.3f compile_ms=%.3f render_ms=%.3f total_ms=%.3f "
	       "script_bytes=%zu pods=%zu policies=%zu rss_decode_kb=%ld rss_compile_kb=%ld "
	       "rss_kb=%ld",
	       t1 - t0, t2 - t1, t3 - t2, t3 - t0, len, c.npods, c.npols, rss_decode, rss_compile,
	       maxrss_kb());
	counts(&rs);
	putchar('\n');
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
			die(out, errno);
	}
	free(buf);
	ruleset_fini(&rs);
	model_cluster_fini(&c);
	return 0;
}

/* The replace transaction of rs alone: build and send, each timed. */
static void replace_tx(struct netlink *nl, const struct ruleset *rs, uint32_t genid,
		       double *build_ms, double *send_ms, size_t *msgs, size_t *bytes)
{
	struct netlink_report rep;
	struct build *b;
	double t0, t1, t2;
	int ret;

	t0 = now_ms();
	b = build_new(rs->table, netlink_next_seq(nl));
	build_begin(b, genid);
	ret = build_replace(b, rs);
	if (ret)
		die(build_error(b), ret);
	build_end(b);
	t1 = now_ms();
	ret = netlink_send(nl, b, &rep);
	t2 = now_ms();
	if (ret) {
		char msg[700];

		for (size_t i = 0; i < rep.nerrors && i < NETLINK_ERRORS_MAX; i++) {
			netlink_error_str(&rep.e[i], msg, sizeof(msg));
			fprintf(stderr, "bench_nft: kernel: %s\n", msg);
		}
		die("sending the replace batch", ret);
	}
	*msgs = build_msgs(b);
	*bytes = rep.bytes;
	build_free(b);
	*build_ms = t1 - t0;
	*send_ms = t2 - t1;
}

static void enter_netns(const char *name)
{
	char *path = xasprintf("/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path, errno);
	close(fd);
	free(path);
}

static void program_once(const struct ruleset *rs, double decode_ms, double compile_ms)
{
	double t0, t1, build_ms, send_ms;
	struct netlink *nl;
	uint32_t genid;
	size_t msgs, bytes;
	int ret;

	ret = netlink_open(&nl);
	if (ret)
		die("netlink", ret);
	t0 = now_ms();
	ret = netlink_getgen(nl, &genid);
	if (ret)
		die("getgen", ret);
	t1 = now_ms();
	replace_tx(nl, rs, genid, &build_ms, &send_ms, &msgs, &bytes);
	printf("program decode_ms=%.3f compile_ms=%.3f getgen_ms=%.3f build_ms=%.3f "
	       "send_ms=%.3f netlink_ms=%.3f msgs=%zu bytes=%zu rss_kb=%ld",
	       decode_ms, compile_ms, t1 - t0, build_ms, send_ms, now_ms() - t0, msgs, bytes,
	       maxrss_kb());
	counts(rs);
	putchar('\n');
	fflush(stdout);
	netlink_close(nl);
}

static int cmd_program(char *path)
{
	struct cluster c;
	struct ruleset rs;
	double t0, t1, t2;

	t0 = now_ms();
	load(path, &c);
	t1 = now_ms();
	compile(&c, &rs);
	t2 = now_ms();
	if (!nnetns)
		program_once(&rs, t1 - t0, t2 - t1);
	for (int i = 0; i < nnetns; i++) {
		enter_netns(netns[i]);
		program_once(&rs, t1 - t0, t2 - t1);
	}
	ruleset_fini(&rs);
	model_cluster_fini(&c);
	return 0;
}

static void check_apply(const char *what, int ret, const struct apply_result *res, bool full)
{
	if (ret)
		die(what, ret);
	if (!res->sent || res->full != full) {
		fprintf(stderr, "bench_nft: %s: sent=%d full=%d (%s), expected full=%d\n", what,
			res->sent, res->full, res->why, full);
		exit(1);
	}
}

/*
 * What apply_delta() does on its fast path, in two timed halves: the difference
 * old -> new built into a batch checked against *gen (diff_build), then sendmsg
 * and the acknowledgements. *gen moves on to the generation after the commit.
 */
static void delta_tx(struct netlink *nl, const struct ruleset *old, const struct ruleset *new,
		     uint32_t *gen, double *diff_ms, double *send_ms)
{
	struct netlink_report rep;
	struct diff_stats st;
	struct build *b;
	double t0, t1;
	int ret;

	t0 = now_ms();
	b = build_new(new->table, netlink_next_seq(nl));
	build_begin(b, *gen);
	ret = diff_build(old, new, b, &st);
	if (ret)
		die("diff", ret);
	build_end(b);
	t1 = now_ms();
	ret = netlink_send(nl, b, &rep);
	*send_ms = now_ms() - t1;
	*diff_ms = t1 - t0;
	build_free(b);
	if (ret)
		die("sending the delta batch", ret);
	*gen = *gen + 1 ? *gen + 1 : 1;
}

static void one_change(struct netlink *nl, const char *name, char *path, const struct ruleset *base,
		       uint32_t *gen)
{
	struct apply_result res;
	struct cluster c;
	double t0, t1, decode_ms;
	int ret;

	t0 = now_ms();
	load(path, &c);
	decode_ms = now_ms() - t0;
	for (int r = 0; r < reps; r++) {
		double compile_ms, diff_ms, send_ms, delta_ms, revert_ms, replace_ms;
		double build_ms, rsend_ms;
		size_t msgs, bytes, delta_msgs, delta_bytes;
		struct diff_stats st;
		struct ruleset want;

		t0 = now_ms();
		compile(&c, &want);
		t1 = now_ms();
		compile_ms = t1 - t0;

		/* base -> want: the fast path of apply_delta in two timed halves */
		delta_tx(nl, base, &want, gen, &diff_ms, &send_ms);

		/* the replace transaction of want alone */
		replace_tx(nl, &want, *gen, &build_ms, &rsend_ms, &msgs, &bytes);
		ret = netlink_getgen(nl, gen);
		if (ret)
			die("getgen", ret);

		t0 = now_ms();
		ret = apply_delta(nl, base, &want, gen, &res);
		revert_ms = now_ms() - t0;
		check_apply("apply_delta back", ret, &res, false);

		/* base -> want again, through apply_delta itself */
		t0 = now_ms();
		ret = apply_delta(nl, &want, base, gen, &res);
		delta_ms = now_ms() - t0;
		check_apply("apply_delta", ret, &res, false);
		st = res.st;
		delta_msgs = res.msgs;
		delta_bytes = res.bytes;

		t0 = now_ms();
		ret = apply_ruleset(nl, &want, &want, APPLY_REPLACE, &res);
		replace_ms = now_ms() - t0;
		check_apply("apply_ruleset replace", ret, &res, true);
		*gen = res.gen_after;

		ret = apply_delta(nl, base, &want, gen, &res);
		check_apply("apply_delta restore", ret, &res, false);

		printf("delta change=%s rep=%d decode_ms=%.3f compile_ms=%.3f diff_ms=%.3f "
		       "send_ms=%.3f delta_ms=%.3f revert_ms=%.3f replace_tx_ms=%.3f "
		       "replace_build_ms=%.3f "
		       "replace_send_ms=%.3f replace_apply_ms=%.3f delta_msgs=%zu "
		       "delta_bytes=%zu replace_msgs=%zu replace_bytes=%zu elems_added=%zu "
		       "elems_removed=%zu chains_added=%zu chains_removed=%zu "
		       "chains_rewritten=%zu sets_added=%zu sets_removed=%zu sets_rebuilt=%zu\n",
		       name, r, decode_ms, compile_ms, diff_ms, send_ms, delta_ms, revert_ms,
		       build_ms + rsend_ms, build_ms, rsend_ms, replace_ms, delta_msgs, delta_bytes,
		       msgs, bytes, st.elems_added, st.elems_removed, st.chains_added,
		       st.chains_removed, st.chains_rewritten, st.sets_added, st.sets_removed,
		       st.sets_rebuilt);
		fflush(stdout);
		ruleset_fini(&want);
	}
	model_cluster_fini(&c);
}

static int cmd_delta(int argc, char **argv)
{
	struct apply_result res;
	struct netlink *nl;
	struct cluster c;
	struct ruleset base;
	uint32_t gen;
	int ret;

	load(argv[0], &c);
	compile(&c, &base);
	model_cluster_fini(&c);
	ret = netlink_open(&nl);
	if (ret)
		die("netlink", ret);
	ret = apply_ruleset(nl, &base, NULL, 0, &res);
	check_apply("programming the base ruleset", ret, &res, true);
	gen = res.gen_after;
	printf("base");
	counts(&base);
	putchar('\n');
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char *name;

		if (!eq)
			die(argv[i], EINVAL);
		name = xstrndup(argv[i], (size_t)(eq - argv[i]));
		one_change(nl, name, eq + 1, &base, &gen);
		free(name);
	}
	netlink_close(nl);
	ruleset_fini(&base);
	return 0;
}

static void usage(void)
{
	fputs("usage: bench_nft compile [--node N] [-o SCRIPT] FILE\n"
	      "       bench_nft program [--node N] [--netns NAME]... FILE\n"
	      "       bench_nft delta [--node N] [--reps R] BASE NAME=FILE...\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "netns", required_argument, NULL, 'N' },
		{ 0 },
	};
	const char *cmd, *out = NULL;
	unsigned long nreps;
	int opt;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt_long(argc, argv, "n:r:o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			node = optarg;
			break;
		case 'r':
			if (num_parse(optarg, 1, 1000000, &nreps))
				usage();
			reps = (int)nreps;
			break;
		case 'o':
			out = optarg;
			break;
		case 'N':
			if (nnetns == NETNS_MAX)
				usage();
			netns[nnetns++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || reps < 1)
		usage();
	if (!strcmp(cmd, "compile") && optind + 1 == argc)
		return cmd_compile(argv[optind], out);
	if (!strcmp(cmd, "program") && optind + 1 == argc)
		return cmd_program(argv[optind]);
	if (!strcmp(cmd, "delta") && optind + 2 <= argc)
		return cmd_delta(argc - optind, argv + optind);
	usage();
	return 2;
}
