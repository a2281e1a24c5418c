/*
 * seedgen.c: the seeds that only the library can make right, for
 * make-seeds.sh: shares with their check digits and split check values
 * (shares/, backup/), and the certificates and CRLs of a CA directory to
 * plan replacements for (plan/).  Random keys and splits: the seeds
 * differ from run to run, and are equally valid.
 *
 *   seedgen shares DIR   (the corpus of fuzz_shares)
 *   seedgen backup DIR   (of fuzz_backup)
 *   seedgen plan DIR     (of fuzz_plan)
 *   seedgen dn DIR CSR.. (of fuzz_dn: the requests' subjects, as DER)
 *
 * Built by make-seeds.sh against lib/libkeyceremony.a (make all first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "cjson.h"
#include "crl.h"
#include "csr.h"
#include "dn.h"
#include "encode.h"
#include "fsio.h"
#include "keywrap.h"
#include "profile.h"
#include "secret.h"
#include "shares.h"
#include "sign.h"
#include "split.h"
#include "timefmt.h"

#define SEP "\n%%\n"

static const char *out_dir;

static void
die(const char *what)
{
	fprintf(stderr, "seedgen: %s failed\n", what);
	exit(1);
}

/* The file name in the corpus, written whole from the n strings given. */
static void
seed(const char *name, const char *const *parts, size_t n)
{
	char path[4096];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? SEP : "", parts[i]);
	if (fclose(f) != 0)
		die(path);
}

static char *
canon(const json_t *v)
{
	char *s = NULL;
	size_t len = 0;

	if (ca_json_canon(v, &s, &len, NULL) != 0)
		die("canon");
	return s;
}

/* An m-of-n split of a new secret of len bytes among custodians C1.. */
static struct ca_split *
split(unsigned m, unsigned n, size_t len)
{
	struct ca_split *s = NULL;
	json_t *roster = json_array();
	char name[16];
	unsigned i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "C%u", i + 1);
		json_array_append_new(roster, json_pack("{s:s, s:s}", "role",
		    "custodian", "name", name));
	}
	if (ca_split_new(m, n, len, roster, &s, NULL) != 0)
		die("ca_split_new");
	json_decref(roster);
	return s;
}

/* text with one hex digit of its share part changed: a typing error. */
static char *
mistyped(const char *text)
{
	char *t = strdup(text);
	size_t i = strlen(t) - 8;

	t[i] = t[i] == '0' ? '1' : '0';
	return t;
}

/* As typed from paper: upper case, in groups, over two lines. */
static char *
as_typed(const char *text)
{
	char *t = malloc(2 * strlen(text) + 2);
	size_t i, j = 0;

	for (i = 0; text[i] != '\0'; i++) {
		t[j++] = (char)(text[i] >= 'a' && text[i] <= 'z' ?
		    text[i] - 32 : text[i]);
		if (i % 4 == 3)
			t[j++] = i == 39 ? '\n' : ' ';
	}
	t[j] = '\0';
	return t;
}

static void
shares(void)
{
	struct ca_split *pin = split(2, 3, CA_SHARE_PIN_LEN);
	struct ca_split *key = split(3, 5, CA_SHARE_KEY_LEN);
	struct ca_split *other = split(2, 3, CA_SHARE_PIN_LEN);
	char *a_pin = canon(pin->activation), *a_key = canon(key->activation);
	char check[80], *bad = mistyped(pin->text[1]->buf);
	char *typed = as_typed(key->text[0]->buf);
	const char *p[6];

	snprintf(check, sizeof(check), "check %s", json_string_value(
	    json_object_get(pin->activation, "check")));
	/* Typed at the prompt, for the split the log names. */
	p[0] = a_pin; p[1] = pin->text[0]->buf; p[2] = pin->text[2]->buf;
	seed("pin-2of3-typed", p, 3);
	p[0] = a_key; p[1] = typed; p[2] = key->text[2]->buf;
	p[3] = key->text[4]->buf;
	seed("key-3of5-typed", p, 4);
	/* Shares alone, combined, with and without the check value. */
	p[0] = pin->text[1]->buf; p[1] = pin->text[2]->buf; p[2] = check;
	seed("pin-pair-checked", p, 3);
	p[0] = key->text[0]->buf; p[1] = key->text[1]->buf;
	p[2] = key->text[3]->buf;
	seed("key-three", p, 3);
	seed("one-share", p, 1);
	/* Near misses. */
	p[0] = a_pin; p[1] = pin->text[0]->buf; p[2] = bad;
	seed("pin-mistyped", p, 3);
	p[0] = pin->text[0]->buf; p[1] = other->text[1]->buf;
	seed("two-splits", p, 2);
	p[0] = pin->text[0]->buf; p[1] = pin->text[0]->buf;
	seed("twice", p, 2);
	p[0] = key->text[0]->buf; p[1] = key->text[1]->buf;
	seed("too-few", p, 2);
	p[0] = other->text[0]->buf; p[1] = other->text[1]->buf; p[2] = check;
	seed("wrong-check", p, 3);
	p[0] = a_pin; p[1] = pin->text[0]->buf;
	seed("pin-one-typed", p, 2);
	free(a_pin);
	free(a_key);
	free(bad);
	free(typed);
	ca_split_free(pin);
	ca_split_free(key);
	ca_split_free(other);
}

