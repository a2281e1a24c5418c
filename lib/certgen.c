#include "certgen.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "netaddr.h"
#include "profile.h"
#include "sign.h"


int
ca_serial_random(unsigned char serial[CA_SERIAL_LEN])
{
	do {
		if (RAND_bytes(serial, CA_SERIAL_LEN) != 1)
			return CA_ERR_CRYPTO;
		/* RFC 5280 4.1.2.2: positive; a leading 0x00 would be
		 * stripped and shorten the entropy. */
		serial[0] &= 0x7f;
	} while (serial[0] == 0);
	return 0;
}

/*
 * RFC 7093 section 2, method 1: the leftmost 160 bits of the SHA-256 of
 * the subjectPublicKey BIT STRING value (excluding tag, length and unused
 * bits).  Documented in ca-init(1).
 */
int
ca_key_id(const X509_PUBKEY *spki, ASN1_OCTET_STRING **out)
{
	const unsigned char *pk;
	int pklen;
	unsigned char md[32];
	ASN1_OCTET_STRING *os = NULL;

	*out = NULL;
	if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, spki) != 1 ||
	    EVP_Digest(pk, (size_t)pklen, md, NULL, EVP_sha256(), NULL) !=
	    1 || (os = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(os, md, 20) != 1) {
		ASN1_OCTET_STRING_free(os);
		return CA_ERR_CRYPTO;
	}
	*out = os;
	return 0;
}

static int
key_identifier(EVP_PKEY *key, ASN1_OCTET_STRING **out)
{
	X509_PUBKEY *xpk = NULL;
	int r;

	*out = NULL;
	if (X509_PUBKEY_set(&xpk, key) != 1)
		return CA_ERR_CRYPTO;
	r = ca_key_id(xpk, out);
	X509_PUBKEY_free(xpk);
	return r;
}

int
ca_pubkey_set_fields(X509_PUBKEY *dst, const X509_ALGOR *alg,
    const unsigned char *pk, int pklen)
{
	ASN1_OBJECT *obj = NULL;
	const ASN1_OBJECT *o;
	const void *pval;
	void *pv = NULL;
	unsigned char *bits = NULL;
	int ptype;

	X509_ALGOR_get0(&o, &ptype, &pval, alg);
	if ((obj = OBJ_dup(o)) == NULL)
		goto fail;
	if (ptype == V_ASN1_OBJECT) {
		if ((pv = OBJ_dup(pval)) == NULL)
			goto fail;
	} else if (ptype == V_ASN1_SEQUENCE) {
		if ((pv = ASN1_STRING_dup(pval)) == NULL)
			goto fail;
	} else if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF) {
		goto fail;
	}
	if (pklen < 0 || ((bits = OPENSSL_memdup(pk, (size_t)pklen)) ==
	    NULL && pklen > 0))
		goto fail;
	if (X509_PUBKEY_set0_param(dst, obj, ptype, pv, bits, pklen) != 1)
		goto fail;
	return 0;
fail:
	ASN1_OBJECT_free(obj);
	if (ptype == V_ASN1_OBJECT)
		ASN1_OBJECT_free(pv);
	else
		ASN1_STRING_free(pv);
	OPENSSL_free(bits);
	return CA_ERR_CRYPTO;
}

/*
 * x's subjectPublicKeyInfo as a copy of spki's fields: OpenSSL 3.0 would
 * otherwise encode the key through its provider encoders, which costs as
 * much as a signature.
 */
static int
copy_spki(X509 *x, const X509_PUBKEY *spki)
{
	X509_ALGOR *alg = NULL;
	const unsigned char *pk;
	int pklen;

	if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, &alg, spki) != 1 ||
	    alg == NULL)
		return CA_ERR_CRYPTO;
	return ca_pubkey_set_fields(X509_get_X509_PUBKEY(x), alg, pk, pklen);
}

static int
add_ext(X509 *x, int nid, int crit, void *value)
{
	return X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) == 1;
}

