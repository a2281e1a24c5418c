/*
 * check_lint.c: certificate lints (lib/lint.c).
 *
 * Each test starts from a certificate built by ca_cert_build exactly as
 * the ceremony builds it, breaks one thing with OpenSSL directly, signs,
 * and expects CA_ERR_LINT naming that one finding.
 */
#include "check_util.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "lint.h"
#include "profile.h"

#define T_2025 ((time_t)1735689600)	/* 2025-01-01T00:00:00Z */

/* One certificate under test and the keys around it. */
struct fx {
	X509_NAME *subj, *iss;
	EVP_PKEY *key, *ca_key;
	X509 *x;
	enum ca_cert_kind kind;
};

static X509_NAME *
name_cn(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	return n;
}

/*
 * An unsigned certificate of kind for key (NULL: a new P-256 key); the
 * log signer is issued by a P-256 CA key.
 */
static void
fx_build(struct fx *f, enum ca_cert_kind kind, EVP_PKEY *key)
{
	struct ca_cert_params p;

	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->subj = name_cn(kind == CA_CERT_ROOT ? "Lint Root" : "Lint Log");
	f->iss = name_cn("Lint Root");
	if (key == NULL)
		ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &key));
	f->key = key;
	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.subject = f->subj;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = T_2025;
	p.not_after = T_2025 + 86400 * 3650;
	p.path_len = -1;
	if (kind == CA_CERT_ROOT) {
		p.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
		ck_assert_ok(ca_cert_build(&p, f->key, NULL, &f->x));
	} else {
		p.issuer = f->iss;
		p.key_usage = CA_KU_DIGITAL_SIGNATURE;
		ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &f->ca_key));
		ck_assert_ok(ca_cert_build(&p, f->key, f->ca_key, &f->x));
	}
}

/* Sign as the ceremony would: the issuer's key, its digest. */
static void
fx_sign(struct fx *f, const EVP_MD *md)
{
	EVP_PKEY *signer = f->kind == CA_CERT_ROOT ? f->key : f->ca_key;

	if (md == NULL)
		md = ca_md_for_key(signer);
	ck_assert_ptr_nonnull(md);
	ck_assert_int_gt(X509_sign(f->x, signer, md), 0);
}

static void
fx_free(struct fx *f)
{
	X509_free(f->x);
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(f->ca_key);
	X509_NAME_free(f->subj);
	X509_NAME_free(f->iss);
}

static int
rep_has(const struct ca_lint_report *rep, const char *want)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (strstr(rep->msg[i], want) != NULL)
			return 1;
	return 0;
}

static void
rep_dump(const struct ca_lint_report *rep, char *buf, size_t cap)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < rep->n; i++) {
		strncat(buf, rep->msg[i], cap - strlen(buf) - 1);
		strncat(buf, "; ", cap - strlen(buf) - 1);
	}
}

/*
 * The certificate fails the lints with exactly the one finding want
 * (nfind findings in all when nfind > 1), and eb names the first.
 */
static void
expect_findings(struct fx *f, size_t nfind, const char *want)
{
	struct ca_lint_report rep;
	struct ca_errbuf eb;
	char all[4096];

	eb.msg[0] = '\0';
	ck_assert_err(ca_lint_cert(f->x, f->kind, &rep, &eb), CA_ERR_LINT);
	rep_dump(&rep, all, sizeof(all));
	ck_assert_msg(rep.n == nfind, "%zu findings, wanted %zu: %s", rep.n,
	    nfind, all);
	ck_assert_msg(rep_has(&rep, want), "no \"%s\" among: %s", want, all);
	ck_assert_msg(strstr(eb.msg, rep.msg[0]) == eb.msg, "eb \"%s\"",
	    eb.msg);
	if (nfind == 1)
		ck_assert_str_eq(eb.msg, rep.msg[0]);
	else
		/* Every finding, each after "; ". */
		for (size_t i = 1; i < rep.n; i++) {
			char sep[200];

			snprintf(sep, sizeof(sep), "; %s", rep.msg[i]);
			ck_assert_msg(strstr(eb.msg, sep) != NULL,
			    "eb \"%s\" lacks \"%s\"", eb.msg, sep);
		}
	ck_assert_int_eq(ERR_peek_error(), 0);
}

