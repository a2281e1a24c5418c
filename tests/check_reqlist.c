/* check_reqlist.c: the requests of a batch (lib/reqlist.c). */
#include "check_util.h"

#include "reqlist.h"

static char dir[PATH_MAX];

static void
setup(void)
{
	tu_tmpdir(dir);
}

static void
teardown(void)
{
	tu_rmrf(dir);
}

static void
put(const char *name, const char *data)
{
	char p[PATH_MAX + 64];

	tu_pathf(p, sizeof(p), "%s/%s", dir, name);
	tu_write(p, data, strlen(data));
}

/* A folder: the requests by their extensions, sorted, nothing else. */
START_TEST(folder)
{
	struct ca_errbuf eb = { 0 };
	char want[PATH_MAX + 64], **v = NULL;
	size_t n = 0;

	put("plc-02.csr", "x");
	put("plc-00.req", "x");
	put("hmi.pem", "x");
	put("rtu.der", "x");
	put("notes.txt", "x");
	put(".hidden.csr", "x");
	put("csr", "x");
	ck_assert_ok(ca_reqlist_folder(dir, &v, &n, &eb));
	ck_assert_uint_eq(n, 4);
	tu_pathf(want, sizeof(want), "%s/hmi.pem", dir);
	ck_assert_str_eq(v[0], want);
	tu_pathf(want, sizeof(want), "%s/plc-00.req", dir);
	ck_assert_str_eq(v[1], want);
	tu_pathf(want, sizeof(want), "%s/plc-02.csr", dir);
	ck_assert_str_eq(v[2], want);
	tu_pathf(want, sizeof(want), "%s/rtu.der", dir);
	ck_assert_str_eq(v[3], want);
	ca_reqlist_free(v, n);
}
END_TEST

/* A list: relative to its own folder, comments and blanks skipped. */
START_TEST(list_file)
{
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 64], want[PATH_MAX + 64], **v = NULL;
	size_t n = 0;

	put("batch.txt", "# line 4\ncsrs/plc-01.csr \n\n/abs/x.csr\r\n"
	    "\t\n# end");
	tu_pathf(p, sizeof(p), "%s/batch.txt", dir);
	ck_assert_ok(ca_reqlist_file(p, &v, &n, &eb));
	ck_assert_uint_eq(n, 2);
	tu_pathf(want, sizeof(want), "%s/csrs/plc-01.csr", dir);
	ck_assert_str_eq(v[0], want);
	ck_assert_str_eq(v[1], "/abs/x.csr");
	ca_reqlist_free(v, n);
	/* A list in the working folder names paths from there. */
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_ok(ca_reqlist_file("batch.txt", &v, &n, &eb));
	ck_assert_str_eq(v[0], "./csrs/plc-01.csr");
	ca_reqlist_free(v, n);
}
END_TEST

/* Nothing to issue, or no such thing: CA_ERR_NOT_FOUND, said in eb. */
START_TEST(empty_and_missing)
{
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 64], **v = NULL;
	size_t n = 7;

	put("notes.txt", "x");
	ck_assert_err(ca_reqlist_folder(dir, &v, &n, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "holds no request"));
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	put("empty.txt", "# none\n\n");
	tu_pathf(p, sizeof(p), "%s/empty.txt", dir);
	ck_assert_err(ca_reqlist_file(p, &v, &n, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "lists no request"));
	tu_pathf(p, sizeof(p), "%s/none", dir);
	ck_assert_err(ca_reqlist_folder(p, &v, &n, &eb), CA_ERR_NOT_FOUND);
	ck_assert_err(ca_reqlist_file(p, &v, &n, &eb), CA_ERR_NOT_FOUND);
}
END_TEST

/* One more than a batch takes is refused, naming the limit. */
START_TEST(too_many)
{
	struct ca_errbuf eb = { 0 };
	char p[PATH_MAX + 64], **v = NULL, *buf;
	size_t n = 0, i, len = 0, cap = (CA_REQLIST_MAX + 1) * 12 + 1;

	ck_assert_ptr_nonnull(buf = malloc(cap));
	for (i = 0; i <= CA_REQLIST_MAX; i++)
		len += (size_t)snprintf(buf + len, cap - len, "r%05zu.csr\n",
		    i);
	tu_pathf(p, sizeof(p), "%s/big.txt", dir);
	tu_write(p, buf, len);
	ck_assert_err(ca_reqlist_file(p, &v, &n, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "split them"));
	ck_assert_ptr_null(v);
	/* Exactly the limit is taken. */
	tu_write(p, buf, len - strlen("r20000.csr\n"));
	ck_assert_ok(ca_reqlist_file(p, &v, &n, &eb));
	ck_assert_uint_eq(n, CA_REQLIST_MAX);
	ca_reqlist_free(v, n);
	free(buf);
}
END_TEST

static Suite *
reqlist_suite(void)
{
	Suite *s = suite_create("reqlist");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, folder);
	tcase_add_test(tc, list_file);
	tcase_add_test(tc, empty_and_missing);
	tcase_add_test(tc, too_many);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(reqlist_suite)
