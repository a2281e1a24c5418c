#include "rootca.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "ceremony.h"
#include "certgen.h"
#include "csr.h"
#include "cjson.h"
#include "dn.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "keywrap.h"
#include "lint.h"
#include "log.h"
#include "profile.h"
#include "record.h"
#include "shares.h"
#include "split.h"
#include "store.h"
#include "tokensign.h"
#include "uri.h"

#define DEFAULT_KEY_LABEL "root-ca"
#define DEFAULT_SUB_LABEL "sub-ca"
#define LOG_KEY_SUFFIX "-log-signer"

/* Everything one run holds; freed in one place. */
struct run {
	struct ca_profile *profile;
	X509_NAME *subject;
	struct ca_uri *uri;
	struct ca_stage *stage;
	struct ca_hsm *hsm;
	struct ca_secret *pin;
	EVP_PKEY *soft_ca, *soft_log;
	enum ca_keyalg log_alg;		/* the token's choice (hsm.h) */
	EVP_PKEY *ca_pub, *log_pub;
	X509 *draft_ca, *draft_log, *ca, *log;
	X509_REQ *draft_csr, *csr;		/* subordinate mode */
	char *csr_pem;
	size_t csr_pem_len;
	char *ca_pem, *log_pem, *config, *record;
	size_t ca_pem_len, log_pem_len, config_len, record_len;
	char *ca_uri, *log_uri;
	unsigned char *profile_buf;
	size_t profile_len;
	json_t *people, *body;
	json_t *ceremony, *script_file;	/* the plan, and its script */
	struct ca_keyref ca_key, log_key;
	int have_ca_key, have_log_key;
	/* How each key signs (ca_tsigner_mechanism), for the record. */
	const char *ca_mech, *log_mech;
	int orphans;
	/* M of N: the new PIN, its shares, and what the record says. */
	struct ca_split *split;		/* M of N: the new PIN's shares */
};

/*
 * What a note beside the staging folder says before the keys are made
 * (ca_stage_note): the token, and each key's label and CKA_ID, so that a
 * run killed before its commit can be cleared up by the next one.
 */
static int
write_note(struct run *x, const struct ca_keyref *keys, size_t n,
    struct ca_errbuf *eb)
{
	const struct ca_token_info *t = ca_hsm_token_info(x->hsm);
	json_t *j = NULL, *arr;
	char *canon = NULL, hex[2 * CA_URI_ID_MAX + 1];
	size_t len = 0, i;
	int r = CA_ERR_NOMEM;

	if ((arr = json_array()) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		ca_hex(keys[i].id, keys[i].id_len, hex);
		if (json_array_append_new(arr, json_pack("{s:s, s:s}",
		    "label", keys[i].label, "id", hex)) != 0)
			goto out;
	}
	/* "o" takes arr, even when the pack fails. */
	j = json_pack("{s:{s:s, s:s}, s:o}", "token", "label", t->label,
	    "serial", t->serial, "keys", arr);
	arr = NULL;
	if (j == NULL)
		goto out;
	if ((r = ca_json_canon(j, &canon, &len, eb)) != 0 ||
	    (r = ca_stage_note(x->stage, canon, len, eb)) != 0)
		goto out;
	r = 0;
out:
	json_decref(arr);
	json_decref(j);
	free(canon);
	return r;
}

/*
 * For ca_stage_orphans: destroy the keys an interrupted run noted, when
 * they are on this token; its staging folder then goes.
 */
static int
clear_orphan(void *arg, const char *stage, const char *note)
{
	struct run *x = arg;
	const struct ca_token_info *t = ca_hsm_token_info(x->hsm);
	json_t *j = NULL, *k;
	struct ca_keyref key;
	unsigned char *id = NULL;
	size_t i, idlen = 0;
	const char *serial, *label, *hex;
	int r = 1;	/* left as it is, unless all is clear */

	(void)stage;
	if (note == NULL)
		return 0;	/* it made no key */
	/* Unreadable, or its keys on another token: left for a person. */
	if (ca_json_parse(note, strlen(note), &j, NULL) != 0 ||
	    (serial = json_string_value(json_object_get(json_object_get(j,
	    "token"), "serial"))) == NULL || strcmp(serial, t->serial) != 0)
		goto out;
	json_array_foreach(json_object_get(j, "keys"), i, k) {
		label = json_string_value(json_object_get(k, "label"));
		hex = json_string_value(json_object_get(k, "id"));
		free(id);
		id = NULL;
		if (label == NULL || hex == NULL ||
		    ca_hex_decode(hex, &id, &idlen) != 0 || idlen == 0 ||
		    idlen > sizeof(key.id))
			goto out;
		memset(&key, 0, sizeof(key));
		memcpy(key.id, id, idlen);
		key.id_len = idlen;
		snprintf(key.label, sizeof(key.label), "%s", label);
		/* Gone already is fine; failing to destroy is not. */
		if (ca_hsm_destroy(x->hsm, &key) != 0) {
			r = CA_ERR_HSM;
			goto out;
		}
	}
	x->orphans++;
	r = 0;
out:
	free(id);
	json_decref(j);
	return r;
}

