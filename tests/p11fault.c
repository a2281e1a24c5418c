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
 *                    SESSION_HANDLE_INVALID, PIN_INCORRECT or
 *                    FUNCTION_FAILED (default: DEVICE_ERROR), or KILL:
 *                    the process is killed (SIGKILL) at that call, as
 *                    by a power cut, with nothing cleaned up
 *   KC_FAULT_TRACE   a file that gets one line per call: "N name rv"
 *   KC_FAULT_PINPAD  a PIN file: the token then says it has a protected
 *                    authentication path (a PIN pad), and a C_Login with
 *                    no PIN logs in with the file's first line, as a
 *                    custodian typing on the pad would
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST ours;
static unsigned long calls, fail_at;
static CK_RV fail_rv = CKR_DEVICE_ERROR;
static int trace = -1;
static char pad_pin[256];
static int pinpad, i_tokeninfo = -1, i_login = -1, kill_at;

static word_fn
real_fn(int i)
{
	word_fn f;

	memcpy(&f, (char *)&real->C_Initialize + i * sizeof(word_fn),
	    sizeof(f));
	return f;
}

static CK_RV
dispatch(int i, unsigned long a, unsigned long b, unsigned long c,
    unsigned long d, unsigned long e, unsigned long f, unsigned long g,
    unsigned long h)
{
	char line[96];
	unsigned long n = ++calls;
	CK_RV rv;
	int len;

	if (n == fail_at && kill_at)
		(void)kill(getpid(), SIGKILL);
	if (n == fail_at)
		rv = fail_rv;
	else if (pinpad && i == i_login && c == 0)
		rv = real_fn(i)(a, b, (unsigned long)pad_pin, strlen(pad_pin),
		    e, f, g, h);
	else
		rv = real_fn(i)(a, b, c, d, e, f, g, h);
	if (pinpad && i == i_tokeninfo && rv == CKR_OK)
		((CK_TOKEN_INFO *)b)->flags |=
		    CKF_PROTECTED_AUTHENTICATION_PATH;
	if (trace >= 0) {
		len = snprintf(line, sizeof(line), "%lu %s 0x%lx%s\n", n,
		    names[i], rv, n == fail_at ? " injected" : "");
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
	}
	if ((s = getenv("KC_FAULT_TRACE")) != NULL)
		trace = open(s, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
	for (i = 0; i < NFUNCS; i++) {
		if (strcmp(names[i], "C_GetTokenInfo") == 0)
			i_tokeninfo = (int)i;
		if (strcmp(names[i], "C_Login") == 0)
			i_login = (int)i;
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
