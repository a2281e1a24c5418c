/*
 * dircheck.h: verifying a CA directory's log from its files alone.
 */
#ifndef CA_DIRCHECK_H
#define CA_DIRCHECK_H

#include <openssl/x509.h>

#include "ca_err.h"
#include "log.h"

/*
 * ca_fingerprint_normalise: accept a SHA-256 fingerprint as typed from
 * paper (hex in either case, with or without a "sha256:" prefix, colons
 * or spaces) and write it as 64 lowercase hex digits into out[65].
 * CA_ERR_INVALID_ARG.
 */
int ca_fingerprint_normalise(const char *in, char out[65]) CA_MUST_CHECK;

/*
 * ca_dir_verify_log: verify the log of CA directory dir.  The CA
 * certificate (ca.pem) must be self-signed, or chain through chain.pem
 * to a self-signed root; when anchor is not NULL, the CA's or the root's
 * SHA-256 fingerprint must be anchor.  log-signer.pem must be issued by
 * it with the ceremonyLogSigning EKU; then every record must verify under
 * the log signer (ca_log_verify).  Fills sum (may be NULL).
 * CA_ERR_VERIFY for the certificates, CA_ERR_LOG for the log,
 * CA_ERR_NOT_FOUND, CA_ERR_INVALID_ARG for a malformed anchor.
 */
int ca_dir_verify_log(const char *dir, const char *anchor,
    struct ca_log_summary *sum, struct ca_errbuf *eb) CA_MUST_CHECK;

/* A CA directory's certificates, as ca_dir_verify_log_certs checked them. */
struct ca_dir_certs {
	X509 *ca;			/* ca.pem */
	X509 *log_signer;		/* log-signer.pem */
	STACK_OF(X509) *chain;		/* chain.pem; NULL for a root */
};

/*
 * ca_dir_verify_log_certs: ca_dir_verify_log, checking the log's
 * signatures as check says (ca_log_verify_keys) and showing each
 * record's body to fn (may be NULL) in the same pass.  The certificates
 * it checked go to c (free with ca_dir_certs_free, also after a
 * failure): the objects checked are the ones a caller goes on to use,
 * not a second reading of the files.
 */
int ca_dir_verify_log_certs(const char *dir, const char *anchor,
    enum ca_log_check check, struct ca_dir_certs *c,
    struct ca_log_summary *sum, ca_log_fn fn, void *arg,
    struct ca_errbuf *eb) CA_MUST_CHECK;
void ca_dir_certs_free(struct ca_dir_certs *c);

#endif
