/*
 * check_hsm.c: the token through PKCS#11 (lib/hsm.c), against SoftHSM2
 * tokens made in a temporary folder for each test.
 */
#include "check_util.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "certgen.h"
#include "hsm.h"
#include "profile.h"
#include "secret.h"
#include "tokensign.h"
#include "uri.h"

#define LABEL "kc-test"

/*
 * The parent (unchecked fixture) owns one base folder for the run, so it
 * is removed even when a test's child dies; each test's child makes its
 * own token folder under it (checked fixture).
 */
static char base[PATH_MAX];
static char tokdir[PATH_MAX + 16];

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

static void
token_setup(void)
{
	snprintf(tokdir, sizeof(tokdir), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tokdir));
	tu_softhsm_token(tokdir, LABEL);
}

static void
token_teardown(void)
{
	tu_rmrf(tokdir);
}

static struct ca_uri *
uri(const char *s)
{
	struct ca_uri *u = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_uri_parse(s, &u, &eb) == 0, "uri %s: %s", s, eb.msg);
	return u;
}

static struct ca_secret *
pin(const char *s)
{
	struct ca_secret *p = NULL;

	ck_assert_ok(ca_secret_new(&p));
	p->len = strlen(s);
	memcpy(p->buf, s, p->len + 1);
	return p;
}

/* Open the token named by uri string s. */
static struct ca_hsm *
open_uri(const char *s)
{
	struct ca_uri *u = uri(s);
	struct ca_hsm *h = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_hsm_open(NULL, u, &h, &eb) == 0, "open %s: %s", s,
	    eb.msg);
	ck_assert_ptr_nonnull(h);
	ca_uri_free(u);
	return h;
}

/* Open the test token and log in as the user. */
static struct ca_hsm *
open_login(void)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	struct ca_secret *p = pin("123456");
	struct ca_errbuf eb;

	ck_assert_ok(ca_hsm_login(h, p, &eb));
	ca_secret_free(p);
	return h;
}

static int
open_err(const char *s, struct ca_errbuf *eb)
{
	struct ca_uri *u = uri(s);
	struct ca_hsm *h = (struct ca_hsm *)1;
	int r;

	r = ca_hsm_open(NULL, u, &h, eb);
	ck_assert_ptr_null(h);
	ca_uri_free(u);
	return r;
}

static void
attrs_are_ca_key(const struct ca_key_attrs *a)
{
	ck_assert_int_eq(a->token, 1);
	ck_assert_int_eq(a->private_, 1);
	ck_assert_int_eq(a->sensitive, 1);
	ck_assert_int_eq(a->always_sensitive, 1);
	ck_assert_int_eq(a->extractable, 0);
	ck_assert_int_eq(a->never_extractable, 1);
	ck_assert_int_eq(a->local, 1);
	ck_assert_int_eq(a->sign, 1);
	ck_assert_int_eq(a->decrypt, 0);
	ck_assert_int_eq(a->unwrap, 0);
	ck_assert_int_eq(a->derive, 0);
	ck_assert_int_eq(ca_key_attrs_ok(a), 1);
}

START_TEST(keyalg_names)
{
	enum ca_keyalg a = 0;

	ck_assert_ok(ca_keyalg_parse("p256", &a));
	ck_assert_int_eq(a, CA_ALG_P256);
	ck_assert_ok(ca_keyalg_parse("p384", &a));
	ck_assert_int_eq(a, CA_ALG_P384);
	ck_assert_ok(ca_keyalg_parse("rsa3072", &a));
	ck_assert_int_eq(a, CA_ALG_RSA3072);
	ck_assert_ok(ca_keyalg_parse("rsa4096", &a));
	ck_assert_int_eq(a, CA_ALG_RSA4096);
	ck_assert_err(ca_keyalg_parse("P384", &a), CA_ERR_ALGORITHM);
	ck_assert_err(ca_keyalg_parse("rsa2048", &a), CA_ERR_ALGORITHM);
	ck_assert_err(ca_keyalg_parse("", &a), CA_ERR_ALGORITHM);
	ck_assert_str_eq(ca_keyalg_name(CA_ALG_P256), "p256");
	ck_assert_str_eq(ca_keyalg_name(CA_ALG_P384), "p384");
	ck_assert_str_eq(ca_keyalg_name(CA_ALG_RSA3072), "rsa3072");
	ck_assert_str_eq(ca_keyalg_name(CA_ALG_RSA4096), "rsa4096");
	ck_assert_str_eq(ca_keyalg_name((enum ca_keyalg)0), "unknown");
}
END_TEST

