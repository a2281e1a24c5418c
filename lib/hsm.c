#include "hsm.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "fsio.h"
#include "hsm_p11.h"


/* DER OIDs for CKA_EC_PARAMS (namedCurve). */
static const unsigned char OID_P256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07 };
static const unsigned char OID_P384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00,
    0x22 };

int
ca_p11_curve_bits(const unsigned char *params, size_t len)
{
	if (len == sizeof(OID_P256) && memcmp(params, OID_P256, len) == 0)
		return 256;
	if (len == sizeof(OID_P384) && memcmp(params, OID_P384, len) == 0)
		return 384;
	return 0;
}

int
ca_keyalg_parse(const char *s, enum ca_keyalg *alg)
{
	if (strcmp(s, "p256") == 0)
		*alg = CA_ALG_P256;
	else if (strcmp(s, "p384") == 0)
		*alg = CA_ALG_P384;
	else if (strcmp(s, "rsa3072") == 0)
		*alg = CA_ALG_RSA3072;
	else if (strcmp(s, "rsa4096") == 0)
		*alg = CA_ALG_RSA4096;
	else
		return CA_ERR_ALGORITHM;
	return 0;
}

const char *
ca_keyalg_name(enum ca_keyalg alg)
{
	switch (alg) {
	case CA_ALG_P256: return "p256";
	case CA_ALG_P384: return "p384";
	case CA_ALG_RSA3072: return "rsa3072";
	case CA_ALG_RSA4096: return "rsa4096";
	}
	return "unknown";
}

/* Copy a blank-padded PKCS#11 field into a NUL-terminated string. */
static void
unpad(char *dst, const unsigned char *src, size_t n)
{
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
ca_p11_code(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return 0;
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		return CA_ERR_PIN_INCORRECT;
	case CKR_PIN_LOCKED:
		return CA_ERR_PIN_LOCKED;
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_MEMORY:
		return CA_ERR_NOMEM;
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_DEVICE_REMOVED:
		return CA_ERR_TOKEN_REMOVED;
	case CKR_SESSION_COUNT:
		return CA_ERR_SESSION_LIMIT;
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
		return CA_ERR_SESSION_LOST;
	default:
		return CA_ERR_HSM;
	}
}

/* The names of the CKRs a failing token most often returns. */
static const char *
ckr_name(CK_RV rv)
{
	switch (rv) {
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
	case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
	case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
	case CKR_SESSION_CLOSED: return "CKR_SESSION_CLOSED";
	case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
	case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
	case CKR_OPERATION_ACTIVE: return "CKR_OPERATION_ACTIVE";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
	case CKR_SESSION_COUNT: return "CKR_SESSION_COUNT";
	case CKR_SESSION_READ_ONLY_EXISTS:
		return "CKR_SESSION_READ_ONLY_EXISTS";
	case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
	case CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
	case CKR_USER_ALREADY_LOGGED_IN: return "CKR_USER_ALREADY_LOGGED_IN";
	case CKR_USER_ANOTHER_ALREADY_LOGGED_IN:
		return "CKR_USER_ANOTHER_ALREADY_LOGGED_IN";
	case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID:
		return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_ATTRIBUTE_READ_ONLY: return "CKR_ATTRIBUTE_READ_ONLY";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
	case CKR_KEY_SIZE_RANGE: return "CKR_KEY_SIZE_RANGE";
	case CKR_DOMAIN_PARAMS_INVALID: return "CKR_DOMAIN_PARAMS_INVALID";
	case CKR_CURVE_NOT_SUPPORTED: return "CKR_CURVE_NOT_SUPPORTED";
	case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_MECHANISM_PARAM_INVALID:
		return "CKR_MECHANISM_PARAM_INVALID";
	case CKR_DATA_LEN_RANGE: return "CKR_DATA_LEN_RANGE";
	case CKR_FUNCTION_NOT_SUPPORTED: return "CKR_FUNCTION_NOT_SUPPORTED";
	case CKR_ACTION_PROHIBITED: return "CKR_ACTION_PROHIBITED";
	case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
	default: return "code";
	}
}

void
ca_p11_detail(struct ca_errbuf *eb, const char *call, CK_RV rv)
{
	/* What the operator was waiting for, before the PKCS#11 names. */
	static const struct { const char *call, *what; } plain[] = {
		{ "C_GetSlotList", "could not list its slots" },
		{ "C_OpenSession", "could not open a session" },
		{ "C_Login", "refused the login" },
		{ "C_GenerateKeyPair", "could not make the key" },
		{ "C_FindObjectsInit", "could not search its keys" },
		{ "C_FindObjects", "could not search its keys" },
		{ "C_FindObjectsFinal", "could not search its keys" },
		{ "C_GetAttributeValue", "could not read a key's attributes" },
		{ "C_DestroyObject", "could not remove a key" },
		{ "C_SetPIN", "could not change the user PIN" },
	};
	const char *what = "failed";
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(plain[i].call, call) == 0)
			what = plain[i].what;
	/* Some codes say more than the call that met them. */
	if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT)
		what = "was removed or lost power";
	else if (rv == CKR_SESSION_COUNT)
		what = "had no session free";
	else if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED)
		what = "closed the session";
	ca_errf(eb, "the token %s (PKCS#11 %s: %s, 0x%08lx)", what, call,
	    ckr_name(rv), (unsigned long)rv);
}

