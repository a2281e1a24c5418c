/*
 * check_csr.c: PKCS#10 requests and the key policy (lib/csr.c): parsing
 * PEM and DER strictly, every kind of key, proof of possession over the
 * bytes as received, the extensions a request asks for, which keys a CA
 * may certify, building a request, and reading a certificate in either
 * encoding.
 */
#include "check_util.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "csr.h"
#include "dn.h"
#include "profile.h"

#define T0 ((time_t)1767225600)		/* 2026-01-01T00:00:00Z */
#define SUBJECT "CN=Plant Issuing CA,O=Acme,C=DE"

static EVP_PKEY *
soft_key(enum ca_keyalg alg)
{
	EVP_PKEY *k = NULL;

	ck_assert_ok(ca_keygen_soft(alg, &k));
	return k;
}

static EVP_PKEY *
ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	ck_assert_msg(k != NULL, "no %s key", curve);
	return k;
}

/*
 * A software key of type ("RSA" or "RSA-PSS") of bits with public
 * exponent e (fast sizes only).
 */
static EVP_PKEY *
rsa_type_key(const char *type, unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *bn = BN_new();

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(BN_set_word(bn, e), 1);
	ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, bn), 1);
	ck_assert_int_eq(EVP_PKEY_keygen(c, &k), 1);
	EVP_PKEY_CTX_free(c);
	BN_free(bn);
	return k;
}

static EVP_PKEY *
rsa_key(unsigned bits, unsigned long e)
{
	return rsa_type_key("RSA", bits, e);
}

static X509_NAME *
subject(const char *s)
{
	X509_NAME *n = NULL;

	ck_assert_ok(ca_dn_parse(s, &n, NULL));
	return n;
}

/* A good request for key, signed by itself. */
static X509_REQ *
make_req(EVP_PKEY *key)
{
	X509_NAME *n = subject(SUBJECT);
	X509_REQ *req = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_csr_build(n, key, ca_sign_evp, key,
	    ca_md_for_key(key), &req, &eb) == 0, "build: %s", eb.msg);
	X509_NAME_free(n);
	return req;
}

static unsigned char *
req_der(X509_REQ *req, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509_REQ(req, &der);

	ck_assert_int_gt(n, 0);
	*len = (size_t)n;
	return der;
}

/* A self-signed certificate, as the log tests make one. */
static X509 *
make_cert(EVP_PKEY *key)
{
	struct ca_cert_params p;
	X509_NAME *n = subject("CN=Some Cert");
	X509 *x = NULL;

	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_LOG_SIGNER;
	p.subject = n;
	p.issuer = n;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = T0;
	p.not_after = T0 + 86400;
	p.path_len = -1;
	p.key_usage = CA_KU_DIGITAL_SIGNATURE;
	ck_assert_ok(ca_cert_build(&p, key, key, &x));
	ck_assert_ok(ca_cert_sign(x, key, ca_md_for_key(key), NULL));
	X509_NAME_free(n);
	return x;
}

/* parse must fail with CA_ERR_CSR, leave *out NULL and say why. */
static void
csr_refused(const void *buf, size_t len)
{
	struct ca_csr *req = (struct ca_csr *)1;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_csr_parse(buf, len, &req, &eb), CA_ERR_CSR);
	ck_assert_ptr_null(req);
	ck_assert_msg(eb.msg[0] != '\0', "no reason given");
	ck_assert_int_eq(ERR_peek_error(), 0);
}

static struct ca_csr *
csr_ok(const void *buf, size_t len)
{
	struct ca_csr *req = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_csr_parse(buf, len, &req, &eb) == 0, "parse: %s",
	    eb.msg);
	ck_assert_ptr_nonnull(req);
	return req;
}

/* Build, write as PEM, read back: the same request, and it verifies. */
START_TEST(build_pem_round_trip)
{
	EVP_PKEY *k = soft_key(CA_ALG_P384);
	X509_REQ *req = make_req(k);
	struct ca_csr *back;
	char *pem = NULL, *s = NULL;
	size_t len = 0;
	const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	const char tail[] = "-----END CERTIFICATE REQUEST-----\n";

	ck_assert_int_eq(X509_REQ_get_version(req), X509_REQ_VERSION_1);
	ck_assert_int_eq(X509_REQ_get_signature_nid(req),
	    NID_ecdsa_with_SHA384);
	ck_assert_ok(ca_csr_pem(req, &pem, &len));
	ck_assert_uint_eq(len, strlen(pem));
	ck_assert_int_eq(strncmp(pem, head, sizeof(head) - 1), 0);
	ck_assert_uint_gt(len, sizeof(tail));
	ck_assert_str_eq(pem + len - (sizeof(tail) - 1), tail);

	back = csr_ok(pem, len);
	ck_assert_ok(ca_csr_check_pop(back, NULL));
	ck_assert_int_eq(EVP_PKEY_eq(back->key, k), 1);
	ck_assert_ok(ca_dn_format(back->subject, &s));
	ck_assert_str_eq(s, SUBJECT);
	/* Byte for byte the same key fields. */
	{
		unsigned char *da = NULL, *db = NULL;
		int a = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req), &da);
		int b = i2d_X509_PUBKEY(back->spki, &db);

		ck_assert_int_gt(a, 0);
		ck_assert_int_eq(a, b);
		ck_assert_int_eq(memcmp(da, db, (size_t)a), 0);
		OPENSSL_free(da);
		OPENSSL_free(db);
	}
	free(s);
	free(pem);
	ca_csr_free(back);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* The token's signature must verify with pub: another key's does not. */
