/* check_store.c: the CA directory, staging and locking (lib/store.c). */
#include "check_util.h"

#include <dirent.h>
#include <sys/wait.h>

#include "store.h"

/*
 * Every temporary folder of a run lives under one base folder, made and
 * removed by the parent process (an unchecked fixture), so that a test
 * whose child dies on a failed assertion leaves nothing behind.
 */
static char tu_base[PATH_MAX];

static void
base_setup(void)
{
	tu_tmpdir(tu_base);
	setenv("TMPDIR", tu_base, 1);
}

static void
base_teardown(void)
{
	tu_rmrf(tu_base);
	unsetenv("TMPDIR");
}

static const struct ca_config good_cfg = {
	.kind = (char *)"root",
	.module = (char *)"/usr/lib/softhsm/libsofthsm2.so",
	.ca_key = (char *)"pkcs11:token=t;object=root-ca;type=private",
	.log_key = (char *)"pkcs11:token=t;object=root-ca-log-signer",
	.algorithm = (char *)"p384",
};

static const char good_json[] =
    "{\"algorithm\":\"p384\","
    "\"ca_key\":\"pkcs11:token=t;object=root-ca;type=private\","
    "\"format\":\"ca-config\",\"kind\":\"root\","
    "\"log_key\":\"pkcs11:token=t;object=root-ca-log-signer\","
    "\"module\":\"/usr/lib/softhsm/libsofthsm2.so\",\"version\":1}\n";

/* Entries in folder dir other than "." and "..". */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
write_config(const char *dir, const char *json)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", dir, CA_FILE_CONFIG);
	tu_write(path, json, strlen(json));
}

START_TEST(config_serialise_is_canonical)
{
	char *s = NULL;
	size_t len = 0;

	ck_assert_ok(ca_config_serialise(&good_cfg, &s, &len));
	ck_assert_str_eq(s, good_json);
	ck_assert_uint_eq(len, strlen(good_json));
	free(s);
}
END_TEST

START_TEST(config_serialise_refuses_control_characters)
{
	struct ca_config c = good_cfg;
	char *s = (char *)1;
	size_t len = 0;

	c.module = (char *)"/tmp/evil\001.so";
	ck_assert_err(ca_config_serialise(&c, &s, &len), CA_ERR_CANON);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(config_round_trip)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct ca_config *c = NULL;
	struct ca_errbuf eb;
	char *s = NULL;
	size_t len = 0;

	tu_tmpdir(dir);
	ck_assert_ok(ca_config_serialise(&good_cfg, &s, &len));
	snprintf(path, sizeof(path), "%s/%s", dir, CA_FILE_CONFIG);
	tu_write(path, s, len);
	free(s);
	ck_assert_ok(ca_config_load(dir, &c, &eb));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->kind, good_cfg.kind);
	ck_assert_str_eq(c->module, good_cfg.module);
	ck_assert_str_eq(c->ca_key, good_cfg.ca_key);
	ck_assert_str_eq(c->log_key, good_cfg.log_key);
	ck_assert_str_eq(c->algorithm, good_cfg.algorithm);
	ca_config_free(c);
	ca_config_free(NULL);
	tu_rmrf(dir);
}
END_TEST