static int
lint_or_fail(X509 *x, EVP_PKEY *issuer_key, enum ca_cert_kind kind,
    const char *when, struct ca_errbuf *eb)
{
	struct ca_lint_report rep;
	char first[200];
	int r;

	if ((r = ca_lint_cert_issued(x, issuer_key, kind, &rep, eb)) != 0) {
		snprintf(first, sizeof(first), "%s", rep.msg[0]);
		ca_errf(eb, "%s certificate %s: %s%s",
		    kind == CA_CERT_ROOT ? "root" : "log-signer", when, first,
		    rep.n > 1 ? " (and more)" : "");
	}
	return r;
}

/*
 * M of N: a new random PIN split among the roster's first custodians;
 * its "activation" goes into the first record.
 */
static int
make_split(const struct ca_root_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	return ca_split_new((unsigned)req->threshold,
	    (unsigned)req->custodians, CA_SHARE_PIN_LEN,
	    json_object_get(x->ceremony, "roster"), &x->split, eb);
}

/* The share files: one per custodian, only its owner may read it. */
static int
write_shares(const struct ca_root_req *req, struct run *x,
    struct ca_errbuf *eb)
{
	char about[256];

	snprintf(about, sizeof(about), "CA: \"%s\", token \"%s\" (serial "
	    "%s)", req->dir, ca_hsm_token_info(x->hsm)->label,
	    ca_hsm_token_info(x->hsm)->serial);
	return ca_split_write(x->split, req->shares_out, "PIN",
	    "open the token", about, eb);
}

static void
run_free(struct run *x)
{
	/*
	 * Keys on the token go only if this run made them and failed; if
	 * they cannot, the staging folder and its note stay, and the next
	 * run for this directory removes them (clear_orphans).
	 */
	if (x->hsm != NULL && x->have_ca_key &&
	    ca_hsm_destroy(x->hsm, &x->ca_key) != 0)
		ca_stage_abandon(x->stage);
	if (x->hsm != NULL && x->have_log_key &&
	    ca_hsm_destroy(x->hsm, &x->log_key) != 0)
		ca_stage_abandon(x->stage);
	ca_secret_free(x->pin);
	ca_split_free(x->split);
	ca_hsm_close(x->hsm);
	ca_stage_free(x->stage);
	ca_profile_free(x->profile);
	X509_NAME_free(x->subject);
	ca_uri_free(x->uri);
	EVP_PKEY_free(x->soft_ca);
	EVP_PKEY_free(x->soft_log);
	EVP_PKEY_free(x->ca_pub);
	EVP_PKEY_free(x->log_pub);
	X509_free(x->draft_ca);
	X509_free(x->draft_log);
	X509_free(x->ca);
	X509_free(x->log);
	X509_REQ_free(x->draft_csr);
	X509_REQ_free(x->csr);
	free(x->csr_pem);
	free(x->ca_pem);
	free(x->log_pem);
	free(x->config);
	free(x->record);
	free(x->ca_uri);
	free(x->log_uri);
	free(x->profile_buf);
	json_decref(x->people);
	json_decref(x->body);
	json_decref(x->ceremony);
	json_decref(x->script_file);
}

/*
 * Build the pair of certificates for ca_pub and log_pub, signed by the CA
 * key: soft, a software key of the CA key's kind, sets the signature
 * algorithm in each and signs it; with ts, the token's session for the
 * CA key then signs that tbs as it stands (ca_tsigner_sign_cert), and
 * soft's signature is thrown away.  Without ts, soft is the CA key: the
 * rehearsal.
 */
static int
make_certs(const struct ca_cert_params *cp, const struct ca_cert_params *lp,
    EVP_PKEY *ca_pub, EVP_PKEY *log_pub, EVP_PKEY *soft,
    struct ca_tsigner *ts, X509 **ca, X509 **log, struct ca_errbuf *eb)
{
	const EVP_MD *md = ca_md_for_key(ca_pub);
	X509 *x[2] = { NULL, NULL }, *signed_;
	int i, r;