/* The files ca_split_write makes of s, each read back whole. */
static char **
share_files(struct ca_split *s, const char *tmp)
{
	char **v = calloc(s->n, sizeof(*v)), path[4096];
	unsigned char *buf;
	size_t len;
	const json_t *sh;
	size_t i;

	if (ca_split_write(s, tmp, "backup key", "rebuild the backup "
	    "wrapping key", "CA \"plant-root\", token \"root\"", NULL) != 0)
		die("ca_split_write");
	json_array_foreach(json_object_get(s->activation, "shares"), i, sh) {
		snprintf(path, sizeof(path), "%s/%02zu-%s.share", tmp, i + 1,
		    json_string_value(json_object_get(sh, "custodian")));
		if (ca_read_file(path, 4096, &buf, &len, NULL) != 0)
			die(path);
		v[i] = (char *)buf;
	}
	ca_split_unwrite(s);
	return v;
}

/* {"label", "kcv", "split"} as a "backup_wrap_key" record holds it. */
static char *
wrap_record(struct ca_split *s)
{
	unsigned char *key = NULL;
	size_t len = 0;
	char kcv[7], label[32], *out;
	json_t *w;

	if (ca_hex_decode(s->secret->buf, &key, &len) != 0 ||
	    ca_aes_kcv(key, kcv) != 0)
		die("kcv");
	snprintf(label, sizeof(label), "backup-wrap-%s", json_string_value(
	    json_object_get(s->activation, "split")));
	w = json_pack("{s:s, s:s, s:O}", "label", label, "kcv", kcv, "split",
	    s->activation);
	out = canon(w);
	json_decref(w);
	free(key);
	return out;
}

static void
backup(void)
{
	struct ca_split *k = split(2, 3, CA_SHARE_KEY_LEN);
	struct ca_split *pin = split(2, 2, CA_SHARE_PIN_LEN);
	char tmp[] = "/tmp/seedgen-XXXXXX", sub[4200];
	char *w = wrap_record(k), *wp = wrap_record(pin), **f, **fp;
	const char *p[4];

	if (mkdtemp(tmp) == NULL)
		die("mkdtemp");
	snprintf(sub, sizeof(sub), "%s/k", tmp);
	f = share_files(k, sub);
	snprintf(sub, sizeof(sub), "%s/p", tmp);
	fp = share_files(pin, sub);
	rmdir(tmp);
	p[0] = w; p[1] = f[0]; p[2] = f[2];
	seed("restore-2of3", p, 3);
	p[0] = w; p[1] = f[2]; p[2] = f[1]; p[3] = f[0];
	seed("restore-all-three", p, 4);
	/* Near misses: one share short, a PIN's share, no share at all. */
	p[0] = w; p[1] = f[1];
	seed("restore-one-short", p, 2);
	p[0] = w; p[1] = f[0]; p[2] = fp[1];
	seed("restore-pin-share", p, 3);
	p[0] = wp; p[1] = fp[0]; p[2] = fp[1];
	seed("restore-pin-split", p, 3);
	p[0] = w; p[1] = "# keyceremony backup key share 1 of 3\n# only "
	    "comments\n";
	seed("restore-comments-only", p, 2);
	free(w);
	free(wp);
	free(f[0]); free(f[1]); free(f[2]); free(f);
	free(fp[0]); free(fp[1]); free(fp);
	ca_split_free(k);
	ca_split_free(pin);
}

