/*
 * check_cadir.c: an existing CA directory opened for one operation
 * (lib/cadir.c): the lock, the log check on open, logging in to the
 * token, and the artifacts and record that land together or not at all.
 * Each test makes a root CA with ca_root_init on a SoftHSM2 token in a
 * temporary folder.
 */
#include "check_util.h"

#include <dirent.h>
#include <sys/wait.h>

#include <jansson.h>

#include "cadir.h"
#include "certgen.h"
#include "cjson.h"
#include "dircheck.h"
#include "fsio.h"
#include "journal.h"
#include "log.h"
#include "record.h"
#include "rootca.h"
#include "store.h"

#define TOKEN "kc-cadir"
#define NOW ((time_t)1767225600)	/* 2026-01-01T00:00:00Z */

/* Per run (parent): removed even if a child dies. */
static char base[PATH_MAX];

/* Per test (child). */
static char work[PATH_MAX + 16];
static char cadir[PATH_MAX + 32];
static char pinsrc[PATH_MAX + 64], badpinsrc[PATH_MAX + 64];
static struct ca_root_result root;

static void
base_setup(void)
{
	tu_tmpdir(base);
}

static void
base_teardown(void)
{
	tu_rmrf(base);
}

static void
ca_setup(void)
{
	char p[PATH_MAX + 48];
	struct ca_root_req q;
	struct ca_errbuf eb;

	snprintf(work, sizeof(work), "%s/t.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(work));
	tu_softhsm_token(work, TOKEN);
	snprintf(cadir, sizeof(cadir), "%s/ca", work);
	snprintf(p, sizeof(p), "%s/pin", work);
	tu_write(p, "123456\n", 7);
	snprintf(pinsrc, sizeof(pinsrc), "file:%s", p);
	snprintf(p, sizeof(p), "%s/badpin", work);
	tu_write(p, "111111\n", 7);
	snprintf(badpinsrc, sizeof(badpinsrc), "file:%s", p);

	memset(&q, 0, sizeof(q));
	q.prog = "check_cadir";
	q.dir = cadir;
	q.token_uri = "pkcs11:token=" TOKEN;
	q.algorithm = "p256";
	q.subject = "CN=Dir Test Root,O=Acme,C=DE";
	q.pin_source = pinsrc;
	q.now = NOW;
	eb.msg[0] = '\0';
	tu_ceremony(&q);
	ck_assert_msg(ca_root_init(&q, &root, &eb) == 0, "init: %s", eb.msg);
}

static void
ca_teardown(void)
{
	tu_rmrf(work);
}

static struct ca_dir *
open_ok(void)
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_open(cadir, &d, &eb) == 0, "open: %s", eb.msg);
	ck_assert_ptr_nonnull(d);
	return d;
}

static struct ca_dir *
open_login(void)
{
	struct ca_dir *d = open_ok();
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_login(d, pinsrc, NULL, NULL, &eb) == 0,
	    "login: %s", eb.msg);
	return d;
}

/* Names in dir (other than . and ..) that contain needle. */
static int
count_matching(const char *dir, const char *needle)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(dp != NULL, "opendir %s", dir);
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strstr(de->d_name, needle) != NULL)
			n++;
	closedir(dp);
	return n;
}

static void
no_temporaries(void)
{
	char logdir[PATH_MAX + 48];

	snprintf(logdir, sizeof(logdir), "%s/log", cadir);
	ck_assert_int_eq(count_matching(cadir, ".tmp"), 0);
	ck_assert_int_eq(count_matching(logdir, ".tmp"), 0);
	ck_assert_int_eq(count_matching(work, ".tmp"), 0);
	ck_assert_int_eq(count_matching(cadir, ".old-"), 0);
	ck_assert_int_eq(count_matching(cadir, CA_FILE_JOURNAL), 0);
}

static json_t *
body_for(struct ca_dir *d, time_t now)
{
	const char *const w[] = { "Bob" };
	json_t *people = NULL, *body = NULL;
	struct ca_errbuf eb;

	ck_assert_ok(ca_rec_people("Alice", w, 1, &people, &eb));
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_body(d, "check_cadir", "test-op", now, people,
	    &body, &eb) == 0, "body: %s", eb.msg);
	json_decref(people);
	return body;
}

