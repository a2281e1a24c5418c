/*
 * check_crl.c: the revocation index and streaming X.509 v2 CRLs
 * (lib/crl.c).  Pure: every CA here is a software key with a self-signed
 * certificate made by ca_cert_build, and every CRL is read back with
 * OpenSSL's own parser, independently of ca_crl_check.
 */
#include "check_util.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "certgen.h"
#include "crl.h"
#include "profile.h"

#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define T_2050 ((time_t)2524608000)	/* 2050-01-01T00:00:00Z */
#define NEXT (NOW + 86400 * 30)

/*
 * Every temporary folder of a run lives under one base folder, made and
 * removed by the parent process (an unchecked fixture), as are the
 * software keys, so that RSA key generation happens once per run.
 */
static char tu_base[PATH_MAX];
static char dir[PATH_MAX];

static const enum ca_keyalg algs[] = { CA_ALG_P256, CA_ALG_P384,
    CA_ALG_RSA3072 };
static const int sig_nids[] = { NID_ecdsa_with_SHA256,
    NID_ecdsa_with_SHA384, NID_sha256WithRSAEncryption };
#define NALGS ((int)(sizeof(algs) / sizeof(algs[0])))
static EVP_PKEY *keys[NALGS], *other_key;

static void
base_setup(void)
{
	int i;

	tu_tmpdir(tu_base);
	setenv("TMPDIR", tu_base, 1);
	for (i = 0; i < NALGS; i++)
		ck_assert_ok(ca_keygen_soft(algs[i], &keys[i]));
	ck_assert_ok(ca_keygen_soft(CA_ALG_P256, &other_key));
}

static void
base_teardown(void)
{
	int i;

	for (i = 0; i < NALGS; i++)
		EVP_PKEY_free(keys[i]);
	EVP_PKEY_free(other_key);
	tu_rmrf(tu_base);
	unsetenv("TMPDIR");
}

static void
dir_setup(void)
{
	tu_tmpdir(dir);
}

static void
dir_teardown(void)
{
	tu_rmrf(dir);
}

/* --- helpers ------------------------------------------------------------ */

