/*
 * check_subca.c: a CA signs a subordinate CA or a cross-certificate
 * (lib/subca.c), end to end on SoftHSM2: a root made by ca_root_init on
 * token A, a subordinate's request made by ca_root_init --sub on token B,
 * both in one temporary SoftHSM2 configuration.  Profiles are read from
 * profiles/ (the tests run from the top of the tree).
 */
#include "check_util.h"

#include <dirent.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "cjson.h"
#include "csr.h"
#include "dircheck.h"
#include "dn.h"
#include "fsio.h"
#include "log.h"
#include "rootca.h"
#include "store.h"
#include "subca.h"

#define TOKEN_A "kc-root"
#define TOKEN_B "kc-sub"
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define LATER (NOW + 3600)
#define ROOT_SUBJECT "CN=Plant Root CA,O=Acme,C=DE"
#define SUB_SUBJECT "CN=Plant Issuing CA,O=Acme,C=DE"
#define IT_PROFILE "profiles/it-issuing.json"

static char base[PATH_MAX];

static char work[PATH_MAX + 16];
static char rootdir[PATH_MAX + 32], subdir[PATH_MAX + 32];
static char csr[PATH_MAX + 48];
static char pinsrc[PATH_MAX + 64], badpinsrc[PATH_MAX + 64];
static struct ca_root_result root, sub;

static void
base_setup(void)
{
	tu_tmpdir(base);
}

static void
base_teardown(void)
{
	tu_rmrf(base);
}

/* A root (P-384) or a subordinate awaiting its certificate (P-256). */
static void
make_ca(const char *dir, const char *uri, const char *subject, int is_sub,
    struct ca_root_result *res)
{
	tu_make_ca(dir, uri, subject, is_sub ? "p256" : "p384", is_sub, pinsrc,
	    NOW, res);
}

static void
cas_setup(void)
{
	char p[PATH_MAX + 48];

	tu_pathf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	/* Two tokens in one configuration. */
	tu_softhsm_token(work, TOKEN_A);
	tu_softhsm_token(work, TOKEN_B);
	tu_pathf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);
	tu_pathf(p, sizeof(p), "%s/badpin", work);
	tu_write(p, "111111\n", 7);
	tu_pathf(badpinsrc, sizeof(badpinsrc), "file:%s", p);
	tu_pathf(rootdir, sizeof(rootdir), "%s/root", work);
	tu_pathf(subdir, sizeof(subdir), "%s/sub", work);
	tu_pathf(csr, sizeof(csr), "%s/" CA_FILE_CSR, subdir);
	make_ca(rootdir, "pkcs11:token=" TOKEN_A, ROOT_SUBJECT, 0, &root);
	make_ca(subdir, "pkcs11:token=" TOKEN_B, SUB_SUBJECT, 1, &sub);
}

static void
cas_teardown(void)
{
	tu_rmrf(work);
}

static void
req_init(struct ca_sign_req *q)
{
	memset(q, 0, sizeof(*q));
	q->prog = "check_subca";
	q->dir = rootdir;
	q->csr_path = csr;
	q->profile_path = IT_PROFILE;
	q->pin_source = pinsrc;
	q->operator_ = "Alice";
	q->now = LATER;
}

static struct ca_sign_result *
sign_ok(const struct ca_sign_req *q)
{
	static struct ca_sign_result res;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_sign_sub(q, &res, &eb) == 0, "sign: %s", eb.msg);
	return &res;
}

/* Every name under dir, recursively, "/"-joined, into one string. */
static void
listing(const char *dir, const char *rel, char *out, size_t cap)
{
	char p[PATH_MAX], r[PATH_MAX];
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		/* The lock file stays once any operation has run. */
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, CA_FILE_LOCK) == 0)
			continue;
		tu_pathf(p, sizeof(p), "%s/%s", dir, de->d_name);
		tu_pathf(r, sizeof(r), "%s%s", rel, de->d_name);
		ck_assert_uint_lt(strlen(out) + strlen(r) + 2, cap);
		strcat(out, r);
		strcat(out, "\n");
		ck_assert_int_eq(lstat(p, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			strcat(r, "/");
			listing(p, r, out, cap);
		}
	}
	closedir(d);
}

static char snap_root[8192], snap_work[8192];
static long long snap_count;

