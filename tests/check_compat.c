/* check_compat.c: the relying-party compatibility lint (lib/compat.c). */
#include "check_util.h"

#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "compat.h"

/* Signing keys, made once before the tests fork. */
static EVP_PKEY *ec_signer, *rsa_signer;

static void
keys_setup(void)
{
	ec_signer = EVP_EC_gen("P-256");
	rsa_signer = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(ec_signer);
	ck_assert_ptr_nonnull(rsa_signer);
}

static void
keys_teardown(void)
{
	EVP_PKEY_free(ec_signer);
	EVP_PKEY_free(rsa_signer);
}

/*
 * rsa_pub: an RSA public key with a modulus of exactly bits bits.  Only
 * the size matters to the lint, and generating 3072..8192-bit keys would
 * take seconds each.
 */
static EVP_PKEY *
rsa_pub(int bits)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *n = BN_new(), *e = BN_new();
	OSSL_PARAM *prm;
	EVP_PKEY *k = NULL;

	ck_assert(b != NULL && c != NULL && n != NULL && e != NULL);
	ck_assert_int_eq(BN_rand(n, bits, BN_RAND_TOP_ONE,
	    BN_RAND_BOTTOM_ODD), 1);
	ck_assert_int_eq(BN_set_word(e, 65537), 1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n),
	    1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e),
	    1);
	ck_assert_ptr_nonnull(prm = OSSL_PARAM_BLD_to_param(b));
	ck_assert_int_eq(EVP_PKEY_fromdata_init(c), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, prm),
	    1);
	ck_assert_int_eq(EVP_PKEY_get_bits(k), bits);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	BN_free(n);
	BN_free(e);
	return k;
}

/* draft: an unsigned v3 certificate for subj, valid until 2030. */
static X509 *
draft(EVP_PKEY *subj)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();

	ck_assert(x != NULL && nm != NULL);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234),
	    1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"compat test", -1, -1, 0), 1);
	ck_assert_int_eq(X509_set_subject_name(x, nm), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, nm), 1);
	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
	    "20250101000000Z"), 1);
	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
	    "20300101000000Z"), 1);
	ck_assert_int_eq(X509_set_pubkey(x, subj), 1);
	X509_NAME_free(nm);
	return x;
}

/* draft_ca: draft() with a critical CA basicConstraints. */
static X509 *
draft_ca(EVP_PKEY *subj, const char *bc)
{
	X509 *x = draft(subj);
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(e = X509V3_EXT_nconf_nid(NULL, &ctx,
	    NID_basic_constraints, bc));
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	return x;
}

/*
 * ext: add an extension from OpenSSL's configuration syntax.  The empty
 * configuration is there because certificatePolicies (an r2i method)
 * refuses to work without one.
 */
static void
ext(X509 *x, int nid, const char *value)
{
	CONF *conf = NCONF_new(NULL);
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	ck_assert_ptr_nonnull(conf);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509V3_set_nconf(&ctx, conf);
	e = X509V3_EXT_nconf_nid(conf, &ctx, nid, value);
	ck_assert_msg(e != NULL, "extension %d \"%s\"", nid, value);
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	NCONF_free(conf);
}

/* nc_dirname: a nameConstraints with one dirName subtree "O=X". */
static void
nc_dirname(X509 *x, int crit, int excluded)
{
	NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
	GENERAL_SUBTREE *st = GENERAL_SUBTREE_new();
	X509_NAME *nm = X509_NAME_new();
	STACK_OF(GENERAL_SUBTREE) **side;

	ck_assert(nc != NULL && st != NULL && nm != NULL);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC,
	    (const unsigned char *)"X", -1, -1, 0), 1);
	GENERAL_NAME_set0_value(st->base, GEN_DIRNAME, nm);
	side = excluded ? &nc->excludedSubtrees : &nc->permittedSubtrees;
	ck_assert_ptr_nonnull(*side = sk_GENERAL_SUBTREE_new_null());
	ck_assert_int_gt(sk_GENERAL_SUBTREE_push(*side, st), 0);
	ck_assert_int_eq(X509_add1_ext_i2d(x, NID_name_constraints, nc,
	    crit, X509V3_ADD_APPEND), 1);
	NAME_CONSTRAINTS_free(nc);
}

