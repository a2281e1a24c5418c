#include "keywrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "encode.h"
#include "hsm_p11.h"
#include "quirks.h"
#include "tokensign.h"

/* PKCS#11 3.0; older headers, and SoftHSM2 2.6, know only _PAD. */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x210bUL
#endif

/* Append an attribute to the template t, of n entries so far. */
#define ADD(at, ptr, len) do {						\
	t[n].type = (at); t[n].pValue = (void *)(ptr);			\
	t[n].ulValueLen = (len); n++;					\
} while (0)

int
ca_wrap_mech_pick(struct ca_hsm *h, int unwrap, struct ca_wrap_mech *out,
    struct ca_errbuf *eb)
{
	static const struct ca_wrap_mech pref[] = {
		{ CKM_AES_KEY_WRAP_KWP, "CKM_AES_KEY_WRAP_KWP" },
		{ CKM_AES_KEY_WRAP_PAD, "CKM_AES_KEY_WRAP_PAD" },
	};
	CK_MECHANISM_TYPE *list = NULL;
	CK_MECHANISM_INFO info;
	CK_ULONG n = 0, i;
	CK_RV rv;
	size_t p;
	int r = CA_ERR_ALGORITHM;

	if ((rv = h->f->C_GetMechanismList(h->slot_id, NULL, &n)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetMechanismList", rv);
		return ca_p11_code(rv);
	}
	if (n == 0 || n > 4096 || (list = calloc(n, sizeof(*list))) == NULL)
		return n == 0 ? CA_ERR_ALGORITHM : CA_ERR_NOMEM;
	if ((rv = h->f->C_GetMechanismList(h->slot_id, list, &n)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetMechanismList", rv);
		r = ca_p11_code(rv);
		goto out;
	}
	for (p = 0; p < sizeof(pref) / sizeof(pref[0]); p++)
		for (i = 0; i < n; i++) {
			if (list[i] != pref[p].mech ||
			    h->f->C_GetMechanismInfo(h->slot_id, list[i],
			    &info) != CKR_OK ||
			    !(info.flags & (unwrap ? CKF_UNWRAP : CKF_WRAP)))
				continue;
			*out = pref[p];
			r = 0;
			goto out;
		}
	ca_errf(eb, "token \"%s\" offers no RFC 5649 key wrap (neither "
	    "CKM_AES_KEY_WRAP_KWP nor CKM_AES_KEY_WRAP_PAD) to %s with; keys "
	    "cannot be backed up %s it", h->info.label, unwrap ? "unwrap" :
	    "wrap", unwrap ? "into" : "from");
out:
	free(list);
	return r;
}

int
ca_wrap_can_backup(struct ca_hsm *h, struct ca_errbuf *eb)
{
	struct ca_wrap_mech m;
	struct ca_errbuf why;
	int r;

	memset(&why, 0, sizeof(why));
	if (ca_hsm_quirks(h) & CA_QUIRK_NO_EXTRACTABLE)
		snprintf(why.msg, sizeof(why.msg), "its module (\"%s\") "
		    "refuses private keys both sensitive and extractable",
		    ca_hsm_module_info(h)->description);
	else if ((r = ca_wrap_mech_pick(h, 0, &m, &why)) == CA_ERR_ALGORITHM)
		snprintf(why.msg, sizeof(why.msg), "it offers no RFC 5649 "
		    "key wrap (CKM_AES_KEY_WRAP_KWP or CKM_AES_KEY_WRAP_PAD) "
		    "to wrap the key out with");
	else if (r != 0) {
		ca_errf(eb, "%s", why.msg);
		return r;
	}
	if (why.msg[0] == '\0')
		return 0;
	ca_errf(eb, "token \"%s\" cannot hold a backup-capable key: %s; make "
	    "the CA without --backup-capable, or on a token that allows them",
	    ca_hsm_token_info(h)->label, why.msg);
	return CA_ERR_KEY_ATTRS;
}

int
ca_aes_kcv(const unsigned char key[CA_WRAPKEY_LEN], char kcv[7])
{
	unsigned char zero[16] = { 0 }, out[32];
	EVP_CIPHER_CTX *c = NULL;
	int n = 0, r = CA_ERR_CRYPTO;

	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_EncryptUpdate(c, out, &n, zero, sizeof(zero)) != 1 || n != 16)
		goto out;
	ca_hex(out, 3, kcv);
	r = 0;
out:
	ERR_clear_error();
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(out, sizeof(out));
	return r;
}

int
ca_hsm_login_so(struct ca_hsm *h, const struct ca_secret *so_pin,
    struct ca_errbuf *eb)
{
	CK_RV rv;

