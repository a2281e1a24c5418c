/*
 * fuzz_profile.c: libFuzzer harness for profile parsing (ca-profile(5)),
 * the input a security team writes and every signing trusts.
 */
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_profile *p = NULL;

	if (ca_profile_parse_named((const char *)data, size, "fuzz.json", &p,
	    &eb) == 0)
		ca_profile_free(p);
	return 0;
}
