/*
 * hsm.h: the token, through PKCS#11.
 *
 * The module is loaded and initialised through libp11 (C_Initialize with
 * the system's locking, C_Finalize when the handle closes), which is all
 * it still does: that part of it holds no session, key or PIN, and waits
 * on nothing.  Everything else goes through the module's own function
 * list in the same process:
 * token selection, login, key generation, attribute read-back and, in
 * sessions of their own, signing (tokensign.h).  libp11 0.4.12 falls
 * back to the first token when none matches, keeps a copy of the PIN,
 * can only generate RSA keys, lists every object on a token to find a
 * key, and waits for ever on its session pool when the token refuses a
 * session.
 *
 * The login state of PKCS#11 belongs to the application and ends when its
 * last session closes, so struct ca_hsm holds one read-write session open
 * from ca_hsm_open to ca_hsm_close.
 */
#ifndef CA_HSM_H
#define CA_HSM_H

#include <stddef.h>

#include <openssl/evp.h>

#include "ca_err.h"
#include "secret.h"
#include "uri.h"

/* Debian's SoftHSM2 module: the default token for rehearsals and tests. */
#define CA_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"

struct ca_hsm;

enum ca_keyalg {
	CA_ALG_P256 = 1,
	CA_ALG_P384,
	CA_ALG_RSA3072,
	CA_ALG_RSA4096,
};

/*
 * ca_keyalg_parse: "p256", "p384", "rsa3072" or "rsa4096".
 * CA_ERR_ALGORITHM.
 */
int ca_keyalg_parse(const char *s, enum ca_keyalg *alg) CA_MUST_CHECK;

/* ca_keyalg_name: the name ca_keyalg_parse takes, or "unknown". */
const char *ca_keyalg_name(enum ca_keyalg alg);

/*
 * What C_GetTokenInfo says, with the blank padding removed, and of its
 * slot what C_GetSlotInfo says.
 */
struct ca_token_info {
	char label[33];
	char manufacturer[33];
	char model[17];
	char serial[17];
	int hw_major, hw_minor, fw_major, fw_minor;
	int protected_auth_path;
	/* CKF_HW_SLOT: 1 set, 0 unset, CA_ATTR_UNKNOWN when not read. */
	int hw_slot;
	char slot_description[65];
	char slot_manufacturer[33];
};

/*
 * Whether a token keeps its keys in hardware, for the record and the
 * audit: CA_KIND_SOFTWARE when its slot says it is a software slot
 * (CKF_HW_SLOT unset) or its module is known to keep keys in files
 * (quirks.h, ca_token_software), else CA_KIND_HARDWARE.
 */
#define CA_KIND_HARDWARE "hardware"
#define CA_KIND_SOFTWARE "software"

/* A key pair on the token: both halves share id and label. */
struct ca_keyref {
	unsigned char id[CA_URI_ID_MAX];
	size_t id_len;
	char label[129];
};

/*
 * The attributes read back from a private key, each 1 (CK_TRUE), 0
 * (CK_FALSE) or CA_ATTR_UNKNOWN, for an attribute the module does not
 * know (PKCS#11: CKR_ATTRIBUTE_TYPE_INVALID, its length
 * CK_UNAVAILABLE_INFORMATION), such as CKA_WRAP_WITH_TRUSTED on
 * openCryptoki.
 */
#define CA_ATTR_UNKNOWN (-1)
struct ca_key_attrs {
	int token, private_, sensitive, always_sensitive, extractable;
	int never_extractable, local, sign, decrypt, unwrap, derive;
	int wrap_with_trusted;
};

/*
 * ca_hsm_open: load module (NULL means CA_DEFAULT_MODULE) and select the
 * one initialised token that uri names by its token, serial, manufacturer
 * and model attributes.  The URI must name at least the token label or
 * serial.  Opens a read-write session.  Caller frees with ca_hsm_close.
 * CA_ERR_MODULE, CA_ERR_TOKEN_NOT_FOUND, CA_ERR_TOKEN_AMBIGUOUS, CA_ERR_URI,
 * CA_ERR_HSM, CA_ERR_NOMEM.
 */