	rv = h->f->C_Login(h->session, CKU_SO, so_pin ?
	    (CK_UTF8CHAR_PTR)so_pin->buf : NULL, so_pin ?
	    (CK_ULONG)so_pin->len : 0);
	switch (rv) {
	case CKR_OK:
		h->logged_in = 1;
		return 0;
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		ca_errf(eb, "incorrect security officer PIN for token \"%s\"; "
		    "check it (each wrong try counts towards locking it)",
		    h->info.label);
		return CA_ERR_PIN_INCORRECT;
	case CKR_PIN_LOCKED:
		ca_errf(eb, "the security officer PIN of token \"%s\" is "
		    "locked; only the token vendor's tools can help now",
		    h->info.label);
		return CA_ERR_PIN_LOCKED;
	default:
		ca_p11_detail(eb, "C_Login", rv);
		return ca_p11_code(rv);
	}
}

void
ca_hsm_logout(struct ca_hsm *h)
{
	if (h->logged_in)
		(void)h->f->C_Logout(h->session);
	h->logged_in = 0;
	h->pin_pad = 0;
}

/* The token's check value of secret key o, or "" when it keeps none. */
static void
token_kcv(struct ca_hsm *h, CK_OBJECT_HANDLE o, char kcv[7])
{
	unsigned char *v = NULL;
	size_t n = 0;

	kcv[0] = '\0';
	if (ca_p11_get_attr(h, o, CKA_CHECK_VALUE, &v, &n) == 0 && n == 3)
		ca_hex(v, 3, kcv);
	free(v);
}

/* The transport key's size: as strong as the AES-256 key it carries needs. */
#define TRANSPORT_BITS 3072

/* A refusal of a key in clear, as against a token that failed. */
static int
refuses_clear(CK_RV rv)
{
	switch (rv) {
	case CKR_ACTION_PROHIBITED:
	case CKR_ATTRIBUTE_READ_ONLY:
	case CKR_ATTRIBUTE_TYPE_INVALID:
	case CKR_ATTRIBUTE_VALUE_INVALID:
	case CKR_TEMPLATE_INCONSISTENT:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_FUNCTION_NOT_SUPPORTED:
		return 1;
	default:
		return 0;
	}
}

int
ca_import_way_pick(struct ca_hsm *h, struct ca_import_way *out,
    struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL no = CK_FALSE;
	unsigned char probe[CA_WRAPKEY_LEN];
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_ENCRYPT, &no, 1 },
		{ CKA_DECRYPT, &no, 1 },
		{ CKA_WRAP, &no, 1 },
		{ CKA_UNWRAP, &no, 1 },
		{ CKA_VALUE, probe, sizeof(probe) },
	};
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_RV rv;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ca_p11_has_mech(h, CKM_EC_KEY_PAIR_GEN,
	    CKF_GENERATE_KEY_PAIR, 256, eb)) == 1)
		r = ca_p11_has_mech(h, CKM_ECDH1_DERIVE, CKF_DERIVE, 256, eb);
	if (r == 1) {
		struct ca_errbuf none = { 0 };

		if ((r = ca_wrap_mech_pick(h, 1, &out->wrap, &none)) == 0) {
			out->kind = CA_IMPORT_ECDH;
			return 0;
		}
		if (r != CA_ERR_ALGORITHM) {
			ca_errf(eb, "%s", none.msg);
			return r;
		}
	}
	if (r < 0)
		return r;
	if ((r = ca_p11_has_mech(h, CKM_RSA_PKCS_OAEP, CKF_UNWRAP,
	    TRANSPORT_BITS, eb)) == 1)
		r = ca_p11_has_mech(h, CKM_RSA_PKCS_KEY_PAIR_GEN,
		    CKF_GENERATE_KEY_PAIR, TRANSPORT_BITS, eb);
	if (r < 0)
		return r;
	if (r == 1) {
		out->kind = CA_IMPORT_OAEP;
		out->oaep_md_nid = (ca_hsm_quirks(h) & CA_QUIRK_OAEP_SHA1) ?
		    NID_sha1 : NID_sha256;
		return 0;
	}
	/* A value no one ever uses: only whether the token takes one. */
	if (RAND_bytes(probe, sizeof(probe)) != 1)
		return CA_ERR_CRYPTO;
	rv = h->f->C_CreateObject(h->session, t, sizeof(t) / sizeof(t[0]),
	    &o);
	OPENSSL_cleanse(probe, sizeof(probe));
	if (rv == CKR_OK)
		(void)h->f->C_DestroyObject(h->session, o);
	/* Some tokens make no object before a login: the import tells. */
	if (rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN) {
		out->kind = CA_IMPORT_CREATE;
		return 0;
	}
	if (!refuses_clear(rv)) {
		ca_p11_detail(eb, "C_CreateObject", rv);
		return ca_p11_code(rv);
	}
	ca_errf(eb, "token \"%s\" takes no key from outside: it offers "
	    "neither CKM_ECDH1_DERIVE with P-256 and RFC 5649 unwrapping, nor "
	    "CKM_RSA_PKCS_OAEP with RSA-%d, to unwrap one with, and refuses "
	    "one in clear (PKCS#11 C_CreateObject: 0x%08lx); use a token "
	    "that offers one of them", h->info.label, TRANSPORT_BITS,
	    (unsigned long)rv);
	return CA_ERR_ALGORITHM;
}

json_t *
ca_import_way_json(const struct ca_import_way *w)
{
	if (w->kind == CA_IMPORT_CREATE)
		return json_pack("{s:s}", "call", "C_CreateObject");
	if (w->kind == CA_IMPORT_ECDH)
		return json_pack("{s:s, s:s, s:s, s:s}", "call", "C_UnwrapKey",
		    "mechanism", w->wrap.name, "transport_key", "ecdh-p256",
		    "kdf", "CKD_NULL");
	return json_pack("{s:s, s:s, s:s, s:s}", "call", "C_UnwrapKey",
	    "mechanism", "CKM_RSA_PKCS_OAEP", "hash", w->oaep_md_nid ==
	    NID_sha1 ? "sha1" : "sha256", "transport_key", "rsa-3072");
}