/* A token's fields, from C_GetTokenInfo; its slot's are left as they are. */
static void
token_fields(struct ca_token_info *t, const CK_TOKEN_INFO *ti)
{
	memset(t->label, 0, sizeof(t->label));
	unpad(t->label, ti->label, sizeof(ti->label));
	unpad(t->manufacturer, ti->manufacturerID, sizeof(ti->manufacturerID));
	unpad(t->model, ti->model, sizeof(ti->model));
	unpad(t->serial, ti->serialNumber, sizeof(ti->serialNumber));
	t->hw_major = ti->hardwareVersion.major;
	t->hw_minor = ti->hardwareVersion.minor;
	t->fw_major = ti->firmwareVersion.major;
	t->fw_minor = ti->firmwareVersion.minor;
	t->protected_auth_path =
	    (ti->flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
}

/*
 * A slot's fields, from C_GetSlotInfo: read once the token is chosen, so
 * that the calls made for each candidate are those of C_GetTokenInfo.
 * Returns the slot's flags, 0 when it cannot say.
 */
static CK_FLAGS
slot_fields(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID id, struct ca_token_info *t)
{
	CK_SLOT_INFO si;

	t->hw_slot = CA_ATTR_UNKNOWN;
	t->slot_description[0] = t->slot_manufacturer[0] = '\0';
	if (f->C_GetSlotInfo(id, &si) != CKR_OK)
		return 0;
	unpad(t->slot_description, si.slotDescription,
	    sizeof(si.slotDescription));
	unpad(t->slot_manufacturer, si.manufacturerID,
	    sizeof(si.manufacturerID));
	t->hw_slot = (si.flags & CKF_HW_SLOT) != 0;
	return si.flags;
}

static int
match(const char *want, const char *have)
{
	return want == NULL || strcmp(want, have) == 0;
}

static int
select_token(struct ca_hsm *h, const struct ca_uri *uri,
    struct ca_errbuf *eb)
{
	CK_SLOT_ID *ids = NULL;
	CK_ULONG n = 0, i;
	CK_TOKEN_INFO ti;
	CK_RV rv;
	struct ca_token_info cand;
	int found = 0, r = CA_ERR_INTERNAL;

	memset(&cand, 0, sizeof(cand));

	if ((rv = h->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetSlotList", rv);
		r = ca_p11_code(rv);
		goto out;
	}
	if (n > 0 && (ids = calloc(n, sizeof(*ids))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (n > 0 && (rv = h->f->C_GetSlotList(CK_TRUE, ids, &n)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetSlotList", rv);
		r = ca_p11_code(rv);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (h->f->C_GetTokenInfo(ids[i], &ti) != CKR_OK)
			continue;
		/* An uninitialised token has no name to match. */
		if ((ti.flags & CKF_TOKEN_INITIALIZED) == 0)
			continue;
		token_fields(&cand, &ti);
		if (!match(uri->token, cand.label) ||
		    !match(uri->serial, cand.serial) ||
		    !match(uri->manufacturer, cand.manufacturer) ||
		    !match(uri->model, cand.model))
			continue;
		if (found++) {
			ca_errf(eb, "tokens \"%s\" (serial %s) and \"%s\" "
			    "(serial %s) both match; add serial= to the uri",
			    h->info.label, h->info.serial, cand.label,
			    cand.serial);
			r = CA_ERR_TOKEN_AMBIGUOUS;
			goto out;
		}
		h->info = cand;
		h->slot_id = ids[i];
	}
	if (found)
		slot_fields(h->f, h->slot_id, &h->info);
	if (!found) {
		ca_errf(eb, "no initialised token matches%s%s%s%s",
		    uri->token ? " token=" : "", uri->token ? uri->token : "",
		    uri->serial ? " serial=" : "",
		    uri->serial ? uri->serial : "");
		r = CA_ERR_TOKEN_NOT_FOUND;
		goto out;
	}
	r = 0;
out:
	free(ids);
	return r;
}

/* A URI must name its token: a fallback to "the first" is a hazard. */
static int
names_token(const struct ca_uri *uri, struct ca_errbuf *eb)
{
	if (uri->token == NULL && uri->serial == NULL) {
		ca_errf(eb, "the token uri must name the token with token= or "
		    "serial=");
		return CA_ERR_URI;
	}
	return 0;
}

/* What the module says of itself, for the quirk table and the record. */
static int
module_info(struct ca_hsm *h, struct ca_errbuf *eb)
{
	CK_INFO mi;
	CK_RV rv;

	if ((rv = h->f->C_GetInfo(&mi)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetInfo", rv);
		return ca_p11_code(rv);
	}
	unpad(h->minfo.manufacturer, mi.manufacturerID,
	    sizeof(mi.manufacturerID));
	unpad(h->minfo.description, mi.libraryDescription,
	    sizeof(mi.libraryDescription));
	h->minfo.major = mi.libraryVersion.major;
	h->minfo.minor = mi.libraryVersion.minor;
	return 0;
}

/* The read-write session that holds the login from open to close. */
static int
open_session(struct ca_hsm *h, struct ca_errbuf *eb)
{
	CK_RV rv;

	rv = h->f->C_OpenSession(h->slot_id, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &h->session);
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_OpenSession", rv);
		return ca_p11_code(rv);
	}
	h->have_session = 1;
	return 0;
}

/*
 * Load module into h, through libp11 (which initialises it) and our own
 * reference to the same copy, and read what it says of itself.
 */
static int
load_module(struct ca_hsm *h, const char *module, struct ca_errbuf *eb)
{
	CK_C_GetFunctionList getfl;

	if ((h->module = strdup(module)) == NULL)
		return CA_ERR_NOMEM;
	/*
	 * Loaded here first, so that a file that is no PKCS#11 module is
	 * named as such, in one line (libp11 prints the loader's error to
	 * stderr itself), and so that h->dl holds the copy libp11 then
	 * initialises: dlopen gives one copy of a library per process.
	 */
	dlerror();
	if ((h->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		const char *why = dlerror();

		ca_errf(eb, "the pkcs#11 module \"%s\" cannot be loaded (%s)",
		    module, why != NULL ? why : "no such file, or not a "
		    "library for this machine");
		return CA_ERR_MODULE;
	}
	if (dlsym(h->dl, "C_GetFunctionList") == NULL) {
		ca_errf(eb, "\"%s\" is not a pkcs#11 module (it has no "
		    "C_GetFunctionList)", module);
		return CA_ERR_MODULE;
	}
	if ((h->ctx = PKCS11_CTX_new()) == NULL)
		return CA_ERR_NOMEM;
	if (PKCS11_CTX_load(h->ctx, module) != 0) {
		ERR_clear_error();
		ca_errf(eb, "the pkcs#11 module \"%s\" cannot be loaded (no "
		    "such file, or not a library for this machine)", module);
		PKCS11_CTX_free(h->ctx);
		h->ctx = NULL;
		return CA_ERR_MODULE;
	}
	/* Loading leaves unrelated errors on the queue; they are not ours. */
	ERR_clear_error();
	/* The same copy libp11 has now initialised. */
	if ((getfl = (CK_C_GetFunctionList)dlsym(h->dl,
	    "C_GetFunctionList")) == NULL || getfl(&h->f) != CKR_OK ||
	    h->f == NULL) {
		ca_errf(eb, "\"%s\" is not a pkcs#11 module (it has no usable "
		    "C_GetFunctionList)", module);
		return CA_ERR_MODULE;
	}
	return module_info(h, eb);
}

/* What the token layer follows and records of the token it chose. */
static void
note_token(struct ca_hsm *h)
{
	h->quirks = ca_quirks_match(&h->minfo, &h->info, NULL, NULL);
	h->software = ca_token_software(&h->minfo, &h->info, h->kind_why,
	    sizeof(h->kind_why));
}

int
ca_hsm_open_module(const char *module, struct ca_hsm **out,
    struct ca_errbuf *eb)
{
	struct ca_hsm *h;
	int r;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return CA_ERR_NOMEM;
	if ((r = load_module(h, module != NULL ? module : CA_DEFAULT_MODULE,
	    eb)) != 0) {
		ca_hsm_close(h);
		return r;
	}
	*out = h;
	return 0;
}

int
ca_hsm_slots(struct ca_hsm *h, struct ca_slot_entry **out, size_t *n,
    struct ca_errbuf *eb)
{
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG k = 0, i;
	CK_FLAGS fl;
	CK_RV rv;
	struct ca_slot_entry *e = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if ((rv = h->f->C_GetSlotList(CK_FALSE, NULL, &k)) != CKR_OK)
		goto fail;
	if (k > 0 && ((ids = calloc(k, sizeof(*ids))) == NULL ||
	    (e = calloc(k, sizeof(*e))) == NULL)) {
		free(ids);
		return CA_ERR_NOMEM;
	}
	if (k > 0 && (rv = h->f->C_GetSlotList(CK_FALSE, ids, &k)) != CKR_OK)
		goto fail;
	for (i = 0; i < k; i++) {
		e[i].id = ids[i];
		fl = slot_fields(h->f, ids[i], &e[i].token);
		e[i].removable = (fl & CKF_REMOVABLE_DEVICE) != 0;
		if ((fl & CKF_TOKEN_PRESENT) == 0 ||
		    h->f->C_GetTokenInfo(ids[i], &ti) != CKR_OK)
			continue;
		token_fields(&e[i].token, &ti);
		e[i].token_present = 1;
		e[i].token_initialized =
		    (ti.flags & CKF_TOKEN_INITIALIZED) != 0;
	}
	free(ids);
	*out = e;
	*n = k;
	return 0;
fail:
	ca_p11_detail(eb, "C_GetSlotList", rv);
	r = ca_p11_code(rv);
	free(ids);
	free(e);
	return r;
}

const char *
ca_hsm_kind(const struct ca_hsm *h, const char **why)
{
	if (why != NULL)
		*why = h->kind_why;
	return h->software ? CA_KIND_SOFTWARE : CA_KIND_HARDWARE;
}

int
ca_hsm_open(const char *module, const struct ca_uri *uri,
    struct ca_hsm **out, struct ca_errbuf *eb)
{
	struct ca_hsm *h = NULL;
	int r = CA_ERR_INTERNAL;

	*out = NULL;
	if ((r = names_token(uri, eb)) != 0)
		return r;
	if (module == NULL)
		module = uri->module_path ? uri->module_path :
		    CA_DEFAULT_MODULE;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return CA_ERR_NOMEM;
	if ((r = load_module(h, module, eb)) != 0 ||
	    (r = select_token(h, uri, eb)) != 0 ||
	    (r = open_session(h, eb)) != 0)
		goto out;
	note_token(h);
	*out = h;
	h = NULL;
out:
	ca_hsm_close(h);
	return r;
}

int
ca_hsm_open_sibling(struct ca_hsm *parent, const struct ca_uri *uri,
    struct ca_hsm **out, struct ca_errbuf *eb)
{
	struct ca_hsm *h = NULL;
	int r;

	*out = NULL;
	if ((r = names_token(uri, eb)) != 0)
		return r;
	if (uri->module_path != NULL &&
	    strcmp(uri->module_path, parent->module) != 0) {
		ca_errf(eb, "both tokens must be reached through one pkcs#11 "
		    "module, \"%s\"", parent->module);
		return CA_ERR_MODULE;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return CA_ERR_NOMEM;
	h->sibling = 1;
	h->f = parent->f;
	if ((h->module = strdup(parent->module)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if ((r = select_token(h, uri, eb)) != 0)
		goto out;
	if (h->slot_id == parent->slot_id) {
		ca_errf(eb, "token \"%s\" is the one already in use; give "
		    "another token", h->info.label);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if ((r = open_session(h, eb)) != 0)
		goto out;
	h->minfo = parent->minfo;
	note_token(h);
	*out = h;
	h = NULL;
out:
	ca_hsm_close(h);
	return r;
}

void
ca_hsm_close(struct ca_hsm *h)
{

	if (h == NULL)
		return;
	if (h->sibling) {
		if (h->have_session) {
			if (h->logged_in)
				(void)h->f->C_Logout(h->session);
			(void)h->f->C_CloseSession(h->session);
		}
		free(h->module);
		free(h);
		return;
	}
	if (h->have_session) {
		if (h->logged_in)
			(void)h->f->C_Logout(h->session);
		(void)h->f->C_CloseSession(h->session);
	}
	if (h->dl != NULL)
		dlclose(h->dl);
	if (h->ctx != NULL) {
		PKCS11_CTX_unload(h->ctx);
		PKCS11_CTX_free(h->ctx);
	}
	ERR_clear_error();
	free(h->module);
	free(h);
}

const struct ca_token_info *
ca_hsm_token_info(const struct ca_hsm *h)
{
	return &h->info;
}

const struct ca_module_info *
ca_hsm_module_info(const struct ca_hsm *h)
{
	return &h->minfo;
}

unsigned
ca_hsm_quirks(const struct ca_hsm *h)
{
	return h->quirks;
}

int
ca_hsm_session_free(struct ca_hsm *h)
{
	CK_TOKEN_INFO ti;

	/* A token that cannot say is asked: C_OpenSession will tell. */
	if (h->f->C_GetTokenInfo(h->slot_id, &ti) != CKR_OK ||
	    ti.ulMaxSessionCount == CK_EFFECTIVELY_INFINITE ||
	    ti.ulMaxSessionCount == CK_UNAVAILABLE_INFORMATION ||
	    ti.ulSessionCount == CK_UNAVAILABLE_INFORMATION)
		return 1;
	return ti.ulSessionCount < ti.ulMaxSessionCount;
}

int
ca_hsm_pin_fits(struct ca_hsm *h, size_t len, const char *what,
    struct ca_errbuf *eb)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;

	if ((rv = h->f->C_GetTokenInfo(h->slot_id, &ti)) != CKR_OK) {
		ca_p11_detail(eb, "C_GetTokenInfo", rv);
		return ca_p11_code(rv);
	}
	/* Some modules count bytes, some leave the limits at zero. */
	if ((ti.ulMaxPinLen == 0 || len <= ti.ulMaxPinLen) &&
	    len >= ti.ulMinPinLen)
		return 0;
	ca_errf(eb, "token \"%s\" takes PINs of %lu to %lu characters, and "
	    "%s has %zu; use a token that takes it", h->info.label,
	    (unsigned long)ti.ulMinPinLen, (unsigned long)ti.ulMaxPinLen,
	    what, len);
	return CA_ERR_ALGORITHM;
}

int
ca_hsm_logged_in(const struct ca_hsm *h)
{
	return h->logged_in != 0;
}

const char *
ca_hsm_module_path(const struct ca_hsm *h)
{
	return h->module;
}

int
ca_hsm_module_sha256(struct ca_hsm *h, char hex[65])
{
	if (h->module_sha256[0] == '\0' &&
	    ca_sha256_file(h->module, h->module_sha256, NULL) != 0) {
		h->module_sha256[0] = '\0';
		return CA_ERR_IO;
	}
	memcpy(hex, h->module_sha256, sizeof(h->module_sha256));
	return 0;
}

/* What the token says about the tries left, after a failed login. */
static const char *
pin_flags_note(struct ca_hsm *h)
{
	CK_TOKEN_INFO ti;

	if (h->f->C_GetTokenInfo(h->slot_id, &ti) != CKR_OK)
		return "";
	if (ti.flags & CKF_USER_PIN_FINAL_TRY)
		return " (the next wrong PIN locks it)";
	if (ti.flags & CKF_USER_PIN_COUNT_LOW)
		return " (few tries left)";
	return "";
}

int
ca_hsm_login(struct ca_hsm *h, const struct ca_secret *pin,
    struct ca_errbuf *eb)
{
	CK_RV rv;

	if (pin == NULL && !h->info.protected_auth_path) {
		ca_errf(eb, "the token has no pin pad and no pin was given");
		return CA_ERR_PIN_SOURCE;
	}
	/*
	 * Logging in through the function list, not PKCS11_login: libp11
	 * keeps a copy of the PIN for as long as the slot lives.
	 */
	if (pin != NULL)
		rv = h->f->C_Login(h->session, CKU_USER,
		    (CK_UTF8CHAR_PTR)pin->buf, (CK_ULONG)pin->len);
	else
		rv = h->f->C_Login(h->session, CKU_USER, NULL, 0);
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		rv = CKR_OK;
	switch (rv) {
	case CKR_OK:
		break;
	case CKR_PIN_INCORRECT:
		ca_errf(eb, "incorrect user PIN for token \"%s\"%s; check the "
		    "PIN (each wrong try counts towards locking it)",
		    h->info.label, pin_flags_note(h));
		return CA_ERR_PIN_INCORRECT;
	case CKR_PIN_LOCKED:
		ca_errf(eb, "the user PIN of token \"%s\" is locked; the "
		    "security officer must unlock it", h->info.label);
		return CA_ERR_PIN_LOCKED;
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		ca_errf(eb, "the PIN given for token \"%s\" has the wrong "
		    "length or characters%s; check the PIN (each wrong try may "
		    "count towards locking it)", h->info.label,
		    pin_flags_note(h));
		return CA_ERR_PIN_INCORRECT;
	case CKR_USER_PIN_NOT_INITIALIZED:
		ca_errf(eb, "token \"%s\" has no user PIN yet; the security "
		    "officer must set one", h->info.label);
		return CA_ERR_PIN_SOURCE;
	default:
		ca_p11_detail(eb, "C_Login", rv);
		return ca_p11_code(rv);
	}
	h->logged_in = 1;
	h->pin_pad = pin == NULL;
	return 0;
}

int
ca_hsm_set_pin(struct ca_hsm *h, const struct ca_secret *old,
    const struct ca_secret *new_pin, struct ca_errbuf *eb)
{
	CK_RV rv;

	if (!h->logged_in)
		return CA_ERR_INTERNAL;
	rv = h->f->C_SetPIN(h->session, (CK_UTF8CHAR_PTR)old->buf,
	    (CK_ULONG)old->len, (CK_UTF8CHAR_PTR)new_pin->buf,
	    (CK_ULONG)new_pin->len);
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_SetPIN", rv);
		return ca_p11_code(rv);
	}
	return 0;
}

const char *
ca_hsm_login_method(const struct ca_hsm *h)
{
	if (h == NULL || !h->logged_in)
		return NULL;
	return h->pin_pad ? "pin-pad" : "pin";
}

int
ca_p11_find(struct ca_hsm *h, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *count)
{
	CK_RV rv;

	*count = 0;
	rv = h->f->C_FindObjectsInit(h->session, tmpl, n);
	/*
	 * A search whose C_FindObjectsFinal failed is still active: end it
	 * and start again, or no later search (nor the cleanup of keys just
	 * made, which searches for them) could run in this session.
	 */
	if (rv == CKR_OPERATION_ACTIVE) {
		(void)h->f->C_FindObjectsFinal(h->session);
		rv = h->f->C_FindObjectsInit(h->session, tmpl, n);
	}
	if (rv != CKR_OK)
		return ca_p11_code(rv);
	rv = h->f->C_FindObjects(h->session, objs, max, count);
	(void)h->f->C_FindObjectsFinal(h->session);
	return ca_p11_code(rv);
}

int
ca_hsm_label_exists(struct ca_hsm *h, const char *label, int *exists)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	int r;

	*exists = 0;
	if ((r = ca_p11_find(h, t, 1, &o, 1, &n)) != 0)
		return r;
	*exists = n > 0;
	return 0;
}

int
ca_p11_find_half(struct ca_hsm *h, const struct ca_keyref *key,
    CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *obj)
{
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)key->id, key->id_len },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;
	int r;

	if ((r = ca_p11_find(h, t, 2, o, 2, &n)) != 0)
		return r;
	if (n != 1)
		return CA_ERR_KEY_NOT_FOUND;
	*obj = o[0];
	return 0;
}

/* The boolean attributes of a private key that struct ca_key_attrs holds. */
static const CK_ATTRIBUTE_TYPE key_attr_types[] = {
	CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE,
	CKA_EXTRACTABLE, CKA_NEVER_EXTRACTABLE, CKA_LOCAL, CKA_SIGN,
	CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE, CKA_WRAP_WITH_TRUSTED,
};
#define N_KEY_ATTRS (sizeof(key_attr_types) / sizeof(key_attr_types[0]))

static int *
key_attr_field(struct ca_key_attrs *a, size_t i)
{
	int *f[N_KEY_ATTRS] = { &a->token, &a->private_, &a->sensitive,
	    &a->always_sensitive, &a->extractable, &a->never_extractable,
	    &a->local, &a->sign, &a->decrypt, &a->unwrap, &a->derive,
	    &a->wrap_with_trusted };

	return f[i];
}

/*
 * All in one call; when the module does not know one of them, or keeps
 * one to itself, PKCS#11 has it fill in the rest and mark that one
 * CK_UNAVAILABLE_INFORMATION.  Not every module fills in the rest, so
 * each is then asked for on its own: only an attribute the module itself
 * says it lacks is unknown.
 */
static int
read_attrs(struct ca_hsm *h, CK_OBJECT_HANDLE o, struct ca_key_attrs *a)
{
	CK_BBOOL v[N_KEY_ATTRS];
	CK_ATTRIBUTE t[N_KEY_ATTRS];
	CK_RV rv;
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < N_KEY_ATTRS; i++)
		t[i] = (CK_ATTRIBUTE){ key_attr_types[i], &v[i], 1 };
	rv = h->f->C_GetAttributeValue(h->session, o, t, N_KEY_ATTRS);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE) {
		for (i = 0; i < N_KEY_ATTRS; i++) {
			t[i].ulValueLen = 1;
			rv = h->f->C_GetAttributeValue(h->session, o, &t[i],
			    1);
			if (rv == CKR_ATTRIBUTE_TYPE_INVALID ||
			    rv == CKR_ATTRIBUTE_SENSITIVE)
				t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			else if (rv != CKR_OK)
				return ca_p11_code(rv);
		}
		rv = CKR_OK;
	}
	if (rv != CKR_OK)
		return ca_p11_code(rv);
	for (i = 0; i < N_KEY_ATTRS; i++)
		*key_attr_field(a, i) = t[i].ulValueLen != 1 ? CA_ATTR_UNKNOWN :
		    v[i] == CK_TRUE;
	return 0;
}

int
ca_key_attrs_ok(const struct ca_key_attrs *a)
{
	char why[8];

	ca_key_attrs_why(a, 0, why, sizeof(why));
	return why[0] == '\0';
}

int
ca_key_attrs_backup_ok(const struct ca_key_attrs *a)
{
	char why[8];

	ca_key_attrs_why(a, 1, why, sizeof(why));
	return why[0] == '\0';
}

void
ca_key_attrs_why(const struct ca_key_attrs *a, int backup, char *buf,
    size_t cap)
{
	/* What each must be: 1, 0, or -2 for "anything but TRUE". */
	static const struct {
		const char *name, *yes, *no;
		int want, want_backup;
	} rule[N_KEY_ATTRS] = {
		{ "CKA_TOKEN", "a token object", "a session object", 1, 1 },
		{ "CKA_PRIVATE", "private", "public", 1, 1 },
		{ "CKA_SENSITIVE", "sensitive", "not sensitive", 1, 1 },
		{ "CKA_ALWAYS_SENSITIVE", "always sensitive",
		    "not always sensitive", 1, -3 },
		{ "CKA_EXTRACTABLE", "extractable", "not extractable", 0, 1 },
		{ "CKA_NEVER_EXTRACTABLE", "never extractable",
		    "once extractable", 1, 0 },
		{ "CKA_LOCAL", "made on the token", "not made on the token", 1,
		    -3 },
		{ "CKA_SIGN", "for signing", "not for signing", 1, 1 },
		{ "CKA_DECRYPT", "for decryption", "", -2, -2 },
		{ "CKA_UNWRAP", "for unwrapping", "", -2, -2 },
		{ "CKA_DERIVE", "for derivation", "", -2, -2 },
		{ "CKA_WRAP_WITH_TRUSTED", "wrapped under a trusted key only",
		    "not limited to a trusted wrapping key", -3, 1 },
	};
	struct ca_key_attrs copy = *a;
	size_t i, n = 0;
	int v, want;

	if (cap > 0)
		buf[0] = '\0';
	for (i = 0; i < N_KEY_ATTRS; i++) {
		const char *what = NULL;

		v = *key_attr_field(&copy, i);
		want = backup ? rule[i].want_backup : rule[i].want;
		if (want == -3)
			continue;	/* either way */
		if (want == -2) {
			if (v == 1)
				what = rule[i].yes;
		} else if (v == CA_ATTR_UNKNOWN) {
			what = "";
		} else if (v != want) {
			what = v ? rule[i].yes : rule[i].no;
		}
		if (what == NULL || n + 2 >= cap)
			continue;
		if (*what == '\0')
			n += (size_t)snprintf(buf + n, cap - n, "%s%s unknown to "
			    "the token", n ? ", " : "", rule[i].name);
		else
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " :
			    "", what);
		if (n >= cap)
			n = cap - 1;
	}
}

int
ca_hsm_key_attrs(struct ca_hsm *h, const struct ca_keyref *key,
    struct ca_key_attrs *attrs)
{
	CK_OBJECT_HANDLE o;
	int r;

	if ((r = ca_p11_find_half(h, key, CKO_PRIVATE_KEY, &o)) != 0)
		return r;
	return read_attrs(h, o, attrs);
}

int
ca_p11_has_mech(struct ca_hsm *h, CK_MECHANISM_TYPE mech, CK_FLAGS flag,
    CK_ULONG bits, struct ca_errbuf *eb)
{
	CK_MECHANISM_INFO mi;
	CK_RV rv;

	rv = h->f->C_GetMechanismInfo(h->slot_id, mech, &mi);
	if (rv == CKR_MECHANISM_INVALID)
		return 0;
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_GetMechanismInfo", rv);
		return ca_p11_code(rv);
	}
	if ((mi.flags & flag) != flag)
		return 0;
	/* Key sizes in bits; a module that gives none limits none. */
	return bits == 0 || mi.ulMaxKeySize == 0 ||
	    (mi.ulMinKeySize <= bits && bits <= mi.ulMaxKeySize);
}

int
ca_p11_sign_mech(struct ca_hsm *h, CK_KEY_TYPE type, CK_ULONG bits,
    int md_nid, struct ca_sign_mech *out, struct ca_errbuf *eb)
{
	/* In order of preference, for each key type and digest. */
	static const struct {
		CK_KEY_TYPE type;
		int md_nid;
		struct ca_sign_mech m;
	} pref[] = {
		{ CKK_RSA, NID_sha256,
		    { CKM_SHA256_RSA_PKCS, 1, "CKM_SHA256_RSA_PKCS" } },
		{ CKK_RSA, NID_sha384,
		    { CKM_SHA384_RSA_PKCS, 1, "CKM_SHA384_RSA_PKCS" } },
		{ CKK_RSA, 0, { CKM_RSA_PKCS, 0, "CKM_RSA_PKCS" } },
		{ CKK_EC, 0, { CKM_ECDSA, 0, "CKM_ECDSA" } },
		{ CKK_EC, NID_sha256,
		    { CKM_ECDSA_SHA256, 1, "CKM_ECDSA_SHA256" } },
		{ CKK_EC, NID_sha384,
		    { CKM_ECDSA_SHA384, 1, "CKM_ECDSA_SHA384" } },
	};
	size_t i;
	int k, r;

	for (k = 0; k < h->nsmc; k++)
		if (h->smc[k].type == type && h->smc[k].bits == bits &&
		    h->smc[k].md_nid == md_nid) {
			*out = h->smc[k].m;
			return 0;
		}
	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		if (pref[i].type != type || (pref[i].md_nid != 0 &&
		    pref[i].md_nid != md_nid))
			continue;
		if ((r = ca_p11_has_mech(h, pref[i].m.mech, CKF_SIGN, bits,
		    eb)) < 0)
			return r;
		if (r == 0)
			continue;
		*out = pref[i].m;
		if (h->nsmc < (int)(sizeof(h->smc) / sizeof(h->smc[0]))) {
			h->smc[h->nsmc].type = type;
			h->smc[h->nsmc].bits = bits;
			h->smc[h->nsmc].md_nid = md_nid;
			h->smc[h->nsmc].m = *out;
			h->nsmc++;
		}
		return 0;
	}
	ca_errf(eb, "token \"%s\" offers no mechanism to sign with a "
	    "%lu-bit %s key and %s (%s)", h->info.label, (unsigned long)bits,
	    type == CKK_EC ? "EC" : "RSA", OBJ_nid2sn(md_nid),
	    type == CKK_EC ? "CKM_ECDSA or CKM_ECDSA_SHA256/384" :
	    "CKM_SHA256/384_RSA_PKCS or CKM_RSA_PKCS");
	return CA_ERR_ALGORITHM;
}