static GENERAL_NAME *
uri_name(const char *uri)
{
	GENERAL_NAME *g;
	ASN1_IA5STRING *s;

	if ((g = GENERAL_NAME_new()) == NULL)
		return NULL;
	if ((s = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(s, uri, -1) != 1) {
		ASN1_IA5STRING_free(s);
		GENERAL_NAME_free(g);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	return g;
}

/* One name-constraint base of GeneralName type gtype from text v. */
static int
subtree_add(STACK_OF(GENERAL_SUBTREE) **sk, int gtype, const char *v)
{
	GENERAL_SUBTREE *st = NULL;
	GENERAL_NAME *g = NULL;
	ASN1_OCTET_STRING *os = NULL;
	X509_NAME *dn = NULL;
	unsigned char ip[32];
	size_t iplen;
	int r = CA_ERR_NOMEM;

	if (*sk == NULL && (*sk = sk_GENERAL_SUBTREE_new_null()) == NULL)
		goto out;
	if ((st = GENERAL_SUBTREE_new()) == NULL)
		goto out;
	switch (gtype) {
	case GEN_DNS:
	case GEN_EMAIL:
	case GEN_URI:
		if ((os = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(os, v, -1) != 1 ||
		    (g = GENERAL_NAME_new()) == NULL)
			goto out;
		GENERAL_NAME_set0_value(g, gtype, os);
		os = NULL;
		break;
	case GEN_IPADD:
		/* RFC 5280 4.2.1.10: address and mask, 8 or 32 octets. */
		if (ca_cidr_parse(v, ip, &iplen) != 0) {
			r = CA_ERR_PROFILE;
			goto out;
		}
		if ((os = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(os, ip, (int)iplen) != 1 ||
		    (g = GENERAL_NAME_new()) == NULL)
			goto out;
		GENERAL_NAME_set0_value(g, GEN_IPADD, os);
		os = NULL;
		break;
	case GEN_DIRNAME:
		if (ca_dn_parse(v, &dn, NULL) != 0) {
			r = CA_ERR_PROFILE;
			goto out;
		}
		if ((g = GENERAL_NAME_new()) == NULL)
			goto out;
		GENERAL_NAME_set0_value(g, GEN_DIRNAME, dn);
		dn = NULL;
		break;
	default:
		r = CA_ERR_INTERNAL;
		goto out;
	}
	GENERAL_NAME_free(st->base);
	st->base = g;
	g = NULL;
	if (!sk_GENERAL_SUBTREE_push(*sk, st))
		goto out;
	st = NULL;
	r = 0;
out:
	GENERAL_SUBTREE_free(st);
	GENERAL_NAME_free(g);
	ASN1_OCTET_STRING_free(os);
	X509_NAME_free(dn);
	return r;
}

static int
subtrees_add(STACK_OF(GENERAL_SUBTREE) **sk, const struct ca_name_set *ns)
{
	static const struct {
		size_t off;
		int gtype;
	} kinds[] = {
		{ offsetof(struct ca_name_set, dns), GEN_DNS },
		{ offsetof(struct ca_name_set, ip), GEN_IPADD },
		{ offsetof(struct ca_name_set, email), GEN_EMAIL },
		{ offsetof(struct ca_name_set, uri), GEN_URI },
		{ offsetof(struct ca_name_set, dirname), GEN_DIRNAME },
	};
	size_t k, i;
	int r;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const struct ca_strlist *l = (const struct ca_strlist *)
		    (const void *)((const char *)ns + kinds[k].off);

		for (i = 0; i < l->n; i++)
			if ((r = subtree_add(sk, kinds[k].gtype, l->v[i])) != 0)
				return r;
	}
	return 0;
}

/*
 * The extensions a sub-CA or cross profile decides: the profile alone,
 * never the request, so nothing a CSR asks for reaches the certificate.
 */
static int
add_profile_exts(X509 *x, const struct ca_profile *pr)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	CERTIFICATEPOLICIES *cp = NULL;
	POLICYINFO *pi = NULL;
	POLICYQUALINFO *q = NULL;
	NAME_CONSTRAINTS *nc = NULL;
	CRL_DIST_POINTS *cdp = NULL;
	DIST_POINT *dp = NULL;
	AUTHORITY_INFO_ACCESS *aia = NULL;
	ACCESS_DESCRIPTION *ad = NULL;
	GENERAL_NAME *g = NULL;
	ASN1_OBJECT *obj = NULL;
	size_t i;
	int r = CA_ERR_CRYPTO;

	if (pr->eku.n > 0) {
		if ((eku = sk_ASN1_OBJECT_new_null()) == NULL)
			goto out;
		for (i = 0; i < pr->eku.n; i++) {
			if ((obj = OBJ_txt2obj(pr->eku.v[i], 1)) == NULL ||
			    !sk_ASN1_OBJECT_push(eku, obj))
				goto out;
			obj = NULL;
		}
		if (!add_ext(x, NID_ext_key_usage, 0, eku))
			goto out;
	}
	if (pr->npolicies > 0) {
		if ((cp = sk_POLICYINFO_new_null()) == NULL)
			goto out;
		for (i = 0; i < pr->npolicies; i++) {
			if ((pi = POLICYINFO_new()) == NULL ||
			    (pi->policyid = OBJ_txt2obj(pr->policies[i].oid,
			    1)) == NULL)
				goto out;
			if (pr->policies[i].cps != NULL) {
				if ((pi->qualifiers =
				    sk_POLICYQUALINFO_new_null()) == NULL ||
				    (q = POLICYQUALINFO_new()) == NULL ||
				    (q->pqualid = OBJ_nid2obj(NID_id_qt_cps)) ==
				    NULL ||
				    (q->d.cpsuri = ASN1_IA5STRING_new()) ==
				    NULL ||
				    ASN1_STRING_set(q->d.cpsuri,
				    pr->policies[i].cps, -1) != 1 ||
				    !sk_POLICYQUALINFO_push(pi->qualifiers, q))
					goto out;
				q = NULL;
			}
			if (!sk_POLICYINFO_push(cp, pi))
				goto out;
			pi = NULL;
		}
		if (!add_ext(x, NID_certificate_policies, 0, cp))
			goto out;
	}
	if (pr->has_name_constraints) {
		if ((nc = NAME_CONSTRAINTS_new()) == NULL)
			goto out;
		if ((r = subtrees_add(&nc->permittedSubtrees,
		    &pr->permitted)) != 0 ||
		    (r = subtrees_add(&nc->excludedSubtrees,
		    &pr->excluded)) != 0)
			goto out;
		r = CA_ERR_CRYPTO;
		/*
		 * RFC 5280 4.2.1.10 says critical; the profile may say
		 * otherwise for mbedTLS, which cannot parse the extension
		 * (the compatibility lint explains).
		 */
		if (!add_ext(x, NID_name_constraints,
		    pr->name_constraints_critical, nc))
			goto out;
	}
	if (pr->crl_dp.n > 0) {
		if ((cdp = sk_DIST_POINT_new_null()) == NULL)
			goto out;
		for (i = 0; i < pr->crl_dp.n; i++) {
			if ((dp = DIST_POINT_new()) == NULL ||
			    (dp->distpoint = DIST_POINT_NAME_new()) == NULL ||
			    (dp->distpoint->name.fullname =
			    GENERAL_NAMES_new()) == NULL ||
			    (g = uri_name(pr->crl_dp.v[i])) == NULL ||
			    !sk_GENERAL_NAME_push(dp->distpoint->name.fullname,
			    g))
				goto out;
			dp->distpoint->type = 0;	/* fullName */
			g = NULL;
			if (!sk_DIST_POINT_push(cdp, dp))
				goto out;
			dp = NULL;
		}
		if (!add_ext(x, NID_crl_distribution_points, 0, cdp))
			goto out;
	}
	if (pr->aia_ca_issuers.n > 0) {
		if ((aia = sk_ACCESS_DESCRIPTION_new_null()) == NULL)
			goto out;
		for (i = 0; i < pr->aia_ca_issuers.n; i++) {
			if ((ad = ACCESS_DESCRIPTION_new()) == NULL ||
			    (g = uri_name(pr->aia_ca_issuers.v[i])) == NULL)
				goto out;
			ASN1_OBJECT_free(ad->method);
			ad->method = OBJ_nid2obj(NID_ad_ca_issuers);
			GENERAL_NAME_free(ad->location);
			ad->location = g;
			g = NULL;
			if (!sk_ACCESS_DESCRIPTION_push(aia, ad))
				goto out;
			ad = NULL;
		}
		/* RFC 5280 4.2.2.1: MUST be non-critical. */
		if (!add_ext(x, NID_info_access, 0, aia))
			goto out;
	}
	r = 0;
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OBJECT_free(obj);
	CERTIFICATEPOLICIES_free(cp);
	POLICYINFO_free(pi);
	POLICYQUALINFO_free(q);
	NAME_CONSTRAINTS_free(nc);
	CRL_DIST_POINTS_free(cdp);
	DIST_POINT_free(dp);
	AUTHORITY_INFO_ACCESS_free(aia);
	ACCESS_DESCRIPTION_free(ad);
	GENERAL_NAME_free(g);
	return r;
}

int
ca_cert_build(const struct ca_cert_params *p, EVP_PKEY *subject_key,
    EVP_PKEY *issuer_key, X509 **out)
{
	X509 *x = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *nb = NULL, *na = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;
	ASN1_OCTET_STRING *ski = NULL, *iki = NULL;
	AUTHORITY_KEYID *aki = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_OBJECT *obj = NULL;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	if ((bn = BN_bin2bn(p->serial, CA_SERIAL_LEN, NULL)) == NULL ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, serial) != 1)
		goto out;
	if (X509_set_subject_name(x, p->subject) != 1 ||
	    X509_set_issuer_name(x, p->issuer ? p->issuer : p->subject) != 1)
		goto out;
	/*
	 * RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from
	 * 2050.  ASN1_TIME_set picks exactly that.
	 */
	if ((nb = ASN1_TIME_set(NULL, p->not_before)) == NULL ||
	    (na = ASN1_TIME_set(NULL, p->not_after)) == NULL ||
	    X509_set1_notBefore(x, nb) != 1 || X509_set1_notAfter(x, na) != 1)
		goto out;
	if (p->spki != NULL ? copy_spki(x, p->spki) != 0 :
	    X509_set_pubkey(x, subject_key) != 1)
		goto out;

	/* RFC 5280 4.2.1.9: basicConstraints MUST be critical in CA certs. */
	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		goto out;
	if (p->kind != CA_CERT_LOG_SIGNER && p->kind != CA_CERT_DEVICE) {
		bc->ca = 0xff;
		if (p->path_len >= 0) {
			if ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
			    ASN1_INTEGER_set(bc->pathlen, p->path_len) != 1)
				goto out;
		}
		if (!add_ext(x, NID_basic_constraints, 1, bc))
			goto out;
	} else if (!add_ext(x, NID_basic_constraints, 1, bc)) {
		goto out;
	}

	/* RFC 5280 4.2.1.3: keyUsage SHOULD be critical; BR says MUST. */
	if ((ku = ASN1_BIT_STRING_new()) == NULL)
		goto out;
	if (((p->key_usage & CA_KU_DIGITAL_SIGNATURE) &&
	    !ASN1_BIT_STRING_set_bit(ku, 0, 1)) ||
	    ((p->key_usage & CA_KU_KEY_CERT_SIGN) &&
	    !ASN1_BIT_STRING_set_bit(ku, 5, 1)) ||
	    ((p->key_usage & CA_KU_CRL_SIGN) &&
	    !ASN1_BIT_STRING_set_bit(ku, 6, 1)) ||
	    ((p->key_usage & CA_KU_NON_REPUDIATION) &&
	    !ASN1_BIT_STRING_set_bit(ku, 1, 1)) ||
	    ((p->key_usage & CA_KU_KEY_ENCIPHERMENT) &&
	    !ASN1_BIT_STRING_set_bit(ku, 2, 1)) ||
	    ((p->key_usage & CA_KU_DATA_ENCIPHERMENT) &&
	    !ASN1_BIT_STRING_set_bit(ku, 3, 1)) ||
	    ((p->key_usage & CA_KU_KEY_AGREEMENT) &&
	    !ASN1_BIT_STRING_set_bit(ku, 4, 1)))
		goto out;
	if (!add_ext(x, NID_key_usage, 1, ku))
		goto out;

	if (p->ski != NULL) {
		if ((ski = ASN1_OCTET_STRING_dup(p->ski)) == NULL)
			goto out;
	} else if (key_identifier(subject_key, &ski) != 0) {
		goto out;
	}
	if (!add_ext(x, NID_subject_key_identifier, 0, ski))
		goto out;
	/* BR 7.1.2.1.3: a root's AKI keyIdentifier equals its SKI. */
	if ((aki = AUTHORITY_KEYID_new()) == NULL)
		goto out;
	if (p->aki != NULL) {
		/* RFC 5280 4.2.1.1: the issuer's SKI, whatever its method. */
		if ((aki->keyid = ASN1_OCTET_STRING_dup(p->aki)) == NULL)
			goto out;
	} else if (issuer_key == NULL) {
		aki->keyid = ski;
		ski = NULL;
	} else {
		if (key_identifier(issuer_key, &iki) != 0)
			goto out;
		aki->keyid = iki;
		iki = NULL;
	}
	if (!add_ext(x, NID_authority_key_identifier, 0, aki))
		goto out;

	if (p->kind == CA_CERT_LOG_SIGNER) {
		if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
		    (obj = OBJ_txt2obj(CA_OID_LOG_SIGNING, 1)) == NULL ||
		    !sk_ASN1_OBJECT_push(eku, obj))
			goto out;
		obj = NULL;
		if (!add_ext(x, NID_ext_key_usage, 0, eku))
			goto out;
	}
	if (p->kind == CA_CERT_DEVICE && p->san != NULL &&
	    !add_ext(x, NID_subject_alt_name, X509_NAME_entry_count(
	    p->subject) == 0, (void *)p->san))
		goto out;
	if ((p->kind == CA_CERT_SUB || p->kind == CA_CERT_CROSS ||
	    p->kind == CA_CERT_DEVICE) && p->profile != NULL &&
	    (r = add_profile_exts(x, p->profile)) != 0)
		goto out;
	*out = x;
	x = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	BN_free(bn);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	ASN1_OCTET_STRING_free(ski);
	ASN1_OCTET_STRING_free(iki);
	AUTHORITY_KEYID_free(aki);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_OBJECT_free(obj);
	return r;
}

