#include "subca.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "csr.h"
#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "lint.h"
#include "log.h"
#include "profile.h"
#include "record.h"
#include "timefmt.h"

/* Everything one run holds; freed in one place. */
struct run {
	struct ca_dir *d;
	struct ca_profile *prof;
	unsigned char *pbuf, *ibuf;
	size_t plen, ilen;
	struct ca_csr *csr;
	X509 *other;			/* the cross-certified root */
	X509_NAME *subject;
	EVP_PKEY *soft;
	X509 *draft, *cert;
	char *pem, *chain, *out_der, *issued_path, *out_path, *chain_path;
	char issued_rel[96], chain_rel[96];	/* in the CA directory */
	size_t pem_len, chain_len, out_len;
	json_t *people, *body;
	int made_issued_dir;
	char *issued_dir;
};

static void
run_free(struct run *x, int failed)
{
	/* A folder made for this run goes again if the run failed. */
	if (failed && x->made_issued_dir && x->issued_dir != NULL)
		(void)rmdir(x->issued_dir);
	ca_dir_close(x->d);
	ca_profile_free(x->prof);
	free(x->pbuf);
	free(x->ibuf);
	ca_csr_free(x->csr);
	X509_free(x->other);
	X509_NAME_free(x->subject);
	EVP_PKEY_free(x->soft);
	X509_free(x->draft);
	X509_free(x->cert);
	free(x->pem);
	free(x->chain);
	free(x->out_der);
	free(x->issued_path);
	free(x->out_path);
	free(x->chain_path);
	free(x->issued_dir);
	json_decref(x->people);
	json_decref(x->body);
}

/* The key to certify: the request's, or the other root's. */
static int
read_subject(const struct ca_sign_req *req, struct run *x, EVP_PKEY **key,
    struct ca_errbuf *eb)
{
	const char *path = req->csr_path ? req->csr_path : req->cross_path;
	BASIC_CONSTRAINTS *bc = NULL;
	int r;

	*key = NULL;
	if ((r = ca_read_file(path, 1 << 20, &x->ibuf, &x->ilen, eb)) != 0)
		return r;
	if (req->csr_path != NULL) {
		if ((r = ca_csr_parse(x->ibuf, x->ilen, &x->csr, eb)) != 0 ||
		    (r = ca_csr_check_pop(x->csr, eb)) != 0) {
			ca_err_prefix(eb, "\"%s\"", path);
			return r;
		}
		*key = x->csr->key;
		return 0;
	}
	if (ca_x509_parse_any(x->ibuf, x->ilen, &x->other) != 0) {
		ca_errf(eb, "\"%s\": not a certificate (PEM or DER)", path);
		return CA_ERR_CSR;
	}
	/* Only a root that holds its key: self-signed, verifying, a CA. */
	bc = X509_get_ext_d2i(x->other, NID_basic_constraints, NULL, NULL);
	if (X509_check_issued(x->other, x->other) != X509_V_OK ||
	    ca_cert_verify(x->other, X509_get0_pubkey(x->other)) != 0 ||
	    bc == NULL || !bc->ca) {
		ca_errf(eb, "\"%s\": not a self-signed CA certificate whose "
		    "signature verifies", path);
		r = CA_ERR_VERIFY;
		goto out;
	}
	if (X509_get0_subject_key_id(x->other) == NULL) {
		ca_errf(eb, "\"%s\": no subjectKeyIdentifier to keep", path);
		r = CA_ERR_VERIFY;
		goto out;
	}
	*key = X509_get0_pubkey(x->other);
	r = 0;
out:
	ERR_clear_error();
	BASIC_CONSTRAINTS_free(bc);
	return r;
}

/* read_subject on a thread of its own. */
struct subject_job {
	const struct ca_sign_req *req;
	struct run *x;
	EVP_PKEY *key;
	int r;
	struct ca_errbuf eb;
};

static void *
subject_run(void *arg)
{
	struct subject_job *j = arg;

	j->r = read_subject(j->req, j->x, &j->key, &j->eb);
	ERR_clear_error();
	return NULL;
}

/*
 * Read the request (or the other root) while the CA directory opens,
 * then report what is wrong with the request first, as if it had been
 * read before the CA was touched: both halves wait mostly on OpenSSL and
 * the token's module starting up, and a laptop has two processors.  The
 * CA is opened only to be read; nothing is written before every input
 * has been checked.
 */