/*
 * A session RSA pair on h's token to carry a key to it: the private half
 * sensitive, never extractable, usable only to unwrap; public objects,
 * so that the security officer may make them too.
 */
static int
transport_pair(struct ca_hsm *h, CK_OBJECT_HANDLE *pub,
    CK_OBJECT_HANDLE *priv, struct ca_errbuf *eb)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = TRANSPORT_BITS;
	CK_BYTE e[] = { 0x01, 0x00, 0x01 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, e, sizeof(e) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_SENSITIVE, &yes, 1 },
		{ CKA_EXTRACTABLE, &no, 1 },
		{ CKA_UNWRAP, &yes, 1 },
		{ CKA_DECRYPT, &no, 1 },
		{ CKA_SIGN, &no, 1 },
	};
	CK_RV rv;

	rv = h->f->C_GenerateKeyPair(h->session, &m, pt,
	    sizeof(pt) / sizeof(pt[0]), vt, sizeof(vt) / sizeof(vt[0]), pub,
	    priv);
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_GenerateKeyPair", rv);
		ca_err_prefix(eb, "the transport key for the import");
		return ca_p11_code(rv);
	}
	return 0;
}

/* key encrypted to the RSA public key pk with OAEP over md. */
static int
oaep_encrypt(EVP_PKEY *pk, const EVP_MD *md, const unsigned char *key,
    size_t klen, unsigned char *out, size_t *olen)
{
	EVP_PKEY_CTX *c = NULL;
	int r = CA_ERR_CRYPTO;

	if ((c = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) != 1 ||
	    EVP_PKEY_encrypt(c, out, olen, key, klen) != 1)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(c);
	return r;
}

/*
 * RFC 5649 key wrap with padding (enc 1) or its unwrap (enc 0) of in
 * under key, here in software, into out (room for inlen + 16).
 */
static int
aes_kwp(int enc, const unsigned char key[CA_WRAPKEY_LEN],
    const unsigned char *in, size_t inlen, unsigned char *out, int *outlen)
{
	EVP_CIPHER_CTX *c = NULL;
	int n = 0, f = 0, r = CA_ERR_CRYPTO;

	if (inlen > 64 || (c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex(c, EVP_aes_256_wrap_pad(), NULL, key, NULL,
	    enc) != 1 || EVP_CipherUpdate(c, out, &n, in, (int)inlen) != 1 ||
	    EVP_CipherFinal_ex(c, out + n, &f) != 1)
		goto out;
	*outlen = n + f;
	r = 0;
out:
	ERR_clear_error();
	EVP_CIPHER_CTX_free(c);
	return r;
}

/* CKA_EC_PARAMS of P-256: the DER OID 1.2.840.10045.3.1.7. */
static const unsigned char p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07 };

/*
 * The AES-256 key-encrypting key of an ECDH between a P-256 pair made on
 * h's token and one made here: on the token, a session object usable
 * only to unwrap (*kek); here, the same secret (kek_value).  The token's
 * pair is destroyed once the key is derived.  CKD_NULL: the shared x
 * coordinate is the key, both halves ephemeral, for one wrap.
 */
static int
ecdh_kek(struct ca_hsm *h, CK_OBJECT_HANDLE *kek,
    unsigned char kek_value[CA_WRAPKEY_LEN], struct ca_errbuf *eb)
{
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ECDH1_DERIVE_PARAMS dp;
	CK_MECHANISM der = { CKM_ECDH1_DERIVE, &dp, sizeof(dp) };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG vlen = CA_WRAPKEY_LEN;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pt[] = {
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_EC_PARAMS, (void *)p256_oid, sizeof(p256_oid) },
	};
	CK_ATTRIBUTE vt[] = {
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_SENSITIVE, &yes, 1 },
		{ CKA_EXTRACTABLE, &no, 1 },
		{ CKA_DERIVE, &yes, 1 },
		{ CKA_SIGN, &no, 1 },
	};
	CK_ATTRIBUTE kt_[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_SENSITIVE, &yes, 1 },
		{ CKA_EXTRACTABLE, &no, 1 },
		{ CKA_UNWRAP, &yes, 1 },
		{ CKA_WRAP, &no, 1 },
		{ CKA_ENCRYPT, &no, 1 },
		{ CKA_DECRYPT, &no, 1 },
	};
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	EVP_PKEY *theirs = NULL, *mine = NULL;
	EVP_PKEY_CTX *c = NULL;
	unsigned char point[65], z[32];
	size_t plen = 0, zlen = sizeof(z);
	CK_RV rv;
	int r;

	*kek = CK_INVALID_HANDLE;
	rv = h->f->C_GenerateKeyPair(h->session, &gen, pt,
	    sizeof(pt) / sizeof(pt[0]), vt, sizeof(vt) / sizeof(vt[0]), &pub,
	    &priv);
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_GenerateKeyPair", rv);
		ca_err_prefix(eb, "the transport key for the import");
		return ca_p11_code(rv);
	}
	r = CA_ERR_CRYPTO;
	if (ca_p11_ec_public(h, pub, &theirs) != 0) {
		ca_errf(eb, "token \"%s\" made a transport key that is not "
		    "P-256", h->info.label);
		r = CA_ERR_HSM;
		goto out;
	}
	if ((mine = EVP_EC_gen("P-256")) == NULL ||
	    EVP_PKEY_get_octet_string_param(mine,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point),
	    &plen) != 1 || plen != sizeof(point) ||
	    (c = EVP_PKEY_CTX_new(mine, NULL)) == NULL ||
	    EVP_PKEY_derive_init(c) != 1 ||
	    EVP_PKEY_derive_set_peer(c, theirs) != 1 ||
	    EVP_PKEY_derive(c, z, &zlen) != 1 || zlen != sizeof(z))
		goto out;
	memset(&dp, 0, sizeof(dp));
	dp.kdf = CKD_NULL;
	dp.pPublicData = point;
	dp.ulPublicDataLen = sizeof(point);
	rv = h->f->C_DeriveKey(h->session, &der, priv, kt_,
	    sizeof(kt_) / sizeof(kt_[0]), kek);
	if (rv != CKR_OK) {
		*kek = CK_INVALID_HANDLE;
		ca_p11_detail(eb, "C_DeriveKey", rv);
		ca_err_prefix(eb, "the transport key for the import");
		r = ca_p11_code(rv);
		goto out;
	}
	memcpy(kek_value, z, sizeof(z));
	r = 0;