START_TEST(open_reads_the_directory)
{
	struct ca_dir *d = open_ok();

	ck_assert_str_eq(d->path, cadir);
	ck_assert_int_ge(d->lockfd, 0);
	ck_assert_str_eq(d->cfg->kind, "root");
	ck_assert_str_eq(d->cfg->algorithm, "p256");
	ck_assert_ptr_nonnull(d->cert);
	ck_assert_ptr_nonnull(d->log_cert);
	ck_assert_ptr_null(d->chain);
	ck_assert_int_eq(d->head.seq, 1);
	ck_assert_str_eq(d->head.hash, root.head);
	ck_assert_str_eq(d->head.log_id, root.head);
	ck_assert_int_eq(d->head.time, NOW);
	ck_assert_ptr_null(d->hsm);
	ck_assert_ptr_null(d->ca_ts);
	ca_dir_close(d);
	ca_dir_close(NULL);
}
END_TEST

START_TEST(open_missing)
{
	char p[PATH_MAX + 48];
	struct ca_dir *d = (struct ca_dir *)1;

	snprintf(p, sizeof(p), "%s/absent", work);
	ck_assert_err(ca_dir_open(p, &d, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(d);
	/* A folder without ca.json. */
	ck_assert_int_eq(mkdir(p, 0700), 0);
	ck_assert_err(ca_dir_open(p, &d, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(d);
}
END_TEST

/*
 * Open the CA directory in another process, as a second ceremony would:
 * its result code (passed back as the exit status, negated).
 */
static int
open_in_child(void)
{
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		struct ca_dir *d = NULL;
		int r = ca_dir_open(cadir, &d, NULL);

		ca_dir_close(d);
		_exit(-r);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return -WEXITSTATUS(st);
}

START_TEST(lock_held_until_close)
{
	struct ca_dir *d;
	struct ca_errbuf eb;

	ck_assert_ok(open_in_child());		/* free at first */
	d = open_ok();
	ck_assert_err(open_in_child(), CA_ERR_LOCKED);
	/* Held through login too. */
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	ck_assert_err(open_in_child(), CA_ERR_LOCKED);
	ca_dir_close(d);
	ck_assert_ok(open_in_child());		/* and free again */
}
END_TEST

/* A failed open does not keep the lock. */
START_TEST(failed_open_releases_lock)
{
	char p[PATH_MAX + 48], *raw;
	size_t len;
	struct ca_dir *d = (struct ca_dir *)1;

	snprintf(p, sizeof(p), "%s/log/000001.json", cadir);
	raw = tu_read(p, &len);
	tu_write(p, "{}\n", 3);
	ck_assert_err(ca_dir_open(cadir, &d, NULL), CA_ERR_LOG);
	ck_assert_ptr_null(d);
	/* Another process gets as far as the log, not stuck at the lock. */
	ck_assert_err(open_in_child(), CA_ERR_LOG);
	tu_write(p, raw, len);
	free(raw);
	d = open_ok();
	ca_dir_close(d);
}
END_TEST

START_TEST(tampered_log_refused)
{
	char p[PATH_MAX + 48], *raw, *at;
	size_t len;
	struct ca_dir *d = (struct ca_dir *)1;
	struct ca_errbuf eb;

	snprintf(p, sizeof(p), "%s/log/000001.json", cadir);
	raw = tu_read(p, &len);
	/* Still canonical: only the operation's name changes. */
	at = strstr(raw, "\"op\":\"init-root\"");
	ck_assert_ptr_nonnull(at);
	at[6] = 'I';
	tu_write(p, raw, len);
	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_open(cadir, &d, &eb), CA_ERR_LOG);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(eb.msg, "000001.json") != NULL, "%s", eb.msg);

	/* A record added by someone without the log key. */
	at[6] = 'i';
	tu_write(p, raw, len);
	d = open_ok();
	ca_dir_close(d);
	snprintf(p, sizeof(p), "%s/log/000002.json", cadir);
	tu_write(p, raw, len);
	ck_assert_err(ca_dir_open(cadir, &d, &eb), CA_ERR_LOG);
	free(raw);
}
END_TEST

START_TEST(login_wrong_pin)
{
	struct ca_dir *d = open_ok();
	struct ca_errbuf eb;

	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_login(d, badpinsrc, NULL, NULL, &eb),
	    CA_ERR_PIN_INCORRECT);
	ck_assert_ptr_null(d->ca_ts);
	ca_dir_close(d);
	/* No pin source and no prompt: nothing to read the PIN from. */
	d = open_ok();
	ck_assert_err(ca_dir_login(d, NULL, NULL, NULL, &eb),
	    CA_ERR_PIN_SOURCE);
	ca_dir_close(d);
}
END_TEST

/* Rewrite ca.json with its CA key URI replaced by uri. */
static void
set_ca_key(const char *uri)
{
	struct ca_config *cfg = NULL;
	char p[PATH_MAX + 48], *buf = NULL;
	size_t len = 0;

	ck_assert_ok(ca_config_load(cadir, &cfg, NULL));
	free(cfg->ca_key);
	cfg->ca_key = strdup(uri);
	ck_assert_ok(ca_config_serialise(cfg, &buf, &len));
	snprintf(p, sizeof(p), "%s/" CA_FILE_CONFIG, cadir);
	tu_write(p, buf, len);
	free(buf);
	ca_config_free(cfg);
}

START_TEST(login_key_mismatch)
{
	struct ca_dir *d;
	struct ca_errbuf eb;

	set_ca_key(root.log_key_uri);
	d = open_ok();
	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_login(d, pinsrc, NULL, NULL, &eb),
	    CA_ERR_KEY_MISMATCH);
	ck_assert_msg(strstr(eb.msg, "does not match") != NULL, "%s", eb.msg);
	ck_assert_ptr_null(d->ca_ts);
	ca_dir_close(d);

	/* A key that is not on the token at all. */
	set_ca_key("pkcs11:token=" TOKEN ";object=absent;type=private");
	d = open_ok();
	ck_assert_err(ca_dir_login(d, pinsrc, NULL, NULL, &eb),
	    CA_ERR_KEY_NOT_FOUND);
	ca_dir_close(d);
}
END_TEST

