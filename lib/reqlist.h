/*
 * reqlist.h: the certificate requests of a batch, named by a folder that
 * holds them or by a file that lists them (ca-issue --csrs, --list).
 */
#ifndef CA_REQLIST_H
#define CA_REQLIST_H

#include <stddef.h>

#include "ca_err.h"

/*
 * The most requests a folder or list may name: one batch's worth
 * (CA_ISSUE_MAX), whose record stays well inside CA_LOG_MAX_RECORD.
 */
#define CA_REQLIST_MAX 20000

/*
 * ca_reqlist_folder: the request files in folder, those named *.csr,
 * *.req, *.pem or *.der, sorted by name, as new strings "folder/name"
 * (free with ca_reqlist_free).  CA_ERR_NOT_FOUND for a missing folder
 * or one without requests, CA_ERR_INVALID_ARG past CA_REQLIST_MAX,
 * CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_reqlist_folder(const char *folder, char ***paths, size_t *n,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_reqlist_file: the request paths listed in file, one per line,
 * relative to file's folder unless absolute; blank lines and lines
 * starting with '#' are skipped.  As ca_reqlist_folder.
 */
int ca_reqlist_file(const char *file, char ***paths, size_t *n,
    struct ca_errbuf *eb) CA_MUST_CHECK;

void ca_reqlist_free(char **paths, size_t n);

#endif
