/*
 * shares.h: split knowledge of a token PIN, M of N (Shamir's scheme over
 * GF(2^8), libgfshare).
 *
 * The secret is 16 random bytes for a token PIN (written as 32 hex
 * digits; nobody ever sees it) or 32 for an AES-256 key.  Each custodian
 * holds one share as a line of text meant to be typed back:
 *
 *   kc1-SPLIT-M-I-SHARE-CHECK
 *
 * SPLIT is the split's id (8 hex digits: shares of two splits never mix),
 * M the threshold, I the share's number (1 to N), SHARE its 16 or 32
 * bytes in hex, CHECK the first 4 hex digits of the SHA-256 of everything
 * before it, so that a mistyped share is caught as it is entered.  Case,
 * spaces and line breaks are ignored on entry.  A split also has a check
 * value, SHA-256("keyceremony-shares-1" || SPLIT || secret), which the log
 * may hold: the secret has at least 128 random bits, so the value gives
 * nothing away, and combined shares are checked against it before the
 * token is asked, where a wrong PIN would count towards locking it.
 */
#ifndef CA_SHARES_H
#define CA_SHARES_H

#include <stddef.h>

#include "ca_err.h"
#include "secret.h"

#define CA_SHARE_PIN_LEN 16		/* a token PIN's secret */
#define CA_SHARE_KEY_LEN 32		/* an AES-256 key */
#define CA_SHARES_MAX 16		/* N at most */
#define CA_SHARE_TEXT_MAX 96		/* a share's text, NUL included */

/* A parsed share; it is secret: wipe it with ca_share_wipe. */
struct ca_share {
	char split[9];
	unsigned m, idx;
	size_t len;			/* CA_SHARE_PIN_LEN or _KEY_LEN */
	unsigned char bytes[CA_SHARE_KEY_LEN];
};

/*
 * ca_shares_make: a new random secret of len bytes (CA_SHARE_PIN_LEN or
 * CA_SHARE_KEY_LEN) split into n shares, any m of which (2 <= m <= n <=
 * CA_SHARES_MAX) give it back.  *pin is the secret in hex (caller frees
 * with ca_secret_free), texts[0..n-1] the shares' texts (each a new
 * secret; caller frees each), split the new split's id and check its
 * check value (see above).  CA_ERR_INVALID_ARG, CA_ERR_CRYPTO,
 * CA_ERR_NOMEM.
 */
int ca_shares_make(unsigned m, unsigned n, size_t len, struct ca_secret **pin,
    struct ca_secret *texts[], char split[9], char check[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_share_parse: read a share's text as typed into *out.
 * CA_ERR_INVALID_ARG, with a message saying what is wrong (not a share,
 * or mistyped: the check digits do not match).
 */
int ca_share_parse(const char *text, struct ca_share *out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_share_fingerprint: the SHA-256 (hex) of share s in its canonical
 * text: what a log records of a share, and a custodian can compare.
 */
void ca_share_fingerprint(const struct ca_share *s, char hex[65]);

/*
 * ca_shares_combine: the secret, in hex, from k parsed shares, which must
 * be of one split, with distinct numbers, at least its threshold of them; when
 * check is not NULL the result must match that check value.  Caller
 * frees *pin with ca_secret_free.  CA_ERR_INVALID_ARG (too few, mixed,
 * duplicate), CA_ERR_VERIFY (the shares do not give the PIN the check
 * value names), CA_ERR_NOMEM.
 */
int ca_shares_combine(const struct ca_share *s, size_t k, const char *check,
    struct ca_secret **pin, struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_share_wipe: clear a parsed share. */
void ca_share_wipe(struct ca_share *s);

#endif