static void
expect_one(struct fx *f, const char *want)
{
	expect_findings(f, 1, want);
}

static X509_EXTENSION *
ext_of(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	ck_assert_int_ge(i, 0);
	return X509_get_ext(x, i);
}

static void
drop_ext(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	ck_assert_int_ge(i, 0);
	X509_EXTENSION_free(X509_delete_ext(x, i));
}

/* Replace extension nid with one made from an OpenSSL config value. */
static void
put_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *e;
	int i;

	if ((i = X509_get_ext_by_NID(x, nid, -1)) >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, i));
	e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
	ck_assert_msg(e != NULL, "bad extension value %s", value);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static void
set_serial_bytes(X509 *x, const unsigned char *b, size_t n, int neg)
{
	BIGNUM *bn = BN_bin2bn(b, (int)n, NULL);
	ASN1_INTEGER *ai;

	ck_assert_ptr_nonnull(bn);
	BN_set_negative(bn, neg);
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	ck_assert_ptr_nonnull(ai);
	ck_assert_int_eq(X509_set_serialNumber(x, ai), 1);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
}

START_TEST(good_root_and_log_signer_pass)
{
	struct ca_lint_report rep;
	struct ca_errbuf eb;
	struct fx f;
	EVP_PKEY *k = NULL;

	fx_build(&f, CA_CERT_ROOT, NULL);
	fx_sign(&f, NULL);
	eb.msg[0] = '\0';
	ck_assert_ok(ca_lint_cert(f.x, CA_CERT_ROOT, &rep, &eb));
	ck_assert_uint_eq(rep.n, 0);
	/* A root is not a log signer. */
	ck_assert_err(ca_lint_cert(f.x, CA_CERT_LOG_SIGNER, &rep, &eb),
	    CA_ERR_LINT);
	ck_assert(rep_has(&rep, "the log signer must not be a CA"));
	fx_free(&f);

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, CA_CERT_LOG_SIGNER, &rep, &eb));
	ck_assert_uint_eq(rep.n, 0);
	ck_assert_err(ca_lint_cert(f.x, CA_CERT_ROOT, &rep, &eb),
	    CA_ERR_LINT);
	fx_free(&f);

	/* P-384 with SHA-384, as the ceremony's default. */
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, CA_CERT_ROOT, &rep, &eb));
	fx_free(&f);
}
END_TEST

START_TEST(good_rsa3072_root_passes)
{
	struct ca_lint_report rep;
	struct fx f;
	EVP_PKEY *k = NULL;

	ck_assert_ok(ca_keygen_soft(CA_ALG_RSA3072, &k));
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, CA_CERT_ROOT, &rep, NULL));
	fx_free(&f);
}
END_TEST

START_TEST(version_must_be_3)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_int_eq(X509_set_version(f.x, X509_VERSION_1), 1);
	fx_sign(&f, NULL);
	expect_one(&f, "version must be 3");
	fx_free(&f);
}
END_TEST

START_TEST(serial_zero)
{
	ASN1_INTEGER *ai = ASN1_INTEGER_new();
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_int_eq(ASN1_INTEGER_set(ai, 0), 1);
	ck_assert_int_eq(X509_set_serialNumber(f.x, ai), 1);
	ASN1_INTEGER_free(ai);
	fx_sign(&f, NULL);
	/* Zero is also shorter than 64 bits. */
	expect_findings(&f, 2, "serial number is zero");
	fx_free(&f);
}
END_TEST

START_TEST(serial_negative)
{
	unsigned char b[16];
	struct fx f;

	memset(b, 0x11, sizeof(b));
	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b, sizeof(b), 1);
	fx_sign(&f, NULL);
	expect_one(&f, "serial number is negative");
	fx_free(&f);
}
END_TEST

START_TEST(serial_too_long)
{
	unsigned char b[21];
	struct fx f;

	memset(b, 0x11, sizeof(b));
	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b, sizeof(b), 0);
	fx_sign(&f, NULL);
	/* Over 20 octets of magnitude is over 20 in DER as well. */
	expect_findings(&f, 2, "serial number longer than 20 octets");
	fx_free(&f);
}
END_TEST

