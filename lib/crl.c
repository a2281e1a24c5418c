#include "crl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "encode.h"
#include "timefmt.h"

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", CA_REASON_UNSPECIFIED },
	{ "keyCompromise", CA_REASON_KEY_COMPROMISE },
	{ "cACompromise", CA_REASON_CA_COMPROMISE },
	{ "affiliationChanged", CA_REASON_AFFILIATION_CHANGED },
	{ "superseded", CA_REASON_SUPERSEDED },
	{ "cessationOfOperation", CA_REASON_CESSATION },
	{ "privilegeWithdrawn", CA_REASON_PRIVILEGE_WITHDRAWN },
};

int
ca_reason_parse(const char *name, int *code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(name, reasons[i].name) == 0) {
			*code = reasons[i].code;
			return 0;
		}
	return CA_ERR_INVALID_ARG;
}

const char *
ca_reason_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].name;
	return NULL;
}

int
ca_idp_parse(const char *s, int *idp)
{
	if (strcmp(s, "full") == 0)
		*idp = CA_IDP_FULL;
	else if (strcmp(s, "scope") == 0)
		*idp = CA_IDP_SCOPE;
	else if (strcmp(s, "none") == 0)
		*idp = CA_IDP_NONE;
	else
		return CA_ERR_INVALID_ARG;
	return 0;
}

/*
 * Digits by hand rather than with <ctype.h>: the same sets, but no call
 * through the locale tables for each character of a million-line index.
 */
static inline int
decimal(int c)
{
	return c >= '0' && c <= '9';
}

int
ca_serial_normalise(const char *in, char out[41])
{
	char digits[64];
	size_t n = 0, i = 0;
	int v;

	for (; *in != '\0'; in++) {
		if (*in == ':')
			continue;
		if ((v = ca_hex_digit((unsigned char)*in)) < 0 ||
		    n == sizeof(digits) - 1)
			return CA_ERR_INVALID_ARG;
		if (n == 0 && v == 0)
			continue;	/* leading zeros say nothing */
		digits[n++] = "0123456789abcdef"[v];
	}
	/* RFC 5280 4.1.2.2: positive and at most 20 octets. */
	if (n == 0 || n > 40)
		return CA_ERR_INVALID_ARG;
	if (n % 2)
		out[i++] = '0';
	memcpy(out + i, digits, n);
	out[i + n] = '\0';
	return 0;
}

int
ca_serial_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

size_t
ca_rev_line(const struct ca_rev_entry *e, char *buf)
{
	int n;

	if (e->invalidity[0] != '\0')
		n = snprintf(buf, 96, "%s %s %d %s\n", e->serial, e->revoked,
		    e->reason, e->invalidity);
	else
		n = snprintf(buf, 96, "%s %s %d\n", e->serial, e->revoked,
		    e->reason);
	return n < 0 ? 0 : (size_t)n;
}

static int
gtime_ok(const char *s, size_t n)
{
	size_t i;

	if (n != 15 || s[14] != 'Z')
		return 0;
	for (i = 0; i < 14; i++)
		if (!decimal((unsigned char)s[i]))
			return 0;
	{
		static const int dim[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
		    31, 30, 31 };
		int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
		    (s[2] - '0') * 10 + s[3] - '0';
		int mo = (s[4] - '0') * 10 + s[5] - '0';
		int d = (s[6] - '0') * 10 + s[7] - '0';
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

		/* RFC 5280 5.1.2.4: UTCTime reads YY < 50 as 20YY. */
		if (y < 1950 || mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1] ||
		    (mo == 2 && d == 29 && !leap) ||
		    (s[8] - '0') * 10 + s[9] - '0' > 23 ||
		    (s[10] - '0') * 10 + s[11] - '0' > 59 ||
		    (s[12] - '0') * 10 + s[13] - '0' > 59)
			return 0;
	}
	return 1;
}