int
ca_hsm_can_make(struct ca_hsm *h, enum ca_keyalg alg, struct ca_errbuf *eb)
{
	struct ca_sign_mech m;
	struct ca_errbuf none;
	CK_MECHANISM_TYPE gen;
	CK_KEY_TYPE type;
	CK_ULONG bits;
	int r, md_nid = NID_sha256;

	switch (alg) {
	case CA_ALG_P256:
	case CA_ALG_P384:
		gen = CKM_EC_KEY_PAIR_GEN;
		type = CKK_EC;
		bits = alg == CA_ALG_P256 ? 256 : 384;
		break;
	case CA_ALG_RSA3072:
	case CA_ALG_RSA4096:
		gen = CKM_RSA_PKCS_KEY_PAIR_GEN;
		type = CKK_RSA;
		bits = alg == CA_ALG_RSA3072 ? 3072 : 4096;
		break;
	default:
		return 0;
	}
	/* The digest such a key signs with (ca_md_for_alg). */
	if (alg == CA_ALG_P384 || alg == CA_ALG_RSA4096)
		md_nid = NID_sha384;
	if ((r = ca_p11_has_mech(h, gen, CKF_GENERATE_KEY_PAIR, bits,
	    eb)) != 1)
		return r;
	memset(&none, 0, sizeof(none));
	if ((r = ca_p11_sign_mech(h, type, bits, md_nid, &m, &none)) ==
	    CA_ERR_ALGORITHM)
		return 0;
	if (r != 0) {
		ca_errf(eb, "%s", none.msg);
		return r;
	}
	return 1;
}

