/*
 * check_ceremony.c: ceremony records (lib/ceremony.c) on a root CA made
 * on a SoftHSM2 token in a temporary folder, one per test.
 */
#include "check_util.h"

#include <jansson.h>

#include "ceremony.h"
#include "cjson.h"
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
fx_init_with(struct fx *f, int seal_first)
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
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "%s", eb.msg);
	f->s.prog = "check_ceremony";
	f->s.pin_source = f->pinsrc;
	f->s.now = NOW + 60;
	/* The key generation's own ceremony, closed: record 2. */
	if (seal_first) {
		struct ca_seal_result sr;

		ck_assert_msg(ca_ceremony_seal(f->dir, &f->s, &sr, &eb) == 0,
		    "%s", eb.msg);
	}
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

static void
fx_init(struct fx *f)
{
	fx_init_with(f, 1);
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
	char a[] = "custodian:Carol Smith", b[] = "janitor:Dan";
	char c[] = "witness:", d[] = "nocolon";

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
	/* One person, one role. */
	f.roster[2].name = "Bob";
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_INVALID_ARG);
	f.roster[2].name = "Carol";
	ck_assert_int_eq(count(&f), 2);
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_EXISTS);
	ck_assert_int_eq(count(&f), 3);
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
	ck_assert_int_eq(count(&f), 6);
	ck_assert_ok(ca_dir_verify_log(f.dir, NULL, NULL, NULL));
	tu_rmrf(f.tmp);
}
END_TEST

/* The first record of a CA opens the ceremony its keys were made in. */
START_TEST(init_opens_ceremony)
{
	struct fx f;
	struct ca_seal_result res;
	json_t *rec;
	char logdir[PATH_MAX], h[65], head[65];
	struct ca_errbuf eb;

	fx_init_with(&f, 0);
	tu_path(logdir, f.dir, "log");
	ck_assert_ok(ca_log_record_read(logdir, 1, &rec, h, NULL, NULL, NULL));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec,
	    "body"), "ceremony")), "test-ceremony");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(rec, "body"), "ceremony_open"), "purpose")),
	    "key generation in a test");
	json_decref(rec);
	/* Its roster, not the fixture's, decides who may attest. */
	ck_assert_err(ca_ceremony_attest(f.dir, "Ann", "here", &f.s, head,
	    NULL), CA_ERR_NOT_FOUND);
	ck_assert_ok(ca_ceremony_attest(f.dir, "Bob", "fingerprint read",
	    &f.s, head, NULL));
	ck_assert_err(ca_ceremony_open(&f.open, &f.s, head, NULL),
	    CA_ERR_EXISTS);
	ck_assert_msg(ca_ceremony_seal(f.dir, &f.s, &res, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_str_eq(res.id, "test-ceremony");
	ck_assert_int_eq(res.records, 3);	/* init, attest, seal */
	tu_rmrf(f.tmp);
}
END_TEST

static void
write_json(const char *path, const json_t *v)
{
	char *buf = json_dumps(v, JSON_COMPACT);

	ck_assert_ptr_nonnull(buf);
	tu_write(path, buf, strlen(buf));
	free(buf);
}

START_TEST(plan_write_and_load)
{
	struct fx f;
	json_t *plan, *script, *v;
	char path[PATH_MAX], other[PATH_MAX];
	unsigned char *buf;
	size_t len;
	struct ca_errbuf eb;

	memset(&f, 0, sizeof(f));
	tu_tmpdir(f.tmp);
	tu_path(f.script, f.tmp, "script.txt");
	tu_write(f.script, "Step 1.\n", 8);
	f.roster[0] = (struct ca_person){ CA_ROLE_ADMINISTRATOR, "Ann" };
	f.roster[1] = (struct ca_person){ CA_ROLE_WITNESS, "Bob" };
	f.roster[2] = (struct ca_person){ CA_ROLE_CUSTODIAN, "Carol" };
	f.open.id = "KG-1";
	f.open.purpose = "root key generation";
	f.open.script_path = f.script;
	f.open.approval = "PA-1";
	f.open.location = "lab";
	f.open.roster = f.roster;
	f.open.nroster = 3;
	tu_path(path, f.tmp, "plan.json");

	/* Refused plans write nothing. */
	f.open.nroster = 2;			/* no custodian */
	ck_assert_err(ca_ceremony_plan(&f.open, path, NULL),
	    CA_ERR_INVALID_ARG);
	ck_assert_int_ne(access(path, F_OK), 0);
	f.open.nroster = 3;
	ck_assert_msg(ca_ceremony_plan(&f.open, path, &eb) == 0, "%s", eb.msg);
	ck_assert_err(ca_ceremony_plan(&f.open, path, NULL), CA_ERR_EXISTS);

	/* It is the object the record will hold, canonical. */
	ck_assert_msg(ca_ceremony_plan_load(path, 1, &plan, &script, &eb) ==
	    0, "%s", eb.msg);
	ck_assert_str_eq(json_string_value(json_object_get(plan, "id")),
	    "KG-1");
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "roster")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(script, "name")),
	    f.script);
	json_decref(plan);
	json_decref(script);

	/* More custodians than the roster names. */
	ck_assert_err(ca_ceremony_plan_load(path, 2, &plan, &script, NULL),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(plan);

	/* A member ca-ceremony does not write. */
	buf = (unsigned char *)tu_read(path, &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ok(ca_json_parse_loose((char *)buf, len, &v, NULL));
	free(buf);
	json_object_set_new(v, "extra", json_string("x"));
	tu_path(other, f.tmp, "extra.json");
	write_json(other, v);
	ck_assert_err(ca_ceremony_plan_load(other, 1, &plan, &script, NULL),
	    CA_ERR_INVALID_ARG);
	/* A roster entry with an unknown role. */
	json_object_del(v, "extra");
	json_object_set_new(json_array_get(json_object_get(v, "roster"), 0),
	    "role", json_string("janitor"));
	write_json(other, v);
	ck_assert_err(ca_ceremony_plan_load(other, 1, &plan, &script, NULL),
	    CA_ERR_INVALID_ARG);
	json_decref(v);

	/* The approved script changed since the plan was written. */
	tu_write(f.script, "Step 1, changed.\n", 17);
	ck_assert_err(ca_ceremony_plan_load(path, 1, &plan, &script, &eb),
	    CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "has changed"));
	tu_path(other, f.tmp, "none.json");
	ck_assert_err(ca_ceremony_plan_load(other, 1, &plan, &script, NULL),
	    CA_ERR_NOT_FOUND);
	tu_rmrf(f.tmp);
}
END_TEST

