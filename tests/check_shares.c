/* check_shares.c: M-of-N split knowledge of a PIN (lib/shares.c). */
#include "check_util.h"

#include <ctype.h>

#include "encode.h"
#include "secret.h"
#include "shares.h"

struct split {
	struct ca_secret *pin, *text[CA_SHARES_MAX];
	struct ca_share share[CA_SHARES_MAX];
	char id[9], check[65];
	unsigned n;
};

static void
make_len(struct split *sp, unsigned m, unsigned n, size_t len)
{
	struct ca_errbuf eb = { 0 };
	unsigned i;

	memset(sp, 0, sizeof(*sp));
	sp->n = n;
	ck_assert_msg(ca_shares_make(m, n, len, &sp->pin, sp->text, sp->id,
	    sp->check, &eb) == 0, "make: %s", eb.msg);
	for (i = 0; i < n; i++)
		ck_assert_msg(ca_share_parse(sp->text[i]->buf, &sp->share[i],
		    &eb) == 0, "parse %s: %s", sp->text[i]->buf, eb.msg);
}

static void
make(struct split *sp, unsigned m, unsigned n)
{
	make_len(sp, m, n, CA_SHARE_PIN_LEN);
}

static void
drop(struct split *sp)
{
	unsigned i;

	ca_secret_free(sp->pin);
	for (i = 0; i < sp->n; i++) {
		ca_secret_free(sp->text[i]);
		ca_share_wipe(&sp->share[i]);
	}
}

START_TEST(any_m_of_n_give_the_pin)
{
	struct split sp;
	struct ca_share pick[3];
	struct ca_secret *pin = NULL;
	struct ca_errbuf eb = { 0 };
	unsigned a, b, c, i, tried = 0;

	ck_assert_ok(ca_proc_init());
	make(&sp, 3, 5);
	ck_assert_uint_eq(sp.pin->len, 32);
	for (i = 0; i < sp.pin->len; i++)
		ck_assert(isxdigit((unsigned char)sp.pin->buf[i]));
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(sp.share[i].idx, i + 1);
		ck_assert_uint_eq(sp.share[i].m, 3);
		ck_assert_str_eq(sp.share[i].split, sp.id);
		/* The text holds no part of the PIN in the clear. */
		ck_assert_ptr_null(strstr(sp.text[i]->buf, sp.pin->buf));
	}
	/* Every one of the ten choices, in any order. */
	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++)
			for (c = b + 1; c < 5; c++) {
				pick[0] = sp.share[c];
				pick[1] = sp.share[a];
				pick[2] = sp.share[b];
				ck_assert_msg(ca_shares_combine(pick, 3,
				    sp.check, &pin, &eb) == 0, "%s", eb.msg);
				ck_assert_str_eq(pin->buf, sp.pin->buf);
				ca_secret_free(pin);
				tried++;
			}
	ck_assert_uint_eq(tried, 10);
	/* More than M is fine too. */
	ck_assert_ok(ca_shares_combine(sp.share, 5, sp.check, &pin, &eb));
	ck_assert_str_eq(pin->buf, sp.pin->buf);
	ca_secret_free(pin);
	drop(&sp);
}
END_TEST

