#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certgen.h"
#include "cjson.h"
#include "dn.h"
#include "encode.h"
#include "timefmt.h"

/* true, false, or null for an attribute the token does not know. */
static json_t *
tri(int v)
{
	return v == CA_ATTR_UNKNOWN ? json_null() : json_boolean(v);
}

json_t *
ca_rec_attrs(const struct ca_key_attrs *a)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o}", "token", tri(a->token), "private", tri(a->private_),
	    "sensitive", tri(a->sensitive), "always_sensitive",
	    tri(a->always_sensitive), "extractable", tri(a->extractable),
	    "never_extractable", tri(a->never_extractable), "local",
	    tri(a->local), "sign", tri(a->sign), "decrypt", tri(a->decrypt),
	    "unwrap", tri(a->unwrap), "derive", tri(a->derive),
	    "wrap_with_trusted", tri(a->wrap_with_trusted));
}

int
ca_rec_key(const char *role, const char *uri, const struct ca_keyref *k,
    const char *alg, EVP_PKEY *pub, const struct ca_key_attrs *a,
    json_t **out)
{
	char id[2 * CA_URI_ID_MAX + 1], spki[65];
	json_t *at;
	int r;

	*out = NULL;
	if ((r = ca_spki_sha256(pub, spki)) != 0)
		return r;
	ca_hex(k->id, k->id_len, id);
	if ((at = ca_rec_attrs(a)) == NULL ||
	    (*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "role",
	    role, "label", k->label, "uri", uri, "id", id, "algorithm", alg,
	    "spki_sha256", spki, "attributes", at)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

int
ca_rec_cert(const char *file, X509 *x, json_t **out)
{
	char serial[41], fp[65], nb[21], na[21];
	char *subj = NULL, *iss = NULL;
	time_t t;
	int r;

	*out = NULL;
	if ((r = ca_serial_hex(x, serial)) != 0 ||
	    (r = ca_cert_sha256(x, fp)) != 0 ||
	    (r = ca_dn_format(X509_get_subject_name(x), &subj)) != 0 ||
	    (r = ca_dn_format(X509_get_issuer_name(x), &iss)) != 0)
		goto out;
	r = CA_ERR_CRYPTO;
	{
		struct tm tm;

		if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) != 1 ||
		    (t = timegm(&tm), ca_time_rfc3339(t, nb)) != 0 ||
		    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1 ||
		    (t = timegm(&tm), ca_time_rfc3339(t, na)) != 0)
			goto out;
	}
	r = CA_ERR_NOMEM;
	if ((*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "file",
	    file, "serial", serial, "sha256", fp, "subject", subj, "issuer",
	    iss, "not_before", nb, "not_after", na)) == NULL)
		goto out;
	r = 0;
out:
	free(subj);
	free(iss);
	return r;
}

json_t *
ca_rec_file(const char *name, const void *data, size_t len)
{
	char h[65];

	ca_sha256_hex(data, len, h);
	return json_pack("{s:s, s:I, s:s}", "name", name, "size",
	    (json_int_t)len, "sha256", h);
}

json_t *
ca_rec_file_external(const char *name, const void *data, size_t len)
{
	json_t *f = ca_rec_file(name, data, len);

	if (f != NULL && json_object_set_new(f, "external", json_true()) != 0) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/*
 * A name is one line: the log's profile allows "\n" in strings, which
 * would let a name pose as two, or as further lines of a printout.
 */
static int
has_newline(const char *s)
{
	return s != NULL && strchr(s, '\n') != NULL;
}

int
ca_rec_people(const char *operator_, const char *const *witnesses,
    size_t nwitnesses, json_t **out, struct ca_errbuf *eb)
{
	json_t *p, *w;
	size_t i;

	*out = NULL;
	if ((w = json_array()) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < nwitnesses; i++) {
		if (witnesses[i][0] == '\0' ||
		    json_array_append_new(w, json_string(witnesses[i])) !=
		    0) {
			json_decref(w);
			ca_errf(eb, "witness names must be non-empty UTF-8");
			return CA_ERR_INVALID_ARG;
		}
	}
	p = json_pack("{s:o?, s:o}", "operator", operator_ ?
	    json_string(operator_) : json_null(), "witnesses", w);
	if (p == NULL || (operator_ != NULL &&
	    (operator_[0] == '\0' ||
	    json_is_null(json_object_get(p, "operator"))))) {
		json_decref(p);
		ca_errf(eb, "the operator name must be non-empty UTF-8");
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < nwitnesses && !has_newline(witnesses[i]); i++)
		;
	if (i < nwitnesses || has_newline(operator_) ||
	    !ca_json_check(p, eb)) {
		json_decref(p);
		ca_errf(eb, "names must not hold control characters");
		return CA_ERR_INVALID_ARG;
	}
	*out = p;
	return 0;
}

