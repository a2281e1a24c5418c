/*
 * hsm_p11.h: the inside of struct ca_hsm, for the modules that drive the
 * token's PKCS#11 function list beyond what hsm.h offers (keywrap.c).
 * Not for the commands: they go through hsm.h.
 */
#ifndef CA_HSM_P11_H
#define CA_HSM_P11_H

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include "hsm.h"
#include "quirks.h"

/* How a token signs a digest of one kind with one kind of key. */
struct ca_sign_mech {
	CK_MECHANISM_TYPE mech;
	/*
	 * 1: the mechanism hashes, so the token is given the data
	 * (CKM_SHA256_RSA_PKCS, CKM_ECDSA_SHA384); 0: it is given the
	 * digest, for RSA inside a DigestInfo (CKM_RSA_PKCS, CKM_ECDSA).
	 */
	int hashed;
	const char *name;		/* "CKM_SHA256_RSA_PKCS" */
};

struct ca_hsm {
	char *module;
	PKCS11_CTX *ctx;		/* libp11: loads and initialises it */
	void *dl;			/* our reference to the same module */
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot_id;
	CK_SESSION_HANDLE session;
	int have_session, logged_in;
	int pin_pad;		/* logged in without a PIN */
	/*
	 * Another token through the module a parent struct ca_hsm loaded
	 * (ca_hsm_open_sibling): only its session is its own.
	 */
	int sibling;
	struct ca_token_info info;
	struct ca_module_info minfo;	/* C_GetInfo */
	unsigned quirks;		/* CA_QUIRK_* of the module and token */
	int software;			/* ca_token_software's answer */
	char kind_why[160];
	char module_sha256[65];		/* "" until ca_hsm_module_sha256 */
	/* Signing mechanisms chosen so far (ca_p11_sign_mech). */
	struct {
		CK_KEY_TYPE type;
		CK_ULONG bits;
		int md_nid;
		struct ca_sign_mech m;
	} smc[8];
	int nsmc;
};

/*
 * ca_p11_sign_mech: the mechanism h's token signs with, for a key of
 * type (CKK_EC or CKK_RSA) of bits, with the digest md_nid (NID_sha256
 * or NID_sha384), from what the token announces (C_GetMechanismInfo:
 * CKF_SIGN, and bits within its key sizes).  For RSA, the mechanism
 * that hashes on the token is preferred to CKM_RSA_PKCS over a DigestInfo
 * built here: a TPM does the latter as a raw decryption, which a
 * signing-only key may not do.  For ECDSA, CKM_ECDSA over the digest
 * made here, else CKM_ECDSA_SHA256/384.  Kept with h, so that each
 * signer asks no more.  CA_ERR_ALGORITHM naming what is missing when
 * the token offers none, CA_ERR_HSM when it cannot say.
 */
int ca_p11_sign_mech(struct ca_hsm *h, CK_KEY_TYPE type, CK_ULONG bits,
    int md_nid, struct ca_sign_mech *out, struct ca_errbuf *eb);

/*
 * ca_p11_curve_bits: 256 or 384 when the CKA_EC_PARAMS value params (len
 * bytes) names P-256 or P-384 (namedCurve), else 0.
 */
int ca_p11_curve_bits(const unsigned char *params, size_t len);

/*
 * ca_p11_has_mech: 1 when h's token offers mech with every flag in flag
 * (C_GetMechanismInfo) for keys of bits (0: any size), 0 when it does
 * not, a negative CA_ERR_* code when it cannot say (eb filled).
 */
int ca_p11_has_mech(struct ca_hsm *h, CK_MECHANISM_TYPE mech,
    CK_FLAGS flag, CK_ULONG bits, struct ca_errbuf *eb);

/*
 * ca_p11_rsa_public: the RSA public key object o (CKA_MODULUS,
 * CKA_PUBLIC_EXPONENT) as a new EVP_PKEY.  A CA_ERR_* code.
 */
int ca_p11_rsa_public(struct ca_hsm *h, CK_OBJECT_HANDLE o,
    EVP_PKEY **out);

/*
 * ca_p11_ec_public: the EC public key object o (P-256 or P-384) as a new
 * EVP_PKEY.  CA_ERR_ALGORITHM for another curve; a CA_ERR_* code.
 */
int ca_p11_ec_public(struct ca_hsm *h, CK_OBJECT_HANDLE o, EVP_PKEY **out);

/* ca_p11_code: the CA_ERR_* code for a CKR. */
int ca_p11_code(CK_RV rv);

/*
 * ca_p11_detail: put in eb what the token could not do in call (a PKCS#11
 * function name), then the CKR's name and number.
 */
void ca_p11_detail(struct ca_errbuf *eb, const char *call, CK_RV rv);

/*
 * ca_p11_find: up to max objects matching tmpl[0..n-1] in h's session,
 * into objs and *count.  A CA_ERR_* code.
 */
int ca_p11_find(struct ca_hsm *h, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *count);

/*
 * ca_p11_find_half: the one object of class cls with key's CKA_ID.
 * CA_ERR_KEY_NOT_FOUND when there is none or more than one.
 */
int ca_p11_find_half(struct ca_hsm *h, const struct ca_keyref *key,
    CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *obj);

/*
 * ca_p11_get_attr: attribute type of object o as a new buffer (caller
 * frees) of *len bytes, 1 to 4096.  A CA_ERR_* code.
 */
int ca_p11_get_attr(struct ca_hsm *h, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type, unsigned char **out, size_t *len);

#endif
