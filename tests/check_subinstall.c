/*
 * check_subinstall.c: installing a subordinate CA's certificate once its
 * issuer has signed it (lib/subinstall.c), end to end on SoftHSM2: a
 * root on token A, a subordinate made with ca_root_init --sub on token
 * B, its request signed by the root with profiles/it-issuing.json (the
 * tests run from the top of the tree).
 */
#include "check_util.h"

#include <dirent.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "cjson.h"
#include "csr.h"
#include "dircheck.h"
#include "fsio.h"
#include "log.h"
#include "profile.h"
#include "rootca.h"
#include "store.h"
#include "subca.h"
#include "subinstall.h"

#define TOKEN_A "kc-root"
#define TOKEN_B "kc-sub"
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define SIGNED (NOW + 3600)
#define INSTALLED (NOW + 7200)
#define SUB_SUBJECT "CN=Plant Issuing CA,O=Acme,C=DE"

static char base[PATH_MAX];

static char work[PATH_MAX + 16];
static char rootdir[PATH_MAX + 32], subdir[PATH_MAX + 32];
static char rootpem[PATH_MAX + 48];
static char pinsrc[PATH_MAX + 64], badpinsrc[PATH_MAX + 64];
static struct ca_root_result root, sub;
static struct ca_sign_result signed_;

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

/* A root (P-384) or a subordinate awaiting its certificate (P-256). */
static void
make_ca(const char *dir, const char *uri, const char *subject, int is_sub,
    struct ca_root_result *res)
{
	tu_make_ca(dir, uri, subject, is_sub ? "p256" : "p384", is_sub, pinsrc,
	    NOW, res);
}

/* dir's root signs the request at csr_path; the result in *res. */
static void
sign(const char *dir, const char *csr_path, const char *out,
    struct ca_sign_result *res)
{
	struct ca_sign_req q;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.prog = "check_subinstall";
	q.dir = dir;
	q.csr_path = csr_path;
	q.profile_path = "profiles/it-issuing.json";
	q.out_path = out;
	q.pin_source = pinsrc;
	q.now = SIGNED;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_sign_sub(&q, res, &eb) == 0, "sign: %s", eb.msg);
}

static void
cas_setup(void)
{
	char p[PATH_MAX + 48];

	snprintf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_softhsm_token(work, TOKEN_A);
	tu_softhsm_token(work, TOKEN_B);
	tu_pathf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);
	tu_pathf(p, sizeof(p), "%s/badpin", work);
	tu_write(p, "111111\n", 7);
	tu_pathf(badpinsrc, sizeof(badpinsrc), "file:%s", p);
	tu_pathf(rootdir, sizeof(rootdir), "%s/root", work);
	tu_pathf(subdir, sizeof(subdir), "%s/sub", work);
	tu_pathf(rootpem, sizeof(rootpem), "%s/" CA_FILE_CERT, rootdir);
	make_ca(rootdir, "pkcs11:token=" TOKEN_A, "CN=Plant Root CA,O=Acme,"
	    "C=DE", 0, &root);
	make_ca(subdir, "pkcs11:token=" TOKEN_B, SUB_SUBJECT, 1, &sub);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CSR, subdir);
	sign(rootdir, p, NULL, &signed_);
}

static void
cas_teardown(void)
{
	tu_rmrf(work);
}

static void
req_init(struct ca_install_req *q)
{
	memset(q, 0, sizeof(*q));
	q->prog = "check_subinstall";
	q->dir = subdir;
	q->cert_path = signed_.out_path;
	q->chain_path = rootpem;
	q->pin_source = pinsrc;
	q->operator_ = "Alice";
	q->now = INSTALLED;
}

/* The subordinate's folder is as ca_root_init --sub left it. */
static void
still_pending(void)
{
	char p[PATH_MAX + 48], logdir[PATH_MAX + 48];
	struct ca_log_head head;
	DIR *d;
	struct dirent *de;

	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, subdir);
	ck_assert_int_ne(access(p, F_OK), 0);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CHAIN, subdir);
	ck_assert_int_ne(access(p, F_OK), 0);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_LOG_SIGNER, subdir);
	ck_assert_int_ne(access(p, F_OK), 0);
	tu_pathf(logdir, sizeof(logdir), "%s/" CA_DIR_LOG, subdir);
	ck_assert_ok(ca_log_head_read(logdir, &head, NULL));
	ck_assert_int_eq(head.seq, 1);
	ck_assert_str_eq(head.hash, sub.head);
	/* No temporaries either. */
	ck_assert_ptr_nonnull(d = opendir(subdir));
	while ((de = readdir(d)) != NULL)
		ck_assert_msg(strstr(de->d_name, ".tmp") == NULL, "%s left",
		    de->d_name);
	closedir(d);
}

static void
install_refused(const struct ca_install_req *q, int code, const char *why)
{
	struct ca_install_result res;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_sub_install(q, &res, &eb), code);
	if (why != NULL)
		ck_assert_msg(strstr(eb.msg, why) != NULL, "reason \"%s\" "
		    "lacks \"%s\"", eb.msg, why);
	still_pending();
}

