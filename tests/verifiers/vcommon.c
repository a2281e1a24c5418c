/*
 * vcommon.c: command line and PEM reading for the chain verifiers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcommon.h"

#define CERT_BEGIN "-----BEGIN CERTIFICATE-----"
#define CERT_END "-----END CERTIFICATE-----"
#define CRL_BEGIN "-----BEGIN X509 CRL-----"
#define CRL_END "-----END X509 CRL-----"

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--purpose server|client] [--crl CRL.pem]... "
	    "ROOT.pem CHAIN.pem LEAF.pem\n", prog);
}

int
v_parse_args(int argc, char **argv, const char *prog, struct v_args *a)
{
	static const struct option opts[] = {
		{ "purpose", required_argument, NULL, 'p' },
		{ "crl", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->prog = prog;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strcmp(optarg, "server") == 0)
				a->purpose = V_PURPOSE_SERVER;
			else if (strcmp(optarg, "client") == 0)
				a->purpose = V_PURPOSE_CLIENT;
			else {
				fprintf(stderr, "%s: unknown purpose \"%s\"\n",
				    prog, optarg);
				usage(prog);
				return -1;
			}
			break;
		case 'c':
			if (a->ncrl == V_MAX_CRL_FILES) {
				fprintf(stderr, "%s: more than %d --crl files\n",
				    prog, V_MAX_CRL_FILES);
				return -1;
			}
			a->crl[a->ncrl++] = optarg;
			break;
		default:
			usage(prog);
			return -1;
		}
	}
	if (argc - optind != 3) {
		usage(prog);
		return -1;
	}
	a->root = argv[optind];
	a->chain = argv[optind + 1];
	a->leaf = argv[optind + 2];
	return 0;
}

/*
 * Read all of path, NUL-terminated; the caller frees *out.  A NUL inside
 * the file is refused: it would hide what follows it from strstr, and no
 * PEM file has one.
 */
static int
slurp(const char *prog, const char *path, char **out)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len;
	int r = -1;

	*out = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: \"%s\": %s\n", prog, path,
		    strerror(errno));
		goto out;
	}
	if ((buf = malloc(V_MAX_FILE + 1)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		goto out;
	}
	len = fread(buf, 1, V_MAX_FILE + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "%s: \"%s\": read error\n", prog, path);
		goto out;
	}
	if (len > V_MAX_FILE) {
		fprintf(stderr, "%s: \"%s\": larger than %d bytes\n", prog,
		    path, V_MAX_FILE);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fprintf(stderr, "%s: \"%s\": not a PEM file\n", prog, path);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = 0;
 out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return r;
}

/*
 * Append the blocks between begin and end of path to p; this file must
 * add at least min and p hold at most max in all.
 */
static int
pem_read(const char *prog, const char *path, const char *begin,
    const char *end, const char *what, size_t min, size_t max,
    struct v_pem *p)
{
	char *buf = NULL, *s, *b, *e;
	size_t n, n0 = p->n;
	int r = -1;

	if (slurp(prog, path, &buf) != 0)
		goto out;
	for (s = buf; (b = strstr(s, begin)) != NULL; s = e) {
		if ((e = strstr(b, end)) == NULL) {
			fprintf(stderr, "%s: \"%s\": unterminated PEM %s\n",
			    prog, path, what);
			goto out;
		}
		e += strlen(end);
		if (p->n == max || p->n == V_MAX_CERTS) {
			fprintf(stderr, "%s: \"%s\": more than %zu %ss\n",
			    prog, path, max, what);
			goto out;
		}
		n = (size_t)(e - b);
		/* The trailing newline keeps strict PEM readers content. */
		if ((p->cert[p->n] = malloc(n + 2)) == NULL) {
			fprintf(stderr, "%s: out of memory\n", prog);
			goto out;
		}
		memcpy(p->cert[p->n], b, n);
		p->cert[p->n][n] = '\n';
		p->cert[p->n][n + 1] = '\0';
		p->len[p->n] = n + 1;
		p->src[p->n] = path;
		p->idx[p->n] = p->n - n0 + 1;
		p->n++;
	}
	if (p->n - n0 < min) {
		fprintf(stderr, "%s: \"%s\": no PEM %s\n", prog, path, what);
		goto out;
	}
	r = 0;
 out:
	if (r != 0)
		v_pem_free(p);
	free(buf);
	return r;
}

int
v_pem_read(const char *prog, const char *path, size_t min, size_t max,
    struct v_pem *p)
{
	return pem_read(prog, path, CERT_BEGIN, CERT_END, "certificate", min,
	    max, p);
}

int
v_crl_read(const char *prog, const char *path, struct v_pem *p)
{
	return pem_read(prog, path, CRL_BEGIN, CRL_END, "CRL", 1, V_MAX_CRLS,
	    p);
}

void
v_pem_free(struct v_pem *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->cert[i]);
	memset(p, 0, sizeof(*p));
}

void
v_oneline(char *s, size_t sz)
{
	char tmp[1024];
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o + 3 < sizeof(tmp); i++) {
		if (s[i] == '\n') {
			tmp[o++] = ';';
			tmp[o++] = ' ';
		} else
			tmp[o++] = s[i];
	}
	while (o > 0 && (tmp[o - 1] == ' ' || tmp[o - 1] == ';'))
		o--;
	tmp[o] = '\0';
	snprintf(s, sz, "%s", tmp);
}
