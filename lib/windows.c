#include "windows.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsio.h"
#include "jsonloc.h"
#include "timefmt.h"

#define CA_WINDOWS_VERSION 1
#define MAX_SITES 1024
#define MAX_WINDOWS 4096

struct wctx {
	struct ca_jsrc src;
};

/* Each member a level knows, so that a typing error is not ignored. */
static int
known_only(const struct wctx *c, const struct ca_jloc *at, json_t *o,
    const char *const *known, size_t n)
{
	struct ca_jloc ml;
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == n) {
			ml = (struct ca_jloc){ at, key, 0 };
			ca_jloc_err(&c->src, &ml, "unknown member \"%s\"", key);
			return CA_ERR_SCHEMA;
		}
	}
	return 0;
}

/* A string member: required, or NULL when optional and absent. */
static int
text(const struct wctx *c, const struct ca_jloc *at, json_t *o,
    const char *key, int required, char **out)
{
	struct ca_jloc ml = { at, key, 0 };
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL && !required)
		return 0;
	if (v == NULL) {
		ca_jloc_err(&c->src, at, "\"%s\" is missing", key);
		return CA_ERR_SCHEMA;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > 200) {
		ca_jloc_err(&c->src, &ml, "\"%s\" must be a string of 1 to 200 "
		    "characters", key);
		return CA_ERR_SCHEMA;
	}
	if ((*out = strdup(json_string_value(v))) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

static int
when(const struct wctx *c, const struct ca_jloc *at, json_t *v, time_t *t)
{
	if (!json_is_string(v) || ca_time_parse(json_string_value(v), t) != 0) {
		ca_jloc_err(&c->src, at,
		    "a time reads YYYY-MM-DDTHH:MM:SSZ, in UTC");
		return CA_ERR_SCHEMA;
	}
	return 0;
}

static int
by_start(const void *a, const void *b)
{
	const struct ca_window *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int
by_time(const void *a, const void *b)
{
	const time_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int
window(const struct wctx *c, const struct ca_jloc *at, json_t *o,
    struct ca_window *w)
{
	static const char *const known[] = { "name", "start", "end" };
	struct ca_jloc ml;
	int r;

	if (!json_is_object(o)) {
		ca_jloc_err(&c->src, at, "a window is an object with \"start\" "
		    "and \"end\"");
		return CA_ERR_SCHEMA;
	}
	if ((r = known_only(c, at, o, known, 3)) != 0 ||
	    (r = text(c, at, o, "name", 0, &w->name)) != 0)
		return r;
	if (json_object_get(o, "start") == NULL ||
	    json_object_get(o, "end") == NULL) {
		ca_jloc_err(&c->src, at,
		    "a window needs \"start\" and \"end\"");
		return CA_ERR_SCHEMA;
	}
	ml = (struct ca_jloc){ at, "start", 0 };
	if ((r = when(c, &ml, json_object_get(o, "start"), &w->start)) != 0)
		return r;
	ml = (struct ca_jloc){ at, "end", 0 };
	if ((r = when(c, &ml, json_object_get(o, "end"), &w->end)) != 0)
		return r;
	if (w->end <= w->start) {
		ca_jloc_err(&c->src, &ml, "the window ends before it starts");
		return CA_ERR_SCHEMA;
	}
	return 0;
}

static int
site(const struct wctx *c, const struct ca_jloc *at, json_t *o,
    struct ca_site *s)
{
	static const char *const known[] = { "name", "zone", "windows" };
	struct ca_jloc wl, el;
	json_t *ws = json_object_get(o, "windows");
	size_t i;
	int r;

	if (!json_is_object(o)) {
		ca_jloc_err(&c->src, at,
		    "a site is an object with \"name\" and \"windows\"");
		return CA_ERR_SCHEMA;
	}
	if ((r = known_only(c, at, o, known, 3)) != 0 ||
	    (r = text(c, at, o, "name", 1, &s->name)) != 0 ||
	    (r = text(c, at, o, "zone", 0, &s->zone)) != 0)
		return r;
	wl = (struct ca_jloc){ at, "windows", 0 };
	if (!json_is_array(ws) || json_array_size(ws) == 0 ||
	    json_array_size(ws) > MAX_WINDOWS) {
		ca_jloc_err(&c->src, ws ? &wl : at, "\"windows\" must be an "
		    "array of 1 to %d windows", MAX_WINDOWS);
		return CA_ERR_SCHEMA;
	}
	if ((s->w = calloc(json_array_size(ws), sizeof(*s->w))) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < json_array_size(ws); i++) {
		el = (struct ca_jloc){ &wl, NULL, i };
		s->nw++;
		if ((r = window(c, &el, json_array_get(ws, i), &s->w[i])) != 0)
			return r;
	}
	qsort(s->w, s->nw, sizeof(*s->w), by_start);
	for (i = 1; i < s->nw; i++)
		if (s->w[i].start < s->w[i - 1].end) {
			ca_jloc_err(&c->src, &wl, "two windows of site \"%s\" "
			    "overlap (%s and %s); merge them", s->name,
			    s->w[i - 1].name ? s->w[i - 1].name : "unnamed",
			    s->w[i].name ? s->w[i].name : "unnamed");
			return CA_ERR_SCHEMA;
		}
	return 0;
}

int
ca_windows_parse(const char *buf, size_t len, const char *file,
    struct ca_windows **out, struct ca_errbuf *eb)
{
	static const char *const known[] = { "format", "version", "sites",
	    "crl_ceremonies" };
	struct wctx c = { { buf, len, file, eb } };
	struct ca_jloc top = { NULL, NULL, 0 }, ml, el;
	struct ca_windows *w = NULL;
	json_error_t je;
	json_t *root = NULL, *v;
	size_t i, j;
	int r;

	*out = NULL;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		ca_jloc_err_pos(&c.src, je.line > 0 ? je.line : 1,
		    je.column > 0 ? je.column : 1, "%s", je.text);
		return CA_ERR_JSON;
	}
	r = CA_ERR_SCHEMA;
	if (!json_is_object(root)) {
		ca_jloc_err(&c.src, &top, "a windows file is a json object");
		goto out;
	}
	if ((r = known_only(&c, &top, root, known, 4)) != 0)
		goto out;
	r = CA_ERR_SCHEMA;
	v = json_object_get(root, "format");
	ml = (struct ca_jloc){ &top, "format", 0 };
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    "ca-windows") != 0) {
		ca_jloc_err(&c.src, v ? &ml : &top, "\"format\" must be "
		    "\"ca-windows\"");
		goto out;
	}
	v = json_object_get(root, "version");
	ml = (struct ca_jloc){ &top, "version", 0 };
	if (!json_is_integer(v) || json_integer_value(v) !=
	    CA_WINDOWS_VERSION) {
		ca_jloc_err(&c.src, v ? &ml : &top, "\"version\" must be %d",
		    CA_WINDOWS_VERSION);
		r = CA_ERR_VERSION;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto out;
	r = CA_ERR_SCHEMA;
	v = json_object_get(root, "sites");
	ml = (struct ca_jloc){ &top, "sites", 0 };
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > MAX_SITES) {
		ca_jloc_err(&c.src, v ? &ml : &top,
		    "\"sites\" must be an array of 1 to %d sites", MAX_SITES);
		goto out;
	}
	r = CA_ERR_NOMEM;
	if ((w->sites = calloc(json_array_size(v), sizeof(*w->sites))) ==
	    NULL)
		goto out;
	for (i = 0; i < json_array_size(v); i++) {
		el = (struct ca_jloc){ &ml, NULL, i };
		w->nsites++;
		if ((r = site(&c, &el, json_array_get(v, i),
		    &w->sites[i])) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(w->sites[j].name, w->sites[i].name) == 0) {
				ca_jloc_err(&c.src, &el, "site \"%s\" is named "
				    "twice", w->sites[i].name);
				r = CA_ERR_SCHEMA;
				goto out;
			}
	}
	v = json_object_get(root, "crl_ceremonies");
	ml = (struct ca_jloc){ &top, "crl_ceremonies", 0 };
	if (v != NULL) {
		r = CA_ERR_SCHEMA;
		if (!json_is_array(v) || json_array_size(v) > MAX_WINDOWS) {
			ca_jloc_err(&c.src, &ml,
			    "\"crl_ceremonies\" must be an array of times");
			goto out;
		}
		r = CA_ERR_NOMEM;
		if (json_array_size(v) > 0 && (w->crl = calloc(
		    json_array_size(v), sizeof(*w->crl))) == NULL)
			goto out;
		for (i = 0; i < json_array_size(v); i++) {
			el = (struct ca_jloc){ &ml, NULL, i };
			if ((r = when(&c, &el, json_array_get(v, i),
			    &w->crl[i])) != 0)
				goto out;
			w->ncrl++;
		}
		/* qsort wants a real array even for an empty list. */
		if (w->ncrl > 1)
			qsort(w->crl, w->ncrl, sizeof(*w->crl), by_time);
	}
	*out = w;
	w = NULL;
	r = 0;
out:
	ca_windows_free(w);
	json_decref(root);
	return r;
}

