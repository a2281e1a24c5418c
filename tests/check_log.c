/*
 * check_log.c: the signed, hash-chained ceremony log (lib/log.c).
 *
 * Logs are written here with the library's own record builder
 * (ca_log_body_new + ca_log_seal) and software P-384 keys, then damaged
 * in one way at a time; ca_log_verify must refuse each with CA_ERR_LOG
 * and name the record.
 */
#include "check_util.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "cjson.h"
#include "encode.h"
#include "log.h"
#include "profile.h"

/*
 * Every temporary folder of a run lives under one base folder, made and
 * removed by the parent process (an unchecked fixture), so that a test
 * whose child dies on a failed assertion leaves nothing behind.
 */
static char tu_base[PATH_MAX];

static void
base_setup(void)
{
	tu_tmpdir(tu_base);
	setenv("TMPDIR", tu_base, 1);
}

static void
base_teardown(void)
{
	tu_rmrf(tu_base);
	unsetenv("TMPDIR");
}

#define T0 ((time_t)1767225600)		/* 2026-01-01T00:00:00Z */
#define NREC 4
#define NREC_LONG 40	/* past several windows of parallel verification */

/* A log folder, its signing key and that key's certificate. */
struct fx {
	char tmp[PATH_MAX];
	char logdir[PATH_MAX + 8];
	EVP_PKEY *key;
	X509 *cert;
	char hash[NREC_LONG + 1][65];	/* body hashes as sealed, by seq */
};

static X509 *
signer_cert(EVP_PKEY *key)
{
	struct ca_cert_params p;
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Ceremony Log Signer", -1, -1, 0), 1);
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_LOG_SIGNER;
	p.subject = n;
	p.issuer = n;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = T0;
	p.not_after = T0 + 86400 * 365;
	p.path_len = -1;
	p.key_usage = CA_KU_DIGITAL_SIGNATURE;
	ck_assert_ok(ca_cert_build(&p, key, key, &x));
	ck_assert_ok(ca_cert_sign(x, key, ca_md_for_key(key), NULL));
	X509_NAME_free(n);
	return x;
}

static void
fx_init(struct fx *f, enum ca_keyalg alg)
{
	memset(f, 0, sizeof(*f));
	tu_tmpdir(f->tmp);
	snprintf(f->logdir, sizeof(f->logdir), "%s/log", f->tmp);
	ck_assert_int_eq(mkdir(f->logdir, 0755), 0);
	ck_assert_ok(ca_keygen_soft(alg, &f->key));
	f->cert = signer_cert(f->key);
}

static void
fx_free(struct fx *f)
{
	X509_free(f->cert);
	EVP_PKEY_free(f->key);
	tu_rmrf(f->tmp);
}

static void
rec_path(const struct fx *f, long long seq, char *buf, size_t cap)
{
	char name[32];

	ca_log_record_name(seq, name);
	snprintf(buf, cap, "%s/%s", f->logdir, name);
}

/*
 * Seal body with signer/pub and write it as record seq (which must be
 * free); the body hash goes to hash (may be NULL).
 */
static void
put_record(struct fx *f, long long seq, const json_t *body, EVP_PKEY *signer,
    EVP_PKEY *pub, char hash[65])
{
	char path[PATH_MAX + 40], h[65], *rec = NULL;
	struct ca_errbuf eb;
	size_t len = 0;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_log_seal(body, signer, pub, &rec, &len, h, &eb) == 0,
	    "seal: %s", eb.msg);
	ck_assert_uint_eq(len, strlen(rec));
	ck_assert_int_eq(rec[len - 1], '\n');
	rec_path(f, seq, path, sizeof(path));
	ck_assert_int_ne(access(path, F_OK), 0);
	tu_write(path, rec, len);
	free(rec);
	if (hash != NULL)
		memcpy(hash, h, 65);
}

/* The body of the next record as ca-init would start it, at time t. */
static json_t *
next_body(struct fx *f, time_t t, struct ca_log_head *head)
{
	struct ca_errbuf eb;
	json_t *b = NULL;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_log_head_read(f->logdir, head, &eb) == 0,
	    "head: %s", eb.msg);
	ck_assert_ok(ca_log_body_new(head, t, "test-op", &b, &eb));
	ck_assert_int_eq(json_object_set_new(b, "note",
	    json_string("record body")), 0);
	ck_assert_int_eq(json_object_set_new(b, "count",
	    json_integer(head->seq + 1)), 0);
	return b;
}

/* Append one good record at time t. */
static void
append(struct fx *f, time_t t)
{
	struct ca_log_head head;
	json_t *b = next_body(f, t, &head);

	put_record(f, head.seq + 1, b, f->key, f->key, f->hash[head.seq + 1]);
	json_decref(b);
}

/* A good log of NREC records, a minute apart. */
static void
fx_log(struct fx *f)
{
	int i;

	for (i = 0; i < NREC; i++)
		append(f, T0 + 60 * i);
}

static void
expect_ok(struct fx *f, struct ca_log_summary *sum)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_log_verify(f->logdir, &f->cert, 1, sum, &eb) == 0,
	    "verify: %s", eb.msg);
}

/* ca_log_verify refuses the log with CA_ERR_LOG and eb holding want. */
static void
expect_log_err(struct fx *f, const char *want)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_log_verify(f->logdir, &f->cert, 1, NULL, &eb),
	    CA_ERR_LOG);
	ck_assert_msg(strstr(eb.msg, want) != NULL, "detail \"%s\" lacks "
	    "\"%s\"", eb.msg, want);
	ck_assert_int_eq(ERR_peek_error(), 0);
}

static char *
read_rec(struct fx *f, long long seq, size_t *len)
{
	char path[PATH_MAX + 40];

	rec_path(f, seq, path, sizeof(path));
	return tu_read(path, len);
}

static void
write_rec(struct fx *f, long long seq, const char *data, size_t len)
{
	char path[PATH_MAX + 40];

	rec_path(f, seq, path, sizeof(path));
	tu_write(path, data, len);
}

START_TEST(record_names)
{
	char buf[32];

	ca_log_record_name(1, buf);
	ck_assert_str_eq(buf, "000001.json");
	ca_log_record_name(123456, buf);
	ck_assert_str_eq(buf, "123456.json");
	ca_log_record_name(1234567, buf);
	ck_assert_str_eq(buf, "1234567.json");
}
END_TEST

