/*
 * check_revoke.c: revocation and CRL ceremonies on a CA directory
 * (lib/revoke.c), end to end on SoftHSM2.  Once per run the parent
 * process makes a root (token A) that has signed a subordinate (token B)
 * with profiles/it-issuing.json, and a root whose certificate lasts two
 * years (token C); each test works on a fresh copy of those folders (the
 * tokens are only read: signing changes nothing on them).  The tests run
 * from the top of the tree.
 */
#include "check_util.h"

#include <dirent.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "cjson.h"
#include "crl.h"
#include "dircheck.h"
#include "fsio.h"
#include "log.h"
#include "profile.h"
#include "revoke.h"
#include "rootca.h"
#include "store.h"
#include "subca.h"

#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define LATER (NOW + 3600)		/* the sub is signed then */
#define T1 (LATER + 600)		/* 2026-01-01T01:10:00Z */
#define YEAR (86400LL * 365)		/* 2026 and 2027 are common years */
#define ROOT_SUBJECT "CN=Plant Root CA,O=Acme,C=DE"
#define SUB_SUBJECT "CN=Plant Issuing CA,O=Acme,C=DE"
#define SHORT_SUBJECT "CN=Short Root CA,O=Acme,C=DE"
#define IT_PROFILE "profiles/it-issuing.json"
#define IT_CDP "http://pki.plant.example/crl/root.crl"

static char base[PATH_MAX];
static char pinsrc[PATH_MAX + 64], badpinsrc[PATH_MAX + 64];
static char pristine_root[PATH_MAX + 32], pristine_short[PATH_MAX + 32];
static char root_fp[65], short_fp[65], sub_serial[41];
static long long root_count;		/* records in the pristine root */

/* Per test. */
static char work[PATH_MAX + 16];
static char rootdir[PATH_MAX + 32], shortdir[PATH_MAX + 32];

static void
make_ca(const char *dir, const char *uri, const char *subject,
    const char *profile, int is_sub, struct ca_root_result *res)
{
	struct ca_root_req q;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.prog = "check_revoke";
	q.dir = dir;
	q.token_uri = uri;
	q.subject = subject;
	q.profile_path = profile;
	q.pin_source = pinsrc;
	q.now = NOW;
	q.sub = is_sub;
	q.algorithm = is_sub ? "p256" : "p384";
	eb.msg[0] = '\0';
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, res, &eb) == 0, "init %s: %s", dir,
	    eb.msg);
}

/* A copy of the stock profile with one text replaced, in base/. */
static const char *
profile_variant(const char *stock, const char *from, const char *to)
{
	static char path[PATH_MAX + 48];
	char *raw, *at, *out;
	size_t len;

	raw = tu_read(stock, &len);
	at = strstr(raw, from);
	ck_assert_msg(at != NULL, "%s lacks %s", stock, from);
	out = malloc(len + strlen(to) + 1);
	memcpy(out, raw, (size_t)(at - raw));
	strcpy(out + (at - raw), to);
	strcat(out, at + strlen(from));
	tu_pathf(path, sizeof(path), "%s/short-root.json", base);
	tu_write(path, out, strlen(out));
	free(out);
	free(raw);
	return path;
}

static void
base_setup(void)
{
	struct ca_root_result root, sub, shortr;
	struct ca_sign_req q;
	struct ca_sign_result res;
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	char p[PATH_MAX + 48], subdir[PATH_MAX + 32];

	tu_tmpdir(base);
	tu_softhsm_token(base, "kc-root");
	tu_softhsm_token(base, "kc-sub");
	tu_softhsm_token(base, "kc-short");
	tu_pathf(p, sizeof(p), "%s/pin", base);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);
	tu_pathf(p, sizeof(p), "%s/badpin", base);
	tu_write(p, "111111\n", 7);
	tu_pathf(badpinsrc, sizeof(badpinsrc), "file:%s", p);

	tu_pathf(pristine_root, sizeof(pristine_root), "%s/root", base);
	tu_pathf(subdir, sizeof(subdir), "%s/sub", base);
	make_ca(pristine_root, "pkcs11:token=kc-root", ROOT_SUBJECT, NULL, 0,
	    &root);
	make_ca(subdir, "pkcs11:token=kc-sub", SUB_SUBJECT, NULL, 1, &sub);
	memset(&q, 0, sizeof(q));
	q.prog = "check_revoke";
	q.dir = pristine_root;
	tu_pathf(p, sizeof(p), "%s/" CA_FILE_CSR, subdir);
	q.csr_path = p;
	q.profile_path = IT_PROFILE;
	q.pin_source = pinsrc;
	q.operator_ = "Alice";
	q.now = LATER;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_sign_sub(&q, &res, &eb) == 0, "sign: %s", eb.msg);
	memcpy(sub_serial, res.serial, sizeof(sub_serial));
	memcpy(root_fp, root.fingerprint, sizeof(root_fp));
	ck_assert_ok(ca_dir_verify_log(pristine_root, root_fp, &sum, NULL));
	root_count = sum.count;

	tu_pathf(pristine_short, sizeof(pristine_short), "%s/short", base);
	make_ca(pristine_short, "pkcs11:token=kc-short", SHORT_SUBJECT,
	    profile_variant("profiles/root.json", "\"validity\": \"25y\"",
	    "\"validity\": \"2y\""), 0, &shortr);
	memcpy(short_fp, shortr.fingerprint, sizeof(short_fp));
}

static void
base_teardown(void)
{
	tu_rmrf(base);
}

