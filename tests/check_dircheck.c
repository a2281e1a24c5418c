/*
 * check_dircheck.c: verifying a CA directory from its files alone
 * (lib/dircheck.c).  The directories are built here with software keys
 * in the layout of ca-directory(5).
 */
#include "check_util.h"

#include <ctype.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "dircheck.h"
#include "log.h"
#include "profile.h"
#include "store.h"

/*
 * Every temporary folder of a run lives under one base folder, made and
 * removed by the parent process (an unchecked fixture), so that a test
 * whose child dies on a failed assertion leaves nothing behind.
 */
static char tu_base[PATH_MAX];

static void
base_setup(void)
{
	tu_tmpdir(tu_base);
	setenv("TMPDIR", tu_base, 1);
}

static void
base_teardown(void)
{
	tu_rmrf(tu_base);
	unsetenv("TMPDIR");
}

#define T0 ((time_t)1767225600)		/* 2026-01-01T00:00:00Z */

struct fx {
	char dir[PATH_MAX];
	EVP_PKEY *ca_key, *log_key;
	X509 *ca, *ls;
	char fp[65];			/* SHA-256 of ca.pem's DER */
};

static X509_NAME *
name_cn(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	return n;
}

/* A certificate of kind for key, named cn, issued by (iss, iss_key). */
static X509 *
make_cert(enum ca_cert_kind kind, const char *cn, EVP_PKEY *key,
    const char *iss_cn, EVP_PKEY *iss_key)
{
	X509_NAME *subj = name_cn(cn), *iss = name_cn(iss_cn);
	struct ca_cert_params p;
	X509 *x = NULL;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.subject = subj;
	p.issuer = iss;		/* names it even when self-signed */
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = T0;
	p.not_after = T0 + 86400 * 3650;
	p.path_len = -1;
	p.key_usage = kind == CA_CERT_ROOT ?
	    CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN : CA_KU_DIGITAL_SIGNATURE;
	ck_assert_ok(ca_cert_build(&p, key, iss_key == key ? NULL : iss_key,
	    &x));
	ck_assert_ok(ca_cert_sign(x, iss_key, ca_md_for_key(iss_key), NULL));
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	return x;
}

static void
put_pem(const char *dir, const char *name, X509 *x)
{
	char path[PATH_MAX + 32], *pem = NULL;
	size_t len = 0;

	ck_assert_ok(ca_cert_pem(x, &pem, &len));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	tu_write(path, pem, len);
	free(pem);
}

/* Append a record signed by key at time t to dir's log. */
static void
append(const char *dir, EVP_PKEY *key, time_t t)
{
	char logdir[PATH_MAX + 8], path[PATH_MAX + 48], name[32], h[65];
	struct ca_log_head head;
	struct ca_errbuf eb;
	json_t *b = NULL;
	char *rec = NULL;
	size_t len = 0;

	snprintf(logdir, sizeof(logdir), "%s/%s", dir, CA_DIR_LOG);
	ck_assert_ok(ca_log_head_read(logdir, &head, &eb));
	ck_assert_ok(ca_log_body_new(&head, t, head.seq ? "note" :
	    "init-root", &b, &eb));
	ck_assert_ok(ca_log_seal(b, key, key, &rec, &len, h, &eb));
	ca_log_record_name(head.seq + 1, name);
	snprintf(path, sizeof(path), "%s/%s", logdir, name);
	tu_write(path, rec, len);
	free(rec);
	json_decref(b);
}

/* A good CA directory: ca.pem, log-signer.pem and a two-record log. */
static void
fx_init(struct fx *f)
{
	char logdir[PATH_MAX + 8];

	memset(f, 0, sizeof(*f));
	tu_tmpdir(f->dir);
	snprintf(logdir, sizeof(logdir), "%s/%s", f->dir, CA_DIR_LOG);
	ck_assert_int_eq(mkdir(logdir, 0755), 0);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &f->ca_key));
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &f->log_key));
	f->ca = make_cert(CA_CERT_ROOT, "Test Root", f->ca_key, "Test Root",
	    f->ca_key);
	f->ls = make_cert(CA_CERT_LOG_SIGNER, "Ceremony Log Signer",
	    f->log_key, "Test Root", f->ca_key);
	put_pem(f->dir, CA_FILE_CERT, f->ca);
	put_pem(f->dir, CA_FILE_LOG_SIGNER, f->ls);
	ck_assert_ok(ca_cert_sha256(f->ca, f->fp));
	append(f->dir, f->log_key, T0);
	append(f->dir, f->log_key, T0 + 60);
}