START_TEST(build_refuses_wrong_signer)
{
	EVP_PKEY *pub = soft_key(CA_ALG_P256), *other = soft_key(CA_ALG_P256);
	X509_NAME *n = subject(SUBJECT);
	X509_REQ *req = (X509_REQ *)1;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_csr_build(n, pub, ca_sign_evp, other, EVP_sha256(),
	    &req, &eb),
	    CA_ERR_VERIFY);
	ck_assert_ptr_null(req);
	ck_assert_ptr_nonnull(strstr(eb.msg, "does not verify"));
	ck_assert_int_eq(ERR_peek_error(), 0);
	X509_NAME_free(n);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(parse_pem_and_der)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	struct ca_csr *back;
	unsigned char *der;
	char *pem = NULL, *buf;
	size_t dlen, plen;

	der = req_der(req, &dlen);
	back = csr_ok(der, dlen);
	ck_assert_int_eq(EVP_PKEY_eq(back->key, k), 1);
	ca_csr_free(back);

	ck_assert_ok(ca_csr_pem(req, &pem, &plen));
	/* Blank lines and CRs before the armour are fine. */
	buf = malloc(plen + 8);
	memcpy(buf, " \r\n\t\n", 5);
	memcpy(buf + 5, pem, plen);
	back = csr_ok(buf, plen + 5);
	ca_csr_free(back);

	/* The older "NEW CERTIFICATE REQUEST" armour. */
	{
		const char *b64 = strchr(pem, '\n') + 1;
		const char *end = strstr(pem, "-----END");
		char *alt;
		size_t n;

		alt = malloc(plen + 64);
		n = (size_t)sprintf(alt,
		    "-----BEGIN NEW CERTIFICATE REQUEST-----"
		    "\n%.*s-----END NEW CERTIFICATE REQUEST-----\n",
		    (int)(end - b64), b64);
		back = csr_ok(alt, n);
		ck_assert_int_eq(EVP_PKEY_eq(back->key, k), 1);
		ca_csr_free(back);
		free(alt);
	}
	/* Blank space after the block is fine; a second block is not. */
	{
		char *two = malloc(2 * plen + 4);
		struct ca_csr *none = NULL;

		memcpy(two, pem, plen);
		memcpy(two + plen, "\n \n", 3);
		back = csr_ok(two, plen + 3);
		ca_csr_free(back);
		memcpy(two + plen, pem, plen);
		ck_assert_err(ca_csr_parse((unsigned char *)two, 2 * plen,
		    &none, NULL), CA_ERR_CSR);
		ck_assert_ptr_null(none);
		free(two);
	}
	free(buf);
	free(pem);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* DER must fill the buffer exactly; anything cut short is refused. */