int
ca_hsm_log_alg(struct ca_hsm *h, enum ca_keyalg ca_alg,
    enum ca_keyalg *out, struct ca_errbuf *eb)
{
	int r;

	*out = ca_alg;
	if ((r = ca_hsm_can_make(h, CA_ALG_P384, eb)) < 0)
		return r;
	if (r == 1) {
		*out = CA_ALG_P384;
		return 0;
	}
	if ((r = ca_hsm_can_make(h, CA_ALG_RSA3072, eb)) < 0)
		return r;
	if (r == 1)
		*out = CA_ALG_RSA3072;
	return 0;
}

int
ca_hsm_generate(struct ca_hsm *h, enum ca_keyalg alg, const char *label,
    struct ca_keyref *key, struct ca_key_attrs *attrs, struct ca_errbuf *eb)
{
	unsigned char id[16];

	if (RAND_bytes(id, (int)sizeof(id)) != 1)
		return CA_ERR_CRYPTO;
	return ca_hsm_generate_id(h, alg, label, id, sizeof(id), 0, key, attrs,
	    eb);
}

int
ca_hsm_generate_id(struct ca_hsm *h, enum ca_keyalg alg, const char *label,
    const unsigned char *id, size_t id_len, int backup,
    struct ca_keyref *key, struct ca_key_attrs *attrs, struct ca_errbuf *eb)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = 0;
	CK_BYTE e[] = { 0x01, 0x00, 0x01 };	/* 65537 */
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	CK_ATTRIBUTE pubt[8], privt[12];
	CK_ULONG np = 0, nv = 0;
	int lean;
	struct ca_key_attrs a;
	struct ca_keyref k;
	char why[256];
	CK_RV rv;
	int r = CA_ERR_INTERNAL, exists = 0;

	memset(&k, 0, sizeof(k));
	if (strlen(label) == 0 || strlen(label) >= sizeof(k.label)) {
		ca_errf(eb, "key label must be 1 to %zu bytes",
		    sizeof(k.label) - 1);
		return CA_ERR_INVALID_ARG;
	}
	if ((r = ca_hsm_label_exists(h, label, &exists)) != 0)
		return r;
	if (exists) {
		ca_errf(eb, "label \"%s\" is already used on token \"%s\"",
		    label, h->info.label);
		return CA_ERR_KEY_EXISTS;
	}
	if (id_len == 0 || id_len > sizeof(k.id))
		return CA_ERR_INVALID_ARG;
	snprintf(k.label, sizeof(k.label), "%s", label);
	memcpy(k.id, id, id_len);
	k.id_len = id_len;

	/*
	 * Some attributes a module sets itself, and refuses to be told: a
	 * TPM's public key answers "attr mismatch" to CKA_VERIFY and
	 * CKA_ENCRYPT.  Each try leaves out more of the ones that only
	 * say what the template would like; the read-back below decides
	 * whether the key is one a CA may use.
	 */
	for (lean = (h->quirks & CA_QUIRK_PUB_USAGE) ? 1 : 0; lean < 3;
	    lean++) {
		np = nv = 0;
#define ADD(t, n, at, ptr, len) do {					\
	t[n].type = (at); t[n].pValue = (void *)(ptr);			\
	t[n].ulValueLen = (len); n++;					\
} while (0)
		ADD(pubt, np, CKA_TOKEN, &yes, 1);
		if (lean < 1) {
			ADD(pubt, np, CKA_VERIFY, &yes, 1);
			ADD(pubt, np, CKA_ENCRYPT, &no, 1);
			ADD(pubt, np, CKA_WRAP, &no, 1);
		}
		ADD(pubt, np, CKA_LABEL, k.label, strlen(k.label));
		ADD(pubt, np, CKA_ID, k.id, k.id_len);
		switch (alg) {
		case CA_ALG_P256:
			mech.mechanism = CKM_EC_KEY_PAIR_GEN;
			ADD(pubt, np, CKA_EC_PARAMS, OID_P256,
			    sizeof(OID_P256));
			break;
		case CA_ALG_P384:
			mech.mechanism = CKM_EC_KEY_PAIR_GEN;
			ADD(pubt, np, CKA_EC_PARAMS, OID_P384,
			    sizeof(OID_P384));
			break;
		case CA_ALG_RSA3072:
		case CA_ALG_RSA4096:
			bits = alg == CA_ALG_RSA3072 ? 3072 : 4096;
			mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
			ADD(pubt, np, CKA_MODULUS_BITS, &bits, sizeof(bits));
			ADD(pubt, np, CKA_PUBLIC_EXPONENT, e, sizeof(e));
			break;
		default:
			return CA_ERR_ALGORITHM;
		}
		ADD(privt, nv, CKA_TOKEN, &yes, 1);
		ADD(privt, nv, CKA_PRIVATE, &yes, 1);
		ADD(privt, nv, CKA_SENSITIVE, &yes, 1);
		ADD(privt, nv, CKA_EXTRACTABLE, backup ? &yes : &no, 1);
		if (backup)
			ADD(privt, nv, CKA_WRAP_WITH_TRUSTED, &yes, 1);
		ADD(privt, nv, CKA_SIGN, &yes, 1);
		if (lean < 2) {
			/* SoftHSM2 turns these on unless told otherwise. */
			ADD(privt, nv, CKA_DECRYPT, &no, 1);
			ADD(privt, nv, CKA_UNWRAP, &no, 1);
			ADD(privt, nv, CKA_DERIVE, &no, 1);
		}
		ADD(privt, nv, CKA_LABEL, k.label, strlen(k.label));
		ADD(privt, nv, CKA_ID, k.id, k.id_len);
