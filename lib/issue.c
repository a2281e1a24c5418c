#include "issue.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "csr.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "lint.h"
#include "log.h"
#include "profile.h"
#include "record.h"
#include "subca.h"
#include "timefmt.h"
#include "tokensign.h"

#define CHAIN_NAME "ca-chain.pem"

/* One request and what becomes of it. */
struct item {
	const char *path;
	char name[256];			/* NAME of NAME.csr */
	unsigned char *buf;
	size_t len;
	char csr_sha[65], spki[65];
	struct ca_csr *csr;
	GENERAL_NAMES *san;
	int bad;
	char reason[320];
	ASN1_OCTET_STRING *ski;
	unsigned char serial[CA_SERIAL_LEN];
	char serial_hex[2 * CA_SERIAL_LEN + 1];
	X509 *draft;
	unsigned char *der;		/* the signed certificate */
	size_t der_len;
	char fingerprint[65];
	char *pem;
	size_t pem_len;
	char *issued_path, *out_path;
};

/* What the worker threads share. */
struct batch {
	const struct ca_issue_req *req;
	struct ca_profile *prof;
	struct ca_dir *d;
	struct item *it;
	size_t n;
	struct ca_cert_params cp;	/* all but serial, subject, SAN */
	NAME_CONSTRAINTS **nc;		/* of the CA and those above it */
	size_t nnc;
	const EVP_MD *md;
	struct ca_tsigner *signer[CA_ISSUE_MAX_SESSIONS];
	EVP_PKEY *soft[CA_ISSUE_MAX_SESSIONS];
	int nthreads;
	atomic_size_t next, done;
	atomic_int failed;		/* a fatal error: stop */
	pthread_mutex_t lock;		/* guards fail_r and fail_eb */
	int fail_r;
	struct ca_errbuf fail_eb;
	char *issued_dir;
};

static void
fatal(struct batch *b, int r, const struct ca_errbuf *eb, const char *what)
{
	pthread_mutex_lock(&b->lock);
	if (b->fail_r == 0) {
		b->fail_r = r;
		snprintf(b->fail_eb.msg, sizeof(b->fail_eb.msg),
		    "%.160s%s%.340s", what, eb->msg[0] ? ": " : "", eb->msg);
	}
	pthread_mutex_unlock(&b->lock);
	atomic_store(&b->failed, 1);
}

static void
bad(struct item *it, const struct ca_errbuf *eb, const char *fallback)
{
	it->bad = 1;
	snprintf(it->reason, sizeof(it->reason), "%.319s",
	    eb->msg[0] ? eb->msg : fallback);
}

/* --- the requests ------------------------------------------------------- */

static int
dns_ok(const char *s, size_t n)
{
	size_t i, label = 0;

	/* RFC 1123 host names; a leading "*." is not for a device. */
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return s[n - 1] != '-';
}

static int
uri_ok(const char *s, size_t n)
{
	size_t i;

	/* RFC 3986 3.1: a scheme, then ':'; no spaces or controls. */
	if (n < 3 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
	    s[0] <= 'Z')))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return memchr(s, ':', n) != NULL;
}

/*
 * The request's subjectAltName, only of the types the profile allows,
 * each well formed, and at least one of each type it requires (exactly
 * one URI when it requires one: OPC UA's applicationUri).
 */
