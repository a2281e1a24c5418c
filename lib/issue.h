/*
 * issue.h: batch issuance of device certificates by an issuing CA (the
 * operation behind ca-issue(1)).
 *
 * Commissioning or a plant shutdown needs thousands of certificates at
 * once, each checked as ca-sign-sub checks one request, all signed in one
 * sitting and recorded in one record.
 */
#ifndef CA_ISSUE_H
#define CA_ISSUE_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"
#include "reqlist.h"
#include "secret.h"

/* Requests in one batch: its record stays well inside CA_LOG_MAX_RECORD. */
#define CA_ISSUE_MAX CA_REQLIST_MAX
#define CA_ISSUE_MAX_SESSIONS 16

/*
 * Called from the issuing thread as the batch goes: phase is "checking"
 * or "signing", done of total.
 */
typedef void (*ca_issue_progress_fn)(void *arg, const char *phase,
    size_t done, size_t total);

struct ca_issue_req {
	const char *prog;		/* tool name for the record */
	const char *dir;		/* the issuing CA's directory */
	const char *profile_path;	/* kind "device" */
	const char *const *csrs;	/* request files, in batch order */
	size_t ncsrs;
	const char *out_dir;		/* a new or empty folder */
	/*
	 * 0: one bad request stops the batch and nothing is issued.
	 * 1: the good ones are issued, the bad reported and recorded.
	 */
	int keep_going;
	int sessions;			/* 0: one per processor, up to 8 */
	const char *pin_source;		/* NULL: the URI's, else prompt */
	const char *operator_;
	const char *const *witnesses;
	size_t nwitnesses;
	ca_prompt_fn prompt;
	void *prompt_arg;
	time_t now;
	time_t not_before, not_after;	/* staged, as in struct ca_sign_req */
	const char *staged_by;
	ca_issue_progress_fn progress;	/* may be NULL */
	void *progress_arg;
};

struct ca_issue_bad {
	char *csr;			/* the request's path */
	char reason[320];
};

struct ca_issue_result {
	size_t issued;
	struct ca_issue_bad *bad;	/* nbad of them; the first stops */
	size_t nbad;
	int sessions;			/* used */
	char not_before[21], not_after[21];
	int truncated;			/* validity cut to the issuer's end */
	char chain_path[4096];		/* OUT/ca-chain.pem */
	char head[65];
};

/*
 * ca_issue: issue a device certificate for every request in req->csrs
 * under the device profile, with the key of the CA in req->dir, as
 * ca-issue(1) describes.  Every request is read, its proof of possession,
 * key policy, subject and subjectAltName checked against the profile, and
 * its certificate built and linted (the CA's name constraints included)
 * before the token is logged in to; the token then signs in
 * req->sessions sessions at once, and every signature is verified and
 * the certificate linted again.  The certificates (DIR/issued/SERIAL.pem,
 * OUT/NAME.pem for REQ NAME.csr) and the chain (OUT/ca-chain.pem) land
 * with one "issue" record, or nothing does; OUT, new or empty, and one
 * this process may write in (ca_folder_new_or_empty, before the PIN), is
 * made only then.  Bad requests fill res->bad
 * (free with ca_issue_result_free, also on failure).  Errors:
 * CA_ERR_CSR (a bad request without keep_going, or none good),
 * CA_ERR_INVALID_ARG, CA_ERR_EXISTS, CA_ERR_PROFILE, CA_ERR_VERIFY,
 * CA_ERR_LINT, and those of ca_folder_new_or_empty, ca_dir_open,
 * ca_dir_login, ca_dir_append.
 */
int ca_issue(const struct ca_issue_req *req, struct ca_issue_result *res,
    struct ca_errbuf *eb) CA_MUST_CHECK;

void ca_issue_result_free(struct ca_issue_result *res);

#endif
