#include "cadir.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "certgen.h"
#include "csr.h"
#include "dircheck.h"
#include "encode.h"
#include "envinfo.h"
#include "fsio.h"
#include "journal.h"
#include "record.h"
#include "shares.h"
#include "split.h"
#include "uri.h"

/* The newest split of the CA's PIN (ca-init --threshold), if any. */
static int
activation_visit(void *arg, long long seq, const json_t *body)
{
	struct ca_dir *d = arg;
	json_t *a = json_object_get(body, "activation");

	(void)seq;
	if (json_is_object(a)) {
		json_decref(d->activation);
		d->activation = json_incref(a);
	}
	return 0;
}

/*
 * Follow the records that open a ceremony (a "ceremony-open", or a CA's
 * first record made with one) and those that close it (its seal or
 * abort) to the one still open.
 */
static int
ceremony_visit(void *arg, long long seq, const json_t *body)
{
	struct ca_dir *d = arg;
	const char *op = json_string_value(json_object_get(body, "op"));
	const char *id = json_string_value(json_object_get(json_object_get(
	    body, "ceremony_open"), "id"));

	(void)activation_visit(d, seq, body);
	if (d->want_serials && ca_serials_collect(body, &d->serials) != 0)
		return CA_ERR_NOMEM;
	if (op != NULL && id != NULL && strlen(id) < sizeof(d->ceremony)) {
		snprintf(d->ceremony, sizeof(d->ceremony), "%s", id);
		d->ceremony_seq = seq;
	} else if (op != NULL && (strcmp(op, "ceremony-seal") == 0 ||
	    strcmp(op, "ceremony-abort") == 0)) {
		d->ceremony[0] = '\0';
		d->ceremony_seq = 0;
	}
	return d->visit != NULL ? d->visit(d->visit_arg, seq, body) : 0;
}

/* A subordinate's directory before its certificate is installed. */
static int
is_pending(const char *path, const struct ca_config *cfg, int *pending)
{
	char *p;
	int has_cert;

	*pending = 0;
	if (strcmp(cfg->kind, "sub") != 0)
		return 0;
	if ((p = ca_path_join(path, CA_FILE_CERT)) == NULL)
		return CA_ERR_NOMEM;
	has_cert = access(p, F_OK) == 0;
	free(p);
	*pending = !has_cert;
	return 0;
}

/*
 * The token, opened on a thread of its own while the log verifies: the
 * two take about as long, and a laptop has two processors.  The binary's
 * and the module's hashes, which every record names, are read there too.
 */
struct ca_dir_opener {
	pthread_t tid;
	const char *module;		/* borrowed from the config */
	struct ca_uri *uri;
	struct ca_hsm *hsm;
	int r;
	struct ca_errbuf eb;
};

static void *
opener_run(void *arg)
{
	struct ca_dir_opener *o = arg;
	char hex[65];

	o->r = ca_hsm_open(o->module, o->uri, &o->hsm, &o->eb);
	/*
	 * Only to have them ready: a hash that cannot be read now fails
	 * again, and is reported, when the record is made.
	 */
	if (o->r == 0 && ca_hsm_module_sha256(o->hsm, hex) != 0)
		hex[0] = '\0';
	if (ca_self_sha256(hex) != 0)
		hex[0] = '\0';
	ERR_clear_error();
	return NULL;
}

/* Start opening d's token; without a thread, ca_dir_token opens it. */
static void
opener_start(struct ca_dir *d)
{
	struct ca_dir_opener *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return;
	o->module = d->cfg->module;
	if (ca_uri_parse(d->cfg->ca_key, &o->uri, NULL) != 0 ||
	    pthread_create(&o->tid, NULL, opener_run, o) != 0) {
		ca_uri_free(o->uri);
		free(o);
		ERR_clear_error();
		return;
	}
	d->opener = o;
}

/* The opened token, or what stopped it; d->opener is gone after. */
static int
opener_take(struct ca_dir *d, struct ca_hsm **h, struct ca_errbuf *eb)
{
	struct ca_dir_opener *o = d->opener;
	int r;

	(void)pthread_join(o->tid, NULL);
	d->opener = NULL;
	*h = o->hsm;
	if ((r = o->r) != 0 && eb != NULL)
		memcpy(eb, &o->eb, sizeof(*eb));
	ca_uri_free(o->uri);
	free(o);
	return r;
}