START_TEST(empty_log)
{
	struct ca_log_summary sum;
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	char missing[PATH_MAX + 16];
	long long n;

	fx_init(&f, CA_ALG_P384);
	memset(&head, 0x55, sizeof(head));
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	ck_assert_int_eq(head.seq, 0);
	ck_assert_str_eq(head.log_id, "");
	snprintf(missing, sizeof(missing), "%s/nothing", f.tmp);
	ck_assert_ok(ca_log_head_read(missing, &head, &eb));
	ck_assert_int_eq(head.seq, 0);
	n = 5;
	ck_assert_ok(ca_log_count(f.logdir, &n, &eb));
	ck_assert_int_eq(n, 0);
	n = 5;
	ck_assert_ok(ca_log_count(missing, &n, &eb));
	ck_assert_int_eq(n, 0);
	/* A summary of nothing gives no head. */
	memset(&sum, 0, sizeof(sum));
	ck_assert_err(ca_log_summary_head(&sum, &head), CA_ERR_LOG);
	/* Nothing to verify is not a verified log. */
	expect_log_err(&f, "holds no records");
	fx_free(&f);
}
END_TEST

START_TEST(first_body_fields)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	json_t *b = NULL;
	char *canon = NULL;
	size_t n = 0;

	memset(&head, 0, sizeof(head));
	ck_assert_ok(ca_log_body_new(&head, T0, "init-root", &b, &eb));
	ck_assert_ok(ca_json_canon(b, &canon, &n, &eb));
	ck_assert_str_eq(canon, "{\"log_id\":null,\"op\":\"init-root\","
	    "\"prev\":null,\"schema\":\"keyceremony-transcript\",\"seq\":1,"
	    "\"time\":\"2026-01-01T00:00:00Z\",\"version\":1}");
	free(canon);
	json_decref(b);
}
END_TEST

START_TEST(good_log_verifies)
{
	struct ca_log_summary sum;
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	json_t *b = NULL;
	char *canon = NULL;
	size_t n = 0;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	memset(&sum, 0, sizeof(sum));
	expect_ok(&f, &sum);
	ck_assert_int_eq(sum.count, NREC);
	ck_assert_str_eq(sum.head, f.hash[NREC]);
	ck_assert_str_eq(sum.log_id, f.hash[1]);
	ck_assert_str_eq(sum.first_time, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(sum.last_time, "2026-01-01T00:03:00Z");
	expect_ok(&f, NULL);

	/* The head, as the next writer sees it. */
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	ck_assert_int_eq(head.seq, NREC);
	ck_assert_str_eq(head.hash, f.hash[NREC]);
	ck_assert_str_eq(head.log_id, f.hash[1]);
	ck_assert_int_eq(head.time, T0 + 60 * (NREC - 1));
	/* The same head from the verifying pass, without a second read. */
	{
		struct ca_log_head h2;
		long long count = 0;

		memset(&h2, 0x55, sizeof(h2));
		ck_assert_ok(ca_log_summary_head(&sum, &h2));
		ck_assert_int_eq(h2.seq, head.seq);
		ck_assert_str_eq(h2.hash, head.hash);
		ck_assert_str_eq(h2.log_id, head.log_id);
		ck_assert_int_eq(h2.time, head.time);
		ck_assert_ok(ca_log_count(f.logdir, &count, &eb));
		ck_assert_int_eq(count, NREC);
		/* A time that does not parse is no head. */
		strcpy(sum.last_time, "yesterday");
		ck_assert_err(ca_log_summary_head(&sum, &h2), CA_ERR_LOG);
	}

	/* The next body chains to it. */
	ck_assert_ok(ca_log_body_new(&head, head.time, "next", &b, &eb));
	ck_assert_int_eq(json_integer_value(json_object_get(b, "seq")),
	    NREC + 1);
	ck_assert_str_eq(json_string_value(json_object_get(b, "prev")),
	    f.hash[NREC]);
	ck_assert_str_eq(json_string_value(json_object_get(b, "log_id")),
	    f.hash[1]);
	json_decref(b);

	/* The stored hash is the SHA-256 of the canonical body. */
	{
		json_t *rec = NULL;
		char *raw, h[65];
		size_t len;

		raw = read_rec(&f, 2, &len);
		ck_assert_ok(ca_json_parse(raw, len, &rec, &eb));
		ck_assert_ok(ca_json_canon(json_object_get(rec, "body"),
		    &canon, &n, &eb));
		ca_sha256_hex(canon, n, h);
		ck_assert_str_eq(h, f.hash[2]);
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(json_object_get(rec, "sigs"), 0), "alg")),
		    "ES384");
		free(canon);
		free(raw);
		json_decref(rec);
	}
	fx_free(&f);
}
END_TEST

/* The head of a one-record log: its log id is the first body's hash. */
START_TEST(head_of_single_record)
{
	struct ca_log_summary sum;
	struct ca_log_head head, h2;
	struct ca_errbuf eb;
	struct fx f;

	fx_init(&f, CA_ALG_P384);
	append(&f, T0);
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	ck_assert_int_eq(head.seq, 1);
	ck_assert_str_eq(head.hash, f.hash[1]);
	ck_assert_str_eq(head.log_id, f.hash[1]);
	expect_ok(&f, &sum);
	ck_assert_ok(ca_log_summary_head(&sum, &h2));
	ck_assert_str_eq(h2.log_id, f.hash[1]);
	ck_assert_str_eq(h2.hash, f.hash[1]);
	fx_free(&f);
}
END_TEST

START_TEST(other_signature_algorithms)
{
	struct fx f;
	char *raw;

	fx_init(&f, CA_ALG_P256);
	fx_log(&f);
	expect_ok(&f, NULL);
	raw = read_rec(&f, 1, NULL);
	ck_assert_ptr_nonnull(strstr(raw, "\"alg\":\"ES256\""));
	free(raw);
	fx_free(&f);

	fx_init(&f, CA_ALG_RSA3072);
	append(&f, T0);
	append(&f, T0);		/* equal times are allowed */
	expect_ok(&f, NULL);
	raw = read_rec(&f, 2, NULL);
	ck_assert_ptr_nonnull(strstr(raw, "\"alg\":\"RS256\""));
	free(raw);
	fx_free(&f);
}
END_TEST

