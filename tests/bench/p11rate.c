/*
 * p11rate MODULE TOKEN-LABEL PINFILE KEY-LABEL SESSIONS COUNT: the token's
 * raw signing rate for one private key.  Each of SESSIONS threads opens its
 * own session and signs COUNT/SESSIONS digests with C_SignInit and C_Sign,
 * through the module's own function list and nothing else, as fast as the
 * token allows.  Prints "SIGNS SECONDS" on one line.
 *
 * The yardstick of the batch-issuance benchmark (issue-bench.sh): no
 * certificate building, no checking, no files, only the token.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE key;
static CK_MECHANISM mech;
static long per_thread;
static int failed;

static void *
worker(void *arg)
{
	CK_SESSION_HANDLE s;
	unsigned char digest[48], sig[1024];
	CK_ULONG siglen;
	CK_ULONG dlen = mech.mechanism == CKM_ECDSA ? 32 : sizeof(digest);
	long i;

	(void)arg;
	memset(digest, 0x5a, sizeof(digest));
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK) {
		failed = 1;
		return NULL;
	}
	for (i = 0; i < per_thread; i++) {
		digest[0] = (unsigned char)i;
		siglen = sizeof(sig);
		if (f->C_SignInit(s, &mech, key) != CKR_OK ||
		    f->C_Sign(s, digest, dlen, sig, &siglen) != CKR_OK) {
			failed = 1;
			break;
		}
	}
	f->C_CloseSession(s);
	return NULL;
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList getfl;
	CK_C_INITIALIZE_ARGS ia;
	CK_SLOT_ID slots[64];
	CK_ULONG nslots = 64, i, n;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE tmpl[2], kta = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	char pin[256], label[33];
	struct timespec t0, t1;
	pthread_t th[64];
	void *dl;
	FILE *fp;
	int nth, found = 0;

	if (argc != 7 || (nth = atoi(argv[5])) < 1 || nth > 64) {
		fprintf(stderr, "usage: p11rate MODULE TOKEN PINFILE KEY "
		    "SESSIONS COUNT\n");
		return 2;
	}
	per_thread = atol(argv[6]) / nth;
	if ((fp = fopen(argv[3], "r")) == NULL ||
	    fgets(pin, sizeof(pin), fp) == NULL) {
		fprintf(stderr, "p11rate: cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(fp);
	pin[strcspn(pin, "\r\n")] = '\0';
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (getfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) ==
	    NULL || getfl(&f) != CKR_OK) {
		fprintf(stderr, "p11rate: cannot load %s\n", argv[1]);
		return 2;
	}
	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	if (f->C_Initialize(&ia) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
		return 2;
	for (i = 0; i < nslots && !found; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		label[32] = '\0';
		for (n = 32; n > 0 && label[n - 1] == ' '; n--)
			label[n - 1] = '\0';
		if (strcmp(label, argv[2]) == 0) {
			slot = slots[i];
			found = 1;
		}
	}
	if (!found) {
		fprintf(stderr, "p11rate: no token %s\n", argv[2]);
		return 2;
	}
	/* The login session stays open, so that the others share it. */
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK || f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin,
	    strlen(pin)) != CKR_OK) {
		fprintf(stderr, "p11rate: cannot log in\n");
		return 2;
	}
	memset(pin, 0, sizeof(pin));
	tmpl[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	tmpl[1] = (CK_ATTRIBUTE){ CKA_LABEL, argv[4], strlen(argv[4]) };
	if (f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK ||
	    f->C_FindObjects(s, &key, 1, &n) != CKR_OK || n != 1 ||
	    f->C_FindObjectsFinal(s) != CKR_OK ||
	    f->C_GetAttributeValue(s, key, &kta, 1) != CKR_OK) {
		fprintf(stderr, "p11rate: no private key %s\n", argv[4]);
		return 2;
	}
	/* As the CA signs: ECDSA over a digest, RSA PKCS#1 v1.5 SHA-256. */
	mech.mechanism = kt == CKK_EC ? CKM_ECDSA : CKM_SHA256_RSA_PKCS;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < (CK_ULONG)nth; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 2;
	for (i = 0; i < (CK_ULONG)nth; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	if (failed) {
		fprintf(stderr, "p11rate: a signature failed\n");
		return 1;
	}
	printf("%ld %.6f\n", per_thread * nth, (double)(t1.tv_sec -
	    t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
