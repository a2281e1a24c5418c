/*
 * uri.h: PKCS#11 URIs (RFC 7512).
 *
 * Tokens and keys are named by URI, never by slot number, because slot
 * numbers change between module initialisations.  Supported path
 * attributes: token, serial, manufacturer, model, object, id, type.
 * Supported query attributes: pin-source, module-path.  Anything else is
 * refused rather than ignored, so that a typing error in a ceremony cannot
 * quietly select a different token or key.
 */
#ifndef CA_URI_H
#define CA_URI_H

#include <stddef.h>

#include "ca_err.h"

#define CA_URI_ID_MAX 64

struct ca_uri {
	char *token;		/* each NULL when absent; NUL-terminated */
	char *serial;
	char *manufacturer;
	char *model;
	char *object;
	char *type;		/* "private", "public", "cert", ... */
	unsigned char id[CA_URI_ID_MAX];
	size_t id_len;
	int has_id;
	char *pin_source;
	char *module_path;
};

/*
 * ca_uri_parse: parse s into a new struct ca_uri (caller frees with
 * ca_uri_free).  CA_ERR_URI with a reason in eb for a missing "pkcs11:"
 * scheme, bad percent-encoding, a repeated or unknown attribute, a slot
 * attribute or pin-value; CA_ERR_NOMEM.
 */
int ca_uri_parse(const char *s, struct ca_uri **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* ca_uri_free: accepts NULL. */
void ca_uri_free(struct ca_uri *u);

/*
 * ca_uri_format: format the path attributes of u (token, serial,
 * manufacturer, model, object, id, type, in that order; absent ones
 * skipped) as a new "pkcs11:" string, percent-encoding every byte outside
 * RFC 3986's unreserved set.  Caller frees with free().  CA_ERR_NOMEM.
 */
int ca_uri_format(const struct ca_uri *u, char **out) CA_MUST_CHECK;

#endif