static void
copy_tree(const char *from, const char *to)
{
	char cmd[3 * PATH_MAX];

	tu_pathf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void
work_setup(void)
{
	tu_pathf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_pathf(rootdir, sizeof(rootdir), "%s/root", work);
	tu_pathf(shortdir, sizeof(shortdir), "%s/short", work);
	copy_tree(pristine_root, rootdir);
	copy_tree(pristine_short, shortdir);
}

static void
work_teardown(void)
{
	tu_rmrf(work);
}

/* --- helpers ------------------------------------------------------------ */

static void
ceremony(struct ca_session *c, time_t now)
{
	memset(c, 0, sizeof(*c));
	c->prog = "check_revoke";
	c->pin_source = pinsrc;
	c->operator_ = "Alice";
	c->now = now;
}

static void
sha256_of(const void *p, size_t n, char out[65])
{
	unsigned char h[32];
	int i;

	ck_assert_int_eq(EVP_Digest(p, n, h, NULL, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void
sha256_file_of(const char *path, char out[65])
{
	size_t len;
	char *b = tu_read(path, &len);

	sha256_of(b, len, out);
	free(b);
}

static char *
in_dir(const char *d, const char *name)
{
	static char bufs[16][PATH_MAX + 96];
	static int k;
	char *b = bufs[k++ % 16];

	tu_pathf(b, sizeof(bufs[0]), "%s/%s", d, name);
	return b;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* How many names in dir begin with prefix (a staged folder's among them). */
static int
count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* The log of dir verifies; its record count. */
static long long
log_count(const char *dir, const char *fp)
{
	struct ca_log_summary sum;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(dir, fp, &sum, &eb) == 0,
	    "log of %s: %s", dir, eb.msg);
	return sum.count;
}

/* Record seq of dir's log, parsed (caller frees). */
static json_t *
record(const char *dir, long long seq)
{
	char p[PATH_MAX + 64], *raw;
	json_t *rec = NULL;
	size_t len;

	tu_pathf(p, sizeof(p), "%s/log/%06lld.json", dir, seq);
	raw = tu_read(p, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, NULL));
	free(raw);
	return rec;
}

static const char *
jstr(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		ck_assert_uint_lt((size_t)(dot - path), sizeof(key));
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	ck_assert_msg(json_is_string(json_object_get(o, path)),
	    "no string %s", path);
	return json_string_value(json_object_get(o, path));
}

/* Every name under dir, recursively, into out. */
static void
listing(const char *dir, const char *rel, char *out, size_t cap)
{
	char p[PATH_MAX], r[PATH_MAX];
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat sb;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
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

/* What a refused operation must leave as it was. */
struct snap {
	const char *dir, *fp;
	char names[8192];
	char *idx;		/* revoked.idx, or NULL when absent */
	size_t idx_len;
	long long count;
};

static void
snap_take(struct snap *s, const char *dir, const char *fp)
{
	const char *idx = in_dir(dir, CA_FILE_REVOKED);

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->fp = fp;
	listing(dir, "", s->names, sizeof(s->names));
	s->idx = exists(idx) ? tu_read(idx, &s->idx_len) : NULL;
	s->count = log_count(dir, fp);
}

static void
snap_same(struct snap *s)
{
	static char names[8192];
	const char *idx = in_dir(s->dir, CA_FILE_REVOKED);
	size_t len;
	char *now;

	names[0] = '\0';
	listing(s->dir, "", names, sizeof(names));
	ck_assert_str_eq(names, s->names);
	if (s->idx == NULL) {
		ck_assert_int_eq(exists(idx), 0);
	} else {
		now = tu_read(idx, &len);
		ck_assert_uint_eq(len, s->idx_len);
		ck_assert_int_eq(memcmp(now, s->idx, len), 0);
		free(now);
	}
	ck_assert_int_eq(log_count(s->dir, s->fp), s->count);
	free(s->idx);
	s->idx = NULL;
}

static void
revoke_ok(struct ca_revoke_req *q, time_t now, struct ca_revoke_result *res)
{
	struct ca_session c;
	struct ca_errbuf eb;

	ceremony(&c, now);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_revoke(q, &c, res, &eb) == 0, "revoke: %s", eb.msg);
}

static void
revoke_refused(const struct ca_revoke_req *q, const struct ca_session *c,
    int code, const char *why)
{
	struct ca_revoke_result res;
	struct ca_errbuf eb;
	struct snap s;

	snap_take(&s, q->dir, root_fp);
	eb.msg[0] = '\0';
	ck_assert_err(ca_revoke(q, c, &res, &eb), code);
	if (why != NULL)
		ck_assert_msg(strstr(eb.msg, why) != NULL,
		    "\"%s\" lacks \"%s\"", eb.msg, why);
	snap_same(&s);
}

static void
rreq(struct ca_revoke_req *q, const char *serial, const char *cert,
    const char *reason)
{
	memset(q, 0, sizeof(*q));
	q->dir = rootdir;
	q->serial = serial;
	q->cert_path = cert;
	q->reason = reason;
}

static void
crl_ok(const char *dir, const char *next, const char *idp, time_t now,
    struct ca_crl_result *res)
{
	struct ca_crl_req q;
	struct ca_session c;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.next_update = next;
	q.idp = idp;
	ceremony(&c, now);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_crl_issue(&q, &c, res, &eb) == 0, "crl: %s",
	    eb.msg);
}

static X509_CRL *
load_crl(const char *path)
{
	size_t len;
	char *b = tu_read(path, &len);
	const unsigned char *p = (const unsigned char *)b;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);

	ck_assert_ptr_nonnull(crl);
	ck_assert_ptr_eq(p, (const unsigned char *)b + len);
	free(b);
	return crl;
}

static X509 *
load_cert(const char *path)
{
	X509 *x = NULL;

	ck_assert_ok(ca_cert_load(path, &x, NULL));
	return x;
}

/* The serial in hex with colons and in upper case, as read off paper. */
static const char *
typed_serial(const char *s)
{
	static char out[64];
	size_t i, n = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && i % 2 == 0)
			out[n++] = ':';
		out[n++] = (char)(s[i] >= 'a' ? s[i] - 'a' + 'A' : s[i]);
	}
	out[n] = '\0';
	return out;
}

static void
log_signer_serial(char out[41])
{
	X509 *x = load_cert(in_dir(rootdir, CA_FILE_LOG_SIGNER));

	ck_assert_ok(ca_serial_hex(x, out));
	X509_free(x);
}