int
ca_rev_next(FILE *f, struct ca_rev_entry *e, long long *line)
{
	char buf[128], *p, *sp;
	size_t n;
	int v;

	if (fgets(buf, sizeof(buf), f) == NULL)
		return ferror(f) ? CA_ERR_IO : 0;
	(*line)++;
	n = strlen(buf);
	if (n == 0 || buf[n - 1] != '\n')
		return CA_ERR_INVALID_ARG;
	buf[--n] = '\0';
	memset(e, 0, sizeof(*e));
	/*
	 * SERIAL, already in the form ca_serial_normalise gives: 1 to 20
	 * octets of lowercase hex without a leading 00 octet.  Checked in
	 * place, as normalising and comparing would cost a copy per line.
	 */
	if ((sp = strchr(buf, ' ')) == NULL || (size_t)(sp - buf) > 40 ||
	    sp == buf || (sp - buf) % 2 || (buf[0] == '0' && buf[1] == '0'))
		return CA_ERR_INVALID_ARG;
	for (p = buf; p < sp; p++)
		if (!decimal((unsigned char)*p) && (*p < 'a' || *p > 'f'))
			return CA_ERR_INVALID_ARG;
	memcpy(e->serial, buf, (size_t)(sp - buf));
	/* REVOKED */
	p = sp + 1;
	if (strlen(p) < 17 || !gtime_ok(p, 15) || p[15] != ' ')
		return CA_ERR_INVALID_ARG;
	memcpy(e->revoked, p, 15);
	p += 16;
	/* REASON [INVALIDITY]: every code has a single digit. */
	if (!decimal((unsigned char)p[0]) || decimal((unsigned char)p[1]))
		return CA_ERR_INVALID_ARG;
	v = p[0] - '0';
	sp = p + 1;
	if (ca_reason_name(v) == NULL)
		return CA_ERR_INVALID_ARG;
	e->reason = v;
	if (*sp == ' ') {
		if (!gtime_ok(sp + 1, strlen(sp + 1)))
			return CA_ERR_INVALID_ARG;
		memcpy(e->invalidity, sp + 1, 15);
	} else if (*sp != '\0') {
		return CA_ERR_INVALID_ARG;
	}
	return 1;
}