#undef ADD
		rv = h->f->C_GenerateKeyPair(h->session, &mech, pubt, np,
		    privt, nv, &pub, &priv);
		if (rv != CKR_ATTRIBUTE_VALUE_INVALID &&
		    rv != CKR_ATTRIBUTE_TYPE_INVALID &&
		    rv != CKR_ATTRIBUTE_READ_ONLY &&
		    rv != CKR_TEMPLATE_INCONSISTENT)
			break;
	}
	if (rv == CKR_MECHANISM_INVALID || rv == CKR_KEY_SIZE_RANGE ||
	    rv == CKR_DOMAIN_PARAMS_INVALID || rv == CKR_CURVE_NOT_SUPPORTED) {
		ca_errf(eb, "token \"%s\" cannot make %s keys (PKCS#11 "
		    "C_GenerateKeyPair: %s); choose another --algorithm "
		    "(p384, p256, rsa3072 or rsa4096)", h->info.label,
		    ca_keyalg_name(alg), ckr_name(rv));
		return CA_ERR_ALGORITHM;
	}
	if (rv != CKR_OK && lean == 3 && backup) {
		ca_errf(eb, "token \"%s\" refuses backup-capable %s keys, "
		    "sensitive yet extractable under a trusted key (PKCS#11 "
		    "C_GenerateKeyPair: %s); make the CA without "
		    "--backup-capable, or on a token that allows them",
		    h->info.label, ca_keyalg_name(alg), ckr_name(rv));
		return CA_ERR_KEY_ATTRS;
	}
	if (rv != CKR_OK && lean == 3) {
		ca_errf(eb, "token \"%s\" refuses every template for a %s "
		    "signing key, even one naming only what a CA key must be "
		    "(PKCS#11 C_GenerateKeyPair: %s); this token cannot hold "
		    "a CA key", h->info.label, ca_keyalg_name(alg),
		    ckr_name(rv));
		return CA_ERR_KEY_ATTRS;
	}
	if (rv != CKR_OK) {
		ca_p11_detail(eb, "C_GenerateKeyPair", rv);
		return ca_p11_code(rv);
	}
	if ((r = read_attrs(h, priv, &a)) != 0) {
		ca_errf(eb, "cannot read back the new key's attributes");
		goto undo;
	}
	ca_key_attrs_why(&a, backup, why, sizeof(why));
	if (why[0] == '\0' && backup && (a.local != 1 ||
	    a.always_sensitive != 1))
		snprintf(why, sizeof(why), "%s", a.local != 1 ? "not known to "
		    "be made on the token" : "not known to be always "
		    "sensitive");
	if (why[0] != '\0') {
		ca_errf(eb, "token \"%s\" made key \"%s\" %s, so it was "
		    "removed again: this token cannot hold a CA key as "
		    "required%s; use another", h->info.label, label, why,
		    backup ? " for backup" : "");
		r = CA_ERR_KEY_ATTRS;
		goto undo;
	}
	if (attrs != NULL)
		*attrs = a;
	*key = k;
	return 0;
