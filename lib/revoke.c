#include "revoke.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "crl.h"
#include "csr.h"
#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "log.h"
#include "record.h"
#include "timefmt.h"

/* The CRL an export copies: its number, and the hashes its record gives. */
struct crl_src {
	unsigned long long number;
	const char *der_sha256, *pem_sha256;
};

static int export_dir(const char *, const char *, const struct crl_src *,
    struct ca_errbuf *);

/* What a walk over the log finds. */
struct scan {
	const char *serial;		/* the one asked about, or NULL */
	long long issued_in;		/* its issuing record, or 0 */
	char subject[512];
	int revoked;
	int have_index;			/* any revoke record */
	char index_sha256[65];
	unsigned long long max_crl;
	long long last_crl_seq;
	char last_crl_der[64], this_update[21], next_update[21];
	char last_der_sha[65], last_pem_sha[65];
	char last_issued[41];		/* newest serial in issued/ */
};

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
saw_cert(struct scan *s, long long seq, const json_t *c, int in_issued)
{
	const char *serial = str(c, "serial"), *subj = str(c, "subject");

	if (serial == NULL)
		return;
	if (in_issued && strlen(serial) < sizeof(s->last_issued))
		snprintf(s->last_issued, sizeof(s->last_issued), "%s", serial);
	if (s->serial != NULL && strcmp(serial, s->serial) == 0) {
		s->issued_in = seq;
		snprintf(s->subject, sizeof(s->subject), "%s",
		    subj ? subj : "");
	}
}

static int
visit(void *arg, long long seq, const json_t *body)
{
	struct scan *s = arg;
	const char *op = str(body, "op"), *x;
	const json_t *v;

	if (op == NULL)
		return 0;
	/* Certificates this CA signed: issued ones, and its log signer. */
	if ((v = json_object_get(body, "certificate")) != NULL &&
	    json_is_object(v))
		saw_cert(s, seq, v, 1);
	/* A batch of device certificates (ca-issue). */
	if (strcmp(op, "issue") == 0) {
		const json_t *one;
		size_t k;

		json_array_foreach(json_object_get(body, "issued"), k, one)
			saw_cert(s, seq, one, 1);
	}
	if ((v = json_object_get(json_object_get(body, "certificates"),
	    "log_signer")) != NULL)
		saw_cert(s, seq, v, 0);
	if (strcmp(op, "revoke") == 0) {
		v = json_object_get(body, "revocation");
		if (s->serial != NULL && (x = str(v, "serial")) != NULL &&
		    strcmp(x, s->serial) == 0)
			s->revoked = 1;
		if ((x = str(json_object_get(body, "index"), "sha256")) !=
		    NULL && strlen(x) == 64) {
			memcpy(s->index_sha256, x, 65);
			s->have_index = 1;
		}
	} else if (strcmp(op, "crl-issue") == 0) {
		v = json_object_get(body, "crl");
		if (json_integer_value(json_object_get(v, "number")) > 0 &&
		    (unsigned long long)json_integer_value(json_object_get(v,
		    "number")) > s->max_crl)
			s->max_crl = (unsigned long long)json_integer_value(
			    json_object_get(v, "number"));
		s->last_crl_seq = seq;
		snprintf(s->last_crl_der, sizeof(s->last_crl_der), "%s",
		    (x = str(json_object_get(v, "der"), "name")) ? x : "");
		snprintf(s->last_der_sha, sizeof(s->last_der_sha), "%s",
		    (x = str(json_object_get(v, "der"), "sha256")) ? x : "");
		snprintf(s->last_pem_sha, sizeof(s->last_pem_sha), "%s",
		    (x = str(json_object_get(v, "pem"), "sha256")) ? x : "");
		snprintf(s->this_update, sizeof(s->this_update), "%s",
		    (x = str(v, "this_update")) ? x : "");
		snprintf(s->next_update, sizeof(s->next_update), "%s",
		    (x = str(v, "next_update")) ? x : "");
	}
	return 0;
}

static int
scan_log(const char *dir, long long count, struct scan *s,
    struct ca_errbuf *eb)
{
	char *logdir;
	int r;

