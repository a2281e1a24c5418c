/*
 * check_backup.c: the key backup and restore ceremonies (lib/backup.c)
 * on SoftHSM2 tokens: a backup-capable root, its wrapping key split 2 of
 * 2, a backup test-restored on a scratch token, a restore into a new
 * token, and what each refuses.
 */
#include "check_util.h"

#include <sys/stat.h>

#include "backup.h"
#include "cadir.h"
#include "rootca.h"

static char base[PATH_MAX];
static char dir[PATH_MAX + 16], pinfile[PATH_MAX + 16];
static char pinsrc[PATH_MAX + 32], sosrc[PATH_MAX + 32];
static char profile[PATH_MAX + 16], shares[PATH_MAX + 16];
static char wrapsrc[3 * PATH_MAX];

static void
token(const char *label)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free "
	    "--label %s --so-pin 87654321 --pin 123456 >/dev/null", label);
	ck_assert_int_eq(system(cmd), 0);
}

static void
setup(void)
{
	char so[PATH_MAX + 16];

	tu_tmpdir(base);
	tu_softhsm_token(base, "ca");
	token("scratch");
	token("fresh");
	tu_pathf(dir, sizeof(dir), "%s/root", base);
	tu_pathf(pinfile, sizeof(pinfile), "%s/pin", base);
	tu_write(pinfile, "123456\n", 7);
	ck_assert_int_eq(chmod(pinfile, 0600), 0);
	snprintf(pinsrc, sizeof(pinsrc), "file:%s", pinfile);
	tu_pathf(so, sizeof(so), "%s/so-pin", base);
	tu_write(so, "87654321\n", 9);
	ck_assert_int_eq(chmod(so, 0600), 0);
	snprintf(sosrc, sizeof(sosrc), "file:%s", so);
	tu_pathf(profile, sizeof(profile), "%s/root.json", base);
	tu_pathf(shares, sizeof(shares), "%s/wk", base);
	snprintf(wrapsrc, sizeof(wrapsrc), "shares:%s/01-Carol.share,"
	    "%s/02-Dave.share", shares, shares);
}

static void
teardown(void)
{
	tu_rmrf(base);
}

/* A root on token "ca", backup-capable when its profile allows it. */
static void
make_root(int key_backup)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb = { 0 };
	char text[256];

	snprintf(text, sizeof(text), "{\"format\": \"ca-profile\", "
	    "\"version\": 1, \"kind\": \"root\", \"validity\": \"10y\", "
	    "\"key_usage\": [\"keyCertSign\", \"cRLSign\"], "
	    "\"key_backup\": %s}", key_backup ? "true" : "false");
	tu_write(profile, text, strlen(text));
	memset(&q, 0, sizeof(q));
	q.prog = "check_backup";
	q.dir = dir;
	q.token_uri = "pkcs11:token=ca";
	q.subject = "CN=Backup Test Root";
	q.profile_path = profile;
	q.pin_source = pinsrc;
	q.algorithm = "p256";
	q.now = time(NULL);
	q.backup = 1;
	tu_ceremony(&q);
	if (!key_backup) {
		/* The profile refuses; then a root whose keys stay in. */
		ck_assert_err(ca_root_init(&q, &res, &eb), CA_ERR_PROFILE);
		ck_assert_ptr_nonnull(strstr(eb.msg, "key_backup"));
		q.backup = 0;
	}
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "%s", eb.msg);
}

static void
session(struct ca_session *s)
{
	memset(s, 0, sizeof(*s));
	s->prog = "check_backup";
	s->pin_source = pinsrc;
	s->now = time(NULL);
}

static long long
records(void)
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb = { 0 };
	long long n;

	ck_assert_msg(ca_dir_open(dir, &d, &eb) == 0, "%s", eb.msg);
	n = d->head.seq;
	ca_dir_close(d);
	return n;
}

static int
wrap_key(struct ca_errbuf *eb)
{
	struct ca_wrap_key_req q;
	struct ca_session s;
	char head[65];

	session(&s);
	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.m = q.n = 2;
	q.shares_out = shares;
	q.so_pin_source = sosrc;
	return ca_backup_wrap_key(&q, &s, head, eb);
}

static int
backup(const char *out, struct ca_backup_result *res, struct ca_errbuf *eb)
{
	struct ca_backup_req q;
	struct ca_session s;

	session(&s);
	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.out = out;
	q.scratch_uri = "pkcs11:token=scratch";
	q.scratch_pin_source = pinsrc;
	q.wrap_shares = wrapsrc;
	return ca_backup_run(&q, &s, res, eb);
}