/* Any one byte of any record changed: the record is refused. */
START_TEST(changed_byte_in_any_record)
{
	struct fx f;
	char *raw, *p, want[32];
	size_t len;
	long long seq;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	for (seq = 1; seq <= NREC; seq++) {
		raw = read_rec(&f, seq, &len);
		/* Still canonical JSON: "record body" -> "record bodY". */
		p = strstr(raw, "record body");
		ck_assert_ptr_nonnull(p);
		p[10] = 'Y';
		write_rec(&f, seq, raw, len);
		ca_log_record_name(seq, want);
		expect_log_err(&f, want);
		expect_log_err(&f, "signature does not verify");
		p[10] = 'y';
		write_rec(&f, seq, raw, len);
		expect_ok(&f, NULL);
		free(raw);
	}
	fx_free(&f);
}
END_TEST

/* A byte of the signature itself changed. */
START_TEST(changed_signature_byte)
{
	struct fx f;
	char *raw, *p;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	raw = read_rec(&f, 3, &len);
	p = strstr(raw, "\"sig\":\"");
	ck_assert_ptr_nonnull(p);
	p += 12;
	*p = *p == 'A' ? 'B' : 'A';
	write_rec(&f, 3, raw, len);
	expect_log_err(&f, "000003.json: signature does not verify");
	free(raw);
	fx_free(&f);
}
END_TEST

START_TEST(deleted_middle_record)
{
	char path[PATH_MAX + 40];
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	long long n;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	rec_path(&f, 2, path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);
	expect_log_err(&f, "records are missing");
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	ck_assert_err(ca_log_count(f.logdir, &n, &eb), CA_ERR_LOG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "numbered up to"));
	fx_free(&f);
}
END_TEST

/* Deleted and the rest renumbered: the chain breaks instead. */
START_TEST(deleted_and_renumbered)
{
	char from[PATH_MAX + 40], to[PATH_MAX + 40];
	struct fx f;
	long long seq;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	rec_path(&f, 2, to, sizeof(to));
	ck_assert_int_eq(unlink(to), 0);
	for (seq = 3; seq <= NREC; seq++) {
		rec_path(&f, seq, from, sizeof(from));
		rec_path(&f, seq - 1, to, sizeof(to));
		ck_assert_int_eq(rename(from, to), 0);
	}
	expect_log_err(&f, "000002.json: seq is not 2");
	fx_free(&f);
}
END_TEST

/* The last record dropped: a shorter log that still verifies. */
START_TEST(truncated_log_still_verifies)
{
	char path[PATH_MAX + 40];
	struct ca_log_summary sum;
	struct fx f;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	rec_path(&f, NREC, path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);
	expect_ok(&f, &sum);
	/* Only an anchor on the head (sum.head) shows the loss. */
	ck_assert_int_eq(sum.count, NREC - 1);
	ck_assert_str_eq(sum.head, f.hash[NREC - 1]);
	ck_assert_str_ne(sum.head, f.hash[NREC]);
	fx_free(&f);
}
END_TEST

START_TEST(swapped_records)
{
	char a[PATH_MAX + 40], b[PATH_MAX + 40], t[PATH_MAX + 48];
	struct fx f;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	rec_path(&f, 2, a, sizeof(a));
	rec_path(&f, 3, b, sizeof(b));
	snprintf(t, sizeof(t), "%s/swap", f.tmp);
	ck_assert_int_eq(rename(a, t), 0);
	ck_assert_int_eq(rename(b, a), 0);
	ck_assert_int_eq(rename(t, b), 0);
	expect_log_err(&f, "000002.json: seq is not 2");
	fx_free(&f);
}
END_TEST

/* The same JSON with different bytes: not canonical, so refused. */
START_TEST(not_canonical)
{
	struct fx f;
	char *raw, *alt;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	raw = read_rec(&f, 2, &len);

	/* A space after the first colon. */
	alt = malloc(len + 2);
	ck_assert_ptr_nonnull(alt);
	ck_assert_int_eq(raw[0], '{');
	memcpy(alt, raw, len);
	{
		char *c = strchr(alt, ':');

		memmove(c + 2, c + 1, len - (size_t)(c + 1 - alt));
		c[1] = ' ';
	}
	write_rec(&f, 2, alt, len + 1);
	expect_log_err(&f, "000002.json: not in canonical form");

	/* No trailing newline. */
	write_rec(&f, 2, raw, len - 1);
	expect_log_err(&f, "000002.json: not in canonical form");

	/* Two trailing newlines. */
	memcpy(alt, raw, len);
	alt[len] = '\n';
	write_rec(&f, 2, alt, len + 1);
	expect_log_err(&f, "000002.json: not in canonical form");

	/* Back to the original: the log is good again. */
	write_rec(&f, 2, raw, len);
	expect_ok(&f, NULL);
	free(alt);
	free(raw);
	fx_free(&f);
}
END_TEST

