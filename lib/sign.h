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
 * A signer fed in pieces, for a structure signed as it is streamed (a
 * large CRL), so that a token whose mechanism hashes the data itself
 * (CKM_SHA256_RSA_PKCS, say) is given the data, not a digest: begin with
 * md, update with the data any number of times, then final, which gives
 * the signature as a ca_sign_fn does.  Once begin has succeeded, final
 * must be called, even after a failure, for it alone ends the
 * operation; a failed update makes final fail.  0, or a CA_ERR_* with eb
 * filled.
 */
struct ca_sign_stream {
	int (*begin)(void *arg, const EVP_MD *md, struct ca_errbuf *eb);
	int (*update)(void *arg, const unsigned char *p, size_t n);
	int (*final)(void *arg, unsigned char **sig, size_t *siglen,
	    struct ca_errbuf *eb);
	void *arg;
};

/*
 * ca_sign_evp_stream: *out, a ca_sign_stream for the software key key
 * (borrowed), its state in *st (caller-owned, to outlive the stream;
 * final frees what it holds).
 */
struct ca_evp_stream {
	EVP_PKEY *key;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	int failed;
};
void ca_sign_evp_stream(struct ca_evp_stream *st, EVP_PKEY *key,
    struct ca_sign_stream *out);

/*
 * ca_sign_evp: a ca_sign_fn for a software key; arg is its EVP_PKEY
 * (borrowed).  CA_ERR_CRYPTO with OpenSSL's reason in eb.
 */
int ca_sign_evp(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* ca_sign_evp_digest: ca_sign_evp over a digest already made with md. */
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