static void
sign(X509 *x, EVP_PKEY *k, const EVP_MD *md)
{
	ck_assert_int_gt(X509_sign(x, k, md), 0);
}

static void
profile(struct ca_profile *p, unsigned targets)
{
	memset(p, 0, sizeof(*p));
	p->kind = CA_PROFILE_SUB;
	p->path_len = -1;
	p->targets = targets;
}

/*
 * lint: run the lint and check that every kept message is well formed:
 * it names a stack, fits without being cut, and rep agrees with the
 * count returned.
 */
static int
lint(const struct ca_profile *p, X509 *x, int depth,
    struct ca_compat_report *rep)
{
	static const char *stacks[] = { "openssl: ", "gnutls: ", "nss: ",
	    "mbedtls: ", "wolfssl: ", "opcua: " };
	int n = ca_compat_lint(p, x, depth, rep);
	size_t i, j;

	ck_assert_int_ge(n, 0);
	ck_assert_uint_eq(rep->n, (size_t)n < CA_COMPAT_MAX ? (size_t)n :
	    CA_COMPAT_MAX);
	for (i = 0; i < rep->n; i++) {
		size_t len = strlen(rep->msg[i]);

		ck_assert_msg(len < CA_COMPAT_MSGLEN - 1,
		    "message cut short: %s", rep->msg[i]);
		for (j = 0; j < sizeof(stacks) / sizeof(stacks[0]); j++)
			if (strncmp(rep->msg[i], stacks[j],
			    strlen(stacks[j])) == 0)
				break;
		ck_assert_msg(j < sizeof(stacks) / sizeof(stacks[0]),
		    "no stack named: %s", rep->msg[i]);
	}
	return n;
}

/* found: how many kept messages start with stack and contain what. */
static int
found(const struct ca_compat_report *rep, const char *stack,
    const char *what)
{
	size_t i;
	int n = 0;

	for (i = 0; i < rep->n; i++)
		if (strncmp(rep->msg[i], stack, strlen(stack)) == 0 &&
		    rep->msg[i][strlen(stack)] == ':' &&
		    strstr(rep->msg[i], what) != NULL)
			n++;
	return n;
}

#define ALL_TARGETS (CA_TARGET_OPENSSL | CA_TARGET_GNUTLS | CA_TARGET_NSS | \
    CA_TARGET_MBEDTLS | CA_TARGET_WOLFSSL | CA_TARGET_OPCUA)

START_TEST(bad_arguments)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE");

	profile(&p, ALL_TARGETS);
	rep.n = 99;
	ck_assert_err(ca_compat_lint(NULL, x, 0, &rep), CA_ERR_INVALID_ARG);
	ck_assert_uint_eq(rep.n, 0);
	ck_assert_err(ca_compat_lint(&p, NULL, 0, &rep), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_compat_lint(&p, x, 0, NULL), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_compat_lint(&p, x, -1, &rep), CA_ERR_INVALID_ARG);
	X509_free(x);
}
END_TEST

START_TEST(undecodable_extension)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft(ec_signer);
	ASN1_OCTET_STRING *junk = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	/* A nameConstraints whose value is not DER. */
	ck_assert_int_eq(ASN1_OCTET_STRING_set(junk,
	    (const unsigned char *)"\x01\x02\x03", 3), 1);
	ck_assert_ptr_nonnull(e = X509_EXTENSION_create_by_NID(NULL,
	    NID_name_constraints, 1, junk));
	ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_err(ca_compat_lint(&p, x, 1, &rep), CA_ERR_CRYPTO);
	ck_assert_uint_eq(rep.n, 0);
	ck_assert_int_eq(ERR_peek_error(), 0);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(junk);
	X509_free(x);
}
END_TEST

