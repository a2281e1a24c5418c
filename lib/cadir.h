/*
 * cadir.h: an existing CA directory, opened for one operation.
 *
 * Every command that uses a CA follows the same steps: open the
 * directory (lock it, read its files, verify its whole log, so that no
 * one builds on a log that does not verify), log in to its token (and
 * check the keys there are the certificates' keys), build a record, and
 * append it together with the operation's files.
 */
#ifndef CA_CADIR_H
#define CA_CADIR_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca_err.h"
#include "hsm.h"
#include "log.h"
#include "secret.h"
#include "store.h"
#include "tokensign.h"

struct ca_dir {
	char *path;
	int lockfd;
	struct ca_config *cfg;
	X509 *cert;			/* ca.pem; NULL while pending */
	X509 *log_cert;			/* log-signer.pem; NULL while pending */
	STACK_OF(X509) *chain;		/* chain.pem; NULL for a root */
	/*
	 * A subordinate made by ca-init --sub whose certificate is not yet
	 * installed: it has its request instead, and its log is verified
	 * against the log key on its token, at ca_dir_login.
	 */
	int pending;
	struct ca_csr *csr;		/* ca.csr, while pending */
	struct ca_log_head head;
	/*
	 * With CA_DIR_SERIALS: every serial the log names, sorted,
	 * read in the same pass that verifies it.
	 */
	int want_serials;
	struct ca_serial_set serials;
	/* ca_dir_open_visit's visitor, while the log verifies. */
	ca_log_fn visit;
	void *visit_arg;
	/* The ceremony open in the log (ca-ceremony(1)), or "" and 0. */
	char ceremony[65];
	long long ceremony_seq;		/* the record that opened it */
	/*
	 * The newest "activation" in the log when the CA's PIN is split
	 * among its custodians (ca-init --threshold), else NULL; and, after
	 * ca_dir_token, who presented shares, for the record.
	 */
	json_t *activation, *presented;
	/*
	 * Set keep_pin before ca_dir_token to keep the PIN in pin (locked
	 * memory, wiped by ca_dir_close) rather than wipe it after login:
	 * only a re-split, whose C_SetPIN needs the old PIN, does.
	 */
	int keep_pin;
	struct ca_secret *pin;
	/* With CA_DIR_TOKEN, the token being opened meanwhile (cadir.c). */
	struct ca_dir_opener *opener;
	/* After ca_dir_login: */
	struct ca_hsm *hsm;
	struct ca_keyref ca_key, log_key;
	/*
	 * Each key signs through a session of its own (tokensign.h): the
	 * certificates, CRLs and records of every command.  A caller may
	 * take ca_ts (setting it NULL), and then closes it before
	 * ca_dir_close.
	 */
	struct ca_tsigner *ca_ts, *log_ts;
	EVP_PKEY *ca_pub, *log_pub;		/* the keys' public halves */
};

/*
 * ca_dir_open: lock the CA directory path for the whole operation (until
 * ca_dir_close), read ca.json, ca.pem, log-signer.pem and chain.pem, and
 * verify them and its log (ca_dir_verify_log_certs, CA_LOG_HEAD_SIG).
 * Caller frees with ca_dir_close.
 * A directory whose journal shows an interrupted operation is refused
 * with CA_ERR_INTERRUPTED until it is recovered (journal.h).
 * A pending subordinate (see struct ca_dir) is refused with
 * CA_ERR_NOT_FOUND and a message saying to install it.
 * CA_ERR_LOCKED, CA_ERR_NOT_FOUND, CA_ERR_VERIFY, CA_ERR_LOG, and those
 * of ca_config_load.
 */