int ca_hsm_open(const char *module, const struct ca_uri *uri,
    struct ca_hsm **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_open_sibling: select and open, as ca_hsm_open does, the token uri
 * names through the module parent has loaded (a PKCS#11 module is loaded
 * and initialised once per process): for a second token in the same
 * ceremony, such as the scratch token of a test restore.  It must be
 * closed before parent.  The URI's module path, if any, must be parent's.  As
 * ca_hsm_open.
 */
int ca_hsm_open_sibling(struct ca_hsm *parent, const struct ca_uri *uri,
    struct ca_hsm **out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_close: log out, close the session and unload the module.  Close
 * every signer (tokensign.h) first.  Accepts NULL.
 */
void ca_hsm_close(struct ca_hsm *h);

/*
 * ca_hsm_open_module: load module (NULL means CA_DEFAULT_MODULE) with no
 * token selected, to list its slots (ca_hsm_slots).  Caller frees with
 * ca_hsm_close.  CA_ERR_MODULE, CA_ERR_HSM, CA_ERR_NOMEM.
 */
int ca_hsm_open_module(const char *module, struct ca_hsm **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* One slot of a module, and its token if one is present. */
struct ca_slot_entry {
	unsigned long id;		/* this process's slot number */
	int token_present, removable, token_initialized;
	struct ca_token_info token;	/* slot fields always; the rest
					   when token_present */
};

/*
 * ca_hsm_slots: every slot of h's module, with or without a token, into
 * a new array *out of *n entries (caller frees with free()).  A slot
 * whose token cannot be read is listed with token_present 0.
 * CA_ERR_HSM, CA_ERR_NOMEM.
 */
int ca_hsm_slots(struct ca_hsm *h, struct ca_slot_entry **out, size_t *n,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_kind: CA_KIND_SOFTWARE or CA_KIND_HARDWARE for h's token, and
 * into *why (may be NULL; borrowed) the reason for a software one, or
 * "" for hardware.
 */
const char *ca_hsm_kind(const struct ca_hsm *h, const char **why);

/* ca_hsm_token_info: the selected token's information (borrowed). */
const struct ca_token_info *ca_hsm_token_info(const struct ca_hsm *h);

/* ca_hsm_module_info: what the module says of itself (borrowed). */
struct ca_module_info;
const struct ca_module_info *ca_hsm_module_info(const struct ca_hsm *h);

/*
 * ca_hsm_quirks: the CA_QUIRK_* flags (quirks.h) of h's module and
 * token, which the token layer follows without being asked.
 */
unsigned ca_hsm_quirks(const struct ca_hsm *h);

/*
 * ca_hsm_session_free: 1 unless h's token says it has no session to
 * spare (C_GetTokenInfo: as many open as ulMaxSessionCount allows); 1
 * too when it cannot say, so that opening one is tried.
 */
int ca_hsm_session_free(struct ca_hsm *h);

/*
 * ca_hsm_pin_fits: 0 when h's token takes a PIN of len characters
 * (C_GetTokenInfo's ulMinPinLen and ulMaxPinLen), asked before a PIN is
 * set, so that a ceremony the token cannot finish is refused before any
 * key is made.  CA_ERR_ALGORITHM naming the limits and what (such as "a
 * PIN split among custodians") when it does not, CA_ERR_HSM.
 */
int ca_hsm_pin_fits(struct ca_hsm *h, size_t len, const char *what,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_logged_in: 1 when this process is logged in to h's token
 * through h (as its user, or its security officer), else 0.
 */
int ca_hsm_logged_in(const struct ca_hsm *h);

/*
 * ca_hsm_set_pin: change the logged-in user's PIN from old to new
 * (C_SetPIN).  CA_ERR_PIN_INCORRECT, CA_ERR_HSM.
 */
int ca_hsm_set_pin(struct ca_hsm *h, const struct ca_secret *old,
    const struct ca_secret *new_pin, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_login_method: how the session logged in, for the record: "pin"
 * (a PIN this process read), "pin-pad" (the token's protected
 * authentication path: PIN pad or PED key, no PIN passed), or NULL when
 * it has not.
 */
const char *ca_hsm_login_method(const struct ca_hsm *h);

/* ca_hsm_module_path: the module path in use (borrowed). */
const char *ca_hsm_module_path(const struct ca_hsm *h);

/*
 * ca_hsm_module_sha256: the SHA-256 of the module's file as hex, read
 * once and kept with h, so that a command can have it read before it is
 * needed.  CA_ERR_IO.
 */
int ca_hsm_module_sha256(struct ca_hsm *h, char hex[65]) CA_MUST_CHECK;

/*
 * ca_hsm_login: log in as the user with pin, which is not kept.  When the
 * token has a protected authentication path (a PIN pad), pass pin NULL.
 * CA_ERR_PIN_INCORRECT, CA_ERR_PIN_LOCKED, CA_ERR_HSM.
 */
int ca_hsm_login(struct ca_hsm *h, const struct ca_secret *pin,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_label_exists: *exists = 1 when any object on the token carries
 * label.  Needs a logged-in session to see private objects.  CA_ERR_HSM.
 */
int ca_hsm_label_exists(struct ca_hsm *h, const char *label, int *exists)
    CA_MUST_CHECK;

/*
 * ca_hsm_generate: generate a signing key pair of alg inside the token,
 * labelled label, with a random 16-byte CKA_ID: sensitive, not
 * extractable, CKA_SIGN only (decrypt, unwrap and derive explicitly
 * FALSE).  A module that refuses the template's attributes (as a TPM's
 * does CKA_VERIFY and CKA_ENCRYPT, which it sets itself) is asked again
 * without the public key's usage flags, then without the private key's
 * FALSE ones.  Reads the attributes back into *attrs (may be NULL) and,
 * unless ca_key_attrs_ok (or, for backup, ca_key_attrs_backup_ok, and
 * local and always sensitive), destroys the pair and returns
 * CA_ERR_KEY_ATTRS naming what is wrong: an attribute the module does
 * not know stays unknown, and only a required one refuses the key.
 * Needs a logged-in session.  CA_ERR_KEY_EXISTS when label is taken,
 * CA_ERR_ALGORITHM (the token cannot make alg keys), CA_ERR_KEY_ATTRS
 * (it refuses every template, or a backup-capable key), CA_ERR_HSM.
 */
int ca_hsm_generate(struct ca_hsm *h, enum ca_keyalg alg, const char *label,
    struct ca_keyref *key, struct ca_key_attrs *attrs,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_can_make: 1 when h's token lists what a signing key of alg
 * needs (C_GetMechanismInfo): its key-pair generation, and a mechanism
 * to sign with the digest such a key signs with (hsm_p11.h,
 * ca_p11_sign_mech), each for that key size and flagged for it; 0 when
 * it does not (CKR_MECHANISM_INVALID, or flags or sizes short).  No login
 * needed.  CA_ERR_HSM and the like when the token cannot say: a token
 * that fails is not taken to lack anything.
 */
int ca_hsm_can_make(struct ca_hsm *h, enum ca_keyalg alg,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_log_alg: into *out, the algorithm for a CA's log-signing key on
 * h: P-384 where the token can make it, else RSA-3072, else ca_alg (the
 * CA key's, which the token must make anyway).  As ca_hsm_can_make.
 */
int ca_hsm_log_alg(struct ca_hsm *h, enum ca_keyalg ca_alg,
    enum ca_keyalg *out, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_generate_id: ca_hsm_generate with the CKA_ID id (1 to
 * CA_URI_ID_MAX bytes) chosen by the caller, who can then note it down
 * before the key exists (ca-init does, to clear up after a crash).  With
 * backup set, the private key is made backup-capable instead of never
 * extractable: CKA_EXTRACTABLE with CKA_WRAP_WITH_TRUSTED, so that it
 * leaves the token only wrapped under a key the security officer marked
 * trusted (keywrap.h); the read-back must then pass
 * ca_key_attrs_backup_ok.
 */
int ca_hsm_generate_id(struct ca_hsm *h, enum ca_keyalg alg,
    const char *label, const unsigned char *id, size_t id_len, int backup,
    struct ca_keyref *key, struct ca_key_attrs *attrs, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_hsm_destroy: destroy both halves of key (used to undo a generation
 * whose ceremony step failed, where a failure can only be ignored).
 * CA_ERR_HSM.
 */
int ca_hsm_destroy(struct ca_hsm *h, const struct ca_keyref *key);

/*
 * ca_hsm_key_attrs: read the attributes of key's private half.
 * CA_ERR_KEY_NOT_FOUND, CA_ERR_HSM.
 */
int ca_hsm_key_attrs(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_key_attrs *attrs) CA_MUST_CHECK;

/*
 * ca_key_attrs_ok: 1 when attrs are those of a non-exportable CA key:
 * known to be a private token object, sensitive and always so, never
 * extractable, made on the token and able to sign; and not known to
 * decrypt, unwrap or derive (those may be unknown: the key was asked
 * for with each FALSE, and a module that does not know an attribute
 * cannot grant it).
 */
int ca_key_attrs_ok(const struct ca_key_attrs *attrs);

/*
 * ca_key_attrs_why: what keeps attrs from ca_key_attrs_ok (backup 0) or
 * ca_key_attrs_backup_ok (backup 1), named, into buf: "not sensitive,
 * CKA_LOCAL unknown", or "" when nothing does.
 */
void ca_key_attrs_why(const struct ca_key_attrs *attrs, int backup,
    char *buf, size_t cap);

/*
 * ca_key_attrs_backup_ok: 1 when attrs are those of a backup-capable CA
 * key: sensitive, for signing only, extractable only wrapped under a
 * trusted key.  A key restored from a backup is neither local nor always
 * sensitive, which this allows.
 */
int ca_key_attrs_backup_ok(const struct ca_key_attrs *attrs);

/*
 * ca_hsm_find_key: find the private key that uri names by id and/or
 * object (label); both must match when both are given, and exactly one
 * key must match.  CA_ERR_KEY_NOT_FOUND, CA_ERR_KEY_AMBIGUOUS (a copy,
 * or another key under the same label and id), CA_ERR_URI, CA_ERR_HSM.
 */
int ca_hsm_find_key(struct ca_hsm *h, const struct ca_uri *uri,
    struct ca_keyref *key, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_hsm_public_key: the public half of key, read from the token's public
 * key object and rebuilt as a plain software key (caller frees with
 * EVP_PKEY_free).  CA_ERR_KEY_NOT_FOUND, CA_ERR_HSM, CA_ERR_CRYPTO.
 */
int ca_hsm_public_key(struct ca_hsm *h, const struct ca_keyref *key,
    EVP_PKEY **out) CA_MUST_CHECK;

/*
 * ca_keyref_uri: the PKCS#11 URI naming key on h's token (token label and
 * serial, object label, id, type=private) as a new string; caller frees
 * with free().  CA_ERR_NOMEM.
 */
int ca_keyref_uri(const struct ca_hsm *h, const struct ca_keyref *key,
    char **out) CA_MUST_CHECK;

#endif
