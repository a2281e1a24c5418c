/*
 * check_record.c: the pieces of every ceremony record (lib/record.c),
 * checked as the exact canonical bytes that get signed.
 */
#include "check_util.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "certgen.h"
#include "cjson.h"
#include "dn.h"
#include "encode.h"
#include "hsm.h"
#include "profile.h"
#include "record.h"

/*
 * A fixed P-256 key, so that its SPKI hash is a constant:
 *   openssl pkey -in k.pem -pubout -outform DER | sha256sum
 */
static const char fixed_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgatpe5RuHIKywYOid\n"
    "zeTuNxYNHQ1+scYIBUjiny6kVgKhRANCAARwv+kVOfzBiufOxBZWqDtzmveyXV5q\n"
    "oIvc4pl89++V+xdwl4QJlt+uAzUzUX8PI+icPQRTjqTgnYleepWZMjVt\n"
    "-----END PRIVATE KEY-----\n";
#define FIXED_SPKI \
    "de8e83e46a60ea284ad03da8b1c49f90320731c2e08e2492399f0c8d2f970b7f"

static EVP_PKEY *
load_fixed_key(void)
{
	BIO *b = BIO_new_mem_buf(fixed_key, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	ck_assert_ptr_nonnull(k);
	BIO_free(b);
	return k;
}

/* v's canonical bytes are exactly want; v is released. */
static void
canon_is(json_t *v, const char *want)
{
	char *s = NULL;
	size_t n = 0;
	struct ca_errbuf eb;

	ck_assert_ptr_nonnull(v);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_json_canon(v, &s, &n, &eb) == 0, "canon: %s",
	    eb.msg);
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(n, strlen(want));
	free(s);
	json_decref(v);
}

START_TEST(file_entry)
{
	canon_is(ca_rec_file("ca.pem", "hello\n", 6),
	    "{\"name\":\"ca.pem\",\"sha256\":\""
	    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	    "\",\"size\":6}");
	canon_is(ca_rec_file("log/000001.json", "", 0),
	    "{\"name\":\"log/000001.json\",\"sha256\":\""
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	    "\",\"size\":0}");
	/* Bytes, not a string: a NUL inside counts. */
	canon_is(ca_rec_file("x", "a\0b", 3),
	    "{\"name\":\"x\",\"sha256\":\""
	    "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138"
	    "\",\"size\":3}");
	/* An --out file: the same, marked external. */
	canon_is(ca_rec_file_external("/media/out/ca.pem", "hello\n", 6),
	    "{\"external\":true,\"name\":\"/media/out/ca.pem\",\"sha256\":\""
	    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
	    "\",\"size\":6}");
}
END_TEST

START_TEST(attrs_entry)
{
	struct ca_key_attrs a;

	memset(&a, 0, sizeof(a));
	a.token = a.private_ = a.sensitive = a.always_sensitive = 1;
	a.never_extractable = a.local = a.sign = 1;
	canon_is(ca_rec_attrs(&a),
	    "{\"always_sensitive\":true,\"decrypt\":false,\"derive\":false,"
	    "\"extractable\":false,\"local\":true,\"never_extractable\":true,"
	    "\"private\":true,\"sensitive\":true,\"sign\":true,\"token\":true,"
	    "\"unwrap\":false,\"wrap_with_trusted\":false}");
	/* Each member reads its own field. */
	memset(&a, 0, sizeof(a));
	a.extractable = a.decrypt = a.unwrap = a.derive = 1;
	a.wrap_with_trusted = 1;
	canon_is(ca_rec_attrs(&a),
	    "{\"always_sensitive\":false,\"decrypt\":true,\"derive\":true,"
	    "\"extractable\":true,\"local\":false,\"never_extractable\":false,"
	    "\"private\":false,\"sensitive\":false,\"sign\":false,"
	    "\"token\":false,\"unwrap\":true,\"wrap_with_trusted\":true}");
}
END_TEST

