/*
 * check_certgen.c: building, signing and comparing certificates
 * (lib/certgen.c).
 */
#include "check_util.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "profile.h"

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

/* 2049-12-31T23:59:59Z and 2050-01-01T00:00:00Z: the encoding switch. */
#define T_2049_END ((time_t)2524607999)
#define T_2050 ((time_t)2524608000)
#define T_2025 ((time_t)1735689600)	/* 2025-01-01T00:00:00Z */

static X509_NAME *
name_cn(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	return n;
}

static EVP_PKEY *
soft_key(enum ca_keyalg alg)
{
	EVP_PKEY *k = NULL;

	ck_assert_ok(ca_keygen_soft(alg, &k));
	ck_assert_ptr_nonnull(k);
	return k;
}

/* Root parameters as ca_root_init fills them from the default profile. */
static void
root_params(struct ca_cert_params *p, const X509_NAME *subj)
{
	memset(p, 0, sizeof(*p));
	p->kind = CA_CERT_ROOT;
	p->subject = subj;
	ck_assert_ok(ca_serial_random(p->serial));
	p->not_before = T_2025;
	p->not_after = T_2025 + 86400 * 365;
	p->path_len = -1;
	p->key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
}

static X509 *
build(const struct ca_cert_params *p, EVP_PKEY *subj, EVP_PKEY *iss)
{
	X509 *x = NULL;

	ck_assert_ok(ca_cert_build(p, subj, iss, &x));
	ck_assert_ptr_nonnull(x);
	return x;
}

/* RFC 7093 2 method 1, computed here independently of certgen.c. */
static void
expected_keyid(EVP_PKEY *k, unsigned char out[20])
{
	unsigned char *der = NULL, md[32];
	const unsigned char *p;
	X509_PUBKEY *xpk;
	const unsigned char *bits;
	int n, blen;

	n = i2d_PUBKEY(k, &der);
	ck_assert_int_gt(n, 0);
	p = der;
	xpk = d2i_X509_PUBKEY(NULL, &p, n);
	ck_assert_ptr_nonnull(xpk);
	ck_assert_int_eq(X509_PUBKEY_get0_param(NULL, &bits, &blen, NULL,
	    xpk), 1);
	ck_assert_int_eq(EVP_Digest(bits, (size_t)blen, md, NULL,
	    EVP_sha256(), NULL), 1);
	memcpy(out, md, 20);
	X509_PUBKEY_free(xpk);
	OPENSSL_free(der);
}

static X509_EXTENSION *
ext_of(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	ck_assert_msg(i >= 0, "extension %s missing", OBJ_nid2sn(nid));
	/* Exactly one of each. */
	ck_assert_int_lt(X509_get_ext_by_NID(x, nid, i), 0);
	return X509_get_ext(x, i);
}

START_TEST(serial_random_is_positive_and_full_length)
{
	unsigned char s[CA_SERIAL_LEN], prev[CA_SERIAL_LEN];
	int i;

	memset(prev, 0, sizeof(prev));
	for (i = 0; i < 2000; i++) {
		ck_assert_ok(ca_serial_random(s));
		ck_assert_msg((s[0] & 0x80) == 0, "serial is negative");
		ck_assert_msg(s[0] != 0, "leading zero octet");
		ck_assert_msg(memcmp(s, prev, sizeof(s)) != 0, "repeated");
		memcpy(prev, s, sizeof(s));
	}
}
END_TEST

