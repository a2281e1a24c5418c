/*
 * encode.h: lowercase hex, base64, SHA-256 and PEM reading helpers.
 */
#ifndef CA_ENCODE_H
#define CA_ENCODE_H

#include <stddef.h>

#include <openssl/bio.h>

#include "ca_err.h"

/*
 * ca_bio_take: the contents of memory BIO b as a new NUL-terminated
 * buffer (caller frees with free()), length in *len (may be NULL).
 * CA_ERR_NOMEM.
 */
int ca_bio_take(BIO *b, char **out, size_t *len) CA_MUST_CHECK;

/*
 * ca_pem_no_pass: a pem_password_cb that gives no pass phrase, so that a
 * PEM block with encryption headers is refused.  OpenSSL's default would
 * ask for one on the terminal: nothing read here is ever encrypted, and a
 * file brought to a ceremony must not stop it to ask.
 */
int ca_pem_no_pass(char *buf, int size, int rwflag, void *u);

/*
 * ca_hex_digit: the value of hex digit c (either case), or -1.  Inline,
 * and by hand rather than with <ctype.h>: the CRL writer calls it for
 * every digit of a million-line index, and the locale tables are not
 * wanted there.
 */
static inline int
ca_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ca_hex: write 2*n lowercase hex digits and a NUL into out (2*n+1). */
void ca_hex(const unsigned char *in, size_t n, char *out);

/*
 * ca_hex_decode: decode an even-length hex string (either case) into a new
 * buffer (caller frees with free()).  CA_ERR_INVALID_ARG, CA_ERR_NOMEM.
 */
int ca_hex_decode(const char *s, unsigned char **out, size_t *outlen)
    CA_MUST_CHECK;

/* ca_is_lower_hex: 1 if s is non-empty, even-length lowercase hex. */
int ca_is_lower_hex(const char *s);

/*
 * ca_b64_encode: standard base64 with padding and no newlines, as a new
 * string (caller frees with free()).  CA_ERR_NOMEM.
 */
int ca_b64_encode(const unsigned char *in, size_t n, char **out)
    CA_MUST_CHECK;

/*
 * ca_b64_decode: strict standard base64 (padding required, no whitespace)
 * into a new buffer (caller frees with free()).  CA_ERR_INVALID_ARG,
 * CA_ERR_NOMEM.
 */
int ca_b64_decode(const char *s, unsigned char **out, size_t *outlen)
    CA_MUST_CHECK;

/* ca_sha256_hex: SHA-256 of in as 64 lowercase hex digits into out[65]. */
void ca_sha256_hex(const void *in, size_t n, char out[65]);

#endif
