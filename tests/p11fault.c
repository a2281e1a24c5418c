/*
 * p11fault.c: a PKCS#11 module for tests that forwards every call to a
 * real module (SoftHSM2) and, when told to, fails one of them: the Nth
 * call made through it returns a chosen CKR instead of reaching the
 * token.  It lets a test walk a command through every call it makes and
 * show that a failing HSM, at any point, leaves a clear error and a CA
 * directory as it was.
 *
 * Environment (read once, at C_GetFunctionList):
 *   KC_FAULT_MODULE  the real module (default: SoftHSM2's)
 *   KC_FAULT_AT      the call to fail, counted from 1 (unset or 0: none)
 *   KC_FAULT_RV      DEVICE_REMOVED, DEVICE_ERROR, GENERAL_ERROR,
 *                    SESSION_HANDLE_INVALID, PIN_INCORRECT,
 *                    FUNCTION_FAILED, SESSION_COUNT, TOKEN_NOT_PRESENT or
 *                    PIN_LOCKED (default: DEVICE_ERROR), or KILL:
 *                    the process is killed (SIGKILL) at that call, as
 *                    by a power cut, with nothing cleaned up, or HANG:
 *                    the call never returns, as a wedged token's (the
 *                    trace marks it "injected" first)
 *   KC_FAULT_TRACE   a file that gets one line per call: "N name rv"
 *   KC_FAULT_PINPAD  a PIN file: the token then says it has a protected
 *                    authentication path (a PIN pad), and a C_Login with
 *                    no PIN logs in with the file's first line, as a
 *                    custodian typing on the pad would
 *   KC_FAULT_MAX_SESSIONS  N: each token allows N sessions open at once,
 *                    as a smartcard (often 1 to 4) or a partition of a
 *                    network HSM does: C_GetTokenInfo says so
 *                    (ulMaxSessionCount, ulMaxRwSessionCount, and the
 *                    counts open), and C_OpenSession past N answers
 *                    CKR_SESSION_COUNT (marked "quirk" in the trace)
 *   KC_FAULT_SESSIONS_SILENT  set: C_GetTokenInfo keeps the real module's
 *                    counts, so that the cap is learnt only from
 *                    CKR_SESSION_COUNT, as from a module that does not say
 *
 * A slower device (tests/bench/issue-bench.sh):
 *   KC_FAULT_SIGN_US N: each signature (C_Sign or C_SignFinal with an
 *                    output buffer) takes at least N microseconds from
 *                    the call to its answer, as a real HSM's does: the
 *                    real module's own time counts towards it
 *   KC_FAULT_SIGN_PARALLEL M: at most M such signatures are under way at
 *                    once, the others waiting their turn, as a USB HSM
 *                    signs one at a time (M 1) and a network HSM a few
 *                    dozen (default: no limit)
 *
 * A token that lies rather than fails (each lie is marked "lied" in the
 * trace, so that a test can show its lie was told):
 *   KC_FAULT_SIGN    "corrupt": a signature C_Sign or C_SignFinal returns
 *                    has one byte changed, as by a faulty token
 *   KC_FAULT_SIGN_AT only the Kth signature (counted from 1 over the
 *                    process, C_Sign and C_SignFinal calls that return
 *                    one); unset or 0:
 *                    every one
 *   KC_FAULT_PUBKEY  "other": a public key read (CKA_EC_POINT of P-256
 *                    or P-384, CKA_MODULUS) is another, valid one: the
 *                    curve's generator, or a modulus one bit different
 *   KC_FAULT_ATTR    "NAME=0" or "NAME=1": every CKA_NAME read, for NAME
 *                    one of EXTRACTABLE, NEVER_EXTRACTABLE, SENSITIVE,
 *                    ALWAYS_SENSITIVE, LOCAL, DECRYPT, SIGN, is reported
 *                    FALSE or TRUE, whatever the key holds
 *
 * A token with the quirks of real modules (marked "quirk" in the trace):
 *   KC_FAULT_REFUSE_PUB  "NAME,...": C_GenerateKeyPair answers
 *                    CKR_ATTRIBUTE_VALUE_INVALID to a public-key template
 *                    that sets any CKA_NAME of them (VERIFY, ENCRYPT,
 *                    WRAP): a conforming module's refusal of attributes
 *                    it sets itself, as a TPM's does CKA_VERIFY and
 *                    CKA_ENCRYPT (tpm2-pkcs11 1.9 itself answers
 *                    CKR_GENERAL_ERROR, which only a quirk-table entry
 *                    can tell from a failing device)
 *   KC_FAULT_UNKNOWN "NAME": the module does not know CKA_NAME (one of
 *                    WRAP_WITH_TRUSTED, DERIVE), as openCryptoki 3.8
 *                    does not know CKA_WRAP_WITH_TRUSTED: a read of it
 *                    comes back CK_UNAVAILABLE_INFORMATION with
 *                    CKR_ATTRIBUTE_TYPE_INVALID (the rest filled in), and
 *                    a template setting it gets CKR_ATTRIBUTE_TYPE_INVALID
 *   KC_FAULT_NO_MECH "NAME,...": the token lacks each CKM_NAME (one of
 *                    SHA256_RSA_PKCS, SHA384_RSA_PKCS, RSA_PKCS, ECDSA,
 *                    ECDSA_SHA256, ECDSA_SHA384, RSA_PKCS_OAEP,
 *                    ECDH1_DERIVE): C_GetMechanismInfo, C_SignInit,
 *                    C_UnwrapKey and C_DeriveKey
 *                    answer CKR_MECHANISM_INVALID, as openCryptoki 3.8's
 *                    soft token does for CKM_SHA256_RSA_PKCS
 *   KC_FAULT_NO_CLEAR_IMPORT  set: C_CreateObject answers
 *                    CKR_ACTION_PROHIBITED to a secret or private key
 *                    given with its CKA_VALUE, as an HSM in FIPS mode
 *                    refuses key material in clear
 *
 * Every entry of the function list but C_GetFunctionList is replaced by
 * a wrapper that takes eight word-sized arguments and forwards them.  No
 * PKCS#11 function takes more than eight, and each takes integers and
 * pointers only, which the x86-64 and AArch64 calling conventions pass
 * in the same registers whatever their C types: a test-only shortcut
 * around writing 67 signatures out, not something to copy.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define NFUNCS 68	/* the entries of a v2.40 function list */
