/*
 * record.h: the pieces every ceremony record is made of, so that each
 * operation describes keys, certificates, files and people alike
 * (ca-transcript(5)).
 */
#ifndef CA_RECORD_H
#define CA_RECORD_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "hsm.h"

/* ca_rec_attrs: key attributes as read back; NULL when out of memory. */
json_t *ca_rec_attrs(const struct ca_key_attrs *a);

/*
 * ca_rec_key: {role, label, uri, id, algorithm, spki_sha256, attributes}
 * for key k whose public half is pub.  Caller owns *out.  CA_ERR_NOMEM,
 * CA_ERR_CRYPTO.
 */
int ca_rec_key(const char *role, const char *uri, const struct ca_keyref *k,
    const char *alg, EVP_PKEY *pub, const struct ca_key_attrs *a,
    json_t **out) CA_MUST_CHECK;

/*
 * ca_rec_cert: {file, serial, sha256, subject, issuer, not_before,
 * not_after} for x written to file.  Caller owns *out.  CA_ERR_NOMEM,
 * CA_ERR_CRYPTO.
 */
int ca_rec_cert(const char *file, X509 *x, json_t **out) CA_MUST_CHECK;

/* ca_rec_file: {name, size, sha256} of data; NULL when out of memory. */
json_t *ca_rec_file(const char *name, const void *data, size_t len);

/*
 * ca_rec_file_external: ca_rec_file with "external": true, for an output
 * outside the CA directory (an --out file), which leaves with whoever
 * carries it and which an audit therefore does not look for.
 */
json_t *ca_rec_file_external(const char *name, const void *data,
    size_t len);

/*
 * ca_rec_people: {"operator": NAME or null, "witnesses": [...]}, checked
 * against the log's profile (non-empty UTF-8 without control
 * characters).  Caller owns *out.  CA_ERR_INVALID_ARG, CA_ERR_NOMEM.
 */
int ca_rec_people(const char *operator_, const char *const *witnesses,
    size_t nwitnesses, json_t **out, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
