/*
 * check_rootca.c: creating a root CA end to end (lib/rootca.c) on a
 * SoftHSM2 token in a temporary folder, and the failures that must leave
 * neither a folder nor a key behind.
 */
#include "check_util.h"

#include <dirent.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "cjson.h"
#include "dircheck.h"
#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "hsm.h"
#include "lint.h"
#include "log.h"
#include "rootca.h"
#include "secret.h"
#include "store.h"
#include "uri.h"

#define TOKEN "kc-root"
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define SUBJECT "CN=Test Root CA,O=Acme,C=DE"

/* Per run (parent), as in check_hsm.c: removed even if a child dies. */
static char base[PATH_MAX];

/* Per test (child). */
static char work[PATH_MAX + 16];	/* token, pin files */
static char out[PATH_MAX + 32];		/* holds the CA directory only */
static char cadir[PATH_MAX + 48];
static char pinsrc[PATH_MAX + 64], badpinsrc[PATH_MAX + 64];

static void
base_setup(void)
{
	tu_tmpdir(base);
}

static void
base_teardown(void)
{
	tu_rmrf(base);
}

static void
token_setup(void)
{
	char p[PATH_MAX + 48];

	snprintf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_softhsm_token(work, TOKEN);
	snprintf(out, sizeof(out), "%s/out", work);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	snprintf(cadir, sizeof(cadir), "%s/ca", out);
	snprintf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	snprintf(pinsrc, sizeof(pinsrc), "file:%s", p);
	snprintf(p, sizeof(p), "%s/badpin", work);
	tu_write(p, "111111\n", 7);
	snprintf(badpinsrc, sizeof(badpinsrc), "file:%s", p);
}

static void
token_teardown(void)
{
	tu_rmrf(work);
}

static const char *const witnesses[] = { "Bob", "Carol" };