/* Keys out of order: same JSON value, other bytes. */
START_TEST(keys_out_of_order)
{
	struct ca_errbuf eb;
	json_t *rec = NULL;
	struct fx f;
	char *raw, *dump;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	raw = read_rec(&f, 3, &len);
	ck_assert_ok(ca_json_parse(raw, len, &rec, &eb));
	/* JSON_PRESERVE_ORDER keeps insertion order: sigs before body. */
	{
		json_t *o = json_object();

		json_object_set(o, "sigs", json_object_get(rec, "sigs"));
		json_object_set(o, "body", json_object_get(rec, "body"));
		dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	ck_assert_ptr_nonnull(dump);
	ck_assert_uint_eq(strlen(dump) + 1, len);
	ck_assert_int_ne(memcmp(dump, raw, len - 1), 0);
	{
		char *d2 = malloc(len);

		memcpy(d2, dump, len - 1);
		d2[len - 1] = '\n';
		write_rec(&f, 3, d2, len);
		free(d2);
	}
	expect_log_err(&f, "000003.json: not in canonical form");
	free(dump);
	free(raw);
	json_decref(rec);
	fx_free(&f);
}
END_TEST

/* A duplicate key would give two readings of one record. */
START_TEST(duplicate_key)
{
	struct fx f;
	char *raw, *alt, *p;
	size_t len, off;
	const char dup[] = "\"op\":\"evil\",";

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	raw = read_rec(&f, 2, &len);
	p = strstr(raw, "\"op\":");
	ck_assert_ptr_nonnull(p);
	off = (size_t)(p - raw);
	alt = malloc(len + sizeof(dup));
	memcpy(alt, raw, off);
	memcpy(alt + off, dup, sizeof(dup) - 1);
	memcpy(alt + off + sizeof(dup) - 1, raw + off, len - off);
	write_rec(&f, 2, alt, len + sizeof(dup) - 1);
	expect_log_err(&f, "000002.json");
	expect_log_err(&f, "duplicate");
	free(alt);
	free(raw);
	fx_free(&f);
}
END_TEST

/* A properly signed record whose prev is not the previous body's hash. */
START_TEST(wrong_prev)
{
	struct ca_log_head head;
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	b = next_body(&f, T0 + 3600, &head);
	ck_assert_int_eq(json_object_set_new(b, "prev",
	    json_string(f.hash[NREC - 1])), 0);
	put_record(&f, NREC + 1, b, f.key, f.key, NULL);
	json_decref(b);
	expect_log_err(&f, "000005.json: prev does not match");
	fx_free(&f);
}
END_TEST

/* The first record must have prev null, not a hash. */
START_TEST(first_record_with_prev)
{
	struct ca_log_head head;
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	b = next_body(&f, T0, &head);
	ck_assert_int_eq(json_object_set_new(b, "prev",
	    json_string("00")), 0);
	put_record(&f, 1, b, f.key, f.key, NULL);
	json_decref(b);
	expect_log_err(&f, "000001.json: prev does not match");
	fx_free(&f);
}
END_TEST

START_TEST(wrong_log_id)
{
	struct ca_log_head head;
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	b = next_body(&f, T0 + 3600, &head);
	ck_assert_int_eq(json_object_set_new(b, "log_id",
	    json_string(f.hash[2])), 0);
	put_record(&f, NREC + 1, b, f.key, f.key, NULL);
	json_decref(b);
	expect_log_err(&f, "000005.json: log_id does not match");
	fx_free(&f);
}
END_TEST

/* Good records from another log spliced onto this one. */
START_TEST(record_from_other_log)
{
	struct fx f, g;
	char *raw;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_init(&g, CA_ALG_P384);
	fx_log(&f);
	/* The same key writes a second log, one second apart at first. */
	EVP_PKEY_free(g.key);
	g.key = f.key;
	EVP_PKEY_up_ref(g.key);
	append(&g, T0 + 1);
	append(&g, T0 + 60);
	raw = read_rec(&g, 2, &len);
	write_rec(&f, 2, raw, len);
	/* Its prev (the other first record) breaks first. */
	expect_log_err(&f, "000002.json: prev does not match");
	free(raw);
	fx_free(&g);
	fx_free(&f);
}
END_TEST

/* Signed by a key that is not among the signers. */
START_TEST(signed_by_another_key)
{
	struct ca_log_head head;
	EVP_PKEY *other = NULL;
	X509 *both[2];
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &other));
	b = next_body(&f, T0 + 3600, &head);
	put_record(&f, NREC + 1, b, other, other, NULL);
	json_decref(b);
	expect_log_err(&f, "000005.json: signed by unknown key");

	/* With the other key's certificate among the signers it passes. */
	both[0] = signer_cert(other);
	both[1] = f.cert;
	ck_assert_ok(ca_log_verify(f.logdir, both, 2, NULL, NULL));
	/* And with no signers at all, nothing verifies. */
	ck_assert_err(ca_log_verify(f.logdir, both, 0, NULL, NULL),
	    CA_ERR_LOG);
	X509_free(both[0]);
	EVP_PKEY_free(other);
	fx_free(&f);
}
END_TEST

/* The kid names our key but the signature is another key's. */
START_TEST(kid_of_signer_signature_of_other)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	EVP_PKEY *other = NULL;
	struct fx f;
	json_t *b, *rec = NULL;
	char *raw = NULL, *s = NULL;
	size_t len = 0;
	char h[65];

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &other));
	b = next_body(&f, T0 + 3600, &head);
	/* ca_log_seal itself refuses a signature that does not verify. */
	ck_assert_err(ca_log_seal(b, other, f.key, &raw, &len, h, &eb),
	    CA_ERR_VERIFY);
	ck_assert_ptr_null(raw);

	/* Forge it by hand: other's record, our kid. */
	ck_assert_ok(ca_log_seal(b, other, other, &raw, &len, h, &eb));
	ck_assert_ok(ca_json_parse(raw, len, &rec, &eb));
	free(raw);
	{
		char kid[65];

		ck_assert_ok(ca_spki_sha256(f.key, kid));
		ck_assert_int_eq(json_object_set_new(json_array_get(
		    json_object_get(rec, "sigs"), 0), "kid",
		    json_string(kid)), 0);
	}
	ck_assert_ok(ca_json_canon(rec, &s, &len, &eb));
	raw = malloc(len + 1);
	memcpy(raw, s, len);
	raw[len] = '\n';
	write_rec(&f, NREC + 1, raw, len + 1);
	expect_log_err(&f, "000005.json: signature does not verify");
	free(raw);
	free(s);
	json_decref(rec);
	json_decref(b);
	EVP_PKEY_free(other);
	fx_free(&f);
}
END_TEST

/* The alg field must fit the key. */
START_TEST(alg_does_not_fit_key)
{
	struct fx f;
	char *raw, *p;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	raw = read_rec(&f, 2, &len);
	p = strstr(raw, "\"alg\":\"ES384\"");
	ck_assert_ptr_nonnull(p);
	p[7] = 'R';
	write_rec(&f, 2, raw, len);
	expect_log_err(&f, "000002.json: signature algorithm \"RS384\" does "
	    "not fit the key");
	p[7] = 'X';
	write_rec(&f, 2, raw, len);
	expect_log_err(&f, "000002.json: signature algorithm \"XS384\"");
	free(raw);
	fx_free(&f);
}
END_TEST

