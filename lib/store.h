/*
 * store.h: the CA directory (ca-directory(5)).
 *
 * Fixed names, so that scripts and auditors can rely on them:
 *   ca.pem          the CA certificate
 *   log-signer.pem  the certificate of the log-signing key
 *   ca.json         which module and keys the CA uses (no secrets)
 *   log/            the ceremony log, one record per file
 *   chain.pem       a subordinate's issuing chain up to its root
 *   ca.csr          a subordinate's request, until it is installed
 *   issued/         every certificate the CA signed, SERIAL.pem
 *
 * A new CA directory is built in a staging folder beside it and renamed
 * into place in one step, so that it exists whole or not at all.  An
 * existing one is locked for the whole of an operation.
 */
#ifndef CA_STORE_H
#define CA_STORE_H

#include <stddef.h>
#include <sys/types.h>

#include "ca_err.h"

#define CA_FILE_CERT "ca.pem"
#define CA_FILE_LOG_SIGNER "log-signer.pem"
#define CA_FILE_CONFIG "ca.json"
#define CA_FILE_CHAIN "chain.pem"	/* the issuers, up to the root */
#define CA_FILE_CSR "ca.csr"		/* a subordinate's request */
#define CA_DIR_ISSUED "issued"		/* every certificate the CA signed */
#define CA_FILE_LOCK ".lock"
#define CA_DIR_LOG "log"
#define CA_CONFIG_VERSION 1

struct ca_config {
	char *kind;		/* "root" or "sub" */
	char *module;		/* PKCS#11 module path */
	char *ca_key;		/* PKCS#11 URI of the CA key */
	char *log_key;		/* PKCS#11 URI of the log-signing key */
	char *algorithm;	/* of the CA key: "p384", ... */
	char *crl_next_update;	/* a duration, or NULL for the default */
	char *crl_margin;	/* a duration, or NULL for the default */
	char *crl_idp;		/* "full", "scope", "none", or NULL */
};

/*
 * ca_config_serialise: c as the canonical JSON of ca.json plus a newline,
 * in a new buffer; caller frees with free().  CA_ERR_NOMEM, CA_ERR_CANON.
 */
int ca_config_serialise(const struct ca_config *c, char **out, size_t *len)
    CA_MUST_CHECK;

/*
 * ca_config_load: read DIR/ca.json.  Caller frees with ca_config_free.
 * CA_ERR_NOT_FOUND, CA_ERR_JSON, CA_ERR_SCHEMA, CA_ERR_VERSION.
 */
int ca_config_load(const char *dir, struct ca_config **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_config_free: accepts NULL. */
void ca_config_free(struct ca_config *c);

struct ca_stage;

/*
 * ca_stage_new: begin building a new CA directory dir, which must not
 * exist, in a staging folder beside it (with log/ inside).
 * CA_ERR_EXISTS, CA_ERR_NOT_FOUND (no parent folder), CA_ERR_PERMISSION,
 * CA_ERR_LOCKED (another CA is being made in the same folder), CA_ERR_IO.
 * Caller frees with ca_stage_free.
 */
int ca_stage_new(const char *dir, struct ca_stage **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_stage_put: write rel (a name inside the CA directory, such as
 * "ca.pem" or "log/000001.json") with mode, fsynced.  CA_ERR_IO,
 * CA_ERR_EXISTS.
 */
int ca_stage_put(struct ca_stage *st, const char *rel, const void *data,
    size_t len, mode_t mode, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_stage_commit: fsync the staged folders and rename the staging folder
 * to the CA directory without replacing anything, then fsync the parent
 * (once the rename is done it reports success: see store.c).
 * CA_ERR_EXISTS when the directory appeared meanwhile, CA_ERR_IO.
 */
int ca_stage_commit(struct ca_stage *st, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_stage_free: remove an uncommitted staging folder, and then its note;
 * accepts NULL.
 */
void ca_stage_free(struct ca_stage *st);

/*
 * ca_stage_note: before keys are made for the staged CA, write text (what
 * names them, and where) to a note beside the staging folder,
 * NAME.staging-XXXXXX.keys, whole and fsynced.  A run killed before its
 * commit leaves both for ca_stage_orphans; the commit, or ca_stage_free,
 * removes the note.  CA_ERR_IO, CA_ERR_PERMISSION.
 */
int ca_stage_note(struct ca_stage *st, const char *text, size_t len,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_stage_abandon: ca_stage_free is to leave the staging folder and its
 * note, for a later ca_stage_orphans (when the keys could not be removed).
 */
void ca_stage_abandon(struct ca_stage *st);

/*
 * ca_stage_orphans: clear up after earlier runs for the same directory
 * that were stopped before their commit (safe under the lock that
 * ca_stage_new took).  For each staging folder left beside st's, call
 * fn(arg, folder, note) with the text of its note, or NULL when there
 * is none (the run made no key); when fn returns 0 the folder and note
 * are removed, when 1 they are left, and a negative value stops the walk
 * and is returned.  Notes whose folder is gone (a commit stopped just
 * after its rename) are removed.  Returns the number of folders and
 * stray notes removed, or CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_stage_orphans(struct ca_stage *st,
    int (*fn)(void *arg, const char *stage, const char *note), void *arg,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_stage_sweep: remove the notes (and half-written notes) beside the
 * existing CA directory dir whose staging folders are gone: what is left
 * when ca-init was killed just after its commit.  Staging folders are
 * left alone.  Returns the number removed, or CA_ERR_IO.
 */
int ca_stage_sweep(const char *dir, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_store_lock: take the CA directory's lock without waiting; *fd holds
 * it until ca_store_unlock.  CA_ERR_LOCKED when another process has it,
 * CA_ERR_NOT_FOUND, CA_ERR_IO.
 */
int ca_store_lock(const char *dir, int *fd, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* ca_store_unlock: release; accepts -1. */
void ca_store_unlock(int fd);

#endif