static void
sha256_of(const void *p, size_t n, char out[65])
{
	unsigned char h[32];
	int i;

	ck_assert_int_eq(EVP_Digest(p, n, h, NULL, EVP_sha256(), NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static char *
file_in(const char *name)
{
	static char bufs[64][PATH_MAX];
	static int k;
	char *b = bufs[k++ % 64];

	return tu_path(b, dir, name);
}

static const char *
idx_file(const char *name, const char *text)
{
	char *p = file_in(name);

	tu_write(p, text, strlen(text));
	return p;
}

/* A self-signed CA certificate for key, as a root would have. */
static X509 *
make_ca(EVP_PKEY *key, const char *cn)
{
	struct ca_cert_params p;
	X509_NAME *n = X509_NAME_new();
	X509 *x = NULL;

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Acme", -1, -1, 0), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	memset(&p, 0, sizeof(p));
	p.kind = CA_CERT_ROOT;
	p.subject = n;
	ck_assert_ok(ca_serial_random(p.serial));
	p.not_before = NOW - 86400;
	p.not_after = NOW + 86400LL * 365 * 30;
	p.path_len = -1;
	p.key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	ck_assert_ok(ca_cert_build(&p, key, NULL, &x));
	ck_assert_ok(ca_cert_sign(x, key, ca_md_for_key(key), NULL));
	X509_NAME_free(n);
	return x;
}

static const char *const two_uris[] = { "http://pki.example/crl/root.crl",
    "ldap://dir.example/cn=Root,o=Acme?certificateRevocationList" };

static void
params(struct ca_crl_params *p, X509 *issuer)
{
	memset(p, 0, sizeof(*p));
	p->issuer = issuer;
	p->this_update = NOW;
	p->next_update = NEXT;
	p->number = 7;
	p->idp = CA_IDP_FULL;
	p->only_ca_certs = 1;
	p->dp_uris = two_uris;
	p->ndp = 2;
}

/* ca_crl_write into dir/NAME.der and dir/NAME.pem. */
static int
write_crl(const char *name, const char *idx, const struct ca_crl_params *p,
    EVP_PKEY *signer, struct ca_crl_info *info, struct ca_errbuf *eb)
{
	char d[PATH_MAX], m[PATH_MAX], n[64];
	struct ca_evp_stream st;
	struct ca_sign_stream ss;
	FILE *fd, *fm;
	int r;

	ca_sign_evp_stream(&st, signer, &ss);
	snprintf(n, sizeof(n), "%s.der", name);
	tu_path(d, dir, n);
	snprintf(n, sizeof(n), "%s.pem", name);
	tu_path(m, dir, n);
	fd = fopen(d, "w");
	fm = fopen(m, "w");
	ck_assert_ptr_nonnull(fd);
	ck_assert_ptr_nonnull(fm);
	r = ca_crl_write(idx, p, &ss, fd, fm, info, eb);
	fclose(fd);
	fclose(fm);
	return r;
}

static const char *
write_crl_ok(const char *name, const char *idx, const struct ca_crl_params *p,
    EVP_PKEY *signer, struct ca_crl_info *info)
{
	struct ca_errbuf eb;
	char n[64];

	eb.msg[0] = '\0';
	ck_assert_msg(write_crl(name, idx, p, signer, info, &eb) == 0,
	    "ca_crl_write: %s", eb.msg);
	snprintf(n, sizeof(n), "%s.der", name);
	return file_in(n);
}

static X509_CRL *
parse_crl(const char *path, unsigned char **der, size_t *len)
{
	const unsigned char *p;
	X509_CRL *crl;

	*der = (unsigned char *)tu_read(path, len);
	p = *der;
	crl = d2i_X509_CRL(NULL, &p, (long)*len);
	ck_assert_msg(crl != NULL, "OpenSSL cannot parse %s", path);
	ck_assert_msg(p == *der + *len, "trailing bytes after the crl");
	return crl;
}

/*
 * The tag of the TBS field after nextUpdate: 0x30 for
 * revokedCertificates, 0xa0 for crlExtensions when it is absent.
 */
static int
tag_after_next_update(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	long plen;
	int tag, xclass, i;

	ck_assert_int_eq(ASN1_get_object(&p, &plen, &tag, &xclass, (long)len)
	    & 0x80, 0);
	ck_assert_int_eq(ASN1_get_object(&p, &plen, &tag, &xclass, (long)len)
	    & 0x80, 0);
	for (i = 0; i < 5; i++) {	/* version .. nextUpdate */
		ck_assert_int_eq(ASN1_get_object(&p, &plen, &tag, &xclass,
		    (long)len) & 0x80, 0);
		p += plen;
	}
	return *p;
}

/* The positive integer i as the index writes serials. */
static void
int_hex(const ASN1_INTEGER *i, char out[64])
{
	const unsigned char *d = ASN1_STRING_get0_data(i);
	int n = ASN1_STRING_length(i), k;

	ck_assert_int_eq(ASN1_STRING_type(i), V_ASN1_INTEGER);
	ck_assert_int_le(n, 31);
	for (k = 0; k < n; k++)
		snprintf(out + 2 * k, 3, "%02x", d[k]);
}

/* s holds exactly the text want. */
static void
str_is(const ASN1_STRING *s, const char *want)
{
	ck_assert_int_eq(ASN1_STRING_length(s), (int)strlen(want));
	ck_assert_int_eq(memcmp(ASN1_STRING_get0_data(s), want, strlen(want)),
	    0);
}

static void
flip(const char *path, size_t at)
{
	size_t len;
	char *b = tu_read(path, &len);

	ck_assert_uint_lt(at, len);
	b[at] ^= 0x01;
	tu_write(path, b, len);
	free(b);
}

static size_t
find(const char *path, const void *needle, size_t n)
{
	size_t len;
	char *b = tu_read(path, &len), *at = memmem(b, len, needle, n);
	size_t off;

	ck_assert_msg(at != NULL, "pattern not in %s", path);
	/* Exactly once, so the flip lands where meant. */
	ck_assert_ptr_null(memmem(at + 1, len - (size_t)(at - b) - 1, needle,
	    n));
	off = (size_t)(at - b);
	free(b);
	return off;
}

static void
copy_file(const char *from, const char *to)
{
	size_t len;
	char *b = tu_read(from, &len);

	tu_write(to, b, len);
	free(b);
}

/* --- reasons and serials ------------------------------------------------ */

START_TEST(reasons)
{
	static const struct {
		const char *name;
		int code;
	} rfc[] = {
		{ "unspecified", 0 }, { "keyCompromise", 1 },
		{ "cACompromise", 2 }, { "affiliationChanged", 3 },
		{ "superseded", 4 }, { "cessationOfOperation", 5 },
		{ "privilegeWithdrawn", 9 },
	};
	static const char *const refused[] = { "certificateHold",
	    "removeFromCRL", "aACompromise", "KeyCompromise", "keycompromise",
	    "keyCompromise ", "", "1" };
	size_t i;
	int code, c;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		code = -1;
		ck_assert_ok(ca_reason_parse(rfc[i].name, &code));
		ck_assert_int_eq(code, rfc[i].code);
		ck_assert_str_eq(ca_reason_name(rfc[i].code), rfc[i].name);
	}
	ck_assert_int_eq(CA_REASON_PRIVILEGE_WITHDRAWN, 9);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_err(ca_reason_parse(refused[i], &code),
		    CA_ERR_INVALID_ARG);
	/* certificateHold (6), removeFromCRL (8), aACompromise (10). */
	for (c = -1; c <= 12; c++)
		if (c == 6 || c == 7 || c == 8 || c < 0 || c > 9)
			ck_assert_ptr_null(ca_reason_name(c));
}
END_TEST

START_TEST(serial_normalise)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "01", "01" }, { "1", "01" }, { "abc", "0abc" },
		{ "ABCDEF", "abcdef" }, { "aB:cD:eF", "abcdef" },
		{ "00:00:7f", "7f" }, { "0000000000000000000001", "01" },
		{ "80", "80" }, { "0:1:2:3", "0123" }, { "1:", "01" },
		{ "5D:A7:13:09:4C:B2:8E:1F:00:00:00:00:00:00:00:01",
		  "5da713094cb28e1f0000000000000001" },
		/* 20 octets, the most RFC 5280 allows. */
		{ "FFEEDDCCBBAA99887766554433221100FFEEDDCC",
		  "ffeeddccbbaa99887766554433221100ffeeddcc" },
		{ "0FFEEDDCCBBAA99887766554433221100FFEEDDCC",
		  "ffeeddccbbaa99887766554433221100ffeeddcc" },
		{ "123456789012345678901234567890123456789",
		  "0123456789012345678901234567890123456789" },
	};
	static const char *const bad[] = {
		"", ":", "::", "0", "00", "00:00", "0x1f", "-1", "+1", "1 2",
		" 01", "01 ", "g1", "12\n", "1.0", "\xc3\xa9",
		/* 21 octets */
		"1ffeeddccbbaa99887766554433221100ffeeddcc",
		"ffeeddccbbaa99887766554433221100ffeeddccbbaa9988776655443322"
		"1100",
	};
	char out[41];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(out, 'x', sizeof(out));
		ck_assert_msg(ca_serial_normalise(ok[i].in, out) == 0,
		    "\"%s\" refused", ok[i].in);
		ck_assert_str_eq(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ca_serial_normalise(bad[i], out) ==
		    CA_ERR_INVALID_ARG, "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(serial_cmp)
{
	/* In increasing numeric order. */
	static const char *const s[] = { "01", "02", "0f", "10", "7f", "80",
	    "ff", "0100", "0101", "ff00", "010000",
	    "ffeeddccbbaa99887766554433221100ffeeddcc" };
	size_t i, j, n = sizeof(s) / sizeof(s[0]);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int c = ca_serial_cmp(s[i], s[j]);

			if (i < j)
				ck_assert_msg(c < 0, "%s !< %s", s[i], s[j]);
			else if (i > j)
				ck_assert_msg(c > 0, "%s !> %s", s[i], s[j]);
			else
				ck_assert_int_eq(c, 0);
		}
}
END_TEST

/* --- index lines -------------------------------------------------------- */