#define GETFL 3		/* C_GetFunctionList's place: not wrapped */

typedef CK_RV (*word_fn)(unsigned long, unsigned long, unsigned long,
    unsigned long, unsigned long, unsigned long, unsigned long,
    unsigned long);

static const char *const names[NFUNCS] = {
	"C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList",
	"C_GetSlotList", "C_GetSlotInfo", "C_GetTokenInfo",
	"C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken",
	"C_InitPIN", "C_SetPIN", "C_OpenSession", "C_CloseSession",
	"C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
	"C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject",
	"C_CopyObject", "C_DestroyObject", "C_GetObjectSize",
	"C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit",
	"C_FindObjects", "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt",
	"C_EncryptUpdate", "C_EncryptFinal", "C_DecryptInit", "C_Decrypt",
	"C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest",
	"C_DigestUpdate", "C_DigestKey", "C_DigestFinal", "C_SignInit",
	"C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
	"C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate",
	"C_VerifyFinal", "C_VerifyRecoverInit", "C_VerifyRecover",
	"C_DigestEncryptUpdate", "C_DecryptDigestUpdate",
	"C_SignEncryptUpdate", "C_DecryptVerifyUpdate", "C_GenerateKey",
	"C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
	"C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus",
	"C_CancelFunction", "C_WaitForSlotEvent",
};

