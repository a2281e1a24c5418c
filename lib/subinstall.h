/*
 * subinstall.h: installing a subordinate CA's certificate once its issuer
 * has signed it (the --install mode of ca-init(1)).
 */
#ifndef CA_SUBINSTALL_H
#define CA_SUBINSTALL_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"
#include "secret.h"

struct ca_install_req {
	const char *prog;
	const char *dir;		/* made by ca-init --sub */
	const char *cert_path;		/* the signed certificate, PEM/DER */
	const char *chain_path;		/* its issuers up to the root (PEM) */
	const char *pin_source;
	const char *operator_;
	const char *const *witnesses;
	size_t nwitnesses;
	ca_prompt_fn prompt;
	void *prompt_arg;
	time_t now;
};

struct ca_install_result {
	char fingerprint[65];		/* of the installed ca.pem */
	char root_fingerprint[65];	/* of the chain's root */
	char head[65];
	char subject[512];
};

/*
 * ca_sub_install: check that the certificate at req->cert_path is a CA
 * certificate for this directory's CA key (on its token) and that it
 * chains through req->chain_path to a root; have the CA key certify the
 * directory's log-signing key; check the existing log against that key;
 * then write ca.pem, chain.pem and log-signer.pem with an "install-sub"
 * record, together.  CA_ERR_EXISTS when already installed,
 * CA_ERR_KEY_MISMATCH, CA_ERR_VERIFY, CA_ERR_LINT, CA_ERR_LOG, and those
 * of ca_hsm_open, ca_pin_read and ca_hsm_login.
 */
int ca_sub_install(const struct ca_install_req *req,
    struct ca_install_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
