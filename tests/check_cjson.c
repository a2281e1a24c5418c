/* check_cjson.c: the canonical-JSON profile (lib/cjson.c). */
#include "check_util.h"

#include <stdint.h>

#include "cjson.h"

/* Parse the C string s strictly; returns the code, *out as ca_json_parse. */
static int
parse(const char *s, json_t **out)
{
	return ca_json_parse(s, strlen(s), out, NULL);
}

/* Parse the C string s loosely. */
static int
loose(const char *s, json_t **out)
{
	return ca_json_parse_loose(s, strlen(s), out, NULL);
}

/* The canonical bytes of v must be exactly want. */
static void
canon_is(json_t *v, const char *want)
{
	char *s = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(v);
	ck_assert_ok(ca_json_canon(v, &s, &len, NULL));
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(len, strlen(want));
	free(s);
}

/* v (which is consumed) must be outside the profile. */
static void
canon_refuses(json_t *v, const char *path)
{
	struct ca_errbuf eb;
	static char sentinel;
	char *s = &sentinel;
	size_t len = 99;

	ck_assert_ptr_nonnull(v);
	eb.msg[0] = '\0';
	ck_assert_int_eq(ca_json_check(v, NULL), 0);
	ck_assert_err(ca_json_canon(v, &s, &len, &eb), CA_ERR_CANON);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strncmp(eb.msg, path, strlen(path)) == 0 &&
	    eb.msg[strlen(path)] == ':', "reason \"%s\" does not start with "
	    "\"%s:\"", eb.msg, path);
	json_decref(v);
}

/* buf[0..len) must parse strictly with exactly code r, *out left NULL. */
static void
parse_fails_n(const char *buf, size_t len, int r)
{
	json_t *v = json_null();

	ck_assert_err(ca_json_parse(buf, len, &v, NULL), r);
	ck_assert_ptr_null(v);
}

/* As parse_fails_n for the C string s. */
static void
parse_fails(const char *s, int r)
{
	parse_fails_n(s, strlen(s), r);
}