/* Everything below is wrong for some stack; with no target, all quiet. */
START_TEST(no_targets_no_warnings)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE,pathlen:20");

	ext(x, NID_name_constraints, "critical,permitted;URI:.example.com,"
	    "excluded;URI:.bad.example.com");
	ext(x, NID_certificate_policies, "critical,1.3.6.1.4.1.99999.1");
	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
	    "20450101000000Z"), 1);
	sign(x, ec_signer, EVP_sha384());
	profile(&p, 0);
	ck_assert_int_eq(lint(&p, x, 20, &rep), 0);
	/* The same draft does warn once targets are named. */
	profile(&p, ALL_TARGETS);
	ck_assert_int_gt(lint(&p, x, 20, &rep), 5);
	X509_free(x);
}
END_TEST

START_TEST(clean_draft_no_warnings)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	EVP_PKEY *k = rsa_pub(3072);
	X509 *x = draft_ca(k, "critical,CA:TRUE,pathlen:0");

	ext(x, NID_key_usage, "critical,keyCertSign,cRLSign");
	ext(x, NID_subject_key_identifier, "hash");
	ext(x, NID_name_constraints, "permitted;DNS:example.com,"
	    "permitted;IP:10.0.0.0/255.0.0.0,permitted;email:example.com");
	ext(x, NID_certificate_policies, "2.5.29.32.0,1.3.6.1.4.1.99999.1");
	sign(x, rsa_signer, EVP_sha256());
	profile(&p, ALL_TARGETS & ~CA_TARGET_WOLFSSL);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 0);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(mbedtls_critical_name_constraints)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *crit = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *noncrit = draft_ca(ec_signer, "critical,CA:TRUE");

	ext(crit, NID_name_constraints, "critical,permitted;DNS:example.com");
	ext(noncrit, NID_name_constraints, "permitted;DNS:example.com");
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, crit, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "critical nameConstraints"),
	    1);
	ck_assert_int_eq(found(&rep, "mbedtls",
	    "name_constraints.critical false"), 1);
	/* Non-critical: mbedTLS skips the extension it cannot parse. */
	ck_assert_int_eq(lint(&p, noncrit, 1, &rep), 0);
	/* Only mbedTLS fails on it (and OPC UA would flag the EC key). */
	profile(&p, ALL_TARGETS & ~CA_TARGET_MBEDTLS & ~CA_TARGET_OPCUA);
	ck_assert_int_eq(lint(&p, crit, 1, &rep), 0);
	X509_free(crit);
	X509_free(noncrit);
}
END_TEST

START_TEST(mbedtls_other_critical_extension)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *ok = draft_ca(ec_signer, "critical,CA:TRUE");

	ext(x, NID_inhibit_any_policy, "critical,0");
	/* What mbedTLS does parse may be critical. */
	ext(ok, NID_key_usage, "critical,keyCertSign,cRLSign");
	ext(ok, NID_ext_key_usage, "critical,serverAuth");
	ext(ok, NID_subject_alt_name, "critical,DNS:ca.example.com");
	ext(ok, NID_inhibit_any_policy, "0");
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "critical X509v3 Inhibit Any "
	    "Policy"), 1);
	ck_assert_int_eq(lint(&p, ok, 1, &rep), 0);
	profile(&p, CA_TARGET_OPENSSL | CA_TARGET_WOLFSSL);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 0);
	X509_free(x);
	X509_free(ok);
}
END_TEST

START_TEST(mbedtls_critical_policies)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *other = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *mixed = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *any = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *noncrit = draft_ca(ec_signer, "critical,CA:TRUE");

	ext(other, NID_certificate_policies, "critical,1.3.6.1.4.1.99999.1");
	ext(mixed, NID_certificate_policies,
	    "critical,2.5.29.32.0,1.3.6.1.4.1.99999.1");
	ext(any, NID_certificate_policies, "critical,2.5.29.32.0");
	ext(noncrit, NID_certificate_policies, "1.3.6.1.4.1.99999.1");
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, other, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "anyPolicy"), 1);
	ck_assert_int_eq(lint(&p, mixed, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "certificatePolicies"), 1);
	ck_assert_int_eq(lint(&p, any, 1, &rep), 0);
	ck_assert_int_eq(lint(&p, noncrit, 1, &rep), 0);
	profile(&p, ALL_TARGETS & ~CA_TARGET_MBEDTLS & ~CA_TARGET_OPCUA);
	ck_assert_int_eq(lint(&p, other, 1, &rep), 0);
	X509_free(other);
	X509_free(mixed);
	X509_free(any);
	X509_free(noncrit);
}
END_TEST