START_TEST(key_entry)
{
	EVP_PKEY *k = load_fixed_key();
	struct ca_keyref ref;
	struct ca_key_attrs a;
	json_t *out = (json_t *)1;

	memset(&ref, 0, sizeof(ref));
	ref.id[0] = 0x01;
	ref.id[1] = 0xab;
	ref.id[2] = 0xff;
	ref.id_len = 3;
	snprintf(ref.label, sizeof(ref.label), "root-ca");
	memset(&a, 0, sizeof(a));
	a.token = a.private_ = a.sensitive = a.always_sensitive = 1;
	a.never_extractable = a.local = a.sign = 1;
	ck_assert_ok(ca_rec_key("ca", "pkcs11:token=kc;object=root-ca;"
	    "type=private", &ref, "p256", k, &a, &out));
	canon_is(out,
	    "{\"algorithm\":\"p256\",\"attributes\":{\"always_sensitive\":true,"
	    "\"decrypt\":false,\"derive\":false,\"extractable\":false,"
	    "\"local\":true,\"never_extractable\":true,\"private\":true,"
	    "\"sensitive\":true,\"sign\":true,\"token\":true,\"unwrap\":false,"
	    "\"wrap_with_trusted\":false},"
	    "\"id\":\"01abff\",\"label\":\"root-ca\",\"role\":\"ca\","
	    "\"spki_sha256\":\"" FIXED_SPKI "\","
	    "\"uri\":\"pkcs11:token=kc;object=root-ca;type=private\"}");

	/* No id at all: an empty string. */
	ref.id_len = 0;
	ck_assert_ok(ca_rec_key("log", "u", &ref, "p384", k, &a, &out));
	ck_assert_str_eq(json_string_value(json_object_get(out, "id")), "");
	ck_assert_str_eq(json_string_value(json_object_get(out, "role")),
	    "log");
	json_decref(out);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(cert_entry)
{
	EVP_PKEY *k = load_fixed_key();
	struct ca_cert_params p;
	X509_NAME *n = NULL;
	X509 *x = NULL;
	json_t *out = (json_t *)1;
	unsigned char *der = NULL, md[32];
	char fp[65], want[1024];
	int dl;
	size_t i;

	ck_assert_ok(ca_dn_parse("CN=Record Test,O=Acme,C=DE", &n, NULL));
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_LOG_SIGNER;
	p.subject = n;
	p.issuer = n;
	for (i = 0; i < CA_SERIAL_LEN; i++)
		p.serial[i] = (unsigned char)(0x5a + i);
	p.not_before = (time_t)1767225600;	/* 2026-01-01T00:00:00Z */
	p.not_after = (time_t)2556144000;	/* 2051-01-01T00:00:00Z */
	p.path_len = -1;
	p.key_usage = CA_KU_DIGITAL_SIGNATURE;
	ck_assert_ok(ca_cert_build(&p, k, k, &x));
	ck_assert_ok(ca_cert_sign(x, k, EVP_sha256(), NULL));
	/* The fingerprint, computed here apart from the library. */
	dl = i2d_X509(x, &der);
	ck_assert_int_gt(dl, 0);
	ck_assert_int_eq(EVP_Digest(der, (size_t)dl, md, NULL, EVP_sha256(),
	    NULL), 1);
	ca_hex(md, 32, fp);

	ck_assert_ok(ca_rec_cert("issued/x.pem", x, &out));
	snprintf(want, sizeof(want), "{\"file\":\"issued/x.pem\","
	    "\"issuer\":\"CN=Record Test,O=Acme,C=DE\","
	    "\"not_after\":\"2051-01-01T00:00:00Z\","
	    "\"not_before\":\"2026-01-01T00:00:00Z\","
	    "\"serial\":\"5a5b5c5d5e5f60616263646566676869\","
	    "\"sha256\":\"%s\",\"subject\":\"CN=Record Test,O=Acme,C=DE\"}",
	    fp);
	canon_is(out, want);
	OPENSSL_free(der);
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(people_entry)
{
	const char *const w[] = { "Bob", "Carol" };
	const char *const uw[] = { "J\xc3\xbcrgen M\xc3\xbcller" };
	json_t *out = (json_t *)1;

	ck_assert_ok(ca_rec_people("Alice", w, 2, &out, NULL));
	canon_is(out, "{\"operator\":\"Alice\",\"witnesses\":[\"Bob\","
	    "\"Carol\"]}");
	ck_assert_ok(ca_rec_people(NULL, NULL, 0, &out, NULL));
	canon_is(out, "{\"operator\":null,\"witnesses\":[]}");
	/* Names are UTF-8, written as such. */
	ck_assert_ok(ca_rec_people("Zo\xc3\xab", uw, 1, &out, NULL));
	canon_is(out, "{\"operator\":\"Zo\xc3\xab\",\"witnesses\":"
	    "[\"J\xc3\xbcrgen M\xc3\xbcller\"]}");
}
END_TEST

static void
people_refused(const char *op, const char *const *w, size_t n)
{
	json_t *out = (json_t *)1;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_rec_people(op, w, n, &out, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	ck_assert_msg(eb.msg[0] != '\0', "no reason given");
}

START_TEST(people_refused_names)
{
	const char *const ok[] = { "Bob" };
	const char *const empty[] = { "Bob", "" };
	const char *const ctl[] = { "Bob", "Ca\001rol" };
	const char *const nl[] = { "Bob\nCarol" };
	const char *const tab[] = { "Bob\t" };
	const char *const del[] = { "Bob\x7f" };
	const char *const esc[] = { "\x1b[2JBob" };
	const char *const bad8[] = { "Bob\xff" };
	const char *const surr[] = { "\xed\xa0\x80" };

	people_refused("", ok, 1);
	people_refused("Al\001ice", ok, 1);
	people_refused("Alice\n", ok, 1);
	people_refused("Alice\r", ok, 1);
	people_refused("Alice\x7f", ok, 1);
	people_refused("Alice\xc3", ok, 1);
	people_refused("Alice", empty, 2);
	people_refused("Alice", ctl, 2);
	people_refused("Alice", nl, 1);
	people_refused("Alice", tab, 1);
	people_refused("Alice", del, 1);
	people_refused("Alice", esc, 1);
	people_refused("Alice", bad8, 1);
	people_refused("Alice", surr, 1);
	people_refused(NULL, nl, 1);
}
END_TEST

static Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, file_entry);
	tcase_add_test(tc, attrs_entry);
	tcase_add_test(tc, key_entry);
	tcase_add_test(tc, cert_entry);
	tcase_add_test(tc, people_entry);
	tcase_add_test(tc, people_refused_names);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(record_suite)
