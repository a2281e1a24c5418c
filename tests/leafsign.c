/*
 * leafsign CADIR PINFILE PUBKEY.pem CN SANS [DAYS]: print a TLS leaf
 * certificate (PEM) for PUBKEY, signed on the token by the CA in CADIR.
 *
 * A test tool standing in for end-entity issuance, so that the
 * interoperability tests run chains whose every CA signature was made
 * by a token key.  SANS is OpenSSL's subjectAltName syntax, such as
 * "DNS:plc1.plant.example,IP:10.20.1.5".  No record is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "cadir.h"
#include "certgen.h"

static int
add(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

int
main(int argc, char **argv)
{
	struct ca_errbuf eb = { 0 };
	struct ca_dir *d = NULL;
	char src[4200];
	X509 *x = NULL, *signed_ = NULL;
	EVP_PKEY *pub = NULL, *stamp = NULL;
	const EVP_MD *md;
	FILE *f;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	long days = argc > 6 ? atol(argv[6]) : 365;
	int r;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: leafsign CADIR PINFILE PUBKEY CN SANS "
		    "[DAYS]\n");
		return 2;
	}
	if ((f = fopen(argv[3], "r")) == NULL ||
	    (pub = PEM_read_PUBKEY(f, NULL, NULL, NULL)) == NULL) {
		fprintf(stderr, "leafsign: cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(f);
	snprintf(src, sizeof(src), "file:%s", argv[2]);
	if ((r = ca_dir_open(argv[1], &d, &eb)) != 0 ||
	    (r = ca_dir_login(d, src, NULL, NULL, &eb)) != 0) {
		fprintf(stderr, "leafsign: %s\n", eb.msg);
		return 1;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return 1;
	serial[0] &= 0x7f;
	serial[0] |= 0x01;
	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    (bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(d->cert)) ||
	    !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_UTF8, (const unsigned char *)argv[4], -1, -1, 0) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -60) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), days * 86400) ||
	    !X509_set_pubkey(x, pub) ||
	    !add(x, d->cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add(x, d->cert, NID_key_usage, "critical,digitalSignature") ||
	    !add(x, d->cert, NID_ext_key_usage, "serverAuth,clientAuth") ||
	    !add(x, d->cert, NID_subject_alt_name, argv[5]) ||
	    !add(x, d->cert, NID_subject_key_identifier, "hash") ||
	    !add(x, d->cert, NID_authority_key_identifier, "keyid:always")) {
		fprintf(stderr, "leafsign: cannot build the certificate\n");
		return 1;
	}
	/* A throwaway key sets the algorithm; the token signs that tbs. */
	md = ca_md_for_key(X509_get0_pubkey(d->cert));
	if (ca_keygen_stamp(X509_get0_pubkey(d->cert), &stamp) != 0 ||
	    ca_cert_sign(x, stamp, md, &eb) != 0 ||
	    ca_tsigner_sign_cert(d->ca_ts, x, md, &signed_, &eb) != 0 ||
	    !PEM_write_X509(stdout, signed_)) {
		fprintf(stderr, "leafsign: %s\n", eb.msg);
		return 1;
	}
	X509_free(signed_);
	EVP_PKEY_free(stamp);
	X509_free(x);
	BN_free(bn);
	EVP_PKEY_free(pub);
	ca_dir_close(d);
	return 0;
}
