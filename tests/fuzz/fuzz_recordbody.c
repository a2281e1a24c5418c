/*
 * fuzz_recordbody.c: libFuzzer harness for what is done with a record
 * body after its signature has verified: a fuzzer cannot forge a
 * signature, so fuzz_record never gets past the check with a body of its
 * own making.  Here the input is one or more bodies (cut at "%%" lines,
 * fuzzkit.h), each sealed with the fixed log key exactly as the log
 * writer seals one (ca_log_seal) into the log of a test CA directory;
 * then that directory is read the ways the commands read one: opened
 * (ca_dir_open_visit, the open ceremony's roster), verified record by
 * record (ca-log verify), walked (ca_log_each), audited with the JSON
 * and HTML reports (ca-audit), and followed by a new body.
 *
 * Members ca_log_body_new writes (schema, version, seq, prev, log_id,
 * time) that a body leaves out are filled in as it would, so that seeds
 * may be bodies of any log and mutations keep a chain that verifies;
 * a body that has them keeps its own, chain or no chain.
 *
 * The test CA (ca.pem, log-signer.pem, one subordinate in issued/, the
 * revocation index and a CRL over it) is made once with the library's
 * own builders under the fixed keys, with the names, serials and dates
 * of the make demo records the seeds come from, so that the audit's
 * checks of certificates and CRLs run on files that are there.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "audit.h"
#include "ca_err.h"
#include "cadir.h"
#include "ceremony.h"
#include "certgen.h"
#include "cjson.h"
#include "crl.h"
#include "dircheck.h"
#include "dn.h"
#include "encode.h"
#include "log.h"
#include "profile.h"
#include "revoke.h"
#include "sign.h"
#include "store.h"
#include "timefmt.h"

#include "fuzzkit.h"

#define MAX_RECORDS 16

/* The make demo root's, as its records name them. */
#define ROOT_SERIAL "2004354e957b2f5d737158b6e97a8373"
#define LOG_SERIAL "3f37f30df1543535764df41ccd3d9af1"
#define SUB_SERIAL "1e3bbc0d41cba84c1fdbc766afac5198"
#define REVOKED_LINE "4a2ae9b079eb22bb7b21e74e79e76d9f 20261127161755Z 4\n"
#define CRL_DP "http://pki.plant.example/crl/root.crl"
/* The audit's clock: after every seed's records, before the CRL's end. */
#define AUDIT_NOW "2027-06-01T00:00:00Z"

static EVP_PKEY *ca_key, *log_key;
static char cadir[PATH_MAX], logdir[PATH_MAX], anchor[65];
static time_t audit_now;

static void
serial_of(const char *hex, unsigned char out[CA_SERIAL_LEN])
{
	unsigned char *b = NULL;
	size_t n = 0;

	if (ca_hex_decode(hex, &b, &n) != 0 || n != CA_SERIAL_LEN)
		abort();
	memcpy(out, b, n);
	free(b);
}

/* Build, sign with the CA key and write one certificate of the CA. */
static X509 *
cert(struct ca_cert_params *p, EVP_PKEY *subject_key, EVP_PKEY *issuer_key,
    const char *rel)
{
	X509 *x = NULL;
	char *pem = NULL;
	size_t len = 0;

	if (ca_cert_build(p, subject_key, issuer_key, &x) != 0 ||
	    ca_cert_sign(x, ca_key, ca_md_for_key(ca_key), NULL) != 0 ||
	    ca_cert_pem(x, &pem, &len) != 0)
		abort();
	kit_write(rel, pem, len);
	free(pem);
	return x;
}

