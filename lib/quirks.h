/*
 * quirks.h: what a PKCS#11 module does its own way, that no negotiation
 * finds out, in one table.
 *
 * Most differences between modules the token layer learns by asking: the
 * mechanism list, each mechanism's flags and key sizes, the session
 * counts, an attribute read back as unknown, a template refused with a
 * CKR the specification names for it (then asked again with less).  A
 * quirk is what asking cannot find: a module that refuses with a code
 * that says nothing (CKR_GENERAL_ERROR), or that takes a template and
 * fails later.  Each row names the module by what C_GetInfo and
 * C_GetTokenInfo say, what it does differently, and the error it answers;
 * tests/check_quirks.c and the test that runs the module show each.
 */
#ifndef CA_QUIRKS_H
#define CA_QUIRKS_H

#include "hsm.h"

/*
 * The public key's usage (CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP) is the
 * module's to set: asked for in the template, key generation fails.
 */
#define CA_QUIRK_PUB_USAGE		0x01u
/*
 * No private key that is both sensitive and extractable: a
 * backup-capable CA key cannot be made.
 */
#define CA_QUIRK_NO_EXTRACTABLE		0x02u
/*
 * CKM_RSA_PKCS_OAEP knows SHA-1 alone, for both its hash and MGF1,
 * though the mechanism announces no such limit.
 */
#define CA_QUIRK_OAEP_SHA1		0x04u

/* What C_GetInfo says of the module, blank padding removed. */
struct ca_module_info {
	char manufacturer[33];
	char description[33];
	int major, minor;		/* libraryVersion */
};

/* One row: a module, by name, and what it needs. */
struct ca_quirk {
	const char *id;			/* for records: "tpm2-pkcs11-pub-usage" */
	/* Each matched exactly when not NULL. */
	const char *lib_manufacturer, *lib_description;
	const char *token_manufacturer, *token_model;
	unsigned flag;			/* one CA_QUIRK_* */
	const char *answers;		/* the failure it avoids, as seen */
};

/*
 * ca_quirks_match: the CA_QUIRK_* flags of every row matching mod and
 * tok, or'ed; when rows is not NULL, it is set to the table and *nrows
 * to its length, so that a caller can name the rows that matched.
 */
unsigned ca_quirks_match(const struct ca_module_info *mod,
    const struct ca_token_info *tok, const struct ca_quirk **rows,
    size_t *nrows);

/*
 * ca_quirk_applies: 1 when row matches mod and tok (as ca_quirks_match
 * counts it), else 0.
 */
int ca_quirk_applies(const struct ca_quirk *row,
    const struct ca_module_info *mod, const struct ca_token_info *tok);

/*
 * ca_token_software: 1 when tok keeps its keys in software, with why
 * (into why, cap bytes): its slot says so (hw_slot 0), or mod and tok
 * are a module known to keep keys in files on the host, such as
 * SoftHSM2, openCryptoki's soft token or a software TPM; else 0 and
 * why "".  An auditor's copy of a record names the module and token
 * too, so an older record without a kind is judged the same way
 * (hw_slot CA_ATTR_UNKNOWN).
 */
int ca_token_software(const struct ca_module_info *mod,
    const struct ca_token_info *tok, char *why, size_t cap);

#endif
