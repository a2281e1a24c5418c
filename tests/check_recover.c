/*
 * check_recover.c: recovering an operation stopped after its token step
 * may have run (lib/recover.c), on a root CA made on a SoftHSM2 token:
 * a re-split whose new PIN was or was not set, and a wrapping key that
 * was or was not made, each stopped just before its record landed.
 */
#include "check_util.h"

#include <jansson.h>

#include "cadir.h"
#include "journal.h"
#include "keywrap.h"
#include "recover.h"
#include "rootca.h"
#include "split.h"

#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

static char tmp[PATH_MAX], dir[PATH_MAX], pinsrc[PATH_MAX + 8];
static char shares[PATH_MAX];

static void
setup(void)
{
	char pinfile[PATH_MAX];

	tu_tmpdir(tmp);
	tu_softhsm_token(tmp, "rec");
	tu_path(pinfile, tmp, "pin");
	tu_write(pinfile, "123456\n", 7);
	snprintf(pinsrc, sizeof(pinsrc), "file:%s", pinfile);
	tu_path(dir, tmp, "root");
	tu_path(shares, tmp, "ns");
	tu_make_ca(dir, "pkcs11:token=rec", "CN=Recover Root", "p256", 0,
	    pinsrc, NOW, NULL);
}

static void
teardown(void)
{
	tu_rmrf(tmp);
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Which PIN opens the token: 1 the old one, 2 the new one, 0 neither. */
static int
opens(const struct ca_secret *newpin)
{
	struct ca_hsm *h = NULL;
	struct ca_uri *u = NULL;
	struct ca_secret *old = NULL;
	struct ca_errbuf eb = { 0 };
	int which = 0;

	ck_assert_ok(ca_uri_parse("pkcs11:token=rec", &u, &eb));
	ck_assert_ok(ca_secret_new(&old));
	memcpy(old->buf, "123456", 7);
	old->len = 6;
	ck_assert_ok(ca_hsm_open(NULL, u, &h, &eb));
	if (ca_hsm_login(h, old, &eb) == 0)
		which = 1;
	else if (newpin != NULL && ca_hsm_login(h, newpin, &eb) == 0)
		which = 2;
	ca_hsm_close(h);
	ca_secret_free(old);
	ca_uri_free(u);
	return which;
}

/*
 * A re-split of the root stopped after its step began and just before
 * its record landed: with the token's PIN changed when set.  The new
 * PIN, in hex, goes to *newpin.
 */
static void
resplit_stopped(int set, struct ca_secret **newpin)
{
	struct ca_dir *d = NULL;
	struct ca_split *sp = NULL;
	struct ca_dir_staged st;
	struct ca_errbuf eb = { 0 };
	json_t *roster, *body = NULL, *step;

	roster = json_pack("[{s:s, s:s}, {s:s, s:s}]", "name", "Eve", "role",
	    "custodian", "name", "Fay", "role", "custodian");
	ck_assert_ok(ca_dir_open(dir, &d, &eb));
	d->keep_pin = 1;
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_ok(ca_split_new(2, 2, CA_SHARE_PIN_LEN, roster, &sp, &eb));
	ck_assert_ok(ca_dir_body(d, "check", "resplit", NOW + 60, NULL,
	    &body, &eb));
	ck_assert_int_eq(json_object_set(body, "activation",
	    sp->activation), 0);
	step = ca_step_set_pin(shares, sp->activation);
	ck_assert_ptr_nonnull(step);
	ck_assert_msg(ca_dir_stage(d, body, json_object(), step, &st, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_ok(ca_split_write(sp, shares, "PIN", "open it", "test",
	    &eb));
	ck_assert_ok(ca_dir_stage_begin(&st, &eb));
	if (set)
		ck_assert_ok(ca_hsm_set_pin(d->hsm, d->pin, sp->secret, &eb));
	/* Killed here: nothing more is done. */
	ca_dir_stage_free(&st);
	ck_assert_ok(ca_secret_new(newpin));
	memcpy((*newpin)->buf, sp->secret->buf, sp->secret->len + 1);
	(*newpin)->len = sp->secret->len;
	ca_split_free(sp);
	json_decref(step);
	json_decref(body);
	json_decref(roster);
	ca_dir_close(d);
}

START_TEST(resplit_that_set_the_pin_is_finished)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	struct ca_secret *pin = NULL;
	struct ca_dir *d = NULL;
	char rec[PATH_MAX];

	resplit_stopped(1, &pin);
	/* A command before recovery is refused. */
	ck_assert_err(ca_dir_open(dir, &d, &eb), CA_ERR_INTERRUPTED);
	ck_assert_msg(ca_dir_recover(dir, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(res.asked, 1);
	ck_assert_int_eq(res.forward, 1);
	ck_assert_str_eq(res.step, CA_STEP_SET_PIN);
	ck_assert(exists(tu_path(rec, dir, "log/000002.json")));
	ck_assert(exists(shares));
	ck_assert_int_eq(opens(pin), 2);
	/* The log, with the record, verifies again. */
	ck_assert_msg(ca_dir_open(dir, &d, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_ptr_nonnull(d->activation);
	ca_dir_close(d);
	ca_secret_free(pin);
}
END_TEST

START_TEST(resplit_that_did_not_is_undone)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	struct ca_secret *pin = NULL;
	struct ca_dir *d = NULL;
	char rec[PATH_MAX];

	resplit_stopped(0, &pin);
	ck_assert_msg(ca_dir_recover(dir, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(res.asked, 1);
	ck_assert_int_eq(res.forward, 0);
	ck_assert(!exists(tu_path(rec, dir, "log/000002.json")));
	ck_assert(!exists(shares));
	ck_assert_int_eq(opens(pin), 1);
	ck_assert_ok(ca_dir_open(dir, &d, &eb));
	ck_assert_int_eq(d->head.seq, 1);
	ca_dir_close(d);
	ca_secret_free(pin);
}
END_TEST

START_TEST(resplit_without_its_shares_waits)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	struct ca_secret *pin = NULL;
	char moved[PATH_MAX];

	resplit_stopped(1, &pin);
	tu_path(moved, tmp, "elsewhere");
	ck_assert_int_eq(rename(shares, moved), 0);
	ck_assert_err(ca_dir_recover(dir, &res, &eb), CA_ERR_NOT_FOUND);
	ck_assert(strstr(eb.msg, "put that folder back") != NULL);
	ck_assert(exists(tu_path(moved, dir, CA_FILE_JOURNAL)));
	/* Put back, it finishes. */
	ck_assert_int_eq(rename(tu_path(moved, tmp, "elsewhere"), shares), 0);
	ck_assert_ok(ca_dir_recover(dir, &res, &eb));
	ck_assert_int_eq(res.forward, 1);
	ck_assert_int_eq(opens(pin), 2);
	ca_secret_free(pin);
}
END_TEST

/* A wrapping key stopped before its record, made on the token when made. */
static void
wrapkey_stopped(int made)
{
	struct ca_dir *d = NULL;
	struct ca_dir_staged st;
	struct ca_errbuf eb = { 0 };
	struct ca_secret *so = NULL;
	struct ca_import_way way;
	unsigned char key[CA_WRAPKEY_LEN];
	unsigned long o;
	char kcv[7];
	json_t *body = NULL, *step;

	memset(key, 0x5a, sizeof(key));
	ck_assert_ok(ca_aes_kcv(key, kcv));
	ck_assert_ok(ca_dir_open(dir, &d, &eb));
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	ck_assert_ok(ca_dir_body(d, "check", "backup-wrap-key", NOW + 60,
	    NULL, &body, &eb));
	step = ca_step_wrap_key(shares, "backup-wrap-test", kcv);
	ck_assert_msg(ca_dir_stage(d, body, json_object(), step, &st, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_int_eq(mkdir(shares, 0700), 0);
	ck_assert_ok(ca_dir_stage_begin(&st, &eb));
	if (made) {
		ca_tsigner_close(d->ca_ts);
		ca_tsigner_close(d->log_ts);
		d->ca_ts = d->log_ts = NULL;
		ca_hsm_logout(d->hsm);
		ck_assert_ok(ca_secret_new(&so));
		memcpy(so->buf, "87654321", 9);
		so->len = 8;
		ck_assert_msg(ca_hsm_login_so(d->hsm, so, &eb) == 0, "%s",
		    eb.msg);
		ck_assert_msg(ca_import_way_pick(d->hsm, &way, &eb) == 0,
		    "%s", eb.msg);
		ck_assert_msg(ca_wrapkey_create(d->hsm, &way, key, 1,
		    "backup-wrap-test", &o, kcv, &eb) == 0, "%s", eb.msg);
		ca_secret_free(so);
	}
	ca_dir_stage_free(&st);
	json_decref(step);
	json_decref(body);
	ca_dir_close(d);
}

START_TEST(wrapkey_made_is_recorded)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	char rec[PATH_MAX];

	wrapkey_stopped(1);
	ck_assert_msg(ca_dir_recover(dir, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(res.asked, 1);
	ck_assert_int_eq(res.forward, 1);
	ck_assert_str_eq(res.step, CA_STEP_WRAP_KEY);
	ck_assert(exists(tu_path(rec, dir, "log/000002.json")));
	ck_assert(exists(shares));
}
END_TEST

START_TEST(wrapkey_not_made_is_undone)
{
	struct ca_recovery res;
	struct ca_errbuf eb = { 0 };
	char rec[PATH_MAX];

	wrapkey_stopped(0);
	ck_assert_msg(ca_dir_recover(dir, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_int_eq(res.asked, 1);
	ck_assert_int_eq(res.forward, 0);
	ck_assert(!exists(tu_path(rec, dir, "log/000002.json")));
	ck_assert(!exists(shares));
	ck_assert(!exists(tu_path(rec, dir, CA_FILE_JOURNAL)));
}
END_TEST

START_TEST(steps_as_recorded)
{
	json_t *a = json_pack("{s:s}", "split", "x"), *s;

	s = ca_step_set_pin("/f", a);
	ck_assert_str_eq(json_string_value(json_object_get(s, "kind")),
	    CA_STEP_SET_PIN);
	ck_assert_str_eq(json_string_value(json_object_get(s, "shares")),
	    "/f");
	ck_assert(json_equal(json_object_get(s, "activation"), a));
	json_decref(s);
	s = ca_step_wrap_key("/f", "L", "abcdef");
	ck_assert_str_eq(json_string_value(json_object_get(s, "label")), "L");
	ck_assert_str_eq(json_string_value(json_object_get(s, "kcv")),
	    "abcdef");
	json_decref(s);
	json_decref(a);
}
END_TEST

static Suite *
recover_suite(void)
{
	Suite *s = suite_create("recover");
	TCase *t = tcase_create("recover");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, resplit_that_set_the_pin_is_finished);
	tcase_add_test(t, resplit_that_did_not_is_undone);
	tcase_add_test(t, resplit_without_its_shares_waits);
	tcase_add_test(t, wrapkey_made_is_recorded);
	tcase_add_test(t, wrapkey_not_made_is_undone);
	tcase_add_test(t, steps_as_recorded);
	suite_add_tcase(s, t);
	return s;
}

CK_MAIN(recover_suite)
