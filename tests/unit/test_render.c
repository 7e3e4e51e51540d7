// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the ruleset IR rendered as nft script. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "nft/render.h"
#include "nft/ruleset.h"
#include "base/xalloc.h"

static char *render_set_text(const struct rs_set *s, const struct rs_elem *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	render_elem(s, e, f);
	fclose(f);
	return buf;
}

/* render_ruleset() of rs into a string. */
static char *render_all(const struct ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(render_ruleset(rs, f), 0);
	fclose(f);
	return buf;
}

START_TEST(interval_elements)
{
	struct ruleset rs;
	enum rs_type t = RS_TYPE_IPV4;
	struct rs_set *s;
	struct rs_elem *e;
	char *text;

	ruleset_init(&rs, "t");
	s = ruleset_add_set(&rs, "cidr", NULL, &t, 1, RS_SET_INTERVAL);
	e = ruleset_set_add_elem(s);
	memcpy(e->key, (uint8_t[]){ 10, 0, 0, 0 }, 4);
	memcpy(e->key_end, (uint8_t[]){ 10, 255, 255, 255 }, 4);
	text = render_set_text(s, e);
	ck_assert_str_eq(text, "10.0.0.0/8");
	free(text);
	memcpy(e->key_end, (uint8_t[]){ 10, 0, 1, 1 }, 4);
	text = render_set_text(s, e);
	ck_assert_str_eq(text, "10.0.0.0-10.0.1.1");
	free(text);
	memcpy(e->key_end, e->key, 4);
	text = render_set_text(s, e);
	ck_assert_str_eq(text, "10.0.0.0");
	free(text);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(concat_elements)
{
	struct ruleset rs;
	enum rs_type t[] = { RS_TYPE_IPV6, RS_TYPE_PROTO, RS_TYPE_SERVICE };
	enum rs_type pt[] = { RS_TYPE_PROTO, RS_TYPE_SERVICE };
	struct rs_set *s;
	struct rs_elem *e;
	char *text;

	ruleset_init(&rs, "t");
	s = ruleset_add_set(&rs, "named", NULL, t, 3, 0);
	ck_assert_uint_eq(ruleset_key_len(s), 24);
	e = ruleset_set_add_elem(s);
	e->key[0] = 0xfd;
	e->key[15] = 1;
	e->key[16] = 17;
	e->key[20] = 0x1f;
	e->key[21] = 0x90;
	text = render_set_text(s, e);
	ck_assert_str_eq(text, "fd00::1 . udp . 8080");
	free(text);
	s = ruleset_add_set(&rs, "ranges", NULL, pt, 2, RS_SET_INTERVAL);
	e = ruleset_set_add_elem(s);
	e->key[0] = e->key_end[0] = 6;
	e->key[5] = 80;
	e->key_end[5] = 90;
	text = render_set_text(s, e);
	ck_assert_str_eq(text, "tcp . 80-90");
	free(text);
	ruleset_fini(&rs);
}
END_TEST

START_TEST(whole_table)
{
	struct ruleset rs;
	enum rs_type t = RS_TYPE_IPV4;
	enum rs_field f = RS_F_IP_DADDR;
	struct rs_chain *c;
	struct rs_rule *r;
	struct rs_elem *e;
	char *buf;

	ruleset_init(&rs, "nftpol");
	e = ruleset_set_add_elem(ruleset_add_set(&rs, "m", "a \"map\"", &t, 1, RS_SET_VMAP));
	memcpy(e->key, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	e->chain = xstrdup("grp");
	c = ruleset_add_chain(&rs, "grp", NULL);
	ruleset_chain_add_rule(c)->verdict = RS_VERDICT_DROP;
	c = ruleset_add_chain(&rs, "base", NULL);
	c->hook = RS_HOOK_FORWARD;
	c->prio = 1;
	r = ruleset_chain_add_rule(c);
	r->m[r->nm].kind = RS_MATCH_CT_STATE;
	r->m[r->nm++].ct_state = RS_CT_ESTABLISHED | RS_CT_RELATED;
	r->verdict = RS_VERDICT_ACCEPT;
	ruleset_rule_add_match(ruleset_chain_add_rule(c), RS_MATCH_VMAP, "m", &f, 1);
	ruleset_seal(&rs);
	buf = render_all(&rs);
	ck_assert_str_eq(buf, "table inet nftpol\n"
			      "delete table inet nftpol\n"
			      "table inet nftpol {\n"
			      "\tmap m {\n"
			      "\t\ttype ipv4_addr : verdict\n"
			      "\t\tcomment \"a _map_\"\n"
			      "\t\telements = { 10.0.0.1 : jump grp }\n"
			      "\t}\n"
			      "\tchain base {\n"
			      "\t\ttype filter hook forward priority filter + 1; policy accept;\n"
			      "\t\tct state established,related accept\n"
			      "\t\tip daddr vmap @m\n"
			      "\t}\n"
			      "\tchain grp {\n"
			      "\t\tdrop\n"
			      "\t}\n"
			      "}\n");
	free(buf);
	ruleset_fini(&rs);
}
END_TEST

/* Counter objects (no values), and a rule's statements in nft's order. */
START_TEST(counters_and_statements)
{
	static const enum rs_type t = RS_TYPE_IPV4;
	static const enum rs_field f = RS_F_IP_SADDR;
	struct ruleset rs;
	struct rs_chain *c;
	struct rs_rule *r;
	char *buf;

	ruleset_init(&rs, "nftpol");
	ruleset_add_set(&rs, "x", NULL, &t, 1, 0);
	ruleset_add_counter(&rs, "ctr_grp_in_ab12_drop", "drops of \"grp\"");
	ruleset_add_counter(&rs, "ctr_b", NULL);
	c = ruleset_add_chain(&rs, "grp_in_ab12", NULL);
	r = ruleset_chain_add_rule(c);
	ruleset_rule_add_match(r, RS_MATCH_SET, "x", &f, 1);
	r->limit_rate = 50;
	r->limit_burst = 20;
	ruleset_rule_set_log(r, "nftpol deny grp_in_ab12", 7);
	r = ruleset_chain_add_rule(c);
	ruleset_rule_set_counter(r, "ctr_grp_in_ab12_drop");
	r->verdict = RS_VERDICT_DROP;
	r = ruleset_chain_add_rule(c);
	r->limit_rate = 1;
	r->limit_burst = 5;
	ruleset_rule_set_log(r, "", 0);
	ruleset_rule_set_counter(r, "ctr_b");
	r->verdict = RS_VERDICT_ACCEPT;
	ruleset_seal(&rs);
	buf = render_all(&rs);
	ck_assert_str_eq(buf, "table inet nftpol\n"
			      "delete table inet nftpol\n"
			      "table inet nftpol {\n"
			      "\tcounter ctr_b {\n"
			      "\t}\n"
			      "\tcounter ctr_grp_in_ab12_drop {\n"
			      "\t\tcomment \"drops of _grp_\"\n"
			      "\t}\n"
			      "\tset x {\n"
			      "\t\ttype ipv4_addr\n"
			      "\t}\n"
			      "\tchain grp_in_ab12 {\n"
			      "\t\tip saddr @x limit rate 50/second burst 20 packets log prefix "
			      "\"nftpol deny grp_in_ab12\" group 7\n"
			      "\t\tcounter name \"ctr_grp_in_ab12_drop\" drop\n"
			      "\t\tlimit rate 1/second burst 5 packets log group 0 counter name "
			      "\"ctr_b\" accept\n"
			      "\t}\n"
			      "}\n");
	free(buf);
	ruleset_fini(&rs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, interval_elements);
	tcase_add_test(tc, concat_elements);
	tcase_add_test(tc, whole_table);
	tcase_add_test(tc, counters_and_statements);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