const EVP_MD *
ca_md_for_key(EVP_PKEY *key)
{
	char group[32];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(key, "group", group,
		    sizeof(group), &glen) != 1) {
			/* Keys that do not say (an engine's): by size. */
			ERR_clear_error();
			return EVP_PKEY_get_bits(key) == 384 ? EVP_sha384() :
			    EVP_PKEY_get_bits(key) == 256 ? EVP_sha256() : NULL;
		}
		if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0)
			return EVP_sha384();
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			return EVP_sha256();
		return NULL;
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(key) >= 4096 ? EVP_sha384() :
		    EVP_sha256();
	default:
		return NULL;
	}
}

const EVP_MD *
ca_md_for_alg(enum ca_keyalg alg)
{
	switch (alg) {
	case CA_ALG_P384:
	case CA_ALG_RSA4096:
		return EVP_sha384();
	case CA_ALG_P256:
	case CA_ALG_RSA3072:
		return EVP_sha256();
	}
	return NULL;
}

int
ca_cert_sign(X509 *x, EVP_PKEY *signer, const EVP_MD *md,
    struct ca_errbuf *eb)
{
	if (md == NULL)
		return CA_ERR_ALGORITHM;
	if (X509_sign(x, signer, md) <= 0) {
		ca_errf(eb, "signing the certificate failed");
		ca_err_openssl(eb);
		return CA_ERR_CRYPTO;
	}
	return 0;
}