/*
 * chain_limit: for one target, the draft with pathLen at the stack's
 * limit passes and one more warns, below a root (depth 1) and as the
 * root itself (depth 0).
 */
static void
chain_limit(unsigned target, const char *stack, int max)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	char bc[64];
	X509 *x;

	profile(&p, target);
	/* depth 1 + pathLen max - 1 = max intermediates */
	snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", max - 1);
	x = draft_ca(ec_signer, bc);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 0);
	ck_assert_int_eq(lint(&p, x, 2, &rep), 1);
	ck_assert_int_eq(found(&rep, stack, "intermediate CAs"), 1);
	X509_free(x);
	/* A root with pathLen max: max intermediates below it. */
	snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", max);
	x = draft_ca(ec_signer, bc);
	ck_assert_int_eq(lint(&p, x, 0, &rep), 0);
	snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", max + 1);
	X509_free(x);
	x = draft_ca(ec_signer, bc);
	ck_assert_int_eq(lint(&p, x, 0, &rep), 1);
	ck_assert_int_eq(found(&rep, stack, "lower path_len"), 1);
	X509_free(x);
}

START_TEST(chain_depth_mbedtls)
{
	chain_limit(CA_TARGET_MBEDTLS, "mbedtls", 8);
}
END_TEST

START_TEST(chain_depth_wolfssl)
{
	chain_limit(CA_TARGET_WOLFSSL, "wolfssl", 8);
}
END_TEST

START_TEST(chain_depth_gnutls)
{
	chain_limit(CA_TARGET_GNUTLS, "gnutls", 15);
}
END_TEST

START_TEST(chain_depth_nss)
{
	chain_limit(CA_TARGET_NSS, "nss", 6);
}
END_TEST

START_TEST(chain_depth_openssl)
{
	chain_limit(CA_TARGET_OPENSSL, "openssl", 100);
}
END_TEST

START_TEST(chain_depth_only_named_targets)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE,pathlen:9");

	/* 10 intermediates: too many for mbedTLS, wolfSSL and NSS only. */
	profile(&p, CA_TARGET_OPENSSL | CA_TARGET_GNUTLS);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 0);
	ck_assert_int_eq(found(&rep, "openssl", "intermediate"), 0);
	ck_assert_int_eq(found(&rep, "gnutls", "intermediate"), 0);
	profile(&p, ALL_TARGETS);
	(void)lint(&p, x, 1, &rep);
	ck_assert_int_eq(found(&rep, "mbedtls", "10 intermediate"), 1);
	ck_assert_int_eq(found(&rep, "wolfssl", "10 intermediate"), 1);
	ck_assert_int_eq(found(&rep, "nss", "10 intermediate"), 1);
	ck_assert_int_eq(found(&rep, "gnutls", "intermediate"), 0);
	X509_free(x);
}
END_TEST

START_TEST(chain_depth_without_pathlen)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE");

	/* No pathLen: only the shortest chain is certain, the draft and
	 * the CAs above it. */
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, x, 8, &rep), 0);
	ck_assert_int_eq(lint(&p, x, 9, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "no pathLen"), 1);
	ck_assert_int_eq(lint(&p, x, 0, &rep), 0);
	X509_free(x);
}
END_TEST