/* --- plan/ ------------------------------------------------------------- */

static time_t
at(const char *s)
{
	time_t t;

	if (ca_time_parse(s, &t) != 0)
		die(s);
	return t;
}

static EVP_PKEY *ca_key;
static X509 *ca_cert;

static char *
pem_of(X509 *x)
{
	char *s = NULL;
	size_t len = 0;

	if (ca_cert_pem(x, &s, &len) != 0)
		die("pem");
	return s;
}

static X509 *
make_cert(enum ca_cert_kind kind, const char *subject, const char *nb,
    const char *na)
{
	struct ca_cert_params p;
	X509_NAME *n = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;

	memset(&p, 0, sizeof(p));
	if (ca_dn_parse(subject, &n, NULL) != 0 ||
	    ca_serial_random(p.serial) != 0)
		die("subject");
	p.kind = kind;
	p.subject = n;
	p.issuer = kind == CA_CERT_ROOT ? NULL :
	    X509_get_subject_name(ca_cert);
	p.not_before = at(nb);
	p.not_after = at(na);
	p.path_len = -1;
	p.key_usage = kind == CA_CERT_ROOT ? CA_KU_KEY_CERT_SIGN |
	    CA_KU_CRL_SIGN : CA_KU_DIGITAL_SIGNATURE;
	if (kind == CA_CERT_ROOT)
		k = ca_key;
	else if ((k = EVP_EC_gen("P-256")) == NULL)
		die("key");
	if (ca_cert_build(&p, k, kind == CA_CERT_ROOT ? NULL : ca_key,
	    &x) != 0 || ca_cert_sign(x, ca_key, ca_md_for_key(ca_key),
	    NULL) != 0)
		die("certificate");
	if (k != ca_key)
		EVP_PKEY_free(k);
	X509_NAME_free(n);
	return x;
}

/* A CRL of ca_cert, as DER, over no revocations; caller frees. */
static char *
make_crl(const char *tu, const char *nu, size_t *len)
{
	struct ca_crl_params p;
	struct ca_crl_info info;
	char *buf;
	FILE *der, *pem;
	long n;

	memset(&p, 0, sizeof(p));
	p.issuer = ca_cert;
	p.this_update = at(tu);
	p.next_update = at(nu);
	p.number = 7;
	p.idp = CA_IDP_NONE;
	/* Real files: the writer syncs them. */
	if ((der = tmpfile()) == NULL || (pem = tmpfile()) == NULL ||
	    ca_crl_write(NULL, &p, ca_sign_evp_digest, ca_key, der, pem,
	    &info, NULL) != 0 || fflush(der) != 0 ||
	    (n = ftell(der)) <= 0 || (buf = malloc((size_t)n)) == NULL ||
	    fseek(der, 0, SEEK_SET) != 0 ||
	    fread(buf, 1, (size_t)n, der) != (size_t)n)
		die("crl");
	fclose(der);
	fclose(pem);
	*len = (size_t)n;
	return buf;
}

/* A seed that holds a NUL (a DER CRL) goes out byte for byte. */
static void
seed_bytes(const char *name, const char *const *parts, const size_t *lens,
    size_t n)
{
	char path[4096];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(SEP, f);
		fwrite(parts[i], 1, lens[i], f);
	}
	if (fclose(f) != 0)
		die(path);
}