START_TEST(root_cert_fields)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	X509 *x;
	const ASN1_INTEGER *sn;
	BIGNUM *bn;
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *aki;
	unsigned char want[20], der[CA_SERIAL_LEN];
	int crit = -1, i;

	root_params(&p, subj);
	x = build(&p, k, NULL);

	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	/* Serial: 16 octets, exactly the bytes asked for, positive. */
	sn = X509_get0_serialNumber(x);
	ck_assert_int_eq(ASN1_STRING_type(sn), V_ASN1_INTEGER);
	ck_assert_int_eq(ASN1_STRING_length(sn), CA_SERIAL_LEN);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	ck_assert_ptr_nonnull(bn);
	ck_assert_int_eq(BN_is_negative(bn), 0);
	ck_assert_int_eq(BN_bn2binpad(bn, der, CA_SERIAL_LEN), CA_SERIAL_LEN);
	ck_assert_int_eq(memcmp(der, p.serial, CA_SERIAL_LEN), 0);
	BN_free(bn);

	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), subj), 0);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x), subj), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x),
	    p.not_before), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x),
	    p.not_after), 0);
	ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(x), k), 1);

	/* basicConstraints: critical, cA, no pathLen for path_len -1. */
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_basic_constraints)), 1);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert_int_ne(bc->ca, 0);
	ck_assert_ptr_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);

	/* keyUsage: critical, exactly keyCertSign and cRLSign. */
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_key_usage)), 1);
	ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	ck_assert_ptr_nonnull(ku);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(ASN1_BIT_STRING_get_bit(ku, i),
		    i == 5 || i == 6);
	ASN1_BIT_STRING_free(ku);

	/* SKI by RFC 7093 method 1; AKI keyIdentifier equal to it. */
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_subject_key_identifier)), 0);
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_authority_key_identifier)), 0);
	expected_keyid(k, want);
	ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	ck_assert_ptr_nonnull(ski);
	ck_assert_int_eq(ASN1_STRING_length(ski), 20);
	ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(ski), want, 20), 0);
	aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	ck_assert_ptr_nonnull(aki);
	ck_assert_ptr_nonnull(aki->keyid);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(aki->keyid, ski), 0);
	ck_assert_ptr_null(aki->issuer);
	ck_assert_ptr_null(aki->serial);
	AUTHORITY_KEYID_free(aki);
	ASN1_OCTET_STRING_free(ski);

	/* BR 7.1.2.1.2: no EKU on a root; nothing else either. */
	ck_assert_int_lt(X509_get_ext_by_NID(x, NID_ext_key_usage, -1), 0);
	ck_assert_int_eq(X509_get_ext_count(x), 4);

	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

START_TEST(root_cert_path_len)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	BASIC_CONSTRAINTS *bc;
	X509 *x;

	root_params(&p, subj);
	p.path_len = 0;
	x = build(&p, k, NULL);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert_ptr_nonnull(bc->pathlen);
	ck_assert_int_eq(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

START_TEST(log_signer_fields)
{
	X509_NAME *subj = name_cn("Log Signer"), *iss = name_cn("Test Root");
	EVP_PKEY *ca = soft_key(CA_ALG_P256), *lk = soft_key(CA_ALG_P384);
	struct ca_cert_params p;
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	AUTHORITY_KEYID *aki;
	ASN1_OCTET_STRING *ski;
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *want;
	unsigned char cakid[20], lkid[20];
	X509 *x;
	int i;

	root_params(&p, subj);
	p.kind = CA_CERT_LOG_SIGNER;
	p.issuer = iss;
	p.key_usage = CA_KU_DIGITAL_SIGNATURE;
	x = build(&p, lk, ca);

	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x), iss), 0);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), subj), 0);
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_basic_constraints)), 1);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert_int_eq(bc->ca, 0);
	BASIC_CONSTRAINTS_free(bc);
	ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	ck_assert_ptr_nonnull(ku);
	for (i = 0; i < 9; i++)
		ck_assert_int_eq(ASN1_BIT_STRING_get_bit(ku, i), i == 0);
	ASN1_BIT_STRING_free(ku);

	/* AKI names the issuer's key, SKI the subject's. */
	expected_keyid(ca, cakid);
	expected_keyid(lk, lkid);
	aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	ck_assert_ptr_nonnull(aki);
	ck_assert_int_eq(ASN1_STRING_length(aki->keyid), 20);
	ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(aki->keyid), cakid,
	    20), 0);
	AUTHORITY_KEYID_free(aki);
	ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	ck_assert_ptr_nonnull(ski);
	ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(ski), lkid, 20), 0);
	ASN1_OCTET_STRING_free(ski);

	/* Exactly one EKU: ceremonyLogSigning, not critical. */
	ck_assert_int_eq(X509_EXTENSION_get_critical(
	    ext_of(x, NID_ext_key_usage)), 0);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	ck_assert_ptr_nonnull(eku);
	ck_assert_int_eq(sk_ASN1_OBJECT_num(eku), 1);
	want = OBJ_txt2obj(CA_OID_LOG_SIGNING, 1);
	ck_assert_int_eq(OBJ_cmp(sk_ASN1_OBJECT_value(eku, 0), want), 0);
	ASN1_OBJECT_free(want);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ck_assert_int_eq(X509_get_ext_count(x), 5);

	X509_free(x);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(lk);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
}
END_TEST