/* Found by fuzz_record: the body of a record that has none. */
START_TEST(canon_of_missing_member)
{
	char *out = (char *)1;
	size_t len = 1;

	ck_assert_int_eq(ca_json_check(NULL, NULL), 0);
	ck_assert_err(ca_json_canon(json_object_get(NULL, "body"), &out, &len,
	    NULL), CA_ERR_CANON);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(canon_sorts_and_compacts)
{
	json_t *v;

	v = json_pack("{s:i, s:[i, i, {s:n, s:b, s:s}], s:{}, s:[]}",
	    "b", 1, "a", 1, -2, "d", "c", 1, "A", "x y", "e", "Z");
	canon_is(v, "{\"Z\":[],\"a\":[1,-2,{\"A\":\"x y\",\"c\":true,"
	    "\"d\":null}],\"b\":1,\"e\":{}}");
	json_decref(v);

	/* Sorted by bytes, so "a" < "a0" < "b" and "_" sits after "Z". */
	v = json_pack("{s:i, s:i, s:i, s:i, s:i}", "b", 1, "a0", 2, "a", 3,
	    "_", 4, "Z", 5);
	canon_is(v, "{\"Z\":5,\"_\":4,\"a\":3,\"a0\":2,\"b\":1}");
	json_decref(v);
}
END_TEST

START_TEST(canon_scalars_and_strings)
{
	json_t *v;

	v = json_integer(42);
	canon_is(v, "42");
	json_decref(v);
	v = json_true();
	canon_is(v, "true");
	v = json_null();
	canon_is(v, "null");
	/* Newline is the one control character allowed; no trailing one. */
	v = json_string("a\nb \"q\" \\ / caf\xc3\xa9");
	canon_is(v, "\"a\\nb \\\"q\\\" \\\\ / caf\xc3\xa9\"");
	json_decref(v);
}
END_TEST

START_TEST(canon_equals_parse_of_pretty_input)
{
	static const char pretty[] =
	    "{\n  \"z\": [ 1, 2 ],\n  \"k\": { \"y\": \"\\u00e9\", "
	    "\"x\": false }\n}\n";
	json_t *v = NULL, *w = NULL;
	char *s = NULL, *t = NULL;
	size_t n, m;

	ck_assert_ok(parse(pretty, &v));
	ck_assert_ok(ca_json_canon(v, &s, &n, NULL));
	ck_assert_str_eq(s, "{\"k\":{\"x\":false,\"y\":\"\xc3\xa9\"},"
	    "\"z\":[1,2]}");
	/* The canonical form is a fixed point. */
	ck_assert_ok(ca_json_parse(s, n, &w, NULL));
	ck_assert_ok(ca_json_canon(w, &t, &m, NULL));
	ck_assert_uint_eq(m, n);
	ck_assert_str_eq(t, s);
	free(s);
	free(t);
	json_decref(v);
	json_decref(w);
}
END_TEST

START_TEST(canon_refuses_floats)
{
	canon_refuses(json_real(1.0), "$");
	canon_refuses(json_pack("{s:[i, f]}", "a", 1, 0.5), "$.a[1]");
	canon_refuses(json_pack("{s:{s:f}}", "x", "y", 1e300), "$.x.y");
}
END_TEST

START_TEST(canon_integer_range)
{
	json_t *v;

	v = json_integer(CA_JSON_INT_MAX);
	canon_is(v, "9007199254740991");
	json_decref(v);
	v = json_integer(-CA_JSON_INT_MAX);
	canon_is(v, "-9007199254740991");
	json_decref(v);
	canon_refuses(json_integer(CA_JSON_INT_MAX + 1), "$");
	canon_refuses(json_integer(-CA_JSON_INT_MAX - 1), "$");
	canon_refuses(json_pack("[I]", (json_int_t)INT64_MAX), "$[0]");
	canon_refuses(json_pack("{s:I}", "n", (json_int_t)INT64_MIN), "$.n");
}
END_TEST

START_TEST(canon_refuses_control_characters)
{
	json_t *v;

	canon_refuses(json_string("a\tb"), "$");
	canon_refuses(json_string("\r"), "$");
	canon_refuses(json_string("\x1f"), "$");
	canon_refuses(json_string("\x01"), "$");
	canon_refuses(json_string("del\x7f"), "$");
	canon_refuses(json_stringn("a\0b", 3), "$");
	canon_refuses(json_pack("{s:[s, s]}", "l", "ok", "b\bad"), "$.l[1]");
	/* Printable ASCII and multi-byte UTF-8 are fine. */
	v = json_string(" ~\xe2\x82\xac\xf0\x9f\x94\x91");
	canon_is(v, "\" ~\xe2\x82\xac\xf0\x9f\x94\x91\"");
	json_decref(v);
}
END_TEST

START_TEST(canon_refuses_bad_keys)
{
	json_t *v;

	canon_refuses(json_pack("{s:i}", "caf\xc3\xa9", 1), "$");
	canon_refuses(json_pack("{s:{s:i}}", "o", "a\x01", 1), "$.o");
	canon_refuses(json_pack("{s:i}", "a\x7f", 1), "$");
	canon_refuses(json_pack("{s:i}", "a\nb", 1), "$");
	/* Every printable ASCII character may appear in a key. */
	v = json_pack("{s:i}", " !\"#\\/~", 1);
	canon_is(v, "{\" !\\\"#\\\\/~\":1}");
	json_decref(v);
}
END_TEST

START_TEST(canon_refuses_invalid_utf8)
{
	/*
	 * json_string() refuses invalid UTF-8, but json_string_nocheck() and
	 * json_stringn_nocheck() do not; the profile requires valid UTF-8
	 * whatever built the value.
	 */
	canon_refuses(json_string_nocheck("\xff"), "$");
	canon_refuses(json_pack("{s:o}", "s", json_string_nocheck("a\xc3")),
	    "$.s");
	canon_refuses(json_string_nocheck("\xed\xa0\x80"), "$");
}
END_TEST

START_TEST(check_reports_path)
{
	struct ca_errbuf eb;
	json_t *v;

	v = json_pack("{s:{s:[n, n, {s:f}]}}", "a", "b", "c", 1.5);
	ck_assert_int_eq(ca_json_check(v, &eb), 0);
	ck_assert_str_eq(eb.msg, "$.a.b[2].c: floating-point number");
	json_decref(v);

	v = json_pack("{s:{s:[n, n, {s:i}]}}", "a", "b", "c", 1);
	ck_assert_int_eq(ca_json_check(v, NULL), 1);
	json_decref(v);
}
END_TEST

START_TEST(parse_strict_accepts_profile)
{
	json_t *v = NULL;

	ck_assert_ok(parse("{\"a\":[1,-9007199254740991,9007199254740991,"
	    "\"x\\ny\",true,false,null,{}]}", &v));
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_integer_value(json_array_get(
	    json_object_get(v, "a"), 2)), CA_JSON_INT_MAX);
	json_decref(v);

	/* Scalars at the top are allowed, as are surrounding blanks. */
	ck_assert_ok(parse(" \"s\"\n", &v));
	ck_assert_str_eq(json_string_value(v), "s");
	json_decref(v);
	ck_assert_ok(parse("7", &v));
	ck_assert_int_eq(json_integer_value(v), 7);
	json_decref(v);
}
END_TEST