int ca_dir_open(const char *path, struct ca_dir **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* What ca_dir_open_flags does besides ca_dir_open: */
/*
 * Fill d->serials with every serial in the log as it verifies it, for a
 * command that needs fresh serials and would otherwise read the log
 * twice.
 */
#define CA_DIR_SERIALS	0x1
/*
 * Accept a pending subordinate: then d->pending is set, d->csr read,
 * d->cert and d->log_cert are NULL, and the log's signatures (and the
 * ceremony open in it) wait for ca_dir_login, which alone holds a key to
 * check them with.  Until then only d->head may be trusted to be the
 * files' latest record.
 */
#define CA_DIR_PENDING	0x2
/*
 * Open the token (ca_hsm_open: the module loaded, the token found; no
 * PIN) on a thread of its own while the log verifies, for ca_dir_token
 * to take up: for a command that logs in next.  A failure to open it is
 * reported by ca_dir_token, as if it had opened the token itself.
 */
#define CA_DIR_TOKEN	0x4

/* ca_dir_open_flags: ca_dir_open, doing also what flags say. */
int ca_dir_open_flags(const char *path, unsigned flags,
    struct ca_dir **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_dir_open_visit: ca_dir_open_flags, calling fn(arg, ...) with each
 * record's body in order as the opening pass verifies it, for a command
 * that reads the log and would otherwise read it twice.  fn returns 0, or
 * a negative code that fails the open with it; it is not called after
 * the open returns.  The head's signature, which vouches for every
 * record, is checked last: what fn gathered counts only when the open
 * succeeds.  Not for a pending subordinate, whose records are verified
 * only at ca_dir_login: CA_ERR_INTERNAL with CA_DIR_PENDING.
 */
int ca_dir_open_visit(const char *path, unsigned flags, ca_log_fn fn,
    void *arg, struct ca_dir **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_dir_token: open d's token (module and CA key URI from ca.json), read
 * the PIN from pin_source (NULL: the URI's, else prompt), log in and wipe
 * the PIN.  For a CA whose PIN is split, the PIN is rebuilt from its
 * threshold of shares, from pin_source "shares:FILE,FILE,..." or typed at
 * the prompt, and checked before the token sees it; d->presented then
 * names the custodians whose shares were used.  No key is looked up:
 * ca_dir_login does that after this.  Those of ca_hsm_open, ca_pin_read
 * and ca_hsm_login.
 */
int ca_dir_token(struct ca_dir *d, const char *pin_source,
    ca_prompt_fn prompt, void *prompt_arg, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dir_login: open d's token (module and key URIs from ca.json), read
 * the PIN from pin_source (NULL: the URI's, else prompt), log in and
 * wipe the PIN, and find the CA and log-signing keys.  Refuses keys
 * whose public halves are not those of ca.pem and log-signer.pem.
 * While pending, the CA key must be ca.csr's, and the whole log is then
 * verified against the log key found.  CA_ERR_KEY_MISMATCH,
 * CA_ERR_KEY_NOT_FOUND, CA_ERR_LOG, and those of ca_hsm_open,
 * ca_pin_read and ca_hsm_login.
 */
int ca_dir_login(struct ca_dir *d, const char *pin_source,
    ca_prompt_fn prompt, void *prompt_arg, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dir_key: after ca_dir_token, find the key the URI uristr names on
 * d's token, check its public half is cert's (unless cert is NULL), and
 * return it as key, with a session to sign with in *ts (close it with
 * ca_tsigner_close before the token), and its public half in *pubout (may
 * be NULL; caller frees with EVP_PKEY_free).  what names the key in
 * messages.  bulk: the key signs in bulk (the CA key), and gets a session
 * of its own where the token has one to spare; else (the log key) it
 * signs in the token's own session (tokensign.h).  CA_ERR_KEY_NOT_FOUND,
 * CA_ERR_KEY_MISMATCH, CA_ERR_URI, CA_ERR_HSM.
 */
int ca_dir_key(struct ca_dir *d, const char *uristr, X509 *cert,
    const char *what, int bulk, struct ca_keyref *key,
    struct ca_tsigner **ts, EVP_PKEY **pubout, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dir_body: a new record body following d's head for op at now, with
 * env (d's token), people (operator and witnesses, from ca_rec_people;
 * may be NULL), the id of the ceremony open, if any, and, once logged
 * in, the CA key as used and who presented shares (as
 * "shares_presented").  Caller owns *out.  CA_ERR_CLOCK, CA_ERR_NOMEM,
 * CA_ERR_IO.
 */
int ca_dir_body(struct ca_dir *d, const char *prog, const char *op,
    time_t now, const json_t *people, json_t **out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * A file an operation writes; path absolute or relative to the cwd.  Its
 * bytes are data and len, or, for files too large to hold, the fsynced
 * temporary file ready (made with ca_tmp_write or beside path), which is
 * renamed into place.
 */
struct ca_artifact {
	const char *path;
	const void *data;
	size_t len;
	mode_t mode;
	int replace;		/* 0: an existing file is an error */
	const char *ready;	/* NULL, or a finished temporary */
	/*
	 * With ready: its SHA-256 in hex when the caller has it already
	 * (the journal needs it), or NULL to have it read again.
	 */
	const char *sha256;
};

/*
 * ca_dir_append: seal body with the log-signing key and write the n
 * artifacts and the record so that they land together or not at all:
 * when n > 0, the journal naming every file's place and temporary comes
 * first (journal.h); then each file goes to its temporary, all fsynced
 * together; the artifacts are renamed into place, then the record, each
 * folder is synced once, and the journal is removed.  (A lone record
 * needs no journal: its rename is the whole.)  If a step fails,
 * the journal undoes what was put in place (a replaced file is put
 * back); should that fail too, CA_ERR_INTERRUPTED, and the directory
 * waits for ca_journal_recover.  head gets the new log head.  Needs
 * ca_dir_login.  CA_ERR_EXISTS, CA_ERR_IO, CA_ERR_CANON, CA_ERR_CRYPTO.
 */
int ca_dir_append(struct ca_dir *d, const json_t *body,
    const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_dir_append_batch: ca_dir_append for the thousands of new files of a
 * batch (none replacing another, none ready): after the journal names
 * them all, they are written to their temporaries unsynced, one sync per
 * file system writes them to disk, they are renamed into place, each
 * folder is synced once, and the record lands.  CA_ERR_INTERNAL for an
 * artifact that is ready or replaces; otherwise as ca_dir_append.
 */
int ca_dir_append_batch(struct ca_dir *d, const json_t *body,
    const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_dir_finish: complete body (from ca_dir_body) with params, an empty
 * inputs list, outputs (NULL: an empty list) and result "ok", then
 * ca_dir_append it with the n artifacts a.  Takes params and outputs,
 * also on failure.  As ca_dir_append.
 */
int ca_dir_finish(struct ca_dir *d, json_t *body, json_t *params,
    json_t *outputs, const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * A record whose operation changes the token between its journal and its
 * record (a token step, journal.h), which no file can undo: a new PIN, a
 * new key.  The order is:
 *   ca_dir_stage        the record sealed, the journal naming it and the
 *                       step written, then the record's temporary;
 *   (the caller)        the step's shares written;
 *   ca_dir_stage_begin  the journal says the token may now change;
 *   (the caller)        the token changed;
 *   ca_dir_stage_commit the record in place, the journal removed.
 * Should a step fail, the caller sets the token back (if it was changed)
 * and calls ca_dir_stage_undo, which removes the shares, the temporary
 * and the journal.  Killed anywhere, ca_dir_recover (recover.h) finishes
 * or undoes it, asking the token once the step is begun.
 */
struct ca_dir_staged {
	struct ca_dir *d;	/* NULL once committed, undone or freed */
	char *rectmp, *recpath;
	char head[65];		/* the log's head once it lands */
	int begun;
};

/*
 * ca_dir_stage: as ca_dir_finish for a lone record (no artifacts and an
 * empty outputs list), up to its temporary: body is completed with
 * params (taken, also on failure) and sealed, the journal is written
 * with step (journal.h), and the record to its fsynced temporary.  On
 * failure nothing stays.  Needs ca_dir_login.  CA_ERR_INTERRUPTED when
 * undoing a half-done stage failed (the journal stays for recovery); as
 * ca_dir_append.
 */
int ca_dir_stage(struct ca_dir *d, json_t *body, json_t *params,
    const json_t *step, struct ca_dir_staged *st, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dir_stage_begin: mark st's step begun, just before the token
 * changes.  CA_ERR_IO (then nothing has changed: undo).
 */
int ca_dir_stage_begin(struct ca_dir_staged *st, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_dir_stage_commit: put st's record in place, head the log's new
 * head, and remove the journal (should that fail, a warning: recovery
 * finishes it).  Frees st on success; on failure (CA_ERR_EXISTS,
 * CA_ERR_IO) the record is not in place, and the caller undoes.
 */
int ca_dir_stage_commit(struct ca_dir_staged *st, char head[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_dir_stage_undo: the token being as it was (the step not begun, or
 * set back by the caller), undo st: mark the step undone, remove its
 * shares, the record's temporary and the journal; frees st.
 * CA_ERR_INTERRUPTED, eb's message extended, when that fails (the
 * journal stays, for ca_dir_recover).
 */
int ca_dir_stage_undo(struct ca_dir_staged *st, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/* ca_dir_stage_free: free st's names (not undoing anything). */
void ca_dir_stage_free(struct ca_dir_staged *st);

/* ca_dir_close: log out, close the token, unlock; accepts NULL. */
void ca_dir_close(struct ca_dir *d);

#endif
