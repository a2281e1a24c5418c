#include "subinstall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "csr.h"
#include "dn.h"
#include "fsio.h"
#include "lint.h"
#include "log.h"
#include "record.h"
#include "uri.h"

struct run {
	struct ca_dir *d;		/* built by hand: not yet complete */
	unsigned char *cbuf;
	size_t clen;
	X509_NAME *log_name;
	EVP_PKEY *soft;
	X509 *draft;
	char *ca_pem, *chain_pem, *log_pem, *chain_buf;
	size_t ca_pem_len, chain_pem_len, log_pem_len, chain_buf_len;
	char *ca_file, *chain_file, *log_file;
	json_t *people, *body;
};

static void
run_free(struct run *x)
{
	ca_dir_close(x->d);
	free(x->cbuf);
	X509_NAME_free(x->log_name);
	EVP_PKEY_free(x->soft);
	X509_free(x->draft);
	free(x->ca_pem);
	free(x->chain_pem);
	free(x->log_pem);
	free(x->chain_buf);
	free(x->ca_file);
	free(x->chain_file);
	free(x->log_file);
	json_decref(x->people);
	json_decref(x->body);
}

/* The directory as ca-init --sub left it, locked. */
static int
open_pending(const struct ca_install_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	struct ca_dir *d;
	int r;

	if ((r = ca_dir_open_flags(req->dir, CA_DIR_PENDING |
	    CA_DIR_TOKEN, &x->d, eb)) != 0)
		return r;
	d = x->d;
	if (!d->pending) {
		ca_errf(eb, strcmp(d->cfg->kind, "sub") == 0 ? "\"%s\" already "
		    "has its certificate" : "\"%s\" is not a subordinate CA "
		    "made by ca-init --sub", req->dir);
		return strcmp(d->cfg->kind, "sub") == 0 ? CA_ERR_EXISTS :
		    CA_ERR_INVALID_ARG;
	}
	if ((x->ca_file = ca_path_join(req->dir, CA_FILE_CERT)) == NULL ||
	    (x->chain_file = ca_path_join(req->dir, CA_FILE_CHAIN)) == NULL ||
	    (x->log_file = ca_path_join(req->dir, CA_FILE_LOG_SIGNER)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

/* The certificate is for our key, a CA, and chains to a root. */
static int
check_cert(const struct ca_install_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	struct ca_dir *d = x->d;
	BASIC_CONSTRAINTS *bc = NULL;
	int r;

	if ((r = ca_read_file(req->cert_path, 1 << 20, &x->cbuf, &x->clen,
	    eb)) != 0)
		return r;
	if (ca_x509_parse_any(x->cbuf, x->clen, &d->cert) != 0) {
		ca_errf(eb, "\"%s\": not a certificate (PEM or DER)",
		    req->cert_path);
		return CA_ERR_VERIFY;
	}
	if ((r = ca_read_file(req->chain_path, 1 << 22,
	    (unsigned char **)&x->chain_buf, &x->chain_buf_len, eb)) != 0 ||
	    (r = ca_certs_load(req->chain_path, &d->chain, eb)) != 0) {
		if (r == CA_ERR_CRYPTO)
			r = CA_ERR_VERIFY;
		return r;
	}
	if (d->csr->key == NULL || EVP_PKEY_eq(X509_get0_pubkey(d->cert),
	    d->csr->key) != 1) {
		ERR_clear_error();
		ca_errf(eb, "\"%s\" is for another key than this CA's "
		    "request", req->cert_path);
		return CA_ERR_KEY_MISMATCH;
	}
	bc = X509_get_ext_d2i(d->cert, NID_basic_constraints, NULL, NULL);
	/* X509_get_key_usage says "all" when there is no keyUsage at all. */
	r = bc != NULL && bc->ca &&
	    (X509_get_extension_flags(d->cert) & EXFLAG_KUSAGE) &&
	    (X509_get_key_usage(d->cert) & KU_KEY_CERT_SIGN) ? 0 :
	    CA_ERR_VERIFY;
	BASIC_CONSTRAINTS_free(bc);
	ERR_clear_error();
	if (r != 0) {
		ca_errf(eb, "\"%s\" is not a CA certificate (cA and "
		    "keyCertSign)", req->cert_path);
		return r;
	}
	/* The chain holds the issuers only: never the certificate itself. */
	{
		int i;

		for (i = 0; i < sk_X509_num(d->chain); i++)
			if (X509_cmp(sk_X509_value(d->chain, i), d->cert) ==
			    0) {
				ca_errf(eb, "\"%s\" holds the certificate "
				    "being installed; give its issuers only "
				    "(for a subordinate of the root, the "
				    "root's ca.pem)", req->chain_path);
				return CA_ERR_VERIFY;
			}
	}
	if ((r = ca_chain_verify(d->cert, d->chain, req->now, NULL, eb)) !=
	    0) {
		ca_err_prefix(eb, "\"%s\"", req->cert_path);
		ca_err_suffix(eb, "give the chain file that ca-sign-sub wrote "
		    "beside the certificate, and check the laptop's clock");
		return r;
	}
	return 0;
}

/* The CA key certifies the log key, as ca-init does for a root. */
static int
certify_log_key(const struct ca_install_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	struct ca_dir *d = x->d;
	struct ca_cert_params lp;
	struct ca_lint_report rep;
	enum ca_keyalg alg;
	struct tm tm;
	int r;

	if (ca_keyalg_parse(d->cfg->algorithm, &alg) != 0) {
		ca_errf(eb, "%s names an unknown algorithm", CA_FILE_CONFIG);
		return CA_ERR_SCHEMA;
	}
	if ((r = ca_log_signer_name(X509_get_subject_name(d->cert),
	    &x->log_name)) != 0)
		return r;
	memset(&lp, 0, sizeof(lp));
	lp.kind = CA_CERT_LOG_SIGNER;
	lp.subject = x->log_name;
	lp.issuer = X509_get_subject_name(d->cert);
	lp.not_before = req->now;
	/* The log signer lives as long as its CA: records stay checkable. */
	if (ASN1_TIME_to_tm(X509_get0_notAfter(d->cert), &tm) != 1)
		return CA_ERR_CRYPTO;
	lp.not_after = timegm(&tm);
	lp.path_len = -1;
	lp.key_usage = 0x01;	/* CA_KU_DIGITAL_SIGNATURE */
	lp.aki = X509_get0_subject_key_id(d->cert);
	if ((r = ca_serial_random(lp.serial)) != 0)
		return r;
	/*
	 * A throwaway key of the CA key's kind signs the draft, so that it
	 * carries the signature algorithm the CA key will use and can be
	 * linted; then the token signs that draft's tbs as it stands.
	 */
	if ((r = ca_keygen_soft(alg, &x->soft)) != 0 ||
	    (r = ca_cert_build(&lp, d->log_pub, x->soft, &x->draft)) != 0 ||
	    (r = ca_cert_sign(x->draft, x->soft, ca_md_for_key(d->ca_pub),
	    eb)) != 0)
		return r;
	if ((r = ca_lint_cert_issued(x->draft, x->soft, CA_CERT_LOG_SIGNER,
	    &rep, eb)) != 0) {
		ca_err_prefix(eb, "log-signer certificate before signing");
		return r;
	}
	if (d->ca_ts == NULL)
		return CA_ERR_INTERNAL;
	if ((r = ca_tsigner_sign_cert(d->ca_ts, x->draft,
	    ca_md_for_key(d->ca_pub), &d->log_cert, eb)) != 0)
		return r;
	if (ca_cert_verify(d->log_cert, d->ca_pub) != 0) {
		ca_errf(eb, "the token's signature does not verify");
		return CA_ERR_VERIFY;
	}
	if ((r = ca_lint_cert_issued(d->log_cert, d->ca_pub,
	    CA_CERT_LOG_SIGNER, &rep, eb)) != 0 ||
	    (r = ca_lint_issuer(d->log_cert, d->cert, &rep, eb)) != 0) {
		ca_err_prefix(eb, "log-signer certificate after signing");
		return r;
	}
	return 0;
}

static int
build_body(const struct ca_install_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	struct ca_dir *d = x->d;
	json_t *certs = NULL, *c = NULL, *v;
	X509 *root = NULL;
	int i, r;

	if ((r = ca_dir_body(d, req->prog, "install-sub", req->now,
	    x->people, &x->body, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((v = json_pack("[o, o]", ca_rec_file(req->cert_path, x->cbuf,
	    x->clen), ca_rec_file(req->chain_path, x->chain_buf,
	    x->chain_buf_len))) == NULL ||
	    json_object_set_new(x->body, "inputs", v) != 0)
		goto out;
	if ((v = json_pack("[o, o, o]", ca_rec_file(CA_FILE_CERT, x->ca_pem,
	    x->ca_pem_len), ca_rec_file(CA_FILE_CHAIN, x->chain_pem,
	    x->chain_pem_len), ca_rec_file(CA_FILE_LOG_SIGNER, x->log_pem,
	    x->log_pem_len))) == NULL ||
	    json_object_set_new(x->body, "outputs", v) != 0)
		goto out;
	if ((v = json_pack("{s:s}", "dir", req->dir)) == NULL ||
	    json_object_set_new(x->body, "params", v) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(d->chain); i++)
		if (X509_check_issued(sk_X509_value(d->chain, i),
		    sk_X509_value(d->chain, i)) == X509_V_OK)
			root = sk_X509_value(d->chain, i);
	if ((certs = json_object()) == NULL)
		goto out;
	if ((r = ca_rec_cert(CA_FILE_CERT, d->cert, &c)) != 0 ||
	    json_object_set_new(certs, "ca", c) != 0 ||
	    (r = ca_rec_cert(CA_FILE_LOG_SIGNER, d->log_cert, &c)) != 0 ||
	    json_object_set_new(certs, "log_signer", c) != 0 ||
	    (root != NULL && ((r = ca_rec_cert(CA_FILE_CHAIN, root, &c)) !=
	    0 || json_object_set_new(certs, "root", c) != 0))) {
		if (r == 0)
			r = CA_ERR_NOMEM;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if (json_object_set_new(x->body, "certificates", certs) != 0) {
		certs = NULL;
		goto out;
	}
	certs = NULL;
	if (json_object_set_new(x->body, "result", json_string("ok")) != 0)
		goto out;
	r = 0;
out:
	json_decref(certs);
	return r;
}

int
ca_sub_install(const struct ca_install_req *req,
    struct ca_install_result *res, struct ca_errbuf *eb)
{
	struct run x;
	struct ca_artifact art[3];
	char *s = NULL;
	X509 *root;
	int r;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	if (req->dir == NULL || req->cert_path == NULL ||
	    req->chain_path == NULL) {
		ca_errf(eb, "give -d, --install CERT and --chain FILE");
		return CA_ERR_INVALID_ARG;
	}
	if ((r = ca_rec_people(req->operator_, req->witnesses,
	    req->nwitnesses, &x.people, eb)) != 0 ||
	    (r = open_pending(req, &x, eb)) != 0 ||
	    (r = check_cert(req, &x, eb)) != 0 ||
	    /* The log key has no certificate yet: this install makes it. */
	    (r = ca_dir_login(x.d, req->pin_source, req->prompt,
	    req->prompt_arg, eb)) != 0 ||
	    /* That checked every record so far against the key certified: */
	    (r = certify_log_key(req, &x, eb)) != 0)
		goto out;
	if ((r = ca_cert_pem(x.d->cert, &x.ca_pem, &x.ca_pem_len)) != 0 ||
	    (r = ca_cert_pem(x.d->log_cert, &x.log_pem, &x.log_pem_len)) != 0)
		goto out;
	/* chain.pem: as given, but written out in our own PEM. */
	if ((r = ca_certs_pem(NULL, 0, x.d->chain, &x.chain_pem,
	    &x.chain_pem_len)) != 0)
		goto out;
	if ((r = build_body(req, &x, eb)) != 0)
		goto out;
	art[0] = (struct ca_artifact){
	    .path = x.ca_file, .data = x.ca_pem, .len = x.ca_pem_len,
	    .mode = 0644, .replace = 0 };
	art[1] = (struct ca_artifact){
	    .path = x.chain_file, .data = x.chain_pem, .len = x.chain_pem_len,
	    .mode = 0644, .replace = 0 };
	art[2] = (struct ca_artifact){
	    .path = x.log_file, .data = x.log_pem, .len = x.log_pem_len,
	    .mode = 0644, .replace = 0 };
	/* What the operator is told, worked out before anything lands. */
	if ((r = ca_cert_sha256(x.d->cert, res->fingerprint)) != 0 ||
	    (r = ca_chain_verify(x.d->cert, x.d->chain, 0, &root, eb)) != 0 ||
	    (r = ca_cert_sha256(root, res->root_fingerprint)) != 0 ||
	    (r = ca_dn_format(X509_get_subject_name(x.d->cert), &s)) != 0)
		goto out;
	snprintf(res->subject, sizeof(res->subject), "%s", s);
	if ((r = ca_dir_append(x.d, x.body, art, 3, res->head, eb)) != 0)
		goto out;
	r = 0;
out:
	free(s);
	run_free(&x);
	return r;
}