START_TEST(rev_line_round_trip)
{
	static const struct ca_rev_entry es[] = {
		{ "01", "20260101000000Z", 1, "" },
		{ "abcd", "20500101000000Z", 0, "20491231235959Z" },
		{ "ffeeddccbbaa99887766554433221100ffeeddcc",
		  "99991231235959Z", 9, "99991231235958Z" },
		{ "7f", "19700101000000Z", 5, "" },
	};
	static const char *const lines[] = {
		"01 20260101000000Z 1\n",
		"abcd 20500101000000Z 0 20491231235959Z\n",
		"ffeeddccbbaa99887766554433221100ffeeddcc 99991231235959Z 9 "
		"99991231235958Z\n",
		"7f 19700101000000Z 5\n",
	};
	char buf[96], *path = file_in("idx");
	struct ca_rev_entry e;
	long long line = 0;
	size_t i, n = sizeof(es) / sizeof(es[0]);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < n; i++) {
		memset(buf, 0, sizeof(buf));
		ck_assert_uint_eq(ca_rev_line(&es[i], buf), strlen(lines[i]));
		ck_assert_str_eq(buf, lines[i]);
		fputs(buf, f);
	}
	fclose(f);
	f = fopen(path, "r");
	for (i = 0; i < n; i++) {
		memset(&e, 0x55, sizeof(e));
		ck_assert_int_eq(ca_rev_next(f, &e, &line), 1);
		ck_assert_int_eq(line, (long long)i + 1);
		ck_assert_str_eq(e.serial, es[i].serial);
		ck_assert_str_eq(e.revoked, es[i].revoked);
		ck_assert_int_eq(e.reason, es[i].reason);
		ck_assert_str_eq(e.invalidity, es[i].invalidity);
	}
	ck_assert_int_eq(ca_rev_next(f, &e, &line), 0);
	ck_assert_int_eq(line, (long long)n);
	ck_assert_int_eq(ca_rev_next(f, &e, &line), 0);
	fclose(f);
}
END_TEST

static const char *const bad_lines[] = {
	"\n",
	"01\n",
	"01 \n",
	" 20260101000000Z 1\n",
	"1 20260101000000Z 1\n",		/* odd length */
	"0001 20260101000000Z 1\n",		/* leading zero octet */
	"00 20260101000000Z 1\n",		/* zero */
	"AB 20260101000000Z 1\n",		/* upper case */
	"0a:bc 20260101000000Z 1\n",		/* colon */
	"zz 20260101000000Z 1\n",
	"-1 20260101000000Z 1\n",
	"1ffeeddccbbaa99887766554433221100ffeeddcc 20260101000000Z 1\n",
	"01ffeeddccbbaa99887766554433221100ffeeddcc 20260101000000Z 1\n",
	"01  20260101000000Z 1\n",		/* two spaces */
	"01\t20260101000000Z 1\n",
	"01 2026010100000Z 1\n",		/* short date */
	"01 20260101000000 1\n",		/* no Z */
	"01 202601010000000Z 1\n",		/* long date */
	"01 2026010100000aZ 1\n",
	"01 2026-01-01T00:00:00Z 1\n",
	"01 20260101000000z 1\n",
	"01 20260101000000Z\n",			/* no reason */
	"01 20260101000000Z \n",
	"01 20260101000000Z x\n",
	"01 20260101000000Z -1\n",
	"01 20260101000000Z +1\n",
	"01 20260101000000Z 6\n",		/* certificateHold */
	"01 20260101000000Z 7\n",		/* unused */
	"01 20260101000000Z 8\n",		/* removeFromCRL */
	"01 20260101000000Z 10\n",		/* aACompromise */
	"01 20260101000000Z 01\n",
	"01 20260101000000Z 1x\n",
	"01 20260101000000Z 1 \n",
	"01 20260101000000Z 1  20251231000000Z\n",
	"01 20260101000000Z 1 2025123100000Z\n",
	"01 20260101000000Z 1 20251231000000\n",
	"01 20260101000000Z 1 20251231000000Z \n",
	"01 20260101000000Z 1 20251231000000Z 1\n",
	"01 20260101000000Z 1\r\n",
	"01 20260101000000Z 1",			/* no final LF */
	"0123456789012345678901234567890123456789 20260101000000Z 1 "
	"20251231000000Z 000000000000000000000000000000000000000000000000000"
	"0000000000\n",				/* longer than a line */
};

/* Each malformed line, after a good one: refused, with line number 2. */
START_TEST(rev_next_malformed)
{
	struct ca_rev_entry e;
	long long line;
	char text[512];
	const char *path;
	size_t i;
	FILE *f;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(text, sizeof(text), "ff 20260101000000Z 4\n%s",
		    bad_lines[i]);
		path = idx_file("bad.idx", text);
		f = fopen(path, "r");
		line = 0;
		ck_assert_int_eq(ca_rev_next(f, &e, &line), 1);
		ck_assert_str_eq(e.serial, "ff");
		ck_assert_int_eq(line, 1);
		ck_assert_msg(ca_rev_next(f, &e, &line) == CA_ERR_INVALID_ARG,
		    "accepted line %zu: \"%s\"", i, bad_lines[i]);
		ck_assert_int_eq(line, 2);
		fclose(f);
	}
}
END_TEST

/*
 * Dates of the right shape that are no dates: a CRL made from them would
 * carry times that no relying party reads (OpenSSL prints "Bad time
 * value"), or, before 1950, a UTCTime that reads as the next century.
 */
static const char *const impossible_lines[] = {
	"01 20261301000000Z 1\n",		/* month 13 */
	"01 20260001000000Z 1\n",		/* month 0 */
	"01 20260100000000Z 1\n",		/* day 0 */
	"01 20260132000000Z 1\n",		/* day 32 */
	"01 20260230000000Z 1\n",		/* 30 February */
	"01 20270229000000Z 1\n",		/* 29 February, common year */
	"01 20260101240000Z 1\n",		/* hour 24 */
	"01 20260101006000Z 1\n",		/* minute 60 */
	"01 20260101000060Z 1\n",		/* second 60 */
	"01 19491231235959Z 1\n",		/* UTCTime "49": 2049 */
	"01 20260101000000Z 1 20261301000000Z\n",
	"01 20260101000000Z 1 20260101250000Z\n",
};

