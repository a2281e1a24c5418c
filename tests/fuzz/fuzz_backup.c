/*
 * fuzz_backup.c: libFuzzer harness for the input of a key restore
 * (ca-backup restore, backup.h) that is read before any token is: the
 * share files the custodians bring for the wrapping key (--wrap-shares
 * shares:FILE,FILE,...), against the split the log's "backup_wrap_key"
 * record names, and the key they give checked against its recorded
 * check value.  The wrapped blobs of the backup folder go to the token
 * only once their SHA-256 is the one the log names, so there is nothing
 * of them to fuzz without one.
 *
 * The input is cut into parts (fuzzkit.h): first the "backup_wrap_key"
 * object ({"label", "kcv", "split": {...}}), then one share file each
 * (NN.share, comment lines "#..." and then the share).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cjson.h"
#include "encode.h"
#include "keywrap.h"
#include "secret.h"
#include "shares.h"
#include "split.h"

#include "fuzzkit.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kit_mkdir("shares");
	return 0;
}

/*
 * The wrapping key rebuilt, as ca_backup_restore makes it from the hex
 * the split gives before the token sees it: 32 bytes, whose check value
 * the token is then to confirm.
 */
static void
key_check(const struct ca_secret *hex)
{
	unsigned char *key = NULL;
	size_t len = 0;
	char kcv[7];

	if (ca_hex_decode(hex->buf, &key, &len) != 0)
		abort();	/* ca_split_collect gives hex */
	if (len == CA_WRAPKEY_LEN && ca_aes_kcv(key, kcv) != 0)
		abort();
	OPENSSL_cleanse(key, len);
	free(key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_part part[CA_SHARES_MAX + 2];
	struct ca_errbuf eb = { 0 };
	struct ca_pin_source ps;
	struct ca_secret *secret = NULL;
	json_t *wrap = NULL, *presented = NULL;
	char spec[4096], rel[32];
	size_t n, i, len;

	n = kit_split(data, size, part, CA_SHARES_MAX + 2);
	if (ca_json_parse((const char *)part[0].p, part[0].n, &wrap,
	    &eb) != 0)
		return 0;
	len = (size_t)snprintf(spec, sizeof(spec), "shares:");
	for (i = 1; i < n; i++) {
		snprintf(rel, sizeof(rel), "shares/%02zu.share", i);
		kit_write(rel, part[i].p, part[i].n);
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s%s",
		    i > 1 ? "," : "", kit_path(rel));
		if (len >= sizeof(spec))
			abort();
	}
	if (ca_pin_source_parse(spec, &ps) == 0 &&
	    ca_split_collect(json_object_get(wrap, "split"), &ps, NULL, NULL,
	    "Backup key share", &secret, &presented, &eb) == 0) {
		if (!json_is_array(presented))
			abort();
		key_check(secret);
	}
	for (i = 1; i < n; i++) {
		snprintf(rel, sizeof(rel), "shares/%02zu.share", i);
		kit_remove(rel);
	}
	ca_secret_free(secret);
	json_decref(presented);
	json_decref(wrap);
	ERR_clear_error();
	return 0;
}