out:
	ERR_clear_error();
	OPENSSL_cleanse(z, sizeof(z));
	(void)h->f->C_DestroyObject(h->session, priv);
	(void)h->f->C_DestroyObject(h->session, pub);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	return r;
}

/*
 * The secret key of template t (n entries, no CKA_VALUE) with value key,
 * brought in by C_UnwrapKey under an ECDH-derived key made for it and
 * destroyed after, whatever happens.  0 once C_UnwrapKey was called,
 * with its answer in *rv; a CA_ERR_* code when it could not be.
 */
static int
ecdh_in(struct ca_hsm *h, const struct ca_import_way *w,
    const unsigned char *key, size_t klen, CK_ATTRIBUTE *t, CK_ULONG n,
    CK_OBJECT_HANDLE *o, CK_RV *rv, struct ca_errbuf *eb)
{
	CK_MECHANISM m = { w->wrap.mech, NULL, 0 };
	CK_OBJECT_HANDLE kek = CK_INVALID_HANDLE;
	unsigned char kv[CA_WRAPKEY_LEN], blob[64 + 16];
	int r, bl = 0;

	*rv = CKR_GENERAL_ERROR;
	if ((r = ecdh_kek(h, &kek, kv, eb)) != 0)
		return r;
	if ((r = aes_kwp(1, kv, key, klen, blob, &bl)) == 0)
		*rv = h->f->C_UnwrapKey(h->session, &m, kek, blob,
		    (CK_ULONG)bl, t, n, o);
	OPENSSL_cleanse(kv, sizeof(kv));
	(void)h->f->C_DestroyObject(h->session, kek);
	return r;
}

/* As ecdh_in, under an RSA-3072 transport pair, with RSA-OAEP. */
static int
oaep_in(struct ca_hsm *h, const struct ca_import_way *w,
    const unsigned char *key, size_t klen, CK_ATTRIBUTE *t, CK_ULONG n,
    CK_OBJECT_HANDLE *o, CK_RV *rv, struct ca_errbuf *eb)
{
	CK_RSA_PKCS_OAEP_PARAMS prm;
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &prm, sizeof(prm) };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	EVP_PKEY *pk = NULL;
	unsigned char ct[TRANSPORT_BITS / 8];
	size_t clen = sizeof(ct);
	const EVP_MD *md = w->oaep_md_nid == NID_sha1 ? EVP_sha1() :
	    EVP_sha256();
	int r;

	*rv = CKR_GENERAL_ERROR;
	memset(&prm, 0, sizeof(prm));
	prm.hashAlg = w->oaep_md_nid == NID_sha1 ? CKM_SHA_1 : CKM_SHA256;
	prm.mgf = w->oaep_md_nid == NID_sha1 ? CKG_MGF1_SHA1 :
	    CKG_MGF1_SHA256;
	prm.source = CKZ_DATA_SPECIFIED;
	if ((r = transport_pair(h, &pub, &priv, eb)) != 0)
		return r;
	if (ca_p11_rsa_public(h, pub, &pk) != 0 ||
	    EVP_PKEY_get_bits(pk) != TRANSPORT_BITS) {
		ca_errf(eb, "token \"%s\" made a transport key that is not "
		    "RSA-%d", h->info.label, TRANSPORT_BITS);
		r = CA_ERR_HSM;
		goto out;
	}
	if ((r = oaep_encrypt(pk, md, key, klen, ct, &clen)) != 0)
		goto out;
	*rv = h->f->C_UnwrapKey(h->session, &m, priv, ct, (CK_ULONG)clen, t,
	    n, o);
