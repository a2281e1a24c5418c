/*
 * auditgen OUTDIR N [PROFILE]: build a synthetic root CA directory OUTDIR
 * whose log records the issue of N certificates, for
 * tests/bench/audit-bench.sh.
 *
 * The data is synthetic but every signature is real: a P-384 root and
 * its log signer with software keys (no token), ca.json, log/000001.json
 * an "init-root" record opening its ceremony and the ceremony's
 * "ceremony-seal", then N "sign-sub" records, each with its
 * issued/SERIAL.pem and issued/SERIAL-chain.pem.  The records carry what
 * lib/rootca.c and lib/subca.c write (the token's part of env and the
 * keys' attributes are those a SoftHSM2 token reads back), so that an
 * audit that accepts real CA directories accepts this one.  To keep
 * generation fast, one P-256 key stands behind all N certificates
 * (subject CN=device-I), which are built under PROFILE (default
 * profiles/it-issuing.json) and linted, but not rehearsed with a
 * throwaway key first; files are written without fsync.
 *
 * Two processes share the work, one signature each per certificate: a
 * child builds, signs and writes the certificates, in order, and hands
 * each serial to the parent, which writes and seals the records.
 *
 * Record times start N + 3600 seconds in the past, one second apart.
 * Prints "key: value" lines: the root's fingerprint (for --anchor), the
 * head hash (for --expect-head), counts and timings.  Exit status 0, or 1
 * on any failure (OUTDIR is then left as it is).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "compat.h"
#include "csr.h"
#include "dn.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "lint.h"
#include "log.h"
#include "profile.h"
#include "record.h"
#include "secret.h"
#include "store.h"
#include "uri.h"

#define PROG "auditgen"
#define ROOT_SUBJECT "CN=Bench Root CA,O=Example,C=DE"
#define CA_LABEL "root-ca"
#define LOG_LABEL "root-ca-log-signer"
#define TOKEN_LABEL "bench"
#define TOKEN_SERIAL "5e4b1c0a9d3f2e71"
#define OPERATOR "Bench Operator"
#define CEREMONY "BENCH-1"		/* the key generation ceremony */
#define CSR_DIR "/media/ceremony/requests"

/* What the child tells the parent about each certificate it wrote. */
struct issued_msg {
	char serial[41];
	char csr_sha256[65];
	long long csr_len;
};

/* Everything one run holds; freed in one place. */
struct gen {
	const char *dir;
	long long n;
	time_t t0;
	struct ca_profile *root_prof, *sub_prof;
	unsigned char *pbuf;
	size_t plen;
	const char *profile_path;
	X509_NAME *root_name, *log_name;
	EVP_PKEY *root_key, *log_key, *dev_key;
	X509 *root, *log;
	char *root_pem, *log_pem, *config, *ca_uri, *log_uri;
	size_t root_pem_len, log_pem_len, config_len;
	struct ca_keyref ca_ref, log_ref;
	struct ca_key_attrs attrs;
	json_t *people, *env_init, *env_sign;
	struct ca_log_head head;
	char fingerprint[65];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
gen_free(struct gen *g)
{
	ca_profile_free(g->root_prof);
	ca_profile_free(g->sub_prof);
	free(g->pbuf);
	X509_NAME_free(g->root_name);
	X509_NAME_free(g->log_name);
	EVP_PKEY_free(g->root_key);
	EVP_PKEY_free(g->log_key);
	EVP_PKEY_free(g->dev_key);
	X509_free(g->root);
	X509_free(g->log);
	free(g->root_pem);
	free(g->log_pem);
	free(g->config);
	free(g->ca_uri);
	free(g->log_uri);
	json_decref(g->people);
	json_decref(g->env_init);
	json_decref(g->env_sign);
}

/* Create DIR/rel, which must not exist, mode 0644 whatever the umask. */
static int
put_file(const char *dir, const char *rel, const void *data, size_t len,
    struct ca_errbuf *eb)
{
	char path[PATH_MAX];
	const char *p = data;
	ssize_t w;
	int fd, r = CA_ERR_IO;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    sizeof(path)) {
		ca_errf(eb, "\"%s/%s\": path too long", dir, rel);
		return CA_ERR_INVALID_ARG;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0) {
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		return ca_errno_code(errno);
	}
	if (fchmod(fd, 0644) != 0)
		goto out;
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		p += w;
		len -= (size_t)w;
	}
	r = 0;
