#include "profile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "jsonloc.h"
#include "netaddr.h"

struct pctx {
	struct ca_jsrc src;	/* the text, its file name, where errors go */
	enum ca_profile_kind kind;
};

static int perr(const struct pctx *, const struct ca_jloc *, const char *,
    ...) __attribute__((format(printf, 3, 4)));
static void sub_loc(struct ca_jloc *, const struct ca_jloc *, const char *);

/* Set the reason, placed at at; returns CA_ERR_PROFILE. */
static int
perr(const struct pctx *c, const struct ca_jloc *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ca_jloc_verr(&c->src, at, fmt, ap);
	va_end(ap);
	return CA_ERR_PROFILE;
}

/* String lists. */

static void
strlist_free(struct ca_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
strlist_has(const struct ca_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static int
strlist_add(struct ca_strlist *l, const char *s)
{
	char **v, *d;

	if ((d = strdup(s)) == NULL)
		return CA_ERR_NOMEM;
	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL) {
		free(d);
		return CA_ERR_NOMEM;
	}
	v[l->n++] = d;
	l->v = v;
	return 0;
}

static void
name_set_free(struct ca_name_set *ns)
{
	strlist_free(&ns->dns);
	strlist_free(&ns->ip);
	strlist_free(&ns->email);
	strlist_free(&ns->uri);
	strlist_free(&ns->dirname);
}

static size_t
name_set_count(const struct ca_name_set *ns)
{
	return ns->dns.n + ns->ip.n + ns->email.n + ns->uri.n +
	    ns->dirname.n;
}

/* Syntax checks: 1 when s is acceptable, else 0 with the reason in why. */
typedef int (*check_fn)(const char *s, struct ca_errbuf *why);

static int
is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Dotted decimal, strictly: X.660 arcs, the first 0 to 2 and the second
 * under 40 below 0 and 1 (X.690 8.19.4 packs the two into one number), at
 * least two arcs, no empty arcs and no leading zeros, so that one OID has
 * one spelling and comparisons by string are sound.
 */
static int
check_oid(const char *s, struct ca_errbuf *why)
{
	const char *p = s;
	unsigned long first = 0, v;
	size_t arcs = 0, nd;

	if (strlen(s) > 128) {
		ca_errf(why, "longer than 128 characters");
		return 0;
	}
	for (;;) {
		if (!is_digit((unsigned char)*p))
			goto bad;
		if (*p == '0' && is_digit((unsigned char)p[1]))
			goto bad;
		for (v = 0, nd = 0; is_digit((unsigned char)*p); p++, nd++)
			if (nd < 3)
				v = v * 10 + (unsigned long)(*p - '0');
		if (arcs == 0) {
			if (nd > 1 || v > 2) {
				ca_errf(why, "the first arc must be 0, 1 or 2");
				return 0;
			}
			first = v;
		} else if (arcs == 1 && first < 2 && (nd > 2 || v >= 40)) {
			ca_errf(why, "the second arc must be under 40 when "
			    "the first is 0 or 1");
			return 0;
		}
		arcs++;
		if (*p == '\0')
			break;
		if (*p++ != '.')
			goto bad;
	}
	if (arcs < 2)
		goto bad;
	return 1;
bad:
	ca_errf(why, "not a dotted-decimal OID such as "
	    "\"1.3.6.1.4.1.55555.1\"");
	return 0;
}

/*
 * A host name or, with allow_dot, a domain written ".example": the form
 * RFC 5280 4.2.1.10 gives dNSName, rfc822Name and URI constraints.  ASCII
 * only: internationalised names go in as A-labels ("xn--...").
 */
static int
check_host(const char *s, int allow_dot, struct ca_errbuf *why)
{
	size_t label = 0, total;
	const char *p;
	int prev = '.';

	if (allow_dot && *s == '.')
		s++;
	total = strlen(s);
	if (total == 0 || total > 253) {
		ca_errf(why, "a host name has 1 to 253 characters");
		return 0;
	}
	for (p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || prev == '-') {
				ca_errf(why, "empty label or label ending in "
				    "\"-\"");
				return 0;
			}
			if (*p == '\0')
				return 1;
			label = 0;
		} else if (is_alpha((unsigned char)*p) ||
		    is_digit((unsigned char)*p) || (*p == '-' && label > 0)) {
			/* RFC 1035 2.3.4 */
			if (++label > 63) {
				ca_errf(why, "a label has at most 63 "
				    "characters");
				return 0;
			}
		} else {
			ca_errf(why, "host names hold only letters, digits, "
			    "\"-\" and \".\"");
			return 0;
		}
		prev = (unsigned char)*p;
	}
}

static int
check_dns(const char *s, struct ca_errbuf *why)
{
	return check_host(s, 1, why);
}

/* RFC 5280 4.2.1.10: a mailbox, a host, or a domain (".example"). */
static int
check_email(const char *s, struct ca_errbuf *why)
{
	const char *at, *p;

	if ((at = strrchr(s, '@')) == NULL)
		return check_host(s, 1, why);
	if (at == s || at - s > 64) {
		ca_errf(why, "a mailbox has a local part of 1 to 64 "
		    "characters");
		return 0;
	}
	/* RFC 5322 3.2.3 atext and ".", unquoted. */
	for (p = s; p < at; p++) {
		if (!is_alpha((unsigned char)*p) &&
		    !is_digit((unsigned char)*p) &&
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) == NULL) {
			ca_errf(why, "the local part holds a character a "
			    "mailbox cannot");
			return 0;
		}
	}
	return check_host(at + 1, 0, why);
}

static int
check_cidr(const char *s, struct ca_errbuf *why)
{
	unsigned char a[32];
	size_t n;

	if (ca_cidr_parse(s, a, &n) != 0) {
		ca_errf(why, "not an address range such as \"10.20.0.0/16\" "
		    "or \"fd00:1::/48\" with the host bits zero");
		return 0;
	}
	return 1;
}