out:
	(void)h->f->C_DestroyObject(h->session, priv);
	(void)h->f->C_DestroyObject(h->session, pub);
	EVP_PKEY_free(pk);
	return r;
}

/*
 * That the token's AES key o is key, whatever check value the token keeps
 * or does not: a key wrapped by the one side must unwrap on the other.
 * For a key that wraps (wrap 1), a readable session key made on the
 * token is wrapped out under o and unwrapped here; for one that unwraps,
 * a value made here is wrapped here and unwrapped into the token under o,
 * then read back.  The test key is destroyed after.  CA_ERR_VERIFY when
 * the two differ, CA_ERR_ALGORITHM, CA_ERR_HSM.
 */
static int
prove_same(struct ca_hsm *h, CK_OBJECT_HANDLE o, int wrap,
    const unsigned char key[CA_WRAPKEY_LEN], struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG vlen = CA_WRAPKEY_LEN;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_PRIVATE, &no, 1 },
		{ CKA_SENSITIVE, &no, 1 },
		{ CKA_EXTRACTABLE, &yes, 1 },
		{ CKA_ENCRYPT, &no, 1 },
		{ CKA_DECRYPT, &no, 1 },
		{ CKA_WRAP, &no, 1 },
		{ CKA_UNWRAP, &no, 1 },
		{ CKA_VALUE_LEN, &vlen, sizeof(vlen) },
	};
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM m = { 0, NULL, 0 };
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	CK_ULONG blen = 0;
	CK_RV rv;
	struct ca_wrap_mech wm;
	unsigned char mine[32], blob[64], back[64 + 16], *v = NULL;
	size_t vn = 0;
	int r, n = 0;

	if ((r = ca_wrap_mech_pick(h, !wrap, &wm, eb)) != 0)
		return r;
	m.mechanism = wm.mech;
	if (wrap) {
		rv = h->f->C_GenerateKey(h->session, &gen, t,
		    sizeof(t) / sizeof(t[0]), &k);
		blen = sizeof(blob);
		if (rv == CKR_OK)
			rv = h->f->C_WrapKey(h->session, &m, o, k, blob, &blen);
	} else {
		if (RAND_bytes(mine, sizeof(mine)) != 1 || (r = aes_kwp(1, key,
		    mine, sizeof(mine), blob, &n)) != 0)
			return CA_ERR_CRYPTO;
		blen = (CK_ULONG)n;
		/* C_UnwrapKey takes no CKA_VALUE_LEN: the blob says. */
		rv = h->f->C_UnwrapKey(h->session, &m, o, blob, blen, t,
		    sizeof(t) / sizeof(t[0]) - 1, &k);
	}
	if (rv != CKR_OK) {
		ca_p11_detail(eb, wrap ? "C_WrapKey" : "C_UnwrapKey", rv);
		ca_err_prefix(eb, "the check that token \"%s\" holds the key "
		    "meant", h->info.label);
		r = ca_p11_code(rv);
		goto out;
	}
	if ((r = ca_p11_get_attr(h, k, CKA_VALUE, &v, &vn)) != 0) {
		ca_errf(eb, "token \"%s\" would not show the test key's value",
		    h->info.label);
		goto out;
	}
	if (wrap && ((r = aes_kwp(0, key, blob, blen, back, &n)) != 0 ||
	    (size_t)n != vn || CRYPTO_memcmp(back, v, vn) != 0))
		r = CA_ERR_VERIFY;
	if (!wrap && (vn != sizeof(mine) || CRYPTO_memcmp(mine, v,
	    vn) != 0))
		r = CA_ERR_VERIFY;
	if (r == CA_ERR_VERIFY)
		ca_errf(eb, "token \"%s\" holds another key than the one "
		    "given it; it was not kept", h->info.label);
out:
	if (k != CK_INVALID_HANDLE)
		(void)h->f->C_DestroyObject(h->session, k);
	OPENSSL_cleanse(mine, sizeof(mine));
	OPENSSL_cleanse(back, sizeof(back));
	if (v != NULL)
		OPENSSL_cleanse(v, vn);
	free(v);
	return r;
}