/*
 * CA_DIR_TOKEN: the token opened on a thread while the log verifies,
 * then taken up at login; whatever happens, the same outcome and the
 * same message as opening it at login.
 */
START_TEST(token_opened_while_log_verifies)
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb, eb2;
	json_t *body = NULL;
	char want[65];
	const char *have;
	int r;

	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_open_flags(cadir, CA_DIR_TOKEN, &d, &eb) == 0,
	    "open: %s", eb.msg);
	ck_assert_ptr_nonnull(d->opener);
	ck_assert_ptr_null(d->hsm);
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	ck_assert_ptr_null(d->opener);
	ck_assert_ptr_nonnull(d->ca_ts);
	/* The module's hash, read on that thread, is the module's. */
	ck_assert_ok(ca_dir_body(d, "check_cadir", "test", NOW + 60, NULL,
	    &body, &eb));
	ck_assert_ok(ca_sha256_file(ca_hsm_module_path(d->hsm), want, NULL));
	have = json_string_value(json_object_get(json_object_get(
	    json_object_get(body, "env"), "module"), "sha256"));
	ck_assert_ptr_nonnull(have);
	ck_assert_str_eq(have, want);
	json_decref(body);
	ca_dir_close(d);

	/* Closed without logging in: the thread is waited for. */
	ck_assert_ok(ca_dir_open_flags(cadir, CA_DIR_TOKEN, &d, &eb));
	ca_dir_close(d);
	ca_dir_close(open_ok());

	/* No such token: the error login gives without the thread. */
	set_ca_key("pkcs11:token=absent-token;object=ca;type=private");
	d = open_ok();
	eb.msg[0] = '\0';
	r = ca_dir_login(d, pinsrc, NULL, NULL, &eb);
	ck_assert_int_ne(r, 0);
	ca_dir_close(d);
	ck_assert_ok(ca_dir_open_flags(cadir, CA_DIR_TOKEN, &d, &eb2));
	eb2.msg[0] = '\0';
	ck_assert_err(ca_dir_login(d, pinsrc, NULL, NULL, &eb2), r);
	ck_assert_str_eq(eb2.msg, eb.msg);
	ca_dir_close(d);
}
END_TEST