out:
	if (close(fd) != 0 && r == 0)
		r = CA_ERR_IO;
	if (r != 0)
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
	return r;
}

/* A key reference as ca_hsm_generate would return it: label, random id. */
static int
fake_keyref(const char *label, struct ca_keyref *k, char **uri)
{
	struct ca_uri u;
	int r;

	memset(k, 0, sizeof(*k));
	snprintf(k->label, sizeof(k->label), "%s", label);
	k->id_len = 16;
	if ((r = ca_serial_random(k->id)) != 0)
		return r;
	memset(&u, 0, sizeof(u));
	u.token = (char *)TOKEN_LABEL;
	u.serial = (char *)TOKEN_SERIAL;
	u.object = k->label;
	memcpy(u.id, k->id, k->id_len);
	u.id_len = k->id_len;
	u.has_id = 1;
	u.type = (char *)"private";
	return ca_uri_format(&u, uri);
}

/*
 * env as ca_env_json writes it for prog on a SoftHSM2 token: this
 * binary's hash stands for the tool's, the module's is the installed
 * one's when there is one.
 */
static int
env_json(const char *prog, json_t **out)
{
	char mod[65];
	json_t *e = NULL, *t;
	int r;

	*out = NULL;
	if ((r = ca_env_json(prog, NULL, &e)) != 0)
		return r;
	if (ca_sha256_file(CA_DEFAULT_MODULE, mod, NULL) != 0)
		ca_sha256_hex("", 0, mod);
	if ((t = json_pack("{s:s, s:s}", "path", CA_DEFAULT_MODULE, "sha256",
	    mod)) == NULL || json_object_set_new(e, "module", t) != 0 ||
	    (t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "label",
	    TOKEN_LABEL, "serial", TOKEN_SERIAL, "manufacturer",
	    "SoftHSM project", "model", "SoftHSM v2", "hardware", "2.6",
	    "firmware", "2.6", "protected_auth_path", 0)) == NULL ||
	    json_object_set_new(e, "token", t) != 0) {
		json_decref(e);
		return CA_ERR_NOMEM;
	}
	*out = e;
	return 0;
}