/* A request that succeeds on the fixture's token. */
static void
req_init(struct ca_root_req *q)
{
	memset(q, 0, sizeof(*q));
	q->prog = "check_rootca";
	q->dir = cadir;
	q->token_uri = "pkcs11:token=" TOKEN;
	q->subject = SUBJECT;
	q->pin_source = pinsrc;
	q->operator_ = "Alice";
	q->witnesses = witnesses;
	q->nwitnesses = 2;
	q->now = NOW;
	tu_ceremony(q);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir %s", dir);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static struct ca_hsm *
open_login(void)
{
	struct ca_uri *u = NULL;
	struct ca_hsm *h = NULL;
	struct ca_secret *p = NULL;

	ck_assert_ok(ca_uri_parse("pkcs11:token=" TOKEN, &u, NULL));
	ck_assert_ok(ca_hsm_open(NULL, u, &h, NULL));
	ca_uri_free(u);
	ck_assert_ok(ca_secret_new(&p));
	memcpy(p->buf, "123456", 7);
	p->len = 6;
	ck_assert_ok(ca_hsm_login(h, p, NULL));
	ca_secret_free(p);
	return h;
}

static int
label_exists(struct ca_hsm *h, const char *label)
{
	int e = -1;

	ck_assert_ok(ca_hsm_label_exists(h, label, &e));
	return e;
}

/*
 * After a failure: no CA directory, no staging folder beside it, and
 * neither key label on the token (unless keep names one made earlier).
 */
static void
nothing_left(const char *label, const char *keep)
{
	char log_label[160];
	struct ca_hsm *h;

	ck_assert_msg(access(cadir, F_OK) != 0, "\"%s\" exists", cadir);
	ck_assert_int_eq(count_entries(out), 0);
	snprintf(log_label, sizeof(log_label), "%s-log-signer", label);
	h = open_login();
	if (keep == NULL || strcmp(keep, label) != 0)
		ck_assert_msg(label_exists(h, label) == 0, "key \"%s\" left",
		    label);
	if (keep == NULL || strcmp(keep, log_label) != 0)
		ck_assert_msg(label_exists(h, log_label) == 0, "key \"%s\" "
		    "left", log_label);
	ca_hsm_close(h);
}

static X509 *
load_cert(const char *name)
{
	char p[PATH_MAX + 64];
	X509 *x = NULL;

	snprintf(p, sizeof(p), "%s/%s", cadir, name);
	ck_assert_ok(ca_cert_load(p, &x, NULL));
	return x;
}

/* The public key on the token that uri names. */
static EVP_PKEY *
token_pub(struct ca_hsm *h, const char *uri, struct ca_key_attrs *a)
{
	struct ca_uri *u = NULL;
	struct ca_keyref k;
	EVP_PKEY *pub = NULL;

	ck_assert_ok(ca_uri_parse(uri, &u, NULL));
	ck_assert_ok(ca_hsm_find_key(h, u, &k, NULL));
	ck_assert_ok(ca_hsm_public_key(h, &k, &pub));
	ck_assert_ok(ca_hsm_key_attrs(h, &k, a));
	ca_uri_free(u);
	return pub;
}

static json_t *
first_body(void)
{
	char p[PATH_MAX + 64], *raw;
	json_t *rec = NULL, *body;
	size_t len;

	snprintf(p, sizeof(p), "%s/log/000001.json", cadir);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	free(raw);
	body = json_incref(json_object_get(rec, "body"));
	json_decref(rec);
	ck_assert_ptr_nonnull(body);
	return body;
}

START_TEST(init_p384_end_to_end)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_log_summary sum;
	struct ca_key_attrs a;
	struct ca_config *cfg = NULL;
	struct ca_lint_report rep;
	struct ca_errbuf eb;
	struct ca_hsm *h;
	EVP_PKEY *pub;
	X509 *ca, *ls;
	json_t *body, *v;
	char fp[65], hex[41], *s = NULL, p[PATH_MAX + 64], h256[65];
	size_t i;

	req_init(&q);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);

	/* The folder: exactly the four names of ca-directory(5). */
	ck_assert_int_eq(count_entries(out), 1);
	ck_assert_int_eq(count_entries(cadir), 4);
	snprintf(p, sizeof(p), "%s/log", cadir);
	ck_assert_int_eq(count_entries(p), 1);

	/* It verifies from its files alone, against the fingerprint. */
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(cadir, res.fingerprint, &sum, &eb) ==
	    0, "verify: %s", eb.msg);
	ck_assert_int_eq(sum.count, 1);
	ck_assert_str_eq(sum.head, res.head);
	ck_assert_str_eq(sum.log_id, res.head);

	/* The CA certificate and what res says about it. */
	ca = load_cert(CA_FILE_CERT);
	ck_assert_ok(ca_cert_sha256(ca, fp));
	ck_assert_str_eq(fp, res.fingerprint);
	ck_assert_ok(ca_serial_hex(ca, hex));
	ck_assert_str_eq(hex, res.serial);
	ck_assert_uint_eq(strlen(res.serial), 2 * CA_SERIAL_LEN);
	ck_assert_ok(ca_dn_format(X509_get_subject_name(ca), &s));
	ck_assert_str_eq(s, SUBJECT);
	ck_assert_str_eq(res.subject, SUBJECT);
	free(s);
	ck_assert_str_eq(res.not_before, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(res.not_after, "2051-01-01T00:00:00Z");
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(ca), NOW),
	    0);
	ck_assert_str_eq(res.algorithm, "p384");
	ck_assert_str_eq(res.token_label, TOKEN);
	ck_assert_str_eq(res.log_key_label, "root-ca-log-signer");
	ck_assert_ok(ca_lint_cert(ca, CA_CERT_ROOT, &rep, &eb));
	ck_assert_int_eq(X509_get_signature_nid(ca), NID_ecdsa_with_SHA384);

	/* The log signer: issued by the CA, its own CN, same O and C. */
	ls = load_cert(CA_FILE_LOG_SIGNER);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(ls),
	    X509_get_subject_name(ca)), 0);
	ck_assert_ok(ca_dn_format(X509_get_subject_name(ls), &s));
	ck_assert_str_eq(s, "CN=Ceremony Log Signer,O=Acme,C=DE");
	free(s);
	ck_assert_ok(ca_cert_verify(ls, X509_get0_pubkey(ca)));
	ck_assert_ok(ca_lint_cert_issued(ls, X509_get0_pubkey(ca),
	    CA_CERT_LOG_SIGNER, &rep, &eb));
	ck_assert_int_eq(ASN1_TIME_compare(X509_get0_notAfter(ls),
	    X509_get0_notAfter(ca)), 0);

	/* ca.json names the keys on the token. */
	ck_assert_ok(ca_config_load(cadir, &cfg, &eb));
	ck_assert_str_eq(cfg->kind, "root");
	ck_assert_str_eq(cfg->algorithm, "p384");
	ck_assert_str_eq(cfg->module, CA_DEFAULT_MODULE);
	ck_assert_str_eq(cfg->ca_key, res.ca_key_uri);
	ck_assert_str_eq(cfg->log_key, res.log_key_uri);

	/* The keys: on the token, non-exportable, matching the certs. */
	h = open_login();
	pub = token_pub(h, cfg->ca_key, &a);
	ck_assert_int_eq(ca_key_attrs_ok(&a), 1);
	ck_assert_int_eq(EVP_PKEY_eq(pub, X509_get0_pubkey(ca)), 1);
	EVP_PKEY_free(pub);
	pub = token_pub(h, cfg->log_key, &a);
	ck_assert_int_eq(ca_key_attrs_ok(&a), 1);
	ck_assert_int_eq(EVP_PKEY_eq(pub, X509_get0_pubkey(ls)), 1);
	EVP_PKEY_free(pub);
	ca_hsm_close(h);

	/* The first record tells the ceremony as it happened. */
	body = first_body();
	ck_assert_str_eq(json_string_value(json_object_get(body, "op")),
	    "init-root");
	ck_assert_str_eq(json_string_value(json_object_get(body, "time")),
	    "2026-01-01T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(body, "operator")),
	    "Alice");
	v = json_object_get(body, "witnesses");
	ck_assert_uint_eq(json_array_size(v), 2);
	ck_assert_str_eq(json_string_value(json_array_get(v, 1)), "Carol");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(body, "certificates"), "ca"), "sha256")), fp);
	v = json_object_get(body, "keys");
	ck_assert_uint_eq(json_array_size(v), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v,
	    0), "uri")), res.ca_key_uri);
	ck_assert(json_is_false(json_object_get(json_object_get(
	    json_array_get(v, 0), "attributes"), "extractable")));
	/* Every output is recorded with the hash of its bytes. */
	v = json_object_get(body, "outputs");
	ck_assert_uint_eq(json_array_size(v), 3);
	for (i = 0; i < 3; i++) {
		json_t *o = json_array_get(v, i);

		snprintf(p, sizeof(p), "%s/%s", cadir, json_string_value(
		    json_object_get(o, "name")));
		ck_assert_ok(ca_sha256_file(p, h256, NULL));
		ck_assert_str_eq(json_string_value(json_object_get(o,
		    "sha256")), h256);
	}
	json_decref(body);

	ca_config_free(cfg);
	X509_free(ca);
	X509_free(ls);
}
END_TEST