	if ((r = ca_cert_build(cp, ca_pub, NULL, &x[0])) != 0 ||
	    (r = ca_cert_build(lp, log_pub, ca_pub, &x[1])) != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if ((r = ca_cert_sign(x[i], soft, md, eb)) != 0)
			goto out;
		if (ts == NULL)
			continue;
		if ((r = ca_tsigner_sign_cert(ts, x[i], md, &signed_, eb)) !=
		    0)
			goto out;
		X509_free(x[i]);
		x[i] = signed_;
	}
	*ca = x[0];
	*log = x[1];
	x[0] = x[1] = NULL;
	r = 0;
out:
	X509_free(x[0]);
	X509_free(x[1]);
	return r;
}

static int
build_body(const struct ca_root_req *req, struct run *x, const char *alg,
    struct ca_key_attrs *ca_attrs, struct ca_key_attrs *log_attrs,
    struct ca_errbuf *eb)
{
	struct ca_log_head empty;
	json_t *keys = NULL, *k = NULL, *certs = NULL, *c = NULL, *outputs,
	    *inputs, *env = NULL, *params;
	char dur[48];
	char *subj = NULL;
	int r, done = 0;

	memset(&empty, 0, sizeof(empty));
	if ((r = ca_log_body_new(&empty, req->now, req->sub ? "init-sub" :
	    "init-root", &x->body, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((keys = json_array()) == NULL)
		goto out;
	if ((r = ca_rec_key("ca", x->ca_uri, &x->ca_key, alg, x->ca_pub,
	    ca_attrs, &k)) != 0 || json_array_append_new(keys, k) != 0 ||
	    (r = CA_ERR_NOMEM, json_object_set_new(k, "mechanism",
	    json_string(x->ca_mech)) != 0))
		goto out;
	if ((r = ca_rec_key("log-signer", x->log_uri, &x->log_key,
	    ca_keyalg_name(x->log_alg),
	    x->log_pub, log_attrs, &k)) != 0 ||
	    json_array_append_new(keys, k) != 0 ||
	    (r = CA_ERR_NOMEM, json_object_set_new(k, "mechanism",
	    json_string(x->log_mech)) != 0))
		goto out;
	if ((certs = json_object()) == NULL)
		goto out;
	if (req->sub) {
		/* No certificate yet: the request, for the root's ceremony. */
		char h[65];

		ca_sha256_hex(x->csr_pem, x->csr_pem_len, h);
		if ((c = json_pack("{s:s, s:s}", "file", CA_FILE_CSR,
		    "sha256", h)) == NULL ||
		    json_object_set_new(x->body, "csr", c) != 0)
			goto out;
		if ((outputs = json_pack("[o, o]",
		    ca_rec_file(CA_FILE_CSR, x->csr_pem, x->csr_pem_len),
		    ca_rec_file(CA_FILE_CONFIG, x->config, x->config_len))) ==
		    NULL || json_object_set_new(x->body, "outputs", outputs) !=
		    0)
			goto out;
	} else {
		if ((r = ca_rec_cert(CA_FILE_CERT, x->ca, &c)) != 0 ||
		    json_object_set_new(certs, "ca", c) != 0)
			goto out;
		if ((r = ca_rec_cert(CA_FILE_LOG_SIGNER, x->log, &c)) != 0 ||
		    json_object_set_new(certs, "log_signer", c) != 0)
			goto out;
		r = CA_ERR_NOMEM;
		if ((outputs = json_pack("[o, o, o]",
		    ca_rec_file(CA_FILE_CERT, x->ca_pem, x->ca_pem_len),
		    ca_rec_file(CA_FILE_LOG_SIGNER, x->log_pem,
		    x->log_pem_len), ca_rec_file(CA_FILE_CONFIG, x->config,
		    x->config_len))) == NULL ||
		    json_object_set_new(x->body, "outputs", outputs) != 0)
			goto out;
	}
	if ((inputs = json_array()) == NULL ||
	    json_object_set_new(x->body, "inputs", inputs) != 0)
		goto out;
	if (req->profile_path != NULL && json_array_append_new(inputs,
	    ca_rec_file(req->profile_path, x->profile_buf,
	    x->profile_len)) != 0)
		goto out;
	/* The first record opens the ceremony the keys are made in. */
	if (json_array_append(inputs, x->script_file) != 0 ||
	    json_object_set_new(x->body, "ceremony", json_string(
	    json_string_value(json_object_get(x->ceremony, "id")))) != 0 ||
	    json_object_set(x->body, "ceremony_open", x->ceremony) != 0)
		goto out;
	if ((r = ca_dn_format(x->subject, &subj)) != 0)
		goto out;
	snprintf(dur, sizeof(dur), "%dy%dm%dd", x->profile->validity.years,
	    x->profile->validity.months, x->profile->validity.days);
	r = CA_ERR_NOMEM;
	if (req->sub)
		params = json_pack("{s:s, s:s, s:s}", "dir", req->dir,
		    "algorithm", alg, "subject", subj);
	else
		params = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s*, s:b}",
		    "dir", req->dir, "algorithm", alg, "subject", subj,
		    "validity", dur, "path_len", x->profile->path_len < 0 ?
		    json_null() : json_integer(x->profile->path_len),
		    "profile", req->profile_path, "key_backup", req->backup);
	if (params == NULL ||
	    json_object_set_new(x->body, "params", params) != 0)
		goto out;
	if ((r = ca_env_json(req->prog, x->hsm, &env)) != 0) {
		ca_errf(eb, "cannot hash the running binary or the module");
		goto out;
	}
	r = CA_ERR_NOMEM;
	/* json_object_set_new takes the value even when it fails. */
	if (json_object_set_new(x->body, "env", env) != 0)
		goto out;
	if (json_object_set(x->body, "operator",
	    json_object_get(x->people, "operator")) != 0 ||
	    json_object_set(x->body, "witnesses",
	    json_object_get(x->people, "witnesses")) != 0)
		goto out;
	if (x->split != NULL && json_object_set_new(x->body,
	    "activation", json_incref(x->split->activation)) != 0)
		goto out;
	r = json_object_set_new(x->body, "keys", keys);
	keys = NULL;
	if (r != 0)
		goto out_nomem;
	r = json_object_set_new(x->body, "certificates", certs);
	certs = NULL;
	if (r != 0 ||
	    json_object_set_new(x->body, "result", json_string("ok")) != 0)
		goto out_nomem;
	done = 1;
out_nomem:
	/*
	 * The ca_rec_* calls above leave r at 0 when a jansson call after
	 * them fails: only a finished body is a success.
	 */
	r = done ? 0 : CA_ERR_NOMEM;
out:
	if (!done && r == 0)
		r = CA_ERR_NOMEM;
	free(subj);
	json_decref(keys);
	json_decref(certs);
	return r;
}

int
ca_root_init(const struct ca_root_req *req, struct ca_root_result *res,
    struct ca_errbuf *eb)
{
	struct run x;
	struct ca_cert_params cp, lp;
	struct ca_pin_source ps;
	struct ca_key_attrs ca_attrs, log_attrs;
	enum ca_keyalg alg = CA_ALG_P384;
	const char *label, *subj;
	char log_label[160], *s = NULL, crl_nu[48], crl_mg[48];
	struct ca_tsigner *ca_ts = NULL, *log_ts = NULL;
	struct ca_config cfg;
	int r = CA_ERR_INTERNAL;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));

	/* 1. Inputs, all checked before anything is touched. */
	if (req->ceremony == NULL) {
		/* BR 6.1.1.1: CA keys are made in a witnessed ceremony. */
		ca_errf(eb, "key generation needs a witnessed ceremony: write "
		    "its plan with ca-ceremony plan, and give it with "
		    "--ceremony FILE");
		return CA_ERR_INVALID_ARG;
	}
	if ((r = ca_ceremony_plan_load(req->ceremony, req->custodians,
	    &x.ceremony, &x.script_file, eb)) != 0)
		goto out;
	if (req->threshold != 0 && (req->threshold < 2 ||
	    req->threshold > req->custodians || req->shares_out == NULL)) {
		ca_errf(eb, "M of N takes --threshold M and --custodians N "
		    "with 2 <= M <= N, and --shares-out FOLDER for the shares");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (req->threshold != 0 && (r = ca_path_new(req->shares_out,
	    eb)) != 0) {
		ca_err_suffix(eb, "give a new folder for the shares");
		goto out;
	}
	if (req->algorithm != NULL &&
	    ca_keyalg_parse(req->algorithm, &alg) != 0) {
		ca_errf(eb, "unknown algorithm \"%s\"; use p384, p256, "
		    "rsa3072 or rsa4096", req->algorithm);
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	if (req->sub && req->profile_path != NULL) {
		ca_errf(eb, "a subordinate's certificate follows its issuer's "
		    "profile: give the profile to ca-sign-sub, not here");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (req->profile_path != NULL) {
		if ((r = ca_read_file(req->profile_path, 1 << 20,
		    &x.profile_buf, &x.profile_len, eb)) != 0)
			goto out;
		if ((r = ca_profile_parse_named((const char *)x.profile_buf,
		    x.profile_len, req->profile_path, &x.profile, eb)) != 0)
			goto out;
		if (x.profile->kind != CA_PROFILE_ROOT) {
			ca_errf(eb, "%s: a \"%s\" profile cannot make a root; "
			    "use a profile of kind \"root\"", req->profile_path,
			    ca_profile_kind_name(x.profile->kind));
			r = CA_ERR_PROFILE;
			goto out;
		}
	} else if ((r = ca_profile_default_root(&x.profile)) != 0) {
		goto out;
	}
	/* Split knowledge of the key itself is the profile's to allow. */
	if (req->backup && (req->sub || !x.profile->key_backup)) {
		ca_errf(eb, "%s does not allow backup-capable keys; leave out "
		    "--backup-capable, or use a root profile with "
		    "\"key_backup\": true", req->sub ? "a subordinate's "
		    "ca-init" : req->profile_path ? req->profile_path :
		    "the built-in root profile");
		r = CA_ERR_PROFILE;
		goto out;
	}
	subj = req->subject ? req->subject : x.profile->subject;
	if (subj == NULL) {
		ca_errf(eb, "no subject: give --subject or a profile with "
		    "\"subject\"");
		r = CA_ERR_DN;
		goto out;
	}
	if ((r = ca_dn_parse(subj, &x.subject, eb)) != 0)
		goto out;
	if ((r = ca_uri_parse(req->token_uri, &x.uri, eb)) != 0)
		goto out;
	label = x.uri->object ? x.uri->object : req->sub ? DEFAULT_SUB_LABEL :
	    DEFAULT_KEY_LABEL;
	if (x.uri->has_id || (x.uri->type != NULL &&
	    strcmp(x.uri->type, "private") != 0)) {
		ca_errf(eb, "the token uri may name the new key's label with "
		    "object=, but not an id or type");
		r = CA_ERR_URI;
		goto out;
	}
	snprintf(log_label, sizeof(log_label), "%s%s", label, LOG_KEY_SUFFIX);
	if (strlen(label) > 100) {
		ca_errf(eb, "key label longer than 100 bytes");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if ((r = ca_pin_source_parse(req->pin_source ? req->pin_source :
	    x.uri->pin_source, &ps)) != 0) {
		ca_errf(eb, "pin source must be file:PATH or fd:N");
		goto out;
	}
	if ((r = ca_rec_people(req->operator_, req->witnesses, req->nwitnesses,
	    &x.people, eb)) != 0)
		goto out;

	memset(&cp, 0, sizeof(cp));
	cp.kind = CA_CERT_ROOT;
	cp.subject = x.subject;
	cp.not_before = req->now;
	cp.path_len = x.profile->path_len;
	cp.key_usage = x.profile->key_usage;
	if ((r = ca_time_add(req->now, &x.profile->validity,
	    &cp.not_after)) != 0 || (r = ca_serial_random(cp.serial)) != 0)
		goto out;
	memset(&lp, 0, sizeof(lp));
	lp.kind = CA_CERT_LOG_SIGNER;
	lp.subject = x.subject;	/* replaced below */
	lp.issuer = x.subject;
	lp.not_before = cp.not_before;
	/* The log signer lives as long as its CA: records stay checkable. */
	lp.not_after = cp.not_after;
	lp.path_len = -1;
	lp.key_usage = CA_KU_DIGITAL_SIGNATURE;
	if ((r = ca_serial_random(lp.serial)) != 0)
		goto out;
	{
		X509_NAME *ln;

		/* The log signer's subject: the CA's, with a CN of its own. */
		if ((r = ca_log_signer_name(x.subject, &ln)) != 0)
			goto out;
		lp.subject = ln;
	}

	/*
	 * 2. The token, opened but not yet logged in to: the keys it can
	 * make choose the log-signing key's (P-384 where it has EC), and a
	 * CA key it cannot make is refused before anyone types a PIN.
	 */
	if ((r = ca_hsm_open(req->module, x.uri, &x.hsm, eb)) != 0 ||
	    (r = ca_hsm_can_make(x.hsm, alg, eb)) < 0)
		goto out_ln;
	if (r == 0) {
		ca_errf(eb, "token \"%s\" cannot make %s keys (it lists no "
		    "such key-pair generation and signing mechanism); choose "
		    "another --algorithm (p384, p256, rsa3072 or rsa4096)",
		    ca_hsm_token_info(x.hsm)->label, ca_keyalg_name(alg));
		r = CA_ERR_ALGORITHM;
		goto out_ln;
	}
	/* A split PIN is the hex of its secret, set once the keys are made. */
	if ((r = ca_hsm_log_alg(x.hsm, alg, &x.log_alg, eb)) != 0 ||
	    (req->backup && (r = ca_wrap_can_backup(x.hsm, eb)) != 0) ||
	    (req->custodians > 0 && (r = ca_hsm_pin_fits(x.hsm,
	    2 * CA_SHARE_PIN_LEN, "a PIN split among custodians",
	    eb)) != 0))
		goto out_ln;

	/* 3. Rehearse with throwaway software keys, and lint. */
	if ((r = ca_keygen_soft(alg, &x.soft_ca)) != 0 ||
	    (r = ca_keygen_soft(x.log_alg, &x.soft_log)) != 0)
		goto out_ln;
	if (req->sub) {
		/* The request alone: its issuer decides the certificate. */
		if ((r = ca_csr_build(x.subject, x.soft_ca, ca_sign_evp,
		    x.soft_ca, ca_md_for_key(x.soft_ca), &x.draft_csr, eb)) !=
		    0)
			goto out_ln;
	} else if ((r = make_certs(&cp, &lp, x.soft_ca, x.soft_log, x.soft_ca,
	    NULL, &x.draft_ca, &x.draft_log, eb)) != 0)
		goto out_ln;
	if (!req->sub && ((r = lint_or_fail(x.draft_ca, NULL, CA_CERT_ROOT,
	    "before signing", eb)) != 0 ||
	    (r = lint_or_fail(x.draft_log, x.soft_ca, CA_CERT_LOG_SIGNER,
	    "before signing", eb)) != 0))
		goto out_ln;

	/* 4. The folder: fails here, before any PIN, if unwritable. */
	if ((r = ca_stage_new(req->dir, &x.stage, eb)) != 0)
		goto out_ln;

	/* 5. The login. */
	if (!ca_hsm_token_info(x.hsm)->protected_auth_path) {
		if ((r = ca_pin_read(&ps, req->prompt, req->prompt_arg,
		    "User PIN: ", &x.pin, eb)) != 0)
			goto out_ln;
	}
	if (req->threshold != 0 &&
	    ca_hsm_token_info(x.hsm)->protected_auth_path) {
		ca_errf(eb, "token \"%s\" takes its PIN on its own pin pad: "
		    "split knowledge is its own (PED keys or cards), not "
		    "--threshold", ca_hsm_token_info(x.hsm)->label);
		r = CA_ERR_INVALID_ARG;
		goto out_ln;
	}
	r = ca_hsm_login(x.hsm, x.pin, eb);
	/* Wiped right after use; kept only to be changed, for M of N. */
	if (r != 0 || req->threshold == 0) {
		ca_secret_free(x.pin);
		x.pin = NULL;
	}
	if (r != 0)
		goto out_ln;
	/* An earlier run for this directory that was killed goes first. */
	if ((r = ca_stage_orphans(x.stage, clear_orphan, &x, eb)) < 0) {
		if (r == CA_ERR_HSM)
			ca_errf(eb, "cannot remove the keys an interrupted run "
			    "for \"%s\" left on the token", req->dir);
		goto out_ln;
	}
	res->orphans = x.orphans;
	{
		int e1 = 0, e2 = 0;

		/* Both labels checked before either key is made. */
		if ((r = ca_hsm_label_exists(x.hsm, label, &e1)) != 0 ||
		    (r = ca_hsm_label_exists(x.hsm, log_label, &e2)) != 0)
			goto out_ln;
		if (e1 || e2) {
			ca_errf(eb, "label \"%s\" is already used on token "
			    "\"%s\"; choose another with object= in the uri",
			    e1 ? label : log_label,
			    ca_hsm_token_info(x.hsm)->label);
			r = CA_ERR_KEY_EXISTS;
			goto out_ln;
		}
	}
	{
		struct ca_keyref k[2];

		/* Noted down before they exist: see write_note. */
		memset(k, 0, sizeof(k));
		snprintf(k[0].label, sizeof(k[0].label), "%s", label);
		snprintf(k[1].label, sizeof(k[1].label), "%.*s",
		    (int)sizeof(k[1].label) - 1, log_label);
		k[0].id_len = k[1].id_len = 16;
		if (RAND_bytes(k[0].id, 16) != 1 ||
		    RAND_bytes(k[1].id, 16) != 1) {
			r = CA_ERR_CRYPTO;
			goto out_ln;
		}
		if ((r = write_note(&x, k, 2, eb)) != 0)
			goto out_ln;
		if ((r = ca_hsm_generate_id(x.hsm, alg, label, k[0].id,
		    k[0].id_len, req->backup, &x.ca_key, &ca_attrs, eb)) != 0)
			goto out_ln;
		x.have_ca_key = 1;
		if ((r = ca_hsm_generate_id(x.hsm, x.log_alg, log_label,
		    k[1].id, k[1].id_len, req->backup, &x.log_key, &log_attrs,
		    eb)) != 0)
			goto out_ln;
		x.have_log_key = 1;
	}
	if ((r = ca_hsm_public_key(x.hsm, &x.ca_key, &x.ca_pub)) != 0 ||
	    (r = ca_hsm_public_key(x.hsm, &x.log_key, &x.log_pub)) != 0) {
		ca_errf(eb, "cannot read the new public keys from the token");
		goto out_ln;
	}
	if ((r = ca_tsigner_open(x.hsm, &x.ca_key, &ca_ts, eb)) != 0 ||
	    (r = ca_tsigner_open_shared(x.hsm, &x.log_key, &log_ts, eb)) !=
	    0)
		goto out_ln;
	x.ca_mech = ca_tsigner_mechanism(ca_ts, ca_md_for_key(x.ca_pub));
	x.log_mech = ca_tsigner_mechanism(log_ts, ca_md_for_key(x.log_pub));
	if (x.ca_mech == NULL || x.log_mech == NULL) {
		ca_errf(eb, "token \"%s\" offers no mechanism to sign with "
		    "the new keys' digest", ca_hsm_token_info(x.hsm)->label);
		r = CA_ERR_ALGORITHM;
		goto out_ln;
	}

	/* 6. Sign on the token, then check before anything is written. */
	if (req->sub) {
		if ((r = ca_csr_build(x.subject, x.ca_pub, ca_tsigner_sign_cb,
		    ca_ts, ca_md_for_key(x.ca_pub), &x.csr, eb)) != 0 ||
		    (r = ca_csr_pem(x.csr, &x.csr_pem, &x.csr_pem_len)) != 0 ||
		    (r = ca_keyref_uri(x.hsm, &x.ca_key, &x.ca_uri)) != 0 ||
		    (r = ca_keyref_uri(x.hsm, &x.log_key, &x.log_uri)) != 0)
			goto out_ln;
		goto artifacts;
	}
	if ((r = make_certs(&cp, &lp, x.ca_pub, x.log_pub, x.soft_ca, ca_ts,
	    &x.ca, &x.log, eb)) != 0)
		goto out_ln;
	if (ca_cert_verify(x.ca, x.ca_pub) != 0 ||
	    ca_cert_verify(x.log, x.ca_pub) != 0) {
		ca_errf(eb, "the token's signature does not verify with its "
		    "public key");
		r = CA_ERR_VERIFY;
		goto out_ln;
	}
	if ((r = ca_cert_same_tbs(x.draft_ca, x.ca, eb)) != 0 ||
	    (r = ca_cert_same_tbs(x.draft_log, x.log, eb)) != 0)
		goto out_ln;
	if ((r = lint_or_fail(x.ca, NULL, CA_CERT_ROOT, "after signing",
	    eb)) != 0 ||
	    (r = lint_or_fail(x.log, x.ca_pub, CA_CERT_LOG_SIGNER,
	    "after signing", eb)) != 0)
		goto out_ln;

	/* 7. Artifacts and the first record. */
	if ((r = ca_keyref_uri(x.hsm, &x.ca_key, &x.ca_uri)) != 0 ||
	    (r = ca_keyref_uri(x.hsm, &x.log_key, &x.log_uri)) != 0 ||
	    (r = ca_cert_pem(x.ca, &x.ca_pem, &x.ca_pem_len)) != 0 ||
	    (r = ca_cert_pem(x.log, &x.log_pem, &x.log_pem_len)) != 0)
		goto out_ln;
artifacts:
	cfg.kind = (char *)(req->sub ? "sub" : "root");
	cfg.module = (char *)ca_hsm_module_path(x.hsm);
	cfg.ca_key = x.ca_uri;
	cfg.log_key = x.log_uri;
	cfg.algorithm = (char *)ca_keyalg_name(alg);
	cfg.crl_next_update = cfg.crl_margin = cfg.crl_idp = NULL;
	if (!req->sub && x.profile->crl_idp[0] != '\0')
		cfg.crl_idp = x.profile->crl_idp;
	if (!req->sub && ca_duration_set(&x.profile->crl_next_update)) {
		ca_duration_format(&x.profile->crl_next_update, crl_nu);
		cfg.crl_next_update = crl_nu;
	}
	if (!req->sub && ca_duration_set(&x.profile->crl_margin)) {
		ca_duration_format(&x.profile->crl_margin, crl_mg);
		cfg.crl_margin = crl_mg;
	}
	if ((r = ca_config_serialise(&cfg, &x.config, &x.config_len)) != 0)
		goto out_ln;
	if (req->threshold != 0 && (r = make_split(req, &x, eb)) != 0)
		goto out_ln;
	if ((r = build_body(req, &x, ca_keyalg_name(alg), &ca_attrs,
	    &log_attrs, eb)) != 0)
		goto out_ln;
	if ((r = ca_log_seal_with(x.body, ca_tsigner_sign_cb, log_ts,
	    x.log_pub, &x.record, &x.record_len, res->head, eb)) != 0)
		goto out_ln;
	{
		char rel[64], name[32];

		ca_log_record_name(1, name);
		snprintf(rel, sizeof(rel), "%s/%s", CA_DIR_LOG, name);
		if ((req->sub ? (r = ca_stage_put(x.stage, CA_FILE_CSR,
		    x.csr_pem, x.csr_pem_len, 0644, eb)) != 0 :
		    ((r = ca_stage_put(x.stage, CA_FILE_CERT, x.ca_pem,
		    x.ca_pem_len, 0644, eb)) != 0 ||
		    (r = ca_stage_put(x.stage, CA_FILE_LOG_SIGNER, x.log_pem,
		    x.log_pem_len, 0644, eb)) != 0)) ||
		    (r = ca_stage_put(x.stage, CA_FILE_CONFIG, x.config,
		    x.config_len, 0644, eb)) != 0 ||
		    (r = ca_stage_put(x.stage, rel, x.record, x.record_len,
		    0644, eb)) != 0)
			goto out_ln;
	}
	/* What the operator is told, worked out before anything lands. */
	if (req->sub) {
		/* What the root's custodians compare before signing. */
		ca_sha256_hex(x.csr_pem, x.csr_pem_len, res->fingerprint);
		if ((r = ca_spki_sha256(x.ca_pub, res->spki)) != 0 ||
		    (r = ca_dn_format(x.subject, &s)) != 0)
			goto out_ln;
	} else if ((r = ca_cert_sha256(x.ca, res->fingerprint)) != 0 ||
	    (r = ca_serial_hex(x.ca, res->serial)) != 0 ||
	    (r = ca_spki_sha256(x.ca_pub, res->spki)) != 0 ||
	    (r = ca_dn_format(X509_get_subject_name(x.ca), &s)) != 0)
		goto out_ln;
	snprintf(res->subject, sizeof(res->subject), "%s", s);
	if (ca_time_rfc3339(cp.not_before, res->not_before) != 0 ||
	    ca_time_rfc3339(cp.not_after, res->not_after) != 0) {
		r = CA_ERR_INTERNAL;
		goto out_ln;
	}
	snprintf(res->algorithm, sizeof(res->algorithm), "%s",
	    ca_keyalg_name(alg));
	snprintf(res->ca_key_uri, sizeof(res->ca_key_uri), "%s", x.ca_uri);
	snprintf(res->log_key_uri, sizeof(res->log_key_uri), "%s", x.log_uri);
	snprintf(res->token_label, sizeof(res->token_label), "%s",
	    ca_hsm_token_info(x.hsm)->label);
	snprintf(res->token_serial, sizeof(res->token_serial), "%s",
	    ca_hsm_token_info(x.hsm)->serial);
	snprintf(res->log_key_label, sizeof(res->log_key_label), "%s",
	    log_label);
	/*
	 * M of N: the shares are out before the PIN changes, and the PIN
	 * goes back should the directory not land.
	 */
	if (req->threshold != 0 && ((r = write_shares(req, &x, eb)) != 0 ||
	    (r = ca_hsm_set_pin(x.hsm, x.pin, x.split->secret, eb)) != 0)) {
		ca_split_unwrite(x.split);
		goto out_ln;
	}
	if ((r = ca_stage_commit(x.stage, eb)) != 0) {
		if (req->threshold != 0) {
			/* Should that fail too, the shares still open it. */
			if (ca_hsm_set_pin(x.hsm, x.split->secret, x.pin,
			    NULL) == 0)
				ca_split_unwrite(x.split);
		}
		goto out_ln;
	}
	res->shares = x.split != NULL ? (int)x.split->n : 0;
	/* Committed: the keys now belong to the CA directory. */
	x.have_ca_key = x.have_log_key = 0;
	r = 0;
out_ln:
	X509_NAME_free((X509_NAME *)lp.subject);
out:
	free(s);
	/* Before the token closes, and before run_free destroys keys. */
	ca_tsigner_close(ca_ts);
	ca_tsigner_close(log_ts);
	run_free(&x);
	return r;
}
