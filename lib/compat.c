#include "compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

/*
 * Chain limits, as the number of intermediate CA certificates between an
 * end entity and its trust anchor.
 *
 * mbedTLS: MBEDTLS_X509_MAX_INTERMEDIATE_CA, 8 unless the build changes
 * it (include/mbedtls/config.h; x509_crt_verify_chain in library/
 * x509_crt.c returns MBEDTLS_ERR_X509_FATAL_ERROR beyond it).  Checked
 * against libmbedx509 2.28.3: 8 intermediates verify, 9 fail.
 */
#define MBEDTLS_MAX_INTERMEDIATE 8
/*
 * wolfSSL: MAX_CHAIN_DEPTH (9) bounds the certificates a TLS peer may send
 * (src/internal.c ProcessPeerCerts: totalCerts >= MAX_CHAIN_DEPTH gives
 * MAX_CHAIN_ERROR), the end entity included, so 8 intermediates.
 */
#define WOLFSSL_MAX_INTERMEDIATE (9 - 1)
/*
 * GnuTLS: DEFAULT_MAX_VERIFY_DEPTH (16) bounds the certificates a TLS
 * peer sends (lib/cert-session.c: ncerts > cred->verify_depth gives
 * GNUTLS_E_CONSTRAINT_ERROR), the end entity included.
 */
#define GNUTLS_MAX_INTERMEDIATE (16 - 1)
/*
 * NSS: mozilla::pkix, the verifier of Firefox and Thunderbird, stops at
 * six subordinate CAs (lib/mozpkix/lib/pkixbuild.cpp MAX_SUBCA_COUNT).
 */
#define NSS_MAX_INTERMEDIATE 6
/*
 * OpenSSL: the default verify depth is 100 untrusted CA certificates
 * (crypto/x509/x509_vpm.c default_table; SSL_CTX_set_verify_depth(3)).
 */
#define OPENSSL_MAX_INTERMEDIATE 100

/* OPC UA 10000-7 RSA SecurityPolicies: MinAsymmetricKeyLength 2048,
 * MaxAsymmetricKeyLength 4096 (Basic256Sha256, Aes128_Sha256_RsaOaep,
 * Aes256_Sha256_RsaPss). */
#define OPCUA_RSA_MIN 2048
#define OPCUA_RSA_MAX 4096

/* The last second a signed 32-bit time_t holds: 2038-01-19T03:14:07Z. */
#define TIME32_MAX ((time_t)INT32_MAX)

__attribute__((format(printf, 2, 3)))
static void
warn(struct ca_compat_report *rep, const char *fmt, ...)
{
	va_list ap;

	/* The count goes on past CA_COMPAT_MAX: the caller is told how
	 * many there were even when not all are kept. */
	rep->n++;
	if (rep->n > CA_COMPAT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->msg[rep->n - 1], sizeof(rep->msg[0]), fmt, ap);
	va_end(ap);
}

/* ext_name: a short name for an extension's OID, dotted if unknown. */
static void
ext_name(const ASN1_OBJECT *o, char *buf, size_t len)
{
	int nid = OBJ_obj2nid(o);

	if (nid != NID_undef && OBJ_nid2ln(nid) != NULL)
		snprintf(buf, len, "%s", OBJ_nid2ln(nid));
	else if (OBJ_obj2txt(buf, (int)len, o, 1) <= 0)
		snprintf(buf, len, "unknown extension");
}

/*
 * Name forms present in one nameConstraints extension, as bits, for the
 * permitted and excluded sides apart.
 */
#define NF_DNS 0x01
#define NF_IP 0x02
#define NF_EMAIL 0x04
#define NF_URI 0x08
#define NF_DIR 0x10
#define NF_OTHER 0x20

static unsigned
name_forms(const STACK_OF(GENERAL_SUBTREE) *st)
{
	unsigned f = 0;
	int i;

	for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
		const GENERAL_SUBTREE *s = sk_GENERAL_SUBTREE_value(st, i);

		switch (s->base->type) {
		case GEN_DNS: f |= NF_DNS; break;
		case GEN_IPADD: f |= NF_IP; break;
		case GEN_EMAIL: f |= NF_EMAIL; break;
		case GEN_URI: f |= NF_URI; break;
		case GEN_DIRNAME: f |= NF_DIR; break;
		default: f |= NF_OTHER; break;
		}
	}
	return f;
}