/* Another algorithm, a label from the URI, and a profile file. */
START_TEST(init_p256_with_label_and_profile)
{
	const char prof[] = "{\"format\":\"ca-profile\",\"version\":1,"
	    "\"kind\":\"root\",\"subject\":\"CN=Profile Root,O=Acme\","
	    "\"validity\":\"10y\",\"path_len\":1,"
	    "\"key_usage\":[\"keyCertSign\",\"cRLSign\"]}";
	char ppath[PATH_MAX + 32];
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_config *cfg = NULL;
	struct ca_errbuf eb;
	BASIC_CONSTRAINTS *bc;
	struct ca_hsm *h;
	json_t *body;
	X509 *ca;

	snprintf(ppath, sizeof(ppath), "%s/profile.json", work);
	tu_write(ppath, prof, sizeof(prof) - 1);
	req_init(&q);
	q.algorithm = "p256";
	q.token_uri = "pkcs11:token=" TOKEN ";object=my-root";
	q.subject = NULL;
	q.profile_path = ppath;
	q.operator_ = NULL;
	q.nwitnesses = 0;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);
	ck_assert_str_eq(res.algorithm, "p256");
	ck_assert_str_eq(res.log_key_label, "my-root-log-signer");
	ck_assert_str_eq(res.subject, "CN=Profile Root,O=Acme");
	ck_assert_str_eq(res.not_after, "2036-01-01T00:00:00Z");
	ck_assert_ok(ca_dir_verify_log(cadir, res.fingerprint, NULL, &eb));

	ca = load_cert(CA_FILE_CERT);
	ck_assert_int_eq(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256);
	bc = X509_get_ext_d2i(ca, NID_basic_constraints, NULL, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert_ptr_nonnull(bc->pathlen);
	ck_assert_int_eq(ASN1_INTEGER_get(bc->pathlen), 1);
	BASIC_CONSTRAINTS_free(bc);
	X509_free(ca);
	ck_assert_ok(ca_config_load(cadir, &cfg, &eb));
	ck_assert_str_eq(cfg->algorithm, "p256");
	ck_assert_ptr_nonnull(strstr(cfg->ca_key, ";object=my-root;"));
	ca_config_free(cfg);

	/* The profile is recorded as an input, by hash. */
	body = first_body();
	ck_assert(json_is_null(json_object_get(body, "operator")));
	/* And the ceremony's script. */
	ck_assert_uint_eq(json_array_size(json_object_get(body, "inputs")), 2);
	json_decref(body);

	h = open_login();
	ck_assert_int_eq(label_exists(h, "my-root"), 1);
	ck_assert_int_eq(label_exists(h, "my-root-log-signer"), 1);
	ck_assert_int_eq(label_exists(h, "root-ca"), 0);
	ca_hsm_close(h);
}
END_TEST