int
ca_cert_assemble(X509 *draft, const unsigned char *tbs, size_t tl,
    const unsigned char *sig, size_t siglen, unsigned char **out,
    size_t *outlen)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_BIT_STRING *dsig = NULL;
	unsigned char *algd = NULL;
	int al, r;

	*out = NULL;
	X509_get0_signature(&dsig, &alg, draft);
	if ((al = i2d_X509_ALGOR(alg, &algd)) <= 0)
		return CA_ERR_CRYPTO;
	r = ca_sign_assemble(tbs, tl, algd, (size_t)al, sig, siglen, out,
	    outlen);
	OPENSSL_free(algd);
	return r;
}

int
ca_cert_verify(X509 *x, EVP_PKEY *pub)
{
	int ok = X509_verify(x, pub);

	ERR_clear_error();
	return ok == 1 ? 0 : CA_ERR_VERIFY;
}

static int
der_equal(const void *a, const void *b, i2d_of_void *i2d)
{
	unsigned char *da = NULL, *db = NULL;
	int la, lb, eq;

	la = i2d((void *)a, &da);
	lb = i2d((void *)b, &db);
	eq = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return eq;
}

static int
key_dependent(const X509_EXTENSION *e)
{
	int nid = OBJ_obj2nid(X509_EXTENSION_get_object(
	    (X509_EXTENSION *)e));

	return nid == NID_subject_key_identifier ||
	    nid == NID_authority_key_identifier;
}