/* The root, its log signer, ca.json and the people and env of records. */
static int
setup(struct gen *g, struct ca_errbuf *eb)
{
	static const char *const witnesses[] = { "Witness One", "Witness Two" };
	struct ca_cert_params cp, lp;
	struct ca_lint_report rep;
	struct ca_config cfg;
	char crl_nu[48], crl_mg[48];
	int r;

	if ((r = ca_read_file(g->profile_path, 1 << 20, &g->pbuf, &g->plen,
	    eb)) != 0 ||
	    (r = ca_profile_parse_named((const char *)g->pbuf, g->plen,
	    g->profile_path, &g->sub_prof, eb)) != 0)
		return r;
	if (g->sub_prof->kind != CA_PROFILE_SUB) {
		ca_errf(eb, "\"%s\" is not a profile of kind \"sub\"",
		    g->profile_path);
		return CA_ERR_PROFILE;
	}
	if ((r = ca_profile_default_root(&g->root_prof)) != 0 ||
	    (r = ca_dn_parse(ROOT_SUBJECT, &g->root_name, eb)) != 0 ||
	    (r = ca_log_signer_name(g->root_name, &g->log_name)) != 0)
		return r;
	if ((r = ca_keygen_soft(CA_ALG_P384, &g->root_key)) != 0 ||
	    (r = ca_keygen_soft(CA_ALG_P384, &g->log_key)) != 0 ||
	    (r = ca_keygen_soft(CA_ALG_P256, &g->dev_key)) != 0)
		return r;

	memset(&cp, 0, sizeof(cp));
	cp.kind = CA_CERT_ROOT;
	cp.subject = g->root_name;
	cp.not_before = g->t0;
	cp.path_len = g->root_prof->path_len;
	cp.key_usage = g->root_prof->key_usage;
	if ((r = ca_time_add(g->t0, &g->root_prof->validity,
	    &cp.not_after)) != 0 || (r = ca_serial_random(cp.serial)) != 0)
		return r;
	memset(&lp, 0, sizeof(lp));
	lp.kind = CA_CERT_LOG_SIGNER;
	lp.subject = g->log_name;
	lp.issuer = g->root_name;
	lp.not_before = cp.not_before;
	lp.not_after = cp.not_after;
	lp.path_len = -1;
	lp.key_usage = CA_KU_DIGITAL_SIGNATURE;
	if ((r = ca_serial_random(lp.serial)) != 0)
		return r;
	if ((r = ca_cert_build(&cp, g->root_key, NULL, &g->root)) != 0 ||
	    (r = ca_cert_sign(g->root, g->root_key, EVP_sha384(), eb)) != 0 ||
	    (r = ca_cert_build(&lp, g->log_key, g->root_key, &g->log)) != 0 ||
	    (r = ca_cert_sign(g->log, g->root_key, EVP_sha384(), eb)) != 0)
		return r;
	if ((r = ca_lint_cert_issued(g->root, NULL, CA_CERT_ROOT, &rep,
	    eb)) != 0 || (r = ca_lint_cert_issued(g->log, g->root_key,
	    CA_CERT_LOG_SIGNER, &rep, eb)) != 0)
		return r;
	if ((r = ca_cert_pem(g->root, &g->root_pem, &g->root_pem_len)) != 0 ||
	    (r = ca_cert_pem(g->log, &g->log_pem, &g->log_pem_len)) != 0 ||
	    (r = ca_cert_sha256(g->root, g->fingerprint)) != 0)
		return r;

	if ((r = fake_keyref(CA_LABEL, &g->ca_ref, &g->ca_uri)) != 0 ||
	    (r = fake_keyref(LOG_LABEL, &g->log_ref, &g->log_uri)) != 0)
		return r;
	/* As ca_hsm_generate asks for them and SoftHSM2 reads them back. */
	memset(&g->attrs, 0, sizeof(g->attrs));
	g->attrs.token = g->attrs.private_ = g->attrs.sensitive = 1;
	g->attrs.always_sensitive = g->attrs.never_extractable = 1;
	g->attrs.local = g->attrs.sign = 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = (char *)"root";
	cfg.module = (char *)CA_DEFAULT_MODULE;
	cfg.ca_key = g->ca_uri;
	cfg.log_key = g->log_uri;
	cfg.algorithm = (char *)"p384";
	if (g->root_prof->crl_idp[0] != '\0')
		cfg.crl_idp = g->root_prof->crl_idp;
	if (ca_duration_set(&g->root_prof->crl_next_update)) {
		ca_duration_format(&g->root_prof->crl_next_update, crl_nu);
		cfg.crl_next_update = crl_nu;
	}
	if (ca_duration_set(&g->root_prof->crl_margin)) {
		ca_duration_format(&g->root_prof->crl_margin, crl_mg);
		cfg.crl_margin = crl_mg;
	}
	if ((r = ca_config_serialise(&cfg, &g->config, &g->config_len)) != 0)
		return r;
	if ((r = ca_rec_people(OPERATOR, witnesses, 2, &g->people, eb)) != 0 ||
	    (r = env_json("ca-init", &g->env_init)) != 0 ||
	    (r = env_json("ca-sign-sub", &g->env_sign)) != 0)
		return r;
	return 0;
}

/* Seal body as the next record and write it; the head moves on. */
static int
append(struct gen *g, const json_t *body, time_t t, struct ca_errbuf *eb)
{
	char name[32], rel[64], hash[65], *rec = NULL;
	size_t len;
	int r;

	if ((r = ca_log_seal(body, g->log_key, g->log_key, &rec, &len, hash,
	    eb)) != 0)
		return r;
	ca_log_record_name(g->head.seq + 1, name);
	snprintf(rel, sizeof(rel), "%s/%s", CA_DIR_LOG, name);
	r = put_file(g->dir, rel, rec, len, eb);
	free(rec);
	if (r != 0)
		return r;
	g->head.seq++;
	memcpy(g->head.hash, hash, sizeof(hash));
	if (g->head.seq == 1)
		memcpy(g->head.log_id, hash, sizeof(hash));
	g->head.time = t;
	return 0;
}