/* --- revoke ------------------------------------------------------------- */

START_TEST(revoke_by_serial)
{
	struct ca_revoke_req q;
	struct ca_revoke_result res;
	struct ca_log_summary sum;
	char want[128], sha[65], *idx;
	json_t *rec, *body;
	size_t len;

	ck_assert_int_eq(exists(in_dir(rootdir, CA_FILE_REVOKED)), 0);
	rreq(&q, typed_serial(sub_serial), NULL, "keyCompromise");
	revoke_ok(&q, T1, &res);
	ck_assert_str_eq(res.serial, sub_serial);
	ck_assert_str_eq(res.subject, SUB_SUBJECT);
	ck_assert_int_eq(res.count, 1);

	/* The index: one line, the serial as the log writes it. */
	idx = tu_read(in_dir(rootdir, CA_FILE_REVOKED), &len);
	tu_pathf(want, sizeof(want), "%s 20260101011000Z 1\n", sub_serial);
	ck_assert_str_eq(idx, want);
	sha256_of(idx, len, sha);
	free(idx);

	/* The record, bound to the index; the log still verifies. */
	ck_assert_ok(ca_dir_verify_log(rootdir, root_fp, &sum, NULL));
	ck_assert_int_eq(sum.count, root_count + 1);
	ck_assert_str_eq(sum.head, res.head);
	rec = record(rootdir, sum.count);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(jstr(body, "op"), "revoke");
	ck_assert_str_eq(jstr(body, "index.file"), CA_FILE_REVOKED);
	ck_assert_str_eq(jstr(body, "index.sha256"), sha);
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(body, "index"), "entries")), 1);
	ck_assert_str_eq(jstr(body, "revocation.serial"), sub_serial);
	ck_assert_str_eq(jstr(body, "revocation.reason"), "keyCompromise");
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(body, "revocation"), "reason_code")), 1);
	ck_assert_str_eq(jstr(body, "revocation.revoked"),
	    "2026-01-01T01:10:00Z");
	ck_assert(json_is_null(json_object_get(json_object_get(body,
	    "revocation"), "invalidity_date")));
	ck_assert_str_eq(jstr(body, "revoked_certificate.subject"),
	    SUB_SUBJECT);
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(body, "revoked_certificate"), "issued_in")),
	    root_count);
	ck_assert_str_eq(jstr(json_array_get(json_object_get(body,
	    "outputs"), 0), "sha256"), sha);
	ck_assert_uint_eq(json_array_size(json_object_get(body, "inputs")),
	    0);
	ck_assert_str_eq(jstr(body, "result"), "ok");
	json_decref(rec);
}
END_TEST

START_TEST(revoke_by_cert)
{
	struct ca_revoke_req q;
	struct ca_revoke_result res;
	char cert[PATH_MAX + 96], der[PATH_MAX + 96], ls[41], sha[65];
	char want[256], *idx, *inputs;
	unsigned char *d = NULL;
	json_t *rec, *body;
	X509 *x;
	int n;
	FILE *f;

	/* PEM, as issued/ holds it, with an invalidity date. */
	tu_pathf(cert, sizeof(cert), "%s/issued/%s.pem", rootdir, sub_serial);
	rreq(&q, NULL, cert, "superseded");
	q.invalidity = "2026-01-01T00:30:00Z";
	revoke_ok(&q, T1, &res);
	ck_assert_str_eq(res.serial, sub_serial);
	ck_assert_int_eq(res.count, 1);
	rec = record(rootdir, root_count + 1);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(jstr(body, "revocation.invalidity_date"),
	    "2026-01-01T00:30:00Z");
	ck_assert_str_eq(jstr(body, "revocation.reason"), "superseded");
	ck_assert_uint_eq(json_array_size(json_object_get(body, "inputs")),
	    1);
	sha256_file_of(cert, sha);
	inputs = json_dumps(json_object_get(body, "inputs"), JSON_COMPACT);
	ck_assert_ptr_nonnull(strstr(inputs, sha));
	free(inputs);
	json_decref(rec);

	/* DER, a file outside the CA folder: the log signer's. */
	x = load_cert(in_dir(rootdir, CA_FILE_LOG_SIGNER));
	n = i2d_X509(x, &d);
	ck_assert_int_gt(n, 0);
	tu_pathf(der, sizeof(der), "%s/log-signer.der", work);
	f = fopen(der, "w");
	ck_assert_int_eq(fwrite(d, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	OPENSSL_free(d);
	X509_free(x);
	log_signer_serial(ls);
	rreq(&q, NULL, der, "unspecified");
	revoke_ok(&q, T1 + 60, &res);
	ck_assert_str_eq(res.serial, ls);
	ck_assert_int_eq(res.count, 2);

	/* Both, in serial order. */
	idx = tu_read(in_dir(rootdir, CA_FILE_REVOKED), NULL);
	if (ca_serial_cmp(sub_serial, ls) < 0)
		tu_pathf(want, sizeof(want), "%s 20260101011000Z 4 "
		    "20260101003000Z\n%s 20260101011100Z 0\n", sub_serial, ls);
	else
		tu_pathf(want, sizeof(want), "%s 20260101011100Z 0\n"
		    "%s 20260101011000Z 4 20260101003000Z\n", ls, sub_serial);
	ck_assert_str_eq(idx, want);
	sha256_of(idx, strlen(idx), sha);
	free(idx);
	ck_assert_int_eq(log_count(rootdir, root_fp), root_count + 2);
	rec = record(rootdir, root_count + 2);
	ck_assert_str_eq(jstr(json_object_get(rec, "body"), "index.sha256"),
	    sha);
	json_decref(rec);
}
END_TEST

/* A certificate under this CA's name, signed by another key. */
static void
write_forged(const char *path, const char *serial_hex, const char *issuer,
    const char *subject)
{
	struct ca_cert_params p;
	EVP_PKEY *k = NULL, *ik = NULL;
	X509_NAME *in = X509_NAME_new(), *sn = X509_NAME_new();
	X509 *x = NULL;
	char *pem = NULL;
	size_t len, i;

	ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &k));
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &ik));
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_UTF8,
	    (const unsigned char *)issuer, -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_UTF8,
	    (const unsigned char *)subject, -1, -1, 0), 1);
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_SUB;
	p.subject = sn;
	p.issuer = in;
	ck_assert_uint_eq(strlen(serial_hex), 2 * CA_SERIAL_LEN);
	for (i = 0; i < CA_SERIAL_LEN; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(serial_hex + 2 * i, "%2x", &v), 1);
		p.serial[i] = (unsigned char)v;
	}
	p.not_before = NOW;
	p.not_after = NOW + YEAR;
	p.path_len = 0;
	p.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	ck_assert_ok(ca_cert_build(&p, k, ik, &x));
	ck_assert_ok(ca_cert_sign(x, ik, EVP_sha384(), NULL));
	ck_assert_ok(ca_cert_pem(x, &pem, &len));
	tu_write(path, pem, len);
	free(pem);
	X509_free(x);
	X509_NAME_free(in);
	X509_NAME_free(sn);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ik);
}