START_TEST(parse_der_trailing_and_truncated)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	unsigned char *der, *buf;
	size_t dlen, n;
	struct ca_errbuf eb;
	struct ca_csr *r2 = NULL;

	der = req_der(req, &dlen);
	buf = malloc(dlen + 16);
	memcpy(buf, der, dlen);
	buf[dlen] = 0x00;
	csr_refused(buf, dlen + 1);
	eb.msg[0] = '\0';
	ck_assert_err(ca_csr_parse(buf, dlen + 1, &r2, &eb), CA_ERR_CSR);
	ck_assert_ptr_nonnull(strstr(eb.msg, "1 bytes follow"));
	/* A second copy of the request after the first. */
	buf = realloc(buf, 2 * dlen);
	memcpy(buf + dlen, der, dlen);
	csr_refused(buf, 2 * dlen);
	/* Every truncation, down to one byte. */
	for (n = dlen - 1; n > 0; n--)
		csr_refused(der, n);
	csr_refused(der, 0);
	free(buf);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(parse_pem_truncated_and_wrong)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	X509 *x = make_cert(k);
	char *pem = NULL, *cpem = NULL, *alt;
	size_t plen, clen, n;

	ck_assert_ok(ca_csr_pem(req, &pem, &plen));
	/* Without its END line, and cut in the base64. */
	n = (size_t)(strstr(pem, "-----END") - pem);
	csr_refused(pem, n);
	csr_refused(pem, n / 2);
	csr_refused(pem, 12);
	/* One base64 line dropped: a shorter DER inside the armour. */
	alt = strdup(pem);
	{
		char *l1 = strchr(alt, '\n') + 1, *l2 = strchr(l1, '\n') + 1;

		memmove(l1, l2, strlen(l2) + 1);
	}
	csr_refused(alt, strlen(alt));
	free(alt);
	/* A certificate is not a request. */
	ck_assert_ok(ca_cert_pem(x, &cpem, &clen));
	csr_refused(cpem, clen);
	{
		unsigned char *der = NULL;
		int dl = i2d_X509(x, &der);

		csr_refused(der, (size_t)dl);
		OPENSSL_free(der);
	}
	/* Garbage, and text before the armour. */
	csr_refused("hello", 5);
	csr_refused("-----BEGIN ", 11);
	alt = malloc(plen + 8);
	memcpy(alt, "Req:\n", 5);
	memcpy(alt + 5, pem, plen);
	csr_refused(alt, plen + 5);
	free(alt);
	free(cpem);
	free(pem);
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* RFC 2986: version 1 (0) only; the DER is edited to say 2 (1). */
START_TEST(parse_refuses_version_2)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	struct ca_csr *back;
	unsigned char *der, *p;
	size_t dlen, i;

	der = req_der(req, &dlen);
	/* SEQ { SEQ { INTEGER 0 ...: the first 02 01 00. */
	p = NULL;
	for (i = 0; i + 2 < dlen; i++)
		if (der[i] == 0x02 && der[i + 1] == 0x01 &&
		    der[i + 2] == 0x00) {
			p = der + i + 2;
			break;
		}
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(i, 10);
	back = csr_ok(der, dlen);	/* as made: fine */
	ca_csr_free(back);
	*p = 0x01;
	csr_refused(der, dlen);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* Proof of possession: signed by another key, or changed after. */
START_TEST(pop_refused)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256), *other = soft_key(CA_ALG_P256);
	X509_NAME *n = subject(SUBJECT);
	X509_REQ *req = X509_REQ_new();
	struct ca_csr *back;
	struct ca_errbuf eb;
	unsigned char *der;
	size_t dlen;

	ck_assert_int_eq(X509_REQ_set_version(req, X509_REQ_VERSION_1), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, n), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, k), 1);
	ck_assert_int_gt(X509_REQ_sign(req, other, EVP_sha256()), 0);
	der = req_der(req, &dlen);
	back = csr_ok(der, dlen);		/* it parses, */
	eb.msg[0] = '\0';
	ck_assert_err(ca_csr_check_pop(back, &eb), CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "proof of possession"));
	ck_assert_int_eq(ERR_peek_error(), 0);
	ca_csr_free(back);
	OPENSSL_free(der);
	X509_REQ_free(req);

	/* A good request with one bit of its signature flipped. */
	req = make_req(k);
	der = req_der(req, &dlen);
	back = csr_ok(der, dlen);
	ck_assert_ok(ca_csr_check_pop(back, &eb));
	ca_csr_free(back);
	der[dlen - 3] ^= 0x01;
	back = csr_ok(der, dlen);
	ck_assert_err(ca_csr_check_pop(back, &eb), CA_ERR_VERIFY);
	ca_csr_free(back);
	OPENSSL_free(der);
	X509_REQ_free(req);

	X509_NAME_free(n);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}
END_TEST

/* A public key that cannot be decoded: no key to check PoP with. */
START_TEST(pop_undecodable_key)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	struct ca_csr *back = NULL;
	unsigned char *der, *pk = NULL, *p;
	size_t dlen, i;
	struct ca_errbuf eb;
	int pklen;

	der = req_der(req, &dlen);
	/* Find the 65-octet point and move it off the curve. */
	pklen = i2d_PublicKey(k, &pk);
	ck_assert_int_eq(pklen, 65);
	p = NULL;
	for (i = 0; i + 65 <= dlen; i++)
		if (memcmp(der + i, pk, 65) == 0)
			p = der + i;
	ck_assert_ptr_nonnull(p);
	p[64] ^= 0x01;
	/* It parses (the key is made apart from the parse), */
	back = csr_ok(der, dlen);
	eb.msg[0] = '\0';
	ck_assert_err(ca_csr_check_pop(back, &eb), CA_ERR_CSR);
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot be decoded"));
	ca_csr_free(back);
	ck_assert_int_eq(ERR_peek_error(), 0);
	OPENSSL_free(pk);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* A request for k, signed by itself with md (NULL for Ed25519), as DER. */
static unsigned char *
signed_der(EVP_PKEY *k, const EVP_MD *md, STACK_OF(X509_EXTENSION) *exts,
    size_t *len)
{
	X509_NAME *n = subject(SUBJECT);
	X509_REQ *req = X509_REQ_new();
	unsigned char *der;

	ck_assert_int_eq(X509_REQ_set_version(req, X509_REQ_VERSION_1), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, n), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, k), 1);
	if (exts != NULL)
		ck_assert_int_eq(X509_REQ_add_extensions(req, exts), 1);
	ck_assert_int_gt(X509_REQ_sign(req, k, md), 0);
	der = req_der(req, len);
	X509_REQ_free(req);
	X509_NAME_free(n);
	return der;
}

