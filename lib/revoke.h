/*
 * revoke.h: revocation and CRL ceremonies on a CA directory (the
 * operations behind ca-crl(1)).
 *
 * The log is the source of truth.  Each "revoke" record names the
 * certificate and reason, and the SHA-256 of the revocation index
 * (revoked.idx, see crl.h) as it stands after the revocation, so that the
 * index, which the CRL is streamed from, is bound to the signed log.
 * Each "crl-issue" record names its CRL number; the next number is one
 * more than the greatest in the log.
 */
#ifndef CA_REVOKE_H
#define CA_REVOKE_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"
#include "secret.h"

#define CA_FILE_REVOKED "revoked.idx"
#define CA_DIR_CRL "crl"

/* Defaults when ca.json names none: the root's CRL is a yearly ceremony. */
#define CA_CRL_ROOT_NEXT_UPDATE "12m"
#define CA_CRL_ROOT_MARGIN "30d"
#define CA_CRL_SUB_NEXT_UPDATE "3m"
#define CA_CRL_SUB_MARGIN "14d"
/* ca_crl_status warns this long before the due date. */
#define CA_CRL_WARN_DAYS 14

/* The people and the PIN, as every ceremony takes them. */
struct ca_session {
	const char *prog;
	const char *pin_source;
	const char *operator_;
	const char *const *witnesses;
	size_t nwitnesses;
	ca_prompt_fn prompt;
	void *prompt_arg;
	time_t now;
};

struct ca_revoke_req {
	const char *dir;
	const char *serial;		/* hex as typed, or */
	const char *cert_path;		/* the certificate itself */
	const char *reason;		/* RFC 5280 name */
	const char *invalidity;		/* RFC 3339, or NULL */
};

struct ca_revoke_result {
	char serial[41];
	char subject[512];
	long long count;		/* entries in the index now */
	char head[65];
};

/*
 * ca_revoke: record the revocation of a certificate this CA issued (found
 * in its log) and add it to the index, together.  CA_ERR_INVALID_ARG for
 * a malformed serial, an unknown reason or invalidity date,
 * CA_ERR_NOT_FOUND for a serial the CA never issued, CA_ERR_EXISTS when
 * it is already revoked, CA_ERR_VERIFY when the index is not the one the
 * log names, CA_ERR_CLOCK, and those of ca_dir_open and ca_dir_login.
 * A certificate given (req->cert_path) is read before the CA opens:
 * CA_ERR_VERIFY when it is none, or (after) not this CA's; those of
 * ca_read_file.
 */
int ca_revoke(const struct ca_revoke_req *req, const struct ca_session *c,
    struct ca_revoke_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

struct ca_crl_req {
	const char *dir;
	const char *next_update;	/* duration, or NULL for ca.json's */
	const char *idp;		/* "full", "scope", "none", or NULL
					 * for ca.json's ("full" if none) */
	const char *out;		/* export folder to make, or NULL */
};

struct ca_crl_result {
	unsigned long long number;
	char this_update[21], next_update[21];
	long long entries;
	char der_path[4096], pem_path[4096];
	char der_sha256[65];
	char head[65];
};

/*
 * ca_crl_issue: sign the next CRL over the index with the CA key, as
 * ca-crl(1) describes (dates, number from the log, AKI, issuing
 * distribution point), check it back, and write crl/NUMBER.der,
 * crl/NUMBER.pem and the record together; with req->out also the export
 * folder, which must be new (ca_path_new, checked before the PIN).
 * CA_ERR_PROFILE for a nextUpdate beyond the CA's notAfter, CA_ERR_VERIFY,
 * CA_ERR_CLOCK, CA_ERR_EXISTS (export folder), and those of ca_path_new,
 * ca_dir_open and ca_dir_login.  An export that fails after the record
 * (a full medium, say) returns its error with res filled in and
 * res->number set: that CRL stands, and ca_crl_export copies it.
 */
int ca_crl_issue(const struct ca_crl_req *req, const struct ca_session *c,
    struct ca_crl_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

enum ca_crl_state {
	CA_CRL_OK = 0,
	CA_CRL_WARNING,			/* the due date is near or past */
	CA_CRL_EXPIRED,			/* nextUpdate is past */
};

struct ca_crl_status {
	enum ca_crl_state state;
	unsigned long long number;
	char this_update[21], next_update[21], due[21];
	long long days_left;		/* to nextUpdate, rounded down */
	long long days_to_due;
};

/*
 * ca_crl_status_get: the state of the current CRL of dir at now: a CA
 * directory (its newest CRL, and the margin from ca.json or the default
 * for its kind, unless margin is given) or an export folder (its crl.der).
 * Reads files only; no token.  CA_ERR_NOT_FOUND when there is no CRL yet,
 * CA_ERR_INVALID_ARG for a malformed margin.
 */
int ca_crl_status_get(const char *dir, const char *margin, time_t now,
    struct ca_crl_status *st, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_crl_export: make the folder out (which must not exist) holding the
 * newest CRL as crl.der and crl.pem, the CA certificate, its chain, and
 * SHA256SUMS in sha256sum(1) form.  The CRL files must be the ones the
 * newest crl-issue record names (CA_ERR_VERIFY), and the log must verify
 * (as ca_dir_open).  CA_ERR_NOT_FOUND when there is no CRL,
 * CA_ERR_EXISTS, CA_ERR_IO; out is made whole or not at all.
 */
int ca_crl_export(const char *dir, const char *out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

#endif
