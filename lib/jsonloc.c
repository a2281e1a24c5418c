#include "jsonloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "encode.h"

#define LOC_MAX 16

/* The source scanner: buf holds JSON that jansson has already accepted. */
struct scan {
	const char *p, *end;
	int line, col;
};

static void
sc_adv(struct scan *s)
{
	unsigned char ch;

	if (s->p >= s->end)
		return;
	ch = (unsigned char)*s->p++;
	/* jansson counts columns in characters, not in UTF-8 bytes. */
	if (ch == '\n') {
		s->line++;
		s->col = 1;
	} else if ((ch & 0xc0) != 0x80) {
		s->col++;
	}
}

static int
sc_peek(const struct scan *s)
{
	return s->p < s->end ? (unsigned char)*s->p : -1;
}

static void
sc_ws(struct scan *s)
{
	int ch;

	while ((ch = sc_peek(s)) == ' ' || ch == '\t' || ch == '\n' ||
	    ch == '\r')
		sc_adv(s);
}

static void
sc_string(struct scan *s)
{
	int ch;

	sc_adv(s);
	while ((ch = sc_peek(s)) != -1 && ch != '"') {
		if (ch == '\\')
			sc_adv(s);
		sc_adv(s);
	}
	sc_adv(s);
}

static void
sc_value(struct scan *s)
{
	int ch, depth = 0;

	if ((ch = sc_peek(s)) == '"') {
		sc_string(s);
		return;
	}
	if (ch != '{' && ch != '[') {
		while ((ch = sc_peek(s)) != -1 && ch != ',' && ch != '}' &&
		    ch != ']' && ch != ' ' && ch != '\t' && ch != '\n' &&
		    ch != '\r')
			sc_adv(s);
		return;
	}
	while ((ch = sc_peek(s)) != -1) {
		if (ch == '"') {
			sc_string(s);
			continue;
		}
		sc_adv(s);
		if (ch == '{' || ch == '[')
			depth++;
		else if ((ch == '}' || ch == ']') && --depth == 0)
			return;
	}
}

static unsigned long
sc_hex4(struct scan *s)
{
	unsigned long v = 0;
	int i, h;

	for (i = 0; i < 4; i++) {
		if ((h = ca_hex_digit(sc_peek(s))) < 0)
			return 0;
		v = v << 4 | (unsigned long)h;
		sc_adv(s);
	}
	return v;
}

/*
 * Scan the string at s and say whether it decodes to want, so that a key
 * written with escapes ("\u0076alidity") is still found.
 */
static int
sc_key_eq(struct scan *s, const char *want)
{
	const unsigned char *w = (const unsigned char *)want;
	unsigned char u[4];
	unsigned long cp;
	size_t n, k;
	int ch, eq = 1;

	sc_adv(s);
	while ((ch = sc_peek(s)) != -1 && ch != '"') {
		sc_adv(s);
		n = 1;
		u[0] = (unsigned char)ch;
		if (ch == '\\') {
			ch = sc_peek(s);
			sc_adv(s);
			switch (ch) {
			case 'b': u[0] = '\b'; break;
			case 'f': u[0] = '\f'; break;
			case 'n': u[0] = '\n'; break;
			case 'r': u[0] = '\r'; break;
			case 't': u[0] = '\t'; break;
			case 'u':
				cp = sc_hex4(s);
				if (cp >= 0xd800 && cp <= 0xdbff &&
				    sc_peek(s) == '\\') {
					sc_adv(s);
					sc_adv(s);
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (sc_hex4(s) - 0xdc00);
				}
				if (cp < 0x80) {
					u[0] = (unsigned char)cp;
				} else if (cp < 0x800) {
					u[0] = (unsigned char)(0xc0 | cp >> 6);
					u[1] = (unsigned char)(0x80 |
					    (cp & 0x3f));
					n = 2;
				} else if (cp < 0x10000) {
					u[0] = (unsigned char)(0xe0 | cp >> 12);
					u[1] = (unsigned char)(0x80 |
					    (cp >> 6 & 0x3f));
					u[2] = (unsigned char)(0x80 |
					    (cp & 0x3f));
					n = 3;
				} else {
					u[0] = (unsigned char)(0xf0 | cp >> 18);
					u[1] = (unsigned char)(0x80 |
					    (cp >> 12 & 0x3f));
					u[2] = (unsigned char)(0x80 |
					    (cp >> 6 & 0x3f));
					u[3] = (unsigned char)(0x80 |
					    (cp & 0x3f));
					n = 4;
				}
				break;
			default: u[0] = (unsigned char)ch; break;
			}
		}
		for (k = 0; k < n && eq; k++) {
			if (*w != u[k])
				eq = 0;
			else
				w++;
		}
	}
	sc_adv(s);
	return eq && *w == '\0';
}

