#include "lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

__attribute__((format(printf, 2, 3)))
static void
finding(struct ca_lint_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->n >= CA_LINT_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->msg[rep->n++], sizeof(rep->msg[0]), fmt, ap);
	va_end(ap);
}

/*
 * Every finding goes into eb, not just the first: the operator fixes the
 * profile once instead of once per finding.
 */
static int
lint_result(const struct ca_lint_report *rep, struct ca_errbuf *eb)
{
	char all[sizeof(eb->msg)];
	size_t i, at = 0;
	int n;

	if (rep->n == 0)
		return 0;
	all[0] = '\0';
	for (i = 0; i < rep->n && at < sizeof(all); i++) {
		n = snprintf(all + at, sizeof(all) - at, "%s%s",
		    i > 0 ? "; " : "", rep->msg[i]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
	ca_errf(eb, "%s", all);
	return CA_ERR_LINT;
}

static void
lint_serial(X509 *x, struct ca_lint_report *rep)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	unsigned char *der = NULL;
	int n;

	/* RFC 5280 4.1.2.2: positive, at most 20 octets. */
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER) {
		finding(rep, "serial number is negative");
		return;
	}
	n = ASN1_STRING_length(s);
	if (n == 0 || (n == 1 && ASN1_STRING_get0_data(s)[0] == 0))
		finding(rep, "serial number is zero");
	if (n > 20)
		finding(rep, "serial number longer than 20 octets");
	/* BR 7.1: at least 64 bits of CSPRNG output. */
	if (n < 8)
		finding(rep, "serial number shorter than 64 bits");
	if ((n = i2d_ASN1_INTEGER((ASN1_INTEGER *)s, &der)) > 0 &&
	    n > 22)
		finding(rep, "serial number DER longer than 20 octets");
	OPENSSL_free(der);
}

static int
year_of(const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	return tm.tm_year + 1900;
}

static void
lint_time(const ASN1_TIME *t, const char *which, struct ca_lint_report *rep)
{
	const unsigned char *d = ASN1_STRING_get0_data(t);
	int len = ASN1_STRING_length(t), y = year_of(t), i;

	if (y < 0) {
		finding(rep, "%s is not a valid time", which);
		return;
	}
	/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
	if (y < 2050 && ASN1_STRING_type(t) != V_ASN1_UTCTIME)
		finding(rep, "%s before 2050 must be UTCTime", which);
	if (y >= 2050 && ASN1_STRING_type(t) != V_ASN1_GENERALIZEDTIME)
		finding(rep, "%s from 2050 must be GeneralizedTime", which);
	/* RFC 5280 4.1.2.5.1/2: seconds, "Z", no fractions. */
	if ((ASN1_STRING_type(t) == V_ASN1_UTCTIME && len != 13) ||
	    (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME && len != 15) ||
	    len < 1 || d[len - 1] != 'Z') {
		finding(rep, "%s is not in YYMMDDHHMMSSZ or "
		    "YYYYMMDDHHMMSSZ form", which);
		return;
	}
	for (i = 0; i < len - 1; i++)
		if (d[i] < '0' || d[i] > '9') {
			finding(rep, "%s has a non-digit", which);
			return;
		}
}

/* An end entity on a plant network: TLS, mTLS in a conduit, OPC UA. */
static void
lint_device(X509 *x, EVP_PKEY *k, const BASIC_CONSTRAINTS *bc,
    ASN1_BIT_STRING *ku, struct ca_lint_report *rep)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	GENERAL_NAMES *san = NULL;
	int i, crit = 0;

	if (bc != NULL && bc->ca)	/* RFC 5280 4.2.1.9 */
		finding(rep, "a device certificate must not be a CA");
	if (ku == NULL || !ASN1_BIT_STRING_get_bit(ku, 0))
		finding(rep, "a device needs digitalSignature");
	if (ku != NULL && (ASN1_BIT_STRING_get_bit(ku, 5) ||
	    ASN1_BIT_STRING_get_bit(ku, 6)))	/* BR 7.1.2.7.11 */
		finding(rep, "a device key must not sign certificates or "
		    "crls");
	/* RFC 5480 3: an EC key enciphers nothing itself. */
	if (ku != NULL && k != NULL && EVP_PKEY_get_base_id(k) ==
	    EVP_PKEY_EC && (ASN1_BIT_STRING_get_bit(ku, 2) ||
	    ASN1_BIT_STRING_get_bit(ku, 3)))
		finding(rep, "an EC key takes no keyEncipherment or "
		    "dataEncipherment");
	/* BR 7.1.2.7.10: present, and never anyExtendedKeyUsage. */
	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL)) ==
	    NULL)
		finding(rep, "a device certificate needs extendedKeyUsage");
	for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) ==
		    NID_anyExtendedKeyUsage)
			finding(rep, "anyExtendedKeyUsage is not allowed");
	san = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	/* RFC 5280 4.2.1.6: an empty subject needs a critical SAN. */
	if (X509_NAME_entry_count(X509_get_subject_name(x)) == 0 &&
	    (san == NULL || crit != 1))
		finding(rep, "an empty subject needs a critical "
		    "subjectAltName");
	if (san != NULL && sk_GENERAL_NAME_num(san) == 0)
		finding(rep, "subjectAltName is empty");
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	GENERAL_NAMES_free(san);
}

