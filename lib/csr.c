#include "csr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "encode.h"
#include "profile.h"

static int
is_pem(const unsigned char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	    buf[i] == '\n'))
		i++;
	return len - i >= 11 && memcmp(buf + i, "-----BEGIN ", 11) == 0;
}

/* Only blank space may follow the PEM block: no second reading. */
static int
rest_is_blank(BIO *b)
{
	char c;

	while (BIO_read(b, &c, 1) == 1)
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return 0;
	return 1;
}

int
ca_x509_parse_any(const unsigned char *buf, size_t len, X509 **out)
{
	const unsigned char *p = buf;
	BIO *b = NULL;
	X509 *x = NULL;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if (len == 0 || len > INT32_MAX)
		goto out;
	if (is_pem(buf, len)) {
		if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL &&
		    !rest_is_blank(b)) {
			X509_free(x);
			x = NULL;
		}
	} else if ((x = d2i_X509(NULL, &p, (long)len)) != NULL &&
	    p != buf + len) {
		/* Trailing bytes: two readings of one file are one too many. */
		X509_free(x);
		x = NULL;
	}
	if (x == NULL)
		goto out;
	*out = x;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(b);
	return r;
}

int
ca_csr_parse(const unsigned char *buf, size_t len, X509_REQ **out,
    struct ca_errbuf *eb)
{
	const unsigned char *p = buf;
	BIO *b = NULL;
	X509_REQ *req = NULL;
	int r = CA_ERR_CSR;

	*out = NULL;
	if (len == 0 || len > INT32_MAX) {
		ca_errf(eb, "the request is empty or too large");
		goto out;
	}
	if (is_pem(buf, len)) {
		if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL)) ==
		    NULL) {
			ca_errf(eb, "not a PEM certificate request, or cut "
			    "short");
			goto out;
		}
		if (!rest_is_blank(b)) {
			ca_errf(eb, "something follows the PEM request; give "
			    "one request alone");
			goto out;
		}
	} else {
		if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL) {
			ca_errf(eb, "neither PEM nor DER: not a certificate "
			    "request, or cut short");
			goto out;
		}
		if (p != buf + len) {
			ca_errf(eb, "%zu bytes follow the DER request",
			    (size_t)(buf + len - p));
			goto out;
		}
	}
	/* RFC 2986 4.1: version 1 (0) is the only one. */
	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
		ca_errf(eb, "the request's version is not 1");
		goto out;
	}
	*out = req;
	req = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	BIO_free(b);
	return r;
}

int
ca_csr_check_pop(X509_REQ *req, struct ca_errbuf *eb)
{
	EVP_PKEY *k;
	int ok;

	if ((k = X509_REQ_get0_pubkey(req)) == NULL) {
		ERR_clear_error();
		ca_errf(eb, "the request's public key cannot be decoded");
		return CA_ERR_CSR;
	}
	ok = X509_REQ_verify(req, k);
	ERR_clear_error();
	if (ok != 1) {
		ca_errf(eb, "the request's signature does not verify with its "
		    "own key (no proof of possession)");
		return CA_ERR_VERIFY;
	}
	return 0;
}

int
ca_key_policy_check(EVP_PKEY *key, unsigned algs, int rsa_min_bits,
    struct ca_errbuf *eb)
{
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *e = NULL;
	char group[64], enc[32];
	size_t glen = 0;
	int r = CA_ERR_KEY_POLICY, bits = EVP_PKEY_get_bits(key);

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(key, "group", group,
		    sizeof(group), &glen) != 1) {
			ca_errf(eb, "an EC key on an unnamed curve");
			goto out;
		}
		if ((strcmp(group, "prime256v1") == 0 &&
		    !(algs & CA_KEYPOL_P256)) ||
		    (strcmp(group, "secp384r1") == 0 &&
		    !(algs & CA_KEYPOL_P384)) ||
		    (strcmp(group, "prime256v1") != 0 &&
		    strcmp(group, "secp384r1") != 0)) {
			ca_errf(eb, "a key on curve %s, which the profile "
			    "does not allow", group);
			goto out;
		}
		/*
		 * RFC 5480 2.1.1: specifiedCurve MUST NOT be used.  OpenSSL
		 * names the curve of explicit parameters that match one, so
		 * the check above lets them through.
		 */
		if (EVP_PKEY_get_utf8_string_param(key, "encoding", enc,
		    sizeof(enc), NULL) != 1 ||
		    strcmp(enc, "named_curve") != 0) {
			ca_errf(eb, "the EC key on %s comes with explicit "
			    "curve parameters, not the curve's name", group);
			goto out;
		}
		/*
		 * An invalid point would make every signature meaningless.
		 * P-256 and P-384 have cofactor 1, so a point on the curve
		 * other than infinity has the group's order: the full check's
		 * scalar multiplication by the order would only repeat that,
		 * at ten times the cost, for every request of a batch.
		 */
		if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ==
		    NULL || EVP_PKEY_public_check_quick(ctx) != 1) {
			ca_errf(eb, "the EC public key is not a point on %s",
			    group);
			goto out;
		}
		break;
	case EVP_PKEY_RSA:
		if (!(algs & CA_KEYPOL_RSA)) {
			ca_errf(eb, "an RSA key, which the profile does not "
			    "allow");
			goto out;
		}
		if (bits < rsa_min_bits) {
			ca_errf(eb, "an RSA key of %d bits; the profile needs "
			    "at least %d", bits, rsa_min_bits);
			goto out;
		}
		if (EVP_PKEY_get_bn_param(key, "e", &e) != 1 ||
		    !BN_is_word(e, 65537)) {
			ca_errf(eb, "an RSA public exponent other than 65537");
			goto out;
		}
		break;
	default:
		/* A type OpenSSL cannot name must not print "(null)". */
		ca_errf(eb, "a key of type %s, which no profile allows",
		    EVP_PKEY_get0_type_name(key) != NULL ?
		    EVP_PKEY_get0_type_name(key) : "unknown");
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	return r;
}

int
ca_csr_build(const X509_NAME *subject, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, X509_REQ **out, struct ca_errbuf *eb)
{
	X509_REQ *req = NULL;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, subject) != 1 ||
	    X509_REQ_set_pubkey(req, pub) != 1)
		goto out;
	if (X509_REQ_sign(req, signer, md) <= 0) {
		ca_errf(eb, "signing the request on the token failed");
		ca_err_openssl(eb);
		goto out;
	}
	if (X509_REQ_verify(req, pub) != 1) {
		ca_errf(eb, "the token's signature on the request does not "
		    "verify");
		r = CA_ERR_VERIFY;
		goto out;
	}
	*out = req;
	req = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	return r;
}

int
ca_csr_pem(X509_REQ *req, char **out, size_t *len)
{
	BIO *b = NULL;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	*len = 0;
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(b, req) != 1)
		goto out;
	r = ca_bio_take(b, out, len);
out:
	ERR_clear_error();
	BIO_free(b);
	return r;
}
