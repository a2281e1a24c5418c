/*
 * fuzz_csr.c: libFuzzer harness for CSR intake (ca-sign-sub --csr): the
 * parser, proof of possession, the key policy and the extensions asked
 * for, as lib/subca.c and lib/issue.c run them on a request.
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
	struct ca_csr *req = NULL;

	if (ca_csr_parse(data, size, &req, &eb) == 0) {
		STACK_OF(X509_EXTENSION) *exts = NULL;

		if (req->key != NULL)
			(void)ca_key_policy_check(req->key, CA_KEYPOL_P256 |
			    CA_KEYPOL_P384 | CA_KEYPOL_RSA, 3072, &eb);
		(void)ca_csr_check_pop(req, &eb);
		if (ca_csr_extensions(req, &exts, &eb) == 0)
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	}
	ca_csr_free(req);
	ERR_clear_error();
	return 0;
}