static const struct {
	const char *name;
	CK_RV rv;
} rvs[] = {
	{ "DEVICE_REMOVED", CKR_DEVICE_REMOVED },
	{ "DEVICE_ERROR", CKR_DEVICE_ERROR },
	{ "GENERAL_ERROR", CKR_GENERAL_ERROR },
	{ "SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID },
	{ "PIN_INCORRECT", CKR_PIN_INCORRECT },
	{ "FUNCTION_FAILED", CKR_FUNCTION_FAILED },
	{ "SESSION_COUNT", CKR_SESSION_COUNT },
	{ "TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT },
	{ "PIN_LOCKED", CKR_PIN_LOCKED },
};

static const struct {
	const char *name;
	CK_ATTRIBUTE_TYPE type;
} attrs[] = {
	{ "EXTRACTABLE", CKA_EXTRACTABLE },
	{ "NEVER_EXTRACTABLE", CKA_NEVER_EXTRACTABLE },
	{ "SENSITIVE", CKA_SENSITIVE },
	{ "ALWAYS_SENSITIVE", CKA_ALWAYS_SENSITIVE },
	{ "LOCAL", CKA_LOCAL },
	{ "DECRYPT", CKA_DECRYPT },
	{ "SIGN", CKA_SIGN },
};

/* The generators of P-256 and P-384 (SEC 2), uncompressed. */
static const unsigned char g256[65] = { 0x04,
	0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
	0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
	0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
	0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};
static const unsigned char g384[97] = { 0x04,
	0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7,
	0x1e, 0xf3, 0x20, 0xad, 0x74, 0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7,
	0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a, 0x38, 0x55,
	0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38,
	0x72, 0x76, 0x0a, 0xb7,
	0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98,
	0xbf, 0x92, 0x92, 0xdc, 0x29, 0xf8, 0xf4, 0x1d, 0xbd, 0x28, 0x9a,
	0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0, 0x0a,
	0x60, 0xb1, 0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c,
	0x90, 0xea, 0x0e, 0x5f,
};

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST ours;
static unsigned long calls, fail_at, signs, sign_at;
static CK_RV fail_rv = CKR_DEVICE_ERROR;
static int trace = -1;
static char pad_pin[256];
static int pinpad, i_tokeninfo = -1, i_login = -1, i_sign = -1,
    i_signfinal = -1, i_signinit = -1, i_mechinfo = -1,
    i_getattr = -1, i_genkp = -1, kill_at, hang_at, corrupt, other_pub,
    lie_attr = -1, lie_val;
static CK_ATTRIBUTE_TYPE refuse_pub[3], unknown_attr = (CK_ATTRIBUTE_TYPE)-1;
static size_t nrefuse;
static CK_MECHANISM_TYPE no_mech[8];
static int no_clear_import, i_createobj = -1, i_unwrap = -1, i_derive = -1;
static int i_opensession = -1, i_closesession = -1, i_closeall = -1,
    i_finalize = -1;

/* KC_FAULT_SIGN_US and KC_FAULT_SIGN_PARALLEL: the device's pace. */
static unsigned long sign_us, sign_parallel, signing;
static pthread_mutex_t pace_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pace_cond = PTHREAD_COND_INITIALIZER;

/*
 * The sessions open through this module, by slot, for
 * KC_FAULT_MAX_SESSIONS.  Sessions are opened and closed by one thread
 * at a time in the toolkit, but signing threads may close theirs
 * together, so the table is behind a lock.
 */
#define MAX_OPEN 1024
static unsigned long max_sessions;
static int sessions_silent;
static struct {
	CK_SESSION_HANDLE h;
	CK_SLOT_ID slot;
	int used;
} open_s[MAX_OPEN];
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long
open_count(CK_SLOT_ID slot)
{
	unsigned long n = 0;
	size_t k;

	for (k = 0; k < MAX_OPEN; k++)
		if (open_s[k].used && open_s[k].slot == slot)
			n++;
	return n;
}

/* What call i changed in the sessions open, once it has succeeded. */
static void
sessions_after(int i, unsigned long a, unsigned long e)
{
	size_t k;

	if (i == i_opensession) {
		for (k = 0; k < MAX_OPEN; k++)
			if (!open_s[k].used) {
				open_s[k].used = 1;
				open_s[k].slot = a;
				open_s[k].h = *(CK_SESSION_HANDLE *)e;
				return;
			}
	}
	for (k = 0; k < MAX_OPEN; k++)
		if (open_s[k].used && (i == i_finalize ||
		    (i == i_closesession && open_s[k].h == a) ||
		    (i == i_closeall && open_s[k].slot == a)))
			open_s[k].used = 0;
}
static size_t nno_mech;

static const struct {
	const char *name;
	CK_MECHANISM_TYPE type;
} quirk_mechs[] = {
	{ "SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS },
	{ "SHA384_RSA_PKCS", CKM_SHA384_RSA_PKCS },
	{ "RSA_PKCS", CKM_RSA_PKCS },
	{ "ECDSA", CKM_ECDSA },
	{ "ECDSA_SHA256", CKM_ECDSA_SHA256 },
	{ "ECDSA_SHA384", CKM_ECDSA_SHA384 },
	{ "RSA_PKCS_OAEP", CKM_RSA_PKCS_OAEP },
	{ "ECDH1_DERIVE", CKM_ECDH1_DERIVE },
};

static int
lacks_mech(CK_MECHANISM_TYPE m)
{
	size_t k;

	for (k = 0; k < nno_mech; k++)
		if (no_mech[k] == m)
			return 1;
	return 0;
}

static const struct {
	const char *name;
	CK_ATTRIBUTE_TYPE type;
} quirk_attrs[] = {
	{ "VERIFY", CKA_VERIFY },
	{ "ENCRYPT", CKA_ENCRYPT },
	{ "WRAP", CKA_WRAP },
	{ "WRAP_WITH_TRUSTED", CKA_WRAP_WITH_TRUSTED },
	{ "DERIVE", CKA_DERIVE },
};

static int
quirk_attr(const char *name, size_t len, CK_ATTRIBUTE_TYPE *type)
{
	size_t i;

	for (i = 0; i < sizeof(quirk_attrs) / sizeof(quirk_attrs[0]); i++)
		if (strlen(quirk_attrs[i].name) == len &&
		    strncmp(name, quirk_attrs[i].name, len) == 0) {
			*type = quirk_attrs[i].type;
			return 0;
		}
	return -1;
}

static int
has_attr(const CK_ATTRIBUTE *t, unsigned long n, CK_ATTRIBUTE_TYPE type)
{
	unsigned long k;

	for (k = 0; t != NULL && k < n; k++)
		if (t[k].type == type)
			return 1;
	return 0;
}

static int
has_class(const CK_ATTRIBUTE *t, unsigned long n, CK_OBJECT_CLASS cls)
{
	unsigned long k;

	for (k = 0; t != NULL && k < n; k++)
		if (t[k].type == CKA_CLASS && t[k].pValue != NULL &&
		    t[k].ulValueLen == sizeof(cls) &&
		    memcmp(t[k].pValue, &cls, sizeof(cls)) == 0)
			return 1;
	return 0;
}

/*
 * A module's own refusal of call i, before the token sees it, or CKR_OK.
 * C_GenerateKeyPair(session, mech, pub, npub, priv, npriv, ...).
 */
static CK_RV
quirk_before(int i, unsigned long b, unsigned long c, unsigned long d,
    unsigned long e, unsigned long f)
{
	size_t k;

	/* C_GetMechanismInfo(slot, type, info), C_SignInit(s, mech, key). */
	if (i == i_mechinfo && lacks_mech((CK_MECHANISM_TYPE)b))
		return CKR_MECHANISM_INVALID;
	if ((i == i_signinit || i == i_unwrap || i == i_derive) && b != 0 &&
	    lacks_mech(((CK_MECHANISM *)b)->mechanism))
		return CKR_MECHANISM_INVALID;
	/* C_CreateObject(session, template, n, object). */
	if (i == i_createobj && no_clear_import &&
	    has_attr((CK_ATTRIBUTE *)b, c, CKA_VALUE) &&
	    (has_class((CK_ATTRIBUTE *)b, c, CKO_SECRET_KEY) ||
	    has_class((CK_ATTRIBUTE *)b, c, CKO_PRIVATE_KEY)))
		return CKR_ACTION_PROHIBITED;
	if (i != i_genkp)
		return CKR_OK;
	for (k = 0; k < nrefuse; k++)
		if (has_attr((CK_ATTRIBUTE *)c, d, refuse_pub[k]))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	if (has_attr((CK_ATTRIBUTE *)c, d, unknown_attr) ||
	    has_attr((CK_ATTRIBUTE *)e, f, unknown_attr))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	return CKR_OK;
}

/* C_GetAttributeValue(session, object, template, n): the unknown one. */
static int
quirk_after(int i, unsigned long c, unsigned long d, CK_RV *rv)
{
	CK_ATTRIBUTE *t = (CK_ATTRIBUTE *)c;
	unsigned long k;
	int hit = 0;

	if (i != i_getattr || unknown_attr == (CK_ATTRIBUTE_TYPE)-1 ||
	    (*rv != CKR_OK && *rv != CKR_ATTRIBUTE_TYPE_INVALID))
		return 0;
	for (k = 0; k < d; k++)
		if (t[k].type == unknown_attr) {
			t[k].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			hit = 1;
		}
	if (hit)
		*rv = CKR_ATTRIBUTE_TYPE_INVALID;
	return hit;
}

static word_fn
real_fn(int i)
{
	word_fn f;

	memcpy(&f, (char *)&real->C_Initialize + i * sizeof(word_fn),
	    sizeof(f));
	return f;
}

/*
 * A public key value v of *len bytes, as CKA_EC_POINT (a DER OCTET
 * STRING, or the bare point some modules give) or CKA_MODULUS, replaced
 * in place by another valid one.  1 if it was.
 */
static int
lie_pub(CK_ATTRIBUTE_TYPE type, unsigned char *v, CK_ULONG len)
{
	const unsigned char *gen = NULL;
	size_t off = 0;

	if (type == CKA_MODULUS && len >= 64) {
		v[len / 2] ^= 0x02;	/* still odd, still as long */
		return 1;
	}
	if (type != CKA_EC_POINT)
		return 0;
	if (len == 67 && v[0] == 0x04 && v[1] == 65)
		off = 2;
	else if (len == 99 && v[0] == 0x04 && v[1] == 97)
		off = 2;
	if (len - off == sizeof(g256))
		gen = g256;
	else if (len - off == sizeof(g384))
		gen = g384;
	if (gen == NULL || v[off] != 0x04)
		return 0;
	memcpy(v + off, gen, len - off);
	return 1;
}

/* Tell what the environment asked, about a call that went through. */
static int
lie(int i, unsigned long b, unsigned long c, unsigned long d,
    unsigned long e)
{
	CK_ATTRIBUTE *t;
	unsigned long k;
	int lied = 0;

	/* C_SignFinal(session, sig, siglen): as C_Sign's d and e. */
	if (i == i_signfinal) {
		e = c;
		d = b;
	}
	if ((i == i_sign || i == i_signfinal) && corrupt && d != 0 &&
	    e != 0) {
		k = __atomic_add_fetch(&signs, 1, __ATOMIC_SEQ_CST);
		if (sign_at == 0 || k == sign_at) {
			CK_ULONG n = *(CK_ULONG *)e;

			if (n > 0)
				((unsigned char *)d)[n / 2] ^= 0x55;
			lied = n > 0;
		}
	}
	if (i != i_getattr || (!other_pub && lie_attr < 0))
		return lied;
	t = (CK_ATTRIBUTE *)c;
	for (k = 0; k < d; k++) {
		if (t[k].pValue == NULL ||
		    t[k].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			continue;
		if (other_pub && lie_pub(t[k].type, t[k].pValue,
		    t[k].ulValueLen))
			lied = 1;
		if (lie_attr >= 0 && t[k].type == attrs[lie_attr].type &&
		    t[k].ulValueLen == 1) {
			*(CK_BBOOL *)t[k].pValue = lie_val ? CK_TRUE : CK_FALSE;
			lied = 1;
		}
	}
	return lied;
}

/*
 * A call that fails ends the operation it belongs to (PKCS#11 2.40 5.8 to
 * 5.12: "a call to C_Sign always terminates the active signing operation
 * unless it returns CKR_BUFFER_TOO_SMALL"), so an injected failure must
 * end it too: the real call is made, into a buffer of our own, and its
 * answer dropped.  Otherwise the token would be left with an operation
 * active in that session, as no real token is, and the command's clean-up
 * would meet CKR_OPERATION_ACTIVE.
 */
static void
end_operation(int i, unsigned long a, unsigned long b, unsigned long c,
    unsigned long d, unsigned long e, unsigned long f, unsigned long g,
    unsigned long h)
{
	static const char *const outs4[] = { "C_Sign", "C_Encrypt",
	    "C_Decrypt", "C_Digest" };
	static const char *const outs2[] = { "C_SignFinal", "C_DigestFinal",
	    "C_EncryptFinal", "C_DecryptFinal" };
	static const char *const plain[] = { "C_Verify", "C_VerifyFinal",
	    "C_SignUpdate", "C_VerifyUpdate", "C_DigestUpdate" };
	unsigned char buf[8192];
	CK_ULONG len = sizeof(buf);
	size_t k;

	for (k = 0; k < sizeof(outs4) / sizeof(outs4[0]); k++)
		if (strcmp(names[i], outs4[k]) == 0) {
			(void)real_fn(i)(a, b, c, (unsigned long)buf,
			    (unsigned long)&len, f, g, h);
			return;
		}
	for (k = 0; k < sizeof(outs2) / sizeof(outs2[0]); k++)
		if (strcmp(names[i], outs2[k]) == 0) {
			(void)real_fn(i)(a, (unsigned long)buf,
			    (unsigned long)&len, d, e, f, g, h);
			return;
		}
	for (k = 0; k < sizeof(plain) / sizeof(plain[0]); k++)
		if (strcmp(names[i], plain[k]) == 0) {
			(void)real_fn(i)(a, b, c, d, e, f, g, h);
			return;
		}
}

/*
 * A signature at the modelled device's pace: wait for one of its
 * sign_parallel engines, sign, and answer no sooner than sign_us after
 * the engine was taken.  A length query (no output buffer) is answered
 * at once, as a real token answers it from the key's size.
 */
static CK_RV
paced(int i, unsigned long a, unsigned long b, unsigned long c,
    unsigned long d, unsigned long e, unsigned long f, unsigned long g,
    unsigned long h)
{
	struct timespec until;
	CK_RV rv;

	pthread_mutex_lock(&pace_lock);
	while (sign_parallel > 0 && signing >= sign_parallel)
		pthread_cond_wait(&pace_cond, &pace_lock);
	signing++;
	pthread_mutex_unlock(&pace_lock);
	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(sign_us / 1000000);
	until.tv_nsec += (long)(sign_us % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	rv = real_fn(i)(a, b, c, d, e, f, g, h);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) != 0)
		;
	pthread_mutex_lock(&pace_lock);
	signing--;
	pthread_cond_signal(&pace_cond);
	pthread_mutex_unlock(&pace_lock);
	return rv;
}

static CK_RV
dispatch(int i, unsigned long a, unsigned long b, unsigned long c,
    unsigned long d, unsigned long e, unsigned long f, unsigned long g,
    unsigned long h)
{
	char line[112];
	unsigned long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
	CK_RV rv;
	int len, lied = 0, quirk = 0;

	if (n == fail_at && kill_at)
		(void)kill(getpid(), SIGKILL);
	if (n == fail_at && hang_at) {
		len = snprintf(line, sizeof(line), "%lu %s hang injected\n", n,
		    names[i]);
		if (trace >= 0 && len > 0)
			(void)!write(trace, line, (size_t)len);
		for (;;)
			(void)pause();
	}
	if (max_sessions > 0 && (i == i_opensession ||
	    i == i_closesession || i == i_closeall || i == i_tokeninfo ||
	    i == i_finalize))
		pthread_mutex_lock(&open_lock);
	if (n == fail_at) {
		end_operation(i, a, b, c, d, e, f, g, h);
		rv = fail_rv;
	} else if (max_sessions > 0 && i == i_opensession &&
	    open_count(a) >= max_sessions) {
		rv = CKR_SESSION_COUNT;
		quirk = 1;
	} else if ((rv = quirk_before(i, b, c, d, e, f)) != CKR_OK) {
		quirk = 1;
	} else if (pinpad && i == i_login && c == 0)
		rv = real_fn(i)(a, b, (unsigned long)pad_pin, strlen(pad_pin),
		    e, f, g, h);
	else if ((sign_us > 0 || sign_parallel > 0) && ((i == i_sign &&
	    d != 0) || (i == i_signfinal && b != 0)))
		rv = paced(i, a, b, c, d, e, f, g, h);
	else
		rv = real_fn(i)(a, b, c, d, e, f, g, h);
	if (pinpad && i == i_tokeninfo && rv == CKR_OK)
		((CK_TOKEN_INFO *)b)->flags |=
		    CKF_PROTECTED_AUTHENTICATION_PATH;
	if (max_sessions > 0 && !sessions_silent && i == i_tokeninfo &&
	    rv == CKR_OK) {
		CK_TOKEN_INFO *ti = (CK_TOKEN_INFO *)b;

		ti->ulMaxSessionCount = ti->ulMaxRwSessionCount =
		    max_sessions;
		ti->ulSessionCount = open_count(a);
		ti->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
	}
	if (max_sessions > 0 && rv == CKR_OK && n != fail_at)
		sessions_after(i, a, e);
	if (max_sessions > 0 && (i == i_opensession ||
	    i == i_closesession || i == i_closeall || i == i_tokeninfo ||
	    i == i_finalize))
		pthread_mutex_unlock(&open_lock);
	/* C_Sign(session, data, len, sig, siglen): sig is d, siglen e. */
	if (n != fail_at && (rv == CKR_OK ||
	    (i == i_getattr && rv == CKR_ATTRIBUTE_TYPE_INVALID)))
		lied = lie(i, b, c, d, e);
	if (n != fail_at && !quirk)
		quirk = quirk_after(i, c, d, &rv);
	if (trace >= 0) {
		len = snprintf(line, sizeof(line), "%lu %s 0x%lx%s%s%s\n", n,
		    names[i], rv, n == fail_at ? " injected" : "",
		    lied ? " lied" : "", quirk ? " quirk" : "");
		if (len > 0)
			(void)!write(trace, line, (size_t)len);
	}
	return rv;
}

#define WRAP(i)								\
static CK_RV								\
w##i(unsigned long a, unsigned long b, unsigned long c, unsigned long d, \
    unsigned long e, unsigned long f, unsigned long g, unsigned long h)	\
{									\
	return dispatch(i, a, b, c, d, e, f, g, h);			\
}
WRAP(0) WRAP(1) WRAP(2) WRAP(3) WRAP(4) WRAP(5) WRAP(6) WRAP(7) WRAP(8)
WRAP(9) WRAP(10) WRAP(11) WRAP(12) WRAP(13) WRAP(14) WRAP(15) WRAP(16)
WRAP(17) WRAP(18) WRAP(19) WRAP(20) WRAP(21) WRAP(22) WRAP(23) WRAP(24)
WRAP(25) WRAP(26) WRAP(27) WRAP(28) WRAP(29) WRAP(30) WRAP(31) WRAP(32)
WRAP(33) WRAP(34) WRAP(35) WRAP(36) WRAP(37) WRAP(38) WRAP(39) WRAP(40)
WRAP(41) WRAP(42) WRAP(43) WRAP(44) WRAP(45) WRAP(46) WRAP(47) WRAP(48)
WRAP(49) WRAP(50) WRAP(51) WRAP(52) WRAP(53) WRAP(54) WRAP(55) WRAP(56)
WRAP(57) WRAP(58) WRAP(59) WRAP(60) WRAP(61) WRAP(62) WRAP(63) WRAP(64)
WRAP(65) WRAP(66) WRAP(67)

static const word_fn wrappers[NFUNCS] = {
	w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14,
	w15, w16, w17, w18, w19, w20, w21, w22, w23, w24, w25, w26, w27,
	w28, w29, w30, w31, w32, w33, w34, w35, w36, w37, w38, w39, w40,
	w41, w42, w43, w44, w45, w46, w47, w48, w49, w50, w51, w52, w53,
	w54, w55, w56, w57, w58, w59, w60, w61, w62, w63, w64, w65, w66,
	w67,
};

static int
setup(void)
{
	const char *mod = getenv("KC_FAULT_MODULE"), *s;
	CK_C_GetFunctionList getfl;
	void *dl;
	size_t i;

	if (mod == NULL)
		mod = "/usr/lib/softhsm/libsofthsm2.so";
	if ((dl = dlopen(mod, RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (getfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) ==
	    NULL || getfl(&real) != CKR_OK)
		return -1;
	if ((s = getenv("KC_FAULT_AT")) != NULL)
		fail_at = strtoul(s, NULL, 10);
	if ((s = getenv("KC_FAULT_RV")) != NULL) {
		for (i = 0; i < sizeof(rvs) / sizeof(rvs[0]); i++)
			if (strcmp(s, rvs[i].name) == 0)
				fail_rv = rvs[i].rv;
		kill_at = strcmp(s, "KILL") == 0;
		hang_at = strcmp(s, "HANG") == 0;
	}
	if ((s = getenv("KC_FAULT_SIGN_US")) != NULL)
		sign_us = strtoul(s, NULL, 10);
	if ((s = getenv("KC_FAULT_SIGN_PARALLEL")) != NULL)
		sign_parallel = strtoul(s, NULL, 10);
	if ((s = getenv("KC_FAULT_TRACE")) != NULL)
		trace = open(s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
	for (i = 0; i < NFUNCS; i++) {
		if (strcmp(names[i], "C_GetTokenInfo") == 0)
			i_tokeninfo = (int)i;
		if (strcmp(names[i], "C_Login") == 0)
			i_login = (int)i;
		if (strcmp(names[i], "C_Sign") == 0)
			i_sign = (int)i;
		if (strcmp(names[i], "C_SignFinal") == 0)
			i_signfinal = (int)i;
		if (strcmp(names[i], "C_SignInit") == 0)
			i_signinit = (int)i;
		if (strcmp(names[i], "C_GetMechanismInfo") == 0)
			i_mechinfo = (int)i;
		if (strcmp(names[i], "C_OpenSession") == 0)
			i_opensession = (int)i;
		if (strcmp(names[i], "C_CloseSession") == 0)
			i_closesession = (int)i;
		if (strcmp(names[i], "C_CloseAllSessions") == 0)
			i_closeall = (int)i;
		if (strcmp(names[i], "C_Finalize") == 0)
			i_finalize = (int)i;
		if (strcmp(names[i], "C_GetAttributeValue") == 0)
			i_getattr = (int)i;
		if (strcmp(names[i], "C_GenerateKeyPair") == 0)
			i_genkp = (int)i;
		if (strcmp(names[i], "C_CreateObject") == 0)
			i_createobj = (int)i;
		if (strcmp(names[i], "C_UnwrapKey") == 0)
			i_unwrap = (int)i;
		if (strcmp(names[i], "C_DeriveKey") == 0)
			i_derive = (int)i;
	}
	if ((s = getenv("KC_FAULT_REFUSE_PUB")) != NULL) {
		while (*s != '\0') {
			size_t len = strcspn(s, ",");

			if (nrefuse == sizeof(refuse_pub) /
			    sizeof(refuse_pub[0]) ||
			    quirk_attr(s, len, &refuse_pub[nrefuse++]) != 0)
				return -1;
			s += len + (s[len] == ',');
		}
	}
	if ((s = getenv("KC_FAULT_MAX_SESSIONS")) != NULL &&
	    (max_sessions = strtoul(s, NULL, 10)) == 0)
		return -1;
	sessions_silent = getenv("KC_FAULT_SESSIONS_SILENT") != NULL;
	no_clear_import = getenv("KC_FAULT_NO_CLEAR_IMPORT") != NULL;
	if ((s = getenv("KC_FAULT_NO_MECH")) != NULL) {
		while (*s != '\0') {
			size_t len = strcspn(s, ","), k;

			for (k = 0; k < sizeof(quirk_mechs) /
			    sizeof(quirk_mechs[0]); k++)
				if (strlen(quirk_mechs[k].name) == len &&
				    strncmp(s, quirk_mechs[k].name, len) == 0)
					break;
			if (k == sizeof(quirk_mechs) / sizeof(quirk_mechs[0]) ||
			    nno_mech == sizeof(no_mech) / sizeof(no_mech[0]))
				return -1;
			no_mech[nno_mech++] = quirk_mechs[k].type;
			s += len + (s[len] == ',');
		}
	}
	if ((s = getenv("KC_FAULT_UNKNOWN")) != NULL &&
	    quirk_attr(s, strlen(s), &unknown_attr) != 0)
		return -1;
	if ((s = getenv("KC_FAULT_SIGN")) != NULL) {
		if (strcmp(s, "corrupt") != 0)
			return -1;
		corrupt = 1;
	}
	if ((s = getenv("KC_FAULT_SIGN_AT")) != NULL)
		sign_at = strtoul(s, NULL, 10);
	if ((s = getenv("KC_FAULT_PUBKEY")) != NULL) {
		if (strcmp(s, "other") != 0)
			return -1;
		other_pub = 1;
	}
	if ((s = getenv("KC_FAULT_ATTR")) != NULL) {
		const char *eq = strchr(s, '=');

		for (i = 0; eq != NULL && i < sizeof(attrs) / sizeof(attrs[0]);
		    i++)
			if (strlen(attrs[i].name) == (size_t)(eq - s) &&
			    strncmp(s, attrs[i].name, (size_t)(eq - s)) == 0)
				lie_attr = (int)i;
		if (lie_attr < 0 || (strcmp(eq, "=0") != 0 &&
		    strcmp(eq, "=1") != 0))
			return -1;
		lie_val = eq[1] == '1';
	}
	if ((s = getenv("KC_FAULT_PINPAD")) != NULL) {
		FILE *f = fopen(s, "r");

		if (f == NULL || fgets(pad_pin, sizeof(pad_pin), f) == NULL) {
			if (f != NULL)
				fclose(f);
			return -1;
		}
		fclose(f);
		pad_pin[strcspn(pad_pin, "\n")] = '\0';
		pinpad = 1;
	}
	ours = *real;
	for (i = 0; i < NFUNCS; i++)
		if (i != GETFL)
			memcpy((char *)&ours.C_Initialize + i *
			    sizeof(word_fn), &wrappers[i], sizeof(word_fn));
	ours.C_GetFunctionList = C_GetFunctionList;
	return 0;
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	if (real == NULL && setup() != 0)
		return CKR_GENERAL_ERROR;
	*list = &ours;
	return CKR_OK;
}