START_TEST(key_attrs_ok_each_field)
{
	struct ca_key_attrs good = {
		.token = 1, .private_ = 1, .sensitive = 1,
		.always_sensitive = 1, .extractable = 0,
		.never_extractable = 1, .local = 1, .sign = 1, .decrypt = 0,
		.unwrap = 0, .derive = 0,
	};
	struct ca_key_attrs a;
	int *fields[11];
	size_t i;

	ck_assert_int_eq(ca_key_attrs_ok(&good), 1);
	a = good;
	fields[0] = &a.token;
	fields[1] = &a.private_;
	fields[2] = &a.sensitive;
	fields[3] = &a.always_sensitive;
	fields[4] = &a.extractable;
	fields[5] = &a.never_extractable;
	fields[6] = &a.local;
	fields[7] = &a.sign;
	fields[8] = &a.decrypt;
	fields[9] = &a.unwrap;
	fields[10] = &a.derive;
	for (i = 0; i < 11; i++) {
		a = good;
		*fields[i] = !*fields[i];
		ck_assert_msg(ca_key_attrs_ok(&a) == 0, "field %zu flipped "
		    "still ok", i);
	}
}
END_TEST

START_TEST(key_attrs_unknown)
{
	struct ca_key_attrs good = {
		.token = 1, .private_ = 1, .sensitive = 1,
		.always_sensitive = 1, .extractable = 0,
		.never_extractable = 1, .local = 1, .sign = 1, .decrypt = 0,
		.unwrap = 0, .derive = 0, .wrap_with_trusted = CA_ATTR_UNKNOWN,
	};
	struct ca_key_attrs a, b;
	char why[256];

	/* Unknown where the key was asked for FALSE, or does not matter. */
	ck_assert_int_eq(ca_key_attrs_ok(&good), 1);
	a = good;
	a.decrypt = a.unwrap = a.derive = CA_ATTR_UNKNOWN;
	ck_assert_int_eq(ca_key_attrs_ok(&a), 1);
	ca_key_attrs_why(&a, 0, why, sizeof(why));
	ck_assert_str_eq(why, "");
	/* Unknown where it must be known: named. */
	a = good;
	a.local = CA_ATTR_UNKNOWN;
	ck_assert_int_eq(ca_key_attrs_ok(&a), 0);
	ca_key_attrs_why(&a, 0, why, sizeof(why));
	ck_assert_str_eq(why, "CKA_LOCAL unknown to the token");
	a = good;
	a.sensitive = 0;
	a.decrypt = 1;
	ca_key_attrs_why(&a, 0, why, sizeof(why));
	ck_assert_str_eq(why, "not sensitive, for decryption");
	/* A backup-capable key needs CKA_WRAP_WITH_TRUSTED known. */
	b = good;
	b.extractable = 1;
	b.never_extractable = 0;
	ck_assert_int_eq(ca_key_attrs_backup_ok(&b), 0);
	ca_key_attrs_why(&b, 1, why, sizeof(why));
	ck_assert_str_eq(why, "CKA_WRAP_WITH_TRUSTED unknown to the token");
	b.wrap_with_trusted = 1;
	b.local = b.always_sensitive = 0;	/* restored */
	ck_assert_int_eq(ca_key_attrs_backup_ok(&b), 1);
	/* A buffer too small still says something. */
	ca_key_attrs_why(&a, 0, why, 4);
	ck_assert_uint_eq(strlen(why), 3);
}
END_TEST

START_TEST(open_by_label)
{
	const struct ca_token_info *ti;
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);

	ti = ca_hsm_token_info(h);
	ck_assert_str_eq(ti->label, LABEL);
	ck_assert_str_eq(ti->manufacturer, "SoftHSM project");
	ck_assert_str_eq(ti->model, "SoftHSM v2");
	ck_assert_uint_gt(strlen(ti->serial), 0);
	ck_assert_int_eq(ti->protected_auth_path, 0);
	ck_assert_str_eq(ca_hsm_module_path(h), CA_DEFAULT_MODULE);
	ca_hsm_close(h);
	ca_hsm_close(NULL);

	/* Manufacturer and model narrow the choice; they must match too. */
	h = open_uri("pkcs11:token=" LABEL ";manufacturer=SoftHSM%20project;"
	    "model=SoftHSM%20v2");
	ca_hsm_close(h);
	ck_assert_err(open_err("pkcs11:token=" LABEL ";model=Other", NULL),
	    CA_ERR_TOKEN_NOT_FOUND);
}
END_TEST

/* SoftHSM2 lists every algorithm; the log key is then P-384. */
START_TEST(can_make_and_log_alg)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	struct ca_errbuf eb = { 0 };
	enum ca_keyalg la = CA_ALG_RSA4096;

	ck_assert_int_eq(ca_hsm_can_make(h, CA_ALG_P256, &eb), 1);
	ck_assert_int_eq(ca_hsm_can_make(h, CA_ALG_P384, &eb), 1);
	ck_assert_int_eq(ca_hsm_can_make(h, CA_ALG_RSA3072, &eb), 1);
	ck_assert_int_eq(ca_hsm_can_make(h, CA_ALG_RSA4096, &eb), 1);
	ck_assert_int_eq(ca_hsm_can_make(h, (enum ca_keyalg)99, &eb), 0);
	ck_assert_ok(ca_hsm_log_alg(h, CA_ALG_RSA4096, &la, &eb));
	ck_assert_int_eq(la, CA_ALG_P384);
	ca_hsm_close(h);
}
END_TEST