int
ca_wrapkey_create(struct ca_hsm *h, const struct ca_import_way *way,
    const unsigned char key[CA_WRAPKEY_LEN], int trusted, const char *label,
    unsigned long *handle, char kcv[7], struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[16];
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_RV rv;
	const char *call;
	char tk[7];
	int r, exists = 0;

	if ((r = ca_aes_kcv(key, kcv)) != 0)
		return r;
	if (label != NULL) {
		if ((r = ca_hsm_label_exists(h, label, &exists)) != 0)
			return r;
		if (exists) {
			ca_errf(eb, "label \"%s\" is already used on token "
			    "\"%s\"", label, h->info.label);
			return CA_ERR_KEY_EXISTS;
		}
	}
	ADD(CKA_CLASS, &cls, sizeof(cls));
	ADD(CKA_KEY_TYPE, &kt, sizeof(kt));
	ADD(CKA_TOKEN, trusted ? &yes : &no, 1);
	/* Public: the officer who marks it cannot make a private object. */
	ADD(CKA_PRIVATE, trusted ? &no : &yes, 1);
	ADD(CKA_SENSITIVE, &yes, 1);
	ADD(CKA_EXTRACTABLE, &no, 1);
	ADD(CKA_ENCRYPT, &no, 1);
	ADD(CKA_DECRYPT, &no, 1);
	ADD(CKA_SIGN, &no, 1);
	ADD(CKA_VERIFY, &no, 1);
	ADD(CKA_DERIVE, &no, 1);
	ADD(CKA_WRAP, trusted ? &yes : &no, 1);
	ADD(CKA_UNWRAP, trusted ? &no : &yes, 1);
	if (trusted)
		ADD(CKA_TRUSTED, &yes, 1);
	if (label != NULL)
		ADD(CKA_LABEL, label, strlen(label));
	if (way->kind != CA_IMPORT_CREATE) {
		call = "C_UnwrapKey";
		/*
		 * No CKA_CHECK_VALUE to verify: SoftHSM2 2.6 checks it
		 * before the key has its value, refuses, and leaves an
		 * object behind.  prove_same shows the key is the one meant.
		 */
		if ((r = (way->kind == CA_IMPORT_ECDH ? ecdh_in : oaep_in)(h,
		    way, key, CA_WRAPKEY_LEN, t, n, &o, &rv, eb)) != 0)
			return r;
	} else {
		call = "C_CreateObject";
		ADD(CKA_VALUE, key, CA_WRAPKEY_LEN);
		rv = h->f->C_CreateObject(h->session, t, n, &o);
	}
	if (rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_USER_NOT_LOGGED_IN ||
	    rv == CKR_USER_TYPE_INVALID) {
		ca_errf(eb, "token \"%s\" would not take the %s key (PKCS#11 "
		    "%s: 0x%08lx); %s", h->info.label, trusted ?
		    "trusted wrapping" : "unwrapping", call, (unsigned long)rv,
		    trusted ? "only its security officer may mark a key "
		    "trusted: check the SO PIN" : "log in as the user first");
		return CA_ERR_HSM;
	}
	if (way->kind == CA_IMPORT_CREATE && refuses_clear(rv)) {
		ca_errf(eb, "token \"%s\" refuses the %s key in clear "
		    "(PKCS#11 C_CreateObject: 0x%08lx) and offers no way to "
		    "unwrap it (CKM_ECDH1_DERIVE or CKM_RSA_PKCS_OAEP); use a "
		    "token that does", h->info.label, trusted ?
		    "trusted wrapping" : "unwrapping", (unsigned long)rv);
		return CA_ERR_KEY_ATTRS;
	}
	if (rv != CKR_OK) {
		ca_p11_detail(eb, call, rv);
		return ca_p11_code(rv);
	}
	/* What the token made of the value must be what was meant. */
	token_kcv(h, o, tk);
	if (tk[0] != '\0' && strcmp(tk, kcv) != 0) {
		(void)h->f->C_DestroyObject(h->session, o);
		ca_errf(eb, "token \"%s\" reports check value %s for the key, "
		    "not %s; it was not kept", h->info.label, tk, kcv);
		return CA_ERR_VERIFY;
	}
	if ((r = prove_same(h, o, trusted, key, eb)) != 0) {
		(void)h->f->C_DestroyObject(h->session, o);
		return r;
	}
	*handle = o;
	return 0;
}

int
ca_wrapkey_find(struct ca_hsm *h, const char *label, const char *kcv,
    unsigned long *handle, struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TRUSTED, &yes, 1 },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;
	char tk[7];
	int r;

	if ((r = ca_p11_find(h, t, 3, o, 2, &n)) != 0) {
		ca_errf(eb, "token \"%s\" could not search its keys",
		    h->info.label);
		return r;
	}
	if (n != 1) {
		ca_errf(eb, "token \"%s\" holds %s trusted wrapping key "
		    "\"%s\"; is this the CA's own token?", h->info.label,
		    n == 0 ? "no" : "more than one", label);
		return CA_ERR_KEY_NOT_FOUND;
	}
	token_kcv(h, o[0], tk);
	if (tk[0] != '\0' && strcmp(tk, kcv) != 0) {
		ca_errf(eb, "the wrapping key \"%s\" on token \"%s\" has check "
		    "value %s, not the %s the log records: it was replaced; "
		    "stop and report it", label, h->info.label, tk, kcv);
		return CA_ERR_VERIFY;
	}
	*handle = o[0];
	return 0;
}