static void
snapshot(void)
{
	struct ca_log_summary sum;

	snap_root[0] = snap_work[0] = '\0';
	listing(rootdir, "", snap_root, sizeof(snap_root));
	listing(work, "", snap_work, sizeof(snap_work));
	snap_count = 0;
	if (ca_dir_verify_log(rootdir, root.fingerprint, &sum, NULL) == 0)
		snap_count = sum.count;
}

/* Nothing was written since snapshot(), and the log still verifies. */
static void
unchanged(void)
{
	static char now_root[8192], now_work[8192];
	struct ca_log_summary sum;
	struct ca_errbuf eb;

	now_root[0] = now_work[0] = '\0';
	listing(rootdir, "", now_root, sizeof(now_root));
	listing(work, "", now_work, sizeof(now_work));
	ck_assert_str_eq(now_root, snap_root);
	ck_assert_str_eq(now_work, snap_work);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(rootdir, root.fingerprint, &sum,
	    &eb) == 0, "verify: %s", eb.msg);
	ck_assert_int_eq(sum.count, snap_count);
}

static void
sign_refused(const struct ca_sign_req *q, int code, const char *why)
{
	struct ca_sign_result res;
	struct ca_errbuf eb;

	snapshot();
	eb.msg[0] = '\0';
	ck_assert_err(ca_sign_sub(q, &res, &eb), code);
	if (why != NULL)
		ck_assert_msg(strstr(eb.msg, why) != NULL, "reason \"%s\" "
		    "lacks \"%s\"", eb.msg, why);
	unchanged();
}

/* A copy of the stock profile with one text replaced, in work/. */
static const char *
profile_variant(const char *stock, const char *from, const char *to)
{
	static char path[PATH_MAX + 48];
	static int n;
	char *raw, *at, *out;
	size_t len;

	raw = tu_read(stock, &len);
	at = strstr(raw, from);
	ck_assert_msg(at != NULL, "%s lacks %s", stock, from);
	out = malloc(len + strlen(to) + 1);
	memcpy(out, raw, (size_t)(at - raw));
	strcpy(out + (at - raw), to);
	strcat(out, at + strlen(from));
	/* Outside the root's folder, so snapshots see no change. */
	tu_pathf(path, sizeof(path), "%s/profile-%d.json", work, n++);
	tu_write(path, out, strlen(out));
	free(out);
	free(raw);
	return path;
}

static X509 *
load(const char *path)
{
	X509 *x = NULL;

	ck_assert_ok(ca_cert_load(path, &x, NULL));
	return x;
}

