/*
 * fuzz_csr.c: libFuzzer harness for CSR intake (ca-sign-sub --csr): the
 * parser, proof of possession and the key policy, as lib/subca.c runs
 * them on a request brought to the root.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "csr.h"
#include "profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	X509_REQ *req = NULL;
	EVP_PKEY *key;

	if (ca_csr_parse(data, size, &req, &eb) == 0) {
		if ((key = X509_REQ_get0_pubkey(req)) != NULL)
			(void)ca_key_policy_check(key, CA_KEYPOL_P256 |
			    CA_KEYPOL_P384 | CA_KEYPOL_RSA, 3072, &eb);
		(void)ca_csr_check_pop(req, &eb);
	}
	X509_REQ_free(req);
	ERR_clear_error();
	return 0;
}