START_TEST(install_end_to_end)
{
	struct ca_install_req q;
	struct ca_install_result res;
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	struct ca_dir *d = NULL;
	char p[PATH_MAX + 48], fp[65];
	X509 *ca, *ls, *rc;
	json_t *rec = NULL, *body;
	char *raw;
	size_t len;

	req_init(&q);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_sub_install(&q, &res, &eb) == 0, "install: %s",
	    eb.msg);
	ck_assert_str_eq(res.fingerprint, signed_.fingerprint);
	ck_assert_str_eq(res.root_fingerprint, root.fingerprint);
	ck_assert_str_eq(res.subject, SUB_SUBJECT);

	/* ca.pem is the signed certificate; the log signer is under it. */
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, subdir);
	ck_assert_ok(ca_cert_load(p, &ca, NULL));
	ck_assert_ok(ca_cert_sha256(ca, fp));
	ck_assert_str_eq(fp, signed_.fingerprint);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_LOG_SIGNER, subdir);
	ck_assert_ok(ca_cert_load(p, &ls, NULL));
	ck_assert_ok(ca_cert_verify(ls, X509_get0_pubkey(ca)));
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(ls),
	    X509_get_subject_name(ca)), 0);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CHAIN, subdir);
	ck_assert_ok(ca_cert_load(p, &rc, NULL));
	ck_assert_ok(ca_cert_sha256(rc, fp));
	ck_assert_str_eq(fp, root.fingerprint);

	/* The whole log verifies, anchored on the root. */
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(subdir, root.fingerprint, &sum, &eb) ==
	    0, "verify: %s", eb.msg);
	ck_assert_int_eq(sum.count, 2);
	ck_assert_str_eq(sum.head, res.head);
	ck_assert_str_eq(sum.log_id, sub.head);
	tu_pathf(p, sizeof(p), "%s/log/000002.json", subdir);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	free(raw);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(json_string_value(json_object_get(body, "op")),
	    "install-sub");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(body, "certificates"), "root"), "sha256")),
	    root.fingerprint);
	json_decref(rec);

	/* A complete CA now: it opens, logs in, and can sign. */
	ck_assert_ok(ca_dir_open(subdir, &d, &eb));
	ck_assert_ptr_nonnull(d->chain);
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	ca_dir_close(d);

	X509_free(ca);
	X509_free(ls);
	X509_free(rc);
}
END_TEST

START_TEST(already_installed)
{
	struct ca_install_req q;
	struct ca_install_result res;
	struct ca_log_summary sum;
	struct ca_errbuf eb;

	req_init(&q);
	ck_assert_ok(ca_sub_install(&q, &res, &eb));
	q.now = INSTALLED + 60;
	eb.msg[0] = '\0';
	ck_assert_err(ca_sub_install(&q, &res, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "already has its certificate"));
	ck_assert_ok(ca_dir_verify_log(subdir, root.fingerprint, &sum, &eb));
	ck_assert_int_eq(sum.count, 2);
}
END_TEST

START_TEST(cert_for_another_key)
{
	struct ca_install_req q;
	struct ca_sign_result other;
	struct ca_root_result sub2;
	char dir2[PATH_MAX + 48], csr2[PATH_MAX + 64];

	/* The root's own certificate: a CA, but the root's key. */
	req_init(&q);
	q.cert_path = rootpem;
	install_refused(&q, CA_ERR_KEY_MISMATCH, "another key");

	/* Another subordinate's certificate from the same root. */
	tu_pathf(dir2, sizeof(dir2), "%s/sub2", work);
	make_ca(dir2, "pkcs11:token=" TOKEN_B ";object=sub2",
	    SUB_SUBJECT, 1, &sub2);
	tu_pathf(csr2, sizeof(csr2), "%s/" CA_FILE_CSR, dir2);
	sign(rootdir, csr2, NULL, &other);
	req_init(&q);
	q.cert_path = other.out_path;
	install_refused(&q, CA_ERR_KEY_MISMATCH, "another key");
}
END_TEST

START_TEST(chain_to_other_root)
{
	struct ca_install_req q;
	struct ca_root_result other;
	char odir[PATH_MAX + 48], opem[PATH_MAX + 64];

	tu_pathf(odir, sizeof(odir), "%s/other", work);
	make_ca(odir, "pkcs11:token=" TOKEN_B ";object=other-root",
	    "CN=Plant Root CA,O=Acme,C=DE", 0, &other);
	tu_pathf(opem, sizeof(opem), "%s/" CA_FILE_CERT, odir);
	/* Same name as our root, other key: the signature must decide. */
	req_init(&q);
	q.chain_path = opem;
	install_refused(&q, CA_ERR_VERIFY, NULL);

	/* A chain that stops short of a root. */
	req_init(&q);
	q.chain_path = signed_.out_path;
	install_refused(&q, CA_ERR_VERIFY, NULL);

	/* A chain file that holds no certificate. */
	tu_pathf(opem, sizeof(opem), "%s/empty.pem", work);
	tu_write(opem, "nothing\n", 8);
	req_init(&q);
	q.chain_path = opem;
	install_refused(&q, CA_ERR_VERIFY, NULL);
}
END_TEST