undo:
	(void)h->f->C_DestroyObject(h->session, priv);
	(void)h->f->C_DestroyObject(h->session, pub);
	return r;
}

int
ca_hsm_destroy(struct ca_hsm *h, const struct ca_keyref *key)
{
	CK_OBJECT_HANDLE o;
	int r = 0, r2;

	if (ca_p11_find_half(h, key, CKO_PRIVATE_KEY, &o) == 0 &&
	    h->f->C_DestroyObject(h->session, o) != CKR_OK)
		r = CA_ERR_HSM;
	if ((r2 = ca_p11_find_half(h, key, CKO_PUBLIC_KEY, &o)) == 0 &&
	    h->f->C_DestroyObject(h->session, o) != CKR_OK)
		r = CA_ERR_HSM;
	return r;
}

int
ca_hsm_find_key(struct ca_hsm *h, const struct ca_uri *uri,
    struct ca_keyref *key, struct ca_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[3];
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0, nt = 0;
	unsigned char idbuf[CA_URI_ID_MAX];
	char lbuf[129];
	CK_ATTRIBUTE q[] = {
		{ CKA_ID, idbuf, sizeof(idbuf) },
		{ CKA_LABEL, lbuf, sizeof(lbuf) - 1 },
	};
	CK_RV rv;
	int r;

	if (uri->object == NULL && !uri->has_id) {
		ca_errf(eb, "the key uri must name the key "
		    "with object= or id=");
		return CA_ERR_URI;
	}
	if (uri->type != NULL && strcmp(uri->type, "private") != 0) {
		ca_errf(eb, "the key uri names type=%s; a signing key is "
		    "type=private", uri->type);
		return CA_ERR_URI;
	}
	t[nt].type = CKA_CLASS; t[nt].pValue = &cls;
	t[nt++].ulValueLen = sizeof(cls);
	if (uri->object != NULL) {
		t[nt].type = CKA_LABEL; t[nt].pValue = uri->object;
		t[nt++].ulValueLen = strlen(uri->object);
	}
	if (uri->has_id) {
		t[nt].type = CKA_ID; t[nt].pValue = (void *)uri->id;
		t[nt++].ulValueLen = uri->id_len;
	}
	if ((r = ca_p11_find(h, t, nt, o, 2, &n)) != 0)
		return r;
	if (n == 0) {
		ca_errf(eb, "no private key \"%s\" on token \"%s\"",
		    uri->object ? uri->object : "(by id)", h->info.label);
		return CA_ERR_KEY_NOT_FOUND;
	}
	if (n != 1) {
		ca_errf(eb, "more than one private key \"%s\" on token \"%s\" "
		    "answers to the uri (the same label%s): a copy, or another "
		    "key made under its name; remove the one that is not the "
		    "certificate's, or name the key exactly", uri->object ?
		    uri->object : "(by id)", h->info.label, uri->has_id ?
		    " and id" : "");
		return CA_ERR_KEY_AMBIGUOUS;
	}
	if ((rv = h->f->C_GetAttributeValue(h->session, o[0], q, 2)) ==
	    CKR_BUFFER_TOO_SMALL) {
		ca_errf(eb, "the key's CKA_ID (at most %d bytes) or label (at "
		    "most %d) is longer than this toolkit takes",
		    CA_URI_ID_MAX, (int)sizeof(lbuf) - 1);
		return CA_ERR_KEY_NOT_FOUND;
	}
	if (rv != CKR_OK)
		return ca_p11_code(rv);
	memset(key, 0, sizeof(*key));
	if (q[0].ulValueLen == 0 || q[0].ulValueLen > sizeof(key->id)) {
		ca_errf(eb, "key has no usable CKA_ID");
		return CA_ERR_KEY_NOT_FOUND;
	}
	memcpy(key->id, idbuf, q[0].ulValueLen);
	key->id_len = q[0].ulValueLen;
	memcpy(key->label, lbuf, q[1].ulValueLen);
	key->label[q[1].ulValueLen] = '\0';
	return 0;
}