int
ca_wrapkey_destroy(struct ca_hsm *h, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o[4];
	CK_ULONG n = 0, i;
	int r;

	if ((r = ca_p11_find(h, t, 2, o, 4, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (h->f->C_DestroyObject(h->session, o[i]) != CKR_OK)
			r = CA_ERR_HSM;
	return r;
}

int
ca_key_wrap(struct ca_hsm *h, unsigned long wrapkey,
    const struct ca_wrap_mech *mech, const struct ca_keyref *key,
    unsigned char **blob, size_t *len, struct ca_errbuf *eb)
{
	CK_MECHANISM m = { mech->mech, NULL, 0 };
	CK_OBJECT_HANDLE priv;
	CK_ULONG n = 0;
	CK_RV rv;
	unsigned char *b = NULL;
	int r;

	*blob = NULL;
	*len = 0;
	if ((r = ca_p11_find_half(h, key, CKO_PRIVATE_KEY, &priv)) != 0) {
		ca_errf(eb, "no private key \"%s\" on token \"%s\"",
		    key->label, h->info.label);
		return r;
	}
	rv = h->f->C_WrapKey(h->session, &m, wrapkey, priv, NULL, &n);
	if (rv == CKR_OK && (n == 0 || n > 65536))
		rv = CKR_GENERAL_ERROR;
	if (rv == CKR_OK) {
		if ((b = malloc(n)) == NULL)
			return CA_ERR_NOMEM;
		rv = h->f->C_WrapKey(h->session, &m, wrapkey, priv, b, &n);
	}
	if (rv == CKR_KEY_UNEXTRACTABLE || rv == CKR_KEY_NOT_WRAPPABLE) {
		free(b);
		ca_errf(eb, "token \"%s\" will not let key \"%s\" out: it was "
		    "made never extractable, or the wrapping key is not "
		    "trusted (ca-init --backup-capable makes keys that can be "
		    "backed up)", h->info.label, key->label);
		return CA_ERR_KEY_ATTRS;
	}
	if (rv != CKR_OK) {
		free(b);
		ca_p11_detail(eb, "C_WrapKey", rv);
		return ca_p11_code(rv);
	}
	*blob = b;
	*len = n;
	return 0;
}

/* The DER OID naming pub's curve, for CKA_EC_PARAMS; caller frees. */
static int
ec_params(EVP_PKEY *pub, unsigned char **der, int *len)
{
	char group[64];
	int nid;

	*der = NULL;
	if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1 ||
	    (nid = OBJ_txt2nid(group)) == NID_undef ||
	    (*len = i2d_ASN1_OBJECT(OBJ_nid2obj(nid), der)) <= 0)
		return CA_ERR_ALGORITHM;
	return 0;
}

/* The public key object of pub, labelled and with CKA_ID as key. */
static int
create_public(struct ca_hsm *h, EVP_PKEY *pub, const struct ca_keyref *k,
    CK_BBOOL token, CK_OBJECT_HANDLE *o, struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[12];
	CK_ULONG n = 0;
	CK_RV rv;
	unsigned char *params = NULL, *point = NULL, *os = NULL, *p;
	unsigned char nbuf[1024], ebuf[16];
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	size_t plen = 0;
	int prm_len = 0, oslen, nlen = 0, elen = 0, r = CA_ERR_ALGORITHM;
	ASN1_OCTET_STRING *str = NULL;

	ADD(CKA_CLASS, &cls, sizeof(cls));
	ADD(CKA_TOKEN, &token, 1);
	ADD(CKA_VERIFY, &yes, 1);
	ADD(CKA_ENCRYPT, &no, 1);
	ADD(CKA_WRAP, &no, 1);
	ADD(CKA_LABEL, k->label, strlen(k->label));
	ADD(CKA_ID, k->id, k->id_len);
	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
		kt = CKK_EC;
		if ((r = ec_params(pub, &params, &prm_len)) != 0)
			goto out;
		r = CA_ERR_CRYPTO;
		/* PKCS#11 2.40: the point inside a DER OCTET STRING. */
		if (EVP_PKEY_get_octet_string_param(pub,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &plen) != 1 ||
		    (point = malloc(plen)) == NULL ||
		    EVP_PKEY_get_octet_string_param(pub,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, plen,
		    &plen) != 1 || (str = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(str, point, (int)plen) != 1 ||
		    (oslen = i2d_ASN1_OCTET_STRING(str, NULL)) <= 0 ||
		    (os = malloc((size_t)oslen)) == NULL)
			goto out;
		p = os;
		(void)i2d_ASN1_OCTET_STRING(str, &p);
		ADD(CKA_KEY_TYPE, &kt, sizeof(kt));
		ADD(CKA_EC_PARAMS, params, (CK_ULONG)prm_len);
		ADD(CKA_EC_POINT, os, (CK_ULONG)oslen);
	} else if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
		kt = CKK_RSA;
		r = CA_ERR_CRYPTO;
		if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N,
		    &bn_n) != 1 || EVP_PKEY_get_bn_param(pub,
		    OSSL_PKEY_PARAM_RSA_E, &bn_e) != 1 ||
		    BN_num_bytes(bn_n) > (int)sizeof(nbuf) ||
		    BN_num_bytes(bn_e) > (int)sizeof(ebuf))
			goto out;
		nlen = BN_bn2bin(bn_n, nbuf);
		elen = BN_bn2bin(bn_e, ebuf);
		ADD(CKA_KEY_TYPE, &kt, sizeof(kt));
		ADD(CKA_MODULUS, nbuf, (CK_ULONG)nlen);
		ADD(CKA_PUBLIC_EXPONENT, ebuf, (CK_ULONG)elen);
	} else {
		goto out;
	}
	if ((rv = h->f->C_CreateObject(h->session, t, n, o)) != CKR_OK) {
		ca_p11_detail(eb, "C_CreateObject", rv);
		r = ca_p11_code(rv);
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	ASN1_OCTET_STRING_free(str);
	OPENSSL_free(params);
	free(point);
	free(os);
	BN_free(bn_n);
	BN_free(bn_e);
	return r;
}

