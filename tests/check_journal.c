/*
 * check_journal.c: finishing or undoing an interrupted operation
 * (lib/journal.c), on files laid out as ca_dir_append leaves them at
 * each step.
 */
#include "check_util.h"

#include "encode.h"
#include "fsio.h"
#include "journal.h"

static char dir[PATH_MAX];
/*
 * An operation that writes issued/A.pem (new), replaces idx (kept as
 * idx.old-1) and appends log/000002.json: each file's place and
 * temporary, named as ca_dir_append names them.
 */
static char p_cert[PATH_MAX], t_cert[PATH_MAX], p_idx[PATH_MAX];
static char t_idx[PATH_MAX], o_idx[PATH_MAX], p_rec[PATH_MAX];
static char t_rec[PATH_MAX];

static void
setup(void)
{
	char p[PATH_MAX];

	tu_tmpdir(dir);
	ck_assert_int_eq(mkdir(tu_path(p, dir, "log"), 0755), 0);
	ck_assert_int_eq(mkdir(tu_path(p, dir, "issued"), 0755), 0);
	tu_path(p_cert, dir, "issued/A.pem");
	tu_path(t_cert, dir, "issued/A.pem.tmp-aaaaaa");
	tu_path(p_idx, dir, "idx");
	tu_path(t_idx, dir, "idx.tmp-bbbbbb");
	tu_path(o_idx, dir, "idx.old-1");
	tu_path(p_rec, dir, "log/000002.json");
	tu_path(t_rec, dir, "000002.json.tmp-cccccc");
}

static void
teardown(void)
{
	tu_rmrf(dir);
}

static int
exists(const char *rel)
{
	char p[PATH_MAX];

	return access(tu_path(p, dir, rel), F_OK) == 0;
}

static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX];

	tu_write(tu_path(p, dir, rel), text, strlen(text));
}

static void
holds(const char *rel, const char *text)
{
	char p[PATH_MAX], *got;
	size_t len;

	got = tu_read(tu_path(p, dir, rel), &len);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_mem_eq(got, text, len);
	free(got);
}

/* Its journal. */

static void
journal(void)
{
	struct ca_journal_file f[3];
	struct ca_errbuf eb = { 0 };

	memset(f, 0, sizeof(f));
	f[0].path = p_cert;
	f[0].tmp = t_cert;
	ca_sha256_hex("cert", 4, f[0].sha256);
	f[1].path = p_idx;
	f[1].tmp = t_idx;
	f[1].old = o_idx;
	ca_sha256_hex("new idx", 7, f[1].sha256);
	f[2].path = p_rec;
	f[2].tmp = t_rec;
	ca_sha256_hex("record", 6, f[2].sha256);
	ck_assert_ok(ca_journal_begin(dir, 2, "sign-sub", f, 3, &eb));
}

/* The state once every temporary is written, before any rename. */
static void
temporaries(void)
{
	put("idx", "old idx");
	ck_assert_int_eq(link(p_idx, o_idx), 0);
	journal();
	put("issued/A.pem.tmp-aaaaaa", "cert");
	put("idx.tmp-bbbbbb", "new idx");
	put("000002.json.tmp-cccccc", "record");
}

START_TEST(leftover_names)
{
	ck_assert_int_eq(ca_journal_is_leftover("ca.pem.tmp-Ab3xY9"), 1);
	ck_assert_int_eq(ca_journal_is_leftover("revoked.idx.old-12345"), 1);
	ck_assert_int_eq(ca_journal_is_leftover("000003.json.tmp-zzzzzz"), 1);
	ck_assert_int_eq(ca_journal_is_leftover("ca.pem"), 0);
	ck_assert_int_eq(ca_journal_is_leftover("ca.pem.tmp-abc"), 0);
	ck_assert_int_eq(ca_journal_is_leftover("ca.pem.tmp-abc!ef"), 0);
	ck_assert_int_eq(ca_journal_is_leftover("x.old-"), 0);
	ck_assert_int_eq(ca_journal_is_leftover("x.old-12a"), 0);
	ck_assert_int_eq(ca_journal_is_leftover(".old-1"), 0);
	ck_assert_int_eq(ca_journal_is_leftover("journal.json"), 0);
	ck_assert_int_eq(ca_journal_is_leftover(".lock"), 0);
}
END_TEST

