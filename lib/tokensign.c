#include "tokensign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "certgen.h"
#include "hsm_p11.h"

struct ca_tsigner {
	struct ca_hsm *h;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE type;
};

/* RFC 8017 9.2 note 1: DigestInfo up to the digest itself. */
static const unsigned char di_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};
static const unsigned char di_sha384[] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};

int
ca_tsigner_open(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_tsigner **out, struct ca_errbuf *eb)
{
	struct ca_tsigner *s;
	CK_ATTRIBUTE a;
	CK_RV rv;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_NOMEM;
	s->h = h;
	/* Read-only: it only signs, and the login is the application's. */
	if ((rv = h->f->C_OpenSession(h->slot_id, CKF_SERIAL_SESSION, NULL,
	    NULL, &s->session)) != CKR_OK) {
		ca_p11_detail(eb, "C_OpenSession", rv);
		free(s);
		return ca_p11_code(rv);
	}
	if ((r = ca_p11_find_half(h, key, CKO_PRIVATE_KEY, &s->key)) != 0) {
		ca_errf(eb, "key \"%s\" is not on the token", key->label);
		goto fail;
	}
	a.type = CKA_KEY_TYPE;
	a.pValue = &s->type;
	a.ulValueLen = sizeof(s->type);
	if ((rv = h->f->C_GetAttributeValue(s->session, s->key, &a, 1)) !=
	    CKR_OK) {
		ca_p11_detail(eb, "C_GetAttributeValue", rv);
		r = ca_p11_code(rv);
		goto fail;
	}
	if (s->type != CKK_EC && s->type != CKK_RSA) {
		ca_errf(eb, "key \"%s\" is neither EC nor RSA", key->label);
		r = CA_ERR_ALGORITHM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	h->f->C_CloseSession(s->session);
	free(s);
	return r;
}

int
ca_ecdsa_der(const unsigned char *raw, size_t len, unsigned char **der,
    size_t *dlen)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n, ret = CA_ERR_CRYPTO;

	*der = NULL;
	if (len == 0 || len % 2 != 0 || len > 2 * 66)
		return CA_ERR_CRYPTO;
	if ((sig = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(raw, (int)(len / 2), NULL)) == NULL ||
	    (s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL)) == NULL ||
	    ECDSA_SIG_set0(sig, r, s) != 1)
		goto out;
	r = s = NULL;
	if ((n = i2d_ECDSA_SIG(sig, der)) <= 0)
		goto out;
	*dlen = (size_t)n;
	ret = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return ret;
}

int
ca_tsigner_sign_digest(struct ca_tsigner *s, const EVP_MD *md,
    const unsigned char *dg, size_t dlen, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb)
{
	unsigned char in[sizeof(di_sha384) + EVP_MAX_MD_SIZE], raw[1024];
	const unsigned char *prefix;
	size_t plen;
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ULONG rawlen = sizeof(raw);
	CK_RV rv;
	int r;

	*sig = NULL;
	switch (EVP_MD_get_type(md)) {
	case NID_sha256:
		prefix = di_sha256;
		plen = sizeof(di_sha256);
		break;
	case NID_sha384:
		prefix = di_sha384;
		plen = sizeof(di_sha384);
		break;
	default:
		ca_errf(eb, "the token signs only with SHA-256 or SHA-384");
		return CA_ERR_INVALID_ARG;
	}
	if (dlen != (size_t)EVP_MD_get_size(md))
		return CA_ERR_INVALID_ARG;
	/* ECDSA signs the bare digest; PKCS#1 v1.5 its DigestInfo. */
	if (s->type == CKK_EC) {
		mech.mechanism = CKM_ECDSA;
		plen = 0;
	} else {
		mech.mechanism = CKM_RSA_PKCS;
		memcpy(in, prefix, plen);
	}
	memcpy(in + plen, dg, dlen);
	if ((rv = s->h->f->C_SignInit(s->session, &mech, s->key)) != CKR_OK) {
		ca_p11_detail(eb, "C_SignInit", rv);
		return ca_p11_code(rv);
	}
	if ((rv = s->h->f->C_Sign(s->session, in, plen + dlen, raw,
	    &rawlen)) != CKR_OK) {
		ca_p11_detail(eb, "C_Sign", rv);
		return ca_p11_code(rv);
	}
	if (s->type == CKK_EC) {
		if ((r = ca_ecdsa_der(raw, rawlen, sig, siglen)) != 0)
			ca_errf(eb, "the token's ECDSA signature is malformed");
		return r;
	}
	if ((*sig = OPENSSL_malloc(rawlen)) == NULL)
		return CA_ERR_NOMEM;
	memcpy(*sig, raw, rawlen);
	*siglen = rawlen;
	return 0;
}

int
ca_tsigner_sign(struct ca_tsigner *s, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	*sig = NULL;
	if (EVP_MD_get_type(md) != NID_sha256 &&
	    EVP_MD_get_type(md) != NID_sha384) {
		ca_errf(eb, "the token signs only with SHA-256 or SHA-384");
		return CA_ERR_INVALID_ARG;
	}
	if (EVP_Digest(data, len, dg, &dlen, md, NULL) != 1) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	return ca_tsigner_sign_digest(s, md, dg, dlen, sig, siglen, eb);
}

int
ca_tsigner_sign_cb(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	return ca_tsigner_sign(arg, md, data, len, sig, siglen, eb);
}

int
ca_tsigner_digest_cb(void *arg, const EVP_MD *md, const unsigned char *dg,
    size_t dlen, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	return ca_tsigner_sign_digest(arg, md, dg, dlen, sig, siglen, eb);
}

int
ca_tsigner_sign_cert(struct ca_tsigner *s, X509 *draft, const EVP_MD *md,
    X509 **out, struct ca_errbuf *eb)
{
	unsigned char *tbs = NULL, *sig = NULL, *der = NULL, *again = NULL;
	const unsigned char *p;
	size_t siglen = 0, len = 0;
	int tl, n, r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((tl = i2d_re_X509_tbs(draft, &tbs)) <= 0)
		goto out;
	if ((r = ca_tsigner_sign(s, md, tbs, (size_t)tl, &sig, &siglen,
	    eb)) != 0 || (r = ca_cert_assemble(draft, tbs, (size_t)tl, sig,
	    siglen, &der, &len)) != 0)
		goto out;
	/* Parsed afresh: nothing cached from the draft comes along. */
	p = der;
	if ((*out = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		X509_free(*out);
		*out = NULL;
		ca_errf(eb, "the signed certificate cannot be read back");
		r = CA_ERR_CRYPTO;
		goto out;
	}
	/* What relying parties will parse is what was linted and signed. */
	n = i2d_re_X509_tbs(*out, &again);
	if (n != tl || memcmp(again, tbs, (size_t)tl) != 0) {
		X509_free(*out);
		*out = NULL;
		ca_errf(eb, "the signed certificate, read back, differs from "
		    "the one linted");
		r = CA_ERR_VERIFY;
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	OPENSSL_free(again);
	OPENSSL_free(tbs);
	OPENSSL_free(sig);
	free(der);
	return r;
}

void
ca_tsigner_close(struct ca_tsigner *s)
{
	if (s == NULL)
		return;
	s->h->f->C_CloseSession(s->session);
	free(s);
}