static void
make_ca(void)
{
	struct ca_cert_params cp, lp, sp;
	struct ca_config cfg;
	struct ca_crl_params p;
	struct ca_evp_stream est;
	struct ca_sign_stream ess;
	struct ca_crl_info info;
	X509_NAME *root = NULL, *ln = NULL, *sub = NULL;
	X509 *rx, *lx, *sx;
	const char *dps[] = { CRL_DP };
	char *text = NULL;
	size_t len = 0;
	FILE *der, *pem;

	kit_mkdir("ca");
	kit_mkdir("ca/log");
	kit_mkdir("ca/issued");
	kit_mkdir("ca/crl");
	snprintf(cadir, sizeof(cadir), "%s", kit_path("ca"));
	snprintf(logdir, sizeof(logdir), "%s", kit_path("ca/log"));
	if (ca_dn_parse("CN=R", &root, NULL) != 0 ||
	    ca_log_signer_name(root, &ln) != 0 ||
	    ca_dn_parse("CN=S", &sub, NULL) != 0)
		abort();

	memset(&cp, 0, sizeof(cp));
	cp.kind = CA_CERT_ROOT;
	cp.subject = root;
	serial_of(ROOT_SERIAL, cp.serial);
	cp.not_before = kit_time("2026-11-27T15:46:27Z");
	cp.not_after = kit_time("2051-11-27T15:46:27Z");
	cp.path_len = -1;
	cp.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	rx = cert(&cp, ca_key, NULL, "ca/ca.pem");

	lp = cp;
	lp.kind = CA_CERT_LOG_SIGNER;
	lp.subject = ln;
	lp.issuer = root;
	serial_of(LOG_SERIAL, lp.serial);
	lp.key_usage = CA_KU_DIGITAL_SIGNATURE;
	lx = cert(&lp, log_key, ca_key, "ca/log-signer.pem");

	/* Its key is the log key's: no third key for a certificate read. */
	sp = cp;
	sp.kind = CA_CERT_SUB;
	sp.subject = sub;
	sp.issuer = root;
	serial_of(SUB_SERIAL, sp.serial);
	sp.not_before = kit_time("2026-11-27T15:46:31Z");
	sp.not_after = kit_time("2036-11-27T15:46:31Z");
	sp.path_len = 0;
	sx = cert(&sp, log_key, ca_key, "ca/issued/" SUB_SERIAL ".pem");

	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = "root";
	/* Never loaded: no harness path opens a token. */
	cfg.module = "/nonexistent/fuzz-no-module.so";
	cfg.ca_key = "pkcs11:token=root;object=root-ca;type=private";
	cfg.log_key = "pkcs11:token=root;object=root-ca-log-signer;"
	    "type=private";
	cfg.algorithm = "p384";
	if (ca_config_serialise(&cfg, &text, &len) != 0)
		abort();
	kit_write("ca/" CA_FILE_CONFIG, text, len);
	free(text);

	kit_write("ca/" CA_FILE_REVOKED, REVOKED_LINE, strlen(REVOKED_LINE));
	memset(&p, 0, sizeof(p));
	p.issuer = rx;
	p.this_update = kit_time("2026-11-27T16:17:55Z");
	p.next_update = kit_time("2027-11-27T16:17:55Z");
	p.number = 2;
	p.idp = CA_IDP_FULL;
	p.only_ca_certs = 1;
	p.dp_uris = dps;
	p.ndp = 1;
	if ((der = fopen(kit_path("ca/crl/2.der"), "w")) == NULL ||
	    (pem = fopen(kit_path("ca/crl/2.pem"), "w")) == NULL ||
	    (ca_sign_evp_stream(&est, ca_key, &ess), 0) ||
	    ca_crl_write(kit_path("ca/" CA_FILE_REVOKED), &p, &ess, der, pem,
	    &info, NULL) != 0 ||
	    fclose(der) != 0 || fclose(pem) != 0)
		abort();

	if (ca_cert_sha256(rx, anchor) != 0)
		abort();
	X509_free(rx);
	X509_free(lx);
	X509_free(sx);
	X509_NAME_free(root);
	X509_NAME_free(ln);
	X509_NAME_free(sub);
	ERR_clear_error();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ca_key = kit_key(KIT_CA_KEY_PEM);
	log_key = kit_key(KIT_LOG_KEY_PEM);
	make_ca();
	audit_now = kit_time(AUDIT_NOW);
	return 0;
}

/* A member ca_log_body_new writes, set as it would when b lacks it. */
static void
fill(json_t *b, const char *k, json_t *v)
{
	if (v == NULL)
		abort();
	if (json_object_get(b, k) == NULL)
		(void)json_object_set_new(b, k, v);
	else
		json_decref(v);
}

