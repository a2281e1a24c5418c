/* check_windows.c: maintenance windows files (lib/windows.c). */
#include "check_util.h"

#include "timefmt.h"
#include "windows.h"

/* 2027-03-01T06:00:00Z and friends, as time_t. */
#define MAR1 ((time_t)1803880800)
#define MAR14 ((time_t)1805047200)

static const char good[] =
    "{\n"
    "  \"format\": \"ca-windows\",\n"
    "  \"version\": 1,\n"
    "  \"sites\": [\n"
    "    {\"name\": \"line-4\", \"zone\": \"OT-L4\", \"windows\": [\n"
    "      {\"name\": \"autumn\", \"start\": \"2027-10-04T06:00:00Z\",\n"
    "       \"end\": \"2027-10-10T18:00:00Z\"},\n"
    "      {\"name\": \"spring\", \"start\": \"2027-03-01T06:00:00Z\",\n"
    "       \"end\": \"2027-03-14T18:00:00Z\"}]},\n"
    "    {\"name\": \"paint-shop\", \"windows\": [\n"
    "      {\"start\": \"2028-01-02T00:00:00Z\",\n"
    "       \"end\": \"2028-01-03T00:00:00Z\"}]}\n"
    "  ],\n"
    "  \"crl_ceremonies\": [\"2027-06-01T09:00:00Z\",\n"
    "    \"2027-01-15T09:00:00Z\"]\n"
    "}\n";

START_TEST(parses_and_orders)
{
	struct ca_windows *w = NULL;
	struct ca_errbuf eb = { 0 };
	const struct ca_site *s;
	time_t t;

	ck_assert_msg(ca_windows_parse(good, strlen(good), "w.json", &w,
	    &eb) == 0, "%s", eb.msg);
	ck_assert_uint_eq(w->nsites, 2);
	s = ca_windows_site(w, "line-4");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->zone, "OT-L4");
	ck_assert_uint_eq(s->nw, 2);
	/* In time order, whatever the file's order. */
	ck_assert_str_eq(s->w[0].name, "spring");
	ck_assert_ok(ca_time_parse("2027-03-01T06:00:00Z", &t));
	ck_assert_int_eq(s->w[0].start, t);
	ck_assert_int_eq(s->w[0].start, MAR1);
	ck_assert_ptr_null(ca_windows_site(w, "nowhere"));
	ck_assert_ptr_null(ca_windows_site(w, "paint-shop")->zone);
	ck_assert_ptr_null(ca_windows_site(w, "paint-shop")->w[0].name);
	ck_assert_uint_eq(w->ncrl, 2);
	ck_assert_int_lt(w->crl[0], w->crl[1]);
	ca_windows_free(w);
	ca_windows_free(NULL);
}
END_TEST

START_TEST(last_and_next)
{
	struct ca_windows *w = NULL;
	struct ca_errbuf eb = { 0 };
	const struct ca_site *s;

	ck_assert_ok(ca_windows_parse(good, strlen(good), NULL, &w, &eb));
	s = ca_windows_site(w, "line-4");
	/* Over by the deadline: its end counts, not its start. */
	ck_assert_ptr_null(ca_window_last_by(s, MAR14 - 1));
	ck_assert_str_eq(ca_window_last_by(s, MAR14)->name, "spring");
	ck_assert_str_eq(ca_window_last_by(s, MAR14 + 400 * 86400)->name,
	    "autumn");
	ck_assert_str_eq(ca_window_next(s, MAR1)->name, "spring");
	ck_assert_str_eq(ca_window_next(s, MAR1 + 1)->name, "autumn");
	ck_assert_ptr_null(ca_window_next(s, MAR14 + 400 * 86400));
	ca_windows_free(w);
}
END_TEST

/* text must be refused with code, the message starting with where. */
static void
refused(const char *text, int code, const char *where, const char *why)
{
	struct ca_windows *w = (struct ca_windows *)1;
	struct ca_errbuf eb = { 0 };

	ck_assert_err(ca_windows_parse(text, strlen(text), "w.json", &w, &eb),
	    code);
	ck_assert_ptr_null(w);
	ck_assert_msg(strncmp(eb.msg, where, strlen(where)) == 0,
	    "\"%s\" not at %s", eb.msg, where);
	ck_assert_msg(strstr(eb.msg, why) != NULL, "\"%s\" lacks %s", eb.msg,
	    why);
}