static int
open_dir(const char *path, unsigned flags, ca_log_fn fn, void *arg,
    struct ca_dir **out, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_dir_certs certs = { NULL, NULL, NULL };
	struct ca_log_summary sum;
	char *p = NULL, *logdir = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = CA_ERR_NOMEM;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return CA_ERR_NOMEM;
	d->lockfd = -1;
	d->want_serials = (flags & CA_DIR_SERIALS) != 0;
	if ((d->path = strdup(path)) == NULL)
		goto out;
	if ((r = ca_store_lock(path, &d->lockfd, eb)) != 0)
		goto out;
	/* Half-written files are finished or undone before anything else. */
	if ((r = ca_journal_check(path, eb)) != 0)
		goto out;
	if ((r = ca_config_load(path, &d->cfg, eb)) != 0)
		goto out;
	if ((r = is_pending(path, d->cfg, &d->pending)) != 0)
		goto out;
	if (d->pending && !(flags & CA_DIR_PENDING)) {
		ca_errf(eb, "\"%s\" is a subordinate CA still waiting for its "
		    "certificate; install it first with ca-init --install",
		    path);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if (flags & CA_DIR_TOKEN)
		opener_start(d);
	if (d->pending) {
		/* Its log is verified at ca_dir_login, with the token's key. */
		r = CA_ERR_NOMEM;
		if ((p = ca_path_join(path, CA_FILE_CSR)) == NULL)
			goto out;
		if ((r = ca_read_file(p, 1 << 20, &buf, &len, eb)) != 0 ||
		    (r = ca_csr_parse(buf, len, &d->csr, eb)) != 0)
			goto out;
		if ((logdir = ca_path_join(path, CA_DIR_LOG)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if ((r = ca_log_head_read(logdir, &d->head, eb)) != 0)
			goto out;
		goto done;
	}
	/*
	 * The certificates and the whole log verify, or nothing is added to
	 * it: the log's chain, and the head's signature, which covers every
	 * body (ca-log verify and ca-audit check each record's).  The same
	 * pass finds the ceremony open in it.  The certificates kept are the
	 * ones checked, not a second reading of the files.
	 */
	d->visit = fn;		/* the caller's, for this pass only */
	d->visit_arg = arg;
	r = ca_dir_verify_log_certs(path, NULL, CA_LOG_HEAD_SIG, &certs, &sum,
	    ceremony_visit, d, eb);
	d->visit = NULL;
	d->visit_arg = NULL;
	if (r != 0) {
		if (r == CA_ERR_LOG || r == CA_ERR_VERIFY)
			ca_err_prefix(eb, "the log of \"%s\" does not verify",
			    path);
		goto out;
	}
	/*
	 * The head, as that pass left it: the last record may be a batch's
	 * of several megabytes, not to be read twice.
	 */
	if ((r = ca_log_summary_head(&sum, &d->head)) != 0) {
		ca_errf(eb, "the log of \"%s\" has no head", path);
		goto out;
	}
	ca_serial_set_sort(&d->serials);
	d->cert = certs.ca;
	d->log_cert = certs.log_signer;
	d->chain = certs.chain;
	memset(&certs, 0, sizeof(certs));
	/* A root's chain.pem, should it have one, is read as it stands. */
	if (d->chain == NULL) {
		if ((p = ca_path_join(path, CA_FILE_CHAIN)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		if (access(p, F_OK) == 0 &&
		    (r = ca_certs_load(p, &d->chain, eb)) != 0)
			goto out;
	}
done:
	*out = d;
	d = NULL;
	r = 0;
out:
	ca_dir_certs_free(&certs);
	free(buf);
	free(p);
	free(logdir);
	ca_dir_close(d);
	return r;
}

int
ca_dir_open(const char *path, struct ca_dir **out, struct ca_errbuf *eb)
{
	return open_dir(path, 0, NULL, NULL, out, eb);
}

int
ca_dir_open_flags(const char *path, unsigned flags, struct ca_dir **out,
    struct ca_errbuf *eb)
{
	return open_dir(path, flags, NULL, NULL, out, eb);
}

int
ca_dir_open_visit(const char *path, unsigned flags, ca_log_fn fn,
    void *arg, struct ca_dir **out, struct ca_errbuf *eb)
{
	*out = NULL;
	if (flags & CA_DIR_PENDING)
		return CA_ERR_INTERNAL;
	return open_dir(path, flags, fn, arg, out, eb);
}

int
ca_dir_key(struct ca_dir *d, const char *uristr, X509 *cert,
    const char *what, int bulk, struct ca_keyref *key,
    struct ca_tsigner **ts, EVP_PKEY **pubout, struct ca_errbuf *eb)
{
	struct ca_uri *uri = NULL;
	EVP_PKEY *pub = NULL;
	int r;

	if ((r = ca_uri_parse(uristr, &uri, eb)) != 0)
		goto out;
	if ((r = ca_hsm_find_key(d->hsm, uri, key, eb)) != 0) {
		if (r == CA_ERR_KEY_NOT_FOUND)
			ca_errf(eb, "the %s key named in %s is not on token "
			    "\"%s\"", what, CA_FILE_CONFIG,
			    ca_hsm_token_info(d->hsm)->label);
		else
			ca_err_prefix(eb, "the %s key named in %s", what,
			    CA_FILE_CONFIG);
		goto out;
	}
	if ((r = ca_hsm_public_key(d->hsm, key, &pub)) != 0)
		goto out;
	if (cert != NULL && EVP_PKEY_eq(pub, X509_get0_pubkey(cert)) != 1) {
		ca_errf(eb, "the %s key on token \"%s\" does not match its "
		    "certificate; is this the right token?", what,
		    ca_hsm_token_info(d->hsm)->label);
		r = CA_ERR_KEY_MISMATCH;
		goto out;
	}
	if ((r = (bulk ? ca_tsigner_open : ca_tsigner_open_shared)(d->hsm,
	    key, ts, eb)) != 0) {
		ca_err_prefix(eb, "the %s key on token \"%s\"", what,
		    ca_hsm_token_info(d->hsm)->label);
		goto out;
	}
	if (pubout != NULL) {
		*pubout = pub;
		pub = NULL;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(pub);
	ca_uri_free(uri);
	return r;
}

/*
 * The PIN of a CA whose PIN is split (d->activation), rebuilt from its
 * custodians' shares; who presented them goes to d->presented.
 */
static int
pin_from_shares(struct ca_dir *d, const struct ca_pin_source *ps,
    ca_prompt_fn prompt, void *prompt_arg, struct ca_secret **pin,
    struct ca_errbuf *eb)
{
	int r;

	r = ca_split_collect(d->activation, ps, prompt, prompt_arg, "Share",
	    pin, &d->presented, eb);
	if (r == CA_ERR_PIN_SOURCE && ps->kind != CA_PIN_TTY &&
	    ps->kind != CA_PIN_SHARES)
		ca_errf(eb, "this CA's PIN is split among its custodians (%lld "
		    "of %zu): give their shares with --pin-source "
		    "shares:FILE,FILE,... or type them when asked",
		    (long long)json_integer_value(json_object_get(
		    d->activation, "threshold")), json_array_size(
		    json_object_get(d->activation, "shares")));
	return r;
}

int
ca_dir_token(struct ca_dir *d, const char *pin_source, ca_prompt_fn prompt,
    void *prompt_arg, struct ca_errbuf *eb)
{
	struct ca_uri *uri = NULL;
	struct ca_pin_source ps;
	struct ca_secret *pin = NULL;
	int r;

	if ((r = ca_uri_parse(d->cfg->ca_key, &uri, eb)) != 0)
		goto out;
	if ((r = ca_pin_source_parse(pin_source ? pin_source :
	    uri->pin_source, &ps)) != 0) {
		ca_errf(eb, "pin source must be file:PATH or fd:N");
		goto out;
	}
	/* A pending subordinate's log is read here, to be verified later. */
	if (d->pending && d->activation == NULL) {
		char *logdir = ca_path_join(d->path, CA_DIR_LOG);

		r = logdir == NULL ? CA_ERR_NOMEM : ca_log_each(logdir,
		    d->head.seq, activation_visit, d, eb);
		free(logdir);
		if (r != 0)
			goto out;
	}
	if ((r = d->opener != NULL ? opener_take(d, &d->hsm, eb) :
	    ca_hsm_open(d->cfg->module, uri, &d->hsm, eb)) != 0)
		goto out;
	if (ca_hsm_token_info(d->hsm)->protected_auth_path)
		;	/* the PIN is entered on the token itself */
	else if (d->activation != NULL)
		r = pin_from_shares(d, &ps, prompt, prompt_arg, &pin, eb);
	else
		r = ca_pin_read(&ps, prompt, prompt_arg, "User PIN: ", &pin,
		    eb);
	if (r != 0)
		goto out;
	r = ca_hsm_login(d->hsm, pin, eb);
	if (r == 0 && d->keep_pin) {
		d->pin = pin;
		pin = NULL;
	}
out:
	ca_secret_free(pin);	/* wiped right after use, on every path */
	ca_uri_free(uri);
	return r;
}

int
ca_dir_login(struct ca_dir *d, const char *pin_source, ca_prompt_fn prompt,
    void *prompt_arg, struct ca_errbuf *eb)
{
	struct ca_log_signer ls;
	char *logdir;
	int r;

	if ((r = ca_dir_token(d, pin_source, prompt, prompt_arg, eb)) != 0)
		return r;
	if ((r = ca_dir_key(d, d->cfg->ca_key, d->pending ? NULL : d->cert,
	    "CA", 1, &d->ca_key, &d->ca_ts, &d->ca_pub, eb)) != 0 ||
	    (r = ca_dir_key(d, d->cfg->log_key, d->pending ? NULL :
	    d->log_cert, "log-signing", 0, &d->log_key, &d->log_ts,
	    &d->log_pub, eb)) != 0)
		return r;
	if (!d->pending)
		return 0;
	if (d->csr->key == NULL ||
	    EVP_PKEY_eq(d->ca_pub, d->csr->key) != 1) {
		ERR_clear_error();
		ca_errf(eb, "the CA key on token \"%s\" is not the one %s "
		    "asks to certify; is this the right token?",
		    ca_hsm_token_info(d->hsm)->label, CA_FILE_CSR);
		return CA_ERR_KEY_MISMATCH;
	}
	/*
	 * No certificate vouches for the log key yet: the token does.  Every
	 * record so far must be its; the same pass finds the ceremony open.
	 */
	if ((r = ca_log_signer_key(&ls, d->log_pub)) != 0)
		return r;
	if ((logdir = ca_path_join(d->path, CA_DIR_LOG)) == NULL)
		return CA_ERR_NOMEM;
	d->ceremony[0] = '\0';
	d->ceremony_seq = 0;
	r = ca_log_verify_keys(logdir, &ls, 1, CA_LOG_HEAD_SIG, NULL,
	    ceremony_visit, d, eb);
	free(logdir);
	if (r != 0)
		ca_err_prefix(eb, "the log of \"%s\"", d->path);
	return r;
}

int
ca_dir_body(struct ca_dir *d, const char *prog, const char *op, time_t now,
    const json_t *people, json_t **out, struct ca_errbuf *eb)
{
	json_t *body = NULL, *env = NULL, *keys = NULL, *k = NULL;
	struct ca_key_attrs attrs;
	int r;

	*out = NULL;
	if ((r = ca_log_body_new(&d->head, now, op, &body, eb)) != 0)
		return r;
	if ((r = ca_env_json(prog, d->hsm, &env)) != 0) {
		ca_errf(eb, "cannot hash the running binary or the module");
		goto out;
	}
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "env", env) != 0) {
		env = NULL;
		goto out;
	}
	env = NULL;
	/* ca-ceremony(1): every record while one is open carries its id. */
	if (d->ceremony[0] != '\0' && json_object_set_new(body, "ceremony",
	    json_string(d->ceremony)) != 0)
		goto out;
	if (json_object_set_new(body, "operator", people ?
	    json_incref(json_object_get(people, "operator")) :
	    json_null()) != 0 ||
	    json_object_set_new(body, "witnesses", people ?
	    json_incref(json_object_get(people, "witnesses")) :
	    json_array()) != 0)
		goto out;
	if ((keys = json_array()) == NULL)
		goto out;
	if (d->hsm != NULL) {
		if ((r = ca_hsm_key_attrs(d->hsm, &d->ca_key, &attrs)) != 0 ||
		    (r = ca_rec_key("ca", d->cfg->ca_key, &d->ca_key,
		    d->cfg->algorithm, d->ca_pub, &attrs,
		    &k)) != 0)
			goto out;
		r = CA_ERR_NOMEM;
		if (json_array_append_new(keys, k) != 0)
			goto out;
	}
	if (json_object_set_new(body, "keys", keys) != 0) {
		keys = NULL;
		goto out;
	}
	keys = NULL;
	if (d->presented != NULL && json_object_set_new(body,
	    "shares_presented", json_incref(d->presented)) != 0)
		goto out;
	*out = body;
	body = NULL;
	r = 0;
out:
	json_decref(body);
	json_decref(env);
	json_decref(keys);
	return r;
}

/* A hard link to a file about to be replaced, to put it back on undo. */
static int
backup(const char *path, char **out)
{
	size_t n = strlen(path) + 16;

	*out = NULL;
	if (access(path, F_OK) != 0)
		return 0;
	if ((*out = malloc(n)) == NULL)
		return CA_ERR_NOMEM;
	snprintf(*out, n, "%s.old-%ld", path, (long)getpid());
	(void)unlink(*out);
	if (link(path, *out) != 0) {
		free(*out);
		*out = NULL;
		return CA_ERR_IO;
	}
	return 0;
}

/*
 * The folders of a batch's files, each once: synced once each, where a
 * lone file gets its own syncs.  CA_ERR_NOMEM.
 */
static int
batch_folders(const struct ca_artifact *a, size_t n, char ***out,
    size_t *nout)
{
	char **f = NULL, *p;
	size_t i, j, k = 0;

	if ((f = calloc(n + 1, sizeof(*f))) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((p = ca_path_parent(a[i].path)) == NULL)
			goto nomem;
		for (j = 0; j < k && strcmp(f[j], p) != 0; j++)
			;
		if (j < k)
			free(p);
		else
			f[k++] = p;
	}
	*out = f;
	*nout = k;
	return 0;
nomem:
	for (i = 0; i < k; i++)
		free(f[i]);
	free(f);
	return CA_ERR_NOMEM;
}

/*
 * Sync each of the n folders, where renames were made that already
 * stand: as ca_tmp_commit, a failure is retried and reported as a
 * warning, not undone.
 */
static void
sync_folders(char **folders, size_t n, struct ca_errbuf *eb)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ca_fsync_dir(folders[i]) != 0) {
			int again = ca_fsync_dir(folders[i]);

			ca_warnf(eb, "files in \"%s\" are in place, but "
			    "syncing the folder to disk failed%s; check the "
			    "disk before switching off", folders[i],
			    again != 0 ? " twice" : "");
		}
}

/*
 * A batch's temporaries, written by a few threads at once: creating a
 * file costs the kernel far more than writing it, and creations in two
 * folders do not wait for each other.
 */
#define WRITERS 4

struct writer {
	const struct ca_artifact *a;
	char **tmp;
	size_t n, first;
	int r;
	struct ca_errbuf eb;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	size_t i;

	for (i = w->first; i < w->n && w->r == 0; i += WRITERS)
		w->r = ca_write_file_nosync(w->tmp[i], w->a[i].data,
		    w->a[i].len, w->a[i].mode, &w->eb);
	return NULL;
}

static int
write_batch(const struct ca_artifact *a, char **tmp, size_t n,
    struct ca_errbuf *eb)
{
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	int started[WRITERS], i, r = 0;

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .a = a, .tmp = tmp, .n = n,
		    .first = (size_t)i };
		/* No thread to be had: this one writes that share. */
		if ((started[i] = pthread_create(&th[i], NULL, writer_run,
		    &w[i]) == 0) == 0)
			(void)writer_run(&w[i]);
	}
	for (i = 0; i < WRITERS; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		if (r == 0 && w[i].r != 0) {
			r = w[i].r;
			if (eb != NULL)
				snprintf(eb->msg, sizeof(eb->msg), "%s",
				    w[i].eb.msg);
		}
	}
	return r;
}

