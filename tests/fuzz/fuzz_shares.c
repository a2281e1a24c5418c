/*
 * fuzz_shares.c: libFuzzer harness for shares as custodians type them
 * (shares.h: kc1-SPLIT-M-I-SHARE-CHECK; case, spaces and line breaks
 * ignored), the input that rebuilds a split PIN or backup key.
 *
 * The input is cut into parts (fuzzkit.h).  When the first part is a
 * JSON object, it is the split's "activation" as the log records it,
 * and the other parts are typed in turn at ca_split_collect's prompt,
 * as ca_dir_token and ca-backup ask for them.  Otherwise each part is
 * one share given to ca_share_parse, and the shares that parse are
 * combined, checked against a part "check HEX" when there is one.  A
 * share that parses must read the same from its canonical text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>

#include "cjson.h"
#include "encode.h"
#include "secret.h"
#include "shares.h"
#include "split.h"

#include "fuzzkit.h"

/* The parts still to be typed at the prompt. */
struct typing {
	const struct kit_part *part;
	size_t n, next;
};

static int
prompt(void *arg, const char *what, struct ca_secret *out)
{
	struct typing *t = arg;
	size_t n;

	(void)what;
	if (t->next == t->n)
		return CA_ERR_PIN_SOURCE;	/* the custodian went home */
	n = t->part[t->next].n;
	if (n > CA_SECRET_MAX - 1)
		n = CA_SECRET_MAX - 1;
	memcpy(out->buf, t->part[t->next++].p, n);
	out->buf[n] = '\0';
	out->len = strlen(out->buf);
	return 0;
}

/* A parsed share reads back the same from the text it stands for. */
static void
again(const struct ca_share *s)
{
	struct ca_share t;
	char hex[2 * CA_SHARE_KEY_LEN + 1], body[CA_SHARE_TEXT_MAX];
	char text[CA_SHARE_TEXT_MAX + 8], sum[65], fp1[65], fp2[65];

	ca_hex(s->bytes, s->len, hex);
	snprintf(body, sizeof(body), "kc1-%s-%u-%u-%s", s->split, s->m,
	    s->idx, hex);
	ca_sha256_hex(body, strlen(body), sum);
	snprintf(text, sizeof(text), "%s-%.4s", body, sum);
	if (ca_share_parse(text, &t, NULL) != 0 ||
	    strcmp(t.split, s->split) != 0 || t.m != s->m ||
	    t.idx != s->idx || t.len != s->len ||
	    memcmp(t.bytes, s->bytes, s->len) != 0)
		abort();
	ca_share_fingerprint(s, fp1);
	ca_share_fingerprint(&t, fp2);
	if (strcmp(fp1, fp2) != 0)
		abort();
	ca_share_wipe(&t);
}

static void
typed(const struct kit_part *part, size_t n)
{
	struct ca_share sh[CA_SHARES_MAX];
	struct ca_secret *pin = NULL;
	const char *check = NULL;
	char *s, *chk = NULL;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		s = kit_str(part[i].p, part[i].n);
		if (strncmp(s, "check ", 6) == 0 && chk == NULL) {
			chk = s;
			check = chk + 6;
			continue;
		}
		if (k < CA_SHARES_MAX && ca_share_parse(s, &sh[k], NULL) ==
		    0) {
			again(&sh[k]);
			k++;
		}
		free(s);
	}
	if (k > 0 && ca_shares_combine(sh, k, check, &pin, NULL) == 0 &&
	    pin->len != 2 * sh[0].len)
		abort();
	ca_secret_free(pin);
	for (i = 0; i < k; i++)
		ca_share_wipe(&sh[i]);
	free(chk);
}

static void
collect(const json_t *activation, const struct kit_part *part, size_t n)
{
	struct ca_errbuf eb = { 0 };
	struct ca_pin_source ps;
	struct ca_secret *secret = NULL;
	struct typing t = { part, n, 0 };
	json_t *presented = NULL;

	if (ca_pin_source_parse(NULL, &ps) != 0)
		abort();
	if (ca_split_collect(activation, &ps, prompt, &t, "Share", &secret,
	    &presented, &eb) == 0 && (secret->len != 2 * CA_SHARE_PIN_LEN &&
	    secret->len != 2 * CA_SHARE_KEY_LEN))
		abort();
	ca_secret_free(secret);
	json_decref(presented);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_part part[CA_SHARES_MAX + 2];
	json_t *activation = NULL;
	size_t n;

	n = kit_split(data, size, part, CA_SHARES_MAX + 2);
	if (part[0].n > 0 && part[0].p[0] == '{' &&
	    ca_json_parse((const char *)part[0].p, part[0].n, &activation,
	    NULL) == 0)
		collect(activation, part + 1, n - 1);
	else
		typed(part, n);
	json_decref(activation);
	ERR_clear_error();
	return 0;
}
