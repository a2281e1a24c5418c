/*
 * compat.h: relying-party compatibility lint (ca-profile(5), "targets").
 *
 * A profile may name the TLS and OPC UA stacks that must accept its
 * certificates.  Before anything is signed, ca_compat_lint warns about
 * what those stacks are known to reject or to ignore: each rule was
 * checked against the library's source and, for the versions Debian 12
 * ships (mbedTLS 2.28.3, wolfSSL 5.5.4, GnuTLS 3.7.9, NSS 3.87, OpenSSL
 * 3.0), against the installed library.  Warnings are advice for the
 * operator, not lint failures: a profile may knowingly accept them.
 */
#ifndef CA_COMPAT_H
#define CA_COMPAT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "ca_err.h"
#include "profile.h"

#define CA_COMPAT_MAX 16	/* warnings kept; more are counted only */
#define CA_COMPAT_MSGLEN 200

struct ca_compat_report {
	size_t n;				/* warnings kept in msg */
	char msg[CA_COMPAT_MAX][CA_COMPAT_MSGLEN];
};

/*
 * ca_compat_lint: warn about what the stacks in p->targets reject in
 * draft, the certificate about to be signed (a rehearsal signed with a
 * throwaway key of the same algorithm as the issuer is expected, so that
 * its signature algorithm is the real one; an unsigned draft skips the
 * signature-algorithm rules).
 *
 * Everything the certificate carries (extensions and their criticality,
 * pathLenConstraint, notAfter, key, signature algorithm) is read from
 * draft rather than from p, so that the lint judges what relying parties
 * will see; p supplies only the targets.  depth is the number of CA
 * certificates above draft up to and including the root: 0 for a root, 1
 * for a subordinate signed by a root.
 *
 * Each message starts with the stack's name and a colon, says why and
 * what to change, and is at most CA_COMPAT_MSGLEN - 1 bytes.  rep is
 * reset first; it keeps the first CA_COMPAT_MAX warnings.
 *
 * Returns the number of warnings found (>= 0, possibly more than rep
 * keeps), 0 when p->targets is 0; CA_ERR_INVALID_ARG for a NULL argument
 * or a negative depth, CA_ERR_CRYPTO when draft's extensions or key
 * cannot be decoded.
 */
int ca_compat_lint(const struct ca_profile *p, X509 *draft, int depth,
    struct ca_compat_report *rep) CA_MUST_CHECK;

#endif