START_TEST(parse_strict_refuses_malformed)
{
	static const char nul[] = "{\"a\":1}\0";

	parse_fails("", CA_ERR_JSON);
	parse_fails("{", CA_ERR_JSON);
	parse_fails("{\"a\":1,}", CA_ERR_JSON);
	parse_fails("[1 2]", CA_ERR_JSON);
	parse_fails("{'a':1}", CA_ERR_JSON);
	/* Trailing data: no file can be read two ways. */
	parse_fails("{}{}", CA_ERR_JSON);
	parse_fails("{\"a\":1} x", CA_ERR_JSON);
	parse_fails_n(nul, sizeof(nul) - 1, CA_ERR_JSON);
	/* Duplicate keys, at the top and nested. */
	parse_fails("{\"a\":1,\"a\":1}", CA_ERR_JSON);
	parse_fails("{\"o\":{\"k\":1,\"j\":2,\"k\":3}}", CA_ERR_JSON);
	/* NUL in a string. */
	parse_fails("[\"a\\u0000b\"]", CA_ERR_JSON);
	/* Invalid UTF-8, lone surrogates. */
	parse_fails("[\"\xff\"]", CA_ERR_JSON);
	parse_fails("[\"\xc3\"]", CA_ERR_JSON);
	parse_fails("[\"\\ud800\"]", CA_ERR_JSON);
	/* Beyond what a 64-bit integer holds. */
	parse_fails("[9223372036854775808]", CA_ERR_JSON);
}
END_TEST

START_TEST(parse_strict_refuses_outside_profile)
{
	static const char in[] = "{\"k\":[0,1.5]}";
	struct ca_errbuf eb;
	json_t *v = json_null();

	parse_fails("1.0", CA_ERR_CANON);
	parse_fails("[1e2]", CA_ERR_CANON);
	parse_fails("{\"a\":-0.5}", CA_ERR_CANON);
	parse_fails("[9007199254740992]", CA_ERR_CANON);
	parse_fails("[-9007199254740992]", CA_ERR_CANON);
	parse_fails("[\"\\t\"]", CA_ERR_CANON);
	parse_fails("[\"\\u0001\"]", CA_ERR_CANON);
	parse_fails("[\"\\u007f\"]", CA_ERR_CANON);
	parse_fails("[\"\x7f\"]", CA_ERR_CANON);
	parse_fails("{\"\\u00e9\":1}", CA_ERR_CANON);
	parse_fails("{\"\xc3\xa9\":1}", CA_ERR_CANON);
	parse_fails("{\"a\\u0001\":1}", CA_ERR_CANON);

	ck_assert_err(ca_json_parse(in, strlen(in), &v, &eb), CA_ERR_CANON);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(eb.msg, "$.k[1]: floating-point number");
}
END_TEST

