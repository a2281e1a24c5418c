/*
 * profile.h: certificate profiles (ca-profile(5)).
 *
 * A profile is a JSON file that alone decides a certificate's validity and
 * extensions.  Unknown fields are refused, so that a misspelt field cannot
 * silently fall back to a default.
 */
#ifndef CA_PROFILE_H
#define CA_PROFILE_H

#include "ca_err.h"
#include "timefmt.h"

#define CA_PROFILE_VERSION 1

/* keyUsage bits a profile may ask for. */
#define CA_KU_DIGITAL_SIGNATURE 0x01
#define CA_KU_KEY_CERT_SIGN 0x02
#define CA_KU_CRL_SIGN 0x04
/* Device (end-entity) certificates only. */
#define CA_KU_NON_REPUDIATION 0x08
#define CA_KU_KEY_ENCIPHERMENT 0x10
#define CA_KU_DATA_ENCIPHERMENT 0x20
#define CA_KU_KEY_AGREEMENT 0x40
/* RFC 5480 3: never asserted for an EC key, whatever the profile says. */
#define CA_KU_RSA_ONLY (CA_KU_KEY_ENCIPHERMENT | CA_KU_DATA_ENCIPHERMENT)

enum ca_profile_kind {
	CA_PROFILE_ROOT = 1,	/* self-signed root (ca-init) */
	CA_PROFILE_SUB,		/* subordinate CA (ca-sign-sub --csr) */
	CA_PROFILE_CROSS,	/* cross-certificate (ca-sign-sub --cross) */
	CA_PROFILE_LOG_SIGNER,	/* a CA directory's log-signing key */
	CA_PROFILE_DEVICE,	/* device end entity (ca-issue) */
};

/* Where a subordinate's subject comes from ("subject_from"). */
enum ca_subject_from {
	CA_SUBJECT_FROM_CSR = 1,	/* the default; always for devices */
	CA_SUBJECT_FROM_PROFILE,
};

/* Keys a profile accepts ("key_algorithms"), and its RSA floor. */
#define CA_KEYPOL_P256 0x01
#define CA_KEYPOL_P384 0x02
#define CA_KEYPOL_RSA 0x04
#define CA_KEYPOL_ALL (CA_KEYPOL_P256 | CA_KEYPOL_P384 | CA_KEYPOL_RSA)
#define CA_RSA_MIN_BITS 3072
/* BR 6.1.5: device keys may be smaller (OPC UA still ships RSA 2048). */
#define CA_RSA_MIN_BITS_DEVICE 2048

/* subjectAltName types a device profile takes from requests. */
#define CA_SAN_DNS 0x01
#define CA_SAN_IP 0x02
#define CA_SAN_URI 0x04

/* Relying-party stacks a profile targets ("targets"). */
#define CA_TARGET_OPENSSL 0x01
#define CA_TARGET_GNUTLS 0x02
#define CA_TARGET_NSS 0x04
#define CA_TARGET_MBEDTLS 0x08
#define CA_TARGET_WOLFSSL 0x10
#define CA_TARGET_OPCUA 0x20

/* A list of strings; every entry owned by the profile. */
struct ca_strlist {
	char **v;
	size_t n;
};

/*
 * One side (permitted or excluded) of nameConstraints.  Entries are
 * validated at parse time: ip entries are CIDR ("10.20.0.0/16",
 * "fd00:1::/48"), dirname entries RFC 4514 DNs.
 */
struct ca_name_set {
	struct ca_strlist dns, ip, email, uri, dirname;
};

struct ca_policy {
	char *oid;		/* dotted decimal, validated */
	char *cps;		/* CPS URI, or NULL */
};