START_TEST(open_by_serial)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	char serial[17], s[128];
	struct ca_errbuf eb;

	snprintf(serial, sizeof(serial), "%s", ca_hsm_token_info(h)->serial);
	ca_hsm_close(h);
	snprintf(s, sizeof(s), "pkcs11:serial=%s", serial);
	h = open_uri(s);
	ck_assert_str_eq(ca_hsm_token_info(h)->label, LABEL);
	ck_assert_str_eq(ca_hsm_token_info(h)->serial, serial);
	ca_hsm_close(h);
	/* Both given: both must match. */
	snprintf(s, sizeof(s), "pkcs11:token=other;serial=%s", serial);
	ck_assert_err(open_err(s, &eb), CA_ERR_TOKEN_NOT_FOUND);
	ck_assert_err(open_err("pkcs11:token=" LABEL ";serial=0000", &eb),
	    CA_ERR_TOKEN_NOT_FOUND);
}
END_TEST

START_TEST(no_token_no_fallback)
{
	struct ca_errbuf eb;
	struct ca_hsm *h;

	eb.msg[0] = '\0';
	ck_assert_err(open_err("pkcs11:token=absent", &eb),
	    CA_ERR_TOKEN_NOT_FOUND);
	ck_assert_msg(strstr(eb.msg, "token=absent") != NULL, "%s", eb.msg);

	/*
	 * With a second token the first is not taken as a default (as
	 * libp11 would); each label opens its own token.
	 */
	tu_softhsm_token(tokdir, "second");
	ck_assert_err(open_err("pkcs11:token=absent", &eb),
	    CA_ERR_TOKEN_NOT_FOUND);
	h = open_uri("pkcs11:token=second");
	ck_assert_str_eq(ca_hsm_token_info(h)->label, "second");
	ca_hsm_close(h);
	h = open_uri("pkcs11:token=" LABEL);
	ck_assert_str_eq(ca_hsm_token_info(h)->label, LABEL);
	ca_hsm_close(h);
	/* A label that is a prefix of another is not a match. */
	ck_assert_err(open_err("pkcs11:token=kc-tes", &eb),
	    CA_ERR_TOKEN_NOT_FOUND);
	ck_assert_err(open_err("pkcs11:token=kc-test2", &eb),
	    CA_ERR_TOKEN_NOT_FOUND);
}
END_TEST

START_TEST(two_tokens_same_label)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	char serial[17], s[128];
	struct ca_errbuf eb;

	snprintf(serial, sizeof(serial), "%s", ca_hsm_token_info(h)->serial);
	ca_hsm_close(h);
	tu_softhsm_token(tokdir, LABEL);
	eb.msg[0] = '\0';
	ck_assert_err(open_err("pkcs11:token=" LABEL, &eb),
	    CA_ERR_TOKEN_AMBIGUOUS);
	ck_assert_msg(strstr(eb.msg, "serial=") != NULL, "%s", eb.msg);
	snprintf(s, sizeof(s), "pkcs11:token=" LABEL ";serial=%s", serial);
	h = open_uri(s);
	ck_assert_str_eq(ca_hsm_token_info(h)->serial, serial);
	ca_hsm_close(h);
}
END_TEST

START_TEST(uri_must_name_token)
{
	struct ca_errbuf eb;

	ck_assert_err(open_err("pkcs11:model=SoftHSM%20v2", &eb), CA_ERR_URI);
	ck_assert_err(open_err("pkcs11:object=root-ca", &eb), CA_ERR_URI);
	ck_assert_err(open_err("pkcs11:", &eb), CA_ERR_URI);
}
END_TEST

START_TEST(bad_module)
{
	struct ca_uri *u = uri("pkcs11:token=" LABEL);
	struct ca_hsm *h = (struct ca_hsm *)1;
	struct ca_errbuf eb;

	ck_assert_err(ca_hsm_open("/nonexistent/libnone.so", u, &h, &eb),
	    CA_ERR_MODULE);
	ck_assert_ptr_null(h);
	/* A library that is not a PKCS#11 module. */
	ck_assert_err(ca_hsm_open("libc.so.6", u, &h, &eb), CA_ERR_MODULE);
	ca_uri_free(u);
	/* The URI's module-path is used when no module is given. */
	ck_assert_err(open_err("pkcs11:token=" LABEL
	    "?module-path=/nonexistent/libnone.so", &eb), CA_ERR_MODULE);
	ck_assert_int_eq(ERR_peek_error(), 0);
}
END_TEST

