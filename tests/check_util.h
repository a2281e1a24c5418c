/*
 * check_util.h: helpers shared by the Check suites (one suite per lib
 * module, in tests/check_<module>.c).  Header-only, so that each suite is
 * one translation unit linked against lib/libkeyceremony.a.
 */
#ifndef CHECK_UTIL_H
#define CHECK_UTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca_err.h"
#include "ceremony.h"
#include "rootca.h"

/*
 * CK_MAIN(suite_fn): main() that runs one suite and exits non-zero when
 * any test failed.  Check prints its own summary line.
 *
 * A test case that sets no timeout of its own gets 60 s rather than
 * Check's 4 s: the limit is there to stop a hang, not to time the code,
 * and 4 s is within reach of a slow run under the sanitizers
 * (CK_TIMEOUT_MULTIPLIER, which make check SANITIZE=1 sets, scales both
 * kinds).  Check reads CK_DEFAULT_TIMEOUT when each case is created, so
 * it is set before suite_fn runs; one set by hand wins.
 */
#define CK_MAIN(suite_fn)						\
	int main(void)							\
	{								\
		SRunner *sr;						\
		int nf;							\
		(void)setenv("CK_DEFAULT_TIMEOUT", "60", 0);		\
		sr = srunner_create(suite_fn());			\
		srunner_run_all(sr, CK_NORMAL);				\
		nf = srunner_ntests_failed(sr);				\
		srunner_free(sr);					\
		return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;		\
	}

/* ck_assert_err(expr, code): expr returned exactly the CA_ERR_* code. */
#define ck_assert_err(expr, code) do {					\
	int ck_r_ = (expr);						\
	ck_assert_msg(ck_r_ == (code), "%s returned %d (%s), wanted %d (%s)", \
	    #expr, ck_r_, ca_strerror(ck_r_), (code), ca_strerror(code)); \
} while (0)

/* ck_assert_ok(expr): expr returned CA_OK. */
#define ck_assert_ok(expr) ck_assert_err(expr, CA_OK)

static int
tu_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

/* tu_rmrf: remove a folder tree; quiet when it is missing. */
static inline void
tu_rmrf(const char *path)
{
	(void)nftw(path, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * tu_tmpdir: a new empty folder under $TMPDIR (or /tmp) in buf[PATH_MAX].
 * Fails the test when it cannot be made.
 */
static inline char *
tu_tmpdir(char *buf)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, PATH_MAX, "%s/kc-check.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_msg(mkdtemp(buf) != NULL, "mkdtemp: %s", strerror(errno));
	return buf;
}

/*
 * tu_pathf: snprintf into buf[cap] that fails the test rather than cut a
 * path short.
 */
static inline void tu_pathf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void
tu_pathf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < cap, "path too long");
}

/*
 * tu_path: dir "/" name in buf[PATH_MAX]; fails the test rather than cut a
 * path short.
 */
static inline char *
tu_path(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	ck_assert_msg(n > 0 && n < PATH_MAX, "path too long: %s/%s", dir,
	    name);
	return buf;
}

/* tu_write: write a whole file (mode 0600), failing the test on error. */
static inline void
tu_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/*
 * tu_read: read a whole file into a new NUL-terminated buffer (caller
 * frees), length in *len (may be NULL).
 */
static inline char *
tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(fread(buf, 1, (size_t)n, f) == (size_t)n, "fread %s",
	    path);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/*
 * tu_softhsm_token: point SOFTHSM2_CONF at a fresh configuration under
 * dir with one token labelled label (user PIN "123456", SO PIN
 * "87654321"), made by softhsm2-util.  Fails the test when it cannot.
 */
static inline void
tu_softhsm_token(const char *dir, const char *label)
{
	char conf[PATH_MAX], tokens[PATH_MAX], cmd[3 * PATH_MAX];
	FILE *f;

	tu_path(tokens, dir, "tokens");
	tu_path(conf, dir, "softhsm2.conf");
	if (mkdir(tokens, 0700) != 0)
		ck_assert_int_eq(errno, EEXIST);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\nslots.removable = false\n", tokens);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "softhsm2-util "
	    "--init-token --free --label '%s' --so-pin 87654321 --pin 123456 "
	    ">/dev/null", label), (int)sizeof(cmd));
	ck_assert_msg(system(cmd) == 0, "softhsm2-util failed");
}

/*
 * tu_plan: the path (in out) of a ceremony plan under dir, written on
 * first use, for the key generation every CA needs: an administrator,
 * a witness and two custodians, the approved script a file beside it.
 */
static inline void
tu_plan(const char *dir, char out[PATH_MAX])
{
	static const struct ca_person roster[] = {
		{ CA_ROLE_ADMINISTRATOR, "Alice" },
		{ CA_ROLE_WITNESS, "Bob" },
		{ CA_ROLE_CUSTODIAN, "Carol" },
		{ CA_ROLE_CUSTODIAN, "Dave" },
	};
	struct ca_open_req q;
	struct ca_errbuf eb = { 0 };
	char script[PATH_MAX];

	tu_path(out, dir, "ceremony-plan.json");
	if (access(out, F_OK) == 0)
		return;
	tu_path(script, dir, "ceremony-script.txt");
	tu_write(script, "1. Generate the keys.\n", 22);
	memset(&q, 0, sizeof(q));
	q.id = "test-ceremony";
	q.purpose = "key generation in a test";
	q.script_path = script;
	q.approval = "TEST-1";
	q.location = "test lab";
	q.roster = roster;
	q.nroster = sizeof(roster) / sizeof(roster[0]);
	ck_assert_msg(ca_ceremony_plan(&q, out, &eb) == 0, "plan: %s",
	    eb.msg);
}

static char tu_plan_dir[PATH_MAX];
static pid_t tu_plan_owner;

/* Run at exit, also in forked test processes: only the maker removes. */
static inline void
tu_plan_cleanup(void)
{
	if (getpid() == tu_plan_owner)
		tu_rmrf(tu_plan_dir);
}

/*
 * tu_ceremony: q->ceremony set to a plan (tu_plan) in a folder of its own,
 * apart from the folders tests count files in, removed at exit.
 */
static inline void
tu_ceremony(struct ca_root_req *q)
{
	static char plan[PATH_MAX];

	if (tu_plan_dir[0] == '\0') {
		tu_tmpdir(tu_plan_dir);
		tu_plan_owner = getpid();
		ck_assert_int_eq(atexit(tu_plan_cleanup), 0);
	}
	tu_plan(tu_plan_dir, plan);
	q->ceremony = plan;
}

/*
 * tu_make_ca: a CA made by ca_root_init at now in dir on the token uri
 * names, with subject and key alg ("p256" and so on), a subordinate
 * awaiting its certificate when sub, under a ceremony plan (tu_ceremony);
 * the PIN from pin_source.  res may be NULL.  Fails the test when it
 * cannot.
 */
static inline void
tu_make_ca(const char *dir, const char *uri, const char *subject,
    const char *alg, int sub, const char *pin_source, time_t now,
    struct ca_root_result *res)
{
	struct ca_root_result spare;
	struct ca_root_req q;
	struct ca_errbuf eb = { 0 };

	memset(&q, 0, sizeof(q));
	q.prog = "check";
	q.dir = dir;
	q.token_uri = uri;
	q.subject = subject;
	q.pin_source = pin_source;
	q.now = now;
	q.sub = sub;
	q.algorithm = alg;
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, res ? res : &spare, &eb) == 0,
	    "init %s: %s", dir, eb.msg);
}

#endif
