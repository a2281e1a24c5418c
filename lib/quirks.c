#include "quirks.h"

#include <stdio.h>
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

/*
 * Modules known to keep their keys in files on the host, whatever their
 * slots say: SoftHSM2 (2.6.1 sets no CKF_HW_SLOT, but a later one
 * might), openCryptoki's soft token (3.8.1's slot is a hardware slot) and
 * a software TPM (swtpm's libtpms names itself "SW   TPM" to
 * tpm2-pkcs11, which calls every slot a hardware one).
 */
static const struct {
	const char *lib_manufacturer, *token_manufacturer, *token_model;
	const char *why;
} soft_table[] = {
	{ "SoftHSM", NULL, NULL,
	    "SoftHSM2 keeps its keys in files on this computer's disk" },
	{ NULL, "IBM Corp.", "IBM SoftTok",
	    "openCryptoki's soft token keeps its keys in files on this "
	    "computer's disk" },
	{ NULL, "IBM", "SW   TPM",
	    "the TPM is a software one (swtpm): its state is a file on "
	    "this computer's disk" },
};

int
ca_token_software(const struct ca_module_info *mod,
    const struct ca_token_info *tok, char *why, size_t cap)
{
	size_t i;

	for (i = 0; i < sizeof(soft_table) / sizeof(soft_table[0]); i++)
		if (same(soft_table[i].lib_manufacturer, mod->manufacturer) &&
		    same(soft_table[i].token_manufacturer,
		    tok->manufacturer) &&
		    same(soft_table[i].token_model, tok->model)) {
			snprintf(why, cap, "%s", soft_table[i].why);
			return 1;
		}
	if (tok->hw_slot == 0) {
		snprintf(why, cap, "its slot says it is a software slot "
		    "(CKF_HW_SLOT unset)");
		return 1;
	}
	if (cap > 0)
		why[0] = '\0';
	return 0;
}