START_TEST(check_reports_journal)
{
	struct ca_errbuf eb = { 0 };

	ck_assert_ok(ca_journal_check(dir, &eb));
	journal();
	ck_assert_err(ca_journal_check(dir, &eb), CA_ERR_INTERRUPTED);
	ck_assert_ptr_nonnull(strstr(eb.msg, "ca-log recover -d"));
	/* One journal at a time. */
	ck_assert_err(ca_journal_begin(dir, 2, "x", NULL, 0, &eb),
	    CA_ERR_INVALID_ARG);
	{
		struct ca_journal_file f = { p_rec, t_rec, NULL, "" };

		ca_sha256_hex("r", 1, f.sha256);
		ck_assert_err(ca_journal_begin(dir, 2, "x", &f, 1, &eb),
		    CA_ERR_EXISTS);
	}
}
END_TEST

START_TEST(journal_is_canonical_and_relative)
{
	char p[PATH_MAX], *text;
	size_t len;

	journal();
	text = tu_read(tu_path(p, dir, CA_FILE_JOURNAL), &len);
	ck_assert_ptr_null(strstr(text, dir));
	ck_assert_ptr_nonnull(strstr(text, "\"path\":\"issued/A.pem\""));
	ck_assert_ptr_nonnull(strstr(text, "\"old\":\"idx.old-1\""));
	ck_assert_ptr_nonnull(strstr(text,
	    "\"format\":\"ca-journal/1\""));
	ck_assert_int_eq(text[len - 1], '\n');
	free(text);
}
END_TEST

START_TEST(back_before_any_rename)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	temporaries();
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.journal, 1);
	ck_assert_int_eq(res.forward, 0);
	ck_assert_int_eq(res.seq, 2);
	ck_assert_str_eq(res.op, "sign-sub");
	ck_assert(!exists("issued/A.pem"));
	holds("idx", "old idx");
	ck_assert(!exists("idx.old-1"));
	ck_assert(!exists("idx.tmp-bbbbbb"));
	ck_assert(!exists("issued/A.pem.tmp-aaaaaa"));
	ck_assert(!exists("000002.json.tmp-cccccc"));
	ck_assert(!exists(CA_FILE_JOURNAL));
	ck_assert_ok(ca_journal_check(dir, &eb));
}
END_TEST

START_TEST(back_after_some_renames)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	temporaries();
	ck_assert_int_eq(rename(t_cert, p_cert), 0);
	ck_assert_int_eq(rename(t_idx, p_idx), 0);
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.forward, 0);
	ck_assert(!exists("issued/A.pem"));
	holds("idx", "old idx");
	ck_assert(!exists("idx.old-1"));
	ck_assert(!exists(CA_FILE_JOURNAL));
	/* Again: nothing more to do. */
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.journal, 0);
	holds("idx", "old idx");
}
END_TEST

START_TEST(back_spares_other_bytes)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	/* The journal was written, no temporary yet; a file is there. */
	put("idx", "old idx");
	ck_assert_int_eq(link(p_idx, o_idx), 0);
	journal();
	put("issued/A.pem", "someone else's");
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.forward, 0);
	holds("issued/A.pem", "someone else's");
	holds("idx", "old idx");
	ck_assert(!exists("idx.old-1"));
}
END_TEST

START_TEST(forward_once_the_record_is_in)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	temporaries();
	ck_assert_int_eq(rename(t_cert, p_cert), 0);
	ck_assert_int_eq(rename(t_rec, p_rec), 0);	/* idx still waiting */
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.journal, 1);
	ck_assert_int_eq(res.forward, 1);
	ck_assert_uint_eq(res.moved, 1);
	holds("issued/A.pem", "cert");
	holds("idx", "new idx");
	holds("log/000002.json", "record");
	ck_assert(!exists("idx.old-1"));
	ck_assert(!exists(CA_FILE_JOURNAL));
}
END_TEST

START_TEST(end_and_rollback)
{
	struct ca_errbuf eb = { 0 };

	temporaries();
	/* Rolling back refuses once the record is in. */
	ck_assert_int_eq(rename(t_cert, p_cert), 0);
	ck_assert_int_eq(rename(t_idx, p_idx), 0);
	ck_assert_int_eq(rename(t_rec, p_rec), 0);
	ck_assert_err(ca_journal_rollback(dir, &eb), CA_ERR_EXISTS);
	ck_assert(exists(CA_FILE_JOURNAL));
	ck_assert_ok(ca_journal_end(dir, &eb));
	ck_assert(!exists(CA_FILE_JOURNAL));
	ck_assert(!exists("idx.old-1"));
	holds("idx", "new idx");
}
END_TEST

