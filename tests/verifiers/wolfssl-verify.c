/*
 * wolfssl-verify: does wolfSSL (Debian 12: 5.5.4) accept a certificate
 * chain?  A test tool for tests/interop.sh; see vcommon.h for the command
 * line and exit statuses.
 *
 * It drives the native certificate manager the way a wolfSSL TLS peer
 * does: roots are loaded as trust anchors, each intermediate is verified
 * against what is already trusted before it is loaded as a CA, and the
 * leaf is verified last.  wolfSSL does the parsing, the signatures, the
 * dates, pathLenConstraint and the name constraints (Debian's build lacks
 * IGNORE_NAME_CONSTRAINTS).
 *
 * Two shortcuts of the 5.5.4 API are avoided on purpose, both seen by
 * experiment.  X509_verify_cert of its OpenSSL layer accepts a leaf whose
 * intermediate chains to no trusted root at all (the untrusted stack
 * ends up trusted).  And a CA loaded into the certificate manager by the
 * caller is never itself verified, nor required to be a CA: the TLS layer
 * adds those checks for the chain a peer sends (AddCA with
 * WOLFSSL_CHAIN_CA), and so does this program.
 *
 * With --crl, CRL checking is switched on in the certificate manager
 * (WOLFSSL_CRL_CHECKALL, as a TLS peer checks the whole chain), so every
 * certificate below the root, intermediates included, must have a CRL
 * from its issuer that does not list it.  wolfSSL verifies a CRL's
 * signature as it loads it and so needs its issuer trusted first: CRLs
 * and intermediates are loaded together, root downwards.
 */
/* wolfSSL's headers change shape with its build options: options.h first. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <stdio.h>
#include <stdlib.h>

#include "vcommon.h"

#define PROG "wolfssl-verify"

static const char *
why(int ret)
{
	const char *s;

	s = wolfSSL_ERR_reason_error_string((unsigned long)ret);
	return s != NULL ? s : "unknown error";
}

/*
 * decode: wolfSSL's own parse of one PEM certificate into *dc, without
 * verification.  On success the caller frees with decoded_free.
 */
static int
decode(const char *pem, size_t len, DecodedCert *dc, unsigned char **der)
{
	int derlen, ret;

	if ((*der = malloc(len)) == NULL)
		return MEMORY_E;
	derlen = wc_CertPemToDer((const unsigned char *)pem, (int)len, *der,
	    (int)len, CERT_TYPE);
	if (derlen < 0) {
		free(*der);
		*der = NULL;
		return derlen;
	}
	wc_InitDecodedCert(dc, *der, (word32)derlen, NULL);
	if ((ret = wc_ParseCert(dc, CERT_TYPE, NO_VERIFY, NULL)) != 0) {
		wc_FreeDecodedCert(dc);
		free(*der);
		*der = NULL;
		return ret;
	}
	return 0;
}

static void
decoded_free(DecodedCert *dc, unsigned char *der)
{
	wc_FreeDecodedCert(dc);
	free(der);
}

/*
 * What AddCA demands of a CA that a peer sends (WOLFSSL_CHAIN_CA), and
 * skips for one the caller loads: CA:TRUE, and keyCertSign when keyUsage
 * is present.  Returns 0, or a wolfSSL error code.
 */
static int
check_ca(const struct v_pem *p, size_t i)
{
	DecodedCert dc;
	unsigned char *der = NULL;
	int ret;

	if ((ret = decode(p->cert[i], p->len[i], &dc, &der)) != 0)
		return ret;
	if (!dc.isCA)
		ret = NOT_CA_ERROR;
	else if (dc.extKeyUsageSet && !(dc.extKeyUsage & KEYUSE_KEY_CERT_SIGN))
		ret = NOT_CA_ERROR;
	decoded_free(&dc, der);
	return ret;
}