/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
START_TEST(validity_encoding_switches_at_2050)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	const ASN1_TIME *nb, *na;
	X509 *x;

	root_params(&p, subj);
	p.not_before = T_2049_END;
	p.not_after = T_2050;
	x = build(&p, k, NULL);
	nb = X509_get0_notBefore(x);
	na = X509_get0_notAfter(x);
	ck_assert_int_eq(ASN1_STRING_type(nb), V_ASN1_UTCTIME);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(nb),
	    "491231235959Z");
	ck_assert_int_eq(ASN1_STRING_type(na), V_ASN1_GENERALIZEDTIME);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(na),
	    "20500101000000Z");
	X509_free(x);

	p.not_before = T_2025;
	p.not_after = T_2025 + 86400;
	x = build(&p, k, NULL);
	ck_assert_int_eq(ASN1_STRING_type(X509_get0_notAfter(x)),
	    V_ASN1_UTCTIME);
	ck_assert_str_eq((const char *)ASN1_STRING_get0_data(
	    X509_get0_notAfter(x)), "250102000000Z");
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

START_TEST(keygen_soft_types)
{
	EVP_PKEY *k = NULL;

	k = soft_key(CA_ALG_P256);
	ck_assert_int_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 256);
	EVP_PKEY_free(k);
	k = soft_key(CA_ALG_P384);
	ck_assert_int_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 384);
	EVP_PKEY_free(k);
	k = soft_key(CA_ALG_RSA3072);
	ck_assert_int_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_RSA);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 3072);
	EVP_PKEY_free(k);
	k = (EVP_PKEY *)1;
	ck_assert_err(ca_keygen_soft((enum ca_keyalg)99, &k), CA_ERR_ALGORITHM);
	ck_assert_ptr_null(k);
}
END_TEST

/* SHA-384 for P-384 and RSA >= 4096, SHA-256 for P-256 and RSA 3072. */
START_TEST(md_per_key_type)
{
	EVP_PKEY *k;

	k = soft_key(CA_ALG_P256);
	ck_assert_ptr_eq(ca_md_for_key(k), EVP_sha256());
	EVP_PKEY_free(k);
	k = soft_key(CA_ALG_P384);
	ck_assert_ptr_eq(ca_md_for_key(k), EVP_sha384());
	EVP_PKEY_free(k);
	k = soft_key(CA_ALG_RSA3072);
	ck_assert_ptr_eq(ca_md_for_key(k), EVP_sha256());
	EVP_PKEY_free(k);
	k = soft_key(CA_ALG_RSA4096);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), 4096);
	ck_assert_ptr_eq(ca_md_for_key(k), EVP_sha384());
	EVP_PKEY_free(k);
	/* Curves and key types outside the toolkit get no digest. */
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_null(ca_md_for_key(k));
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_null(ca_md_for_key(k));
	EVP_PKEY_free(k);

	ck_assert_ptr_eq(ca_md_for_alg(CA_ALG_P256), EVP_sha256());
	ck_assert_ptr_eq(ca_md_for_alg(CA_ALG_P384), EVP_sha384());
	ck_assert_ptr_eq(ca_md_for_alg(CA_ALG_RSA3072), EVP_sha256());
	ck_assert_ptr_eq(ca_md_for_alg(CA_ALG_RSA4096), EVP_sha384());
	ck_assert_ptr_null(ca_md_for_alg((enum ca_keyalg)0));
}
END_TEST