START_TEST(rev_next_impossible_dates)
{
	EVP_PKEY *k = keys[0];
	X509 *ca = make_ca(k, "Dates Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	struct ca_rev_entry e;
	long long line;
	const char *path;
	size_t i;
	FILE *f;

	params(&p, ca);
	for (i = 0; i < sizeof(impossible_lines) /
	    sizeof(impossible_lines[0]); i++) {
		path = idx_file("dates.idx", impossible_lines[i]);
		f = fopen(path, "r");
		line = 0;
		ck_assert_msg(ca_rev_next(f, &e, &line) == CA_ERR_INVALID_ARG,
		    "accepted \"%.*s\"", (int)strlen(impossible_lines[i]) - 1,
		    impossible_lines[i]);
		fclose(f);
		ck_assert_err(write_crl("dates", path, &p, k, &info, NULL),
		    CA_ERR_INVALID_ARG);
	}
	/* The last second of a leap day, and of 2049, are dates. */
	path = idx_file("dates.idx", "01 20280229235959Z 1\n"
	    "02 20491231235959Z 1 19700101000000Z\n");
	f = fopen(path, "r");
	line = 0;
	ck_assert_int_eq(ca_rev_next(f, &e, &line), 1);
	ck_assert_int_eq(ca_rev_next(f, &e, &line), 1);
	fclose(f);
	X509_free(ca);
}
END_TEST

/* --- inserting into the index ------------------------------------------- */

static void
insert_into(const char *in, const char *serial, int reason, const char *inv,
    const char *want, long long want_count)
{
	struct ca_rev_entry e;
	struct ca_errbuf eb;
	char *out = file_in("new.idx"), sha[65], h[65], *got;
	long long count = -1;
	size_t len;
	FILE *f = fopen(out, "w");

	memset(&e, 0, sizeof(e));
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	snprintf(e.revoked, sizeof(e.revoked), "20260202000000Z");
	e.reason = reason;
	snprintf(e.invalidity, sizeof(e.invalidity), "%s", inv);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_rev_insert(in, f, &e, &count, sha, &eb) == 0,
	    "insert %s: %s", serial, eb.msg);
	fclose(f);
	got = tu_read(out, &len);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(count, want_count);
	sha256_of(got, len, h);
	ck_assert_str_eq(sha, h);
	free(got);
}

START_TEST(rev_insert_places)
{
	const char *three = "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n";
	const char *idx = idx_file("three.idx", three);
	char want[512];

	/* Nothing yet: no path, a missing file, an empty file. */
	insert_into(NULL, "2a", 1, "", "2a 20260202000000Z 1\n", 1);
	insert_into(file_in("missing.idx"), "2a", 2, "20260201000000Z",
	    "2a 20260202000000Z 2 20260201000000Z\n", 1);
	insert_into(idx_file("empty.idx", ""), "2a", 0, "",
	    "2a 20260202000000Z 0\n", 1);
	/* First, middle, last, and last by length. */
	snprintf(want, sizeof(want), "05 20260202000000Z 4\n%s", three);
	insert_into(idx, "05", 4, "", want, 4);
	snprintf(want, sizeof(want), "10 20260101000000Z 1\n"
	    "2f 20260202000000Z 3\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n");
	insert_into(idx, "2f", 3, "", want, 4);
	snprintf(want, sizeof(want), "%sfe00 20260202000000Z 5\n", three);
	insert_into(idx, "fe00", 5, "", want, 4);
	snprintf(want, sizeof(want), "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "31 20260202000000Z 9 20260101000000Z\n"
	    "ff 20260101000000Z 9\n");
	insert_into(idx, "31", 9, "20260101000000Z", want, 4);
	/* The input is left as it was. */
	{
		char *now = tu_read(idx, NULL);

		ck_assert_str_eq(now, three);
		free(now);
	}
}
END_TEST

static void
insert_refused(const char *in, const char *serial, int code,
    const char *why)
{
	struct ca_rev_entry e;
	struct ca_errbuf eb;
	char sha[65];
	long long count;
	FILE *f = fopen(file_in("new.idx"), "w");

	memset(&e, 0, sizeof(e));
	snprintf(e.serial, sizeof(e.serial), "%s", serial);
	snprintf(e.revoked, sizeof(e.revoked), "20260202000000Z");
	e.reason = 1;
	eb.msg[0] = '\0';
	ck_assert_err(ca_rev_insert(in, f, &e, &count, sha, &eb), code);
	ck_assert_msg(strstr(eb.msg, why) != NULL, "\"%s\" lacks \"%s\"",
	    eb.msg, why);
	fclose(f);
}

START_TEST(rev_insert_refused)
{
	const char *idx = idx_file("three.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0\nff 20260101000000Z 9\n");

	insert_refused(idx, "10", CA_ERR_EXISTS, "already revoked");
	insert_refused(idx, "30", CA_ERR_EXISTS, "already revoked");
	insert_refused(idx, "ff", CA_ERR_EXISTS, "already revoked");
	/* Out of order, before and after where the new one goes. */
	idx = idx_file("unsorted.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0\n20 20260101000000Z 9\n");
	insert_refused(idx, "05", CA_ERR_INVALID_ARG, "line 3 is out of order");
	insert_refused(idx, "40", CA_ERR_INVALID_ARG, "line 3 is out of order");
	/* Ordered as text but not as numbers. */
	idx = idx_file("textual.idx", "0100 20260101000000Z 1\n"
	    "ff 20260101000000Z 0\n");
	insert_refused(idx, "05", CA_ERR_INVALID_ARG, "line 2 is out of order");
	/* The same serial twice. */
	idx = idx_file("twice.idx", "10 20260101000000Z 1\n"
	    "10 20260101000000Z 1\n");
	insert_refused(idx, "05", CA_ERR_INVALID_ARG, "line 2 is out of order");
	/* Malformed. */
	idx = idx_file("bad.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 6\n");
	insert_refused(idx, "05", CA_ERR_INVALID_ARG, "line 2 is malformed");
	insert_refused(idx, "ff", CA_ERR_INVALID_ARG, "line 2 is malformed");
}
END_TEST

/* --- CRLs --------------------------------------------------------------- */

