/* check_encode.c: hex, base64 and SHA-256 helpers (lib/encode.c). */
#include "check_util.h"

#include "encode.h"

/* RFC 4648 section 10 test vectors. */
static const struct {
	const char *raw, *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* s must be refused by ca_b64_decode with CA_ERR_INVALID_ARG. */
static void
b64_refuses(const char *s)
{
	static unsigned char sentinel;
	unsigned char *b = &sentinel;
	size_t n = 99;

	ck_assert_msg(ca_b64_decode(s, &b, &n) == CA_ERR_INVALID_ARG,
	    "\"%s\" was not refused", s);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
}

/* s must be refused by ca_hex_decode with CA_ERR_INVALID_ARG. */
static void
hex_refuses(const char *s)
{
	static unsigned char sentinel;
	unsigned char *b = &sentinel;
	size_t n = 99;

	ck_assert_msg(ca_hex_decode(s, &b, &n) == CA_ERR_INVALID_ARG,
	    "\"%s\" was not refused", s);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
}

START_TEST(hex_encodes_lowercase)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xcd, 0xef, 0xff };
	char out[2 * sizeof(in) + 1];

	memset(out, 'X', sizeof(out));
	ca_hex(in, sizeof(in), out);
	ck_assert_str_eq(out, "00017f80abcdefff");

	memset(out, 'X', sizeof(out));
	ca_hex(in, 0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(hex_decode_either_case)
{
	static const unsigned char want[] = { 0x00, 0xff, 0x10, 0xab, 0xcd,
	    0x9e };
	unsigned char *b = NULL;
	size_t n = 0;

	ck_assert_ok(ca_hex_decode("00ff10AbCD9e", &b, &n));
	ck_assert_uint_eq(n, sizeof(want));
	ck_assert_mem_eq(b, want, sizeof(want));
	free(b);

	/* Even length includes zero: an empty buffer, not a failure. */
	ck_assert_ok(ca_hex_decode("", &b, &n));
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(n, 0);
	free(b);
}
END_TEST

START_TEST(hex_decode_refuses)
{
	hex_refuses("0");
	hex_refuses("abc");
	hex_refuses("zz");
	hex_refuses("0g");
	hex_refuses("g0");
	hex_refuses("0x12");
	hex_refuses("12 34");
	hex_refuses("1234 ");
	hex_refuses(" 1234");
	hex_refuses("12-4");
	hex_refuses("+1");
}
END_TEST

START_TEST(hex_round_trip)
{
	unsigned char in[256], *b = NULL;
	char s[2 * sizeof(in) + 1];
	size_t i, n = 0;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	ca_hex(in, sizeof(in), s);
	ck_assert_int_eq(ca_is_lower_hex(s), 1);
	ck_assert_ok(ca_hex_decode(s, &b, &n));
	ck_assert_uint_eq(n, sizeof(in));
	ck_assert_mem_eq(b, in, sizeof(in));
	free(b);
}
END_TEST

START_TEST(is_lower_hex)
{
	ck_assert_int_eq(ca_is_lower_hex("00"), 1);
	ck_assert_int_eq(ca_is_lower_hex("0123456789abcdef"), 1);
	ck_assert_int_eq(ca_is_lower_hex(""), 0);
	ck_assert_int_eq(ca_is_lower_hex("abc"), 0);
	ck_assert_int_eq(ca_is_lower_hex("AB"), 0);
	ck_assert_int_eq(ca_is_lower_hex("aB"), 0);
	ck_assert_int_eq(ca_is_lower_hex("0g"), 0);
	ck_assert_int_eq(ca_is_lower_hex("00 "), 0);
	ck_assert_int_eq(ca_is_lower_hex("0x00"), 0);
}
END_TEST

START_TEST(b64_encode_vectors)
{
	char *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const char *raw = rfc4648[i].raw;

		ck_assert_ok(ca_b64_encode((const unsigned char *)raw,
		    strlen(raw), &s));
		ck_assert_str_eq(s, rfc4648[i].b64);
		free(s);
	}
	/* '+' and '/' of the standard alphabet, not the URL one. */
	ck_assert_ok(ca_b64_encode((const unsigned char *)"\xfb\xff\xfe", 3,
	    &s));
	ck_assert_str_eq(s, "+//+");
	free(s);
}
END_TEST

START_TEST(b64_encode_no_newlines)
{
	unsigned char in[300];
	char *s = NULL;

	memset(in, 0xa5, sizeof(in));
	ck_assert_ok(ca_b64_encode(in, sizeof(in), &s));
	ck_assert_uint_eq(strlen(s), 400);
	ck_assert_ptr_null(strchr(s, '\n'));
	free(s);
}
END_TEST