START_TEST(config_load_missing)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16];
	struct ca_config *c = (struct ca_config *)1;
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	ck_assert_err(ca_config_load(dir, &c, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(c);
	snprintf(sub, sizeof(sub), "%s/none", dir);
	ck_assert_err(ca_config_load(sub, &c, &eb), CA_ERR_NOT_FOUND);
	tu_rmrf(dir);
}
END_TEST

/* Load dir/ca.json holding json; expect code and want in eb. */
static void
load_fails(const char *json, int code, const char *want)
{
	char dir[PATH_MAX];
	struct ca_config *c = (struct ca_config *)1;
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	write_config(dir, json);
	eb.msg[0] = '\0';
	ck_assert_err(ca_config_load(dir, &c, &eb), code);
	ck_assert_ptr_null(c);
	if (want != NULL)
		ck_assert_msg(strstr(eb.msg, want) != NULL, "detail \"%s\" "
		    "lacks \"%s\"", eb.msg, want);
	tu_rmrf(dir);
}

START_TEST(config_load_bad_json)
{
	load_fails("{\"format\":\"ca-config\",", CA_ERR_JSON, NULL);
	load_fails("", CA_ERR_JSON, NULL);
	load_fails("{\"format\":\"ca-config\"} trailing", CA_ERR_JSON, NULL);
	/* Two readings of one field are refused outright. */
	load_fails("{\"algorithm\":\"p384\",\"algorithm\":\"p256\","
	    "\"ca_key\":\"k\",\"format\":\"ca-config\",\"kind\":\"root\","
	    "\"log_key\":\"l\",\"module\":\"m\",\"version\":1}",
	    CA_ERR_JSON, NULL);
}
END_TEST

START_TEST(config_load_wrong_version)
{
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"format\":\"ca-config\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"version\":2}", CA_ERR_VERSION, "version");
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"format\":\"ca-config\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"version\":0}", CA_ERR_VERSION, "version");
}
END_TEST

START_TEST(config_load_wrong_format)
{
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"format\":\"ca-cfg\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"version\":1}", CA_ERR_SCHEMA, "format");
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"version\":1}", CA_ERR_SCHEMA, "format");
	load_fails("[]", CA_ERR_SCHEMA, NULL);
}
END_TEST

/* ca-directory(5): a member we do not know is refused. */
START_TEST(config_load_unknown_member)
{
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"format\":\"ca-config\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"pin\":\"123456\",\"version\":1}",
	    CA_ERR_SCHEMA, "unknown member \"pin\"");
	load_fails("{\"algorithm\":\"p384\",\"ca_key\":\"k\","
	    "\"format\":\"ca-config\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"Module\":\"n\",\"version\":1}",
	    CA_ERR_SCHEMA, "unknown member \"Module\"");
}
END_TEST

START_TEST(config_load_missing_field)
{
	static const char *const fields[] = {
		"algorithm", "ca_key", "kind", "log_key", "module",
	};
	char json[512];
	size_t i, j;
	int empty;

	/* Each field left out, then present but "". */
	for (i = 0; i < 5; i++) {
		for (empty = 0; empty < 2; empty++) {
			snprintf(json, sizeof(json),
			    "{\"format\":\"ca-config\",\"version\":1");
			for (j = 0; j < 5; j++) {
				if (j == i && !empty)
					continue;
				snprintf(json + strlen(json), sizeof(json) -
				    strlen(json), ",\"%s\":\"%s\"", fields[j],
				    j == i ? "" : "v");
			}
			strcat(json, "}");
			load_fails(json, CA_ERR_SCHEMA, fields[i]);
		}
	}
	/* Not a string. */
	load_fails("{\"algorithm\":7,\"ca_key\":\"k\","
	    "\"format\":\"ca-config\",\"kind\":\"root\",\"log_key\":\"l\","
	    "\"module\":\"m\",\"version\":1}", CA_ERR_SCHEMA, "algorithm");
}
END_TEST

