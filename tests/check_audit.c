/*
 * check_audit.c: auditing a CA directory from its files alone
 * (lib/audit.c), end to end on SoftHSM2.
 *
 * Once per run the parent process makes a root (token kc-root) that signs
 * an OT issuing CA under profiles/ot-issuing-sl2.json and an IT one under
 * profiles/it-issuing.json (their requests made on tokens kc-ot and
 * kc-it), issues CRL 1, revokes the OT CA and issues CRL 2, a month
 * later: six records in three ceremonies.  A second root (token kc-other)
 * signs the IT request too, to have a record from another log at hand.
 * Each test audits, or damages and then audits, a fresh copy.  Records
 * that need the log key (a time going backwards, a repeated serial, ...)
 * are appended with the library's own ca_dir_append, on the copy's
 * token.  The tests run from the top of the tree.
 */
#include "check_util.h"

#include <stdarg.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "audit.h"
#include "cadir.h"
#include "certgen.h"
#include "dircheck.h"
#include "envinfo.h"
#include "fsio.h"
#include "log.h"
#include "revoke.h"
#include "rootca.h"
#include "store.h"
#include "subca.h"
#include "subinstall.h"
#include "timefmt.h"

#define DAY 86400
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z: init */
#define D1 (NOW + DAY)			/* sign OT, sign IT, CRL 1 */
#define D2 (NOW + 30 * DAY)		/* revoke OT, CRL 2 */
#define AUDIT_AT (D2 + DAY)		/* the audit's clock */
#define ROOT_SUBJECT "CN=Plant Root CA,O=Acme,C=DE"
#define OT_SUBJECT "CN=Line 4 Issuing CA,O=Acme,C=DE"
#define IT_SUBJECT "CN=Office Issuing CA,O=Acme,C=DE"
#define OTHER_SUBJECT "CN=Other Root CA,O=Elsewhere,C=DE"
#define OT_PROFILE "profiles/ot-issuing-sl2.json"
#define IT_PROFILE "profiles/it-issuing.json"
#define NREC 7				/* records in the pristine root */

static char base[PATH_MAX];
static char pinsrc[PATH_MAX + 64];
static char pristine_root[PATH_MAX + 32], pristine_other[PATH_MAX + 32];
static char ot_req_dir[PATH_MAX + 32];
static char root_fp[65], other_fp[65], head[65], log_id[65];
static char ot_serial[41], it_serial[41];

/* Per test. */
static char work[PATH_MAX + 16];
static char rootdir[PATH_MAX + 32];

static char *
in_dir(const char *d, const char *name)
{
	static char bufs[16][PATH_MAX + 96];
	static int k;
	char *b = bufs[k++ % 16];

	tu_pathf(b, sizeof(bufs[0]), "%s/%s", d, name);
	return b;
}

static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command (paths quoted by the caller); it must succeed. */
static void
sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < sizeof(cmd), "command too long");
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

/* --- the fixture, made once ---------------------------------------------- */

/* Seal the ceremony open in dir at now; out (may be NULL) gets the new head. */
static void
seal_ceremony(const char *dir, time_t now, char out[65])
{
	struct ca_session s;
	struct ca_seal_result seal;
	struct ca_errbuf eb;

	memset(&s, 0, sizeof(s));
	s.prog = "check_audit";
	s.pin_source = pinsrc;
	s.now = now;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_ceremony_seal(dir, &s, &seal, &eb) == 0, "seal %s: "
	    "%s", dir, eb.msg);
	if (out != NULL)
		memcpy(out, seal.head, 65);
}

static void
make_ca(const char *dir, const char *uri, const char *subject, int is_sub,
    struct ca_root_result *res)
{
	static const char *const witnesses[] = { "Bob" };
	struct ca_root_req q;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.prog = "check_audit";
	q.dir = dir;
	q.token_uri = uri;
	q.subject = subject;
	q.pin_source = pinsrc;
	q.operator_ = "Alice";
	q.witnesses = witnesses;
	q.nwitnesses = 1;
	q.now = NOW;
	q.sub = is_sub;
	q.algorithm = is_sub ? "p256" : "p384";
	eb.msg[0] = '\0';
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, res, &eb) == 0, "init %s: %s", dir,
	    eb.msg);
	/* A subordinate's request ceremony ends here: record 2. */
	if (is_sub)
		seal_ceremony(dir, NOW, res->head);
}

static void
sign(const char *dir, const char *reqdir, const char *profile, time_t now,
    char serial[41])
{
	struct ca_sign_req q;
	struct ca_sign_result res;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.prog = "check_audit";
	q.dir = dir;
	q.csr_path = in_dir(reqdir, CA_FILE_CSR);
	q.profile_path = profile;
	q.pin_source = pinsrc;
	q.operator_ = "Carol";
	q.now = now;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_sign_sub(&q, &res, &eb) == 0, "sign: %s", eb.msg);
	if (serial != NULL)
		memcpy(serial, res.serial, 41);
}

static void
ceremony(struct ca_session *c, time_t now)
{
	memset(c, 0, sizeof(*c));
	c->prog = "check_audit";
	c->pin_source = pinsrc;
	c->operator_ = "Dave";
	c->now = now;
}

static void
crl_issue(const char *dir, time_t now)
{
	struct ca_crl_req q;
	struct ca_crl_result res;
	struct ca_session c;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.dir = dir;
	ceremony(&c, now);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_crl_issue(&q, &c, &res, &eb) == 0, "crl: %s",
	    eb.msg);
}

static void
do_revoke(const char *dir, const char *serial, time_t now)
{
	struct ca_revoke_req q;
	struct ca_revoke_result res;
	struct ca_session c;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.serial = serial;
	q.reason = "superseded";
	ceremony(&c, now);
	eb.msg[0] = '\0';
	ck_assert_msg(ca_revoke(&q, &c, &res, &eb) == 0, "revoke: %s",
	    eb.msg);
}

static void
base_setup(void)
{
	struct ca_root_result root, ot, it, other;
	struct ca_log_summary sum;
	char p[PATH_MAX + 48], it_req_dir[PATH_MAX + 32];

	tu_tmpdir(base);
	tu_softhsm_token(base, "kc-root");
	tu_softhsm_token(base, "kc-ot");
	tu_softhsm_token(base, "kc-it");
	tu_softhsm_token(base, "kc-other");
	tu_pathf(p, sizeof(p), "%s/pin", base);
	tu_write(p, "123456\n", 7);
	tu_pathf(pinsrc, sizeof(pinsrc), "file:%s", p);

	tu_pathf(pristine_root, sizeof(pristine_root), "%s/root", base);
	tu_pathf(pristine_other, sizeof(pristine_other), "%s/other", base);
	tu_pathf(ot_req_dir, sizeof(ot_req_dir), "%s/ot", base);
	tu_pathf(it_req_dir, sizeof(it_req_dir), "%s/it", base);
	make_ca(pristine_root, "pkcs11:token=kc-root", ROOT_SUBJECT, 0, &root);
	make_ca(ot_req_dir, "pkcs11:token=kc-ot", OT_SUBJECT, 1, &ot);
	make_ca(it_req_dir, "pkcs11:token=kc-it", IT_SUBJECT, 1, &it);
	make_ca(pristine_other, "pkcs11:token=kc-other", OTHER_SUBJECT, 0,
	    &other);
	memcpy(root_fp, root.fingerprint, sizeof(root_fp));
	memcpy(other_fp, other.fingerprint, sizeof(other_fp));

	sign(pristine_root, ot_req_dir, OT_PROFILE, D1, ot_serial);
	sign(pristine_root, it_req_dir, IT_PROFILE, D1 + 60, it_serial);
	crl_issue(pristine_root, D1 + 120);
	do_revoke(pristine_root, ot_serial, D2);
	crl_issue(pristine_root, D2 + 60);
	sign(pristine_other, it_req_dir, IT_PROFILE, D1, NULL);
	/* The roots' key generation ceremonies span all of the above. */
	seal_ceremony(pristine_root, D2 + 120, NULL);
	seal_ceremony(pristine_other, D1 + 60, NULL);

	ck_assert_ok(ca_dir_verify_log(pristine_root, root_fp, &sum, NULL));
	ck_assert_int_eq(sum.count, NREC);
	memcpy(head, sum.head, sizeof(head));
	memcpy(log_id, sum.log_id, sizeof(log_id));
}