START_TEST(refuses_a_journal_reaching_out)
{
	/* Each is split where the SHA-256 goes. */
	static const char *const bad[][2] = {
		{ "{\"files\":[{\"path\":\"../x\",\"sha256\":\"",
		    "\",\"tmp\":\"../x.tmp-aaaaaa\"}],"
		    "\"format\":\"ca-journal/1\",\"op\":\"o\",\"seq\":2}\n" },
		{ "{\"files\":[{\"path\":\"ca.pem\",\"sha256\":\"",
		    "\",\"tmp\":\"other\"}],\"format\":\"ca-journal/1\","
		    "\"op\":\"o\",\"seq\":2}\n" },
		{ "{\"files\":[{\"path\":\"ca.pem\",\"sha256\":\"",
		    "\",\"tmp\":\"log/ca.pem.tmp-aaaaaa\"}],"
		    "\"format\":\"ca-journal/1\",\"op\":\"o\",\"seq\":2}\n" },
		{ "{\"files\":[{\"path\":\"ca.pem\",\"sha256\":\"",
		    "\",\"tmp\":\"ca.pem.tmp-aaaaaa\"}],"
		    "\"format\":\"ca-journal/9\",\"op\":\"o\",\"seq\":2}\n" },
		{ "{\"files\":[{\"old\":\"/etc/passwd\",\"path\":\"ca.pem\","
		    "\"sha256\":\"", "\",\"tmp\":\"ca.pem.tmp-aaaaaa\"}],"
		    "\"format\":\"ca-journal/1\",\"op\":\"o\",\"seq\":2}\n" },
	};
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	char sha[65], text[512];
	size_t i;

	ca_sha256_hex("x", 1, sha);
	put("ca.pem", "x");
	put("ca.pem.tmp-aaaaaa", "x");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s%s", bad[i][0], sha,
		    bad[i][1]);
		put(CA_FILE_JOURNAL, text);
		ck_assert_err(ca_journal_recover(dir, &res, &eb),
		    CA_ERR_SCHEMA);
		holds("ca.pem", "x");
		holds("ca.pem.tmp-aaaaaa", "x");
		ck_assert(exists(CA_FILE_JOURNAL));
	}
	put(CA_FILE_JOURNAL, "{not json");
	ck_assert_err(ca_journal_recover(dir, &res, &eb), CA_ERR_JSON);
}
END_TEST

static int
collect(void *arg, const char *rel)
{
	char *list = arg;

	strcat(list, rel);
	strcat(list, " ");
	return 0;
}

START_TEST(leftovers_found_and_swept)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	char list[512] = "";

	put("ca.pem", "x");
	put("ca.pem.tmp-abcdef", "half");
	put("issued/B.pem.tmp-ABC123", "half");
	put("revoked.idx.old-77", "old");
	put("issued/B.pem", "kept");
	ck_assert_int_eq(ca_journal_leftovers(dir, collect, list), 3);
	ck_assert_ptr_nonnull(strstr(list, "issued/B.pem.tmp-ABC123 "));
	ck_assert_ptr_nonnull(strstr(list, "ca.pem.tmp-abcdef "));
	ck_assert_ptr_nonnull(strstr(list, "revoked.idx.old-77 "));
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert_int_eq(res.journal, 0);
	ck_assert_uint_eq(res.leftovers, 3);
	ck_assert_int_eq(ca_journal_leftovers(dir, NULL, NULL), 0);
	holds("ca.pem", "x");
	holds("issued/B.pem", "kept");
}
END_TEST


/*
 * A lone record with a token step that writes shares to "ns" under the
 * directory, as ca_dir_stage leaves it: journal, record temporary, and
 * the shares folder with one share (and, when stale, a half-built one).
 */
