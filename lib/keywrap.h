/*
 * keywrap.h: CA keys out of one token and into another, wrapped under an
 * AES-256 key (RFC 5649 key wrap with padding), for key backup and
 * restore ceremonies.
 *
 * The wrapping key on the CA's token is a token object the security
 * officer created and marked CKA_TRUSTED, usable only to wrap; a
 * backup-capable CA key (CKA_WRAP_WITH_TRUSTED) leaves the token under no
 * other.  The same key value, split among custodians (split.h), is put on
 * the token that restores as a session object usable only to unwrap, and
 * goes when the session closes.  Each side checks the key's check value
 * (the first 3 bytes of AES-ECB over a zero block, as PKCS#11 3.0
 * CKA_CHECK_VALUE) against the one recorded when it was made.
 */
#ifndef CA_KEYWRAP_H
#define CA_KEYWRAP_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ca_err.h"
#include "hsm.h"
#include "secret.h"

#define CA_WRAPKEY_LEN 32		/* AES-256 */

/* The RFC 5649 mechanism a token offers, as PKCS#11 numbers it. */
struct ca_wrap_mech {
	unsigned long mech;
	const char *name;		/* "CKM_AES_KEY_WRAP_KWP" or _PAD */
};

/*
 * ca_wrap_mech_pick: the token's RFC 5649 mechanism from its mechanism
 * list (C_GetMechanismList): CKM_AES_KEY_WRAP_KWP (PKCS#11 3.0) when it
 * offers it for wrapping (unwrap 0) or unwrapping (unwrap 1), else the
 * older CKM_AES_KEY_WRAP_PAD.  CA_ERR_ALGORITHM when it offers neither,
 * CA_ERR_HSM.
 */