static void
base_teardown(void)
{
	tu_rmrf(base);
}

static void
work_setup(void)
{
	tu_pathf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_pathf(rootdir, sizeof(rootdir), "%s/root", work);
	sh("cp -a '%s' '%s'", pristine_root, rootdir);
}

static void
work_teardown(void)
{
	tu_rmrf(work);
}

/* --- helpers ------------------------------------------------------------- */

static struct ca_audit *
audit_full(const char *dir, const char *anchor, const char *expect_head,
    time_t now)
{
	struct ca_audit_req q;
	struct ca_audit *a = NULL;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.dir = dir;
	q.anchor = anchor;
	q.expect_head = expect_head;
	q.now = now;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_audit_run(&q, &a, &eb) == 0, "audit %s: %s", dir,
	    eb.msg);
	ck_assert_ptr_nonnull(a);
	return a;
}

/* The root copy, with the anchor, the head given and the usual clock. */
static struct ca_audit *
audit_root(const char *expect_head)
{
	return audit_full(rootdir, root_fp, expect_head, AUDIT_AT);
}

/*
 * Every finding as "severity:check@seq" (or "...@seq:file" when a file is
 * named), joined by spaces, for exact comparison.
 */
static const char *
summary(const struct ca_audit *a)
{
	static char buf[16384];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < a->nfindings; i++) {
		const struct ca_finding *f = &a->findings[i];
		int k = snprintf(buf + n, sizeof(buf) - n, "%s%s:%s@%lld%s%s",
		    i ? " " : "", ca_severity_name(f->sev), f->check, f->seq,
		    f->file[0] ? ":" : "", f->file);

		ck_assert(k > 0 && (size_t)k < sizeof(buf) - n);
		n += (size_t)k;
	}
	return buf;
}

#define ck_assert_findings(a, want) do {				\
	const char *got_ = summary(a);					\
	ck_assert_msg(strcmp(got_, (want)) == 0,			\
	    "findings:\n  got  \"%s\"\n  want \"%s\"", got_, (want));	\
} while (0)

static const char *fmt(const char *f, ...)
    __attribute__((format(printf, 1, 2)));

/* An expected summary, formatted. */
static const char *
fmt(const char *f, ...)
{
	static char buf[4096];
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof(buf));
	return buf;
}

/* The reason of the first finding check at seq. */
static const char *
reason(const struct ca_audit *a, const char *check, long long seq)
{
	size_t i;

	for (i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].check, check) == 0 &&
		    a->findings[i].seq == seq)
			return a->findings[i].reason;
	ck_assert_msg(0, "no finding %s@%lld in %s", check, seq, summary(a));
	return "";
}

#define ck_assert_reason(a, check, seq, part) do {			\
	const char *r_ = reason((a), (check), (seq));			\
	ck_assert_msg(strstr(r_, (part)) != NULL,			\
	    "%s@%lld: \"%s\" lacks \"%s\"", (check), (long long)(seq),	\
	    r_, (part));						\
} while (0)

static const struct ca_audit_score *
axis(const struct ca_audit *a, const char *name)
{
	int i;

	for (i = 0; i < CA_AUDIT_NSCORES; i++)
		if (strcmp(a->scores[i].axis, name) == 0)
			return &a->scores[i];
	ck_assert_msg(0, "no axis %s", name);
	return NULL;
}

static time_t
tparse(const char *s)
{
	time_t t = 0;

	ck_assert_msg(ca_time_parse(s, &t) == 0, "not a time: \"%s\"", s);
	return t;
}

static char *
issued(const char *dir, const char *serial)
{
	char name[64];

	tu_pathf(name, sizeof(name), "issued/%s.pem", serial);
	return in_dir(dir, name);
}

/* --- records that need the log key --------------------------------------- */

typedef void (*mutate_fn)(json_t *body, void *arg);

/*
 * Append to dir's log a record for op, made at now by the library
 * (ca_dir_body) and then changed by fn, sealed with the copy's own log key
 * (ca_dir_append); its head into out (may be NULL).
 */
static void
append(const char *dir, const char *op, time_t now, mutate_fn fn, void *arg,
    char out[65])
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb;
	json_t *body = NULL;
	char h[65];

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_open(dir, &d, &eb) == 0, "open: %s", eb.msg);
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0,
	    "login: %s", eb.msg);
	ck_assert_msg(ca_dir_body(d, "check_audit", op, now, NULL, &body,
	    &eb) == 0, "body: %s", eb.msg);
	if (fn != NULL)
		fn(body, arg);
	ck_assert_msg(ca_dir_append(d, body, NULL, 0, h, &eb) == 0,
	    "append: %s", eb.msg);
	json_decref(body);
	ca_dir_close(d);
	if (out != NULL)
		memcpy(out, h, 65);
}


/* --- an untouched directory ---------------------------------------------- */

