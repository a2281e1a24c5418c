/*
 * crlbench CADIR PINFILE INDEX OUT.der OUT.pem: build a CRL over the
 * revocation index INDEX, signed on the token by the CA in CADIR, and
 * read it back, the way ca-crl issue does (ca_crl_write, ca_crl_check).
 *
 * A benchmark tool for tests/bench/crl-bench.sh: CRL number 1,
 * thisUpdate now, nextUpdate 30 days on, no issuingDistributionPoint.
 * INDEX need not be the CA's own.  No record is written and OUT.der and
 * OUT.pem are overwritten.  Prints what the CRL came to and how long
 * each step took, one "key: value" a line.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cadir.h"
#include "crl.h"
#include "secret.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int
main(int argc, char **argv)
{
	struct ca_errbuf eb = { 0 };
	struct ca_dir *d = NULL;
	struct ca_crl_params p;
	struct ca_sign_stream ss;
	struct ca_crl_info info;
	char src[4200];
	FILE *der = NULL, *pem = NULL;
	double t0, t1, t2, t3;
	int r, rc = 1;

	if (ca_proc_init() != 0) {
		fprintf(stderr, "crlbench: cannot harden the process\n");
		return 1;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: crlbench CADIR PINFILE INDEX OUT.der "
		    "OUT.pem\n");
		return 2;
	}
	snprintf(src, sizeof(src), "file:%s", argv[2]);
	t0 = now_s();
	if ((r = ca_dir_open(argv[1], &d, &eb)) != 0 ||
	    (r = ca_dir_login(d, src, NULL, NULL, &eb)) != 0) {
		fprintf(stderr, "crlbench: cannot open \"%s\": %s: %s\n",
		    argv[1], ca_strerror(r), eb.msg);
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.issuer = d->cert;
	p.this_update = time(NULL);
	p.next_update = p.this_update + 30 * 86400;
	p.number = 1;
	p.only_ca_certs = 0;
	if ((der = fopen(argv[4], "we")) == NULL ||
	    (pem = fopen(argv[5], "we")) == NULL) {
		fprintf(stderr, "crlbench: cannot create \"%s\"\n",
		    der == NULL ? argv[4] : argv[5]);
		goto out;
	}
	t1 = now_s();
	ca_tsigner_stream(d->ca_ts, &ss);
	if ((r = ca_crl_write(argv[3], &p, &ss, der, pem, &info, &eb)) != 0) {
		fprintf(stderr, "crlbench: cannot build the crl: %s: %s\n",
		    ca_strerror(r), eb.msg);
		goto out;
	}
	r = fclose(der);
	der = NULL;
	if (r != 0 || fclose(pem) != 0) {
		pem = NULL;
		fprintf(stderr, "crlbench: cannot write the crl\n");
		goto out;
	}
	pem = NULL;
	t2 = now_s();
	if ((r = ca_crl_check(argv[4], argv[3], &p, &eb)) != 0) {
		fprintf(stderr, "crlbench: the crl does not check: %s: %s\n",
		    ca_strerror(r), eb.msg);
		goto out;
	}
	t3 = now_s();
	printf("entries: %lld\n", info.entries);
	printf("der_bytes: %zu\n", info.der_len);
	printf("pem_bytes: %lld\n", file_size(argv[5]));
	printf("der_sha256: %s\n", info.der_sha256);
	printf("seconds_open_login: %.3f\n", t1 - t0);
	printf("seconds_write: %.3f\n", t2 - t1);
	printf("seconds_check: %.3f\n", t3 - t2);
	rc = 0;
out:
	if (der != NULL)
		fclose(der);
	if (pem != NULL)
		fclose(pem);
	ca_dir_close(d);
	return rc;
}
