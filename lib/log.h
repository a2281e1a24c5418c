/*
 * log.h: the signed, hash-chained ceremony log (ca-transcript(5)).
 *
 * A log is a folder of records 000001.json, 000002.json, ...  Each record
 * is {"body": {...}, "sigs": [{"kid", "alg", "sig"}]} serialised in
 * canonical form with one trailing newline.  The signed bytes are the
 * canonical body; each body names the SHA-256 of the previous canonical
 * body ("prev") and the log id (the SHA-256 of the first body).
 */
#ifndef CA_LOG_H
#define CA_LOG_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "sign.h"

#define CA_LOG_SCHEMA "keyceremony-transcript"
#define CA_LOG_VERSION 1
/* A batch of device certificates (ca-issue) makes the largest records. */
#define CA_LOG_MAX_RECORD (64 << 20)

/* Where a log stands: its last record. */
struct ca_log_head {
	long long seq;		/* 0 for an empty log */
	char hash[65];		/* SHA-256 of the last canonical body */
	char log_id[65];	/* "" for an empty log */
	time_t time;		/* the last record's time */
};

/* ca_log_record_name: "%06lld.json" into buf[32]. */
void ca_log_record_name(long long seq, char buf[32]);

/*
 * ca_log_head_read: read the head of the log in logdir without checking
 * signatures (ca_log_verify does that).  A missing or empty folder is an
 * empty log.  CA_ERR_LOG, CA_ERR_JSON, CA_ERR_CANON, CA_ERR_IO.
 */
