/*
 * journal.h: how an operation's files and its record land together, even
 * when the process is killed or the disk fails half way.
 *
 * ca_dir_append first writes the journal, DIR/journal.json
 * (ca-directory(5)), naming each new file's place, its temporary, the
 * hard link that keeps a file it replaces, and the SHA-256 of its new
 * bytes.  Then it writes every new file, the record included, to its
 * fsynced temporary beside its place, renames the files into place, the
 * record last, syncs their folders, and removes the journal.  The record
 * is the commit point: a journal left behind is rolled forward when its
 * record is in place, and back otherwise.  While a journal exists the
 * directory is refused for anything but recovery, so nothing is built on
 * a half-written state.
 *
 * A crash before the journal is written leaves only leftovers
 * (NAME.tmp-XXXXXX and NAME.old-PID), which no record names and nothing
 * reads; recovery removes them.
 */
#ifndef CA_JOURNAL_H
#define CA_JOURNAL_H

#include <stddef.h>

#include "ca_err.h"

#include <jansson.h>

#define CA_FILE_JOURNAL "journal.json"
#define CA_JOURNAL_FORMAT "ca-journal/1"

/*
 * One file of an operation.  Paths are absolute or relative to the CA
 * directory (then with no ".." in them); tmp and old lie in path's own
 * folder, or tmp in the CA directory itself.
 */
struct ca_journal_file {
	const char *path;	/* its place */
	const char *tmp;	/* the fsynced temporary holding its bytes */
	const char *old;	/* a link to the file it replaces, or NULL */
	char sha256[65];	/* of its new bytes, lowercase hex */
};

/*
 * ca_journal_begin: write dir's journal for record seq of op, whose files
 * are f[0..n-1], the record being f[n-1] (n >= 1), and fsync it and dir.
 * Paths under dir are stored relative to it.  CA_ERR_EXISTS when a
 * journal is already there, CA_ERR_INVALID_ARG, CA_ERR_IO.
 */
int ca_journal_begin(const char *dir, long long seq, const char *op,
    const struct ca_journal_file *f, size_t n, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * A token step: a change an operation makes on its token after its files
 * are written and before its record lands, such as a new PIN or a new
 * key, which no file can undo.  The journal keeps it as "step", an
 * object with its "kind", the "shares" folder it writes (absolute or
 * under the directory; optional), what else its kind needs, and a
 * "state":
 *   prepared  the token is not yet touched;
 *   begun     the token may have changed;
 *   undone    the token is as it was.
 * A journal whose record is not in place goes back, and its shares are
 * removed, in states prepared and undone; in state begun only the token
 * can say which way (ca_journal_recover_with).
 */
#define CA_STEP_PREPARED "prepared"
#define CA_STEP_BEGUN "begun"
#define CA_STEP_UNDONE "undone"

/*
 * ca_journal_begin_step: ca_journal_begin for an operation with a token
 * step (a copy of step, in state prepared).  CA_ERR_INVALID_ARG for a
 * step that is not one (above); as ca_journal_begin.
 */
int ca_journal_begin_step(const char *dir, long long seq, const char *op,
    const struct ca_journal_file *f, size_t n, const json_t *step,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_journal_step_state: rewrite dir's journal, fsynced, with its step in
 * state (CA_STEP_BEGUN just before the token is changed, CA_STEP_UNDONE
 * once it is set back).  CA_ERR_INTERNAL when the journal has no step;
 * CA_ERR_IO.
 */
int ca_journal_step_state(const char *dir, const char *state,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_journal_step: dir's journal's token step (a new reference; caller
 * decrefs), or NULL when there is no journal or it has none.  Those of
 * reading the journal.
 */
int ca_journal_step(const char *dir, json_t **step, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_journal_end: the operation is whole: remove the files' old copies
 * and the journal, and fsync dir.  CA_ERR_IO (the journal stays, and
 * recovery finishes the work).
 */
int ca_journal_end(const char *dir, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_journal_check: 0 when dir has no journal; CA_ERR_INTERRUPTED, with a
 * message naming the interrupted record and the recovery command, when it
 * has one.  CA_ERR_IO.
 */
int ca_journal_check(const char *dir, struct ca_errbuf *eb) CA_MUST_CHECK;

struct ca_recovery {
	int journal;		/* 1: a journal was found and acted on */
	int forward;		/* 1: its record was in place: finished */
	long long seq;		/* the journal's record */
	char op[64];		/* and its operation */
	size_t moved, removed;	/* files renamed and removed doing so */
	size_t leftovers;	/* temporaries removed */
	int asked;		/* 1: its token was asked about its step */
	char step[32];		/* the step's kind, if it was begun */
};

/*
 * How recovery learns whether a begun token step happened: *happened 1
 * when the token shows it did, 0 when it shows it did not (as it was);
 * an error when it cannot tell, and then nothing is done.
 */
typedef int (*ca_journal_settle_fn)(void *arg, const json_t *step,
    int *happened, struct ca_errbuf *eb);

/*
 * ca_journal_recover: finish or undo the operation dir's journal names
 * (see above), then remove the leftovers ca_journal_leftovers lists.
 * Safe to repeat, and to interrupt: every step can be done again.  A
 * file in place is removed or replaced only when its bytes are the
 * journal's.  The caller holds dir's lock.  CA_ERR_SCHEMA, CA_ERR_JSON
 * (a journal this code did not write), CA_ERR_IO.
 */
int ca_journal_recover(const char *dir, struct ca_recovery *res,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_journal_recover_with: ca_journal_recover, asking settle(arg, ...)
 * whether a begun token step whose record is not in place happened: if
 * so the record and its files are put in place (once each is found
 * whole), else the step is marked undone and all goes back.  With settle
 * NULL such a journal is left as it is: CA_ERR_INTERRUPTED, saying so.
 * CA_ERR_IO when a file the record names is damaged; those of settle and
 * of ca_journal_recover.
 */
int ca_journal_recover_with(const char *dir, ca_journal_settle_fn settle,
    void *arg, struct ca_recovery *res, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_journal_rollback: undo the operation in dir's journal, whose record
 * is not in place, and remove the journal: what ca_dir_append does when
 * a step fails.  The caller holds dir's lock.  Those of
 * ca_journal_recover; CA_ERR_EXISTS when the record is in place,
 * CA_ERR_INTERNAL when its token step is begun and not undone.
 */
int ca_journal_rollback(const char *dir, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_journal_leftovers: call fn with each leftover temporary (its path
 * relative to dir) in dir and its folders crl/ and issued/, until fn
 * returns non-zero.  Returns the number found, or CA_ERR_IO.
 */
int ca_journal_leftovers(const char *dir,
    int (*fn)(void *arg, const char *rel), void *arg);

/* ca_journal_is_leftover: 1 when a file called name is a temporary. */
int ca_journal_is_leftover(const char *name);

#endif