START_TEST(sign_sub_end_to_end)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	STACK_OF(X509) *chain = NULL;
	X509 *c, *rc, *anchor = NULL;
	struct ca_csr *req = NULL;
	BASIC_CONSTRAINTS *bc;
	unsigned char *buf;
	size_t len;
	char p[PATH_MAX + 96], fp[65], hex[41], *s = NULL;
	json_t *rec = NULL, *body, *v;
	char *raw;

	req_init(&q);
	res = sign_ok(&q);
	ck_assert_uint_eq(strlen(res->serial), 2 * CA_SERIAL_LEN);
	tu_pathf(p, sizeof(p), "%s/issued/%s.pem", rootdir, res->serial);
	ck_assert_str_eq(res->out_path, p);
	tu_pathf(p, sizeof(p), "%s/issued/%s-chain.pem", rootdir, res->serial);
	ck_assert_str_eq(res->chain_path, p);
	ck_assert_str_eq(res->subject, SUB_SUBJECT);
	ck_assert_str_eq(res->not_before, "2026-01-01T01:00:00Z");
	ck_assert_str_eq(res->not_after, "2036-01-01T01:00:00Z");
	ck_assert_int_eq(res->truncated, 0);

	/* The certificate: the request's key and subject, under the root. */
	c = load(res->out_path);
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, rootdir);
	rc = load(p);
	ck_assert_ok(ca_cert_sha256(c, fp));
	ck_assert_str_eq(fp, res->fingerprint);
	ck_assert_ok(ca_serial_hex(c, hex));
	ck_assert_str_eq(hex, res->serial);
	ck_assert_ok(ca_cert_verify(c, X509_get0_pubkey(rc)));
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(c),
	    X509_get_subject_name(rc)), 0);
	ck_assert_ok(ca_read_file(csr, 1 << 20, &buf, &len, NULL));
	ck_assert_ok(ca_csr_parse(buf, len, &req, NULL));
	free(buf);
	ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(c),
	    req->key), 1);
	ck_assert_ok(ca_dn_format(X509_get_subject_name(c), &s));
	ck_assert_str_eq(s, SUB_SUBJECT);
	free(s);
	bc = X509_get_ext_d2i(c, NID_basic_constraints, NULL, NULL);
	ck_assert_ptr_nonnull(bc);
	ck_assert(bc->ca);
	ck_assert_ptr_nonnull(bc->pathlen);
	ck_assert_int_eq(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	ck_assert_int_eq(X509_get_signature_nid(c), NID_ecdsa_with_SHA384);

	/* The chain file: it, then the root; it validates. */
	ck_assert_ok(ca_certs_load(res->chain_path, &chain, NULL));
	ck_assert_int_eq(sk_X509_num(chain), 2);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 0), c), 0);
	ck_assert_int_eq(X509_cmp(sk_X509_value(chain, 1), rc), 0);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_chain_verify(c, chain, LATER, &anchor, &eb) == 0,
	    "chain: %s", eb.msg);
	ck_assert_int_eq(X509_cmp(anchor, rc), 0);

	/* The record, and the log that still verifies. */
	ck_assert_ok(ca_dir_verify_log(rootdir, root.fingerprint, &sum, &eb));
	ck_assert_int_eq(sum.count, 2);
	ck_assert_str_eq(sum.head, res->head);
	tu_pathf(p, sizeof(p), "%s/log/000002.json", rootdir);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	free(raw);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(json_string_value(json_object_get(body, "op")),
	    "sign-sub");
	v = json_object_get(body, "certificate");
	ck_assert_str_eq(json_string_value(json_object_get(v, "serial")),
	    res->serial);
	ck_assert_str_eq(json_string_value(json_object_get(v, "sha256")), fp);
	v = json_object_get(body, "params");
	ck_assert(json_is_false(json_object_get(v, "validity_truncated")));
	ck_assert_str_eq(json_string_value(json_object_get(v, "kind")), "sub");
	ck_assert_uint_eq(json_array_size(json_object_get(body, "outputs")),
	    2);
	json_decref(rec);

	sk_X509_pop_free(chain, X509_free);
	ca_csr_free(req);
	X509_free(c);
	X509_free(rc);
}
END_TEST

/* Two certificates for one request: two serials, both in the log. */
START_TEST(serials_unique)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	struct ca_serial_set set = { 0 };
	char s1[41], logdir[PATH_MAX + 48], p[PATH_MAX + 96];

	req_init(&q);
	res = sign_ok(&q);
	memcpy(s1, res->serial, sizeof(s1));
	q.now = LATER + 60;
	res = sign_ok(&q);
	ck_assert_str_ne(res->serial, s1);
	tu_pathf(p, sizeof(p), "%s/issued/%s.pem", rootdir, s1);
	ck_assert_int_eq(access(p, F_OK), 0);
	ck_assert_int_eq(access(res->out_path, F_OK), 0);
	tu_pathf(logdir, sizeof(logdir), "%s/log", rootdir);
	ck_assert_ok(ca_log_serials(logdir, 3, &set, NULL));
	ck_assert_int_eq(ca_serial_set_has(&set, s1), 1);
	ck_assert_int_eq(ca_serial_set_has(&set, res->serial), 1);
	ca_serial_set_free(&set);
	/* The second is not among the records before it. */
	ck_assert_ok(ca_log_serials(logdir, 2, &set, NULL));
	ck_assert_int_eq(ca_serial_set_has(&set, res->serial), 0);
	ca_serial_set_free(&set);
	ck_assert_ok(ca_dir_verify_log(rootdir, root.fingerprint, NULL,
	    NULL));
}
END_TEST