START_TEST(sign_and_verify)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P384), *other = soft_key(CA_ALG_P384);
	EVP_PKEY *ed;
	struct ca_cert_params p;
	struct ca_errbuf eb;
	int mdnid = 0, pknid = 0;
	X509 *x;

	root_params(&p, subj);
	x = build(&p, k, NULL);
	ck_assert_err(ca_cert_sign(x, k, NULL, &eb), CA_ERR_ALGORITHM);
	ck_assert_ok(ca_cert_sign(x, k, ca_md_for_key(k), &eb));
	ck_assert_int_eq(OBJ_find_sigid_algs(X509_get_signature_nid(x),
	    &mdnid, &pknid), 1);
	ck_assert_int_eq(mdnid, NID_sha384);
	ck_assert_ok(ca_cert_verify(x, k));
	ck_assert_err(ca_cert_verify(x, other), CA_ERR_VERIFY);
	ck_assert_int_eq(ERR_peek_error(), 0);

	/* A key that cannot sign with a digest fails inside OpenSSL. */
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(ed);
	eb.msg[0] = '\0';
	ck_assert_err(ca_cert_sign(x, ed, EVP_sha256(), &eb), CA_ERR_CRYPTO);
	ck_assert_msg(strstr(eb.msg, "signing the certificate failed") !=
	    NULL, "detail: %s", eb.msg);
	ck_assert_int_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(ed);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	X509_NAME_free(subj);
}
END_TEST

/*
 * The draft signed by a software key and the final one signed on the
 * token differ only in key-dependent fields; anything else is caught.
 */
START_TEST(same_tbs_ignores_only_key_fields)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k1 = soft_key(CA_ALG_P256), *k2 = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	struct ca_errbuf eb;
	X509 *a, *b;

	root_params(&p, subj);
	a = build(&p, k1, NULL);
	b = build(&p, k2, NULL);
	ck_assert_ok(ca_cert_sign(a, k1, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_sign(b, k2, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_same_tbs(a, b, &eb));
	ck_assert_ok(ca_cert_same_tbs(a, a, &eb));
	X509_free(b);
	X509_free(a);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	X509_NAME_free(subj);
}
END_TEST

/*
 * A draft signed by ca_keygen_stamp's key carries the very signature
 * algorithm the issuer's own key gives: same TBS for each issuer type,
 * including RSA-4096, whose SHA-384 does not fit a 512-bit key.
 */
START_TEST(stamp_key_matches_issuer)
{
	static const enum ca_keyalg algs[] = { CA_ALG_P256, CA_ALG_P384,
	    CA_ALG_RSA3072, CA_ALG_RSA4096 };
	X509_NAME *subj = name_cn("Test Sub"), *iss = name_cn("Test Root");
	EVP_PKEY *subject = soft_key(CA_ALG_P256), *issuer, *stamp, *ed;
	struct ca_cert_params p;
	struct ca_errbuf eb;
	X509 *real, *draft;
	size_t i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		issuer = soft_key(algs[i]);
		ck_assert_ok(ca_keygen_stamp(issuer, &stamp));
		ck_assert_int_eq(EVP_PKEY_get_base_id(stamp),
		    EVP_PKEY_get_base_id(issuer));
		ck_assert_int_lt(EVP_PKEY_get_bits(stamp),
		    EVP_PKEY_get_bits(issuer) + 1);
		root_params(&p, subj);
		p.kind = CA_CERT_SUB;
		p.issuer = iss;
		p.path_len = 0;
		real = build(&p, subject, issuer);
		draft = build(&p, subject, issuer);
		ck_assert_ok(ca_cert_sign(real, issuer, ca_md_for_key(issuer),
		    NULL));
		eb.msg[0] = '\0';
		ck_assert_msg(ca_cert_sign(draft, stamp, ca_md_for_key(issuer),
		    &eb) == 0, "alg %d: %s", (int)algs[i], eb.msg);
		ck_assert_msg(ca_cert_same_tbs(draft, real, &eb) == 0,
		    "alg %d: %s", (int)algs[i], eb.msg);
		ck_assert_int_eq(X509_ALGOR_cmp(X509_get0_tbs_sigalg(draft),
		    X509_get0_tbs_sigalg(real)), 0);
		X509_free(real);
		X509_free(draft);
		EVP_PKEY_free(stamp);
		EVP_PKEY_free(issuer);
	}
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(ed);
	stamp = NULL;
	ck_assert_err(ca_keygen_stamp(ed, &stamp), CA_ERR_ALGORITHM);
	ck_assert_ptr_null(stamp);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(subject);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
}
END_TEST