START_TEST(login_pins)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	struct ca_secret *bad = pin("654321"), *good = pin("123456");
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_hsm_login(h, bad, &eb), CA_ERR_PIN_INCORRECT);
	ck_assert_msg(strstr(eb.msg, "incorrect user PIN for token "
	    "\"" LABEL "\"") != NULL, "%s", eb.msg);
	ck_assert_err(ca_hsm_login(h, NULL, &eb), CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(ca_hsm_login_method(h));
	ck_assert_ok(ca_hsm_login(h, good, &eb));
	ck_assert_str_eq(ca_hsm_login_method(h), "pin");
	/* Logging in again is harmless. */
	ck_assert_ok(ca_hsm_login(h, good, &eb));
	ca_secret_free(bad);
	ca_secret_free(good);
	ca_hsm_close(h);
}
END_TEST

/*
 * SoftHSM2 2.6.1 never locks a PIN (it only sets CKF_USER_PIN_COUNT_LOW),
 * so CA_ERR_PIN_LOCKED cannot be provoked here; what can be checked is
 * that many wrong PINs keep mapping to CA_ERR_PIN_INCORRECT and do not
 * break the session.
 */
START_TEST(repeated_wrong_pins)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	struct ca_secret *bad = pin("000000"), *good = pin("123456");
	int i;

	for (i = 0; i < 12; i++)
		ck_assert_err(ca_hsm_login(h, bad, NULL), CA_ERR_PIN_INCORRECT);
	ck_assert_ok(ca_hsm_login(h, good, NULL));
	ca_secret_free(bad);
	ca_secret_free(good);
	ca_hsm_close(h);
}
END_TEST

/* Generate alg, check the attributes and the public half. */
static void
generate_one(enum ca_keyalg alg, int type, int bits)
{
	struct ca_hsm *h = open_login();
	struct ca_key_attrs a, b;
	struct ca_keyref k;
	struct ca_errbuf eb;
	EVP_PKEY *pub = NULL;
	int exists = 1;
	char label[32];

	snprintf(label, sizeof(label), "key-%s", ca_keyalg_name(alg));
	ck_assert_ok(ca_hsm_label_exists(h, label, &exists));
	ck_assert_int_eq(exists, 0);
	memset(&a, 0x55, sizeof(a));
	eb.msg[0] = '\0';
	ck_assert_msg(ca_hsm_generate(h, alg, label, &k, &a, &eb) == 0,
	    "generate: %s", eb.msg);
	ck_assert_str_eq(k.label, label);
	ck_assert_uint_eq(k.id_len, 16);
	attrs_are_ca_key(&a);
	ck_assert_ok(ca_hsm_key_attrs(h, &k, &b));
	attrs_are_ca_key(&b);
	ck_assert_ok(ca_hsm_label_exists(h, label, &exists));
	ck_assert_int_eq(exists, 1);

	ck_assert_ok(ca_hsm_public_key(h, &k, &pub));
	ck_assert_int_eq(EVP_PKEY_get_base_id(pub), type);
	ck_assert_int_eq(EVP_PKEY_get_bits(pub), bits);
	ck_assert_ptr_eq(ca_md_for_key(pub), ca_md_for_alg(alg));
	EVP_PKEY_free(pub);
	ca_hsm_close(h);
}

START_TEST(generate_p256)
{
	generate_one(CA_ALG_P256, EVP_PKEY_EC, 256);
}
END_TEST

START_TEST(generate_p384)
{
	generate_one(CA_ALG_P384, EVP_PKEY_EC, 384);
}
END_TEST

START_TEST(generate_rsa3072)
{
	generate_one(CA_ALG_RSA3072, EVP_PKEY_RSA, 3072);
}
END_TEST

START_TEST(generate_rsa4096)
{
	generate_one(CA_ALG_RSA4096, EVP_PKEY_RSA, 4096);
}
END_TEST

START_TEST(generate_refusals)
{
	struct ca_hsm *h = open_login();
	struct ca_keyref k, k2;
	struct ca_errbuf eb;
	char longlabel[200];

	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "taken", &k, NULL, &eb));
	eb.msg[0] = '\0';
	ck_assert_err(ca_hsm_generate(h, CA_ALG_P256, "taken", &k2, NULL,
	    &eb), CA_ERR_KEY_EXISTS);
	ck_assert_msg(strstr(eb.msg, "\"taken\"") != NULL, "%s", eb.msg);
	ck_assert_err(ca_hsm_generate(h, CA_ALG_P256, "", &k2, NULL, &eb),
	    CA_ERR_INVALID_ARG);
	memset(longlabel, 'a', sizeof(longlabel) - 1);
	longlabel[sizeof(longlabel) - 1] = '\0';
	ck_assert_err(ca_hsm_generate(h, CA_ALG_P256, longlabel, &k2, NULL,
	    &eb), CA_ERR_INVALID_ARG);
	longlabel[128] = '\0';
	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, longlabel, &k2, NULL,
	    &eb));
	ck_assert_err(ca_hsm_generate(h, (enum ca_keyalg)99, "other", &k2,
	    NULL, &eb), CA_ERR_ALGORITHM);
	ca_hsm_close(h);
}
END_TEST