START_TEST(crl_empty)
{
	EVP_PKEY *k = keys[_i];
	X509 *ca = make_ca(k, "Empty Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	struct ca_errbuf eb;
	const char *der, *idxs[3];
	unsigned char *buf;
	size_t len;
	X509_CRL *crl;
	int j;

	params(&p, ca);
	idxs[0] = NULL;
	idxs[1] = file_in("missing.idx");
	idxs[2] = idx_file("empty.idx", "");
	for (j = 0; j < 3; j++) {
		der = write_crl_ok("empty", idxs[j], &p, k, &info);
		ck_assert_int_eq(info.entries, 0);
		crl = parse_crl(der, &buf, &len);
		ck_assert_uint_eq(info.der_len, len);
		/* RFC 5280 5.1.2.6: the field is absent, not empty. */
		ck_assert(X509_CRL_get_REVOKED(crl) == NULL ||
		    sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) == 0);
		ck_assert_int_eq(tag_after_next_update(buf, len), 0xa0);
		ck_assert_int_eq(X509_CRL_verify(crl, k), 1);
		ck_assert_int_eq(X509_CRL_get_signature_nid(crl),
		    sig_nids[_i]);
		eb.msg[0] = '\0';
		ck_assert_msg(ca_crl_check(der, idxs[j], &p, &eb) == 0,
		    "check: %s", eb.msg);
		X509_CRL_free(crl);
		free(buf);
	}
	X509_free(ca);
}
END_TEST

/* Sorted as numbers; a 00 goes before serials with the high bit. */
static const char entries_idx[] =
	"01 20260101000000Z 0\n"
	"7f 20260102030405Z 1 20251225000000Z\n"
	"80 20491231235959Z 2\n"
	"ff 20500101000000Z 3\n"
	"0100 20260103000000Z 4 20260102000000Z\n"
	"0123456789abcdef0123456789abcdef 20991231235959Z 5\n"
	"ffeeddccbbaa99887766554433221100ffeeddcc 20260104000000Z 9 "
	"20500101000000Z\n";

static const struct {
	const char *serial, *revoked;
	int reason;
	const char *inv;
} entries_want[] = {
	{ "01", "20260101000000Z", 0, NULL },
	{ "7f", "20260102030405Z", 1, "20251225000000Z" },
	{ "80", "20491231235959Z", 2, NULL },
	{ "ff", "20500101000000Z", 3, NULL },
	{ "0100", "20260103000000Z", 4, "20260102000000Z" },
	{ "0123456789abcdef0123456789abcdef", "20991231235959Z", 5, NULL },
	{ "ffeeddccbbaa99887766554433221100ffeeddcc", "20260104000000Z", 9,
	  "20500101000000Z" },
};
#define NENTRIES ((int)(sizeof(entries_want) / sizeof(entries_want[0])))

static void
check_entries(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *rs = X509_CRL_get_REVOKED(crl);
	const ASN1_TIME *t;
	ASN1_ENUMERATED *rc;
	ASN1_GENERALIZEDTIME *inv;
	char hex[64];
	int i, crit;

	ck_assert_ptr_nonnull(rs);
	ck_assert_int_eq(sk_X509_REVOKED_num(rs), NENTRIES);
	for (i = 0; i < NENTRIES; i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(rs, i);

		int_hex(X509_REVOKED_get0_serialNumber(r), hex);
		ck_assert_str_eq(hex, entries_want[i].serial);
		/* RFC 5280 5.1.2.4: UTCTime through 2049. */
		t = X509_REVOKED_get0_revocationDate(r);
		if (strncmp(entries_want[i].revoked, "2050", 4) < 0) {
			ck_assert_int_eq(ASN1_STRING_type(t), V_ASN1_UTCTIME);
			str_is(t, entries_want[i].revoked + 2);
		} else {
			ck_assert_int_eq(ASN1_STRING_type(t),
			    V_ASN1_GENERALIZEDTIME);
			str_is(t, entries_want[i].revoked);
		}
		/* RFC 5280 5.3.1: no reasonCode for unspecified. */
		crit = -2;
		rc = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
		if (entries_want[i].reason == 0) {
			ck_assert_ptr_null(rc);
			ck_assert_int_eq(crit, -1);
		} else {
			ck_assert_ptr_nonnull(rc);
			ck_assert_int_eq(crit, 0);
			ck_assert_int_eq(ASN1_ENUMERATED_get(rc),
			    entries_want[i].reason);
			ASN1_ENUMERATED_free(rc);
		}
		crit = -2;
		inv = X509_REVOKED_get_ext_d2i(r, NID_invalidity_date, &crit,
		    NULL);
		if (entries_want[i].inv == NULL) {
			ck_assert_ptr_null(inv);
		} else {
			/* RFC 5280 5.3.2: GeneralizedTime, always. */
			ck_assert_ptr_nonnull(inv);
			ck_assert_int_eq(crit, 0);
			ck_assert_int_eq(ASN1_STRING_type(inv),
			    V_ASN1_GENERALIZEDTIME);
			str_is(inv, entries_want[i].inv);
			ASN1_GENERALIZEDTIME_free(inv);
		}
		ck_assert_int_eq(X509_REVOKED_get_ext_count(r),
		    (entries_want[i].reason != 0) + (entries_want[i].inv !=
		    NULL));
	}
}

static void
check_idp(X509_CRL *crl, int only_ca, const char *const *uris, size_t n)
{
	ISSUING_DIST_POINT *idp;
	int crit = -2, i;

	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (!only_ca && n == 0) {
		ck_assert_ptr_null(idp);
		ck_assert_int_eq(crit, -1);
		return;
	}
	ck_assert_ptr_nonnull(idp);
	/* RFC 5280 5.2.5: critical. */
	ck_assert_int_eq(crit, 1);
	ck_assert_int_eq(idp->onlyCA != 0, only_ca);
	ck_assert_int_eq(idp->onlyuser, 0);
	ck_assert_int_eq(idp->onlyattr, 0);
	ck_assert_int_eq(idp->indirectCRL, 0);
	ck_assert_ptr_null(idp->onlysomereasons);
	if (n == 0) {
		ck_assert_ptr_null(idp->distpoint);
	} else {
		ck_assert_ptr_nonnull(idp->distpoint);
		ck_assert_int_eq(idp->distpoint->type, 0);
		ck_assert_int_eq(sk_GENERAL_NAME_num(
		    idp->distpoint->name.fullname), (int)n);
		for (i = 0; i < (int)n; i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(
			    idp->distpoint->name.fullname, i);

			ck_assert_int_eq(g->type, GEN_URI);
			str_is(g->d.uniformResourceIdentifier, uris[i]);
		}
	}
	ISSUING_DIST_POINT_free(idp);
}

