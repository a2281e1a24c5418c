#include "tokensign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "certgen.h"
#include "hsm_p11.h"
#include "sign.h"

/* Data for C_SignUpdate is sent in pieces of up to this many bytes. */
#define STREAM_CHUNK 65536

struct ca_tsigner {
	struct ca_hsm *h;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE type;
	/*
	 * 1 when the token had no session to spare, and s signs in the
	 * session of h that holds the login (ca_tsigner_shared).
	 */
	int shared;
	struct ca_sign_mech mech[2];	/* with SHA-256, with SHA-384 */
	/* A signature being streamed (ca_tsigner_stream). */
	const EVP_MD *md;
	const struct ca_sign_mech *sm;
	EVP_MD_CTX *dctx;		/* the digest, when made here */
	unsigned char *buf;		/* data not yet sent to the token */
	size_t blen;
	int active, failed;
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

/*
 * The size of s's key in bits, for the mechanisms' key sizes: the
 * modulus's length, or the curve's; 0 (sizes unchecked) for a curve
 * other than these.
 */
static int
key_bits(struct ca_tsigner *s, CK_ULONG *bits, struct ca_errbuf *eb)
{
	unsigned char ep[16];
	CK_ATTRIBUTE a;
	CK_RV rv;

	*bits = 0;
	if (s->type == CKK_RSA) {
		a.type = CKA_MODULUS;
		a.pValue = NULL;
		a.ulValueLen = 0;
	} else {
		a.type = CKA_EC_PARAMS;
		a.pValue = ep;
		a.ulValueLen = sizeof(ep);
	}
	rv = s->h->f->C_GetAttributeValue(s->session, s->key, &a, 1);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_BUFFER_TOO_SMALL ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return 0;
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_GetAttributeValue", rv);
		return ca_p11_code(rv);
	}
	if (s->type == CKK_RSA)
		*bits = a.ulValueLen * 8;
	else
		*bits = (CK_ULONG)ca_p11_curve_bits(ep, a.ulValueLen);
	return 0;
}