/* A session that has not logged in cannot make private keys. */
START_TEST(generate_needs_login)
{
	struct ca_hsm *h = open_uri("pkcs11:token=" LABEL);
	struct ca_keyref k;
	struct ca_errbuf eb;
	int exists = 1;

	ck_assert_err(ca_hsm_generate(h, CA_ALG_P256, "nologin", &k, NULL,
	    &eb), CA_ERR_HSM);
	ca_hsm_close(h);
	h = open_login();
	ck_assert_ok(ca_hsm_label_exists(h, "nologin", &exists));
	ck_assert_int_eq(exists, 0);
	ca_hsm_close(h);
}
END_TEST

/* The token's signature verifies with the public key read back. */
static void
sign_verify(enum ca_keyalg alg)
{
	struct ca_hsm *h = open_login();
	EVP_PKEY *pub = NULL, *other = NULL;
	struct ca_tsigner *ts = NULL;
	const unsigned char msg[] = "ceremony record";
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_MD_CTX *c;
	struct ca_keyref k;
	struct ca_errbuf eb;
	const EVP_MD *md = ca_md_for_alg(alg);

	ck_assert_ok(ca_hsm_generate(h, alg, "signer", &k, NULL, &eb));
	eb.msg[0] = '\0';
	ck_assert_msg(ca_tsigner_open(h, &k, &ts, &eb) == 0, "%s", eb.msg);
	ck_assert_ok(ca_hsm_public_key(h, &k, &pub));
	/* The public half read back gets the digest its algorithm calls for. */
	ck_assert_ptr_eq(ca_md_for_key(pub), md);
	ck_assert_int_eq(ERR_peek_error(), 0);

	ck_assert_ok(ca_tsigner_sign(ts, md, msg, sizeof(msg), &sig, &siglen,
	    &eb));
	c = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(c, NULL, md, NULL, pub), 1);
	ck_assert_int_eq(EVP_DigestVerify(c, sig, siglen, msg, sizeof(msg)),
	    1);
	EVP_MD_CTX_free(c);

	/* And not with another key of the same kind. */
	ck_assert_ok(ca_keygen_soft(alg, &other));
	c = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(c, NULL, md, NULL, other), 1);
	ck_assert_int_ne(EVP_DigestVerify(c, sig, siglen, msg, sizeof(msg)),
	    1);
	EVP_MD_CTX_free(c);
	ERR_clear_error();

	OPENSSL_free(sig);
	EVP_PKEY_free(other);
	EVP_PKEY_free(pub);
	ca_tsigner_close(ts);
	ca_hsm_close(h);
}

START_TEST(sign_on_token_p384)
{
	sign_verify(CA_ALG_P384);
}
END_TEST

START_TEST(sign_on_token_rsa3072)
{
	sign_verify(CA_ALG_RSA3072);
}
END_TEST

/* A certificate signed on the token, as ca_root_init does it. */
START_TEST(certificate_signed_on_token)
{
	struct ca_hsm *h = open_login();
	EVP_PKEY *pub = NULL, *stamp = NULL;
	struct ca_tsigner *ts = NULL;
	struct ca_cert_params p;
	X509_NAME *n = X509_NAME_new();
	struct ca_keyref k;
	struct ca_errbuf eb;
	X509 *draft = NULL, *x = NULL;

	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "root", &k, NULL, &eb));
	ck_assert_ok(ca_tsigner_open(h, &k, &ts, &eb));
	ck_assert_ok(ca_hsm_public_key(h, &k, &pub));
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Token Root", -1, -1, 0);
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_ROOT;
	p.subject = n;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = 1767225600;
	p.not_after = p.not_before + 86400;
	p.path_len = -1;
	p.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	ck_assert_ok(ca_cert_build(&p, pub, NULL, &draft));
	ck_assert_ok(ca_keygen_stamp(pub, &stamp));
	ck_assert_ok(ca_cert_sign(draft, stamp, ca_md_for_key(pub), &eb));
	ck_assert_int_ne(ca_cert_verify(draft, pub), 0);
	ck_assert_ok(ca_tsigner_sign_cert(ts, draft, ca_md_for_key(pub), &x,
	    &eb));
	ck_assert_ok(ca_cert_verify(x, pub));
	X509_free(draft);
	X509_free(x);
	X509_NAME_free(n);
	EVP_PKEY_free(stamp);
	EVP_PKEY_free(pub);
	ca_tsigner_close(ts);
	ca_hsm_close(h);
}
END_TEST

