#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "crl.h"
#include "dircheck.h"
#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "hsm.h"
#include "journal.h"
#include "lint.h"
#include "log.h"
#include "quirks.h"
#include "revoke.h"
#include "store.h"
#include "timefmt.h"

/* Records this close together belong to one ceremony. */
#define CEREMONY_GAP (12 * 3600)
/* A fixed-size filter: serials seen, without a list that grows. */
#define BLOOM_BITS (1u << 25)
#define MAX_CANDIDATES 256
#define MAX_TOOLS 8

struct ctx {
	const struct ca_audit_req *req;
	struct ca_audit *a;
	struct ca_config *cfg;
	X509 *ca, *log_cert, *root;
	struct ca_log_signer signer;
	STACK_OF(X509) *chain;
	char *logdir;
	/* The chain of records. */
	char prev[65];
	int prev_known;
	time_t tprev;
	char log_id[65];
	/* The ceremony being read. */
	time_t cer_end;
	struct ca_audit_ceremony cur;
	int in_ceremony, cur_ops;
	char last_op[32];
	int last_op_n;
	struct {
		char name[32], sha[65];
	} tools[MAX_TOOLS];
	size_t ntools;
	char module_sha[65];
	/* Serials. */
	unsigned char *bloom;
	char cand[MAX_CANDIDATES][41];
	size_t ncand;
	/* The witnessed ceremony open in the log (ca-ceremony(1)). */
	char open_id[65];
	long long open_seq;
	/* Revocation and CRLs. */
	long long last_revoke_seq, last_crl_seq, revokes_since_crl;
	char index_sha[65];
	long long index_size;
	int have_index;
	json_t *last_crl;		/* the newest "crl" member */
	/* For the scores. */
	int key_bad, keys_seen, lint_findings, evidence_errors;
	/* Keys made on a software token, and the first one's reason. */
	int keys_soft;
	char soft_why[200];
	/* The root was made with backup-capable keys (key_backup). */
	int key_backup, backup_noted;
	/* ca.json as the newest record naming it left it (a key restore
	 * replaces it). */
	char cfg_sha[65];
	long long cfg_size, cfg_seq;
	int ot_subs, it_subs, ot_unconstrained;
};

const char *
ca_severity_name(enum ca_severity s)
{
	return s == CA_SEV_ERROR ? "error" : s == CA_SEV_WARNING ? "warning" :
	    "info";
}

/* Cut back to whole UTF-8 characters after a truncating snprintf. */
static void
utf8_trim(char *s)
{
	size_t n = strlen(s), i, need;

	if (n == 0)
		return;
	/* Find the start of the last character. */
	for (i = n; i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80; i--)
		;
	if (i == 0)
		return;
	i--;
	need = (unsigned char)s[i] >= 0xf0 ? 4 : (unsigned char)s[i] >= 0xe0 ?
	    3 : (unsigned char)s[i] >= 0xc0 ? 2 : 1;
	if (n - i < need)
		s[i] = '\0';
}