static void
staged(int shares)
{
	struct ca_journal_file f;
	struct ca_errbuf eb = { 0 };
	json_t *step;
	char p[PATH_MAX];

	memset(&f, 0, sizeof(f));
	f.path = p_rec;
	f.tmp = t_rec;
	ca_sha256_hex("record", 6, f.sha256);
	step = json_pack("{s:s, s:s}", "kind", "set-pin", "shares",
	    tu_path(p, dir, "ns"));
	ck_assert_ok(ca_journal_begin_step(dir, 2, "resplit", &f, 1, step,
	    &eb));
	json_decref(step);
	put("000002.json.tmp-cccccc", "record");
	if (shares) {
		ck_assert_int_eq(mkdir(tu_path(p, dir, "ns"), 0700), 0);
		put("ns/01-Eve.share", "share");
		ck_assert_int_eq(mkdir(tu_path(p, dir, "ns.tmp-dddddd"), 0700),
		    0);
		put("ns.tmp-dddddd/01-Eve.share", "share");
	}
}

/* A settle that answers as told, counting its calls. */
static int settled, settle_says, settle_fails;

static int
settle(void *arg, const json_t *step, int *happened, struct ca_errbuf *eb)
{
	(void)arg;
	ck_assert_str_eq(json_string_value(json_object_get(step, "kind")),
	    "set-pin");
	settled++;
	if (settle_fails) {
		ca_errf(eb, "no token");
		return CA_ERR_HSM;
	}
	*happened = settle_says;
	return 0;
}

START_TEST(step_journal_keeps_the_step)
{
	struct ca_errbuf eb = { 0 };
	json_t *step = NULL;

	staged(0);
	ck_assert_ok(ca_journal_step(dir, &step, &eb));
	ck_assert_ptr_nonnull(step);
	ck_assert_str_eq(json_string_value(json_object_get(step, "state")),
	    CA_STEP_PREPARED);
	/* Under the directory: stored relative to it. */
	ck_assert_str_eq(json_string_value(json_object_get(step, "shares")),
	    "ns");
	json_decref(step);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_BEGUN, &eb));
	ck_assert_ok(ca_journal_step(dir, &step, &eb));
	ck_assert_str_eq(json_string_value(json_object_get(step, "state")),
	    CA_STEP_BEGUN);
	json_decref(step);
	ck_assert_err(ca_journal_step_state(dir, "maybe", &eb),
	    CA_ERR_INVALID_ARG);
}
END_TEST

START_TEST(step_prepared_goes_back_without_asking)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	staged(1);
	settled = 0;
	ck_assert_ok(ca_journal_recover_with(dir, settle, NULL, &res, &eb));
	ck_assert_int_eq(settled, 0);
	ck_assert_int_eq(res.forward, 0);
	ck_assert_int_eq(res.asked, 0);
	ck_assert(!exists("000002.json.tmp-cccccc"));
	ck_assert(!exists("ns"));
	ck_assert(!exists("ns.tmp-dddddd"));
	ck_assert(!exists(CA_FILE_JOURNAL));
}
END_TEST

START_TEST(step_begun_asks_the_token)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	/* Without anyone to ask, nothing is done. */
	staged(1);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_BEGUN, &eb));
	ck_assert_err(ca_journal_recover(dir, &res, &eb), CA_ERR_INTERRUPTED);
	ck_assert(exists(CA_FILE_JOURNAL));
	ck_assert(exists("000002.json.tmp-cccccc"));
	ck_assert(exists("ns/01-Eve.share"));
	/* A token that cannot answer: nothing either. */
	settled = 0;
	settle_fails = 1;
	ck_assert_err(ca_journal_recover_with(dir, settle, NULL, &res, &eb),
	    CA_ERR_HSM);
	settle_fails = 0;
	ck_assert_int_eq(settled, 1);
	ck_assert(exists(CA_FILE_JOURNAL));
	ck_assert(exists("ns/01-Eve.share"));
	/* It happened: the record lands, the shares stay. */
	settle_says = 1;
	ck_assert_msg(ca_journal_recover_with(dir, settle, NULL, &res, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_int_eq(res.asked, 1);
	ck_assert_int_eq(res.forward, 1);
	ck_assert_str_eq(res.step, "set-pin");
	holds("log/000002.json", "record");
	holds("ns/01-Eve.share", "share");
	ck_assert(!exists("ns.tmp-dddddd"));
	ck_assert(!exists(CA_FILE_JOURNAL));
}
END_TEST

START_TEST(step_begun_not_happened_is_undone)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	json_t *step = NULL;

	staged(1);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_BEGUN, &eb));
	settled = 0;
	settle_says = 0;
	ck_assert_ok(ca_journal_recover_with(dir, settle, NULL, &res, &eb));
	ck_assert_int_eq(settled, 1);
	ck_assert_int_eq(res.forward, 0);
	ck_assert(!exists("log/000002.json"));
	ck_assert(!exists("000002.json.tmp-cccccc"));
	ck_assert(!exists("ns"));
	ck_assert(!exists("ns.tmp-dddddd"));
	ck_assert(!exists(CA_FILE_JOURNAL));
	/*
	 * Undone once the token said so: a second recovery, should the
	 * first stop after marking it, goes back without asking again.
	 */
	staged(1);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_UNDONE, &eb));
	ck_assert_ok(ca_journal_step(dir, &step, &eb));
	ck_assert_str_eq(json_string_value(json_object_get(step, "state")),
	    CA_STEP_UNDONE);
	json_decref(step);
	settled = 0;
	ck_assert_ok(ca_journal_recover_with(dir, settle, NULL, &res, &eb));
	ck_assert_int_eq(settled, 0);
	ck_assert(!exists("ns"));
}
END_TEST

