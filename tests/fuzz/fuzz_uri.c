/*
 * fuzz_uri.c: libFuzzer harness for PKCS#11 URIs (RFC 7512, uri.h), as
 * typed for --token and --key and as ca.json keeps them.  A URI that
 * parses must name the same token and key once formatted (as ca.json is
 * rewritten from a found key) and parsed again; its pin-source, if any,
 * is read as ca_pin_read would take it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "uri.h"

#include "fuzzkit.h"

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_uri *u = NULL, *v = NULL;
	struct ca_pin_source ps;
	char *s, *f = NULL;

	s = kit_str(data, size);
	if (ca_uri_parse(s, &u, NULL) == 0) {
		if (u->pin_source != NULL)
			(void)ca_pin_source_parse(u->pin_source, &ps);
		if (ca_uri_format(u, &f) != 0 ||
		    ca_uri_parse(f, &v, NULL) != 0 ||
		    !same(u->token, v->token) || !same(u->serial, v->serial) ||
		    !same(u->manufacturer, v->manufacturer) ||
		    !same(u->model, v->model) || !same(u->object, v->object) ||
		    !same(u->type, v->type) || u->has_id != v->has_id ||
		    u->id_len != v->id_len ||
		    memcmp(u->id, v->id, u->id_len) != 0 ||
		    v->pin_source != NULL || v->module_path != NULL)
			abort();
	}
	ca_uri_free(u);
	ca_uri_free(v);
	free(f);
	free(s);
	return 0;
}