int
ca_cert_same_tbs(X509 *a, X509 *b, struct ca_errbuf *eb)
{
	const X509_ALGOR *sa, *sb;
	const STACK_OF(X509_EXTENSION) *ea, *eb_;
	int i, j, na, nb;

	if (X509_get_version(a) != X509_get_version(b)) {
		ca_errf(eb, "version differs");
		return CA_ERR_VERIFY;
	}
	if (ASN1_INTEGER_cmp(X509_get0_serialNumber(a),
	    X509_get0_serialNumber(b)) != 0) {
		ca_errf(eb, "serial number differs");
		return CA_ERR_VERIFY;
	}
	sa = X509_get0_tbs_sigalg(a);
	sb = X509_get0_tbs_sigalg(b);
	if (X509_ALGOR_cmp(sa, sb) != 0) {
		ca_errf(eb, "signature algorithm differs");
		return CA_ERR_VERIFY;
	}
	if (X509_NAME_cmp(X509_get_issuer_name(a),
	    X509_get_issuer_name(b)) != 0 ||
	    !der_equal(X509_get_issuer_name(a), X509_get_issuer_name(b),
	    (i2d_of_void *)i2d_X509_NAME)) {
		ca_errf(eb, "issuer differs");
		return CA_ERR_VERIFY;
	}
	if (!der_equal(X509_get_subject_name(a), X509_get_subject_name(b),
	    (i2d_of_void *)i2d_X509_NAME)) {
		ca_errf(eb, "subject differs");
		return CA_ERR_VERIFY;
	}
	if (!der_equal(X509_get0_notBefore(a), X509_get0_notBefore(b),
	    (i2d_of_void *)i2d_ASN1_TIME) ||
	    !der_equal(X509_get0_notAfter(a), X509_get0_notAfter(b),
	    (i2d_of_void *)i2d_ASN1_TIME)) {
		ca_errf(eb, "validity differs");
		return CA_ERR_VERIFY;
	}
	if (X509_get0_pubkey_bitstr(a) == NULL ||
	    X509_get0_pubkey_bitstr(b) == NULL) {
		ca_errf(eb, "public key missing");
		return CA_ERR_VERIFY;
	}
	ea = X509_get0_extensions(a);
	eb_ = X509_get0_extensions(b);
	na = sk_X509_EXTENSION_num(ea);
	nb = sk_X509_EXTENSION_num(eb_);
	for (i = 0, j = 0; i < na || j < nb; i++, j++) {
		while (i < na && key_dependent(sk_X509_EXTENSION_value(ea, i)))
			i++;
		while (j < nb && key_dependent(sk_X509_EXTENSION_value(eb_, j)))
			j++;
		if (i >= na && j >= nb)
			break;
		if (i >= na || j >= nb ||
		    !der_equal(sk_X509_EXTENSION_value(ea, i),
		    sk_X509_EXTENSION_value(eb_, j),
		    (i2d_of_void *)i2d_X509_EXTENSION)) {
			ca_errf(eb, "extensions differ");
			return CA_ERR_VERIFY;
		}
	}
	return 0;
}