/*
 * Every kind of key comes out as the key that signed: those a profile
 * can allow made from their fields, any other by OpenSSL's decoders,
 * whose keys the policy then judges as before.
 */
START_TEST(parse_keys_of_every_kind)
{
	struct {
		const char *what;
		EVP_PKEY *k;
		const EVP_MD *md;
		const char *refused;	/* by the policy; NULL: allowed */
	} t[] = {
		{ "P-256", ec_key("P-256"), EVP_sha256(), NULL },
		{ "P-384", ec_key("P-384"), EVP_sha384(), NULL },
		{ "P-256 compressed", ec_key("P-256"), EVP_sha256(), NULL },
		{ "P-256 explicit", ec_key("P-256"), EVP_sha256(),
		    "explicit curve parameters" },
		{ "P-521", ec_key("P-521"), EVP_sha512(), "secp521r1" },
		{ "RSA", rsa_key(2048, 65537), EVP_sha256(), NULL },
		{ "RSA e=3", rsa_key(2048, 3), EVP_sha256(), "exponent" },
		{ "RSA-PSS", rsa_type_key("RSA-PSS", 2048, 65537),
		    EVP_sha256(), "RSA-PSS" },
		{ "Ed25519", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), NULL,
		    "ED25519" },
	};
	struct ca_errbuf eb;
	size_t i, len;

	ck_assert_int_eq(EVP_PKEY_set_utf8_string_param(t[2].k,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
	ck_assert_int_eq(EVP_PKEY_set_utf8_string_param(t[3].k,
	    OSSL_PKEY_PARAM_EC_ENCODING, "explicit"), 1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned char *der = signed_der(t[i].k, t[i].md, NULL, &len);
		struct ca_csr *c = csr_ok(der, len);
		const unsigned char *pk;
		int pklen, r;

		ck_assert_msg(c->key != NULL, "%s: no key", t[i].what);
		ck_assert_msg(EVP_PKEY_eq(c->key, t[i].k) == 1,
		    "%s: another key", t[i].what);
		ck_assert_msg(X509_PUBKEY_get0(c->spki) == NULL,
		    "%s: the fields were decoded", t[i].what);
		ck_assert_int_eq(X509_PUBKEY_get0_param(NULL, &pk, &pklen,
		    NULL, c->spki), 1);
		if (i == 2)
			ck_assert_int_eq(pklen, 33);
		eb.msg[0] = '\0';
		ck_assert_msg(ca_csr_check_pop(c, &eb) == 0, "%s: %s",
		    t[i].what, eb.msg);
		r = ca_key_policy_check(c->key, CA_KEYPOL_ALL, 2048, &eb);
		if (t[i].refused == NULL)
			ck_assert_msg(r == 0, "%s: %s", t[i].what, eb.msg);
		else
			ck_assert_msg(r == CA_ERR_KEY_POLICY &&
			    strstr(eb.msg, t[i].refused) != NULL,
			    "%s: %d %s", t[i].what, r, eb.msg);
		ck_assert_int_eq(ERR_peek_error(), 0);
		ca_csr_free(c);
		OPENSSL_free(der);
		EVP_PKEY_free(t[i].k);
	}
}
END_TEST

/* A subjectPublicKey BIT STRING with unused bits is no key's. */
START_TEST(parse_refuses_partial_byte_key)
{
	EVP_PKEY *k = ec_key("P-256");
	size_t len, i;
	unsigned char *der = signed_der(k, EVP_sha256(), NULL, &len), *p = NULL;
	struct ca_csr *c = NULL;
	struct ca_errbuf eb;

	/* BIT STRING, 66 octets, 0 unused bits, uncompressed point. */
	for (i = 0; i + 4 <= len && p == NULL; i++)
		if (memcmp(der + i, "\x03\x42\x00\x04", 4) == 0)
			p = der + i + 2;
	ck_assert_ptr_nonnull(p);
	c = csr_ok(der, len);
	ca_csr_free(c);
	*p = 0x01;
	csr_refused(der, len);
	eb.msg[0] = '\0';
	c = (struct ca_csr *)1;
	ck_assert_err(ca_csr_parse(der, len, &c, &eb), CA_ERR_CSR);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(eb.msg, "whole number of bytes"));
	OPENSSL_free(der);
	EVP_PKEY_free(k);
}
END_TEST

static STACK_OF(X509_EXTENSION) *
san_exts(const char *dns)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_subject_alt_name, dns);

	ck_assert_ptr_nonnull(e);
	ck_assert_int_gt(sk_X509_EXTENSION_push(exts, e), 0);
	return exts;
}