/*
 * A failed step whose undo failed too (undo's message): eb says both, and
 * what to run; the journal stays for recovery.  CA_ERR_INTERRUPTED.
 */
static int
undo_failed(const char *path, const struct ca_errbuf *undo,
    struct ca_errbuf *eb)
{
	char why[sizeof(undo->msg)];

	snprintf(why, sizeof(why), "%s", eb ? eb->msg : "");
	ca_errf(eb, "%s; undoing it failed too (%s): run \"ca-log recover -d "
	    "%s\" before anything else", why, undo->msg, path);
	return CA_ERR_INTERRUPTED;
}

static int
append(struct ca_dir *d, const json_t *body, const struct ca_artifact *a,
    size_t n, int batch, char head[65], struct ca_errbuf *eb)
{
	struct ca_journal_file *jf = NULL;
	struct ca_wfile *wf = NULL;
	struct ca_errbuf undo = { 0 };
	char **tmp = NULL, **old = NULL, *rec = NULL, *rectmp = NULL;
	char *recpath = NULL, *rectop = NULL, name[32], rel[64];
	char **folders = NULL;
	const char *op = json_string_value(json_object_get(body, "op"));
	size_t reclen = 0, i, nfolders = 0;
	int r = CA_ERR_NOMEM, journalled = 0;

	if (d->log_ts == NULL || op == NULL)
		return CA_ERR_INTERNAL;
	if ((r = ca_log_seal_with(body, ca_tsigner_sign_cb, d->log_ts, d->log_pub,
	    &rec, &reclen, head, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	if ((tmp = calloc(n + 1, sizeof(*tmp))) == NULL ||
	    (old = calloc(n + 1, sizeof(*old))) == NULL ||
	    (jf = calloc(n + 1, sizeof(*jf))) == NULL)
		goto out;
	ca_log_record_name(d->head.seq + 1, name);
	snprintf(rel, sizeof(rel), "%s/%s", CA_DIR_LOG, name);
	/*
	 * The record's temporary waits outside log/, which holds records
	 * only: a crash must not leave the log itself unreadable.
	 */
	if ((recpath = ca_path_join(d->path, rel)) == NULL ||
	    (rectop = ca_path_join(d->path, name)) == NULL)
		goto out;
	if (n == 0) {
		/* A lone record needs no journal: its rename is the whole. */
		if ((r = ca_tmp_write(rectop, rec, reclen, 0644, &rectmp,
		    eb)) != 0)
			goto out;
		goto place;
	}
	/* 1. Links keeping the files to be replaced, in case of undo. */
	for (i = 0; i < n; i++)
		if (a[i].replace && (r = backup(a[i].path, &old[i])) != 0) {
			ca_errf(eb, "\"%s\": cannot keep the old copy",
			    a[i].path);
			goto out;
		}
	/*
	 * 2. The journal, naming every temporary before it exists, so that
	 * from here on a crash leaves nothing recovery does not know of,
	 * even beside an output outside the directory (journal.h).
	 */
	r = CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		jf[i].path = a[i].path;
		jf[i].old = old[i];
		if (a[i].ready != NULL) {
			jf[i].tmp = a[i].ready;
			if (a[i].sha256 != NULL)
				snprintf(jf[i].sha256, sizeof(jf[i].sha256),
				    "%s", a[i].sha256);
			else if ((r = ca_sha256_file(a[i].ready,
			    jf[i].sha256, NULL)) != 0)
				goto out;
			continue;
		}
		if ((tmp[i] = ca_tmp_name(a[i].path)) == NULL)
			goto out;
		jf[i].tmp = tmp[i];
		ca_sha256_hex(a[i].data, a[i].len, jf[i].sha256);
	}
	if ((rectmp = ca_tmp_name(rectop)) == NULL)
		goto out;
	jf[n].path = recpath;
	jf[n].tmp = rectmp;
	ca_sha256_hex(rec, reclen, jf[n].sha256);
	if ((r = ca_journal_begin(d->path, d->head.seq + 1, op, jf, n + 1,
	    eb)) != 0)
		goto out;
	journalled = 1;
	/*
	 * 3. The new bytes to their temporaries: fsynced together, or, in
	 * a batch, several at a time and synced all at once below.
	 */
	if (batch) {
		if ((r = write_batch(a, tmp, n, eb)) != 0)
			goto out;
		if ((r = ca_write_file_excl(rectmp, rec, reclen, 0644,
		    eb)) != 0)
			goto out;
	} else {
		size_t k = 0;

		r = CA_ERR_NOMEM;
		if ((wf = calloc(n + 1, sizeof(*wf))) == NULL)
			goto out;
		for (i = 0; i < n; i++)
			if (a[i].ready == NULL)
				wf[k++] = (struct ca_wfile){ tmp[i], a[i].data,
				    a[i].len, a[i].mode };
		wf[k++] = (struct ca_wfile){ rectmp, rec, reclen, 0644 };
		if ((r = ca_write_files_excl(wf, k, eb)) != 0)
			goto out;
	}
	/* 4. The artifacts into place, 5. then the record that names them. */
	if (batch) {
		/*
		 * Thousands of files: their bytes reach the disk in one
		 * sync per file system, before any is renamed; the renames
		 * in one sync per folder, before the record.
		 */
		if ((r = batch_folders(a, n, &folders, &nfolders)) != 0)
			goto out;
		for (i = 0; i < nfolders; i++)
			if (ca_syncfs(folders[i]) != 0) {
				ca_errf(eb, "\"%s\": cannot write the files to "
				    "disk", folders[i]);
				r = CA_ERR_IO;
				goto out;
			}
		for (i = 0; i < n; i++)
			if ((r = ca_tmp_place(jf[i].tmp, a[i].path,
			    !a[i].replace, eb)) != 0)
				goto out;
		for (i = 0; i < nfolders; i++)
			if (ca_fsync_dir(folders[i]) != 0) {
				ca_errf(eb, "\"%s\": cannot sync the folder to "
				    "disk", folders[i]);
				r = CA_ERR_IO;
				goto out;
			}
	} else {
		/*
		 * The artifacts, then the record; only then is each folder
		 * synced, once: until the journal goes, recovery finishes
		 * whatever renames a crash might lose, forward when the
		 * record is in place and back when it is not.
		 */
		if ((r = batch_folders(a, n, &folders, &nfolders)) != 0 ||
		    (folders[nfolders] = ca_path_parent(recpath)) == NULL) {
			r = CA_ERR_NOMEM;
			goto out;
		}
		nfolders++;
		for (i = 0; i < n; i++)
			if ((r = ca_tmp_place(jf[i].tmp, a[i].path,
			    !a[i].replace, eb)) != 0)
				goto out;
		if ((r = ca_tmp_place(rectmp, recpath, 1, eb)) != 0)
			goto out;
		sync_folders(folders, nfolders, eb);
		goto placed;
	}
place:
	if ((r = ca_tmp_commit(rectmp, recpath, 1, eb)) != 0)
		goto out;
placed:
	d->head.seq++;
	memcpy(d->head.hash, head, 65);
	/*
	 * 6. Done: the old copies and the journal go.  Should that fail, the
	 * operation still stands, and the next command asks for the
	 * recovery that finishes this.
	 */
	if (journalled && ca_journal_end(d->path, &undo) != 0)
		ca_warnf(eb, "the operation is complete, but %s; run "
		    "\"ca-log recover -d %s\" before the next one", undo.msg,
		    d->path);
	journalled = 0;
	r = 0;
out:
	if (r != 0 && journalled) {
		/* Undo from the journal itself, as recovery would. */
		if (ca_journal_rollback(d->path, &undo) != 0)
			r = undo_failed(d->path, &undo, eb);
	} else if (r != 0) {
		/*
		 * Before the journal nothing was made but the old copies, or
		 * a lone record's temporary.
		 */
		for (i = 0; i < n && old != NULL; i++)
			if (old[i] != NULL)
				(void)unlink(old[i]);
		if (n == 0 && rectmp != NULL)
			(void)unlink(rectmp);
	}
	for (i = 0; i < n && old != NULL; i++)
		free(old[i]);
	for (i = 0; i < n && tmp != NULL; i++)
		free(tmp[i]);
	for (i = 0; i < nfolders; i++)
		free(folders[i]);
	free(folders);
	free(wf);
	free(tmp);
	free(old);
	free(jf);
	free(rectmp);
	free(rectop);
	free(recpath);
	free(rec);
	return r;
}

int
ca_dir_append(struct ca_dir *d, const json_t *body,
    const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb)
{
	return append(d, body, a, n, 0, head, eb);
}

int
ca_dir_append_batch(struct ca_dir *d, const json_t *body,
    const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].ready != NULL || a[i].replace)
			return CA_ERR_INTERNAL;
	return append(d, body, a, n, 1, head, eb);
}