__attribute__((format(printf, 6, 7)))
static void
finding(struct ctx *c, enum ca_severity sev, long long seq, const char *check,
    const char *file, const char *fmt, ...)
{
	struct ca_audit *a = c->a;
	struct ca_finding *f;
	va_list ap;

	if ((int)sev > a->worst)
		a->worst = (int)sev;
	if (sev == CA_SEV_ERROR && (strcmp(check, "signature") == 0 ||
	    strcmp(check, "artifact") == 0 || strncmp(check, "log", 3) == 0 ||
	    strcmp(check, "prev") == 0 || strcmp(check, "record") == 0))
		c->evidence_errors++;
	if (strcmp(check, "lint") == 0)
		c->lint_findings++;
	if (a->nfindings == CA_AUDIT_MAX_FINDINGS) {
		a->findings_dropped++;
		return;
	}
	f = &a->findings[a->nfindings++];
	f->sev = sev;
	f->seq = seq;
	snprintf(f->check, sizeof(f->check), "%s", check);
	snprintf(f->file, sizeof(f->file), "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	utf8_trim(f->file);
	utf8_trim(f->reason);
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
rec_name(long long seq, char buf[64])
{
	char n[32];

	ca_log_record_name(seq, n);
	snprintf(buf, 64, "%s/%s", CA_DIR_LOG, n);
}

/* --- serials, in bounded memory ------------------------------------------ */

static void
bloom_pos(const char *serial, unsigned long pos[3])
{
	unsigned char h[32];
	int i;

	EVP_Digest(serial, strlen(serial), h, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 3; i++)
		pos[i] = ((unsigned long)h[4 * i] << 24 |
		    (unsigned long)h[4 * i + 1] << 16 |
		    (unsigned long)h[4 * i + 2] << 8 | h[4 * i + 3]) %
		    BLOOM_BITS;
}

static int
bloom_has(const struct ctx *c, const char *serial)
{
	unsigned long p[3];
	int i;

	bloom_pos(serial, p);
	for (i = 0; i < 3; i++)
		if (!(c->bloom[p[i] / 8] & (1u << (p[i] % 8))))
			return 0;
	return 1;
}

/* Note a serial; a possible repeat becomes a candidate for pass two. */
static void
serial_seen(struct ctx *c, long long seq, const char *serial)
{
	unsigned long p[3];
	size_t i;

	if (bloom_has(c, serial)) {
		for (i = 0; i < c->ncand; i++)
			if (strcmp(c->cand[i], serial) == 0)
				return;
		if (c->ncand < MAX_CANDIDATES)
			snprintf(c->cand[c->ncand++], 41, "%s", serial);
		else
			finding(c, CA_SEV_WARNING, seq, "serial", NULL,
			    "too many possible repeats to check serial %s",
			    serial);
		return;
	}
	bloom_pos(serial, p);
	for (i = 0; i < 3; i++)
		c->bloom[p[i] / 8] |= (unsigned char)(1u << (p[i] % 8));
}

struct dup_scan {
	struct ctx *c;
	int count[MAX_CANDIDATES];
	long long where[MAX_CANDIDATES];
};

static void
dup_count(struct dup_scan *d, long long seq, const char *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < d->c->ncand; i++)
		if (strcmp(d->c->cand[i], s) == 0 && d->count[i]++ > 0)
			d->where[i] = seq;
}

static int
dup_visit(void *arg, long long seq, const json_t *body)
{
	struct dup_scan *d = arg;
	const json_t *all = json_object_get(body, "issued"), *one;
	size_t k;

	dup_count(d, seq, str(json_object_get(body, "certificate"), "serial"));
	json_array_foreach(all, k, one)
		dup_count(d, seq, str(one, "serial"));
	return 0;
}

/* --- the CA and its anchor ------------------------------------------------ */

static int
load_ca(struct ctx *c, struct ca_errbuf *eb)
{
	struct ca_audit *a = c->a;
	const char *dir = c->req->dir;
	char *p = NULL, want[65], *s = NULL;
	struct tm tm;
	time_t t;
	int i, r;

	if ((r = ca_config_load(dir, &c->cfg, eb)) != 0)
		return r;	/* not a CA directory: the audit cannot run */
	snprintf(a->kind, sizeof(a->kind), "%s", c->cfg->kind);
	snprintf(a->algorithm, sizeof(a->algorithm), "%s",
	    c->cfg->algorithm);
	if ((p = ca_path_join(dir, CA_FILE_CERT)) == NULL)
		return CA_ERR_NOMEM;
	if (ca_cert_load(p, &c->ca, NULL) != 0) {
		finding(c, CA_SEV_ERROR, 0, "ca", CA_FILE_CERT, "missing or "
		    "not a certificate: nothing can be tied to the anchor");
		free(p);
		return 0;
	}
	free(p);
	if (ca_cert_sha256(c->ca, a->ca_fingerprint) == 0 &&
	    ca_dn_format(X509_get_subject_name(c->ca), &s) == 0) {
		snprintf(a->ca_subject, sizeof(a->ca_subject), "%s", s);
		utf8_trim(a->ca_subject);
		free(s);
		s = NULL;
	}
	if (ASN1_TIME_to_tm(X509_get0_notBefore(c->ca), &tm) == 1 &&
	    (t = timegm(&tm), ca_time_rfc3339(t, a->ca_not_before)) == 0 &&
	    ASN1_TIME_to_tm(X509_get0_notAfter(c->ca), &tm) == 1 &&
	    ca_time_rfc3339(timegm(&tm), a->ca_not_after) != 0)
		a->ca_not_after[0] = '\0';
	/* The root: ca.pem itself, or the top of chain.pem. */
	if (X509_check_issued(c->ca, c->ca) == X509_V_OK) {
		c->root = c->ca;
		if (ca_cert_verify(c->ca, X509_get0_pubkey(c->ca)) != 0)
			finding(c, CA_SEV_ERROR, 0, "ca", CA_FILE_CERT,
			    "the self-signed certificate's signature does "
			    "not verify");
	} else {
		struct ca_errbuf e2 = { 0 };

		if ((p = ca_path_join(dir, CA_FILE_CHAIN)) == NULL)
			return CA_ERR_NOMEM;
		if (ca_certs_load(p, &c->chain, NULL) != 0)
			finding(c, CA_SEV_ERROR, 0, "ca", CA_FILE_CHAIN,
			    "a subordinate needs its chain to the root, and "
			    "it is missing or unreadable");
		else if (ca_chain_verify(c->ca, c->chain, 0, &c->root,
		    &e2) != 0)
			finding(c, CA_SEV_ERROR, 0, "ca", CA_FILE_CERT,
			    "%s", e2.msg);
		free(p);
	}
	if (c->root != NULL) {
		if (ca_cert_sha256(c->root, a->root_fingerprint) != 0)
			a->root_fingerprint[0] = '\0';
		if (ca_dn_format(X509_get_subject_name(c->root), &s) == 0) {
			snprintf(a->root_subject, sizeof(a->root_subject),
			    "%s", s);
			utf8_trim(a->root_subject);
			free(s);
		}
	}
	/* The anchor ties all of it to the paper. */
	if (c->req->anchor == NULL) {
		finding(c, CA_SEV_ERROR, 0, "anchor", NULL, "no anchor given: "
		    "without the root's fingerprint from paper the audit "
		    "cannot pass");
	} else if (ca_fingerprint_normalise(c->req->anchor, want) != 0) {
		finding(c, CA_SEV_ERROR, 0, "anchor", NULL, "the anchor is not "
		    "a SHA-256 fingerprint");
	} else if (c->root == NULL || strcmp(want, a->root_fingerprint) != 0) {
		finding(c, CA_SEV_ERROR, 0, "anchor", c->root == c->ca ?
		    CA_FILE_CERT : CA_FILE_CHAIN, "the root's fingerprint %s "
		    "is not the anchor", a->root_fingerprint);
	} else {
		a->anchored = 1;
	}
	if ((p = ca_path_join(dir, CA_FILE_LOG_SIGNER)) == NULL)
		return CA_ERR_NOMEM;
	if (ca_cert_load(p, &c->log_cert, NULL) != 0 ||
	    ca_log_signer_init(&c->signer, c->log_cert) != 0) {
		finding(c, CA_SEV_ERROR, 0, "log-signer", CA_FILE_LOG_SIGNER,
		    "missing or not a certificate: no record can be checked");
	} else if (X509_NAME_cmp(X509_get_issuer_name(c->log_cert),
	    X509_get_subject_name(c->ca)) != 0 ||
	    ca_cert_verify(c->log_cert, X509_get0_pubkey(c->ca)) != 0) {
		finding(c, CA_SEV_ERROR, 0, "log-signer", CA_FILE_LOG_SIGNER,
		    "not issued by the CA");
	} else {
		EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(c->log_cert,
		    NID_ext_key_usage, NULL, NULL);
		ASN1_OBJECT *want_oid = OBJ_txt2obj(CA_OID_LOG_SIGNING, 1);
		int has = 0;

		for (i = 0; eku != NULL && want_oid != NULL &&
		    i < sk_ASN1_OBJECT_num(eku); i++)
			if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want_oid) ==
			    0)
				has = 1;
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		ASN1_OBJECT_free(want_oid);
		if (!has)
			finding(c, CA_SEV_ERROR, 0, "log-signer",
			    CA_FILE_LOG_SIGNER, "lacks the %s extended key "
			    "usage", CA_SN_LOG_SIGNING);
	}
	free(p);
	ERR_clear_error();
	return 0;
}

/* --- ceremonies --------------------------------------------------------- */

static void
close_ceremony(struct ctx *c)
{
	struct ca_audit *a = c->a;
	size_t n = strlen(c->cur.ops);

	if (!c->in_ceremony)
		return;
	if (c->last_op_n > 1 && n + 8 < sizeof(c->cur.ops))
		snprintf(c->cur.ops + n, sizeof(c->cur.ops) - n, " x%d",
		    c->last_op_n);
	/* Keep the newest: shift the oldest out when full. */
	if (a->nceremonies == CA_AUDIT_MAX_CEREMONIES) {
		memmove(&a->ceremonies[0], &a->ceremonies[1],
		    (CA_AUDIT_MAX_CEREMONIES - 1) * sizeof(a->ceremonies[0]));
		a->nceremonies--;
	}
	a->ceremonies[a->nceremonies++] = c->cur;
	a->ceremonies_total++;
	c->in_ceremony = 0;
}

