/*
 * check_plan.c: replacement planning (lib/plan.c) over a CA directory of
 * certificates made here, against windows parsed from text.
 */
#include "check_util.h"

#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "plan.h"
#include "windows.h"

#define DAY 86400

static char dir[PATH_MAX];
static time_t now;

/* A certificate for subject, ending days from now, signed by key. */
static void
cert(const char *path, const char *subject, long days, EVP_PKEY *key,
    const char *issuer, long serial)
{
	X509 *x = X509_new();
	X509_NAME *s = X509_NAME_new(), *i = X509_NAME_new();
	FILE *f;

	ck_assert_ptr_nonnull(x);
	X509_NAME_add_entry_by_txt(s, "CN", MBSTRING_ASC,
	    (const unsigned char *)subject, -1, -1, 0);
	X509_NAME_add_entry_by_txt(i, "CN", MBSTRING_ASC,
	    (const unsigned char *)issuer, -1, -1, 0);
	ck_assert_int_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, s);
	X509_set_issuer_name(x, i);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now);
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_NAME_free(s);
	X509_NAME_free(i);
	X509_free(x);
}

static void
setup(void)
{
	char p[PATH_MAX + 32];
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	now = time(NULL);
	tu_tmpdir(dir);
	tu_pathf(p, sizeof(p), "%s/issued", dir);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	tu_pathf(p, sizeof(p), "%s/ca.pem", dir);
	cert(p, "Test CA", 400, k, "Test CA", 1);
	tu_pathf(p, sizeof(p), "%s/issued/02.pem", dir);
	cert(p, "Short Device", 100, k, "Test CA", 2);
	tu_pathf(p, sizeof(p), "%s/issued/03.pem", dir);
	cert(p, "Long Device", 2000, k, "Test CA", 3);
	EVP_PKEY_free(k);
}

static void
teardown(void)
{
	tu_rmrf(dir);
}

/* One site with a day-long window at each of days[] from now. */
static struct ca_windows *
windows(const long *days, size_t n)
{
	char text[4096], a[21], b[21];
	struct ca_windows *w = NULL;
	struct ca_errbuf eb = { 0 };
	size_t i, at;

	at = (size_t)snprintf(text, sizeof(text), "{\"format\": "
	    "\"ca-windows\", \"version\": 1, \"sites\": [{\"name\": \"s\", "
	    "\"windows\": [");
	for (i = 0; i < n; i++) {
		ck_assert_ok(ca_time_rfc3339(now + days[i] * DAY, a));
		ck_assert_ok(ca_time_rfc3339(now + days[i] * DAY + DAY, b));
		at += (size_t)snprintf(text + at, sizeof(text) - at,
		    "%s{\"name\": \"w%ld\", \"start\": \"%s\", \"end\": "
		    "\"%s\"}", i ? ", " : "", days[i], a, b);
	}
	snprintf(text + at, sizeof(text) - at, "]}]}");
	ck_assert_msg(ca_windows_parse(text, strlen(text), NULL, &w, &eb) ==
	    0, "%s: %s", eb.msg, text);
	return w;
}

static struct ca_plan *
plan(const struct ca_windows *w, int margin_days)
{
	const char *dirs[] = { dir };
	struct ca_duration m = { 0, 0, margin_days };
	struct ca_plan *p = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_msg(ca_plan_build(dirs, 1, w, &w->sites[0], &m, now, &p,
	    &eb) == 0, "%s", eb.msg);
	return p;
}

START_TEST(windows_and_warnings)
{
	static const long days[] = { 10, 60, 300 };
	struct ca_windows *w = windows(days, 3);
	struct ca_plan *p = plan(w, 30);

	/* The CA, then the issued ones in name order; no CRL yet. */
	ck_assert_uint_eq(p->n, 3);
	ck_assert_int_eq(p->items[0].kind, CA_PLAN_CA);
	ck_assert_str_eq(p->items[0].subject, "CN=Test CA");
	ck_assert_str_eq(p->items[1].subject, "CN=Short Device");
	/* 400 days less 30: the window at 300 is the last over by then. */
	ck_assert_str_eq(p->items[0].window, "w300");
	ck_assert_str_eq(p->items[0].warning, "");
	/* 100 days less 30: the window at 60. */
	ck_assert_str_eq(p->items[1].window, "w60");
	ck_assert_str_eq(p->items[1].warning, "");
	/* 2000 days, past the CA's 400: flagged. */
	ck_assert_ptr_nonnull(strstr(p->items[2].warning,
	    "outlives its issuing CA"));
	ck_assert_uint_eq(p->warnings, 1);
	ca_plan_free(p);
	/* A margin of 95 days: none is over by then for the short one. */
	p = plan(w, 95);
	ck_assert_ptr_nonnull(strstr(p->items[1].warning, "no window left"));
	ck_assert_int_eq(p->items[1].have_window, 0);
	ck_assert_str_eq(p->items[0].window, "w300");
	ca_plan_free(p);
	ca_windows_free(w);
}
END_TEST

START_TEST(only_past_windows)
{
	static const long days[] = { -20 };
	struct ca_windows *w = windows(days, 1);
	struct ca_plan *p = plan(w, 30);

	/* A window that is over is no window to replace anything in. */
	ck_assert_uint_eq(p->warnings, 3);
	ck_assert_ptr_nonnull(strstr(p->items[0].warning, "no window left"));
	ca_plan_free(p);
	ca_windows_free(w);
}
END_TEST

START_TEST(json_form)
{
	static const long days[] = { 10, 60, 300 };
	struct ca_windows *w = windows(days, 3);
	struct ca_plan *p = plan(w, 30);
	struct ca_duration m = { 0, 0, 30 };
	json_t *j;
	json_error_t je;
	char *text = NULL;
	size_t len = 0;

	ck_assert_ok(ca_plan_json(p, &w->sites[0], &m, &text, &len));
	ck_assert_ptr_nonnull(j = json_loadb(text, len, 0, &je));
	ck_assert_str_eq(json_string_value(json_object_get(j, "margin")),
	    "30d");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "warnings")),
	    1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(j, "items"), 0), "window"),
	    "name")), "w300");
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(j,
	    "items"), 0), "warning"));
	json_decref(j);
	free(text);
	ca_plan_free(p);
	ca_windows_free(w);
}
END_TEST

START_TEST(not_a_ca_directory)
{
	static const long days[] = { 10 };
	struct ca_windows *w = windows(days, 1);
	const char *dirs[] = { "/nonexistent" };
	struct ca_duration m = { 0, 0, 30 };
	struct ca_plan *p = (struct ca_plan *)1;
	struct ca_errbuf eb = { 0 };

	ck_assert_err(ca_plan_build(dirs, 1, w, &w->sites[0], &m, now, &p,
	    &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not a CA directory"));
	ca_windows_free(w);
}
END_TEST

static Suite *
plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *t = tcase_create("plan");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, windows_and_warnings);
	tcase_add_test(t, only_past_windows);
	tcase_add_test(t, json_form);
	tcase_add_test(t, not_a_ca_directory);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(plan_suite)