/* A record written with a doctored head so its time is earlier. */
START_TEST(time_goes_backwards)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	json_t *b = NULL;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	head.time = T0;
	ck_assert_ok(ca_log_body_new(&head, T0 + 1, "late", &b, &eb));
	put_record(&f, NREC + 1, b, f.key, f.key, NULL);
	json_decref(b);
	expect_log_err(&f, "000005.json: time goes backwards");
	fx_free(&f);
}
END_TEST

START_TEST(body_new_refuses_clock_before_head)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	json_t *b = NULL;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	b = (json_t *)1;
	eb.msg[0] = '\0';
	ck_assert_err(ca_log_body_new(&head, head.time - 1, "x", &b, &eb),
	    CA_ERR_CLOCK);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(eb.msg, "2026-01-01T00:03:00Z") != NULL,
	    "detail: %s", eb.msg);
	/* The same second is fine. */
	ck_assert_ok(ca_log_body_new(&head, head.time, "x", &b, &eb));
	json_decref(b);
	fx_free(&f);
}
END_TEST

/* The laptop's clock years ahead: refused until the operator confirms. */
START_TEST(body_new_clock_far_ahead)
{
	const time_t day = 86400;
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	json_t *b = NULL, *d;
	time_t late;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	ck_assert_ok(ca_log_head_read(f.logdir, &head, &eb));
	/* A long gap between ceremonies is not yet suspect. */
	ck_assert_ok(ca_log_body_new(&head, head.time + CA_LOG_MAX_GAP_DAYS *
	    day, "x", &b, &eb));
	ck_assert_ptr_null(json_object_get(b, "clock_deviation"));
	json_decref(b);
	late = head.time + (CA_LOG_MAX_GAP_DAYS + 1) * day;
	eb.msg[0] = '\0';
	ck_assert_err(ca_log_body_new(&head, late, "x", &b, &eb),
	    CA_ERR_CLOCK);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(eb.msg, "--confirm-clock") != NULL, "detail: %s",
	    eb.msg);
	/* A trusted clock that disagrees with the system's confirms nothing. */
	ck_assert_err(ca_log_clock_confirm(late + CA_LOG_CONFIRM_SLACK + 1,
	    late, &eb), CA_ERR_CLOCK);
	ck_assert_err(ca_log_body_new(&head, late, "x", &b, &eb),
	    CA_ERR_CLOCK);
	ck_assert_ok(ca_log_clock_confirm(late - 60, late, &eb));
	ck_assert_ok(ca_log_body_new(&head, late, "x", &b, &eb));
	d = json_object_get(b, "clock_deviation");
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(json_integer_value(json_object_get(d, "days")),
	    CA_LOG_MAX_GAP_DAYS + 1);
	ck_assert_str_eq(json_string_value(json_object_get(d, "last_record")),
	    "2026-01-01T00:03:00Z");
	json_decref(b);
	/* Still never backwards. */
	ck_assert_err(ca_log_body_new(&head, head.time - 1, "x", &b, &eb),
	    CA_ERR_CLOCK);
	fx_free(&f);
}
END_TEST

START_TEST(seal_refuses_non_profile_bodies)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	EVP_PKEY *k = NULL;
	json_t *b = NULL;
	char *rec, h[65];
	size_t len;

	ck_assert_ok(ca_keygen_soft(CA_ALG_P384, &k));
	memset(&head, 0, sizeof(head));

	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	json_object_set_new(b, "ratio", json_real(0.5));
	rec = (char *)1;
	ck_assert_err(ca_log_seal(b, k, k, &rec, &len, h, &eb), CA_ERR_CANON);
	ck_assert_ptr_null(rec);
	json_decref(b);

	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	json_object_set_new(b, "big", json_integer(CA_JSON_INT_MAX + 1));
	ck_assert_err(ca_log_seal(b, k, k, &rec, &len, h, &eb), CA_ERR_CANON);
	json_decref(b);

	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	json_object_set_new(b, "small", json_integer(-CA_JSON_INT_MAX - 1));
	ck_assert_err(ca_log_seal(b, k, k, &rec, &len, h, &eb), CA_ERR_CANON);
	json_decref(b);

	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	json_object_set_new(b, "tab", json_string("a\tb"));
	ck_assert_err(ca_log_seal(b, k, k, &rec, &len, h, &eb), CA_ERR_CANON);
	json_decref(b);

	/* The largest allowed integer is fine. */
	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	json_object_set_new(b, "big", json_integer(CA_JSON_INT_MAX));
	ck_assert_ok(ca_log_seal(b, k, k, &rec, &len, h, &eb));
	free(rec);
	json_decref(b);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(seal_refuses_unsupported_key)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	json_t *b = NULL;
	char *rec, h[65];
	size_t len;

	ck_assert_ptr_nonnull(ed);
	memset(&head, 0, sizeof(head));
	ck_assert_ok(ca_log_body_new(&head, T0, "x", &b, &eb));
	ck_assert_err(ca_log_seal(b, ed, ed, &rec, &len, h, &eb),
	    CA_ERR_ALGORITHM);
	ck_assert_ptr_null(rec);
	json_decref(b);
	EVP_PKEY_free(ed);
}
END_TEST

/* Verified bodies must carry the schema, version, seq, time and op. */
static void
field_broken(const char *key, json_t *value, const char *want)
{
	struct ca_log_head head;
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	append(&f, T0);
	b = next_body(&f, T0 + 60, &head);
	if (value != NULL)
		ck_assert_int_eq(json_object_set_new(b, key, value), 0);
	else
		ck_assert_int_eq(json_object_del(b, key), 0);
	put_record(&f, 2, b, f.key, f.key, NULL);
	json_decref(b);
	expect_log_err(&f, want);
	fx_free(&f);
}

START_TEST(body_fields_checked)
{
	field_broken("schema", json_string("other"),
	    "000002.json: schema is not");
	field_broken("version", json_integer(2),
	    "000002.json: unsupported version");
	field_broken("version", json_string("1"),
	    "000002.json: unsupported version");
	field_broken("seq", json_integer(3), "000002.json: seq is not 2");
	field_broken("time", json_string("2026-01-01 00:01:00"),
	    "000002.json: time is not");
	field_broken("op", NULL, "000002.json: no op");
	field_broken("op", json_integer(1), "000002.json: no op");
}
END_TEST

