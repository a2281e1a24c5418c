/*
 * certgen.h: building, signing and comparing certificates.
 *
 * The flow for every certificate is: build the TBS, lint it with a
 * throwaway software key, build it again with the token's key, sign on the
 * token, verify, compare with the linted one, lint again.
 */
#ifndef CA_CERTGEN_H
#define CA_CERTGEN_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca_err.h"
#include "hsm.h"

/*
 * The project's own EKU for ceremony-log signing, "ceremonyLogSigning":
 * a UUID-derived OID (ITU-T X.667) so that it needs no registration.
 */
#define CA_OID_LOG_SIGNING "2.25.305581440993049175020090787962201328206"
#define CA_SN_LOG_SIGNING "ceremonyLogSigning"

#define CA_SERIAL_LEN 16	/* 127 random bits, positive, <= 20 octets */

enum ca_cert_kind {
	CA_CERT_ROOT = 1,	/* self-signed CA */
	CA_CERT_LOG_SIGNER,	/* end entity for ceremony-log signing */
	CA_CERT_SUB,		/* subordinate CA, issued by another CA */
	CA_CERT_CROSS,		/* another root's key, certified by ours */
	CA_CERT_DEVICE,		/* a device's end-entity certificate */
};

struct ca_profile;

struct ca_cert_params {
	enum ca_cert_kind kind;
	const X509_NAME *subject;	/* borrowed */
	const X509_NAME *issuer;	/* borrowed; NULL for self-signed */
	unsigned char serial[CA_SERIAL_LEN];
	time_t not_before, not_after;
	int path_len;			/* CA only; -1 for none */
	unsigned key_usage;		/* CA_KU_* from profile.h */
	/*
	 * Sub and cross only, each may be NULL: the profile whose
	 * extendedKeyUsage, certificatePolicies, nameConstraints, CRL
	 * distribution points and caIssuers go in; the subject key
	 * identifier to copy (a cross-certificate keeps the other root's,
	 * byte for byte) instead of computing one; and the issuer's own
	 * subject key identifier, which becomes the authority key
	 * identifier instead of one computed from issuer_key.
	 */
	const struct ca_profile *profile;
	const ASN1_OCTET_STRING *ski;
	const ASN1_OCTET_STRING *aki;
	/*
	 * Device only: the subjectAltName (borrowed; NULL for none), made
	 * critical when the subject is empty (RFC 5280 4.2.1.6).
	 */
	const GENERAL_NAMES *san;
	/*
	 * When set (borrowed), the subjectPublicKeyInfo is copied from it
	 * field by field and subject_key is not used: for batches, where
	 * encoding each key through OpenSSL 3.0's providers would cost as
	 * much as signing.  Pass ski as well (ca_key_id of it).  The key
	 * is then not decoded: X509_get0_pubkey of the result is NULL, and
	 * lints take the request's key (ca_lint_device).
	 */
	const X509_PUBKEY *spki;
};


/*
 * ca_serial_random: fill serial with CSPRNG output, forced positive and
 * with a nonzero first octet so its DER length is fixed.  CA_ERR_CRYPTO.
 */
int ca_serial_random(unsigned char serial[CA_SERIAL_LEN]) CA_MUST_CHECK;

/*
 * ca_key_id: the subjectKeyIdentifier of the key in spki, RFC 7093
 * section 2 method 1 (the leftmost 160 bits of the SHA-256 of the
 * subjectPublicKey BIT STRING's value), as every certificate here has.
 * Caller frees with ASN1_OCTET_STRING_free.  CA_ERR_CRYPTO.
 */
int ca_key_id(const X509_PUBKEY *spki, ASN1_OCTET_STRING **out)
    CA_MUST_CHECK;

/*
 * ca_pubkey_set_fields: dst's algorithm and key bits become copies of alg
 * (its parameters absent, NULL, an OID or a SEQUENCE) and of pk's pklen
 * bytes, with no unused bits; no key is decoded or encoded, so
 * X509_PUBKEY_get0 of dst gives NULL.  CA_ERR_CRYPTO.
 */
int ca_pubkey_set_fields(X509_PUBKEY *dst, const X509_ALGOR *alg,
    const unsigned char *pk, int pklen) CA_MUST_CHECK;

/*
 * ca_cert_build: a new unsigned certificate for subject_key from p.
 * issuer_key gives the authorityKeyIdentifier unless p->aki is set (both
 * NULL: self-signed, AKI = SKI).  Caller frees with X509_free.
 * CA_ERR_CRYPTO, CA_ERR_NOMEM, CA_ERR_PROFILE (a profile entry that cannot
 * be encoded, such as a malformed CIDR).
 */
int ca_cert_build(const struct ca_cert_params *p, EVP_PKEY *subject_key,
    EVP_PKEY *issuer_key, X509 **out) CA_MUST_CHECK;

/*
 * ca_md_for_key: the digest this toolkit signs with for key: SHA-384 for
 * P-384 and RSA >= 4096, SHA-256 otherwise.  NULL for an unsupported key.
 */