START_TEST(b64_encode_refuses_huge)
{
	unsigned char in[1] = { 0 };
	char *s = (char *)in;

	/* The length is refused before the input is read. */
	ck_assert_err(ca_b64_encode(in, ((size_t)1 << 28) + 1, &s),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(b64_decode_vectors)
{
	unsigned char *b = NULL;
	size_t i, n = 0;

	/* The empty string is refused (see b64_decode_refuses). */
	for (i = 1; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		ck_assert_ok(ca_b64_decode(rfc4648[i].b64, &b, &n));
		ck_assert_uint_eq(n, strlen(rfc4648[i].raw));
		ck_assert_mem_eq(b, rfc4648[i].raw, n);
		free(b);
	}
	ck_assert_ok(ca_b64_decode("+//+AAA=", &b, &n));
	ck_assert_uint_eq(n, 5);
	ck_assert_mem_eq(b, "\xfb\xff\xfe\x00\x00", 5);
	free(b);
}
END_TEST

START_TEST(b64_decode_refuses)
{
	b64_refuses("");
	/* Padding required. */
	b64_refuses("Zg");
	b64_refuses("Zm8");
	b64_refuses("Zm9vYg");
	/* Padding only at the end, and at most two. */
	b64_refuses("Z===");
	b64_refuses("====");
	b64_refuses("Zg=a");
	b64_refuses("Z=g=");
	b64_refuses("Zg==Zm9v");
	b64_refuses("Zm9vYg==Zg==");
	/* No whitespace, no URL-safe alphabet, nothing else. */
	b64_refuses("Zm9v\n");
	b64_refuses("Zm9\n");
	b64_refuses("Zm9vYm\r\n");
	b64_refuses(" Zm9");
	b64_refuses("Zm 9");
	b64_refuses("Zm9\t");
	b64_refuses("Zm9-");
	b64_refuses("Zm9_");
	b64_refuses("Zm9.");
	b64_refuses("Zm9\x80");
}
END_TEST

START_TEST(b64_round_trip)
{
	unsigned char in[256], *b = NULL;
	char *s = NULL;
	size_t len, n = 0;

	for (len = 0; len < sizeof(in); len++)
		in[len] = (unsigned char)(255 - len);
	for (len = 1; len <= sizeof(in); len++) {
		ck_assert_ok(ca_b64_encode(in, len, &s));
		ck_assert_uint_eq(strlen(s), 4 * ((len + 2) / 3));
		ck_assert_ok(ca_b64_decode(s, &b, &n));
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(b, in, len);
		free(s);
		free(b);
	}
}
END_TEST

START_TEST(sha256_vectors)
{
	char out[65];
	char *a;

	/* FIPS 180-4 examples. */
	ca_sha256_hex("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ca_sha256_hex("", 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	ca_sha256_hex("abcdbcdecdefdefgefghfghighijhijk"
	    "ijkljklmklmnlmnomnopnopq", 56, out);
	ck_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	ck_assert_ptr_nonnull(a = malloc(1000000));
	memset(a, 'a', 1000000);
	ca_sha256_hex(a, 1000000, out);
	ck_assert_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(a);
}
END_TEST

/*
 * No pass phrase, and nothing written: OpenSSL then refuses an encrypted
 * block (check_csr reads one on a terminal and sees no prompt).
 */
START_TEST(pem_no_pass)
{
	char buf[8] = "xxxxxxx";

	ck_assert_int_eq(ca_pem_no_pass(buf, (int)sizeof(buf), 0, NULL), -1);
	ck_assert_int_eq(ca_pem_no_pass(buf, (int)sizeof(buf), 1, buf), -1);
	ck_assert_str_eq(buf, "xxxxxxx");
}
END_TEST

static Suite *
encode_suite(void)
{
	Suite *s = suite_create("encode");
	TCase *th = tcase_create("hex");
	TCase *tb = tcase_create("base64");
	TCase *ts = tcase_create("sha256");
	TCase *tp = tcase_create("pem");

	tcase_add_test(th, hex_encodes_lowercase);
	tcase_add_test(th, hex_decode_either_case);
	tcase_add_test(th, hex_decode_refuses);
	tcase_add_test(th, hex_round_trip);
	tcase_add_test(th, is_lower_hex);
	suite_add_tcase(s, th);
	tcase_add_test(tb, b64_encode_vectors);
	tcase_add_test(tb, b64_encode_no_newlines);
	tcase_add_test(tb, b64_encode_refuses_huge);
	tcase_add_test(tb, b64_decode_vectors);
	tcase_add_test(tb, b64_decode_refuses);
	tcase_add_test(tb, b64_round_trip);
	suite_add_tcase(s, tb);
	tcase_add_test(ts, sha256_vectors);
	suite_add_tcase(s, ts);
	tcase_add_test(tp, pem_no_pass);
	suite_add_tcase(s, tp);
	return s;
}

CK_MAIN(encode_suite)
