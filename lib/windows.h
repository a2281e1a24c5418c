/*
 * windows.h: maintenance windows, the times a plant's sites or zones are
 * down and an engineer may load certificates into their devices
 * (ca-windows(5)).  Replacements are planned and staged for them.
 */
#ifndef CA_WINDOWS_H
#define CA_WINDOWS_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"

struct ca_window {
	char *name;
	time_t start, end;		/* start < end */
};

struct ca_site {
	char *name;
	char *zone;			/* may be NULL */
	struct ca_window *w;		/* by start, none overlapping */
	size_t nw;
};

struct ca_windows {
	struct ca_site *sites;
	size_t nsites;
	time_t *crl;			/* planned CRL ceremonies, in order */
	size_t ncrl;
};

/*
 * ca_windows_parse: read a windows file (buf, len bytes; file names it in
 * messages, which read FILE:LINE:COL as a profile's do).  Unknown members,
 * a wrong format or version, an empty or duplicate site name, a time not
 * in the form YYYY-MM-DDTHH:MM:SSZ, a window that ends before it starts
 * and two windows of a site that overlap are refused.  Windows and CRL
 * ceremonies come back in time order.  Caller frees with
 * ca_windows_free.  CA_ERR_JSON, CA_ERR_SCHEMA, CA_ERR_VERSION,
 * CA_ERR_NOMEM.
 */
int ca_windows_parse(const char *buf, size_t len, const char *file,
    struct ca_windows **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_windows_load: ca_windows_parse of the file at path. */
int ca_windows_load(const char *path, struct ca_windows **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_windows_load_site: ca_windows_load, then the site named name, or the
 * file's only site when name is NULL: what a command given --windows FILE
 * [--site NAME] plans with.  *site points into *out (caller frees *out
 * with ca_windows_free, also on failure).  Those of ca_windows_load, with
 * advice to fix the file; CA_ERR_NOT_FOUND when no such site,
 * CA_ERR_INVALID_ARG when the file has several and none is named.
 */
int ca_windows_load_site(const char *path, const char *name,
    struct ca_windows **out, const struct ca_site **site,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_windows_free: accepts NULL. */
void ca_windows_free(struct ca_windows *w);

/* ca_windows_site: the site named name, or NULL. */
const struct ca_site *ca_windows_site(const struct ca_windows *w,
    const char *name);

/*
 * ca_window_last_by: the latest window of s that is over by deadline
 * (its end at or before it), or NULL when none is.
 */
const struct ca_window *ca_window_last_by(const struct ca_site *s,
    time_t deadline);

/* ca_window_next: the first window of s that starts at or after t. */
const struct ca_window *ca_window_next(const struct ca_site *s, time_t t);

/*
 * ca_windows_staged: the times of a staged replacement from the options
 * --not-before nb and --not-after na (each NULL, a UTC time such as
 * 2027-03-01T06:00:00Z, or "window:NAME": that window's start for nb, its
 * end for na, in the windows file wpath at site (NULL: its only site)).
 * An option left out leaves its time 0.  When a window is named, by
 * (cap bytes) says which, for the record; else it is "".
 * CA_ERR_INVALID_ARG, with the reason, for a malformed time, a window
 * without wpath or not in the site; those of ca_windows_load_site.
 */
int ca_windows_staged(const char *wpath, const char *site, const char *nb,
    const char *na, time_t *not_before, time_t *not_after, char *by,
    size_t cap, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
