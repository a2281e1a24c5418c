/*
 * dn.h: distinguished names as RFC 4514 strings.
 */
#ifndef CA_DN_H
#define CA_DN_H

#include <openssl/x509.h>

#include "ca_err.h"

/*
 * ca_dn_parse: parse an RFC 4514 string such as "CN=Plant Root,O=Acme,C=DE"
 * (most significant RDN last, as RFC 4514 writes them) into a new
 * X509_NAME; caller frees with X509_NAME_free.  Attribute types are short
 * names OpenSSL knows (CN, O, OU, C, L, ST, DC, serialNumber, ...) or
 * dotted OIDs; "+" joins multi-valued RDNs; "\" escapes a special
 * character or two hex digits.  Values are UTF8String except where X.520
 * fixes the type (countryName is PrintableString).  Spaces around "," "+"
 * and "=" are ignored.  CA_ERR_DN with the reason in eb.
 */
int ca_dn_parse(const char *s, X509_NAME **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dn_format: name as an RFC 4514 string, UTF-8, in a new buffer;
 * caller frees with free().  CA_ERR_NOMEM, CA_ERR_CRYPTO.
 */
int ca_dn_format(const X509_NAME *name, char **out) CA_MUST_CHECK;

#endif
