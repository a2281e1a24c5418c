/*
 * p11quirk MODULE TOKEN-LABEL PINFILE CASE: ask the token for what a row
 * of the quirk table (lib/quirks.c) keeps the toolkit from asking, and
 * print the CKR name it answers, or CKR_OK.
 *
 *   pub-usage        an EC P-256 signing pair whose public template sets
 *                    CKA_VERIFY TRUE, CKA_ENCRYPT and CKA_WRAP FALSE
 *   no-extractable   the same pair, its public template bare, its private
 *                    key sensitive and extractable
 *
 * Written against the PKCS#11 function list alone, not lib/, so that
 * a test shows the module's own answer, which the quirk row must name.
 * Token objects, as the toolkit makes: a pair made after all is
 * destroyed again.  Exits 0 when it
 * printed an answer, 2 on a usage error, 1 when it could not ask.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static const struct {
	CK_RV rv;
	const char *name;
} ckrs[] = {
	{ CKR_OK, "CKR_OK" },
	{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
	{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
	{ CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY" },
	{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
	{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
	{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
	{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
	{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
};

static const unsigned char p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07 };

int
main(int argc, char **argv)
{
	CK_FUNCTION_LIST_PTR f;
	CK_C_GetFunctionList getfl;
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i, np = 0, nv = 0;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pt[8], vt[8];
	char label[33], pin[256];
	const char *lbl = "p11quirk";
	CK_RV rv;
	void *dl;
	FILE *pf;
	int pubusage, found = 0;
	size_t k;

	if (argc != 5 || (strcmp(argv[4], "pub-usage") != 0 &&
	    strcmp(argv[4], "no-extractable") != 0)) {
		fprintf(stderr, "usage: p11quirk MODULE TOKEN-LABEL PINFILE "
		    "pub-usage|no-extractable\n");
		return 2;
	}
	pubusage = strcmp(argv[4], "pub-usage") == 0;
	if ((pf = fopen(argv[3], "r")) == NULL ||
	    fgets(pin, sizeof(pin), pf) == NULL)
		return 1;
	fclose(pf);
	pin[strcspn(pin, "\n")] = '\0';
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (getfl = (CK_C_GetFunctionList)dlsym(dl,
	    "C_GetFunctionList")) == NULL || getfl(&f) != CKR_OK ||
	    f->C_Initialize(NULL) != CKR_OK ||
	    f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return 1;
	for (i = 0; i < n && !found; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		for (k = 32; k > 0 && label[k - 1] == ' '; k--)
			;
		label[k] = '\0';
		if (strcmp(label, argv[2]) == 0)
			found = 1;
	}
	if (!found || f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)) !=
	    CKR_OK)
		return 1;
#define ADD(t, c, a, p, l) do {						\
	t[c].type = (a); t[c].pValue = (void *)(p);			\
	t[c].ulValueLen = (l); c++;					\
} while (0)
	ADD(pt, np, CKA_TOKEN, &yes, 1);
	ADD(pt, np, CKA_EC_PARAMS, p256, sizeof(p256));
	ADD(pt, np, CKA_LABEL, lbl, strlen(lbl));
	if (pubusage) {
		ADD(pt, np, CKA_VERIFY, &yes, 1);
		ADD(pt, np, CKA_ENCRYPT, &no, 1);
		ADD(pt, np, CKA_WRAP, &no, 1);
	}
	ADD(vt, nv, CKA_TOKEN, &yes, 1);
	ADD(vt, nv, CKA_PRIVATE, &yes, 1);
	ADD(vt, nv, CKA_SENSITIVE, &yes, 1);
	ADD(vt, nv, CKA_EXTRACTABLE, pubusage ? &no : &yes, 1);
	ADD(vt, nv, CKA_SIGN, &yes, 1);
	ADD(vt, nv, CKA_LABEL, lbl, strlen(lbl));
#undef ADD
	rv = f->C_GenerateKeyPair(s, &mech, pt, np, vt, nv, &pub, &priv);
	if (rv == CKR_OK) {
		(void)f->C_DestroyObject(s, priv);
		(void)f->C_DestroyObject(s, pub);
	}
	(void)f->C_Logout(s);
	(void)f->C_CloseSession(s);
	(void)f->C_Finalize(NULL);
	for (k = 0; k < sizeof(ckrs) / sizeof(ckrs[0]); k++)
		if (ckrs[k].rv == rv) {
			printf("%s\n", ckrs[k].name);
			return 0;
		}
	printf("0x%08lx\n", (unsigned long)rv);
	return 0;
}
