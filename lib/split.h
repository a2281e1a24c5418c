/*
 * split.h: a secret split among a ceremony's custodians, M of N, as the
 * log records it and as the custodians carry it away.
 *
 * The record's "activation" (ca-transcript(5)) names the scheme, the
 * threshold, the split's id and check value, and for each share its
 * number, its custodian and its fingerprint; never a share.  The shares
 * go out as one owner-only file per custodian, in a folder that appears
 * whole or not at all.
 */
#ifndef CA_SPLIT_H
#define CA_SPLIT_H

#include <stddef.h>

#include <jansson.h>

#include "ca_err.h"
#include "secret.h"
#include "shares.h"

struct ca_split {
	unsigned m, n;
	struct ca_secret *secret;	/* in hex, as ca_shares_make gives */
	struct ca_secret *text[CA_SHARES_MAX];
	json_t *activation;		/* as recorded */
	char *tmp;			/* the folder being filled */
	char *placed;			/* the folder, once renamed in */
};

/*
 * ca_split_new: a new random secret of len bytes (CA_SHARE_PIN_LEN or
 * CA_SHARE_KEY_LEN) split m of n among the first n custodians of roster
 * (an array of {"name", "role"} as a ceremony's plan has it).  Caller
 * frees with ca_split_free.  CA_ERR_INVALID_ARG (a threshold that cannot
 * be, or fewer than n custodians on the roster), CA_ERR_CRYPTO,
 * CA_ERR_NOMEM.
 */
int ca_split_new(unsigned m, unsigned n, size_t len, const json_t *roster,
    struct ca_split **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_split_write: the share files, NN-NAME.share, each readable by its
 * owner only and headed by comment lines saying it is share i of n of
 * what (such as "PIN"), that any m of them do, and about (the CA and
 * token), into folder, which must not exist: it is built beside it and
 * renamed.  A failed fsync of folder's parent after the rename is a
 * warning in eb.  CA_ERR_EXISTS, CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_split_write(struct ca_split *s, const char *folder, const char *what,
    const char *does, const char *about, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_split_is_share_file: 1 when a file called name is a share file as
 * ca_split_write names them (NN-NAME.share), for code that clears or
 * reads a shares folder.
 */
int ca_split_is_share_file(const char *name);

/*
 * ca_split_unwrite: remove the share files ca_split_write put in place,
 * for an operation that then failed: shares of a secret that never took
 * effect must not be mistaken for live ones.
 */
void ca_split_unwrite(struct ca_split *s);

/*
 * ca_split_collect: the secret of the split activation (an "activation"
 * as recorded) rebuilt from its threshold of shares: from the share
 * files ps lists (CA_PIN_SHARES), or typed at prompt (CA_PIN_TTY), each
 * asked for as "WHAT i of M", and checked against the split's check value
 * before anyone uses it.  *secret is the secret in hex (caller frees with
 * ca_secret_free); *presented (replaced) an array of {share, custodian}
 * naming who presented them.  CA_ERR_PIN_SOURCE for any other source,
 * and those of ca_share_parse and ca_shares_combine.
 */
int ca_split_collect(const json_t *activation, const struct ca_pin_source *ps,
    ca_prompt_fn prompt, void *prompt_arg, const char *what,
    struct ca_secret **secret, json_t **presented, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_split_free: wipe and free s (the share texts and the secret), and
 * remove a half-built folder.  Accepts NULL.
 */
void ca_split_free(struct ca_split *s);

#endif
