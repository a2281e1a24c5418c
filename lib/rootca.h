/*
 * rootca.h: creating a root CA (the operation behind ca-init(1)).
 */
#ifndef CA_ROOTCA_H
#define CA_ROOTCA_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"
#include "hsm.h"
#include "secret.h"

struct ca_root_req {
	const char *prog;		/* tool name for the record */
	const char *dir;		/* new CA directory; must not exist */
	const char *token_uri;		/* names the token (and the key label
					 * with object=) */
	const char *algorithm;		/* NULL: "p384" */
	const char *subject;		/* RFC 4514; NULL: from the profile */
	const char *profile_path;	/* NULL: the built-in root profile */
	const char *pin_source;		/* NULL: the URI's, else the tty */
	const char *module;		/* NULL: the URI's, else SoftHSM2 */
	const char *operator_;		/* may be NULL */
	const char *const *witnesses;	/* nwitnesses names */
	size_t nwitnesses;
	ca_prompt_fn prompt;		/* reads the PIN from the terminal */
	void *prompt_arg;
	time_t now;			/* the ceremony's clock */
	/*
	 * The witnessed ceremony the keys are made in: its plan, as
	 * ca_ceremony_plan wrote it, whose roster must name a witness and
	 * at least custodians (0: 1) key custodians.  The first record
	 * opens it.  Required: no key is made without one.
	 */
	const char *ceremony;
	int custodians;
	/*
	 * M of N (shares.h): with threshold M (2 <= M <= custodians), the
	 * token's user PIN is replaced by a random one, split among the
	 * roster's first custodians (N of them) into one share file each
	 * under shares_out, a new folder; the record names the scheme and
	 * who holds which share, never a share.
	 */
	int threshold;
	const char *shares_out;
	int sub;			/* a subordinate: keys, ca.csr and the
					 * first record; no certificate yet */
	/*
	 * Make the CA and log keys backup-capable (ca_hsm_generate_id):
	 * only for a root whose profile has "key_backup": true.
	 */
	int backup;
};

struct ca_root_result {
	char fingerprint[65];		/* SHA-256 of ca.pem's DER; for a
					 * subordinate, of ca.csr's bytes */
	char spki[65];			/* SHA-256 of the CA key's SPKI */
	char head[65];			/* SHA-256 of the first record body */
	char serial[41];
	char subject[512];
	char not_before[21], not_after[21];
	char algorithm[16];
	char ca_key_uri[512];
	char log_key_uri[512];
	char token_label[33], token_serial[17];
	char log_key_label[160];
	/* Earlier runs for this directory killed before they finished, whose
	 * keys and staging folders were removed first. */
	int orphans;
	int shares;			/* share files written, or 0 */
};

/*
 * ca_root_init: create a root CA as ca-init(1) describes, or with
 * req->sub a subordinate CA's keys, request and log, to be completed by
 * ca_sub_install once its issuer has signed.  Inputs are
 * checked, and the certificate built and linted with a throwaway software
 * key, before the token is touched; keys made on the token are destroyed
 * again if any later step fails, and nothing is left in the file system.
 * Fills res on success.  The first record carries the ceremony plan as
 * its "ceremony_open": the ceremony is open in the new log.
 * Errors: CA_ERR_INVALID_ARG, CA_ERR_ALGORITHM, CA_ERR_DN, CA_ERR_PROFILE,
 * CA_ERR_VERSION, CA_ERR_JSON, CA_ERR_URI, CA_ERR_EXISTS, CA_ERR_PERMISSION,
 * CA_ERR_NOT_FOUND, CA_ERR_LOCKED, CA_ERR_MODULE, CA_ERR_TOKEN_NOT_FOUND,
 * CA_ERR_TOKEN_AMBIGUOUS, CA_ERR_PIN_SOURCE, CA_ERR_PIN_INCORRECT,
 * CA_ERR_PIN_LOCKED, CA_ERR_KEY_EXISTS, CA_ERR_KEY_ATTRS, CA_ERR_HSM,
 * CA_ERR_LINT, CA_ERR_VERIFY, CA_ERR_CRYPTO, CA_ERR_IO, CA_ERR_NOMEM; the
 * reason is in eb.
 */
int ca_root_init(const struct ca_root_req *req, struct ca_root_result *res,
    struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
