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

/*
 * ca_x509_parse_any: one certificate from buf, PEM or DER, filling buf
 * (only blank space may follow a PEM block).  Caller frees with
 * X509_free.  CA_ERR_CRYPTO (not a certificate), CA_ERR_NOMEM.
 */
int ca_x509_parse_any(const unsigned char *buf, size_t len, X509 **out)
    CA_MUST_CHECK;

/*
 * ca_csr_parse: a PKCS#10 request from buf, PEM ("CERTIFICATE REQUEST"
 * or "NEW CERTIFICATE REQUEST") or DER filling buf exactly; only blank
 * space may follow a PEM block.  Caller frees
 * with X509_REQ_free.  CA_ERR_CSR for anything else, truncated input
 * included.
 */
int ca_csr_parse(const unsigned char *buf, size_t len, X509_REQ **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_csr_check_pop: the request is signed by its own key (proof of
 * possession).  CA_ERR_VERIFY, CA_ERR_CSR when it has no usable key.
 */
int ca_csr_check_pop(X509_REQ *req, struct ca_errbuf *eb) CA_MUST_CHECK;

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
 * ca_csr_build: a request for pub with subject, signed by signer (the
 * token's half of pub) with md, and checked to verify with pub.  Caller
 * frees with X509_REQ_free.  CA_ERR_CRYPTO, CA_ERR_VERIFY.
 */
int ca_csr_build(const X509_NAME *subject, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, X509_REQ **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_csr_pem: req as PEM in a new buffer (caller frees with free()).
 * CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_csr_pem(X509_REQ *req, char **out, size_t *len) CA_MUST_CHECK;

#endif
