#include "ca_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

const char *
ca_strerror(int r)
{
	switch (r) {
	case CA_OK: return "success";
	case CA_ERR_INTERNAL: return "internal error";
	case CA_ERR_NOMEM: return "out of memory";
	case CA_ERR_INVALID_ARG: return "invalid argument";
	case CA_ERR_IO: return "input/output error";
	case CA_ERR_EXISTS: return "already exists";
	case CA_ERR_NOT_FOUND: return "not found";
	case CA_ERR_LOCKED: return "in use by another process";
	case CA_ERR_PERMISSION: return "permission denied";
	case CA_ERR_URI: return "malformed pkcs#11 uri";
	case CA_ERR_PIN_SOURCE: return "cannot read the pin";
	case CA_ERR_MODULE: return "cannot load the pkcs#11 module";
	case CA_ERR_TOKEN_NOT_FOUND: return "no token matches";
	case CA_ERR_TOKEN_AMBIGUOUS: return "more than one token matches";
	case CA_ERR_PIN_INCORRECT: return "incorrect pin";
	case CA_ERR_PIN_LOCKED: return "pin is locked";
	case CA_ERR_KEY_NOT_FOUND: return "key not found on the token";
	case CA_ERR_KEY_EXISTS: return "a key with that label already exists";
	case CA_ERR_KEY_ATTRS: return "key attributes are not as required";
	case CA_ERR_HSM: return "token operation failed";
	case CA_ERR_CRYPTO: return "cryptographic operation failed";
	case CA_ERR_LINT: return "certificate lint failed";
	case CA_ERR_VERIFY: return "verification failed";
	case CA_ERR_JSON: return "malformed json";
	case CA_ERR_CANON: return "json outside the canonical profile";
	case CA_ERR_SCHEMA: return "json does not match its schema";
	case CA_ERR_PROFILE: return "unusable profile";
	case CA_ERR_DN: return "malformed distinguished name";
	case CA_ERR_CLOCK: return "clock reads earlier than the last record";
	case CA_ERR_LOG: return "log does not verify";
	case CA_ERR_VERSION: return "unsupported format version";
	case CA_ERR_ALGORITHM: return "unsupported algorithm";
	case CA_ERR_ABORTED: return "aborted by the operator";
	case CA_ERR_CSR: return "malformed certificate request";
	case CA_ERR_KEY_POLICY: return "key refused by the key policy";
	case CA_ERR_KEY_MISMATCH:
		return "the key on the token is not the certificate's";
	case CA_ERR_INTERRUPTED:
		return "an interrupted operation must be recovered first: run "
		    "ca-log recover -d DIR";
	case CA_ERR_SESSION_LIMIT:
		return "the token has no session free";
	case CA_ERR_SESSION_LOST: return "the token closed the session";
	case CA_ERR_TOKEN_REMOVED:
		return "the token was removed or lost power";
	case CA_ERR_KEY_AMBIGUOUS: return "more than one key matches";
	default: return "unknown error";
	}
}

void
ca_errf(struct ca_errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
}

void
ca_err_prefix(struct ca_errbuf *eb, const char *fmt, ...)
{
	char old[sizeof(eb->msg)];
	va_list ap;
	int n;

	if (eb == NULL)
		return;
	memcpy(old, eb->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(eb->msg) && old[0] != '\0')
		snprintf(eb->msg + n, sizeof(eb->msg) - (size_t)n, ": %.*s",
		    (int)(sizeof(eb->msg) - (size_t)n - 3), old);
}

void
ca_warnf(struct ca_errbuf *eb, const char *fmt, ...)
{
	size_t at;
	va_list ap;

	if (eb == NULL)
		return;
	at = strnlen(eb->warning, sizeof(eb->warning) - 1);
	if (at > 0) {
		if (at + 3 >= sizeof(eb->warning))
			return;
		memcpy(eb->warning + at, "; ", 2);
		at += 2;
	}
	va_start(ap, fmt);
	vsnprintf(eb->warning + at, sizeof(eb->warning) - at, fmt, ap);
	va_end(ap);
}

void
ca_err_suffix(struct ca_errbuf *eb, const char *fmt, ...)
{
	char add[sizeof(eb->msg)];
	size_t keep, alen, cap = sizeof(eb->msg);
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(add, sizeof(add), fmt, ap) < 0)
		add[0] = '\0';
	va_end(ap);
	alen = strlen(add);
	keep = strnlen(eb->msg, cap - 1);
	/* Room for the detail, "; ", the suffix and the NUL. */
	if (keep > 0 && keep + 2 + alen + 1 > cap)
		keep = alen + 3 < cap ? cap - alen - 3 : 0;
	if (keep > 0) {
		memcpy(eb->msg + keep, "; ", 2);
		keep += 2;
	}
	if (alen > cap - 1 - keep)
		alen = cap - 1 - keep;
	memcpy(eb->msg + keep, add, alen);
	eb->msg[keep + alen] = '\0';
}