/* 20 octets of magnitude with the top bit set need a 21st in DER. */
START_TEST(serial_der_too_long)
{
	unsigned char b[20];
	struct ca_lint_report rep;
	struct fx f;

	memset(b, 0x81, sizeof(b));
	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b, sizeof(b), 0);
	fx_sign(&f, NULL);
	expect_one(&f, "serial number DER longer than 20 octets");
	fx_free(&f);

	/* 20 octets with the top bit clear are the largest allowed. */
	b[0] = 0x7f;
	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b, sizeof(b), 0);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, f.kind, &rep, NULL));
	fx_free(&f);
}
END_TEST

START_TEST(serial_too_short)
{
	unsigned char b[7] = { 1, 2, 3, 4, 5, 6, 7 };
	unsigned char b8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ca_lint_report rep;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b, sizeof(b), 0);
	fx_sign(&f, NULL);
	expect_one(&f, "serial number shorter than 64 bits");
	fx_free(&f);

	fx_build(&f, CA_CERT_ROOT, NULL);
	set_serial_bytes(f.x, b8, sizeof(b8), 0);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, f.kind, &rep, NULL));
	fx_free(&f);
}
END_TEST

START_TEST(time_before_2050_as_generalized)
{
	ASN1_GENERALIZEDTIME *t;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	t = ASN1_GENERALIZEDTIME_new();
	ck_assert_int_eq(ASN1_GENERALIZEDTIME_set_string(t,
	    "20400101000000Z"), 1);
	ck_assert_int_eq(X509_set1_notAfter(f.x, t), 1);
	ASN1_GENERALIZEDTIME_free(t);
	fx_sign(&f, NULL);
	expect_one(&f, "notAfter before 2050 must be UTCTime");
	fx_free(&f);
}
END_TEST

START_TEST(time_with_fraction)
{
	ASN1_GENERALIZEDTIME *t;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	t = ASN1_GENERALIZEDTIME_new();
	ck_assert_int_eq(ASN1_GENERALIZEDTIME_set_string(t,
	    "20600101000000.5Z"), 1);
	ck_assert_int_eq(X509_set1_notAfter(f.x, t), 1);
	ASN1_GENERALIZEDTIME_free(t);
	fx_sign(&f, NULL);
	expect_one(&f, "notAfter is not in YYMMDDHHMMSSZ");
	fx_free(&f);
}
END_TEST

START_TEST(time_utc_without_seconds)
{
	ASN1_UTCTIME *t;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	t = ASN1_UTCTIME_new();
	ck_assert_int_eq(ASN1_UTCTIME_set_string(t, "2501010000Z"), 1);
	ck_assert_int_eq(X509_set1_notBefore(f.x, t), 1);
	ASN1_UTCTIME_free(t);
	fx_sign(&f, NULL);
	expect_one(&f, "notBefore is not in YYMMDDHHMMSSZ");
	fx_free(&f);
}
END_TEST

START_TEST(not_after_before_not_before)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(f.x), 0, 0,
	    &(time_t){ T_2025 - 1 }));
	fx_sign(&f, NULL);
	expect_one(&f, "notAfter is not after notBefore");
	fx_free(&f);

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_ptr_nonnull(X509_time_adj_ex(X509_getm_notAfter(f.x), 0, 0,
	    &(time_t){ T_2025 }));
	fx_sign(&f, NULL);
	expect_one(&f, "notAfter is not after notBefore");
	fx_free(&f);
}
END_TEST

START_TEST(empty_subject_and_issuer)
{
	X509_NAME *empty = X509_NAME_new();
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_int_eq(X509_set_subject_name(f.x, empty), 1);
	ck_assert_int_eq(X509_set_issuer_name(f.x, empty), 1);
	fx_sign(&f, NULL);
	expect_findings(&f, 2, "subject is empty");
	expect_findings(&f, 2, "issuer is empty");
	fx_free(&f);
	X509_NAME_free(empty);
}
END_TEST

START_TEST(root_issuer_differs_from_subject)
{
	X509_NAME *other = name_cn("Someone Else");
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_int_eq(X509_set_issuer_name(f.x, other), 1);
	fx_sign(&f, NULL);
	expect_one(&f, "a root's issuer must equal its subject");
	fx_free(&f);
	X509_NAME_free(other);
}
END_TEST

