#include "uri.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

/* Decode [s, s+n) into a new buffer; *outlen excludes the added NUL. */
static int
pct_decode(const char *s, size_t n, char **out, size_t *outlen)
{
	char *d;
	size_t i, j = 0;
	int hi, lo;

	*out = NULL;
	if ((d = malloc(n + 1)) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			d[j++] = s[i];
			continue;
		}
		if (i + 2 >= n) {
			free(d);
			return CA_ERR_URI;
		}
		if ((hi = ca_hex_digit((unsigned char)s[i + 1])) < 0 ||
		    (lo = ca_hex_digit((unsigned char)s[i + 2])) < 0) {
			free(d);
			return CA_ERR_URI;
		}
		d[j++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d[j] = '\0';
	*out = d;
	*outlen = j;
	return 0;
}

static int
set_str(char **slot, const char *name, const char *v, size_t n,
    struct ca_errbuf *eb)
{
	size_t len;
	int r;

	if (*slot != NULL) {
		ca_errf(eb, "attribute \"%s\" given twice", name);
		return CA_ERR_URI;
	}
	if ((r = pct_decode(v, n, slot, &len)) != 0) {
		if (r == CA_ERR_URI)
			ca_errf(eb, "bad percent-encoding in \"%s\"", name);
		return r;
	}
	if (strlen(*slot) != len) {
		ca_errf(eb, "attribute \"%s\" contains a NUL byte", name);
		return CA_ERR_URI;
	}
	return 0;
}

static int
path_attr(struct ca_uri *u, const char *a, size_t n, struct ca_errbuf *eb)
{
	const char *eq = memchr(a, '=', n);
	size_t kn, vn;
	char *tmp = NULL;
	size_t tlen;
	int r;

	if (eq == NULL) {
		ca_errf(eb, "attribute \"%.*s\" has no value", (int)n, a);
		return CA_ERR_URI;
	}
	kn = (size_t)(eq - a);
	vn = n - kn - 1;
#define IS(k) (kn == strlen(k) && memcmp(a, k, kn) == 0)
	if (IS("token"))
		return set_str(&u->token, "token", eq + 1, vn, eb);
	if (IS("serial"))
		return set_str(&u->serial, "serial", eq + 1, vn, eb);
	if (IS("manufacturer"))
		return set_str(&u->manufacturer, "manufacturer", eq + 1, vn,
		    eb);
	if (IS("model"))
		return set_str(&u->model, "model", eq + 1, vn, eb);
	if (IS("object"))
		return set_str(&u->object, "object", eq + 1, vn, eb);
	if (IS("type")) {
		if ((r = set_str(&u->type, "type", eq + 1, vn, eb)) != 0)
			return r;
		if (strcmp(u->type, "private") != 0 &&
		    strcmp(u->type, "public") != 0 &&
		    strcmp(u->type, "cert") != 0 &&
		    strcmp(u->type, "secret-key") != 0 &&
		    strcmp(u->type, "data") != 0) {
			ca_errf(eb, "unknown object type \"%s\"", u->type);
			return CA_ERR_URI;
		}
		return 0;
	}
	if (IS("id")) {
		if (u->has_id) {
			ca_errf(eb, "attribute \"id\" given twice");
			return CA_ERR_URI;
		}
		if ((r = pct_decode(eq + 1, vn, &tmp, &tlen)) != 0) {
			if (r == CA_ERR_URI)
				ca_errf(eb, "bad percent-encoding in \"id\"");
			return r;
		}
		if (tlen == 0 || tlen > CA_URI_ID_MAX) {
			free(tmp);
			ca_errf(eb, "\"id\" must be 1 to %d bytes",
			    CA_URI_ID_MAX);
			return CA_ERR_URI;
		}
		memcpy(u->id, tmp, tlen);
		u->id_len = tlen;
		u->has_id = 1;
		free(tmp);
		return 0;
	}
	if (IS("slot-id") || IS("slot-description") ||
	    IS("slot-manufacturer")) {
		ca_errf(eb, "slots change numbering between runs; name the "
		    "token by \"token\" or \"serial\" instead of \"%.*s\"",
		    (int)kn, a);
		return CA_ERR_URI;
	}
	if (IS("library-manufacturer") || IS("library-description") ||
	    IS("library-version"))
		return 0;	/* describe the module, not the token */
#undef IS
	ca_errf(eb, "unknown attribute \"%.*s\"", (int)kn, a);
	return CA_ERR_URI;
}

static int
query_attr(struct ca_uri *u, const char *a, size_t n, struct ca_errbuf *eb)
{
	const char *eq = memchr(a, '=', n);
	size_t kn, vn;

	if (eq == NULL) {
		ca_errf(eb, "query attribute \"%.*s\" has no value", (int)n, a);
		return CA_ERR_URI;
	}
	kn = (size_t)(eq - a);
	vn = n - kn - 1;
	if (kn == 10 && memcmp(a, "pin-source", 10) == 0)
		return set_str(&u->pin_source, "pin-source", eq + 1, vn, eb);
	if (kn == 11 && memcmp(a, "module-path", 11) == 0)
		return set_str(&u->module_path, "module-path", eq + 1, vn, eb);
	if (kn == 9 && memcmp(a, "pin-value", 9) == 0) {
		/* A PIN on the command line is visible to every process. */
		ca_errf(eb, "pin-value is refused; use pin-source or the "
		    "terminal prompt");
		return CA_ERR_URI;
	}
	ca_errf(eb, "unknown query attribute \"%.*s\"", (int)kn, a);
	return CA_ERR_URI;
}

int
ca_uri_parse(const char *s, struct ca_uri **out, struct ca_errbuf *eb)
{
	struct ca_uri *u = NULL;
	const char *p, *q, *end, *sep;
	int r = CA_ERR_INTERNAL;

	*out = NULL;
	if (s == NULL || strncmp(s, "pkcs11:", 7) != 0) {
		ca_errf(eb, "a pkcs#11 uri starts with \"pkcs11:\"");
		return CA_ERR_URI;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return CA_ERR_NOMEM;
	p = s + 7;
	q = strchr(p, '?');
	end = q ? q : p + strlen(p);
	while (p < end) {
		sep = memchr(p, ';', (size_t)(end - p));
		if (sep == NULL)
			sep = end;
		if (sep > p && (r = path_attr(u, p, (size_t)(sep - p),
		    eb)) != 0)
			goto out;
		p = sep + 1;
	}
	if (q != NULL) {
		p = q + 1;
		end = p + strlen(p);
		while (p < end) {
			sep = memchr(p, '&', (size_t)(end - p));
			if (sep == NULL)
				sep = end;
			if (sep > p && (r = query_attr(u, p,
			    (size_t)(sep - p), eb)) != 0)
				goto out;
			p = sep + 1;
		}
	}
	*out = u;
	u = NULL;
	r = 0;
out:
	ca_uri_free(u);
	return r;
}

void
ca_uri_free(struct ca_uri *u)
{
	if (u == NULL)
		return;
	free(u->token);
	free(u->serial);
	free(u->manufacturer);
	free(u->model);
	free(u->object);
	free(u->type);
	free(u->pin_source);
	free(u->module_path);
	free(u);
}

static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static void
put_attr(char **w, int *first, const char *name, const unsigned char *v,
    size_t n, int all)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	*w += sprintf(*w, "%s%s=", *first ? "" : ";", name);
	*first = 0;
	for (i = 0; i < n; i++) {
		if (!all && unreserved(v[i])) {
			*(*w)++ = (char)v[i];
		} else {
			*(*w)++ = '%';
			*(*w)++ = hx[v[i] >> 4];
			*(*w)++ = hx[v[i] & 15];
		}
	}
	**w = '\0';
}

int
ca_uri_format(const struct ca_uri *u, char **out)
{
	size_t cap = 64;
	char *buf, *w;
	int first = 1;
	const char *names[] = { "token", "serial", "manufacturer", "model",
	    "object" };
	const char *vals[5];
	size_t i;

	vals[0] = u->token;
	vals[1] = u->serial;
	vals[2] = u->manufacturer;
	vals[3] = u->model;
	vals[4] = u->object;
	for (i = 0; i < 5; i++)
		if (vals[i] != NULL)
			cap += 16 + 3 * strlen(vals[i]);
	cap += 16 + 3 * u->id_len + (u->type ? 16 + 3 * strlen(u->type) : 0);
	*out = NULL;
	if ((buf = malloc(cap)) == NULL)
		return CA_ERR_NOMEM;
	w = buf + sprintf(buf, "pkcs11:");
	for (i = 0; i < 5; i++)
		if (vals[i] != NULL)
			put_attr(&w, &first, names[i],
			    (const unsigned char *)vals[i], strlen(vals[i]), 0);
	if (u->has_id)
		/* Binary: every byte encoded, so it reads as hex. */
		put_attr(&w, &first, "id", u->id, u->id_len, 1);
	if (u->type != NULL)
		put_attr(&w, &first, "type", (const unsigned char *)u->type,
		    strlen(u->type), 0);
	*out = buf;
	return 0;
}