START_TEST(out_path_and_der)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	char out[PATH_MAX + 48], p[PATH_MAX + 48];
	unsigned char *buf;
	size_t len;
	X509 *x = NULL;

	tu_pathf(out, sizeof(out), "%s/issuing.der", work);
	req_init(&q);
	q.out_path = out;
	q.der = 1;
	res = sign_ok(&q);
	ck_assert_str_eq(res->out_path, out);
	tu_pathf(p, sizeof(p), "%s/issuing-chain.pem", work);
	ck_assert_str_eq(res->chain_path, p);
	ck_assert_ok(ca_read_file(out, 1 << 20, &buf, &len, NULL));
	ck_assert_int_ne(buf[0], '-');
	ck_assert_ok(ca_x509_parse_any(buf, len, &x));
	free(buf);
	X509_free(x);
	/* The issued/ copy is always written too. */
	tu_pathf(p, sizeof(p), "%s/issued/%s.pem", rootdir, res->serial);
	ck_assert_int_eq(access(p, F_OK), 0);

	/* An --out that exists: refused, nothing written. */
	req_init(&q);
	q.out_path = out;
	sign_refused(&q, CA_ERR_EXISTS, "exists");
}
END_TEST

START_TEST(profile_kind_mismatch)
{
	struct ca_sign_req q;
	char cross[PATH_MAX + 48];

	req_init(&q);
	q.profile_path = "profiles/root.json";
	sign_refused(&q, CA_ERR_PROFILE, "\"root\" profile cannot be used");
	q.profile_path = "profiles/cross-certificate.json";
	sign_refused(&q, CA_ERR_PROFILE, "\"cross\" profile cannot be used");
	q.profile_path = "profiles/log-signer.json";
	sign_refused(&q, CA_ERR_PROFILE, "profile cannot be used");
	/* A sub profile for a cross-certificate. */
	tu_pathf(cross, sizeof(cross), "%s/" CA_FILE_CERT, rootdir);
	req_init(&q);
	q.csr_path = NULL;
	q.cross_path = cross;
	sign_refused(&q, CA_ERR_PROFILE, "\"sub\" profile cannot be used");
	/* Both inputs, or neither. */
	q.csr_path = csr;
	sign_refused(&q, CA_ERR_INVALID_ARG, NULL);
	q.csr_path = q.cross_path = NULL;
	sign_refused(&q, CA_ERR_INVALID_ARG, NULL);
}
END_TEST

START_TEST(validity_beyond_issuer)
{
	struct ca_sign_req q;

	req_init(&q);
	q.profile_path = profile_variant(IT_PROFILE, "\"validity\": \"10y\"",
	    "\"validity\": \"30y\"");
	sign_refused(&q, CA_ERR_PROFILE, "outlast the issuing CA");
	/* One second past the root's end is too long as well. */
	q.profile_path = profile_variant(IT_PROFILE, "\"validity\": \"10y\"",
	    "\"validity\": \"25y\"");
	q.now = NOW + 1;
	sign_refused(&q, CA_ERR_PROFILE, "outlast the issuing CA");
}
END_TEST

START_TEST(validity_truncated)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	json_t *rec = NULL;
	char p[PATH_MAX + 48], *raw;
	size_t len;
	X509 *c;

	req_init(&q);
	q.profile_path = profile_variant(IT_PROFILE,
	    "\"validity\": \"10y\",\n  \"truncate_validity\": false",
	    "\"validity\": \"30y\",\n  \"truncate_validity\": true");
	res = sign_ok(&q);
	ck_assert_int_eq(res->truncated, 1);
	ck_assert_str_eq(res->not_after, "2051-01-01T00:00:00Z");
	c = load(res->out_path);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(c),
	    (time_t)2556144000), 0);
	X509_free(c);
	tu_pathf(p, sizeof(p), "%s/log/000002.json", rootdir);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	ck_assert(json_is_true(json_object_get(json_object_get(
	    json_object_get(rec, "body"), "params"), "validity_truncated")));
	json_decref(rec);
	free(raw);
	ck_assert_ok(ca_dir_verify_log(rootdir, root.fingerprint, NULL,
	    NULL));
}
END_TEST