START_TEST(revoke_refused_inputs)
{
	struct ca_revoke_req q;
	struct ca_session c;
	char forged[PATH_MAX + 48], foreign[PATH_MAX + 48];
	char x509name[PATH_MAX + 48];

	ceremony(&c, T1);
	/* Serials that are not serials. */
	rreq(&q, "xyz", NULL, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "not a certificate serial");
	q.serial = "";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	q.serial = "00:00";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	q.serial = "0123456789abcdef0123456789abcdef0123456789";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	/* Reasons RFC 5280 has but this toolkit refuses, or none at all. */
	rreq(&q, sub_serial, NULL, "certificateHold");
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "unknown reason");
	q.reason = "removeFromCRL";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "unknown reason");
	q.reason = "compromised";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "unknown reason");
	q.reason = NULL;
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "unknown reason");
	/* One of serial and certificate. */
	tu_pathf(x509name, sizeof(x509name), "%s/issued/%s.pem", rootdir,
	    sub_serial);
	rreq(&q, sub_serial, x509name, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	rreq(&q, NULL, NULL, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	/* Invalidity dates in the future, or not RFC 3339 UTC. */
	rreq(&q, sub_serial, NULL, "keyCompromise");
	q.invalidity = "2026-01-01T01:10:01Z";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, "in the past");
	q.invalidity = "2030-01-01T00:00:00Z";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	q.invalidity = "2026-01-01";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	q.invalidity = "2026-01-01T00:00:00+01:00";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	q.invalidity = "";
	revoke_refused(&q, &c, CA_ERR_INVALID_ARG, NULL);
	/* A serial this CA never issued. */
	rreq(&q, "0123456789abcdef0123456789abcdef", NULL, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_NOT_FOUND, "not issued by this CA");
	/* Certificates this CA did not sign: the forged one carries the
	 * issued serial and this CA's name as issuer. */
	tu_pathf(forged, sizeof(forged), "%s/forged.pem", work);
	write_forged(forged, sub_serial, "Plant Root CA", "Plant Issuing CA");
	{
		/* Make the forged one's issuer the root's exact name. */
		X509 *root = load_cert(in_dir(rootdir, CA_FILE_CERT));
		X509 *f = load_cert(forged);
		EVP_PKEY *k = NULL;
		char *pem = NULL;
		size_t len;

		ck_assert_int_eq(X509_set_issuer_name(f,
		    X509_get_subject_name(root)), 1);
		ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
		ck_assert_ok(ca_cert_sign(f, k, EVP_sha384(), NULL));
		ck_assert_ok(ca_cert_pem(f, &pem, &len));
		tu_write(forged, pem, len);
		free(pem);
		EVP_PKEY_free(k);
		X509_free(f);
		X509_free(root);
	}
	rreq(&q, NULL, forged, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not issued by this CA");
	tu_pathf(foreign, sizeof(foreign), "%s/foreign.pem", work);
	write_forged(foreign, sub_serial, "Other Root", "Plant Issuing CA");
	rreq(&q, NULL, foreign, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not issued by this CA");
	/* Not a certificate. */
	rreq(&q, NULL, in_dir(rootdir, CA_FILE_CONFIG), "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not a certificate");
	/* The CA's own certificate is no certificate it issued. */
	rreq(&q, NULL, in_dir(rootdir, CA_FILE_CERT), "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_NOT_FOUND, NULL);
}
END_TEST

START_TEST(revoke_refused_state)
{
	struct ca_revoke_req q;
	struct ca_revoke_result res;
	struct ca_session c;
	struct ca_crl_req cq;
	struct ca_crl_result cres;
	struct snap s;
	char ls[41], x509name[PATH_MAX + 48], *idx, *at;
	size_t len;

	/* A clock before the last record (the sign-sub at LATER). */
	rreq(&q, sub_serial, NULL, "keyCompromise");
	ceremony(&c, LATER - 1);
	revoke_refused(&q, &c, CA_ERR_CLOCK, NULL);
	/* A wrong PIN: the new index is not left behind. */
	ceremony(&c, T1);
	c.pin_source = badpinsrc;
	revoke_refused(&q, &c, CA_ERR_PIN_INCORRECT, NULL);

	/* Revoked once; then again by serial or by certificate. */
	revoke_ok(&q, T1, &res);
	ceremony(&c, T1 + 60);
	rreq(&q, sub_serial, NULL, "cessationOfOperation");
	revoke_refused(&q, &c, CA_ERR_EXISTS, "already revoked");
	tu_pathf(x509name, sizeof(x509name), "%s/issued/%s.pem", rootdir,
	    sub_serial);
	rreq(&q, NULL, x509name, "keyCompromise");
	revoke_refused(&q, &c, CA_ERR_EXISTS, "already revoked");
	/* The clock, again, before the revocation's record. */
	log_signer_serial(ls);
	rreq(&q, ls, NULL, "keyCompromise");
	ceremony(&c, T1 - 1);
	revoke_refused(&q, &c, CA_ERR_CLOCK, NULL);

	/* The index changed outside a ceremony: refused, for revoking
	 * and for a CRL. */
	idx = tu_read(in_dir(rootdir, CA_FILE_REVOKED), &len);
	at = strstr(idx, " 1\n");
	ck_assert_ptr_nonnull(at);
	at[1] = '4';
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), idx, len);
	ceremony(&c, T1 + 60);
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not the revocation index");
	memset(&cq, 0, sizeof(cq));
	cq.dir = rootdir;
	snap_take(&s, rootdir, root_fp);
	ck_assert_err(ca_crl_issue(&cq, &c, &cres, NULL), CA_ERR_VERIFY);
	snap_same(&s);
	/* Lost. */
	ck_assert_int_eq(unlink(in_dir(rootdir, CA_FILE_REVOKED)), 0);
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not the revocation index");
	/* Emptied. */
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), "", 0);
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not the revocation index");
	/* Put back as it was: accepted again. */
	at[1] = '1';
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), idx, len);
	free(idx);
	revoke_ok(&q, T1 + 60, &res);
	ck_assert_int_eq(res.count, 2);
}
END_TEST