void
ca_err_openssl(struct ca_errbuf *eb)
{
	unsigned long e;
	char buf[256];
	size_t n;

	e = ERR_peek_error();
	/* OpenSSL's words only ever follow a sentence of our own. */
	if (eb != NULL && e != 0 && eb->msg[0] != '\0') {
		ERR_error_string_n(e, buf, sizeof(buf));
		n = strlen(eb->msg);
		if (n + 3 < sizeof(eb->msg))
			snprintf(eb->msg + n, sizeof(eb->msg) - n, "%s%s",
			    n ? ": " : "", buf);
	}
	ERR_clear_error();
}

const char *
ca_err_hint(int r)
{
	switch (r) {
	case CA_ERR_HSM:
		/* Every command writes all of its files or none of them. */
		return "; nothing was written: check that the token is "
		    "connected and answering, then run the command again";
	case CA_ERR_CRYPTO:
		return "; nothing was written: run the command again, and if "
		    "it fails the same way, stop and report it";
	case CA_ERR_MODULE:
		return "; give the token vendor's pkcs#11 module with --module "
		    "(for an existing CA, install it at the path in ca.json)";
	case CA_ERR_TOKEN_NOT_FOUND:
		return "; check that the token is plugged in and initialised, "
		    "and that it is the one whose label and serial are named";
	case CA_ERR_IO:
	case CA_ERR_PERMISSION:
		return "; check the path, that the disk has room and that the "
		    "folder is writable, then run the command again";
	case CA_ERR_EXISTS:
		return "; nothing was overwritten";
	case CA_ERR_KEY_NOT_FOUND:
		return "; is this the CA's own token? its label and serial are "
		    "in the key uris of ca.json";
	case CA_ERR_LOG:
		return "; the CA directory was changed outside these tools or "
		    "is damaged: stop, compare it with its backup copy and the "
		    "log head on the paper script, and run ca-audit";
	case CA_ERR_CSR:
		return "; nothing was signed: get the file again from the "
		    "subordinate's ceremony (ca.csr, written by ca-init --sub) "
		    "or from the other root, unchanged";
	case CA_ERR_KEY_POLICY:
		return "; nothing was signed: the profile's \"key_algorithms\" "
		    "and \"rsa_min_bits\" name the keys it accepts, so have "
		    "the subordinate make such a key or use another profile";
	case CA_ERR_LINT:
		return "; nothing was signed: change the profile (see "
		    "ca-profile(5)) so that the certificate passes";
	case CA_ERR_NOMEM:
		return "; close other programs and run the command again";
	case CA_ERR_SESSION_LIMIT:
		return "; nothing was written: the token has no session free, "
		    "not even one; close the other programs using it, then "
		    "run the command again";
	case CA_ERR_KEY_AMBIGUOUS:
		return "; nothing was written";
	case CA_ERR_SESSION_LOST:
		return "; nothing was written: something reset the token or "
		    "closed its sessions (another program, or the token "
		    "itself); run the command again";
	case CA_ERR_TOKEN_REMOVED:
		return "; nothing was written: plug the token in again, run "
		    "\"ca-log recover\" on the CA directory, then the "
		    "command again";
	default:
		return "";
	}
}

int
ca_exit_status(int r)
{
	switch (r) {
	case CA_OK:
		return CA_EXIT_OK;
	case CA_ERR_INVALID_ARG:
	case CA_ERR_URI:
	case CA_ERR_ALGORITHM:
	case CA_ERR_DN:
		return CA_EXIT_USAGE;
	case CA_ERR_TOKEN_NOT_FOUND:
	case CA_ERR_TOKEN_AMBIGUOUS:
	case CA_ERR_TOKEN_REMOVED:
		return CA_EXIT_TOKEN;
	case CA_ERR_PIN_INCORRECT:
		return CA_EXIT_PIN;
	case CA_ERR_PIN_LOCKED:
		return CA_EXIT_PIN_LOCKED;
	case CA_ERR_EXISTS:
	case CA_ERR_KEY_EXISTS:
		return CA_EXIT_EXISTS;
	case CA_ERR_LOCKED:
		return CA_EXIT_BUSY;
	case CA_ERR_LOG:
	case CA_ERR_VERIFY:
		return CA_EXIT_VERIFY;
	default:
		return CA_EXIT_FAIL;
	}
}