START_TEST(missing_ski)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	drop_ext(f.x, NID_subject_key_identifier);
	fx_sign(&f, NULL);
	expect_one(&f, "subjectKeyIdentifier missing");
	fx_free(&f);
}
END_TEST

START_TEST(critical_ski_and_aki)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	X509_EXTENSION_set_critical(ext_of(f.x, NID_subject_key_identifier),
	    1);
	fx_sign(&f, NULL);
	expect_one(&f, "subjectKeyIdentifier must not be critical");
	fx_free(&f);

	fx_build(&f, CA_CERT_ROOT, NULL);
	X509_EXTENSION_set_critical(ext_of(f.x,
	    NID_authority_key_identifier), 1);
	fx_sign(&f, NULL);
	expect_one(&f, "authorityKeyIdentifier must not be critical");
	fx_free(&f);
}
END_TEST

START_TEST(non_critical_basic_constraints)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	X509_EXTENSION_set_critical(ext_of(f.x, NID_basic_constraints), 0);
	fx_sign(&f, NULL);
	expect_one(&f, "basicConstraints must be critical");
	fx_free(&f);
}
END_TEST

START_TEST(missing_basic_constraints)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	drop_ext(f.x, NID_basic_constraints);
	fx_sign(&f, NULL);
	/* Missing, and therefore also no cA TRUE. */
	expect_findings(&f, 2, "basicConstraints missing");
	expect_findings(&f, 2, "a CA certificate needs cA TRUE");
	fx_free(&f);
}
END_TEST

START_TEST(root_without_ca_flag)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_basic_constraints, "critical,CA:FALSE");
	fx_sign(&f, NULL);
	expect_one(&f, "a CA certificate needs cA TRUE");
	fx_free(&f);
}
END_TEST

START_TEST(non_critical_key_usage)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	X509_EXTENSION_set_critical(ext_of(f.x, NID_key_usage), 0);
	fx_sign(&f, NULL);
	expect_one(&f, "keyUsage must be critical");
	fx_free(&f);
}
END_TEST

START_TEST(missing_key_usage)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	drop_ext(f.x, NID_key_usage);
	fx_sign(&f, NULL);
	expect_findings(&f, 2, "keyUsage missing");
	expect_findings(&f, 2, "a CA needs keyCertSign and cRLSign");
	fx_free(&f);
}
END_TEST

START_TEST(root_key_usage_bits)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_key_usage, "critical,keyCertSign");
	fx_sign(&f, NULL);
	expect_one(&f, "a CA needs keyCertSign and cRLSign");
	fx_free(&f);

	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_key_usage, "critical,keyCertSign,cRLSign,"
	    "keyEncipherment");
	fx_sign(&f, NULL);
	expect_one(&f, "a CA key is only for signing");
	fx_free(&f);

	/* digitalSignature is allowed beside the CA bits. */
	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_key_usage, "critical,digitalSignature,keyCertSign,"
	    "cRLSign");
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert(f.x, f.kind, &(struct ca_lint_report){ 0 },
	    NULL));
	fx_free(&f);
}
END_TEST

START_TEST(duplicate_extension)
{
	X509_EXTENSION *e;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	e = X509_EXTENSION_dup(ext_of(f.x, NID_subject_key_identifier));
	ck_assert_int_eq(X509_add_ext(f.x, e, -1), 1);
	X509_EXTENSION_free(e);
	fx_sign(&f, NULL);
	expect_one(&f, "duplicate extension subjectKeyIdentifier");
	fx_free(&f);
}
END_TEST

START_TEST(eku_on_root)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_ext_key_usage, "serverAuth");
	fx_sign(&f, NULL);
	expect_one(&f, "a root carries no extendedKeyUsage");
	fx_free(&f);
}
END_TEST

START_TEST(policies_on_root)
{
	CERTIFICATEPOLICIES *cps = sk_POLICYINFO_new_null();
	POLICYINFO *pi = POLICYINFO_new();
	struct fx f;

	ck_assert_ptr_nonnull(cps);
	ck_assert_ptr_nonnull(pi);
	pi->policyid = OBJ_txt2obj("2.23.140.1.2.1", 1);
	ck_assert_int_gt(sk_POLICYINFO_push(cps, pi), 0);
	fx_build(&f, CA_CERT_ROOT, NULL);
	ck_assert_int_eq(X509_add1_ext_i2d(f.x, NID_certificate_policies, cps,
	    0, X509V3_ADD_DEFAULT), 1);
	CERTIFICATEPOLICIES_free(cps);
	fx_sign(&f, NULL);
	expect_one(&f, "a root carries no certificatePolicies");
	fx_free(&f);
}
END_TEST

