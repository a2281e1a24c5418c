#include "quirks.h"

#include <string.h>

/*
 * tpm2-pkcs11 (seen with 1.9.0 over swtpm) names the module, not the
 * TPM: its token's manufacturer and model are the TPM's own, whatever
 * chip is underneath, so the rows match on the library alone.  So does
 * SoftHSM2 (seen with 2.6.1), whose tokens are all alike.
 */
static const struct ca_quirk table[] = {
	{
		"tpm2-pkcs11-pub-usage",
		"tpm2-software.github.io", "TPM2.0 Cryptoki", NULL, NULL,
		CA_QUIRK_PUB_USAGE,
		"C_GenerateKeyPair: CKR_GENERAL_ERROR, \"User specified and "
		"TPM specified attr mismatch\" for CKA_VERIFY, then "
		"CKA_ENCRYPT",
	},
	{
		"tpm2-pkcs11-no-extractable",
		"tpm2-software.github.io", "TPM2.0 Cryptoki", NULL, NULL,
		CA_QUIRK_NO_EXTRACTABLE,
		"C_GenerateKeyPair: CKR_ATTRIBUTE_VALUE_INVALID, \"Cannot "
		"mark object both extractable AND sensitive\"",
	},
	{
		"softhsm2-oaep-sha1",
		"SoftHSM", "Implementation of PKCS11", NULL, NULL,
		CA_QUIRK_OAEP_SHA1,
		"C_UnwrapKey: CKR_ARGUMENTS_BAD, \"hashAlg must be "
		"CKM_SHA_1\", for CKM_RSA_PKCS_OAEP with SHA-256",
	},
};

static int
same(const char *want, const char *have)
{
	return want == NULL || strcmp(want, have) == 0;
}

int
ca_quirk_applies(const struct ca_quirk *row,
    const struct ca_module_info *mod, const struct ca_token_info *tok)
{
	return same(row->lib_manufacturer, mod->manufacturer) &&
	    same(row->lib_description, mod->description) &&
	    same(row->token_manufacturer, tok->manufacturer) &&
	    same(row->token_model, tok->model);
}

unsigned
ca_quirks_match(const struct ca_module_info *mod,
    const struct ca_token_info *tok, const struct ca_quirk **rows,
    size_t *nrows)
{
	unsigned flags = 0;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (ca_quirk_applies(&table[i], mod, tok))
			flags |= table[i].flag;
	if (rows != NULL) {
		*rows = table;
		*nrows = sizeof(table) / sizeof(table[0]);
	}
	return flags;
}