START_TEST(chain_depth_end_entity)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft(ec_signer);

	/* A log signer below 9 CAs: 8 intermediates and the root. */
	ext(x, NID_basic_constraints, "critical,CA:FALSE");
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, x, 9, &rep), 0);
	ck_assert_int_eq(lint(&p, x, 10, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", "9 intermediate"), 1);
	X509_free(x);
	/* Without basicConstraints it is not a CA either. */
	x = draft(ec_signer);
	ck_assert_int_eq(lint(&p, x, 9, &rep), 0);
	X509_free(x);
}
END_TEST

START_TEST(y2038_mbedtls_wolfssl)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *last = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *after = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *late = draft_ca(ec_signer, "critical,CA:TRUE");

	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notAfter(last),
	    "20380119031407Z"), 1);
	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notAfter(after),
	    "20380119031408Z"), 1);
	ck_assert_int_eq(ASN1_TIME_set_string_X509(X509_getm_notAfter(late),
	    "20500101000000Z"), 1);
	profile(&p, CA_TARGET_MBEDTLS | CA_TARGET_WOLFSSL);
	ck_assert_int_eq(lint(&p, last, 1, &rep), 0);
	ck_assert_int_eq(lint(&p, after, 1, &rep), 2);
	ck_assert_int_eq(found(&rep, "mbedtls", "2038-01-19T03:14:08Z"), 1);
	ck_assert_int_eq(found(&rep, "wolfssl", "32-bit time_t"), 1);
	ck_assert_int_eq(lint(&p, late, 1, &rep), 2);
	ck_assert_int_eq(found(&rep, "mbedtls", "2050-01-01T00:00:00Z"), 1);
	profile(&p, CA_TARGET_WOLFSSL);
	ck_assert_int_eq(lint(&p, late, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "mbedtls", ""), 0);
	/* Stacks that run on 64-bit time_t hosts are not warned. */
	profile(&p, CA_TARGET_OPENSSL | CA_TARGET_GNUTLS | CA_TARGET_NSS);
	ck_assert_int_eq(lint(&p, late, 1, &rep), 0);
	X509_free(last);
	X509_free(after);
	X509_free(late);
}
END_TEST

START_TEST(wolfssl_unenforced_name_forms)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *ip = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *both = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *ok = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *dir = draft_ca(ec_signer, "critical,CA:TRUE");

	ext(ip, NID_name_constraints, "critical,permitted;DNS:example.com,"
	    "permitted;IP:10.0.0.0/255.0.0.0");
	ext(both, NID_name_constraints, "permitted;URI:.example.com,"
	    "excluded;IP:192.168.0.0/255.255.0.0");
	ext(ok, NID_name_constraints, "critical,permitted;DNS:example.com,"
	    "permitted;email:example.com");
	nc_dirname(dir, 1, 0);
	profile(&p, CA_TARGET_WOLFSSL);
	ck_assert_int_eq(lint(&p, ip, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "wolfssl", "enforce ip name"), 1);
	/* Non-critical constraints are ignored just the same. */
	ck_assert_int_eq(lint(&p, both, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "wolfssl", "enforce ip and uri name"),
	    1);
	ck_assert_int_eq(lint(&p, ok, 1, &rep), 0);
	ck_assert_int_eq(lint(&p, dir, 1, &rep), 0);
	profile(&p, CA_TARGET_OPENSSL | CA_TARGET_NSS);
	ck_assert_int_eq(lint(&p, both, 1, &rep), 0);
	X509_free(ip);
	X509_free(both);
	X509_free(ok);
	X509_free(dir);
}
END_TEST

START_TEST(gnutls_unsupported_name_forms)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *uri = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *dir = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *exuri = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *ok = draft_ca(ec_signer, "critical,CA:TRUE");
	X509 *exdir = draft_ca(ec_signer, "critical,CA:TRUE");

	ext(uri, NID_name_constraints, "critical,permitted;URI:.example.com");
	nc_dirname(dir, 1, 0);
	ext(exuri, NID_name_constraints, "critical,excluded;"
	    "URI:.bad.example.com");
	ext(ok, NID_name_constraints, "critical,permitted;DNS:example.com,"
	    "permitted;IP:10.0.0.0/255.0.0.0,permitted;email:example.com,"
	    "excluded;DNS:bad.com");
	nc_dirname(exdir, 1, 1);
	profile(&p, CA_TARGET_GNUTLS);
	ck_assert_int_eq(lint(&p, uri, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "gnutls", "ignores permitted uri"), 1);
	ck_assert_int_eq(lint(&p, dir, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "gnutls", "ignores permitted dirName"),
	    1);
	ck_assert_int_eq(lint(&p, exuri, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "gnutls", "excluded uri"), 1);
	ck_assert_int_eq(lint(&p, ok, 1, &rep), 0);
	/* An excluded dirName only bites a directoryName in a SAN. */
	ck_assert_int_eq(lint(&p, exdir, 1, &rep), 0);
	profile(&p, CA_TARGET_OPENSSL | CA_TARGET_NSS);
	ck_assert_int_eq(lint(&p, uri, 1, &rep), 0);
	ck_assert_int_eq(lint(&p, dir, 1, &rep), 0);
	X509_free(uri);
	X509_free(dir);
	X509_free(exuri);
	X509_free(ok);
	X509_free(exdir);
}
END_TEST

