/*
 * subca.h: a CA signs a subordinate CA or a cross-certificate (the
 * operation behind ca-sign-sub(1)).
 */
#ifndef CA_SUBCA_H
#define CA_SUBCA_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca_err.h"
#include "compat.h"
#include "secret.h"

struct ca_sign_req {
	const char *prog;		/* tool name for the record */
	const char *dir;		/* the issuing CA's directory */
	const char *csr_path;		/* a subordinate's request, or */
	const char *cross_path;		/* another root's certificate */
	const char *profile_path;	/* kind "sub" or "cross" */
	const char *out_path;		/* NULL: DIR/issued/SERIAL.pem */
	int der;			/* write out_path as DER */
	const char *pin_source;		/* NULL: the URI's, else prompt */
	const char *operator_;		/* may be NULL */
	const char *const *witnesses;
	size_t nwitnesses;
	ca_prompt_fn prompt;
	void *prompt_arg;
	time_t now;
	/*
	 * A staged replacement, signed now to be loaded in a later
	 * maintenance window: notBefore at not_before (0: now), which must
	 * not be in the past, and notAfter at not_after (0: notBefore plus
	 * the profile's validity), which must not come later than that.
	 * The record marks it staged, with staged_by (the windows the times
	 * come from, or NULL).
	 */
	time_t not_before, not_after;
	const char *staged_by;
};

struct ca_sign_result {
	char serial[41];
	char fingerprint[65];
	char subject[512];
	char not_before[21], not_after[21];
	char out_path[4096];		/* the certificate */
	char chain_path[4096];		/* it, then its issuers to the root */
	char head[65];			/* the issuing CA's new log head */
	int truncated;			/* validity cut to the issuer's end */
	struct ca_compat_report warnings;	/* from the targets named */
};

/*
 * ca_sign_sub: sign a subordinate CA certificate for the request at
 * req->csr_path (or a cross-certificate for the key of the certificate at
 * req->cross_path) under the profile, with the key of the CA in req->dir,
 * as ca-sign-sub(1) describes: the request's proof of possession and key
 * policy are checked, the profile alone decides every extension, the
 * certificate is linted with a throwaway key before the token signs and
 * again after, and the certificate, its chain and the record land
 * together.  Nothing is written, and no serial is used, on failure; an
 * --out that cannot be made (ca_path_new, its chain file too) is refused
 * once the CA is open, before the PIN is asked for.
 * Fills res.  Errors: CA_ERR_INVALID_ARG, CA_ERR_CSR, CA_ERR_VERIFY,
 * CA_ERR_KEY_POLICY, CA_ERR_PROFILE, CA_ERR_VERSION, CA_ERR_JSON,
 * CA_ERR_LINT, CA_ERR_EXISTS, CA_ERR_LOCKED, CA_ERR_KEY_MISMATCH, and
 * those of ca_path_new, ca_dir_open and ca_dir_login; the reason is in
 * eb.
 */
int ca_sign_sub(const struct ca_sign_req *req, struct ca_sign_result *res,
    struct ca_errbuf *eb) CA_MUST_CHECK;

struct ca_profile;

/*
 * ca_validity_plan: the validity of a certificate issued now under prof
 * by the CA whose certificate is issuer: from want_nb (0: now; never in
 * the past) to want_na (0: notBefore plus the profile's validity, which
 * want_na may not exceed), cut to the issuer's end when the profile says
 * "truncate_validity" (then *truncated is 1), refused otherwise.
 * CA_ERR_INVALID_ARG, CA_ERR_PROFILE, with the reason in eb.
 */
int ca_validity_plan(const struct ca_profile *prof, X509 *issuer,
    time_t now, time_t want_nb, time_t want_na, time_t *nb, time_t *na,
    int *truncated, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