START_TEST(init_rsa3072)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	X509 *ca, *ls;

	req_init(&q);
	q.algorithm = "rsa3072";
	eb.msg[0] = '\0';
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);
	ck_assert_ok(ca_dir_verify_log(cadir, res.fingerprint, NULL, &eb));
	ca = load_cert(CA_FILE_CERT);
	ls = load_cert(CA_FILE_LOG_SIGNER);
	ck_assert_int_eq(X509_get_signature_nid(ca),
	    NID_sha256WithRSAEncryption);
	ck_assert_int_eq(EVP_PKEY_get_bits(X509_get0_pubkey(ca)), 3072);
	/* The log signer is P-384 whatever the CA, signed by the CA. */
	ck_assert_int_eq(X509_get_signature_nid(ls),
	    NID_sha256WithRSAEncryption);
	ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(ls)),
	    EVP_PKEY_EC);
	ck_assert_int_eq(EVP_PKEY_get_bits(X509_get0_pubkey(ls)), 384);
	X509_free(ca);
	X509_free(ls);
}
END_TEST

START_TEST(existing_dir)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	struct ca_hsm *h;

	ck_assert_int_eq(mkdir(cadir, 0700), 0);
	req_init(&q);
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_EXISTS);
	ck_assert_int_eq(count_entries(cadir), 0);
	ck_assert_int_eq(count_entries(out), 1);
	h = open_login();
	ck_assert_int_eq(label_exists(h, "root-ca"), 0);
	ck_assert_int_eq(label_exists(h, "root-ca-log-signer"), 0);
	ca_hsm_close(h);
}
END_TEST

START_TEST(missing_parent)
{
	char deep[PATH_MAX + 64];
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	snprintf(deep, sizeof(deep), "%s/no/ca", out);
	req_init(&q);
	q.dir = deep;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_NOT_FOUND);
	nothing_left("root-ca", NULL);
}
END_TEST

START_TEST(wrong_pin)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.pin_source = badpinsrc;
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PIN_INCORRECT);
	ck_assert_msg(strstr(eb.msg, "incorrect user PIN") != NULL, "%s",
	    eb.msg);
	nothing_left("root-ca", NULL);
}
END_TEST

START_TEST(pin_source_errors)
{
	char p[PATH_MAX + 64];
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.pin_source = "env:PIN";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PIN_SOURCE);
	nothing_left("root-ca", NULL);

	snprintf(p, sizeof(p), "file:%s/absent", work);
	q.pin_source = p;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PIN_SOURCE);
	nothing_left("root-ca", NULL);

	/* The terminal, with no prompt supplied. */
	q.pin_source = NULL;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PIN_SOURCE);
	nothing_left("root-ca", NULL);
}
END_TEST

