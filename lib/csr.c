#include "csr.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "certgen.h"
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
		x = PEM_read_bio_X509(b, NULL, ca_pem_no_pass, NULL);
		if (x != NULL && !rest_is_blank(b)) {
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

/*
 * RFC 2986 4.1, read as OpenSSL's own templates read it (attributes
 * optional, as some old requests leave them out), except that the
 * subjectPublicKeyInfo stays as its fields: see struct ca_csr.
 */
typedef struct {
	X509_ALGOR *alg;
	ASN1_BIT_STRING *bits;
} CA_CSR_SPKI;

typedef struct {
	ASN1_ENCODING enc;		/* as received: what is signed */
	ASN1_INTEGER *version;
	X509_NAME *subject;
	CA_CSR_SPKI *spki;
	STACK_OF(X509_ATTRIBUTE) *attrs;
} CA_CSR_INFO;

struct ca_csr_req {
	CA_CSR_INFO *info;
	X509_ALGOR *sig_alg;
	ASN1_BIT_STRING *sig;
};
typedef struct ca_csr_req CA_CSR_REQ;

/* RFC 8017 A.1.1. */
typedef struct {
	ASN1_INTEGER *n;
	ASN1_INTEGER *e;
} CA_CSR_RSA;

ASN1_SEQUENCE(CA_CSR_SPKI) = {
	ASN1_SIMPLE(CA_CSR_SPKI, alg, X509_ALGOR),
	ASN1_SIMPLE(CA_CSR_SPKI, bits, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CA_CSR_SPKI)

ASN1_SEQUENCE_enc(CA_CSR_INFO, enc, NULL) = {
	ASN1_SIMPLE(CA_CSR_INFO, version, ASN1_INTEGER),
	ASN1_SIMPLE(CA_CSR_INFO, subject, X509_NAME),
	ASN1_SIMPLE(CA_CSR_INFO, spki, CA_CSR_SPKI),
	ASN1_IMP_SET_OF_OPT(CA_CSR_INFO, attrs, X509_ATTRIBUTE, 0)
} static_ASN1_SEQUENCE_END_ref(CA_CSR_INFO, CA_CSR_INFO)

ASN1_SEQUENCE(CA_CSR_REQ) = {
	ASN1_SIMPLE(CA_CSR_REQ, info, CA_CSR_INFO),
	ASN1_SIMPLE(CA_CSR_REQ, sig_alg, X509_ALGOR),
	ASN1_SIMPLE(CA_CSR_REQ, sig, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(CA_CSR_REQ)

ASN1_SEQUENCE(CA_CSR_RSA) = {
	ASN1_SIMPLE(CA_CSR_RSA, n, ASN1_INTEGER),
	ASN1_SIMPLE(CA_CSR_RSA, e, ASN1_INTEGER)
} static_ASN1_SEQUENCE_END(CA_CSR_RSA)

/* A key of type from params, through the provider's key manager alone. */
static EVP_PKEY *
key_fromdata(const char *type, const OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY,
	    (OSSL_PARAM *)params) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static EVP_PKEY *
rsa_key(const unsigned char *pk, int pklen)
{
	const unsigned char *p = pk;
	CA_CSR_RSA *r;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY *k = NULL;

	r = (CA_CSR_RSA *)ASN1_item_d2i(NULL, &p, pklen,
	    ASN1_ITEM_rptr(CA_CSR_RSA));
	if (r == NULL || p != pk + pklen ||
	    ASN1_STRING_type(r->n) != V_ASN1_INTEGER ||
	    ASN1_STRING_type(r->e) != V_ASN1_INTEGER ||
	    (n = ASN1_INTEGER_to_BN(r->n, NULL)) == NULL ||
	    (e = ASN1_INTEGER_to_BN(r->e, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	k = key_fromdata("RSA", params);
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	ASN1_item_free((ASN1_VALUE *)r, ASN1_ITEM_rptr(CA_CSR_RSA));
	return k;
}

/*
 * The key in s: made from its fields for the kinds a profile can allow,
 * by OpenSSL's decoders for any other, or when the fields do not make a
 * key (they then decide: a point off the curve is refused by both).
 * NULL when it cannot be decoded.
 */
static EVP_PKEY *
make_key(const CA_CSR_SPKI *s)
{
	const ASN1_OBJECT *o;
	const void *pval;
	const unsigned char *pk = ASN1_STRING_get0_data(s->bits), *p;
	unsigned char *der = NULL;
	int ptype, curve, pklen = ASN1_STRING_length(s->bits), n;
	OSSL_PARAM params[3];
	EVP_PKEY *k = NULL;

	X509_ALGOR_get0(&o, &ptype, &pval, s->alg);
	switch (OBJ_obj2nid(o)) {
	case NID_X9_62_id_ecPublicKey:
		if (ptype != V_ASN1_OBJECT)
			break;
		curve = OBJ_obj2nid(pval);
		if (curve != NID_X9_62_prime256v1 && curve != NID_secp384r1)
			break;
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)OBJ_nid2sn(curve), 0);
		params[1] = OSSL_PARAM_construct_octet_string(
		    OSSL_PKEY_PARAM_PUB_KEY, (void *)pk, (size_t)pklen);
		params[2] = OSSL_PARAM_construct_end();
		k = key_fromdata("EC", params);
		break;
	case NID_rsaEncryption:
		if (ptype == V_ASN1_NULL)
			k = rsa_key(pk, pklen);
		break;
	default:
		break;
	}
	if (k == NULL && (n = ASN1_item_i2d((const ASN1_VALUE *)s, &der,
	    ASN1_ITEM_rptr(CA_CSR_SPKI))) > 0) {
		p = der;
		if ((k = d2i_PUBKEY(NULL, &p, n)) != NULL && p != der + n) {
			EVP_PKEY_free(k);
			k = NULL;
		}
	}
	OPENSSL_free(der);
	ERR_clear_error();
	return k;
}

int
ca_csr_parse(const unsigned char *buf, size_t len, struct ca_csr **out,
    struct ca_errbuf *eb)
{
	const unsigned char *p;
	unsigned char *data = NULL;
	char *name = NULL;
	long dlen;
	BIO *b = NULL;
	struct ca_csr *c = NULL;
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
		if (PEM_bytes_read_bio(&data, &dlen, &name, PEM_STRING_X509_REQ,
		    b, ca_pem_no_pass, NULL) != 1) {
			ca_errf(eb, "not a PEM certificate request, or cut "
			    "short");
			goto out;
		}
		if (!rest_is_blank(b)) {
			ca_errf(eb, "something follows the PEM request; give "
			    "one request alone");
			goto out;
		}
		p = data;
	} else {
		p = buf;
		dlen = (long)len;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	{
		const unsigned char *start = p;

		c->req = (CA_CSR_REQ *)ASN1_item_d2i(NULL, &p, dlen,
		    ASN1_ITEM_rptr(CA_CSR_REQ));
		if (c->req == NULL) {
			ca_errf(eb, "%s", data != NULL ? "not a PEM "
			    "certificate request, or cut short" : "neither "
			    "PEM nor DER: not a certificate request, or cut "
			    "short");
			goto out;
		}
		if (p != start + dlen) {
			ca_errf(eb, "%ld bytes follow the DER request",
			    (long)(start + dlen - p));
			goto out;
		}
	}
	/* RFC 2986 4.1: version 1 (0) is the only one. */
	if (ASN1_STRING_type(c->req->info->version) != V_ASN1_INTEGER ||
	    ASN1_INTEGER_get(c->req->info->version) != 0) {
		ca_errf(eb, "the request's version is not 1");
		goto out;
	}
	/* Every key of RFC 3279 and its successors is whole bytes. */
	if (c->req->info->spki->bits->flags & 0x07) {
		ca_errf(eb, "the request's public key is not a whole number "
		    "of bytes");
		goto out;
	}
	c->subject = c->req->info->subject;
	if ((c->spki = X509_PUBKEY_new()) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (ca_pubkey_set_fields(c->spki, c->req->info->spki->alg,
	    ASN1_STRING_get0_data(c->req->info->spki->bits),
	    ASN1_STRING_length(c->req->info->spki->bits)) != 0) {
		ca_errf(eb, "the request's key algorithm has parameters of "
		    "no known kind");
		goto out;
	}
	c->key = make_key(c->req->info->spki);
	*out = c;
	c = NULL;
	r = 0;
out:
	ERR_clear_error();
	ca_csr_free(c);
	OPENSSL_free(data);
	OPENSSL_free(name);
	BIO_free(b);
	return r;
}

void
ca_csr_free(struct ca_csr *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->key);
	X509_PUBKEY_free(c->spki);
	ASN1_item_free((ASN1_VALUE *)c->req, ASN1_ITEM_rptr(CA_CSR_REQ));
	free(c);
}

int
ca_csr_check_pop(const struct ca_csr *c, struct ca_errbuf *eb)
{
	int ok;

	if (c->key == NULL) {
		ca_errf(eb, "the request's public key cannot be decoded");
		return CA_ERR_CSR;
	}
	/* The template keeps the signed bytes; they are what is checked. */
	ok = ASN1_item_verify(ASN1_ITEM_rptr(CA_CSR_INFO), c->req->sig_alg,
	    c->req->sig, c->req->info, c->key);
	ERR_clear_error();
	if (ok != 1) {
		ca_errf(eb, "the request's signature does not verify with its "
		    "own key (no proof of possession)");
		return CA_ERR_VERIFY;
	}
	return 0;
}

int
ca_csr_extensions(const struct ca_csr *c, STACK_OF(X509_EXTENSION) **out,
    struct ca_errbuf *eb)
{
	const STACK_OF(X509_ATTRIBUTE) *attrs = c->req->info->attrs;
	X509_ATTRIBUTE *a, *found = NULL;
	const ASN1_TYPE *t;
	const unsigned char *p;
	STACK_OF(X509_EXTENSION) *exts;
	int i, nid;

	*out = NULL;
	for (i = 0; i < sk_X509_ATTRIBUTE_num(attrs); i++) {
		a = sk_X509_ATTRIBUTE_value(attrs, i);
		nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a));
		if (nid != NID_ext_req && nid != NID_ms_ext_req)
			continue;
		/* Two lists, and a reader picks one: ask once. */
		if (found != NULL) {
			ca_errf(eb, "the request asks for extensions twice");
			return CA_ERR_CSR;
		}
		found = a;
	}
	if (found == NULL)
		return 0;
	if (X509_ATTRIBUTE_count(found) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(found, 0)) == NULL ||
	    t->type != V_ASN1_SEQUENCE) {
		ca_errf(eb, "the request's extensionRequest is not one list "
		    "of extensions");
		return CA_ERR_CSR;
	}
	p = t->value.sequence->data;
	exts = (STACK_OF(X509_EXTENSION) *)ASN1_item_d2i(NULL, &p,
	    t->value.sequence->length, ASN1_ITEM_rptr(X509_EXTENSIONS));
	ERR_clear_error();
	if (exts == NULL || p != t->value.sequence->data +
	    t->value.sequence->length) {
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		ca_errf(eb, "the request's extensionRequest cannot be read");
		return CA_ERR_CSR;
	}
	*out = exts;
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
ca_csr_build(const X509_NAME *subject, EVP_PKEY *pub, ca_sign_fn sign,
    void *arg, const EVP_MD *md, X509_REQ **out, struct ca_errbuf *eb)
{
	X509_REQ *req = NULL, *got = NULL;
	unsigned char *tbs = NULL, *alg = NULL, *sig = NULL, *der = NULL;
	const unsigned char *p;
	size_t siglen = 0, len = 0;
	int tl, al, r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, subject) != 1 ||
	    X509_REQ_set_pubkey(req, pub) != 1 ||
	    (tl = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0)
		goto out;
	if ((r = ca_sign_algor(pub, md, &alg, &al)) != 0)
		goto out;
	if ((r = sign(arg, md, tbs, (size_t)tl, &sig, &siglen, eb)) != 0)
		goto out;
	if ((r = ca_sign_assemble(tbs, (size_t)tl, alg, (size_t)al, sig,
	    siglen, &der, &len)) != 0)
		goto out;
	/* Parsed afresh from the bytes that will be written. */
	p = der;
	if ((got = d2i_X509_REQ(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	if (X509_REQ_verify(got, pub) != 1) {
		ca_errf(eb, "the token's signature on the request does not "
		    "verify");
		r = CA_ERR_VERIFY;
		goto out;
	}
	*out = got;
	got = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_REQ_free(req);
	X509_REQ_free(got);
	OPENSSL_free(tbs);
	OPENSSL_free(alg);
	OPENSSL_free(sig);
	free(der);
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