START_TEST(untouched_passes)
{
	struct ca_audit *a = audit_root(head);
	const struct ca_audit_score *sc;
	time_t end, tu, nu;
	int want;

	ck_assert_findings(a, "");
	ck_assert_int_eq(ca_audit_passed(a), 1);
	/* No finding at all: the "no expect-head" note is absent too. */
	ck_assert_int_eq(a->worst, -1);
	ck_assert_int_eq(a->findings_dropped, 0);

	ck_assert_str_eq(a->dir, rootdir);
	ck_assert_int_eq(a->now, AUDIT_AT);
	ck_assert_str_eq(a->kind, "root");
	ck_assert_str_eq(a->ca_subject, ROOT_SUBJECT);
	ck_assert_str_eq(a->root_subject, ROOT_SUBJECT);
	ck_assert_str_eq(a->ca_fingerprint, root_fp);
	ck_assert_str_eq(a->root_fingerprint, root_fp);
	ck_assert_str_eq(a->ca_not_before, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(a->ca_not_after, "2051-01-01T00:00:00Z");
	ck_assert_str_eq(a->algorithm, "p384");
	ck_assert_int_eq(a->anchored, 1);

	ck_assert_int_eq(a->records, NREC);
	ck_assert_str_eq(a->log_id, log_id);
	ck_assert_str_eq(a->head, head);
	ck_assert_int_eq(a->head_checked, 1);
	ck_assert_int_eq(a->issued, 2);
	ck_assert_int_eq(a->revoked, 1);
	ck_assert_int_eq(a->crls, 2);
	ck_assert_uint_eq(a->crl_number, 2);
	ck_assert_str_eq(a->crl_this_update, "2026-01-31T00:01:00Z");
	ck_assert_str_eq(a->crl_next_update, "2027-01-31T00:01:00Z");
	ck_assert_int_eq(a->revoked_pending, 0);
	/* Six record signatures, two certificates and the newest CRL. */
	ck_assert_int_eq(a->signatures_verified, NREC + 2 + 1);

	/* Three ceremonies: records more than 12 hours apart split them. */
	ck_assert_uint_eq(a->nceremonies, 3);
	ck_assert_int_eq(a->ceremonies_total, 3);
	ck_assert_int_eq(a->ceremonies[0].first_seq, 1);
	ck_assert_int_eq(a->ceremonies[0].last_seq, 1);
	ck_assert_str_eq(a->ceremonies[0].ops, "init-root");
	ck_assert_str_eq(a->ceremonies[0].operator_, "Alice");
	ck_assert_int_eq(a->ceremonies[0].witnesses, 1);
	ck_assert_str_eq(a->ceremonies[0].first_time, "2026-01-01T00:00:00Z");
	ck_assert_int_eq(a->ceremonies[1].first_seq, 2);
	ck_assert_int_eq(a->ceremonies[1].last_seq, 4);
	ck_assert_str_eq(a->ceremonies[1].ops, "sign-sub x2, crl-issue");
	ck_assert_str_eq(a->ceremonies[1].operator_, "Carol");
	ck_assert_int_eq(a->ceremonies[1].witnesses, 0);
	ck_assert_str_eq(a->ceremonies[1].first_time, "2026-01-02T00:00:00Z");
	ck_assert_str_eq(a->ceremonies[1].last_time, "2026-01-02T00:02:00Z");
	ck_assert_int_eq(a->ceremonies[2].first_seq, 5);
	ck_assert_int_eq(a->ceremonies[2].last_seq, 7);
	ck_assert_str_eq(a->ceremonies[2].ops, "revoke, crl-issue, "
	    "ceremony-seal");
	ck_assert_str_eq(a->ceremonies[2].operator_, "Dave");
	ck_assert_str_eq(a->ceremonies[2].last_time, "2026-01-31T00:02:00Z");

	/* The CA certificates it issued: OT first, revoked since. */
	ck_assert_uint_eq(a->nsubs, 2);
	ck_assert_int_eq(a->subs_total, 2);
	ck_assert_int_eq(a->subs[0].seq, 2);
	ck_assert_str_eq(a->subs[0].serial, ot_serial);
	ck_assert_str_eq(a->subs[0].subject, OT_SUBJECT);
	ck_assert_str_eq(a->subs[0].zone, "Line 4 cell zone");
	ck_assert_int_eq(a->subs[0].security_level, 2);
	ck_assert_int_eq(a->subs[0].name_constrained, 1);
	ck_assert_int_eq(a->subs[0].revoked, 1);
	ck_assert_int_eq(a->subs[0].cross, 0);
	ck_assert_str_eq(a->subs[0].not_after, "2036-01-02T00:00:00Z");
	ck_assert_int_eq(a->subs[1].seq, 3);
	ck_assert_str_eq(a->subs[1].serial, it_serial);
	ck_assert_str_eq(a->subs[1].subject, IT_SUBJECT);
	ck_assert_str_eq(a->subs[1].zone, "");
	ck_assert_int_eq(a->subs[1].security_level, 0);
	ck_assert_int_eq(a->subs[1].name_constrained, 0);
	ck_assert_int_eq(a->subs[1].revoked, 0);
	ck_assert_int_eq(a->subs[1].cross, 0);

	/* The posture chart, axis by axis, in its order. */
	sc = a->scores;
	ck_assert_str_eq(sc[0].axis, "key protection");
	/*
	 * Two keys made in init-root, whose read-backs hold; but on
	 * SoftHSM2, whose keys are files on the disk, so low, and why.
	 */
	ck_assert_int_eq(sc[0].score, 10);
	ck_assert_str_eq(sc[0].why, "2 of 2 keys made on a software token "
	    "(token \"kc-root\" is a software token: SoftHSM2 keeps its keys "
	    "in files on this computer's disk)");
	ck_assert_str_eq(sc[1].axis, "algorithm strength");
	ck_assert_int_eq(sc[1].score, 100);
	ck_assert_str_eq(sc[1].why, "CA key p384");
	ck_assert_str_eq(sc[2].axis, "validity margin");
	end = tparse(a->ca_not_after);
	want = (int)(100.0 * (double)(end - AUDIT_AT) /
	    (25 * 365.25 * 86400.0));
	ck_assert_int_eq(want, 99);
	ck_assert_int_eq(sc[2].score, want);
	ck_assert_str_eq(sc[3].axis, "revocation freshness");
	tu = tparse(a->crl_this_update);
	nu = tparse(a->crl_next_update);
	want = (int)(100.0 * (double)(nu - AUDIT_AT) / (double)(nu - tu));
	ck_assert_int_gt(want, 0);
	ck_assert_int_lt(want, 100);
	ck_assert_int_eq(sc[3].score, want);
	ck_assert_str_eq(sc[3].why, "share of the newest CRL's life left");
	ck_assert_str_eq(sc[4].axis, "IT/OT separation");
	ck_assert_int_eq(sc[4].score, 100);
	ck_assert_str_eq(sc[4].why, "1 OT and 1 IT issuing CAs, OT ones "
	    "name-constrained");
	ck_assert_str_eq(sc[5].axis, "evidence completeness");
	ck_assert_int_eq(sc[5].score, 100);
	ck_assert_str_eq(sc[6].axis, "profile conformance");
	ck_assert_int_eq(sc[6].score, 100);
	ca_audit_free(a);

	/* Devices that live 50 years halve the validity margin. */
	{
		struct ca_audit_req q;
		struct ca_audit *b = NULL;

		memset(&q, 0, sizeof(q));
		q.dir = rootdir;
		q.anchor = root_fp;
		q.expect_head = head;
		q.now = AUDIT_AT;
		q.device_lifetime_years = 50;
		ck_assert_ok(ca_audit_run(&q, &b, NULL));
		ck_assert_int_eq(axis(b, "validity margin")->score,
		    (int)(100.0 * (double)(end - AUDIT_AT) /
		    (50 * 365.25 * 86400.0)));
		ck_assert_int_eq(axis(b, "validity margin")->score, 49);
		ca_audit_free(b);
	}
}
END_TEST

/* Reading the directory changes nothing in it. */
START_TEST(audit_reads_only)
{
	struct ca_audit *a;

	a = audit_root(head);
	ca_audit_free(a);
	sh("diff -r '%s' '%s'", pristine_root, rootdir);
}
END_TEST

/* --- the anchor and the head on paper ------------------------------------ */

START_TEST(anchor_checks)
{
	struct ca_audit *a;
	char typed[128];
	size_t i, n = 0;

	/* Another root's fingerprint. */
	a = audit_full(rootdir, other_fp, head, AUDIT_AT);
	ck_assert_findings(a, "error:anchor@0:ca.pem");
	ck_assert_reason(a, "anchor", 0, root_fp);
	ck_assert_int_eq(a->anchored, 0);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ck_assert_int_eq(a->worst, CA_SEV_ERROR);
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 60);
	ca_audit_free(a);

	/* None given. */
	a = audit_full(rootdir, NULL, head, AUDIT_AT);
	ck_assert_findings(a, "error:anchor@0");
	ck_assert_reason(a, "anchor", 0, "no anchor given");
	ck_assert_int_eq(a->anchored, 0);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);

	/* Not a fingerprint. */
	a = audit_full(rootdir, "0e3fbb98", head, AUDIT_AT);
	ck_assert_findings(a, "error:anchor@0");
	ck_assert_reason(a, "anchor", 0, "not a SHA-256 fingerprint");
	ck_assert_int_eq(a->anchored, 0);
	ca_audit_free(a);

	/* As typed from paper: prefix, colons, upper case. */
	n = (size_t)snprintf(typed, sizeof(typed), "SHA256:");
	for (i = 0; i < 64; i += 2)
		n += (size_t)snprintf(typed + n, sizeof(typed) - n, "%s%c%c",
		    i ? ":" : "", root_fp[i] >= 'a' ? root_fp[i] - 32 :
		    root_fp[i], root_fp[i + 1] >= 'a' ? root_fp[i + 1] - 32 :
		    root_fp[i + 1]);
	a = audit_full(rootdir, typed, head, AUDIT_AT);
	ck_assert_findings(a, "");
	ck_assert_int_eq(a->anchored, 1);
	ca_audit_free(a);
}
END_TEST

/* How many findings of check there are. */
static size_t
count_check(const struct ca_audit *a, const char *check)
{
	size_t i, n = 0;

	for (i = 0; i < a->nfindings; i++)
		n += strcmp(a->findings[i].check, check) == 0;
	return n;
}

static struct ca_audit *
audit_binaries(const char *const *bin, size_t n)
{
	struct ca_audit_req q;
	struct ca_audit *a = NULL;
	struct ca_errbuf eb = { 0 };

	memset(&q, 0, sizeof(q));
	q.dir = rootdir;
	q.anchor = root_fp;
	q.expect_head = head;
	q.now = AUDIT_AT;
	q.binaries = bin;
	q.nbinaries = n;
	ck_assert_msg(ca_audit_run(&q, &a, &eb) == 0, "audit: %s", eb.msg);
	return a;
}

