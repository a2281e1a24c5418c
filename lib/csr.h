/*
 * csr.h: PKCS#10 certificate requests, and the key policy every key that
 * a CA certifies must pass.
 */
#ifndef CA_CSR_H
#define CA_CSR_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "sign.h"

/*
 * ca_x509_parse_any: one certificate from buf, PEM or DER, filling buf
 * (only blank space may follow a PEM block).  Caller frees with
 * X509_free.  CA_ERR_CRYPTO (not a certificate), CA_ERR_NOMEM.
 */
int ca_x509_parse_any(const unsigned char *buf, size_t len, X509 **out)
    CA_MUST_CHECK;

/*
 * A certificate request as received.  OpenSSL 3.0 makes the key of every
 * SubjectPublicKeyInfo its own templates read through a chain of provider
 * decoders built afresh each time, which costs more than checking the
 * request's signature; so a request is read with templates of our own
 * and its key is made from its fields (EC on P-256 or P-384, RSA), or
 * by OpenSSL's decoders for any other kind, whose verdict then stands.
 */
struct ca_csr {
	const X509_NAME *subject;	/* borrowed from req */
	/*
	 * The key's fields as received (X509_PUBKEY_get0_param); the key
	 * itself is not decoded into it, so X509_PUBKEY_get0 gives NULL.
	 */
	X509_PUBKEY *spki;
	EVP_PKEY *key;			/* NULL: the key cannot be decoded */
	struct ca_csr_req *req;		/* what the signature covers */
};

/*
 * ca_csr_parse: a PKCS#10 request (RFC 2986) of version 1 from buf, PEM
 * ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER filling buf
 * exactly; only blank space may follow a PEM block, and the DER inside
 * it must fill it too.  Its public key must be a whole number of bytes.
 * Caller frees with ca_csr_free.  CA_ERR_CSR for anything else, truncated
 * input included; CA_ERR_NOMEM.
 */
int ca_csr_parse(const unsigned char *buf, size_t len, struct ca_csr **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_csr_free: c and all it holds; NULL is allowed. */
void ca_csr_free(struct ca_csr *c);

/*
 * ca_csr_check_pop: the request is signed by its own key (proof of
 * possession), over its bytes as received.  CA_ERR_VERIFY, CA_ERR_CSR
 * when it has no usable key.
 */
int ca_csr_check_pop(const struct ca_csr *c, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_csr_extensions: the extensions the request asks for, from its one
 * extensionRequest attribute (RFC 2985 5.4.2; Microsoft's old OID too),
 * in *out (caller frees with sk_X509_EXTENSION_pop_free); *out is NULL
 * when it asks for none.  CA_ERR_CSR when it asks twice or the
 * attribute is malformed; CA_ERR_NOMEM.
 */
int ca_csr_extensions(const struct ca_csr *c,
    STACK_OF(X509_EXTENSION) **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_key_policy_check: key is allowed: EC on P-256 or P-384 (as
 * algs, CA_KEYPOL_* from profile.h, allows), named rather than given by
 * explicit parameters (RFC 5480 2.1.1), with its point on the curve,
 * or RSA of at least rsa_min_bits with public exponent 65537.
 * CA_ERR_KEY_POLICY with the reason in eb.
 */
int ca_key_policy_check(EVP_PKEY *key, unsigned algs, int rsa_min_bits,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_csr_build: a request for pub with subject, signed with md by
 * sign(arg, ...) (the token's half of pub: ca_tsigner_sign_cb; or a
 * software key: ca_sign_evp), parsed back from its DER and checked to
 * verify with pub.  Caller frees with X509_REQ_free.  CA_ERR_ALGORITHM,
 * CA_ERR_CRYPTO, CA_ERR_VERIFY, and sign's errors.
 */
int ca_csr_build(const X509_NAME *subject, EVP_PKEY *pub, ca_sign_fn sign,
    void *arg, const EVP_MD *md, X509_REQ **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_csr_pem: req as PEM in a new buffer (caller frees with free()).
 * CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_csr_pem(X509_REQ *req, char **out, size_t *len) CA_MUST_CHECK;

#endif