START_TEST(abort_closes)
{
	struct fx f;
	struct ca_seal_result res;
	json_t *rec;
	char head[65], h[65], logdir[PATH_MAX];

	fx_init(&f);
	ck_assert_err(ca_ceremony_abort(f.dir, "power cut", "Carol", &f.s,
	    head, NULL), CA_ERR_NOT_FOUND);	/* none open */
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	ck_assert_err(ca_ceremony_abort(f.dir, "", "Carol", &f.s, head,
	    NULL), CA_ERR_INVALID_ARG);
	ck_assert_err(ca_ceremony_abort(f.dir, "power cut", "Mallory", &f.s,
	    head, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ok(ca_ceremony_abort(f.dir, "power cut", "Carol", &f.s,
	    head, NULL));
	ck_assert_int_eq(count(&f), 4);
	tu_path(logdir, f.dir, "log");
	ck_assert_ok(ca_log_record_read(logdir, 4, &rec, h, NULL, NULL, NULL));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(rec, "body"), "ceremony_abort"), "why")),
	    "power cut");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(rec, "body"), "ceremony_abort"), "role")),
	    "custodian");
	json_decref(rec);
	/* Closed: nothing to seal, and the next one opens. */
	ck_assert_err(ca_ceremony_seal(f.dir, &f.s, &res, NULL),
	    CA_ERR_NOT_FOUND);
	f.open.id = "KG-2";
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	ck_assert_ok(ca_dir_verify_log(f.dir, NULL, NULL, NULL));
	tu_rmrf(f.tmp);
}
END_TEST

/* A subordinate's request ceremony runs before it has a certificate. */
START_TEST(pending_subordinate)
{
	struct fx f;
	struct ca_root_req q;
	struct ca_root_result res;
	struct ca_seal_result sr;
	char sub[PATH_MAX], rec2[PATH_MAX], head[65];
	unsigned char *buf;
	size_t len;
	struct ca_errbuf eb;

	fx_init(&f);
	tu_softhsm_token(f.tmp, "sub");
	tu_path(sub, f.tmp, "sub");
	memset(&q, 0, sizeof(q));
	q.prog = "check_ceremony";
	q.dir = sub;
	q.token_uri = "pkcs11:token=sub";
	q.subject = "CN=Pending Sub";
	q.pin_source = f.pinsrc;
	q.now = NOW;
	q.sub = 1;
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, &res, &eb) == 0, "%s", eb.msg);
	ck_assert_msg(ca_ceremony_attest(sub, "Bob", "request hash read "
	    "aloud", &f.s, head, &eb) == 0, "%s", eb.msg);
	ck_assert_msg(ca_ceremony_seal(sub, &f.s, &sr, &eb) == 0, "%s",
	    eb.msg);
	ck_assert_int_eq(sr.records, 3);
	f.open.dir = sub;
	ck_assert_ok(ca_ceremony_open(&f.open, &f.s, head, NULL));
	/* Its log is checked against the token's log key: a change shows. */
	tu_path(rec2, sub, "log/000002.json");
	buf = (unsigned char *)tu_read(rec2, &len);
	ck_assert_ptr_nonnull(strstr((char *)buf, "aloud"));
	memcpy(strstr((char *)buf, "aloud"), "ALOUD", 5);
	tu_write(rec2, buf, len);
	free(buf);
	ck_assert_err(ca_ceremony_attest(sub, "Bob", "after", &f.s, head,
	    &eb), CA_ERR_LOG);
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
	tcase_add_test(tc, init_opens_ceremony);
	tcase_add_test(tc, plan_write_and_load);
	tcase_add_test(tc, abort_closes);
	tcase_add_test(tc, pending_subordinate);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(ceremony_suite)
