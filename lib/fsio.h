/*
 * fsio.h: file input and crash-safe file output.
 *
 * Every file this toolkit writes lands atomically: it is written under a
 * temporary name in the same folder, fsynced, renamed into place, and then
 * the folder is fsynced, so that after a crash the file is either whole or
 * absent.
 */
#ifndef CA_FSIO_H
#define CA_FSIO_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "ca_err.h"

/* The suffix a temporary adds to the name it stands in for: ".tmp-XXXXXX". */
#define CA_TMP_SUFFIX_LEN	11

/*
 * ca_read_file: read all of path (at most max bytes) into a new buffer
 * with a NUL appended (not counted in *len); caller frees with free().
 * Symbolic links are not followed.  CA_ERR_NOT_FOUND, CA_ERR_PERMISSION,
 * CA_ERR_IO (also for a file over max bytes), CA_ERR_NOMEM.
 */
int ca_read_file(const char *path, size_t max, unsigned char **buf,
    size_t *len, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_write_file_excl: create path (which must not exist) with mode, write
 * data, fsync.  Does not fsync the folder.  CA_ERR_EXISTS,
 * CA_ERR_PERMISSION, CA_ERR_IO.
 */
int ca_write_file_excl(const char *path, const void *data, size_t len,
    mode_t mode, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_write_file_nosync: ca_write_file_excl without the fsync, for the
 * many files of a batch, made durable together by ca_syncfs before any
 * is renamed into place.  As ca_write_file_excl.
 */
int ca_write_file_nosync(const char *path, const void *data, size_t len,
    mode_t mode, struct ca_errbuf *eb) CA_MUST_CHECK;

/* One file for ca_write_files_excl. */
struct ca_wfile {
	const char *path;
	const void *data;
	size_t len;
	mode_t mode;
};

/*
 * ca_write_files_excl: ca_write_file_excl for the n files f, faster than
 * one after another: every file is created and written and its write-back
 * started before the first fsync, so that the disk works on them
 * together.  On failure none of them is left.  As ca_write_file_excl, and
 * CA_ERR_NOMEM.
 */
int ca_write_files_excl(const struct ca_wfile *f, size_t n,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_syncfs: write to disk everything pending on the file system that
 * holds folder (syncfs(2)): one call in place of an fsync per file.
 * CA_ERR_IO.
 */
int ca_syncfs(const char *folder) CA_MUST_CHECK;

/*
 * ca_tmp_place: ca_tmp_commit without the folder sync, which the caller
 * does once for many files.  CA_ERR_EXISTS, CA_ERR_IO.
 */
int ca_tmp_place(const char *tmp, const char *path, int noreplace,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_path_new: 0 when nothing is at path and it can be made there, its
 * parent being a folder this process may write in, and its name short
 * enough to take a temporary's suffix (CA_TMP_SUFFIX_LEN more bytes).
 * CA_ERR_EXISTS when something is there; CA_ERR_NOT_FOUND when there is
 * no parent folder; CA_ERR_INVALID_ARG for a name too long; otherwise the
 * ca_errno_code of why not; each saying so in eb.  To
 * refuse a bad output before a PIN is asked for and the token used; the
 * writer still refuses to replace what appears in the meantime.
 */
int ca_path_new(const char *path, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_folder_new_or_empty: 0 when path is new (ca_path_new, *exists 0)
 * or an empty folder (*exists 1): where a command puts a new set of
 * files, made on the medium beforehand or left empty by a run killed
 * before it wrote anything (its files are journalled; recovery clears
 * them); either way one this process may write in.  CA_ERR_EXISTS when
 * path is anything else; otherwise as ca_path_new, or the ca_errno_code
 * of why an empty folder cannot be written.
 */
int ca_folder_new_or_empty(const char *path, int *exists,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_write_file_atomic: replace or create path with data via a temporary
 * file, fsync, rename and fsync of the folder.  With noreplace set an
 * existing path is refused (CA_ERR_EXISTS) and never overwritten.
 * CA_ERR_PERMISSION, CA_ERR_IO.
 */
int ca_write_file_atomic(const char *path, const void *data, size_t len,
    mode_t mode, int noreplace, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tmp_open: a new temporary file beside path with mode, open for
 * writing as *f, its name in *tmp (caller frees with free(), and unlinks
 * it unless committed with ca_tmp_commit): for files written a piece at a
 * time.  The caller fsyncs and closes it.  CA_ERR_PERMISSION,
 * CA_ERR_NOT_FOUND, CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_tmp_open(const char *path, mode_t mode, FILE **f, char **tmp,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tmp_write: the first half of an atomic write: data into a new
 * temporary file beside path (mode, fsynced), whose name comes back in
 * *tmp (caller frees with free(), and unlinks it unless committed).
 * CA_ERR_PERMISSION, CA_ERR_NOT_FOUND, CA_ERR_IO.
 */
int ca_tmp_write(const char *path, const void *data, size_t len,
    mode_t mode, char **tmp, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_tmp_name: a new name for a temporary beside path, path.tmp-XXXXXX
 * with six random letters and digits, as a new string (caller frees with
 * free()), or NULL when out of memory or randomness.  The file is not
 * made: create it with ca_write_file_excl, which refuses a name taken.
 */
char *ca_tmp_name(const char *path);

/*
 * ca_tmp_commit: the second half: rename tmp to path (refusing an
 * existing path when noreplace) and fsync the folder.  Once the rename is
 * done it reports success (a failed folder sync only leaves a warning in
 * eb).  CA_ERR_EXISTS, CA_ERR_IO.
 */
int ca_tmp_commit(const char *tmp, const char *path, int noreplace,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_fsync_dir: fsync the folder path.  CA_ERR_IO. */
int ca_fsync_dir(const char *path) CA_MUST_CHECK;

/* ca_fsync_parent: fsync the folder that holds path.  CA_ERR_IO. */
int ca_fsync_parent(const char *path) CA_MUST_CHECK;

/*
 * ca_sha256_file: SHA-256 of the file at path (symbolic links followed),
 * as lowercase hex into hex[65], and its size into *size (may be NULL).
 * CA_ERR_NOT_FOUND, CA_ERR_PERMISSION, CA_ERR_IO.
 */
int ca_sha256_file(const char *path, char hex[65], long long *size)
    CA_MUST_CHECK;

/*
 * ca_rm_folder: remove the regular files directly in folder, then the
 * folder itself (which fails, harmlessly, if anything else is left in
 * it).  For undoing what a command built; failures are ignored.
 */
void ca_rm_folder(const char *folder);

/*
 * ca_folder_only: 1 when path is a folder (not a link to one) holding
 * nothing but regular files whose names ours accepts (none at all
 * counts), else 0.  What a command may remove as its own leftover.
 */
int ca_folder_only(const char *path, int (*ours)(const char *name));

/*
 * ca_tmp_siblings: call fn(arg, sib) with each NAME.tmp-XXXXXX beside
 * path, NAME being path's last part: the temporaries a run killed while
 * building path left.  sib is named as path is ("out.tmp-abcdef" for
 * "out").  Returns how many there were; a folder that cannot be read has
 * none.
 */
int ca_tmp_siblings(const char *path, void (*fn)(void *arg,
    const char *sib), void *arg);

/*
 * ca_path_join: a new string "a/b" (caller frees with free()), or NULL
 * when out of memory.
 */
char *ca_path_join(const char *a, const char *b);

/*
 * ca_path_parent: the folder that holds path, as dirname(3) gives it ("."
 * for a bare name, "/" for one in the root, trailing slashes ignored), in
 * a new string (caller frees with free()), or NULL when out of memory.
 */
char *ca_path_parent(const char *path);

/*
 * ca_errno_code: the CA_ERR_* code for errno value e: CA_ERR_NOT_FOUND,
 * CA_ERR_PERMISSION, CA_ERR_EXISTS or CA_ERR_IO.
 */
int ca_errno_code(int e);

#endif