/* An index where the log names none. */
START_TEST(revoke_planted_index)
{
	struct ca_revoke_req q;
	struct ca_session c;
	char line[128];

	tu_pathf(line, sizeof(line), "%s 20260101000000Z 1\n", sub_serial);
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), line, strlen(line));
	rreq(&q, sub_serial, NULL, "keyCompromise");
	ceremony(&c, T1);
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not the revocation index");
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), "", 0);
	revoke_refused(&q, &c, CA_ERR_VERIFY, "not the revocation index");
}
END_TEST

/* --- CRLs --------------------------------------------------------------- */

static void
check_idp(X509_CRL *crl, int present, const char *uri)
{
	ISSUING_DIST_POINT *idp;
	GENERAL_NAME *g;
	int crit = -2;

	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (!present) {
		ck_assert_ptr_null(idp);
		return;
	}
	ck_assert_ptr_nonnull(idp);
	ck_assert_int_eq(crit, 1);
	/* RFC 5280 5.2.5: a root's CRL covers only CA certificates. */
	ck_assert_int_ne(idp->onlyCA, 0);
	ck_assert_int_eq(idp->onlyuser, 0);
	if (uri == NULL) {
		ck_assert_ptr_null(idp->distpoint);
	} else {
		ck_assert_ptr_nonnull(idp->distpoint);
		ck_assert_int_eq(sk_GENERAL_NAME_num(
		    idp->distpoint->name.fullname), 1);
		g = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
		ck_assert_int_eq(g->type, GEN_URI);
		ck_assert_int_eq(ASN1_STRING_length(
		    g->d.uniformResourceIdentifier), (int)strlen(uri));
		ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(
		    g->d.uniformResourceIdentifier), uri, strlen(uri)), 0);
	}
	ISSUING_DIST_POINT_free(idp);
}

/* The issued CRL file as OpenSSL reads it, against what res says. */
static X509_CRL *
check_crl_file(const struct ca_crl_result *res, unsigned long long number,
    time_t tu, time_t nu, int entries)
{
	X509 *ca = load_cert(in_dir(rootdir, CA_FILE_CERT));
	X509_CRL *crl, *crl2;
	ASN1_INTEGER *num;
	AUTHORITY_KEYID *aki;
	unsigned char *re = NULL;
	char sha[65], p[PATH_MAX + 96], *der;
	size_t len;
	int n;
	BIO *b;

	tu_pathf(p, sizeof(p), "%s/crl/%llu.der", rootdir, number);
	ck_assert_str_eq(res->der_path, p);
	tu_pathf(p, sizeof(p), "%s/crl/%llu.pem", rootdir, number);
	ck_assert_str_eq(res->pem_path, p);
	crl = load_crl(res->der_path);
	ck_assert_int_eq(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
	ck_assert_int_eq(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	ck_assert_int_eq(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(ca)), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl),
	    tu), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl),
	    nu), 0);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	ck_assert_ptr_nonnull(num);
	ck_assert_int_eq(ASN1_INTEGER_get(num), (long)number);
	ASN1_INTEGER_free(num);
	aki = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL,
	    NULL);
	ck_assert_ptr_nonnull(aki);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(aki->keyid,
	    X509_get0_subject_key_id(ca)), 0);
	AUTHORITY_KEYID_free(aki);
	ck_assert_int_eq(X509_CRL_get_REVOKED(crl) == NULL ? 0 :
	    sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), entries);
	ck_assert_int_eq(res->entries, entries);
	ck_assert_uint_eq(res->number, number);
	sha256_file_of(res->der_path, sha);
	ck_assert_str_eq(res->der_sha256, sha);
	/* The PEM holds the same CRL. */
	der = tu_read(res->der_path, &len);
	b = BIO_new_file(res->pem_path, "r");
	crl2 = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert_ptr_nonnull(crl2);
	n = i2d_X509_CRL(crl2, &re);
	ck_assert_int_eq(n, (int)len);
	ck_assert_int_eq(memcmp(re, der, len), 0);
	OPENSSL_free(re);
	free(der);
	X509_CRL_free(crl2);
	X509_free(ca);
	return crl;
}