/* A certificate for the subordinate's key, signed by the root, not a CA. */
START_TEST(not_a_ca_cert)
{
	struct ca_install_req q;
	struct ca_cert_params p;
	struct ca_dir *d = NULL;
	struct ca_errbuf eb;
	struct ca_csr *req = NULL;
	X509 *x = NULL, *tsigned = NULL;
	EVP_PKEY *stamp = NULL;
	unsigned char *buf;
	size_t len;
	char path[PATH_MAX + 48], *pem = NULL;

	tu_pathf(path, sizeof(path), "%s/" CA_FILE_CSR, subdir);
	ck_assert_ok(ca_read_file(path, 1 << 20, &buf, &len, NULL));
	ck_assert_ok(ca_csr_parse(buf, len, &req, NULL));
	free(buf);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_open(rootdir, &d, &eb) == 0, "%s", eb.msg);
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_LOG_SIGNER;
	p.subject = req->subject;
	p.issuer = X509_get_subject_name(d->cert);
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = SIGNED;
	p.not_after = SIGNED + 86400 * 365;
	p.path_len = -1;
	p.key_usage = CA_KU_DIGITAL_SIGNATURE;
	p.aki = X509_get0_subject_key_id(d->cert);
	ck_assert_ok(ca_cert_build(&p, req->key,
	    X509_get0_pubkey(d->cert), &x));
	ck_assert_ok(ca_keygen_stamp(X509_get0_pubkey(d->cert), &stamp));
	ck_assert_ok(ca_cert_sign(x, stamp, ca_md_for_key(
	    X509_get0_pubkey(d->cert)), &eb));
	ck_assert_ok(ca_tsigner_sign_cert(d->ca_ts, x, ca_md_for_key(
	    X509_get0_pubkey(d->cert)), &tsigned, &eb));
	X509_free(x);
	x = tsigned;
	EVP_PKEY_free(stamp);
	ck_assert_ok(ca_cert_verify(x, X509_get0_pubkey(d->cert)));
	ca_dir_close(d);
	ck_assert_ok(ca_cert_pem(x, &pem, &len));
	tu_pathf(path, sizeof(path), "%s/leaf.pem", work);
	tu_write(path, pem, len);

	req_init(&q);
	q.cert_path = path;
	install_refused(&q, CA_ERR_VERIFY, "is not a CA certificate");

	/* Not a certificate at all: the request itself. */
	tu_pathf(path, sizeof(path), "%s/" CA_FILE_CSR, subdir);
	q.cert_path = path;
	install_refused(&q, CA_ERR_VERIFY, "not a certificate");
	free(pem);
	X509_free(x);
	ca_csr_free(req);
}
END_TEST

START_TEST(wrong_pin_and_bad_inputs)
{
	struct ca_install_req q;
	const char *const empty[] = { "" };
	char p[PATH_MAX + 48];

	req_init(&q);
	q.pin_source = badpinsrc;
	install_refused(&q, CA_ERR_PIN_INCORRECT, NULL);
	req_init(&q);
	q.chain_path = NULL;
	install_refused(&q, CA_ERR_INVALID_ARG, NULL);
	req_init(&q);
	q.witnesses = empty;
	q.nwitnesses = 1;
	install_refused(&q, CA_ERR_INVALID_ARG, NULL);
	/* A root's folder is not a pending subordinate. */
	req_init(&q);
	q.dir = rootdir;
	install_refused(&q, CA_ERR_INVALID_ARG, "not a subordinate");
	tu_pathf(p, sizeof(p), "%s/absent.pem", work);
	req_init(&q);
	q.cert_path = p;
	install_refused(&q, CA_ERR_NOT_FOUND, NULL);
}
END_TEST

/* The subordinate's first record, tampered: install refuses. */
START_TEST(tampered_log)
{
	struct ca_install_req q;
	struct ca_install_result res;
	char p[PATH_MAX + 48], *raw, *at;
	size_t len;

	tu_pathf(p, sizeof(p), "%s/log/000001.json", subdir);
	raw = tu_read(p, &len);
	at = strstr(raw, "\"op\":\"init-sub\"");
	ck_assert_ptr_nonnull(at);
	at[6] = 'I';
	tu_write(p, raw, len);
	req_init(&q);
	ck_assert_err(ca_sub_install(&q, &res, NULL), CA_ERR_LOG);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, subdir);
	ck_assert_int_ne(access(p, F_OK), 0);
	free(raw);
}
END_TEST

static Suite *
subinstall_suite(void)
{
	Suite *s = suite_create("subinstall");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, cas_setup, cas_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, install_end_to_end);
	tcase_add_test(tc, already_installed);
	tcase_add_test(tc, cert_for_another_key);
	tcase_add_test(tc, chain_to_other_root);
	tcase_add_test(tc, not_a_ca_cert);
	tcase_add_test(tc, wrong_pin_and_bad_inputs);
	tcase_add_test(tc, tampered_log);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(subinstall_suite)
