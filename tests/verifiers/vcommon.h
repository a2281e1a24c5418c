/*
 * vcommon.h: what the stand-alone chain verifiers (mbedtls-verify,
 * wolfssl-verify) share: the command line, reading PEM files, and the
 * exit statuses that tests/interop.sh relies on.
 *
 * The verifiers are test tools.  They link one third-party TLS library
 * each and deliberately none of lib/, so that a bug in our own code can
 * never make a foreign stack look like it agrees with us.
 */
#ifndef VCOMMON_H
#define VCOMMON_H

#include <stddef.h>

/* Exit statuses; tests/interop.sh reads them. */
#define V_EXIT_OK	0	/* the leaf chains to a trusted root */
#define V_EXIT_REJECT	1	/* the stack refused the chain or a cert */
#define V_EXIT_USAGE	2	/* bad command line or unreadable input */

#define V_MAX_CERTS	16	/* per file; deeper chains are not ours */
#define V_MAX_CRLS	V_MAX_CERTS	/* over all --crl files */
#define V_MAX_CRL_FILES	8
#define V_MAX_FILE	(1024 * 1024)

enum v_purpose {
	V_PURPOSE_NONE = 0,	/* chain only, as openssl verify without -purpose */
	V_PURPOSE_SERVER,
	V_PURPOSE_CLIENT,
};

struct v_args {
	const char *prog;
	const char *root;	/* borrowed from argv */
	const char *chain;	/* borrowed from argv */
	const char *leaf;	/* borrowed from argv */
	enum v_purpose purpose;
	const char *crl[V_MAX_CRL_FILES];	/* borrowed from argv */
	size_t ncrl;		/* 0: no revocation checking at all */
};

/*
 * The PEM blocks of one kind (CERTIFICATE, or X509 CRL) of one or more
 * files, in file order.  Each cert[i] is a NUL-terminated copy of one
 * block, BEGIN and END lines included, and len[i] is its strlen; src[i]
 * is the file it came from (borrowed from argv) and idx[i] its place
 * there, counting from 1.  Text around the blocks is ignored, as openssl
 * does.  Owned by the struct; free with v_pem_free.
 */
struct v_pem {
	size_t n;
	char *cert[V_MAX_CERTS];
	size_t len[V_MAX_CERTS];
	const char *src[V_MAX_CERTS];
	size_t idx[V_MAX_CERTS];
};

/*
 * v_parse_args: fill a from "PROG [--purpose server|client] [--crl CRL]...
 * ROOT CHAIN LEAF".  --crl may be given up to V_MAX_CRL_FILES times; with
 * at least one, the verifier checks every certificate of the chain
 * against the CRLs.  Prints usage to stderr and returns -1 on a bad
 * command line.
 */
int v_parse_args(int argc, char **argv, const char *prog, struct v_args *a);

/*
 * v_pem_read: read the CERTIFICATE blocks of path into p (zeroed by the
 * caller).  min and max bound the number of blocks.  Returns 0, or -1
 * after printing "prog: path: why" to stderr: the file cannot be read,
 * a block is unterminated, or the count is out of bounds.
 */
int v_pem_read(const char *prog, const char *path, size_t min, size_t max,
    struct v_pem *p);

/*
 * v_crl_read: append the X509 CRL blocks of path to p (zeroed by the
 * caller before the first file).  Each file must hold at least one and p
 * at most V_MAX_CRLS in all.  Returns 0, or -1 as v_pem_read does (p is
 * then emptied).
 */
int v_crl_read(const char *prog, const char *path, struct v_pem *p);

/* v_pem_free: free the blocks of p (p itself is the caller's); NULL ok. */
void v_pem_free(struct v_pem *p);

/*
 * v_oneline: turn the newlines of s into "; " in place, as far as the
 * buffer of size sz allows, and drop a trailing separator, so that a
 * stack's multi-line reason fits the one stderr line interop.sh reads.
 */
void v_oneline(char *s, size_t sz);

#endif
