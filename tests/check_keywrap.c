/*
 * check_keywrap.c: CA keys wrapped out of one SoftHSM2 token under a
 * trusted AES-256 key and unwrapped into another (lib/keywrap.c).
 */
#include "check_util.h"

#include <openssl/rand.h>

#include "hsm.h"
#include "keywrap.h"
#include "uri.h"

static char base[PATH_MAX];

static void
setup(void)
{
	char cmd[PATH_MAX + 128];

	tu_tmpdir(base);
	tu_softhsm_token(base, "ca");
	/* The token a backup is restored into, in the same token folder. */
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free "
	    "--label new --so-pin 87654321 --pin 123456 >/dev/null");
	ck_assert_int_eq(system(cmd), 0);
}

static void
teardown(void)
{
	tu_rmrf(base);
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

static struct ca_uri *
uri(const char *s)
{
	struct ca_uri *u = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_msg(ca_uri_parse(s, &u, &eb) == 0, "%s", eb.msg);
	return u;
}

static void
login(struct ca_hsm *h, int so)
{
	struct ca_secret *p = pin(so ? "87654321" : "123456");
	struct ca_errbuf eb = { 0 };

	if (so)
		ck_assert_msg(ca_hsm_login_so(h, p, &eb) == 0, "%s", eb.msg);
	else
		ck_assert_msg(ca_hsm_login(h, p, &eb) == 0, "%s", eb.msg);
	ca_secret_free(p);
}

static struct ca_hsm *
open_ca(void)
{
	struct ca_uri *u = uri("pkcs11:token=ca");
	struct ca_hsm *h = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_msg(ca_hsm_open(NULL, u, &h, &eb) == 0, "%s", eb.msg);
	ca_uri_free(u);
	return h;
}

static struct ca_hsm *
open_new(struct ca_hsm *parent)
{
	struct ca_uri *u = uri("pkcs11:token=new");
	struct ca_hsm *h = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_msg(ca_hsm_open_sibling(parent, u, &h, &eb) == 0, "%s",
	    eb.msg);
	ca_uri_free(u);
	return h;
}

/* A backup-capable key of alg on h, and its public half. */
static void
make_key(struct ca_hsm *h, enum ca_keyalg alg, const char *label,
    int backup, struct ca_keyref *k, EVP_PKEY **pub)
{
	unsigned char id[16];
	struct ca_key_attrs a;
	struct ca_errbuf eb = { 0 };

	ck_assert_int_eq(RAND_bytes(id, sizeof(id)), 1);
	ck_assert_msg(ca_hsm_generate_id(h, alg, label, id, sizeof(id), backup,
	    k, &a, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(ca_key_attrs_backup_ok(&a), backup);
	ck_assert_int_eq(ca_key_attrs_ok(&a), !backup);
	ck_assert_int_eq(a.wrap_with_trusted, backup);
	ck_assert_ok(ca_hsm_public_key(h, k, pub));
}

/* The three ways a key gets onto a token; SoftHSM2 takes each. */
static const struct ca_import_way by_ecdh = { CA_IMPORT_ECDH, 0,
    { 0x210a, "CKM_AES_KEY_WRAP_PAD" } };
static const struct ca_import_way by_oaep = { CA_IMPORT_OAEP, NID_sha1,
    { 0, NULL } };
static const struct ca_import_way in_clear = { CA_IMPORT_CREATE, 0,
    { 0, NULL } };

/* The trusted wrapping key, made by the security officer. */
static unsigned long
trusted_key(struct ca_hsm *h, const struct ca_import_way *way,
    const unsigned char key[32], char kcv[7])
{
	struct ca_errbuf eb = { 0 };
	unsigned long o = 0;

	ca_hsm_logout(h);
	login(h, 1);
	ck_assert_msg(ca_wrapkey_create(h, way, key, 1, "backup-wrap", &o,
	    kcv, &eb) == 0, "%s", eb.msg);
	ca_hsm_logout(h);
	login(h, 0);
	/* Found again by label and check value, as a later run does. */
	ck_assert_msg(ca_wrapkey_find(h, "backup-wrap", kcv, &o, &eb) == 0,
	    "%s", eb.msg);
	return o;
}

START_TEST(kcv_known_answer)
{
	unsigned char zero[32] = { 0 };
	char kcv[7];

	/* AES-256 of a zero block under the zero key: dc95c078... */
	ck_assert_ok(ca_aes_kcv(zero, kcv));
	ck_assert_str_eq(kcv, "dc95c0");
}
END_TEST

START_TEST(softhsm_offers_pad)
{
	struct ca_hsm *h = open_ca();
	struct ca_wrap_mech m;
	struct ca_errbuf eb = { 0 };

	/* SoftHSM2 2.6 knows RFC 5649 only as CKM_AES_KEY_WRAP_PAD. */
	ck_assert_msg(ca_wrap_mech_pick(h, 0, &m, &eb) == 0, "%s", eb.msg);
	ck_assert_str_eq(m.name, "CKM_AES_KEY_WRAP_PAD");
	ck_assert_uint_eq(m.mech, 0x210a);
	ck_assert_ok(ca_wrap_mech_pick(h, 1, &m, &eb));
	ca_hsm_close(h);
}
END_TEST

/*
 * SoftHSM2 derives with CKM_ECDH1_DERIVE and unwraps with
 * CKM_AES_KEY_WRAP_PAD, so a key is brought to it that way.  Its
 * RSA-OAEP knows SHA-1 alone: what its quirk row says, and what it
 * answers to SHA-256 shows why.
 */
START_TEST(softhsm_import_way)
{
	struct ca_hsm *h = open_ca();
	struct ca_import_way w, sha256;
	struct ca_errbuf eb = { 0 };
	unsigned char key[32];
	char kcv[7];
	unsigned long o;
	json_t *j;

	ck_assert_msg(ca_import_way_pick(h, &w, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(w.kind, CA_IMPORT_ECDH);
	ck_assert_str_eq(w.wrap.name, "CKM_AES_KEY_WRAP_PAD");
	j = ca_import_way_json(&w);
	ck_assert_str_eq(json_string_value(json_object_get(j, "call")),
	    "C_UnwrapKey");
	ck_assert_str_eq(json_string_value(json_object_get(j, "mechanism")),
	    "CKM_AES_KEY_WRAP_PAD");
	ck_assert_str_eq(json_string_value(json_object_get(j,
	    "transport_key")), "ecdh-p256");
	ck_assert_str_eq(json_string_value(json_object_get(j, "kdf")),
	    "CKD_NULL");
	json_decref(j);
	j = ca_import_way_json(&by_oaep);
	ck_assert_str_eq(json_string_value(json_object_get(j, "mechanism")),
	    "CKM_RSA_PKCS_OAEP");
	ck_assert_str_eq(json_string_value(json_object_get(j, "hash")),
	    "sha1");
	ck_assert_str_eq(json_string_value(json_object_get(j,
	    "transport_key")), "rsa-3072");
	json_decref(j);
	j = ca_import_way_json(&in_clear);
	ck_assert_str_eq(json_string_value(json_object_get(j, "call")),
	    "C_CreateObject");
	ck_assert_uint_eq(json_object_size(j), 1);
	json_decref(j);
	login(h, 0);
	ck_assert_int_eq(RAND_bytes(key, sizeof(key)), 1);
	sha256 = by_oaep;
	sha256.oaep_md_nid = NID_sha256;
	ck_assert_err(ca_wrapkey_create(h, &sha256, key, 0, NULL, &o, kcv,
	    &eb), CA_ERR_HSM);
	ck_assert_msg(strstr(eb.msg, "CKR_ARGUMENTS_BAD") != NULL, "%s",
	    eb.msg);
	ck_assert_msg(ca_wrapkey_create(h, &by_oaep, key, 0, NULL, &o, kcv,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_msg(ca_wrapkey_create(h, &w, key, 0, NULL, &o, kcv,
	    &eb) == 0, "%s", eb.msg);
	ca_hsm_close(h);
}
END_TEST

static void
round_trip(enum ca_keyalg alg, const struct ca_import_way *way)
{
	struct ca_hsm *h = open_ca(), *n = NULL;
	struct ca_keyref k, back;
	struct ca_wrap_mech m;
	struct ca_errbuf eb = { 0 };
	unsigned char key[32], *blob = NULL;
	char kcv[7], kcv2[7];
	unsigned long wk, uk;
	size_t len = 0;
	EVP_PKEY *pub = NULL;

	login(h, 0);
	make_key(h, alg, "ca-key", 1, &k, &pub);
	ck_assert_int_eq(RAND_bytes(key, sizeof(key)), 1);
	wk = trusted_key(h, way, key, kcv);
	ck_assert_ok(ca_wrap_mech_pick(h, 0, &m, &eb));
	ck_assert_msg(ca_key_wrap(h, wk, &m, &k, &blob, &len, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_uint_gt(len, 64);
	/* Into the other token, under the same key value. */
	n = open_new(h);
	login(n, 0);
	ck_assert_msg(ca_wrapkey_create(n, way, key, 0, NULL, &uk, kcv2,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_str_eq(kcv2, kcv);
	ck_assert_msg(ca_key_unwrap(n, uk, &m, blob, len, pub, k.label, k.id,
	    k.id_len, 1, &back, &eb) == 0, "%s", eb.msg);
	ck_assert_str_eq(back.label, k.label);
	/* The restored pair signs as the original's public key says. */
	ck_assert_msg(ca_key_sign_check(n, &back, pub, &eb) == 0, "%s",
	    eb.msg);
	{
		EVP_PKEY *p2 = NULL;

		ck_assert_ok(ca_hsm_public_key(n, &back, &p2));
		ck_assert_int_eq(EVP_PKEY_eq(p2, pub), 1);
		EVP_PKEY_free(p2);
	}
	/* A second restore into the same token is refused: label taken. */
	ck_assert_err(ca_key_unwrap(n, uk, &m, blob, len, pub, k.label, k.id,
	    k.id_len, 1, &back, &eb), CA_ERR_KEY_EXISTS);
	free(blob);
	EVP_PKEY_free(pub);
	ca_hsm_close(n);
	ca_hsm_close(h);
}

START_TEST(round_trip_p256)
{
	round_trip(CA_ALG_P256, &by_ecdh);
}
END_TEST

START_TEST(round_trip_rsa3072)
{
	round_trip(CA_ALG_RSA3072, &by_ecdh);
}
END_TEST

/* Where a token unwraps under RSA-OAEP only. */
START_TEST(round_trip_oaep)
{
	round_trip(CA_ALG_P256, &by_oaep);
}
END_TEST

/* Where a token takes a key in clear and unwraps none. */
START_TEST(round_trip_in_clear)
{
	round_trip(CA_ALG_P256, &in_clear);
}
END_TEST

START_TEST(refusals)
{
	struct ca_hsm *h = open_ca(), *n = NULL;
	struct ca_keyref k, plain, back;
	struct ca_wrap_mech m;
	struct ca_errbuf eb = { 0 };
	unsigned char key[32], other[32], *blob = NULL, *b2 = NULL;
	char kcv[7];
	unsigned long wk, uk, o;
	size_t len = 0, l2 = 0;
	EVP_PKEY *pub = NULL, *ppub = NULL;

	login(h, 0);
	/* The user cannot mark a key trusted. */
	ck_assert_int_eq(RAND_bytes(key, sizeof(key)), 1);
	ck_assert_err(ca_wrapkey_create(h, &by_ecdh, key, 1, "not-mine", &o,
	    kcv, &eb), CA_ERR_HSM);
	ck_assert_ptr_nonnull(strstr(eb.msg, "security officer"));
	make_key(h, CA_ALG_P256, "ca-key", 1, &k, &pub);
	make_key(h, CA_ALG_P256, "plain", 0, &plain, &ppub);
	/*
	 * SoftHSM2 keeps a check value for a key made in clear, not for
	 * one unwrapped; where it keeps one, a wrong one means another key.
	 */
	wk = trusted_key(h, &in_clear, key, kcv);
	ck_assert_err(ca_wrapkey_find(h, "backup-wrap", "000000", &o, &eb),
	    CA_ERR_VERIFY);
	ck_assert_err(ca_wrapkey_find(h, "nothing", kcv, &o, &eb),
	    CA_ERR_KEY_NOT_FOUND);
	ck_assert_ok(ca_wrap_mech_pick(h, 0, &m, &eb));
	/* A never-extractable key stays in. */
	ck_assert_err(ca_key_wrap(h, wk, &m, &plain, &b2, &l2, &eb),
	    CA_ERR_KEY_ATTRS);
	ck_assert_ptr_null(b2);
	/* A backup-capable key leaves under no untrusted key either. */
	ck_assert_int_eq(RAND_bytes(other, sizeof(other)), 1);
	{
		unsigned long plainwk = 0;
		char k2[7];

		/* A user's key usable to wrap: made here only to be refused. */
		ck_assert_ok(ca_wrapkey_create(h, &by_ecdh, other, 0, NULL,
		    &plainwk, k2, &eb));
		ck_assert_int_ne(ca_key_wrap(h, plainwk, &m, &k, &b2, &l2,
		    &eb), 0);
		ck_assert_ptr_null(b2);
	}
	ck_assert_ok(ca_key_wrap(h, wk, &m, &k, &blob, &len, &eb));
	n = open_new(h);
	login(n, 0);
	/* Under another key value, the blob does not unwrap. */
	ck_assert_ok(ca_wrapkey_create(n, &in_clear, other, 0, NULL, &uk, kcv,
	    &eb));
	ck_assert_err(ca_key_unwrap(n, uk, &m, blob, len, pub, "r1", k.id,
	    k.id_len, 1, &back, &eb), CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "does not unwrap"));
	/* Under the right one, but claimed for another public key. */
	ck_assert_ok(ca_wrapkey_create(n, &by_ecdh, key, 0, NULL, &uk, kcv,
	    &eb));
	ck_assert_err(ca_key_unwrap(n, uk, &m, blob, len, ppub, "r2", k.id,
	    k.id_len, 1, &back, &eb), CA_ERR_KEY_MISMATCH);
	/* A changed byte is caught by the RFC 5649 integrity check. */
	blob[len / 2] ^= 1;
	ck_assert_err(ca_key_unwrap(n, uk, &m, blob, len, pub, "r3", k.id,
	    k.id_len, 1, &back, &eb), CA_ERR_VERIFY);
	blob[len / 2] ^= 1;
	/* Nothing of the refused ones was left behind. */
	{
		int ex = 1;

		ck_assert_ok(ca_hsm_label_exists(n, "r2", &ex));
		ck_assert_int_eq(ex, 0);
		ck_assert_ok(ca_hsm_label_exists(n, "r3", &ex));
		ck_assert_int_eq(ex, 0);
	}
	/* A session object: gone when the session ends. */
	ck_assert_ok(ca_key_unwrap(n, uk, &m, blob, len, pub, "scratch",
	    k.id, k.id_len, 0, &back, &eb));
	ca_hsm_close(n);
	n = open_new(h);
	login(n, 0);
	{
		int ex = 1;

		ck_assert_ok(ca_hsm_label_exists(n, "scratch", &ex));
		ck_assert_int_eq(ex, 0);
	}
	/* The same token twice is no sibling. */
	{
		struct ca_uri *u = uri("pkcs11:token=ca");
		struct ca_hsm *again = NULL;

		ck_assert_err(ca_hsm_open_sibling(h, u, &again, &eb),
		    CA_ERR_INVALID_ARG);
		ck_assert_ptr_null(again);
		ca_uri_free(u);
	}
	free(blob);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ppub);
	ca_hsm_close(n);
	ca_hsm_close(h);
}
END_TEST

START_TEST(wrong_so_pin)
{
	struct ca_hsm *h = open_ca();
	struct ca_secret *p = pin("00000000");
	struct ca_errbuf eb = { 0 };

	ck_assert_err(ca_hsm_login_so(h, p, &eb), CA_ERR_PIN_INCORRECT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "security officer PIN"));
	ca_secret_free(p);
	ca_hsm_close(h);
}
END_TEST

static Suite *
keywrap_suite(void)
{
	Suite *s = suite_create("keywrap");
	TCase *t = tcase_create("keywrap");

	tcase_set_timeout(t, 60);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, kcv_known_answer);
	tcase_add_test(t, softhsm_offers_pad);
	tcase_add_test(t, round_trip_p256);
	tcase_add_test(t, round_trip_rsa3072);
	tcase_add_test(t, round_trip_in_clear);
	tcase_add_test(t, round_trip_oaep);
	tcase_add_test(t, softhsm_import_way);
	tcase_add_test(t, refusals);
	tcase_add_test(t, wrong_so_pin);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(keywrap_suite)