START_TEST(find_key_by_label_and_id)
{
	struct ca_hsm *h = open_login();
	struct ca_keyref k, k2, got;
	struct ca_uri *u;
	struct ca_errbuf eb;
	char *s = NULL, idhex[2 * CA_URI_ID_MAX + 1], us[512];
	size_t i;

	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "first", &k, NULL, &eb));
	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "second", &k2, NULL,
	    &eb));

	u = uri("pkcs11:token=" LABEL ";object=first");
	memset(&got, 0, sizeof(got));
	ck_assert_ok(ca_hsm_find_key(h, u, &got, &eb));
	ck_assert_str_eq(got.label, "first");
	ck_assert_uint_eq(got.id_len, k.id_len);
	ck_assert_int_eq(memcmp(got.id, k.id, k.id_len), 0);
	ca_uri_free(u);

	/* By id alone. */
	for (i = 0; i < k2.id_len; i++)
		snprintf(idhex + 3 * i, 4, "%%%02x", k2.id[i]);
	snprintf(us, sizeof(us), "pkcs11:token=" LABEL ";id=%s", idhex);
	u = uri(us);
	ck_assert_ok(ca_hsm_find_key(h, u, &got, &eb));
	ck_assert_str_eq(got.label, "second");
	ca_uri_free(u);

	/* Both must match. */
	snprintf(us, sizeof(us), "pkcs11:token=" LABEL ";object=first;id=%s",
	    idhex);
	u = uri(us);
	ck_assert_err(ca_hsm_find_key(h, u, &got, &eb), CA_ERR_KEY_NOT_FOUND);
	ca_uri_free(u);

	/* The URI the library writes finds the same key again. */
	ck_assert_ok(ca_keyref_uri(h, &k, &s));
	ck_assert_msg(strncmp(s, "pkcs11:token=" LABEL ";serial=", 21 +
	    strlen(LABEL)) == 0, "%s", s);
	ck_assert_ptr_nonnull(strstr(s, ";object=first;id=%"));
	ck_assert_ptr_nonnull(strstr(s, ";type=private"));
	u = uri(s);
	ck_assert_ok(ca_hsm_find_key(h, u, &got, &eb));
	ck_assert_int_eq(memcmp(got.id, k.id, k.id_len), 0);
	ca_uri_free(u);
	free(s);

	u = uri("pkcs11:token=" LABEL ";object=absent");
	eb.msg[0] = '\0';
	ck_assert_err(ca_hsm_find_key(h, u, &got, &eb), CA_ERR_KEY_NOT_FOUND);
	ck_assert_msg(strstr(eb.msg, "absent") != NULL, "%s", eb.msg);
	ca_uri_free(u);
	u = uri("pkcs11:token=" LABEL);
	ck_assert_err(ca_hsm_find_key(h, u, &got, &eb), CA_ERR_URI);
	ca_uri_free(u);
	u = uri("pkcs11:token=" LABEL ";object=first;type=public");
	ck_assert_err(ca_hsm_find_key(h, u, &got, &eb), CA_ERR_URI);
	ca_uri_free(u);
	ca_hsm_close(h);
}
END_TEST

/* Keys live on the token, not in the session. */
START_TEST(keys_persist_across_sessions)
{
	struct ca_hsm *h = open_login();
	struct ca_keyref k, got;
	struct ca_uri *u;
	struct ca_errbuf eb;
	EVP_PKEY *p1 = NULL, *p2 = NULL;

	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P384, "kept", &k, NULL, &eb));
	ck_assert_ok(ca_hsm_public_key(h, &k, &p1));
	ca_hsm_close(h);
	h = open_login();
	u = uri("pkcs11:token=" LABEL ";object=kept;type=private");
	ck_assert_ok(ca_hsm_find_key(h, u, &got, &eb));
	ck_assert_int_eq(memcmp(got.id, k.id, k.id_len), 0);
	ck_assert_ok(ca_hsm_public_key(h, &got, &p2));
	ck_assert_int_eq(EVP_PKEY_eq(p1, p2), 1);
	ca_uri_free(u);
	EVP_PKEY_free(p1);
	EVP_PKEY_free(p2);
	ca_hsm_close(h);
}
END_TEST

/* SoftHSM2 takes PINs of 4 to 255 characters. */
START_TEST(pin_fits_token_limits)
{
	struct ca_hsm *h = open_login();
	struct ca_errbuf eb = { 0 };

	ck_assert_ok(ca_hsm_pin_fits(h, 32, "a split PIN", &eb));
	ck_assert_ok(ca_hsm_pin_fits(h, 4, "a split PIN", &eb));
	ck_assert_err(ca_hsm_pin_fits(h, 3, "a split PIN", &eb),
	    CA_ERR_ALGORITHM);
	ck_assert_err(ca_hsm_pin_fits(h, 256, "a split PIN", &eb),
	    CA_ERR_ALGORITHM);
	ck_assert_msg(strstr(eb.msg, "takes PINs of 4 to 255 characters, and "
	    "a split PIN has 256") != NULL, "%s", eb.msg);
	ca_hsm_close(h);
}
END_TEST