/* The "init-root" record, as lib/rootca.c builds it. */
static int
init_record(struct gen *g, struct ca_errbuf *eb)
{
	json_t *body = NULL, *keys = NULL, *k = NULL, *certs = NULL, *c = NULL,
	    *v;
	char dur[48], *subj = NULL;
	int r;

	if ((r = ca_log_body_new(&g->head, g->t0, "init-root", &body,
	    eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((keys = json_array()) == NULL || (certs = json_object()) == NULL)
		goto out;
	if ((r = ca_rec_key("ca", g->ca_uri, &g->ca_ref, "p384", g->root_key,
	    &g->attrs, &k)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_array_append_new(keys, k) != 0)
		goto out;
	if ((r = ca_rec_key("log-signer", g->log_uri, &g->log_ref, "p384",
	    g->log_key, &g->attrs, &k)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_array_append_new(keys, k) != 0)
		goto out;
	if ((r = ca_rec_cert(CA_FILE_CERT, g->root, &c)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(certs, "ca", c) != 0)
		goto out;
	if ((r = ca_rec_cert(CA_FILE_LOG_SIGNER, g->log, &c)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(certs, "log_signer", c) != 0)
		goto out;
	if ((r = ca_dn_format(g->root_name, &subj)) != 0)
		goto out;
	snprintf(dur, sizeof(dur), "%dy%dm%dd", g->root_prof->validity.years,
	    g->root_prof->validity.months, g->root_prof->validity.days);
	r = CA_ERR_NOMEM;
	if ((v = json_pack("[o, o, o]", ca_rec_file(CA_FILE_CERT, g->root_pem,
	    g->root_pem_len), ca_rec_file(CA_FILE_LOG_SIGNER, g->log_pem,
	    g->log_pem_len), ca_rec_file(CA_FILE_CONFIG, g->config,
	    g->config_len))) == NULL ||
	    json_object_set_new(body, "outputs", v) != 0 ||
	    json_object_set_new(body, "inputs", json_array()) != 0)
		goto out;
	if ((v = json_pack("{s:s, s:s, s:s, s:s, s:o}", "dir", g->dir,
	    "algorithm", "p384", "subject", subj, "validity", dur, "path_len",
	    g->root_prof->path_len < 0 ? json_null() :
	    json_integer(g->root_prof->path_len))) == NULL ||
	    json_object_set_new(body, "params", v) != 0)
		goto out;
	if (json_object_set(body, "env", g->env_init) != 0 ||
	    json_object_set(body, "operator",
	    json_object_get(g->people, "operator")) != 0 ||
	    json_object_set(body, "witnesses",
	    json_object_get(g->people, "witnesses")) != 0 ||
	    json_object_set(body, "keys", keys) != 0 ||
	    json_object_set(body, "certificates", certs) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;
	/* The keys are made in a witnessed ceremony, which it opens. */
	if (json_object_set_new(body, "ceremony", json_string(CEREMONY)) !=
	    0 || json_object_set_new(body, "ceremony_open", json_pack("{s:s, "
	    "s:s, s:{s:s, s:s, s:s}, s:s, s:[{s:s, s:s}, {s:s, s:s}], "
	    "s:{s:[]}}", "id", CEREMONY, "purpose", "benchmark", "script",
	    "file", "bench.txt", "sha256", "0000000000000000000000000000000000"
	    "000000000000000000000000000000", "approval", "BENCH", "location",
	    "bench", "roster", "role", "witness", "name", "Witness One", "role",
	    "custodian", "name", OPERATOR, "equipment", "bags")) != 0)
		goto out;
	if ((r = put_file(g->dir, CA_FILE_CERT, g->root_pem, g->root_pem_len,
	    eb)) != 0 || (r = put_file(g->dir, CA_FILE_LOG_SIGNER, g->log_pem,
	    g->log_pem_len, eb)) != 0 || (r = put_file(g->dir, CA_FILE_CONFIG,
	    g->config, g->config_len, eb)) != 0)
		goto out;
	if ((r = append(g, body, g->t0, eb)) != 0)
		goto out;
	/* And seals it at once: the certificates follow, outside it. */
	json_decref(body);
	body = NULL;
	if ((r = ca_log_body_new(&g->head, g->t0,
	    "ceremony-seal", &body, eb)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "ceremony", json_string(CEREMONY)) !=
	    0 || json_object_set_new(body, "ceremony_seal", json_pack("{s:s, "
	    "s:i, s:i, s:s}", "id", CEREMONY, "records", 2, "opened_in", 1,
	    "head_before", g->head.hash)) != 0 ||
	    json_object_set(body, "env", g->env_init) != 0 ||
	    json_object_set(body, "operator",
	    json_object_get(g->people, "operator")) != 0 ||
	    json_object_set(body, "witnesses",
	    json_object_get(g->people, "witnesses")) != 0 ||
	    json_object_set_new(body, "keys", json_array()) != 0 ||
	    json_object_set_new(body, "params", json_object()) != 0 ||
	    json_object_set_new(body, "inputs", json_array()) != 0 ||
	    json_object_set_new(body, "outputs", json_array()) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;
	r = append(g, body, g->t0, eb);
out:
	free(subj);
	json_decref(keys);
	json_decref(certs);
	json_decref(body);
	return r;
}

/*
 * The child: certificate i of the N, signed by the root under the sub
 * profile and linted as ca-sign-sub lints it, with its chain written
 * beside it; the CSR is built only for its hash.
 */
static int
issue_one(struct gen *g, long long i, struct issued_msg *m,
    struct ca_errbuf *eb)
{
	struct ca_cert_params cp;
	struct ca_lint_report rep;
	X509_NAME *name = NULL;
	X509_REQ *csr = NULL;
	X509 *x = NULL;
	char dn[96], rel[96], *csr_pem = NULL, *pem = NULL, *chain = NULL;
	size_t csr_len, pem_len;
	int r;

	snprintf(dn, sizeof(dn), "CN=device-%lld,O=Example,C=DE", i);
	if ((r = ca_dn_parse(dn, &name, eb)) != 0 ||
	    (r = ca_csr_build(name, g->dev_key, ca_sign_evp, g->dev_key,
	    EVP_sha256(), &csr, eb)) != 0 || (r = ca_csr_pem(csr, &csr_pem, &csr_len)) != 0)
		goto out;
	memset(&cp, 0, sizeof(cp));
	cp.kind = CA_CERT_SUB;
	cp.subject = name;
	cp.issuer = g->root_name;
	cp.not_before = g->t0 + (time_t)i;
	cp.path_len = g->sub_prof->path_len;
	cp.key_usage = g->sub_prof->key_usage;
	cp.profile = g->sub_prof;
	cp.aki = X509_get0_subject_key_id(g->root);
	if ((r = ca_time_add(cp.not_before, &g->sub_prof->validity,
	    &cp.not_after)) != 0 || (r = ca_serial_random(cp.serial)) != 0)
		goto out;
	if ((r = ca_cert_build(&cp, g->dev_key, g->root_key, &x)) != 0 ||
	    (r = ca_cert_sign(x, g->root_key, EVP_sha384(), eb)) != 0)
		goto out;
	if ((r = ca_lint_cert_issued(x, g->root_key, CA_CERT_SUB, &rep,
	    eb)) != 0 || (r = ca_lint_issuer(x, g->root, &rep, eb)) != 0)
		goto out;
	/* Once, so that a broken signature cannot pass unnoticed. */
	if (i == 1 && (r = ca_cert_verify(x, g->root_key)) != 0) {
		ca_errf(eb, "the first certificate does not verify");
		goto out;
	}
	if ((r = ca_serial_hex(x, m->serial)) != 0 ||
	    (r = ca_cert_pem(x, &pem, &pem_len)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((chain = malloc(pem_len + g->root_pem_len)) == NULL)
		goto out;
	memcpy(chain, pem, pem_len);
	memcpy(chain + pem_len, g->root_pem, g->root_pem_len);
	/* O_EXCL: a repeated serial stops the run here. */
	snprintf(rel, sizeof(rel), "%s/%s.pem", CA_DIR_ISSUED, m->serial);
	if ((r = put_file(g->dir, rel, pem, pem_len, eb)) != 0)
		goto out;
	snprintf(rel, sizeof(rel), "%s/%s-chain.pem", CA_DIR_ISSUED,
	    m->serial);
	if ((r = put_file(g->dir, rel, chain, pem_len + g->root_pem_len,
	    eb)) != 0)
		goto out;
	ca_sha256_hex(csr_pem, csr_len, m->csr_sha256);
	m->csr_len = (long long)csr_len;
	r = 0;
out:
	X509_NAME_free(name);
	X509_REQ_free(csr);
	X509_free(x);
	free(csr_pem);
	free(pem);
	free(chain);
	return r;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* 1 for a whole message, 0 at the end, -1 on a short read or error. */
static int
read_msg(int fd, struct issued_msg *m)
{
	char *p = (char *)m;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*m)) {
		if ((n = read(fd, p + got, sizeof(*m) - got)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	m->serial[sizeof(m->serial) - 1] = '\0';
	m->csr_sha256[sizeof(m->csr_sha256) - 1] = '\0';
	return 1;
}

static void
child(struct gen *g, int fd)
{
	struct ca_errbuf eb = { 0 };
	struct issued_msg m;
	long long i;
	int r;

	for (i = 1; i <= g->n; i++) {
		memset(&m, 0, sizeof(m));
		if ((r = issue_one(g, i, &m, &eb)) != 0) {
			fprintf(stderr, PROG ": cannot issue certificate "
			    "%lld: %s: %s\n", i, ca_strerror(r), eb.msg);
			_exit(1);
		}
		if (write_all(fd, &m, sizeof(m)) != 0)
			_exit(1);	/* the parent has gone and says why */
	}
	_exit(0);
}

/* The parent: the "sign-sub" record for certificate i, as lib/subca.c. */
static int
sign_record(struct gen *g, long long i, const struct issued_msg *m,
    struct ca_errbuf *eb)
{
	struct ca_compat_report warn;
	json_t *body = NULL, *v = NULL, *k = NULL, *keys, *w;	/* in body */
	unsigned char *pem = NULL, *chain = NULL;
	size_t pem_len, chain_len, j;
	X509 *x = NULL;
	char rel[96], crel[96], path[PATH_MAX], csr[96];
	time_t t = g->t0 + (time_t)i;
	int r, n;

	snprintf(rel, sizeof(rel), "%s/%s.pem", CA_DIR_ISSUED, m->serial);
	snprintf(crel, sizeof(crel), "%s/%s-chain.pem", CA_DIR_ISSUED,
	    m->serial);
	snprintf(path, sizeof(path), "%s/%s", g->dir, rel);
	if ((r = ca_read_file(path, 1 << 20, &pem, &pem_len, eb)) != 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", g->dir, crel);
	if ((r = ca_read_file(path, 1 << 20, &chain, &chain_len, eb)) != 0)
		goto out;
	if ((r = ca_x509_parse_any(pem, pem_len, &x)) != 0)
		goto out;
	if ((n = ca_compat_lint(g->sub_prof, x, 1, &warn)) < 0) {
		r = n;
		goto out;
	}
	if ((r = ca_log_body_new(&g->head, t, "sign-sub", &body, eb)) != 0)
		goto out;
	/* ca_dir_body: env, people and the CA key as used. */
	r = CA_ERR_NOMEM;
	if (json_object_set(body, "env", g->env_sign) != 0 ||
	    json_object_set(body, "operator",
	    json_object_get(g->people, "operator")) != 0 ||
	    json_object_set(body, "witnesses",
	    json_object_get(g->people, "witnesses")) != 0 ||
	    (keys = json_array()) == NULL ||
	    json_object_set_new(body, "keys", keys) != 0)
		goto out;
	if ((r = ca_rec_key("ca", g->ca_uri, &g->ca_ref, "p384", g->root_key,
	    &g->attrs, &k)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_array_append_new(keys, k) != 0)
		goto out;
	/* build_body; the CSR as ca_rec_file would describe it. */
	snprintf(csr, sizeof(csr), "%s/device-%lld.csr", CSR_DIR, i);
	if (json_object_set_new(body, "inputs", json_pack("[{s:s, s:I, s:s}, "
	    "o]", "name", csr, "size", (json_int_t)m->csr_len, "sha256",
	    m->csr_sha256, ca_rec_file(g->profile_path, g->pbuf, g->plen))) !=
	    0)
		goto out;
	if (json_object_set_new(body, "outputs", json_pack("[o, o]",
	    ca_rec_file(rel, pem, pem_len), ca_rec_file(crel, chain,
	    chain_len))) != 0)
		goto out;
	/* json_object_set_new takes v even when it fails. */
	if (json_object_set_new(body, "params", json_pack("{s:s, s:s, s:s?, "
	    "s:s?, s:s, s:b, s:b}", "dir", g->dir, "profile", g->profile_path,
	    "profile_name", g->sub_prof->name, "csr", csr, "kind",
	    ca_profile_kind_name(g->sub_prof->kind), "der", 0,
	    "validity_truncated", 0)) != 0)
		goto out;
	if ((r = ca_rec_cert(rel, x, &v)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "certificate", v) != 0)
		goto out;
	if (json_object_set_new(body, "iec62443",
	    g->sub_prof->security_level > 0 ? json_pack("{s:s, s:i, s:s}",
	    "zone", g->sub_prof->zone, "security_level",
	    g->sub_prof->security_level, "policy_oid",
	    g->sub_prof->zone_policy_oid) : json_null()) != 0)
		goto out;
	if ((w = json_array()) == NULL ||
	    json_object_set_new(body, "warnings", w) != 0)
		goto out;
	for (j = 0; j < warn.n; j++)
		if (json_array_append_new(w, json_string(warn.msg[j])) != 0)
			goto out;
	if (json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;
	r = append(g, body, t, eb);
out:
	json_decref(body);
	X509_free(x);
	free(pem);
	free(chain);
	return r;
}

static int
make_dirs(const char *dir, struct ca_errbuf *eb)
{
	char p[PATH_MAX];

	if (mkdir(dir, 0755) != 0 || chmod(dir, 0755) != 0) {
		ca_errf(eb, "\"%s\": %s", dir, strerror(errno));
		return ca_errno_code(errno);
	}
	snprintf(p, sizeof(p), "%s/%s", dir, CA_DIR_LOG);
	if (mkdir(p, 0755) != 0 || chmod(p, 0755) != 0) {
		ca_errf(eb, "\"%s\": %s", p, strerror(errno));
		return ca_errno_code(errno);
	}
	snprintf(p, sizeof(p), "%s/%s", dir, CA_DIR_ISSUED);
	if (mkdir(p, 0755) != 0 || chmod(p, 0755) != 0) {
		ca_errf(eb, "\"%s\": %s", p, strerror(errno));
		return ca_errno_code(errno);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ca_errbuf eb = { 0 };
	struct gen g;
	struct issued_msg m;
	char *end;
	double t0, t1, t2;
	long long i;
	pid_t pid = -1;
	int fds[2] = { -1, -1 }, r, st, rc = 1;

	memset(&g, 0, sizeof(g));
	if (ca_proc_init() != 0) {
		fprintf(stderr, PROG ": cannot harden the process\n");
		return 1;
	}
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: " PROG " OUTDIR N [PROFILE]\n");
		return 1;
	}
	g.dir = argv[1];
	errno = 0;
	g.n = strtoll(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || g.n < 0 || g.n > 999998) {
		fprintf(stderr, PROG ": N \"%s\" is not a count up to 999998\n",
		    argv[2]);
		return 1;
	}
	g.profile_path = argc == 4 ? argv[3] : "profiles/it-issuing.json";
	/* In the past, so that no record or certificate lies ahead. */
	g.t0 = time(NULL) - (time_t)g.n - 3600;

	t0 = now_s();
	if ((r = make_dirs(g.dir, &eb)) != 0 || (r = setup(&g, &eb)) != 0 ||
	    (r = init_record(&g, &eb)) != 0) {
		fprintf(stderr, PROG ": cannot make the root: %s: %s\n",
		    ca_strerror(r), eb.msg);
		goto out;
	}
	t1 = now_s();
	if (pipe(fds) != 0) {
		perror(PROG ": pipe");
		goto out;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		perror(PROG ": fork");
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child(&g, fds[1]);
	}
	close(fds[1]);
	fds[1] = -1;
	for (i = 1; i <= g.n; i++) {
		if (read_msg(fds[0], &m) != 1) {
			fprintf(stderr, PROG ": certificate %lld never came\n",
			    i);
			goto out;
		}
		if ((r = sign_record(&g, i, &m, &eb)) != 0) {
			fprintf(stderr, PROG ": cannot write record %lld: "
			    "%s: %s\n", i + 1, ca_strerror(r), eb.msg);
			goto out;
		}
	}
	t2 = now_s();
	printf("dir: %s\n", g.dir);
	printf("fingerprint: %s\n", g.fingerprint);
	printf("head: %s\n", g.head.hash);
	printf("log_id: %s\n", g.head.log_id);
	printf("records: %lld\n", g.head.seq);
	printf("issued: %lld\n", g.n);
	printf("seconds_root: %.3f\n", t1 - t0);
	printf("seconds_issue: %.3f\n", t2 - t1);
	rc = 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (pid > 0) {
		if (rc != 0)
			(void)kill(pid, SIGTERM);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			if (rc == 0)
				fprintf(stderr, PROG ": the certificate "
				    "process failed\n");
			rc = 1;
		}
	}
	gen_free(&g);
	return rc;
}