static void
ceremony(struct ctx *c, long long seq, const json_t *body, time_t t,
    const char *time_s)
{
	const char *op = str(body, "op"), *who = str(body, "operator");
	const json_t *env = json_object_get(body, "env"), *tool;
	const char *tname, *tsha, *msha;
	size_t i, n;

	if (c->in_ceremony && t - c->cer_end > CEREMONY_GAP)
		close_ceremony(c);
	if (!c->in_ceremony) {
		memset(&c->cur, 0, sizeof(c->cur));
		c->cur.first_seq = seq;
		snprintf(c->cur.first_time, sizeof(c->cur.first_time), "%s",
		    time_s);
		c->in_ceremony = 1;
		c->ntools = 0;
		c->module_sha[0] = '\0';
		c->last_op[0] = '\0';
		c->last_op_n = 0;
	}
	c->cer_end = t;
	c->cur.last_seq = seq;
	snprintf(c->cur.last_time, sizeof(c->cur.last_time), "%s", time_s);
	if (who != NULL && c->cur.operator_[0] == '\0') {
		snprintf(c->cur.operator_, sizeof(c->cur.operator_), "%s", who);
		utf8_trim(c->cur.operator_);
	}
	if ((int)json_array_size(json_object_get(body, "witnesses")) >
	    c->cur.witnesses)
		c->cur.witnesses = (int)json_array_size(json_object_get(body,
		    "witnesses"));
	if (op != NULL && strcmp(op, c->last_op) == 0) {
		c->last_op_n++;
	} else if (op != NULL) {
		n = strlen(c->cur.ops);
		if (c->last_op_n > 1 && n + 8 < sizeof(c->cur.ops))
			n += (size_t)snprintf(c->cur.ops + n,
			    sizeof(c->cur.ops) - n, " x%d", c->last_op_n);
		if (n + strlen(op) + 3 < sizeof(c->cur.ops))
			snprintf(c->cur.ops + n, sizeof(c->cur.ops) - n,
			    "%s%s", n ? ", " : "", op);
		snprintf(c->last_op, sizeof(c->last_op), "%s", op);
		c->last_op_n = 1;
	}
	/* One ceremony, one set of binaries and one module. */
	tool = json_object_get(env, "tool");
	tname = str(tool, "name");
	tsha = str(tool, "sha256");
	msha = str(json_object_get(env, "module"), "sha256");
	if (tname != NULL && tsha != NULL) {
		for (i = 0; i < c->ntools; i++)
			if (strcmp(c->tools[i].name, tname) == 0)
				break;
		if (i == c->ntools && c->ntools < MAX_TOOLS) {
			snprintf(c->tools[i].name, 32, "%s", tname);
			snprintf(c->tools[i].sha, 65, "%s", tsha);
			c->ntools++;
		} else if (i < c->ntools && strcmp(c->tools[i].sha, tsha) !=
		    0) {
			finding(c, CA_SEV_WARNING, seq, "tool", NULL, "%s ran "
			    "as a different binary than earlier in the same "
			    "ceremony", tname);
		}
	}
	if (msha != NULL) {
		if (c->module_sha[0] == '\0')
			snprintf(c->module_sha, sizeof(c->module_sha), "%s",
			    msha);
		else if (strcmp(c->module_sha, msha) != 0)
			finding(c, CA_SEV_WARNING, seq, "module", NULL, "the "
			    "PKCS#11 module changed within one ceremony");
	}
}

/* --- what records name ---------------------------------------------------- */

/*
 * 1 when the token a record's keys were made on keeps them in software:
 * the record's own word (env.token.kind), or, for a record older than
 * that field, the module and token it names judged as the token layer
 * judges them now (ca_token_software).
 */
static int
check_kind(struct ctx *c, const json_t *body)
{
	const json_t *env = json_object_get(body, "env");
	const json_t *tok = json_object_get(env, "token"), *mod;
	struct ca_module_info mi;
	struct ca_token_info ti;
	char why[160];
	const char *kind = str(tok, "kind");
	int soft;

	if (!json_is_object(tok))
		return 0;
	if (kind != NULL) {
		soft = strcmp(kind, CA_KIND_SOFTWARE) == 0;
		snprintf(why, sizeof(why), "%s", str(tok, "kind_why") ?
		    str(tok, "kind_why") : "the record says so");
	} else {
		mod = json_object_get(env, "module");
		memset(&mi, 0, sizeof(mi));
		memset(&ti, 0, sizeof(ti));
		snprintf(mi.manufacturer, sizeof(mi.manufacturer), "%s",
		    str(mod, "manufacturer") ? str(mod, "manufacturer") : "");
		snprintf(mi.description, sizeof(mi.description), "%s",
		    str(mod, "description") ? str(mod, "description") : "");
		snprintf(ti.manufacturer, sizeof(ti.manufacturer), "%s",
		    str(tok, "manufacturer") ? str(tok, "manufacturer") : "");
		snprintf(ti.model, sizeof(ti.model), "%s",
		    str(tok, "model") ? str(tok, "model") : "");
		ti.hw_slot = CA_ATTR_UNKNOWN;
		soft = ca_token_software(&mi, &ti, why, sizeof(why));
	}
	/* The posture chart says it: a finding is for what went wrong. */
	if (soft && c->soft_why[0] == '\0')
		snprintf(c->soft_why, sizeof(c->soft_why), "token \"%s\" is "
		    "a software token: %s", str(tok, "label") ?
		    str(tok, "label") : "?", why);
	return soft;
}

static void
check_keys(struct ctx *c, long long seq, const json_t *body)
{
	const json_t *k, *at;
	const char *op = str(body, "op");
	size_t i;
	/* Keys are made by the init operations; later ones reuse them. */
	int made = op != NULL && strncmp(op, "init-", 5) == 0, soft;

	if (op != NULL && strcmp(op, "init-root") == 0 &&
	    json_is_true(json_object_get(json_object_get(body, "params"),
	    "key_backup")))
		c->key_backup = 1;
	soft = made && json_array_size(json_object_get(body, "keys")) > 0 &&
	    check_kind(c, body);
	json_array_foreach(json_object_get(body, "keys"), i, k) {
		if (!json_is_object(at = json_object_get(k, "attributes")))
			continue;
		/* Every read-back must hold, at generation or after. */
		if (made)
			c->keys_seen++;
		if (soft)
			c->keys_soft++;
		/*
		 * A root its profile let make backup-capable keys: sensitive,
		 * for signing only, and out only under a trusted key; once
		 * restored from a backup, neither local nor always sensitive.
		 * Decrypt, unwrap and derive were asked for FALSE: null, an
		 * attribute the token does not know, cannot have been granted.
		 */
		if (c->key_backup &&
		    json_is_true(json_object_get(at, "sensitive")) &&
		    json_is_true(json_object_get(at, "extractable")) &&
		    json_is_true(json_object_get(at, "wrap_with_trusted")) &&
		    !json_is_true(json_object_get(at, "decrypt")) &&
		    !json_is_true(json_object_get(at, "unwrap")) &&
		    !json_is_true(json_object_get(at, "derive"))) {
			if (!c->backup_noted++)
				finding(c, CA_SEV_INFO, seq, "key-backup", NULL,
				    "the CA's keys are backup-capable: they "
				    "leave the token only wrapped under a key "
				    "its security officer marked trusted");
			continue;
		}
		if (!json_is_true(json_object_get(at, "sensitive")) ||
		    !json_is_true(json_object_get(at, "always_sensitive")) ||
		    !json_is_true(json_object_get(at, "never_extractable")) ||
		    !json_is_true(json_object_get(at, "local")) ||
		    !json_is_false(json_object_get(at, "extractable")) ||
		    json_is_true(json_object_get(at, "decrypt")) ||
		    json_is_true(json_object_get(at, "unwrap")) ||
		    json_is_true(json_object_get(at, "derive"))) {
			c->key_bad++;
			finding(c, CA_SEV_ERROR, seq, "key-attributes", NULL,
			    "key \"%s\" was not made sensitive, "
			    "never-extractable, local and for signing only",
			    str(k, "label") ? str(k, "label") : "?");
		}
	}
}

