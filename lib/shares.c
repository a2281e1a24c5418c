#include "shares.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libgfshare.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "encode.h"

#define CHECK_LABEL "keyceremony-shares-1"

/*
 * libgfshare draws its polynomial's coefficients through this hook, and
 * overwrites a context with it when freeing one (so it must be set
 * before any context is made, for recombining too); it returns nothing,
 * so a failure is remembered and the split refused.
 */
static int rand_failed;

static void
fill_rand(unsigned char *buf, unsigned int n)
{
	if (RAND_priv_bytes(buf, (int)n) != 1)
		rand_failed = 1;
}

/* The share's canonical text without its check digits. */
static void
body_text(const struct ca_share *s, char *out, size_t cap)
{
	char hex[2 * CA_SHARE_KEY_LEN + 1];

	ca_hex(s->bytes, s->len, hex);
	snprintf(out, cap, "kc1-%s-%u-%u-%s", s->split, s->m, s->idx, hex);
	OPENSSL_cleanse(hex, sizeof(hex));
}

static void
check_digits(const char *body, char out[5])
{
	char hex[65];

	ca_sha256_hex(body, strlen(body), hex);
	memcpy(out, hex, 4);
	out[4] = '\0';
}

void
ca_share_fingerprint(const struct ca_share *s, char hex[65])
{
	char body[CA_SHARE_TEXT_MAX], full[CA_SHARE_TEXT_MAX + 8], chk[5];

	body_text(s, body, sizeof(body));
	check_digits(body, chk);
	snprintf(full, sizeof(full), "%s-%s", body, chk);
	ca_sha256_hex(full, strlen(full), hex);
	OPENSSL_cleanse(body, sizeof(body));
	OPENSSL_cleanse(full, sizeof(full));
}

/* The split's check value for secret. */
static void
check_value(const char split[9], const unsigned char *secret, size_t len,
    char out[65])
{
	unsigned char buf[sizeof(CHECK_LABEL) + 8 + CA_SHARE_KEY_LEN];

	memcpy(buf, CHECK_LABEL, sizeof(CHECK_LABEL) - 1);
	memcpy(buf + sizeof(CHECK_LABEL) - 1, split, 8);
	memcpy(buf + sizeof(CHECK_LABEL) - 1 + 8, secret, len);
	ca_sha256_hex(buf, sizeof(CHECK_LABEL) - 1 + 8 + len, out);
	OPENSSL_cleanse(buf, sizeof(buf));
}

/* The secret's bytes in hex, in a new secret: a PIN as it is typed. */
static int
pin_of(const unsigned char *secret, size_t len, struct ca_secret **out)
{
	struct ca_secret *s = NULL;
	int r;

	if ((r = ca_secret_new(&s)) != 0)
		return r;
	ca_hex(secret, len, s->buf);
	s->len = 2 * len;
	*out = s;
	return 0;
}

void
ca_share_wipe(struct ca_share *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

int
ca_shares_make(unsigned m, unsigned n, size_t len, struct ca_secret **pin,
    struct ca_secret *texts[], char split[9], char check[65],
    struct ca_errbuf *eb)
{
	unsigned char secret[CA_SHARE_KEY_LEN], nrs[CA_SHARES_MAX], sid[4];
	char body[CA_SHARE_TEXT_MAX], chk[5];
	struct ca_share sh;
	gfshare_ctx *ctx = NULL;
	unsigned i;
	int r = CA_ERR_CRYPTO;

	*pin = NULL;
	if (m < 2 || m > n || n > CA_SHARES_MAX) {
		ca_errf(eb, "a threshold of %u of %u custodians is not "
		    "possible: it takes 2 <= M <= N <= %d", m, n,
		    CA_SHARES_MAX);
		return CA_ERR_INVALID_ARG;
	}
	if (len != CA_SHARE_PIN_LEN && len != CA_SHARE_KEY_LEN)
		return CA_ERR_INVALID_ARG;
	for (i = 0; i < n; i++)
		texts[i] = NULL;
	memset(&sh, 0, sizeof(sh));
	if (RAND_priv_bytes(secret, (int)len) != 1 ||
	    RAND_bytes(sid, sizeof(sid)) != 1)
		goto out;
	ca_hex(sid, sizeof(sid), split);
	for (i = 0; i < n; i++)
		nrs[i] = (unsigned char)(i + 1);
	r = CA_ERR_NOMEM;
	gfshare_fill_rand = fill_rand;
	rand_failed = 0;
	if ((ctx = gfshare_ctx_init_enc(nrs, n, (unsigned char)m,
	    (unsigned)len)) == NULL)
		goto out;
	gfshare_ctx_enc_setsecret(ctx, secret);
	if (rand_failed) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	memcpy(sh.split, split, sizeof(sh.split));
	sh.m = m;
	sh.len = len;
	for (i = 0; i < n; i++) {
		if ((r = ca_secret_new(&texts[i])) != 0)
			goto out;
		sh.idx = i + 1;
		gfshare_ctx_enc_getshare(ctx, (unsigned char)i, sh.bytes);
		body_text(&sh, body, sizeof(body));
		check_digits(body, chk);
		snprintf(texts[i]->buf, CA_SECRET_MAX, "%s-%s", body, chk);
		texts[i]->len = strlen(texts[i]->buf);
	}
	check_value(split, secret, len, check);
	if ((r = pin_of(secret, len, pin)) != 0)
		goto out;
	r = 0;
out:
	if (ctx != NULL)
		gfshare_ctx_free(ctx);	/* which overwrites it first */
	if (r != 0)
		for (i = 0; i < n; i++) {
			ca_secret_free(texts[i]);
			texts[i] = NULL;
		}
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(body, sizeof(body));
	ca_share_wipe(&sh);
	return r;
}

/* Read a decimal number of at most 3 digits at *p; -1 if none. */
static int
number(const char **p)
{
	int v = 0, n = 0;

	while (isdigit((unsigned char)**p) && n < 4) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n == 0 || n > 3 ? -1 : v;
}

static int
hex_run(const char **p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)(*p)[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)(*p)[i]);
	}
	out[n] = '\0';
	*p += n;
	return 0;
}

