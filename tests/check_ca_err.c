/* check_ca_err.c: the error convention (lib/ca_err.c). */
#include "check_util.h"

#include <openssl/err.h>
#include <openssl/evp.h>

START_TEST(strerror_covers_every_code)
{
	int r;

	for (r = CA_OK; r >= CA_ERR_LAST; r--) {
		const char *s = ca_strerror(r);

		ck_assert_ptr_nonnull(s);
		ck_assert_msg(strlen(s) > 0, "code %d has no text", r);
		ck_assert_msg(strcmp(s, ca_strerror(CA_ERR_LAST - 1)) != 0,
		    "code %d reads as an unknown code", r);
	}
	ck_assert_ptr_nonnull(ca_strerror(-9999));
	ck_assert_ptr_nonnull(ca_strerror(5));
}
END_TEST

/* Token, module and disk failures say what to do; the rest say it. */
START_TEST(hints)
{
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_HSM),
	    "nothing was written"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_CRYPTO),
	    "run the command again"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_TOKEN_NOT_FOUND),
	    "plugged in"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_IO), "disk"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_LINT),
	    "nothing was signed"));
	/* Each of a token's own failures, its own next step. */
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_SESSION_LIMIT),
	    "no session free"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_KEY_AMBIGUOUS),
	    "nothing was written"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_SESSION_LOST),
	    "closed its sessions"));
	ck_assert_ptr_nonnull(strstr(ca_err_hint(CA_ERR_TOKEN_REMOVED),
	    "plug the token in again"));
	ck_assert_ptr_null(strstr(ca_err_hint(CA_ERR_SESSION_LIMIT),
	    "connected"));
	ck_assert_str_eq(ca_err_hint(CA_ERR_VERIFY), "");
	ck_assert_str_eq(ca_err_hint(0), "");
	ck_assert_int_eq(ca_err_hint(CA_ERR_HSM)[0], ';');
}
END_TEST

START_TEST(exit_status_mapping)
{
	ck_assert_int_eq(ca_exit_status(CA_OK), CA_EXIT_OK);
	ck_assert_int_eq(ca_exit_status(CA_ERR_TOKEN_NOT_FOUND), CA_EXIT_TOKEN);
	ck_assert_int_eq(ca_exit_status(CA_ERR_TOKEN_AMBIGUOUS), CA_EXIT_TOKEN);
	ck_assert_int_eq(ca_exit_status(CA_ERR_TOKEN_REMOVED), CA_EXIT_TOKEN);
	ck_assert_int_eq(ca_exit_status(CA_ERR_SESSION_LIMIT), CA_EXIT_FAIL);
	ck_assert_int_eq(ca_exit_status(CA_ERR_KEY_AMBIGUOUS), CA_EXIT_FAIL);
	ck_assert_int_eq(ca_exit_status(CA_ERR_PIN_INCORRECT), CA_EXIT_PIN);
	ck_assert_int_eq(ca_exit_status(CA_ERR_PIN_LOCKED), CA_EXIT_PIN_LOCKED);
	ck_assert_int_eq(ca_exit_status(CA_ERR_EXISTS), CA_EXIT_EXISTS);
	ck_assert_int_eq(ca_exit_status(CA_ERR_KEY_EXISTS), CA_EXIT_EXISTS);
	ck_assert_int_eq(ca_exit_status(CA_ERR_LOCKED), CA_EXIT_BUSY);
	ck_assert_int_eq(ca_exit_status(CA_ERR_LOG), CA_EXIT_VERIFY);
	ck_assert_int_eq(ca_exit_status(CA_ERR_VERIFY), CA_EXIT_VERIFY);
	ck_assert_int_eq(ca_exit_status(CA_ERR_IO), CA_EXIT_FAIL);
	ck_assert_int_eq(ca_exit_status(CA_ERR_INTERNAL), CA_EXIT_FAIL);
}
END_TEST

START_TEST(errf_formats_and_accepts_null)
{
	struct ca_errbuf eb;

	ca_errf(NULL, "ignored %d", 1);
	ca_errf(&eb, "record %06d: %s", 7, "bad prev");
	ck_assert_str_eq(eb.msg, "record 000007: bad prev");
}
END_TEST

START_TEST(prefix_and_suffix_frame_the_detail)
{
	struct ca_errbuf eb;
	char big[600];

	ca_errf(&eb, "bad signature");
	ca_err_prefix(&eb, "\"%s\"", "c.pem");
	ca_err_suffix(&eb, "give %s", "the chain");
	ck_assert_str_eq(eb.msg, "\"c.pem\": bad signature; give the chain");
	/* Nothing before: the suffix stands alone. */
	eb.msg[0] = '\0';
	ca_err_suffix(&eb, "do this");
	ck_assert_str_eq(eb.msg, "do this");
	/* A long detail gives way, so the advice is never lost. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ca_errf(&eb, "%s", big);
	ca_err_suffix(&eb, "do this");
	ck_assert_uint_lt(strlen(eb.msg), sizeof(eb.msg));
	ck_assert_ptr_nonnull(strstr(eb.msg, "xx; do this"));
	ck_assert_str_eq(eb.msg + strlen(eb.msg) - 7, "do this");
	ca_err_suffix(NULL, "no buffer");
}
END_TEST

START_TEST(warnings_gather_apart_from_the_error)
{
	struct ca_errbuf eb = { 0 };
	size_t i;

	ca_warnf(NULL, "no buffer");
	ca_errf(&eb, "failed");
	ca_warnf(&eb, "first %d", 1);
	ca_warnf(&eb, "second");
	ck_assert_str_eq(eb.warning, "first 1; second");
	ck_assert_str_eq(eb.msg, "failed");
	/* Many: cut short, still a string. */
	for (i = 0; i < 100; i++)
		ca_warnf(&eb, "more warnings");
	ck_assert_uint_lt(strlen(eb.warning), sizeof(eb.warning));
	ck_assert_ptr_nonnull(strstr(eb.warning, "first 1; second; more"));
}
END_TEST

START_TEST(err_openssl_takes_queue_and_clears_it)
{
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	/* An unknown algorithm leaves an entry on the queue. */
	ck_assert_ptr_null(EVP_PKEY_CTX_new_from_name(NULL, "no-such-alg",
	    NULL));
	ck_assert_int_ne(ERR_peek_error(), 0);
	/* Alone, OpenSSL's words are no message: dropped, queue cleared. */
	ca_err_openssl(&eb);
	ck_assert_int_eq(ERR_peek_error(), 0);
	ck_assert_str_eq(eb.msg, "");
	/* After a sentence of ours, kept. */
	ck_assert_ptr_null(EVP_PKEY_CTX_new_from_name(NULL, "no-such-alg",
	    NULL));
	ca_errf(&eb, "making the key failed");
	ca_err_openssl(&eb);
	ck_assert_int_eq(ERR_peek_error(), 0);
	ck_assert_msg(strncmp(eb.msg, "making the key failed: ", 23) == 0 &&
	    strlen(eb.msg) > 23, "detail \"%s\"", eb.msg);
}
END_TEST

static Suite *
ca_err_suite(void)
{
	Suite *s = suite_create("ca_err");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strerror_covers_every_code);
	tcase_add_test(tc, exit_status_mapping);
	tcase_add_test(tc, hints);
	tcase_add_test(tc, errf_formats_and_accepts_null);
	tcase_add_test(tc, prefix_and_suffix_frame_the_detail);
	tcase_add_test(tc, warnings_gather_apart_from_the_error);
	tcase_add_test(tc, err_openssl_takes_queue_and_clears_it);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(ca_err_suite)