static int
check_dirname(const char *s, struct ca_errbuf *why)
{
	X509_NAME *dn = NULL;

	if (*s == '\0') {
		ca_errf(why, "empty name");
		return 0;
	}
	if (ca_dn_parse(s, &dn, why) != 0)
		return 0;
	X509_NAME_free(dn);
	return 1;
}

/*
 * RFC 3986 3.1: a scheme, ":", then only the characters a URI may hold,
 * so a space, a control character or a raw non-ASCII byte (which
 * IA5String cannot carry) is caught here and not by a relying party.
 */
static int
check_uri(const char *s, struct ca_errbuf *why)
{
	const char *p = s;

	if (strlen(s) > 2048) {
		ca_errf(why, "longer than 2048 characters");
		return 0;
	}
	if (!is_alpha((unsigned char)*p))
		goto noscheme;
	while (is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
	    *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p++ != ':')
		goto noscheme;
	if (*p == '\0') {
		ca_errf(why, "nothing follows the scheme");
		return 0;
	}
	for (; *p != '\0'; p++) {
		if (*p == '%') {
			if (ca_hex_digit((unsigned char)p[1]) < 0 ||
			    ca_hex_digit((unsigned char)p[2]) < 0) {
				ca_errf(why, "\"%%\" must begin a "
				    "percent-encoding such as \"%%20\"");
				return 0;
			}
			continue;
		}
		if (!is_alpha((unsigned char)*p) &&
		    !is_digit((unsigned char)*p) &&
		    strchr("-._~:/?#[]@!$&'()*+,;=", *p) == NULL) {
			ca_errf(why, "a URI cannot hold a space, a control "
			    "or non-ASCII character, or any of "
			    "\"<>\\\"^`{|}\" unencoded");
			return 0;
		}
	}
	return 1;
noscheme:
	ca_errf(why, "not a URI: it must begin with a scheme such as "
	    "\"http:\" or \"file:\"");
	return 0;
}

/*
 * An array of strings into l: each passing check (if any), none twice.
 * what names the member in messages.
 */
static int
get_strlist(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    const char *what, int nonempty, check_fn check, struct ca_strlist *l)
{
	struct ca_errbuf why;
	struct ca_jloc el;
	const char *s;
	json_t *e;
	size_t i;
	int r;

	if (!json_is_array(v))
		return perr(c, at, "\"%s\" must be an array of strings", what);
	if (nonempty && json_array_size(v) == 0)
		return perr(c, at, "\"%s\" must not be empty (leave the "
		    "member out instead)", what);
	json_array_foreach(v, i, e) {
		el.up = at;
		el.key = NULL;
		el.idx = i;
		if ((s = json_string_value(e)) == NULL)
			return perr(c, &el, "\"%s\" must hold only strings",
			    what);
		why.msg[0] = '\0';
		if (check != NULL && !check(s, &why))
			return perr(c, &el, "\"%.100s\" in \"%s\": %s", s, what,
			    why.msg);
		if (strlist_has(l, s))
			return perr(c, &el, "\"%.100s\" is listed twice in "
			    "\"%s\"", s, what);
		if ((r = strlist_add(l, s)) != 0)
			return r;
	}
	return 0;
}