START_TEST(step_shares_folder_with_other_files_stays)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	staged(1);
	put("ns/notes.txt", "mine");
	ck_assert_err(ca_journal_recover(dir, &res, &eb), CA_ERR_EXISTS);
	holds("ns/notes.txt", "mine");
	ck_assert(strstr(eb.msg, "remove it by hand") != NULL);
	/* The journal stays until the folder is dealt with. */
	ck_assert(exists(CA_FILE_JOURNAL));
	ck_assert_int_eq(unlink(tu_path((char[PATH_MAX]){ 0 }, dir,
	    "ns/notes.txt")), 0);
	ck_assert_ok(ca_journal_recover(dir, &res, &eb));
	ck_assert(!exists("ns"));
}
END_TEST

START_TEST(step_rollback_refused_while_begun)
{
	struct ca_errbuf eb = { 0 };

	staged(1);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_BEGUN, &eb));
	ck_assert_err(ca_journal_rollback(dir, &eb), CA_ERR_INTERNAL);
	ck_assert(exists("ns/01-Eve.share"));
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_UNDONE, &eb));
	ck_assert_ok(ca_journal_rollback(dir, &eb));
	ck_assert(!exists("ns"));
	ck_assert(!exists(CA_FILE_JOURNAL));
}
END_TEST

START_TEST(step_forward_needs_a_whole_record)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };

	staged(1);
	ck_assert_ok(ca_journal_step_state(dir, CA_STEP_BEGUN, &eb));
	put("000002.json.tmp-cccccc", "recor");
	unlink(t_rec);
	put("000002.json.tmp-cccccc", "recorX");
	settle_says = 1;
	ck_assert_err(ca_journal_recover_with(dir, settle, NULL, &res, &eb),
	    CA_ERR_IO);
	ck_assert(!exists("log/000002.json"));
	ck_assert(exists(CA_FILE_JOURNAL));
}
END_TEST

static Suite *
journal_suite(void)
{
	Suite *s = suite_create("journal");
	TCase *t = tcase_create("journal");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, leftover_names);
	tcase_add_test(t, check_reports_journal);
	tcase_add_test(t, journal_is_canonical_and_relative);
	tcase_add_test(t, back_before_any_rename);
	tcase_add_test(t, back_after_some_renames);
	tcase_add_test(t, back_spares_other_bytes);
	tcase_add_test(t, forward_once_the_record_is_in);
	tcase_add_test(t, end_and_rollback);
	tcase_add_test(t, refuses_a_journal_reaching_out);
	tcase_add_test(t, leftovers_found_and_swept);
	tcase_add_test(t, step_journal_keeps_the_step);
	tcase_add_test(t, step_prepared_goes_back_without_asking);
	tcase_add_test(t, step_begun_asks_the_token);
	tcase_add_test(t, step_begun_not_happened_is_undone);
	tcase_add_test(t, step_shares_folder_with_other_files_stays);
	tcase_add_test(t, step_rollback_refused_while_begun);
	tcase_add_test(t, step_forward_needs_a_whole_record);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(journal_suite)
