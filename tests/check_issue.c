/*
 * check_issue.c: batch issuance of device certificates (lib/issue.c), end
 * to end on SoftHSM2: a root made by ca_root_init issues straight to
 * devices whose requests are made here, in-process, with the SANs each
 * case needs.  Profiles are read from profiles/ (the tests run from the
 * top of the tree) or written by the case.
 */
#include "check_util.h"

#include <dirent.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"
#include "encode.h"
#include "fsio.h"
#include "issue.h"
#include "log.h"
#include "rootca.h"
#include "store.h"
#include "subca.h"
#include "subinstall.h"

#define TOKEN "kc-issue"
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define LATER (NOW + 3600)
#define MTLS "profiles/device-mtls.json"
#define OPCUA "profiles/device-opcua.json"

static char base[PATH_MAX];
static char work[PATH_MAX + 16];
static char rootdir[PATH_MAX + 32], cadir[PATH_MAX + 32];
static char csrs[PATH_MAX + 32], out[PATH_MAX + 32];
static char pinsrc[PATH_MAX + 64];

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

/* A root, and the issuing CA it signs under the IT profile. */
static void
ca_setup(void)
{
	struct ca_sign_req sq;
	struct ca_sign_result sr;
	struct ca_install_req iq;
	struct ca_install_result ir;
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 48], cert[PATH_MAX + 48], chain[PATH_MAX + 48];

	tu_pathf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_softhsm_token(work, TOKEN "-root");
	tu_softhsm_token(work, TOKEN);
	tu_pathf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);
	tu_pathf(rootdir, sizeof(rootdir), "%s/root", work);
	tu_pathf(cadir, sizeof(cadir), "%s/ca", work);
	tu_pathf(csrs, sizeof(csrs), "%s/csrs", work);
	tu_pathf(out, sizeof(out), "%s/out", work);
	ck_assert_int_eq(mkdir(csrs, 0755), 0);
	tu_make_ca(rootdir, "pkcs11:token=" TOKEN "-root",
	    "CN=Plant Root,O=Acme", "p256", 0, pinsrc, NOW, NULL);
	tu_make_ca(cadir, "pkcs11:token=" TOKEN, "CN=Line 4 Issuing CA,O=Acme",
	    "p256", 1, pinsrc, NOW, NULL);
	tu_pathf(p, sizeof(p), "%s/ca.csr", cadir);
	tu_pathf(cert, sizeof(cert), "%s/sub.pem", work);
	memset(&sq, 0, sizeof(sq));
	sq.prog = "check_issue";
	sq.dir = rootdir;
	sq.csr_path = p;
	sq.profile_path = "profiles/it-issuing.json";
	sq.out_path = cert;
	sq.pin_source = pinsrc;
	sq.now = NOW + 60;
	ck_assert_msg(ca_sign_sub(&sq, &sr, &eb) == 0, "sign: %s", eb.msg);
	tu_pathf(chain, sizeof(chain), "%s/ca.pem", rootdir);
	memset(&iq, 0, sizeof(iq));
	iq.prog = "check_issue";
	iq.dir = cadir;
	iq.cert_path = cert;
	iq.chain_path = chain;
	iq.pin_source = pinsrc;
	iq.now = NOW + 120;
	ck_assert_msg(ca_sub_install(&iq, &ir, &eb) == 0, "install: %s",
	    eb.msg);
}

static void
ca_teardown(void)
{
	tu_rmrf(work);
}

/*
 * A request for CN=cn in csrs/NAME with the SANs in OpenSSL's syntax
 * ("DNS:a,IP:10.0.0.1"; NULL for none), for key (a new P-256 key when
 * NULL), PEM.
 */
static void
make_csr(const char *name, const char *cn, const char *sans, EVP_PKEY *key)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	EVP_PKEY *k = key ? key : EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-256");
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *e;
	char p[PATH_MAX + 64];
	FILE *f;

	ck_assert_ptr_nonnull(req);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, n), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, k), 1);
	if (sans != NULL) {
		exts = sk_X509_EXTENSION_new_null();
		e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
		    sans);
		ck_assert_ptr_nonnull(e);
		sk_X509_EXTENSION_push(exts, e);
		ck_assert_int_eq(X509_REQ_add_extensions(req, exts), 1);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	ck_assert_int_gt(X509_REQ_sign(req, k, EVP_sha256()), 0);
	tu_pathf(p, sizeof(p), "%s/%s", csrs, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_eq(PEM_write_X509_REQ(f, req), 1);
	fclose(f);
	X509_NAME_free(n);
	X509_REQ_free(req);
	if (key == NULL)
		EVP_PKEY_free(k);
}

