/*
 * check_tokensign.c: signing in sessions of one's own (lib/tokensign.c) on
 * SoftHSM2: a CA key made by ca_root_init, EC and RSA, signed with from
 * several threads at once, every signature checked with the CA
 * certificate's key in software.
 */
#include "check_util.h"

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cadir.h"
#include "certgen.h"
#include "rootca.h"
#include "sign.h"
#include "tokensign.h"

#define NOW ((time_t)1767225600)

static char base[PATH_MAX];
static char work[PATH_MAX + 16], dir[PATH_MAX + 32], pinsrc[PATH_MAX + 64];

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

/* A CA of alg on its own token, opened and logged in to. */
static struct ca_dir *
ca_of(const char *alg)
{
	struct ca_errbuf eb = { 0 };
	struct ca_dir *d = NULL;
	char p[PATH_MAX + 48];

	tu_pathf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_softhsm_token(work, "kc-tsign");
	tu_pathf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);
	tu_pathf(dir, sizeof(dir), "%s/ca", work);
	tu_make_ca(dir, "pkcs11:token=kc-tsign", "CN=Token Signer Test", alg, 0,
	    pinsrc, NOW, NULL);
	ck_assert_msg(ca_dir_open(dir, &d, &eb) == 0, "open: %s", eb.msg);
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0,
	    "login: %s", eb.msg);
	return d;
}

static int
verifies(X509 *cert, const EVP_MD *md, const unsigned char *data,
    size_t len, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = EVP_DigestVerifyInit(c, NULL, md, NULL,
	    X509_get0_pubkey(cert)) == 1 && EVP_DigestVerify(c, sig, siglen,
	    data, len) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}

struct job {
	struct ca_tsigner *s;
	X509 *cert;
	int good;
};

static void *
many(void *arg)
{
	struct job *j = arg;
	struct ca_errbuf eb = { 0 };
	unsigned char data[64], *sig;
	size_t siglen;
	int i;

	for (i = 0; i < 40; i++) {
		memset(data, i, sizeof(data));
		if (ca_tsigner_sign(j->s, EVP_sha256(), data, sizeof(data),
		    &sig, &siglen, &eb) != 0)
			return NULL;
		j->good += verifies(j->cert, EVP_sha256(), data, sizeof(data),
		    sig, siglen);
		OPENSSL_free(sig);
	}
	return NULL;
}