/* The pin source may come from the URI instead. */
START_TEST(pin_source_from_uri)
{
	char u[PATH_MAX + 128];
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.pin_source = NULL;
	snprintf(u, sizeof(u), "pkcs11:token=" TOKEN "?pin-source=%s",
	    pinsrc);
	q.token_uri = u;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);
	ck_assert_int_eq(access(cadir, F_OK), 0);
}
END_TEST

/* An existing key is refused and kept; no new key is made. */
START_TEST(existing_ca_label)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_keyref k;
	struct ca_key_attrs a;
	struct ca_errbuf eb;
	struct ca_hsm *h;

	h = open_login();
	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "root-ca", &k, NULL,
	    &eb));
	ca_hsm_close(h);
	req_init(&q);
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_KEY_EXISTS);
	ck_assert_msg(strstr(eb.msg, "\"root-ca\"") != NULL, "%s", eb.msg);
	nothing_left("root-ca", "root-ca");
	h = open_login();
	ck_assert_ok(ca_hsm_key_attrs(h, &k, &a));	/* still there */
	ca_hsm_close(h);
}
END_TEST

START_TEST(existing_log_label)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_keyref k;
	struct ca_key_attrs a;
	struct ca_errbuf eb;
	struct ca_hsm *h;

	h = open_login();
	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "root-ca-log-signer", &k,
	    NULL, &eb));
	ca_hsm_close(h);
	req_init(&q);
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_KEY_EXISTS);
	ck_assert_msg(strstr(eb.msg, "\"root-ca-log-signer\"") != NULL, "%s",
	    eb.msg);
	nothing_left("root-ca", "root-ca-log-signer");
	h = open_login();
	ck_assert_ok(ca_hsm_key_attrs(h, &k, &a));
	ca_hsm_close(h);
}
END_TEST

/*
 * A bad subject is refused before the token or the folder is touched:
 * here the token does not exist, the module cannot load and the folder
 * exists, so anything later would fail differently.
 */
START_TEST(bad_subject_first)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.subject = "CN=Broken,O";
	q.token_uri = "pkcs11:token=absent";
	q.module = "/nonexistent/libnone.so";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_DN);
	ck_assert_int_eq(count_entries(out), 0);

	q.subject = "";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_DN);
	/* No subject at all, and the built-in profile has none. */
	q.subject = NULL;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_DN);

	ck_assert_int_eq(mkdir(cadir, 0700), 0);
	q.subject = "XX=Unknown";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_DN);
	ck_assert_int_eq(count_entries(cadir), 0);
}
END_TEST

/* BR 6.1.1.1: no key without a witnessed ceremony and its custodians. */
START_TEST(needs_ceremony)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.ceremony = NULL;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "witnessed ceremony"));
	nothing_left("root-ca", NULL);
	req_init(&q);
	q.custodians = 3;	/* the plan names two */
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "3 key custodians"));
	nothing_left("root-ca", NULL);
	req_init(&q);
	q.custodians = 2;
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);
}
END_TEST

START_TEST(bad_inputs)
{
	char ppath[PATH_MAX + 32];
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	const char *empty_w[] = { "" };
	const char unknown[] = "{\"format\":\"ca-profile\",\"version\":1,"
	    "\"kind\":\"root\",\"validity\":\"10y\",\"colour\":\"red\","
	    "\"key_usage\":[\"keyCertSign\",\"cRLSign\"]}";

	req_init(&q);
	q.module = "/nonexistent/libnone.so";	/* never reached */
	q.algorithm = "rsa2048";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_ALGORITHM);
	q.algorithm = NULL;

	q.token_uri = "pkcs11:token=" TOKEN ";id=%01";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_URI);
	q.token_uri = "pkcs11:token=" TOKEN ";type=public";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_URI);
	q.token_uri = "token=" TOKEN;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_URI);
	q.token_uri = "pkcs11:token=" TOKEN ";slot-id=0";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_URI);
	q.token_uri = "pkcs11:token=" TOKEN;

	q.operator_ = "";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_INVALID_ARG);
	q.operator_ = "Alice\001";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_INVALID_ARG);
	q.operator_ = "Alice";
	q.witnesses = empty_w;
	q.nwitnesses = 1;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_INVALID_ARG);
	q.witnesses = witnesses;
	q.nwitnesses = 2;

	snprintf(ppath, sizeof(ppath), "%s/absent.json", work);
	q.profile_path = ppath;
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_NOT_FOUND);
	snprintf(ppath, sizeof(ppath), "%s/profile.json", work);
	tu_write(ppath, "{\"format\":", 10);
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_JSON);
	tu_write(ppath, unknown, sizeof(unknown) - 1);
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PROFILE);
	ck_assert_int_eq(count_entries(out), 0);
}
END_TEST