#define HEAD "{\"format\": \"ca-windows\", \"version\": 1,\n"

START_TEST(refusals)
{
	refused("{\"format\": ", CA_ERR_JSON, "w.json:1:", "");
	refused("[]", CA_ERR_SCHEMA, "w.json:1:1:", "json object");
	refused("{\"format\": \"ca-profile\", \"version\": 1}", CA_ERR_SCHEMA,
	    "w.json:1:2:", "\"ca-windows\"");
	refused("{\"format\": \"ca-windows\", \"version\": 2}", CA_ERR_VERSION,
	    "w.json:1:26:", "must be 1");
	refused(HEAD "\"sites\": [], \"extra\": 1}", CA_ERR_SCHEMA,
	    "w.json:2:14:", "unknown member \"extra\"");
	refused(HEAD "\"sites\": []}", CA_ERR_SCHEMA, "w.json:2:1:",
	    "1 to 1024 sites");
	refused(HEAD "\"sites\": [{\"windows\": []}]}", CA_ERR_SCHEMA,
	    "w.json:2:11:", "\"name\" is missing");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": []}]}",
	    CA_ERR_SCHEMA, "w.json:2:25:", "1 to 4096 windows");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01\", "
	    "\"end\": \"2027-03-02T00:00:00Z\"}]}]}",
	    CA_ERR_SCHEMA, "w.json:3:2:", "YYYY-MM-DDTHH:MM:SSZ");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-02T00:00:00Z\", "
	    "\"end\": \"2027-03-01T00:00:00Z\"}]}]}",
	    CA_ERR_SCHEMA, "w.json:3:35:", "ends before it starts");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01T00:00:00Z\", "
	    "\"end\": \"2027-03-03T00:00:00Z\"},\n"
	    "{\"start\": \"2027-03-02T00:00:00Z\", "
	    "\"end\": \"2027-03-04T00:00:00Z\"}]}]}",
	    CA_ERR_SCHEMA, "w.json:2:25:", "overlap");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01T00:00:00Z\", "
	    "\"end\": \"2027-03-03T00:00:00Z\", \"stat\": 1}]}]}",
	    CA_ERR_SCHEMA, "w.json:3:", "unknown member \"stat\"");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01T00:00:00Z\", "
	    "\"end\": \"2027-03-03T00:00:00Z\"}]},\n"
	    "{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01T00:00:00Z\", "
	    "\"end\": \"2027-03-03T00:00:00Z\"}]}]}",
	    CA_ERR_SCHEMA, "w.json:4:1:", "named twice");
	refused(HEAD "\"sites\": [{\"name\": \"a\", \"windows\": [\n"
	    "{\"start\": \"2027-03-01T00:00:00Z\", "
	    "\"end\": \"2027-03-03T00:00:00Z\"}]}],\n"
	    "\"crl_ceremonies\": [\"soon\"]}",
	    CA_ERR_SCHEMA, "w.json:4:20:", "YYYY-MM-DDTHH:MM:SSZ");
}
END_TEST

