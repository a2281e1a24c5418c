/*
 * fuzz_cajson.c: libFuzzer harness for ca.json (ca-directory(5)), read
 * by every command that opens a CA directory: ca_config_load, what the
 * commands make of its members (the key URIs, the algorithm, the CRL
 * durations and IDP choice), and the opening of a directory that holds
 * it (lock, journal, ca.json; no certificates, so no further, and no
 * token).  A configuration that loads must come back the same through
 * ca_config_serialise, as a key restore rewrites it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "cadir.h"
#include "crl.h"
#include "hsm.h"
#include "store.h"
#include "timefmt.h"
#include "uri.h"

#include "fuzzkit.h"

static char dir[PATH_MAX], dir2[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kit_mkdir("ca");
	kit_mkdir("again");
	snprintf(dir, sizeof(dir), "%s", kit_path("ca"));
	snprintf(dir2, sizeof(dir2), "%s", kit_path("again"));
	return 0;
}

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* What the commands parse out of the members of a loaded ca.json. */
static void
members(const struct ca_config *c)
{
	struct ca_uri *u = NULL;
	struct ca_duration d;
	enum ca_keyalg alg;
	int idp;

	if (ca_uri_parse(c->ca_key, &u, NULL) == 0)
		ca_uri_free(u);
	u = NULL;
	if (ca_uri_parse(c->log_key, &u, NULL) == 0)
		ca_uri_free(u);
	(void)ca_keyalg_parse(c->algorithm, &alg);
	if (c->crl_next_update != NULL)
		(void)ca_duration_parse(c->crl_next_update, &d);
	if (c->crl_margin != NULL)
		(void)ca_duration_parse(c->crl_margin, &d);
	if (c->crl_idp != NULL)
		(void)ca_idp_parse(c->crl_idp, &idp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_config *c = NULL, *c2 = NULL;
	struct ca_dir *d = NULL;
	char *text = NULL;
	size_t len = 0;

	kit_write("ca/" CA_FILE_CONFIG, data, size);
	if (ca_config_load(dir, &c, &eb) == 0) {
		members(c);
		if (ca_config_serialise(c, &text, &len) != 0)
			abort();
		kit_write("again/" CA_FILE_CONFIG, text, len);
		if (ca_config_load(dir2, &c2, &eb) != 0 ||
		    !same(c->kind, c2->kind) || !same(c->module, c2->module) ||
		    !same(c->ca_key, c2->ca_key) ||
		    !same(c->log_key, c2->log_key) ||
		    !same(c->algorithm, c2->algorithm) ||
		    !same(c->crl_next_update, c2->crl_next_update) ||
		    !same(c->crl_margin, c2->crl_margin) ||
		    !same(c->crl_idp, c2->crl_idp))
			abort();
	}
	/* As a command opens the directory: no ca.pem, so it stops there. */
	if (ca_dir_open_flags(dir, CA_DIR_PENDING, &d, &eb) == 0)
		abort();
	ca_dir_close(d);
	free(text);
	ca_config_free(c);
	ca_config_free(c2);
	ERR_clear_error();
	return 0;
}