START_TEST(token_not_found)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	req_init(&q);
	q.token_uri = "pkcs11:token=absent";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_TOKEN_NOT_FOUND);
	nothing_left("root-ca", NULL);
	q.token_uri = "pkcs11:token=" TOKEN;
	q.module = "/nonexistent/libnone.so";
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_MODULE);
	nothing_left("root-ca", NULL);
}
END_TEST

/* A second ceremony into the same folder is refused; the first stands. */
START_TEST(second_init_same_dir)
{
	struct ca_root_req q;
	struct ca_root_result res, res2;
	struct ca_errbuf eb;
	struct ca_hsm *h;

	req_init(&q);
	ck_assert_ok(ca_root_init(&q, &res, &eb));
	q.token_uri = "pkcs11:token=" TOKEN ";object=other";
	ck_assert_err(ca_root_init(&q, &res2, &eb), CA_ERR_EXISTS);
	ck_assert_ok(ca_dir_verify_log(cadir, res.fingerprint, NULL, &eb));
	h = open_login();
	ck_assert_int_eq(label_exists(h, "other"), 0);
	ck_assert_int_eq(label_exists(h, "root-ca"), 1);
	ca_hsm_close(h);
}
END_TEST

/*
 * Failures SoftHSM2 cannot be made to give come from a shim module:
 * SoftHSM2's function list with C_Login answering $KC_SHIM_LOGIN_RV when
 * set, and C_Sign failing ($KC_SHIM_SIGN=fail) or returning a damaged
 * signature ($KC_SHIM_SIGN=corrupt).  Those strike after the keys are
 * made, which is where ca_root_init must destroy them again.  Compiled
 * at run time ($CC, else cc) as in check_hsm.c.
 */
static const char shim_src[] =
    "#include <dlfcn.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <p11-kit/pkcs11.h>\n"
    "static CK_FUNCTION_LIST fl;\n"
    "static CK_FUNCTION_LIST_PTR real;\n"
    "static CK_RV\n"
    "login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR p,\n"
    "    CK_ULONG n)\n"
    "{\n"
    "\tconst char *rv = getenv(\"KC_SHIM_LOGIN_RV\");\n"
    "\tif (rv != NULL)\n"
    "\t\treturn strtoul(rv, NULL, 0);\n"
    "\treturn real->C_Login(s, u, p, n);\n"
    "}\n"
    "static CK_RV\n"
    "sign(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dn, CK_BYTE_PTR sig,\n"
    "    CK_ULONG_PTR sn)\n"
    "{\n"
    "\tconst char *how = getenv(\"KC_SHIM_SIGN\");\n"
    "\tCK_RV rv;\n"
    "\tif (how != NULL && strcmp(how, \"fail\") == 0 && sig != NULL)\n"
    "\t\treturn CKR_FUNCTION_FAILED;\n"
    "\trv = real->C_Sign(s, d, dn, sig, sn);\n"
    "\tif (rv == CKR_OK && sig != NULL && how != NULL &&\n"
    "\t    strcmp(how, \"corrupt\") == 0)\n"
    "\t\tsig[*sn / 2] ^= 0x55;\n"
    "\treturn rv;\n"
    "}\n"
    "CK_RV\n"
    "C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)\n"
    "{\n"
    "\tvoid *dl = dlopen(\"" CA_DEFAULT_MODULE "\", RTLD_NOW | RTLD_LOCAL);\n"
    "\tCK_C_GetFunctionList g;\n"
    "\tif (dl == NULL || (g = (CK_C_GetFunctionList)dlsym(dl,\n"
    "\t    \"C_GetFunctionList\")) == NULL || g(&real) != CKR_OK)\n"
    "\t\treturn CKR_GENERAL_ERROR;\n"
    "\tfl = *real;\n"
    "\tfl.C_Login = login;\n"
    "\tfl.C_Sign = sign;\n"
    "\tfl.C_GetFunctionList = C_GetFunctionList;\n"
    "\t*out = &fl;\n"
    "\treturn CKR_OK;\n"
    "}\n";

