/*
 * jsonloc.h: where a value sits in a JSON file that people write by hand
 * (profiles, maintenance windows), so that a message can say
 * FILE:LINE:COL.
 *
 * A place is a chain built on the stack, innermost first, from the member
 * (key != NULL) or array element (key == NULL) up to the top-level value
 * (up == NULL).  jansson keeps no positions, so the place is found again
 * by walking the source text along the chain.
 */
#ifndef CA_JSONLOC_H
#define CA_JSONLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "ca_err.h"

struct ca_jloc {
	const struct ca_jloc *up;
	const char *key;
	size_t idx;
};

/* The text jansson accepted, its file name, and where messages go. */
struct ca_jsrc {
	const char *buf;
	size_t len;
	const char *file;	/* NULL: "line L, column C" form */
	struct ca_errbuf *eb;	/* may be NULL */
};

/*
 * ca_jloc_place: the line and column of at in c's text: the key of a
 * member, the first character of an array element, or the top-level
 * value; where the chain cannot be followed to its end, the deepest place
 * found.
 */
void ca_jloc_place(const struct ca_jsrc *c, const struct ca_jloc *at,
    int *line, int *col);

/*
 * ca_jloc_err, ca_jloc_verr: set c->eb to "FILE:LINE:COL: reason" for the
 * place at (printf-style), control characters of the input replaced.
 */
void ca_jloc_err(const struct ca_jsrc *c, const struct ca_jloc *at,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ca_jloc_verr(const struct ca_jsrc *c, const struct ca_jloc *at,
    const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* ca_jloc_err_pos, ca_jloc_verr_pos: the same at a known line and column. */
void ca_jloc_err_pos(const struct ca_jsrc *c, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ca_jloc_verr_pos(const struct ca_jsrc *c, int line, int col,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif
