/*
 * check_sign.c: signing through a callback with a software key, the
 * signature algorithm identifiers, and signed structures put together
 * from their parts (lib/sign.c).
 */
#include "check_util.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "sign.h"

static const unsigned char msg[] = "tbsCertList, say";

static EVP_PKEY *
key(const char *kind)
{
	EVP_PKEY *k;

	if (strcmp(kind, "ed25519") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (strcmp(kind, "rsa") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind);
	ck_assert_ptr_nonnull(k);
	return k;
}

static int
verifies(EVP_PKEY *k, const EVP_MD *md, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(c, NULL, md, NULL, k) == 1 &&
	    EVP_DigestVerify(c, sig, siglen, data, len) == 1;

	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

static void
both_ways(const char *kind, const EVP_MD *md)
{
	EVP_PKEY *k = key(kind), *other = key(kind);
	unsigned char *sig = NULL, dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t siglen = 0;
	struct ca_errbuf eb = { 0 };

	/* Over the data. */
	ck_assert_ok(ca_sign_evp(k, md, msg, sizeof(msg), &sig, &siglen,
	    &eb));
	ck_assert(verifies(k, md, msg, sizeof(msg), sig, siglen));
	ck_assert(!verifies(other, md, msg, sizeof(msg), sig, siglen));
	ck_assert(!verifies(k, md, msg, sizeof(msg) - 1, sig, siglen));
	OPENSSL_free(sig);
	/* Over its digest: the same signature scheme, so it verifies so. */
	ck_assert_int_eq(EVP_Digest(msg, sizeof(msg), dg, &dlen, md, NULL),
	    1);
	ck_assert_ok(ca_sign_evp_digest(k, md, dg, dlen, &sig, &siglen,
	    &eb));
	ck_assert(verifies(k, md, msg, sizeof(msg), sig, siglen));
	ck_assert(!verifies(other, md, msg, sizeof(msg), sig, siglen));
	OPENSSL_free(sig);
	ck_assert_int_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

START_TEST(ec_p256_sha256)
{
	both_ways("P-256", EVP_sha256());
}
END_TEST

START_TEST(ec_p384_sha384)
{
	both_ways("P-384", EVP_sha384());
}
END_TEST

START_TEST(rsa_sha256)
{
	both_ways("rsa", EVP_sha256());
}
END_TEST

/* A key that cannot sign with a digest fails cleanly, with a reason. */
START_TEST(refused_keys)
{
	EVP_PKEY *ed = key("ed25519");
	unsigned char *sig = (unsigned char *)1, dg[32] = { 0 };
	size_t siglen = 0;
	struct ca_errbuf eb = { 0 };

	ck_assert_err(ca_sign_evp(ed, EVP_sha256(), msg, sizeof(msg), &sig,
	    &siglen, &eb), CA_ERR_CRYPTO);
	ck_assert_ptr_null(sig);
	ck_assert_ptr_nonnull(strstr(eb.msg, "software key"));
	sig = (unsigned char *)1;
	ck_assert_err(ca_sign_evp_digest(ed, EVP_sha256(), dg, sizeof(dg),
	    &sig, &siglen, &eb), CA_ERR_CRYPTO);
	ck_assert_ptr_null(sig);
	ck_assert_int_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(ed);
}
END_TEST

static void
algor_is(EVP_PKEY *k, const EVP_MD *md, const unsigned char *want,
    size_t wlen)
{
	unsigned char *der = NULL;
	int len = 0;

	ck_assert_ok(ca_sign_algor(k, md, &der, &len));
	ck_assert_int_eq(len, (int)wlen);
	ck_assert_mem_eq(der, want, wlen);
	OPENSSL_free(der);
}

/* RFC 5758 3.2 (no parameters) and RFC 4055 5 (NULL parameters). */
START_TEST(algorithm_identifiers)
{
	static const unsigned char ecdsa256[] = { 0x30, 0x0a, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	static const unsigned char ecdsa384[] = { 0x30, 0x0a, 0x06, 0x08,
	    0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
	static const unsigned char rsa256[] = { 0x30, 0x0d, 0x06, 0x09,
	    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const unsigned char rsa384[] = { 0x30, 0x0d, 0x06, 0x09,
	    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
	EVP_PKEY *ec = key("P-256"), *rsa = key("rsa"), *ed = key("ed25519");
	unsigned char *der = (unsigned char *)1;
	int len = 0;

	algor_is(ec, EVP_sha256(), ecdsa256, sizeof(ecdsa256));
	algor_is(ec, EVP_sha384(), ecdsa384, sizeof(ecdsa384));
	algor_is(rsa, EVP_sha256(), rsa256, sizeof(rsa256));
	algor_is(rsa, EVP_sha384(), rsa384, sizeof(rsa384));
	ck_assert_err(ca_sign_algor(ec, EVP_sha1(), &der, &len),
	    CA_ERR_ALGORITHM);
	ck_assert_ptr_null(der);
	ck_assert_err(ca_sign_algor(ed, EVP_sha256(), &der, &len),
	    CA_ERR_ALGORITHM);
	ck_assert_err(ca_sign_algor(NULL, EVP_sha256(), &der, &len),
	    CA_ERR_ALGORITHM);
	ck_assert_int_eq(ERR_peek_error(), 0);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
}
END_TEST

/*
 * A certificate taken apart (tbs, algorithm, signature) and put together
 * again is the same bytes; and lengths in every DER form come out right.
 */
START_TEST(assemble)
{
	EVP_PKEY *k = key("P-256");
	X509 *x = X509_new();
	const X509_ALGOR *alg = NULL;
	const ASN1_BIT_STRING *sig = NULL;
	unsigned char *tbs = NULL, *algd = NULL, *orig = NULL, *out = NULL,
	    *big;
	size_t outlen = 0, sizes[] = { 0, 100, 300, 70000 };
	int tl, al, ol;
	size_t i;

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ck_assert_int_eq(X509_set_pubkey(x, k), 1);
	ck_assert_int_eq(X509_sign(x, k, EVP_sha256()) > 0, 1);
	ck_assert_int_gt(tl = i2d_re_X509_tbs(x, &tbs), 0);
	X509_get0_signature(&sig, &alg, x);
	ck_assert_int_gt(al = i2d_X509_ALGOR(alg, &algd), 0);
	ck_assert_int_gt(ol = i2d_X509(x, &orig), 0);
	ck_assert_ok(ca_sign_assemble(tbs, (size_t)tl, algd, (size_t)al,
	    ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
	    &out, &outlen));
	ck_assert_uint_eq(outlen, (size_t)ol);
	ck_assert_mem_eq(out, orig, outlen);
	free(out);

	/* Short, one-octet, two-octet and three-octet lengths. */
	ck_assert_ptr_nonnull(big = calloc(1, 70000));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const unsigned char *p;
		long len;
		int tag, cls;

		ck_assert_ok(ca_sign_assemble(tbs, (size_t)tl, algd,
		    (size_t)al, big, sizes[i], &out, &outlen));
		p = out;
		ck_assert_int_eq(ASN1_get_object(&p, &len, &tag, &cls,
		    (long)outlen) & 0x80, 0);
		ck_assert_int_eq(tag, V_ASN1_SEQUENCE);
		ck_assert_uint_eq((size_t)(p - out) + (size_t)len, outlen);
		ck_assert_uint_eq(outlen, (size_t)(p - out) + (size_t)tl +
		    (size_t)al + 1 + (sizes[i] + 1 < 0x80 ? 1 :
		    sizes[i] + 1 < 0x100 ? 2 : sizes[i] + 1 < 0x10000 ? 3 : 4) +
		    1 + sizes[i]);
		free(out);
	}
	free(big);
	OPENSSL_free(tbs);
	OPENSSL_free(algd);
	OPENSSL_free(orig);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("sign");

	tcase_add_test(tc, ec_p256_sha256);
	tcase_add_test(tc, ec_p384_sha384);
	tcase_add_test(tc, rsa_sha256);
	tcase_add_test(tc, refused_keys);
	tcase_add_test(tc, algorithm_identifiers);
	tcase_add_test(tc, assemble);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(sign_suite)
