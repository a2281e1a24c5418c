#include "sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

int
ca_sign_evp_digest(void *arg, const EVP_MD *md, const unsigned char *dg,
    size_t dlen, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	EVP_PKEY *key = arg;
	EVP_PKEY_CTX *ctx = NULL;
	int r = CA_ERR_CRYPTO;

	*sig = NULL;
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
	    (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_sign(ctx, NULL, siglen, dg, dlen) != 1 ||
	    (*sig = OPENSSL_malloc(*siglen)) == NULL ||
	    EVP_PKEY_sign(ctx, *sig, siglen, dg, dlen) != 1) {
		ca_errf(eb, "signing with the software key failed");
		ca_err_openssl(eb);
		OPENSSL_free(*sig);
		*sig = NULL;
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* The digest first, so that one signing path serves both callbacks. */
int
ca_sign_evp(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	*sig = NULL;
	if (EVP_Digest(data, len, dg, &dlen, md, NULL) != 1) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	return ca_sign_evp_digest(arg, md, dg, dlen, sig, siglen, eb);
}

static int
evp_begin(void *arg, const EVP_MD *md, struct ca_errbuf *eb)
{
	struct ca_evp_stream *st = arg;

	st->md = md;
	st->failed = 0;
	if ((st->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(st->ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(st->ctx);
		st->ctx = NULL;
		ERR_clear_error();
		ca_errf(eb, "cannot start a digest");
		return CA_ERR_CRYPTO;
	}
	return 0;
}

static int
evp_update(void *arg, const unsigned char *p, size_t n)
{
	struct ca_evp_stream *st = arg;

	if (st->failed || EVP_DigestUpdate(st->ctx, p, n) != 1) {
		st->failed = 1;
		return CA_ERR_CRYPTO;
	}
	return 0;
}

static int
evp_final(void *arg, unsigned char **sig, size_t *siglen,
    struct ca_errbuf *eb)
{
	struct ca_evp_stream *st = arg;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	int r = CA_ERR_CRYPTO;

	*sig = NULL;
	if (st->ctx == NULL || st->failed ||
	    EVP_DigestFinal_ex(st->ctx, dg, &dlen) != 1) {
		ERR_clear_error();
		ca_errf(eb, "cannot digest what is to be signed");
		goto out;
	}
	r = ca_sign_evp_digest(st->key, st->md, dg, dlen, sig, siglen, eb);
out:
	EVP_MD_CTX_free(st->ctx);
	st->ctx = NULL;
	return r;
}

void
ca_sign_evp_stream(struct ca_evp_stream *st, EVP_PKEY *key,
    struct ca_sign_stream *out)
{
	memset(st, 0, sizeof(*st));
	st->key = key;
	out->begin = evp_begin;
	out->update = evp_update;
	out->final = evp_final;
	out->arg = st;
}

int
ca_sign_algor(EVP_PKEY *key, const EVP_MD *md, unsigned char **out,
    int *len)
{
	X509_ALGOR *a = NULL;
	int nid, base, mdt, r = CA_ERR_ALGORITHM;

	*out = NULL;
	if (key == NULL || md == NULL)
		return CA_ERR_ALGORITHM;
	base = EVP_PKEY_get_base_id(key);
	mdt = EVP_MD_get_type(md);
	if ((base != EVP_PKEY_EC && base != EVP_PKEY_RSA) ||
	    (mdt != NID_sha256 && mdt != NID_sha384) ||
	    !OBJ_find_sigid_by_algs(&nid, mdt, base == EVP_PKEY_EC ?
	    NID_X9_62_id_ecPublicKey : NID_rsaEncryption))
		goto out;
	r = CA_ERR_CRYPTO;
	/* RFC 5758 3.2: no parameters for ECDSA; RFC 4055 5: NULL for RSA. */
	if ((a = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(a, OBJ_nid2obj(nid), base == EVP_PKEY_RSA ?
	    V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1 ||
	    (*len = i2d_X509_ALGOR(a, out)) <= 0)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	X509_ALGOR_free(a);
	return r;
}

/* DER length octets for n into out (at most 9); their count. */
static size_t
der_len(size_t n, unsigned char *out)
{
	size_t k = 0, i;

	if (n < 0x80) {
		out[0] = (unsigned char)n;
		return 1;
	}
	for (i = n; i > 0; i >>= 8)
		k++;
	out[0] = (unsigned char)(0x80 | k);
	for (i = 0; i < k; i++)
		out[1 + i] = (unsigned char)(n >> (8 * (k - 1 - i)));
	return k + 1;
}

int
ca_sign_assemble(const unsigned char *tbs, size_t tl,
    const unsigned char *alg, size_t al, const unsigned char *sig,
    size_t siglen, unsigned char **out, size_t *outlen)
{
	unsigned char hdr[10], bhdr[10], *der;
	size_t hl, bl, body, at;

	*out = NULL;
	bhdr[0] = 0x03;
	bl = 1 + der_len(siglen + 1, bhdr + 1);
	body = tl + al + bl + 1 + siglen;
	hdr[0] = 0x30;
	hl = 1 + der_len(body, hdr + 1);
	if ((der = malloc(hl + body)) == NULL)
		return CA_ERR_NOMEM;
	memcpy(der, hdr, hl);
	at = hl;
	memcpy(der + at, tbs, tl);
	at += tl;
	memcpy(der + at, alg, al);
	at += al;
	memcpy(der + at, bhdr, bl);
	at += bl;
	der[at++] = 0x00;		/* no unused bits */
	memcpy(der + at, sig, siglen);
	at += siglen;
	*out = der;
	*outlen = at;
	return 0;
}