int
ca_windows_load(const char *path, struct ca_windows **out,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	r = ca_windows_parse((const char *)buf, len, path, out, eb);
	free(buf);
	return r;
}

int
ca_windows_load_site(const char *path, const char *name,
    struct ca_windows **out, const struct ca_site **site,
    struct ca_errbuf *eb)
{
	int r;

	*site = NULL;
	if ((r = ca_windows_load(path, out, eb)) != 0) {
		if (r != CA_ERR_NOT_FOUND && r != CA_ERR_NOMEM)
			ca_err_suffix(eb, "fix the windows file (see "
			    "ca-windows(5))");
		return r;
	}
	if (name == NULL && (*out)->nsites != 1) {
		ca_errf(eb, "\"%s\" has %zu sites; name one with --site", path,
		    (*out)->nsites);
		return CA_ERR_INVALID_ARG;
	}
	if ((*site = name ? ca_windows_site(*out, name) :
	    &(*out)->sites[0]) == NULL) {
		ca_errf(eb, "\"%s\" has no site \"%s\"", path, name);
		return CA_ERR_NOT_FOUND;
	}
	return 0;
}

void
ca_windows_free(struct ca_windows *w)
{
	size_t i, j;

	if (w == NULL)
		return;
	for (i = 0; i < w->nsites; i++) {
		for (j = 0; j < w->sites[i].nw; j++)
			free(w->sites[i].w[j].name);
		free(w->sites[i].w);
		free(w->sites[i].name);
		free(w->sites[i].zone);
	}
	free(w->sites);
	free(w->crl);
	free(w);
}