START_TEST(too_few_and_duplicates_refused)
{
	struct split sp;
	struct ca_share pick[3];
	struct ca_secret *pin = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_ok(ca_proc_init());
	make(&sp, 3, 5);
	ck_assert_err(ca_shares_combine(sp.share, 2, sp.check, &pin, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "2 shares given, and 3 are "
	    "needed"));
	ck_assert_ptr_null(pin);
	pick[0] = sp.share[0];
	pick[1] = sp.share[1];
	pick[2] = sp.share[0];
	ck_assert_err(ca_shares_combine(pick, 3, sp.check, &pin, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "share 1 was given twice"));
	ck_assert_err(ca_shares_combine(sp.share, 0, NULL, &pin, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(pin);
	drop(&sp);
}
END_TEST

START_TEST(other_splits_refused)
{
	struct split a, b;
	struct ca_share pick[3];
	struct ca_secret *pin = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_ok(ca_proc_init());
	make(&a, 3, 5);
	make(&b, 3, 5);
	ck_assert_str_ne(a.id, b.id);
	pick[0] = a.share[0];
	pick[1] = a.share[1];
	pick[2] = b.share[2];
	ck_assert_err(ca_shares_combine(pick, 3, a.check, &pin, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "another split"));
	/* A whole other split: well formed, but not this CA's PIN. */
	ck_assert_err(ca_shares_combine(b.share, 3, a.check, &pin, &eb),
	    CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "the token was not asked"));
	ck_assert_ptr_null(pin);
	drop(&a);
	drop(&b);
}
END_TEST

/*
 * Every single changed character is refused: by the check digits, or,
 * should it slip past them (one time in 65536), by the split's check
 * value once combined.
 */
START_TEST(corrupted_shares_refused)
{
	static const char swap[] = "0123456789abcdef";
	struct split sp;
	struct ca_share pick[3], bad;
	struct ca_secret *pin = NULL;
	struct ca_errbuf eb = { 0 };
	char t[CA_SHARE_TEXT_MAX];
	size_t i, by_digits = 0, n;

	ck_assert_ok(ca_proc_init());
	make(&sp, 3, 5);
	n = sp.text[1]->len;
	for (i = 4; i < n; i++) {
		const char *k;

		memcpy(t, sp.text[1]->buf, n + 1);
		if (t[i] == '-')
			continue;
		k = strchr(swap, t[i]);
		t[i] = k != NULL ? swap[(k - swap + 7) % 16] : '9';
		if (ca_share_parse(t, &bad, &eb) != 0) {
			by_digits++;
			continue;
		}
		pick[0] = sp.share[0];
		pick[1] = bad;
		pick[2] = sp.share[2];
		ck_assert_msg(ca_shares_combine(pick, 3, sp.check, &pin,
		    &eb) != 0, "corrupted at %zu and accepted: %s", i, t);
		ck_assert_ptr_null(pin);
	}
	ck_assert_uint_gt(by_digits, 40);
	/* The message says what to do. */
	memcpy(t, sp.text[1]->buf, n + 1);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0';
	ck_assert_err(ca_share_parse(t, &bad, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "mistyped"));
	drop(&sp);
}
END_TEST

START_TEST(typed_loosely)
{
	struct split sp;
	struct ca_share s;
	struct ca_errbuf eb = { 0 };
	char t[CA_SHARE_TEXT_MAX * 2], fp1[65], fp2[65];
	size_t i, j = 0;

	ck_assert_ok(ca_proc_init());
	make(&sp, 2, 3);
	/* Upper case, in groups of four, over two lines. */
	for (i = 0; sp.text[2]->buf[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			t[j++] = i == 24 ? '\n' : ' ';
		t[j++] = (char)toupper((unsigned char)sp.text[2]->buf[i]);
	}
	t[j] = '\0';
	ck_assert_msg(ca_share_parse(t, &s, &eb) == 0, "%s: %s", t, eb.msg);
	ck_assert_mem_eq(s.bytes, sp.share[2].bytes, sizeof(s.bytes));
	ca_share_fingerprint(&s, fp1);
	ca_share_fingerprint(&sp.share[2], fp2);
	ck_assert_str_eq(fp1, fp2);
	ca_share_fingerprint(&sp.share[1], fp2);
	ck_assert_str_ne(fp1, fp2);
	ca_share_wipe(&s);
	for (i = 0; i < sizeof(s); i++)
		ck_assert_int_eq(((unsigned char *)&s)[i], 0);
	ck_assert_err(ca_share_parse("123456", &s, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not a share"));
	ck_assert_err(ca_share_parse("", &s, &eb), CA_ERR_INVALID_ARG);
	drop(&sp);
}
END_TEST

/* Recombining in a process that made no split (as every command does). */
START_TEST(combine_in_a_fresh_process)
{
	static const char *const t[] = {
		"kc1-00000000-2-1-000102030405060708090a0b0c0d0e0f-",
		"kc1-00000000-2-2-0f0e0d0c0b0a09080706050403020100-",
	};
	struct ca_share s[2];
	struct ca_secret *pin = NULL;
	struct ca_errbuf eb = { 0 };
	char text[CA_SHARE_TEXT_MAX], hex[65];
	size_t i;

	ck_assert_ok(ca_proc_init());
	for (i = 0; i < 2; i++) {
		/* Its check digits, worked out here as the format says. */
		snprintf(text, sizeof(text), "%.*s", (int)strlen(t[i]) - 1,
		    t[i]);
		ca_sha256_hex(text, strlen(text), hex);
		snprintf(text, sizeof(text), "%s%.4s", t[i], hex);
		ck_assert_msg(ca_share_parse(text, &s[i], &eb) == 0, "%s: %s",
		    text, eb.msg);
	}
	ck_assert_ok(ca_shares_combine(s, 2, NULL, &pin, &eb));
	ck_assert_uint_eq(pin->len, 32);
	ca_secret_free(pin);
}
END_TEST

/* An AES-256 key's split: 64 hex digits a share, never mixed with a PIN's. */
START_TEST(key_length_splits)
{
	struct split k, p;
	struct ca_share mix[2];
	struct ca_secret *sec = NULL;
	struct ca_errbuf eb = { 0 };
	char cut[CA_SHARE_TEXT_MAX];

	ck_assert_ok(ca_proc_init());
	make_len(&k, 2, 3, CA_SHARE_KEY_LEN);
	ck_assert_uint_eq(k.pin->len, 64);
	ck_assert_uint_eq(k.share[0].len, CA_SHARE_KEY_LEN);
	/* kc1- id - m - i - 64 hex - check */
	ck_assert_uint_eq(strlen(k.text[0]->buf), 4 + 8 + 1 + 1 + 1 + 1 + 1 +
	    64 + 1 + 4);
	ck_assert_ok(ca_shares_combine(k.share + 1, 2, k.check, &sec, &eb));
	ck_assert_str_eq(sec->buf, k.pin->buf);
	ca_secret_free(sec);
	sec = NULL;
	/* One share short of its digits is no share at all. */
	snprintf(cut, sizeof(cut), "%s", k.text[0]->buf);
	memmove(cut + 20, cut + 21, strlen(cut + 21) + 1);
	ck_assert_err(ca_share_parse(cut, &mix[0], &eb), CA_ERR_INVALID_ARG);
	/* Two lengths never combine, even under a forged split id. */
	make(&p, 2, 3);
	mix[0] = k.share[0];
	mix[1] = p.share[1];
	memcpy(mix[1].split, mix[0].split, sizeof(mix[1].split));
	mix[1].m = mix[0].m;
	ck_assert_err(ca_shares_combine(mix, 2, NULL, &sec, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(sec);
	ca_share_wipe(&mix[0]);
	ca_share_wipe(&mix[1]);
	drop(&k);
	drop(&p);
}
END_TEST

START_TEST(impossible_thresholds)
{
	struct ca_secret *pin = NULL, *texts[CA_SHARES_MAX + 1];
	struct ca_errbuf eb = { 0 };
	char id[9], check[65];

	ck_assert_ok(ca_proc_init());
	ck_assert_err(ca_shares_make(2, 3, 24, &pin, texts, id, check, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_shares_make(1, 3, 16, &pin, texts, id, check, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_shares_make(4, 3, 16, &pin, texts, id, check, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_shares_make(2, CA_SHARES_MAX + 1, 16, &pin, texts, id,
	    check, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "2 <= M <= N"));
	ck_assert_ptr_null(pin);
}
END_TEST

static Suite *
shares_suite(void)
{
	Suite *s = suite_create("shares");
	TCase *t = tcase_create("shares");

	tcase_add_test(t, any_m_of_n_give_the_pin);
	tcase_add_test(t, too_few_and_duplicates_refused);
	tcase_add_test(t, other_splits_refused);
	tcase_add_test(t, corrupted_shares_refused);
	tcase_add_test(t, typed_loosely);
	tcase_add_test(t, combine_in_a_fresh_process);
	tcase_add_test(t, key_length_splits);
	tcase_add_test(t, impossible_thresholds);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(shares_suite)