static void
fx_free(struct fx *f)
{
	X509_free(f->ca);
	X509_free(f->ls);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->log_key);
	tu_rmrf(f->dir);
}

static void
expect_err(struct fx *f, const char *anchor, int code, const char *want)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_verify_log(f->dir, anchor, NULL, &eb), code);
	if (want != NULL)
		ck_assert_msg(strstr(eb.msg, want) != NULL, "detail \"%s\" "
		    "lacks \"%s\"", eb.msg, want);
	ck_assert_int_eq(ERR_peek_error(), 0);
}

START_TEST(fingerprint_normalise)
{
	char out[65], in[200];
	int i;

	ck_assert_ok(ca_fingerprint_normalise("00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF", out));
	ck_assert_str_eq(out, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	/* As printed: colon-separated pairs, or groups with spaces. */
	in[0] = '\0';
	for (i = 0; i < 32; i++)
		snprintf(in + strlen(in), sizeof(in) - strlen(in), "%s%02X",
		    i ? ":" : "", i * 7);
	ck_assert_ok(ca_fingerprint_normalise(in, out));
	for (i = 0; i < 32; i++) {
		char two[3];

		snprintf(two, sizeof(two), "%02x", i * 7);
		ck_assert_int_eq(out[2 * i], two[0]);
		ck_assert_int_eq(out[2 * i + 1], two[1]);
	}
	ck_assert_ok(ca_fingerprint_normalise("0011 2233 4455 6677 8899 aabb "
	    "ccdd eeff 0011 2233 4455 6677 8899 aabb ccdd eeff", out));
	ck_assert_uint_eq(strlen(out), 64);
	/* With the "sha256:" prefix ca-init prints, in either case. */
	ck_assert_ok(ca_fingerprint_normalise("sha256:00112233445566778899aabb"
	    "ccddeeff00112233445566778899aabbccddeeff", out));
	ck_assert_str_eq(out, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	ck_assert_ok(ca_fingerprint_normalise("SHA256:00112233445566778899AABB"
	    "CCDDEEFF00112233445566778899AABBCCDDEEFF", out));
	ck_assert_str_eq(out, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	/* Only as a prefix, and only once. */
	ck_assert_err(ca_fingerprint_normalise("sha256:sha256:0011223344556677"
	    "8899aabbccddeeff00112233445566778899aabbccddeeff", out),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("00112233445566778899aabbccdd"
	    "eeff00112233445566778899aabbccddeeff sha256:", out),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("sha256:", out),
	    CA_ERR_INVALID_ARG);

	/* Too short, too long, not hex, other separators. */
	ck_assert_err(ca_fingerprint_normalise("", out), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("00112233445566778899aabbccdd"
	    "eeff00112233445566778899aabbccddeef", out), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("00112233445566778899aabbccdd"
	    "eeff00112233445566778899aabbccddeeff00", out),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("00112233445566778899aabbccdd"
	    "eeff00112233445566778899aabbccddeefg", out), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_fingerprint_normalise("00112233445566778899aabbccdd"
	    "eeff-00112233445566778899aabbccddeeff", out),
	    CA_ERR_INVALID_ARG);
}
END_TEST

START_TEST(good_directory_verifies)
{
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	char upper[100];
	struct fx f;
	int i, n = 0;

	fx_init(&f);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(f.dir, NULL, &sum, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_int_eq(sum.count, 2);
	ck_assert_str_eq(sum.first_time, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(sum.last_time, "2026-01-01T00:01:00Z");
	ck_assert_ok(ca_dir_verify_log(f.dir, f.fp, NULL, &eb));
	{
		char pref[80];

		snprintf(pref, sizeof(pref), "sha256:%s", f.fp);
		ck_assert_ok(ca_dir_verify_log(f.dir, pref, NULL, &eb));
	}
	/* The anchor as read off paper: upper case, colons. */
	for (i = 0; i < 64; i += 2) {
		upper[n++] = (char)toupper((unsigned char)f.fp[i]);
		upper[n++] = (char)toupper((unsigned char)f.fp[i + 1]);
		if (i < 62)
			upper[n++] = ':';
	}
	upper[n] = '\0';
	ck_assert_ok(ca_dir_verify_log(f.dir, upper, NULL, &eb));
	fx_free(&f);
}
END_TEST

START_TEST(anchor_mismatch)
{
	char other[65];
	struct fx f;

	fx_init(&f);
	memcpy(other, f.fp, sizeof(other));
	other[63] = other[63] == '0' ? '1' : '0';
	expect_err(&f, other, CA_ERR_VERIFY, "anchor");
	fx_free(&f);
}
END_TEST

START_TEST(anchor_malformed)
{
	struct fx f;

	fx_init(&f);
	expect_err(&f, "abcd", CA_ERR_INVALID_ARG, "64 hex digits");
	expect_err(&f, "", CA_ERR_INVALID_ARG, NULL);
	fx_free(&f);
}
END_TEST

/* A CA certificate replaced: the anchor catches it before all else. */
START_TEST(replaced_ca_with_anchor)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	struct fx f;

	fx_init(&f);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	x = make_cert(CA_CERT_ROOT, "Test Root", k, "Test Root", k);
	put_pem(f.dir, CA_FILE_CERT, x);
	expect_err(&f, f.fp, CA_ERR_VERIFY, "anchor");
	/* Without an anchor the log signer's issuer check catches it. */
	expect_err(&f, NULL, CA_ERR_VERIFY, "is not signed by");
	X509_free(x);
	EVP_PKEY_free(k);
	fx_free(&f);
}
END_TEST

/* A log signer from another CA of the same name. */
START_TEST(log_signer_not_issued_by_ca)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	struct fx f;

	fx_init(&f);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	x = make_cert(CA_CERT_LOG_SIGNER, "Ceremony Log Signer", f.log_key,
	    "Test Root", k);
	put_pem(f.dir, CA_FILE_LOG_SIGNER, x);
	expect_err(&f, f.fp, CA_ERR_VERIFY, "log-signer.pem is not signed by "
	    "ca.pem");
	X509_free(x);

	/* Self-signed by the log key itself. */
	x = make_cert(CA_CERT_LOG_SIGNER, "Ceremony Log Signer", f.log_key,
	    "Ceremony Log Signer", f.log_key);
	put_pem(f.dir, CA_FILE_LOG_SIGNER, x);
	expect_err(&f, f.fp, CA_ERR_VERIFY, "is not signed by");
	X509_free(x);

	/* Signed by the CA's key but naming another issuer. */
	x = make_cert(CA_CERT_LOG_SIGNER, "Ceremony Log Signer", f.log_key,
	    "Other Root", f.ca_key);
	put_pem(f.dir, CA_FILE_LOG_SIGNER, x);
	expect_err(&f, f.fp, CA_ERR_VERIFY, "is not signed by");
	X509_free(x);
	EVP_PKEY_free(k);
	fx_free(&f);
}
END_TEST

START_TEST(log_signer_without_eku)
{
	X509 *x;
	struct fx f;

	fx_init(&f);
	/* Issued by the CA, but as a CA profile: no ceremonyLogSigning. */
	x = make_cert(CA_CERT_ROOT, "Ceremony Log Signer", f.log_key,
	    "Test Root", f.ca_key);
	put_pem(f.dir, CA_FILE_LOG_SIGNER, x);
	expect_err(&f, f.fp, CA_ERR_VERIFY, "lacks the ceremonyLogSigning");
	X509_free(x);
	fx_free(&f);
}
END_TEST

/* ca.pem is issued by someone else rather than self-signed. */
START_TEST(ca_not_self_signed)
{
	EVP_PKEY *k = NULL;
	X509 *x;
	struct fx f;
	char fp[65];

	fx_init(&f);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	/* Same names as a self-signed root, but the signature is k's. */
	x = make_cert(CA_CERT_ROOT, "Test Root", f.ca_key, "Test Root", k);
	put_pem(f.dir, CA_FILE_CERT, x);
	ck_assert_ok(ca_cert_sha256(x, fp));
	expect_err(&f, fp, CA_ERR_VERIFY, "self-signed");
	X509_free(x);
	/* Different issuer name. */
	x = make_cert(CA_CERT_ROOT, "Test Root", f.ca_key, "Other", f.ca_key);
	put_pem(f.dir, CA_FILE_CERT, x);
	expect_err(&f, NULL, CA_ERR_VERIFY, "self-signed");
	X509_free(x);
	EVP_PKEY_free(k);
	fx_free(&f);
}
END_TEST

/* The log signer's key signs the log; the CA key does not. */
START_TEST(log_signed_by_ca_key)
{
	struct fx f;

	fx_init(&f);
	append(f.dir, f.ca_key, T0 + 120);
	expect_err(&f, f.fp, CA_ERR_LOG, "000003.json: signed by unknown key");
	fx_free(&f);
}
END_TEST

START_TEST(tampered_log)
{
	char path[PATH_MAX + 32], *raw, *p;
	size_t len;
	struct fx f;

	fx_init(&f);
	snprintf(path, sizeof(path), "%s/log/000001.json", f.dir);
	raw = tu_read(path, &len);
	p = strstr(raw, "init-root");
	ck_assert_ptr_nonnull(p);
	p[0] = 'I';
	tu_write(path, raw, len);
	expect_err(&f, f.fp, CA_ERR_LOG, "000001.json");
	free(raw);
	fx_free(&f);
}
END_TEST

START_TEST(empty_log)
{
	char path[PATH_MAX + 32];
	struct fx f;

	fx_init(&f);
	snprintf(path, sizeof(path), "%s/log/000002.json", f.dir);
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/log/000001.json", f.dir);
	ck_assert_int_eq(unlink(path), 0);
	expect_err(&f, f.fp, CA_ERR_LOG, "no records");
	fx_free(&f);
}
END_TEST

START_TEST(missing_files)
{
	char path[PATH_MAX + 32];
	struct fx f;

	fx_init(&f);
	snprintf(path, sizeof(path), "%s/%s", f.dir, CA_FILE_LOG_SIGNER);
	ck_assert_int_eq(unlink(path), 0);
	expect_err(&f, f.fp, CA_ERR_NOT_FOUND, NULL);
	snprintf(path, sizeof(path), "%s/%s", f.dir, CA_FILE_CERT);
	ck_assert_int_eq(unlink(path), 0);
	expect_err(&f, f.fp, CA_ERR_NOT_FOUND, NULL);
	fx_free(&f);

	fx_init(&f);
	snprintf(path, sizeof(path), "%s/nothing", f.dir);
	{
		struct ca_errbuf eb;

		ck_assert_err(ca_dir_verify_log(path, NULL, NULL, &eb),
		    CA_ERR_NOT_FOUND);
	}
	fx_free(&f);
}
END_TEST

/*
 * dircheck.h: CA_ERR_VERIFY "for the certificates".  A ca.pem or
 * log-signer.pem that is not a certificate at all is a certificate that
 * does not verify.
 */
START_TEST(garbage_certificate)
{
	char path[PATH_MAX + 32];
	struct fx f;

	fx_init(&f);
	snprintf(path, sizeof(path), "%s/%s", f.dir, CA_FILE_LOG_SIGNER);
	tu_write(path, "garbage\n", 8);
	expect_err(&f, f.fp, CA_ERR_VERIFY, NULL);
	snprintf(path, sizeof(path), "%s/%s", f.dir, CA_FILE_CERT);
	tu_write(path, "garbage\n", 8);
	expect_err(&f, NULL, CA_ERR_VERIFY, NULL);
	fx_free(&f);
}
END_TEST

static Suite *
dircheck_suite(void)
{
	Suite *s = suite_create("dircheck");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, fingerprint_normalise);
	tcase_add_test(tc, good_directory_verifies);
	tcase_add_test(tc, anchor_mismatch);
	tcase_add_test(tc, anchor_malformed);
	tcase_add_test(tc, replaced_ca_with_anchor);
	tcase_add_test(tc, log_signer_not_issued_by_ca);
	tcase_add_test(tc, log_signer_without_eku);
	tcase_add_test(tc, ca_not_self_signed);
	tcase_add_test(tc, log_signed_by_ca_key);
	tcase_add_test(tc, tampered_log);
	tcase_add_test(tc, empty_log);
	tcase_add_test(tc, missing_files);
	tcase_add_test(tc, garbage_certificate);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(dircheck_suite)