static void
good_csrs(int n)
{
	char name[32], cn[32], sans[96];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "plc-%02d.csr", i);
		snprintf(cn, sizeof(cn), "plc-%02d", i);
		snprintf(sans, sizeof(sans), "DNS:plc-%02d.plant.example,"
		    "IP:10.20.1.%d", i, i + 1);
		make_csr(name, cn, sans, NULL);
	}
}

/* Issue every request in csrs/; the list is freed here. */
static int
issue(const char *profile, int keep_going, time_t nb,
    struct ca_issue_result *res, struct ca_errbuf *eb)
{
	struct ca_issue_req q;
	char **paths = NULL;
	size_t n = 0;
	int r;

	ck_assert_ok(ca_reqlist_folder(csrs, &paths, &n, eb));
	memset(&q, 0, sizeof(q));
	q.prog = "check_issue";
	q.dir = cadir;
	q.profile_path = profile;
	q.csrs = (const char *const *)paths;
	q.ncsrs = n;
	q.out_dir = out;
	q.keep_going = keep_going;
	q.pin_source = pinsrc;
	q.operator_ = "Alice";
	q.now = LATER;
	q.not_before = nb;
	r = ca_issue(&q, res, eb);
	ca_reqlist_free(paths, n);
	return r;
}

static long long
head_seq(void)
{
	struct ca_log_head h;
	char p[PATH_MAX + 48];

	tu_pathf(p, sizeof(p), "%s/log", cadir);
	ck_assert_ok(ca_log_head_read(p, &h, NULL));
	return h.seq;
}

static json_t *
record(long long seq)
{
	char p[PATH_MAX + 64];
	json_t *j;

	tu_pathf(p, sizeof(p), "%s/log/%06lld.json", cadir, seq);
	ck_assert_ptr_nonnull(j = json_load_file(p, 0, NULL));
	return j;
}

static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static X509 *
load(const char *path)
{
	X509 *x = NULL;

	ck_assert_msg(ca_cert_load(path, &x, NULL) == 0, "load %s", path);
	return x;
}

START_TEST(test_batch)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	struct ca_dir *d = NULL;
	char p[PATH_MAX + 64], sha[65];
	json_t *rec, *all, *one;
	unsigned char *buf;
	size_t i, len;
	X509 *x, *ca;
	GENERAL_NAMES *san;
	ASN1_BIT_STRING *ku;
	long long before = head_seq();

	good_csrs(5);
	/* An empty folder made on the medium beforehand is taken. */
	ck_assert_int_eq(mkdir(out, 0755), 0);
	ck_assert_msg(issue(MTLS, 0, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ck_assert_uint_eq(res.issued, 5);
	ck_assert_uint_eq(res.nbad, 0);
	ck_assert_int_ge(res.sessions, 1);
	ca_issue_result_free(&res);
	/* One record for the batch; the log still verifies. */
	ck_assert_int_eq(head_seq(), before + 1);
	ck_assert_msg(ca_dir_open(cadir, &d, &eb) == 0, "open: %s", eb.msg);
	ca_dir_close(d);
	rec = record(before + 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    rec, "body"), "op")), "issue");
	all = json_object_get(json_object_get(rec, "body"), "issued");
	ck_assert_uint_eq(json_array_size(all), 5);
	/* 5 in issued/, 5 out, the chain; each hash as recorded. */
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(rec,
	    "body"), "outputs")), 11);
	tu_pathf(p, sizeof(p), "%s/ca.pem", cadir);
	ca = load(p);
	json_array_foreach(all, i, one) {
		const char *file = json_string_value(json_object_get(one,
		    "file"));
		const char *o = json_string_value(json_object_get(one, "out"));

		tu_pathf(p, sizeof(p), "%s/%s", cadir, file);
		x = load(p);
		ck_assert_int_eq(X509_verify(x, X509_get0_pubkey(ca)), 1);
		ck_assert_ok(ca_cert_sha256(x, sha));
		ck_assert_str_eq(sha, json_string_value(json_object_get(one,
		    "sha256")));
		/* The out copy is the same file. */
		buf = (unsigned char *)tu_read(o, &len);
		ca_sha256_hex(buf, len, sha);
		free(buf);
		buf = (unsigned char *)tu_read(p, &len);
		ca_sha256_hex(buf, len, p);
		free(buf);
		ck_assert_str_eq(sha, p);
		/* The request's names, and an EC key's usages. */
		san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		ck_assert_ptr_nonnull(san);
		ck_assert_int_eq(sk_GENERAL_NAME_num(san), 2);
		GENERAL_NAMES_free(san);
		ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
		ck_assert_int_eq(ASN1_BIT_STRING_get_bit(ku, 0), 1);
		ck_assert_int_eq(ASN1_BIT_STRING_get_bit(ku, 2), 0);
		ASN1_BIT_STRING_free(ku);
		ck_assert_int_eq(X509_check_ca(x), 0);
		X509_free(x);
	}
	tu_pathf(p, sizeof(p), "%s/plc-03.pem", out);
	ck_assert_int_eq(access(p, F_OK), 0);
	tu_pathf(p, sizeof(p), "%s/ca-chain.pem", out);
	ck_assert_int_eq(access(p, F_OK), 0);
	X509_free(ca);
	json_decref(rec);
}
END_TEST