int
ca_share_parse(const char *text, struct ca_share *out, struct ca_errbuf *eb)
{
	char t[CA_SHARE_TEXT_MAX], hex[2 * CA_SHARE_KEY_LEN + 1];
	char body[CA_SHARE_TEXT_MAX], chk[5], want[5];
	const char *p;
	size_t n = 0, i;
	int m, idx, r = CA_ERR_INVALID_ARG;

	memset(out, 0, sizeof(*out));
	/* As typed: spaces, line breaks and case do not matter. */
	for (i = 0; text[i] != '\0'; i++) {
		if (isspace((unsigned char)text[i]))
			continue;
		if (n + 1 >= sizeof(t))
			goto bad;
		t[n++] = (char)tolower((unsigned char)text[i]);
	}
	t[n] = '\0';
	p = t;
	if (strncmp(p, "kc1-", 4) != 0)
		goto bad;
	p += 4;
	if (hex_run(&p, 8, out->split) != 0 || *p++ != '-' ||
	    (m = number(&p)) < 2 || *p++ != '-' ||
	    (idx = number(&p)) < 1 || idx > 255 || *p++ != '-')
		goto bad;
	/* 32 hex digits for a PIN's share, 64 for a key's. */
	out->len = strcspn(p, "-") == 2 * CA_SHARE_KEY_LEN ?
	    CA_SHARE_KEY_LEN : CA_SHARE_PIN_LEN;
	if (hex_run(&p, 2 * out->len, hex) != 0 || *p++ != '-' ||
	    hex_run(&p, 4, chk) != 0 || *p != '\0')
		goto bad;
	out->m = (unsigned)m;
	out->idx = (unsigned)idx;
	for (i = 0; i < out->len; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			goto bad;
		out->bytes[i] = (unsigned char)v;
	}
	body_text(out, body, sizeof(body));
	check_digits(body, want);
	if (strcmp(want, chk) != 0) {
		ca_errf(eb, "share %d does not match its check digits: a "
		    "character was mistyped; read it again from the share",
		    idx);
		goto out;
	}
	r = 0;
	goto out;
bad:
	ca_errf(eb, "that is not a share: a share reads kc1-, 8 hex digits, "
	    "the threshold, the share's number, 32 or 64 hex digits and 4 "
	    "check digits, separated by dashes");
out:
	if (r != 0)
		ca_share_wipe(out);
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(body, sizeof(body));
	return r;
}

int
ca_shares_combine(const struct ca_share *s, size_t k, const char *check,
    struct ca_secret **pin, struct ca_errbuf *eb)
{
	unsigned char nrs[CA_SHARES_MAX], secret[CA_SHARE_KEY_LEN];
	char got[65];
	gfshare_ctx *ctx = NULL;
	size_t i, j;
	unsigned m;
	int r = CA_ERR_INVALID_ARG;

	*pin = NULL;
	if (k == 0) {
		ca_errf(eb, "no share was given");
		return CA_ERR_INVALID_ARG;
	}
	m = s[0].m;
	for (i = 0; i < k; i++) {
		if (strcmp(s[i].split, s[0].split) != 0 || s[i].m != m ||
		    s[i].len != s[0].len) {
			ca_errf(eb, "share %u is from another split (%s) than "
			    "share %u (%s); give shares of one split only",
			    s[i].idx, s[i].split, s[0].idx, s[0].split);
			return CA_ERR_INVALID_ARG;
		}
		for (j = 0; j < i; j++)
			if (s[j].idx == s[i].idx) {
				ca_errf(eb, "share %u was given twice; each "
				    "custodian presents their own", s[i].idx);
				return CA_ERR_INVALID_ARG;
			}
	}
	if (k < m) {
		ca_errf(eb, "%zu share%s given, and %u are needed", k,
		    k == 1 ? "" : "s", m);
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < m; i++)
		nrs[i] = (unsigned char)s[i].idx;
	r = CA_ERR_NOMEM;
	gfshare_fill_rand = fill_rand;
	if ((ctx = gfshare_ctx_init_dec(nrs, m, (unsigned)s[0].len)) == NULL)
		goto out;
	for (i = 0; i < m; i++)
		gfshare_ctx_dec_giveshare(ctx, (unsigned char)i,
		    (unsigned char *)s[i].bytes);
	gfshare_ctx_dec_extract(ctx, secret);
	if (check != NULL) {
		check_value(s[0].split, secret, s[0].len, got);
		if (strcmp(got, check) != 0) {
			ca_errf(eb, "the shares do not give the secret this "
			    "CA's log names: one of them belongs to another CA "
			    "or split, or was written down wrong; the token "
			    "was not asked");
			r = CA_ERR_VERIFY;
			goto out;
		}
	}
	r = pin_of(secret, s[0].len, pin);
out:
	if (ctx != NULL)
		gfshare_ctx_free(ctx);
	OPENSSL_cleanse(secret, sizeof(secret));
	return r;
}