/* Staged for a later window: its times, or a clear refusal. */
START_TEST(staged_validity)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	json_t *rec = NULL, *st;
	char p[PATH_MAX + 48], *raw, want[21];
	size_t len;

	req_init(&q);
	q.not_before = q.now - 1;
	sign_refused(&q, CA_ERR_INVALID_ARG, "in the past");
	q.not_before = q.now + 100 * 86400;
	q.not_after = q.not_before;
	sign_refused(&q, CA_ERR_INVALID_ARG, "must come after");
	/* Ten years from its start, and not a second more. */
	q.not_after = q.not_before + 3653 * 86400 + 1;
	sign_refused(&q, CA_ERR_PROFILE, "profile's validity");
	q.not_before = q.now + 30 * 365 * 86400LL;
	q.not_after = 0;
	sign_refused(&q, CA_ERR_PROFILE, "after the issuing CA ends");
	q.not_before = q.now + 100 * 86400;
	q.not_after = q.not_before + 2 * 365 * 86400;
	q.staged_by = "site s, windows a to b";
	res = sign_ok(&q);
	ck_assert_int_eq(res->truncated, 0);
	ck_assert_ok(ca_time_rfc3339(q.not_before, want));
	ck_assert_str_eq(res->not_before, want);
	ck_assert_ok(ca_time_rfc3339(q.not_after, want));
	ck_assert_str_eq(res->not_after, want);
	tu_pathf(p, sizeof(p), "%s/log/000002.json", rootdir);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	st = json_object_get(json_object_get(json_object_get(rec, "body"),
	    "params"), "staged");
	ck_assert_str_eq(json_string_value(json_object_get(st, "by")),
	    "site s, windows a to b");
	ck_assert_str_eq(json_string_value(json_object_get(st,
	    "not_before")), res->not_before);
	ck_assert_str_eq(json_string_value(json_object_get(st, "not_after")),
	    res->not_after);
	json_decref(rec);
	free(raw);
}
END_TEST

/* A cross-certificate is only for a self-signed CA certificate. */
START_TEST(cross_needs_self_signed)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	char p[PATH_MAX + 48], issued[4096];

	/* The root's log signer: issued by the root, not self-signed. */
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_LOG_SIGNER, rootdir);
	req_init(&q);
	q.csr_path = NULL;
	q.cross_path = p;
	q.profile_path = "profiles/cross-certificate.json";
	sign_refused(&q, CA_ERR_VERIFY, "not a self-signed CA certificate");

	/* A subordinate CA certificate: a CA, but not self-signed. */
	req_init(&q);
	res = sign_ok(&q);
	tu_pathf(issued, sizeof(issued), "%s", res->out_path);
	req_init(&q);
	q.csr_path = NULL;
	q.cross_path = issued;
	q.profile_path = "profiles/cross-certificate.json";
	snapshot();
	{
		struct ca_sign_result r2;
		struct ca_errbuf eb;
		struct ca_log_summary sum;

		eb.msg[0] = '\0';
		ck_assert_err(ca_sign_sub(&q, &r2, &eb), CA_ERR_VERIFY);
		ck_assert_ptr_nonnull(strstr(eb.msg, "not a self-signed"));
		ck_assert_ok(ca_dir_verify_log(rootdir, root.fingerprint, &sum,
		    NULL));
		ck_assert_int_eq(sum.count, 2);
	}
	/* Not a certificate at all. */
	q.cross_path = csr;
	snapshot();
	{
		struct ca_sign_result r2;

		ck_assert_err(ca_sign_sub(&q, &r2, NULL), CA_ERR_CSR);
	}
}
END_TEST

/* Another root, cross-certified by ours: same subject, key and SKI. */
START_TEST(cross_certify_root)
{
	struct ca_sign_req q;
	struct ca_sign_result *res;
	struct ca_root_result other;
	char odir[PATH_MAX + 48], ocert[PATH_MAX + 64];
	X509 *o, *c;

	tu_pathf(odir, sizeof(odir), "%s/other", work);
	make_ca(odir, "pkcs11:token=" TOKEN_B ";object=other-root",
	    "CN=Other Root,O=Partner,C=FR", 0, &other);
	tu_pathf(ocert, sizeof(ocert), "%s/" CA_FILE_CERT, odir);
	req_init(&q);
	q.csr_path = NULL;
	q.cross_path = ocert;
	q.profile_path = "profiles/cross-certificate.json";
	res = sign_ok(&q);
	o = load(ocert);
	c = load(res->out_path);
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(c),
	    X509_get_subject_name(o)), 0);
	ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(c),
	    X509_get0_pubkey(o)), 1);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(c),
	    X509_get0_subject_key_id(o)), 0);
	ck_assert_str_eq(res->not_after, "2031-01-01T01:00:00Z");
	X509_free(o);
	X509_free(c);
}
END_TEST