START_TEST(keys_that_never_leave)
{
	struct ca_errbuf eb = { 0 };
	long long n;

	make_root(0);
	n = records();
	ck_assert_err(wrap_key(&eb), CA_ERR_PROFILE);
	ck_assert_ptr_nonnull(strstr(eb.msg, "backup-capable"));
	ck_assert_int_eq(records(), n);
	ck_assert_int_ne(access(shares, F_OK), 0);
}
END_TEST

START_TEST(backup_and_restore)
{
	struct ca_backup_result res;
	struct ca_restore_req rq;
	struct ca_session s;
	struct ca_errbuf eb = { 0 };
	struct ca_dir *d = NULL;
	char out[PATH_MAX + 16], full[PATH_MAX + 16], f[PATH_MAX + 48];
	char head[65];
	long long n;

	make_root(1);
	tu_pathf(out, sizeof(out), "%s/bk", base);
	/* No wrapping key yet: nothing to back up under. */
	ck_assert_err(backup(out, &res, &eb), CA_ERR_NOT_FOUND);
	ck_assert_msg(wrap_key(&eb) == 0, "%s", eb.msg);
	ck_assert_err(wrap_key(&eb), CA_ERR_EXISTS);
	/* A folder with something in it is not taken. */
	tu_pathf(full, sizeof(full), "%s/full", base);
	ck_assert_int_eq(mkdir(full, 0700), 0);
	tu_pathf(f, sizeof(f), "%s/x", full);
	tu_write(f, "x", 1);
	n = records();
	ck_assert_err(backup(full, &res, &eb), CA_ERR_EXISTS);
	ck_assert_int_eq(records(), n);
	/* An empty one made beforehand is. */
	ck_assert_int_eq(mkdir(out, 0700), 0);
	ck_assert_msg(backup(out, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_str_eq(res.mechanism, "CKM_AES_KEY_WRAP_PAD");
	ck_assert_int_eq(records(), n + 1);
	/* Into the new token. */
	session(&s);
	memset(&rq, 0, sizeof(rq));
	rq.dir = dir;
	rq.from = out;
	rq.token_uri = "pkcs11:token=fresh";
	rq.wrap_shares = wrapsrc;
	ck_assert_msg(ca_backup_restore(&rq, &s, head, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_int_eq(records(), n + 2);
	/* The directory now opens on the new token, keys matching. */
	ck_assert_ok(ca_dir_open(dir, &d, &eb));
	ck_assert_ptr_nonnull(strstr(d->cfg->ca_key, "token=fresh"));
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0, "%s",
	    eb.msg);
	ca_dir_close(d);
	/* A second restore into it finds the labels taken: nothing added. */
	ck_assert_int_ne(ca_backup_restore(&rq, &s, head, &eb), 0);
	ck_assert_int_eq(records(), n + 2);
}
END_TEST

START_TEST(restore_refuses_a_changed_backup)
{
	struct ca_backup_result res;
	struct ca_restore_req rq;
	struct ca_session s;
	struct ca_errbuf eb = { 0 };
	char out[PATH_MAX + 16], blob[PATH_MAX + 48], head[65];
	unsigned char *b;
	size_t len;
	long long n;

	make_root(1);
	ck_assert_msg(wrap_key(&eb) == 0, "%s", eb.msg);
	tu_pathf(out, sizeof(out), "%s/bk", base);
	ck_assert_msg(backup(out, &res, &eb) == 0, "%s", eb.msg);
	tu_pathf(blob, sizeof(blob), "%s/log-key.wrapped", out);
	b = (unsigned char *)tu_read(blob, &len);
	b[len / 2] ^= 1;
	tu_write(blob, b, len);
	free(b);
	n = records();
	session(&s);
	memset(&rq, 0, sizeof(rq));
	rq.dir = dir;
	rq.from = out;
	rq.token_uri = "pkcs11:token=fresh";
	rq.wrap_shares = wrapsrc;
	ck_assert_err(ca_backup_restore(&rq, &s, head, &eb), CA_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(eb.msg, "log-signer"));
	ck_assert_int_eq(records(), n);
}
END_TEST

static Suite *
backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *t = tcase_create("backup");

	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, keys_that_never_leave);
	tcase_add_test(t, backup_and_restore);
	tcase_add_test(t, restore_refuses_a_changed_backup);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(backup_suite)
