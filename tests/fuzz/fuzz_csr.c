/*
 * fuzz_csr.c: libFuzzer harness for CSR intake (ca-sign-sub --csr,
 * ca-issue): the parser, proof of possession, the key policy and the
 * extensions asked for, as lib/subca.c and lib/issue.c run them on a
 * request; then the certificate drafted from it and linted before any
 * token is asked, under a test root made with the fixed CA key of
 * fuzzkit.h.  The draft does not wait for proof of possession: whoever
 * sends a request signs it, so every request that parses, with a key
 * the policy allows, can reach it.  A request that asks to be a CA is
 * drafted as ca-sign-sub drafts a subordinate (profile
 * ot-issuing-sl3), any other as ca-issue drafts a device (device-mtls),
 * with the subjectAltName it asks for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "csr.h"
#include "dn.h"
#include "lint.h"
#include "profile.h"
#include "timefmt.h"

#include "fuzzkit.h"

static const char device_profile[] =
    "{\"format\": \"ca-profile\", \"version\": 1, \"kind\": \"device\",\n"
    " \"name\": \"device-mtls\", \"validity\": \"2y\",\n"
    " \"truncate_validity\": true,\n"
    " \"key_usage\": [\"digitalSignature\", \"keyEncipherment\"],\n"
    " \"extended_key_usage\": [\"serverAuth\", \"clientAuth\"],\n"
    " \"subject_alt_name\": {\"allow\": [\"dns\", \"ip\", \"uri\"],\n"
    "   \"require\": [\"dns\"]},\n"
    " \"crl_distribution_points\": [\"file:///media/crl/ot-issuing.crl\"],\n"
    " \"key_algorithms\": [\"p256\", \"p384\", \"rsa\"],\n"
    " \"rsa_min_bits\": 2048}\n";

static const char sub_profile[] =
    "{\"format\": \"ca-profile\", \"version\": 1, \"kind\": \"sub\",\n"
    " \"name\": \"ot-issuing-sl3\", \"subject_from\": \"csr\",\n"
    " \"validity\": \"10y\", \"truncate_validity\": false, \"path_len\": 0,\n"
    " \"key_usage\": [\"keyCertSign\", \"cRLSign\"],\n"
    " \"extended_key_usage\": [\"serverAuth\", \"clientAuth\"],\n"
    " \"policies\": [{\"oid\": \"1.3.6.1.4.1.55555.1.1\",\n"
    "   \"cps\": \"http://10.20.0.5/cps\"}],\n"
    " \"name_constraints\": {\"critical\": true, \"permitted\": {\n"
    "   \"dns\": [\"plant.example\"], \"ip\": [\"10.20.0.0/16\"]}},\n"
    " \"crl_distribution_points\": [\"file:///media/crl/root.crl\"],\n"
    " \"iec62443\": {\"zone\": \"Line 4 cell zone\", \"security_level\": 3,\n"
    "   \"policy_oid\": \"1.3.6.1.4.1.55555.62443.3\"},\n"
    " \"key_algorithms\": [\"p384\", \"rsa\"], \"rsa_min_bits\": 3072}\n";

static EVP_PKEY *ca_key;
static X509 *root;
static struct ca_profile *device, *sub;
static struct ca_cert_params base;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ca_cert_params p;
	X509_NAME *n = NULL;

	(void)argc;
	(void)argv;
	ca_key = kit_key(KIT_CA_KEY_PEM);
	if (ca_profile_parse_named(device_profile, sizeof(device_profile) - 1,
	    "device.json", &device, NULL) != 0 ||
	    ca_profile_parse_named(sub_profile, sizeof(sub_profile) - 1,
	    "sub.json", &sub, NULL) != 0 ||
	    ca_dn_parse("CN=Fuzz Root,O=Example", &n, NULL) != 0)
		abort();
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_ROOT;
	p.subject = n;
	memset(p.serial, 0x11, sizeof(p.serial));
	p.not_before = kit_time("2026-01-01T00:00:00Z");
	p.not_after = kit_time("2051-01-01T00:00:00Z");
	p.path_len = -1;
	p.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	if (ca_cert_build(&p, ca_key, NULL, &root) != 0 ||
	    ca_cert_sign(root, ca_key, ca_md_for_key(ca_key), NULL) != 0)
		abort();
	X509_NAME_free(n);

	/* What every draft shares, as ca-issue and ca-sign-sub set it. */
	memset(&base, 0, sizeof(base));
	base.issuer = X509_get_subject_name(root);
	memset(base.serial, 0x22, sizeof(base.serial));
	base.not_before = kit_time("2027-01-01T00:00:00Z");
	base.not_after = kit_time("2029-01-01T00:00:00Z");
	base.aki = X509_get0_subject_key_id(root);
	ERR_clear_error();
	return 0;
}