/* A name inside the CA directory: relative, and never climbing out. */
static int
inside(const char *name)
{
	return name[0] != '/' && strncmp(name, "../", 3) != 0 &&
	    strstr(name, "/../") == NULL && strcmp(name, "..") != 0;
}

static void
check_outputs(struct ctx *c, long long seq, const json_t *body)
{
	const json_t *o;
	const char *name, *want;
	char got[65], *p;
	long long size;
	size_t i;
	int r;

	json_array_foreach(json_object_get(body, "outputs"), i, o) {
		if (json_is_true(json_object_get(o, "external")))
			continue;
		name = str(o, "name");
		want = str(o, "sha256");
		if (name == NULL || want == NULL) {
			finding(c, CA_SEV_ERROR, seq, "record", NULL, "an "
			    "output without a name or hash");
			continue;
		}
		if (!inside(name)) {
			finding(c, CA_SEV_WARNING, seq, "artifact", name,
			    "named outside the CA directory; not checked");
			continue;
		}
		/* Each revocation replaces the index: the newest counts. */
		if (strcmp(name, CA_FILE_REVOKED) == 0)
			continue;
		/* So is ca.json by a key restore: checked after the last. */
		if (strcmp(name, CA_FILE_CONFIG) == 0) {
			snprintf(c->cfg_sha, sizeof(c->cfg_sha), "%s", want);
			c->cfg_size = json_integer_value(json_object_get(o,
			    "size"));
			c->cfg_seq = seq;
			continue;
		}
		if ((p = ca_path_join(c->req->dir, name)) == NULL)
			continue;
		r = ca_sha256_file(p, got, &size);
		free(p);
		if (r == CA_ERR_NOT_FOUND)
			finding(c, CA_SEV_ERROR, seq, "artifact", name,
			    "missing");
		else if (r != 0)
			finding(c, CA_SEV_ERROR, seq, "artifact", name,
			    "cannot be read");
		else if (strcmp(got, want) != 0 ||
		    size != json_integer_value(json_object_get(o, "size")))
			finding(c, CA_SEV_ERROR, seq, "artifact", name,
			    "changed since the record: SHA-256 %.16s..., the "
			    "record says %.16s...", got, want);
	}
}

static void
note_sub(struct ctx *c, long long seq, const json_t *body, X509 *x)
{
	struct ca_audit *a = c->a;
	struct ca_audit_sub *s;
	const json_t *z = json_object_get(body, "iec62443");
	const json_t *cert = json_object_get(body, "certificate");
	NAME_CONSTRAINTS *nc;
	int sl = (int)json_integer_value(json_object_get(z, "security_level"));

	nc = x ? X509_get_ext_d2i(x, NID_name_constraints, NULL, NULL) : NULL;
	/* Cross-certificates are no issuing CAs of ours. */
	if (strcmp(str(body, "op"), "sign-sub") == 0 && sl > 0) {
		c->ot_subs++;
		if (nc == NULL)
			c->ot_unconstrained++;
	} else if (strcmp(str(body, "op"), "sign-sub") == 0) {
		c->it_subs++;
	}
	a->subs_total++;
	if (a->nsubs < CA_AUDIT_MAX_SUBS) {
		s = &a->subs[a->nsubs++];
		memset(s, 0, sizeof(*s));
		s->seq = seq;
		snprintf(s->serial, sizeof(s->serial), "%s",
		    str(cert, "serial") ? str(cert, "serial") : "");
		snprintf(s->subject, sizeof(s->subject), "%s",
		    str(cert, "subject") ? str(cert, "subject") : "");
		snprintf(s->not_after, sizeof(s->not_after), "%s",
		    str(cert, "not_after") ? str(cert, "not_after") : "");
		snprintf(s->zone, sizeof(s->zone), "%s",
		    str(z, "zone") ? str(z, "zone") : "");
		utf8_trim(s->subject);
		utf8_trim(s->zone);
		s->security_level = sl;
		s->cross = strcmp(str(body, "op"), "cross-certify") == 0;
		s->name_constrained = nc != NULL;
	}
	NAME_CONSTRAINTS_free(nc);
}

/*
 * The binary that wrote the record is one the auditor rebuilt from the
 * published source and hashed (README: rebuilding).
 */
static void
check_binary(struct ctx *c, long long seq, const json_t *body)
{
	const json_t *tool = json_object_get(json_object_get(body, "env"),
	    "tool");
	const char *sha = str(tool, "sha256"), *name = str(tool, "name");
	size_t i;

	if (c->req->nbinaries == 0)
		return;
	for (i = 0; sha != NULL && i < c->req->nbinaries; i++)
		if (strcasecmp(sha, c->req->binaries[i]) == 0)
			return;
	finding(c, CA_SEV_ERROR, seq, "binary", name, "made by a binary "
	    "whose SHA-256 is %s, none of those given with --binary",
	    sha != NULL ? sha : "not recorded");
}

/* A certificate this CA issued: its file verifies and lints again. */
static void
check_issued(struct ctx *c, long long seq, const json_t *body,
    const json_t *cert, enum ca_cert_kind kind)
{
	const char *serial = str(cert, "serial"), *file = str(cert, "file");
	struct ca_lint_report rep;
	int sub = kind != CA_CERT_DEVICE;
	char *p = NULL, got[41];
	X509 *x = NULL;

	if (serial == NULL || file == NULL) {
		finding(c, CA_SEV_ERROR, seq, "record", NULL, "a certificate "
		    "without a serial or file");
		return;
	}
	c->a->issued++;
	serial_seen(c, seq, serial);
	if (c->ca == NULL) {
		finding(c, CA_SEV_ERROR, seq, "certificate", file, "cannot be "
		    "verified: the CA certificate is missing");
		if (sub)
			note_sub(c, seq, body, NULL);
		return;
	}
	if (!inside(file) || (p = ca_path_join(c->req->dir, file)) == NULL ||
	    ca_cert_load(p, &x, NULL) != 0) {
		/* check_outputs has said why. */
		if (sub)
			note_sub(c, seq, body, NULL);
		free(p);
		return;
	}
	c->a->signatures_verified++;
	if (ca_cert_verify(x, X509_get0_pubkey(c->ca)) != 0)
		finding(c, CA_SEV_ERROR, seq, "certificate", file,
		    "its signature does not verify under the CA's key");
	if (ca_serial_hex(x, got) != 0 || strcmp(got, serial) != 0)
		finding(c, CA_SEV_ERROR, seq, "certificate", file,
		    "its serial is not the recorded %s", serial);
	/* Re-lint: the rules it was signed under still hold. */
	if (ca_lint_cert_issued(x, X509_get0_pubkey(c->ca), kind, &rep,
	    NULL) != 0)
		finding(c, CA_SEV_WARNING, seq, "lint", file, "%s%s",
		    rep.msg[0], rep.n > 1 ? " (and more)" : "");
	else if (ca_lint_issuer(x, c->ca, &rep, NULL) != 0)
		finding(c, CA_SEV_WARNING, seq, "lint", file, "%s%s",
		    rep.msg[0], rep.n > 1 ? " (and more)" : "");
	if (sub)
		note_sub(c, seq, body, x);
	ERR_clear_error();
	X509_free(x);
	free(p);
}

