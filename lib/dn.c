#include "dn.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "encode.h"

struct ava {
	char *type;
	char *value;
	size_t vlen;
	int set;	/* index of its RDN, counted from the left */
};

static void
free_avas(struct ava *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].type);
		free(a[i].value);
	}
	free(a);
}

/*
 * Scan one AVA starting at *pp; stop at an unescaped ',' or '+' or the
 * end, leaving *pp on the separator.
 */
static int
scan_ava(const char **pp, struct ava *a, struct ca_errbuf *eb)
{
	const char *p = *pp, *t0, *t1;
	char *v;
	size_t n = 0, trail = 0;
	int hi, lo;

	while (*p == ' ')
		p++;
	t0 = p;
	while (*p != '\0' && *p != '=' && *p != ',' && *p != '+')
		p++;
	if (*p != '=') {
		ca_errf(eb, "expected TYPE=VALUE near \"%.20s\"", t0);
		return CA_ERR_DN;
	}
	t1 = p;
	while (t1 > t0 && t1[-1] == ' ')
		t1--;
	if (t1 == t0) {
		ca_errf(eb, "empty attribute type near \"%.20s\"", t0);
		return CA_ERR_DN;
	}
	if ((a->type = strndup(t0, (size_t)(t1 - t0))) == NULL)
		return CA_ERR_NOMEM;
	p++;
	while (*p == ' ')
		p++;
	if (*p == '#') {
		ca_errf(eb, "hex-encoded values (\"#...\") are not supported "
		    "in \"%s\"", a->type);
		return CA_ERR_DN;
	}
	if ((v = malloc(strlen(p) + 1)) == NULL)
		return CA_ERR_NOMEM;
	a->value = v;
	while (*p != '\0' && *p != ',' && *p != '+') {
		if (*p == '\\') {
			p++;
			if (*p != '\0' && strchr("\"+,;<>\\=# ", *p) != NULL) {
				v[n++] = *p++;
				trail = 0;
				continue;
			}
			if ((hi = ca_hex_digit((unsigned char)p[0])) < 0 ||
			    p[1] == '\0' ||
			    (lo = ca_hex_digit((unsigned char)p[1])) < 0) {
				ca_errf(eb, "bad escape in the value of \"%s\"",
				    a->type);
				return CA_ERR_DN;
			}
			v[n++] = (char)(hi << 4 | lo);
			p += 2;
			trail = 0;
			continue;
		}
		/* RFC 4514 3: '=' may stand unescaped in a value. */
		if (*p == '"' || *p == ';' || *p == '<' || *p == '>') {
			ca_errf(eb, "unescaped '%c' in the value of \"%s\"", *p,
			    a->type);
			return CA_ERR_DN;
		}
		trail = (*p == ' ') ? trail + 1 : 0;
		v[n++] = *p++;
	}
	n -= trail;	/* unescaped trailing spaces are not part of it */
	v[n] = '\0';
	a->vlen = n;
	if (n == 0) {
		ca_errf(eb, "empty value for \"%s\"", a->type);
		return CA_ERR_DN;
	}
	*pp = p;
	return 0;
}

int
ca_dn_parse(const char *s, X509_NAME **out, struct ca_errbuf *eb)
{
	struct ava *avas = NULL, *tmp;
	size_t n = 0, cap = 0, i;
	X509_NAME *name = NULL;
	const char *p = s;
	int r = CA_ERR_INTERNAL, set = 0, last_set = -1, nid;

	*out = NULL;
	if (s == NULL || *s == '\0') {
		ca_errf(eb, "empty distinguished name");
		return CA_ERR_DN;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if (cap > 64) {
				ca_errf(eb, "too many attributes");
				r = CA_ERR_DN;
				goto out;
			}
			if ((tmp = realloc(avas, cap *
			    sizeof(*avas))) == NULL) {
				r = CA_ERR_NOMEM;
				goto out;
			}
			avas = tmp;
		}
		memset(&avas[n], 0, sizeof(avas[n]));
		avas[n].set = set;
		n++;
		if ((r = scan_ava(&p, &avas[n - 1], eb)) != 0)
			goto out;
		if (*p == '\0')
			break;
		if (*p == ',')
			set++;
		p++;
	}
	if ((name = X509_NAME_new()) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	/* RFC 4514 2.1: the string starts with the last RDN of the sequence. */
	for (i = n; i-- > 0;) {
		const struct ava *a = &avas[i];

		if ((nid = OBJ_txt2nid(a->type)) == NID_undef) {
			/* Accept dotted OIDs; OBJ_txt2nid knows registered
			 * ones only. */
			ASN1_OBJECT *obj = OBJ_txt2obj(a->type, 1);

			if (obj == NULL) {
				ERR_clear_error();
				ca_errf(eb, "unknown attribute type \"%s\"",
				    a->type);
				r = CA_ERR_DN;
				goto out;
			}
			if (!X509_NAME_add_entry_by_OBJ(name, obj,
			    MBSTRING_UTF8, (const unsigned char *)a->value,
			    (int)a->vlen, -1, a->set == last_set ? -1 : 0)) {
				ASN1_OBJECT_free(obj);
				goto bad_value;
			}
			ASN1_OBJECT_free(obj);
		} else if (!X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		    (const unsigned char *)a->value, (int)a->vlen, -1,
		    a->set == last_set ? -1 : 0)) {
			goto bad_value;
		}
		last_set = a->set;
		continue;
bad_value:
		ERR_clear_error();
		ca_errf(eb, "value not allowed for \"%s\" (for C use a "
		    "two-letter country code)", a->type);
		r = CA_ERR_DN;
		goto out;
	}
	*out = name;
	name = NULL;
	r = 0;
out:
	X509_NAME_free(name);
	free_avas(avas, n);
	return r;
}

int
ca_dn_format(const X509_NAME *name, char **out)
{
	BIO *b = NULL;
	int r = CA_ERR_INTERNAL;

	*out = NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		r = CA_ERR_CRYPTO;
		goto out;
	}
	r = ca_bio_take(b, out, NULL);
out:
	BIO_free(b);
	return r;
}