START_TEST(stage_commit_creates_dir)
{
	char top[PATH_MAX], dir[PATH_MAX + 8], p[PATH_MAX + 40];
	struct ca_stage *st = NULL;
	struct ca_errbuf eb;
	struct stat sb;
	char *got;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_ok(ca_stage_new(dir, &st, &eb));
	ck_assert_ptr_nonnull(st);
	/* Nothing at the final name until the commit. */
	ck_assert_int_ne(lstat(dir, &sb), 0);
	ck_assert_int_eq(count_entries(top), 1);
	ck_assert_ok(ca_stage_put(st, CA_FILE_CERT, "cert\n", 5, 0644, &eb));
	ck_assert_ok(ca_stage_put(st, CA_FILE_CONFIG, "{}\n", 3, 0600, &eb));
	ck_assert_ok(ca_stage_put(st, "log/000001.json", "rec\n", 4, 0644,
	    &eb));
	/* A name is written once. */
	ck_assert_err(ca_stage_put(st, CA_FILE_CERT, "x", 1, 0644, &eb),
	    CA_ERR_EXISTS);
	ck_assert_int_ne(lstat(dir, &sb), 0);
	ck_assert_ok(ca_stage_commit(st, &eb));
	/* After the commit no more files go in. */
	ck_assert_err(ca_stage_put(st, "late", "x", 1, 0644, &eb),
	    CA_ERR_INTERNAL);
	ca_stage_free(st);

	ck_assert_int_eq(lstat(dir, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	ck_assert_int_eq(sb.st_mode & 07777, 0755);
	ck_assert_int_eq(count_entries(top), 1);	/* no staging left */
	ck_assert_int_eq(count_entries(dir), 3);
	snprintf(p, sizeof(p), "%s/%s", dir, CA_FILE_CERT);
	got = tu_read(p, NULL);
	ck_assert_str_eq(got, "cert\n");
	free(got);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0644);
	snprintf(p, sizeof(p), "%s/%s", dir, CA_FILE_CONFIG);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/log", dir);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0755);
	ck_assert_int_eq(count_entries(p), 1);
	snprintf(p, sizeof(p), "%s/log/000001.json", dir);
	got = tu_read(p, NULL);
	ck_assert_str_eq(got, "rec\n");
	free(got);
	tu_rmrf(top);
}
END_TEST

START_TEST(stage_commit_with_empty_log)
{
	char top[PATH_MAX], dir[PATH_MAX + 8], p[PATH_MAX + 16];
	struct ca_stage *st = NULL;
	struct stat sb;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_ok(ca_stage_new(dir, &st, NULL));
	ck_assert_ok(ca_stage_commit(st, NULL));
	ca_stage_free(st);
	snprintf(p, sizeof(p), "%s/log", dir);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	tu_rmrf(top);
}
END_TEST

START_TEST(stage_free_removes_staging)
{
	char top[PATH_MAX], dir[PATH_MAX + 8];
	struct ca_stage *st = NULL;
	struct ca_errbuf eb;
	struct stat sb;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_ok(ca_stage_new(dir, &st, &eb));
	ck_assert_ok(ca_stage_put(st, CA_FILE_CERT, "c", 1, 0644, &eb));
	ck_assert_ok(ca_stage_put(st, CA_FILE_LOG_SIGNER, "l", 1, 0644, &eb));
	ck_assert_ok(ca_stage_put(st, "log/000001.json", "r", 1, 0644, &eb));
	ck_assert_int_eq(count_entries(top), 1);
	ca_stage_free(st);
	ck_assert_int_eq(count_entries(top), 0);
	ck_assert_int_ne(lstat(dir, &sb), 0);
	ca_stage_free(NULL);
	tu_rmrf(top);
}
END_TEST

/* For stage_orphans: say what was found, and keep the one noted "keep". */
struct seen {
	int with_note, without;
};

static int
orphan_cb(void *arg, const char *stage, const char *note)
{
	struct seen *s = arg;

	ck_assert_ptr_nonnull(strstr(stage, "/ca.staging-"));
	if (note == NULL) {
		s->without++;
		return 0;
	}
	s->with_note++;
	return strstr(note, "keep") != NULL;
}

START_TEST(stage_orphans)
{
	char top[PATH_MAX], dir[PATH_MAX + 8];
	struct ca_stage *a = NULL, *b = NULL, *c = NULL, *me = NULL;
	struct seen seen = { 0, 0 };
	struct ca_errbuf eb = { 0 };

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	/* Three runs "killed": one noted, one noted to keep, one not. */
	ck_assert_ok(ca_stage_new(dir, &a, &eb));
	ck_assert_ok(ca_stage_put(a, CA_FILE_CERT, "c", 1, 0644, &eb));
	ck_assert_ok(ca_stage_note(a, "{\"k\":1}", 7, &eb));
	ca_stage_abandon(a);
	ca_stage_free(a);
	ck_assert_ok(ca_stage_new(dir, &b, &eb));
	ck_assert_ok(ca_stage_note(b, "keep", 4, &eb));
	ca_stage_abandon(b);
	ca_stage_free(b);
	ck_assert_ok(ca_stage_new(dir, &c, &eb));
	ca_stage_abandon(c);
	ca_stage_free(c);
	ck_assert_int_eq(count_entries(top), 5);
	/* The next run clears up all but the one kept, and not itself. */
	ck_assert_ok(ca_stage_new(dir, &me, &eb));
	ck_assert_int_eq(ca_stage_orphans(me, orphan_cb, &seen, &eb), 2);
	ck_assert_int_eq(seen.with_note, 2);
	ck_assert_int_eq(seen.without, 1);
	ck_assert_int_eq(count_entries(top), 3);
	ca_stage_free(me);
	ck_assert_int_eq(count_entries(top), 2);
	tu_rmrf(top);
}
END_TEST

START_TEST(stage_note_outlives_commit_only_until_sweep)
{
	char top[PATH_MAX], dir[PATH_MAX + 8], note[PATH_MAX * 2];
	struct ca_stage *st = NULL;
	struct ca_errbuf eb = { 0 };

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_ok(ca_stage_new(dir, &st, &eb));
	ck_assert_ok(ca_stage_note(st, "n", 1, &eb));
	ck_assert_int_eq(count_entries(top), 2);
	ck_assert_ok(ca_stage_commit(st, &eb));
	/* The commit removes the note... */
	ck_assert_int_eq(count_entries(top), 1);
	ca_stage_free(st);
	/* ...and a sweep removes one a crash left. */
	snprintf(note, sizeof(note), "%s/ca.staging-AbC123.keys", top);
	tu_write(note, "n", 1);
	snprintf(note, sizeof(note), "%s/ca.staging-AbC124.keys.tmp-xyzXYZ",
	    top);
	tu_write(note, "n", 1);
	snprintf(note, sizeof(note), "%s/other.staging-AbC123.keys", top);
	tu_write(note, "n", 1);
	ck_assert_int_eq(ca_stage_sweep(dir, &eb), 2);
	ck_assert_int_eq(count_entries(top), 2);	/* ca, other's note */
	tu_rmrf(top);
}
END_TEST

START_TEST(stage_new_existing)
{
	char top[PATH_MAX], dir[PATH_MAX + 8];
	struct ca_stage *st = (struct ca_stage *)1;
	struct ca_errbuf eb;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	eb.msg[0] = '\0';
	ck_assert_err(ca_stage_new(dir, &st, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(eb.msg, "already exists") != NULL, "%s", eb.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	ck_assert_int_eq(rmdir(dir), 0);

	/* A file, or a dangling symbolic link, is just as taken. */
	tu_write(dir, "x", 1);
	ck_assert_err(ca_stage_new(dir, &st, &eb), CA_ERR_EXISTS);
	ck_assert_int_eq(unlink(dir), 0);
	ck_assert_int_eq(symlink("/nonexistent/kc-target", dir), 0);
	ck_assert_err(ca_stage_new(dir, &st, &eb), CA_ERR_EXISTS);
	ck_assert_int_eq(count_entries(top), 1);
	tu_rmrf(top);
}
END_TEST

START_TEST(stage_new_missing_parent)
{
	char top[PATH_MAX], dir[PATH_MAX + 16];
	struct ca_stage *st = (struct ca_stage *)1;
	struct ca_errbuf eb;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/no/ca", top);
	ck_assert_err(ca_stage_new(dir, &st, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(count_entries(top), 0);
	tu_rmrf(top);
}
END_TEST

/* The folder appeared between stage_new and commit: never replaced. */
START_TEST(stage_commit_refuses_appeared_dir)
{
	char top[PATH_MAX], dir[PATH_MAX + 8];
	struct ca_stage *st = NULL;
	struct ca_errbuf eb;

	tu_tmpdir(top);
	snprintf(dir, sizeof(dir), "%s/ca", top);
	ck_assert_ok(ca_stage_new(dir, &st, &eb));
	ck_assert_ok(ca_stage_put(st, CA_FILE_CERT, "c", 1, 0644, &eb));
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_err(ca_stage_commit(st, &eb), CA_ERR_EXISTS);
	ck_assert_int_eq(count_entries(dir), 0);
	ca_stage_free(st);
	/* Only the folder that appeared is left. */
	ck_assert_int_eq(count_entries(top), 1);
	ck_assert_int_eq(count_entries(dir), 0);
	tu_rmrf(top);
}
END_TEST

/*
 * Two CAs created side by side at once: the second is told at once.
 * (Not listed in store.h's contract for ca_stage_new; see the report.)
 */
START_TEST(stage_new_beside_another_is_locked)
{
	char top[PATH_MAX], a[PATH_MAX + 8], b[PATH_MAX + 8];
	struct ca_stage *sa = NULL, *sb_ = NULL;
	struct ca_errbuf eb;

	tu_tmpdir(top);
	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/b", top);
	ck_assert_ok(ca_stage_new(a, &sa, &eb));
	ck_assert_err(ca_stage_new(b, &sb_, &eb), CA_ERR_LOCKED);
	ck_assert_ptr_null(sb_);
	ca_stage_free(sa);
	ck_assert_ok(ca_stage_new(b, &sb_, &eb));
	ca_stage_free(sb_);
	ck_assert_int_eq(count_entries(top), 0);
	tu_rmrf(top);
}
END_TEST

/* Try the lock from a child; its exit status is the (negated) code. */
static int
lock_in_child(const char *dir)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = -1, r = ca_store_lock(dir, &fd, NULL);

		ca_store_unlock(fd);
		_exit(-r);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return -WEXITSTATUS(status);
}

START_TEST(store_lock_excludes_other_process)
{
	char dir[PATH_MAX], p[PATH_MAX + 16];
	struct ca_errbuf eb;
	struct stat sb;
	int fd = -1;

	tu_tmpdir(dir);
	ck_assert_ok(ca_store_lock(dir, &fd, &eb));
	ck_assert_int_ge(fd, 0);
	snprintf(p, sizeof(p), "%s/%s", dir, CA_FILE_LOCK);
	ck_assert_int_eq(lstat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(lock_in_child(dir), CA_ERR_LOCKED);
	ca_store_unlock(fd);
	ck_assert_int_eq(lock_in_child(dir), CA_OK);
	ck_assert_ok(ca_store_lock(dir, &fd, &eb));
	ca_store_unlock(fd);
	ca_store_unlock(-1);
	tu_rmrf(dir);
}
END_TEST

START_TEST(store_lock_errors)
{
	char dir[PATH_MAX], p[PATH_MAX + 16];
	struct ca_errbuf eb;
	int fd = 5;

	tu_tmpdir(dir);
	snprintf(p, sizeof(p), "%s/none", dir);
	ck_assert_err(ca_store_lock(p, &fd, &eb), CA_ERR_NOT_FOUND);
	ck_assert_int_eq(fd, -1);
	/* A symbolic link planted as the lock file is not followed. */
	snprintf(p, sizeof(p), "%s/%s", dir, CA_FILE_LOCK);
	ck_assert_int_eq(symlink("/tmp/kc-lock-target", p), 0);
	ck_assert_err(ca_store_lock(dir, &fd, &eb), CA_ERR_IO);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_ne(access("/tmp/kc-lock-target", F_OK), 0);
	tu_rmrf(dir);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);

	tcase_add_test(tc, config_serialise_is_canonical);
	tcase_add_test(tc, config_serialise_refuses_control_characters);
	tcase_add_test(tc, config_round_trip);
	tcase_add_test(tc, config_load_missing);
	tcase_add_test(tc, config_load_bad_json);
	tcase_add_test(tc, config_load_wrong_version);
	tcase_add_test(tc, config_load_wrong_format);
	tcase_add_test(tc, config_load_unknown_member);
	tcase_add_test(tc, config_load_missing_field);
	tcase_add_test(tc, stage_commit_creates_dir);
	tcase_add_test(tc, stage_commit_with_empty_log);
	tcase_add_test(tc, stage_free_removes_staging);
	tcase_add_test(tc, stage_orphans);
	tcase_add_test(tc, stage_note_outlives_commit_only_until_sweep);
	tcase_add_test(tc, stage_new_existing);
	tcase_add_test(tc, stage_new_missing_parent);
	tcase_add_test(tc, stage_commit_refuses_appeared_dir);
	tcase_add_test(tc, stage_new_beside_another_is_locked);
	tcase_add_test(tc, store_lock_excludes_other_process);
	tcase_add_test(tc, store_lock_errors);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(store_suite)