static void
plan(void)
{
	const char *p[5];
	size_t l[5], crl_len, crl2_len;
	char *ca, *d1, *d2, *d3, *d4, *crl, *crl2;
	unsigned char *der = NULL;
	int derlen;
	X509 *x;

	if ((ca_key = EVP_EC_gen("P-256")) == NULL)
		die("key");
	ca_cert = make_cert(CA_CERT_ROOT, "CN=Plant Root,O=Example,C=DE",
	    "2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z");
	ca = pem_of(ca_cert);
	x = make_cert(CA_CERT_DEVICE, "CN=plc-1", "2026-06-01T00:00:00Z",
	    "2032-06-01T00:00:00Z");
	d1 = pem_of(x);
	X509_free(x);
	x = make_cert(CA_CERT_DEVICE, "CN=plc-2", "2026-06-01T00:00:00Z",
	    "2027-08-01T00:00:00Z");
	d2 = pem_of(x);
	X509_free(x);
	/* Outlives the CA; gone already; no window left before it ends. */
	x = make_cert(CA_CERT_DEVICE, "CN=hmi-1", "2026-06-01T00:00:00Z",
	    "2040-01-01T00:00:00Z");
	d3 = pem_of(x);
	X509_free(x);
	x = make_cert(CA_CERT_DEVICE, "CN=old", "2025-01-01T00:00:00Z",
	    "2026-06-01T00:00:00Z");
	d4 = pem_of(x);
	X509_free(x);
	crl = make_crl("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z",
	    &crl_len);
	crl2 = make_crl("2026-12-01T00:00:00Z", "2027-01-10T00:00:00Z",
	    &crl2_len);

	p[0] = ca; p[1] = crl; p[2] = d1; p[3] = d2;
	l[0] = strlen(ca); l[1] = crl_len; l[2] = strlen(d1);
	l[3] = strlen(d2);
	seed_bytes("healthy", p, l, 4);
	p[1] = crl2; l[1] = crl2_len; p[2] = d3; l[2] = strlen(d3);
	p[3] = d4; l[3] = strlen(d4);
	seed_bytes("warnings", p, l, 4);
	p[1] = ""; l[1] = 0; p[2] = d2; l[2] = strlen(d2);
	seed_bytes("no-crl", p, l, 3);
	if ((derlen = i2d_X509(ca_cert, &der)) <= 0)
		die("der");
	p[0] = (const char *)der; l[0] = (size_t)derlen;
	seed_bytes("ca-der", p, l, 1);
	/* Near misses: a CRL in PEM, and an issued file that is no cert. */
	p[0] = ca; l[0] = strlen(ca);
	p[1] = ca; l[1] = strlen(ca);
	seed_bytes("crl-not-der", p, l, 2);
	p[1] = ""; l[1] = 0; p[2] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\n"; l[2] = strlen(p[2]);
	seed_bytes("issued-broken", p, l, 3);
	OPENSSL_free(der);
	free(ca); free(d1); free(d2); free(d3); free(d4);
	free(crl); free(crl2);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
}

/* --- dn/ --------------------------------------------------------------- */

static void
names(char **csrs, int n)
{
	struct ca_csr *c = NULL;
	unsigned char *buf = NULL, *der = NULL;
	const char *base, *part;
	char name[256];
	size_t len = 0, plen;
	int i, dl;

	for (i = 0; i < n; i++) {
		if (ca_read_file(csrs[i], 1 << 20, &buf, &len, NULL) != 0 ||
		    ca_csr_parse(buf, len, &c, NULL) != 0 ||
		    (dl = i2d_X509_NAME(c->subject, &der)) < 0)
			die(csrs[i]);
		base = strrchr(csrs[i], '/') ? strrchr(csrs[i], '/') + 1 :
		    csrs[i];
		snprintf(name, sizeof(name), "der-%.*s", (int)strcspn(base,
		    "."), base);
		part = (const char *)der;
		plen = (size_t)dl;
		seed_bytes(name, &part, &plen, 1);
		OPENSSL_free(der);
		der = NULL;
		ca_csr_free(c);
		free(buf);
	}
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: seedgen shares|backup|plan|dn DIR "
		    "[CSR...]\n");
		return 2;
	}
	out_dir = argv[2];
	if (strcmp(argv[1], "dn") == 0) {
		names(argv + 3, argc - 3);
		return 0;
	}
	if (strcmp(argv[1], "shares") == 0)
		shares();
	else if (strcmp(argv[1], "backup") == 0)
		backup();
	else if (strcmp(argv[1], "plan") == 0)
		plan();
	else
		return 2;
	return 0;
}