static void
lint_extensions(X509 *x, EVP_PKEY *key, enum ca_cert_kind kind,
    struct ca_lint_report *rep)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_get0_extensions(x);
	int i, j, n = sk_X509_EXTENSION_num(exts), nid, crit;
	int seen_bc = 0, seen_ku = 0, seen_ski = 0, seen_aki = 0;
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_OBJECT *logoid = NULL;

	for (i = 0; i < n; i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		ASN1_OBJECT *o = X509_EXTENSION_get_object(e);

		/* RFC 5280 4.2: no extension appears twice. */
		for (j = 0; j < i; j++)
			if (OBJ_cmp(o, X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(exts, j))) == 0)
				finding(rep, "duplicate extension %s",
				    OBJ_nid2sn(OBJ_obj2nid(o)));
		nid = OBJ_obj2nid(o);
		crit = X509_EXTENSION_get_critical(e);
		switch (nid) {
		case NID_basic_constraints:
			seen_bc = 1;
			if (!crit)
				finding(rep, "basicConstraints must be "
				    "critical");
			break;
		case NID_key_usage:
			seen_ku = 1;
			if (!crit)
				finding(rep, "keyUsage must be critical");
			break;
		case NID_subject_key_identifier:
			seen_ski = 1;
			if (crit)	/* RFC 5280 4.2.1.2 */
				finding(rep, "subjectKeyIdentifier must not "
				    "be critical");
			break;
		case NID_authority_key_identifier:
			seen_aki = 1;
			if (crit)	/* RFC 5280 4.2.1.1 */
				finding(rep, "authorityKeyIdentifier must not "
				    "be critical");
			break;
		case NID_ext_key_usage:
			if (kind == CA_CERT_ROOT)	/* BR 7.1.2.1.2 */
				finding(rep, "a root carries no "
				    "extendedKeyUsage");
			break;
		case NID_certificate_policies:
			if (kind == CA_CERT_ROOT)	/* BR 7.1.2.1.2 */
				finding(rep, "a root carries no "
				    "certificatePolicies");
			break;
		case NID_name_constraints:
			/*
			 * RFC 5280 4.2.1.10: only in CA certificates.  Its
			 * criticality is the profile's choice (mbedTLS).
			 */
			if (kind == CA_CERT_ROOT ||
			    kind == CA_CERT_LOG_SIGNER ||
			    kind == CA_CERT_DEVICE)
				finding(rep, "nameConstraints belong only in "
				    "subordinate CA certificates");
			break;
		case NID_crl_distribution_points:
		case NID_info_access:
			if (crit)	/* RFC 5280 4.2.1.13, 4.2.2.1 */
				finding(rep, "%s must not be critical",
				    OBJ_nid2sn(nid));
			break;
		default:
			if (crit)	/* RFC 5280 4.2 */
				finding(rep, "unknown critical extension %s",
				    OBJ_nid2sn(nid));
			break;
		}
	}
	/* RFC 5280 4.2.1.9: MUST appear in CA certificates. */
	if (!seen_bc && kind != CA_CERT_LOG_SIGNER && kind != CA_CERT_DEVICE)
		finding(rep, "basicConstraints missing");
	if (!seen_ku)
		finding(rep, "keyUsage missing");
	if (!seen_ski)	/* RFC 5280 4.2.1.2: MUST in CA certs */
		finding(rep, "subjectKeyIdentifier missing");
	if (!seen_aki && kind != CA_CERT_ROOT)	/* RFC 5280 4.2.1.1 */
		finding(rep, "authorityKeyIdentifier missing");

	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	if (kind == CA_CERT_DEVICE) {
		lint_device(x, key, bc, ku, rep);
	} else if (kind != CA_CERT_LOG_SIGNER) {
		if (bc == NULL || !bc->ca)
			finding(rep, "a CA certificate needs cA TRUE");
		if (ku == NULL || !ASN1_BIT_STRING_get_bit(ku, 5) ||
		    !ASN1_BIT_STRING_get_bit(ku, 6))
			finding(rep, "a CA needs keyCertSign and cRLSign");
		if (ku != NULL && (ASN1_BIT_STRING_get_bit(ku, 1) ||
		    ASN1_BIT_STRING_get_bit(ku, 2) ||
		    ASN1_BIT_STRING_get_bit(ku, 3) ||
		    ASN1_BIT_STRING_get_bit(ku, 4) ||
		    ASN1_BIT_STRING_get_bit(ku, 7) ||
		    ASN1_BIT_STRING_get_bit(ku, 8)))
			finding(rep, "a CA key is only for signing");
	} else {
		if (bc != NULL && bc->ca)
			finding(rep, "the log signer must not be a CA");
		if (ku == NULL || !ASN1_BIT_STRING_get_bit(ku, 0))
			finding(rep, "the log signer needs digitalSignature");
		if (ku != NULL && (ASN1_BIT_STRING_get_bit(ku, 5) ||
		    ASN1_BIT_STRING_get_bit(ku, 6)))
			finding(rep, "the log signer must not sign "
			    "certificates or crls");
		eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
		logoid = OBJ_txt2obj(CA_OID_LOG_SIGNING, 1);
		if (eku == NULL || logoid == NULL ||
		    sk_ASN1_OBJECT_num(eku) != 1 ||
		    OBJ_cmp(sk_ASN1_OBJECT_value(eku, 0), logoid) != 0)
			finding(rep, "the log signer needs exactly the "
			    "%s extendedKeyUsage", CA_SN_LOG_SIGNING);
	}
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OBJECT_free(logoid);
}