/* sig over data verifies with cert's key (SHA-256). */
static int
sig_verifies(X509 *cert, const unsigned char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok;

	ok = m != NULL && EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL,
	    X509_get0_pubkey(cert)) == 1 && EVP_DigestVerify(m, sig, siglen,
	    data, len) == 1;
	EVP_MD_CTX_free(m);
	return ok;
}

/* After login, and only then, each key signs through a session of its own. */
START_TEST(keys_sign_after_login)
{
	struct ca_dir *d = open_ok();
	struct ca_errbuf eb;
	const unsigned char data[] = "to be signed";
	unsigned char *sig = NULL;
	size_t siglen = 0;

	ck_assert_ptr_null(d->ca_ts);
	ck_assert_ptr_null(d->log_ts);
	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	ck_assert_ptr_nonnull(d->ca_ts);
	ck_assert_ptr_nonnull(d->log_ts);

	/* The log key's session signs what its public half verifies. */
	ck_assert_ok(ca_tsigner_sign(d->log_ts, EVP_sha256(), data,
	    sizeof(data), &sig, &siglen, &eb));
	ck_assert(sig_verifies(d->log_cert, data, sizeof(data), sig, siglen));
	ck_assert(!sig_verifies(d->cert, data, sizeof(data), sig, siglen));
	OPENSSL_free(sig);

	/* And the CA key's what the CA certificate does. */
	ck_assert_ok(ca_tsigner_sign(d->ca_ts, EVP_sha256(), data,
	    sizeof(data), &sig, &siglen, &eb));
	ck_assert(sig_verifies(d->cert, data, sizeof(data), sig, siglen));
	ck_assert(!sig_verifies(d->log_cert, data, sizeof(data), sig,
	    siglen));
	OPENSSL_free(sig);
	ca_dir_close(d);
}
END_TEST

START_TEST(body_follows_head)
{
	struct ca_dir *d = open_ok();
	struct ca_errbuf eb;
	json_t *b, *k;

	/* Before login: no keys, and the clock may not go back. */
	b = (json_t *)1;
	ck_assert_err(ca_dir_body(d, "check_cadir", "x", NOW - 1, NULL, &b,
	    &eb), CA_ERR_CLOCK);
	ck_assert_ptr_null(b);
	ck_assert_ok(ca_dir_body(d, "check_cadir", "x", NOW, NULL, &b, &eb));
	ck_assert_uint_eq(json_array_size(json_object_get(b, "keys")), 0);
	ck_assert(json_is_null(json_object_get(b, "operator")));
	ck_assert_uint_eq(json_array_size(json_object_get(b, "witnesses")),
	    0);
	json_decref(b);

	ck_assert_ok(ca_dir_login(d, pinsrc, NULL, NULL, &eb));
	b = body_for(d, NOW + 60);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "seq")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(b, "prev")),
	    root.head);
	ck_assert_str_eq(json_string_value(json_object_get(b, "log_id")),
	    root.head);
	ck_assert_str_eq(json_string_value(json_object_get(b, "op")),
	    "test-op");
	ck_assert_str_eq(json_string_value(json_object_get(b, "operator")),
	    "Alice");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(b,
	    "witnesses"), 0)), "Bob");
	ck_assert_ptr_nonnull(json_object_get(b, "env"));
	k = json_object_get(b, "keys");
	ck_assert_uint_eq(json_array_size(k), 1);
	k = json_array_get(k, 0);
	ck_assert_str_eq(json_string_value(json_object_get(k, "role")), "ca");
	ck_assert_str_eq(json_string_value(json_object_get(k, "uri")),
	    root.ca_key_uri);
	ck_assert_str_eq(json_string_value(json_object_get(k, "spki_sha256")),
	    root.spki);
	ck_assert_str_eq(json_string_value(json_object_get(k, "algorithm")),
	    "p256");
	json_decref(b);
	ca_dir_close(d);
}
END_TEST

