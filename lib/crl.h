/*
 * crl.h: the revocation index and streaming X.509 v2 CRLs (RFC 5280 5).
 *
 * A CA's revoked certificates are kept in its revocation index, one line
 * per certificate, sorted by serial number:
 *
 *	SERIAL SP REVOKED SP REASON [SP INVALIDITY] LF
 *
 * SERIAL is the serial number as even-length lowercase hex without
 * leading zero octets (as the log writes it), REVOKED and INVALIDITY are
 * "YYYYMMDDHHMMSSZ" and REASON the RFC 5280 5.3.1 code in decimal.  The
 * CRL is built from the index by streaming: the index is read once to
 * size the CRL, once to hash it, once to write it and once to check it,
 * so that no second copy of the entries is ever held in memory.
 */
#ifndef CA_CRL_H
#define CA_CRL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "sign.h"

/* RFC 5280 5.3.1 reason codes this toolkit uses (no certificateHold). */
enum {
	CA_REASON_UNSPECIFIED = 0,
	CA_REASON_KEY_COMPROMISE = 1,
	CA_REASON_CA_COMPROMISE = 2,
	CA_REASON_AFFILIATION_CHANGED = 3,
	CA_REASON_SUPERSEDED = 4,
	CA_REASON_CESSATION = 5,
	CA_REASON_PRIVILEGE_WITHDRAWN = 9,
};

/*
 * ca_reason_parse: the code for an RFC 5280 name such as "keyCompromise".
 * CA_ERR_INVALID_ARG for any other, certificateHold included.
 */
int ca_reason_parse(const char *name, int *code) CA_MUST_CHECK;

/* ca_reason_name: the RFC 5280 name of code, or NULL. */
const char *ca_reason_name(int code);

/*
 * ca_serial_normalise: a serial number as typed (hex in either case,
 * colons allowed, leading zeros ignored) in the log's form into out[41].
 * CA_ERR_INVALID_ARG when it is not 1 to 20 octets of positive hex.
 */
int ca_serial_normalise(const char *in, char out[41]) CA_MUST_CHECK;

/* ca_serial_cmp: order of two normalised serials as numbers. */
int ca_serial_cmp(const char *a, const char *b);

struct ca_rev_entry {
	char serial[41];
	char revoked[16];		/* YYYYMMDDHHMMSSZ */
	int reason;
	char invalidity[16];		/* "" when none */
};

/*
 * ca_rev_line: e as one index line with its LF into buf (at least 96
 * bytes); returns its length.
 */
size_t ca_rev_line(const struct ca_rev_entry *e, char *buf);

/*
 * ca_rev_next: read the next index line from f into e.  Returns 1 for an
 * entry, 0 at the end, CA_ERR_INVALID_ARG for a malformed line (its
 * number in *line), CA_ERR_IO when f cannot be read.
 */
int ca_rev_next(FILE *f, struct ca_rev_entry *e, long long *line)
    CA_MUST_CHECK;

/*
 * ca_rev_insert: copy the index at in (may be NULL or missing: empty) to
 * the open file out with e inserted in serial order, fsynced.  Counts the
 * entries written in *count and hashes the new index into sha256[65].
 * CA_ERR_EXISTS when the serial is already there, CA_ERR_INVALID_ARG for
 * a malformed or unsorted index, CA_ERR_IO.
 */
int ca_rev_insert(const char *in, FILE *out, const struct ca_rev_entry *e,
    long long *count, char sha256[65], struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * The issuingDistributionPoint, critical as RFC 5280 5.2.5 says, or left
 * out for relying parties that refuse it (ca-crl(1) lists which):
 * FULL names the distribution points and, for a root, onlyContainsCACerts;
 * SCOPE only the latter; NONE leaves the extension out.
 */
enum {
	CA_IDP_NONE = 0,
	CA_IDP_SCOPE,
	CA_IDP_FULL,
};

/* ca_idp_parse: "full", "scope" or "none".  CA_ERR_INVALID_ARG. */
int ca_idp_parse(const char *s, int *idp) CA_MUST_CHECK;

/* What goes in a CRL besides its entries. */
struct ca_crl_params {
	X509 *issuer;			/* the CA certificate */
	time_t this_update, next_update;
	unsigned long long number;	/* cRLNumber */
	int idp;			/* CA_IDP_*: what the IDP holds */
	int only_ca_certs;		/* IDP onlyContainsCACerts */
	const char *const *dp_uris;	/* IDP fullName; may be empty */
	size_t ndp;
};

/* What a CRL came to. */
struct ca_crl_info {
	long long entries;
	size_t der_len;
	char der_sha256[65];
};

/*
 * ca_crl_write: build the CRL over the index at idx (NULL or missing:
 * none revoked) with p, have sign (a token's: ca_tsigner_stream; a
 * software key's: ca_sign_evp_stream) sign its TBS as it is streamed,
 * with the digest the issuer's key calls for, and write it as DER to der
 * and PEM to pem (open files, fsynced here).  The index is streamed,
 * never held.  The signature is not checked here: ca_crl_check reads
 * the file back and does.  Fills info.  CA_ERR_INVALID_ARG for a
 * malformed or unsorted index, CA_ERR_ALGORITHM, CA_ERR_CRYPTO,
 * CA_ERR_IO, and sign's errors.
 */
int ca_crl_write(const char *idx, const struct ca_crl_params *p,
    const struct ca_sign_stream *sign, FILE *der, FILE *pem,
    struct ca_crl_info *info, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_crl_check: read the DER CRL at path back, streaming, and check it
 * against what was meant: the signature with the issuer's key, version,
 * issuer, dates, number, and that its entries are exactly those of the
 * index (serials, dates, reasons), in order.  CA_ERR_VERIFY with the
 * first difference in eb, CA_ERR_IO.
 */
int ca_crl_check(const char *path, const char *idx,
    const struct ca_crl_params *p, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