/* forms_text: "uri and dirName" and the like, for messages. */
static void
forms_text(unsigned f, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *name; } t[] = {
		{ NF_DNS, "dns" }, { NF_IP, "ip" }, { NF_EMAIL, "email" },
		{ NF_URI, "uri" }, { NF_DIR, "dirName" },
		{ NF_OTHER, "other" },
	};
	size_t i, k = 0, n = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (f & t[i].bit)
			n++;
	buf[0] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!(f & t[i].bit))
			continue;
		k++;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    k == 1 ? "" : (k == n ? " and " : ", "), t[i].name);
	}
}

/*
 * What the draft carries that the rules need, decoded once.
 */
struct draft_facts {
	int is_ca;
	long path_len;		/* -1: no pathLenConstraint */
	int has_nc, nc_crit;
	unsigned nc_permitted, nc_excluded;	/* NF_* */
	int pol_crit;
	int pol_non_any;	/* a policy other than anyPolicy */
};

static int
decode_facts(X509 *x, struct draft_facts *f)
{
	BASIC_CONSTRAINTS *bc = NULL;
	NAME_CONSTRAINTS *nc = NULL;
	CERTIFICATEPOLICIES *cp = NULL;
	int r = CA_ERR_CRYPTO, crit, i;

	memset(f, 0, sizeof(*f));
	f->path_len = -1;

	/* X509_get_ext_d2i: crit -1 for absent, -2 for repeated (which
	 * the main lint refuses), >= 0 with NULL for undecodable. */
	if ((bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit,
	    NULL)) == NULL && crit != -1)
		goto out;
	if (bc != NULL && bc->ca) {
		f->is_ca = 1;
		if (bc->pathlen != NULL) {
			int64_t v;

			if (ASN1_INTEGER_get_int64(&v, bc->pathlen) != 1 ||
			    v < 0 || v > 1000000)
				goto out;
			f->path_len = (long)v;
		}
	}

	if ((nc = X509_get_ext_d2i(x, NID_name_constraints, &crit,
	    NULL)) == NULL && crit != -1)
		goto out;
	if (nc != NULL) {
		f->has_nc = 1;
		f->nc_crit = crit;
		f->nc_permitted = name_forms(nc->permittedSubtrees);
		f->nc_excluded = name_forms(nc->excludedSubtrees);
	}

	if ((cp = X509_get_ext_d2i(x, NID_certificate_policies, &crit,
	    NULL)) == NULL && crit != -1)
		goto out;
	if (cp != NULL) {
		f->pol_crit = crit;
		for (i = 0; i < sk_POLICYINFO_num(cp); i++)
			if (OBJ_obj2nid(sk_POLICYINFO_value(cp,
			    i)->policyid) != NID_any_policy)
				f->pol_non_any = 1;
	}
	r = 0;
 out:
	BASIC_CONSTRAINTS_free(bc);
	NAME_CONSTRAINTS_free(nc);
	CERTIFICATEPOLICIES_free(cp);
	ERR_clear_error();
	return r;
}

/*
 * intermediates: the most intermediate CAs a chain through the draft
 * can hold, given its pathLenConstraint; the shortest such chain when
 * there is none (the profile then promises no bound, and only a chain
 * that is already too long is certain).
 */
static long
intermediates(const struct draft_facts *f, int depth, char *why,
    size_t len)
{
	if (!f->is_ca) {
		/* The draft is the end entity: every CA above it but the
		 * root is an intermediate. */
		snprintf(why, len, "%d CA%s above it", depth,
		    depth == 1 ? "" : "s");
		return depth > 0 ? depth - 1 : 0;
	}
	/* The draft itself is an intermediate unless it is the root
	 * (depth 0); depth - 1 intermediates sit above it and up to
	 * pathLen below it. */
	if (f->path_len < 0) {
		snprintf(why, len, "depth %d, no pathLen", depth);
		return depth;
	}
	snprintf(why, len, "depth %d + pathLen %ld", depth, f->path_len);
	return depth + f->path_len;
}