START_TEST(crl_issue_numbers)
{
	struct ca_crl_result res;
	struct ca_revoke_req q;
	struct ca_revoke_result rres;
	X509_CRL *crl;
	X509_REVOKED *rv;
	ASN1_ENUMERATED *reason;
	json_t *rec, *body, *v;
	char sha[65], hex[64];
	const unsigned char *d;
	int i;

	ck_assert_int_eq(exists(in_dir(rootdir, CA_DIR_CRL)), 0);
	/* 1: nothing revoked yet, the default twelve months. */
	crl_ok(rootdir, NULL, NULL, T1, &res);
	crl = check_crl_file(&res, 1, T1, T1 + YEAR, 0);
	check_idp(crl, 1, IT_CDP);
	X509_CRL_free(crl);
	ck_assert_str_eq(res.this_update, "2026-01-01T01:10:00Z");
	ck_assert_str_eq(res.next_update, "2027-01-01T01:10:00Z");
	ck_assert_int_eq(log_count(rootdir, root_fp), root_count + 1);
	rec = record(rootdir, root_count + 1);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(jstr(body, "op"), "crl-issue");
	ck_assert_str_eq(jstr(body, "crl.der.name"), "crl/1.der");
	ck_assert_str_eq(jstr(body, "crl.der.sha256"), res.der_sha256);
	ck_assert_str_eq(jstr(body, "crl.pem.name"), "crl/1.pem");
	sha256_file_of(res.pem_path, sha);
	ck_assert_str_eq(jstr(body, "crl.pem.sha256"), sha);
	ck_assert_str_eq(jstr(body, "crl.this_update"), res.this_update);
	ck_assert_str_eq(jstr(body, "crl.next_update"), res.next_update);
	ck_assert_str_eq(jstr(body, "crl.idp"), "full");
	v = json_object_get(body, "crl");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "number")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "entries")),
	    0);
	ck_assert(json_is_true(json_object_get(v, "only_ca_certs")));
	ck_assert_uint_eq(json_array_size(json_object_get(v,
	    "distribution_points")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(v,
	    "distribution_points"), 0)), IT_CDP);
	ck_assert(json_is_null(json_object_get(body, "index")));
	json_decref(rec);

	/* 2: the sub revoked. */
	rreq(&q, sub_serial, NULL, "cACompromise");
	revoke_ok(&q, T1 + 60, &rres);
	crl_ok(rootdir, NULL, NULL, T1 + 120, &res);
	crl = check_crl_file(&res, 2, T1 + 120, T1 + 120 + YEAR, 1);
	rv = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl), 0);
	d = ASN1_STRING_get0_data(X509_REVOKED_get0_serialNumber(rv));
	for (i = 0; i < ASN1_STRING_length(X509_REVOKED_get0_serialNumber(rv));
	    i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, sub_serial);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(
	    X509_REVOKED_get0_revocationDate(rv), T1 + 60), 0);
	reason = X509_REVOKED_get_ext_d2i(rv, NID_crl_reason, NULL, NULL);
	ck_assert_ptr_nonnull(reason);
	ck_assert_int_eq(ASN1_ENUMERATED_get(reason), 2);
	ASN1_ENUMERATED_free(reason);
	X509_CRL_free(crl);
	rec = record(rootdir, root_count + 3);
	body = json_object_get(rec, "body");
	ck_assert_str_eq(jstr(body, "op"), "crl-issue");
	sha256_file_of(in_dir(rootdir, CA_FILE_REVOKED), sha);
	ck_assert_str_eq(jstr(body, "index.sha256"), sha);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    body, "crl"), "entries")), 1);
	json_decref(rec);

	/* 3: a shorter nextUpdate, and no IDP. */
	crl_ok(rootdir, "1m", "none", T1 + 180, &res);
	crl = check_crl_file(&res, 3, T1 + 180, T1 + 180 + 31 * 86400, 1);
	check_idp(crl, 0, NULL);
	X509_CRL_free(crl);
	rec = record(rootdir, root_count + 4);
	ck_assert_str_eq(jstr(json_object_get(rec, "body"), "crl.idp"),
	    "none");
	json_decref(rec);
	/* 4: scope: onlyContainsCACerts alone. */
	crl_ok(rootdir, NULL, "scope", T1 + 240, &res);
	crl = check_crl_file(&res, 4, T1 + 240, T1 + 240 + YEAR, 1);
	check_idp(crl, 1, NULL);
	X509_CRL_free(crl);

	/* Earlier CRLs stay, and the log verifies. */
	for (i = 1; i <= 4; i++) {
		char n[32];

		snprintf(n, sizeof(n), "crl/%d.der", i);
		ck_assert(exists(in_dir(rootdir, n)));
		snprintf(n, sizeof(n), "crl/%d.pem", i);
		ck_assert(exists(in_dir(rootdir, n)));
	}
	ck_assert_int_eq(log_count(rootdir, root_fp), root_count + 5);
}
END_TEST

static void
crl_refused(const char *dir, const char *fp, const char *next,
    const char *idp, time_t now, const char *pin, int code, const char *why)
{
	struct ca_crl_req q;
	struct ca_crl_result res;
	struct ca_session c;
	struct ca_errbuf eb;
	struct snap s;

	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.next_update = next;
	q.idp = idp;
	ceremony(&c, now);
	if (pin != NULL)
		c.pin_source = pin;
	snap_take(&s, dir, fp);
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_issue(&q, &c, &res, &eb), code);
	if (why != NULL)
		ck_assert_msg(strstr(eb.msg, why) != NULL,
		    "\"%s\" lacks \"%s\"", eb.msg, why);
	snap_same(&s);
}