START_TEST(stray_files_refused)
{
	char path[PATH_MAX + 40];
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	char *raw;
	size_t len;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	snprintf(path, sizeof(path), "%s/notes.txt", f.logdir);
	tu_write(path, "x", 1);
	expect_log_err(&f, "does not belong in the log folder");
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	ck_assert_int_eq(unlink(path), 0);

	/* Seven-digit padding is another name for record 5. */
	raw = read_rec(&f, 1, &len);
	snprintf(path, sizeof(path), "%s/0000005.json", f.logdir);
	tu_write(path, raw, len);
	expect_log_err(&f, "does not belong in the log folder");
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/000000.json", f.logdir);
	tu_write(path, raw, len);
	expect_log_err(&f, "does not belong in the log folder");
	ck_assert_int_eq(unlink(path), 0);
	expect_ok(&f, NULL);
	free(raw);
	fx_free(&f);
}
END_TEST

START_TEST(record_shape_checked)
{
	struct fx f;
	const char *bad;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	bad = "{\"body\":{},\"extra\":1,\"sigs\":[]}\n";
	write_rec(&f, 2, bad, strlen(bad));
	expect_log_err(&f, "000002.json: a record is");
	bad = "[1,2]\n";
	write_rec(&f, 2, bad, strlen(bad));
	expect_log_err(&f, "000002.json: a record is");
	bad = "{\"body\":{\"x\":1.5},\"sigs\":[]}\n";
	write_rec(&f, 2, bad, strlen(bad));
	expect_log_err(&f, "000002.json");
	bad = "{\"body\":";
	write_rec(&f, 2, bad, strlen(bad));
	expect_log_err(&f, "000002.json");
	fx_free(&f);
}
END_TEST

/* The head of a log whose last record is damaged cannot be read. */
START_TEST(head_read_errors)
{
	struct ca_log_head head;
	struct ca_errbuf eb;
	struct fx f;
	const char *bad;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	bad = "{\"body\":{\"seq\":3,\"time\":\"2026-01-01T00:00:00Z\"},"
	    "\"sigs\":[]}\n";
	write_rec(&f, NREC, bad, strlen(bad));
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	bad = "{\"body\":{\"seq\":4},\"sigs\":[]}\n";
	write_rec(&f, NREC, bad, strlen(bad));
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	bad = "{\"body\":{\"seq\":4,\"time\":\"2026-01-01T00:00:00Z\"},"
	    "\"sigs\":[]}\n";
	write_rec(&f, NREC, bad, strlen(bad));
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	bad = "{\"body\":{\"seq\":4,\"x\":0.5},\"sigs\":[]}\n";
	write_rec(&f, NREC, bad, strlen(bad));
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_CANON);
	bad = "{\"body\": {}, \"sigs\": []}\n";
	write_rec(&f, NREC, bad, strlen(bad));
	ck_assert_err(ca_log_head_read(f.logdir, &head, &eb), CA_ERR_LOG);
	fx_free(&f);
}
END_TEST

/*
 * Write record seq with body signed by key over SHA-`md` and the given
 * alg name: a record ca_log_seal would never make, forged by hand.
 */
static void
put_forged(struct fx *f, long long seq, const json_t *body, EVP_PKEY *key,
    const EVP_MD *md, const char *alg)
{
	char *canon = NULL, *b64 = NULL, *rec = NULL, kid[65];
	unsigned char sig[512];
	size_t clen = 0, slen = sizeof(sig), rlen = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	json_t *r;

	ck_assert_ok(ca_json_canon(body, &canon, &clen, NULL));
	ck_assert_int_eq(EVP_DigestSignInit(m, NULL, md, NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(m, sig, &slen, (unsigned char *)canon,
	    clen), 1);
	EVP_MD_CTX_free(m);
	/* The signature is good for the scheme the record names. */
	m = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(m, NULL, md, NULL, key), 1);
	ck_assert_int_eq(EVP_DigestVerify(m, sig, slen, (unsigned char *)canon,
	    clen), 1);
	EVP_MD_CTX_free(m);
	ck_assert_ok(ca_b64_encode(sig, slen, &b64));
	ck_assert_ok(ca_spki_sha256(key, kid));
	r = json_pack("{s:O, s:[{s:s, s:s, s:s}]}", "body", body, "sigs",
	    "kid", kid, "alg", alg, "sig", b64);
	ck_assert_ptr_nonnull(r);
	free(canon);
	ck_assert_ok(ca_json_canon(r, &canon, &clen, NULL));
	rec = malloc(clen + 1);
	memcpy(rec, canon, clen);
	rec[clen] = '\n';
	rlen = clen + 1;
	write_rec(f, seq, rec, rlen);
	json_decref(r);
	free(rec);
	free(canon);
	free(b64);
}

/*
 * A P-384 key's signature over SHA-256, named ES256: the signature
 * verifies as named, but ES256 is not this key's scheme (ca_md_for_key),
 * so a reader that let the record pick the hash would accept a weaker
 * scheme than the key is used with.
 */
START_TEST(es256_by_p384_key_refused)
{
	struct ca_log_head head;
	struct fx f;
	json_t *b;

	fx_init(&f, CA_ALG_P384);
	fx_log(&f);
	b = next_body(&f, T0 + 3600, &head);
	/* The same forgery with the key's own scheme is accepted: */
	put_forged(&f, NREC + 1, b, f.key, EVP_sha384(), "ES384");
	expect_ok(&f, NULL);
	/* so only the scheme decides here. */
	put_forged(&f, NREC + 1, b, f.key, EVP_sha256(), "ES256");
	expect_log_err(&f, "000005.json: signature algorithm \"ES256\" does "
	    "not fit the key");
	json_decref(b);
	fx_free(&f);

	/* And the other way: a P-256 key named ES384 over SHA-384. */
	fx_init(&f, CA_ALG_P256);
	fx_log(&f);
	b = next_body(&f, T0 + 3600, &head);
	put_forged(&f, NREC + 1, b, f.key, EVP_sha384(), "ES384");
	expect_log_err(&f, "000005.json: signature algorithm \"ES384\" does "
	    "not fit the key");
	json_decref(b);
	fx_free(&f);
}
END_TEST