/* An empty list of CRL ceremonies is none (found by fuzz_windows). */
START_TEST(no_crl_ceremonies)
{
	static const char text[] = "{\"format\":\"ca-windows\",\"version\":1,"
	    "\"sites\":[{\"name\":\"a\",\"windows\":[{\"start\":"
	    "\"2030-01-01T00:00:00Z\",\"end\":\"2030-01-02T00:00:00Z\"}]}],"
	    "\"crl_ceremonies\":[]}";
	struct ca_windows *w = NULL;
	struct ca_errbuf eb = { 0 };

	ck_assert_msg(ca_windows_parse(text, strlen(text), NULL, &w, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_uint_eq(w->ncrl, 0);
	ca_windows_free(w);
}
END_TEST

START_TEST(load_names_the_file)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const struct ca_site *site = NULL;
	struct ca_windows *w = NULL;
	struct ca_errbuf eb = { 0 };

	tu_tmpdir(dir);
	tu_path(path, dir, "windows.json");
	tu_write(path, good, strlen(good));
	ck_assert_msg(ca_windows_load(path, &w, &eb) == 0, "%s", eb.msg);
	ca_windows_free(w);
	tu_write(path, "{}", 2);
	ck_assert_err(ca_windows_load(path, &w, &eb), CA_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(eb.msg, path));
	/* With its site: named, or the only one; advice for a bad file. */
	ck_assert_err(ca_windows_load_site(path, NULL, &w, &site, &eb),
	    CA_ERR_SCHEMA);
	ck_assert_ptr_nonnull(strstr(eb.msg, "fix the windows file"));
	ca_windows_free(w);
	tu_write(path, good, strlen(good));
	ck_assert_err(ca_windows_load_site(path, NULL, &w, &site, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "has 2 sites; name one"));
	ca_windows_free(w);
	ck_assert_err(ca_windows_load_site(path, "nowhere", &w, &site, &eb),
	    CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(site);
	ca_windows_free(w);
	ck_assert_ok(ca_windows_load_site(path, "paint-shop", &w, &site, &eb));
	ck_assert_str_eq(site->name, "paint-shop");
	ca_windows_free(w);
	tu_rmrf(dir);
}
END_TEST

/* --not-before and --not-after as times or windows. */
START_TEST(staged_times)
{
	char dir[PATH_MAX], path[PATH_MAX], by[256];
	struct ca_errbuf eb = { 0 };
	time_t nb = 1, na = 1;

	tu_tmpdir(dir);
	tu_path(path, dir, "windows.json");
	tu_write(path, good, strlen(good));
	ck_assert_ok(ca_windows_staged(path, "line-4", "window:spring",
	    "window:spring", &nb, &na, by, sizeof(by), &eb));
	ck_assert_int_eq(nb, MAR1);
	ck_assert_int_eq(na, MAR14);
	ck_assert_str_eq(by, "site line-4, windows spring to spring");
	ck_assert_ok(ca_windows_staged(path, "line-4", "window:spring", NULL,
	    &nb, &na, by, sizeof(by), &eb));
	ck_assert_int_eq(na, 0);
	ck_assert_str_eq(by, "site line-4, window spring");
	/* Times need no file, and name no window. */
	ck_assert_ok(ca_windows_staged(NULL, NULL, "2027-03-01T06:00:00Z",
	    NULL, &nb, &na, by, sizeof(by), &eb));
	ck_assert_int_eq(nb, MAR1);
	ck_assert_str_eq(by, "");
	ck_assert_ok(ca_windows_staged(NULL, NULL, NULL, NULL, &nb, &na, by,
	    sizeof(by), &eb));
	ck_assert_int_eq(nb + na, 0);
	/* Refusals, each saying what is wrong. */
	ck_assert_err(ca_windows_staged(NULL, NULL, "window:spring", NULL,
	    &nb, &na, by, sizeof(by), &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "needs --windows FILE"));
	ck_assert_err(ca_windows_staged(path, "line-4", NULL, "window:winter",
	    &nb, &na, by, sizeof(by), &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "no window \"winter\""));
	ck_assert_err(ca_windows_staged(NULL, NULL, "next tuesday", NULL,
	    &nb, &na, by, sizeof(by), &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "neither a UTC time"));
	ck_assert_err(ca_windows_staged(path, NULL, "window:spring", NULL,
	    &nb, &na, by, sizeof(by), &eb), CA_ERR_INVALID_ARG);
	tu_rmrf(dir);
}
END_TEST

static Suite *
windows_suite(void)
{
	Suite *s = suite_create("windows");
	TCase *t = tcase_create("windows");

	tcase_add_test(t, parses_and_orders);
	tcase_add_test(t, last_and_next);
	tcase_add_test(t, refusals);
	tcase_add_test(t, no_crl_ceremonies);
	tcase_add_test(t, load_names_the_file);
	tcase_add_test(t, staged_times);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(windows_suite)