	if ((logdir = ca_path_join(dir, CA_DIR_LOG)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_log_each(logdir, count, visit, s, eb);
	free(logdir);
	return r;
}

/* The index on disk is the one the newest revoke record names. */
static int
index_matches(const char *dir, const struct scan *s, char **path,
    struct ca_errbuf *eb)
{
	char h[65];
	int r;

	if ((*path = ca_path_join(dir, CA_FILE_REVOKED)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_sha256_file(*path, h, NULL);
	if (r == CA_ERR_NOT_FOUND && !s->have_index)
		return 0;
	if (r != 0 && r != CA_ERR_NOT_FOUND)
		return r;
	if (r == CA_ERR_NOT_FOUND || !s->have_index ||
	    strcmp(h, s->index_sha256) != 0) {
		ca_errf(eb, "\"%s\" is not the revocation index the log names; "
		    "it was changed or lost outside a ceremony: stop, restore "
		    "the CA directory from its backup copy and run ca-audit",
		    *path);
		return CA_ERR_VERIFY;
	}
	return 0;
}

/*
 * The certificate to revoke, its serial and its input entry: read before
 * the CA opens, so that the log is read once, knowing the serial.
 */
static int
serial_of_cert(const char *path, X509 **x, char serial[41], json_t **input,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*x = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	r = CA_ERR_VERIFY;
	if (ca_x509_parse_any(buf, len, x) != 0) {
		ca_errf(eb, "\"%s\": not a certificate (PEM or DER); give "
		    "the certificate to revoke, or its --serial", path);
		goto out;
	}
	if ((r = ca_serial_hex(*x, serial)) != 0)
		goto out;
	if ((*input = ca_rec_file(path, buf, len)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		X509_free(*x);
		*x = NULL;
	}
	free(buf);
	return r;
}

/* Only what this CA signed is this CA's to revoke. */
static int
issued_here(X509 *x, const struct ca_dir *d, const char *path,
    struct ca_errbuf *eb)
{
	if (X509_NAME_cmp(X509_get_issuer_name(x),
	    X509_get_subject_name(d->cert)) != 0 ||
	    ca_cert_verify(x, X509_get0_pubkey(d->cert)) != 0) {
		ERR_clear_error();
		ca_errf(eb, "\"%s\" was not issued by this CA; revoke it "
		    "with the CA that signed it (see its issuer)", path);
		return CA_ERR_VERIFY;
	}
	return 0;
}

int
ca_revoke(const struct ca_revoke_req *req, const struct ca_session *c,
    struct ca_revoke_result *res, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_rev_entry e;
	struct scan s;
	struct ca_artifact art;
	json_t *people = NULL, *body = NULL, *v = NULL, *input = NULL;
	X509 *cert = NULL;
	char *idx = NULL, *tmp = NULL, sha[65], rfc[21];
	time_t inv = 0;
	long long count = 0, size;
	FILE *f = NULL;
	int r, code;

	memset(res, 0, sizeof(*res));
	memset(&e, 0, sizeof(e));
	memset(&s, 0, sizeof(s));
	/* 1. Inputs. */
	if ((req->serial == NULL) == (req->cert_path == NULL)) {
		ca_errf(eb, "give one of --serial or --cert");
		return CA_ERR_INVALID_ARG;
	}
	if (req->serial != NULL &&
	    ca_serial_normalise(req->serial, e.serial) != 0) {
		ca_errf(eb, "serial \"%s\" is not a certificate serial number "
		    "in hex", req->serial);
		return CA_ERR_INVALID_ARG;
	}
	if (req->reason == NULL || ca_reason_parse(req->reason, &code) != 0) {
		ca_errf(eb, "unknown reason \"%s\"; use unspecified, "
		    "keyCompromise, cACompromise, affiliationChanged, "
		    "superseded, cessationOfOperation or privilegeWithdrawn",
		    req->reason ? req->reason : "");
		return CA_ERR_INVALID_ARG;
	}
	e.reason = code;
	if (req->invalidity != NULL) {
		if (ca_time_parse(req->invalidity, &inv) != 0 || inv > c->now) {
			ca_errf(eb, "invalidity date \"%s\" is not an RFC 3339 "
			    "UTC time (YYYY-MM-DDTHH:MM:SSZ) in the past",
			    req->invalidity);
			return CA_ERR_INVALID_ARG;
		}
		ca_time_generalized(inv, e.invalidity);
	}
	ca_time_generalized(c->now, e.revoked);
	if ((r = ca_rec_people(c->operator_, c->witnesses, c->nwitnesses,
	    &people, eb)) != 0)
		goto out;

	if (req->cert_path != NULL && (r = serial_of_cert(req->cert_path,
	    &cert, e.serial, &input, eb)) != 0)
		goto out;

	/*
	 * 2. The CA, its log, and what the log says of this serial, read in
	 * the pass that verifies it.
	 */
	s.serial = e.serial;
	if ((r = ca_dir_open_visit(req->dir, CA_DIR_TOKEN, visit, &s, &d,
	    eb)) != 0)
		goto out;
	if (cert != NULL && (r = issued_here(cert, d, req->cert_path,
	    eb)) != 0)
		goto out;
	if ((r = index_matches(d->path, &s, &idx, eb)) != 0)
		goto out;
	if (s.issued_in == 0) {
		ca_errf(eb, "serial %s was not issued by this CA (no record "
		    "in its log names it); check the serial, or revoke it with "
		    "the CA that signed it", e.serial);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if (s.revoked) {
		ca_errf(eb, "serial %s is already revoked; nothing to do, "
		    "ca-audit lists the revocations", e.serial);
		r = CA_ERR_EXISTS;
		goto out;
	}
	if ((r = ca_log_body_new(&d->head, c->now, "revoke", &body, eb)) != 0)
		goto out;
	json_decref(body);
	body = NULL;

	/* 3. The new index, beside the old, not yet in place. */
	if ((r = ca_tmp_open(idx, 0644, &f, &tmp, eb)) != 0)
		goto out;
	if ((r = ca_rev_insert(idx, f, &e, &count, sha, eb)) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		r = CA_ERR_IO;
		goto out;
	}
	f = NULL;
	if ((r = ca_sha256_file(tmp, sha, &size)) != 0)
		goto out;

	/* 4. The token, for the record's signature. */
	if ((r = ca_dir_login(d, c->pin_source, c->prompt, c->prompt_arg,
	    eb)) != 0)
		goto out;
	if ((r = ca_dir_body(d, c->prog, "revoke", c->now, people, &body,
	    eb)) != 0)
		goto out;
	if ((r = ca_time_rfc3339(c->now, rfc)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((v = json_pack("{s:s, s:s, s:i, s:s, s:o}", "serial", e.serial,
	    "reason", ca_reason_name(e.reason), "reason_code", e.reason,
	    "revoked", rfc, "invalidity_date", req->invalidity ?
	    json_string(req->invalidity) : json_null())) == NULL ||
	    json_object_set_new(body, "revocation", v) != 0)
		goto out;
	if ((v = json_pack("{s:s, s:s, s:I}", "serial", e.serial, "subject",
	    s.subject, "issued_in", (json_int_t)s.issued_in)) == NULL ||
	    json_object_set_new(body, "revoked_certificate", v) != 0)
		goto out;
	if ((v = json_pack("{s:s, s:s, s:I}", "file", CA_FILE_REVOKED,
	    "sha256", sha, "entries", (json_int_t)count)) == NULL ||
	    json_object_set_new(body, "index", v) != 0)
		goto out;
	if ((v = json_pack("[{s:s, s:I, s:s}]", "name", CA_FILE_REVOKED,
	    "size", (json_int_t)size, "sha256", sha)) == NULL ||
	    json_object_set_new(body, "outputs", v) != 0)
		goto out;
	if ((v = json_array()) == NULL ||
	    (input != NULL && json_array_append(v, input) != 0) ||
	    json_object_set_new(body, "inputs", v) != 0 ||
	    json_object_set_new(body, "params", json_pack("{s:s}", "dir",
	    req->dir)) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;

	/* 5. The index and the record, together. */
	memset(&art, 0, sizeof(art));
	art.path = idx;
	art.mode = 0644;
	art.replace = 1;
	art.ready = tmp;
	art.sha256 = sha;
	if ((r = ca_dir_append(d, body, &art, 1, res->head, eb)) != 0)
		goto out;
	free(tmp);	/* renamed into place */
	tmp = NULL;
	snprintf(res->serial, sizeof(res->serial), "%s", e.serial);
	snprintf(res->subject, sizeof(res->subject), "%s", s.subject);
	res->count = count;
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(idx);
	json_decref(people);
	json_decref(body);
	json_decref(input);
	X509_free(cert);
	ca_dir_close(d);
	return r;
}

/* The CDP this CA puts in what it issues: the IDP must name the same. */
static int
dp_of_issued(const char *dir, const char *serial, char ***uris, size_t *n)
{
	CRL_DIST_POINTS *cdp = NULL;
	X509 *x = NULL;
	char name[64], *p;
	int i, j, r = 0;

	*uris = NULL;
	*n = 0;
	if (serial[0] == '\0')
		return 0;
	snprintf(name, sizeof(name), "%s/%s.pem", CA_DIR_ISSUED, serial);
	if ((p = ca_path_join(dir, name)) == NULL)
		return CA_ERR_NOMEM;
	if (ca_cert_load(p, &x, NULL) != 0)
		goto out;
	if ((cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL,
	    NULL)) == NULL)
		goto out;
	for (i = 0; i < sk_DIST_POINT_num(cdp); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(cdp, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(
		    dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			char **grown;

			if (g->type != GEN_URI)
				continue;
			if ((grown = realloc(*uris, (*n + 1) *
			    sizeof(*grown))) == NULL ||
			    (grown[*n] = strndup((const char *)
			    ASN1_STRING_get0_data(
			    g->d.uniformResourceIdentifier),
			    (size_t)ASN1_STRING_length(
			    g->d.uniformResourceIdentifier))) == NULL) {
				if (grown != NULL)
					*uris = grown;
				r = CA_ERR_NOMEM;
				goto out;
			}
			*uris = grown;
			(*n)++;
		}
	}
out:
	ERR_clear_error();
	CRL_DIST_POINTS_free(cdp);
	X509_free(x);
	free(p);
	return r;
}

static int
duration_of(const char *given, const char *cfg, const char *def,
    struct ca_duration *d, struct ca_errbuf *eb)
{
	const char *s = given ? given : cfg ? cfg : def;

	if (ca_duration_parse(s, d) != 0) {
		ca_errf(eb, "\"%s\" is not a duration; give a number and "
		    "a unit: y, m or d, such as \"12m\" or \"30d\"", s);
		return CA_ERR_INVALID_ARG;
	}
	return 0;
}

/* OpenSSL's own reading of the new CRL, where it is small enough. */
static int
openssl_check(const char *path, X509 *issuer, unsigned long long number,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	int r = CA_ERR_VERIFY;

	if ((r = ca_read_file(path, 64 << 20, &buf, &len, eb)) != 0)
		return r;
	r = CA_ERR_VERIFY;
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL ||
	    p != buf + len || X509_CRL_verify(crl,
	    X509_get0_pubkey(issuer)) != 1 ||
	    (num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) ==
	    NULL || ASN1_INTEGER_get(num) != (long)number) {
		ca_errf(eb, "OpenSSL does not read the new crl as meant");
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	free(buf);
	return r;
}

int
ca_crl_issue(const struct ca_crl_req *req, const struct ca_session *c,
    struct ca_crl_result *res, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct scan s;
	struct ca_duration dur;
	struct ca_crl_params p;
	struct ca_sign_stream ss;
	struct ca_crl_info info;
	struct ca_artifact art[2];
	struct tm tm;
	json_t *people = NULL, *body = NULL, *v = NULL;
	char *idx = NULL, *crldir = NULL, *der = NULL, *pem = NULL;
	char *tder = NULL, *tpem = NULL, **dps = NULL, name[64], psha[65];
	char isha[65] = "";
	FILE *fd = NULL, *fp = NULL;
	size_t ndp = 0, i;
	long long psize = 0, icount = 0;
	time_t ca_end;
	int r, made_dir = 0, is_root;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	if ((r = ca_rec_people(c->operator_, c->witnesses, c->nwitnesses,
	    &people, eb)) != 0)
		goto out;
	/* The log is read in the pass that verifies it. */
	if ((r = ca_dir_open_visit(req->dir, CA_DIR_TOKEN, visit, &s, &d,
	    eb)) != 0)
		goto out;
	/* An export that cannot be made is refused before the CRL is. */
	if (req->out != NULL && (r = ca_path_new(req->out, eb)) != 0) {
		ca_err_suffix(eb, "export to a new folder");
		goto out;
	}
	is_root = strcmp(d->cfg->kind, "root") == 0;
	if ((r = duration_of(req->next_update, d->cfg->crl_next_update,
	    is_root ? CA_CRL_ROOT_NEXT_UPDATE : CA_CRL_SUB_NEXT_UPDATE, &dur,
	    eb)) != 0)
		goto out;
	if ((r = index_matches(d->path, &s, &idx, eb)) != 0)
		goto out;
	if ((r = ca_log_body_new(&d->head, c->now, "crl-issue", &body,
	    eb)) != 0)
		goto out;
	json_decref(body);
	body = NULL;

	/* 1. What the CRL says, checked before the token is touched. */
	memset(&p, 0, sizeof(p));
	p.issuer = d->cert;
	p.this_update = c->now;
	if ((r = ca_time_add(c->now, &dur, &p.next_update)) != 0) {
		ca_errf(eb, "nextUpdate runs past the year 9999");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (ASN1_TIME_to_tm(X509_get0_notAfter(d->cert), &tm) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	ca_end = timegm(&tm);
	/* A CRL past its CA's end would promise what cannot be kept. */
	if (p.next_update > ca_end) {
		char end[21] = "";

		if (ca_time_rfc3339(ca_end, end) != 0)
			end[0] = '\0';
		ca_errf(eb, "nextUpdate would fall after the CA certificate's "
		    "notAfter (%s); give a shorter --next-update", end);
		r = CA_ERR_PROFILE;
		goto out;
	}
	/* RFC 5280 5.2.3: monotonically increasing; the log knows them all. */
	p.number = s.max_crl + 1;
	if (p.number > (1ULL << 53) - 1) {
		r = CA_ERR_INTERNAL;
		goto out;
	}
	/* RFC 5280 5.2.5: a root's CRL covers only CA certificates. */
	p.only_ca_certs = is_root;
	{
		const char *m = req->idp ? req->idp : d->cfg->crl_idp ?
		    d->cfg->crl_idp : "full";

		if (ca_idp_parse(m, &p.idp) != 0) {
			ca_errf(eb, "issuing distribution point \"%s\" is "
			    "not full, scope or none", m);
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
	}
	if ((r = dp_of_issued(d->path, s.last_issued, &dps, &ndp)) != 0)
		goto out;
	p.dp_uris = (const char *const *)dps;
	p.ndp = ndp;

	/* 2. The token signs; the CRL goes to temporaries and is read back. */
	if ((r = ca_dir_login(d, c->pin_source, c->prompt, c->prompt_arg,
	    eb)) != 0)
		goto out;
	if ((crldir = ca_path_join(d->path, CA_DIR_CRL)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (mkdir(crldir, 0755) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot make \"%s\": %s", crldir,
		    strerror(errno));
		goto out;
	}
	snprintf(name, sizeof(name), "%llu.der", p.number);
	if ((der = ca_path_join(crldir, name)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	snprintf(name, sizeof(name), "%llu.pem", p.number);
	if ((pem = ca_path_join(crldir, name)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if ((r = ca_tmp_open(der, 0644, &fd, &tder, eb)) != 0 ||
	    (r = ca_tmp_open(pem, 0644, &fp, &tpem, eb)) != 0)
		goto out;
	if (d->ca_ts == NULL) {
		r = CA_ERR_INTERNAL;
		goto out;
	}
	ca_tsigner_stream(d->ca_ts, &ss);
	if ((r = ca_crl_write(idx, &p, &ss, fd, fp, &info, eb)) != 0)
		goto out;
	{
		int e1 = fclose(fd), e2 = fclose(fp);

		fd = fp = NULL;
		if (e1 != 0 || e2 != 0) {
			r = CA_ERR_IO;
			goto out;
		}
	}
	if ((r = ca_crl_check(tder, idx, &p, eb)) != 0 ||
	    (info.entries <= 100000 &&
	    (r = openssl_check(tder, d->cert, p.number, eb)) != 0) ||
	    (r = ca_sha256_file(tpem, psha, &psize)) != 0)
		goto out;
	if (s.have_index && (r = ca_sha256_file(idx, isha, &icount)) != 0)
		goto out;
	/* The index the CRL was built from is still the one the log names. */
	if (s.have_index && strcmp(isha, s.index_sha256) != 0) {
		ca_errf(eb, "the revocation index changed while the crl was "
		    "built");
		r = CA_ERR_VERIFY;
		goto out;
	}

	/* 3. The record. */
	if ((r = ca_dir_body(d, c->prog, "crl-issue", c->now, people, &body,
	    eb)) != 0)
		goto out;
	if ((r = ca_time_rfc3339(p.this_update, res->this_update)) != 0 ||
	    (r = ca_time_rfc3339(p.next_update, res->next_update)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	snprintf(name, sizeof(name), "%s/%llu.der", CA_DIR_CRL, p.number);
	if ((v = json_pack("{s:I, s:s, s:s, s:I, s:b, s:{s:s, s:I, s:s}}",
	    "number", (json_int_t)p.number, "this_update", res->this_update,
	    "next_update", res->next_update, "entries",
	    (json_int_t)info.entries, "only_ca_certs", p.only_ca_certs &&
	    p.idp != CA_IDP_NONE,
	    "der", "name", name, "size", (json_int_t)info.der_len, "sha256",
	    info.der_sha256)) == NULL)
		goto out;
	snprintf(name, sizeof(name), "%s/%llu.pem", CA_DIR_CRL, p.number);
	if (json_object_set_new(v, "pem", json_pack("{s:s, s:I, s:s}", "name",
	    name, "size", (json_int_t)psize, "sha256", psha)) != 0 ||
	    json_object_set_new(v, "distribution_points", json_array()) != 0)
		goto out;
	for (i = 0; p.idp == CA_IDP_FULL && i < ndp; i++)
		if (json_array_append_new(json_object_get(v,
		    "distribution_points"), json_string(dps[i])) != 0)
			goto out;
	if (json_object_set_new(v, "idp", json_string(p.idp == CA_IDP_FULL ?
	    "full" : p.idp == CA_IDP_SCOPE ? "scope" : "none")) != 0)
		goto out;
	if (json_object_set_new(body, "crl", v) != 0) {
		v = NULL;
		goto out;
	}
	v = NULL;
	if (json_object_set_new(body, "index", s.have_index ?
	    json_pack("{s:s, s:s}", "file", CA_FILE_REVOKED, "sha256",
	    isha) : json_null()) != 0 ||
	    json_object_set_new(body, "outputs", json_pack("[o, o]",
	    json_incref(json_object_get(json_object_get(body, "crl"),
	    "der")), json_incref(json_object_get(json_object_get(body,
	    "crl"), "pem")))) != 0 ||
	    json_object_set_new(body, "inputs", json_array()) != 0 ||
	    json_object_set_new(body, "params", json_pack("{s:s, s:s*}",
	    "dir", req->dir, "next_update", req->next_update)) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;

	/* 4. The CRL and the record, together. */
	memset(art, 0, sizeof(art));
	art[0].path = der;
	art[0].mode = 0644;
	art[0].ready = tder;
	art[0].sha256 = info.der_sha256;
	art[1].path = pem;
	art[1].mode = 0644;
	art[1].ready = tpem;
	art[1].sha256 = psha;
	if ((r = ca_dir_append(d, body, art, 2, res->head, eb)) != 0)
		goto out;
	free(tder);
	free(tpem);
	tder = tpem = NULL;
	made_dir = 0;
	res->number = p.number;
	res->entries = info.entries;
	snprintf(res->der_path, sizeof(res->der_path), "%s", der);
	snprintf(res->pem_path, sizeof(res->pem_path), "%s", pem);
	memcpy(res->der_sha256, info.der_sha256, 65);
	r = 0;
	/*
	 * The export is a copy of what the log now names: this CRL, by the
	 * hashes its record has just given, without reading the log again.
	 */
	if (req->out != NULL) {
		struct crl_src src = { p.number, info.der_sha256, psha };

		if ((r = export_dir(req->dir, req->out, &src, eb)) != 0)
			ca_err_prefix(eb, "crl %llu was issued and recorded, "
			    "but the export failed", p.number);
	}
out:
	if (fd != NULL)
		fclose(fd);
	if (fp != NULL)
		fclose(fp);
	if (tder != NULL)
		(void)unlink(tder);
	if (tpem != NULL)
		(void)unlink(tpem);
	if (made_dir)
		(void)rmdir(crldir);
	free(tder);
	free(tpem);
	for (i = 0; i < ndp; i++)
		free(dps[i]);
	free(dps);
	free(idx);
	free(crldir);
	free(der);
	free(pem);
	json_decref(v);
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}

static int
export_crl_times(const char *path, time_t *tu, time_t *nu,
    unsigned long long *number, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	const unsigned char *p;
	size_t len = 0;
	X509_CRL *crl = NULL;
	ASN1_INTEGER *num = NULL;
	struct tm tm;
	int r;

	if ((r = ca_read_file(path, 256 << 20, &buf, &len, eb)) != 0)
		return r;
	r = CA_ERR_VERIFY;
	p = buf;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)len)) == NULL ||
	    X509_CRL_get0_nextUpdate(crl) == NULL ||
	    ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm) != 1) {
		ca_errf(eb, "\"%s\" is not a DER crl with a nextUpdate", path);
		goto out;
	}
	*tu = timegm(&tm);
	if (ASN1_TIME_to_tm(X509_CRL_get0_nextUpdate(crl), &tm) != 1)
		goto out;
	*nu = timegm(&tm);
	*number = 0;
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL)) !=
	    NULL)
		*number = (unsigned long long)ASN1_INTEGER_get(num);
	r = 0;
out:
	ERR_clear_error();
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);
	free(buf);
	return r;
}

int
ca_crl_status_get(const char *dir, const char *margin, time_t now,
    struct ca_crl_status *st, struct ca_errbuf *eb)
{
	struct ca_config *cfg = NULL;
	long long count = 0;
	struct ca_duration m;
	struct scan s;
	char *p = NULL, *logdir = NULL;
	time_t tu = 0, nu = 0, due;
	int r, is_root = 1;

	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	if ((p = ca_path_join(dir, CA_FILE_CONFIG)) == NULL)
		return CA_ERR_NOMEM;
	if (access(p, F_OK) == 0) {
		/* A CA directory: its newest CRL, as its log names it. */
		if ((r = ca_config_load(dir, &cfg, eb)) != 0)
			goto out;
		is_root = strcmp(cfg->kind, "root") == 0;
		if ((logdir = ca_path_join(dir, CA_DIR_LOG)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((r = ca_log_count(logdir, &count, eb)) != 0 ||
		    (r = scan_log(dir, count, &s, eb)) != 0)
			goto out;
		if (s.last_crl_seq == 0) {
			ca_errf(eb, "\"%s\" has issued no crl yet; issue "
			    "one with ca-crl issue", dir);
			r = CA_ERR_NOT_FOUND;
			goto out;
		}
		if (ca_time_parse(s.this_update, &tu) != 0 ||
		    ca_time_parse(s.next_update, &nu) != 0) {
			ca_errf(eb, "the newest crl record has no dates");
			r = CA_ERR_LOG;
			goto out;
		}
		st->number = s.max_crl;
	} else {
		/* An export folder, as carried into the OT zone. */
		free(p);
		if ((p = ca_path_join(dir, "crl.der")) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if (access(p, F_OK) != 0) {
			ca_errf(eb, "\"%s\" is neither a CA directory (it "
			    "has no %s) nor a crl export folder (no crl.der); "
			    "check the path given to -d", dir,
			    CA_FILE_CONFIG);
			r = CA_ERR_NOT_FOUND;
			goto out;
		}
		if ((r = export_crl_times(p, &tu, &nu, &st->number, eb)) != 0)
			goto out;
	}
	if ((r = duration_of(margin, cfg ? cfg->crl_margin : NULL, is_root ?
	    CA_CRL_ROOT_MARGIN : CA_CRL_SUB_MARGIN, &m, eb)) != 0)
		goto out;
	/* The margin counts back from nextUpdate. */
	m.years = -m.years;
	m.months = -m.months;
	m.days = -m.days;
	if (ca_time_add(nu, &m, &due) != 0) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if ((r = ca_time_rfc3339(tu, st->this_update)) != 0 ||
	    (r = ca_time_rfc3339(nu, st->next_update)) != 0 ||
	    (r = ca_time_rfc3339(due, st->due)) != 0)
		goto out;
	st->days_left = nu > now ? (long long)(nu - now) / 86400 :
	    -((long long)(now - nu) + 86399) / 86400;
	st->days_to_due = due > now ? (long long)(due - now) / 86400 :
	    -((long long)(now - due) + 86399) / 86400;
	if (now >= nu)
		st->state = CA_CRL_EXPIRED;
	else if (now >= due - (time_t)CA_CRL_WARN_DAYS * 86400)
		st->state = CA_CRL_WARNING;
	else
		st->state = CA_CRL_OK;
	r = 0;
out:
	ca_config_free(cfg);
	free(p);
	free(logdir);
	return r;
}

static int
put_file(const char *dir, const char *name, const void *data, size_t len,
    FILE *sums, struct ca_errbuf *eb)
{
	char *p, h[65];
	int r;

	if ((p = ca_path_join(dir, name)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_write_file_excl(p, data, len, 0644, eb);
	free(p);
	if (r != 0)
		return r;
	ca_sha256_hex(data, len, h);
	/* sha256sum(1)'s own form, so "sha256sum -c" checks the folder. */
	return fprintf(sums, "%s  %s\n", h, name) < 0 ? CA_ERR_IO : 0;
}

static int
copy_in(const char *from, const char *dir, const char *name, FILE *sums,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = ca_read_file(from, 256 << 20, &buf, &len, eb)) != 0)
		return r;
	r = put_file(dir, name, buf, len, sums, eb);
	free(buf);
	return r;
}

int
ca_crl_export(const char *dir, const char *out, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct crl_src src;
	struct scan s;
	int r;

	memset(&s, 0, sizeof(s));
	/*
	 * Locked, and the log verified: only what it vouches for leaves.
	 * The newest CRL is found in the same pass.
	 */
	if ((r = ca_dir_open_visit(dir, 0, visit, &s, &d, eb)) != 0)
		return r;
	if (s.last_crl_seq == 0) {
		ca_errf(eb, "\"%s\" has issued no crl yet; issue one with "
		    "ca-crl issue, then export it", dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	src.number = s.max_crl;
	src.der_sha256 = s.last_der_sha;
	src.pem_sha256 = s.last_pem_sha;
	r = export_dir(dir, out, &src, eb);
out:
	ca_dir_close(d);
	return r;
}

static int
copy_checked(const char *from, const char *dir, const char *name,
    const char *want, FILE *sums, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char h[65];
	int r;

	/* The bytes checked are the bytes copied: the file is read once. */
	if ((r = ca_read_file(from, 256 << 20, &buf, &len, eb)) != 0)
		return r;
	ca_sha256_hex(buf, len, h);
	if (strcmp(h, want) != 0) {
		ca_errf(eb, "\"%s\" is not the file its record names; it was "
		    "changed outside a ceremony: stop, restore the CA "
		    "directory from its backup copy and run ca-audit", from);
		r = CA_ERR_VERIFY;
		goto out;
	}
	r = put_file(dir, name, buf, len, sums, eb);
out:
	free(buf);
	return r;
}

/*
 * The export of src, each file checked against the hash its record gives;
 * the caller holds the CA directory's lock.
 */
/* What an export folder holds, and nothing else. */
static const char *const export_names[] = { "crl.der", "crl.pem",
    CA_FILE_CERT, CA_FILE_CHAIN, "SHA256SUMS" };
#define N_EXPORT_NAMES (sizeof(export_names) / sizeof(export_names[0]))

/* Remove the export folder (or its staging copy) stage; errors ignored. */
static void
rm_export(const char *stage)
{
	char *p;
	size_t i;

	for (i = 0; i < N_EXPORT_NAMES; i++)
		if ((p = ca_path_join(stage, export_names[i])) != NULL) {
			(void)unlink(p);
			free(p);
		}
	(void)rmdir(stage);
}

/* A name an export folder holds. */
static int
is_export_name(const char *name)
{
	size_t i;

	for (i = 0; i < N_EXPORT_NAMES; i++)
		if (strcmp(name, export_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * A staging folder an export left is removed only when it holds nothing
 * but the export's own files: anything else is not ours to remove.
 */
static void
stale_export(void *arg, const char *path)
{
	struct ca_errbuf *eb = arg;

	if (!ca_folder_only(path, is_export_name))
		return;
	rm_export(path);
	ca_warnf(eb, "removed \"%s\", an export an earlier run left "
	    "unfinished", path);
}

/*
 * Remove the staging folders, out.tmp-XXXXXX, that earlier exports to out
 * left when killed or cut off by a power failure, with a warning in eb
 * for each: a folder nobody will finish, which would otherwise lie on the
 * stick carried to the OT zone beside the real export.  An export running
 * now to the same folder from another CA directory would lose its
 * staging folder and fail, as it would have at the rename anyway.
 */
static void
sweep_stale_exports(const char *out, struct ca_errbuf *eb)
{
	(void)ca_tmp_siblings(out, stale_export, eb);
}

static int
export_dir(const char *dir, const char *out, const struct crl_src *src,
    struct ca_errbuf *eb)
{
	char *stage = NULL, *p = NULL, *sums = NULL;
	char *text = NULL, name[64];
	size_t n, tlen = 0;
	FILE *f = NULL;
	int r;

	if (access(out, F_OK) == 0) {
		ca_errf(eb, "\"%s\" exists; export to a new folder", out);
		r = CA_ERR_EXISTS;
		goto out;
	}
	sweep_stale_exports(out, eb);
	/* Built beside, then renamed: the folder is whole or absent. */
	n = strlen(out) + 16;
	if ((stage = malloc(n)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	snprintf(stage, n, "%s.tmp-XXXXXX", out);
	if (mkdtemp(stage) == NULL || chmod(stage, 0755) != 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "\"%s\": %s", out, strerror(errno));
		free(stage);
		stage = NULL;
		goto out;
	}
	if ((f = open_memstream(&text, &tlen)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	snprintf(name, sizeof(name), "%s/%llu.der", CA_DIR_CRL, src->number);
	r = CA_ERR_NOMEM;
	if ((p = ca_path_join(dir, name)) == NULL ||
	    (r = copy_checked(p, stage, "crl.der", src->der_sha256, f,
	    eb)) != 0)
		goto out;
	free(p);
	snprintf(name, sizeof(name), "%s/%llu.pem", CA_DIR_CRL, src->number);
	r = CA_ERR_NOMEM;
	if ((p = ca_path_join(dir, name)) == NULL ||
	    (r = copy_checked(p, stage, "crl.pem", src->pem_sha256, f,
	    eb)) != 0)
		goto out;
	free(p);
	r = CA_ERR_NOMEM;
	if ((p = ca_path_join(dir, CA_FILE_CERT)) == NULL ||
	    (r = copy_in(p, stage, CA_FILE_CERT, f, eb)) != 0)
		goto out;
	free(p);
	if ((p = ca_path_join(dir, CA_FILE_CHAIN)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (access(p, F_OK) == 0 &&
	    (r = copy_in(p, stage, CA_FILE_CHAIN, f, eb)) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		r = CA_ERR_IO;
		goto out;
	}
	f = NULL;
	if ((sums = ca_path_join(stage, "SHA256SUMS")) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if ((r = ca_write_file_excl(sums, text, tlen, 0644, eb)) != 0)
		goto out;
	if ((r = ca_fsync_dir(stage)) != 0)
		goto out;
	if (renameat2(AT_FDCWD, stage, AT_FDCWD, out, RENAME_NOREPLACE) != 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "\"%s\": %s", out, strerror(errno));
		goto out;
	}
	free(stage);
	stage = NULL;
	r = ca_fsync_parent(out);
out:
	if (f != NULL)
		fclose(f);
	if (stage != NULL) {
		/* Remove what was staged. */
		rm_export(stage);
		free(stage);
	}
	free(sums);
	free(text);
	free(p);
	return r;
}