const EVP_MD *ca_md_for_key(EVP_PKEY *key);

/* ca_md_for_alg: as ca_md_for_key, by algorithm. */
const EVP_MD *ca_md_for_alg(enum ca_keyalg alg);

/*
 * ca_cert_sign: sign x with signer (software or token) using md.
 * CA_ERR_CRYPTO (detail in eb).
 */
int ca_cert_sign(X509 *x, EVP_PKEY *signer, const EVP_MD *md,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_cert_verify: CA_ERR_VERIFY unless x's signature verifies with pub. */
int ca_cert_verify(X509 *x, EVP_PKEY *pub) CA_MUST_CHECK;

/*
 * ca_cert_assemble: Certificate ::= SEQUENCE { tbs, signatureAlgorithm,
 * BIT STRING } from tl bytes of tbs (draft's, as i2d_re_X509_tbs gives
 * them), draft's own signatureAlgorithm, and a signature made elsewhere
 * (a token's): the bytes linted are the bytes signed.  *out is a new
 * buffer of *outlen bytes (free()).  CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_cert_assemble(X509 *draft, const unsigned char *tbs, size_t tl,
    const unsigned char *sig, size_t siglen, unsigned char **out,
    size_t *outlen) CA_MUST_CHECK;

/*
 * ca_cert_same_tbs: 0 when a and b agree in every TBS field except those
 * that depend on the key (subjectPublicKeyInfo, subjectKeyIdentifier,
 * authorityKeyIdentifier); CA_ERR_VERIFY naming the first difference
 * otherwise.
 */
int ca_cert_same_tbs(X509 *a, X509 *b, struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_keygen_soft: a throwaway software key of alg.  CA_ERR_CRYPTO. */
int ca_keygen_soft(enum ca_keyalg alg, EVP_PKEY **out) CA_MUST_CHECK;

/*
 * ca_keygen_stamp: a throwaway software key that, signing with
 * ca_md_for_key(issuer), gives a draft the signature AlgorithmIdentifier
 * issuer's own signature will have: P-256 for an EC issuer, RSA-1024 for
 * an RSA one (the identifier depends on the hash alone, and 1024 bits
 * hold a SHA-512 DigestInfo).  For drafts that are linted and compared,
 * never published.  Caller frees with EVP_PKEY_free.  CA_ERR_ALGORITHM
 * for another key type, CA_ERR_CRYPTO.
 */
int ca_keygen_stamp(EVP_PKEY *issuer, EVP_PKEY **out) CA_MUST_CHECK;

/* ca_cert_sha256: SHA-256 fingerprint of x's DER, lowercase hex. */
int ca_cert_sha256(X509 *x, char hex[65]) CA_MUST_CHECK;

/* ca_spki_sha256: SHA-256 of key's DER SubjectPublicKeyInfo, hex. */
int ca_spki_sha256(EVP_PKEY *key, char hex[65]) CA_MUST_CHECK;

/*
 * ca_cert_pem: x as PEM in a new buffer (caller frees with free()).
 * CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_cert_pem(X509 *x, char **out, size_t *len) CA_MUST_CHECK;

/*
 * ca_certs_pem: the nfirst certificates of first, then those of rest (may
 * be NULL), as PEM one after another in a new buffer (caller frees with
 * free()): a chain file.  CA_ERR_CRYPTO, CA_ERR_NOMEM.
 */
int ca_certs_pem(X509 *const *first, size_t nfirst, STACK_OF(X509) *rest,
    char **out, size_t *len) CA_MUST_CHECK;

/*
 * ca_cert_load: read one PEM certificate from path.  Caller frees with
 * X509_free.  CA_ERR_NOT_FOUND, CA_ERR_IO, CA_ERR_CRYPTO.
 */
int ca_cert_load(const char *path, X509 **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_certs_load: every PEM certificate in path, in order (at least one).
 * Caller frees with sk_X509_pop_free(..., X509_free).  CA_ERR_NOT_FOUND,
 * CA_ERR_IO, CA_ERR_CRYPTO.
 */
int ca_certs_load(const char *path, STACK_OF(X509) **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_chain_verify: x chains, through the certificates in chain, to the
 * self-signed certificate among them, by RFC 5280 path validation at
 * time at (0: ignore validity periods, for records read years later).
 * The anchor is returned borrowed in *root (may be NULL).
 * CA_ERR_VERIFY with the reason in eb.
 */
int ca_chain_verify(X509 *x, STACK_OF(X509) *chain, time_t at, X509 **root,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_signer_name: the log signer's subject: the CA's, with its common
 * name replaced by "Ceremony Log Signer".  Caller frees with
 * X509_NAME_free.  CA_ERR_NOMEM, CA_ERR_CRYPTO.
 */
int ca_log_signer_name(const X509_NAME *ca_subject, X509_NAME **out)
    CA_MUST_CHECK;

/* ca_serial_hex: x's serial number as lowercase hex into out[41]. */
int ca_serial_hex(X509 *x, char out[41]) CA_MUST_CHECK;

#endif