static int
check_san(const struct ca_profile *p, struct item *it, struct ca_errbuf *eb)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *san = NULL;
	const unsigned char *d;
	unsigned have = 0;
	int i, n, crit = -1, uris = 0, r;

	if ((r = ca_csr_extensions(it->csr, &exts, eb)) != 0)
		goto out;
	r = CA_ERR_CSR;
	if (exts != NULL)
		san = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	if (san == NULL && crit == -2) {
		ca_errf(eb, "its subjectAltName is requested twice");
		goto out;
	}
	n = san != NULL ? sk_GENERAL_NAME_num(san) : 0;
	for (i = 0; i < n; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
		const ASN1_STRING *v;

		switch (g->type) {
		case GEN_DNS:
			v = g->d.dNSName;
			d = ASN1_STRING_get0_data(v);
			if (!(p->san_allow & CA_SAN_DNS)) {
				ca_errf(eb, "it asks for a DNS name, which the "
				    "profile does not allow");
				goto out;
			}
			if (!dns_ok((const char *)d, (size_t)ASN1_STRING_length(
			    v))) {
				ca_errf(eb, "its DNS name \"%.*s\" is not a "
				    "host name", ASN1_STRING_length(v) > 64 ?
				    64 : ASN1_STRING_length(v),
				    (const char *)d);
				goto out;
			}
			have |= CA_SAN_DNS;
			break;
		case GEN_IPADD:
			v = g->d.iPAddress;
			if (!(p->san_allow & CA_SAN_IP)) {
				ca_errf(eb, "it asks for an IP address, which "
				    "the profile does not allow");
				goto out;
			}
			if (ASN1_STRING_length(v) != 4 &&
			    ASN1_STRING_length(v) != 16) {
				ca_errf(eb, "its IP address is neither IPv4 "
				    "nor IPv6");
				goto out;
			}
			have |= CA_SAN_IP;
			break;
		case GEN_URI:
			v = g->d.uniformResourceIdentifier;
			d = ASN1_STRING_get0_data(v);
			if (!(p->san_allow & CA_SAN_URI)) {
				ca_errf(eb, "it asks for a URI, which the "
				    "profile does not allow");
				goto out;
			}
			if (!uri_ok((const char *)d, (size_t)ASN1_STRING_length(
			    v))) {
				ca_errf(eb, "its URI is not an absolute URI");
				goto out;
			}
			have |= CA_SAN_URI;
			uris++;
			break;
		default:
			ca_errf(eb, "it asks for a subjectAltName of a type "
			    "the profile cannot allow (only dns, ip and uri)");
			goto out;
		}
	}
	if (p->san_require & ~have) {
		ca_errf(eb, "it lacks a subjectAltName the profile requires "
		    "(%s%s%s)", p->san_require & ~have & CA_SAN_DNS ?
		    "dns " : "", p->san_require & ~have & CA_SAN_IP ?
		    "ip " : "", p->san_require & ~have & CA_SAN_URI ?
		    "uri" : "");
		goto out;
	}
	if ((p->san_require & CA_SAN_URI) && uris != 1) {
		ca_errf(eb, "it names %d URIs; the profile requires exactly "
		    "one (the OPC UA applicationUri)", uris);
		goto out;
	}
	if (n > 0) {
		it->san = san;
		san = NULL;
	}
	r = 0;
out:
	GENERAL_NAMES_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	ERR_clear_error();
	return r;
}

/* One request, as ca-sign-sub checks one; the reason goes to it. */
static void
check_request(struct batch *b, struct item *it)
{
	struct ca_errbuf eb = { 0 };

	if (ca_read_file(it->path, 1 << 20, &it->buf, &it->len, &eb) != 0) {
		bad(it, &eb, "cannot be read");
		return;
	}
	ca_sha256_hex(it->buf, it->len, it->csr_sha);
	if (ca_csr_parse(it->buf, it->len, &it->csr, &eb) != 0 ||
	    ca_csr_check_pop(it->csr, &eb) != 0) {
		bad(it, &eb, "not a request signed by its own key");
		return;
	}
	if (ca_key_policy_check(it->csr->key, b->prof->key_algorithms,
	    b->prof->rsa_min_bits, &eb) != 0) {
		bad(it, &eb, "its key is not allowed");
		return;
	}
	if (X509_NAME_entry_count(it->csr->subject) == 0) {
		ca_errf(&eb, "its subject is empty; a device certificate names "
		    "the device (CN=...)");
		bad(it, &eb, "");
		return;
	}
	if (check_san(b->prof, it, &eb) != 0) {
		bad(it, &eb, "its subjectAltName is not allowed");
		return;
	}
	/* From the request's own encoding: no provider encoder, no cost. */
	{
		unsigned char *der = NULL;
		int n;

		if ((n = i2d_X509_PUBKEY(it->csr->spki, &der)) <= 0 ||
		    ca_key_id(it->csr->spki, &it->ski) != 0) {
			OPENSSL_free(der);
			bad(it, &eb, "its key cannot be encoded");
			return;
		}
		ca_sha256_hex(der, (size_t)n, it->spki);
		OPENSSL_free(der);
	}
}

/* --- the certificates --------------------------------------------------- */

static int
lint_draft(struct batch *b, X509 *x, EVP_PKEY *key, struct ca_errbuf *eb)
{
	struct ca_lint_report rep;
	size_t i;
	int rc;

	if (ca_lint_device(x, key, X509_get0_pubkey(b->d->cert),
	    b->d->cert, &rep, eb) != 0)
		return CA_ERR_LINT;
	/*
	 * RFC 5280 4.2.1.10: a name the CA may not certify makes every
	 * relying party refuse the chain; refuse it here instead.
	 */
	for (i = 0; i < b->nnc; i++)
		if ((rc = NAME_CONSTRAINTS_check(x, b->nc[i])) != X509_V_OK) {
			ca_errf(eb, "a name is outside the CA's name "
			    "constraints (%s)", X509_verify_cert_error_string(
			    rc));
			return CA_ERR_LINT;
		}
	return 0;
}