/* Without --keep-going one bad request means nothing at all. */
START_TEST(test_bad_stops)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 48];
	long long before = head_seq();

	good_csrs(3);
	make_csr("zz-mail.csr", "mailer", "email:a@plant.example", NULL);
	ck_assert_err(issue(MTLS, 0, 0, &res, &eb), CA_ERR_CSR);
	ck_assert_uint_eq(res.nbad, 1);
	ck_assert_ptr_nonnull(strstr(res.bad[0].csr, "zz-mail.csr"));
	ck_assert_ptr_nonnull(strstr(eb.msg, "zz-mail.csr"));
	ck_assert_ptr_nonnull(strstr(eb.msg, "nothing was issued"));
	ca_issue_result_free(&res);
	ck_assert_int_eq(head_seq(), before);
	ck_assert_int_eq(access(out, F_OK), -1);
	tu_pathf(p, sizeof(p), "%s/issued", cadir);
	ck_assert_int_le(count_files(p), 0);
}
END_TEST

START_TEST(test_keep_going)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	json_t *rec, *rej;

	good_csrs(3);
	make_csr("zz-mail.csr", "mailer", "email:a@plant.example", NULL);
	make_csr("zz-nosan.csr", "nosan", NULL, NULL);
	ck_assert_msg(issue(MTLS, 1, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ck_assert_uint_eq(res.issued, 3);
	ck_assert_uint_eq(res.nbad, 2);
	ca_issue_result_free(&res);
	ck_assert_int_eq(count_files(out), 4);	/* 3 and the chain */
	rec = record(head_seq());
	rej = json_object_get(json_object_get(rec, "body"), "rejected");
	ck_assert_uint_eq(json_array_size(rej), 2);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
	    json_array_get(rej, 1), "reason")), "requires"));
	json_decref(rec);
}
END_TEST

/*
 * A request that asks for two lists of extensions (PKCS#9's and
 * Microsoft's attribute), each with another name: which one a reader
 * takes is up to the reader, so it is refused.
 */
