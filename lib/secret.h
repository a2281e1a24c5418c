/*
 * secret.h: PINs and other secrets in locked, wiped memory.
 *
 * A struct ca_secret lives on OpenSSL's secure heap (mlock'ed, guarded)
 * once ca_proc_init() has set it up, and is wiped with OPENSSL_cleanse when
 * freed.  PINs are read from the terminal with echo off, or for rehearsals
 * and tests from a file or an inherited file descriptor.  They never come
 * from argv or the environment.
 */
#ifndef CA_SECRET_H
#define CA_SECRET_H

#include <stddef.h>

#include "ca_err.h"

#define CA_SECRET_MAX 256

struct ca_secret {
	char *buf;	/* NUL-terminated; len bytes of secret */
	size_t len;
};

/*
 * ca_proc_init: harden the process; every main calls it first.  Sets umask
 * 077, turns core dumps off, clears PR_SET_DUMPABLE and initialises the
 * secure heap.  Returns 0 or CA_ERR_INTERNAL if the process cannot be
 * hardened (the command must then refuse to run).
 */
int ca_proc_init(void) CA_MUST_CHECK;

/*
 * ca_secret_new: allocate an empty secret with room for CA_SECRET_MAX
 * bytes.  Caller frees with ca_secret_free.  CA_ERR_NOMEM.
 */
int ca_secret_new(struct ca_secret **out) CA_MUST_CHECK;

/* ca_secret_free: wipe and free; accepts NULL. */
void ca_secret_free(struct ca_secret *s);

/*
 * A prompt callback, supplied by the command: show prompt, read one line
 * without echo into out (which the callee fills, NUL-terminated).
 * Returns 0, CA_ERR_PIN_SOURCE or CA_ERR_ABORTED.
 */
typedef int (*ca_prompt_fn)(void *arg, const char *prompt,
    struct ca_secret *out);

/*
 * ca_prompt_tty: a ca_prompt_fn that reads from /dev/tty with echo off.
 * arg is unused.  CA_ERR_PIN_SOURCE when there is no terminal.
 */
int ca_prompt_tty(void *arg, const char *prompt, struct ca_secret *out)
    CA_MUST_CHECK;

/*
 * Where a PIN comes from: "tty" (the default), "file:PATH" or "fd:N"; or,
 * for a CA whose PIN is split among its custodians (shares.h),
 * "shares:FILE,FILE,..." (path holds the list; see ca_dir_token).
 */
struct ca_pin_source {
	enum { CA_PIN_TTY, CA_PIN_FILE, CA_PIN_FD, CA_PIN_SHARES } kind;
	char path[4096];
	int fd;
};

/*
 * ca_pin_source_parse: parse spec (NULL means the terminal) into src.
 * CA_ERR_PIN_SOURCE for an unknown form, an empty path or a bad fd number.
 */
int ca_pin_source_parse(const char *spec, struct ca_pin_source *src)
    CA_MUST_CHECK;

/*
 * ca_pin_read: read a PIN from src into a new secret (caller frees with
 * ca_secret_free).  For the terminal it calls prompt(arg, what, ...).  One
 * trailing newline is dropped; an empty PIN is refused, and so is a PIN
 * file that is not a regular file readable by its owner alone.
 * CA_ERR_PIN_SOURCE, CA_ERR_ABORTED, CA_ERR_NOMEM.
 */
int ca_pin_read(const struct ca_pin_source *src, ca_prompt_fn prompt,
    void *arg, const char *what, struct ca_secret **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