int
ca_rev_insert(const char *in, FILE *out, const struct ca_rev_entry *e,
    long long *count, char sha256[65], struct ca_errbuf *eb)
{
	FILE *f = NULL;
	struct ca_rev_entry cur;
	EVP_MD_CTX *md = NULL;
	unsigned char h[32];
	char line[96], prev[41] = "";
	long long lineno = 0;
	size_t n;
	int r = CA_ERR_IO, c, placed = 0;

	*count = 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	if (in != NULL && (f = fopen(in, "re")) == NULL && errno != ENOENT) {
		ca_errf(eb, "\"%s\": %s", in, strerror(errno));
		goto out;
	}
	for (;;) {
		if (f == NULL) {
			c = 0;
		} else if ((c = ca_rev_next(f, &cur, &lineno)) < 0) {
			ca_errf(eb, "\"%s\": line %lld is malformed", in,
			    lineno);
			r = c;
			goto out;
		}
		if (c == 1 && prev[0] != '\0' &&
		    ca_serial_cmp(prev, cur.serial) >= 0) {
			ca_errf(eb, "\"%s\": line %lld is out of order", in,
			    lineno);
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
		if (c == 1)
			memcpy(prev, cur.serial, sizeof(prev));
		if (!placed && (c == 0 ||
		    ca_serial_cmp(e->serial, cur.serial) <= 0)) {
			if (c == 1 && ca_serial_cmp(e->serial, cur.serial) ==
			    0) {
				ca_errf(eb, "serial %s is already revoked",
				    e->serial);
				r = CA_ERR_EXISTS;
				goto out;
			}
			n = ca_rev_line(e, line);
			if (fwrite(line, 1, n, out) != n ||
			    EVP_DigestUpdate(md, line, n) != 1)
				goto out;
			(*count)++;
			placed = 1;
		}
		if (c == 0)
			break;
		n = ca_rev_line(&cur, line);
		if (fwrite(line, 1, n, out) != n ||
		    EVP_DigestUpdate(md, line, n) != 1)
			goto out;
		(*count)++;
	}
	if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
		ca_errf(eb, "cannot write the new index: %s", strerror(errno));
		goto out;
	}
	if (EVP_DigestFinal_ex(md, h, NULL) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	ca_hex(h, sizeof(h), sha256);
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	EVP_MD_CTX_free(md);
	return r;
}

/* --- DER, by hand, so that entries stream -------------------------------- */

/* Where encoded bytes go: counted, hashed, written, or all of these. */
struct sink {
	EVP_MD_CTX *tbs;	/* the TBS digest being checked */
	const struct ca_sign_stream *sign;	/* the TBS being signed */
	EVP_MD_CTX *file;	/* SHA-256 of the DER file */
	BIO *der;		/* the DER file, buffered */
	BIO *b64;		/* the PEM body, buffered */
	size_t n;
	int err;
};

static void
put(struct sink *s, const void *p, size_t n)
{
	if (s->err || n == 0)
		return;
	s->n += n;
	if ((s->tbs != NULL && EVP_DigestUpdate(s->tbs, p, n) != 1) ||
	    (s->sign != NULL && s->sign->update(s->sign->arg, p, n) != 0) ||
	    (s->file != NULL && EVP_DigestUpdate(s->file, p, n) != 1) ||
	    (s->der != NULL && BIO_write(s->der, p, (int)n) != (int)n) ||
	    (s->b64 != NULL && BIO_write(s->b64, p, (int)n) != (int)n))
		s->err = 1;
}

static size_t
len_size(size_t n)
{
	size_t k = 1;

	if (n < 0x80)
		return 1;
	while (n > 0) {
		k++;
		n >>= 8;
	}
	return k;
}

/* Tag and length of a value of n octets into buf; returns their size. */
static size_t
header(unsigned char *buf, unsigned char tag, size_t n)
{
	size_t k = len_size(n), i;

	buf[0] = tag;
	if (k == 1) {
		buf[1] = (unsigned char)n;
		return 2;
	}
	buf[1] = (unsigned char)(0x80 | (k - 1));
	for (i = k - 1; i >= 1; i--) {
		buf[1 + i] = (unsigned char)(n & 0xff);
		n >>= 8;
	}
	return 1 + k;
}

static size_t
tlv_size(size_t n)
{
	return 1 + len_size(n) + n;
}

/* RFC 5280 5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050. */
static size_t
time_der(const char *g, unsigned char *buf)
{
	int year = (g[0] - '0') * 1000 + (g[1] - '0') * 100 +
	    (g[2] - '0') * 10 + (g[3] - '0');

	if (year < 2050) {
		buf[0] = 0x17;
		buf[1] = 13;
		memcpy(buf + 2, g + 2, 13);
		return 15;
	}
	buf[0] = 0x18;
	buf[1] = 15;
	memcpy(buf + 2, g, 15);
	return 17;
}

/* One revokedCertificates entry into buf (at least 128 bytes). */
static size_t
entry_der(const struct ca_rev_entry *e, unsigned char *buf)
{
	unsigned char body[120], ext[64];
	size_t bn = 0, en = 0, sl = strlen(e->serial) / 2, i;

	/* userCertificate: positive, so a 00 before a high bit. */
	if (ca_hex_digit(e->serial[0]) >= 8) {
		bn += header(body + bn, 0x02, sl + 1);
		body[bn++] = 0;
	} else {
		bn += header(body + bn, 0x02, sl);
	}
	for (i = 0; i < sl; i++)
		body[bn++] = (unsigned char)(ca_hex_digit(e->serial[2 * i]) <<
		    4 | ca_hex_digit(e->serial[2 * i + 1]));
	bn += time_der(e->revoked, body + bn);
	/*
	 * RFC 5280 5.3.1: reasonCode is left out rather than written as
	 * unspecified (0).
	 */
	if (e->reason != CA_REASON_UNSPECIFIED) {
		static const unsigned char rc[] = { 0x30, 0x0a, 0x06, 0x03,
		    0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01 };

		memcpy(ext + en, rc, sizeof(rc));
		en += sizeof(rc);
		ext[en++] = (unsigned char)e->reason;
	}
	/* RFC 5280 5.3.2: invalidityDate is always GeneralizedTime. */
	if (e->invalidity[0] != '\0') {
		static const unsigned char id[] = { 0x30, 0x18, 0x06, 0x03,
		    0x55, 0x1d, 0x18, 0x04, 0x11, 0x18, 0x0f };

		memcpy(ext + en, id, sizeof(id));
		en += sizeof(id);
		memcpy(ext + en, e->invalidity, 15);
		en += 15;
	}
	if (en > 0) {
		bn += header(body + bn, 0x30, en);
		memcpy(body + bn, ext, en);
		bn += en;
	}
	i = header(buf, 0x30, bn);
	memcpy(buf + i, body, bn);
	return i + bn;
}

/* Everything of the TBS but its entries, encoded once. */
struct fixed {
	unsigned char *alg, *exts;
	int alg_len, exts_len;
	const unsigned char *issuer;
	size_t issuer_len;
	unsigned char tu[17], nu[17];
	size_t tu_len, nu_len;
	const EVP_MD *md;
};

static void
fixed_free(struct fixed *f)
{
	OPENSSL_free(f->alg);
	OPENSSL_free(f->exts);
}

static int
crl_exts(const struct ca_crl_params *p, unsigned char **out, int *len)
{
	STACK_OF(X509_EXTENSION) *sk = NULL;
	AUTHORITY_KEYID *aki = NULL;
	ASN1_INTEGER *num = NULL;
	ISSUING_DIST_POINT *idp = NULL;
	X509_EXTENSION *e = NULL;
	GENERAL_NAME *g = NULL;
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(p->issuer);
	size_t i;
	int r = CA_ERR_CRYPTO;

	*out = NULL;
	if ((sk = sk_X509_EXTENSION_new_null()) == NULL)
		goto out;
	/* RFC 5280 5.2.1: MUST, with the issuer's key identifier. */
	if (ski == NULL || (aki = AUTHORITY_KEYID_new()) == NULL ||
	    (aki->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
	    (e = X509V3_EXT_i2d(NID_authority_key_identifier, 0, aki)) ==
	    NULL || !sk_X509_EXTENSION_push(sk, e))
		goto out;
	e = NULL;
	/* RFC 5280 5.2.3: MUST, non-critical. */
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_uint64(num, p->number) != 1 ||
	    (e = X509V3_EXT_i2d(NID_crl_number, 0, num)) == NULL ||
	    !sk_X509_EXTENSION_push(sk, e))
		goto out;
	e = NULL;
	if (p->idp != CA_IDP_NONE &&
	    (p->only_ca_certs || (p->idp == CA_IDP_FULL && p->ndp > 0))) {
		if ((idp = ISSUING_DIST_POINT_new()) == NULL)
			goto out;
		if (p->idp == CA_IDP_FULL && p->ndp > 0) {
			if ((idp->distpoint = DIST_POINT_NAME_new()) == NULL ||
			    (idp->distpoint->name.fullname =
			    GENERAL_NAMES_new()) == NULL)
				goto out;
			idp->distpoint->type = 0;
			for (i = 0; i < p->ndp; i++) {
				ASN1_IA5STRING *u;

				if ((g = GENERAL_NAME_new()) == NULL ||
				    (u = ASN1_IA5STRING_new()) == NULL)
					goto out;
				GENERAL_NAME_set0_value(g, GEN_URI, u);
				if (ASN1_STRING_set(u, p->dp_uris[i], -1) !=
				    1 || !sk_GENERAL_NAME_push(
				    idp->distpoint->name.fullname, g))
					goto out;
				g = NULL;
			}
		}
		idp->onlyCA = p->only_ca_certs ? 0xff : 0;
		/* RFC 5280 5.2.5: the IDP is a critical extension. */
		if ((e = X509V3_EXT_i2d(NID_issuing_distribution_point, 1,
		    idp)) == NULL || !sk_X509_EXTENSION_push(sk, e))
			goto out;
		e = NULL;
	}
	if ((*len = i2d_X509_EXTENSIONS(sk, out)) <= 0)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
	X509_EXTENSION_free(e);
	AUTHORITY_KEYID_free(aki);
	ASN1_INTEGER_free(num);
	ISSUING_DIST_POINT_free(idp);
	GENERAL_NAME_free(g);
	return r;
}

static int
fixed_init(const struct ca_crl_params *p, struct fixed *f)
{
	EVP_PKEY *ik = X509_get0_pubkey(p->issuer);
	char g[16];
	int r;

	memset(f, 0, sizeof(*f));
	if (ik == NULL || (f->md = ca_md_for_key(ik)) == NULL)
		return CA_ERR_ALGORITHM;
	if ((r = ca_sign_algor(ik, f->md, &f->alg, &f->alg_len)) != 0 ||
	    (r = crl_exts(p, &f->exts, &f->exts_len)) != 0)
		return r;
	if (X509_NAME_get0_der(X509_get_subject_name(p->issuer), &f->issuer,
	    &f->issuer_len) != 1)
		return CA_ERR_CRYPTO;
	ca_time_generalized(p->this_update, g);
	f->tu_len = time_der(g, f->tu);
	ca_time_generalized(p->next_update, g);
	f->nu_len = time_der(g, f->nu);
	return 0;
}

/*
 * fopen for reading through a buffer of READ_BUF rather than stdio's one
 * block: the index and the CRL are read a line or a header at a time, up
 * to four times over, and a read(2) per 4 KiB cost a tenth of the time
 * at a million entries.  Close with close_read.
 */
#define READ_BUF (256 * 1024)
#define WRITE_BUF (256 * 1024)

static FILE *
open_read(const char *path, char **buf)
{
	FILE *f;

	*buf = NULL;
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	/* Without the buffer, stdio's own does, only slower. */
	if ((*buf = malloc(READ_BUF)) != NULL &&
	    setvbuf(f, *buf, _IOFBF, READ_BUF) != 0) {
		free(*buf);
		*buf = NULL;
	}
	return f;
}

/* close_read: fclose and free the buffer of open_read; f may be NULL. */
static void
close_read(FILE *f, char *buf)
{
	if (f != NULL)
		fclose(f);
	free(buf);
}

/*
 * Pass one: the size of the revokedCertificates content, and the index
 * checked for form and order on the way.
 */
static int
entries_size(const char *idx, size_t *total, long long *count,
    struct ca_errbuf *eb)
{
	struct ca_rev_entry e;
	unsigned char buf[160];
	char prev[41] = "";
	long long line = 0;
	FILE *f;
	char *fbuf;
	int c;

	*total = 0;
	*count = 0;
	if (idx == NULL || (f = open_read(idx, &fbuf)) == NULL) {
		if (idx != NULL && errno != ENOENT) {
			ca_errf(eb, "\"%s\": %s", idx, strerror(errno));
			return CA_ERR_IO;
		}
		return 0;
	}
	while ((c = ca_rev_next(f, &e, &line)) == 1) {
		if (prev[0] != '\0' && ca_serial_cmp(prev, e.serial) >= 0) {
			close_read(f, fbuf);
			ca_errf(eb, "\"%s\": line %lld is out of order", idx,
			    line);
			return CA_ERR_INVALID_ARG;
		}
		memcpy(prev, e.serial, sizeof(prev));
		*total += entry_der(&e, buf);
		(*count)++;
	}
	close_read(f, fbuf);
	if (c < 0) {
		ca_errf(eb, "\"%s\": line %lld is malformed", idx, line);
		return CA_ERR_INVALID_ARG;
	}
	return 0;
}

/* The TBSCertList, streamed into s. */
static int
emit_tbs(struct sink *s, const char *idx, const struct fixed *f,
    size_t entries, long long count, size_t tbs_len)
{
	static const unsigned char v2[] = { 0x02, 0x01, 0x01 };
	struct ca_rev_entry e;
	unsigned char h[16], buf[160];
	long long line = 0;
	FILE *in = NULL;
	char *inbuf;
	int c = 0;

	put(s, h, header(h, 0x30, tbs_len));
	put(s, v2, sizeof(v2));
	put(s, f->alg, (size_t)f->alg_len);
	put(s, f->issuer, f->issuer_len);
	put(s, f->tu, f->tu_len);
	put(s, f->nu, f->nu_len);
	/* RFC 5280 5.1.2.6: absent, not empty, when nothing is revoked. */
	if (count > 0) {
		put(s, h, header(h, 0x30, entries));
		if ((in = open_read(idx, &inbuf)) == NULL)
			return CA_ERR_IO;
		while ((c = ca_rev_next(in, &e, &line)) == 1)
			put(s, buf, entry_der(&e, buf));
		close_read(in, inbuf);
		if (c < 0)
			return CA_ERR_INVALID_ARG;
	}
	put(s, h, header(h, 0xa0, (size_t)f->exts_len));
	put(s, f->exts, (size_t)f->exts_len);
	return s->err ? CA_ERR_IO : 0;
}

int
ca_crl_write(const char *idx, const struct ca_crl_params *p,
    const struct ca_sign_stream *sign, FILE *der, FILE *pem,
    struct ca_crl_info *info, struct ca_errbuf *eb)
{
	struct fixed f;
	struct sink s;
	unsigned char h[16], *sig = NULL, fh[32];
	size_t entries = 0, tbs_content, tbs_len, sig_len = 0, total;
	long long count = 0;
	BIO *b64 = NULL, *pbuf = NULL, *pbio = NULL, *dbuf = NULL, *dbio = NULL;
	int r, r2;

	memset(info, 0, sizeof(*info));
	memset(&s, 0, sizeof(s));
	if ((r = fixed_init(p, &f)) != 0)
		goto out;
	if ((r = entries_size(idx, &entries, &count, eb)) != 0)
		goto out;
	tbs_content = 3 + (size_t)f.alg_len + f.issuer_len + f.tu_len +
	    f.nu_len + (count > 0 ? tlv_size(entries) : 0) +
	    tlv_size((size_t)f.exts_len);
	tbs_len = tlv_size(tbs_content);

	/*
	 * Pass two: the TBS, to the signer.  Once begun, the signature is
	 * always finished, for that alone ends the token's operation.
	 */
	if ((r = sign->begin(sign->arg, f.md, eb)) != 0)
		goto out;
	s.sign = sign;
	r = emit_tbs(&s, idx, &f, entries, count, tbs_content);
	if (r == 0 && s.n != tbs_len)
		r = CA_ERR_INTERNAL;
	/* A signer that failed part-way says why at the end. */
	if ((r2 = sign->final(sign->arg, &sig, &sig_len, eb)) != 0)
		r = r2;
	if (r != 0)
		goto out;

	/* Pass three: the file, DER and PEM at once. */
	memset(&s, 0, sizeof(s));
	r = CA_ERR_IO;
	if ((s.file = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s.file, EVP_sha256(), NULL) != 1 ||
	    (b64 = BIO_new(BIO_f_base64())) == NULL)
		goto out;
	/*
	 * Both files through WRITE_BUF buffers, so that the entries reach
	 * them in large writes rather than an fwrite each and a write(2)
	 * per 4 KiB.  BIO_free_all(b64) and (dbuf) free the chains.
	 */
	if ((pbuf = BIO_new(BIO_f_buffer())) == NULL ||
	    BIO_push(b64, pbuf) == NULL ||
	    BIO_set_write_buffer_size(pbuf, WRITE_BUF) != 1 ||
	    (pbio = BIO_new_fp(pem, BIO_NOCLOSE)) == NULL ||
	    BIO_push(pbuf, pbio) == NULL)
		goto out;
	pbio = NULL;
	if ((dbuf = BIO_new(BIO_f_buffer())) == NULL ||
	    BIO_set_write_buffer_size(dbuf, WRITE_BUF) != 1 ||
	    (dbio = BIO_new_fp(der, BIO_NOCLOSE)) == NULL ||
	    BIO_push(dbuf, dbio) == NULL)
		goto out;
	dbio = NULL;
	if (fputs("-----BEGIN X509 CRL-----\n", pem) == EOF)
		goto out;
	s.der = dbuf;
	s.b64 = b64;
	total = tbs_len + (size_t)f.alg_len + tlv_size(sig_len + 1);
	put(&s, h, header(h, 0x30, total));
	if ((r = emit_tbs(&s, idx, &f, entries, count, tbs_content)) != 0)
		goto out;
	put(&s, f.alg, (size_t)f.alg_len);
	put(&s, h, header(h, 0x03, sig_len + 1));
	put(&s, "", 1);		/* no unused bits */
	put(&s, sig, sig_len);
	r = CA_ERR_IO;
	if (s.err || BIO_flush(b64) != 1 || fflush(pem) != 0 ||
	    fputs("-----END X509 CRL-----\n", pem) == EOF ||
	    fflush(pem) != 0 || BIO_flush(dbuf) != 1 || fflush(der) != 0 ||
	    fsync(fileno(der)) != 0 || fsync(fileno(pem)) != 0) {
		ca_errf(eb, "cannot write the crl: %s", strerror(errno));
		goto out;
	}
	if (EVP_DigestFinal_ex(s.file, fh, NULL) != 1)
		goto out;
	info->entries = count;
	info->der_len = s.n;
	ca_hex(fh, sizeof(fh), info->der_sha256);
	r = 0;
out:
	ERR_clear_error();
	BIO_free_all(b64);
	BIO_free(pbio);
	BIO_free_all(dbuf);
	BIO_free(dbio);
	EVP_MD_CTX_free(s.tbs);
	EVP_MD_CTX_free(s.file);
	OPENSSL_free(sig);
	fixed_free(&f);
	return r;
}

/* --- reading back ------------------------------------------------------- */

/* A DER reader over a file, hashing what it consumes when asked. */
struct rd {
	FILE *f;
	EVP_MD_CTX *md;
	size_t n;		/* bytes consumed */
	int err;
};

static int
rd_bytes(struct rd *r, void *p, size_t n)
{
	if (r->err || fread(p, 1, n, r->f) != n ||
	    (r->md != NULL && EVP_DigestUpdate(r->md, p, n) != 1)) {
		r->err = 1;
		return 0;
	}
	r->n += n;
	return 1;
}

/* Read a tag and length; the header's bytes go to the digest too. */
static int
rd_header(struct rd *r, unsigned char *tag, size_t *len)
{
	unsigned char b[8];
	size_t k, i;

	if (!rd_bytes(r, b, 2))
		return 0;
	*tag = b[0];
	if (b[1] < 0x80) {
		*len = b[1];
		return 1;
	}
	k = b[1] & 0x7f;
	if (k == 0 || k > 4 || !rd_bytes(r, b + 2, k)) {
		r->err = 1;
		return 0;
	}
	*len = 0;
	for (i = 0; i < k; i++)
		*len = *len << 8 | b[2 + i];
	/* DER: the shortest form only, so no CRL reads two ways. */
	if (*len < 0x80 || b[2] == 0) {
		r->err = 1;
		return 0;
	}
	return 1;
}

int
ca_crl_check(const char *path, const char *idx,
    const struct ca_crl_params *p, struct ca_errbuf *eb)
{
	struct fixed f;
	struct rd rd;
	struct ca_rev_entry e;
	unsigned char tag, *buf = NULL, want[160], dg[EVP_MAX_MD_SIZE];
	unsigned char *sig = NULL;
	size_t len, tbs_len, elen, got = 0, wl, outer_len, outer_start;
	size_t tbs_start;
	unsigned int dlen;
	long long line = 0;
	FILE *in = NULL;
	char *inbuf = NULL, *rdbuf = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int r, c;

	memset(&rd, 0, sizeof(rd));
	if ((r = fixed_init(p, &f)) != 0) {
		fixed_free(&f);
		return r;
	}
	r = CA_ERR_VERIFY;
	if ((rd.f = open_read(path, &rdbuf)) == NULL) {
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		r = CA_ERR_IO;
		goto out;
	}
	if ((buf = malloc(1 << 16)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (!rd_header(&rd, &tag, &outer_len) || tag != 0x30)
		goto bad;
	outer_start = rd.n;
	if ((rd.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(rd.md, f.md, NULL) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	if (!rd_header(&rd, &tag, &tbs_len) || tag != 0x30)
		goto bad;
	tbs_start = rd.n;
	/* version, signature, issuer, thisUpdate, nextUpdate: exact. */
	{
		unsigned char fx[4096];
		size_t fl = 0;

		memcpy(fx, "\x02\x01\x01", 3);
		fl = 3;
		if ((size_t)f.alg_len + f.issuer_len + f.tu_len + f.nu_len +
		    3 > sizeof(fx))
			goto bad;
		memcpy(fx + fl, f.alg, (size_t)f.alg_len);
		fl += (size_t)f.alg_len;
		memcpy(fx + fl, f.issuer, f.issuer_len);
		fl += f.issuer_len;
		memcpy(fx + fl, f.tu, f.tu_len);
		fl += f.tu_len;
		memcpy(fx + fl, f.nu, f.nu_len);
		fl += f.nu_len;
		if (!rd_bytes(&rd, buf, fl) || memcmp(buf, fx, fl) != 0) {
			ca_errf(eb, "the crl's version, algorithm, issuer or "
			    "dates are not as meant");
			goto out;
		}
	}
	if (!rd_header(&rd, &tag, &len))
		goto bad;
	/* The entries, in lockstep with the index. */
	if (idx != NULL && (in = open_read(idx, &inbuf)) == NULL &&
	    errno != ENOENT) {
		r = CA_ERR_IO;
		goto out;
	}
	if (tag == 0x30) {
		while (got < len) {
			if (!rd_header(&rd, &tag, &elen) || tag != 0x30 ||
			    elen > 150 || !rd_bytes(&rd, buf, elen))
				goto bad;
			got += tlv_size(elen);
			if (in == NULL || (c = ca_rev_next(in, &e, &line)) !=
			    1) {
				ca_errf(eb, "the crl holds more entries than "
				    "the index");
				goto out;
			}
			wl = entry_der(&e, want);
			if (wl != tlv_size(elen) ||
			    memcmp(want + (wl - elen), buf, elen) != 0) {
				ca_errf(eb, "crl entry %lld is not serial %s "
				    "as indexed", line, e.serial);
				goto out;
			}
		}
		if (got != len || !rd_header(&rd, &tag, &len))
			goto bad;
	}
	if (in != NULL && (c = ca_rev_next(in, &e, &line)) != 0) {
		ca_errf(eb, "serial %s is revoked but not in the crl",
		    c == 1 ? e.serial : "?");
		goto out;
	}
	/* crlExtensions: exact, so the number is the one meant. */
	if (tag != 0xa0 || len != (size_t)f.exts_len || len > (1 << 16) ||
	    !rd_bytes(&rd, buf, len) || memcmp(buf, f.exts, len) != 0) {
		ca_errf(eb, "the crl's extensions (number, key identifier, "
		    "distribution point) are not as meant");
		goto out;
	}
	/* The lengths the headers promise are the lengths there are. */
	if (rd.n - tbs_start != tbs_len)
		goto bad;
	if (EVP_DigestFinal_ex(rd.md, dg, &dlen) != 1) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	EVP_MD_CTX_free(rd.md);
	rd.md = NULL;
	if (!rd_bytes(&rd, buf, (size_t)f.alg_len) ||
	    memcmp(buf, f.alg, (size_t)f.alg_len) != 0 ||
	    !rd_header(&rd, &tag, &len) || tag != 0x03 || len < 2 ||
	    len > 1024 || (sig = malloc(len)) == NULL ||
	    !rd_bytes(&rd, sig, len) || sig[0] != 0)
		goto bad;
	if (fread(buf, 1, 1, rd.f) != 0 || rd.n - outer_start != outer_len)
		goto bad;
	if ((ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(p->issuer), NULL)) ==
	    NULL || EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, f.md) != 1 ||
	    EVP_PKEY_verify(ctx, sig + 1, len - 1, dg, dlen) != 1) {
		ca_errf(eb, "the crl's signature does not verify with the CA "
		    "certificate's key");
		goto out;
	}
	r = 0;
	goto out;
bad:
	ca_errf(eb, "\"%s\" is not the DER crl that was meant", path);
	r = CA_ERR_VERIFY;
out:
	ERR_clear_error();
	close_read(in, inbuf);
	close_read(rd.f, rdbuf);
	EVP_MD_CTX_free(rd.md);
	EVP_PKEY_CTX_free(ctx);
	free(sig);
	free(buf);
	fixed_free(&f);
	return r;
}