START_TEST(crl_entries)
{
	EVP_PKEY *k = keys[_i];
	X509 *ca = make_ca(k, "Entries Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	struct ca_errbuf eb;
	const char *idx = idx_file("r.idx", entries_idx), *der;
	unsigned char *buf, *re = NULL;
	char h[65], *pem, *want_pem;
	size_t len, pl;
	X509_CRL *crl, *crl2;
	AUTHORITY_KEYID *aki;
	ASN1_INTEGER *num;
	const X509_ALGOR *alg;
	const ASN1_BIT_STRING *sig;
	const ASN1_OBJECT *obj;
	int ptype, crit, n;
	BIO *b;

	params(&p, ca);
	/* A nextUpdate from 2050 on is a GeneralizedTime. */
	p.next_update = _i == 1 ? T_2050 : NEXT;
	p.number = 0x1122334455ULL;
	der = write_crl_ok("r", idx, &p, k, &info);
	crl = parse_crl(der, &buf, &len);

	/* What OpenSSL reads. */
	ck_assert_int_eq(X509_CRL_verify(crl, k), 1);
	ck_assert_int_eq(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	ck_assert_int_eq(X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(ca)), 0);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl),
	    NOW), 0);
	ck_assert_int_eq(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)),
	    V_ASN1_UTCTIME);
	ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl),
	    p.next_update), 0);
	ck_assert_int_eq(ASN1_STRING_type(X509_CRL_get0_nextUpdate(crl)),
	    _i == 1 ? V_ASN1_GENERALIZEDTIME : V_ASN1_UTCTIME);
	ck_assert_int_eq(X509_CRL_get_signature_nid(crl), sig_nids[_i]);
	/* RFC 4055: NULL parameters for RSA; RFC 5758: none for ECDSA. */
	X509_CRL_get0_signature(crl, &sig, &alg);
	X509_ALGOR_get0(&obj, &ptype, NULL, alg);
	ck_assert_int_eq(ptype, algs[_i] == CA_ALG_RSA3072 ? V_ASN1_NULL :
	    V_ASN1_UNDEF);
	ck_assert_int_eq(X509_CRL_get_ext_count(crl), 3);
	/* cRLNumber, non-critical. */
	crit = -2;
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	ck_assert_ptr_nonnull(num);
	ck_assert_int_eq(crit, 0);
	ck_assert_int_eq(ASN1_INTEGER_get(num), 0x1122334455LL);
	ASN1_INTEGER_free(num);
	/* authorityKeyIdentifier: the issuer's SKI, and only that. */
	aki = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit,
	    NULL);
	ck_assert_ptr_nonnull(aki);
	ck_assert_int_eq(crit, 0);
	ck_assert_ptr_nonnull(aki->keyid);
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(aki->keyid,
	    X509_get0_subject_key_id(ca)), 0);
	ck_assert_ptr_null(aki->issuer);
	ck_assert_ptr_null(aki->serial);
	AUTHORITY_KEYID_free(aki);
	check_idp(crl, 1, two_uris, 2);
	check_entries(crl);
	ck_assert_int_eq(tag_after_next_update(buf, len), 0x30);

	/* info is the DER file's. */
	ck_assert_int_eq(info.entries, NENTRIES);
	ck_assert_uint_eq(info.der_len, len);
	sha256_of(buf, len, h);
	ck_assert_str_eq(info.der_sha256, h);

	/* The PEM is the DER's, byte for byte as OpenSSL writes it. */
	b = BIO_new_file(file_in("r.pem"), "r");
	crl2 = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	ck_assert_ptr_nonnull(crl2);
	n = i2d_X509_CRL(crl2, &re);
	ck_assert_int_eq(n, (int)len);
	ck_assert_int_eq(memcmp(re, buf, len), 0);
	OPENSSL_free(re);
	X509_CRL_free(crl2);
	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_X509_CRL(b, crl), 1);
	pl = (size_t)BIO_get_mem_data(b, &want_pem);
	pem = tu_read(file_in("r.pem"), &len);
	ck_assert_uint_eq(len, pl);
	ck_assert_int_eq(memcmp(pem, want_pem, pl), 0);
	BIO_free(b);
	free(pem);

	/* And ca_crl_check agrees. */
	eb.msg[0] = '\0';
	ck_assert_msg(ca_crl_check(der, idx, &p, &eb) == 0, "check: %s",
	    eb.msg);
	X509_CRL_free(crl);
	free(buf);
	X509_free(ca);
}
END_TEST

START_TEST(idp_parse)
{
	int idp = -1;

	ck_assert_ok(ca_idp_parse("full", &idp));
	ck_assert_int_eq(idp, CA_IDP_FULL);
	ck_assert_ok(ca_idp_parse("scope", &idp));
	ck_assert_int_eq(idp, CA_IDP_SCOPE);
	ck_assert_ok(ca_idp_parse("none", &idp));
	ck_assert_int_eq(idp, CA_IDP_NONE);
	ck_assert_err(ca_idp_parse("", &idp), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_idp_parse("Full", &idp), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_idp_parse("full ", &idp), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_idp_parse("fullname", &idp), CA_ERR_INVALID_ARG);
}
END_TEST

