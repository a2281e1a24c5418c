/*
 * ca_err.h: the one error convention of the library.
 *
 * Every fallible function returns int: 0 on success, a negative CA_ERR_*
 * code on failure.  Results come back through out-parameters.  Raw CK_RV
 * values and OpenSSL error codes never leave the module that met them; the
 * module translates them into one of these codes and may keep a detail
 * string in a struct ca_errbuf supplied by the caller.
 */
#ifndef CA_ERR_H
#define CA_ERR_H

#include <stddef.h>

#define CA_MUST_CHECK __attribute__((warn_unused_result))

enum {
	CA_OK = 0,
	CA_ERR_INTERNAL = -1,		/* a bug or an impossible state */
	CA_ERR_NOMEM = -2,
	CA_ERR_INVALID_ARG = -3,	/* a caller passed something unusable */
	CA_ERR_IO = -4,			/* read, write, fsync or rename */
	CA_ERR_EXISTS = -5,		/* a file, folder or key exists */
	CA_ERR_NOT_FOUND = -6,		/* a file or folder is missing */
	CA_ERR_LOCKED = -7,		/* another process holds the CA */
	CA_ERR_PERMISSION = -8,		/* a file or folder cannot be written */
	CA_ERR_URI = -9,		/* malformed PKCS#11 URI */
	CA_ERR_PIN_SOURCE = -10,	/* the PIN could not be read */
	CA_ERR_MODULE = -11,		/* the PKCS#11 module did not load */
	CA_ERR_TOKEN_NOT_FOUND = -12,	/* no token matches the URI */
	CA_ERR_TOKEN_AMBIGUOUS = -13,	/* more than one token matches */
	CA_ERR_PIN_INCORRECT = -14,
	CA_ERR_PIN_LOCKED = -15,
	CA_ERR_KEY_NOT_FOUND = -16,
	CA_ERR_KEY_EXISTS = -17,	/* a key of that label exists */
	CA_ERR_KEY_ATTRS = -18,		/* key attributes are not as required */
	CA_ERR_HSM = -19,		/* any other token or module failure */
	CA_ERR_CRYPTO = -20,		/* an OpenSSL operation failed */
	CA_ERR_LINT = -21,		/* a certificate failed a lint */
	CA_ERR_VERIFY = -22,		/* a signature or comparison failed */
	CA_ERR_JSON = -23,		/* malformed JSON */
	CA_ERR_CANON = -24,		/* JSON outside the canonical profile */
	CA_ERR_SCHEMA = -25,		/* JSON with missing or wrong fields */
	CA_ERR_PROFILE = -26,		/* a profile is unusable */
	CA_ERR_DN = -27,		/* malformed distinguished name */
	CA_ERR_CLOCK = -28,		/* the clock is behind the log */
	CA_ERR_LOG = -29,		/* the log does not verify */
	CA_ERR_VERSION = -30,		/* a format version we cannot read */
	CA_ERR_ALGORITHM = -31,		/* a refused or unknown algorithm */
	CA_ERR_ABORTED = -32,		/* the operator declined */
	CA_ERR_CSR = -33,		/* malformed certificate request */
	CA_ERR_KEY_POLICY = -34,	/* a key the policy refuses */
	CA_ERR_KEY_MISMATCH = -35,	/* token key is not the certificate's */
	CA_ERR_INTERRUPTED = -36,	/* an operation awaits recovery */
	CA_ERR_SESSION_LIMIT = -37,	/* the token has no session free */
	CA_ERR_SESSION_LOST = -38,	/* the token closed our session */
	CA_ERR_TOKEN_REMOVED = -39,	/* removed, or lost power, mid-way */
	CA_ERR_KEY_AMBIGUOUS = -40,	/* more than one key matches */
	CA_ERR_LAST = CA_ERR_KEY_AMBIGUOUS,	/* for tests: the lowest code */
};

/*
 * ca_strerror: a short lowercase description of code r, for messages of the
 * form "prog: what failed: why".  Never returns NULL.
 */
const char *ca_strerror(int r);

/*
 * Exit statuses shared by every command (see EXIT STATUS in the man
 * pages): scripts tell these cases apart without parsing messages.
 */
enum {
	CA_EXIT_OK = 0,
	CA_EXIT_FAIL = 1,		/* anything not listed below */
	CA_EXIT_USAGE = 2,		/* bad options or arguments */
	CA_EXIT_TOKEN = 3,		/* no token matches, or several */
	CA_EXIT_PIN = 4,		/* incorrect pin */
	CA_EXIT_PIN_LOCKED = 5,		/* pin is locked */
	CA_EXIT_EXISTS = 6,		/* folder, file or key label taken */
	CA_EXIT_BUSY = 7,		/* another process holds the lock */
	CA_EXIT_VERIFY = 8,		/* a log or certificate is invalid */
	CA_EXIT_CRL_WARNING = 10,	/* ca-crl status: ceremony due soon */
	CA_EXIT_CRL_EXPIRED = 11,	/* ca-crl status: the crl has expired */
	CA_EXIT_PARTIAL = 12,		/* ca-issue: some were refused */
};

/* ca_exit_status: the exit status for error code r. */
int ca_exit_status(int r);

/*
 * ca_err_hint: what the operator should do after failure r, as a clause
 * to append to the message ("; " and the hint), or "" when the message
 * itself says it (usage errors, PINs, locks, the clock, bad input files:
 * their messages name what to do).
 */
const char *ca_err_hint(int r);

/*
 * struct ca_errbuf: optional detail for the last failure, filled by library
 * functions that take one (for example which lint failed, or the text that
 * OpenSSL left on its error queue).  Owned by the caller; may be passed as
 * NULL wherever a function takes one.
 */
struct ca_errbuf {
	char msg[512];
	/*
	 * What went wrong after the operation had already taken effect, so
	 * that it still succeeds: every command prints it (cli_warn).
	 */
	char warning[256];
};

/* ca_errf: set the detail in eb (which may be NULL), printf-style. */
void ca_errf(struct ca_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ca_err_prefix: put "PREFIX: " (printf-style) before eb's detail, so a
 * caller can say where a failure below it happened.  eb may be NULL.
 */
void ca_err_prefix(struct ca_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ca_warnf: add a warning to eb (which may be NULL), printf-style: for
 * trouble after an operation took effect, which must not turn its success
 * into a failure but must not go unseen either.  Later warnings follow
 * earlier ones after "; " while there is room.
 */
void ca_warnf(struct ca_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ca_err_suffix: put "; SUFFIX" (printf-style) after eb's detail, so a
 * caller that knows the context can say what to do.  eb may be NULL; the
 * detail is cut short rather than the suffix when they do not both fit.
 */
void ca_err_suffix(struct ca_errbuf *eb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ca_err_openssl: append the oldest entry of OpenSSL's error queue to eb's
 * detail, after the plain sentence already there (with none there, the
 * queue's text alone would be no message: it is dropped), then clear the
 * queue.  Used where libcrypto failed.
 */
void ca_err_openssl(struct ca_errbuf *eb);

#endif