START_TEST(append_writes_together)
{
	struct ca_dir *d = open_login();
	struct ca_artifact a[2];
	struct ca_log_summary sum;
	struct ca_errbuf eb;
	char p1[PATH_MAX + 48], p2[PATH_MAX + 48], rec[PATH_MAX + 48];
	char head[65], *raw;
	struct stat sb;
	json_t *b;
	size_t len;

	snprintf(p1, sizeof(p1), "%s/first.txt", cadir);
	snprintf(p2, sizeof(p2), "%s/second.txt", work);
	a[0] = (struct ca_artifact){
	    .path = p1, .data = "one\n", .len = 4, .mode = 0644,
	    .replace = 0 };
	a[1] = (struct ca_artifact){
	    .path = p2, .data = "two\n", .len = 4, .mode = 0600,
	    .replace = 0 };
	b = body_for(d, NOW + 60);
	json_object_set_new(b, "outputs", json_pack("[o, o]",
	    ca_rec_file(p1, "one\n", 4), ca_rec_file(p2, "two\n", 4)));
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_append(d, b, a, 2, head, &eb) == 0, "append: %s",
	    eb.msg);
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_str_eq(d->head.hash, head);

	raw = tu_read(p1, &len);
	ck_assert_str_eq(raw, "one\n");
	free(raw);
	raw = tu_read(p2, &len);
	ck_assert_str_eq(raw, "two\n");
	free(raw);
	ck_assert_int_eq(stat(p1, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	ck_assert_int_eq(stat(p2, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	snprintf(rec, sizeof(rec), "%s/log/000002.json", cadir);
	ck_assert_int_eq(access(rec, F_OK), 0);
	no_temporaries();
	ca_dir_close(d);

	/* The log verifies, with the new record as its head. */
	eb.msg[0] = '\0';
	ck_assert_msg(ca_dir_verify_log(cadir, root.fingerprint, &sum, &eb) ==
	    0, "verify: %s", eb.msg);
	ck_assert_int_eq(sum.count, 2);
	ck_assert_str_eq(sum.head, head);
	ck_assert_str_eq(sum.last_time, "2026-01-01T00:01:00Z");
	json_decref(b);

	/* And the next open starts from there. */
	d = open_ok();
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_str_eq(d->head.hash, head);
	ck_assert_str_eq(d->head.log_id, root.head);
	ck_assert_int_eq(d->head.time, NOW + 60);
	ca_dir_close(d);
}
END_TEST

/* What a visitor of the opening pass saw. */
struct seen {
	long long seq[8];
	char op[8][32];
	int n, fail_at;
};

static int
seen_visit(void *arg, long long seq, const json_t *body)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->seq[s->n] = seq;
		snprintf(s->op[s->n], sizeof(s->op[0]), "%s",
		    json_string_value(json_object_get(body, "op")));
	}
	s->n++;
	return seq == s->fail_at ? CA_ERR_NOMEM : 0;
}

START_TEST(open_visits_each_record)
{
	struct ca_dir *d = open_login();
	struct ca_errbuf eb;
	struct seen s;
	char head[65];
	json_t *b;

	b = body_for(d, NOW + 60);
	ck_assert_ok(ca_dir_append(d, b, NULL, 0, head, &eb));
	json_decref(b);
	ca_dir_close(d);

	/* Every record, in order, as it verifies. */
	memset(&s, 0, sizeof(s));
	d = NULL;
	ck_assert_ok(ca_dir_open_visit(cadir, 0, seen_visit, &s, &d, &eb));
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.seq[0], 1);
	ck_assert_int_eq(s.seq[1], 2);
	ck_assert_str_eq(s.op[0], "init-root");
	ck_assert_str_eq(s.op[1], "test-op");
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_str_eq(d->head.hash, head);
	/* The visitor was for the open alone. */
	ck_assert_ptr_null(d->visit);
	ca_dir_close(d);

	/* A visitor's failure is the open's, and the lock goes with it. */
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	d = (struct ca_dir *)1;
	ck_assert_err(ca_dir_open_visit(cadir, 0, seen_visit, &s, &d, &eb),
	    CA_ERR_NOMEM);
	ck_assert_ptr_null(d);
	d = open_ok();
	ca_dir_close(d);

	/* A pending subordinate's records verify only at login. */
	d = (struct ca_dir *)1;
	ck_assert_err(ca_dir_open_visit(cadir, CA_DIR_PENDING, seen_visit,
	    &s, &d, &eb), CA_ERR_INTERNAL);
	ck_assert_ptr_null(d);
}
END_TEST

