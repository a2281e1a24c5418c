/*
 * check_quirks.c: the quirk table (lib/quirks.c): which rows match which
 * module, and that the token layer follows them.  What each row answers
 * is shown on the module itself: tests/integration/test_token_tpm2.sh
 * asks tpm2-pkcs11 what the rows keep the toolkit from asking.
 */
#include "check_util.h"

#include "hsm.h"
#include "quirks.h"
#include "uri.h"

static const struct ca_module_info tpm2 = {
	"tpm2-software.github.io", "TPM2.0 Cryptoki", 1, 9
};
static const struct ca_module_info softhsm = {
	"SoftHSM", "Implementation of PKCS11", 2, 6
};

static struct ca_token_info
token(const char *manufacturer, const char *model)
{
	struct ca_token_info t;

	memset(&t, 0, sizeof(t));
	snprintf(t.label, sizeof(t.label), "t");
	snprintf(t.manufacturer, sizeof(t.manufacturer), "%s", manufacturer);
	snprintf(t.model, sizeof(t.model), "%s", model);
	return t;
}

/* tpm2-pkcs11 is matched by the library, whatever TPM is underneath. */
START_TEST(tpm2_pkcs11_rows)
{
	struct ca_token_info sw = token("IBM", "SW   TPM");
	struct ca_token_info chip = token("INTC", "");
	unsigned want = CA_QUIRK_PUB_USAGE | CA_QUIRK_NO_EXTRACTABLE;

	ck_assert_uint_eq(ca_quirks_match(&tpm2, &sw, NULL, NULL), want);
	ck_assert_uint_eq(ca_quirks_match(&tpm2, &chip, NULL, NULL), want);
}
END_TEST

/* SoftHSM2's OAEP knows SHA-1 alone, whatever its token. */
START_TEST(softhsm_rows)
{
	struct ca_token_info t = token("SoftHSM project", "SoftHSM v2");
	struct ca_token_info other = token("IBM", "SW   TPM");

	ck_assert_uint_eq(ca_quirks_match(&softhsm, &t, NULL, NULL),
	    CA_QUIRK_OAEP_SHA1);
	ck_assert_uint_eq(ca_quirks_match(&softhsm, &other, NULL, NULL),
	    CA_QUIRK_OAEP_SHA1);
}
END_TEST

/* Nothing else is: not the other's rows, nor a near miss of the names. */
START_TEST(other_modules_none)
{
	struct ca_token_info sw = token("IBM", "SW   TPM");
	struct ca_module_info near = tpm2, nsoft = softhsm;

	ck_assert_uint_eq(ca_quirks_match(&softhsm, &sw, NULL, NULL) &
	    (CA_QUIRK_PUB_USAGE | CA_QUIRK_NO_EXTRACTABLE), 0);
	ck_assert_uint_eq(ca_quirks_match(&tpm2, &sw, NULL, NULL) &
	    CA_QUIRK_OAEP_SHA1, 0);
	snprintf(nsoft.manufacturer, sizeof(nsoft.manufacturer), "SoftHSM2");
	ck_assert_uint_eq(ca_quirks_match(&nsoft, &sw, NULL, NULL), 0);
	snprintf(near.description, sizeof(near.description),
	    "TPM2.0 Cryptoki ");
	ck_assert_uint_eq(ca_quirks_match(&near, &sw, NULL, NULL), 0);
	near = tpm2;
	snprintf(near.manufacturer, sizeof(near.manufacturer), "tpm2");
	ck_assert_uint_eq(ca_quirks_match(&near, &sw, NULL, NULL), 0);
}
END_TEST

/*
 * Every row: a name, the failure it answers, one flag, and a library or
 * token to match (a row matching every module would be a bug).
 */
