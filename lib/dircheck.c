#include "dircheck.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "fsio.h"
#include "store.h"

int
ca_fingerprint_normalise(const char *in, char out[65])
{
	size_t n = 0;

	/* As ca-init prints it for the paper script. */
	if (strncasecmp(in, "sha256:", 7) == 0)
		in += 7;
	for (; *in != '\0'; in++) {
		if (*in == ':' || *in == ' ')
			continue;
		if (!isxdigit((unsigned char)*in) || n == 64)
			return CA_ERR_INVALID_ARG;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 64 ? 0 : CA_ERR_INVALID_ARG;
}

/* A file that is there but is no certificate does not verify. */
static int
load_cert(const char *path, X509 **out, struct ca_errbuf *eb)
{
	int r = ca_cert_load(path, out, eb);

	return r == CA_ERR_CRYPTO ? CA_ERR_VERIFY : r;
}

static int
has_log_eku(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	ASN1_OBJECT *want;
	int i, ok = 0;

	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL)) == NULL)
		return 0;
	if ((want = OBJ_txt2obj(CA_OID_LOG_SIGNING, 1)) != NULL)
		for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
			if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0)
				ok = 1;
	ASN1_OBJECT_free(want);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return ok;
}

void
ca_dir_certs_free(struct ca_dir_certs *c)
{
	X509_free(c->ca);
	X509_free(c->log_signer);
	sk_X509_pop_free(c->chain, X509_free);
	memset(c, 0, sizeof(*c));
}

/* The certificates, checked, into c (free with ca_dir_certs_free). */
static int
certs_check(const char *dir, const char *anchor, struct ca_dir_certs *c,
    struct ca_errbuf *eb)
{
	X509 *ca = NULL, *ls = NULL;
	STACK_OF(X509) *chain = NULL;
	char *p = NULL, want[65], fp[65], rootfp[65];
	int r;

	memset(c, 0, sizeof(*c));
	if (anchor != NULL && ca_fingerprint_normalise(anchor, want) != 0) {
		ca_errf(eb, "the anchor must be a SHA-256 fingerprint: 64 hex "
		    "digits");
		return CA_ERR_INVALID_ARG;
	}
	if ((p = ca_path_join(dir, CA_FILE_CERT)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = load_cert(p, &ca, eb)) != 0)
		goto out;
	free(p);
	if ((p = ca_path_join(dir, CA_FILE_LOG_SIGNER)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if ((r = load_cert(p, &ls, eb)) != 0)
		goto out;
	if ((r = ca_cert_sha256(ca, fp)) != 0)
		goto out;
	r = CA_ERR_VERIFY;
	if (X509_NAME_cmp(X509_get_subject_name(ca),
	    X509_get_issuer_name(ca)) == 0) {
		if (ca_cert_verify(ca, X509_get0_pubkey(ca)) != 0) {
			ca_errf(eb, "%s is not a valid self-signed "
			    "certificate", CA_FILE_CERT);
			goto out;
		}
		memcpy(rootfp, fp, sizeof(rootfp));
	} else {
		X509 *root;

		/* A subordinate: its chain.pem leads to the root. */
		free(p);
		if ((p = ca_path_join(dir, CA_FILE_CHAIN)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((r = ca_certs_load(p, &chain, eb)) != 0) {
			if (r == CA_ERR_NOT_FOUND)
				ca_errf(eb, "%s is not self-signed, and there "
				    "is no %s to its root", CA_FILE_CERT,
				    CA_FILE_CHAIN);
			if (r == CA_ERR_CRYPTO || r == CA_ERR_NOT_FOUND)
				r = CA_ERR_VERIFY;
			goto out;
		}
		if ((r = ca_chain_verify(ca, chain, 0, &root, eb)) != 0) {
			ca_err_prefix(eb, "%s", CA_FILE_CERT);
			goto out;
		}
		if ((r = ca_cert_sha256(root, rootfp)) != 0)
			goto out;
		r = CA_ERR_VERIFY;
	}
	/* The anchor on paper may be the CA's or its root's. */
	if (anchor != NULL && strcmp(fp, want) != 0 &&
	    strcmp(rootfp, want) != 0) {
		ca_errf(eb, "neither %s (%s) nor its root has the anchor's "
		    "fingerprint", CA_FILE_CERT, fp);
		goto out;
	}
	if (X509_NAME_cmp(X509_get_subject_name(ca),
	    X509_get_issuer_name(ls)) != 0 ||
	    ca_cert_verify(ls, X509_get0_pubkey(ca)) != 0) {
		ca_errf(eb, "%s is not signed by %s", CA_FILE_LOG_SIGNER,
		    CA_FILE_CERT);
		goto out;
	}
	if (!has_log_eku(ls)) {
		ca_errf(eb, "%s lacks the %s extended key usage",
		    CA_FILE_LOG_SIGNER, CA_SN_LOG_SIGNING);
		goto out;
	}
	c->ca = ca;
	c->log_signer = ls;
	c->chain = chain;
	ca = ls = NULL;
	chain = NULL;
	r = 0;
out:
	ERR_clear_error();
	sk_X509_pop_free(chain, X509_free);
	X509_free(ca);
	X509_free(ls);
	free(p);
	return r;
}

int
ca_dir_verify_log(const char *dir, const char *anchor,
    struct ca_log_summary *sum, struct ca_errbuf *eb)
{
	struct ca_dir_certs c;
	int r;

	r = ca_dir_verify_log_certs(dir, anchor, CA_LOG_EVERY_SIG, &c, sum,
	    NULL, NULL, eb);
	ca_dir_certs_free(&c);
	return r;
}

int
ca_dir_verify_log_certs(const char *dir, const char *anchor,
    enum ca_log_check check, struct ca_dir_certs *c,
    struct ca_log_summary *sum, ca_log_fn fn, void *arg,
    struct ca_errbuf *eb)
{
	struct ca_log_signer signer;
	char *p = NULL;
	int r;

	if ((r = certs_check(dir, anchor, c, eb)) != 0)
		return r;
	if ((p = ca_path_join(dir, CA_DIR_LOG)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = ca_log_signer_init(&signer, c->log_signer)) == 0)
		r = ca_log_verify_keys(p, &signer, 1, check, sum, fn, arg, eb);
	free(p);
	return r;
}
