#include "plan.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "cjson.h"
#include "csr.h"
#include "dn.h"
#include "fsio.h"
#include "store.h"

static int
asn1_time(const ASN1_TIME *a, time_t *t)
{
	struct tm tm;

	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return CA_ERR_CRYPTO;
	*t = timegm(&tm);
	return 0;
}

static struct ca_plan_item *
add(struct ca_plan *p, enum ca_plan_kind kind, const char *dir)
{
	struct ca_plan_item *n;

	if ((n = realloc(p->items, (p->n + 1) * sizeof(*n))) == NULL)
		return NULL;
	p->items = n;
	n = &p->items[p->n++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	return n;
}

static void
warn(struct ca_plan *p, struct ca_plan_item *it, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn(struct ca_plan *p, struct ca_plan_item *it, const char *fmt, ...)
{
	va_list ap;

	if (it->warning[0] == '\0')
		p->warnings++;
	va_start(ap, fmt);
	vsnprintf(it->warning, sizeof(it->warning), fmt, ap);
	va_end(ap);
}

static void
date_of(time_t t, char out[21])
{
	if (ca_time_rfc3339(t, out) != 0)
		snprintf(out, 21, "?");
	out[10] = '\0';		/* the day is what a plan is read in */
}

/* A certificate's item: its expiry, and the window to replace it in. */
static int
cert_item(struct ca_plan *p, enum ca_plan_kind kind, const char *dir,
    X509 *x, time_t issuer_end, const struct ca_site *site,
    const struct ca_duration *margin, time_t now)
{
	struct ca_plan_item *it;
	struct ca_duration back;
	const struct ca_window *lw;
	char *s = NULL, d[21];
	time_t deadline;
	int r;

	if ((it = add(p, kind, dir)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = asn1_time(X509_get0_notAfter(x), &it->expiry)) != 0 ||
	    (r = ca_serial_hex(x, it->serial)) != 0 ||
	    (r = ca_dn_format(X509_get_subject_name(x), &s)) != 0)
		return r;
	snprintf(it->subject, sizeof(it->subject), "%s", s);
	free(s);
	back.years = -margin->years;
	back.months = -margin->months;
	back.days = -margin->days;
	if (ca_time_add(it->expiry, &back, &deadline) != 0)
		return CA_ERR_INVALID_ARG;
	if ((lw = ca_window_last_by(site, deadline)) != NULL) {
		it->have_window = 1;
		snprintf(it->window, sizeof(it->window), "%s",
		    lw->name ? lw->name : "");
		it->wstart = lw->start;
		it->wend = lw->end;
	}
	date_of(it->expiry, d);
	if (it->expiry <= now)
		warn(p, it, "expired on %s", d);
	else if (lw == NULL || lw->end <= now)
		warn(p, it, "expires on %s with no window left to replace it "
		    "in: add a window before then, or replace it sooner", d);
	else if (issuer_end != 0 && it->expiry > issuer_end) {
		date_of(issuer_end, d);
		warn(p, it, "outlives its issuing CA, which ends on %s: renew "
		    "the CA first", d);
	}
	return 0;
}

static int
load_cert(const char *path, X509 **x, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*x = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	if (ca_x509_parse_any(buf, len, x) != 0) {
		ca_errf(eb, "\"%s\" is not a certificate", path);
		r = CA_ERR_CRYPTO;
	}
	free(buf);
	ERR_clear_error();
	return r;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in folder ending in suffix, sorted; caller frees. */
static int
list(const char *folder, const char *suffix, char ***names, size_t *n)
{
	DIR *dp;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t k = 0, sl = strlen(suffix), l;

	*names = NULL;
	*n = 0;
	if ((dp = opendir(folder)) == NULL)
		return 0;	/* none issued yet */
	while ((de = readdir(dp)) != NULL) {
		l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
			continue;
		if ((nv = realloc(v, (k + 1) * sizeof(*v))) == NULL ||
		    (nv[k] = strdup(de->d_name)) == NULL) {
			closedir(dp);
			*names = nv ? nv : v;
			*n = k;
			return CA_ERR_NOMEM;
		}
		v = nv;
		k++;
	}
	closedir(dp);
	/*
	 * C11 7.22.5: qsort's base must be valid even for no elements, and
	 * a folder with none of them (an empty issued/) leaves v NULL.
	 */
	if (k > 0)
		qsort(v, k, sizeof(*v), by_name);
	*names = v;
	*n = k;
	return 0;
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The CRL numbered highest in crl/: NN.der, the number in decimal. */
static int
crl_item(struct ca_plan *p, const char *dir, const char *ca_subject,
    const struct ca_windows *w, time_t now, struct ca_errbuf *eb)
{
	struct ca_plan_item *it;
	X509_CRL *crl = NULL;
	unsigned char *buf = NULL;
	const unsigned char *q;
	char **names = NULL, *folder = NULL, *path = NULL, d[21];
	size_t n = 0, i, len = 0, best = 0;
	unsigned long long num, top = 0;
	int r;

	if ((folder = ca_path_join(dir, "crl")) == NULL)
		return CA_ERR_NOMEM;
	if ((r = list(folder, ".der", &names, &n)) != 0 || n == 0)
		goto out;
	for (i = 0; i < n; i++) {
		num = strtoull(names[i], NULL, 10);
		if (num >= top) {
			top = num;
			best = i;
		}
	}
	r = CA_ERR_NOMEM;
	if ((path = ca_path_join(folder, names[best])) == NULL)
		goto out;
	if ((r = ca_read_file(path, 1 << 24, &buf, &len, eb)) != 0)
		goto out;
	q = buf;
	r = CA_ERR_CRYPTO;
	if ((crl = d2i_X509_CRL(NULL, &q, (long)len)) == NULL) {
		ca_errf(eb, "\"%s\" is not a DER CRL", path);
		goto out;
	}
	r = CA_ERR_NOMEM;
	if ((it = add(p, CA_PLAN_CRL, dir)) == NULL)
		goto out;
	snprintf(it->subject, sizeof(it->subject), "%s", ca_subject);
	snprintf(it->serial, sizeof(it->serial), "%llu", top);
	if ((r = asn1_time(X509_CRL_get0_nextUpdate(crl), &it->expiry)) != 0) {
		ca_errf(eb, "\"%s\" has no nextUpdate", path);
		goto out;
	}
	for (i = 0; i < w->ncrl; i++)
		if (w->crl[i] >= now) {
			it->have_window = 1;
			it->wstart = it->wend = w->crl[i];
			break;
		}
	date_of(it->expiry, d);
	if (it->expiry <= now)
		warn(p, it, "expired on %s: devices that check it refuse "
		    "connections now", d);
	else if (!it->have_window)
		warn(p, it, "runs out on %s and no CRL ceremony is planned: "
		    "add one to crl_ceremonies", d);
	else if (it->wstart > it->expiry)
		warn(p, it, "runs out on %s, before the next CRL ceremony: "
		    "hold one sooner, or issue with a later --next-update", d);
	r = 0;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	free(buf);
	free(path);
	free(folder);
	free_list(names, n);
	return r;
}

static int
one_dir(struct ca_plan *p, const char *dir, const struct ca_windows *w,
    const struct ca_site *site, const struct ca_duration *margin,
    time_t now, struct ca_errbuf *eb)
{
	X509 *ca = NULL, *x = NULL;
	char *path = NULL, *folder = NULL, **names = NULL, *subj = NULL;
	size_t n = 0, i;
	time_t ca_end;
	int r;

	if ((path = ca_path_join(dir, CA_FILE_CERT)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = load_cert(path, &ca, eb)) != 0) {
		if (r == CA_ERR_NOT_FOUND)
			ca_errf(eb, "\"%s\" is not a CA directory with a "
			    "certificate (no %s)", dir, CA_FILE_CERT);
		goto out;
	}
	if ((r = asn1_time(X509_get0_notAfter(ca), &ca_end)) != 0 ||
	    (r = cert_item(p, CA_PLAN_CA, dir, ca, 0, site, margin,
	    now)) != 0 || (r = ca_dn_format(X509_get_subject_name(ca),
	    &subj)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((folder = ca_path_join(dir, "issued")) == NULL)
		goto out;
	if ((r = list(folder, ".pem", &names, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		free(path);
		if ((path = ca_path_join(folder, names[i])) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((r = load_cert(path, &x, eb)) != 0 ||
		    (r = cert_item(p, CA_PLAN_ISSUED, dir, x, ca_end, site,
		    margin, now)) != 0)
			goto out;
		X509_free(x);
		x = NULL;
	}
	r = crl_item(p, dir, subj, w, now, eb);
out:
	X509_free(ca);
	X509_free(x);
	free(subj);
	free(path);
	free(folder);
	free_list(names, n);
	return r;
}

int
ca_plan_build(const char *const *dirs, size_t ndirs,
    const struct ca_windows *w, const struct ca_site *site,
    const struct ca_duration *margin, time_t now, struct ca_plan **out,
    struct ca_errbuf *eb)
{
	struct ca_plan *p;
	size_t i;
	int r = 0;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < ndirs && r == 0; i++)
		r = one_dir(p, dirs[i], w, site, margin, now, eb);
	if (r != 0) {
		ca_plan_free(p);
		return r;
	}
	*out = p;
	return 0;
}

static json_t *
when(time_t t)
{
	char s[21];

	return ca_time_rfc3339(t, s) == 0 ? json_string(s) : NULL;
}

int
ca_plan_json(const struct ca_plan *p, const struct ca_site *site,
    const struct ca_duration *margin, char **out, size_t *len)
{
	static const char *const kinds[] = { "ca", "issued", "crl" };
	json_t *root = NULL, *items, *it, *win;
	char m[48];
	size_t i;
	int r = CA_ERR_NOMEM;

	ca_duration_format(margin, m);
	if ((items = json_array()) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < p->n; i++) {
		const struct ca_plan_item *x = &p->items[i];

		win = json_null();
		if (x->have_window && x->kind == CA_PLAN_CRL)
			win = json_pack("{s:o}", "crl_ceremony",
			    when(x->wstart));
		else if (x->have_window)
			win = json_pack("{s:s, s:o, s:o}", "name", x->window,
			    "start", when(x->wstart), "end", when(x->wend));
		it = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s*}", "kind",
		    kinds[x->kind], "dir", x->dir, "subject", x->subject,
		    x->kind == CA_PLAN_CRL ? "number" : "serial", x->serial,
		    "expiry", when(x->expiry), "window", win, "warning",
		    x->warning[0] ? x->warning : NULL);
		if (it == NULL || json_array_append_new(items, it) != 0)
			goto out;
	}
	root = json_pack("{s:s, s:s, s:s?, s:o, s:I}", "site", site->name,
	    "margin", m, "zone", site->zone, "items", items, "warnings",
	    (json_int_t)p->warnings);
	items = NULL;
	if (root == NULL)
		goto out;
	r = ca_json_canon(root, out, len, NULL);
out:
	json_decref(items);
	json_decref(root);
	return r;
}

void
ca_plan_free(struct ca_plan *p)
{
	if (p == NULL)
		return;
	free(p->items);
	free(p);
}