/* The request asks to be a CA: basicConstraints with cA set. */
static int
asks_ca(STACK_OF(X509_EXTENSION) *exts)
{
	BASIC_CONSTRAINTS *bc;
	int ca;

	if (exts == NULL || (bc = X509V3_get_d2i(exts, NID_basic_constraints,
	    NULL, NULL)) == NULL)
		return 0;
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

static void
draft(const struct ca_csr *req, STACK_OF(X509_EXTENSION) *exts)
{
	struct ca_errbuf eb = { 0 };
	struct ca_lint_report rep;
	struct ca_cert_params p = base;
	const struct ca_profile *prof;
	ASN1_OCTET_STRING *ski = NULL;
	GENERAL_NAMES *san = NULL;
	X509 *x = NULL;
	int ca = asks_ca(exts);

	prof = ca ? sub : device;
	if (ca_key_policy_check(req->key, prof->key_algorithms,
	    prof->rsa_min_bits, &eb) != 0 ||
	    X509_NAME_entry_count(req->subject) == 0)
		return;
	p.subject = req->subject;
	p.profile = prof;
	p.key_usage = prof->key_usage;
	if (EVP_PKEY_get_base_id(req->key) == EVP_PKEY_EC)
		p.key_usage &= ~(unsigned)CA_KU_RSA_ONLY;
	if (ca) {
		/* ca-sign-sub: the request's key, its AKI from ours. */
		p.kind = CA_CERT_SUB;
		p.path_len = prof->path_len;
		p.aki = NULL;
		if (ca_cert_build(&p, req->key, ca_key, &x) != 0 ||
		    ca_cert_sign(x, ca_key, ca_md_for_key(ca_key), &eb) != 0)
			goto out;
		if (ca_lint_cert_issued(x, ca_key, CA_CERT_SUB, &rep,
		    &eb) == 0)
			(void)ca_lint_issuer(x, root, &rep, &eb);
	} else {
		/* ca-issue: the request's key fields copied, as a batch. */
		if (exts != NULL)
			san = X509V3_get_d2i(exts, NID_subject_alt_name, NULL,
			    NULL);
		if (ca_key_id(req->spki, &ski) != 0)
			goto out;
		p.kind = CA_CERT_DEVICE;
		p.path_len = -1;
		p.san = san;
		p.spki = req->spki;
		p.ski = ski;
		if (ca_cert_build(&p, req->key, NULL, &x) != 0 ||
		    ca_cert_sign(x, ca_key, ca_md_for_key(ca_key), &eb) != 0)
			goto out;
		(void)ca_lint_device(x, req->key, ca_key, root, &rep, &eb);
	}
out:
	X509_free(x);
	ASN1_OCTET_STRING_free(ski);
	GENERAL_NAMES_free(san);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_csr *req = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;

	if (ca_csr_parse(data, size, &req, &eb) == 0) {
		if (req->key != NULL)
			(void)ca_key_policy_check(req->key, CA_KEYPOL_P256 |
			    CA_KEYPOL_P384 | CA_KEYPOL_RSA, 3072, &eb);
		(void)ca_csr_check_pop(req, &eb);
		if (ca_csr_extensions(req, &exts, &eb) == 0 &&
		    req->key != NULL)
			draft(req, exts);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	ca_csr_free(req);
	ERR_clear_error();
	return 0;
}
