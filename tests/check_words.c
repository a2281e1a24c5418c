/* check_words.c: the PGP word list (lib/words.c). */
#include "check_util.h"

#include <ctype.h>

#include "encode.h"
#include "words.h"

/*
 * Known answers, each published with an implementation of the list:
 * Wikipedia's example (also in arokettu/php-pgp-word-list's and
 * dgryski/go-pgpwords' tests), the README examples of thblt/pgp-words and
 * messerli-informatik-ag/pgp-word-list, and arokettu's second vector.
 */
static const struct {
	const char *hex, *words;
} kat[] = {
	{ "e58294f2e9a227486e8b061b31cc528fd7fa3f19",
	  "topmost Istanbul Pluto vagabond treadmill Pacific brackish "
	  "dictator goldfish Medusa afflict bravado chatter revolver Dupont "
	  "midsummer stopwatch whimsical cowbell bottomless" },
	{ "d1c225e426c633dd94d1a7e8c3f408aa9b342488",
	  "stairway repellent bombast tradition bookshelf responsive chisel "
	  "tambourine Pluto scavenger repay typewriter snowcap Virginia "
	  "aimless pedigree puppy confidence bluebird maritime" },
	{ "ea5b81c564988c73ee90dee9baf1e07233cde511",
	  "Trojan exodus minnow resistor flytrap narrative offload hurricane "
	  "tycoon millionaire tactics ultimate shadow vacancy tapeworm "
	  "holiness chisel sandalwood topmost Babylon" },
	{ "12b4b0057400076fa5c0f5cbf726ac65",
	  "atlas politeness ruffled almighty indoors adroitness ahead "
	  "hemisphere reindeer recipe vapor revival virus caretaker ribcage "
	  "glossary" },
	{ "c0ffee", "slowdown Yucatan tycoon" },
	{ "82e5", "miser travesty" },
	{ "00", "aardvark" },
	{ "ff", "Zulu" },
	{ "0000", "aardvark adroitness" },
	{ "ffff", "Zulu Yucatan" },
	{ "", "" },
};

/* unhex: the bytes of hex (known good) into out[cap]; their count. */
static size_t
unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t i, n = strlen(hex) / 2;

	ck_assert_uint_le(n, cap);
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)(ca_hex_digit(hex[2 * i]) << 4 |
		    ca_hex_digit(hex[2 * i + 1]));
	return n;
}

/* text must be refused by ca_words_decode, leaving *n 0 and out zeroed. */
static void
decode_refuses(const char *text, size_t cap)
{
	unsigned char out[64], zero[64] = { 0 };
	size_t n = 99;

	ck_assert_uint_le(cap, sizeof(out));
	memset(out, 0xa5, sizeof(out));
	ck_assert_msg(ca_words_decode(text, out, cap, &n) ==
	    CA_ERR_INVALID_ARG, "\"%s\" was not refused", text);
	ck_assert_uint_eq(n, 0);
	ck_assert_mem_eq(out, zero, cap);
}

START_TEST(known_answers)
{
	unsigned char b[64], d[64];
	char out[CA_WORDS_CAP(64)];
	size_t i, n, dn;

	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		n = unhex(kat[i].hex, b, sizeof(b));

		memset(out, 'X', sizeof(out));
		ck_assert_ok(ca_words_encode(b, n, out, sizeof(out)));
		ck_assert_str_eq(out, kat[i].words);

		memset(out, 'X', sizeof(out));
		ck_assert_ok(ca_words_encode_hex(kat[i].hex, out,
		    sizeof(out)));
		ck_assert_str_eq(out, kat[i].words);

		dn = 99;
		ck_assert_ok(ca_words_decode(kat[i].words, d, sizeof(d), &dn));
		ck_assert_uint_eq(dn, n);
		ck_assert_mem_eq(d, b, n);
	}
}
END_TEST

/*
 * The bytes 00 00 01 01 ... ff ff spell every even word and every odd
 * word in order.  The digest was computed outside C from the six copies of
 * the list that lib/words.c names, so a changed word anywhere fails here.
 */