int ca_log_head_read(const char *logdir, struct ca_log_head *head,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_count: the number of records in logdir, numbered 1 to *count
 * without a gap, for a reader that then reads them all (ca_log_each) and
 * has no need of the head's reading twice.  A missing or empty folder
 * holds none.  CA_ERR_LOG, CA_ERR_IO.
 */
int ca_log_count(const char *logdir, long long *count, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * The air-gapped laptop's clock cannot be trusted: a record stamped more
 * than this after the last one is refused unless the operator confirmed
 * the clock (ca_log_clock_confirm).  Ceremonies come months apart; a
 * clock years ahead would date CRLs and certificates wrongly.
 */
#define CA_LOG_MAX_GAP_DAYS 400
#define CA_LOG_CONFIRM_SLACK 600	/* seconds between typed and system */

/*
 * ca_log_clock_confirm: the operator read typed from a trusted clock,
 * and the system clock (now) agrees within CA_LOG_CONFIRM_SLACK: for the
 * rest of the process, ca_log_body_new accepts a time far after the last
 * record, and records the confirmation in the body as "clock_deviation".
 * CA_ERR_CLOCK, with what to do in eb, when the two disagree.
 */
int ca_log_clock_confirm(time_t typed, time_t now, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_log_body_new: a new record body that follows head, stamped now, for
 * operation op, holding schema, version, log_id, seq, prev, time and op.
 * The caller adds the rest.  Caller owns *out (json_decref).
 * CA_ERR_CLOCK when now is earlier than the last record's time, or more
 * than CA_LOG_MAX_GAP_DAYS after it and the clock was not confirmed.
 */
int ca_log_body_new(const struct ca_log_head *head, time_t now,
    const char *op, json_t **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_seal: sign body with the software key signer (whose public half
 * is pub, which may be signer itself; the kid
 * is the SHA-256 of pub's SubjectPublicKeyInfo) and serialise the record.
 * *rec is a new buffer, caller frees with free(); hash gets the SHA-256 of
 * the canonical body, which becomes the new head.  CA_ERR_CANON when body
 * is outside the profile, CA_ERR_CRYPTO, CA_ERR_ALGORITHM.
 */
int ca_log_seal(const json_t *body, EVP_PKEY *signer, EVP_PKEY *pub,
    char **rec, size_t *len, char hash[65], struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_log_seal_with: ca_log_seal, the signature made by sign(arg, ...),
 * a token's own session (ca_tsigner_sign_cb) rather than a software key.
 * The signature must verify with pub before the record is made
 * (CA_ERR_VERIFY).  As ca_log_seal, and sign's errors.
 */
int ca_log_seal_with(const json_t *body, ca_sign_fn sign, void *arg,
    EVP_PKEY *pub, char **rec, size_t *len, char hash[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* What ca_log_verify found. */
struct ca_log_summary {
	long long count;
	char head[65];
	char log_id[65];
	char first_time[21], last_time[21];
};

/*
 * ca_log_verify: verify every record in logdir: file names without gaps,
 * canonical bytes, schema and version, sequence, prev chain, log id, times
 * that never go backwards, and a signature by one of the nsigners
 * certificates in signers (whose trust the caller has established).  Fills
 * sum (may be NULL).  CA_ERR_LOG with the record and the reason in eb.
 */
int ca_log_verify(const char *logdir, X509 *const *signers, size_t nsigners,
    struct ca_log_summary *sum, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_summary_head: the head of a log that sum, from a verification
 * just made under the directory's lock, describes; what ca_log_head_read
 * would find, without reading the last record again.  CA_ERR_LOG for a
 * summary of no records or with a time that does not parse.
 */
int ca_log_summary_head(const struct ca_log_summary *sum,
    struct ca_log_head *head) CA_MUST_CHECK;

/*
 * A visitor for ca_log_each: called with each record's body (borrowed)
 * in order; returns 0 to go on, 1 to stop, or a negative CA_ERR_* code.
 */
typedef int (*ca_log_fn)(void *arg, long long seq, const json_t *body);

/*
 * ca_log_verify_each: ca_log_verify, calling fn (may be NULL) with each
 * record's body once it has verified, so that a caller reads the log in
 * the same pass.  fn returns 0, or a negative code that stops the pass and
 * is returned.
 */
int ca_log_verify_each(const char *logdir, X509 *const *signers,
    size_t nsigners, struct ca_log_summary *sum, ca_log_fn fn, void *arg,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_record_read: read record seq of logdir alone: strict JSON
 * (duplicate keys refused), the canonical profile, the file's bytes the
 * canonical form plus a newline, and the {body, sigs} shape.  Caller owns
 * *rec; hash gets the SHA-256 of the canonical body, and *body (may be
 * NULL; caller frees with free()) those bytes.  CA_ERR_NOT_FOUND,
 * CA_ERR_LOG, CA_ERR_CANON, CA_ERR_IO.
 */
int ca_log_record_read(const char *logdir, long long seq, json_t **rec,
    char hash[65], char **body, size_t *body_len, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* A log signer, with its key id worked out once. */
struct ca_log_signer {
	EVP_PKEY *pub;			/* borrowed from the certificate */
	char kid[65];
};

/* ca_log_signer_init: s for cert (borrowed while s is used). */
int ca_log_signer_init(struct ca_log_signer *s, X509 *cert) CA_MUST_CHECK;

/*
 * ca_log_signer_key: s for a bare public key (borrowed while s is used),
 * for a log whose signer has no certificate yet: a subordinate waiting
 * for its issuer, whose key the token vouches for.
 */
int ca_log_signer_key(struct ca_log_signer *s, EVP_PKEY *pub)
    CA_MUST_CHECK;

/*
 * Which signatures ca_log_verify_keys checks.  Every record's body is
 * covered by the signature of the record after it, through its "prev"
 * hash, and so by the head's.  A command about to append needs only the
 * whole chain and the head's signature: that proves every body is what
 * the log key last signed, at the cost of one signature check however
 * long the log grows.  Every signature of its own is for the audit
 * (ca-log verify, ca-audit), which also proves who signed each record.
 */
enum ca_log_check {
	CA_LOG_EVERY_SIG,	/* each record's signature */
	CA_LOG_HEAD_SIG		/* the chain throughout; the head's signature */
};

/*
 * ca_log_verify_keys: ca_log_verify_each with the signers given as
 * ca_log_signer entries, checking the signatures check says.  The
 * checks other than signatures are made on every record either way.
 * With CA_LOG_HEAD_SIG fn sees each record before the head's signature
 * has been checked: a caller discards what fn gathered when the pass
 * fails, as every caller must anyway.
 */
int ca_log_verify_keys(const char *logdir, const struct ca_log_signer *ks,
    size_t nsigners, enum ca_log_check check, struct ca_log_summary *sum,
    ca_log_fn fn, void *arg, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_record_sig: the first signature of rec verifies over its
 * canonical body (canon, clen, as ca_log_record_read gave them, or NULL
 * to make them), by one of the nsigners, with the scheme that key calls
 * for.  CA_ERR_LOG with the reason in eb.
 */
int ca_log_record_sig(const json_t *rec, const char *canon, size_t clen,
    const struct ca_log_signer *signers, size_t nsigners,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_log_each: call fn for each of the first count records of logdir.
 * The records are parsed and checked for canonical form, not for their
 * signatures (ca_log_verify does that).  Returns fn's error, CA_ERR_LOG,
 * CA_ERR_IO.
 */
int ca_log_each(const char *logdir, long long count, ca_log_fn fn,
    void *arg, struct ca_errbuf *eb) CA_MUST_CHECK;

/* Every serial a log names, once each: sorted, for ca_serial_set_has. */
struct ca_serial_set {
	char **v;
	size_t n, cap;
};

/*
 * ca_log_serials: every value of a member called "serial" in the first
 * count records of logdir, at any depth, into set (empty on entry; free
 * with ca_serial_set_free, also on failure): for a batch that needs
 * thousands of fresh serials, one pass over the log.  CA_ERR_LOG,
 * CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_log_serials(const char *logdir, long long count,
    struct ca_serial_set *set, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_serials_collect: add every "serial" value in body, at any depth, to
 * set unsorted (for a caller already reading the log, who then calls
 * ca_serial_set_sort once).  CA_ERR_NOMEM.
 */
int ca_serials_collect(const json_t *body, struct ca_serial_set *set)
    CA_MUST_CHECK;
void ca_serial_set_sort(struct ca_serial_set *set);

/* ca_serial_set_has: 1 when serial is in the sorted set. */
int ca_serial_set_has(const struct ca_serial_set *set, const char *serial);
void ca_serial_set_free(struct ca_serial_set *set);

#endif
