/*
 * tokensign.h: every signature the toolkit makes on a token.
 *
 * Each signer is a PKCS#11 session of its own on the module's function
 * list, holding the handle of one private key: certificates, requests,
 * CRLs and log records are all signed through one.  Nothing signs
 * through libp11's EVP_PKEY, whose session pool waits for ever when the
 * token refuses a session (libp11 0.4.12), and which lists every object
 * on the token to find one key.  A batch of thousands of certificates
 * keeps the token busy only if each thread has a signer of its own:
 * PKCS#11 sessions of one application share its login, and a token
 * that can sign in parallel then does.
 */
#ifndef CA_TOKENSIGN_H
#define CA_TOKENSIGN_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "hsm.h"

struct ca_tsigner;

/*
 * ca_tsigner_open: a new session on h's logged-in token for the private
 * half of key, to be used by one thread at a time.  Close it before h.
 * When the token has no session to spare (ca_hsm_session_free, or
 * CKR_SESSION_COUNT), the signer signs in h's own session instead
 * (ca_tsigner_shared): it then signs only while nothing else uses h,
 * and never from a second thread.
 * It chooses the mechanisms it will sign with after SHA-256 and
 * SHA-384 (hsm_p11.h, ca_p11_sign_mech).  CA_ERR_KEY_NOT_FOUND,
 * CA_ERR_HSM (a token out of sessions among them), CA_ERR_ALGORITHM for
 * a key neither EC nor RSA, or one the token offers no way to sign
 * with, CA_ERR_NOMEM.
 */
int ca_tsigner_open(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_tsigner **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tsigner_sign: sign the DER data (a tbsCertificate, say) with md,
 * returning the X.509 signature value in a new buffer (caller frees with
 * OPENSSL_free()): a DER ECDSA-Sig-Value, or an RSASSA-PKCS1-v1_5
 * signature.  The mechanism is the one ca_tsigner_open chose from what
 * the token announces (hsm_p11.h, ca_p11_sign_mech): the data goes to
 * the token when it hashes (CKM_SHA256_RSA_PKCS), else its digest,
 * made here (CKM_ECDSA; CKM_RSA_PKCS in a DigestInfo).  md must be
 * SHA-256 or SHA-384 (CA_ERR_INVALID_ARG).  CA_ERR_ALGORITHM (no
 * mechanism for md), CA_ERR_HSM, CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_tsigner_sign(struct ca_tsigner *s, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tsigner_sign_cb: ca_tsigner_sign as the ca_sign_fn of sign.h, arg
 * being the struct ca_tsigner: for records (ca_log_seal_with) and
 * requests (ca_csr_build).
 */
int ca_tsigner_sign_cb(void *arg, const EVP_MD *md,
    const unsigned char *data, size_t len, unsigned char **sig,
    size_t *siglen, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tsigner_stream: *out, the ca_sign_stream (sign.h) of s, for what is
 * signed as it is streamed (ca_crl_write): the same mechanism as
 * ca_tsigner_sign, the data sent in pieces (C_SignUpdate) when the token
 * hashes.  One stream at a time on s, and no other signature meanwhile.
 */
struct ca_sign_stream;
void ca_tsigner_stream(struct ca_tsigner *s, struct ca_sign_stream *out);

/*
 * ca_tsigner_mechanism: the name of the mechanism s signs with after md
 * ("CKM_SHA256_RSA_PKCS"), for the record; NULL when it has none for md.
 */
const char *ca_tsigner_mechanism(const struct ca_tsigner *s,
    const EVP_MD *md);

/*
 * ca_tsigner_sign_cert: the certificate draft, signed already (by a
 * throwaway key, say) with the signature algorithm of s's key and md,
 * signed by the token instead: the token signs draft's tbs as it stands,
 * and *out is a new certificate parsed from that tbs, draft's algorithm
 * and the token's signature, whose tbs re-encodes to the same bytes
 * (CA_ERR_VERIFY otherwise).  The signature is not verified here.  As
 * ca_tsigner_sign, and CA_ERR_CRYPTO.
 */
int ca_tsigner_sign_cert(struct ca_tsigner *s, X509 *draft,
    const EVP_MD *md, X509 **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tsigner_open_shared: ca_tsigner_open for a key that signs now and
 * then (the log key: a record per command), in h's own session, so that
 * a token's sessions go to the keys that sign in bulk.
 */
int ca_tsigner_open_shared(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_tsigner **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tsigner_shared: 1 when s signs in its token's own session, for want
 * of another (ca_tsigner_open), so that a batch signs on in no more
 * threads than it has sessions of their own.
 */
int ca_tsigner_shared(const struct ca_tsigner *s);

/* ca_tsigner_close: close the session, unless shared; accepts NULL. */
void ca_tsigner_close(struct ca_tsigner *s);

/*
 * ca_ecdsa_der: a token's ECDSA signature, r || s as PKCS#11 gives it
 * (len bytes), as the DER ECDSA-Sig-Value that X.509 and OpenSSL take,
 * in a new buffer of *dlen bytes (caller frees with OPENSSL_free()).
 * CA_ERR_CRYPTO for a malformed one.
 */
int ca_ecdsa_der(const unsigned char *raw, size_t len, unsigned char **der,
    size_t *dlen) CA_MUST_CHECK;

#endif