START_TEST(unknown_critical_extension)
{
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	put_ext(f.x, NID_netscape_comment, "hello");
	X509_EXTENSION_set_critical(ext_of(f.x, NID_netscape_comment), 1);
	fx_sign(&f, NULL);
	expect_one(&f, "unknown critical extension nsComment");
	fx_free(&f);
}
END_TEST

START_TEST(rsa_1024_refused)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	struct fx f;

	ck_assert_ptr_nonnull(k);
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, NULL);
	expect_one(&f, "RSA keys must be at least 3072 bits");
	fx_free(&f);
}
END_TEST

START_TEST(rsa_exponent_3_refused)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *e = BN_new();
	struct fx f;

	ck_assert_int_eq(BN_set_word(e, 3), 1);
	ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(c, 3072), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, e), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(c, &k), 1);
	EVP_PKEY_CTX_free(c);
	BN_free(e);
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, NULL);
	expect_one(&f, "RSA public exponent must be 65537");
	fx_free(&f);
}
END_TEST

START_TEST(p521_refused)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	struct fx f;

	ck_assert_ptr_nonnull(k);
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, EVP_sha512());
	/* No digest fits P-521 in this toolkit either. */
	expect_findings(&f, 2, "EC keys must be P-256 or P-384");
	expect_findings(&f, 2, "signature hash does not match the key");
	fx_free(&f);
}
END_TEST

START_TEST(ed25519_refused)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct fx f;

	ck_assert_ptr_nonnull(k);
	fx_build(&f, CA_CERT_ROOT, k);
	ck_assert_int_gt(X509_sign(f.x, k, NULL), 0);
	expect_one(&f, "key type not allowed");
	fx_free(&f);
}
END_TEST

START_TEST(hash_must_match_key)
{
	EVP_PKEY *k = NULL;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);	/* P-256 */
	fx_sign(&f, EVP_sha384());
	expect_one(&f, "signature hash does not match the key");
	fx_free(&f);

	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "signature hash does not match the key");
	fx_free(&f);
}
END_TEST

/* RFC 5280 4.1.1.2: the two AlgorithmIdentifiers must agree. */
START_TEST(outer_signature_algorithm_differs)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *outer;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	fx_sign(&f, NULL);
	X509_get0_signature(&sig, &outer, f.x);
	ck_assert_int_eq(X509_ALGOR_set0((X509_ALGOR *)outer,
	    OBJ_nid2obj(NID_ecdsa_with_SHA512), V_ASN1_UNDEF, NULL), 1);
	expect_one(&f, "signature algorithm differs inside and outside");
	fx_free(&f);
}
END_TEST

/* RFC 5758 3.2: no parameters in an ECDSA AlgorithmIdentifier. */
START_TEST(ecdsa_with_null_parameters)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *outer;
	struct fx f;

	fx_build(&f, CA_CERT_ROOT, NULL);
	fx_sign(&f, NULL);
	X509_get0_signature(&sig, &outer, f.x);
	ck_assert_int_eq(X509_ALGOR_set0((X509_ALGOR *)outer,
	    OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_NULL, NULL), 1);
	ck_assert_int_eq(X509_ALGOR_set0(
	    (X509_ALGOR *)X509_get0_tbs_sigalg(f.x),
	    OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_NULL, NULL), 1);
	expect_one(&f, "ecdsa signature algorithm has parameters");
	fx_free(&f);
}
END_TEST

/* RFC 4055 5: PKCS#1 v1.5 AlgorithmIdentifiers carry NULL. */
START_TEST(rsa_without_null_parameters)
{
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *outer;
	EVP_PKEY *k = NULL;
	struct fx f;

	ck_assert_ok(ca_keygen_soft(CA_ALG_RSA3072, &k));
	fx_build(&f, CA_CERT_ROOT, k);
	fx_sign(&f, NULL);
	X509_get0_signature(&sig, &outer, f.x);
	ck_assert_int_eq(X509_ALGOR_set0((X509_ALGOR *)outer,
	    OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_UNDEF, NULL), 1);
	ck_assert_int_eq(X509_ALGOR_set0(
	    (X509_ALGOR *)X509_get0_tbs_sigalg(f.x),
	    OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_UNDEF, NULL), 1);
	expect_one(&f, "rsa signature algorithm parameters must be NULL");
	fx_free(&f);
}
END_TEST

