/* check_split.c: a secret split among custodians, its record and files. */
#include "check_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include "fsio.h"
#include "split.h"

static json_t *
roster(void)
{
	/* Custodians among others: shares follow the custodians' order. */
	json_t *r = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, "
	    "{s:s, s:s}, {s:s, s:s}]", "role", "witness", "name", "Wanda",
	    "role", "custodian", "name", "Ann O'Neil", "role", "custodian",
	    "name", "Bo", "role", "administrator", "name", "Al", "role",
	    "custodian", "name", "Cy");

	ck_assert_ptr_nonnull(r);
	return r;
}

/* How many entries folder holds, dot files aside. */
static int
entries(const char *folder)
{
	DIR *dp;
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(dp = opendir(folder));
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* The share on the last line of a share file, parsed. */
static void
file_share(const char *path, struct ca_share *out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *last;
	struct ca_errbuf eb = { 0 };
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_ok(ca_read_file(path, 4096, &buf, &len, &eb));
	ck_assert_uint_gt(len, 1);
	buf[len - 1] = '\0';
	last = strrchr((char *)buf, '\n');
	ck_assert_ptr_nonnull(last);
	ck_assert_msg(ca_share_parse(last + 1, out, &eb) == 0, "%s", eb.msg);
	free(buf);
}

START_TEST(record_names_custodians_in_order)
{
	struct ca_split *s = NULL;
	struct ca_errbuf eb = { 0 };
	json_t *r = roster(), *shares;
	struct ca_share sh;
	char fp[65];
	unsigned i;
	static const char *const who[] = { "Ann O'Neil", "Bo", "Cy" };

	ck_assert_ok(ca_proc_init());
	ck_assert_msg(ca_split_new(2, 3, CA_SHARE_PIN_LEN, r, &s, &eb) == 0,
	    "%s", eb.msg);
	ck_assert_uint_eq(s->secret->len, 32);
	ck_assert_int_eq(json_integer_value(json_object_get(s->activation,
	    "threshold")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(s->activation,
	    "scheme")), "shamir-gf256");
	shares = json_object_get(s->activation, "shares");
	ck_assert_uint_eq(json_array_size(shares), 3);
	for (i = 0; i < 3; i++) {
		json_t *e = json_array_get(shares, i);

		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "custodian")), who[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(e,
		    "share")), i + 1);
		ck_assert_ok(ca_share_parse(s->text[i]->buf, &sh, &eb));
		ca_share_fingerprint(&sh, fp);
		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "fingerprint")), fp);
		ca_share_wipe(&sh);
	}
	/* The record never holds a share or the secret. */
	{
		char *dump = json_dumps(s->activation, JSON_COMPACT);

		for (i = 0; i < 3; i++)
			ck_assert_ptr_null(strstr(dump, s->text[i]->buf + 20));
		ck_assert_ptr_null(strstr(dump, s->secret->buf));
		free(dump);
	}
	ca_split_free(s);
	json_decref(r);
}
END_TEST

START_TEST(too_few_custodians)
{
	struct ca_split *s = NULL;
	struct ca_errbuf eb = { 0 };
	json_t *r = roster();

	ck_assert_ok(ca_proc_init());
	ck_assert_err(ca_split_new(2, 4, CA_SHARE_PIN_LEN, r, &s, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(eb.msg, "names 3 custodians"));
	ck_assert_err(ca_split_new(4, 3, CA_SHARE_PIN_LEN, r, &s, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(s);
	json_decref(r);
}
END_TEST

START_TEST(files_give_the_secret_back)
{
	char dir[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct ca_split *s = NULL;
	struct ca_errbuf eb = { 0 };
	struct ca_share sh[2];
	struct ca_secret *sec = NULL;
	json_t *r = roster();

	ck_assert_ok(ca_proc_init());
	tu_tmpdir(dir);
	tu_path(out, dir, "shares");
	ck_assert_ok(ca_split_new(2, 3, CA_SHARE_KEY_LEN, r, &s, &eb));
	ck_assert_msg(ca_split_write(s, out, "backup key", "rebuild it",
	    "CA: test", &eb) == 0, "%s", eb.msg);
	/* One file per custodian, named for them, and nothing else. */
	ck_assert_int_eq(entries(dir), 1);
	tu_path(path, out, "01-Ann_O_Neil.share");
	file_share(path, &sh[0]);
	tu_path(path, out, "03-Cy.share");
	file_share(path, &sh[1]);
	ck_assert_ok(ca_shares_combine(sh, 2, json_string_value(
	    json_object_get(s->activation, "check")), &sec, &eb));
	ck_assert_str_eq(sec->buf, s->secret->buf);
	ck_assert_uint_eq(sec->len, 64);
	ca_secret_free(sec);
	ca_share_wipe(&sh[0]);
	ca_share_wipe(&sh[1]);
	/* Undone: the folder goes. */
	ca_split_unwrite(s);
	ck_assert_int_ne(access(out, F_OK), 0);
	ca_split_free(s);
	json_decref(r);
	tu_rmrf(dir);
}
END_TEST

START_TEST(existing_folder_untouched)
{
	char dir[PATH_MAX], out[PATH_MAX], path[PATH_MAX];
	struct ca_split *s = NULL;
	struct ca_errbuf eb = { 0 };
	json_t *r = roster();

	ck_assert_ok(ca_proc_init());
	tu_tmpdir(dir);
	tu_path(out, dir, "shares");
	ck_assert_int_eq(mkdir(out, 0700), 0);
	ck_assert_ok(ca_split_new(2, 2, CA_SHARE_PIN_LEN, r, &s, &eb));
	ck_assert_err(ca_split_write(s, out, "PIN", "open it", "x", &eb),
	    CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "new folder"));
	/* Nothing beside it, and nothing in it. */
	ck_assert_int_eq(entries(dir), 1);
	tu_path(path, out, "01-Ann_O_Neil.share");
	ck_assert_int_ne(access(path, F_OK), 0);
	ca_split_unwrite(s);	/* nothing placed: nothing removed */
	ck_assert_int_eq(access(out, F_OK), 0);
	ca_split_free(s);
	ca_split_free(NULL);
	json_decref(r);
	tu_rmrf(dir);
}
END_TEST

static Suite *
split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *t = tcase_create("split");

	tcase_add_test(t, record_names_custodians_in_order);
	tcase_add_test(t, too_few_custodians);
	tcase_add_test(t, files_give_the_secret_back);
	tcase_add_test(t, existing_folder_untouched);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(split_suite)