static void
exercise(const char *alg)
{
	struct ca_dir *d = ca_of(alg);
	struct ca_errbuf eb = { 0 };
	struct ca_tsigner *s[2] = { NULL, NULL };
	struct ca_keyref none;
	struct job j[2];
	pthread_t th[2];
	const unsigned char msg[] = "tbsCertificate";
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int i;

	for (i = 0; i < 2; i++)
		ck_assert_msg(ca_tsigner_open(d->hsm, &d->ca_key, &s[i],
		    &eb) == 0, "open: %s", eb.msg);
	/* Both digests, each verifying; a tampered message does not. */
	ck_assert_ok(ca_tsigner_sign(s[0], EVP_sha256(), msg, sizeof(msg),
	    &sig, &siglen, &eb));
	ck_assert(verifies(d->cert, EVP_sha256(), msg, sizeof(msg), sig,
	    siglen));
	ck_assert(!verifies(d->cert, EVP_sha256(), msg, sizeof(msg) - 1, sig,
	    siglen));
	OPENSSL_free(sig);
	ck_assert_ok(ca_tsigner_sign(s[1], EVP_sha384(), msg, sizeof(msg),
	    &sig, &siglen, &eb));
	ck_assert(verifies(d->cert, EVP_sha384(), msg, sizeof(msg), sig,
	    siglen));
	OPENSSL_free(sig);
	ck_assert_err(ca_tsigner_sign(s[0], EVP_sha1(), msg, sizeof(msg),
	    &sig, &siglen, &eb), CA_ERR_INVALID_ARG);
	/*
	 * Streamed, as a CRL is signed: in pieces, some larger than what
	 * goes to the token at once, through the mechanism chosen.
	 */
	{
		struct ca_sign_stream ss;
		size_t big = 200000, k;
		unsigned char *data = malloc(big);

		ck_assert_ptr_nonnull(data);
		for (k = 0; k < big; k++)
			data[k] = (unsigned char)(k * 7);
		ca_tsigner_stream(s[0], &ss);
		ck_assert_ok(ss.begin(ss.arg, EVP_sha384(), &eb));
		ck_assert_ok(ss.update(ss.arg, data, 10));
		ck_assert_ok(ss.update(ss.arg, data + 10, 70000));
		ck_assert_ok(ss.update(ss.arg, data + 70010, big - 70010));
		ck_assert_msg(ss.final(ss.arg, &sig, &siglen, &eb) == 0,
		    "final: %s", eb.msg);
		ck_assert(verifies(d->cert, EVP_sha384(), data, big, sig,
		    siglen));
		OPENSSL_free(sig);
		/* An empty stream is a signature over nothing. */
		ck_assert_ok(ss.begin(ss.arg, EVP_sha256(), &eb));
		ck_assert_ok(ss.final(ss.arg, &sig, &siglen, &eb));
		ck_assert(verifies(d->cert, EVP_sha256(), data, 0, sig,
		    siglen));
		OPENSSL_free(sig);
		/* A digest it does not sign with never starts. */
		ck_assert_err(ss.begin(ss.arg, EVP_sha1(), &eb),
		    CA_ERR_INVALID_ARG);
		/* And the signer still signs in one go after. */
		ck_assert_ok(ca_tsigner_sign_cb(s[0], EVP_sha256(), msg,
		    sizeof(msg), &sig, &siglen, &eb));
		ck_assert(verifies(d->cert, EVP_sha256(), msg, sizeof(msg),
		    sig, siglen));
		OPENSSL_free(sig);
		free(data);
	}
	/*
	 * SoftHSM2 offers every mechanism: RSA is signed by the one that
	 * hashes on the token, ECDSA over the digest made here.
	 */
	ck_assert_str_eq(ca_tsigner_mechanism(s[0], EVP_sha256()),
	    strncmp(alg, "rsa", 3) == 0 ? "CKM_SHA256_RSA_PKCS" : "CKM_ECDSA");
	ck_assert_str_eq(ca_tsigner_mechanism(s[0], EVP_sha384()),
	    strncmp(alg, "rsa", 3) == 0 ? "CKM_SHA384_RSA_PKCS" : "CKM_ECDSA");
	ck_assert_ptr_null(ca_tsigner_mechanism(s[0], EVP_sha1()));
	/*
	 * SoftHSM2 has sessions to spare: each signer has its own, but
	 * for one asked to sign in the token's own session, which signs
	 * just the same, and whose closing leaves that session open.
	 */
	ck_assert_int_eq(ca_hsm_session_free(d->hsm), 1);
	ck_assert_int_eq(ca_tsigner_shared(s[0]), 0);
	{
		struct ca_tsigner *sh = NULL;

		ck_assert_ok(ca_tsigner_open_shared(d->hsm, &d->ca_key, &sh,
		    &eb));
		ck_assert_int_eq(ca_tsigner_shared(sh), 1);
		ck_assert_ok(ca_tsigner_sign(sh, EVP_sha256(), msg,
		    sizeof(msg), &sig, &siglen, &eb));
		ck_assert(verifies(d->cert, EVP_sha256(), msg, sizeof(msg),
		    sig, siglen));
		OPENSSL_free(sig);
		ca_tsigner_close(sh);
		ck_assert_int_eq(ca_hsm_logged_in(d->hsm), 1);
		ck_assert_ok(ca_tsigner_sign(s[0], EVP_sha256(), msg,
		    sizeof(msg), &sig, &siglen, &eb));
		OPENSSL_free(sig);
		ck_assert_ok(ca_tsigner_open_shared(d->hsm, &d->ca_key, &sh,
		    &eb));
		ck_assert_ok(ca_tsigner_sign(sh, EVP_sha384(), msg,
		    sizeof(msg), &sig, &siglen, &eb));
		ck_assert(verifies(d->cert, EVP_sha384(), msg, sizeof(msg),
		    sig, siglen));
		OPENSSL_free(sig);
		ca_tsigner_close(sh);
	}
	/* Two threads, a session each, at once. */
	for (i = 0; i < 2; i++) {
		j[i] = (struct job){ s[i], d->cert, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, many, &j[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(j[0].good + j[1].good, 80);
	/*
	 * A certificate signed again by the token (log-signer.pem stands in
	 * for a draft): the same tbs, and a signature the CA key verifies.
	 */
	{
		const EVP_MD *md = ca_md_for_key(X509_get0_pubkey(d->cert));
		unsigned char *t1 = NULL, *t2 = NULL;
		X509 *x = NULL;
		int n1, n2;

		ck_assert_msg(ca_tsigner_sign_cert(s[0], d->log_cert, md, &x,
		    &eb) == 0, "sign: %s", eb.msg);
		ck_assert_ptr_nonnull(x);
		ck_assert_ok(ca_cert_verify(x, X509_get0_pubkey(d->cert)));
		n1 = i2d_re_X509_tbs(d->log_cert, &t1);
		n2 = i2d_re_X509_tbs(x, &t2);
		ck_assert_int_gt(n1, 0);
		ck_assert_int_eq(n1, n2);
		ck_assert_mem_eq(t1, t2, (size_t)n1);
		OPENSSL_free(t1);
		OPENSSL_free(t2);
		X509_free(x);
	}
	for (i = 0; i < 2; i++)
		ca_tsigner_close(s[i]);
	/* A key that is not there. */
	memset(&none, 0, sizeof(none));
	none.id_len = 4;
	ck_assert_err(ca_tsigner_open(d->hsm, &none, &s[0], &eb),
	    CA_ERR_KEY_NOT_FOUND);
	ck_assert_ptr_null(s[0]);
	ca_tsigner_close(NULL);
	ca_dir_close(d);
	tu_rmrf(work);
}

START_TEST(ec_p256)
{
	exercise("p256");
}
END_TEST

START_TEST(ec_p384)
{
	exercise("p384");
}
END_TEST

START_TEST(rsa_3072)
{
	exercise("rsa3072");
}
END_TEST

static Suite *
tokensign_suite(void)
{
	Suite *s = suite_create("tokensign");
	TCase *tc = tcase_create("tokensign");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ec_p256);
	tcase_add_test(tc, ec_p384);
	tcase_add_test(tc, rsa_3072);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(tokensign_suite)