static void
check_revoke(struct ctx *c, long long seq, const json_t *body)
{
	const json_t *idx = json_object_get(body, "index");
	const char *serial = str(json_object_get(body, "revocation"),
	    "serial");
	size_t i;

	c->a->revoked++;
	c->last_revoke_seq = seq;
	c->revokes_since_crl++;
	if (str(idx, "sha256") != NULL) {
		snprintf(c->index_sha, sizeof(c->index_sha), "%s",
		    str(idx, "sha256"));
		c->have_index = 1;
	}
	for (i = 0; serial != NULL && i < c->a->nsubs; i++)
		if (strcmp(c->a->subs[i].serial, serial) == 0)
			c->a->subs[i].revoked = 1;
}

static void
check_crl_record(struct ctx *c, long long seq, const json_t *body)
{
	const json_t *crl = json_object_get(body, "crl");
	json_int_t n = json_integer_value(json_object_get(crl, "number"));

	c->a->crls++;
	c->revokes_since_crl = 0;
	/* RFC 5280 5.2.3: the number only grows. */
	if (n <= 0 || (unsigned long long)n <= c->a->crl_number)
		finding(c, CA_SEV_ERROR, seq, "crl-number", str(json_object_get(
		    crl, "der"), "name"), "CRL number %lld does not exceed "
		    "the previous %llu", (long long)n, c->a->crl_number);
	else
		c->a->crl_number = (unsigned long long)n;
	json_decref(c->last_crl);
	c->last_crl = json_deep_copy(crl);
	c->last_crl_seq = seq;
}

/*
 * While a witnessed ceremony is open, every record carries its id, and
 * none claims one that is not open.
 */
static void
check_ceremony_id(struct ctx *c, long long seq, const json_t *body,
    const char *op)
{
	const char *id = str(body, "ceremony");
	const char *opened = str(json_object_get(body, "ceremony_open"), "id");

	/* A CA's first record opens the ceremony its keys are made in. */
	if (strcmp(op, "ceremony-open") == 0 || opened != NULL) {
		if (c->open_id[0] != '\0')
			finding(c, CA_SEV_ERROR, seq, "ceremony", NULL,
			    "opened while ceremony \"%s\" was still open",
			    c->open_id);
		snprintf(c->open_id, sizeof(c->open_id), "%s",
		    opened ? opened : "?");
		c->open_seq = seq;
	}
	/* BR 6.1.1.1: CA keys are made in a witnessed ceremony. */
	if ((strcmp(op, "init-root") == 0 || strcmp(op, "init-sub") == 0) &&
	    opened == NULL)
		finding(c, CA_SEV_ERROR, seq, "ceremony", NULL, "the CA's keys "
		    "were made outside a witnessed ceremony");
	if (c->open_id[0] != '\0' && (id == NULL ||
	    strcmp(id, c->open_id) != 0))
		finding(c, CA_SEV_ERROR, seq, "ceremony", NULL, "written while "
		    "ceremony \"%s\" was open, without its id", c->open_id);
	else if (c->open_id[0] == '\0' && id != NULL)
		finding(c, CA_SEV_ERROR, seq, "ceremony", NULL, "names "
		    "ceremony \"%s\", which is not open", id);
	if (strcmp(op, "ceremony-seal") == 0 ||
	    strcmp(op, "ceremony-abort") == 0) {
		if (strcmp(op, "ceremony-abort") == 0)
			finding(c, CA_SEV_INFO, seq, "ceremony", NULL,
			    "ceremony \"%s\" was aborted: %s", c->open_id,
			    str(json_object_get(body, "ceremony_abort"),
			    "why") ? str(json_object_get(body,
			    "ceremony_abort"), "why") : "?");
		c->open_id[0] = '\0';
		c->open_seq = 0;
	}
}

/* --- one record ---------------------------------------------------------- */

static void
record(struct ctx *c, long long seq)
{
	struct ca_errbuf eb = { 0 };
	json_t *rec = NULL, *body, *v;
	char hash[65], name[64], *canon = NULL;
	const char *s, *op;
	size_t clen = 0;
	time_t t;
	int r;

	rec_name(seq, name);
	if ((r = ca_log_record_read(c->logdir, seq, &rec, hash, &canon, &clen,
	    &eb)) != 0) {
		finding(c, CA_SEV_ERROR, seq, r == CA_ERR_NOT_FOUND ?
		    "log-gap" : "record", name, "%s", r == CA_ERR_NOT_FOUND ?
		    "missing: the log has a gap" : eb.msg);
		c->prev_known = 0;
		return;
	}
	body = json_object_get(rec, "body");
	if ((s = str(body, "schema")) == NULL ||
	    strcmp(s, CA_LOG_SCHEMA) != 0 ||
	    json_integer_value(json_object_get(body, "version")) !=
	    CA_LOG_VERSION)
		finding(c, CA_SEV_ERROR, seq, "schema", name, "not a "
		    "%s version %d record", CA_LOG_SCHEMA, CA_LOG_VERSION);
	v = json_object_get(body, "seq");
	if (!json_is_integer(v) || json_integer_value(v) != seq)
		finding(c, CA_SEV_ERROR, seq, "log-seq", name, "the record "
		    "says it is number %lld: moved, swapped or duplicated",
		    (long long)json_integer_value(v));
	v = json_object_get(body, "prev");
	if (seq == 1 ? !json_is_null(v) : c->prev_known &&
	    (json_string_value(v) == NULL || strcmp(json_string_value(v),
	    c->prev) != 0))
		finding(c, CA_SEV_ERROR, seq, "prev", name, "prev is not the "
		    "hash of the record before: a record was removed, "
		    "inserted or reordered");
	v = json_object_get(body, "log_id");
	if (seq == 1 ? !json_is_null(v) : (json_string_value(v) == NULL ||
	    (c->log_id[0] != '\0' && strcmp(json_string_value(v),
	    c->log_id) != 0)))
		finding(c, CA_SEV_ERROR, seq, "log-id", name, "the log id is "
		    "not this log's: a record from another log");
	if ((s = str(body, "time")) == NULL || ca_time_parse(s, &t) != 0) {
		finding(c, CA_SEV_ERROR, seq, "time", name, "no valid time");
		t = c->tprev;
		s = "";
	} else if (seq > 1 && t < c->tprev) {
		finding(c, CA_SEV_ERROR, seq, "time", name, "the time goes "
		    "backwards");
	}
	if (c->log_cert != NULL && c->signer.pub != NULL) {
		c->a->signatures_verified++;
		if (ca_log_record_sig(rec, canon, clen, &c->signer, 1,
		    &eb) != 0)
			finding(c, CA_SEV_ERROR, seq, "signature", name, "%s",
			    eb.msg);
	}
	if (seq == 1)
		memcpy(c->log_id, hash, sizeof(c->log_id));
	memcpy(c->prev, hash, sizeof(c->prev));
	c->prev_known = 1;
	c->tprev = t;
	memcpy(c->a->head, hash, sizeof(c->a->head));