static void
rule_chain(const struct ca_profile *p, const struct draft_facts *f,
    int depth, struct ca_compat_report *rep)
{
	static const struct {
		unsigned target;
		const char *stack;
		long max;
		const char *where;
	} lim[] = {
		{ CA_TARGET_OPENSSL, "openssl", OPENSSL_MAX_INTERMEDIATE,
		    "default verify depth, x509_vpm.c" },
		{ CA_TARGET_GNUTLS, "gnutls", GNUTLS_MAX_INTERMEDIATE,
		    "DEFAULT_MAX_VERIFY_DEPTH 16 certificates, "
		    "cert-session.c" },
		{ CA_TARGET_NSS, "nss", NSS_MAX_INTERMEDIATE,
		    "mozilla::pkix MAX_SUBCA_COUNT, pkixbuild.cpp" },
		{ CA_TARGET_MBEDTLS, "mbedtls", MBEDTLS_MAX_INTERMEDIATE,
		    "MBEDTLS_X509_MAX_INTERMEDIATE_CA, x509_crt.c" },
		{ CA_TARGET_WOLFSSL, "wolfssl", WOLFSSL_MAX_INTERMEDIATE,
		    "MAX_CHAIN_DEPTH 9 certificates, internal.c" },
	};
	char why[64];
	long n = intermediates(f, depth, why, sizeof(why));
	size_t i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		if (!(p->targets & lim[i].target) || n <= lim[i].max)
			continue;
		warn(rep, "%s: chains through this certificate hold %ld "
		    "intermediate CAs (%s); it accepts at most %ld (%s); "
		    "lower path_len", lim[i].stack, n, why, lim[i].max,
		    lim[i].where);
	}
}

/*
 * mbedTLS 2.28 and 3.x parse only basicConstraints, keyUsage,
 * extendedKeyUsage, subjectAltName, nsCertType and certificatePolicies
 * (library/oid.c oid_x509_ext); 3.x adds the key identifiers.  Any other
 * extension marked critical makes x509_get_crt_ext fail ("Data is marked
 * as critical: fail") unless MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_
 * EXTENSION is built in, which Debian's config.h leaves off.  Checked
 * with libmbedx509 2.28.3: an intermediate with a critical
 * nameConstraints does not parse; a non-critical one parses and is then
 * silently not enforced.
 */
static int
mbedtls_parses(int nid)
{
	switch (nid) {
	case NID_basic_constraints:
	case NID_key_usage:
	case NID_ext_key_usage:
	case NID_subject_alt_name:
	case NID_netscape_cert_type:
	case NID_certificate_policies:
		return 1;
	}
	return 0;
}

static void
rule_mbedtls_ext(X509 *x, const struct draft_facts *f,
    struct ca_compat_report *rep)
{
	char name[80];
	int i, nid;

	for (i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);

		if (!X509_EXTENSION_get_critical(e))
			continue;
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (mbedtls_parses(nid))
			continue;
		if (nid == NID_name_constraints) {
			warn(rep, "mbedtls: critical nameConstraints cannot "
			    "be parsed by mbedTLS 2.28/3.x, which refuses the "
			    "certificate (x509_crt.c x509_get_crt_ext); set "
			    "name_constraints.critical false");
			continue;
		}
		ext_name(X509_EXTENSION_get_object(e), name, sizeof(name));
		warn(rep, "mbedtls: critical %s cannot be parsed by mbedTLS "
		    "2.28/3.x, which refuses the certificate (x509_crt.c "
		    "x509_get_crt_ext); make it non-critical", name);
	}

	/*
	 * x509_get_certificate_policies returns FEATURE_UNAVAILABLE for any
	 * policy but anyPolicy; x509_get_crt_ext fails on it only when the
	 * extension is critical and keeps the OIDs otherwise.  Checked with
	 * 2.28.3: critical 1.3.6.1.4.1.x fails, non-critical and critical
	 * anyPolicy (with or without a CPS qualifier) parse.
	 */
	if (f->pol_crit > 0 && f->pol_non_any)
		warn(rep, "mbedtls: critical certificatePolicies with a "
		    "policy other than anyPolicy make mbedTLS refuse the "
		    "certificate (x509_crt.c x509_get_certificate_policies); "
		    "make it non-critical");
}

/*
 * wolfSSL 5.5 checks dNSName, rfc822Name and directoryName constraints
 * only (wolfcrypt/src/asn.c DecodeNameConstraints keeps the others out
 * of its lists, ConfirmNameConstraints checks what it kept), critical or
 * not.  Checked with libwolfssl 5.5.4: a leaf outside a permitted ip or
 * uri subtree verifies; outside dns, email or dirName it fails with
 * ASN_NAME_INVALID_E ("Name Constraint error").
 */