/* The IDP as the params ask: none, CA-only, names only. */
START_TEST(crl_idp_variants)
{
	EVP_PKEY *k = keys[0];
	X509 *ca = make_ca(k, "IDP Root");
	struct ca_crl_params p, q;
	struct ca_crl_info info;
	const char *der;
	unsigned char *buf;
	size_t len;
	X509_CRL *crl;
	static const struct {
		int idp, only_ca;
		size_t ndp;
		int want_ca;		/* what the CRL then says */
		size_t want_ndp;
	} v[] = {
		{ CA_IDP_FULL, 0, 0, 0, 0 }, { CA_IDP_FULL, 1, 0, 1, 0 },
		{ CA_IDP_FULL, 0, 1, 0, 1 }, { CA_IDP_FULL, 0, 2, 0, 2 },
		{ CA_IDP_FULL, 1, 1, 1, 1 }, { CA_IDP_FULL, 1, 2, 1, 2 },
		{ CA_IDP_SCOPE, 1, 2, 1, 0 }, { CA_IDP_SCOPE, 1, 0, 1, 0 },
		{ CA_IDP_SCOPE, 0, 2, 0, 0 }, { CA_IDP_NONE, 1, 2, 0, 0 },
		{ CA_IDP_NONE, 0, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		params(&p, ca);
		p.idp = v[i].idp;
		p.only_ca_certs = v[i].only_ca;
		p.ndp = v[i].ndp;
		der = write_crl_ok("idp", NULL, &p, k, &info);
		crl = parse_crl(der, &buf, &len);
		ck_assert_int_eq(X509_CRL_verify(crl, k), 1);
		ck_assert_int_eq(X509_CRL_get_ext_count(crl),
		    2 + (v[i].want_ca || v[i].want_ndp > 0));
		check_idp(crl, v[i].want_ca, two_uris, v[i].want_ndp);
		ck_assert_ok(ca_crl_check(der, NULL, &p, NULL));
		/* Checked against another form: refused, when it differs. */
		q = p;
		q.idp = p.idp == CA_IDP_FULL ? CA_IDP_NONE : CA_IDP_FULL;
		if (v[i].want_ca != (q.idp != CA_IDP_NONE && q.only_ca_certs) ||
		    v[i].want_ndp != (q.idp == CA_IDP_FULL ? q.ndp : 0))
			ck_assert_err(ca_crl_check(der, NULL, &q, NULL),
			    CA_ERR_VERIFY);
		else
			ck_assert_ok(ca_crl_check(der, NULL, &q, NULL));
		X509_CRL_free(crl);
		free(buf);
	}
	X509_free(ca);
}
END_TEST

static void
check_fails(const char *der, const char *idx, const struct ca_crl_params *p,
    const char *why)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_crl_check(der, idx, p, &eb), CA_ERR_VERIFY);
	ck_assert_msg(eb.msg[0] != '\0', "no reason given");
	if (why != NULL)
		ck_assert_msg(strstr(eb.msg, why) != NULL,
		    "\"%s\" lacks \"%s\"", eb.msg, why);
}

/* One byte changed anywhere that matters: refused. */
START_TEST(crl_check_tampered)
{
	EVP_PKEY *k = keys[_i];
	X509 *ca = make_ca(k, "Tamper Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	const char *idx = idx_file("r.idx", entries_idx), *der;
	char *copy = file_in("copy.der"), *raw;
	static const unsigned char serial16[] = { 0x02, 0x10, 0x01, 0x23,
	    0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	static const unsigned char number[] = { 0x02, 0x05, 0x11, 0x22, 0x33,
	    0x44, 0x55 };
	unsigned char reason4[] = { 0x0a, 0x01, 0x04 };
	size_t len, at;

	params(&p, ca);
	p.number = 0x1122334455ULL;
	p.this_update = NOW + 5 * 3600;	/* 260101050000Z: once only */
	der = write_crl_ok("r", idx, &p, k, &info);
	ck_assert_ok(ca_crl_check(der, idx, &p, NULL));

	/* In an entry: its serial, and its reason. */
	copy_file(der, copy);
	flip(copy, find(copy, serial16, sizeof(serial16)) + 5);
	check_fails(copy, idx, &p, "not serial");
	copy_file(der, copy);
	flip(copy, find(copy, reason4, sizeof(reason4)) + 2);
	check_fails(copy, idx, &p, NULL);
	/* In the number. */
	copy_file(der, copy);
	flip(copy, find(copy, number, sizeof(number)) + 6);
	check_fails(copy, idx, &p, "extensions");
	/* In thisUpdate. */
	copy_file(der, copy);
	flip(copy, find(copy, "260101050000Z", 13) + 11);
	check_fails(copy, idx, &p, "dates");
	/* In the signature: its last byte, and one in the middle. */
	copy_file(der, copy);
	flip(copy, info.der_len - 1);
	check_fails(copy, idx, &p, "signature");
	copy_file(der, copy);
	flip(copy, info.der_len - 20);
	check_fails(copy, idx, &p, NULL);
	/* Cut short, or with a byte more. */
	raw = tu_read(der, &len);
	tu_write(copy, raw, len - 1);
	check_fails(copy, idx, &p, NULL);
	raw = realloc(raw, len + 1);
	raw[len] = 0;
	tu_write(copy, raw, len + 1);
	check_fails(copy, idx, &p, NULL);
	free(raw);
	/* Every single byte: nothing gets through. */
	if (_i == 0) {
		for (at = 0; at < info.der_len; at += 7) {
			copy_file(der, copy);
			flip(copy, at);
			ck_assert_msg(ca_crl_check(copy, idx, &p, NULL) ==
			    CA_ERR_VERIFY, "flip at %zu accepted", at);
		}
	}
	/* The untouched one still passes. */
	ck_assert_ok(ca_crl_check(der, idx, &p, NULL));
	/* A missing file is not a verification failure. */
	ck_assert_err(ca_crl_check(file_in("none.der"), idx, &p, NULL),
	    CA_ERR_IO);
	X509_free(ca);
}
END_TEST

/* The CRL against an index that says something else. */
START_TEST(crl_check_index_differs)
{
	EVP_PKEY *k = keys[0];
	X509 *ca = make_ca(k, "Index Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	const char *three = "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n";
	const char *idx = idx_file("three.idx", three), *der, *empty;

	params(&p, ca);
	der = write_crl_ok("three", idx, &p, k, &info);
	ck_assert_int_eq(info.entries, 3);
	ck_assert_ok(ca_crl_check(der, idx, &p, NULL));
	/* An extra entry in the index: at the end, first, in the middle. */
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n0100 20260101000000Z 1\n"),
	    &p, "not in the crl");
	check_fails(der, idx_file("x.idx", "05 20260101000000Z 1\n"
	    "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n"), &p, "not serial");
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 1\n"
	    "20 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n"), &p, "not serial");
	/* One missing: the last, the first; none at all. */
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"), &p, "more entries");
	check_fails(der, idx_file("x.idx", "30 20260101000000Z 0 "
	    "20251201000000Z\nff 20260101000000Z 9\n"), &p, "not serial");
	check_fails(der, idx_file("x.idx", ""), &p, "more entries");
	check_fails(der, file_in("missing.idx"), &p, "more entries");
	check_fails(der, NULL, &p, "more entries");
	/* Same serials, other reason, date or invalidity date. */
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 5\n"), &p, "not serial ff");
	check_fails(der, idx_file("x.idx", "10 20260101000001Z 1\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n"), &p, "not serial 10");
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 1\n"
	    "30 20260101000000Z 0\n"
	    "ff 20260101000000Z 9\n"), &p, "not serial 30");
	check_fails(der, idx_file("x.idx", "10 20260101000000Z 0\n"
	    "30 20260101000000Z 0 20251201000000Z\n"
	    "ff 20260101000000Z 9\n"), &p, "not serial 10");
	/* An empty CRL against an index with entries. */
	empty = write_crl_ok("empty", NULL, &p, k, &info);
	check_fails(empty, idx, &p, "not in the crl");
	ck_assert_ok(ca_crl_check(empty, NULL, &p, NULL));
	X509_free(ca);
}
END_TEST