static int
read_subject_and_open(const struct ca_sign_req *req, struct run *x,
    EVP_PKEY **key, int *open_r, struct ca_errbuf *eb)
{
	struct subject_job j;
	pthread_t tid;
	int threaded;

	memset(&j, 0, sizeof(j));
	j.req = req;
	j.x = x;
	threaded = pthread_create(&tid, NULL, subject_run, &j) == 0;
	if (!threaded)
		(void)subject_run(&j);
	/* x->d alone is the main thread's until the join. */
	*open_r = ca_dir_open_flags(req->dir, CA_DIR_SERIALS | CA_DIR_TOKEN,
	    &x->d, eb);
	if (threaded)
		(void)pthread_join(tid, NULL);
	*key = j.key;
	if (j.r != 0 && eb != NULL)
		memcpy(eb->msg, j.eb.msg, sizeof(eb->msg));
	return j.r;
}

static int
subject_name(const struct ca_sign_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	const X509_NAME *n;

	if (req->cross_path != NULL) {
		/* Byte for byte, so that chains built by name still meet. */
		n = X509_get_subject_name(x->other);
	} else if (x->prof->subject_from == CA_SUBJECT_FROM_PROFILE) {
		return ca_dn_parse(x->prof->subject, &x->subject, eb);
	} else {
		n = x->csr->subject;
	}
	if (X509_NAME_entry_count(n) == 0) {
		ca_errf(eb, "the request has an empty subject; the profile "
		    "must give one (\"subject_from\": \"profile\")");
		return CA_ERR_CSR;
	}
	if ((x->subject = X509_NAME_dup(n)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

/* How many CA certificates stand above the new one, root included. */
static int
depth_below(const struct ca_dir *d)
{
	return 1 + (d->chain != NULL ? sk_X509_num(d->chain) - 0 : 0);
}

static int
lint_all(X509 *c, EVP_PKEY *issuer_key, enum ca_cert_kind kind,
    X509 *issuer, const char *when, struct ca_errbuf *eb)
{
	struct ca_lint_report rep;
	int r;

	if ((r = ca_lint_cert_issued(c, issuer_key, kind, &rep, eb)) != 0 ||
	    (r = ca_lint_issuer(c, issuer, &rep, eb)) != 0)
		ca_err_prefix(eb, "certificate %s", when);
	return r;
}

int
ca_validity_plan(const struct ca_profile *prof, X509 *issuer, time_t now,
    time_t want_nb, time_t want_na, time_t *nb, time_t *na, int *truncated,
    struct ca_errbuf *eb)
{
	const ASN1_TIME *end = X509_get0_notAfter(issuer);
	struct tm tm;
	time_t issuer_end, longest;
	char s[21];

	*truncated = 0;
	/* Staged: a certificate for a later window, never a backdated one. */
	*nb = want_nb != 0 ? want_nb : now;
	if (*nb < now) {
		ca_errf(eb, "--not-before is in the past; a staged certificate "
		    "starts later (leave it out to start now)");
		return CA_ERR_INVALID_ARG;
	}
	if (ca_time_add(*nb, &prof->validity, &longest) != 0) {
		ca_errf(eb, "the profile's validity runs past the year 9999");
		return CA_ERR_PROFILE;
	}
	*na = longest;
	if (want_na != 0) {
		if (want_na <= *nb) {
			ca_errf(eb, "--not-after must come after notBefore");
			return CA_ERR_INVALID_ARG;
		}
		if (want_na > longest) {
			if (ca_time_rfc3339(longest, s) != 0)
				return CA_ERR_INTERNAL;
			ca_errf(eb, "--not-after goes past the profile's "
			    "validity, which ends %s from this notBefore; "
			    "choose an earlier end", s);
			return CA_ERR_PROFILE;
		}
		*na = want_na;
	}
	if (ASN1_TIME_to_tm(end, &tm) != 1)
		return CA_ERR_CRYPTO;
	issuer_end = timegm(&tm);
	if (*nb >= issuer_end) {
		if (ca_time_rfc3339(issuer_end, s) != 0)
			return CA_ERR_INTERNAL;
		ca_errf(eb, "--not-before falls after the issuing CA ends, %s",
		    s);
		return CA_ERR_PROFILE;
	}
	if (*na <= issuer_end)
		return 0;
	if (!prof->truncate_validity) {
		if (ca_time_rfc3339(issuer_end, s) != 0)
			return CA_ERR_INTERNAL;
		ca_errf(eb, "the profile's validity would outlast the issuing "
		    "CA, which ends %s; shorten \"validity\" or set "
		    "\"truncate_validity\": true", s);
		return CA_ERR_PROFILE;
	}
	*na = issuer_end;
	*truncated = 1;
	return 0;
}

/* A fresh serial that this CA's log has never named. */
static int
fresh_serial(struct run *x, struct ca_cert_params *cp, struct ca_errbuf *eb)
{
	char hex[2 * CA_SERIAL_LEN + 1];
	int tries, r;

	for (tries = 0; tries < 8; tries++) {
		if ((r = ca_serial_random(cp->serial)) != 0)
			return r;
		ca_hex(cp->serial, CA_SERIAL_LEN, hex);
		if (!ca_serial_set_has(&x->d->serials, hex))
			return 0;
	}
	ca_errf(eb, "the random number generator repeats itself");
	return CA_ERR_CRYPTO;
}

static char *
chain_name(const char *out)
{
	size_t n = strlen(out);
	char *p;

	if ((p = malloc(n + 16)) == NULL)
		return NULL;
	if (n > 4 && (strcmp(out + n - 4, ".pem") == 0 ||
	    strcmp(out + n - 4, ".der") == 0 || strcmp(out + n - 4, ".crt") ==
	    0))
		n -= 4;
	snprintf(p, n + 16, "%.*s-chain.pem", (int)n, out);
	return p;
}

/*
 * --out and its chain file can be made: a wrong --out is found before
 * the PIN is asked for, not after the CA has signed.
 */
static int
outputs_new(const char *out, struct ca_errbuf *eb)
{
	char *chain;
	int r;

	if ((r = ca_path_new(out, eb)) != 0)
		goto out;
	if ((chain = chain_name(out)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_path_new(chain, eb);
	free(chain);
out:
	if (r != 0 && r != CA_ERR_NOMEM)
		ca_err_suffix(eb, "give another --out");
	return r;
}

static int
outputs(const struct ca_sign_req *req, struct run *x, const char *serial,
    struct ca_errbuf *eb)
{
	char name[64];
	X509 *head[2];
	int r;

	if ((r = ca_cert_pem(x->cert, &x->pem, &x->pem_len)) != 0)
		return r;
	/* The chain: the new certificate, then its issuers to the root. */
	head[0] = x->cert;
	head[1] = x->d->cert;
	if ((r = ca_certs_pem(head, 2, x->d->chain, &x->chain,
	    &x->chain_len)) != 0)
		return r;
	if ((x->issued_dir = ca_path_join(x->d->path, CA_DIR_ISSUED)) == NULL)
		return CA_ERR_NOMEM;
	snprintf(name, sizeof(name), "%s.pem", serial);
	if ((x->issued_path = ca_path_join(x->issued_dir, name)) == NULL)
		return CA_ERR_NOMEM;
	snprintf(x->issued_rel, sizeof(x->issued_rel), "%s/%s", CA_DIR_ISSUED,
	    name);
	snprintf(x->chain_rel, sizeof(x->chain_rel), "%s/%s-chain.pem",
	    CA_DIR_ISSUED, serial);
	/*
	 * --out and its chain were found new before the PIN (outputs_new);
	 * one made since is refused when written, as any artifact is.
	 */
	if ((x->out_path = strdup(req->out_path != NULL ? req->out_path :
	    x->issued_path)) == NULL ||
	    (x->chain_path = chain_name(x->out_path)) == NULL)
		return CA_ERR_NOMEM;
	if (req->der) {
		unsigned char *der = NULL;
		int n = i2d_X509(x->cert, &der);

		if (n <= 0)
			return CA_ERR_CRYPTO;
		if ((x->out_der = malloc((size_t)n)) == NULL) {
			OPENSSL_free(der);
			return CA_ERR_NOMEM;
		}
		memcpy(x->out_der, der, (size_t)n);
		x->out_len = (size_t)n;
		OPENSSL_free(der);
	}
	if (mkdir(x->issued_dir, 0755) == 0)
		x->made_issued_dir = 1;
	else if (errno != EEXIST) {
		ca_errf(eb, "\"%s\": %s", x->issued_dir, strerror(errno));
		return ca_errno_code(errno);
	}
	return 0;
}

/* A certificate time as the records write times. */
static json_t *
json_time(const ASN1_TIME *a)
{
	struct tm tm;
	char s[21];

	if (ASN1_TIME_to_tm(a, &tm) != 1 || ca_time_rfc3339(timegm(&tm),
	    s) != 0)
		return NULL;
	return json_string(s);
}

static int
build_body(const struct ca_sign_req *req, struct run *x, int truncated,
    const struct ca_compat_report *warn, struct ca_errbuf *eb)
{
	json_t *inputs = NULL, *outs = NULL, *params = NULL, *c = NULL,
	    *zone = NULL, *w = NULL;
	const char *in = req->csr_path ? req->csr_path : req->cross_path;
	size_t i;
	int r;

	if ((r = ca_dir_body(x->d, req->prog, req->csr_path ? "sign-sub" :
	    "cross-certify", req->now, x->people, &x->body, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((inputs = json_pack("[o, o]", ca_rec_file(in, x->ibuf, x->ilen),
	    ca_rec_file(req->profile_path, x->pbuf, x->plen))) == NULL)
		goto out;
	/*
	 * Files in the CA directory are named relative to it, so that an
	 * audit finds them wherever the directory is; --out files are
	 * marked external: they leave with whoever carries them.
	 */
	if ((outs = json_array()) == NULL ||
	    json_array_append_new(outs, ca_rec_file(x->issued_rel, x->pem,
	    x->pem_len)) != 0)
		goto out;
	if (req->out_path != NULL) {
		if (json_array_append_new(outs, req->der ?
		    ca_rec_file_external(x->out_path, x->out_der,
		    x->out_len) : ca_rec_file_external(x->out_path, x->pem,
		    x->pem_len)) != 0 || json_array_append_new(outs,
		    ca_rec_file_external(x->chain_path, x->chain,
		    x->chain_len)) != 0)
			goto out;
	} else if (json_array_append_new(outs, ca_rec_file(x->chain_rel,
	    x->chain, x->chain_len)) != 0)
		goto out;
	if ((params = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:b}",
	    "dir", req->dir, "profile", req->profile_path,
	    "profile_name", x->prof->name, "csr", req->csr_path,
	    "kind", ca_profile_kind_name(x->prof->kind), "der", req->der)) ==
	    NULL)
		goto out;
	if (req->cross_path != NULL && json_object_set_new(params, "cross",
	    json_string(req->cross_path)) != 0)
		goto out;
	if (json_object_set_new(params, "validity_truncated",
	    json_boolean(truncated)) != 0)
		goto out;
	if ((req->not_before != 0 || req->not_after != 0) &&
	    json_object_set_new(params, "staged", json_pack("{s:o, s:o, s:s?}",
	    "not_before", json_time(X509_get0_notBefore(x->cert)),
	    "not_after", json_time(X509_get0_notAfter(x->cert)), "by",
	    req->staged_by)) != 0)
		goto out;
	if ((r = ca_rec_cert(x->issued_rel, x->cert, &c)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (x->prof->security_level > 0)
		zone = json_pack("{s:s, s:i, s:s}", "zone", x->prof->zone,
		    "security_level", x->prof->security_level, "policy_oid",
		    x->prof->zone_policy_oid);
	else
		zone = json_null();
	if (zone == NULL || (w = json_array()) == NULL)
		goto out;
	for (i = 0; i < warn->n; i++)
		if (json_array_append_new(w, json_string(warn->msg[i])) != 0)
			goto out;
	if (json_object_set_new(x->body, "inputs", inputs) != 0 ||
	    (inputs = NULL, json_object_set_new(x->body, "outputs", outs)) !=
	    0 || (outs = NULL, json_object_set_new(x->body, "params",
	    params)) != 0 || (params = NULL, json_object_set_new(x->body,
	    "certificate", c)) != 0 || (c = NULL,
	    json_object_set_new(x->body, "iec62443", zone)) != 0 ||
	    (zone = NULL, json_object_set_new(x->body, "warnings", w)) != 0 ||
	    (w = NULL, json_object_set_new(x->body, "result",
	    json_string("ok"))) != 0)
		goto out;
	r = 0;
out:
	json_decref(inputs);
	json_decref(outs);
	json_decref(params);
	json_decref(c);
	json_decref(zone);
	json_decref(w);
	return r;
}

int
ca_sign_sub(const struct ca_sign_req *req, struct ca_sign_result *res,
    struct ca_errbuf *eb)
{
	struct run x;
	struct ca_cert_params cp;
	struct ca_artifact art[3];
	enum ca_cert_kind kind;
	enum ca_keyalg issuer_alg;
	EVP_PKEY *key = NULL, *ca_pub;
	BASIC_CONSTRAINTS *ibc = NULL;
	char serial[41], *s = NULL;
	size_t nart = 0;
	int r = CA_ERR_INTERNAL, truncated = 0, n, open_r;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));

	/* 1. Inputs: any fault in them is reported before any of the CA. */
	if ((req->csr_path == NULL) == (req->cross_path == NULL) ||
	    req->profile_path == NULL || req->dir == NULL) {
		ca_errf(eb, "give -d, --profile, and one of --csr or --cross");
		return CA_ERR_INVALID_ARG;
	}
	if (req->der && req->out_path == NULL) {
		ca_errf(eb, "--der writes the --out file; give --out too (the "
		    "CA's own copy in issued/ is always PEM)");
		return CA_ERR_INVALID_ARG;
	}
	kind = req->csr_path ? CA_CERT_SUB : CA_CERT_CROSS;
	if ((r = ca_read_file(req->profile_path, 1 << 20, &x.pbuf, &x.plen,
	    eb)) != 0)
		goto out;
	if ((r = ca_profile_parse_named((const char *)x.pbuf, x.plen,
	    req->profile_path, &x.prof, eb)) != 0)
		goto out;
	if (x.prof->kind != (kind == CA_CERT_SUB ? CA_PROFILE_SUB :
	    CA_PROFILE_CROSS)) {
		ca_errf(eb, "%s: a \"%s\" profile cannot be used %s; use one "
		    "of kind \"%s\"", req->profile_path,
		    ca_profile_kind_name(x.prof->kind), kind == CA_CERT_SUB ?
		    "with --csr" : "with --cross", kind == CA_CERT_SUB ?
		    "sub" : "cross");
		r = CA_ERR_PROFILE;
		goto out;
	}
	if ((r = read_subject_and_open(req, &x, &key, &open_r, eb)) != 0)
		goto out;
	if ((r = ca_key_policy_check(key, x.prof->key_algorithms,
	    x.prof->rsa_min_bits, eb)) != 0) {
		ca_err_prefix(eb, "\"%s\"", req->csr_path ? req->csr_path :
		    req->cross_path);
		goto out;
	}
	if ((r = subject_name(req, &x, eb)) != 0)
		goto out;
	if ((r = ca_rec_people(req->operator_, req->witnesses,
	    req->nwitnesses, &x.people, eb)) != 0)
		goto out;

	/*
	 * 2. The issuing CA, opened above: locked, its log verified, and
	 * every serial it names collected in the same pass.
	 */
	if ((r = open_r) != 0)
		goto out;
	/*
	 * After the open, which tells of an interrupted run (whose --out
	 * may be in place) and how to recover it, before anything else.
	 */
	if (req->out_path != NULL && (r = outputs_new(req->out_path, eb)) != 0)
		goto out;
	/* A clock behind the log fails now, not after the root has signed. */
	{
		json_t *probe = NULL;

		if ((r = ca_log_body_new(&x.d->head, req->now, "sign-sub",
		    &probe, eb)) != 0)
			goto out;
		json_decref(probe);
	}
	ibc = X509_get_ext_d2i(x.d->cert, NID_basic_constraints, NULL, NULL);
	if (ibc != NULL && ibc->pathlen != NULL) {
		long ip = ASN1_INTEGER_get(ibc->pathlen);

		/* RFC 5280 4.2.1.9: pathLen 0 allows no CA below. */
		if (ip <= 0) {
			ca_errf(eb, "the issuing CA has pathLen 0, so no CA "
			    "may stand below it: sign this one from a CA "
			    "higher up");
			r = CA_ERR_PROFILE;
			goto out;
		}
		if (x.prof->path_len < 0 || x.prof->path_len >= ip) {
			ca_errf(eb, "the profile's path_len must be below the "
			    "issuing CA's pathLen %ld: lower \"path_len\" in "
			    "%s", ip, req->profile_path);
			r = CA_ERR_PROFILE;
			goto out;
		}
	}
	if (ca_keyalg_parse(x.d->cfg->algorithm, &issuer_alg) != 0) {
		ca_errf(eb, "%s names an unknown algorithm", CA_FILE_CONFIG);
		r = CA_ERR_SCHEMA;
		goto out;
	}
	memset(&cp, 0, sizeof(cp));
	cp.kind = kind;
	cp.subject = x.subject;
	cp.issuer = X509_get_subject_name(x.d->cert);
	cp.path_len = x.prof->path_len;
	cp.key_usage = x.prof->key_usage;
	cp.profile = x.prof;
	cp.ski = kind == CA_CERT_CROSS ?
	    X509_get0_subject_key_id(x.other) : NULL;
	cp.aki = X509_get0_subject_key_id(x.d->cert);
	if ((r = ca_validity_plan(x.prof, x.d->cert, req->now,
	    req->not_before, req->not_after, &cp.not_before, &cp.not_after,
	    &truncated, eb)) != 0 ||
	    (r = fresh_serial(&x, &cp, eb)) != 0)
		goto out;

	/*
	 * 3. Rehearse, lint and warn before the token is touched: a
	 * throwaway key signs a draft with the algorithm the CA's key will
	 * use, and the lints judge it against the CA's real key.
	 */
	ca_pub = X509_get0_pubkey(x.d->cert);
	if ((r = ca_keygen_stamp(ca_pub, &x.soft)) != 0 ||
	    (r = ca_cert_build(&cp, key, ca_pub, &x.draft)) != 0 ||
	    (r = ca_cert_sign(x.draft, x.soft, ca_md_for_key(ca_pub), eb)) !=
	    0)
		goto out;
	if ((r = lint_all(x.draft, ca_pub, kind, x.d->cert, "before signing",
	    eb)) != 0)
		goto out;
	if ((n = ca_compat_lint(x.prof, x.draft, depth_below(x.d),
	    &res->warnings)) < 0) {
		r = n;
		goto out;
	}

	/*
	 * 4. The token signs the linted draft's tbs itself, not a second
	 * build of it; before anything is written the signature must verify
	 * and the certificate, read back, hold the linted tbs byte for byte
	 * (ca_tsigner_sign_cert).
	 */
	if ((r = ca_dir_login(x.d, req->pin_source, req->prompt,
	    req->prompt_arg, eb)) != 0)
		goto out;
	if ((r = ca_tsigner_sign_cert(x.d->ca_ts, x.draft,
	    ca_md_for_key(ca_pub), &x.cert, eb)) != 0)
		goto out;
	if (ca_cert_verify(x.cert, ca_pub) != 0) {
		ca_errf(eb, "the token's signature does not verify with the "
		    "CA certificate's key");
		r = CA_ERR_VERIFY;
		goto out;
	}
	if ((r = lint_all(x.cert, ca_pub, kind, x.d->cert, "after signing",
	    eb)) != 0)
		goto out;

	/* 5. The certificate, its chain and the record, together. */
	if ((r = ca_serial_hex(x.cert, serial)) != 0 ||
	    (r = outputs(req, &x, serial, eb)) != 0 ||
	    (r = build_body(req, &x, truncated, &res->warnings, eb)) != 0)
		goto out;
	art[nart++] = (struct ca_artifact){
	    .path = x.issued_path, .data = x.pem, .len = x.pem_len,
	    .mode = 0644, .replace = 0 };
	if (strcmp(x.out_path, x.issued_path) != 0)
		art[nart++] = (struct ca_artifact){
		    .path = x.out_path, .data = req->der ? x.out_der : x.pem,
		    .len = req->der ? x.out_len : x.pem_len, .mode = 0644,
		    .replace = 0 };
	art[nart++] = (struct ca_artifact){
	    .path = x.chain_path, .data = x.chain, .len = x.chain_len,
	    .mode = 0644, .replace = 0 };
	/* What the operator is told, worked out before anything lands. */
	snprintf(res->serial, sizeof(res->serial), "%s", serial);
	if ((r = ca_cert_sha256(x.cert, res->fingerprint)) != 0 ||
	    (r = ca_dn_format(X509_get_subject_name(x.cert), &s)) != 0)
		goto out;
	snprintf(res->subject, sizeof(res->subject), "%s", s);
	if (ca_time_rfc3339(cp.not_before, res->not_before) != 0 ||
	    ca_time_rfc3339(cp.not_after, res->not_after) != 0) {
		r = CA_ERR_INTERNAL;
		goto out;
	}
	snprintf(res->out_path, sizeof(res->out_path), "%s", x.out_path);
	snprintf(res->chain_path, sizeof(res->chain_path), "%s",
	    x.chain_path);
	res->truncated = truncated;
	if ((r = ca_dir_append(x.d, x.body, art, nart, res->head, eb)) != 0)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	BASIC_CONSTRAINTS_free(ibc);
	free(s);
	run_free(&x, r != 0);
	return r;
}
