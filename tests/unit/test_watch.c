// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: request URLs, the connection gate, watch event lines (ADDED,
 * DELETED, BOOKMARK with a null containers list, ERROR 410 as Expired and
 * Gone, junk), objects decoded into the store's form, LIST pages whose items
 * carry no kind.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kube/backoff.h"
#include "agent/kube/kube.h"
#include "agent/kube/watch_decode.h"
#include "policy/diag.h"

static struct kube *mk_kube(const char *server)
{
	struct kubeconfig kc = { 0 };

	kc.server = strdup(server);
	return kube_new(&kc);
}

START_TEST(urls)
{
	struct kube *k = mk_kube("https://[fd00::1]:6443");
	char *u;

	u = kube_list_url(k, "/api/v1/pods", 500, NULL);
	ck_assert_str_eq(u, "https://[fd00::1]:6443/api/v1/pods?limit=500");
	free(u);
	u = kube_list_url(k, "/api/v1/pods", 500, "eyJ2Ijo+/=");
	ck_assert_str_eq(u, "https://[fd00::1]:6443/api/v1/pods?limit=500"
			    "&continue=eyJ2Ijo%2B%2F%3D");
	free(u);
	u = kube_watch_url(k, "/apis/networking.k8s.io/v1/networkpolicies", "48213", 417);
	ck_assert_str_eq(u, "https://[fd00::1]:6443/apis/networking.k8s.io/v1/networkpolicies"
			    "?watch=true&resourceVersion=48213&allowWatchBookmarks=true"
			    "&timeoutSeconds=417");
	free(u);
	kube_free(k);
}
END_TEST

/*
 * A request set up holds the others back until it has its connection (or is
 * done, or the connect timeout has passed), so that they share it.
 */
START_TEST(connection_gate)
{
	struct kube *k = mk_kube("https://127.0.0.1:6443");
	CURL *a = curl_easy_init(), *b = curl_easy_init();
	struct curl_slist *ha = NULL, *hb = NULL;

	ck_assert(!kube_connecting(k, 1000));
	ck_assert_int_eq(kube_easy_setup(k, a, "https://127.0.0.1:6443/api/v1/pods", 0, &ha, 1000),
			 0);
	ck_assert(kube_connecting(k, 1000));
	ck_assert(kube_connecting(k, 1500));
	ck_assert(!kube_connecting(k, 1000 + 60000));
	ck_assert_int_eq(kube_easy_setup(k, b, "https://127.0.0.1:6443/api/v1/nodes", 0, &hb, 2000),
			 0);
	kube_easy_done(k, a); /* not the latest: b still waits for its connection */
	ck_assert(kube_connecting(k, 2000));
	kube_easy_done(k, b);
	ck_assert(!kube_connecting(k, 2000));
	curl_slist_free_all(ha);
	curl_slist_free_all(hb);
	curl_easy_cleanup(a);
	curl_easy_cleanup(b);
	kube_free(k);
}
END_TEST

static const char *const pod_event =
	"{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
	"\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\",\"resourceVersion\":\"48220\","
	"\"labels\":{\"app\":\"web\"},\"annotations\":{\"n\":\"\\u003cx\\u003e\"},"
	"\"creationTimestamp\":null},"
	"\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"c\",\"image\":\"i\","
	"\"ports\":[{\"name\":\"http\",\"containerPort\":80}]}]},"
	"\"status\":{\"phase\":\"Running\",\"podIP\":\"10.244.1.10\","
	"\"podIPs\":[{\"ip\":\"10.244.1.10\"}]}}}";

START_TEST(event_modified)
{
	struct watch_event ev;

	ck_assert_int_eq(watch_decode_event(pod_event, strlen(pod_event), &ev), 0);
	ck_assert_int_eq(ev.type, WATCH_MODIFIED);
	ck_assert_str_eq(ev.rv, "48220");
	ck_assert_str_eq(ev.ns, "default");
	ck_assert_str_eq(ev.name, "web-1");
	ck_assert_ptr_nonnull(ev.object);
	watch_decode_event_fini(&ev);
}
END_TEST