/* Build the shim as work/shim.so into so[PATH_MAX]. */
static void
build_shim(char *so)
{
	char src[PATH_MAX], cmd[3 * PATH_MAX];
	const char *cc = getenv("CC");

	tu_path(src, work, "shim.c");
	tu_path(so, work, "shim.so");
	tu_write(src, shim_src, sizeof(shim_src) - 1);
	snprintf(cmd, sizeof(cmd), "%s -shared -fPIC -o '%s' '%s' "
	    "$(pkg-config --cflags p11-kit-1) -ldl", cc && *cc ? cc : "cc",
	    so, src);
	ck_assert_msg(system(cmd) == 0, "cannot build the shim: %s", cmd);
}

/* The shim without faults is a working module: a CA is made through it. */
START_TEST(shim_passes_through)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_config *cfg = NULL;
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(so);
	req_init(&q);
	q.module = so;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "init: %s", eb.msg);
	ck_assert_ok(ca_config_load(cadir, &cfg, &eb));
	ck_assert_str_eq(cfg->module, so);
	ca_config_free(cfg);
}
END_TEST

START_TEST(locked_pin)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(so);
	req_init(&q);
	q.module = so;
	setenv("KC_SHIM_LOGIN_RV", "0xa4", 1);	/* CKR_PIN_LOCKED */
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PIN_LOCKED);
	ck_assert_msg(strstr(eb.msg, "is locked") != NULL, "%s", eb.msg);
	unsetenv("KC_SHIM_LOGIN_RV");
	nothing_left("root-ca", NULL);
}
END_TEST

/* The token refuses to sign after both keys were made. */
START_TEST(sign_fails_after_keygen)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(so);
	req_init(&q);
	q.module = so;
	setenv("KC_SHIM_SIGN", "fail", 1);
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_HSM);
	ck_assert_msg(strstr(eb.msg, "C_Sign") != NULL, "%s", eb.msg);
	unsetenv("KC_SHIM_SIGN");
	nothing_left("root-ca", NULL);
}
END_TEST

/* The token signs wrongly: caught before anything is written. */
START_TEST(bad_signature_after_keygen)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(so);
	req_init(&q);
	q.module = so;
	setenv("KC_SHIM_SIGN", "corrupt", 1);
	eb.msg[0] = '\0';
	ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_VERIFY);
	ck_assert_msg(strstr(eb.msg, "does not verify") != NULL, "%s",
	    eb.msg);
	unsetenv("KC_SHIM_SIGN");
	nothing_left("root-ca", NULL);
}
END_TEST

static Suite *
rootca_suite(void)
{
	Suite *s = suite_create("rootca");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, token_setup, token_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, init_p384_end_to_end);
	tcase_add_test(tc, init_p256_with_label_and_profile);
	tcase_add_test(tc, init_rsa3072);
	tcase_add_test(tc, existing_dir);
	tcase_add_test(tc, missing_parent);
	tcase_add_test(tc, wrong_pin);
	tcase_add_test(tc, pin_source_errors);
	tcase_add_test(tc, pin_source_from_uri);
	tcase_add_test(tc, existing_ca_label);
	tcase_add_test(tc, existing_log_label);
	tcase_add_test(tc, bad_subject_first);
	tcase_add_test(tc, bad_inputs);
	tcase_add_test(tc, needs_ceremony);
	tcase_add_test(tc, token_not_found);
	tcase_add_test(tc, second_init_same_dir);
	tcase_add_test(tc, shim_passes_through);
	tcase_add_test(tc, locked_pin);
	tcase_add_test(tc, sign_fails_after_keygen);
	tcase_add_test(tc, bad_signature_after_keygen);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(rootca_suite)