/* Seal the bodies into the log; returns how many records it holds. */
static long long
write_log(const uint8_t *data, size_t size)
{
	struct kit_part part[MAX_RECORDS];
	struct ca_errbuf eb = { 0 };
	json_t *b = NULL;
	char first[65] = "", prev[65] = "", hash[65], name[32], rel[48];
	char *rec = NULL;
	size_t n, i, len = 0;
	long long seq = 0;

	n = kit_split(data, size, part, MAX_RECORDS);
	for (i = 0; i < n; i++) {
		if (ca_json_parse((const char *)part[i].p, part[i].n, &b,
		    &eb) != 0)
			break;
		if (!json_is_object(b)) {
			json_decref(b);
			break;
		}
		fill(b, "schema", json_string(CA_LOG_SCHEMA));
		fill(b, "version", json_integer(CA_LOG_VERSION));
		fill(b, "seq", json_integer(seq + 1));
		fill(b, "prev", seq == 0 ? json_null() : json_string(prev));
		fill(b, "log_id", seq == 0 ? json_null() : json_string(first));
		fill(b, "time", json_string("2026-11-27T15:46:27Z"));
		if (ca_log_seal(b, log_key, log_key, &rec, &len, hash,
		    &eb) != 0) {
			json_decref(b);
			break;
		}
		json_decref(b);
		seq++;
		ca_log_record_name(seq, name);
		snprintf(rel, sizeof(rel), "ca/log/%s", name);
		kit_write(rel, rec, len);
		free(rec);
		if (seq == 1)
			memcpy(first, hash, sizeof(first));
		memcpy(prev, hash, sizeof(prev));
	}
	return seq;
}

static void
clear_log(long long n)
{
	char name[32], rel[48];
	long long seq;

	for (seq = 1; seq <= n; seq++) {
		ca_log_record_name(seq, name);
		snprintf(rel, sizeof(rel), "ca/log/%s", name);
		kit_remove(rel);
	}
}

/* What the commands gather from each verified body as they open a CA. */
static int
visit(void *arg, long long seq, const json_t *body)
{
	struct ca_serial_set *set = arg;

	(void)seq;
	if (json_string_value(json_object_get(body, "op")) == NULL)
		abort();	/* ca_log_verify_keys let through no op */
	return ca_serials_collect(body, set);
}

static void
open_dir(void)
{
	struct ca_errbuf eb = { 0 };
	struct ca_serial_set set = { 0 };
	struct ca_dir *d = NULL;
	json_t *open = NULL, *body = NULL;

	if (ca_dir_open_visit(cadir, CA_DIR_SERIALS, visit, &set, &d,
	    &eb) == 0) {
		ca_serial_set_sort(&set);
		(void)ca_ceremony_roster(d, &open, &eb);
		json_decref(open);
		/* The next record follows the head the open found. */
		if (ca_log_body_new(&d->head, audit_now, "fuzz", &body,
		    &eb) == 0)
			json_decref(body);
	}
	ca_dir_close(d);
	ca_serial_set_free(&set);
}

static void
audit(void)
{
	static const char *const binaries[] = {
	    "78cc6d8b616bf565a597c13e6053d97918c72c654e588c2a28d12eaf5d795323" };
	struct ca_errbuf eb = { 0 };
	struct ca_audit_req req;
	struct ca_audit *a = NULL;
	struct ca_log_head head;
	char *out = NULL;
	size_t len = 0;

	memset(&req, 0, sizeof(req));
	req.dir = cadir;
	req.anchor = anchor;
	req.now = audit_now;
	req.binaries = binaries;
	req.nbinaries = 1;
	if (ca_log_head_read(logdir, &head, &eb) == 0 && head.seq > 0)
		req.expect_head = head.hash;
	if (ca_audit_run(&req, &a, &eb) != 0)
		return;
	if (ca_audit_json(a, &out, &len) == 0)
		free(out);
	if (ca_audit_html(a, &out, &len) == 0)
		free(out);
	ca_audit_free(a);
}

static int
each(void *arg, long long seq, const json_t *body)
{
	(void)seq;
	(void)body;
	++*(long long *)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_log_summary sum;
	long long n, seen = 0;

	if ((n = write_log(data, size)) == 0)
		return 0;
	open_dir();
	/* ca-log verify: every record's own signature. */
	if (ca_dir_verify_log(cadir, anchor, &sum, &eb) == 0 &&
	    sum.count != n)
		abort();
	if (ca_log_each(logdir, n, each, &seen, &eb) == 0 && seen != n)
		abort();
	audit();
	clear_log(n);
	ERR_clear_error();
	return 0;
}