START_TEST(destroy_removes_both_halves)
{
	struct ca_hsm *h = open_login();
	struct ca_keyref k, keep, got;
	struct ca_key_attrs a;
	struct ca_uri *u;
	struct ca_errbuf eb;
	EVP_PKEY *pk = NULL;
	struct ca_tsigner *ts = NULL;
	int exists = 1;

	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "doomed", &k, NULL, &eb));
	ck_assert_ok(ca_hsm_generate(h, CA_ALG_P256, "keep", &keep, NULL,
	    &eb));
	ck_assert_ok(ca_hsm_destroy(h, &k));
	ck_assert_ok(ca_hsm_label_exists(h, "doomed", &exists));
	ck_assert_int_eq(exists, 0);
	ck_assert_err(ca_hsm_key_attrs(h, &k, &a), CA_ERR_KEY_NOT_FOUND);
	ck_assert_err(ca_hsm_public_key(h, &k, &pk), CA_ERR_KEY_NOT_FOUND);
	ck_assert_ptr_null(pk);
	ck_assert_err(ca_tsigner_open(h, &k, &ts, &eb), CA_ERR_KEY_NOT_FOUND);
	ck_assert_ptr_null(ts);
	u = uri("pkcs11:token=" LABEL ";object=doomed");
	ck_assert_err(ca_hsm_find_key(h, u, &got, &eb), CA_ERR_KEY_NOT_FOUND);
	ca_uri_free(u);
	/* The other key is untouched. */
	ck_assert_ok(ca_hsm_key_attrs(h, &keep, &a));
	ck_assert_ok(ca_hsm_label_exists(h, "keep", &exists));
	ck_assert_int_eq(exists, 1);
	/* Destroying what is gone is quiet. */
	ck_assert_ok(ca_hsm_destroy(h, &k));
	ca_hsm_close(h);
}
END_TEST

/*
 * SoftHSM2 never locks a PIN, so the answers of a real token's C_Login
 * that SoftHSM2 cannot give come from a shim module: SoftHSM2's own
 * function list with C_Login replaced by one returning the CK_RV in
 * $KC_SHIM_LOGIN_RV.  It is compiled into the test's folder at run time
 * ($CC, else cc), since the Makefile builds only the suites themselves.
 */
static const char shim_src[] =
    "#include <dlfcn.h>\n"
    "#include <stdlib.h>\n"
    "#include <p11-kit/pkcs11.h>\n"
    "static CK_FUNCTION_LIST fl;\n"
    "static CK_RV\n"
    "login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR p,\n"
    "    CK_ULONG n)\n"
    "{\n"
    "\tconst char *rv = getenv(\"KC_SHIM_LOGIN_RV\");\n"
    "\t(void)s; (void)u; (void)p; (void)n;\n"
    "\treturn rv ? strtoul(rv, NULL, 0) : CKR_GENERAL_ERROR;\n"
    "}\n"
    "CK_RV\n"
    "C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)\n"
    "{\n"
    "\tvoid *dl = dlopen(\"" CA_DEFAULT_MODULE "\", RTLD_NOW | RTLD_LOCAL);\n"
    "\tCK_C_GetFunctionList g;\n"
    "\tCK_FUNCTION_LIST_PTR real;\n"
    "\tif (dl == NULL || (g = (CK_C_GetFunctionList)dlsym(dl,\n"
    "\t    \"C_GetFunctionList\")) == NULL || g(&real) != CKR_OK)\n"
    "\t\treturn CKR_GENERAL_ERROR;\n"
    "\tfl = *real;\n"
    "\tfl.C_Login = login;\n"
    "\tfl.C_GetFunctionList = C_GetFunctionList;\n"
    "\t*out = &fl;\n"
    "\treturn CKR_OK;\n"
    "}\n";

/* Build the shim as dir/shim.so into so[PATH_MAX]. */
static void
build_shim(const char *dir, char *so)
{
	char src[PATH_MAX], cmd[3 * PATH_MAX];
	const char *cc = getenv("CC");

	tu_path(src, dir, "shim.c");
	tu_path(so, dir, "shim.so");
	tu_write(src, shim_src, sizeof(shim_src) - 1);
	snprintf(cmd, sizeof(cmd), "%s -shared -fPIC -o '%s' '%s' "
	    "$(pkg-config --cflags p11-kit-1) -ldl", cc && *cc ? cc : "cc",
	    so, src);
	ck_assert_msg(system(cmd) == 0, "cannot build the shim: %s", cmd);
}

