/*
 * fuzz_revocation.c: libFuzzer harness for revocation input: a serial
 * number, a reason and an IDP choice as typed at ca-crl, and the
 * revocation index (revoked.idx) that every CRL is built from.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_rev_entry e;
	char out[41], line[96], *s;
	long long n = 0;
	int code, r;
	FILE *f;

	/* As typed: a NUL-terminated string. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ca_serial_normalise(s, out) == 0)
		(void)ca_serial_cmp(out, "01");
	(void)ca_reason_parse(s, &code);
	(void)ca_idp_parse(s, &code);
	free(s);

	/*
	 * As an index file.  Every entry read is written back as one line
	 * that reads as the same entry: the index survives being rewritten.
	 */
	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	while ((r = ca_rev_next(f, &e, &n)) == 1) {
		struct ca_rev_entry again;
		long long m = 0;
		size_t len = ca_rev_line(&e, line);
		FILE *g;

		if ((g = fmemopen(line, len, "r")) == NULL)
			break;
		memset(&again, 0, sizeof(again));
		if (ca_rev_next(g, &again, &m) != 1 ||
		    strcmp(again.serial, e.serial) != 0 ||
		    strcmp(again.revoked, e.revoked) != 0 ||
		    again.reason != e.reason ||
		    strcmp(again.invalidity, e.invalidity) != 0)
			abort();
		fclose(g);
	}
	fclose(f);
	return 0;
}