/* A batch's many new files, placed and recorded together. */
START_TEST(append_batch_writes_together)
{
	struct ca_dir *d = open_login();
	struct ca_artifact a[3];
	struct ca_errbuf eb = { 0 };
	char p[3][PATH_MAX + 48], data[3][16], head[65], *raw;
	json_t *b, *outs = json_array();
	size_t len;
	int i;

	for (i = 0; i < 3; i++) {
		/* Two folders: the CA directory and one beside it. */
		snprintf(p[i], sizeof(p[i]), "%s/dev-%d.pem", i < 2 ? cadir :
		    work, i);
		snprintf(data[i], sizeof(data[i]), "cert %d\n", i);
		a[i] = (struct ca_artifact){ .path = p[i], .data = data[i],
		    .len = strlen(data[i]), .mode = 0644 };
		json_array_append_new(outs, ca_rec_file(p[i], data[i],
		    strlen(data[i])));
	}
	b = body_for(d, NOW + 60);
	json_object_set_new(b, "outputs", outs);
	/* New files only, written here. */
	a[1].replace = 1;
	ck_assert_err(ca_dir_append_batch(d, b, a, 3, head, &eb),
	    CA_ERR_INTERNAL);
	a[1].replace = 0;
	a[2].ready = "elsewhere";
	ck_assert_err(ca_dir_append_batch(d, b, a, 3, head, &eb),
	    CA_ERR_INTERNAL);
	a[2].ready = NULL;
	ck_assert_int_eq(access(p[0], F_OK), -1);
	ck_assert_msg(ca_dir_append_batch(d, b, a, 3, head, &eb) == 0,
	    "append: %s", eb.msg);
	ck_assert_int_eq(d->head.seq, 2);
	for (i = 0; i < 3; i++) {
		raw = tu_read(p[i], &len);
		ck_assert_str_eq(raw, data[i]);
		free(raw);
	}
	no_temporaries();
	json_decref(b);
	ca_dir_close(d);
	d = open_ok();
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_str_eq(d->head.hash, head);
	ca_dir_close(d);
}
END_TEST

START_TEST(append_needs_login)
{
	struct ca_dir *d = open_ok();
	char head[65];
	json_t *b = NULL;

	ck_assert_ok(ca_dir_body(d, "check_cadir", "x", NOW, NULL, &b, NULL));
	ck_assert_err(ca_dir_append(d, b, NULL, 0, head, NULL),
	    CA_ERR_INTERNAL);
	json_decref(b);
	ca_dir_close(d);
}
END_TEST

/*
 * An artifact whose path exists: nothing lands, the earlier artifacts of
 * the call are removed, no temporary is left, and the existing file and
 * the log are as they were.
 */
START_TEST(append_existing_artifact)
{
	struct ca_dir *d = open_login();
	struct ca_artifact a[3];
	struct ca_errbuf eb;
	char p1[PATH_MAX + 48], p2[PATH_MAX + 48], p3[PATH_MAX + 48];
	char rec[PATH_MAX + 48], head[65], *raw;
	size_t len;
	json_t *b;

	snprintf(p1, sizeof(p1), "%s/one.txt", cadir);
	snprintf(p2, sizeof(p2), "%s/two.txt", work);
	snprintf(p3, sizeof(p3), "%s/three.txt", work);
	tu_write(p3, "keep\n", 5);
	a[0] = (struct ca_artifact){
	    .path = p1, .data = "one\n", .len = 4, .mode = 0644,
	    .replace = 0 };
	a[1] = (struct ca_artifact){
	    .path = p2, .data = "two\n", .len = 4, .mode = 0644,
	    .replace = 0 };
	a[2] = (struct ca_artifact){
	    .path = p3, .data = "three\n", .len = 6, .mode = 0644,
	    .replace = 0 };
	b = body_for(d, NOW + 60);
	memset(head, 'x', sizeof(head));
	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_append(d, b, a, 3, head, &eb), CA_ERR_EXISTS);
	ck_assert_msg(strstr(eb.msg, "three.txt") != NULL, "%s", eb.msg);
	ck_assert_int_ne(access(p1, F_OK), 0);
	ck_assert_int_ne(access(p2, F_OK), 0);
	raw = tu_read(p3, &len);
	ck_assert_str_eq(raw, "keep\n");
	free(raw);
	snprintf(rec, sizeof(rec), "%s/log/000002.json", cadir);
	ck_assert_int_ne(access(rec, F_OK), 0);
	no_temporaries();
	ck_assert_int_eq(d->head.seq, 1);
	ck_assert_str_eq(d->head.hash, root.head);
	ck_assert_ok(ca_dir_verify_log(cadir, root.fingerprint, NULL, &eb));

	/* The first artifact existing: likewise. */
	a[0].path = p3;
	a[2].path = p1;
	ck_assert_err(ca_dir_append(d, b, a, 3, head, &eb), CA_ERR_EXISTS);
	ck_assert_int_ne(access(p1, F_OK), 0);
	ck_assert_int_ne(access(p2, F_OK), 0);
	ck_assert_int_ne(access(rec, F_OK), 0);
	no_temporaries();

	/* The directory is still usable: the same body lands next. */
	a[0].path = p1;
	ck_assert_ok(ca_dir_append(d, b, a, 1, head, &eb));
	ck_assert_int_eq(d->head.seq, 2);
	ck_assert_int_eq(access(p1, F_OK), 0);
	ck_assert_int_eq(access(rec, F_OK), 0);
	ck_assert_ok(ca_dir_verify_log(cadir, root.fingerprint, NULL, &eb));
	no_temporaries();
	json_decref(b);
	ca_dir_close(d);
}
END_TEST

