/*
 * mbedtls-verify: does Mbed TLS (Debian 12: 2.28) accept a certificate
 * chain?  A test tool for tests/interop.sh; see usage() and vcommon.h for
 * the exit statuses.
 *
 * Mbed TLS 2.28 has no nameConstraints support at all.  A critical
 * nameConstraints extension is an unknown critical extension, so the
 * certificate that carries it does not even parse; a non-critical one is
 * skipped, and the names below it are then never checked.  The harness
 * reports both facts rather than hiding them.
 *
 * With --crl, every certificate below the root is checked against the
 * CRLs its issuer signed (mbedtls_x509_crt_verify takes the CRL chain).
 * A CRL that does not parse is a refusal: Mbed TLS 2.28 parses no CRL
 * extension, and refuses any that is marked critical, such as the
 * issuingDistributionPoint that RFC 5280 5.2.5 requires to be critical.
 * Revocation is soft: a certificate whose issuer has no CRL here passes.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "vcommon.h"

#define PROG "mbedtls-verify"

/* Parse one PEM block onto the end of crt; print why on failure. */
static int
add_cert(mbedtls_x509_crt *crt, const char *path, size_t i,
    const struct v_pem *p)
{
	char why[256];
	int ret;

	/* For PEM input Mbed TLS wants the length to include the NUL. */
	ret = mbedtls_x509_crt_parse(crt, (const unsigned char *)p->cert[i],
	    p->len[i] + 1);
	if (ret != 0) {
		mbedtls_strerror(ret, why, sizeof(why));
		fprintf(stderr, PROG ": \"%s\" certificate %zu: cannot parse: "
		    "%s (-0x%04x)\n", path, i + 1, why, (unsigned)-ret);
		return -1;
	}
	return 0;
}

/* Parse one PEM CRL block onto the end of crl; print why on failure. */
static int
add_crl(mbedtls_x509_crl *crl, const struct v_pem *p, size_t i)
{
	char why[256];
	int ret;

	ret = mbedtls_x509_crl_parse(crl, (const unsigned char *)p->cert[i],
	    p->len[i] + 1);
	if (ret != 0) {
		mbedtls_strerror(ret, why, sizeof(why));
		fprintf(stderr, PROG ": \"%s\" CRL %zu: cannot parse: %s "
		    "(-0x%04x)\n", p->src[i], p->idx[i], why, (unsigned)-ret);
		return -1;
	}
	return 0;
}

/*
 * What the Mbed TLS TLS layer itself demands of a peer's leaf for an
 * (EC)DHE suite (mbedtls_ssl_check_cert_usage): digitalSignature when
 * keyUsage is present, and the purpose's EKU (or anyExtendedKeyUsage)
 * when extendedKeyUsage is present.  The chain check does neither.
 */
static int
check_purpose(const mbedtls_x509_crt *leaf, enum v_purpose purpose)
{
	const char *oid;
	size_t oidlen;

	if (purpose == V_PURPOSE_NONE)
		return 0;
	if (purpose == V_PURPOSE_SERVER) {
		oid = MBEDTLS_OID_SERVER_AUTH;
		oidlen = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
	} else {
		oid = MBEDTLS_OID_CLIENT_AUTH;
		oidlen = MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
	}
	if (mbedtls_x509_crt_check_key_usage(leaf,
	    MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0) {
		fprintf(stderr, PROG ": leaf: keyUsage lacks "
		    "digitalSignature\n");
		return -1;
	}
	if (mbedtls_x509_crt_check_extended_key_usage(leaf, oid,
	    oidlen) != 0) {
		fprintf(stderr, PROG ": leaf: extendedKeyUsage lacks %s\n",
		    purpose == V_PURPOSE_SERVER ? "serverAuth" : "clientAuth");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct v_args a;
	struct v_pem root = { 0 }, chain = { 0 }, leaf = { 0 }, crls = { 0 };
	mbedtls_x509_crt trust, crt;
	mbedtls_x509_crl crl;
	uint32_t flags = 0;
	char info[1024];
	size_t i;
	int r = V_EXIT_USAGE, ret;

	mbedtls_x509_crt_init(&trust);
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crl_init(&crl);

	if (v_parse_args(argc, argv, PROG, &a) != 0)
		goto out;
	if (v_pem_read(PROG, a.root, 1, V_MAX_CERTS, &root) != 0 ||
	    v_pem_read(PROG, a.chain, 0, V_MAX_CERTS, &chain) != 0 ||
	    v_pem_read(PROG, a.leaf, 1, 1, &leaf) != 0)
		goto out;
	for (i = 0; i < a.ncrl; i++)
		if (v_crl_read(PROG, a.crl[i], &crls) != 0)
			goto out;

	/* From here on every failure is the stack's verdict. */
	r = V_EXIT_REJECT;
	for (i = 0; i < crls.n; i++)
		if (add_crl(&crl, &crls, i) != 0)
			goto out;
	for (i = 0; i < root.n; i++)
		if (add_cert(&trust, a.root, i, &root) != 0)
			goto out;
	/* The leaf heads the list that Mbed TLS walks; intermediates follow. */
	if (add_cert(&crt, a.leaf, 0, &leaf) != 0)
		goto out;
	for (i = 0; i < chain.n; i++)
		if (add_cert(&crt, a.chain, i, &chain) != 0)
			goto out;

	/*
	 * No CN to match: this is a chain check, with the CRLs if any.  The
	 * default profile (SHA-256 and up, RSA 2048 and up, any curve) is
	 * what a TLS client gets unless it configures another.
	 */
	ret = mbedtls_x509_crt_verify(&crt, &trust, crls.n > 0 ? &crl : NULL,
	    NULL, &flags, NULL, NULL);
	if (ret != 0) {
		if (mbedtls_x509_crt_verify_info(info, sizeof(info), "",
		    flags) < 0)
			snprintf(info, sizeof(info), "(no description)");
		v_oneline(info, sizeof(info));
		fprintf(stderr, PROG ": verification failed: flags 0x%08x: "
		    "%s\n", (unsigned)flags, info);
		goto out;
	}
	if (check_purpose(&crt, a.purpose) != 0)
		goto out;
	r = V_EXIT_OK;
 out:
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&trust);
	v_pem_free(&crls);
	v_pem_free(&leaf);
	v_pem_free(&chain);
	v_pem_free(&root);
	return r;
}