/* opcua_case: the OPC UA warnings for a subj key signed by signer. */
static int
opcua_case(EVP_PKEY *subj, EVP_PKEY *signer, const EVP_MD *md,
    struct ca_compat_report *rep)
{
	struct ca_profile p;
	X509 *x = draft_ca(subj, "critical,CA:TRUE,pathlen:0");
	int n;

	if (signer != NULL)
		sign(x, signer, md);
	profile(&p, CA_TARGET_OPCUA);
	n = lint(&p, x, 1, rep);
	/* Not a concern of any other stack. */
	profile(&p, ALL_TARGETS & ~CA_TARGET_OPCUA);
	ck_assert_int_eq(ca_compat_lint(&p, x, 1, rep), 0);
	profile(&p, CA_TARGET_OPCUA);
	ck_assert_int_eq(ca_compat_lint(&p, x, 1, rep), n);
	X509_free(x);
	return n;
}

START_TEST(opcua_rsa_key_sizes)
{
	struct ca_compat_report rep;
	EVP_PKEY *k;
	static const int fit[] = { 2048, 3072, 4096 };
	size_t i;

	for (i = 0; i < sizeof(fit) / sizeof(fit[0]); i++) {
		k = rsa_pub(fit[i]);
		ck_assert_msg(opcua_case(k, rsa_signer, EVP_sha256(),
		    &rep) == 0, "RSA %d: %s", fit[i], rep.msg[0]);
		EVP_PKEY_free(k);
	}
	k = rsa_pub(4608);
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha256(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "RSA 4608-bit"), 1);
	EVP_PKEY_free(k);
	k = rsa_pub(8192);
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha256(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "2048..4096"), 1);
	EVP_PKEY_free(k);
	k = rsa_pub(1024);
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha256(), &rep), 1);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(opcua_ec_key)
{
	struct ca_compat_report rep;
	EVP_PKEY *k = EVP_EC_gen("P-384");

	ck_assert_ptr_nonnull(k);
	/* An EC root: one warning, not a second for its own signature. */
	ck_assert_int_eq(opcua_case(k, k, EVP_sha384(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "EC key"), 1);
	ck_assert_int_eq(found(&rep, "opcua", "ECC_nistP384"), 1);
	/* An EC subordinate under an RSA root: still the key. */
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha256(), &rep), 1);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(opcua_signature_algorithms)
{
	struct ca_compat_report rep;
	EVP_PKEY *k = rsa_pub(3072);
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc;
	X509 *x;
	struct ca_profile p;

	/* SHA2-256/384/512 all fit RSA-PKCS15-SHA2-256. */
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha256(), &rep), 0);
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha384(), &rep), 0);
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha512(), &rep), 0);
	/* SHA-1 only for the deprecated policies. */
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha1(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "deprecated"), 1);
	/* SHA-224 is no SHA2-256/384/512. */
	ck_assert_int_eq(opcua_case(k, rsa_signer, EVP_sha224(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "RSA-SHA224"), 1);
	/* An RSA key under an EC issuer. */
	ck_assert_int_eq(opcua_case(k, ec_signer, EVP_sha256(), &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "ecdsa-with-SHA256"), 1);
	/* Unsigned: the signature rules wait for a signature. */
	ck_assert_int_eq(opcua_case(k, NULL, NULL, &rep), 0);

	/* RSASSA-PSS. */
	x = draft_ca(k, "critical,CA:TRUE");
	ck_assert_ptr_nonnull(mc = EVP_MD_CTX_new());
	ck_assert_int_eq(EVP_DigestSignInit(mc, &pc, EVP_sha256(), NULL,
	    rsa_signer), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_PSS_PADDING), 1);
	ck_assert_int_gt(X509_sign_ctx(x, mc), 0);
	ck_assert_int_eq(X509_get_signature_nid(x), NID_rsassaPss);
	profile(&p, CA_TARGET_OPCUA);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 1);
	ck_assert_int_eq(found(&rep, "opcua", "RSASSA-PSS"), 1);
	profile(&p, CA_TARGET_OPENSSL);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 0);
	EVP_MD_CTX_free(mc);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(report_keeps_first_and_counts_all)
{
	struct ca_profile p;
	struct ca_compat_report rep;
	X509 *x = draft_ca(ec_signer, "critical,CA:TRUE");
	ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
	char oid[64];
	int i;

	/* 20 critical private extensions, each one mbedTLS refuses. */
	ck_assert_int_eq(ASN1_OCTET_STRING_set(v,
	    (const unsigned char *)"\x05\x00", 2), 1);
	for (i = 0; i < 20; i++) {
		ASN1_OBJECT *o;
		X509_EXTENSION *e;

		snprintf(oid, sizeof(oid), "1.3.6.1.4.1.99999.7.%d", i);
		ck_assert_ptr_nonnull(o = OBJ_txt2obj(oid, 1));
		ck_assert_ptr_nonnull(e = X509_EXTENSION_create_by_OBJ(NULL,
		    o, 1, v));
		ck_assert_int_eq(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
		ASN1_OBJECT_free(o);
	}
	profile(&p, CA_TARGET_MBEDTLS);
	ck_assert_int_eq(lint(&p, x, 1, &rep), 20);
	ck_assert_uint_eq(rep.n, CA_COMPAT_MAX);
	ck_assert_int_eq(found(&rep, "mbedtls", "1.3.6.1.4.1.99999.7.0 "),
	    1);
	ck_assert_int_eq(found(&rep, "mbedtls", "1.3.6.1.4.1.99999.7.15 "),
	    1);
	ck_assert_int_eq(found(&rep, "mbedtls", "1.3.6.1.4.1.99999.7.16 "),
	    0);
	ASN1_OCTET_STRING_free(v);
	X509_free(x);
}
END_TEST

static Suite *
compat_suite(void)
{
	Suite *s = suite_create("compat");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, undecodable_extension);
	tcase_add_test(tc, no_targets_no_warnings);
	tcase_add_test(tc, clean_draft_no_warnings);
	tcase_add_test(tc, mbedtls_critical_name_constraints);
	tcase_add_test(tc, mbedtls_other_critical_extension);
	tcase_add_test(tc, mbedtls_critical_policies);
	tcase_add_test(tc, chain_depth_mbedtls);
	tcase_add_test(tc, chain_depth_wolfssl);
	tcase_add_test(tc, chain_depth_gnutls);
	tcase_add_test(tc, chain_depth_nss);
	tcase_add_test(tc, chain_depth_openssl);
	tcase_add_test(tc, chain_depth_only_named_targets);
	tcase_add_test(tc, chain_depth_without_pathlen);
	tcase_add_test(tc, chain_depth_end_entity);
	tcase_add_test(tc, y2038_mbedtls_wolfssl);
	tcase_add_test(tc, wolfssl_unenforced_name_forms);
	tcase_add_test(tc, gnutls_unsupported_name_forms);
	tcase_add_test(tc, opcua_rsa_key_sizes);
	tcase_add_test(tc, opcua_ec_key);
	tcase_add_test(tc, opcua_signature_algorithms);
	tcase_add_test(tc, report_keeps_first_and_counts_all);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(compat_suite)