/* What the request asks for: none, one list, or a refusal. */
START_TEST(extensions_asked_for)
{
	EVP_PKEY *k = ec_key("P-256");
	STACK_OF(X509_EXTENSION) *asked = san_exts("DNS:plc-7.plant.example");
	STACK_OF(X509_EXTENSION) *got = (void *)1;
	X509_NAME *n = subject(SUBJECT);
	struct ca_errbuf eb;
	struct ca_csr *c;
	unsigned char *der;
	size_t len;
	int i;
	/*
	 * A second request for extensions (OpenSSL 3.0 will not add a
	 * second attribute of one type, so the second is Microsoft's), and
	 * malformed ones.
	 */
	enum { TWICE, NOT_A_LIST, NOT_EXTENSIONS } bad;
	const char *why[] = { "twice", "not one list", "cannot be read" };

	der = signed_der(k, EVP_sha256(), NULL, &len);
	c = csr_ok(der, len);
	ck_assert_ok(ca_csr_extensions(c, &got, NULL));
	ck_assert_ptr_null(got);
	ca_csr_free(c);
	OPENSSL_free(der);

	der = signed_der(k, EVP_sha256(), asked, &len);
	c = csr_ok(der, len);
	ck_assert_ok(ca_csr_extensions(c, &got, NULL));
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(sk_X509_EXTENSION_num(got), 1);
	ck_assert_int_eq(OBJ_obj2nid(X509_EXTENSION_get_object(
	    sk_X509_EXTENSION_value(got, 0))), NID_subject_alt_name);
	sk_X509_EXTENSION_pop_free(got, X509_EXTENSION_free);
	ca_csr_free(c);
	OPENSSL_free(der);

	for (bad = TWICE; bad <= NOT_EXTENSIONS; bad++) {
		X509_REQ *req = X509_REQ_new();

		ck_assert_int_eq(X509_REQ_set_version(req,
		    X509_REQ_VERSION_1), 1);
		ck_assert_int_eq(X509_REQ_set_subject_name(req, n), 1);
		ck_assert_int_eq(X509_REQ_set_pubkey(req, k), 1);
		if (bad != NOT_A_LIST && bad != NOT_EXTENSIONS)
			ck_assert_int_eq(X509_REQ_add_extensions(req, asked),
			    1);
		if (bad == TWICE)
			ck_assert_int_eq(X509_REQ_add_extensions_nid(req,
			    asked, NID_ms_ext_req), 1);
		else if (bad == NOT_A_LIST)
			ck_assert_int_eq(X509_REQ_add1_attr_by_NID(req,
			    NID_ext_req, V_ASN1_UTF8STRING,
			    (const unsigned char *)"x", 1), 1);
		else
			ck_assert_int_eq(X509_REQ_add1_attr_by_NID(req,
			    NID_ext_req, V_ASN1_SEQUENCE,
			    (const unsigned char *)"\x30\x03\x02\x01\x00",
			    5), 1);
		ck_assert_int_gt(X509_REQ_sign(req, k, EVP_sha256()), 0);
		der = req_der(req, &len);
		c = csr_ok(der, len);
		ck_assert_ok(ca_csr_check_pop(c, NULL));
		eb.msg[0] = '\0';
		got = (void *)1;
		i = ca_csr_extensions(c, &got, &eb);
		ck_assert_msg(i == CA_ERR_CSR, "case %d: %d", bad, i);
		ck_assert_ptr_null(got);
		ck_assert_msg(strstr(eb.msg, why[bad]) != NULL, "case %d: %s",
		    bad, eb.msg);
		ck_assert_int_eq(ERR_peek_error(), 0);
		ca_csr_free(c);
		OPENSSL_free(der);
		X509_REQ_free(req);
	}
	sk_X509_EXTENSION_pop_free(asked, X509_EXTENSION_free);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
}
END_TEST

/* buf gets a DER length of n; returns its size. */
static size_t
der_len(unsigned char *buf, size_t n)
{
	if (n < 0x80) {
		buf[0] = (unsigned char)n;
		return 1;
	}
	ck_assert_uint_lt(n, 0x10000);
	buf[0] = 0x82;
	buf[1] = (unsigned char)(n >> 8);
	buf[2] = (unsigned char)n;
	return 3;
}

/*
 * The signature is checked over the bytes as received, not over a new
 * encoding: a request whose version is written with a long-form length
 * (BER, not DER) and signed that way passes, and one changed after
 * signing does not.
 */