struct ca_profile {
	enum ca_profile_kind kind;
	char *name;			/* "name", for records; may be NULL */
	char *subject;			/* RFC 4514, or NULL */
	enum ca_subject_from subject_from;	/* CA_PROFILE_SUB; else 0 */
	struct ca_duration validity;
	int truncate_validity;		/* 1: shorten to the issuer's end */
	int key_backup;			/* 1: keys may be backup-capable */
	int path_len;			/* -1: no pathLenConstraint */
	unsigned key_usage;		/* CA_KU_* */
	struct ca_strlist eku;		/* dotted OIDs; names are mapped */
	struct ca_policy *policies;
	size_t npolicies;
	int has_name_constraints;
	int name_constraints_critical;	/* default 1 (RFC 5280 4.2.1.10) */
	struct ca_name_set permitted, excluded;
	struct ca_strlist crl_dp;	/* CRL distribution point URIs */
	struct ca_strlist aia_ca_issuers; /* AIA caIssuers URIs */
	char *zone;			/* IEC 62443 zone name, or NULL */
	int security_level;		/* 0: none, else 1..4 */
	char *zone_policy_oid;		/* required with security_level */
	unsigned key_algorithms;	/* CA_KEYPOL_*; default ALL */
	int rsa_min_bits;		/* default CA_RSA_MIN_BITS */
	unsigned targets;		/* CA_TARGET_*; 0 for none named */
	/*
	 * Device only: the subjectAltName types copied from a request
	 * (others are refused), and those it must carry at least one of
	 * each; an OPC UA application instance certificate requires
	 * exactly one URI, its applicationUri (OPC 10000-6 6.2.2).
	 */
	unsigned san_allow, san_require;
	/* Root only; all zero when not given (ca-crl(1) has defaults). */
	struct ca_duration crl_next_update;	/* nextUpdate - thisUpdate */
	struct ca_duration crl_margin;		/* renew this long before */
	char crl_idp[8];			/* "", full, scope, none */
};

/*
 * ca_profile_default_root: the built-in root profile: 25 years, no
 * pathLen, keyCertSign and cRLSign, every key algorithm, RSA from
 * CA_RSA_MIN_BITS.  Caller frees with ca_profile_free.  CA_ERR_NOMEM.
 */
int ca_profile_default_root(struct ca_profile **out) CA_MUST_CHECK;

/*
 * ca_profile_parse: parse a profile of any kind from buf (len bytes, no
 * NUL needed) and check it against ca-profile(5), including the rules
 * that span members (IEC 62443 levels, targets).  The kind is not checked
 * against the caller's purpose: a caller that needs one kind (ca-init a
 * root) MUST compare p->kind itself.  Caller frees with ca_profile_free.
 * CA_ERR_JSON for malformed JSON or a duplicate member, CA_ERR_VERSION for
 * a version other than CA_PROFILE_VERSION, CA_ERR_PROFILE for a missing,
 * unknown, misplaced or invalid member, CA_ERR_NOMEM.  The reason in eb
 * reads "line L, column C: reason", placed at the offending member's key
 * (or array element); lines and columns count from 1, columns in
 * characters.
 */
int ca_profile_parse(const char *buf, size_t len, struct ca_profile **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_profile_parse_named: as ca_profile_parse, with the reason in the
 * form "NAME:L:C: reason", for callers that read the file themselves (to
 * hash it into a record, say).  name is used only in messages.
 */
int ca_profile_parse_named(const char *buf, size_t len, const char *name,
    struct ca_profile **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_profile_load: ca_profile_parse_named of the file at path (at most
 * 1 MiB, symbolic links not followed) named path; also CA_ERR_IO,
 * CA_ERR_NOT_FOUND, CA_ERR_PERMISSION.
 */
int ca_profile_load(const char *path, struct ca_profile **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_profile_free: accepts NULL. */
void ca_profile_free(struct ca_profile *p);

/*
 * ca_profile_kind_name: the "kind" string of kind ("root", "sub",
 * "cross", "log-signer", "device"), or "unknown"; never NULL.
 */
const char *ca_profile_kind_name(enum ca_profile_kind kind);

#endif