START_TEST(test_extensions_twice)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const char *sans[2] = { "DNS:plc-a.plant.example",
	    "DNS:plc-b.plant.example" };
	const int nids[2] = { NID_ext_req, NID_ms_ext_req };
	char p[PATH_MAX + 64];
	FILE *f;
	int i;

	good_csrs(2);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"plc-ab", -1, -1, 0), 1);
	ck_assert_int_eq(X509_REQ_set_subject_name(req, n), 1);
	ck_assert_int_eq(X509_REQ_set_pubkey(req, k), 1);
	for (i = 0; i < 2; i++) {
		STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL,
		    NID_subject_alt_name, sans[i]);

		ck_assert_ptr_nonnull(e);
		sk_X509_EXTENSION_push(exts, e);
		ck_assert_int_eq(X509_REQ_add_extensions_nid(req, exts,
		    nids[i]), 1);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	ck_assert_int_gt(X509_REQ_sign(req, k, EVP_sha256()), 0);
	tu_pathf(p, sizeof(p), "%s/zz-twice.csr", csrs);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_eq(PEM_write_X509_REQ(f, req), 1);
	fclose(f);
	ck_assert_msg(issue(MTLS, 1, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ck_assert_uint_eq(res.issued, 2);
	ck_assert_uint_eq(res.nbad, 1);
	ck_assert_ptr_nonnull(strstr(res.bad[0].csr, "zz-twice.csr"));
	ck_assert_msg(strstr(res.bad[0].reason, "twice") != NULL, "%s",
	    res.bad[0].reason);
	ca_issue_result_free(&res);
	X509_NAME_free(n);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
}
END_TEST

/* OPC UA: exactly one URI, the applicationUri. */
START_TEST(test_opcua_uri)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	size_t i;
	int none = 0, two = 0;

	make_csr("a-one.csr", "one", "URI:urn:plant:one,DNS:one.plant", NULL);
	make_csr("b-none.csr", "none", "DNS:none.plant", NULL);
	make_csr("c-two.csr", "two", "URI:urn:plant:2,URI:urn:plant:3", NULL);
	ck_assert_msg(issue(OPCUA, 1, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ck_assert_uint_eq(res.issued, 1);
	ck_assert_uint_eq(res.nbad, 2);
	for (i = 0; i < res.nbad; i++) {
		if (strstr(res.bad[i].csr, "b-none") != NULL)
			none = strstr(res.bad[i].reason, "uri") != NULL;
		if (strstr(res.bad[i].csr, "c-two") != NULL)
			two = strstr(res.bad[i].reason, "exactly one") != NULL;
	}
	ck_assert_msg(none && two, "reasons: %s / %s", res.bad[0].reason,
	    res.bad[1].reason);
	ca_issue_result_free(&res);
}
END_TEST

/* A copied request is one device asking twice. */
START_TEST(test_same_key)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	make_csr("a.csr", "a", "DNS:a.plant", k);
	make_csr("b.csr", "b", "DNS:b.plant", k);
	ck_assert_err(issue(MTLS, 0, 0, &res, &eb), CA_ERR_CSR);
	ck_assert_ptr_nonnull(strstr(res.bad[0].reason, "same key"));
	ca_issue_result_free(&res);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_refusals)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 48], *b;
	size_t len;
	long long before;

	good_csrs(2);
	before = head_seq();
	/* Two requests that would write one file. */
	tu_pathf(p, sizeof(p), "%s/plc-00.csr", csrs);
	b = tu_read(p, &len);
	tu_pathf(p, sizeof(p), "%s/plc-00.pem", csrs);
	tu_write(p, b, len);
	free(b);
	ck_assert_err(issue(MTLS, 1, 0, &res, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "rename one"));
	ca_issue_result_free(&res);
	ck_assert_int_eq(unlink(p), 0);
	/*
	 * A request whose certificate, NAME.pem, could not be written: its
	 * temporary's name would be too long.  Refused before the token.
	 */
	{
		char name[NAME_MAX + 1], q[PATH_MAX + NAME_MAX + 2];
		size_t longest = NAME_MAX - 4 - CA_TMP_SUFFIX_LEN;

		memset(name, 'p', sizeof(name));
		memcpy(name + longest + 1, ".csr", 5);
		make_csr(name, "plc-long", "DNS:plc-long.plant.example", NULL);
		ck_assert_err(issue(MTLS, 1, 0, &res, &eb),
		    CA_ERR_INVALID_ARG);
		ck_assert_ptr_nonnull(strstr(eb.msg, "rename the request to "
		    "at most 240 characters"));
		ca_issue_result_free(&res);
		ck_assert_int_eq(head_seq(), before);
		ck_assert_int_eq(access(out, F_OK), -1);
		/* One character less, and it is issued. */
		tu_pathf(p, sizeof(p), "%s/%s", csrs, name);
		memcpy(name + longest, ".csr", 5);
		tu_pathf(q, sizeof(q), "%s/%s", csrs, name);
		ck_assert_int_eq(rename(p, q), 0);
		ck_assert_ok(issue(MTLS, 0, 0, &res, NULL));
		ck_assert_uint_eq(res.issued, 3);
		ca_issue_result_free(&res);
		name[longest] = '\0';
		tu_pathf(p, sizeof(p), "%s/%s.pem", out, name);
		ck_assert_int_eq(access(p, F_OK), 0);
		ck_assert_int_eq(unlink(q), 0);
		ck_assert_int_eq(head_seq(), before + 1);
		before = head_seq();
		tu_rmrf(out);
	}
	/* The root itself: devices come from an issuing CA. */
	{
		struct ca_issue_req q;
		const char *one[1];

		tu_pathf(p, sizeof(p), "%s/plc-00.csr", csrs);
		one[0] = p;
		memset(&q, 0, sizeof(q));
		q.prog = "check_issue";
		q.dir = rootdir;
		q.profile_path = MTLS;
		q.csrs = one;
		q.ncsrs = 1;
		q.out_dir = out;
		q.pin_source = pinsrc;
		q.now = LATER;
		ck_assert_err(ca_issue(&q, &res, &eb), CA_ERR_INVALID_ARG);
		ck_assert_ptr_nonnull(strstr(eb.msg, "is a root CA"));
		ca_issue_result_free(&res);
	}
	/* A profile of another kind. */
	ck_assert_err(issue("profiles/it-issuing.json", 0, 0, &res, &eb),
	    CA_ERR_PROFILE);
	ca_issue_result_free(&res);
	/* notBefore in the past. */
	ck_assert_err(issue(MTLS, 0, NOW, &res, &eb), CA_ERR_INVALID_ARG);
	ca_issue_result_free(&res);
	/* An --out that holds something. */
	ck_assert_int_eq(mkdir(out, 0755), 0);
	tu_pathf(p, sizeof(p), "%s/other.pem", out);
	tu_write(p, "x", 1);
	ck_assert_err(issue(MTLS, 0, 0, &res, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not an empty folder"));
	ca_issue_result_free(&res);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(rmdir(out), 0);
	/* A wrong PIN: nothing written, no folder left. */
	tu_pathf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "654321\n", 7);
	ck_assert_err(issue(MTLS, 0, 0, &res, &eb), CA_ERR_PIN_INCORRECT);
	ca_issue_result_free(&res);
	tu_write(p, "123456\n", 7);
	ck_assert_int_eq(access(out, F_OK), -1);
	ck_assert_int_eq(head_seq(), before);
}
END_TEST