START_TEST(pop_over_bytes_as_received)
{
	EVP_PKEY *k = ec_key("P-256");
	X509_REQ *req = make_req(k);
	unsigned char *tbs = NULL, *ber, *sig, *out, *p;
	unsigned char algid[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x04, 0x03, 0x02 };	/* ecdsa-with-SHA256 */
	const unsigned char *q;
	long clen;
	int tl, tag, cls;
	size_t blen, siglen, olen, body;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct ca_csr *c;
	struct ca_errbuf eb;

	tl = i2d_re_X509_REQ_tbs(req, &tbs);
	ck_assert_int_gt(tl, 0);
	q = tbs;
	ck_assert_int_eq(ASN1_get_object(&q, &clen, &tag, &cls, tl) & 0x80,
	    0);
	ck_assert_int_eq(memcmp(q, "\x02\x01\x00", 3), 0);
	/* SEQUENCE { INTEGER (long form) 0, the rest as it was }. */
	ber = malloc((size_t)tl + 8);
	ber[0] = 0x30;
	blen = 1 + der_len(ber + 1, (size_t)clen + 1);
	memcpy(ber + blen, "\x02\x81\x01\x00", 4);
	blen += 4;
	memcpy(ber + blen, q + 3, (size_t)clen - 3);
	blen += (size_t)clen - 3;

	sig = malloc(EVP_PKEY_get_size(k));
	siglen = (size_t)EVP_PKEY_get_size(k);
	ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k),
	    1);
	ck_assert_int_eq(EVP_DigestSign(md, sig, &siglen, ber, blen), 1);
	body = blen + sizeof(algid) + 1 + der_len((unsigned char[3]){ 0 },
	    siglen + 1) + siglen + 1;
	out = malloc(body + 8);
	out[0] = 0x30;
	olen = 1 + der_len(out + 1, body);
	memcpy(out + olen, ber, blen);
	olen += blen;
	memcpy(out + olen, algid, sizeof(algid));
	olen += sizeof(algid);
	out[olen++] = 0x03;
	olen += der_len(out + olen, siglen + 1);
	out[olen++] = 0x00;
	memcpy(out + olen, sig, siglen);
	olen += siglen;

	c = csr_ok(out, olen);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_csr_check_pop(c, &eb) == 0, "%s", eb.msg);
	ca_csr_free(c);
	/* The same with one byte of the subject changed after signing. */
	p = memmem(out, olen, "Acme", 4);
	ck_assert_ptr_nonnull(p);
	p[0] = 'a';
	c = csr_ok(out, olen);
	ck_assert_err(ca_csr_check_pop(c, &eb), CA_ERR_VERIFY);
	ca_csr_free(c);

	EVP_MD_CTX_free(md);
	free(out);
	free(sig);
	free(ber);
	OPENSSL_free(tbs);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

static void
policy_refused(EVP_PKEY *k, unsigned algs, int min, const char *why)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_key_policy_check(k, algs, min, &eb),
	    CA_ERR_KEY_POLICY);
	ck_assert_msg(strstr(eb.msg, why) != NULL, "reason \"%s\" lacks "
	    "\"%s\"", eb.msg, why);
	ck_assert_int_eq(ERR_peek_error(), 0);
}

START_TEST(policy_ec_curves)
{
	EVP_PKEY *p256 = soft_key(CA_ALG_P256), *p384 = soft_key(CA_ALG_P384);
	EVP_PKEY *p521 = ec_key("P-521"), *k1 = ec_key("secp256k1");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");

	ck_assert_ok(ca_key_policy_check(p256, CA_KEYPOL_ALL, 3072, NULL));
	ck_assert_ok(ca_key_policy_check(p384, CA_KEYPOL_ALL, 3072, NULL));
	ck_assert_ok(ca_key_policy_check(p256, CA_KEYPOL_P256, 3072, NULL));
	ck_assert_ok(ca_key_policy_check(p384, CA_KEYPOL_P384, 3072, NULL));

	/* Each curve only where algs names it. */
	policy_refused(p256, CA_KEYPOL_P384 | CA_KEYPOL_RSA, 3072,
	    "prime256v1, which the profile does not allow");
	policy_refused(p384, CA_KEYPOL_P256 | CA_KEYPOL_RSA, 3072,
	    "secp384r1, which the profile does not allow");
	policy_refused(p256, 0, 3072, "does not allow");
	policy_refused(p384, 0, 3072, "does not allow");

	/* Other curves and key types never. */
	policy_refused(p521, CA_KEYPOL_ALL, 3072,
	    "secp521r1, which the profile does not allow");
	policy_refused(k1, CA_KEYPOL_ALL, 3072,
	    "secp256k1, which the profile does not allow");
	ck_assert_ptr_nonnull(ed);
	policy_refused(ed, CA_KEYPOL_ALL, 3072, "ED25519");
	ck_assert_ptr_nonnull(x);
	policy_refused(x, CA_KEYPOL_ALL, 3072,
	    "type X25519, which no profile allows");

	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(x);
}
END_TEST