/* One field of the second certificate differs; name it. */
static void
tbs_differs(void (*mutate)(struct ca_cert_params *, X509_NAME *),
    const EVP_MD *md2, const char *want)
{
	X509_NAME *subj = name_cn("Test Root"), *alt = name_cn("Other Root");
	EVP_PKEY *k1 = soft_key(CA_ALG_P256), *k2 = soft_key(CA_ALG_P256);
	struct ca_cert_params p, q;
	struct ca_errbuf eb;
	X509 *a, *b;

	root_params(&p, subj);
	q = p;
	if (mutate != NULL)
		mutate(&q, alt);
	a = build(&p, k1, NULL);
	b = build(&q, k2, NULL);
	ck_assert_ok(ca_cert_sign(a, k1, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_sign(b, k2, md2, NULL));
	eb.msg[0] = '\0';
	ck_assert_err(ca_cert_same_tbs(a, b, &eb), CA_ERR_VERIFY);
	ck_assert_msg(strcmp(eb.msg, want) == 0, "detail \"%s\", wanted "
	    "\"%s\"", eb.msg, want);
	eb.msg[0] = '\0';
	ck_assert_err(ca_cert_same_tbs(b, a, &eb), CA_ERR_VERIFY);
	ck_assert_str_eq(eb.msg, want);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	X509_NAME_free(subj);
	X509_NAME_free(alt);
}

static void
mut_serial(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->serial[CA_SERIAL_LEN - 1] ^= 1;
}

static void
mut_subject(struct ca_cert_params *q, X509_NAME *alt)
{
	/* Issuer stays the old subject, so only the subject differs. */
	q->issuer = q->subject;
	q->subject = alt;
}

static void
mut_issuer(struct ca_cert_params *q, X509_NAME *alt)
{
	q->issuer = alt;
}

static void
mut_not_before(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->not_before++;
}

static void
mut_not_after(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->not_after--;
}

static void
mut_path_len(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->path_len = 1;
}

static void
mut_key_usage(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->key_usage |= CA_KU_DIGITAL_SIGNATURE;
}

static void
mut_kind(struct ca_cert_params *q, X509_NAME *alt)
{
	(void)alt;
	q->kind = CA_CERT_LOG_SIGNER;
}

START_TEST(same_tbs_detects_serial)
{
	tbs_differs(mut_serial, EVP_sha256(), "serial number differs");
}
END_TEST

START_TEST(same_tbs_detects_subject)
{
	tbs_differs(mut_subject, EVP_sha256(), "subject differs");
}
END_TEST

START_TEST(same_tbs_detects_issuer)
{
	tbs_differs(mut_issuer, EVP_sha256(), "issuer differs");
}
END_TEST

START_TEST(same_tbs_detects_validity)
{
	tbs_differs(mut_not_before, EVP_sha256(), "validity differs");
	tbs_differs(mut_not_after, EVP_sha256(), "validity differs");
}
END_TEST

START_TEST(same_tbs_detects_extensions)
{
	tbs_differs(mut_path_len, EVP_sha256(), "extensions differ");
	tbs_differs(mut_key_usage, EVP_sha256(), "extensions differ");
	tbs_differs(mut_kind, EVP_sha256(), "extensions differ");
}
END_TEST

START_TEST(same_tbs_detects_signature_algorithm)
{
	tbs_differs(NULL, EVP_sha384(), "signature algorithm differs");
}
END_TEST

START_TEST(same_tbs_detects_version)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	struct ca_errbuf eb;
	X509 *a, *b;

	root_params(&p, subj);
	a = build(&p, k, NULL);
	b = build(&p, k, NULL);
	ck_assert_int_eq(X509_set_version(b, X509_VERSION_2), 1);
	ck_assert_ok(ca_cert_sign(a, k, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_sign(b, k, EVP_sha256(), NULL));
	ck_assert_err(ca_cert_same_tbs(a, b, &eb), CA_ERR_VERIFY);
	ck_assert_str_eq(eb.msg, "version differs");
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

/* An extension added, or one of the key-dependent ones dropped. */
START_TEST(same_tbs_detects_extension_count)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	struct ca_errbuf eb;
	X509_EXTENSION *e;
	X509 *a, *b;

	root_params(&p, subj);
	a = build(&p, k, NULL);
	b = build(&p, k, NULL);
	e = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, "extra");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(X509_add_ext(b, e, -1), 1);
	X509_EXTENSION_free(e);
	ck_assert_err(ca_cert_same_tbs(a, b, &eb), CA_ERR_VERIFY);
	ck_assert_str_eq(eb.msg, "extensions differ");
	ck_assert_err(ca_cert_same_tbs(b, a, &eb), CA_ERR_VERIFY);
	X509_free(b);

	/* Dropping SKI alone is a key-dependent difference: still equal. */
	b = build(&p, k, NULL);
	X509_EXTENSION_free(X509_delete_ext(b,
	    X509_get_ext_by_NID(b, NID_subject_key_identifier, -1)));
	ck_assert_ok(ca_cert_same_tbs(a, b, &eb));
	X509_free(b);
	X509_free(a);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

START_TEST(fingerprints)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	unsigned char md[32], *der = NULL;
	char hex[65], want[65];
	unsigned int n = 0;
	int i, len;
	X509 *x;

	root_params(&p, subj);
	x = build(&p, k, NULL);
	ck_assert_ok(ca_cert_sign(x, k, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_sha256(x, hex));
	ck_assert_int_eq(X509_digest(x, EVP_sha256(), md, &n), 1);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	ck_assert_str_eq(hex, want);

	len = i2d_PUBKEY(k, &der);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(),
	    NULL), 1);
	OPENSSL_free(der);
	for (i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	ck_assert_ok(ca_spki_sha256(k, hex));
	ck_assert_str_eq(hex, want);
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

START_TEST(pem_round_trip_and_load_errors)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	struct ca_errbuf eb;
	X509 *x, *y = NULL;
	char *pem = NULL;
	size_t len = 0;

	tu_tmpdir(dir);
	root_params(&p, subj);
	x = build(&p, k, NULL);
	ck_assert_ok(ca_cert_sign(x, k, EVP_sha256(), NULL));
	ck_assert_ok(ca_cert_pem(x, &pem, &len));
	ck_assert_uint_eq(strlen(pem), len);
	ck_assert_msg(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0,
	    "not PEM: %.40s", pem);

	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	tu_write(path, pem, len);
	ck_assert_ok(ca_cert_load(path, &y, &eb));
	ck_assert_int_eq(X509_cmp(x, y), 0);
	X509_free(y);

	snprintf(path, sizeof(path), "%s/missing.pem", dir);
	y = (X509 *)1;
	ck_assert_err(ca_cert_load(path, &y, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(y);

	snprintf(path, sizeof(path), "%s/junk.pem", dir);
	tu_write(path, "not a certificate\n", 18);
	eb.msg[0] = '\0';
	ck_assert_err(ca_cert_load(path, &y, &eb), CA_ERR_CRYPTO);
	ck_assert_ptr_null(y);
	ck_assert_msg(strstr(eb.msg, "not a PEM certificate") != NULL,
	    "detail: %s", eb.msg);
	ck_assert_int_eq(ERR_peek_error(), 0);

	free(pem);
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
	tu_rmrf(dir);
}
END_TEST

START_TEST(serial_hex_values)
{
	X509_NAME *subj = name_cn("Test Root");
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	struct ca_cert_params p;
	ASN1_INTEGER *ai;
	BIGNUM *bn;
	char hex[41], want[41];
	X509 *x;
	int i;

	root_params(&p, subj);
	x = build(&p, k, NULL);
	ck_assert_ok(ca_serial_hex(x, hex));
	for (i = 0; i < CA_SERIAL_LEN; i++)
		snprintf(want + 2 * i, 3, "%02x", p.serial[i]);
	ck_assert_str_eq(hex, want);

	/* Zero, negative and over-long serials are refused. */
	ai = ASN1_INTEGER_new();
	ck_assert_int_eq(ASN1_INTEGER_set(ai, 0), 1);
	ck_assert_int_eq(X509_set_serialNumber(x, ai), 1);
	ck_assert_err(ca_serial_hex(x, hex), CA_ERR_CRYPTO);
	ck_assert_int_eq(ASN1_INTEGER_set(ai, -5), 1);
	ck_assert_int_eq(X509_set_serialNumber(x, ai), 1);
	ck_assert_err(ca_serial_hex(x, hex), CA_ERR_CRYPTO);
	ASN1_INTEGER_free(ai);
	bn = BN_new();
	ck_assert_int_eq(BN_set_bit(bn, 20 * 8), 1);	/* 21 octets */
	ai = BN_to_ASN1_INTEGER(bn, NULL);
	ck_assert_int_eq(X509_set_serialNumber(x, ai), 1);
	ck_assert_err(ca_serial_hex(x, hex), CA_ERR_CRYPTO);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(k);
	X509_NAME_free(subj);
}
END_TEST

/*
 * A batch copies each request's subjectPublicKeyInfo field by field and
 * its key identifier from ca_key_id: the certificate must be byte for
 * byte the one built from the decoded key.
 */
START_TEST(spki_copy_matches_key)
{
	static const char *const algs[] = { "P-256", "P-384", "RSA" };
	struct ca_cert_params p;
	X509_NAME *n = X509_NAME_new();
	EVP_PKEY *key, *ca;
	X509_PUBKEY *xp = NULL;
	ASN1_OCTET_STRING *kid = NULL;
	X509 *a = NULL, *b = NULL;
	unsigned char *da = NULL, *db = NULL;
	int la, lb;
	size_t i;

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"dev", -1, -1, 0), 1);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &ca));
	for (i = 0; i < 3; i++) {
		key = i < 2 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", algs[i]) :
		    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		ck_assert_ptr_nonnull(key);
		ck_assert_int_eq(X509_PUBKEY_set(&xp, key), 1);
		ck_assert_ok(ca_key_id(xp, &kid));
		memset(&p, 0, sizeof(p));
		p.kind = CA_CERT_DEVICE;
		p.subject = n;
		p.issuer = n;
		memset(p.serial, 0x42, sizeof(p.serial));
		p.not_before = T_2025;
		p.not_after = T_2025 + 86400;
		p.path_len = -1;
		p.key_usage = CA_KU_DIGITAL_SIGNATURE;
		ck_assert_ok(ca_cert_build(&p, key, ca, &a));
		p.spki = xp;
		p.ski = kid;
		ck_assert_ok(ca_cert_build(&p, NULL, ca, &b));
		ck_assert_int_gt(X509_sign(a, ca, EVP_sha256()), 0);
		ck_assert_int_gt(X509_sign(b, ca, EVP_sha256()), 0);
		la = i2d_re_X509_tbs(a, &da);
		lb = i2d_re_X509_tbs(b, &db);
		ck_assert_int_gt(la, 0);
		ck_assert_int_eq(la, lb);
		ck_assert_mem_eq(da, db, (size_t)la);
		/* RFC 7093 method 1, as the decoded key gives it. */
		ck_assert_int_eq(ASN1_OCTET_STRING_cmp(kid,
		    X509_get0_subject_key_id(a)), 0);
		/* Not decoded: the caller has the key (certgen.h). */
		ck_assert_ptr_null(X509_get0_pubkey(b));
		OPENSSL_free(da);
		OPENSSL_free(db);
		da = db = NULL;
		X509_free(a);
		X509_free(b);
		ASN1_OCTET_STRING_free(kid);
		X509_PUBKEY_free(xp);
		xp = NULL;
		EVP_PKEY_free(key);
	}
	EVP_PKEY_free(ca);
	X509_NAME_free(n);
}
END_TEST