	if ((op = str(body, "op")) == NULL) {
		finding(c, CA_SEV_ERROR, seq, "schema", name, "no op");
		goto out;
	}
	ceremony(c, seq, body, t, s);
	check_ceremony_id(c, seq, body, op);
	if ((v = json_object_get(body, "clock_deviation")) != NULL)
		finding(c, CA_SEV_INFO, seq, "clock", NULL, "written %lld days "
		    "after the record before, the clock confirmed by the "
		    "operator as %s", (long long)json_integer_value(
		    json_object_get(v, "days")), str(v, "confirmed_time") ?
		    str(v, "confirmed_time") : "?");
	check_keys(c, seq, body);
	check_binary(c, seq, body);
	check_outputs(c, seq, body);
	if (json_is_object(json_object_get(body, "certificate")))
		check_issued(c, seq, body, json_object_get(body,
		    "certificate"), strcmp(op, "cross-certify") == 0 ?
		    CA_CERT_CROSS : CA_CERT_SUB);
	/* A batch of device certificates (ca-issue). */
	if (strcmp(op, "issue") == 0) {
		const json_t *all = json_object_get(body, "issued"), *one;
		size_t k;

		json_array_foreach(all, k, one)
			check_issued(c, seq, body, one, CA_CERT_DEVICE);
	}
	if (strcmp(op, "revoke") == 0)
		check_revoke(c, seq, body);
	else if (strcmp(op, "crl-issue") == 0)
		check_crl_record(c, seq, body);
out:
	free(canon);
	json_decref(rec);
}

/* Files in the log folder that are no record, and how many records. */
static long long
scan_logdir(struct ctx *c)
{
	DIR *d;
	struct dirent *de;
	long long max = 0, v;
	char *end;

	if ((d = opendir(c->logdir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char want[32];

		if (de->d_name[0] == '.' && (n == 1 || (n == 2 &&
		    de->d_name[1] == '.')))
			continue;
		v = strtoll(de->d_name, &end, 10);
		ca_log_record_name(v > 0 ? v : 0, want);
		if (v <= 0 || strcmp(want, de->d_name) != 0) {
			finding(c, CA_SEV_ERROR, 0, "log-file", de->d_name,
			    "a file in log/ that is no record");
			continue;
		}
		if (v > max)
			max = v;
	}
	closedir(d);
	return max;
}

/* --- after the log -------------------------------------------------------- */

static void
check_index_and_crl(struct ctx *c)
{
	struct ca_audit *a = c->a;
	struct ca_crl_params p;
	struct ca_errbuf eb = { 0 };
	char *idx = NULL, *der = NULL, got[65];
	const char *s, *m;
	const json_t *u;
	const char *dps[16];
	size_t i, n = 0;
	time_t nu = 0;
	int r;

	if ((idx = ca_path_join(c->req->dir, CA_FILE_REVOKED)) == NULL)
		return;
	r = ca_sha256_file(idx, got, NULL);
	if (c->have_index && (r != 0 || strcmp(got, c->index_sha) != 0))
		finding(c, CA_SEV_ERROR, c->last_revoke_seq, "index",
		    CA_FILE_REVOKED, "%s", r != 0 ? "missing, though the log "
		    "revoked certificates" : "not the index the newest "
		    "revocation names");
	else if (!c->have_index && r == 0)
		finding(c, CA_SEV_ERROR, 0, "index", CA_FILE_REVOKED,
		    "present, though the log revoked nothing");
	if (c->last_crl == NULL) {
		/* Revoked, and never published: no relying party knows. */
		if (a->revoked > 0) {
			a->revoked_pending = a->revoked;
			finding(c, CA_SEV_WARNING, c->last_revoke_seq,
			    "crl-stale", NULL, "certificates were revoked but "
			    "no CRL was ever issued; issue one");
		}
		free(idx);
		return;
	}
	snprintf(a->crl_this_update, sizeof(a->crl_this_update), "%s",
	    (s = str(c->last_crl, "this_update")) ? s : "");
	snprintf(a->crl_next_update, sizeof(a->crl_next_update), "%s",
	    (s = str(c->last_crl, "next_update")) ? s : "");
	if (ca_time_parse(a->crl_next_update, &nu) == 0 && c->req->now >= nu)
		finding(c, CA_SEV_WARNING, c->last_crl_seq, "crl-expired",
		    NULL, "the newest CRL expired at %s", a->crl_next_update);
	if (c->last_revoke_seq > c->last_crl_seq) {
		/* Revoked since: the newest CRL cannot list them yet. */
		a->revoked_pending = c->revokes_since_crl;
		finding(c, CA_SEV_WARNING, c->last_revoke_seq, "crl-stale",
		    NULL, "a certificate was revoked after the newest CRL; "
		    "issue one");
		free(idx);
		return;
	}
	/* Every revoked serial is in the newest CRL, and nothing else. */
	memset(&p, 0, sizeof(p));
	p.issuer = c->ca;
	p.number = a->crl_number;
	p.only_ca_certs = strcmp(a->kind, "root") == 0;
	m = str(c->last_crl, "idp");
	if (m == NULL || ca_idp_parse(m, &p.idp) != 0)
		p.idp = CA_IDP_FULL;
	json_array_foreach(json_object_get(c->last_crl, "distribution_points"),
	    i, u)
		if (n < 16 && json_string_value(u) != NULL)
			dps[n++] = json_string_value(u);
	p.dp_uris = dps;
	p.ndp = n;
	if (ca_time_parse(a->crl_this_update, &p.this_update) != 0 ||
	    ca_time_parse(a->crl_next_update, &p.next_update) != 0 ||
	    (s = str(json_object_get(c->last_crl, "der"), "name")) == NULL ||
	    !inside(s) || (der = ca_path_join(c->req->dir, s)) == NULL) {
		finding(c, CA_SEV_ERROR, c->last_crl_seq, "crl", NULL, "the "
		    "newest CRL record lacks its dates or file");
	} else if (access(der, F_OK) == 0 && ca_crl_check(der,
	    c->have_index ? idx : NULL, &p, &eb) != 0) {
		/* Without ca.pem ca_crl_check fails before it can say why. */
		finding(c, CA_SEV_ERROR, c->last_crl_seq, "crl", s, "%s",
		    eb.msg[0] ? eb.msg : "does not verify under the CA");
	} else {
		c->a->signatures_verified++;
	}
	free(der);
	free(idx);
}

static int
leftover_found(void *arg, const char *rel)
{
	finding(arg, CA_SEV_INFO, 0, "leftover", rel, "a temporary file left "
	    "by an operation that was stopped before it wrote anything; "
	    "no record names it, and ca-log recover removes it");
	return 0;
}

/* What a killed command left behind (journal.h). */
/* ca.json against the newest record that wrote it. */
static void
check_config(struct ctx *c)
{
	char *p, got[65];
	long long size = 0;
	int r;

	if (c->cfg_seq == 0 ||
	    (p = ca_path_join(c->req->dir, CA_FILE_CONFIG)) == NULL)
		return;
	r = ca_sha256_file(p, got, &size);
	free(p);
	if (r != 0)
		finding(c, CA_SEV_ERROR, c->cfg_seq, "artifact",
		    CA_FILE_CONFIG, "missing or unreadable");
	else if (strcmp(got, c->cfg_sha) != 0 || size != c->cfg_size)
		finding(c, CA_SEV_ERROR, c->cfg_seq, "artifact",
		    CA_FILE_CONFIG, "changed since the record: SHA-256 "
		    "%.16s..., the record says %.16s...", got, c->cfg_sha);
}

static void
check_interrupted(struct ctx *c)
{
	struct ca_errbuf eb = { 0 };

	if (ca_journal_check(c->req->dir, &eb) != 0)
		finding(c, CA_SEV_ERROR, 0, "interrupted", CA_FILE_JOURNAL,
		    "an operation stopped half way; \"ca-log recover\" "
		    "finishes it if its record was written and undoes it "
		    "otherwise");
	(void)ca_journal_leftovers(c->req->dir, leftover_found, c);
}

/* Files in issued/ that no record names. */
static void
check_unrecorded(struct ctx *c)
{
	DIR *d;
	struct dirent *de;
	char *p, serial[41];
	size_t n;

	if ((p = ca_path_join(c->req->dir, CA_DIR_ISSUED)) == NULL)
		return;
	d = opendir(p);
	free(p);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    ca_journal_is_leftover(de->d_name))	/* reported apart */
			continue;
		/* SERIAL.pem, or SERIAL-chain.pem, of a recorded serial. */
		if (n > 10 && strcmp(de->d_name + n - 10, "-chain.pem") == 0)
			n -= 10;
		else if (n > 4 && strcmp(de->d_name + n - 4, ".pem") == 0)
			n -= 4;
		else
			n = 0;
		serial[0] = '\0';
		if (n > 0 && n <= 40)
			snprintf(serial, sizeof(serial), "%.*s", (int)n,
			    de->d_name);
		if (serial[0] == '\0' || !bloom_has(c, serial))
			finding(c, CA_SEV_ERROR, 0, "unrecorded", de->d_name,
			    "a file in issued/ that no record names");
	}
	closedir(d);
}