START_TEST(log_signer_is_ca)
{
	struct fx f;

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_basic_constraints, "critical,CA:TRUE");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer must not be a CA");
	fx_free(&f);
}
END_TEST

START_TEST(log_signer_key_usage)
{
	struct fx f;

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_key_usage, "critical,nonRepudiation");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer needs digitalSignature");
	fx_free(&f);

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_key_usage, "critical,digitalSignature,keyCertSign");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer must not sign certificates or crls");
	fx_free(&f);

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_key_usage, "critical,digitalSignature,cRLSign");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer must not sign certificates or crls");
	fx_free(&f);
}
END_TEST

START_TEST(log_signer_eku)
{
	struct fx f;

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	drop_ext(f.x, NID_ext_key_usage);
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer needs exactly the ceremonyLogSigning");
	fx_free(&f);

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_ext_key_usage, "codeSigning");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer needs exactly the ceremonyLogSigning");
	fx_free(&f);

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	put_ext(f.x, NID_ext_key_usage, CA_OID_LOG_SIGNING ",codeSigning");
	fx_sign(&f, NULL);
	expect_one(&f, "the log signer needs exactly the ceremonyLogSigning");
	fx_free(&f);
}
END_TEST

START_TEST(log_signer_without_aki)
{
	struct fx f;

	fx_build(&f, CA_CERT_LOG_SIGNER, NULL);
	drop_ext(f.x, NID_authority_key_identifier);
	fx_sign(&f, NULL);
	expect_one(&f, "authorityKeyIdentifier missing");
	fx_free(&f);
}
END_TEST

/* The report holds at most CA_LINT_MAX findings and stays in bounds. */
START_TEST(many_findings_are_capped)
{
	struct ca_lint_report rep;
	X509_NAME *empty = X509_NAME_new();
	X509_EXTENSION *e;
	struct fx f;
	int i;

	fx_build(&f, CA_CERT_ROOT, NULL);
	e = X509_EXTENSION_dup(ext_of(f.x, NID_key_usage));
	for (i = 0; i < 30; i++)
		ck_assert_int_eq(X509_add_ext(f.x, e, -1), 1);
	X509_EXTENSION_free(e);
	ck_assert_int_eq(X509_set_subject_name(f.x, empty), 1);
	fx_sign(&f, EVP_sha384());
	ck_assert_err(ca_lint_cert(f.x, f.kind, &rep, NULL), CA_ERR_LINT);
	ck_assert_uint_eq(rep.n, CA_LINT_MAX);
	X509_NAME_free(empty);
	fx_free(&f);
}
END_TEST

/*
 * A log signer's signature is its issuer's: with the issuer's key given,
 * the hash is checked against that key, not the subject's.
 */
START_TEST(issued_checks_hash_against_issuer)
{
	struct ca_lint_report rep;
	struct ca_errbuf eb;
	EVP_PKEY *k = NULL, *rsa = NULL;
	struct fx f;

	/* A P-384 log key under a P-256 CA, so SHA-256 as the CA needs. */
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	fx_build(&f, CA_CERT_LOG_SIGNER, k);
	fx_sign(&f, NULL);
	ck_assert_ok(ca_lint_cert_issued(f.x, f.ca_key, CA_CERT_LOG_SIGNER,
	    &rep, &eb));
	ck_assert_uint_eq(rep.n, 0);
	/* Judged as if self-signed, the hash would not fit the P-384 key. */
	expect_one(&f, "signature hash does not match the key");
	/* NULL issuer key: the certificate's own key decides. */
	ck_assert_err(ca_lint_cert_issued(f.x, NULL, CA_CERT_LOG_SIGNER,
	    &rep, &eb), CA_ERR_LINT);
	ck_assert_str_eq(eb.msg, "signature hash does not match the key");

	/* An issuer key of another type does not fit an ECDSA signature. */
	ck_assert_ok(ca_keygen_soft(CA_ALG_RSA3072, &rsa));
	ck_assert_err(ca_lint_cert_issued(f.x, rsa, CA_CERT_LOG_SIGNER,
	    &rep, &eb), CA_ERR_LINT);
	ck_assert_uint_eq(rep.n, 1);
	ck_assert_str_eq(rep.msg[0], "signature algorithm does not match the "
	    "key");
	EVP_PKEY_free(rsa);
	fx_free(&f);
}
END_TEST

