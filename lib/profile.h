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

enum ca_profile_kind { CA_PROFILE_ROOT = 1 };

struct ca_profile {
	enum ca_profile_kind kind;
	char *subject;			/* RFC 4514, or NULL */
	struct ca_duration validity;
	int path_len;			/* -1: no pathLenConstraint */
	unsigned key_usage;		/* CA_KU_* */
};

/*
 * ca_profile_default_root: the built-in root profile: 25 years, no
 * pathLen, keyCertSign and cRLSign.  Caller frees with ca_profile_free.
 * CA_ERR_NOMEM.
 */
int ca_profile_default_root(struct ca_profile **out) CA_MUST_CHECK;

/*
 * ca_profile_parse: parse a profile from buf.  Caller frees with
 * ca_profile_free.  CA_ERR_JSON for malformed JSON, CA_ERR_VERSION for a
 * version other than CA_PROFILE_VERSION, CA_ERR_PROFILE (reason in eb)
 * for a missing, unknown or invalid field.
 */
int ca_profile_parse(const char *buf, size_t len, struct ca_profile **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_profile_load: ca_profile_parse of the file at path; also CA_ERR_IO,
 * CA_ERR_NOT_FOUND. */
int ca_profile_load(const char *path, struct ca_profile **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_profile_free: accepts NULL. */
void ca_profile_free(struct ca_profile *p);

#endif