START_TEST(whole_list_digest)
{
	unsigned char b[512];
	char out[CA_WORDS_CAP(512)], digest[65];
	size_t i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i / 2);
	ck_assert_ok(ca_words_encode(b, sizeof(b), out, sizeof(out)));
	ck_assert_uint_eq(strlen(out), 4430);
	ca_sha256_hex(out, strlen(out), digest);
	ck_assert_str_eq(digest,
	    "e2c00da33e504434c2ee6bd169207c7508b9f672c0cdd50d78cc6af3d37f99a6");
}
END_TEST

/* Spot checks, one per side of the anchors and the list's odd corners. */
START_TEST(anchors)
{
	static const struct {
		unsigned char b[2];
		const char *words;
	} a[] = {
		{ { 0x00, 0x00 }, "aardvark adroitness" },
		{ { 0xff, 0xff }, "Zulu Yucatan" },
		{ { 0xe5, 0xe5 }, "topmost travesty" },
		{ { 0x09, 0x09 }, "Algol applicant" },
		{ { 0x0a, 0x0a }, "allow Apollo" },
		{ { 0x80, 0x80 }, "merit intention" },
		{ { 0x7f, 0x7f }, "lockup integrate" },
		{ { 0xfe, 0xfe }, "woodlark yesteryear" },
	};
	char out[CA_WORDS_CAP(2)];
	size_t i;

	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		ck_assert_ok(ca_words_encode(a[i].b, 2, out, sizeof(out)));
		ck_assert_str_eq(out, a[i].words);
	}
}
END_TEST

/*
 * Every value at both parities decodes back, in its written form, in
 * lower and upper case, and is refused at the other parity.
 */
START_TEST(all_values_both_parities)
{
	unsigned char b[2], d[2];
	char out[CA_WORDS_CAP(2)], w[32], *sp;
	size_t n, k;
	int v, par;

	for (v = 0; v < 256; v++) {
		b[0] = b[1] = (unsigned char)v;
		ck_assert_ok(ca_words_encode(b, 2, out, sizeof(out)));
		ck_assert_ok(ca_words_decode(out, d, sizeof(d), &n));
		ck_assert_uint_eq(n, 2);
		ck_assert_mem_eq(d, b, 2);

		sp = strchr(out, ' ');
		ck_assert_ptr_nonnull(sp);
		for (par = 0; par < 2; par++) {
			const char *word = par == 0 ? out : sp + 1;
			size_t wl = par == 0 ? (size_t)(sp - out) :
			    strlen(sp + 1);
			char two[2 * sizeof(w)];

			ck_assert_uint_lt(wl, sizeof(w));
			ck_assert_uint_le(wl, 11);
			memcpy(w, word, wl);
			w[wl] = '\0';

			for (k = 0; k < wl; k++)
				w[k] = (char)toupper((unsigned char)w[k]);
			if (par == 0) {
				ck_assert_ok(ca_words_decode(w, d, 1, &n));
				ck_assert_uint_eq(n, 1);
				ck_assert_uint_eq(d[0], v);
				/* An even word in the odd position. */
				snprintf(two, sizeof(two), "%s %s", w, w);
				decode_refuses(two, 2);
			} else {
				/* An odd word in the even position. */
				decode_refuses(w, 1);
				snprintf(two, sizeof(two), "aardvark %s", w);
				ck_assert_ok(ca_words_decode(two, d, 2, &n));
				ck_assert_uint_eq(n, 2);
				ck_assert_uint_eq(d[1], v);
			}
			for (k = 0; k < wl; k++)
				w[k] = (char)tolower((unsigned char)w[k]);
			snprintf(two, sizeof(two), "aardvark %s", w);
			ck_assert_ok(ca_words_decode(par == 0 ? w : two, d, 2,
			    &n));
			ck_assert_uint_eq(n, (size_t)par + 1);
			ck_assert_uint_eq(d[par], v);
		}
	}
}
END_TEST

START_TEST(round_trip_random)
{
	unsigned char b[256], d[256];
	char out[CA_WORDS_CAP(256)];
	size_t n, len, i;
	int rounds;

	srandom(20240611);
	for (rounds = 0; rounds < 500; rounds++) {
		len = (size_t)random() % sizeof(b);
		for (i = 0; i < len; i++)
			b[i] = (unsigned char)random();
		ck_assert_ok(ca_words_encode(b, len, out, sizeof(out)));
		ck_assert_uint_lt(strlen(out), CA_WORDS_CAP(len));
		ck_assert_ok(ca_words_decode(out, d, sizeof(d), &n));
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(d, b, len);
	}
}
END_TEST