START_TEST(event_bookmark_and_deleted)
{
	const char *bm = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\","
			 "\"apiVersion\":\"v1\","
			 "\"metadata\":{\"resourceVersion\":\"48290\",\"creationTimestamp\":null},"
			 "\"spec\":{\"containers\":null},\"status\":{}}}";
	const char *del = "{\"type\":\"DELETED\",\"object\":{\"kind\":\"NetworkPolicy\","
			  "\"metadata\":{\"name\":\"deny\",\"namespace\":\"x\","
			  "\"resourceVersion\":\"7\"},\"spec\":{\"podSelector\":{}}}}";
	struct watch_event ev;

	ck_assert_int_eq(watch_decode_event(bm, strlen(bm), &ev), 0);
	ck_assert_int_eq(ev.type, WATCH_BOOKMARK);
	ck_assert_str_eq(ev.rv, "48290");
	ck_assert_ptr_null(ev.name);
	watch_decode_event_fini(&ev);
	ck_assert_int_eq(watch_decode_event(del, strlen(del), &ev), 0);
	ck_assert_int_eq(ev.type, WATCH_DELETED);
	ck_assert_str_eq(ev.ns, "x");
	ck_assert_str_eq(ev.name, "deny");
	ck_assert_str_eq(ev.rv, "7");
	watch_decode_event_fini(&ev);
}
END_TEST

START_TEST(event_error)
{
	const char *expired = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
			      "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old "
			      "resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}}";
	const char *gone = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
			   "\"reason\":\"Gone\"}}";
	const char *other = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,"
			    "\"reason\":\"InternalError\"}}";
	struct watch_event ev;

	ck_assert_int_eq(watch_decode_event(expired, strlen(expired), &ev), 0);
	ck_assert_int_eq(ev.type, WATCH_ERROR);
	ck_assert_int_eq(ev.status.code, 410);
	ck_assert_str_eq(ev.status.reason, "Expired");
	ck_assert(watch_decode_gone(&ev.status));
	watch_decode_event_fini(&ev);
	ck_assert_int_eq(watch_decode_event(gone, strlen(gone), &ev), 0);
	ck_assert(watch_decode_gone(&ev.status));
	watch_decode_event_fini(&ev);
	ck_assert_int_eq(watch_decode_event(other, strlen(other), &ev), 0);
	ck_assert(!watch_decode_gone(&ev.status));
	watch_decode_event_fini(&ev);
}
END_TEST

START_TEST(event_junk)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{\"type\":\"ADDED\"}",
		"{\"type\":\"WHAT\",\"object\":{}}",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"1\"}}}",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}",
		"{\"type\":\"ADDED\",\"object\":[1]}",
	};
	struct watch_event ev;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(watch_decode_event(bad[i], strlen(bad[i]), &ev), -EINVAL);
		watch_decode_event_fini(&ev);
	}
}
END_TEST

START_TEST(object_decoded)
{
	struct watch_event ev;
	struct store_obj o;
	struct diag_list d;

	ck_assert_int_eq(watch_decode_event(pod_event, strlen(pod_event), &ev), 0);
	diag_list_init(&d);
	ck_assert_int_eq(watch_decode_object(STORE_POD, ev.object, &o, &d), 0);
	ck_assert_int_eq(o.kind, STORE_POD);
	ck_assert_str_eq(o.rv, "48220");
	ck_assert_str_eq(o.u.pod.ns, "default");
	ck_assert_str_eq(o.u.pod.name, "web-1");
	ck_assert_str_eq(o.u.pod.node, "node-1");
	ck_assert_uint_eq(o.u.pod.nips, 1);
	ck_assert_str_eq(model_labels_get(&o.u.pod.labels, "app"), "web");
	store_obj_fini(&o);
	diag_list_fini(&d);
	watch_decode_event_fini(&ev);
}
END_TEST

START_TEST(object_rejected)
{
	const char *text = "{\"kind\":\"NetworkPolicy\",\"apiVersion\":\"networking.k8s.io/v1\","
			   "\"metadata\":{\"name\":\"p\",\"namespace\":\"x\"},"
			   "\"spec\":{\"podSelector\":{},"
			   "\"ingress\":[{\"ports\":[{\"port\":\"80\"}]}]}}";
	cJSON *obj = cJSON_Parse(text);
	struct store_obj o;
	struct diag_list d;

	diag_list_init(&d);
	ck_assert_int_eq(watch_decode_object(STORE_NETPOL, obj, &o, &d), -EINVAL);
	ck_assert_uint_gt(d.nerrors, 0);
	diag_list_fini(&d);
	cJSON_Delete(obj);
}
END_TEST