static void
rule_wolfssl_nc(const struct draft_facts *f, struct ca_compat_report *rep)
{
	unsigned u = (f->nc_permitted | f->nc_excluded) & (NF_IP | NF_URI);
	char forms[48];

	if (!f->has_nc || u == 0)
		return;
	forms_text(u, forms, sizeof(forms));
	warn(rep, "wolfssl: wolfSSL 5.5 does not enforce %s name "
	    "constraints, even critical ones (asn.c ConfirmNameConstraints "
	    "checks dns, email, dirName); they protect nothing there",
	    forms);
}

/*
 * GnuTLS 3.7 enforces dns, email and ip subtrees; for any other form
 * lib/x509/name_constraints.c check_unsupported_constraint ignores
 * permitted subtrees and treats an excluded subtree as excluding every
 * name of that form.  Checked with certtool 3.7.9: a leaf outside a
 * permitted uri or dirName subtree verifies.
 */
static void
rule_gnutls_nc(const struct draft_facts *f, struct ca_compat_report *rep)
{
	unsigned pu = f->nc_permitted & (NF_URI | NF_DIR);
	unsigned eu = f->nc_excluded & NF_URI;
	char forms[48];

	if (!f->has_nc)
		return;
	if (pu != 0) {
		forms_text(pu, forms, sizeof(forms));
		warn(rep, "gnutls: GnuTLS 3.7 ignores permitted %s name "
		    "constraints (name_constraints.c "
		    "check_unsupported_constraint); they protect nothing "
		    "there", forms);
	}
	if (eu != 0)
		warn(rep, "gnutls: an excluded uri constraint makes GnuTLS "
		    "3.7 refuse every certificate below with any URI name, "
		    "allowed or not (name_constraints.c "
		    "check_unsupported_constraint)");
}

/*
 * The 2038 rule.  mbedTLS and wolfSSL compare certificate times as
 * calendar fields (mbedtls_x509_time_is_past, wolfSSL ValidateDate), but
 * they run mostly on microcontrollers and 32-bit Linux, where time_t is
 * often 32 bits: the device clock, and application code that turns
 * certificate times into time_t (mktime, timegm), cannot go past
 * 2038-01-19T03:14:07Z.
 */
static void
rule_2038(const struct ca_profile *p, X509 *x, struct ca_compat_report *rep)
{
	static const struct { unsigned target; const char *stack; } t[] = {
		{ CA_TARGET_MBEDTLS, "mbedtls" },
		{ CA_TARGET_WOLFSSL, "wolfssl" },
	};
	const ASN1_TIME *na = X509_get0_notAfter(x);
	struct tm tm;
	char when[32] = "?";
	size_t i;

	if (ASN1_TIME_cmp_time_t(na, TIME32_MAX) <= 0)
		return;
	if (ASN1_TIME_to_tm(na, &tm) == 1)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (p->targets & t[i].target)
			warn(rep, "%s: notAfter %s is after "
			    "2038-01-19T03:14:07Z; embedded devices with a "
			    "32-bit time_t cannot represent it; shorten "
			    "validity or check the devices", t[i].stack, when);
}

/*
 * OPC UA.  OPC 10000-7's RSA SecurityPolicies (Basic256Sha256,
 * Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss) take RSA keys of 2048 to
 * 4096 bits and the CertificateSignatureAlgorithm RSA-PKCS15-SHA2-256,
 * whose conformance unit allows SHA2-256, -384 or -512 (so a
 * sha384WithRSAEncryption CA certificate passes; the wording as quoted
 * in OPC 10000-84 5.4.3).  OPC 10000-4's "Security Policy Check"
 * (BadCertificatePolicyCheckFailed) is where a stack refuses a chain
 * that does not fit; open62541 leaves it to the TLS library's chain
 * verification and does not check CA keys itself.  SHA-1 is for the
 * deprecated Basic128Rsa15 and Basic256 only.  EC keys need the
 * ECC_nistP256/ECC_nistP384 policies of OPC UA 1.05, which many stacks
 * lack (open62541 gained them in 1.5, plugins/crypto/openssl/
 * securitypolicy_eccnistp256.c).
 */