int ca_wrap_mech_pick(struct ca_hsm *h, int unwrap, struct ca_wrap_mech *out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_wrap_can_backup: 0 when h's token can hold a backup-capable CA key
 * and wrap it out: it makes sensitive keys that are extractable (no
 * CA_QUIRK_NO_EXTRACTABLE), and offers an RFC 5649 mechanism to wrap
 * with (ca_wrap_mech_pick).  No login needed, so that a ceremony that
 * cannot be done is refused before anyone types a PIN.  CA_ERR_KEY_ATTRS
 * naming why it cannot, CA_ERR_HSM.
 */
int ca_wrap_can_backup(struct ca_hsm *h, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * How a key whose value the host holds (rebuilt from custodians' shares)
 * is put on a token.  By C_UnwrapKey where the token can, under a
 * transport key made for the purpose as session objects and destroyed
 * after: the key's value then never crosses the PKCS#11 interface in
 * clear, and a token that refuses key material in clear (an HSM in FIPS
 * mode) takes it.  Either an AES-256 key the token derives by ECDH
 * (CKM_ECDH1_DERIVE) from a P-256 pair it makes and one made here, the
 * value wrapped here under the same secret with RFC 5649 key wrap; or
 * an RSA-3072 pair it makes, the value encrypted here to its public half
 * with RSA-OAEP.  By C_CreateObject with CKA_VALUE only on a token that
 * offers neither and takes a key in clear.
 */
enum ca_import_kind {
	CA_IMPORT_ECDH = 1,		/* C_UnwrapKey under a derived key */
	CA_IMPORT_OAEP = 2,		/* C_UnwrapKey, CKM_RSA_PKCS_OAEP */
	CA_IMPORT_CREATE = 3,		/* C_CreateObject, CKA_VALUE */
};

struct ca_import_way {
	enum ca_import_kind kind;
	int oaep_md_nid;		/* OAEP: NID_sha256, NID_sha1 (quirk) */
	struct ca_wrap_mech wrap;	/* ECDH: the RFC 5649 unwrap */
};

/*
 * ca_import_way_pick: how h's token takes a secret key from the host
 * (struct ca_import_way), before any login: CA_IMPORT_ECDH when it makes
 * P-256 pairs, derives with CKM_ECDH1_DERIVE and unwraps with RFC 5649
 * key wrap (ca_wrap_mech_pick); else CA_IMPORT_OAEP when it offers
 * CKM_RSA_PKCS_OAEP to unwrap with and makes RSA-3072 pairs, with SHA-1
 * where the quirk table says the module knows no other (the first is
 * preferred: an RSA key takes a software token half a second to make);
 * else CA_IMPORT_CREATE when it takes an AES key in clear, as a public
 * session object that is made and destroyed again to find out.
 * CA_ERR_ALGORITHM naming every refusal when it does none, CA_ERR_HSM.
 */
int ca_import_way_pick(struct ca_hsm *h, struct ca_import_way *out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_import_way_json: w for a record: {"call": "C_UnwrapKey",
 * "mechanism": the RFC 5649 one, "transport_key": "ecdh-p256", "kdf":
 * "CKD_NULL"}; {"call": "C_UnwrapKey", "mechanism": "CKM_RSA_PKCS_OAEP",
 * "hash": "sha256" or "sha1", "transport_key": "rsa-3072"}; or
 * {"call": "C_CreateObject"}.  NULL when out of memory.
 */
json_t *ca_import_way_json(const struct ca_import_way *w);

/* ca_aes_kcv: the check value of an AES-256 key, as 6 hex digits. */
int ca_aes_kcv(const unsigned char key[CA_WRAPKEY_LEN], char kcv[7])
    CA_MUST_CHECK;

/*
 * ca_hsm_login_so: log in as the token's security officer, with so_pin
 * (not kept; NULL on a PIN-pad token).  Only the security officer may
 * mark a key trusted.  Log out with ca_hsm_logout before the user logs in.
 * CA_ERR_PIN_INCORRECT, CA_ERR_PIN_LOCKED, CA_ERR_HSM.
 */
int ca_hsm_login_so(struct ca_hsm *h, const struct ca_secret *so_pin,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_hsm_logout: end the login, whoever it was. */
void ca_hsm_logout(struct ca_hsm *h);

/*
 * ca_wrapkey_create: put AES-256 key on the token, the way way says
 * (ca_import_way_pick on this token).  With trusted (the
 * security officer logged in), as a token object labelled label, public
 * (the user who wraps cannot log in beside the officer), CKA_TRUSTED,
 * sensitive, never extractable, and usable only to wrap.  Without it, as
 * a private session object usable only to unwrap (label may be NULL).
 * *handle is the object; kcv its check value, which must equal the one
 * the token computes when it does.  CA_ERR_KEY_EXISTS (label taken),
 * CA_ERR_VERIFY (check values differ), CA_ERR_KEY_ATTRS (the token
 * refused the key in clear after all), CA_ERR_HSM.
 */
int ca_wrapkey_create(struct ca_hsm *h, const struct ca_import_way *way,
    const unsigned char key[CA_WRAPKEY_LEN], int trusted, const char *label,
    unsigned long *handle, char kcv[7], struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_wrapkey_find: the trusted wrapping key labelled label whose check
 * value is kcv (read from the token when it computes one).
 * CA_ERR_KEY_NOT_FOUND, CA_ERR_VERIFY, CA_ERR_HSM.
 */
int ca_wrapkey_find(struct ca_hsm *h, const char *label, const char *kcv,
    unsigned long *handle, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_wrapkey_destroy: remove the trusted wrapping key labelled label, to
 * undo a ca_wrapkey_create whose ceremony step then failed.  CA_ERR_HSM.
 */
int ca_wrapkey_destroy(struct ca_hsm *h, const char *label);

/*
 * ca_key_wrap: key's private half wrapped under wrapping key with mech,
 * as a new buffer (caller frees) of *len bytes.  CA_ERR_KEY_ATTRS when
 * the token will not let it out (not extractable, or not under this
 * key), CA_ERR_KEY_NOT_FOUND, CA_ERR_HSM.
 */
int ca_key_wrap(struct ca_hsm *h, unsigned long wrapkey,
    const struct ca_wrap_mech *mech, const struct ca_keyref *key,
    unsigned char **blob, size_t *len, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_key_unwrap: blob unwrapped with unwrapping key and mech into a
 * private key of pub's type labelled label with CKA_ID id, sensitive and
 * again backup-capable, beside a public key object made from pub; token
 * objects when token, else session objects.  *out names the pair.  Its
 * signature is then checked against pub (ca_key_sign_check); should
 * anything fail, both halves go.  CA_ERR_VERIFY (the blob does not
 * unwrap under this key, or not to pub's key), CA_ERR_KEY_EXISTS,
 * CA_ERR_ALGORITHM, CA_ERR_HSM.
 */
int ca_key_unwrap(struct ca_hsm *h, unsigned long unwrapkey,
    const struct ca_wrap_mech *mech, const unsigned char *blob, size_t len,
    EVP_PKEY *pub, const char *label, const unsigned char *id,
    size_t id_len, int token, struct ca_keyref *out, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_key_sign_check: have key's private half sign a fresh random message
 * on the token with SHA-256, in a signer of its own (tokensign.h), and
 * verify the signature with pub in software.  CA_ERR_KEY_MISMATCH when it does
 * not verify, CA_ERR_KEY_NOT_FOUND, CA_ERR_HSM, CA_ERR_CRYPTO.
 */
int ca_key_sign_check(struct ca_hsm *h, const struct ca_keyref *key,
    EVP_PKEY *pub, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
