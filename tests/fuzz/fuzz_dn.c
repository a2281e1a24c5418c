/*
 * fuzz_dn.c: libFuzzer harness for subject names (dn.h): RFC 4514
 * strings as typed for ca-init --subject and as profiles hold them, and
 * names as certificates and requests carry them (DER), which records,
 * plans and audits print.  A print that parses again must print the
 * same: what a record or the paper shows reads back as itself.  (It
 * need not parse: an attribute type OpenSSL has no name for prints as
 * "#" and hex, which the parser refuses; nor need it encode the same,
 * as a string's ASN.1 type, a NumericString say, is not printed.)  The
 * log signer's name is made from each name as ca-init makes it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "certgen.h"
#include "dn.h"

#include "fuzzkit.h"

/* What is made of a name that came in: its print, its log signer's. */
static void
use(const X509_NAME *name)
{
	X509_NAME *ln = NULL, *back = NULL;
	char *s = NULL, *again = NULL;

	if (ca_dn_format(name, &s) == 0 && ca_dn_parse(s, &back, NULL) == 0 &&
	    (ca_dn_format(back, &again) != 0 || strcmp(s, again) != 0))
		abort();
	if (ca_log_signer_name(name, &ln) == 0)
		X509_NAME_free(ln);
	X509_NAME_free(back);
	free(again);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_NAME *name = NULL;
	const unsigned char *p = data;
	char *s;

	s = kit_str(data, size);
	if (ca_dn_parse(s, &name, NULL) == 0)
		use(name);
	X509_NAME_free(name);
	free(s);
	if ((name = d2i_X509_NAME(NULL, &p, (long)size)) != NULL)
		use(name);
	X509_NAME_free(name);
	ERR_clear_error();
	return 0;
}