START_TEST(list_page)
{
	const char *page = "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\","
			   "\"metadata\":{\"resourceVersion\":"
			   "\"900\",\"continue\":\"tok\"},\"items\":["
			   "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\","
			   "\"labels\":{\"t\":\"1\"}}},"
			   "{\"metadata\":{\"name\":\"b\",\"resourceVersion\":\"6\"}}]}";
	const char *last = "{\"kind\":\"NamespaceList\",\"apiVersion\":\"v1\",\"metadata\":"
			   "{\"resourceVersion\":\"900\"},\"items\":[]}";
	struct store_obj *objs = NULL;
	size_t n = 0;
	char *rv = NULL, *cont = NULL;
	struct diag_list d;

	diag_list_init(&d);
	ck_assert_int_eq(watch_decode_list(STORE_NAMESPACE, page, strlen(page), &objs, &n, &rv,
					   &cont, &d),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rv, "900");
	ck_assert_str_eq(cont, "tok");
	ck_assert_str_eq(objs[0].u.ns.name, "a");
	ck_assert_str_eq(objs[0].rv, "5");
	ck_assert_str_eq(objs[1].rv, "6");
	ck_assert_int_eq(watch_decode_list(STORE_NAMESPACE, last, strlen(last), &objs, &n, &rv,
					   &cont, &d),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(cont);
	ck_assert_int_eq(watch_decode_list(STORE_NAMESPACE, "{}", 2, &objs, &n, &rv, &cont, &d),
			 -EINVAL);
	/* the continue token alone, as live.c reads it while fetching */
	ck_assert_int_eq(watch_decode_list_continue(page, strlen(page), &cont), 0);
	ck_assert_str_eq(cont, "tok");
	ck_assert_int_eq(watch_decode_list_continue("{}", 2, &cont), -EINVAL);
	ck_assert_str_eq(cont, "tok");
	ck_assert_int_eq(watch_decode_list_continue(last, strlen(last), &cont), 0);
	ck_assert_ptr_null(cont);
	for (size_t i = 0; i < n; i++)
		store_obj_fini(&objs[i]);
	free(objs);
	free(rv);
	diag_list_fini(&d);
}
END_TEST

START_TEST(status_body)
{
	const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			   "\"message\":\"pods is forbidden\",\"reason\":\"Forbidden\","
			   "\"code\":403}";
	struct kube_status st;

	ck_assert_int_eq(kube_status_parse(body, strlen(body), &st), 0);
	ck_assert_int_eq(st.code, 403);
	ck_assert_str_eq(st.reason, "Forbidden");
	ck_assert_str_eq(st.message, "pods is forbidden");
	ck_assert_int_eq(kube_status_parse("<html>", 6, &st), -EINVAL);
	ck_assert_int_eq(st.code, 0);
}
END_TEST

START_TEST(backoff_doubles_with_jitter_and_caps)
{
	struct backoff b;
	int64_t base = BACKOFF_INITIAL_MS;

	backoff_init(&b, BACKOFF_INITIAL_MS, BACKOFF_CAP_MS);
	for (int i = 0; i < 12; i++) {
		int64_t d = backoff_next(&b);
		int64_t hi = 2 * base < BACKOFF_CAP_MS ? 2 * base : BACKOFF_CAP_MS;

		ck_assert_int_ge(d, base);
		ck_assert_int_le(d, hi);
		base = 2 * base < BACKOFF_CAP_MS ? 2 * base : BACKOFF_CAP_MS;
	}
	ck_assert_int_eq(backoff_next(&b), BACKOFF_CAP_MS);
	backoff_reset(&b);
	ck_assert_int_le(backoff_next(&b), 2 * BACKOFF_INITIAL_MS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, urls);
	tcase_add_test(tc, connection_gate);
	tcase_add_test(tc, event_modified);
	tcase_add_test(tc, event_bookmark_and_deleted);
	tcase_add_test(tc, event_error);
	tcase_add_test(tc, event_junk);
	tcase_add_test(tc, object_decoded);
	tcase_add_test(tc, object_rejected);
	tcase_add_test(tc, list_page);
	tcase_add_test(tc, status_body);
	tcase_add_test(tc, backoff_doubles_with_jitter_and_caps);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