/* A journal left by a crash keeps every command out until recovery. */
START_TEST(open_refuses_an_interrupted_directory)
{
	struct ca_dir *d = NULL;
	struct ca_errbuf eb = { 0 };
	char j[PATH_MAX + 48];

	snprintf(j, sizeof(j), "%s/%s", cadir, CA_FILE_JOURNAL);
	tu_write(j, "{}\n", 3);
	ck_assert_err(ca_dir_open(cadir, &d, &eb), CA_ERR_INTERRUPTED);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(eb.msg, "ca-log recover") != NULL, "%s", eb.msg);
	ck_assert_err(ca_dir_open_flags(cadir, CA_DIR_PENDING, &d, &eb),
	    CA_ERR_INTERRUPTED);
	ck_assert_int_eq(unlink(j), 0);
	ck_assert_ok(ca_dir_open(cadir, &d, &eb));
	ca_dir_close(d);
}
END_TEST

/* An artifact that would take the record's own name. */
START_TEST(append_artifact_at_record_name)
{
	struct ca_dir *d = open_login();
	struct ca_artifact a[1];
	struct ca_errbuf eb;
	char rec[PATH_MAX + 48], head[65];
	json_t *b;

	snprintf(rec, sizeof(rec), "%s/log/000002.json", cadir);
	a[0] = (struct ca_artifact){
	    .path = rec, .data = "junk\n", .len = 5, .mode = 0644,
	    .replace = 0 };
	b = body_for(d, NOW + 60);
	eb.msg[0] = '\0';
	ck_assert_err(ca_dir_append(d, b, a, 1, head, &eb), CA_ERR_EXISTS);
	/* The artifact was taken back: no junk poses as the record. */
	ck_assert_int_ne(access(rec, F_OK), 0);
	ck_assert_int_eq(d->head.seq, 1);
	no_temporaries();
	ck_assert_ok(ca_dir_verify_log(cadir, root.fingerprint, NULL, &eb));
	json_decref(b);
	ca_dir_close(d);
}
END_TEST

static Suite *
cadir_suite(void)
{
	Suite *s = suite_create("cadir");
	TCase *tc = tcase_create("softhsm");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, ca_setup, ca_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_reads_the_directory);
	tcase_add_test(tc, open_visits_each_record);
	tcase_add_test(tc, open_missing);
	tcase_add_test(tc, lock_held_until_close);
	tcase_add_test(tc, failed_open_releases_lock);
	tcase_add_test(tc, tampered_log_refused);
	tcase_add_test(tc, login_wrong_pin);
	tcase_add_test(tc, login_key_mismatch);
	tcase_add_test(tc, token_opened_while_log_verifies);
	tcase_add_test(tc, keys_sign_after_login);
	tcase_add_test(tc, body_follows_head);
	tcase_add_test(tc, append_writes_together);
	tcase_add_test(tc, append_needs_login);
	tcase_add_test(tc, append_existing_artifact);
	tcase_add_test(tc, append_artifact_at_record_name);
	tcase_add_test(tc, open_refuses_an_interrupted_directory);
	tcase_add_test(tc, append_batch_writes_together);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(cadir_suite)