static int
rule_opcua(X509 *x, struct ca_compat_report *rep)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	int id, bits, sig, md = NID_undef, pk = NID_undef;

	if (k == NULL) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	id = EVP_PKEY_get_base_id(k);
	bits = EVP_PKEY_get_bits(k);
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
		if (bits < OPCUA_RSA_MIN || bits > OPCUA_RSA_MAX)
			warn(rep, "opcua: RSA %d-bit key is outside the "
			    "2048..4096 bits of the RSA SecurityPolicies "
			    "(Basic256Sha256, Aes*_Sha256_*; OPC 10000-7); "
			    "use RSA 2048, 3072 or 4096", bits);
	} else if (id == EVP_PKEY_EC) {
		warn(rep, "opcua: EC key rules out the RSA SecurityPolicies "
		    "(Basic256Sha256, Aes*_Sha256_*); only ECC_nistP256/"
		    "ECC_nistP384 (OPC UA 1.05) take it, and many stacks "
		    "lack them");
		return 0;
	} else {
		warn(rep, "opcua: %s key fits no OPC UA SecurityPolicy "
		    "(OPC 10000-7); use RSA 2048..4096",
		    OBJ_nid2sn(id) != NULL ? OBJ_nid2sn(id) : "unknown");
		return 0;
	}

	/* An unsigned draft has no signature algorithm yet. */
	if ((sig = X509_get_signature_nid(x)) == NID_undef)
		return 0;
	if (sig == NID_rsassaPss) {
		warn(rep, "opcua: RSASSA-PSS certificate signature; OPC UA's "
		    "CertificateSignatureAlgorithm is RSA-PKCS15-SHA2-256, "
		    "also under Aes256_Sha256_RsaPss; sign with PKCS#1 v1.5");
		return 0;
	}
	if (OBJ_find_sigid_algs(sig, &md, &pk) != 1)
		pk = NID_undef;
	if (pk == NID_rsaEncryption && md == NID_sha1) {
		warn(rep, "opcua: sha1WithRSAEncryption fits only the "
		    "deprecated Basic128Rsa15/Basic256 policies; the "
		    "current ones need SHA-256 or stronger");
	} else if (pk == NID_rsaEncryption && md != NID_sha256 &&
	    md != NID_sha384 && md != NID_sha512) {
		warn(rep, "opcua: %s is not RSA-PKCS15 with SHA2-256/384/"
		    "512, the CertificateSignatureAlgorithm of the RSA "
		    "SecurityPolicies", OBJ_nid2sn(sig));
	} else if (pk != NID_rsaEncryption) {
		warn(rep, "opcua: %s signature (a non-RSA issuer) is not "
		    "RSA-PKCS15-SHA2, the CertificateSignatureAlgorithm of "
		    "the RSA SecurityPolicies (OPC 10000-7)",
		    OBJ_nid2sn(sig) != NULL ? OBJ_nid2sn(sig) : "unknown");
	}
	return 0;
}

int
ca_compat_lint(const struct ca_profile *p, X509 *draft, int depth,
    struct ca_compat_report *rep)
{
	struct draft_facts f;
	int r;

	if (rep != NULL)
		memset(rep, 0, sizeof(*rep));
	if (p == NULL || draft == NULL || rep == NULL || depth < 0)
		return CA_ERR_INVALID_ARG;
	if (p->targets == 0)
		return 0;
	if ((r = decode_facts(draft, &f)) != 0)
		return r;

	rule_chain(p, &f, depth, rep);
	if (p->targets & CA_TARGET_MBEDTLS)
		rule_mbedtls_ext(draft, &f, rep);
	if (p->targets & CA_TARGET_WOLFSSL)
		rule_wolfssl_nc(&f, rep);
	if (p->targets & CA_TARGET_GNUTLS)
		rule_gnutls_nc(&f, rep);
	rule_2038(p, draft, rep);
	if ((p->targets & CA_TARGET_OPCUA) &&
	    (r = rule_opcua(draft, rep)) != 0)
		goto out;
	r = (int)rep->n;
 out:
	/* warn() counted past what msg holds. */
	if (rep->n > CA_COMPAT_MAX)
		rep->n = CA_COMPAT_MAX;
	return r;
}