/* The rest of a body, as ca_dir_finish fills it; takes its arguments. */
static int
complete(json_t *body, json_t *params, json_t *outputs)
{
	/* json_object_set_new takes its value even when it fails. */
	if (json_object_set_new(body, "params", params) != 0 ||
	    json_object_set_new(body, "inputs", json_array()) != 0 ||
	    json_object_set_new(body, "outputs", outputs ? outputs :
	    json_array()) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		return CA_ERR_NOMEM;
	return 0;
}

int
ca_dir_finish(struct ca_dir *d, json_t *body, json_t *params,
    json_t *outputs, const struct ca_artifact *a, size_t n, char head[65],
    struct ca_errbuf *eb)
{
	if (complete(body, params, outputs) != 0)
		return CA_ERR_NOMEM;
	return ca_dir_append(d, body, a, n, head, eb);
}

int
ca_dir_stage(struct ca_dir *d, json_t *body, json_t *params,
    const json_t *step, struct ca_dir_staged *st, struct ca_errbuf *eb)
{
	struct ca_journal_file jf;
	char name[32], rel[64], *rec = NULL, *rectop = NULL;
	const char *op = json_string_value(json_object_get(body, "op"));
	size_t reclen = 0;
	int r;

	memset(st, 0, sizeof(*st));
	if (complete(body, params, NULL) != 0)
		return CA_ERR_NOMEM;
	if (d->log_ts == NULL || op == NULL || step == NULL)
		return CA_ERR_INTERNAL;
	if ((r = ca_log_seal_with(body, ca_tsigner_sign_cb, d->log_ts,
	    d->log_pub, &rec, &reclen, st->head, eb)) != 0)
		return r;
	r = CA_ERR_NOMEM;
	ca_log_record_name(d->head.seq + 1, name);
	snprintf(rel, sizeof(rel), "%s/%s", CA_DIR_LOG, name);
	/* As in append: the temporary waits outside log/. */
	if ((st->recpath = ca_path_join(d->path, rel)) == NULL ||
	    (rectop = ca_path_join(d->path, name)) == NULL ||
	    (st->rectmp = ca_tmp_name(rectop)) == NULL)
		goto out;
	jf = (struct ca_journal_file){ .path = st->recpath,
	    .tmp = st->rectmp };
	ca_sha256_hex(rec, reclen, jf.sha256);
	if ((r = ca_journal_begin_step(d->path, d->head.seq + 1, op, &jf, 1,
	    step, eb)) != 0)
		goto out;
	st->d = d;
	if ((r = ca_write_file_excl(st->rectmp, rec, reclen, 0644, eb)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0 && st->d != NULL && ca_dir_stage_undo(st, eb) != 0)
		r = CA_ERR_INTERRUPTED;
	if (r != 0)
		ca_dir_stage_free(st);
	free(rectop);
	free(rec);
	return r;
}

int
ca_dir_stage_begin(struct ca_dir_staged *st, struct ca_errbuf *eb)
{
	int r;

	if ((r = ca_journal_step_state(st->d->path, CA_STEP_BEGUN, eb)) == 0)
		st->begun = 1;
	return r;
}

int
ca_dir_stage_commit(struct ca_dir_staged *st, char head[65],
    struct ca_errbuf *eb)
{
	struct ca_errbuf undo = { 0 };
	struct ca_dir *d = st->d;
	int r;

	if ((r = ca_tmp_commit(st->rectmp, st->recpath, 1, eb)) != 0)
		return r;
	d->head.seq++;
	memcpy(d->head.hash, st->head, 65);
	memcpy(head, st->head, 65);
	if (ca_journal_end(d->path, &undo) != 0)
		ca_warnf(eb, "the operation is complete, but %s; run "
		    "\"ca-log recover -d %s\" before the next one", undo.msg,
		    d->path);
	ca_dir_stage_free(st);
	return 0;
}

int
ca_dir_stage_undo(struct ca_dir_staged *st, struct ca_errbuf *eb)
{
	struct ca_errbuf undo = { 0 };
	const char *path = st->d->path;
	int r = 0;

	if ((st->begun && ca_journal_step_state(path, CA_STEP_UNDONE,
	    &undo) != 0) || ca_journal_rollback(path, &undo) != 0)
		r = undo_failed(path, &undo, eb);
	ca_dir_stage_free(st);
	return r;
}

void
ca_dir_stage_free(struct ca_dir_staged *st)
{
	free(st->rectmp);
	free(st->recpath);
	st->rectmp = st->recpath = NULL;
	st->d = NULL;
}

void
ca_dir_close(struct ca_dir *d)
{
	if (d == NULL)
		return;
	if (d->opener != NULL) {
		struct ca_hsm *h = NULL;

		(void)opener_take(d, &h, NULL);
		ca_hsm_close(h);
	}
	/* Sessions close before the token; its keys go with it. */
	ca_tsigner_close(d->ca_ts);
	ca_tsigner_close(d->log_ts);
	ca_hsm_close(d->hsm);
	EVP_PKEY_free(d->ca_pub);
	EVP_PKEY_free(d->log_pub);
	X509_free(d->cert);
	ca_csr_free(d->csr);
	X509_free(d->log_cert);
	sk_X509_pop_free(d->chain, X509_free);
	ca_serial_set_free(&d->serials);
	ca_config_free(d->cfg);
	json_decref(d->activation);
	json_decref(d->presented);
	ca_secret_free(d->pin);
	ca_store_unlock(d->lockfd);
	free(d->path);
	free(d);
}