/* Every record was made by a binary the auditor rebuilt, or is named. */
START_TEST(binary_checks)
{
	const char *bin[2];
	char self[65], upper[65], other[2][65];
	struct ca_audit *a;
	size_t i;

	/* The fixture's records were all written by this very binary. */
	ck_assert_ok(ca_self_sha256(self));
	bin[0] = self;
	a = audit_binaries(bin, 1);
	ck_assert_findings(a, "");
	ca_audit_free(a);
	/* As typed: upper case. */
	for (i = 0; i < 65; i++)
		upper[i] = self[i] >= 'a' ? self[i] - 32 : self[i];
	bin[0] = upper;
	a = audit_binaries(bin, 1);
	ck_assert_findings(a, "");
	ca_audit_free(a);
	/* Another binary: every record is named, with the hash it has. */
	memset(other[0], '0', 64);
	memset(other[1], '1', 64);
	other[0][64] = other[1][64] = '\0';
	bin[0] = other[0];
	bin[1] = other[1];
	a = audit_binaries(bin, 2);
	ck_assert_uint_eq(count_check(a, "binary"), (size_t)a->records);
	ck_assert_reason(a, "binary", 1, self);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);
	/* None given: not checked. */
	a = audit_binaries(NULL, 0);
	ck_assert_uint_eq(count_check(a, "binary"), 0);
	ca_audit_free(a);
}
END_TEST

START_TEST(head_checks)
{
	struct ca_audit *a;

	/* Not given: a note only, and the evidence axis loses 30. */
	a = audit_root(NULL);
	ck_assert_findings(a, "info:head@0");
	ck_assert_int_eq(ca_audit_passed(a), 1);
	ck_assert_int_eq(a->worst, CA_SEV_INFO);
	ck_assert_int_eq(a->head_checked, 0);
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 70);
	ca_audit_free(a);

	/* Another hash: rolled back or cut off. */
	a = audit_root(log_id);
	ck_assert_findings(a, "error:head@7");
	ck_assert_int_eq(a->head_checked, -1);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 0);
	ca_audit_free(a);

	/* Not a hash. */
	a = audit_root("not-a-hash");
	ck_assert_findings(a, "error:head@0");
	ck_assert_reason(a, "head", 0, "not a SHA-256 hash");
	ck_assert_int_eq(a->head_checked, -1);
	ca_audit_free(a);

	/* The seal cut off: the ceremony shows as never sealed. */
	ck_assert_int_eq(unlink(in_dir(rootdir, "log/000007.json")), 0);
	a = audit_root(NULL);
	ck_assert_int_eq(a->records, 6);
	ck_assert_findings(a, "info:head@0 warning:ceremony@1");
	ca_audit_free(a);
	/* And the record before: only the head on paper tells it was one. */
	ck_assert_int_eq(unlink(in_dir(rootdir, "log/000006.json")), 0);
	a = audit_root(NULL);
	ck_assert_int_eq(a->records, 5);
	/* No error: the notes, and that the revocation in record 5 is in no
	 * CRL now. */
	ck_assert_findings(a, "info:head@0 warning:ceremony@1 "
	    "warning:crl-stale@5");
	ck_assert_int_eq(a->worst, CA_SEV_WARNING);
	ca_audit_free(a);
	a = audit_root(head);
	ck_assert_int_eq(a->records, 5);
	ck_assert_findings(a, "error:head@5 warning:ceremony@1 "
	    "warning:crl-stale@5");
	ck_assert_int_eq(a->head_checked, -1);
	ca_audit_free(a);
}
END_TEST

/* --- the log signer ------------------------------------------------------ */

START_TEST(log_signer_missing)
{
	struct ca_audit *a;

	ck_assert_int_eq(unlink(in_dir(rootdir, CA_FILE_LOG_SIGNER)), 0);
	a = audit_root(head);
	/* And record 1, which made it, names it. */
	ck_assert_findings(a, "error:log-signer@0:log-signer.pem "
	    "error:artifact@1:log-signer.pem");
	ck_assert_reason(a, "log-signer", 0, "missing");
	ck_assert_reason(a, "artifact", 1, "missing");
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 60);
	/* No record signature can be checked. */
	ck_assert_int_eq(a->signatures_verified, 2 + 1);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);
}
END_TEST

START_TEST(log_signer_foreign)
{
	struct ca_audit *a;

	/* Another root's log signer. */
	sh("cp '%s/log-signer.pem' '%s/log-signer.pem'", pristine_other,
	    rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:log-signer@0:log-signer.pem "
	    "error:signature@1:log/000001.json "
	    "error:artifact@1:log-signer.pem "
	    "error:signature@2:log/000002.json "
	    "error:signature@3:log/000003.json "
	    "error:signature@4:log/000004.json "
	    "error:signature@5:log/000005.json "
	    "error:signature@6:log/000006.json "
	    "error:signature@7:log/000007.json");
	ck_assert_reason(a, "log-signer", 0, "not issued by the CA");
	ca_audit_free(a);

	/* Issued by the CA, but no log signer: the OT CA's certificate. */
	sh("cp '%s' '%s/log-signer.pem'", issued(rootdir, ot_serial), rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:log-signer@0:log-signer.pem "
	    "error:signature@1:log/000001.json "
	    "error:artifact@1:log-signer.pem "
	    "error:signature@2:log/000002.json "
	    "error:signature@3:log/000003.json "
	    "error:signature@4:log/000004.json "
	    "error:signature@5:log/000005.json "
	    "error:signature@6:log/000006.json "
	    "error:signature@7:log/000007.json");
	ck_assert_reason(a, "log-signer", 0, "lacks the ceremonyLogSigning");
	ca_audit_free(a);
}
END_TEST

/* --- the records --------------------------------------------------------- */

START_TEST(log_gap)
{
	struct ca_audit *a;

	ck_assert_int_eq(unlink(in_dir(rootdir, "log/000003.json")), 0);
	a = audit_root(head);
	/* Record 4 cannot be chained to a missing one: no prev finding. The
	 * IT CA's certificate is now named by no record. */
	ck_assert_uint_eq(a->nfindings, 3);
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:log-gap@3:log/000003.json"));
	ck_assert_ptr_nonnull(strstr(summary(a), fmt("error:unrecorded@0:"
	    "%s.pem", it_serial)));
	ck_assert_ptr_nonnull(strstr(summary(a), fmt("error:unrecorded@0:"
	    "%s-chain.pem", it_serial)));
	ck_assert_reason(a, "log-gap", 3, "missing");
	ck_assert_int_eq(a->records, NREC);
	ck_assert_int_eq(a->issued, 1);
	ck_assert_uint_eq(a->nsubs, 1);
	ck_assert_int_eq(a->head_checked, 1);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);
}
END_TEST

START_TEST(log_swapped)
{
	struct ca_audit *a;

	sh("cd '%s/log' && mv 000003.json x && mv 000004.json 000003.json && "
	    "mv x 000004.json", rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:log-seq@3:log/000003.json "
	    "error:prev@3:log/000003.json error:log-seq@4:log/000004.json "
	    "error:prev@4:log/000004.json error:time@4:log/000004.json "
	    "error:prev@5:log/000005.json");
	ck_assert_reason(a, "log-seq", 3, "number 4");
	ck_assert_reason(a, "log-seq", 4, "number 3");
	ck_assert_reason(a, "time", 4, "backwards");
	ca_audit_free(a);

	/* A record copied to the end: a good signature, but not its number
	 * nor its place, and CRL 2 again. */
	sh("cp '%s/log/'* '%s/log/' && cp '%s/log/000006.json' "
	    "'%s/log/000008.json'", pristine_root, rootdir, rootdir, rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:log-seq@8:log/000008.json "
	    "error:prev@8:log/000008.json error:time@8:log/000008.json "
	    "error:ceremony@8 error:crl-number@8:crl/2.der error:head@8");
	ck_assert_reason(a, "crl-number", 8, "CRL number 2 does not exceed "
	    "the previous 2");
	ca_audit_free(a);
}
END_TEST