START_TEST(policy_rsa)
{
	EVP_PKEY *r1024 = rsa_key(1024, 65537), *e3 = rsa_key(1024, 3);
	EVP_PKEY *e17 = rsa_key(1024, 65539);

	/* The floor is inclusive. */
	ck_assert_ok(ca_key_policy_check(r1024, CA_KEYPOL_ALL, 1024, NULL));
	policy_refused(r1024, CA_KEYPOL_ALL, 1025, "at least 1025");
	policy_refused(r1024, CA_KEYPOL_ALL, 3072, "RSA key of 1024 bits");
	policy_refused(r1024, CA_KEYPOL_P256 | CA_KEYPOL_P384, 1024,
	    "an RSA key, which the profile does not allow");
	/* e must be exactly 65537. */
	policy_refused(e3, CA_KEYPOL_ALL, 1024, "exponent other than 65537");
	policy_refused(e17, CA_KEYPOL_ALL, 1024, "exponent other than 65537");
	EVP_PKEY_free(r1024);
	EVP_PKEY_free(e3);
	EVP_PKEY_free(e17);
}
END_TEST

/* RSA-PSS keys are another key type: refused like any other. */
START_TEST(policy_rsa_pss)
{
	EVP_PKEY *k = rsa_type_key("RSA-PSS", 1024, 65537);

	ck_assert_ptr_nonnull(k);
	policy_refused(k, CA_KEYPOL_ALL, 1024,
	    "type RSA-PSS, which no profile");
	EVP_PKEY_free(k);
}
END_TEST

/* A P-256 key whose public point is the point at infinity. */
static EVP_PKEY *
infinity_key(void)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	unsigned char inf[1] = { 0x00 };

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_utf8_string(b,
	    OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_octet_string(b,
	    OSSL_PKEY_PARAM_PUB_KEY, inf, sizeof(inf)), 1);
	params = OSSL_PARAM_BLD_to_param(b);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(c), 1);
	if (EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return k;
}

START_TEST(policy_invalid_point)
{
	EVP_PKEY *k = infinity_key();

	ck_assert_msg(k != NULL, "OpenSSL would not load the point at "
	    "infinity");
	policy_refused(k, CA_KEYPOL_ALL, 3072, "not a point on prime256v1");
	EVP_PKEY_free(k);
}
END_TEST

/*
 * A P-256 key given with explicit curve parameters (made with openssl
 * ecparam -name prime256v1 -param_enc explicit -genkey; openssl pkey
 * -pubout): RFC 5480 forbids specifiedCurve, and the issued certificate
 * would carry them.
 */
