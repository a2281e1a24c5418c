/*
 * sign.h: signing through a callback, and the pieces every signed
 * structure shares.
 *
 * The library never asks an EVP_PKEY of a token to sign: certificates,
 * requests, CRLs and log records are signed by a callback, which a
 * token's own PKCS#11 session supplies (tokensign.h) and a software key
 * supplies here (throwaway drafts, tests, benchmarks).  Whoever signs,
 * the bytes signed are the ones this library encoded, and the signed
 * structure is put together here from them.
 */
#ifndef CA_SIGN_H
#define CA_SIGN_H

#include <stddef.h>

#include <openssl/evp.h>

#include "ca_err.h"

/*
 * A signature over len bytes of data, digested with md (SHA-256 or
 * SHA-384), in the form X.509 and the log carry it: a DER
 * ECDSA-Sig-Value, or an RSASSA-PKCS1-v1_5 signature.  *sig is a new
 * buffer of *siglen bytes (caller frees with OPENSSL_free()).  0, or a
 * CA_ERR_* with eb filled.
 */
typedef int (*ca_sign_fn)(void *arg, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb);

/*
 * As ca_sign_fn, over a digest already made with md (dlen bytes): for a
 * structure that is digested as it is streamed, such as a large CRL.
 */
typedef int (*ca_sign_digest_fn)(void *arg, const EVP_MD *md,
    const unsigned char *dg, size_t dlen, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb);

/*
 * ca_sign_evp: a ca_sign_fn for a software key; arg is its EVP_PKEY
 * (borrowed).  CA_ERR_CRYPTO with OpenSSL's reason in eb.
 */
int ca_sign_evp(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* ca_sign_evp_digest: the same, as a ca_sign_digest_fn. */
int ca_sign_evp_digest(void *arg, const EVP_MD *md, const unsigned char *dg,
    size_t dlen, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_sign_algor: the DER AlgorithmIdentifier of a signature by a key of
 * key's kind with md: ecdsa-with-SHA256/384 with no parameters (RFC 5758
 * 3.2), or sha256/384WithRSAEncryption with NULL ones (RFC 4055 5).
 * *out is a new buffer of *len bytes (caller frees with OPENSSL_free()).
 * CA_ERR_ALGORITHM for any other key or digest, CA_ERR_CRYPTO.
 */
int ca_sign_algor(EVP_PKEY *key, const EVP_MD *md, unsigned char **out,
    int *len) CA_MUST_CHECK;

/*
 * ca_sign_assemble: SEQUENCE { tbs, algorithm, BIT STRING signature },
 * the shape of a certificate, a request and a CRL (RFC 5280 4.1, 5.1;
 * RFC 2986 4.2), from tl bytes of tbs, al bytes of DER algorithm
 * identifier and siglen bytes of signature, with no unused bits.  *out
 * is a new buffer of *outlen bytes (caller frees with free()).
 * CA_ERR_NOMEM.
 */
int ca_sign_assemble(const unsigned char *tbs, size_t tl,
    const unsigned char *alg, size_t al, const unsigned char *sig,
    size_t siglen, unsigned char **out, size_t *outlen) CA_MUST_CHECK;

#endif
