/* check_jsonloc.c: FILE:LINE:COL for places in hand-written JSON. */
#include "check_util.h"

#include "jsonloc.h"

static const char text[] =
    "{\n"
    "  \"a\": [1,\n"
    "        {\"b\": \"x\", \"c\\u0064\": 2}],\n"
    "  \"\xc3\xa9t\xc3\xa9\": 3, \"z\": 4\n"
    "}\n";

static void
at(const struct ca_jloc *l, int want_line, int want_col)
{
	struct ca_jsrc src = { text, sizeof(text) - 1, "f.json", NULL };
	int line = 0, col = 0;

	ca_jloc_place(&src, l, &line, &col);
	ck_assert_int_eq(line, want_line);
	ck_assert_int_eq(col, want_col);
}

START_TEST(places)
{
	struct ca_jloc top = { NULL, NULL, 0 };
	struct ca_jloc a = { &top, "a", 0 }, a1 = { &a, NULL, 1 };
	struct ca_jloc b = { &a1, "b", 0 }, cd = { &a1, "cd", 0 };
	struct ca_jloc z = { &top, "z", 0 }, none = { &top, "none", 0 };
	struct ca_jloc e = { &top, "\xc3\xa9t\xc3\xa9", 0 };

	at(&top, 1, 1);
	at(&a, 2, 3);
	at(&a1, 3, 9);
	at(&b, 3, 10);
	/* A key written with an escape is found by what it decodes to. */
	at(&cd, 3, 20);
	/* Columns count characters, not UTF-8 bytes. */
	at(&e, 4, 3);
	at(&z, 4, 13);
	/* What is not there: the deepest place found, the object. */
	at(&none, 1, 1);
}
END_TEST

START_TEST(messages)
{
	struct ca_errbuf eb = { 0 };
	struct ca_jsrc src = { text, sizeof(text) - 1, "f.json", &eb };
	struct ca_jsrc nofile = { text, sizeof(text) - 1, NULL, &eb };
	struct ca_jloc top = { NULL, NULL, 0 }, z = { &top, "z", 0 };

	ca_jloc_err(&src, &z, "bad %s", "z");
	ck_assert_str_eq(eb.msg, "f.json:4:13: bad z");
	ca_jloc_err(&nofile, &z, "bad");
	ck_assert_str_eq(eb.msg, "line 4, column 13: bad");
	/* Input quoted in a message cannot drive the terminal. */
	ca_jloc_err_pos(&src, 2, 3, "name \"%s\"", "a\033[2Jb");
	ck_assert_str_eq(eb.msg, "f.json:2:3: name \"a?[2Jb\"");
	src.eb = NULL;
	ca_jloc_err(&src, &z, "nowhere to go");
}
END_TEST

static Suite *
jsonloc_suite(void)
{
	Suite *s = suite_create("jsonloc");
	TCase *t = tcase_create("jsonloc");

	tcase_add_test(t, places);
	tcase_add_test(t, messages);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(jsonloc_suite)