int
ca_key_unwrap(struct ca_hsm *h, unsigned long unwrapkey,
    const struct ca_wrap_mech *mech, const unsigned char *blob, size_t len,
    EVP_PKEY *pub, const char *label, const unsigned char *id,
    size_t id_len, int token, struct ca_keyref *out, struct ca_errbuf *eb)
{
	CK_MECHANISM m = { mech->mech, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE, tok = token ? CK_TRUE :
	    CK_FALSE;
	CK_ATTRIBUTE t[16];
	CK_ULONG n = 0;
	CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE, pubo = CK_INVALID_HANDLE;
	CK_RV rv;
	struct ca_keyref k;
	int r, exists = 0;

	memset(&k, 0, sizeof(k));
	if (strlen(label) == 0 || strlen(label) >= sizeof(k.label) ||
	    id_len == 0 || id_len > sizeof(k.id))
		return CA_ERR_INVALID_ARG;
	snprintf(k.label, sizeof(k.label), "%s", label);
	memcpy(k.id, id, id_len);
	k.id_len = id_len;
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_EC: kt = CKK_EC; break;
	case EVP_PKEY_RSA: kt = CKK_RSA; break;
	default:
		ca_errf(eb, "only EC and RSA keys can be restored");
		return CA_ERR_ALGORITHM;
	}
	if (token) {
		if ((r = ca_hsm_label_exists(h, label, &exists)) != 0)
			return r;
		if (exists) {
			ca_errf(eb, "label \"%s\" is already used on token "
			    "\"%s\"; restore into a token that does not hold "
			    "this CA's keys", label, h->info.label);
			return CA_ERR_KEY_EXISTS;
		}
	}
	ADD(CKA_CLASS, &cls, sizeof(cls));
	ADD(CKA_KEY_TYPE, &kt, sizeof(kt));
	ADD(CKA_TOKEN, &tok, 1);
	ADD(CKA_PRIVATE, &yes, 1);
	ADD(CKA_SENSITIVE, &yes, 1);
	/* Backup-capable again, under the same rule as before. */
	ADD(CKA_EXTRACTABLE, &yes, 1);
	ADD(CKA_WRAP_WITH_TRUSTED, &yes, 1);
	ADD(CKA_SIGN, &yes, 1);
	ADD(CKA_DECRYPT, &no, 1);
	ADD(CKA_UNWRAP, &no, 1);
	ADD(CKA_DERIVE, &no, 1);
	ADD(CKA_LABEL, k.label, strlen(k.label));
	ADD(CKA_ID, k.id, k.id_len);
	rv = h->f->C_UnwrapKey(h->session, &m, unwrapkey,
	    (CK_BYTE_PTR)blob, (CK_ULONG)len, t, n, &priv);
	if (rv == CKR_GENERAL_ERROR || rv == CKR_WRAPPED_KEY_INVALID ||
	    rv == CKR_WRAPPED_KEY_LEN_RANGE || rv == CKR_FUNCTION_FAILED ||
	    rv == CKR_ENCRYPTED_DATA_INVALID) {
		ca_errf(eb, "the backup does not unwrap under this key "
		    "(PKCS#11 C_UnwrapKey: 0x%08lx): the shares are of "
		    "another backup key, or the backup file was changed",
		    (unsigned long)rv);
		return CA_ERR_VERIFY;
	}
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_UnwrapKey", rv);
		return ca_p11_code(rv);
	}
	if ((r = create_public(h, pub, &k, tok, &pubo, eb)) != 0)
		goto undo;
	if ((r = ca_key_sign_check(h, &k, pub, eb)) != 0)
		goto undo;
	*out = k;
	return 0;
undo:
	(void)h->f->C_DestroyObject(h->session, priv);
	if (pubo != CK_INVALID_HANDLE)
		(void)h->f->C_DestroyObject(h->session, pubo);
	return r;
}

int
ca_key_sign_check(struct ca_hsm *h, const struct ca_keyref *key,
    EVP_PKEY *pub, struct ca_errbuf *eb)
{
	struct ca_tsigner *ts = NULL;
	unsigned char msg[32], *sig = NULL;
	size_t slen = 0;
	EVP_MD_CTX *mc = NULL;
	int ok, r;

	if (RAND_bytes(msg, sizeof(msg)) != 1)
		return CA_ERR_CRYPTO;
	/* The one signing path: the mechanism is the token's choice. */
	if ((r = ca_tsigner_open(h, key, &ts, eb)) != 0 ||
	    (r = ca_tsigner_sign(ts, EVP_sha256(), msg, sizeof(msg), &sig,
	    &slen, eb)) != 0)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mc, NULL, EVP_sha256(), NULL, pub) != 1)
		goto out;
	ok = EVP_DigestVerify(mc, sig, slen, msg, sizeof(msg)) == 1;
	if (!ok) {
		ca_errf(eb, "key \"%s\" on token \"%s\" signs, but not as the "
		    "certificate's public key: it is another key",
		    key->label, h->info.label);
		r = CA_ERR_KEY_MISMATCH;
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	ca_tsigner_close(ts);
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mc);
	return r;
}