/*
 * Trust each intermediate only once wolfSSL has verified it against what
 * is trusted already, and load each CRL once its issuer is trusted.  The
 * files may list both in any order: each pass takes those whose issuer is
 * in, until a pass adds nothing.  An intermediate that never verifies is
 * left out and its reason kept in why[i]; the leaf may not need it.  A
 * CRL left out keeps its reason in crlwhy[i].
 */
static void
load_chain(WOLFSSL_CERT_MANAGER *cm, const struct v_pem *p, int *why,
    const struct v_pem *crls, int *crlwhy)
{
	int done[V_MAX_CERTS] = { 0 }, crldone[V_MAX_CRLS] = { 0 };
	size_t i;
	int progress = 1, ret;

	while (progress) {
		progress = 0;
		for (i = 0; i < crls->n; i++) {
			if (crldone[i])
				continue;
			ret = wolfSSL_CertManagerLoadCRLBuffer(cm,
			    (const unsigned char *)crls->cert[i],
			    (long)crls->len[i], WOLFSSL_FILETYPE_PEM);
			if (ret == WOLFSSL_SUCCESS) {
				crldone[i] = 1;
				crlwhy[i] = 0;
				progress = 1;
			} else
				crlwhy[i] = ret;
		}
		for (i = 0; i < p->n; i++) {
			if (done[i])
				continue;
			ret = wolfSSL_CertManagerVerifyBuffer(cm,
			    (const unsigned char *)p->cert[i],
			    (long)p->len[i], WOLFSSL_FILETYPE_PEM);
			if (ret == WOLFSSL_SUCCESS)
				ret = check_ca(p, i);
			if (ret == 0 || ret == WOLFSSL_SUCCESS)
				ret = wolfSSL_CertManagerLoadCABuffer(cm,
				    (const unsigned char *)p->cert[i],
				    (long)p->len[i], WOLFSSL_FILETYPE_PEM);
			if (ret == WOLFSSL_SUCCESS) {
				done[i] = 1;
				why[i] = 0;
				progress = 1;
			} else
				why[i] = ret;
		}
	}
}

/*
 * What wolfSSL's TLS layer demands of a peer's leaf (ProcessPeerCerts):
 * digitalSignature when keyUsage is present, and the purpose's EKU or
 * anyExtendedKeyUsage when extendedKeyUsage is present.  Certificate
 * manager verification checks neither.
 */
static int
check_purpose(const struct v_pem *leaf, enum v_purpose purpose)
{
	DecodedCert dc;
	unsigned char *der = NULL;
	int want, r = -1, ret;

	if (purpose == V_PURPOSE_NONE)
		return 0;
	want = purpose == V_PURPOSE_SERVER ? EXTKEYUSE_SERVER_AUTH :
	    EXTKEYUSE_CLIENT_AUTH;
	if ((ret = decode(leaf->cert[0], leaf->len[0], &dc, &der)) != 0) {
		fprintf(stderr, PROG ": leaf: %s (%d)\n", why(ret), ret);
		return -1;
	}
	if (dc.extKeyUsageSet && !(dc.extKeyUsage & KEYUSE_DIGITAL_SIG)) {
		fprintf(stderr, PROG ": leaf: keyUsage lacks "
		    "digitalSignature\n");
		goto out;
	}
	if (dc.extExtKeyUsageSet &&
	    !(dc.extExtKeyUsage & (want | EXTKEYUSE_ANY))) {
		fprintf(stderr, PROG ": leaf: extendedKeyUsage lacks %s\n",
		    purpose == V_PURPOSE_SERVER ? "serverAuth" : "clientAuth");
		goto out;
	}
	r = 0;
 out:
	decoded_free(&dc, der);
	return r;
}