START_TEST(crl_issue_refused)
{
	struct ca_crl_result res;
	X509_CRL *crl;

	/* A wrong PIN on a CA with no crl/ yet: none is left. */
	crl_refused(shortdir, short_fp, "1y", NULL, T1, badpinsrc,
	    CA_ERR_PIN_INCORRECT, NULL);
	ck_assert_int_eq(exists(in_dir(shortdir, CA_DIR_CRL)), 0);
	/* The two-year root: nextUpdate past its notAfter, no crl/ made. */
	crl_refused(shortdir, short_fp, "30y", NULL, T1, NULL,
	    CA_ERR_PROFILE, "notAfter");
	ck_assert_int_eq(exists(in_dir(shortdir, CA_DIR_CRL)), 0);
	/* Its notAfter is NOW + 2y: a second later than that too. */
	crl_refused(shortdir, short_fp, "2y", NULL, NOW + 1, NULL,
	    CA_ERR_PROFILE, "notAfter");
	crl_refused(shortdir, short_fp, "1y11m30d", NULL, NOW + 86400 + 1,
	    NULL, CA_ERR_PROFILE, "notAfter");
	ck_assert_int_eq(exists(in_dir(shortdir, CA_DIR_CRL)), 0);
	/* Up to the end is fine. */
	crl_ok(shortdir, "2y", NULL, NOW, &res);
	ck_assert_uint_eq(res.number, 1);
	crl = load_crl(res.der_path);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl),
	    NOW + 2 * YEAR), 0);
	X509_CRL_free(crl);
	/* With crl/ there, it is left as it was. */
	crl_refused(shortdir, short_fp, "30y", NULL, T1, NULL,
	    CA_ERR_PROFILE, "notAfter");
	/* The clock before the last record. */
	crl_refused(shortdir, short_fp, "1y", NULL, NOW - 1, NULL,
	    CA_ERR_CLOCK, NULL);
	crl_ok(rootdir, NULL, NULL, T1, &res);
	crl_refused(rootdir, root_fp, NULL, NULL, T1 - 1, NULL, CA_ERR_CLOCK,
	    NULL);
	/* Malformed durations and IDP forms; a wrong PIN. */
	crl_refused(rootdir, root_fp, "12x", NULL, T1 + 60, NULL,
	    CA_ERR_INVALID_ARG, "duration");
	crl_refused(rootdir, root_fp, "", NULL, T1 + 60, NULL,
	    CA_ERR_INVALID_ARG, NULL);
	crl_refused(rootdir, root_fp, NULL, "partial", T1 + 60, NULL,
	    CA_ERR_INVALID_ARG, "partial");
	crl_refused(rootdir, root_fp, NULL, NULL, T1 + 60, badpinsrc,
	    CA_ERR_PIN_INCORRECT, NULL);
}
END_TEST

/* --- status and export -------------------------------------------------- */

static void
status_is(const char *dir, const char *margin, time_t now,
    enum ca_crl_state state, unsigned long long number, long long days_left,
    long long days_to_due)
{
	struct ca_crl_status st;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_crl_status_get(dir, margin, now, &st, &eb) == 0,
	    "status: %s", eb.msg);
	ck_assert_msg(st.state == state, "at %lld: state %d, wanted %d",
	    (long long)now, st.state, state);
	ck_assert_uint_eq(st.number, number);
	ck_assert_int_eq(st.days_left, days_left);
	ck_assert_int_eq(st.days_to_due, days_to_due);
}

static void
status_states(const char *dir, time_t tu, unsigned long long number)
{
	struct ca_crl_status st;
	time_t nu = tu + YEAR, due = nu - 30 * 86400;
	time_t warn = due - CA_CRL_WARN_DAYS * 86400;
	char s[21];

	/* The root's default margin: 30 days before nextUpdate. */
	ck_assert_ok(ca_crl_status_get(dir, NULL, tu, &st, NULL));
	ck_assert_int_eq(st.state, CA_CRL_OK);
	ck_assert_ok(ca_time_rfc3339(tu, s));
	ck_assert_str_eq(st.this_update, s);
	ck_assert_ok(ca_time_rfc3339(nu, s));
	ck_assert_str_eq(st.next_update, s);
	ck_assert_ok(ca_time_rfc3339(due, s));
	ck_assert_str_eq(st.due, s);
	status_is(dir, NULL, tu, CA_CRL_OK, number, 365, 335);
	status_is(dir, NULL, warn - 1, CA_CRL_OK, number, 44, 14);
	status_is(dir, NULL, warn, CA_CRL_WARNING, number, 44, 14);
	status_is(dir, NULL, due - 1, CA_CRL_WARNING, number, 30, 0);
	status_is(dir, NULL, due, CA_CRL_WARNING, number, 30, 0);
	status_is(dir, NULL, due + 1, CA_CRL_WARNING, number, 29, -1);
	status_is(dir, NULL, nu - 1, CA_CRL_WARNING, number, 0, -30);
	status_is(dir, NULL, nu, CA_CRL_EXPIRED, number, 0, -30);
	status_is(dir, NULL, nu + 1, CA_CRL_EXPIRED, number, -1, -31);
	status_is(dir, NULL, nu + 86400 * 10, CA_CRL_EXPIRED, number, -10,
	    -40);
	/* Before the CRL was even issued: still OK. */
	status_is(dir, NULL, tu - 86400, CA_CRL_OK, number, 366, 336);
	/* A margin given: 60 days. */
	status_is(dir, "60d", nu - 74 * 86400 - 1, CA_CRL_OK, number, 74, 14);
	status_is(dir, "60d", nu - 74 * 86400, CA_CRL_WARNING, number, 74,
	    14);
	status_is(dir, "2m", nu - 86400 * 200, CA_CRL_OK, number, 200, 139);
	ck_assert_err(ca_crl_status_get(dir, "60", tu, &st, NULL),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_crl_status_get(dir, "x", tu, &st, NULL),
	    CA_ERR_INVALID_ARG);
}

START_TEST(crl_status)
{
	struct ca_crl_status st;
	struct ca_crl_result res;
	struct ca_errbuf eb;
	char out[PATH_MAX + 48];

	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_status_get(rootdir, NULL, T1, &st, &eb),
	    CA_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "no crl"));
	/* A folder that is neither a CA nor an export. */
	ck_assert_err(ca_crl_status_get(work, NULL, T1, &st, NULL),
	    CA_ERR_NOT_FOUND);

	crl_ok(rootdir, NULL, NULL, T1, &res);
	status_states(rootdir, T1, 1);
	/* The newest CRL counts. */
	crl_ok(rootdir, NULL, NULL, T1 + 86400, &res);
	status_states(rootdir, T1 + 86400, 2);

	/* An export folder, read the same way. */
	tu_pathf(out, sizeof(out), "%s/export", work);
	ck_assert_ok(ca_crl_export(rootdir, out, NULL));
	status_states(out, T1 + 86400, 2);
}
END_TEST

