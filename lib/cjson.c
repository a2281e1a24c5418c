#include "cjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
check_string(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t k, len;
		unsigned long cp;

		/* jq escapes these differently from jansson and RFC 8785. */
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return 0;
		if (c < 0x80)
			continue;
		/* RFC 3629 4: shortest form, no surrogates, <= U+10FFFF. */
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			unsigned char cc = (unsigned char)s[i + k];

			if ((cc & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (cc & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += len - 1;
	}
	return 1;
}

/*
 * The profile check, over every value of every record a command reads:
 * the path for the message is built only once a value fails (path NULL
 * on the first pass), then by a second pass that stops at the same one.
 */
static int
check_rec(const json_t *v, char *path, size_t cap, struct ca_errbuf *eb,
    int depth)
{
	size_t plen = path != NULL ? strlen(path) : 0, i;
	const char *key;
	json_t *child;

	/* Records are shallow; a deep value is a hostile one. */
	if (depth > 32) {
		if (path != NULL)
			ca_errf(eb, "%s: nested too deeply", path);
		return 0;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, child) {
			for (i = 0; key[i] != '\0'; i++) {
				unsigned char c = (unsigned char)key[i];

				if (c < 0x20 || c >= 0x7f) {
					if (path != NULL)
						ca_errf(eb, "%s: key is not "
						    "printable ascii", path);
					return 0;
				}
			}
			if (path != NULL)
				snprintf(path + plen, cap - plen, ".%s", key);
			if (!check_rec(child, path, cap, eb, depth + 1))
				return 0;
			if (path != NULL)
				path[plen] = '\0';
		}
		return 1;
	case JSON_ARRAY:
		json_array_foreach((json_t *)v, i, child) {
			if (path != NULL)
				snprintf(path + plen, cap - plen, "[%zu]", i);
			if (!check_rec(child, path, cap, eb, depth + 1))
				return 0;
			if (path != NULL)
				path[plen] = '\0';
		}
		return 1;
	case JSON_STRING:
		if (!check_string(json_string_value(v),
		    json_string_length(v))) {
			if (path != NULL)
				ca_errf(eb, "%s: string holds a control "
				    "character or is not utf-8", path);
			return 0;
		}
		return 1;
	case JSON_INTEGER:
		if (json_integer_value(v) > CA_JSON_INT_MAX ||
		    json_integer_value(v) < -CA_JSON_INT_MAX) {
			if (path != NULL)
				ca_errf(eb, "%s: integer beyond 2^53-1", path);
			return 0;
		}
		return 1;
	case JSON_REAL:
		if (path != NULL)
			ca_errf(eb, "%s: floating-point number", path);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		return 1;
	}
	return 0;
}

int
ca_json_check(const json_t *v, struct ca_errbuf *eb)
{
	char path[512] = "$";

	/* What json_object_get gives for a missing member: no value. */
	if (v == NULL) {
		ca_errf(eb, "$: no value");
		return 0;
	}
	if (check_rec(v, NULL, 0, NULL, 0))
		return 1;
	(void)check_rec(v, path, sizeof(path), eb, 0);
	return 0;
}

int
ca_json_dumps_checked(const json_t *v, char **out, size_t *len)
{
	char *s;

	*out = NULL;
	*len = 0;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		return CA_ERR_NOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
}

int
ca_json_canon(const json_t *v, char **out, size_t *len, struct ca_errbuf *eb)
{
	*out = NULL;
	*len = 0;
	if (!ca_json_check(v, eb))
		return CA_ERR_CANON;
	return ca_json_dumps_checked(v, out, len);
}

int
ca_json_parse_loose(const char *buf, size_t len, json_t **out,
    struct ca_errbuf *eb)
{
	json_error_t je;
	json_t *v;

	*out = NULL;
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL) {
		ca_errf(eb, "line %d column %d: %s", je.line, je.column,
		    je.text);
		return CA_ERR_JSON;
	}
	*out = v;
	return 0;
}

int
ca_json_parse(const char *buf, size_t len, json_t **out, struct ca_errbuf *eb)
{
	json_t *v = NULL;
	int r;

	*out = NULL;
	if ((r = ca_json_parse_loose(buf, len, &v, eb)) != 0)
		return r;
	if (!ca_json_check(v, eb)) {
		json_decref(v);
		return CA_ERR_CANON;
	}
	*out = v;
	return 0;
}