int
ca_keygen_soft(enum ca_keyalg alg, EVP_PKEY **out)
{
	*out = NULL;
	switch (alg) {
	case CA_ALG_P256:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CA_ALG_P384:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case CA_ALG_RSA3072:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	case CA_ALG_RSA4096:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	default:
		return CA_ERR_ALGORITHM;
	}
	return *out ? 0 : CA_ERR_CRYPTO;
}

int
ca_keygen_stamp(EVP_PKEY *issuer, EVP_PKEY **out)
{
	/*
	 * A tenth of the cost of a key of the issuer's own size or curve
	 * (RSA-3072 key generation takes a good fraction of a second).
	 */
	*out = NULL;
	switch (EVP_PKEY_get_base_id(issuer)) {
	case EVP_PKEY_EC:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case EVP_PKEY_RSA:
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
		break;
	default:
		return CA_ERR_ALGORITHM;
	}
	return *out ? 0 : CA_ERR_CRYPTO;
}

int
ca_cert_sha256(X509 *x, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32)
		return CA_ERR_CRYPTO;
	ca_hex(md, 32, hex);
	return 0;
}

int
ca_spki_sha256(EVP_PKEY *key, char hex[65])
{
	unsigned char *der = NULL;
	int n;

	if ((n = i2d_PUBKEY(key, &der)) <= 0) {
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	ca_sha256_hex(der, (size_t)n, hex);
	OPENSSL_free(der);
	return 0;
}

int
ca_cert_pem(X509 *x, char **out, size_t *len)
{
	return ca_certs_pem(&x, 1, NULL, out, len);
}

int
ca_certs_pem(X509 *const *first, size_t nfirst, STACK_OF(X509) *rest,
    char **out, size_t *len)
{
	BIO *b = NULL;
	size_t i;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	for (i = 0; i < nfirst; i++)
		if (PEM_write_bio_X509(b, first[i]) != 1)
			goto out;
	for (i = 0; rest != NULL && i < (size_t)sk_X509_num(rest); i++)
		if (PEM_write_bio_X509(b, sk_X509_value(rest, (int)i)) != 1)
			goto out;
	r = ca_bio_take(b, out, len);
out:
	ERR_clear_error();
	BIO_free(b);
	return r;
}

int
ca_cert_load(const char *path, X509 **out, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	int r;

	*out = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	r = CA_ERR_CRYPTO;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (*out = PEM_read_bio_X509(b, NULL, ca_pem_no_pass, NULL)) ==
	    NULL) {
		ca_errf(eb, "\"%s\": not a PEM certificate", path);
		ERR_clear_error();
		goto out;
	}
	r = 0;
out:
	BIO_free(b);
	free(buf);
	return r;
}