static void
lint_key_and_sig(X509 *x, EVP_PKEY *k, EVP_PKEY *issuer_key,
    enum ca_cert_kind kind, struct ca_lint_report *rep)
{
	/* BR 6.1.5; this toolkit asks more of a CA's own key. */
	int floor = kind == CA_CERT_DEVICE ? 2048 : 3072;
	const X509_ALGOR *inner = X509_get0_tbs_sigalg(x), *outer = NULL;
	const ASN1_BIT_STRING *sig = NULL;
	int signid, mdnid = NID_undef, pknid = NID_undef;
	const EVP_MD *want;
	BIGNUM *e = NULL;

	if (k == NULL) {
		finding(rep, "public key cannot be decoded");
		return;
	}
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_bits(k) != 256 && EVP_PKEY_get_bits(k) != 384)
			finding(rep, "EC keys must be P-256 or P-384");
		break;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(k) < floor)
			finding(rep, "RSA keys must be at least %d bits",
			    floor);
		if (EVP_PKEY_get_bn_param(k, "e", &e) != 1 ||
		    !BN_is_word(e, 65537))
			finding(rep, "RSA public exponent must be 65537");
		BN_free(e);
		break;
	default:
		finding(rep, "key type not allowed");
		return;
	}
	/* The signature is the issuer's: its key decides algorithm and hash. */
	if (issuer_key != NULL)
		k = issuer_key;
	X509_get0_signature(&sig, &outer, x);
	/* RFC 5280 4.1.1.2: signatureAlgorithm equals tbs signature. */
	if (outer == NULL || X509_ALGOR_cmp(inner, outer) != 0)
		finding(rep, "signature algorithm differs inside and outside "
		    "the tbs");
	signid = OBJ_obj2nid(inner->algorithm);
	if (!OBJ_find_sigid_algs(signid, &mdnid, &pknid)) {
		finding(rep, "unknown signature algorithm");
		return;
	}
	want = ca_md_for_key(k);
	if (want == NULL || mdnid != EVP_MD_get_type(want))
		finding(rep, "signature hash does not match the key");
	if ((EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    pknid != NID_X9_62_id_ecPublicKey) ||
	    (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
	    pknid != NID_rsaEncryption))
		finding(rep, "signature algorithm does not match the key");
	/* RFC 5758 3.2: ECDSA AlgorithmIdentifiers omit parameters. */
	if (pknid == NID_X9_62_id_ecPublicKey && inner->parameter != NULL)
		finding(rep, "ecdsa signature algorithm has parameters");
	/* RFC 4055 5: RSA PKCS#1 v1.5 parameters are NULL. */
	if (pknid == NID_rsaEncryption && (inner->parameter == NULL ||
	    inner->parameter->type != V_ASN1_NULL))
		finding(rep, "rsa signature algorithm parameters must be NULL");
}

int
ca_lint_cert(X509 *x, enum ca_cert_kind kind, struct ca_lint_report *rep,
    struct ca_errbuf *eb)
{
	return ca_lint_cert_issued(x, NULL, kind, rep, eb);
}

static int
lint_cert(X509 *x, EVP_PKEY *key, EVP_PKEY *issuer_key,
    enum ca_cert_kind kind, struct ca_lint_report *rep, struct ca_errbuf *eb)
{
	const ASN1_BIT_STRING *iuid = NULL, *suid = NULL;