/* The CRL against other params, or signed by another key. */
START_TEST(crl_check_params_differ)
{
	EVP_PKEY *k = keys[_i];
	X509 *ca = make_ca(k, "Params Root"), *other;
	struct ca_crl_params p, q;
	struct ca_crl_info info;
	const char *idx = idx_file("r.idx", entries_idx), *der;
	static const char *const one_uri[] = {
	    "http://pki.example/crl/other.crl" };
	X509_CRL *crl;
	unsigned char *buf;
	size_t len;

	params(&p, ca);
	der = write_crl_ok("r", idx, &p, k, &info);
	ck_assert_ok(ca_crl_check(der, idx, &p, NULL));
	q = p;
	q.number = p.number + 1;
	check_fails(der, idx, &q, "extensions");
	q = p;
	q.number = p.number - 1;
	check_fails(der, idx, &q, "extensions");
	q = p;
	q.this_update = p.this_update + 1;
	check_fails(der, idx, &q, "dates");
	q = p;
	q.next_update = p.next_update - 1;
	check_fails(der, idx, &q, "dates");
	q = p;
	q.only_ca_certs = 0;
	check_fails(der, idx, &q, "extensions");
	q = p;
	q.ndp = 1;
	check_fails(der, idx, &q, "extensions");
	q = p;
	q.dp_uris = one_uri;
	q.ndp = 1;
	check_fails(der, idx, &q, "extensions");
	/* Another CA certificate (other name, other key). */
	other = make_ca(other_key, "Other Root");
	q = p;
	q.issuer = other;
	check_fails(der, idx, &q, NULL);
	X509_free(other);

	/* Signed by another key under this CA's name: the same bytes but
	 * the signature. */
	{
		ck_assert_ok(write_crl("forged", idx, &p, other_key, &info,
		    NULL));
		der = file_in("forged.der");
		check_fails(der, idx, &p, "signature");
		crl = parse_crl(der, &buf, &len);
		ck_assert_int_ne(X509_CRL_verify(crl, k), 1);
		X509_CRL_free(crl);
		free(buf);
	}
	/* The same key signs for a CA certificate of another key. */
	other = make_ca(other_key, "Params Root");
	q = p;
	q.issuer = other;
	ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(other),
	    X509_get_subject_name(ca)), 0);
	check_fails(file_in("r.der"), idx, &q, NULL);
	X509_free(other);
	X509_free(ca);
	ERR_clear_error();
}
END_TEST

START_TEST(crl_write_bad_index)
{
	EVP_PKEY *k = keys[0];
	X509 *ca = make_ca(k, "Bad Index Root");
	struct ca_crl_params p;
	struct ca_crl_info info;
	struct ca_errbuf eb;
	char text[512];
	size_t i;

	params(&p, ca);
	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(text, sizeof(text), "10 20260101000000Z 4\n%s"
		    "ff 20260101000000Z 1\n", bad_lines[i]);
		eb.msg[0] = '\0';
		ck_assert_msg(write_crl("bad", idx_file("bad.idx", text), &p,
		    k, &info, &eb) == CA_ERR_INVALID_ARG, "accepted \"%s\"",
		    bad_lines[i]);
		/* A line longer than the buffer is read as two. */
		ck_assert_msg(strstr(eb.msg, "line 2 is malformed") != NULL,
		    "%s", eb.msg);
	}
	eb.msg[0] = '\0';
	ck_assert_err(write_crl("bad", idx_file("bad.idx",
	    "10 20260101000000Z 4\n30 20260101000000Z 1\n"
	    "20 20260101000000Z 1\n"), &p, k, &info, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "line 3 is out of order"));
	ck_assert_err(write_crl("bad", idx_file("bad.idx",
	    "10 20260101000000Z 4\n10 20260101000000Z 4\n"), &p, k, &info,
	    NULL), CA_ERR_INVALID_ARG);
	ck_assert_err(write_crl("bad", idx_file("bad.idx",
	    "0100 20260101000000Z 4\nff 20260101000000Z 4\n"), &p, k, &info,
	    NULL), CA_ERR_INVALID_ARG);
	/* ca_crl_check says the same of such an index. */
	{
		const char *der = write_crl_ok("good", NULL, &p, k, &info);

		ck_assert_int_ne(ca_crl_check(der, idx_file("bad.idx",
		    "10 20260101000000Z 6\n"), &p, NULL), 0);
	}
	X509_free(ca);
}
END_TEST

static Suite *
crl_suite(void)
{
	Suite *s = suite_create("crl");
	TCase *tc = tcase_create("index");
	TCase *tw = tcase_create("crl");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, reasons);
	tcase_add_test(tc, serial_normalise);
	tcase_add_test(tc, serial_cmp);
	tcase_add_test(tc, idp_parse);
	tcase_add_test(tc, rev_line_round_trip);
	tcase_add_test(tc, rev_next_malformed);
	tcase_add_test(tc, rev_insert_places);
	tcase_add_test(tc, rev_insert_refused);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(tw, base_setup, base_teardown);
	tcase_add_checked_fixture(tw, dir_setup, dir_teardown);
	tcase_set_timeout(tw, 30);
	tcase_add_loop_test(tw, crl_empty, 0, NALGS);
	tcase_add_loop_test(tw, crl_entries, 0, NALGS);
	tcase_add_test(tw, crl_idp_variants);
	tcase_add_loop_test(tw, crl_check_tampered, 0, NALGS);
	tcase_add_test(tw, crl_check_index_differs);
	tcase_add_loop_test(tw, crl_check_params_differ, 0, NALGS);
	tcase_add_test(tw, crl_write_bad_index);
	tcase_add_test(tw, rev_next_impossible_dates);
	suite_add_tcase(s, tw);
	return s;
}

CK_MAIN(crl_suite)