static void
check_duplicates(struct ctx *c, long long count)
{
	struct dup_scan d;
	size_t i;

	if (c->ncand == 0)
		return;
	memset(&d, 0, sizeof(d));
	d.c = c;
	if (ca_log_each(c->logdir, count, dup_visit, &d, NULL) != 0)
		return;
	for (i = 0; i < c->ncand; i++)
		if (d.count[i] > 1)
			finding(c, CA_SEV_ERROR, d.where[i], "serial", NULL,
			    "serial %s was issued %d times", c->cand[i],
			    d.count[i]);
}

/* --- the posture chart ---------------------------------------------------- */

static void
score(struct ca_audit *a, int i, const char *axis, int v, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));

static void
score(struct ca_audit *a, int i, const char *axis, int v, const char *fmt,
    ...)
{
	va_list ap;

	snprintf(a->scores[i].axis, sizeof(a->scores[i].axis), "%s", axis);
	a->scores[i].score = v < 0 ? 0 : v > 100 ? 100 : v;
	va_start(ap, fmt);
	vsnprintf(a->scores[i].why, sizeof(a->scores[i].why), fmt, ap);
	va_end(ap);
}

static void
scores(struct ctx *c)
{
	struct ca_audit *a = c->a;
	int life = c->req->device_lifetime_years > 0 ?
	    c->req->device_lifetime_years : 25, v;
	time_t end = 0, tu = 0, nu = 0;

	/* ca-audit(1): no key recorded with its attributes shows nothing
	 * of how the keys were made, and scores 0 too. */
	if (c->key_bad || c->keys_seen == 0 || c->keys_soft == 0)
		score(a, 0, "key protection", c->key_bad || c->keys_seen == 0 ?
		    0 : 100, "%d keys recorded at generation; %d read-backs "
		    "not as required", c->keys_seen, c->key_bad);
	else
		/*
		 * Attributes are a token's word about itself: a software
		 * token's key is a file, whatever its attributes say.
		 */
		score(a, 0, "key protection", 10, "%d of %d keys made on a "
		    "software token (%s)", c->keys_soft, c->keys_seen,
		    c->soft_why);
	v = strcmp(a->algorithm, "p384") == 0 ||
	    strcmp(a->algorithm, "rsa4096") == 0 ? 100 :
	    strcmp(a->algorithm, "p256") == 0 ||
	    strcmp(a->algorithm, "rsa3072") == 0 ? 80 : 40;
	score(a, 1, "algorithm strength", v, "CA key %s", a->algorithm);
	v = 0;
	if (ca_time_parse(a->ca_not_after, &end) == 0 && end > c->req->now)
		v = (int)(100.0 * (double)(end - c->req->now) /
		    (life * 365.25 * 86400.0));
	score(a, 2, "validity margin", v, "CA valid until %s; devices live "
	    "%d years", a->ca_not_after[0] ? a->ca_not_after : "?", life);
	v = 0;
	if (c->last_crl != NULL &&
	    ca_time_parse(a->crl_this_update, &tu) == 0 &&
	    ca_time_parse(a->crl_next_update, &nu) == 0 && nu > c->req->now &&
	    nu > tu && !a->revoked_pending)
		v = (int)(100.0 * (double)(nu - c->req->now) / (double)(nu -
		    tu));
	score(a, 3, "revocation freshness", v, "%s", c->last_crl == NULL ?
	    "no CRL issued" : a->revoked_pending ? "revocations newer than "
	    "the CRL" : "share of the newest CRL's life left");
	if (strcmp(a->kind, "root") != 0)
		score(a, 4, "IT/OT separation", 100, "a subordinate CA");
	else if (c->ot_subs + c->it_subs == 0)
		score(a, 4, "IT/OT separation", 0, "no issuing CA yet");
	else if (c->ot_subs > 0 && c->ot_unconstrained > 0)
		score(a, 4, "IT/OT separation", 25, "%d OT issuing CA(s) "
		    "without name constraints", c->ot_unconstrained);
	else if (c->ot_subs > 0 && c->it_subs > 0)
		score(a, 4, "IT/OT separation", 100, "%d OT and %d IT issuing "
		    "CAs, OT ones name-constrained", c->ot_subs, c->it_subs);
	else
		score(a, 4, "IT/OT separation", 50, "only %s issuing CAs",
		    c->ot_subs ? "OT" : "IT");
	v = 100;
	if (!a->anchored)
		v -= 40;
	if (a->head_checked == 0)
		v -= 30;
	else if (a->head_checked < 0)
		v -= 100;
	v -= 20 * c->evidence_errors;
	score(a, 5, "evidence completeness", v, "anchor %s, head %s, %d "
	    "evidence errors", a->anchored ? "matched" : "not matched",
	    a->head_checked > 0 ? "matched" : a->head_checked < 0 ? "differs" :
	    "not given", c->evidence_errors);
	score(a, 6, "profile conformance", 100 - 20 * c->lint_findings,
	    "%d lint findings on issued certificates", c->lint_findings);
}