	memset(rep, 0, sizeof(*rep));
	if (X509_get_version(x) != X509_VERSION_3)
		finding(rep, "version must be 3");	/* RFC 5280 4.1.2.1 */
	lint_serial(x, rep);
	lint_time(X509_get0_notBefore(x), "notBefore", rep);
	lint_time(X509_get0_notAfter(x), "notAfter", rep);
	if (ASN1_TIME_compare(X509_get0_notBefore(x),
	    X509_get0_notAfter(x)) >= 0)
		finding(rep, "notAfter is not after notBefore");
	/* RFC 5280 4.1.2.4 and 4.1.2.6: non-empty names for CAs. */
	if (X509_NAME_entry_count(X509_get_subject_name(x)) == 0)
		finding(rep, "subject is empty");
	if (X509_NAME_entry_count(X509_get_issuer_name(x)) == 0)
		finding(rep, "issuer is empty");
	if (kind == CA_CERT_ROOT && X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)) != 0)
		finding(rep, "a root's issuer must equal its subject");
	X509_get0_uids(x, &iuid, &suid);
	if (iuid != NULL || suid != NULL)	/* RFC 5280 4.1.2.8 */
		finding(rep, "unique identifiers must not be present");
	lint_extensions(x, key, kind, rep);
	lint_key_and_sig(x, key, issuer_key, kind, rep);
	ERR_clear_error();
	return lint_result(rep, eb);
}

int
ca_lint_cert_issued(X509 *x, EVP_PKEY *issuer_key, enum ca_cert_kind kind,
    struct ca_lint_report *rep, struct ca_errbuf *eb)
{
	return lint_cert(x, X509_get0_pubkey(x), issuer_key, kind, rep, eb);
}

int
ca_lint_device(X509 *x, EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer,
    struct ca_lint_report *rep, struct ca_errbuf *eb)
{
	int r;

	if ((r = lint_cert(x, key, issuer_key, CA_CERT_DEVICE, rep, eb)) != 0)
		return r;
	return ca_lint_issuer(x, issuer, rep, eb);
}

static int
name_der_equal(const X509_NAME *a, const X509_NAME *b)
{
	const unsigned char *da, *db;
	size_t la, lb;

	if (X509_NAME_get0_der((X509_NAME *)a, &da, &la) != 1 ||
	    X509_NAME_get0_der((X509_NAME *)b, &db, &lb) != 1)
		return 0;
	return la == lb && memcmp(da, db, la) == 0;
}

int
ca_lint_issuer(X509 *x, X509 *issuer, struct ca_lint_report *rep,
    struct ca_errbuf *eb)
{
	BASIC_CONSTRAINTS *ibc = NULL, *xbc = NULL;
	const ASN1_OCTET_STRING *iski;
	const ASN1_OCTET_STRING *akid;

	memset(rep, 0, sizeof(*rep));
	/* RFC 5280 7.1: chains are built by name; byte-equal avoids doubt. */
	if (!name_der_equal(X509_get_issuer_name(x),
	    X509_get_subject_name(issuer)))
		finding(rep, "issuer name is not byte-equal to the CA's "
		    "subject");
	iski = X509_get0_subject_key_id(issuer);
	akid = X509_get0_authority_key_id(x);
	/* RFC 5280 4.2.1.1: AKI keyIdentifier is the issuer's SKI. */
	if (iski == NULL)
		finding(rep, "the issuing CA has no subjectKeyIdentifier");
	else if (akid == NULL || ASN1_OCTET_STRING_cmp(akid, iski) != 0)
		finding(rep, "authorityKeyIdentifier is not the issuer's "
		    "subjectKeyIdentifier");
	if (ASN1_TIME_compare(X509_get0_notBefore(x),
	    X509_get0_notBefore(issuer)) < 0 ||
	    ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(issuer)) > 0)
		finding(rep, "validity is not inside the issuer's");
	ibc = X509_get_ext_d2i(issuer, NID_basic_constraints, NULL, NULL);
	xbc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	if (ibc == NULL || !ibc->ca) {
		finding(rep, "the issuer is not a CA");
	} else if (xbc != NULL && xbc->ca && ibc->pathlen != NULL) {
		long ip = ASN1_INTEGER_get(ibc->pathlen);

		/* RFC 5280 6.1.4 (l), (m): each CA below uses up one. */
		if (ip <= 0)
			finding(rep, "the issuer's pathLen 0 allows no "
			    "subordinate CA");
		else if (xbc->pathlen == NULL ||
		    ASN1_INTEGER_get(xbc->pathlen) >= ip)
			finding(rep, "pathLen must be below the issuer's %ld",
			    ip);
	}
	if (!(X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) ||
	    !(X509_get_key_usage(issuer) & KU_KEY_CERT_SIGN))
		finding(rep, "the issuer's keyUsage lacks keyCertSign");
	BASIC_CONSTRAINTS_free(ibc);
	BASIC_CONSTRAINTS_free(xbc);
	ERR_clear_error();
	return lint_result(rep, eb);
}