START_TEST(log_byte_changed)
{
	struct ca_audit *a;

	sh("sed -i 's/\"operator\":\"Carol\"/\"operator\":\"Carom\"/' "
	    "'%s/log/000002.json'", rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:signature@2:log/000002.json "
	    "error:prev@3:log/000003.json");
	ck_assert_int_eq(a->signatures_verified, NREC + 2 + 1);
	/* Two evidence errors, 20 each. */
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 60);
	ca_audit_free(a);
}
END_TEST

START_TEST(log_not_canonical)
{
	struct ca_audit *a;

	sh("sed -i 's/^{\"body\":{/{\"body\": {/' '%s/log/000004.json'",
	    rootdir);
	a = audit_root(head);
	/* Unreadable: record 5 cannot be chained to it, and CRL 1 is not
	 * counted. */
	ck_assert_findings(a, "error:record@4:log/000004.json");
	ck_assert_int_eq(a->crls, 1);
	ca_audit_free(a);
}
END_TEST

START_TEST(log_spliced)
{
	struct ca_audit *a;
	char other_serial[41];
	json_t *rec;
	json_error_t je;

	/* Record 2 of the other root, which signed the IT request. */
	rec = json_load_file(in_dir(pristine_other, "log/000002.json"), 0,
	    &je);
	ck_assert_ptr_nonnull(rec);
	snprintf(other_serial, sizeof(other_serial), "%s", json_string_value(
	    json_object_get(json_object_get(json_object_get(rec, "body"),
	    "certificate"), "serial")));
	json_decref(rec);
	sh("cp '%s/log/000002.json' '%s/log/000008.json'", pristine_other,
	    rootdir);
	a = audit_root(head);
	ck_assert_findings(a, fmt("error:log-seq@8:log/000008.json "
	    "error:prev@8:log/000008.json error:log-id@8:log/000008.json "
	    "error:time@8:log/000008.json error:signature@8:log/000008.json "
	    "error:ceremony@8 error:artifact@8:issued/%s.pem "
	    "error:artifact@8:issued/%s-chain.pem error:head@8",
	    other_serial, other_serial));
	ck_assert_reason(a, "log-id", 8, "another log");
	ca_audit_free(a);
}
END_TEST

static void
set_time(json_t *body, void *arg)
{
	ck_assert_int_eq(json_object_set_new(body, "time",
	    json_string(arg)), 0);
}

START_TEST(time_backwards)
{
	static char earlier[] = "2026-01-31T00:00:30Z";
	struct ca_audit *a;
	char h[65];

	/* Sealed by the CA's own log key, stamped before record 7. */
	append(rootdir, "note", AUDIT_AT, set_time, earlier, h);
	a = audit_root(h);
	ck_assert_findings(a, "error:time@8:log/000008.json");
	ck_assert_reason(a, "time", 8, "backwards");
	ck_assert_int_eq(a->records, 8);
	ca_audit_free(a);
}
END_TEST

/* BR 6.1.1.1: keys made outside a witnessed ceremony are a finding. */
START_TEST(keys_outside_ceremony)
{
	struct ca_audit *a;
	char h[65];

	append(rootdir, "init-sub", AUDIT_AT, NULL, NULL, h);
	a = audit_root(h);
	ck_assert_findings(a, "error:ceremony@8");
	ck_assert_reason(a, "ceremony", 8, "outside a witnessed ceremony");
	ca_audit_free(a);
}
END_TEST

/* --- the files the records name ------------------------------------------ */

START_TEST(artifact_missing)
{
	struct ca_audit *a;

	ck_assert_int_eq(unlink(issued(rootdir, ot_serial)), 0);
	a = audit_root(head);
	ck_assert_findings(a, fmt("error:artifact@2:issued/%s.pem",
	    ot_serial));
	ck_assert_reason(a, "artifact", 2, "missing");
	/* Still listed, from the record; nothing to verify. */
	ck_assert_uint_eq(a->nsubs, 2);
	ck_assert_int_eq(a->signatures_verified, NREC + 1 + 1);
	ca_audit_free(a);
}
END_TEST

START_TEST(artifact_changed)
{
	struct ca_audit *a;

	/* CRL 1 replaced by CRL 2. */
	sh("cp '%s/crl/2.der' '%s/crl/1.der'", rootdir, rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:artifact@4:crl/1.der");
	ck_assert_reason(a, "artifact", 4, "changed since the record");
	ca_audit_free(a);

	/* The OT CA's certificate replaced by the IT CA's. */
	sh("cp '%s/crl/1.der' '%s/crl/1.der' && cp '%s' '%s'", pristine_root,
	    rootdir, issued(rootdir, it_serial), issued(rootdir, ot_serial));
	a = audit_root(head);
	ck_assert_findings(a, fmt("error:artifact@2:issued/%s.pem "
	    "error:certificate@2:issued/%s.pem", ot_serial, ot_serial));
	ck_assert_reason(a, "certificate", 2, ot_serial);
	/* The certificate now there has no name constraints. */
	ck_assert_int_eq(a->subs[0].name_constrained, 0);
	ck_assert_int_eq(axis(a, "IT/OT separation")->score, 25);
	ca_audit_free(a);
}
END_TEST

static void
add_outputs(json_t *body, void *arg)
{
	(void)arg;
	ck_assert_int_eq(json_object_set_new(body, "outputs", json_pack(
	    "[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i, s:b}]",
	    "name", "../x", "sha256", "00", "size", 1,
	    "name", "/etc/passwd", "sha256", "00", "size", 1,
	    "name", "/media/crl/root.crl", "sha256", "00", "size", 1,
	    "external", 1)), 0);
}

START_TEST(artifact_outside)
{
	struct ca_audit *a;
	char h[65];

	append(rootdir, "note", AUDIT_AT, add_outputs, NULL, h);
	a = audit_root(h);
	/* Not followed, and not an error; an external one is skipped. */
	ck_assert_findings(a, "warning:artifact@8:../x "
	    "warning:artifact@8:/etc/passwd");
	ck_assert_reason(a, "artifact", 8, "outside the CA directory");
	ck_assert_int_eq(a->worst, CA_SEV_WARNING);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);
}
END_TEST

START_TEST(unrecorded_and_stray)
{
	struct ca_audit *a;

	/* Whatever no record names is reported, chain files included. */
	sh("cd '%s/issued' && cp '%s.pem' 0abc.pem && cp '%s.pem' "
	    "0abc-chain.pem && cp '%s.pem' notes.txt", rootdir, it_serial,
	    it_serial, it_serial);
	a = audit_root(head);
	ck_assert_uint_eq(a->nfindings, 3);
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:unrecorded@0:0abc.pem"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:unrecorded@0:0abc-chain.pem"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:unrecorded@0:notes.txt"));
	ck_assert_reason(a, "unrecorded", 0, "no record names");
	ca_audit_free(a);

	sh("rm '%s/issued/0abc.pem' '%s/issued/0abc-chain.pem' "
	    "'%s/issued/notes.txt' && cd '%s/log' && touch notes.txt "
	    "7.json 000000.json 000006.json.bak", rootdir, rootdir, rootdir,
	    rootdir);
	a = audit_root(head);
	ck_assert_uint_eq(a->nfindings, 4);
	ck_assert_int_eq(a->records, NREC);
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:log-file@0:notes.txt"));
	ck_assert_ptr_nonnull(strstr(summary(a), "error:log-file@0:7.json"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:log-file@0:000000.json"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "error:log-file@0:000006.json.bak"));
	ca_audit_free(a);
}
END_TEST

/* What a killed command leaves: temporaries, or a journal. */
START_TEST(interrupted_and_leftover)
{
	struct ca_audit *a;

	sh("touch '%s/issued/0abc.pem.tmp-Ab12Cd' '%s/ca.pem.tmp-zzzzzz' "
	    "'%s/revoked.idx.old-42'", rootdir, rootdir, rootdir);
	a = audit_root(head);
	/* In the order the folders list them. */
	ck_assert_uint_eq(a->nfindings, 3);
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "info:leftover@0:ca.pem.tmp-zzzzzz"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "info:leftover@0:issued/0abc.pem.tmp-Ab12Cd"));
	ck_assert_ptr_nonnull(strstr(summary(a),
	    "info:leftover@0:revoked.idx.old-42"));
	ck_assert_reason(a, "leftover", 0, "ca-log recover");
	ck_assert_int_eq(ca_audit_passed(a), 1);
	ca_audit_free(a);
	sh("rm '%s/issued/0abc.pem.tmp-Ab12Cd' '%s/ca.pem.tmp-zzzzzz' "
	    "'%s/revoked.idx.old-42' && echo '{}' >'%s/journal.json'", rootdir,
	    rootdir, rootdir, rootdir);
	a = audit_root(head);
	ck_assert_findings(a, "error:interrupted@0:journal.json");
	ck_assert_reason(a, "interrupted", 0, "ca-log recover");
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ca_audit_free(a);
	sh("rm '%s/journal.json'", rootdir);
}
END_TEST

