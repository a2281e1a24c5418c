/*
 * lint.h: certificate lints, run before the token signs and again after.
 *
 * Each lint cites the rule it enforces (RFC 5280 or the CA/Browser Forum
 * Baseline Requirements).  A certificate with any finding is refused.
 */
#ifndef CA_LINT_H
#define CA_LINT_H

#include <openssl/x509.h>

#include "ca_err.h"
#include "certgen.h"

#define CA_LINT_MAX 24

struct ca_lint_report {
	size_t n;
	char msg[CA_LINT_MAX][160];
};

/*
 * ca_lint_cert: run every lint for a self-signed certificate of kind on x,
 * recording findings in rep.  Returns 0 when there are none, CA_ERR_LINT
 * otherwise (and puts the first finding in eb).
 */
int ca_lint_cert(X509 *x, enum ca_cert_kind kind, struct ca_lint_report *rep,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_lint_cert_issued: as ca_lint_cert, for a certificate signed by
 * issuer_key (NULL: x's own key): the signature algorithm and hash are
 * checked against the issuer's key, the key type and size against x's.
 */
int ca_lint_cert_issued(X509 *x, EVP_PKEY *issuer_key,
    enum ca_cert_kind kind, struct ca_lint_report *rep,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_lint_issuer: the checks that need the issuing CA's certificate:
 * issuer name byte-equal to its subject, AKI equal to its SKI, validity
 * inside its own, a pathLen that allows x, and keyCertSign.  Findings go
 * to rep; CA_ERR_LINT with the first in eb.
 */
int ca_lint_issuer(X509 *x, X509 *issuer, struct ca_lint_report *rep,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_lint_device: ca_lint_cert_issued of kind CA_CERT_DEVICE, taking the
 * subject's key as key (the request's, already decoded) rather than
 * decoding it from x again, then ca_lint_issuer.
 */
int ca_lint_device(X509 *x, EVP_PKEY *key, EVP_PKEY *issuer_key,
    X509 *issuer, struct ca_lint_report *rep, struct ca_errbuf *eb)
    CA_MUST_CHECK;

#endif