/* own: a session of its own where the token has one to spare. */
static int
tsigner_open(struct ca_hsm *h, const struct ca_keyref *key, int own,
    struct ca_tsigner **out, struct ca_errbuf *eb)
{
	static const int nids[2] = { NID_sha256, NID_sha384 };
	struct ca_tsigner *s;
	struct ca_errbuf none;
	CK_ATTRIBUTE a;
	CK_ULONG bits;
	CK_RV rv;
	int i, r, usable = 0;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_NOMEM;
	s->h = h;
	/*
	 * A session of its own, read-only: it only signs, and the login is
	 * the application's.  A token that has none to spare (a smartcard
	 * may allow one session in all) is signed on in h's own session,
	 * one operation at a time, which is all the toolkit needs of it.
	 */
	if (!own || !ca_hsm_session_free(h))
		rv = CKR_SESSION_COUNT;
	else
		rv = h->f->C_OpenSession(h->slot_id, CKF_SERIAL_SESSION, NULL,
		    NULL, &s->session);
	if (rv == CKR_SESSION_COUNT) {
		s->session = h->session;
		s->shared = 1;
	} else if (rv != CKR_OK) {
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
	if ((r = key_bits(s, &bits, eb)) != 0)
		goto fail;
	/*
	 * Both digests chosen now, while one thread opens the signers: a
	 * digest the token cannot sign with is refused when asked for.
	 */
	for (i = 0; i < 2; i++) {
		memset(&none, 0, sizeof(none));
		r = ca_p11_sign_mech(h, s->type, bits, nids[i], &s->mech[i],
		    &none);
		if (r == 0)
			usable++;
		else if (r != CA_ERR_ALGORITHM) {
			ca_errf(eb, "%s", none.msg);
			goto fail;
		} else if (usable == 0 && i == 1)
			ca_errf(eb, "%s", none.msg);
	}
	if (usable == 0) {
		r = CA_ERR_ALGORITHM;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (!s->shared)
		h->f->C_CloseSession(s->session);
	free(s);
	return r;
}

int
ca_tsigner_open(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_tsigner **out, struct ca_errbuf *eb)
{
	return tsigner_open(h, key, 1, out, eb);
}

int
ca_tsigner_open_shared(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_tsigner **out, struct ca_errbuf *eb)
{
	return tsigner_open(h, key, 0, out, eb);
}

int
ca_tsigner_shared(const struct ca_tsigner *s)
{
	return s->shared;
}

const char *
ca_tsigner_mechanism(const struct ca_tsigner *s, const EVP_MD *md)
{
	int nid = md != NULL ? EVP_MD_get_type(md) : NID_undef;

	if (nid != NID_sha256 && nid != NID_sha384)
		return NULL;
	return s->mech[nid == NID_sha256 ? 0 : 1].name;
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

/*
 * The mechanism s signs with after md into *m.  CA_ERR_INVALID_ARG for a
 * digest other than SHA-256 and SHA-384, CA_ERR_ALGORITHM for one the
 * token cannot sign with this key.
 */
static int
mech_for(struct ca_tsigner *s, const EVP_MD *md,
    const struct ca_sign_mech **m, struct ca_errbuf *eb)
{
	int nid = md != NULL ? EVP_MD_get_type(md) : NID_undef;

	*m = NULL;
	if (nid != NID_sha256 && nid != NID_sha384) {
		ca_errf(eb, "the token signs only with SHA-256 or SHA-384");
		return CA_ERR_INVALID_ARG;
	}
	*m = &s->mech[nid == NID_sha256 ? 0 : 1];
	if ((*m)->name == NULL) {
		ca_errf(eb, "token \"%s\" offers no mechanism to sign with "
		    "this key and %s", ca_hsm_token_info(s->h)->label,
		    OBJ_nid2sn(nid));
		*m = NULL;
		return CA_ERR_ALGORITHM;
	}
	return 0;
}

/* The token's raw signature, as X.509 carries it, into *sig. */
static int
finish_sig(struct ca_tsigner *s, const unsigned char *raw, CK_ULONG rawlen,
    unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	int r;

	if (s->type == CKK_EC) {
		if ((r = ca_ecdsa_der(raw, rawlen, sig, siglen)) != 0)
			ca_errf(eb, "the token's ECDSA signature is malformed");
		return r;
	}
	if (rawlen == 0 || (*sig = OPENSSL_malloc(rawlen)) == NULL)
		return rawlen == 0 ? CA_ERR_CRYPTO : CA_ERR_NOMEM;
	memcpy(*sig, raw, rawlen);
	*siglen = rawlen;
	return 0;
}

/*
 * C_Sign over in: the data itself when m hashes, else the digest dg of
 * dlen bytes (in a DigestInfo for RSA).
 */
static int
sign_once(struct ca_tsigner *s, const EVP_MD *md,
    const struct ca_sign_mech *m, const unsigned char *in, size_t inlen,
    unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	unsigned char buf[sizeof(di_sha384) + EVP_MAX_MD_SIZE], raw[1024];
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ULONG rawlen = sizeof(raw);
	size_t plen = 0;
	CK_RV rv;

	mech.mechanism = m->mech;
	if (!m->hashed && m->mech == CKM_RSA_PKCS) {
		/* PKCS#1 v1.5 signs the digest's DigestInfo. */
		plen = EVP_MD_get_type(md) == NID_sha256 ? sizeof(di_sha256) :
		    sizeof(di_sha384);
		if (inlen + plen > sizeof(buf))
			return CA_ERR_INVALID_ARG;
		memcpy(buf, EVP_MD_get_type(md) == NID_sha256 ? di_sha256 :
		    di_sha384, plen);
		memcpy(buf + plen, in, inlen);
		in = buf;
	}
	if ((rv = s->h->f->C_SignInit(s->session, &mech, s->key)) != CKR_OK) {
		ca_p11_detail(eb, "C_SignInit", rv);
		return ca_p11_code(rv);
	}
	if ((rv = s->h->f->C_Sign(s->session, (CK_BYTE_PTR)in,
	    (CK_ULONG)(plen + inlen), raw, &rawlen)) != CKR_OK) {
		ca_p11_detail(eb, "C_Sign", rv);
		return ca_p11_code(rv);
	}
	return finish_sig(s, raw, rawlen, sig, siglen, eb);
}

int
ca_tsigner_sign(struct ca_tsigner *s, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb)
{
	const struct ca_sign_mech *m;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	int r;

	*sig = NULL;
	if ((r = mech_for(s, md, &m, eb)) != 0)
		return r;
	if (m->hashed)
		return sign_once(s, md, m, data, len, sig, siglen, eb);
	if (EVP_Digest(data, len, dg, &dlen, md, NULL) != 1) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	return sign_once(s, md, m, dg, dlen, sig, siglen, eb);
}

int
ca_tsigner_sign_cb(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	return ca_tsigner_sign(arg, md, data, len, sig, siglen, eb);
}

/* --- streamed ----------------------------------------------------------- */

/* Send what is buffered to the token. */
static int
stream_flush(struct ca_tsigner *s, struct ca_errbuf *eb)
{
	CK_RV rv;

	if (s->blen == 0)
		return 0;
	rv = s->h->f->C_SignUpdate(s->session, s->buf, (CK_ULONG)s->blen);
	s->blen = 0;
	if (rv != CKR_OK) {
		/* A failed C_SignUpdate ends the operation (PKCS#11 5.12). */
		s->active = 0;
		if (eb != NULL)
			ca_p11_detail(eb, "C_SignUpdate", rv);
		return ca_p11_code(rv);
	}
	return 0;
}

static int
stream_begin(void *arg, const EVP_MD *md, struct ca_errbuf *eb)
{
	struct ca_tsigner *s = arg;
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_RV rv;

	int r;

	s->failed = 0;
	s->blen = 0;
	if ((r = mech_for(s, md, &s->sm, eb)) != 0)
		return r;
	s->md = md;
	if (!s->sm->hashed) {
		if ((s->dctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(s->dctx, md, NULL) != 1) {
			EVP_MD_CTX_free(s->dctx);
			s->dctx = NULL;
			ERR_clear_error();
			return CA_ERR_CRYPTO;
		}
		s->active = 1;
		return 0;
	}
	if (s->buf == NULL && (s->buf = malloc(STREAM_CHUNK)) == NULL)
		return CA_ERR_NOMEM;
	mech.mechanism = s->sm->mech;
	if ((rv = s->h->f->C_SignInit(s->session, &mech, s->key)) != CKR_OK) {
		ca_p11_detail(eb, "C_SignInit", rv);
		return ca_p11_code(rv);
	}
	s->active = 1;
	return 0;
}

static int
stream_update(void *arg, const unsigned char *p, size_t n)
{
	struct ca_tsigner *s = arg;
	size_t k;

	if (s->failed || !s->active)
		return CA_ERR_INTERNAL;
	if (s->dctx != NULL) {
		if (EVP_DigestUpdate(s->dctx, p, n) != 1) {
			s->failed = CA_ERR_CRYPTO;
			return s->failed;
		}
		return 0;
	}
	while (n > 0) {
		k = STREAM_CHUNK - s->blen;
		if (k > n)
			k = n;
		memcpy(s->buf + s->blen, p, k);
		s->blen += k;
		p += k;
		n -= k;
		if (s->blen == STREAM_CHUNK &&
		    (s->failed = stream_flush(s, NULL)) != 0)
			return s->failed;
	}
	return 0;
}

static int
stream_final(void *arg, unsigned char **sig, size_t *siglen,
    struct ca_errbuf *eb)
{
	struct ca_tsigner *s = arg;
	unsigned char dg[EVP_MAX_MD_SIZE], raw[1024];
	unsigned int dlen = 0;
	CK_ULONG rawlen = sizeof(raw);
	CK_RV rv;
	int r;

	*sig = NULL;
	if (s->dctx != NULL) {
		r = s->failed;
		if (r == 0 && EVP_DigestFinal_ex(s->dctx, dg, &dlen) != 1)
			r = CA_ERR_CRYPTO;
		EVP_MD_CTX_free(s->dctx);
		s->dctx = NULL;
		s->active = 0;
		ERR_clear_error();
		if (r != 0)
			return r;
		return sign_once(s, s->md, s->sm, dg, dlen, sig, siglen, eb);
	}
	if (!s->active) {
		if (s->failed == 0)
			return CA_ERR_INTERNAL;
		ca_errf(eb, "the token stopped signing part-way");
		return s->failed;
	}
	if ((r = stream_flush(s, eb)) != 0)
		return r;
	/* Ends the operation, even when what went before failed. */
	rv = s->h->f->C_SignFinal(s->session, raw, &rawlen);
	s->active = 0;
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_SignFinal", rv);
		return ca_p11_code(rv);
	}
	if (s->failed != 0)
		return s->failed;
	return finish_sig(s, raw, rawlen, sig, siglen, eb);
}

void
ca_tsigner_stream(struct ca_tsigner *s, struct ca_sign_stream *out)
{
	out->begin = stream_begin;
	out->update = stream_update;
	out->final = stream_final;
	out->arg = s;
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
	if (!s->shared)
		s->h->f->C_CloseSession(s->session);
	EVP_MD_CTX_free(s->dctx);
	free(s->buf);
	free(s);
}