int
main(int argc, char **argv)
{
	struct v_args a;
	struct v_pem root = { 0 }, chain = { 0 }, leaf = { 0 }, crls = { 0 };
	WOLFSSL_CERT_MANAGER *cm = NULL;
	int chainwhy[V_MAX_CERTS] = { 0 }, crlwhy[V_MAX_CRLS] = { 0 };
	size_t i;
	int r = V_EXIT_USAGE, ret, inited = 0;

	if (v_parse_args(argc, argv, PROG, &a) != 0)
		goto out;
	if (v_pem_read(PROG, a.root, 1, V_MAX_CERTS, &root) != 0 ||
	    v_pem_read(PROG, a.chain, 0, V_MAX_CERTS, &chain) != 0 ||
	    v_pem_read(PROG, a.leaf, 1, 1, &leaf) != 0)
		goto out;
	for (i = 0; i < a.ncrl; i++)
		if (v_crl_read(PROG, a.crl[i], &crls) != 0)
			goto out;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
		fprintf(stderr, PROG ": wolfSSL_Init failed\n");
		goto out;
	}
	inited = 1;
	if ((cm = wolfSSL_CertManagerNew()) == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (crls.n > 0 && (ret = wolfSSL_CertManagerEnableCRL(cm,
	    WOLFSSL_CRL_CHECKALL)) != WOLFSSL_SUCCESS) {
		fprintf(stderr, PROG ": cannot enable CRL checking: %s (%d)\n",
		    why(ret), ret);
		goto out;
	}

	/* From here on every failure is the stack's verdict. */
	r = V_EXIT_REJECT;
	for (i = 0; i < root.n; i++) {
		ret = wolfSSL_CertManagerLoadCABuffer(cm,
		    (const unsigned char *)root.cert[i], (long)root.len[i],
		    WOLFSSL_FILETYPE_PEM);
		if (ret != WOLFSSL_SUCCESS) {
			fprintf(stderr, PROG ": \"%s\" certificate %zu: "
			    "refused as a root: %s (%d)\n", a.root, i + 1,
			    why(ret), ret);
			goto out;
		}
	}
	load_chain(cm, &chain, chainwhy, &crls, crlwhy);
	/*
	 * A CRL whose issuer never became trusted cannot be loaded, and does
	 * not matter unless the leaf fails; any other refusal does.
	 */
	for (i = 0; i < crls.n; i++)
		if (crlwhy[i] != 0 && crlwhy[i] != ASN_CRL_NO_SIGNER_E) {
			fprintf(stderr, PROG ": \"%s\" CRL %zu: refused: %s "
			    "(%d)\n", crls.src[i], crls.idx[i],
			    why(crlwhy[i]), crlwhy[i]);
			goto out;
		}
	ret = wolfSSL_CertManagerVerifyBuffer(cm,
	    (const unsigned char *)leaf.cert[0], (long)leaf.len[0],
	    WOLFSSL_FILETYPE_PEM);
	if (ret != WOLFSSL_SUCCESS) {
		/* An intermediate left out is usually the real cause. */
		fprintf(stderr, PROG ": verification failed: %s (%d)",
		    why(ret), ret);
		for (i = 0; i < chain.n; i++)
			if (chainwhy[i] != 0)
				fprintf(stderr, "; chain certificate %zu not "
				    "trusted: %s (%d)", i + 1,
				    why(chainwhy[i]), chainwhy[i]);
		for (i = 0; i < crls.n; i++)
			if (crlwhy[i] != 0)
				fprintf(stderr, "; \"%s\" CRL %zu not loaded: "
				    "%s (%d)", crls.src[i], crls.idx[i],
				    why(crlwhy[i]), crlwhy[i]);
		fputc('\n', stderr);
		goto out;
	}
	if (check_purpose(&leaf, a.purpose) != 0)
		goto out;
	r = V_EXIT_OK;
 out:
	if (cm != NULL)
		wolfSSL_CertManagerFree(cm);
	if (inited)
		wolfSSL_Cleanup();
	v_pem_free(&crls);
	v_pem_free(&leaf);
	v_pem_free(&chain);
	v_pem_free(&root);
	return r;
}