const struct ca_site *
ca_windows_site(const struct ca_windows *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nsites; i++)
		if (strcmp(w->sites[i].name, name) == 0)
			return &w->sites[i];
	return NULL;
}

const struct ca_window *
ca_window_last_by(const struct ca_site *s, time_t deadline)
{
	const struct ca_window *best = NULL;
	size_t i;

	for (i = 0; i < s->nw; i++)
		if (s->w[i].end <= deadline)
			best = &s->w[i];
	return best;
}

const struct ca_window *
ca_window_next(const struct ca_site *s, time_t t)
{
	size_t i;

	for (i = 0; i < s->nw; i++)
		if (s->w[i].start >= t)
			return &s->w[i];
	return NULL;
}

/* One WHEN: a UTC time, or the start (end: its end) of window:NAME. */
static int
option_when(const char *opt, const char *arg, const struct ca_site *site,
    int end, time_t *t, char *named, size_t cap, struct ca_errbuf *eb)
{
	size_t i;

	if (strncmp(arg, "window:", 7) != 0) {
		if (ca_time_parse(arg, t) == 0)
			return 0;
		ca_errf(eb, "%s \"%s\" is neither a UTC time such as "
		    "2027-03-01T06:00:00Z nor window:NAME", opt, arg);
		return CA_ERR_INVALID_ARG;
	}
	if (site == NULL) {
		ca_errf(eb, "%s %s needs --windows FILE", opt, arg);
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < site->nw; i++)
		if (site->w[i].name != NULL &&
		    strcmp(site->w[i].name, arg + 7) == 0) {
			*t = end ? site->w[i].end : site->w[i].start;
			snprintf(named, cap, "%s", arg + 7);
			return 0;
		}
	ca_errf(eb, "site \"%s\" has no window \"%s\"", site->name, arg + 7);
	return CA_ERR_INVALID_ARG;
}

int
ca_windows_staged(const char *wpath, const char *sname, const char *nb,
    const char *na, time_t *not_before, time_t *not_after, char *by,
    size_t cap, struct ca_errbuf *eb)
{
	struct ca_windows *w = NULL;
	const struct ca_site *site = NULL;
	char wnb[201] = "", wna[201] = "";
	int r;

	*not_before = *not_after = 0;
	by[0] = '\0';
	if (wpath != NULL && (r = ca_windows_load_site(wpath, sname, &w,
	    &site, eb)) != 0)
		goto out;
	if ((nb != NULL && (r = option_when("--not-before", nb, site, 0,
	    not_before, wnb, sizeof(wnb), eb)) != 0) ||
	    (na != NULL && (r = option_when("--not-after", na, site, 1,
	    not_after, wna, sizeof(wna), eb)) != 0))
		goto out;
	if (wnb[0] != '\0' || wna[0] != '\0')
		snprintf(by, cap, "site %s, window%s %s%s%s", site->name,
		    wnb[0] && wna[0] ? "s" : "", wnb, wnb[0] && wna[0] ?
		    " to " : "", wna);
	r = 0;
out:
	ca_windows_free(w);
	return r;
}