/* The issuer's key never excuses the subject's own key. */
START_TEST(issued_still_checks_subject_key)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	struct ca_lint_report rep;
	struct ca_errbuf eb;
	struct fx f;

	ck_assert_ptr_nonnull(k);
	fx_build(&f, CA_CERT_LOG_SIGNER, k);
	fx_sign(&f, NULL);
	ck_assert_err(ca_lint_cert_issued(f.x, f.ca_key, CA_CERT_LOG_SIGNER,
	    &rep, &eb), CA_ERR_LINT);
	ck_assert_uint_eq(rep.n, 1);
	ck_assert_str_eq(eb.msg, "RSA keys must be at least 3072 bits");
	fx_free(&f);
}
END_TEST

/*
 * A device certificate as ca-issue builds it (the stock mTLS profile,
 * DNS and IP names), for key, issued by a P-256 CA key; unsigned.
 */
static void
fx_device(struct fx *f, EVP_PKEY *key, struct ca_profile **prof)
{
	struct ca_cert_params p;
	struct ca_errbuf eb = { 0 };
	GENERAL_NAMES *san;
	X509_EXTENSION *e;

	memset(f, 0, sizeof(*f));
	ck_assert_msg(ca_profile_load("profiles/device-mtls.json", prof,
	    &eb) == 0, "%s", eb.msg);
	f->kind = CA_CERT_DEVICE;
	f->subj = name_cn("plc-01");
	f->iss = name_cn("Lint Issuing");
	if (key == NULL)
		ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &key));
	f->key = key;
	ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &f->ca_key));
	e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    "DNS:plc-01.plant.example,IP:10.20.1.1");
	ck_assert_ptr_nonnull(e);
	san = X509V3_EXT_d2i(e);
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_DEVICE;
	p.subject = f->subj;
	p.issuer = f->iss;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = T_2025;
	p.not_after = T_2025 + 86400 * 730;
	p.path_len = -1;
	p.key_usage = (*prof)->key_usage;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
		p.key_usage &= ~(unsigned)CA_KU_RSA_ONLY;
	p.profile = *prof;
	p.san = san;
	ck_assert_ok(ca_cert_build(&p, f->key, f->ca_key, &f->x));
	GENERAL_NAMES_free(san);
	X509_EXTENSION_free(e);
}