/*
 * The certificate as it will be, signed with a throwaway key whose
 * signature algorithm is the CA key's, and linted: before the token is
 * asked for anything.
 */
static void
draft(struct batch *b, int t, struct item *it)
{
	struct ca_cert_params cp = b->cp;
	struct ca_errbuf eb = { 0 };

	memcpy(cp.serial, it->serial, CA_SERIAL_LEN);
	cp.subject = it->csr->subject;
	cp.san = it->san;
	cp.spki = it->csr->spki;
	cp.ski = it->ski;
	if (EVP_PKEY_get_base_id(it->csr->key) == EVP_PKEY_EC)
		cp.key_usage &= ~(unsigned)CA_KU_RSA_ONLY;
	if (ca_cert_build(&cp, it->csr->key, NULL,
	    &it->draft) != 0 || ca_cert_sign(it->draft, b->soft[t], b->md,
	    &eb) != 0) {
		bad(it, &eb, "its certificate cannot be built");
		return;
	}
	if (lint_draft(b, it->draft, it->csr->key, &eb) != 0)
		bad(it, &eb, "its certificate fails the lints");
}

/* sig over data verifies with pub (the CA certificate's key). */
static int
sig_ok(EVP_PKEY *pub, const EVP_MD *md, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int
pem_of(const unsigned char *der, size_t len, char **out, size_t *outlen)
{
	BIO *b;
	BUF_MEM *m;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return CA_ERR_NOMEM;
	if (PEM_write_bio(b, "CERTIFICATE", "", der, (long)len) > 0 &&
	    BIO_get_mem_ptr(b, &m) == 1) {
		if ((*out = malloc(m->length)) == NULL) {
			r = CA_ERR_NOMEM;
		} else {
			memcpy(*out, m->data, m->length);
			*outlen = m->length;
			r = 0;
		}
	}
	BIO_free(b);
	return r;
}

/*
 * The token signs the draft's tbs.  The signature is verified over
 * those bytes; the certificate is the linted draft with it.
 */
static void
sign_one(struct batch *b, int t, struct item *it)
{
	struct ca_errbuf eb = { 0 };
	unsigned char *tbs = NULL, *sig = NULL;
	size_t siglen = 0;
	int tl, r;

	if ((tl = i2d_re_X509_tbs(it->draft, &tbs)) <= 0) {
		fatal(b, CA_ERR_CRYPTO, &eb, "cannot encode a certificate");
		goto out;
	}
	if ((r = ca_tsigner_sign(b->signer[t], b->md, tbs, (size_t)tl, &sig,
	    &siglen, &eb)) != 0) {
		fatal(b, r, &eb, "the token could not sign");
		goto out;
	}
	if (!sig_ok(b->d->ca_pub, b->md, tbs, (size_t)tl, sig, siglen)) {
		fatal(b, CA_ERR_VERIFY, &eb, "the token's signature does not "
		    "verify with the CA certificate's key");
		goto out;
	}
	if ((r = ca_cert_assemble(it->draft, tbs, (size_t)tl, sig, siglen,
	    &it->der, &it->der_len)) != 0 || (r = pem_of(it->der, it->der_len,
	    &it->pem, &it->pem_len)) != 0) {
		fatal(b, r, &eb, "cannot encode a certificate");
		goto out;
	}
	ca_sha256_hex(it->der, it->der_len, it->fingerprint);
out:
	OPENSSL_free(tbs);
	OPENSSL_free(sig);
}

/*
 * The first certificate of the batch, parsed back as any relying party
 * would and checked as ca-sign-sub checks what its token signed: what
 * holds for it holds for all, since every one is put together the same
 * way from a linted draft.
 */
static int
canary(struct batch *b, struct ca_errbuf *eb)
{
	struct ca_lint_report rep;
	const unsigned char *p;
	unsigned char *again = NULL;
	struct item *it = NULL;
	X509 *x = NULL;
	size_t i;
	int n, r = CA_ERR_VERIFY;

	for (i = 0; i < b->n && it == NULL; i++)
		if (!b->it[i].bad)
			it = &b->it[i];
	if (it == NULL)
		return 0;
	p = it->der;
	if ((x = d2i_X509(NULL, &p, (long)it->der_len)) == NULL ||
	    p != it->der + it->der_len || (n = i2d_X509(x, &again)) <= 0 ||
	    (size_t)n != it->der_len || memcmp(again, it->der, it->der_len) !=
	    0) {
		ca_errf(eb, "a signed certificate does not parse back as "
		    "itself");
		goto out;
	}
	if (ca_cert_verify(x, b->d->ca_pub) != 0) {
		ca_errf(eb, "a signed certificate does not verify");
		goto out;
	}
	if ((r = ca_cert_same_tbs(it->draft, x, eb)) != 0 ||
	    (r = ca_lint_cert_issued(x, b->d->ca_pub, CA_CERT_DEVICE, &rep,
	    eb)) != 0 || (r = ca_lint_issuer(x, b->d->cert, &rep, eb)) != 0) {
		ca_err_prefix(eb, "certificate after signing");
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	OPENSSL_free(again);
	X509_free(x);
	return r;
}

/* --- the threads -------------------------------------------------------- */

enum phase { CHECK, DRAFT, SIGN };

struct worker {
	struct batch *b;
	int t;
	enum phase ph;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	size_t i;

	while (!atomic_load(&b->failed) &&
	    (i = atomic_fetch_add(&b->next, 1)) < b->n) {
		struct item *it = &b->it[i];

		if (w->ph == CHECK)
			check_request(b, it);
		else if (!it->bad && w->ph == DRAFT)
			draft(b, w->t, it);
		else if (!it->bad)
			sign_one(b, w->t, it);
		atomic_fetch_add(&b->done, 1);
		ERR_clear_error();
	}
	return NULL;
}

/* Run one phase over every item on b->nthreads threads. */
static int
run_phase(struct batch *b, enum phase ph, const char *label)
{
	struct worker w[CA_ISSUE_MAX_SESSIONS];
	pthread_t th[CA_ISSUE_MAX_SESSIONS];
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	int i, started = 0;

	atomic_store(&b->next, 0);
	atomic_store(&b->done, 0);
	for (i = 0; i < b->nthreads; i++) {
		w[i] = (struct worker){ b, i, ph };
		if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
			break;
		started++;
	}
	if (started == 0) {
		/* No thread to be had: this one does the work. */
		w[0] = (struct worker){ b, 0, ph };
		(void)work(&w[0]);
	}
	while (started > 0 && atomic_load(&b->done) < b->n &&
	    !atomic_load(&b->failed)) {
		if (b->req->progress != NULL)
			b->req->progress(b->req->progress_arg, label,
			    atomic_load(&b->done), b->n);
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (b->req->progress != NULL)
		b->req->progress(b->req->progress_arg, label,
		    atomic_load(&b->done), b->n);
	return atomic_load(&b->failed) ? b->fail_r : 0;
}

/* --- the batch ---------------------------------------------------------- */

/* NAME.csr gives NAME; the names of a batch's files must differ. */
static int
out_names(struct batch *b, struct ca_errbuf *eb)
{
	static const char *const ext[] = { ".csr", ".req", ".pem", ".der" };
	const char *base;
	size_t i, j, n;

	for (i = 0; i < b->n; i++) {
		struct item *it = &b->it[i];

		base = strrchr(it->path, '/');
		base = base ? base + 1 : it->path;
		n = strlen(base);
		for (j = 0; j < sizeof(ext) / sizeof(ext[0]); j++)
			if (n > 4 && strcmp(base + n - 4, ext[j]) == 0) {
				n -= 4;
				break;
			}
		if (n == 0 || base[0] == '.') {
			ca_errf(eb, "\"%s\": cannot name a certificate after "
			    "it; rename the request", it->path);
			return CA_ERR_INVALID_ARG;
		}
		/* NAME.pem, and its temporary's suffix while it is written. */
		if (n + 4 + CA_TMP_SUFFIX_LEN > NAME_MAX) {
			ca_errf(eb, "\"%s\": its name is too long to name a "
			    "certificate after; rename the request to at most "
			    "%d characters before its extension", it->path,
			    NAME_MAX - 4 - CA_TMP_SUFFIX_LEN);
			return CA_ERR_INVALID_ARG;
		}
		snprintf(it->name, sizeof(it->name), "%.*s", (int)n, base);
		if (strcmp(it->name, "ca-chain") == 0) {
			ca_errf(eb, "\"%s\": its certificate would overwrite "
			    "the chain file; rename the request", it->path);
			return CA_ERR_INVALID_ARG;
		}
	}
	for (i = 0; i < b->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(b->it[i].name, b->it[j].name) == 0) {
				ca_errf(eb, "\"%s\" and \"%s\" would both be "
				    "%s.pem; rename one", b->it[j].path,
				    b->it[i].path, b->it[i].name);
				return CA_ERR_INVALID_ARG;
			}
	return 0;
}

/* The same key twice in one batch is a copied file, not two devices. */
static void
same_keys(struct batch *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++)
		for (j = 0; j < i && !b->it[i].bad; j++)
			if (!b->it[j].bad && strcmp(b->it[i].spki,
			    b->it[j].spki) == 0) {
				b->it[i].bad = 1;
				snprintf(b->it[i].reason,
				    sizeof(b->it[i].reason), "it has the same "
				    "key as \"%s\"", b->it[j].path);
			}
}

/* Collect the bad; without keep_going the first one ends the batch. */
static int
triage(struct batch *b, struct ca_issue_result *res, struct ca_errbuf *eb)
{
	size_t i, good = 0;

	ca_issue_result_free(res);
	for (i = 0; i < b->n; i++)
		if (b->it[i].bad)
			res->nbad++;
		else
			good++;
	if (res->nbad > 0) {
		size_t k = 0;

		if ((res->bad = calloc(res->nbad, sizeof(*res->bad))) == NULL) {
			res->nbad = 0;
			return CA_ERR_NOMEM;
		}
		for (i = 0; i < b->n; i++)
			if (b->it[i].bad) {
				if ((res->bad[k].csr = strdup(b->it[i].path)) ==
				    NULL)
					return CA_ERR_NOMEM;
				snprintf(res->bad[k].reason,
				    sizeof(res->bad[k].reason), "%s",
				    b->it[i].reason);
				k++;
			}
	}
	if (res->nbad > 0 && !b->req->keep_going) {
		ca_errf(eb, "\"%s\": %s; nothing was issued (fix or remove the "
		    "request, or give --keep-going to issue the others)",
		    res->bad[0].csr, res->bad[0].reason);
		return CA_ERR_CSR;
	}
	if (good == 0) {
		ca_errf(eb, "no request passed its checks; nothing was issued");
		return CA_ERR_CSR;
	}
	return 0;
}

/* Name constraints of the issuing CA and every CA above it. */
static int
collect_nc(struct batch *b)
{
	NAME_CONSTRAINTS *nc;
	X509 *c;
	int i, n = b->d->chain ? sk_X509_num(b->d->chain) : 0;

	if ((b->nc = calloc((size_t)n + 1, sizeof(*b->nc))) == NULL)
		return CA_ERR_NOMEM;
	for (i = -1; i < n; i++) {
		c = i < 0 ? b->d->cert : sk_X509_value(b->d->chain, i);
		nc = X509_get_ext_d2i(c, NID_name_constraints, NULL, NULL);
		if (nc != NULL)
			b->nc[b->nnc++] = nc;
	}
	ERR_clear_error();
	return 0;
}

static int
cmp_serial(const void *a, const void *b)
{
	return strcmp((*(struct item *const *)a)->serial_hex,
	    (*(struct item *const *)b)->serial_hex);
}

/*
 * Fresh serials: never in this CA's log, never twice in the batch.  With
 * 127 random bits a repeat means a broken generator, not bad luck.
 */
static int
serials(struct batch *b, struct ca_errbuf *eb)
{
	struct item **by = NULL;
	size_t i, k = 0;
	int r;

	if ((by = calloc(b->n, sizeof(*by))) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < b->n; i++) {
		struct item *it = &b->it[i];

		if (it->bad)
			continue;
		if ((r = ca_serial_random(it->serial)) != 0)
			goto out;
		ca_hex(it->serial, CA_SERIAL_LEN, it->serial_hex);
		if (ca_serial_set_has(&b->d->serials, it->serial_hex))
			goto repeats;
		by[k++] = it;
	}
	qsort(by, k, sizeof(*by), cmp_serial);
	for (i = 1; i < k; i++)
		if (strcmp(by[i - 1]->serial_hex, by[i]->serial_hex) == 0)
			goto repeats;
	r = 0;
	goto out;
repeats:
	ca_errf(eb, "the random number generator repeats itself");
	r = CA_ERR_CRYPTO;
out:
	free(by);
	return r;
}

/* A draft key per thread, stamping the CA's signature algorithm. */
static int
soft_keys(struct batch *b)
{
	int i, r;

	for (i = 0; i < b->nthreads; i++)
		if ((r = ca_keygen_stamp(X509_get0_pubkey(b->d->cert),
		    &b->soft[i])) != 0)
			return r;
	return 0;
}

static int
build_body(struct batch *b, json_t **bodyp, const unsigned char *pbuf,
    size_t plen, const char *chain_path, const char *chain, size_t chain_len,
    struct ca_issue_result *res, int truncated, json_t *people,
    struct ca_errbuf *eb)
{
	const struct ca_issue_req *req = b->req;
	json_t *body = NULL, *issued = NULL, *rejected = NULL, *outs = NULL,
	    *params = NULL, *c = NULL, *inputs = NULL;
	char rel[96];
	size_t i;
	int r;

	if ((r = ca_dir_body(b->d, req->prog, "issue", req->now, people,
	    &body, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((issued = json_array()) == NULL ||
	    (rejected = json_array()) == NULL || (outs = json_array()) ==
	    NULL || (inputs = json_array()) == NULL)
		goto out;
	for (i = 0; i < b->n; i++) {
		struct item *it = &b->it[i];

		if (it->bad) {
			if (json_array_append_new(rejected, json_pack(
			    "{s:s, s:s*, s:s}", "csr", it->path, "sha256",
			    it->len > 0 ? it->csr_sha : NULL, "reason",
			    it->reason)) != 0)
				goto out;
			continue;
		}
		snprintf(rel, sizeof(rel), "%s/%s.pem", CA_DIR_ISSUED,
		    it->serial_hex);
		/* The draft's fields, the signed certificate's hash. */
		if ((r = ca_rec_cert(rel, it->draft, &c)) != 0)
			goto out;
		r = CA_ERR_NOMEM;
		if (json_object_set_new(c, "sha256", json_string(
		    it->fingerprint)) != 0 || json_object_set_new(c, "csr",
		    json_pack("{s:s, s:s}", "name", it->path, "sha256",
		    it->csr_sha)) != 0 ||
		    json_object_set_new(c, "out", json_string(it->out_path)) !=
		    0)
			goto out;
		/* Taken by the array, even when it fails. */
		if (json_array_append_new(issued, c) != 0) {
			c = NULL;
			goto out;
		}
		c = NULL;
		if (json_array_append_new(outs, ca_rec_file(rel, it->pem,
		    it->pem_len)) != 0 || json_array_append_new(outs,
		    ca_rec_file_external(it->out_path, it->pem,
		    it->pem_len)) != 0)
			goto out;
	}
	if (json_array_append_new(outs, ca_rec_file_external(chain_path, chain,
	    chain_len)) != 0)
		goto out;
	if (json_array_append_new(inputs, ca_rec_file(req->profile_path,
	    pbuf, plen)) != 0)
		goto out;
	if ((params = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:b, "
	    "s:i, s:b}", "dir", req->dir, "profile", req->profile_path,
	    "profile_name", b->prof->name, "kind", "device", "out",
	    req->out_dir, "requests", (json_int_t)b->n, "issued",
	    (json_int_t)res->issued, "keep_going", req->keep_going,
	    "sessions", b->nthreads, "validity_truncated", truncated)) ==
	    NULL)
		goto out;
	if ((req->not_before != 0 || req->not_after != 0) &&
	    json_object_set_new(params, "staged", json_pack("{s:s, s:s, s:s?}",
	    "not_before", res->not_before, "not_after", res->not_after, "by",
	    req->staged_by)) != 0)
		goto out;
	if (json_object_set_new(body, "inputs", inputs) != 0 ||
	    (inputs = NULL, json_object_set_new(body, "outputs", outs)) != 0 ||
	    (outs = NULL, json_object_set_new(body, "params", params)) != 0 ||
	    (params = NULL, json_object_set_new(body, "issued", issued)) !=
	    0 || (issued = NULL, json_object_set_new(body, "rejected",
	    rejected)) != 0 || (rejected = NULL, json_object_set_new(body,
	    "result", json_string("ok"))) != 0)
		goto out;
	*bodyp = body;
	body = NULL;
	r = 0;
out:
	json_decref(body);
	json_decref(issued);
	json_decref(rejected);
	json_decref(outs);
	json_decref(params);
	json_decref(inputs);
	json_decref(c);
	return r;
}

int
ca_issue(const struct ca_issue_req *req, struct ca_issue_result *res,
    struct ca_errbuf *eb)
{
	struct batch b;
	struct ca_artifact *art = NULL;
	unsigned char *pbuf = NULL;
	size_t plen = 0, i, nart = 0, chain_len = 0;
	json_t *people = NULL, *body = NULL;
	char *chain = NULL, *chain_path = NULL;
	X509 *head[1];
	int r, made_out = 0, made_issued = 0, truncated = 0, out_existed = 0;

	memset(&b, 0, sizeof(b));
	memset(res, 0, sizeof(*res));
	pthread_mutex_init(&b.lock, NULL);
	b.req = req;

	/* 1. The requests, all checked before the CA or its token is used. */
	if (req->dir == NULL || req->profile_path == NULL ||
	    req->out_dir == NULL || req->ncsrs == 0) {
		ca_errf(eb, "give -d, --profile, --out and the requests");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (req->ncsrs > CA_ISSUE_MAX) {
		ca_errf(eb, "%zu requests; a batch holds at most %d: split "
		    "them into several", req->ncsrs, CA_ISSUE_MAX);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	b.nthreads = req->sessions > 0 ? req->sessions :
	    ca_env_processors(8);
	if (b.nthreads > CA_ISSUE_MAX_SESSIONS) {
		ca_errf(eb, "at most %d sessions", CA_ISSUE_MAX_SESSIONS);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if ((r = ca_read_file(req->profile_path, 1 << 20, &pbuf, &plen,
	    eb)) != 0 || (r = ca_profile_parse_named((const char *)pbuf, plen,
	    req->profile_path, &b.prof, eb)) != 0)
		goto out;
	if (b.prof->kind != CA_PROFILE_DEVICE) {
		ca_errf(eb, "%s: a \"%s\" profile cannot issue device "
		    "certificates; use one of kind \"device\"",
		    req->profile_path, ca_profile_kind_name(b.prof->kind));
		r = CA_ERR_PROFILE;
		goto out;
	}
	if ((r = ca_rec_people(req->operator_, req->witnesses,
	    req->nwitnesses, &people, eb)) != 0)
		goto out;
	b.n = req->ncsrs;
	if ((b.it = calloc(b.n, sizeof(*b.it))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < b.n; i++)
		b.it[i].path = req->csrs[i];
	if ((r = out_names(&b, eb)) != 0)
		goto out;
	if ((r = run_phase(&b, CHECK, "checking")) != 0)
		goto out;
	same_keys(&b);
	if ((r = triage(&b, res, eb)) != 0)
		goto out;

	/* 2. The issuing CA: locked, its log verified; the drafts linted. */
	if ((r = ca_dir_open_flags(req->dir, CA_DIR_SERIALS |
	    CA_DIR_TOKEN, &b.d, eb)) != 0)
		goto out;
	/*
	 * The root stays offline and signs only CAs; its CRLs cover CAs
	 * alone (onlyContainsCACerts), so a device it signed could never be
	 * revoked where relying parties look.
	 */
	if (strcmp(b.d->cfg->kind, "root") == 0) {
		ca_errf(eb, "\"%s\" is a root CA; devices get their "
		    "certificates from an issuing CA under it (ca-init --sub, "
		    "ca-sign-sub)", req->dir);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	/* After the lock: an interrupted batch is recovered, then retried. */
	if ((r = ca_folder_new_or_empty(req->out_dir, &out_existed, eb)) !=
	    0) {
		ca_err_suffix(eb, "give --out a new folder");
		goto out;
	}
	{
		json_t *probe = NULL;

		/* A clock behind the log fails now, not after signing. */
		if ((r = ca_log_body_new(&b.d->head, req->now, "issue", &probe,
		    eb)) != 0)
			goto out;
		json_decref(probe);
	}
	if ((r = ca_validity_plan(b.prof, b.d->cert, req->now,
	    req->not_before, req->not_after, &b.cp.not_before,
	    &b.cp.not_after, &truncated, eb)) != 0)
		goto out;
	res->truncated = truncated;
	if (ca_time_rfc3339(b.cp.not_before, res->not_before) != 0 ||
	    ca_time_rfc3339(b.cp.not_after, res->not_after) != 0) {
		r = CA_ERR_INTERNAL;
		goto out;
	}
	b.cp.kind = CA_CERT_DEVICE;
	b.cp.issuer = X509_get_subject_name(b.d->cert);
	b.cp.path_len = -1;
	b.cp.key_usage = b.prof->key_usage;
	b.cp.profile = b.prof;
	b.cp.aki = X509_get0_subject_key_id(b.d->cert);
	if ((b.md = ca_md_for_key(X509_get0_pubkey(b.d->cert))) == NULL) {
		ca_errf(eb, "the CA's key is of no algorithm this toolkit "
		    "signs with");
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	if ((r = collect_nc(&b)) != 0 || (r = serials(&b, eb)) != 0 ||
	    (r = soft_keys(&b)) != 0)
		goto out;
	if ((r = run_phase(&b, DRAFT, "checking")) != 0)
		goto out;
	if ((r = triage(&b, res, eb)) != 0)
		goto out;

	/* 3. The token signs, in as many sessions as it gives. */
	if ((r = ca_dir_login(b.d, req->pin_source, req->prompt,
	    req->prompt_arg, eb)) != 0)
		goto out;
	/*
	 * The login's own CA signer is the first; a token that gives only
	 * so many sessions has none left idle.  A signer with no session of
	 * its own (tokensign.h) cannot sign beside another, so the batch
	 * signs in as many threads as there are sessions to be had.
	 */
	b.signer[0] = b.d->ca_ts;
	b.d->ca_ts = NULL;
	for (i = 1; i < (size_t)b.nthreads; i++) {
		if ((r = ca_tsigner_open(b.d->hsm, &b.d->ca_key, &b.signer[i],
		    eb)) != 0)
			goto out;
		if (ca_tsigner_shared(b.signer[i])) {
			ca_tsigner_close(b.signer[i]);
			b.signer[i] = NULL;
			b.nthreads = (int)i;
			break;
		}
	}
	res->sessions = b.nthreads;
	if ((r = run_phase(&b, SIGN, "signing")) != 0) {
		snprintf(eb->msg, sizeof(eb->msg), "%s", b.fail_eb.msg);
		goto out;
	}
	if ((r = canary(&b, eb)) != 0)
		goto out;

	/*
	 * 4. The certificates, the chain and the record, together.  The
	 * folders are made only as they are written: a batch killed while
	 * it signs, which may take minutes, leaves no empty folder behind.
	 */
	if ((b.issued_dir = ca_path_join(b.d->path, CA_DIR_ISSUED)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < b.n; i++) {
		char name[64];
		struct item *it = &b.it[i];

		if (it->bad)
			continue;
		snprintf(name, sizeof(name), "%s.pem", it->serial_hex);
		if ((it->issued_path = ca_path_join(b.issued_dir, name)) ==
		    NULL || (it->out_path = malloc(strlen(req->out_dir) +
		    strlen(it->name) + 6)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		sprintf(it->out_path, "%s/%s.pem", req->out_dir, it->name);
	}
	head[0] = b.d->cert;
	if ((r = ca_certs_pem(head, 1, b.d->chain, &chain, &chain_len)) != 0 ||
	    (chain_path = ca_path_join(req->out_dir, CHAIN_NAME)) == NULL) {
		r = r ? r : CA_ERR_NOMEM;
		goto out;
	}
	snprintf(res->chain_path, sizeof(res->chain_path), "%s", chain_path);
	for (i = 0; i < b.n; i++)
		if (!b.it[i].bad)
			res->issued++;
	if ((r = build_body(&b, &body, pbuf, plen, chain_path, chain,
	    chain_len, res, truncated, people, eb)) != 0)
		goto out;
	if ((art = calloc(2 * res->issued + 1, sizeof(*art))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < b.n; i++) {
		struct item *it = &b.it[i];

		if (it->bad)
			continue;
		art[nart++] = (struct ca_artifact){ .path = it->issued_path,
		    .data = it->pem, .len = it->pem_len, .mode = 0644 };
		art[nart++] = (struct ca_artifact){ .path = it->out_path,
		    .data = it->pem, .len = it->pem_len, .mode = 0644 };
	}
	art[nart++] = (struct ca_artifact){ .path = chain_path, .data = chain,
	    .len = chain_len, .mode = 0644 };
	if (mkdir(b.issued_dir, 0755) == 0)
		made_issued = 1;
	else if (errno != EEXIST) {
		ca_errf(eb, "\"%s\": %s", b.issued_dir, strerror(errno));
		r = ca_errno_code(errno);
		goto out;
	}
	if (!out_existed) {
		if (mkdir(req->out_dir, 0755) != 0) {
			ca_errf(eb, "\"%s\": %s; give --out a new folder",
			    req->out_dir, strerror(errno));
			r = ca_errno_code(errno);
			goto out;
		}
		made_out = 1;
	}
	if ((r = ca_dir_append_batch(b.d, body, art, nart, res->head, eb)) !=
	    0)
		goto out;
	made_out = made_issued = 0;
	r = 0;
out:
	ERR_clear_error();
	/* A failed batch leaves no temporary, no folder it made. */
	for (i = 0; b.it != NULL && i < b.n; i++) {
		struct item *it = &b.it[i];

		free(it->buf);
		ca_csr_free(it->csr);
		GENERAL_NAMES_free(it->san);
		X509_free(it->draft);
		ASN1_OCTET_STRING_free(it->ski);
		free(it->der);
		free(it->pem);
		free(it->issued_path);
		free(it->out_path);
	}
	if (made_out)
		ca_rm_folder(req->out_dir);
	if (made_issued)
		(void)rmdir(b.issued_dir);
	for (i = 0; i < CA_ISSUE_MAX_SESSIONS; i++) {
		ca_tsigner_close(b.signer[i]);
		EVP_PKEY_free(b.soft[i]);
	}
	for (i = 0; i < b.nnc; i++)
		NAME_CONSTRAINTS_free(b.nc[i]);
	free(b.nc);
	ca_dir_close(b.d);
	ca_profile_free(b.prof);
	pthread_mutex_destroy(&b.lock);
	free(b.issued_dir);
	free(b.it);
	free(art);
	free(pbuf);
	free(chain);
	free(chain_path);
	json_decref(people);
	json_decref(body);
	return r;
}

void
ca_issue_result_free(struct ca_issue_result *res)
{
	size_t i;

	for (i = 0; res->bad != NULL && i < res->nbad; i++)
		free(res->bad[i].csr);
	free(res->bad);
	res->bad = NULL;
	res->nbad = 0;
}