START_TEST(rows_complete)
{
	struct ca_token_info t = token("", "");
	struct ca_module_info none = { "", "", 0, 0 };
	const struct ca_quirk *rows;
	size_t n, i, j;
	unsigned all = 0;

	(void)ca_quirks_match(&none, &t, &rows, &n);
	ck_assert_uint_gt(n, 0);
	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(rows[i].id);
		ck_assert_ptr_nonnull(rows[i].answers);
		ck_assert_uint_gt(strlen(rows[i].answers), 10);
		ck_assert_uint_ne(rows[i].flag, 0);
		ck_assert_uint_eq(rows[i].flag & (rows[i].flag - 1), 0);
		ck_assert(rows[i].lib_manufacturer != NULL ||
		    rows[i].lib_description != NULL ||
		    rows[i].token_manufacturer != NULL ||
		    rows[i].token_model != NULL);
		ck_assert_int_eq(ca_quirk_applies(&rows[i], &none, &t), 0);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(rows[i].id, rows[j].id);
		all |= rows[i].flag;
	}
	ck_assert_uint_eq(all, CA_QUIRK_PUB_USAGE | CA_QUIRK_NO_EXTRACTABLE |
	    CA_QUIRK_OAEP_SHA1);
}
END_TEST

/* The token layer reads the module's C_GetInfo and keeps its rows. */
START_TEST(hsm_keeps_rows)
{
	char dir[PATH_MAX];
	struct ca_hsm *h = NULL;
	struct ca_uri *u = NULL;
	struct ca_errbuf eb;
	const struct ca_module_info *mi;

	tu_tmpdir(dir);
	tu_softhsm_token(dir, "quirks");
	ck_assert_ok(ca_uri_parse("pkcs11:token=quirks", &u, NULL));
	ck_assert_msg(ca_hsm_open(NULL, u, &h, &eb) == CA_OK, "open: %s",
	    eb.msg);
	mi = ca_hsm_module_info(h);
	ck_assert_str_eq(mi->manufacturer, softhsm.manufacturer);
	ck_assert_str_eq(mi->description, softhsm.description);
	ck_assert_int_eq(mi->major, 2);
	ck_assert_uint_eq(ca_hsm_quirks(h), CA_QUIRK_OAEP_SHA1);
	/* SoftHSM2 2.6 calls its slots software ones, and is known too. */
	ck_assert_int_eq(ca_hsm_token_info(h)->hw_slot, 0);
	ck_assert_str_eq(ca_hsm_kind(h, NULL), CA_KIND_SOFTWARE);
	ca_hsm_close(h);
	ca_uri_free(u);
	tu_rmrf(dir);
}
END_TEST

/*
 * Software tokens: the known modules, whatever their slots say, and any
 * slot without CKF_HW_SLOT; a hardware slot of another module is not.
 */
START_TEST(software_tokens)
{
	struct ca_module_info ock = { "IBM", "Meta PKCS11 LIBRARY", 3, 8 };
	struct ca_module_info vendor = { "Acme HSM", "Acme PKCS#11", 7, 2 };
	struct ca_token_info t = token("SoftHSM project", "SoftHSM v2");
	char why[160];

	t.hw_slot = 1;
	ck_assert_int_eq(ca_token_software(&softhsm, &t, why, sizeof(why)),
	    1);
	ck_assert_str_eq(why, "SoftHSM2 keeps its keys in files on this "
	    "computer's disk");
	t = token("IBM Corp.", "IBM SoftTok");
	t.hw_slot = 1;
	ck_assert_int_eq(ca_token_software(&ock, &t, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "openCryptoki"));
	t = token("IBM", "SW   TPM");
	t.hw_slot = 1;
	ck_assert_int_eq(ca_token_software(&tpm2, &t, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "swtpm"));
	/* A TPM chip behind the same module is hardware. */
	t = token("INTC", "");
	t.hw_slot = 1;
	ck_assert_int_eq(ca_token_software(&tpm2, &t, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	t = token("Acme", "HSM-9000");
	t.hw_slot = CA_ATTR_UNKNOWN;
	ck_assert_int_eq(ca_token_software(&vendor, &t, why, sizeof(why)),
	    0);
	t.hw_slot = 0;
	ck_assert_int_eq(ca_token_software(&vendor, &t, why, sizeof(why)),
	    1);
	ck_assert_str_eq(why, "its slot says it is a software slot "
	    "(CKF_HW_SLOT unset)");
}
END_TEST

static Suite *
quirks_suite(void)
{
	Suite *s = suite_create("quirks");
	TCase *tc = tcase_create("quirks");

	tcase_add_test(tc, tpm2_pkcs11_rows);
	tcase_add_test(tc, softhsm_rows);
	tcase_add_test(tc, other_modules_none);
	tcase_add_test(tc, rows_complete);
	tcase_add_test(tc, hsm_keeps_rows);
	tcase_add_test(tc, software_tokens);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(quirks_suite)