int
ca_audit_run(const struct ca_audit_req *req, struct ca_audit **out,
    struct ca_errbuf *eb)
{
	struct ctx c;
	struct ca_audit *a = NULL;
	long long max, seq;
	char want[65];
	int r = CA_ERR_NOMEM;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.req = req;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->findings = calloc(CA_AUDIT_MAX_FINDINGS,
	    sizeof(*a->findings))) == NULL ||
	    (c.bloom = calloc(BLOOM_BITS / 8, 1)) == NULL ||
	    (c.logdir = ca_path_join(req->dir, CA_DIR_LOG)) == NULL)
		goto out;
	c.a = a;
	a->worst = -1;
	snprintf(a->dir, sizeof(a->dir), "%s", req->dir);
	a->now = req->now;
	if ((r = load_ca(&c, eb)) != 0)
		goto out;
	max = scan_logdir(&c);
	if (max == 0)
		finding(&c, CA_SEV_ERROR, 0, "log-gap", CA_DIR_LOG, "the log "
		    "holds no records");
	for (seq = 1; seq <= max; seq++)
		record(&c, seq);
	close_ceremony(&c);
	a->records = max;
	memcpy(a->log_id, c.log_id, sizeof(a->log_id));
	/* Only the head on paper shows a log cut short at its end. */
	if (req->expect_head == NULL) {
		finding(&c, CA_SEV_INFO, 0, "head", NULL, "no --expect-head: a "
		    "log cut short at its end cannot be told from a whole one");
	} else if (ca_fingerprint_normalise(req->expect_head, want) != 0) {
		finding(&c, CA_SEV_ERROR, 0, "head", NULL,
		    "--expect-head is not a SHA-256 hash");
		a->head_checked = -1;
	} else if (strcmp(want, a->head) != 0) {
		finding(&c, CA_SEV_ERROR, max, "head", NULL, "the log ends at "
		    "%.16s..., not at the head on paper %.16s...: records were "
		    "cut off or rolled back", a->head, want);
		a->head_checked = -1;
	} else {
		a->head_checked = 1;
	}
	if (c.open_id[0] != '\0')
		finding(&c, CA_SEV_WARNING, c.open_seq, "ceremony", NULL,
		    "ceremony \"%s\" was opened and never sealed", c.open_id);
	check_index_and_crl(&c);
	check_config(&c);
	check_interrupted(&c);
	check_unrecorded(&c);
	check_duplicates(&c, max);
	scores(&c);
	*out = a;
	a = NULL;
	r = 0;
out:
	ERR_clear_error();
	ca_audit_free(a);
	ca_config_free(c.cfg);
	if (c.root != c.ca)
		c.root = NULL;	/* borrowed from chain */
	X509_free(c.ca);
	X509_free(c.log_cert);
	sk_X509_pop_free(c.chain, X509_free);
	json_decref(c.last_crl);
	free(c.bloom);
	free(c.logdir);
	return r;
}

void
ca_audit_free(struct ca_audit *a)
{
	if (a == NULL)
		return;
	free(a->findings);
	free(a);
}

int
ca_audit_passed(const struct ca_audit *a)
{
	return a->worst < (int)CA_SEV_WARNING;
}

int
ca_audit_json(const struct ca_audit *a, char **out, size_t *len)
{
	json_t *j = NULL, *f, *arr;
	size_t i;
	int r = CA_ERR_NOMEM;

	*out = NULL;
	if ((j = json_pack("{s:s, s:i, s:s, s:b, s:b, s:{s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:s}, s:{s:I, s:s, s:s, s:s, s:I}, "
	    "s:{s:I, s:I, s:I, s:I, s:s, s:s, s:b}}",
	    "format", "ca-audit-report", "version", 1, "dir", a->dir,
	    "passed", ca_audit_passed(a), "anchored", a->anchored,
	    "ca", "kind", a->kind, "subject", a->ca_subject, "fingerprint",
	    a->ca_fingerprint, "not_before", a->ca_not_before, "not_after",
	    a->ca_not_after, "algorithm", a->algorithm, "root_subject",
	    a->root_subject, "root_fingerprint", a->root_fingerprint,
	    "log", "records", (json_int_t)a->records, "log_id", a->log_id,
	    "head", a->head, "head_check", a->head_checked > 0 ? "matched" :
	    a->head_checked < 0 ? "differs" : "not given",
	    "signatures_verified", (json_int_t)a->signatures_verified,
	    "state", "issued", (json_int_t)a->issued, "revoked",
	    (json_int_t)a->revoked, "crls", (json_int_t)a->crls, "crl_number",
	    (json_int_t)a->crl_number, "crl_this_update", a->crl_this_update,
	    "crl_next_update", a->crl_next_update, "revoked_after_crl",
	    a->revoked_pending != 0)) == NULL)
		goto out;
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(j, "findings", arr) != 0)
		goto out;
	for (i = 0; i < a->nfindings; i++) {
		const struct ca_finding *x = &a->findings[i];

		if ((f = json_pack("{s:s, s:I, s:s, s:s, s:s}", "severity",
		    ca_severity_name(x->sev), "seq", (json_int_t)x->seq,
		    "check", x->check, "file", x->file, "reason",
		    x->reason)) == NULL || json_array_append_new(arr, f) != 0)
			goto out;
	}
	if (json_object_set_new(j, "findings_dropped",
	    json_integer(a->findings_dropped)) != 0 ||
	    (arr = json_array()) == NULL ||
	    json_object_set_new(j, "ceremonies", arr) != 0)
		goto out;
	for (i = 0; i < a->nceremonies; i++) {
		const struct ca_audit_ceremony *x = &a->ceremonies[i];

		if ((f = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:i}",
		    "first_seq", (json_int_t)x->first_seq, "last_seq",
		    (json_int_t)x->last_seq, "first_time", x->first_time,
		    "last_time", x->last_time, "ops", x->ops, "operator",
		    x->operator_, "witnesses", x->witnesses)) == NULL ||
		    json_array_append_new(arr, f) != 0)
			goto out;
	}
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(j, "issued_cas", arr) != 0)
		goto out;
	for (i = 0; i < a->nsubs; i++) {
		const struct ca_audit_sub *x = &a->subs[i];

		if ((f = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:b, s:b, "
		    "s:b}", "seq", (json_int_t)x->seq, "serial", x->serial,
		    "subject", x->subject, "not_after", x->not_after, "zone",
		    x->zone, "security_level", x->security_level, "cross",
		    x->cross, "revoked", x->revoked, "name_constrained",
		    x->name_constrained)) == NULL ||
		    json_array_append_new(arr, f) != 0)
			goto out;
	}
	if ((arr = json_array()) == NULL ||
	    json_object_set_new(j, "posture", arr) != 0)
		goto out;
	for (i = 0; i < CA_AUDIT_NSCORES; i++)
		if ((f = json_pack("{s:s, s:i, s:s}", "axis", a->scores[i].axis,
		    "score", a->scores[i].score, "why", a->scores[i].why)) ==
		    NULL || json_array_append_new(arr, f) != 0)
			goto out;
	/* Names from records may hold any UTF-8: dumped, not canonical. */
	if ((*out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	*len = strlen(*out);
	r = 0;
out:
	json_decref(j);
	return r;
}