/* Append a record whose body carries member key = value at some depth. */
static void
append_with(struct fx *f, time_t t, const char *key, json_t *value)
{
	struct ca_log_head head;
	json_t *b = next_body(f, t, &head);

	ck_assert_int_eq(json_object_set_new(b, key, value), 0);
	put_record(f, head.seq + 1, b, f->key, f->key, f->hash[head.seq + 1]);
	json_decref(b);
}

START_TEST(serial_used)
{
	struct ca_serial_set set = { 0 };
	struct ca_errbuf eb;
	struct fx f;

	fx_init(&f, CA_ALG_P384);
	append(&f, T0);
	append_with(&f, T0 + 60, "certificate",
	    json_pack("{s:s, s:s}", "serial", "7a01", "file", "x.pem"));
	append_with(&f, T0 + 120, "outputs",
	    json_pack("[{s:{s:s}}]", "cert", "serial", "7b02"));
	append_with(&f, T0 + 180, "note", json_pack("{s:s, s:i}", "other",
	    "7c03", "serial", 7));
	expect_ok(&f, NULL);

	ck_assert_ok(ca_log_serials(f.logdir, 4, &set, &eb));
	ck_assert_int_eq(ca_serial_set_has(&set, "7a01"), 1);
	/* Found at any depth, in arrays too. */
	ck_assert_int_eq(ca_serial_set_has(&set, "7b02"), 1);
	/* Only in a member called "serial", and only as a string. */
	ck_assert_int_eq(ca_serial_set_has(&set, "7c03"), 0);
	ck_assert_int_eq(ca_serial_set_has(&set, "7"), 0);
	/* The whole value, not a prefix or a substring. */
	ck_assert_int_eq(ca_serial_set_has(&set, "7a0"), 0);
	ck_assert_int_eq(ca_serial_set_has(&set, "7a011"), 0);
	ck_assert_int_eq(ca_serial_set_has(&set, "ffff"), 0);
	ck_assert_uint_eq(set.n, 2);
	ca_serial_set_free(&set);
	/* Only the first count records are read. */
	ck_assert_ok(ca_log_serials(f.logdir, 2, &set, &eb));
	ck_assert_int_eq(ca_serial_set_has(&set, "7a01"), 1);
	ck_assert_int_eq(ca_serial_set_has(&set, "7b02"), 0);
	ca_serial_set_free(&set);
	fx_free(&f);
}
END_TEST

/* Every serial once, sorted, for a batch's many lookups. */
START_TEST(serial_sets)
{
	struct ca_serial_set set = { 0 };
	struct ca_errbuf eb;
	struct fx f;

	fx_init(&f, CA_ALG_P384);
	append(&f, T0);
	append_with(&f, T0 + 60, "issued", json_pack("[{s:s}, {s:s}]",
	    "serial", "7b02", "serial", "7a01"));
	append_with(&f, T0 + 120, "revocation", json_pack("{s:s, s:i}",
	    "serial", "7a01", "other", 7));
	expect_ok(&f, NULL);
	ck_assert_ok(ca_log_serials(f.logdir, 3, &set, &eb));
	ck_assert_uint_eq(set.n, 2);		/* 7a01 named twice */
	ck_assert_str_eq(set.v[0], "7a01");
	ck_assert_str_eq(set.v[1], "7b02");
	ck_assert_int_eq(ca_serial_set_has(&set, "7a01"), 1);
	ck_assert_int_eq(ca_serial_set_has(&set, "7b02"), 1);
	ck_assert_int_eq(ca_serial_set_has(&set, "7a0"), 0);
	ck_assert_int_eq(ca_serial_set_has(&set, "ffff"), 0);
	ca_serial_set_free(&set);
	ck_assert_uint_eq(set.n, 0);
	/* Only the records asked for; none gives an empty set. */
	ck_assert_ok(ca_log_serials(f.logdir, 1, &set, &eb));
	ck_assert_int_eq(ca_serial_set_has(&set, "7a01"), 0);
	ca_serial_set_free(&set);
	ck_assert_ok(ca_log_serials(f.logdir, 0, &set, &eb));
	ck_assert_uint_eq(set.n, 0);
	ck_assert_int_eq(ca_serial_set_has(&set, "7a01"), 0);
	ca_serial_set_free(&set);
	write_rec(&f, 2, "{\"body\":{},\"sigs\":[]} \n", 23);
	ck_assert_err(ca_log_serials(f.logdir, 3, &set, &eb), CA_ERR_LOG);
	ca_serial_set_free(&set);
	fx_free(&f);
}
END_TEST

struct seen {
	long long seq[NREC_LONG + 1];
	size_t n;
};

static int
seen_visit(void *arg, long long seq, const json_t *body)
{
	struct seen *s = arg;

	(void)body;
	ck_assert_uint_lt(s->n, NREC_LONG + 1);
	s->seq[s->n++] = seq;
	return 0;
}

/*
 * A log longer than one window of records verified on several threads:
 * the visitor sees every record once, in order; the first bad record in
 * order is the one reported, and the visitor has seen only those before.
 */
START_TEST(long_log_in_order)
{
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	struct seen seen = { { 0 }, 0 };
	char *raw, *p, orig;
	size_t len, i;
	struct fx f;

	fx_init(&f, CA_ALG_P256);
	for (i = 0; i < NREC_LONG; i++)
		append(&f, T0 + 60 * (time_t)i);
	expect_ok(&f, &sum);
	ck_assert_int_eq(sum.count, NREC_LONG);
	ck_assert_str_eq(sum.head, f.hash[NREC_LONG]);
	ck_assert_ok(ca_log_verify_each(f.logdir, &f.cert, 1, NULL,
	    seen_visit, &seen, &eb));
	ck_assert_uint_eq(seen.n, NREC_LONG);
	for (i = 0; i < NREC_LONG; i++)
		ck_assert_int_eq(seen.seq[i], (long long)i + 1);

	/* Record 35 unreadable, and record 29's signature changed. */
	write_rec(&f, 35, "{}\n", 3);
	raw = read_rec(&f, 29, &len);
	p = strstr(raw, "\"sig\":\"");
	ck_assert_ptr_nonnull(p);
	p += 12;
	orig = *p;
	*p = orig == 'A' ? 'B' : 'A';
	write_rec(&f, 29, raw, len);
	expect_log_err(&f, "000029.json: signature does not verify");
	seen.n = 0;
	ck_assert_err(ca_log_verify_each(f.logdir, &f.cert, 1, NULL,
	    seen_visit, &seen, &eb), CA_ERR_LOG);
	ck_assert_uint_eq(seen.n, 28);
	ck_assert_int_eq(seen.seq[27], 28);
	/* Mended, the later one is found. */
	*p = orig;
	write_rec(&f, 29, raw, len);
	expect_log_err(&f, "000035.json");
	free(raw);
	fx_free(&f);
}
END_TEST