/* SHA256SUMS in sha256sum(1) form, naming exactly the files in out. */
static void
check_sums(const char *out, const char *const *names, size_t n)
{
	char *sums = tu_read(in_dir(out, "SHA256SUMS"), NULL);
	char want[PATH_MAX], sha[65], *line, *save = NULL;
	size_t i = 0;
	DIR *d;
	struct dirent *de;
	size_t files = 0;

	for (line = strtok_r(sums, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		ck_assert_uint_lt(i, n);
		sha256_file_of(in_dir(out, names[i]), sha);
		tu_pathf(want, sizeof(want), "%s  %s", sha, names[i]);
		ck_assert_str_eq(line, want);
	}
	ck_assert_uint_eq(i, n);
	free(sums);
	d = opendir(out);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			files++;
	closedir(d);
	ck_assert_uint_eq(files, n + 1);
}

static void
same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = tu_read(a, &la), *y = tu_read(b, &lb);

	ck_assert_uint_eq(la, lb);
	ck_assert_int_eq(memcmp(x, y, la), 0);
	free(x);
	free(y);
}

START_TEST(crl_export)
{
	static const char *const names[] = { "crl.der", "crl.pem",
	    CA_FILE_CERT };
	struct ca_crl_result res;
	struct ca_crl_req q;
	struct ca_session c;
	struct ca_errbuf eb;
	struct snap s;
	char out[PATH_MAX + 48], out2[PATH_MAX + 48];

	tu_pathf(out, sizeof(out), "%s/export", work);
	/* Nothing to export yet. */
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_export(rootdir, out, &eb), CA_ERR_NOT_FOUND);
	ck_assert_int_eq(exists(out), 0);

	crl_ok(rootdir, NULL, NULL, T1, &res);
	crl_ok(rootdir, "6m", NULL, T1 + 60, &res);
	snap_take(&s, rootdir, root_fp);
	ck_assert_ok(ca_crl_export(rootdir, out, NULL));
	snap_same(&s);
	/* The newest CRL, the CA certificate, no chain for a root. */
	same_file(in_dir(out, "crl.der"), in_dir(rootdir, "crl/2.der"));
	same_file(in_dir(out, "crl.pem"), in_dir(rootdir, "crl/2.pem"));
	same_file(in_dir(out, CA_FILE_CERT), in_dir(rootdir, CA_FILE_CERT));
	ck_assert_int_eq(exists(in_dir(out, CA_FILE_CHAIN)), 0);
	check_sums(out, names, 3);

	/* out exists: refused, and left alone. */
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_export(rootdir, out, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "exists"));
	check_sums(out, names, 3);
	tu_pathf(out2, sizeof(out2), "%s/afile", work);
	tu_write(out2, "x", 1);
	ck_assert_err(ca_crl_export(rootdir, out2, NULL), CA_ERR_EXISTS);

	/* With the CRL ceremony itself. */
	tu_pathf(out2, sizeof(out2), "%s/export2", work);
	memset(&q, 0, sizeof(q));
	q.dir = rootdir;
	q.out = out2;
	ceremony(&c, T1 + 120);
	ck_assert_ok(ca_crl_issue(&q, &c, &res, NULL));
	ck_assert_uint_eq(res.number, 3);
	same_file(in_dir(out2, "crl.der"), in_dir(rootdir, "crl/3.der"));
	check_sums(out2, names, 3);
	/*
	 * An export folder that exists, or that has no folder to go in, is
	 * bad input: refused before a CRL is signed, not after it is issued.
	 */
	q.out = out;
	ceremony(&c, T1 + 180);
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_issue(&q, &c, &res, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "export to a new folder"));
	ck_assert_uint_eq(res.number, 0);
	tu_pathf(out2, sizeof(out2), "%s/none/export", work);
	q.out = out2;
	ck_assert_err(ca_crl_issue(&q, &c, &res, &eb), CA_ERR_NOT_FOUND);
	ck_assert_uint_eq(res.number, 0);
	ck_assert_int_eq(exists(in_dir(rootdir, "crl/4.der")), 0);
	ck_assert_int_eq(log_count(rootdir, root_fp), root_count + 3);
	same_file(in_dir(out, "crl.der"), in_dir(rootdir, "crl/2.der"));

	/*
	 * Only what the log vouches for leaves: a CRL file changed outside
	 * a ceremony, the DER or the PEM, is not exported, and no folder is
	 * left half made.
	 */
	tu_pathf(out2, sizeof(out2), "%s/export5", work);
	tu_write(in_dir(rootdir, "crl/3.pem"), "x", 1);
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_export(rootdir, out2, &eb), CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "crl/3.pem\" is not the file its "
	    "record names"));
	ck_assert_int_eq(count_entries(work, "export5"), 0);
	tu_write(in_dir(rootdir, "crl/3.der"), "x", 1);
	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_export(rootdir, out2, &eb), CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "crl/3.der\" is not the file"));
	ck_assert_int_eq(count_entries(work, "export5"), 0);
}
END_TEST

static Suite *
revoke_suite(void)
{
	Suite *s = suite_create("revoke");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, work_setup, work_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, revoke_by_serial);
	tcase_add_test(tc, revoke_by_cert);
	tcase_add_test(tc, revoke_refused_inputs);
	tcase_add_test(tc, revoke_refused_state);
	tcase_add_test(tc, revoke_planted_index);
	tcase_add_test(tc, crl_issue_numbers);
	tcase_add_test(tc, crl_issue_refused);
	tcase_add_test(tc, crl_status);
	tcase_add_test(tc, crl_export);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(revoke_suite)