int
ca_p11_get_attr(struct ca_hsm *h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
    unsigned char **out, size_t *len)
{
	CK_ATTRIBUTE t = { type, NULL, 0 };
	CK_RV rv;

	*out = NULL;
	if ((rv = h->f->C_GetAttributeValue(h->session, o, &t, 1)) != CKR_OK)
		return ca_p11_code(rv);
	if (t.ulValueLen == 0 || t.ulValueLen > 4096)
		return CA_ERR_HSM;
	if ((t.pValue = malloc(t.ulValueLen)) == NULL)
		return CA_ERR_NOMEM;
	if ((rv = h->f->C_GetAttributeValue(h->session, o, &t, 1)) != CKR_OK) {
		free(t.pValue);
		return ca_p11_code(rv);
	}
	*out = t.pValue;
	*len = t.ulValueLen;
	return 0;
}

int
ca_p11_ec_public(struct ca_hsm *h, CK_OBJECT_HANDLE o, EVP_PKEY **out)
{
	/*
	 * Room for the curves taken here (an OID of at most 10 bytes, a
	 * point of at most 99): both attributes in one call, where asking
	 * each one's size first would take four, each a round trip to a
	 * token that may sit on a USB bus.
	 */
	unsigned char params[32], point[160];
	CK_ATTRIBUTE t[] = {
		{ CKA_EC_PARAMS, params, sizeof(params) },
		{ CKA_EC_POINT, point, sizeof(point) },
	};
	const unsigned char *p;
	ASN1_OCTET_STRING *os = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const char *group;
	size_t plen = 0, qlen = 0;
	CK_RV rv;
	int r = CA_ERR_INTERNAL;

	if ((rv = h->f->C_GetAttributeValue(h->session, o, t, 2)) ==
	    CKR_BUFFER_TOO_SMALL) {
		/* A longer OID or point is a curve not taken here. */
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	if (rv != CKR_OK) {
		r = ca_p11_code(rv);
		goto out;
	}
	plen = t[0].ulValueLen;
	qlen = t[1].ulValueLen;
	if (ca_p11_curve_bits(params, plen) == 256)
		group = "P-256";
	else if (ca_p11_curve_bits(params, plen) == 384)
		group = "P-384";
	else {
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	/* PKCS#11 2.40 wraps the point in a DER OCTET STRING. */
	p = point;
	if ((os = d2i_ASN1_OCTET_STRING(NULL, &p, (long)qlen)) == NULL ||
	    p != point + qlen) {
		r = CA_ERR_HSM;
		goto out;
	}
	r = CA_ERR_CRYPTO;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os)) ||
	    (prm = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(os);
	return r;
}

int
ca_p11_rsa_public(struct ca_hsm *h, CK_OBJECT_HANDLE o, EVP_PKEY **out)
{
	unsigned char *nb = NULL, *eb_ = NULL;
	size_t nlen = 0, elen = 0;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int r;

	if ((r = ca_p11_get_attr(h, o, CKA_MODULUS, &nb, &nlen)) != 0 ||
	    (r = ca_p11_get_attr(h, o, CKA_PUBLIC_EXPONENT, &eb_, &elen)) != 0)
		goto out;
	r = CA_ERR_CRYPTO;
	if ((n = BN_bin2bn(nb, (int)nlen, NULL)) == NULL ||
	    (e = BN_bin2bn(eb_, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (prm = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, out, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		goto out;
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb_);
	return r;
}

int
ca_hsm_public_key(struct ca_hsm *h, const struct ca_keyref *key,
    EVP_PKEY **out)
{
	CK_OBJECT_HANDLE o;
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE t = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	int r;

	*out = NULL;
	if ((r = ca_p11_find_half(h, key, CKO_PUBLIC_KEY, &o)) != 0)
		return r;
	if (h->f->C_GetAttributeValue(h->session, o, &t, 1) != CKR_OK)
		return CA_ERR_HSM;
	if (kt == CKK_EC)
		return ca_p11_ec_public(h, o, out);
	if (kt == CKK_RSA)
		return ca_p11_rsa_public(h, o, out);
	return CA_ERR_ALGORITHM;
}

int
ca_keyref_uri(const struct ca_hsm *h, const struct ca_keyref *key,
    char **out)
{
	struct ca_uri u;

	memset(&u, 0, sizeof(u));
	u.token = (char *)h->info.label;
	u.serial = (char *)h->info.serial;
	u.object = (char *)key->label;
	memcpy(u.id, key->id, key->id_len);
	u.id_len = key->id_len;
	u.has_id = 1;
	u.type = (char *)"private";
	return ca_uri_format(&u, out);
}