/* ca_log_verify_keys with f's key and check; eb gets the reason. */
static int
verify_check(struct fx *f, enum ca_log_check check, struct seen *seen,
    struct ca_errbuf *eb)
{
	struct ca_log_signer ls;

	eb->msg[0] = '\0';
	ck_assert_ok(ca_log_signer_init(&ls, f->cert));
	seen->n = 0;
	return ca_log_verify_keys(f->logdir, &ls, 1, check, NULL, seen_visit,
	    seen, eb);
}

/*
 * Set the character skip places after the text at in record seq's file
 * to c (or, for c 0, to another letter); returns the one it replaced.
 */
static char
set_after(struct fx *f, long long seq, const char *at, size_t skip, char c)
{
	char *raw, *p, old;
	size_t len;

	raw = read_rec(f, seq, &len);
	ck_assert_ptr_nonnull(p = strstr(raw, at));
	p += strlen(at) + skip;
	old = *p;
	*p = c != 0 ? c : old == 'A' ? 'B' : 'A';
	write_rec(f, seq, raw, len);
	free(raw);
	return old;
}

/*
 * CA_LOG_HEAD_SIG, what commands check before appending: the head's
 * signature and the chain of every record.  A changed signature inside
 * the log is the audit's to find; a changed body anywhere, or a changed
 * head signature, is refused.
 */
START_TEST(head_sig_covers_the_log)
{
	struct seen seen = { { 0 }, 0 };
	struct ca_errbuf eb;
	char want[64], name[32], c;
	struct fx f;
	size_t i;

	fx_init(&f, CA_ALG_P256);
	for (i = 0; i < NREC_LONG; i++)
		append(&f, T0 + 60 * (time_t)i);
	ck_assert_ok(verify_check(&f, CA_LOG_HEAD_SIG, &seen, &eb));
	ck_assert_uint_eq(seen.n, NREC_LONG);

	/* A middle record's signature: only the full check sees it. */
	c = set_after(&f, 29, "\"sig\":\"", 5, 0);
	ck_assert_ok(verify_check(&f, CA_LOG_HEAD_SIG, &seen, &eb));
	ck_assert_uint_eq(seen.n, NREC_LONG);
	ck_assert_err(verify_check(&f, CA_LOG_EVERY_SIG, &seen, &eb),
	    CA_ERR_LOG);
	ck_assert_msg(strstr(eb.msg, "000029.json: signature does not "
	    "verify") != NULL, "%s", eb.msg);
	(void)set_after(&f, 29, "\"sig\":\"", 5, c);
	ck_assert_ok(verify_check(&f, CA_LOG_EVERY_SIG, &seen, &eb));

	/* A body, still canonical: the next record's prev gives it away. */
	c = set_after(&f, 12, "\"note\":\"", 0, 'R');
	ck_assert_err(verify_check(&f, CA_LOG_HEAD_SIG, &seen, &eb),
	    CA_ERR_LOG);
	ck_assert_msg(strstr(eb.msg, "000013.json: prev does not match") !=
	    NULL, "%s", eb.msg);
	ck_assert_uint_eq(seen.n, 12);
	(void)set_after(&f, 12, "\"note\":\"", 0, c);
	ck_assert_ok(verify_check(&f, CA_LOG_HEAD_SIG, &seen, &eb));

	/* The head's own signature. */
	(void)set_after(&f, NREC_LONG, "\"sig\":\"", 5, 0);
	ck_assert_err(verify_check(&f, CA_LOG_HEAD_SIG, &seen, &eb),
	    CA_ERR_LOG);
	ca_log_record_name(NREC_LONG, name);
	snprintf(want, sizeof(want), "%s: signature does not verify", name);
	ck_assert_msg(strstr(eb.msg, want) != NULL, "%s", eb.msg);
	ck_assert_uint_eq(seen.n, NREC_LONG - 1);
	fx_free(&f);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, record_names);
	tcase_add_test(tc, head_sig_covers_the_log);
	tcase_add_test(tc, empty_log);
	tcase_add_test(tc, first_body_fields);
	tcase_add_test(tc, good_log_verifies);
	tcase_add_test(tc, head_of_single_record);
	tcase_add_test(tc, other_signature_algorithms);
	tcase_add_test(tc, changed_byte_in_any_record);
	tcase_add_test(tc, changed_signature_byte);
	tcase_add_test(tc, deleted_middle_record);
	tcase_add_test(tc, deleted_and_renumbered);
	tcase_add_test(tc, truncated_log_still_verifies);
	tcase_add_test(tc, swapped_records);
	tcase_add_test(tc, not_canonical);
	tcase_add_test(tc, keys_out_of_order);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, wrong_prev);
	tcase_add_test(tc, first_record_with_prev);
	tcase_add_test(tc, wrong_log_id);
	tcase_add_test(tc, record_from_other_log);
	tcase_add_test(tc, signed_by_another_key);
	tcase_add_test(tc, kid_of_signer_signature_of_other);
	tcase_add_test(tc, alg_does_not_fit_key);
	tcase_add_test(tc, time_goes_backwards);
	tcase_add_test(tc, body_new_refuses_clock_before_head);
	tcase_add_test(tc, body_new_clock_far_ahead);
	tcase_add_test(tc, seal_refuses_non_profile_bodies);
	tcase_add_test(tc, seal_refuses_unsupported_key);
	tcase_add_test(tc, body_fields_checked);
	tcase_add_test(tc, stray_files_refused);
	tcase_add_test(tc, record_shape_checked);
	tcase_add_test(tc, head_read_errors);
	tcase_add_test(tc, es256_by_p384_key_refused);
	tcase_add_test(tc, serial_used);
	tcase_add_test(tc, serial_sets);
	tcase_add_test(tc, long_log_in_order);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(log_suite)