/* --- revocation and CRLs ------------------------------------------------- */

START_TEST(index_checks)
{
	struct ca_audit *a;
	char otherdir[PATH_MAX + 32];

	/* Emptied: not the index record 5 names, nor what CRL 2 lists. */
	tu_write(in_dir(rootdir, CA_FILE_REVOKED), "", 0);
	a = audit_root(head);
	ck_assert_findings(a, "error:index@5:revoked.idx "
	    "error:crl@6:crl/2.der");
	ck_assert_reason(a, "index", 5, "not the index the newest revocation "
	    "names");
	ca_audit_free(a);

	ck_assert_int_eq(unlink(in_dir(rootdir, CA_FILE_REVOKED)), 0);
	a = audit_root(head);
	ck_assert_findings(a, "error:index@5:revoked.idx "
	    "error:crl@6:crl/2.der");
	ck_assert_reason(a, "index", 5, "missing, though the log revoked");
	ck_assert_reason(a, "crl", 6, "more entries than the index");
	ca_audit_free(a);

	/* Planted where nothing was revoked. */
	tu_pathf(otherdir, sizeof(otherdir), "%s/other", work);
	sh("cp -a '%s' '%s' && cp '%s/revoked.idx' '%s/'", pristine_other,
	    otherdir, pristine_root, otherdir);
	a = audit_full(otherdir, other_fp, NULL, AUDIT_AT);
	ck_assert_findings(a, "info:head@0 error:index@0:revoked.idx");
	ck_assert_reason(a, "index", 0, "though the log revoked nothing");
	ca_audit_free(a);
}
END_TEST

START_TEST(crl_stale)
{
	struct ca_audit *a;
	struct ca_log_summary sum;

	/* The IT CA revoked after CRL 2, and no CRL since. */
	do_revoke(rootdir, it_serial, AUDIT_AT - 3600);
	ck_assert_ok(ca_dir_verify_log(rootdir, root_fp, &sum, NULL));
	a = audit_root(sum.head);
	ck_assert_findings(a, "warning:crl-stale@8");
	ck_assert_int_eq(a->revoked_pending, 1);
	ck_assert_int_eq(a->revoked, 2);
	ck_assert_int_eq(a->subs[1].revoked, 1);
	ck_assert_int_eq(a->worst, CA_SEV_WARNING);
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ck_assert_int_eq(axis(a, "revocation freshness")->score, 0);
	ck_assert_str_eq(axis(a, "revocation freshness")->why,
	    "revocations newer than the CRL");
	ca_audit_free(a);

	/* Issuing one clears it. */
	crl_issue(rootdir, AUDIT_AT - 1800);
	ck_assert_ok(ca_dir_verify_log(rootdir, root_fp, &sum, NULL));
	a = audit_root(sum.head);
	ck_assert_findings(a, "");
	ck_assert_int_eq(a->revoked_pending, 0);
	ck_assert_uint_eq(a->crl_number, 3);
	ck_assert_int_eq(a->crls, 3);
	ca_audit_free(a);
}
END_TEST

START_TEST(crl_expired)
{
	struct ca_audit *a;
	time_t nu = tparse("2027-01-31T00:01:00Z");

	a = audit_full(rootdir, root_fp, head, nu - 1);
	ck_assert_findings(a, "");
	ck_assert_int_eq(axis(a, "revocation freshness")->score, 0);
	ca_audit_free(a);

	/* nextUpdate itself is too late. */
	a = audit_full(rootdir, root_fp, head, nu);
	ck_assert_findings(a, "warning:crl-expired@6");
	ck_assert_reason(a, "crl-expired", 6, "2027-01-31T00:01:00Z");
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ck_assert_int_eq(axis(a, "revocation freshness")->score, 0);
	ca_audit_free(a);

	/* Halfway through its life. */
	a = audit_full(rootdir, root_fp, head, nu - 365 * DAY / 2);
	ck_assert_findings(a, "");
	ck_assert_int_eq(axis(a, "revocation freshness")->score, 50);
	ca_audit_free(a);
}
END_TEST

/* Copy record 6's "crl" member into a new record's body. */
static void
repeat_crl(json_t *body, void *arg)
{
	json_t *rec;
	json_error_t je;

	rec = json_load_file(arg, 0, &je);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(json_object_set(body, "crl", json_object_get(
	    json_object_get(rec, "body"), "crl")), 0);
	json_decref(rec);
}

START_TEST(crl_number_repeated)
{
	struct ca_audit *a;
	char h[65];

	/* A crl-issue record whose number is the last one again. */
	append(rootdir, "crl-issue", AUDIT_AT, repeat_crl,
	    in_dir(rootdir, "log/000006.json"), h);
	a = audit_root(h);
	ck_assert_findings(a, "error:crl-number@8:crl/2.der");
	ck_assert_reason(a, "crl-number", 8, "CRL number 2 does not exceed "
	    "the previous 2");
	ck_assert_uint_eq(a->crl_number, 2);
	ck_assert_int_eq(a->crls, 3);
	ca_audit_free(a);
}
END_TEST

/* --- what the records say ------------------------------------------------ */