static Suite *
certgen_suite(void)
{
	Suite *s = suite_create("certgen");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);

	/* RSA 4096 software generation takes a few seconds. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, serial_random_is_positive_and_full_length);
	tcase_add_test(tc, root_cert_fields);
	tcase_add_test(tc, root_cert_path_len);
	tcase_add_test(tc, log_signer_fields);
	tcase_add_test(tc, validity_encoding_switches_at_2050);
	tcase_add_test(tc, keygen_soft_types);
	tcase_add_test(tc, md_per_key_type);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, same_tbs_ignores_only_key_fields);
	tcase_add_test(tc, stamp_key_matches_issuer);
	tcase_add_test(tc, same_tbs_detects_serial);
	tcase_add_test(tc, same_tbs_detects_subject);
	tcase_add_test(tc, same_tbs_detects_issuer);
	tcase_add_test(tc, same_tbs_detects_validity);
	tcase_add_test(tc, same_tbs_detects_extensions);
	tcase_add_test(tc, same_tbs_detects_signature_algorithm);
	tcase_add_test(tc, same_tbs_detects_version);
	tcase_add_test(tc, same_tbs_detects_extension_count);
	tcase_add_test(tc, fingerprints);
	tcase_add_test(tc, pem_round_trip_and_load_errors);
	tcase_add_test(tc, serial_hex_values);
	tcase_add_test(tc, spki_copy_matches_key);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(certgen_suite)
