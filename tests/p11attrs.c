/*
 * p11attrs MODULE TOKEN-LABEL PINFILE: print every object on the token as
 * a JSON array with its class, label, id and boolean attributes.
 *
 * A test tool, written against the PKCS#11 function list alone, so that
 * the integration tests check the token through a second, independent
 * reading rather than through the library under test.
 *
 * Exits 0 when it printed the objects, 3 when the token refused the PIN
 * (CKR_PIN_INCORRECT), 2 on a usage error and 1 on any other failure,
 * so that a test can tell "the PIN is wrong" from "the token is gone".
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static void
jstr(const unsigned char *s, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			printf("\\u%04x", s[i]);
		else
			putchar(s[i]);
	}
	putchar('"');
}

int
main(int argc, char **argv)
{
	static const struct { CK_ATTRIBUTE_TYPE t; const char *n; } bools[] = {
		{ CKA_TOKEN, "token" }, { CKA_PRIVATE, "private" },
		{ CKA_SENSITIVE, "sensitive" },
		{ CKA_ALWAYS_SENSITIVE, "always_sensitive" },
		{ CKA_EXTRACTABLE, "extractable" },
		{ CKA_NEVER_EXTRACTABLE, "never_extractable" },
		{ CKA_LOCAL, "local" }, { CKA_SIGN, "sign" },
		{ CKA_DECRYPT, "decrypt" }, { CKA_UNWRAP, "unwrap" },
		{ CKA_DERIVE, "derive" },
	};
	CK_FUNCTION_LIST_PTR f;
	CK_C_GetFunctionList gfl;
	CK_SLOT_ID slots[64];
	CK_ULONG ns = 64, i, j, n;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE objs[256];
	char pin[256];
	FILE *pf;
	void *dl;
	CK_RV rv;
	int found = 0, first = 1;

	if (argc != 4)
		return 2;
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL ||
	    (gfl = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) ==
	    NULL || gfl(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK)
		return 1;
	if ((pf = fopen(argv[3], "r")) == NULL ||
	    fgets(pin, sizeof(pin), pf) == NULL)
		return 1;
	fclose(pf);
	pin[strcspn(pin, "\n")] = '\0';
	if (f->C_GetSlotList(CK_TRUE, slots, &ns) != CKR_OK)
		return 1;
	for (i = 0; i < ns; i++) {
		char label[33];

		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(label, ti.label, 32);
		label[32] = '\0';
		for (j = 32; j > 0 && label[j - 1] == ' '; j--)
			label[j - 1] = '\0';
		if (strcmp(label, argv[2]) == 0) {
			found = 1;
			break;
		}
	}
	if (!found || f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL,
	    NULL, &s) != CKR_OK)
		return 1;
	rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv == CKR_PIN_INCORRECT)
		return 3;
	if (rv != CKR_OK)
		return 1;
	if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK ||
	    f->C_FindObjects(s, objs, 256, &n) != CKR_OK)
		return 1;
	f->C_FindObjectsFinal(s);
	printf("[");
	for (i = 0; i < n; i++) {
		CK_OBJECT_CLASS cls = 0;
		unsigned char lbl[256], id[256];
		CK_ATTRIBUTE a[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_LABEL, lbl, sizeof(lbl) },
			{ CKA_ID, id, sizeof(id) },
		};

		/* A data object has no CKA_ID: it comes back unavailable. */
		rv = f->C_GetAttributeValue(s, objs[i], a, 3);
		if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID)
			return 1;
		for (j = 1; j < 3; j++)
			if (a[j].ulValueLen == CK_UNAVAILABLE_INFORMATION)
				a[j].ulValueLen = 0;
		printf("%s{\"class\":\"%s\",\"label\":", first ? "" : ",",
		    cls == CKO_PRIVATE_KEY ? "private" : cls == CKO_PUBLIC_KEY ?
		    "public" : cls == CKO_CERTIFICATE ? "cert" : "other");
		first = 0;
		jstr(lbl, a[1].ulValueLen);
		printf(",\"id\":\"");
		for (j = 0; j < a[2].ulValueLen; j++)
			printf("%02x", id[j]);
		printf("\"");
		for (j = 0; j < sizeof(bools) / sizeof(bools[0]); j++) {
			CK_BBOOL v = 0;
			CK_ATTRIBUTE b = { bools[j].t, &v, 1 };

			if (f->C_GetAttributeValue(s, objs[i], &b, 1) == CKR_OK)
				printf(",\"%s\":%s", bools[j].n,
				    v ? "true" : "false");
		}
		printf("}");
	}
	printf("]\n");
	f->C_Logout(s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return 0;
}