/* Staged: notBefore at a later window, recorded so. */
START_TEST(test_staged)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 48];
	json_t *rec;
	X509 *x;
	time_t nb = LATER + 90 * 86400;

	good_csrs(1);
	ck_assert_msg(issue(MTLS, 0, nb, &res, &eb) == 0, "issue: %s", eb.msg);
	ck_assert_str_eq(res.not_before, "2026-04-01T01:00:00Z");
	ca_issue_result_free(&res);
	tu_pathf(p, sizeof(p), "%s/plc-00.pem", out);
	x = load(p);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), nb), 0);
	X509_free(x);
	rec = record(head_seq());
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(rec, "body"), "params"),
	    "staged"), "not_before")), "2026-04-01T01:00:00Z");
	json_decref(rec);
}
END_TEST

/* Serials never repeat: across batches, nor the CA's own. */
START_TEST(test_serials)
{
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	struct ca_serial_set set = { 0 };
	char p[PATH_MAX + 48];
	size_t i;

	good_csrs(20);
	ck_assert_msg(issue(MTLS, 0, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ca_issue_result_free(&res);
	tu_rmrf(out);
	ck_assert_msg(issue(MTLS, 0, 0, &res, &eb) == 0, "issue: %s", eb.msg);
	ca_issue_result_free(&res);
	tu_pathf(p, sizeof(p), "%s/log", cadir);
	ck_assert_ok(ca_log_serials(p, head_seq(), &set, &eb));
	/* 40 issued, the log signer's; sorted, none twice. */
	ck_assert_uint_ge(set.n, 41);
	for (i = 1; i < set.n; i++)
		ck_assert_int_lt(strcmp(set.v[i - 1], set.v[i]), 0);
	ck_assert_int_eq(ca_serial_set_has(&set, set.v[7]), 1);
	ck_assert_int_eq(ca_serial_set_has(&set, "00"), 0);
	ca_serial_set_free(&set);
}
END_TEST

static Suite *
issue_suite(void)
{
	Suite *s = suite_create("issue");
	TCase *tc = tcase_create("issue");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, ca_setup, ca_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_bad_stops);
	tcase_add_test(tc, test_keep_going);
	tcase_add_test(tc, test_extensions_twice);
	tcase_add_test(tc, test_opcua_uri);
	tcase_add_test(tc, test_same_key);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_staged);
	tcase_add_test(tc, test_serials);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(issue_suite)