static void
bad_key(json_t *body, void *arg)
{
	json_t *k;

	(void)arg;
	k = json_pack("{s:s, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}}",
	    "label", "weak", "attributes", "sensitive", 1, "always_sensitive",
	    1, "never_extractable", 0, "local", 1, "extractable", 1,
	    "decrypt", 0, "unwrap", 0, "derive", 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(json_array_append_new(json_object_get(body, "keys"),
	    k), 0);
}

START_TEST(key_attributes)
{
	struct ca_audit *a;
	char h[65];

	append(rootdir, "note", AUDIT_AT, bad_key, NULL, h);
	a = audit_root(h);
	ck_assert_findings(a, "error:key-attributes@8");
	ck_assert_reason(a, "key-attributes", 8, "\"weak\"");
	ck_assert_int_eq(axis(a, "key protection")->score, 0);
	/* The CA key used in record 7 was read back too. */
	ck_assert_str_eq(axis(a, "key protection")->why, "2 keys "
	    "recorded at generation; 1 read-backs not as required");
	ca_audit_free(a);
}
END_TEST

/* A key whose module knows neither arg (null) nor, here, CKA_DERIVE. */
static void
unknown_key(json_t *body, void *arg)
{
	json_t *k;

	k = json_pack("{s:s, s:{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:n}}",
	    "label", "odd", "attributes", "sensitive", 1, "always_sensitive",
	    1, "never_extractable", 1, "local", 1, "extractable", 0,
	    "decrypt", 0, "unwrap", 0, "derive");
	ck_assert_ptr_nonnull(k);
	if (arg != NULL)
		ck_assert_int_eq(json_object_set_new(json_object_get(k,
		    "attributes"), arg, json_null()), 0);
	ck_assert_int_eq(json_array_append_new(json_object_get(body, "keys"),
	    k), 0);
}

START_TEST(key_attributes_unknown)
{
	struct ca_audit *a;
	char h[65], local[] = "local";

	/* Derive unknown: it was asked for FALSE, and cannot be granted. */
	append(rootdir, "note", AUDIT_AT, unknown_key, NULL, h);
	a = audit_root(h);
	ck_assert_findings(a, "");
	ca_audit_free(a);
	/* Local unknown: a CA key must be known to be made on the token. */
	append(rootdir, "note", AUDIT_AT, unknown_key, local, h);
	a = audit_root(h);
	ck_assert_findings(a, "error:key-attributes@9");
	ck_assert_reason(a, "key-attributes", 9, "\"odd\"");
	ca_audit_free(a);
}
END_TEST

static void
same_cert(json_t *body, void *arg)
{
	json_t *rec;
	json_error_t je;

	rec = json_load_file(arg, 0, &je);
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(json_object_set(body, "certificate",
	    json_object_get(json_object_get(rec, "body"), "certificate")), 0);
	json_decref(rec);
}

/* ca_sign_fn for the log key's own session (arg). */
static int
token_sign(void *arg, const EVP_MD *md, const unsigned char *data,
    size_t len, unsigned char **sig, size_t *siglen, struct ca_errbuf *eb)
{
	return ca_tsigner_sign(arg, md, data, len, sig, siglen, eb);
}

/*
 * Seal the whole log of dir again with its own log key, each body changed
 * by fn first and chained anew; the new head into out.
 */
static void
reseal_all(const char *dir, mutate_fn fn, char out[65])
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb;
	char prev[65] = "", id[65] = "", h[65], *logdir, *raw;
	json_t *rec, *body;
	long long seq, n;
	size_t len;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_open(dir, &d, &eb) == 0, "open: %s", eb.msg);
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0,
	    "login: %s", eb.msg);
	n = d->head.seq;
	logdir = in_dir(dir, CA_DIR_LOG);
	for (seq = 1; seq <= n; seq++) {
		ck_assert_ok(ca_log_record_read(logdir, seq, &rec, h, NULL,
		    NULL, NULL));
		body = json_deep_copy(json_object_get(rec, "body"));
		json_decref(rec);
		fn(body, &seq);
		ck_assert_int_eq(json_object_set_new(body, "prev", seq == 1 ?
		    json_null() : json_string(prev)), 0);
		ck_assert_int_eq(json_object_set_new(body, "log_id", seq == 1 ?
		    json_null() : json_string(id)), 0);
		ck_assert_msg(ca_log_seal_with(body, token_sign, d->log_ts,
		    X509_get0_pubkey(d->log_cert), &raw, &len, h, &eb) == 0,
		    "seal: %s", eb.msg);
		tu_write(in_dir(logdir, fmt("%06lld.json", seq)), raw, len);
		free(raw);
		json_decref(body);
		memcpy(prev, h, 65);
		if (seq == 1)
			memcpy(id, h, 65);
	}
	ca_dir_close(d);
	memcpy(out, prev, 65);
}

static void
drop_attributes(json_t *body, void *arg)
{
	json_t *k;
	size_t i;

	(void)arg;
	json_array_foreach(json_object_get(body, "keys"), i, k)
		ck_assert_int_eq(json_object_del(k, "attributes"), 0);
}

START_TEST(no_key_attributes)
{
	struct ca_audit *a;
	char h[65];

	/* A log that records no key's attributes shows nothing of how the
	 * keys were made: ca-audit(1) scores that 0. */
	reseal_all(rootdir, drop_attributes, h);
	a = audit_root(h);
	ck_assert_findings(a, "");
	ck_assert_str_eq(axis(a, "key protection")->why, "0 keys recorded "
	    "at generation; 0 read-backs not as required");
	ck_assert_int_eq(axis(a, "key protection")->score, 0);
	ca_audit_free(a);
}
END_TEST

START_TEST(serial_repeated)
{
	struct ca_audit *a;
	char h[65];

	/* A second sign-sub record for the OT CA's serial. */
	append(rootdir, "sign-sub", AUDIT_AT, same_cert,
	    in_dir(rootdir, "log/000002.json"), h);
	a = audit_root(h);
	ck_assert_findings(a, "error:serial@8");
	ck_assert_reason(a, "serial", 8, fmt("serial %s was issued 2 times",
	    ot_serial));
	ck_assert_int_eq(a->issued, 3);
	ck_assert_int_eq(a->subs_total, 3);
	ca_audit_free(a);
}
END_TEST

/* --- directories the audit cannot run on, or barely ---------------------- */

START_TEST(not_a_ca_dir)
{
	struct ca_audit_req q;
	struct ca_audit *a = (struct ca_audit *)&q;
	struct ca_errbuf eb;

	memset(&q, 0, sizeof(q));
	q.dir = work;			/* holds root/, but is none */
	q.anchor = root_fp;
	q.now = AUDIT_AT;
	eb.msg[0] = '\0';
	ck_assert_err(ca_audit_run(&q, &a, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(a);
	ck_assert_str_ne(eb.msg, "");

	/* A ca.json that is not one. */
	tu_write(in_dir(rootdir, CA_FILE_CONFIG), "{\"format\":\"x\"}", 14);
	q.dir = rootdir;
	a = (struct ca_audit *)&q;
	ck_assert_err(ca_audit_run(&q, &a, NULL), CA_ERR_SCHEMA);
	ck_assert_ptr_null(a);
}
END_TEST

START_TEST(ca_cert_missing)
{
	struct ca_audit *a;

	ck_assert_int_eq(unlink(in_dir(rootdir, CA_FILE_CERT)), 0);
	a = audit_root(head);
	/* Nothing ties the log to the anchor: no record signature is
	 * checked, and no certificate or CRL verifies. */
	ck_assert_msg(strncmp(summary(a), "error:ca@0:ca.pem "
	    "error:artifact@1:ca.pem ", 41) == 0, "%s", summary(a));
	ck_assert_reason(a, "ca", 0, "nothing can be tied to the anchor");
	ck_assert_reason(a, "certificate", 2, "cannot be verified");
	ck_assert_reason(a, "certificate", 3, "cannot be verified");
	ck_assert_reason(a, "crl", 6, "does not verify under the CA");
	ck_assert_int_eq(ca_audit_passed(a), 0);
	ck_assert_int_eq(a->worst, CA_SEV_ERROR);
	ck_assert_int_eq(a->anchored, 0);
	ck_assert_int_eq(a->signatures_verified, 0);
	ck_assert_int_eq(a->records, NREC);
	ca_audit_free(a);
}
END_TEST

/* --- the JSON report, and the cap on findings ---------------------------- */

START_TEST(json_report)
{
	struct ca_audit *a;
	json_t *j, *f, *arr;
	json_error_t je;
	char *out = NULL;
	size_t len = 0, i;

	sh("sed -i 's/\"operator\":\"Carol\"/\"operator\":\"Carom\"/' "
	    "'%s/log/000002.json' && touch '%s/log/notes.txt'", rootdir,
	    rootdir);
	a = audit_root(NULL);
	ck_assert_ok(ca_audit_json(a, &out, &len));
	ck_assert_uint_eq(len, strlen(out));
	j = json_loads(out, JSON_REJECT_DUPLICATES, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "format")),
	    "ca-audit-report");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 1);
	ck_assert(json_is_false(json_object_get(j, "passed")));
	ck_assert(json_is_true(json_object_get(j, "anchored")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "dir")),
	    rootdir);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "ca"), "fingerprint")), root_fp);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "log"), "head_check")), "not given");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "log"), "records")), NREC);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j,
	    "state"), "crl_number")), 2);
	ck_assert(json_is_false(json_object_get(json_object_get(j, "state"),
	    "revoked_after_crl")));
	arr = json_object_get(j, "findings");
	ck_assert_uint_eq(a->nfindings, 4);
	ck_assert_uint_eq(json_array_size(arr), a->nfindings);
	json_array_foreach(arr, i, f) {
		const struct ca_finding *x = &a->findings[i];

		ck_assert_uint_eq(json_object_size(f), 5);
		ck_assert_str_eq(json_string_value(json_object_get(f,
		    "severity")), ca_severity_name(x->sev));
		ck_assert_int_eq(json_integer_value(json_object_get(f, "seq")),
		    x->seq);
		ck_assert_str_eq(json_string_value(json_object_get(f, "check")),
		    x->check);
		ck_assert_str_eq(json_string_value(json_object_get(f, "file")),
		    x->file);
		ck_assert_str_eq(json_string_value(json_object_get(f,
		    "reason")), x->reason);
	}
	f = json_array_get(arr, 0);
	ck_assert_str_eq(json_string_value(json_object_get(f, "check")),
	    "log-file");
	ck_assert_str_eq(json_string_value(json_object_get(f, "severity")),
	    "error");
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "findings_dropped")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "ceremonies")),
	    3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "ceremonies"), 1), "ops")),
	    "sign-sub x2, crl-issue");
	arr = json_object_get(j, "issued_cas");
	ck_assert_uint_eq(json_array_size(arr), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(arr,
	    0), "security_level")), 2);
	ck_assert(json_is_true(json_object_get(json_array_get(arr, 0),
	    "revoked")));
	ck_assert(json_is_true(json_object_get(json_array_get(arr, 0),
	    "name_constrained")));
	arr = json_object_get(j, "posture");
	ck_assert_uint_eq(json_array_size(arr), CA_AUDIT_NSCORES);
	json_array_foreach(arr, i, f) {
		ck_assert_str_eq(json_string_value(json_object_get(f, "axis")),
		    a->scores[i].axis);
		ck_assert_int_eq(json_integer_value(json_object_get(f,
		    "score")), a->scores[i].score);
	}
	json_decref(j);
	free(out);
	ca_audit_free(a);
}
END_TEST

