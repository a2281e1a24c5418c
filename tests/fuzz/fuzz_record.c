/*
 * fuzz_record.c: libFuzzer harness for log records (ca-transcript(5)):
 * strict parsing, the canonical profile, and signature checking against a
 * fixed log-signing key, as ca-log and ca-audit read a record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cjson.h"
#include "log.h"

static EVP_PKEY *key;
static struct ca_log_signer signer;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((key = EVP_EC_gen("P-384")) == NULL ||
	    ca_log_signer_key(&signer, key) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	json_t *rec = NULL;
	char *canon = NULL;
	size_t clen = 0;

	if (ca_json_parse((const char *)data, size, &rec, &eb) == 0) {
		if (ca_json_canon(json_object_get(rec, "body"), &canon, &clen,
		    &eb) == 0)
			(void)ca_log_record_sig(rec, canon, clen, &signer, 1,
			    &eb);
		(void)ca_log_record_sig(rec, NULL, 0, &signer, 1, &eb);
	}
	free(canon);
	json_decref(rec);
	ERR_clear_error();
	return 0;
}