static const char explicit_p256[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBSzCCAQMGByqGSM49AgEwgfcCAQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAA\n"
    "AAAAAAAAAAAA////////////////MFsEIP////8AAAABAAAAAAAAAAAAAAAA////\n"
    "///////////8BCBaxjXYqjqT57PrvVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSd\n"
    "NgiG5wSTamZ44ROdJreBn36QBEEEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5\n"
    "RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA\n"
    "//////////+85vqtpxeehPO5ysL8YyVRAgEBA0IABHPI/XvEFS6oFPCdOJycGITw\n"
    "1PoiWVVtBr/NrlW55OMolz7yfjFgUNoFRBiUiQUGVUF5H8h4wJnoUYrL3VSS25o=\n"
    "-----END PUBLIC KEY-----\n";

START_TEST(policy_explicit_curve)
{
	BIO *b = BIO_new_mem_buf(explicit_p256, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	ck_assert_ptr_nonnull(k);
	policy_refused(k, CA_KEYPOL_ALL, 3072, "explicit curve parameters");
	EVP_PKEY_free(k);
	BIO_free(b);
}
END_TEST

/* pem with encryption headers after its BEGIN line, in a new string. */
static char *
encrypted_pem(const char *pem)
{
	static const char hdr[] = "Proc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n";
	const char *nl = strchr(pem, '\n');
	char *out;

	ck_assert_ptr_nonnull(nl);
	out = malloc(strlen(pem) + sizeof(hdr));
	memcpy(out, pem, (size_t)(nl + 1 - pem));
	strcpy(out + (nl + 1 - pem), hdr);
	strcat(out, nl + 1);
	return out;
}

/*
 * A request or certificate in a PEM block with encryption headers is
 * refused at once, never a reason to ask for a pass phrase on the
 * terminal as OpenSSL's default would.  Both are read in a child whose
 * controlling terminal is a pty, where a prompt would show and wait.
 */
START_TEST(parse_pem_encrypted_no_prompt)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509_REQ *req = make_req(k);
	X509 *x = make_cert(k);
	char *rpem = NULL, *cpem = NULL, *renc, *cenc, seen[512];
	size_t rlen, clen, got = 0;
	int master, status = 0, i;
	pid_t pid;

	ck_assert_ok(ca_csr_pem(req, &rpem, &rlen));
	ck_assert_ok(ca_cert_pem(x, &cpem, &clen));
	renc = encrypted_pem(rpem);
	cenc = encrypted_pem(cpem);
	pid = forkpty(&master, NULL, NULL, NULL);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct ca_csr *c = NULL;
		X509 *y = NULL;
		int a = ca_csr_parse((unsigned char *)renc, strlen(renc), &c,
		    NULL);
		int b = ca_x509_parse_any((unsigned char *)cenc, strlen(cenc),
		    &y);

		_exit(a == CA_ERR_CSR && c == NULL && b == CA_ERR_CRYPTO &&
		    y == NULL ? 0 : 1);
	}
	/* Up to 10 s for the child; whatever it prints is kept. */
	ck_assert_int_eq(fcntl(master, F_SETFL, O_NONBLOCK), 0);
	for (i = 0; i < 1000; i++) {
		ssize_t n = read(master, seen + got, sizeof(seen) - 1 - got);

		if (n > 0)
			got += (size_t)n;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	seen[got] = '\0';
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(master);
	ck_assert_msg(i < 1000, "the parse waits on the terminal: \"%s\"",
	    seen);
	ck_assert_msg(strstr(seen, "pass phrase") == NULL, "it asked: \"%s\"",
	    seen);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "not refused as it should be");
	free(renc);
	free(cenc);
	free(rpem);
	free(cpem);
	X509_free(x);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(x509_parse_any)
{
	EVP_PKEY *k = soft_key(CA_ALG_P256);
	X509 *x = make_cert(k), *y = (X509 *)1;
	X509_REQ *req = make_req(k);
	unsigned char *der = NULL, *buf;
	char *pem = NULL, *rpem = NULL;
	size_t plen, rlen, n;
	int dl;

	dl = i2d_X509(x, &der);
	ck_assert_int_gt(dl, 0);
	ck_assert_ok(ca_x509_parse_any(der, (size_t)dl, &y));
	ck_assert_int_eq(X509_cmp(x, y), 0);
	X509_free(y);
	ck_assert_ok(ca_cert_pem(x, &pem, &plen));
	ck_assert_ok(ca_x509_parse_any((unsigned char *)pem, plen, &y));
	ck_assert_int_eq(X509_cmp(x, y), 0);
	X509_free(y);
	buf = malloc((size_t)dl + plen + 4);
	memcpy(buf, "\n\n", 2);
	memcpy(buf + 2, pem, plen);
	ck_assert_ok(ca_x509_parse_any(buf, plen + 2, &y));
	X509_free(y);

	/* DER with a trailing byte, or cut short. */
	memcpy(buf, der, (size_t)dl);
	buf[dl] = 0;
	y = (X509 *)1;
	ck_assert_err(ca_x509_parse_any(buf, (size_t)dl + 1, &y),
	    CA_ERR_CRYPTO);
	ck_assert_ptr_null(y);
	for (n = (size_t)dl - 1; n > 7; n -= 7)
		ck_assert_err(ca_x509_parse_any(der, n, &y), CA_ERR_CRYPTO);
	ck_assert_err(ca_x509_parse_any(der, 0, &y), CA_ERR_CRYPTO);
	/* PEM cut before its END line. */
	ck_assert_err(ca_x509_parse_any((unsigned char *)pem, plen - 30, &y),
	    CA_ERR_CRYPTO);
	/* A request is not a certificate, in either encoding. */
	ck_assert_ok(ca_csr_pem(req, &rpem, &rlen));
	ck_assert_err(ca_x509_parse_any((unsigned char *)rpem, rlen, &y),
	    CA_ERR_CRYPTO);
	{
		size_t rl;
		unsigned char *rd = req_der(req, &rl);

		ck_assert_err(ca_x509_parse_any(rd, rl, &y), CA_ERR_CRYPTO);
		OPENSSL_free(rd);
	}
	ck_assert_ptr_null(y);
	ck_assert_int_eq(ERR_peek_error(), 0);
	free(buf);
	free(rpem);
	free(pem);
	OPENSSL_free(der);
	X509_REQ_free(req);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

static Suite *
csr_suite(void)
{
	Suite *s = suite_create("csr");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, build_pem_round_trip);
	tcase_add_test(tc, build_refuses_wrong_signer);
	tcase_add_test(tc, parse_pem_and_der);
	tcase_add_test(tc, parse_der_trailing_and_truncated);
	tcase_add_test(tc, parse_pem_truncated_and_wrong);
	tcase_add_test(tc, parse_refuses_version_2);
	tcase_add_test(tc, pop_refused);
	tcase_add_test(tc, pop_undecodable_key);
	tcase_add_test(tc, pop_over_bytes_as_received);
	tcase_add_test(tc, parse_keys_of_every_kind);
	tcase_add_test(tc, parse_refuses_partial_byte_key);
	tcase_add_test(tc, extensions_asked_for);
	tcase_add_test(tc, policy_ec_curves);
	tcase_add_test(tc, policy_rsa);
	tcase_add_test(tc, policy_rsa_pss);
	tcase_add_test(tc, policy_invalid_point);
	tcase_add_test(tc, policy_explicit_curve);
	tcase_add_test(tc, x509_parse_any);
	tcase_add_test(tc, parse_pem_encrypted_no_prompt);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(csr_suite)