START_TEST(parse_strict_depth_limit)
{
	char buf[2 * 40 + 1];
	json_t *v = NULL;
	int k;

	/* Records are shallow: 33 levels pass, 34 do not. */
	for (k = 33; k <= 34; k++) {
		memset(buf, '[', (size_t)k);
		memset(buf + k, ']', (size_t)k);
		buf[2 * k] = '\0';
		if (k == 33) {
			ck_assert_ok(parse(buf, &v));
			json_decref(v);
		} else
			parse_fails(buf, CA_ERR_CANON);
	}
}
END_TEST

START_TEST(parse_loose)
{
	static const char in[] = "{\"f\":1.5,\"t\":\"\\t\","
	    "\"\xc3\xa9\":9007199254740992}";
	json_t *v = NULL;

	/* Floats, control characters and non-ASCII keys are let through. */
	ck_assert_ok(loose(in, &v));
	ck_assert(json_is_real(json_object_get(v, "f")));
	ck_assert_str_eq(json_string_value(json_object_get(v, "t")), "\t");
	ck_assert(json_integer_value(json_object_get(v, "\xc3\xa9")) ==
	    CA_JSON_INT_MAX + 1);
	json_decref(v);

	/* Still JSON, still no duplicates, still no trailing data. */
	v = json_null();
	ck_assert_err(loose("{\"a\":1.5,\"a\":2}", &v), CA_ERR_JSON);
	ck_assert_ptr_null(v);
	ck_assert_err(loose("{} []", &v), CA_ERR_JSON);
	ck_assert_err(loose("nul", &v), CA_ERR_JSON);
	ck_assert_err(loose("[\"\\u0000\"]", &v), CA_ERR_JSON);
}
END_TEST

START_TEST(parse_reports_position)
{
	static const char in[] = "{\n\"a\":1,\n\"a\":2}";
	struct ca_errbuf eb;
	json_t *v = NULL;

	ck_assert_err(ca_json_parse(in, strlen(in), &v, &eb), CA_ERR_JSON);
	ck_assert_msg(strncmp(eb.msg, "line 3 ", 7) == 0, "reason: %s",
	    eb.msg);
}
END_TEST

static Suite *
cjson_suite(void)
{
	Suite *s = suite_create("cjson");
	TCase *tc = tcase_create("canon");
	TCase *tp = tcase_create("parse");

	tcase_add_test(tc, canon_sorts_and_compacts);
	tcase_add_test(tc, canon_of_missing_member);
	tcase_add_test(tc, canon_scalars_and_strings);
	tcase_add_test(tc, canon_equals_parse_of_pretty_input);
	tcase_add_test(tc, canon_refuses_floats);
	tcase_add_test(tc, canon_integer_range);
	tcase_add_test(tc, canon_refuses_control_characters);
	tcase_add_test(tc, canon_refuses_bad_keys);
	tcase_add_test(tc, canon_refuses_invalid_utf8);
	tcase_add_test(tc, check_reports_path);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, parse_strict_accepts_profile);
	tcase_add_test(tp, parse_strict_refuses_malformed);
	tcase_add_test(tp, parse_strict_refuses_outside_profile);
	tcase_add_test(tp, parse_strict_depth_limit);
	tcase_add_test(tp, parse_loose);
	tcase_add_test(tp, parse_reports_position);
	suite_add_tcase(s, tp);
	return s;
}

CK_MAIN(cjson_suite)