/*
 * The line and column of the place at names: the key of a member, the
 * first character of an array element, or the top-level value.  Where the
 * path cannot be followed to its end, the deepest place found.
 */
void
ca_jloc_place(const struct ca_jsrc *c, const struct ca_jloc *at, int *line,
    int *col)
{
	const struct ca_jloc *chain[LOC_MAX];
	const struct ca_jloc *l;
	struct scan s;
	size_t n = 0, k;
	int found, kl, kc;

	for (l = at; l != NULL && l->up != NULL; l = l->up)
		if (n < LOC_MAX)
			chain[n++] = l;
	s.p = c->buf;
	s.end = c->buf + c->len;
	s.line = 1;
	s.col = 1;
	sc_ws(&s);
	*line = s.line;
	*col = s.col;
	while (n-- > 0) {
		l = chain[n];
		found = 0;
		if (l->key != NULL) {
			if (sc_peek(&s) != '{')
				return;
			sc_adv(&s);
			for (;;) {
				sc_ws(&s);
				if (sc_peek(&s) != '"')
					break;
				kl = s.line;
				kc = s.col;
				found = sc_key_eq(&s, l->key);
				sc_ws(&s);
				if (sc_peek(&s) == ':')
					sc_adv(&s);
				sc_ws(&s);
				if (found) {
					*line = kl;
					*col = kc;
					break;
				}
				sc_value(&s);
				sc_ws(&s);
				if (sc_peek(&s) != ',')
					break;
				sc_adv(&s);
			}
		} else {
			if (sc_peek(&s) != '[')
				return;
			sc_adv(&s);
			for (k = 0;; k++) {
				sc_ws(&s);
				if (sc_peek(&s) == ']' || sc_peek(&s) == -1)
					break;
				if (k == l->idx) {
					found = 1;
					*line = s.line;
					*col = s.col;
					break;
				}
				sc_value(&s);
				sc_ws(&s);
				if (sc_peek(&s) != ',')
					break;
				sc_adv(&s);
			}
		}
		if (!found)
			return;
	}
}

void
ca_jloc_verr_pos(const struct ca_jsrc *c, int line, int col, const char *fmt,
    va_list ap)
{
	char msg[sizeof(((struct ca_errbuf *)NULL)->msg)], *q;

	if (c->eb == NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/*
	 * Messages quote the file, which is input: no escape sequence
	 * of its own may reach the operator's terminal.
	 */
	for (q = msg; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	if (c->file != NULL)
		ca_errf(c->eb, "%s:%d:%d: %s", c->file, line, col, msg);
	else
		ca_errf(c->eb, "line %d, column %d: %s", line, col, msg);
}


void
ca_jloc_err_pos(const struct ca_jsrc *c, int line, int col, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	ca_jloc_verr_pos(c, line, col, fmt, ap);
	va_end(ap);
}

void
ca_jloc_verr(const struct ca_jsrc *c, const struct ca_jloc *at,
    const char *fmt, va_list ap)
{
	int line = 1, col = 1;

	if (c->eb != NULL)
		ca_jloc_place(c, at, &line, &col);
	ca_jloc_verr_pos(c, line, col, fmt, ap);
}

void
ca_jloc_err(const struct ca_jsrc *c, const struct ca_jloc *at,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ca_jloc_verr(c, at, fmt, ap);
	va_end(ap);
}