/* Log in through the shim that answers rv; return the code. */
static int
shim_login(const char *so, const char *rv, struct ca_errbuf *eb)
{
	struct ca_uri *u = uri("pkcs11:token=" LABEL);
	struct ca_secret *p = pin("123456");
	struct ca_hsm *h = NULL;
	int r;

	setenv("KC_SHIM_LOGIN_RV", rv, 1);
	ck_assert_ok(ca_hsm_open(so, u, &h, eb));
	ck_assert_str_eq(ca_hsm_module_path(h), so);
	ck_assert_str_eq(ca_hsm_token_info(h)->label, LABEL);
	eb->msg[0] = '\0';
	r = ca_hsm_login(h, p, eb);
	ca_hsm_close(h);
	ca_secret_free(p);
	ca_uri_free(u);
	return r;
}

START_TEST(login_locked_pin)
{
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(tokdir, so);
	ck_assert_err(shim_login(so, "0xa4", &eb), CA_ERR_PIN_LOCKED);
	ck_assert_msg(strstr(eb.msg, "user PIN of token \"" LABEL "\" is "
	    "locked") != NULL, "%s", eb.msg);
	/* CKR_OK and CKR_USER_ALREADY_LOGGED_IN both mean logged in. */
	ck_assert_ok(shim_login(so, "0x0", &eb));
	ck_assert_ok(shim_login(so, "0x100", &eb));
}
END_TEST

/* Every other C_Login answer maps to its own code, none raw. */
START_TEST(login_other_answers)
{
	struct ca_errbuf eb;
	char so[PATH_MAX];

	build_shim(tokdir, so);
	ck_assert_err(shim_login(so, "0xa0", &eb), CA_ERR_PIN_INCORRECT);
	ck_assert_err(shim_login(so, "0xa1", &eb), CA_ERR_PIN_INCORRECT);
	ck_assert_err(shim_login(so, "0xa2", &eb), CA_ERR_PIN_INCORRECT);
	/* Removed mid-way: not "no token matches", which is for the URI. */
	ck_assert_err(shim_login(so, "0x32", &eb), CA_ERR_TOKEN_REMOVED);
	ck_assert_msg(strstr(eb.msg, "was removed or lost power (PKCS#11 "
	    "C_Login: CKR_DEVICE_REMOVED") != NULL, "%s", eb.msg);
	ck_assert_err(shim_login(so, "0xe0", &eb), CA_ERR_TOKEN_REMOVED);
	ck_assert_err(shim_login(so, "0xb3", &eb), CA_ERR_SESSION_LOST);
	ck_assert_err(shim_login(so, "0x02", &eb), CA_ERR_NOMEM);
	ck_assert_err(shim_login(so, "0x05", &eb), CA_ERR_HSM);
	ck_assert_msg(strstr(eb.msg, "refused the login (PKCS#11 C_Login: "
	    "CKR_GENERAL_ERROR, 0x00000005)") != NULL, "%s", eb.msg);
}
END_TEST

static Suite *
hsm_suite(void)
{
	Suite *s = suite_create("hsm");
	TCase *pure = tcase_create("pure");
	TCase *tc = tcase_create("softhsm");

	tcase_add_test(pure, keyalg_names);
	tcase_add_test(pure, key_attrs_ok_each_field);
	tcase_add_test(pure, key_attrs_unknown);
	suite_add_tcase(s, pure);

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, token_setup, token_teardown);
	/* RSA 4096 generation inside SoftHSM2 takes a few seconds. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_by_label);
	tcase_add_test(tc, open_by_serial);
	tcase_add_test(tc, can_make_and_log_alg);
	tcase_add_test(tc, no_token_no_fallback);
	tcase_add_test(tc, two_tokens_same_label);
	tcase_add_test(tc, uri_must_name_token);
	tcase_add_test(tc, bad_module);
	tcase_add_test(tc, login_pins);
	tcase_add_test(tc, repeated_wrong_pins);
	tcase_add_test(tc, login_locked_pin);
	tcase_add_test(tc, login_other_answers);
	tcase_add_test(tc, generate_p256);
	tcase_add_test(tc, generate_p384);
	tcase_add_test(tc, generate_rsa3072);
	tcase_add_test(tc, generate_rsa4096);
	tcase_add_test(tc, generate_refusals);
	tcase_add_test(tc, generate_needs_login);
	tcase_add_test(tc, sign_on_token_p384);
	tcase_add_test(tc, sign_on_token_rsa3072);
	tcase_add_test(tc, certificate_signed_on_token);
	tcase_add_test(tc, find_key_by_label_and_id);
	tcase_add_test(tc, keys_persist_across_sessions);
	tcase_add_test(tc, destroy_removes_both_halves);
	tcase_add_test(tc, pin_fits_token_limits);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(hsm_suite)
