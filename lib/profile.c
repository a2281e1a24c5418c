#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cjson.h"
#include "fsio.h"

int
ca_profile_default_root(struct ca_profile **out)
{
	struct ca_profile *p;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CA_ERR_NOMEM;
	p->kind = CA_PROFILE_ROOT;
	p->validity.years = 25;
	p->path_len = -1;
	p->key_usage = CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN;
	*out = p;
	return 0;
}

void
ca_profile_free(struct ca_profile *p)
{
	if (p == NULL)
		return;
	free(p->subject);
	free(p);
}

static int
parse_key_usage(json_t *v, unsigned *ku, struct ca_errbuf *eb)
{
	size_t i;
	json_t *e;
	const char *s;
	unsigned bit;

	if (!json_is_array(v)) {
		ca_errf(eb, "\"key_usage\" must be an array of names");
		return CA_ERR_PROFILE;
	}
	*ku = 0;
	json_array_foreach(v, i, e) {
		if ((s = json_string_value(e)) == NULL) {
			ca_errf(eb, "\"key_usage\" must hold strings");
			return CA_ERR_PROFILE;
		}
		if (strcmp(s, "digitalSignature") == 0)
			bit = CA_KU_DIGITAL_SIGNATURE;
		else if (strcmp(s, "keyCertSign") == 0)
			bit = CA_KU_KEY_CERT_SIGN;
		else if (strcmp(s, "cRLSign") == 0)
			bit = CA_KU_CRL_SIGN;
		else {
			ca_errf(eb, "key usage \"%s\" is not allowed in a CA "
			    "profile", s);
			return CA_ERR_PROFILE;
		}
		if (*ku & bit) {
			ca_errf(eb, "key usage \"%s\" listed twice", s);
			return CA_ERR_PROFILE;
		}
		*ku |= bit;
	}
	/* BR 7.1.2.1.2: a root's keyUsage has keyCertSign and cRLSign. */
	if ((*ku & (CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN)) !=
	    (CA_KU_KEY_CERT_SIGN | CA_KU_CRL_SIGN)) {
		ca_errf(eb, "\"key_usage\" of a CA must include keyCertSign "
		    "and cRLSign");
		return CA_ERR_PROFILE;
	}
	return 0;
}

int
ca_profile_parse(const char *buf, size_t len, struct ca_profile **out,
    struct ca_errbuf *eb)
{
	struct ca_profile *p = NULL;
	json_t *root = NULL, *v;
	const char *key, *s;
	int r = CA_ERR_INTERNAL, seen_version = 0;

	*out = NULL;
	if ((r = ca_json_parse_loose(buf, len, &root, eb)) != 0)
		goto out;
	if (!json_is_object(root)) {
		ca_errf(eb, "a profile is a json object");
		r = CA_ERR_PROFILE;
		goto out;
	}
	if ((r = ca_profile_default_root(&p)) != 0)
		goto out;
	r = CA_ERR_PROFILE;
	if ((s = json_string_value(json_object_get(root, "format"))) == NULL ||
	    strcmp(s, "ca-profile") != 0) {
		ca_errf(eb, "\"format\" must be \"ca-profile\"");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "format") == 0) {
			continue;
		} else if (strcmp(key, "version") == 0) {
			if (!json_is_integer(v) ||
			    json_integer_value(v) != CA_PROFILE_VERSION) {
				ca_errf(eb, "profile version must be %d",
				    CA_PROFILE_VERSION);
				r = CA_ERR_VERSION;
				goto out;
			}
			seen_version = 1;
		} else if (strcmp(key, "kind") == 0) {
			if ((s = json_string_value(v)) == NULL ||
			    strcmp(s, "root") != 0) {
				ca_errf(eb, "\"kind\" must be \"root\"");
				goto out;
			}
		} else if (strcmp(key, "subject") == 0) {
			if ((s = json_string_value(v)) == NULL || *s == '\0') {
				ca_errf(eb, "\"subject\" must be a non-empty "
				    "RFC 4514 string");
				goto out;
			}
			if ((p->subject = strdup(s)) == NULL) {
				r = CA_ERR_NOMEM;
				goto out;
			}
		} else if (strcmp(key, "validity") == 0) {
			if ((s = json_string_value(v)) == NULL ||
			    ca_duration_parse(s, &p->validity) != 0) {
				ca_errf(eb, "\"validity\" must be a duration "
				    "such as \"25y\" or \"20y6m\"");
				goto out;
			}
		} else if (strcmp(key, "path_len") == 0) {
			if (json_is_null(v)) {
				p->path_len = -1;
			} else if (!json_is_integer(v) ||
			    json_integer_value(v) < 0 ||
			    json_integer_value(v) > 16) {
				ca_errf(eb, "\"path_len\" must be null or an "
				    "integer from 0 to 16");
				goto out;
			} else {
				p->path_len = (int)json_integer_value(v);
			}
		} else if (strcmp(key, "key_usage") == 0) {
			if ((r = parse_key_usage(v, &p->key_usage, eb)) != 0)
				goto out;
			r = CA_ERR_PROFILE;
		} else {
			ca_errf(eb, "unknown profile field \"%s\"", key);
			goto out;
		}
	}
	if (!seen_version) {
		ca_errf(eb, "profile has no \"version\"");
		goto out;
	}
	if (json_object_get(root, "kind") == NULL) {
		ca_errf(eb, "profile has no \"kind\"");
		goto out;
	}
	*out = p;
	p = NULL;
	r = 0;
out:
	json_decref(root);
	ca_profile_free(p);
	return r;
}

int
ca_profile_load(const char *path, struct ca_profile **out,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	r = ca_profile_parse((const char *)buf, len, out, eb);
	free(buf);
	return r;
}