static void
write_csr_for(EVP_PKEY *pub, EVP_PKEY *signer, const char *path)
{
	X509_NAME *n = NULL;
	X509_REQ *r = X509_REQ_new();
	BIO *b = BIO_new_file(path, "w");

	ck_assert_ok(ca_dn_parse(SUB_SUBJECT, &n, NULL));
	ck_assert_int_eq(X509_REQ_set_version(r, X509_REQ_VERSION_1), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(r, n), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(r, pub), 1);
	ck_assert_int_gt(X509_REQ_sign(r, signer, EVP_sha256()), 0);
	ck_assert_int_eq(PEM_write_bio_X509_REQ(b, r), 1);
	BIO_free(b);
	X509_REQ_free(r);
	X509_NAME_free(n);
}

START_TEST(request_refused)
{
	struct ca_sign_req q;
	char p[PATH_MAX + 48];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *k2 = NULL;

	/* Without proof of possession. */
	ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &k2));
	tu_pathf(p, sizeof(p), "%s/nopop.csr", work);
	write_csr_for(k2, k, p);
	req_init(&q);
	q.csr_path = p;
	sign_refused(&q, CA_ERR_VERIFY, "proof of possession");
	/* A key the profile does not allow. */
	tu_pathf(p, sizeof(p), "%s/p521.csr", work);
	write_csr_for(k, k, p);
	sign_refused(&q, CA_ERR_KEY_POLICY, "secp521r1");
	/* A curve this profile leaves out (the request is P-256). */
	req_init(&q);
	q.profile_path = profile_variant(IT_PROFILE,
	    "[\"p256\", \"p384\", \"rsa\"]", "[\"p384\", \"rsa\"]");
	sign_refused(&q, CA_ERR_KEY_POLICY, "prime256v1");
	/* Not a request. */
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, rootdir);
	req_init(&q);
	q.csr_path = p;
	sign_refused(&q, CA_ERR_CSR, NULL);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}
END_TEST

START_TEST(wrong_pin_writes_nothing)
{
	struct ca_sign_req q;

	req_init(&q);
	q.pin_source = badpinsrc;
	sign_refused(&q, CA_ERR_PIN_INCORRECT, NULL);
	/* The issuing CA's log must verify first. */
	{
		char p[PATH_MAX + 48], *raw, *at;
		size_t len;

		tu_pathf(p, sizeof(p), "%s/log/000001.json", rootdir);
		raw = tu_read(p, &len);
		at = strstr(raw, "\"op\":\"init-root\"");
		ck_assert_ptr_nonnull(at);
		at[6] = 'I';
		tu_write(p, raw, len);
		q.pin_source = pinsrc;
		snapshot();
		{
			struct ca_sign_result r2;
			struct ca_errbuf eb;

			ck_assert_err(ca_sign_sub(&q, &r2, NULL), CA_ERR_LOG);
			/*
			 * The request is read while the CA opens, but its
			 * fault is still the one reported.
			 */
			tu_pathf(p, sizeof(p), "%s/" CA_FILE_CERT, rootdir);
			q.csr_path = p;
			eb.msg[0] = '\0';
			ck_assert_err(ca_sign_sub(&q, &r2, &eb), CA_ERR_CSR);
			ck_assert_ptr_null(strstr(eb.msg, "log"));
		}
		free(raw);
	}
}
END_TEST

/* The subordinate's own folder cannot sign: it has no certificate. */
START_TEST(issuer_must_be_complete)
{
	struct ca_sign_req q;
	struct ca_sign_result res;

	req_init(&q);
	q.dir = subdir;
	ck_assert_err(ca_sign_sub(&q, &res, NULL), CA_ERR_NOT_FOUND);
}
END_TEST

static Suite *
subca_suite(void)
{
	Suite *s = suite_create("subca");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, cas_setup, cas_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, sign_sub_end_to_end);
	tcase_add_test(tc, serials_unique);
	tcase_add_test(tc, out_path_and_der);
	tcase_add_test(tc, profile_kind_mismatch);
	tcase_add_test(tc, validity_beyond_issuer);
	tcase_add_test(tc, validity_truncated);
	tcase_add_test(tc, staged_validity);
	tcase_add_test(tc, cross_needs_self_signed);
	tcase_add_test(tc, cross_certify_root);
	tcase_add_test(tc, request_refused);
	tcase_add_test(tc, wrong_pin_writes_nothing);
	tcase_add_test(tc, issuer_must_be_complete);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(subca_suite)