START_TEST(findings_capped)
{
	struct ca_audit *a;
	char *out = NULL;
	size_t len;
	json_t *j;
	int i, fd;

	for (i = 0; i < 600; i++) {
		fd = open(in_dir(rootdir, fmt("log/stray-%03d", i)),
		    O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	a = audit_root(NULL);
	ck_assert_uint_eq(a->nfindings, CA_AUDIT_MAX_FINDINGS);
	/* 100 more stray files, and the note about the head. */
	ck_assert_int_eq(a->findings_dropped, 101);
	ck_assert_int_eq(a->worst, CA_SEV_ERROR);
	for (i = 0; i < CA_AUDIT_MAX_FINDINGS; i++)
		ck_assert_str_eq(a->findings[i].check, "log-file");
	/* The log is still read in full. */
	ck_assert_int_eq(a->records, NREC);
	ck_assert_str_eq(a->head, head);
	ck_assert_int_eq(axis(a, "evidence completeness")->score, 0);
	ck_assert_ok(ca_audit_json(a, &out, &len));
	j = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "findings")),
	    CA_AUDIT_MAX_FINDINGS);
	ck_assert_int_eq(json_integer_value(json_object_get(j,
	    "findings_dropped")), 101);
	json_decref(j);
	free(out);
	ca_audit_free(a);
}
END_TEST

/* --- a subordinate CA ---------------------------------------------------- */

START_TEST(sub_ca)
{
	struct ca_install_req q;
	struct ca_install_result res;
	struct ca_errbuf eb;
	struct ca_audit *a;
	char otdir[PATH_MAX + 32];

	tu_pathf(otdir, sizeof(otdir), "%s/ot", work);
	sh("cp -a '%s' '%s'", ot_req_dir, otdir);
	memset(&q, 0, sizeof(q));
	q.prog = "check_audit";
	q.dir = otdir;
	q.cert_path = issued(rootdir, ot_serial);
	q.chain_path = in_dir(rootdir, CA_FILE_CERT);
	q.pin_source = pinsrc;
	q.now = D1 + 3600;
	eb.msg[0] = '\0';
	ck_assert_msg(ca_sub_install(&q, &res, &eb) == 0, "install: %s",
	    eb.msg);
	a = audit_full(otdir, root_fp, res.head, AUDIT_AT);
	ck_assert_findings(a, "");
	ck_assert_str_eq(a->kind, "sub");
	ck_assert_str_eq(a->ca_subject, OT_SUBJECT);
	ck_assert_str_eq(a->root_subject, ROOT_SUBJECT);
	ck_assert_str_eq(a->root_fingerprint, root_fp);
	ck_assert_str_eq(a->ca_fingerprint, res.fingerprint);
	ck_assert_int_eq(a->anchored, 1);
	ck_assert_str_eq(axis(a, "IT/OT separation")->why, "a subordinate CA");
	ck_assert_int_eq(axis(a, "IT/OT separation")->score, 100);
	ck_assert_int_eq(axis(a, "algorithm strength")->score, 80);
	ck_assert_str_eq(axis(a, "revocation freshness")->why,
	    "no CRL issued");
	ca_audit_free(a);

	/* Its own fingerprint is no anchor: only the root's is. */
	a = audit_full(otdir, res.fingerprint, res.head, AUDIT_AT);
	ck_assert_findings(a, "error:anchor@0:chain.pem");
	ca_audit_free(a);

	/* Without its chain nothing leads to the root. */
	ck_assert_int_eq(unlink(in_dir(otdir, CA_FILE_CHAIN)), 0);
	a = audit_full(otdir, root_fp, res.head, AUDIT_AT);
	ck_assert_findings(a, "error:ca@0:chain.pem error:anchor@0:chain.pem "
	    "error:artifact@3:chain.pem");
	ck_assert_reason(a, "ca", 0, "needs its chain");
	ck_assert_int_eq(a->anchored, 0);
	ck_assert_str_eq(a->root_fingerprint, "");
	ca_audit_free(a);
}
END_TEST

START_TEST(small_parts)
{
	ck_assert_str_eq(ca_severity_name(CA_SEV_INFO), "info");
	ck_assert_str_eq(ca_severity_name(CA_SEV_WARNING), "warning");
	ck_assert_str_eq(ca_severity_name(CA_SEV_ERROR), "error");
	ca_audit_free(NULL);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, work_setup, work_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, untouched_passes);
	tcase_add_test(tc, audit_reads_only);
	tcase_add_test(tc, anchor_checks);
	tcase_add_test(tc, binary_checks);
	tcase_add_test(tc, head_checks);
	tcase_add_test(tc, log_signer_missing);
	tcase_add_test(tc, log_signer_foreign);
	tcase_add_test(tc, log_gap);
	tcase_add_test(tc, log_swapped);
	tcase_add_test(tc, log_byte_changed);
	tcase_add_test(tc, log_not_canonical);
	tcase_add_test(tc, log_spliced);
	tcase_add_test(tc, time_backwards);
	tcase_add_test(tc, keys_outside_ceremony);
	tcase_add_test(tc, artifact_missing);
	tcase_add_test(tc, artifact_changed);
	tcase_add_test(tc, artifact_outside);
	tcase_add_test(tc, unrecorded_and_stray);
	tcase_add_test(tc, interrupted_and_leftover);
	tcase_add_test(tc, index_checks);
	tcase_add_test(tc, crl_stale);
	tcase_add_test(tc, crl_expired);
	tcase_add_test(tc, crl_number_repeated);
	tcase_add_test(tc, key_attributes);
	tcase_add_test(tc, key_attributes_unknown);
	tcase_add_test(tc, no_key_attributes);
	tcase_add_test(tc, serial_repeated);
	tcase_add_test(tc, not_a_ca_dir);
	tcase_add_test(tc, ca_cert_missing);
	tcase_add_test(tc, json_report);
	tcase_add_test(tc, findings_capped);
	tcase_add_test(tc, sub_ca);
	tcase_add_test(tc, small_parts);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(audit_suite)
