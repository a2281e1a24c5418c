/*
 * check_ceremony.c: ceremony records (lib/ceremony.c) on a root CA made
 * on a SoftHSM2 token in a temporary folder, one per test.
 */
#include "check_util.h"

#include <jansson.h>

#include "ceremony.h"
#include "dircheck.h"
#include "encode.h"
#include "log.h"
#include "rootca.h"
#include "words.h"

#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

struct fx {
	char tmp[PATH_MAX], dir[PATH_MAX], pinfile[PATH_MAX];
	char pinsrc[PATH_MAX + 8], script[PATH_MAX];
	struct ca_session s;
	struct ca_person roster[3];
	struct ca_open_req open;
};

static void
fx_init(struct fx *f)
{
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_errbuf eb;

	memset(f, 0, sizeof(*f));
	tu_tmpdir(f->tmp);
	tu_softhsm_token(f->tmp, "cer");
	tu_path(f->pinfile, f->tmp, "pin");
	tu_write(f->pinfile, "123456\n", 7);
	snprintf(f->pinsrc, sizeof(f->pinsrc), "file:%s", f->pinfile);
	tu_path(f->dir, f->tmp, "root");
	tu_path(f->script, f->tmp, "script.txt");
	tu_write(f->script, "Step 1.\n", 8);
	memset(&q, 0, sizeof(q));
	q.prog = "check_ceremony";
	q.dir = f->dir;
	q.token_uri = "pkcs11:token=cer";
	q.subject = "CN=Ceremony Root";
	q.pin_source = f->pinsrc;
	q.now = NOW;
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "%s", eb.msg);
	f->s.prog = "check_ceremony";
	f->s.pin_source = f->pinsrc;
	f->s.now = NOW + 60;
	f->roster[0] = (struct ca_person){ CA_ROLE_ADMINISTRATOR, "Ann" };
	f->roster[1] = (struct ca_person){ CA_ROLE_WITNESS, "Bob" };
	f->roster[2] = (struct ca_person){ CA_ROLE_CUSTODIAN, "Carol" };
	f->open.dir = f->dir;
	f->open.id = "KG-1";
	f->open.purpose = "test";
	f->open.script_path = f->script;
	f->open.approval = "PA-1";
	f->open.location = "lab";
	f->open.roster = f->roster;
	f->open.nroster = 3;
}

static long long
count(struct fx *f)
{
	struct ca_log_head h;
	char logdir[PATH_MAX];

	tu_path(logdir, f->dir, "log");
	ck_assert_ok(ca_log_head_read(logdir, &h, NULL));
	return h.seq;
}

START_TEST(roles)
{
	struct ca_person p;
	char a[] = "custodian:Carol Smith", b[] = "janitor:Dan", c[] = "witness:",
	    d[] = "nocolon";

	ck_assert_ok(ca_role_parse(a, &p));
	ck_assert_str_eq(p.role, "custodian");
	ck_assert_str_eq(p.name, "Carol Smith");
	ck_assert_err(ca_role_parse(b, &p), CA_ERR_INVALID_ARG);
	ck_assert_str_eq(b, "janitor:Dan");	/* left as it was */
	ck_assert_err(ca_role_parse(c, &p), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_role_parse(d, &p), CA_ERR_INVALID_ARG);
}
END_TEST

START_TEST(open_refusals)
{
	struct fx f;
	char head[65];

	fx_init(&f);
	f.open.id = "bad id";
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_INVALID_ARG);
	f.open.id = "KG-1";
	f.open.nroster = 1;		/* the administrator alone */
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_INVALID_ARG);
	f.open.nroster = 3;
	f.open.os_image_sha256 = "ABC";
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_INVALID_ARG);
	f.open.os_image_sha256 = NULL;
	{
		const char *bags[] = { "TEB-1", "" };

		f.open.bags = bags;
		f.open.nbags = 2;
		ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
		    CA_ERR_INVALID_ARG);
		f.open.nbags = 0;
		f.open.hsm_model = "";
		ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
		    CA_ERR_INVALID_ARG);
		f.open.hsm_model = NULL;
		f.open.bags = NULL;
	}
	ck_assert_int_eq(count(&f), 1);
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_EXISTS);
	ck_assert_int_eq(count(&f), 2);
	tu_rmrf(f.tmp);
}
END_TEST

START_TEST(attest_and_seal)
{
	struct fx f;
	struct ca_seal_result res;
	unsigned char back[32];
	char head[65], hex[65];
	size_t n;
	struct ca_errbuf eb;

	fx_init(&f);
	ck_assert_err(ca_ceremony_attest(f.dir, "Bob", "too early", &f.s,
	    head, NULL), CA_ERR_NOT_FOUND);
	ck_assert_err(ca_ceremony_seal(f.dir, &f.s, &res, NULL),
	    CA_ERR_NOT_FOUND);
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	ck_assert_ok(ca_ceremony_attest(f.dir, "Bob", "room secured", &f.s,
	    head, NULL));
	ck_assert_err(ca_ceremony_attest(f.dir, "Mallory", "hi", &f.s, head,
	    NULL), CA_ERR_NOT_FOUND);
	ck_assert_err(ca_ceremony_attest(f.dir, "Bob", "", &f.s, head, NULL),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_ceremony_deviation(f.dir, "x", "y", "Mallory", &f.s,
	    head, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ok(ca_ceremony_deviation(f.dir, "step 2 skipped",
	    "printer", "Ann", &f.s, head, NULL));
	/* A clock behind the log is refused before the PIN is asked for. */
	f.s.now = NOW - 3600;
	ck_assert_err(ca_ceremony_attest(f.dir, "Bob", "late", &f.s, head,
	    NULL), CA_ERR_CLOCK);
	f.s.now = NOW + 120;
	ck_assert_msg(ca_ceremony_seal(f.dir, &f.s, &res, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_str_eq(res.id, "KG-1");
	ck_assert_int_eq(res.records, 4);	/* open, attest, dev., seal */
	/* The words read back to the head, without loss. */
	ck_assert_ok(ca_words_decode(res.words, back, sizeof(back), &n));
	ck_assert_uint_eq(n, 32);
	ca_hex(back, n, hex);
	ck_assert_str_eq(hex, res.head);
	ck_assert_err(ca_ceremony_seal(f.dir, &f.s, &res, NULL),
	    CA_ERR_NOT_FOUND);
	ck_assert_int_eq(count(&f), 5);
	ck_assert_ok(ca_dir_verify_log(f.dir, NULL, NULL, NULL));
	tu_rmrf(f.tmp);
}
END_TEST

static Suite *
ceremony_suite(void)
{
	Suite *s = suite_create("ceremony");
	TCase *tc = tcase_create("softhsm");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, roles);
	tcase_add_test(tc, open_refusals);
	tcase_add_test(tc, attest_and_seal);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(ceremony_suite)