/* A string member: non-empty, at most max bytes, duplicated into *out. */
static int
get_string(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    size_t max, char **out)
{
	const char *s;

	if ((s = json_string_value(v)) == NULL || *s == '\0' ||
	    strlen(s) > max)
		return perr(c, at, "\"%s\" must be a string of 1 to %zu bytes",
		    at->key, max);
	free(*out);
	if ((*out = strdup(s)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

/* Name to value tables. */
struct name_val {
	const char *name;
	unsigned val;
};

static const struct name_val kind_names[] = {
	{ "root", CA_PROFILE_ROOT },
	{ "sub", CA_PROFILE_SUB },
	{ "cross", CA_PROFILE_CROSS },
	{ "log-signer", CA_PROFILE_LOG_SIGNER },
	{ "device", CA_PROFILE_DEVICE },
	{ NULL, 0 },
};

static const struct name_val ku_names[] = {
	{ "digitalSignature", CA_KU_DIGITAL_SIGNATURE },
	{ "keyCertSign", CA_KU_KEY_CERT_SIGN },
	{ "cRLSign", CA_KU_CRL_SIGN },
	{ "nonRepudiation", CA_KU_NON_REPUDIATION },
	{ "keyEncipherment", CA_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", CA_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", CA_KU_KEY_AGREEMENT },
	{ NULL, 0 },
};

static const struct name_val san_names[] = {
	{ "dns", CA_SAN_DNS },
	{ "ip", CA_SAN_IP },
	{ "uri", CA_SAN_URI },
	{ NULL, 0 },
};

static const struct name_val keyalg_names[] = {
	{ "p256", CA_KEYPOL_P256 },
	{ "p384", CA_KEYPOL_P384 },
	{ "rsa", CA_KEYPOL_RSA },
	{ NULL, 0 },
};

static const struct name_val target_names[] = {
	{ "openssl", CA_TARGET_OPENSSL },
	{ "gnutls", CA_TARGET_GNUTLS },
	{ "nss", CA_TARGET_NSS },
	{ "mbedtls", CA_TARGET_MBEDTLS },
	{ "wolfssl", CA_TARGET_WOLFSSL },
	{ "opcua", CA_TARGET_OPCUA },
	{ NULL, 0 },
};

/* RFC 5280 4.2.1.12 and 4.2.1.4. */
static const struct {
	const char *name;
	const char *oid;
} eku_names[] = {
	{ "serverAuth", "1.3.6.1.5.5.7.3.1" },
	{ "clientAuth", "1.3.6.1.5.5.7.3.2" },
	{ "codeSigning", "1.3.6.1.5.5.7.3.3" },
	{ "emailProtection", "1.3.6.1.5.5.7.3.4" },
	{ "timeStamping", "1.3.6.1.5.5.7.3.8" },
	{ "OCSPSigning", "1.3.6.1.5.5.7.3.9" },
	{ NULL, NULL },
};
#define OID_ANY_EKU "2.5.29.37.0"
#define OID_ANY_POLICY "2.5.29.32.0"

static int
lookup(const struct name_val *t, const char *s, unsigned *val)
{
	for (; t->name != NULL; t++) {
		if (strcmp(t->name, s) == 0) {
			*val = t->val;
			return 1;
		}
	}
	return 0;
}

/*
 * An array of names from t into *bits, none twice.  An unknown name is
 * refused with the list of known ones.
 */
static int
get_bits(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    const struct name_val *t, int nonempty, unsigned *bits)
{
	char known[256];
	const struct name_val *k;
	struct ca_jloc el;
	const char *s;
	unsigned bit;
	json_t *e;
	size_t i, n;

	known[0] = '\0';
	for (k = t, n = 0; k->name != NULL; k++, n++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known),
		    "%s\"%s\"", n ? ", " : "", k->name);
	if (!json_is_array(v))
		return perr(c, at, "\"%s\" must be an array of %s", at->key,
		    known);
	if (nonempty && json_array_size(v) == 0)
		return perr(c, at, "\"%s\" must not be empty", at->key);
	*bits = 0;
	json_array_foreach(v, i, e) {
		el.up = at;
		el.key = NULL;
		el.idx = i;
		if ((s = json_string_value(e)) == NULL)
			return perr(c, &el, "\"%s\" must hold only strings",
			    at->key);
		if (!lookup(t, s, &bit))
			return perr(c, &el, "\"%.64s\" in \"%s\" is none of "
			    "%s", s, at->key, known);
		if (*bits & bit)
			return perr(c, &el, "\"%s\" is listed twice in \"%s\"",
			    s, at->key);
		*bits |= bit;
	}
	return 0;
}

/* Each member's parser: v is the value of the member at at. */
typedef int (*member_fn)(const struct pctx *c, const struct ca_jloc *at,
    json_t *v, struct ca_profile *p);

static int
m_name(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	const char *s;

	/* It names the profile in records and file names: keep it plain. */
	if ((s = json_string_value(v)) == NULL || *s == '\0' ||
	    strlen(s) > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(s))
		return perr(c, at, "\"name\" must be 1 to 64 letters, digits, "
		    "\".\", \"_\" or \"-\"");
	if ((p->name = strdup(s)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

static int
m_subject(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_errbuf why;
	const char *s;

	if ((s = json_string_value(v)) == NULL || *s == '\0')
		return perr(c, at, "\"subject\" must be a non-empty RFC 4514 "
		    "string");
	why.msg[0] = '\0';
	if (!check_dirname(s, &why))
		return perr(c, at, "\"subject\" is not an RFC 4514 name: %s",
		    why.msg);
	if ((p->subject = strdup(s)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

static int
m_subject_from(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	const char *s;

	if ((s = json_string_value(v)) != NULL && strcmp(s, "csr") == 0)
		p->subject_from = CA_SUBJECT_FROM_CSR;
	else if (s != NULL && strcmp(s, "profile") == 0)
		p->subject_from = CA_SUBJECT_FROM_PROFILE;
	else
		return perr(c, at, "\"subject_from\" must be \"csr\" or "
		    "\"profile\"");
	return 0;
}

static int
m_validity(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	const char *s;

	if ((s = json_string_value(v)) == NULL ||
	    ca_duration_parse(s, &p->validity) != 0)
		return perr(c, at, "\"validity\" must be a duration such as "
		    "\"25y\" or \"20y6m\"");
	return 0;
}

static int
duration_member(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    const char *name, struct ca_duration *d)
{
	const char *s;

	if ((s = json_string_value(v)) == NULL || ca_duration_parse(s, d) != 0)
		return perr(c, at, "\"%s\" must be a duration such as \"12m\" "
		    "or \"30d\"", name);
	return 0;
}

static int
m_crl_next_update(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return duration_member(c, at, v, "crl_next_update",
	    &p->crl_next_update);
}

static int
m_crl_margin(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return duration_member(c, at, v, "crl_margin", &p->crl_margin);
}

static int
m_crl_idp(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	const char *s = json_string_value(v);

	if (s == NULL || (strcmp(s, "full") != 0 && strcmp(s, "scope") != 0 &&
	    strcmp(s, "none") != 0))
		return perr(c, at, "\"crl_idp\" must be \"full\", \"scope\" "
		    "or \"none\"");
	snprintf(p->crl_idp, sizeof(p->crl_idp), "%s", s);
	return 0;
}

static int
m_truncate(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	if (!json_is_boolean(v))
		return perr(c, at, "\"truncate_validity\" must be true or "
		    "false");
	p->truncate_validity = json_is_true(v);
	return 0;
}

static int
m_key_backup(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	if (!json_is_boolean(v))
		return perr(c, at, "\"key_backup\" must be true or false");
	p->key_backup = json_is_true(v);
	return 0;
}

static int
m_path_len(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	if (json_is_null(v)) {
		p->path_len = -1;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 16)
		return perr(c, at, "\"path_len\" must be null or an integer "
		    "from 0 to 16");
	p->path_len = (int)json_integer_value(v);
	return 0;
}

static int
m_key_usage(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	const unsigned ca = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	int r;

	if ((r = get_bits(c, at, v, ku_names, 0, &p->key_usage)) != 0)
		return r;
	if (c->kind == CA_PROFILE_DEVICE) {
		/* BR 7.1.2.7.11: a subscriber key signs no certificates. */
		if (p->key_usage & ca)
			return perr(c, at, "\"key_usage\" of a device must not "
			    "include keyCertSign or cRLSign");
		/* TLS 1.3 and OPC UA both sign with the device key. */
		if (!(p->key_usage & CA_KU_DIGITAL_SIGNATURE))
			return perr(c, at, "\"key_usage\" of a device must "
			    "include digitalSignature");
	} else if (p->key_usage & ~(CA_KU_DIGITAL_SIGNATURE | ca)) {
		return perr(c, at, "\"key_usage\" of a %s profile may hold "
		    "only digitalSignature, keyCertSign and cRLSign",
		    ca_profile_kind_name(c->kind));
	} else if (c->kind == CA_PROFILE_LOG_SIGNER) {
		/* It signs log records, nothing else. */
		if (p->key_usage != CA_KU_DIGITAL_SIGNATURE)
			return perr(c, at, "\"key_usage\" of a log signer "
			    "must be exactly [\"digitalSignature\"]");
	} else if ((p->key_usage & ca) != ca) {
		/* BR 7.1.2.1.2, 7.1.2.10.7: a CA signs certificates and
		 * CRLs. */
		return perr(c, at, "\"key_usage\" of a CA must include "
		    "keyCertSign and cRLSign");
	}
	return 0;
}

static int
m_eku(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_errbuf why;
	struct ca_jloc el;
	const char *s, *oid;
	json_t *e;
	size_t i, k;
	int r;

	if (!json_is_array(v))
		return perr(c, at, "\"extended_key_usage\" must be an array "
		    "of names or OIDs");
	/* RFC 5280 4.2.1.12: KeyPurposeId SIZE (1..MAX). */
	if (json_array_size(v) == 0)
		return perr(c, at, "\"extended_key_usage\" must not be empty "
		    "(leave the member out instead)");
	json_array_foreach(v, i, e) {
		el.up = at;
		el.key = NULL;
		el.idx = i;
		if ((s = json_string_value(e)) == NULL)
			return perr(c, &el, "\"extended_key_usage\" must hold "
			    "only strings");
		oid = NULL;
		for (k = 0; eku_names[k].name != NULL; k++)
			if (strcmp(eku_names[k].name, s) == 0)
				oid = eku_names[k].oid;
		why.msg[0] = '\0';
		if (oid == NULL && !check_oid(s, &why))
			return perr(c, &el, "\"%.64s\" in \"extended_key_usage"
			    "\" is not a known name (serverAuth, clientAuth, "
			    "codeSigning, emailProtection, timeStamping, "
			    "OCSPSigning) nor an OID: %s", s, why.msg);
		if (oid == NULL)
			oid = s;
		/* BR 7.1.2.10.6 and 7.1.2.7.10: never anyExtendedKeyUsage. */
		if (strcmp(oid, OID_ANY_EKU) == 0)
			return perr(c, &el, "anyExtendedKeyUsage is not "
			    "allowed");
		if (strlist_has(&p->eku, oid))
			return perr(c, &el, "\"%.64s\" is listed twice in "
			    "\"extended_key_usage\"", s);
		if ((r = strlist_add(&p->eku, oid)) != 0)
			return r;
	}
	return 0;
}

static int
policy_has(const struct ca_profile *p, const char *oid)
{
	size_t i;

	for (i = 0; i < p->npolicies; i++)
		if (strcmp(p->policies[i].oid, oid) == 0)
			return 1;
	return 0;
}

static int
policy_add(struct ca_profile *p, const char *oid, const char *cps)
{
	struct ca_policy *v, n = { NULL, NULL };

	if ((n.oid = strdup(oid)) == NULL ||
	    (cps != NULL && (n.cps = strdup(cps)) == NULL))
		goto nomem;
	if ((v = reallocarray(p->policies, p->npolicies + 1,
	    sizeof(*v))) == NULL)
		goto nomem;
	v[p->npolicies++] = n;
	p->policies = v;
	return 0;
nomem:
	free(n.oid);
	free(n.cps);
	return CA_ERR_NOMEM;
}

static int
m_policies(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_errbuf why;
	struct ca_jloc el, ml;
	const char *key, *oid, *cps;
	json_t *e, *mv;
	size_t i;
	int r;

	if (!json_is_array(v))
		return perr(c, at, "\"policies\" must be an array of objects");
	/* RFC 5280 4.2.1.4: PolicyInformation SIZE (1..MAX). */
	if (json_array_size(v) == 0)
		return perr(c, at, "\"policies\" must not be empty (leave the "
		    "member out instead)");
	json_array_foreach(v, i, e) {
		el.up = at;
		el.key = NULL;
		el.idx = i;
		if (!json_is_object(e))
			return perr(c, &el, "each entry of \"policies\" must "
			    "be an object with \"oid\" and, optionally, "
			    "\"cps\"");
		oid = cps = NULL;
		json_object_foreach(e, key, mv) {
			ml.up = &el;
			ml.key = key;
			ml.idx = 0;
			if (strcmp(key, "oid") == 0) {
				if ((oid = json_string_value(mv)) == NULL)
					return perr(c, &ml, "\"oid\" must be "
					    "a string");
				if (strcmp(oid, "anyPolicy") == 0)
					oid = OID_ANY_POLICY;
				why.msg[0] = '\0';
				if (!check_oid(oid, &why))
					return perr(c, &ml, "policy \"%.64s\": "
					    "%s", oid, why.msg);
				if (policy_has(p, oid))
					return perr(c, &ml, "policy \"%.64s\" "
					    "is listed twice", oid);
			} else if (strcmp(key, "cps") == 0) {
				if ((cps = json_string_value(mv)) == NULL)
					return perr(c, &ml, "\"cps\" must be "
					    "a URI string");
				why.msg[0] = '\0';
				if (!check_uri(cps, &why))
					return perr(c, &ml, "\"cps\" "
					    "\"%.100s\": %s", cps, why.msg);
			} else {
				return perr(c, &ml, "unknown member \"%.64s\" "
				    "in a policy", key);
			}
		}
		if (oid == NULL)
			return perr(c, &el, "a policy needs \"oid\"");
		if ((r = policy_add(p, oid, cps)) != 0)
			return r;
	}
	return 0;
}

/* One side of nameConstraints: permitted or excluded. */
static int
get_name_set(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_name_set *ns)
{
	static const struct {
		const char *name;
		size_t off;
		check_fn check;
	} types[] = {
		{ "dns", offsetof(struct ca_name_set, dns), check_dns },
		{ "ip", offsetof(struct ca_name_set, ip), check_cidr },
		{ "email", offsetof(struct ca_name_set, email), check_email },
		{ "uri", offsetof(struct ca_name_set, uri), check_dns },
		{ "dirname", offsetof(struct ca_name_set, dirname),
		    check_dirname },
	};
	struct ca_strlist *l;
	struct ca_jloc ml;
	const char *key;
	json_t *mv;
	size_t k;
	int r;

	if (!json_is_object(v))
		return perr(c, at, "\"%s\" must be an object with \"dns\", "
		    "\"ip\", \"email\", \"uri\" and \"dirname\" arrays",
		    at->key);
	json_object_foreach(v, key, mv) {
		ml.up = at;
		ml.key = key;
		ml.idx = 0;
		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (strcmp(types[k].name, key) == 0)
				break;
		if (k == sizeof(types) / sizeof(types[0]))
			return perr(c, &ml, "unknown member \"%.64s\" in "
			    "\"%s\"", key, at->key);
		l = (struct ca_strlist *)(void *)((char *)ns + types[k].off);
		if ((r = get_strlist(c, &ml, mv, key, 0, types[k].check,
		    l)) != 0)
			return r;
	}
	return 0;
}

static int
m_name_constraints(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_jloc ml;
	const char *key;
	json_t *mv;
	int r;

	if (!json_is_object(v))
		return perr(c, at, "\"name_constraints\" must be an object");
	json_object_foreach(v, key, mv) {
		ml.up = at;
		ml.key = key;
		ml.idx = 0;
		if (strcmp(key, "critical") == 0) {
			if (!json_is_boolean(mv))
				return perr(c, &ml, "\"critical\" must be "
				    "true or false");
			p->name_constraints_critical = json_is_true(mv);
		} else if (strcmp(key, "permitted") == 0) {
			if ((r = get_name_set(c, &ml, mv, &p->permitted)) != 0)
				return r;
		} else if (strcmp(key, "excluded") == 0) {
			if ((r = get_name_set(c, &ml, mv, &p->excluded)) != 0)
				return r;
		} else {
			return perr(c, &ml, "unknown member \"%.64s\" in "
			    "\"name_constraints\"", key);
		}
	}
	/* RFC 5280 4.2.1.10: never an empty sequence. */
	if (name_set_count(&p->permitted) + name_set_count(&p->excluded) == 0)
		return perr(c, at, "\"name_constraints\" must permit or "
		    "exclude at least one name");
	p->has_name_constraints = 1;
	return 0;
}

static int
m_crl_dp(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return get_strlist(c, at, v, at->key, 1, check_uri, &p->crl_dp);
}

static int
m_aia(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return get_strlist(c, at, v, at->key, 1, check_uri,
	    &p->aia_ca_issuers);
}

static int
m_iec62443(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_errbuf why;
	struct ca_jloc ml, sl = { NULL, NULL, 0 };
	const char *key, *s;
	json_t *mv;
	int r;

	if (!json_is_object(v) || json_object_size(v) == 0)
		return perr(c, at, "\"iec62443\" must be an object with "
		    "\"zone\", \"security_level\" and \"policy_oid\"");
	json_object_foreach(v, key, mv) {
		ml.up = at;
		ml.key = key;
		ml.idx = 0;
		if (strcmp(key, "zone") == 0) {
			if ((r = get_string(c, &ml, mv, 128, &p->zone)) != 0)
				return r;
		} else if (strcmp(key, "security_level") == 0) {
			sl = ml;
			if (!json_is_integer(mv) ||
			    json_integer_value(mv) < 1 ||
			    json_integer_value(mv) > 4)
				return perr(c, &ml, "\"security_level\" must "
				    "be an integer from 1 to 4");
			p->security_level = (int)json_integer_value(mv);
		} else if (strcmp(key, "policy_oid") == 0) {
			why.msg[0] = '\0';
			if ((s = json_string_value(mv)) == NULL ||
			    !check_oid(s, &why))
				return perr(c, &ml, "\"policy_oid\" must be a "
				    "dotted-decimal OID%s%s",
				    why.msg[0] ? ": " : "", why.msg);
			if ((p->zone_policy_oid = strdup(s)) == NULL)
				return CA_ERR_NOMEM;
		} else {
			return perr(c, &ml, "unknown member \"%.64s\" in "
			    "\"iec62443\"", key);
		}
	}
	/*
	 * A level is a claim about a zone, and a relying party can only see
	 * it through a policy OID.
	 */
	if (p->security_level != 0 &&
	    (p->zone == NULL || p->zone_policy_oid == NULL))
		return perr(c, &sl, "\"security_level\" needs \"zone\" and "
		    "\"policy_oid\"");
	return 0;
}

static int
m_key_algorithms(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return get_bits(c, at, v, keyalg_names, 1, &p->key_algorithms);
}

static int
m_rsa_min_bits(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	int floor = c->kind == CA_PROFILE_DEVICE ? CA_RSA_MIN_BITS_DEVICE :
	    CA_RSA_MIN_BITS;

	/* The floor is the toolkit's; a profile may only raise it. */
	if (!json_is_integer(v) || json_integer_value(v) < floor ||
	    json_integer_value(v) > 16384)
		return perr(c, at, "\"rsa_min_bits\" must be an integer from "
		    "%d to 16384", floor);
	p->rsa_min_bits = (int)json_integer_value(v);
	return 0;
}

/* "subject_alt_name": { "allow": [...], "require": [...] } */
static int
m_san(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	struct ca_jloc l;
	const char *key;
	json_t *e;
	int r;

	if (!json_is_object(v))
		return perr(c, at, "\"subject_alt_name\" must be an object "
		    "with \"allow\" and optionally \"require\"");
	json_object_foreach(v, key, e) {
		sub_loc(&l, at, key);
		if (strcmp(key, "allow") == 0)
			r = get_bits(c, &l, e, san_names, 1, &p->san_allow);
		else if (strcmp(key, "require") == 0)
			r = get_bits(c, &l, e, san_names, 0, &p->san_require);
		else
			r = perr(c, &l, "unknown member \"%.64s\" in "
			    "\"subject_alt_name\"", key);
		if (r != 0)
			return r;
	}
	if (json_object_get(v, "allow") == NULL)
		return perr(c, at, "\"subject_alt_name\" needs \"allow\"");
	if (p->san_require & ~p->san_allow) {
		sub_loc(&l, at, "require");
		return perr(c, &l, "\"require\" names a type that \"allow\" "
		    "does not");
	}
	return 0;
}

static int
m_targets(const struct pctx *c, const struct ca_jloc *at, json_t *v,
    struct ca_profile *p)
{
	return get_bits(c, at, v, target_names, 0, &p->targets);
}

/* Which kinds allow each member. */
#define K_ROOT (1u << CA_PROFILE_ROOT)
#define K_SUB (1u << CA_PROFILE_SUB)
#define K_CROSS (1u << CA_PROFILE_CROSS)
#define K_LOG (1u << CA_PROFILE_LOG_SIGNER)
#define K_DEV (1u << CA_PROFILE_DEVICE)
#define K_ALL (K_ROOT | K_SUB | K_CROSS | K_LOG | K_DEV)
#define K_CA (K_ROOT | K_SUB | K_CROSS)
#define K_ISSUED (K_SUB | K_CROSS)

static const struct member {
	const char *name;
	unsigned kinds;
	member_fn parse;	/* NULL: read before the others */
} members[] = {
	{ "format", K_ALL, NULL },
	{ "version", K_ALL, NULL },
	{ "kind", K_ALL, NULL },
	{ "name", K_ALL, m_name },
	/* A cross-certificate copies the other root's subject. */
	{ "subject", K_ROOT | K_SUB, m_subject },
	{ "subject_from", K_SUB, m_subject_from },
	{ "validity", K_ALL, m_validity },
	/* A root has no issuer to outlast. */
	{ "truncate_validity", K_ISSUED | K_DEV, m_truncate },
	{ "path_len", K_CA, m_path_len },
	{ "key_usage", K_ALL, m_key_usage },
	/* BR 7.1.2.1.2: none of the next six in a root certificate. */
	{ "extended_key_usage", K_ISSUED | K_DEV, m_eku },
	{ "policies", K_ISSUED | K_DEV, m_policies },
	{ "name_constraints", K_ISSUED, m_name_constraints },
	{ "crl_distribution_points", K_ISSUED | K_DEV, m_crl_dp },
	{ "aia_ca_issuers", K_ISSUED | K_DEV, m_aia },
	{ "iec62443", K_ISSUED, m_iec62443 },
	{ "key_algorithms", K_CA | K_DEV, m_key_algorithms },
	{ "rsa_min_bits", K_CA | K_DEV, m_rsa_min_bits },
	{ "targets", K_CA, m_targets },
	/* Which names a device certificate takes from its request. */
	{ "subject_alt_name", K_DEV, m_san },
	/* How long a root's CRLs last, and how early to renew them. */
	{ "crl_next_update", K_ROOT, m_crl_next_update },
	{ "crl_margin", K_ROOT, m_crl_margin },
	{ "crl_idp", K_ROOT, m_crl_idp },
	/* Whether the keys may leave the token, wrapped (keywrap.h). */
	{ "key_backup", K_ROOT, m_key_backup },
};

/*
 * This toolkit's minimums for each IEC 62443 security level (62443-3-3
 * SR 1.9 and 62443-4-2 CR 1.9 ask for strength fit to the level without
 * fixing numbers; these are ours, listed in ca-profile(5)).  A profile
 * may be stricter, never laxer.
 */
static const struct sl_rule {
	int level;
	unsigned key_algorithms;	/* CA_KEYPOL_* a key may be */
	int rsa_min_bits;		/* floor when RSA is allowed */
	int max_years;			/* longest validity */
	int nc_required;		/* a permitted subtree is needed */
	int nc_critical;		/* nameConstraints must be critical */
} sl_rules[] = {
	/* SL1, casual violation: the toolkit floor, 20 years. */
	{ 1, CA_KEYPOL_ALL, CA_RSA_MIN_BITS, 20, 0, 0 },
	/* SL2, simple means: as SL1, 15 years. */
	{ 2, CA_KEYPOL_ALL, CA_RSA_MIN_BITS, 15, 0, 0 },
	/*
	 * SL3, sophisticated means: about 192-bit strength for ECC, 10
	 * years, and the CA confined to its zone's names.
	 */
	{ 3, CA_KEYPOL_P384 | CA_KEYPOL_RSA, CA_RSA_MIN_BITS, 10, 1, 0 },
	/*
	 * SL4, extended resources: RSA 4096 as well, 8 years, and the
	 * confinement critical so no relying party may ignore it.
	 */
	{ 4, CA_KEYPOL_P384 | CA_KEYPOL_RSA, 4096, 8, 1, 1 },
};

/*
 * Whether d can outlast years years from some start date.  Days left
 * over beyond whole months are weighed against the shortest the remaining
 * months can be: 365 days a year and 28 a month, so that no start date
 * (leap years, month ends) slips a longer certificate through.
 */
static int
outlasts(const struct ca_duration *d, int years)
{
	long months = d->years * 12L + d->months, cap = years * 12L, rest;

	if (months > cap)
		return 1;
	rest = cap - months;
	return d->days > rest / 12 * 365 + rest % 12 * 28;
}

static void
sub_loc(struct ca_jloc *l, const struct ca_jloc *up, const char *key)
{
	l->up = up;
	l->key = key;
	l->idx = 0;
}

/* The rules that span members, after each has been read. */
static int
check_whole(const struct pctx *c, json_t *root, struct ca_profile *p)
{
	struct ca_jloc top = { NULL, NULL, 0 }, l1, l2, lsl, lnc;
	const struct sl_rule *rule = NULL;
	json_t *nc = json_object_get(root, "name_constraints");
	const char *kname = ca_profile_kind_name(p->kind);
	size_t i;
	int r;

	if (p->kind != CA_PROFILE_ROOT &&
	    json_object_get(root, "validity") == NULL)
		return perr(c, &top, "a %s profile needs \"validity\"", kname);
	if (p->kind == CA_PROFILE_SUB) {
		sub_loc(&l1, &top, "subject_from");
		sub_loc(&l2, &top, "subject");
		if (p->subject_from == CA_SUBJECT_FROM_PROFILE &&
		    p->subject == NULL)
			return perr(c, &l1, "\"subject_from\": \"profile\" "
			    "needs \"subject\"");
		/* Refused rather than ignored, as a misspelling would be. */
		if (p->subject_from == CA_SUBJECT_FROM_CSR &&
		    p->subject != NULL)
			return perr(c, &l2, "\"subject\" is used only with "
			    "\"subject_from\": \"profile\"");
	}
	if (p->kind == CA_PROFILE_DEVICE) {
		/* BR 7.1.2.7.10: a subscriber certificate names its use. */
		if (p->eku.n == 0)
			return perr(c, &top, "a device profile needs "
			    "\"extended_key_usage\" (serverAuth, clientAuth, "
			    "or both for a conduit's mTLS and OPC UA)");
		if (json_object_get(root, "subject_alt_name") == NULL)
			return perr(c, &top, "a device profile needs "
			    "\"subject_alt_name\": the name types taken from "
			    "requests");
	}
	if (p->zone_policy_oid != NULL &&
	    !policy_has(p, p->zone_policy_oid) &&
	    (r = policy_add(p, p->zone_policy_oid, NULL)) != 0)
		return r;

	sub_loc(&lnc, &top, "name_constraints");
	sub_loc(&l1, &lnc, "critical");
	if (p->security_level != 0) {
		sub_loc(&l2, &top, "iec62443");
		sub_loc(&lsl, &l2, "security_level");
		for (i = 0; i < sizeof(sl_rules) / sizeof(sl_rules[0]); i++)
			if (sl_rules[i].level == p->security_level)
				rule = &sl_rules[i];
		if (rule == NULL)
			return CA_ERR_INTERNAL;
		if (p->key_algorithms & ~rule->key_algorithms) {
			sub_loc(&l2, &top, "key_algorithms");
			return perr(c, json_object_get(root,
			    "key_algorithms") ? &l2 : &lsl, "security level "
			    "%d allows only P-384 and RSA keys: \"key_"
			    "algorithms\" must not hold \"p256\"%s",
			    rule->level, json_object_get(root,
			    "key_algorithms") ? "" : " (it defaults to all)");
		}
		if ((p->key_algorithms & CA_KEYPOL_RSA) &&
		    p->rsa_min_bits < rule->rsa_min_bits) {
			sub_loc(&l2, &top, "rsa_min_bits");
			return perr(c, json_object_get(root,
			    "rsa_min_bits") ? &l2 : &lsl, "security level %d "
			    "needs \"rsa_min_bits\" of at least %d while "
			    "\"key_algorithms\" allows RSA", rule->level,
			    rule->rsa_min_bits);
		}
		if (outlasts(&p->validity, rule->max_years)) {
			sub_loc(&l2, &top, "validity");
			return perr(c, &l2, "security level %d allows a "
			    "\"validity\" of at most %dy", rule->level,
			    rule->max_years);
		}
		if (rule->nc_required &&
		    name_set_count(&p->permitted) == 0) {
			sub_loc(&l2, &lnc, "permitted");
			return perr(c, nc == NULL ? &lsl :
			    json_object_get(nc, "permitted") ? &l2 : &lnc,
			    "security level %d needs \"name_constraints\" "
			    "with at least one permitted name", rule->level);
		}
		if (rule->nc_critical && (p->targets & CA_TARGET_MBEDTLS)) {
			sub_loc(&l2, &top, "targets");
			return perr(c, &l2, "security level %d needs critical "
			    "name constraints, and mbed TLS refuses to load "
			    "a certificate with a critical nameConstraints "
			    "extension: drop \"mbedtls\" from \"targets\" or "
			    "lower the level", rule->level);
		}
		if (rule->nc_critical && !p->name_constraints_critical)
			return perr(c, &l1, "security level %d needs "
			    "\"critical\": true", rule->level);
	}
	if (p->has_name_constraints) {
		/*
		 * mbed TLS cannot parse nameConstraints and refuses a
		 * certificate that marks one critical; RFC 5280 4.2.1.10
		 * otherwise says MUST be critical.  So non-critical is
		 * right exactly when mbed TLS is a target.
		 */
		if (p->name_constraints_critical &&
		    (p->targets & CA_TARGET_MBEDTLS))
			return perr(c, json_object_get(nc, "critical") ?
			    &l1 : &lnc, "mbed TLS refuses to load a "
			    "certificate with critical name constraints: set "
			    "\"critical\": false, or drop \"mbedtls\" from "
			    "\"targets\"");
		if (!p->name_constraints_critical &&
		    !(p->targets & CA_TARGET_MBEDTLS))
			return perr(c, &l1, "RFC 5280 requires critical name "
			    "constraints; \"critical\": false is for "
			    "\"targets\" that include \"mbedtls\"");
	}
	return 0;
}

static int
parse_profile(const char *buf, size_t len, const char *file,
    struct ca_profile **out, struct ca_errbuf *eb)
{
	struct pctx c;
	struct ca_profile *p = NULL;
	struct ca_jloc top = { NULL, NULL, 0 }, ml;
	json_error_t je;
	json_t *root = NULL, *v;
	const struct member *m;
	const char *key, *s;
	unsigned kind;
	size_t i;
	int r = CA_ERR_INTERNAL;

	*out = NULL;
	c.src.buf = buf;
	c.src.len = len;
	c.src.file = file;
	c.src.eb = eb;
	c.kind = 0;
	/*
	 * Not ca_json_parse_loose: its message has no room for the file
	 * name, and a profile needs neither floats nor its canon check.
	 */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &je);
	if (root == NULL) {
		ca_jloc_err_pos(&c.src, je.line > 0 ? je.line : 1,
		    je.column > 0 ? je.column : 1, "%s", je.text);
		r = CA_ERR_JSON;
		goto out;
	}
	r = CA_ERR_PROFILE;
	if (!json_is_object(root)) {
		perr(&c, &top, "a profile is a json object");
		goto out;
	}
	if ((v = json_object_get(root, "format")) == NULL) {
		perr(&c, &top, "profile has no \"format\"");
		goto out;
	}
	sub_loc(&ml, &top, "format");
	if ((s = json_string_value(v)) == NULL ||
	    strcmp(s, "ca-profile") != 0) {
		perr(&c, &ml, "\"format\" must be \"ca-profile\"");
		goto out;
	}
	if ((v = json_object_get(root, "version")) == NULL) {
		perr(&c, &top, "profile has no \"version\"");
		goto out;
	}
	sub_loc(&ml, &top, "version");
	if (!json_is_integer(v) ||
	    json_integer_value(v) != CA_PROFILE_VERSION) {
		perr(&c, &ml, "profile version must be %d",
		    CA_PROFILE_VERSION);
		r = CA_ERR_VERSION;
		goto out;
	}
	if ((v = json_object_get(root, "kind")) == NULL) {
		perr(&c, &top, "profile has no \"kind\"");
		goto out;
	}
	sub_loc(&ml, &top, "kind");
	if ((s = json_string_value(v)) == NULL ||
	    !lookup(kind_names, s, &kind)) {
		perr(&c, &ml, "\"kind\" must be \"root\", \"sub\", \"cross\", "
		    "\"log-signer\" or \"device\"");
		goto out;
	}
	c.kind = (enum ca_profile_kind)kind;

	if ((r = ca_profile_default_root(&p)) != 0)
		goto out;
	p->kind = c.kind;
	if (p->kind == CA_PROFILE_SUB)
		p->subject_from = CA_SUBJECT_FROM_CSR;
	if (p->kind == CA_PROFILE_LOG_SIGNER)
		p->key_usage = CA_KU_DIGITAL_SIGNATURE;
	if (p->kind == CA_PROFILE_DEVICE) {
		p->subject_from = CA_SUBJECT_FROM_CSR;
		p->key_usage = CA_KU_DIGITAL_SIGNATURE;
		p->path_len = -1;
		p->rsa_min_bits = CA_RSA_MIN_BITS_DEVICE;
	}

	json_object_foreach(root, key, v) {
		sub_loc(&ml, &top, key);
		m = NULL;
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (strcmp(members[i].name, key) == 0)
				m = &members[i];
		if (m == NULL) {
			r = perr(&c, &ml, "unknown member \"%.64s\"", key);
			goto out;
		}
		if (!(m->kinds & (1u << c.kind))) {
			r = perr(&c, &ml, "member \"%s\" is not allowed in a "
			    "%s profile", key, ca_profile_kind_name(c.kind));
			goto out;
		}
		if (m->parse != NULL && (r = m->parse(&c, &ml, v, p)) != 0)
			goto out;
	}
	if ((r = check_whole(&c, root, p)) != 0)
		goto out;
	*out = p;
	p = NULL;
	r = 0;
out:
	json_decref(root);
	ca_profile_free(p);
	return r;
}

const char *
ca_profile_kind_name(enum ca_profile_kind kind)
{
	const struct name_val *t;

	for (t = kind_names; t->name != NULL; t++)
		if (t->val == (unsigned)kind)
			return t->name;
	return "unknown";
}

int
ca_profile_default_root(struct ca_profile **out)
{
	struct ca_profile *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CA_ERR_NOMEM;
	p->kind = CA_PROFILE_ROOT;
	p->validity.years = 25;
	p->path_len = -1;
	p->key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	p->name_constraints_critical = 1;
	p->key_algorithms = CA_KEYPOL_ALL;
	p->rsa_min_bits = CA_RSA_MIN_BITS;
	*out = p;
	return 0;
}

void
ca_profile_free(struct ca_profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->name);
	free(p->subject);
	strlist_free(&p->eku);
	for (i = 0; i < p->npolicies; i++) {
		free(p->policies[i].oid);
		free(p->policies[i].cps);
	}
	free(p->policies);
	name_set_free(&p->permitted);
	name_set_free(&p->excluded);
	strlist_free(&p->crl_dp);
	strlist_free(&p->aia_ca_issuers);
	free(p->zone);
	free(p->zone_policy_oid);
	free(p);
}

int
ca_profile_parse(const char *buf, size_t len, struct ca_profile **out,
    struct ca_errbuf *eb)
{
	return parse_profile(buf, len, NULL, out, eb);
}

int
ca_profile_parse_named(const char *buf, size_t len, const char *name,
    struct ca_profile **out, struct ca_errbuf *eb)
{
	return parse_profile(buf, len, name, out, eb);
}

int
ca_profile_load(const char *path, struct ca_profile **out,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	r = parse_profile((const char *)buf, len, path, out, eb);
	free(buf);
	return r;
}