START_TEST(decode_separators_and_case)
{
	static const unsigned char want[] = { 0xe5, 0x82, 0x94, 0xf2 };
	unsigned char d[8];
	size_t n;

	ck_assert_ok(ca_words_decode("  topmost\tISTANBUL\r\n\n pluto "
	    "VagaBond\n", d, sizeof(d), &n));
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(d, want, 4);

	ck_assert_ok(ca_words_decode(" \n\t", d, sizeof(d), &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ok(ca_words_decode("", NULL, 0, &n));
	ck_assert_uint_eq(n, 0);

	/* "Yucatán" (UTF-8), as some copies of the list spell 0xff. */
	ck_assert_ok(ca_words_decode("Zulu Yucat\xc3\xa1n", d, sizeof(d), &n));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(d[0], 0xff);
	ck_assert_uint_eq(d[1], 0xff);
	ck_assert_ok(ca_words_decode("zulu YUCAT\xc3\x81N", d, sizeof(d), &n));
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(d[1], 0xff);
}
END_TEST

START_TEST(decode_refuses_unknown)
{
	decode_refuses("aardvarks", 8);
	decode_refuses("aardvar", 8);
	decode_refuses("aardvark adroitnes", 8);
	decode_refuses("topmost istanbul plutoo", 8);
	decode_refuses("aardvark,adroitness", 8);
	decode_refuses("aardvark-adroitness", 8);
	decode_refuses("aardvark, adroitness", 8);
	decode_refuses("\xc3\xa1", 8);
	decode_refuses("aardvark Yucat\xc3\xa1", 8);
	decode_refuses("aardvark Yucat\xc3\xa1nn", 8);
	decode_refuses("aardvark\vadroitness", 8);
	/* Other lists' words: BIP-39 and a modified "PGP" list. */
	decode_refuses("abandon", 8);
	decode_refuses("xylem", 8);
	decode_refuses("aardvark aptitude", 8);
}
END_TEST

/*
 * The point of two lists: a word from the wrong list for its position, as
 * left by a swapped, dropped or doubled word, is refused.
 */
START_TEST(decode_refuses_wrong_parity)
{
	static const char *const bad[] = {
		/* Odd words first. */
		"adroitness",
		"Istanbul topmost",
		/* Adjacent words swapped. */
		"topmost Pluto Istanbul vagabond",
		"Istanbul topmost Pluto vagabond",
		"topmost Istanbul vagabond Pluto",
		/* A word dropped. */
		"topmost Pluto vagabond",
		"Istanbul Pluto vagabond",
		/* A word said twice. */
		"topmost topmost Istanbul Pluto vagabond",
		"topmost Istanbul Istanbul Pluto vagabond",
		/* Two even words or two odd words in a row. */
		"aardvark aardvark",
		"aardvark adroitness adroitness",
		"Zulu Zulu",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		decode_refuses(bad[i], 8);

	/* The whole Wikipedia example with its 7th and 8th words swapped. */
	decode_refuses("topmost Istanbul Pluto vagabond treadmill Pacific "
	    "dictator brackish goldfish Medusa afflict bravado chatter "
	    "revolver Dupont midsummer stopwatch whimsical cowbell bottomless",
	    32);
}
END_TEST

START_TEST(decode_refuses_small_buffer)
{
	static const unsigned char want[] = { 0xe5, 0x82, 0x94, 0xf2 };
	unsigned char d[4];
	size_t n = 99;

	decode_refuses("topmost Istanbul Pluto vagabond", 3);
	decode_refuses("topmost", 0);
	ck_assert_ok(ca_words_decode("topmost Istanbul Pluto vagabond", d, 4,
	    &n));
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(d, want, 4);

	ck_assert_err(ca_words_decode(NULL, d, sizeof(d), &n),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_words_decode("topmost", d, sizeof(d), NULL),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_words_decode("topmost", NULL, 1, &n),
	    CA_ERR_INVALID_ARG);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(encode_refuses_small_buffer)
{
	static const unsigned char b[] = { 0xe5, 0x82 };
	static const char want[] = "topmost Istanbul";
	char out[sizeof(want) + 8];
	size_t cap;

	/* Exactly enough: the words and the NUL. */
	ck_assert_ok(ca_words_encode(b, 2, out, sizeof(want)));
	ck_assert_str_eq(out, want);
	ck_assert_ok(ca_words_encode_hex("e582", out, sizeof(want)));
	ck_assert_str_eq(out, want);

	for (cap = 1; cap < sizeof(want); cap++) {
		memset(out, 'X', sizeof(out));
		ck_assert_err(ca_words_encode(b, 2, out, cap),
		    CA_ERR_INVALID_ARG);
		ck_assert_str_eq(out, "");
		ck_assert_uint_eq(out[cap], 'X');
		memset(out, 'X', sizeof(out));
		ck_assert_err(ca_words_encode_hex("e582", out, cap),
		    CA_ERR_INVALID_ARG);
		ck_assert_str_eq(out, "");
		ck_assert_uint_eq(out[cap], 'X');
	}
	memset(out, 'X', sizeof(out));
	ck_assert_err(ca_words_encode(b, 2, out, 0), CA_ERR_INVALID_ARG);
	ck_assert_uint_eq(out[0], 'X');
	ck_assert_err(ca_words_encode(b, 2, NULL, 64), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_words_encode(NULL, 2, out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_str_eq(out, "");

	/* No bytes: "" needs one byte for the NUL. */
	ck_assert_ok(ca_words_encode(NULL, 0, out, 1));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(encode_hex_forms)
{
	char out[CA_WORDS_CAP(32)], hex[65];
	unsigned char b[32];
	char want[CA_WORDS_CAP(32)];
	size_t i;

	/* A SHA-256 from ca_sha256_hex, the intended use. */
	ca_sha256_hex("abc", 3, hex);
	ck_assert_uint_eq(unhex(hex, b, sizeof(b)), 32);
	ck_assert_ok(ca_words_encode(b, 32, want, sizeof(want)));
	ck_assert_ok(ca_words_encode_hex(hex, out, sizeof(out)));
	ck_assert_str_eq(out, want);

	/* Upper case is the same bytes. */
	for (i = 0; hex[i] != '\0'; i++)
		hex[i] = (char)toupper((unsigned char)hex[i]);
	ck_assert_ok(ca_words_encode_hex(hex, out, sizeof(out)));
	ck_assert_str_eq(out, want);

	ck_assert_ok(ca_words_encode_hex("", out, 1));
	ck_assert_str_eq(out, "");

	memset(out, 'X', sizeof(out));
	ck_assert_err(ca_words_encode_hex("e58", out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_str_eq(out, "");
	memset(out, 'X', sizeof(out));
	ck_assert_err(ca_words_encode_hex("e5g2", out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_str_eq(out, "");
	ck_assert_err(ca_words_encode_hex("e5 82", out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_words_encode_hex("0xe5", out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_words_encode_hex(NULL, out, sizeof(out)),
	    CA_ERR_INVALID_ARG);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *
words_suite(void)
{
	Suite *s = suite_create("words");
	TCase *tl = tcase_create("list");
	TCase *te = tcase_create("encode");
	TCase *td = tcase_create("decode");

	tcase_add_test(tl, known_answers);
	tcase_add_test(tl, whole_list_digest);
	tcase_add_test(tl, anchors);
	tcase_add_test(tl, all_values_both_parities);
	tcase_add_test(tl, round_trip_random);
	suite_add_tcase(s, tl);
	tcase_add_test(te, encode_refuses_small_buffer);
	tcase_add_test(te, encode_hex_forms);
	suite_add_tcase(s, te);
	tcase_add_test(td, decode_separators_and_case);
	tcase_add_test(td, decode_refuses_unknown);
	tcase_add_test(td, decode_refuses_wrong_parity);
	tcase_add_test(td, decode_refuses_small_buffer);
	suite_add_tcase(s, td);
	return s;
}

CK_MAIN(words_suite)
