/*
 * fuzz_record.c: libFuzzer harness for log records (ca-transcript(5)):
 * strict parsing, the canonical profile, and signature checking against
 * the fixed log-signing key of fuzzkit.h, as ca-log and ca-audit read a
 * record.  The seeds are records that key signed (make-seeds.sh), so
 * their signatures verify and what a reader does with a verified record
 * is reached too; fuzz_recordbody fuzzes the body itself, signed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cjson.h"
#include "log.h"

#include "fuzzkit.h"

static EVP_PKEY *key;
static struct ca_log_signer signer;
static char logdir[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	key = kit_key(KIT_LOG_KEY_PEM);
	if (ca_log_signer_key(&signer, key) != 0)
		abort();
	kit_mkdir("log");
	snprintf(logdir, sizeof(logdir), "%s", kit_path("log"));
	return 0;
}

/* A record whose signature verified: what its readers go on to do. */
static void
verified(const json_t *rec)
{
	struct ca_errbuf eb = { 0 };
	struct ca_serial_set set = { 0 };
	struct ca_log_summary sum;

	if (ca_serials_collect(json_object_get(rec, "body"), &set) == 0) {
		ca_serial_set_sort(&set);
		if (set.n > 0 && !ca_serial_set_has(&set, set.v[0]))
			abort();
	}
	ca_serial_set_free(&set);
	/* As the first record of a log: the chain checks after the sig. */
	(void)ca_log_verify_keys(logdir, &signer, 1, CA_LOG_EVERY_SIG, &sum,
	    NULL, NULL, &eb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	json_t *rec = NULL;
	char *canon = NULL, hash[65];
	size_t clen = 0;

	/* Any strict JSON, canonical or not, as ca_log_record_sig sees it. */
	if (ca_json_parse((const char *)data, size, &rec, &eb) == 0) {
		if (ca_json_canon(json_object_get(rec, "body"), &canon, &clen,
		    &eb) == 0)
			(void)ca_log_record_sig(rec, canon, clen, &signer, 1,
			    &eb);
		(void)ca_log_record_sig(rec, NULL, 0, &signer, 1, &eb);
	}
	free(canon);
	canon = NULL;
	json_decref(rec);
	rec = NULL;

	/* As a record file: the reader's canonical check, then the sig. */
	kit_write("log/000001.json", data, size);
	if (ca_log_record_read(logdir, 1, &rec, hash, &canon, &clen,
	    &eb) == 0 && ca_log_record_sig(rec, canon, clen, &signer, 1,
	    &eb) == 0)
		verified(rec);
	free(canon);
	json_decref(rec);
	ERR_clear_error();
	return 0;
}