int
ca_serial_hex(X509 *x, char out[41])
{
	BIGNUM *bn = NULL;
	unsigned char b[20];
	int n;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL)
		return CA_ERR_CRYPTO;
	if (BN_is_negative(bn) || (n = BN_num_bytes(bn)) > 20 || n == 0) {
		BN_free(bn);
		return CA_ERR_CRYPTO;
	}
	BN_bn2bin(bn, b);
	ca_hex(b, (size_t)n, out);
	BN_free(bn);
	return 0;
}

int
ca_certs_load(const char *path, STACK_OF(X509) **out, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	BIO *b = NULL;
	int r;

	*out = NULL;
	if ((r = ca_read_file(path, 1 << 22, &buf, &len, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((sk = sk_X509_new_null()) == NULL ||
	    (b = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto out;
	while ((x = PEM_read_bio_X509(b, NULL, ca_pem_no_pass, NULL)) !=
	    NULL) {
		if (!sk_X509_push(sk, x))
			goto out;
		x = NULL;
	}
	/* The loop ends on "no start line" at the end, or on garbage. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE ||
	    sk_X509_num(sk) == 0) {
		ca_errf(eb, "\"%s\": not a list of PEM certificates", path);
		r = CA_ERR_CRYPTO;
		goto out;
	}
	*out = sk;
	sk = NULL;
	r = 0;
out:
	ERR_clear_error();
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	BIO_free(b);
	free(buf);
	return r;
}

int
ca_chain_verify(X509 *x, STACK_OF(X509) *chain, time_t at, X509 **root,
    struct ca_errbuf *eb)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *anchor = NULL;
	int i, r = CA_ERR_VERIFY;

	if (root != NULL)
		*root = NULL;
	for (i = 0; i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);

		if (X509_check_issued(c, c) == X509_V_OK)
			anchor = c;
	}
	if (anchor == NULL) {
		ca_errf(eb, "the chain holds no self-signed root");
		goto out;
	}
	if ((st = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(st, anchor) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, st, x, chain) != 1) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT |
	    (at == 0 ? X509_V_FLAG_NO_CHECK_TIME : 0));
	if (at != 0)
		X509_STORE_CTX_set_time(ctx, 0, at);
	if (X509_verify_cert(ctx) != 1) {
		ca_errf(eb, "does not chain to the root: %s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if (root != NULL)
		*root = anchor;
	r = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return r;
}

int
ca_log_signer_name(const X509_NAME *ca_subject, X509_NAME **out)
{
	X509_NAME *ln;
	int idx;

	*out = NULL;
	if ((ln = X509_NAME_dup(ca_subject)) == NULL)
		return CA_ERR_NOMEM;
	while ((idx = X509_NAME_get_index_by_NID(ln, NID_commonName, -1)) >=
	    0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(ln, idx));
	if (!X509_NAME_add_entry_by_NID(ln, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)"Ceremony Log Signer", -1, -1, 0)) {
		X509_NAME_free(ln);
		ERR_clear_error();
		return CA_ERR_CRYPTO;
	}
	*out = ln;
	return 0;
}