START_TEST(device_certificates)
{
	struct ca_profile *prof = NULL;
	struct ca_lint_report rep;
	struct ca_errbuf eb = { 0 };
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	struct fx f;
	X509 *issuer;

	/* As built: clean, EC and RSA 2048 alike; the key given is used. */
	fx_device(&f, NULL, &prof);
	fx_sign(&f, EVP_sha256());
	ck_assert_msg(ca_lint_cert_issued(f.x, f.ca_key, CA_CERT_DEVICE, &rep,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(X509_check_ca(f.x), 0);
	/* Under an issuer, with the subject's key passed in. */
	{
		struct ca_cert_params ip;
		X509_NAME *in = name_cn("Lint Issuing");

		memset(&ip, 0, sizeof(ip));
		ip.kind = CA_CERT_ROOT;
		ip.subject = in;
		ck_assert_ok(ca_serial_random(ip.serial));
		ip.not_before = T_2025 - 86400;
		ip.not_after = T_2025 + 86400 * 3650;
		ip.path_len = -1;
		ip.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
		ck_assert_ok(ca_cert_build(&ip, f.ca_key, NULL, &issuer));
		ck_assert_ok(ca_cert_sign(issuer, f.ca_key, EVP_sha256(), &eb));
		X509_NAME_free(in);
	}
	ck_assert_msg(ca_lint_device(f.x, f.key, f.ca_key, issuer, &rep,
	    &eb) == 0, "%s", eb.msg);
	/* The key passed in is the one checked: a 1024-bit one fails. */
	{
		EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)1024);

		ck_assert_err(ca_lint_device(f.x, small, f.ca_key, issuer, &rep,
		    &eb), CA_ERR_LINT);
		ck_assert(rep_has(&rep, "RSA keys must be at least 2048 bits"));
		EVP_PKEY_free(small);
	}
	X509_free(issuer);
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, rsa, &prof);
	fx_sign(&f, EVP_sha256());
	ck_assert_msg(ca_lint_cert_issued(f.x, f.ca_key, CA_CERT_DEVICE, &rep,
	    &eb) == 0, "%s", eb.msg);
	fx_free(&f);
	ca_profile_free(prof);

	/* Each broken the way a bad profile or build would break it. */
	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_key_usage, "critical,digitalSignature,"
	    "keyEncipherment");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "an EC key takes no keyEncipherment or "
	    "dataEncipherment");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_key_usage, "critical,digitalSignature,keyCertSign");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "a device key must not sign certificates or crls");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_key_usage, "critical,keyAgreement");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "a device needs digitalSignature");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_basic_constraints, "critical,CA:TRUE");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "a device certificate must not be a CA");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	drop_ext(f.x, NID_ext_key_usage);
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "a device certificate needs extendedKeyUsage");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_ext_key_usage, "serverAuth,anyExtendedKeyUsage");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "anyExtendedKeyUsage is not allowed");
	fx_free(&f);
	ca_profile_free(prof);

	fx_device(&f, NULL, &prof);
	put_ext(f.x, NID_name_constraints, "critical,permitted;DNS:example");
	fx_sign(&f, EVP_sha256());
	expect_one(&f, "nameConstraints belong only in subordinate CA "
	    "certificates");
	fx_free(&f);
	ca_profile_free(prof);
}
END_TEST

static Suite *
lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, good_root_and_log_signer_pass);
	tcase_add_test(tc, good_rsa3072_root_passes);
	tcase_add_test(tc, version_must_be_3);
	tcase_add_test(tc, serial_zero);
	tcase_add_test(tc, serial_negative);
	tcase_add_test(tc, serial_too_long);
	tcase_add_test(tc, serial_der_too_long);
	tcase_add_test(tc, serial_too_short);
	tcase_add_test(tc, time_before_2050_as_generalized);
	tcase_add_test(tc, time_with_fraction);
	tcase_add_test(tc, time_utc_without_seconds);
	tcase_add_test(tc, not_after_before_not_before);
	tcase_add_test(tc, empty_subject_and_issuer);
	tcase_add_test(tc, root_issuer_differs_from_subject);
	tcase_add_test(tc, missing_ski);
	tcase_add_test(tc, critical_ski_and_aki);
	tcase_add_test(tc, non_critical_basic_constraints);
	tcase_add_test(tc, missing_basic_constraints);
	tcase_add_test(tc, root_without_ca_flag);
	tcase_add_test(tc, non_critical_key_usage);
	tcase_add_test(tc, missing_key_usage);
	tcase_add_test(tc, root_key_usage_bits);
	tcase_add_test(tc, duplicate_extension);
	tcase_add_test(tc, eku_on_root);
	tcase_add_test(tc, policies_on_root);
	tcase_add_test(tc, unknown_critical_extension);
	tcase_add_test(tc, rsa_1024_refused);
	tcase_add_test(tc, rsa_exponent_3_refused);
	tcase_add_test(tc, p521_refused);
	tcase_add_test(tc, ed25519_refused);
	tcase_add_test(tc, hash_must_match_key);
	tcase_add_test(tc, outer_signature_algorithm_differs);
	tcase_add_test(tc, ecdsa_with_null_parameters);
	tcase_add_test(tc, rsa_without_null_parameters);
	tcase_add_test(tc, log_signer_is_ca);
	tcase_add_test(tc, log_signer_key_usage);
	tcase_add_test(tc, log_signer_eku);
	tcase_add_test(tc, log_signer_without_aki);
	tcase_add_test(tc, many_findings_are_capped);
	tcase_add_test(tc, issued_checks_hash_against_issuer);
	tcase_add_test(tc, issued_still_checks_subject_key);
	tcase_add_test(tc, device_certificates);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(lint_suite)
