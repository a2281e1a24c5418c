#include "backup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "cadir.h"
#include "certgen.h"
#include "ceremony.h"
#include "cjson.h"
#include "encode.h"
#include "fsio.h"
#include "hsm.h"
#include "keywrap.h"
#include "log.h"
#include "record.h"
#include "recover.h"
#include "secret.h"
#include "split.h"
#include "store.h"
#include "uri.h"

#define BLOB_CA "ca-key.wrapped"
#define BLOB_LOG "log-key.wrapped"

/* What the log says of backups: the newest of each. */
struct hist {
	int key_backup;			/* the root was made backup-capable */
	json_t *wrap;			/* "backup_wrap_key" */
	json_t *backup;			/* "key_backup" */
};

static int
hist_visit(void *arg, long long seq, const json_t *body)
{
	struct hist *h = arg;
	const char *op = json_string_value(json_object_get(body, "op"));
	json_t *v;

	if (seq == 1 && op != NULL && strcmp(op, "init-root") == 0)
		h->key_backup = json_is_true(json_object_get(json_object_get(
		    body, "params"), "key_backup"));
	if (json_is_object(v = json_object_get(body, "backup_wrap_key"))) {
		json_decref(h->wrap);
		h->wrap = json_incref(v);
	}
	if (json_is_object(v = json_object_get(body, "key_backup"))) {
		json_decref(h->backup);
		h->backup = json_incref(v);
	}
	return 0;
}

static int
read_hist(struct ca_dir *d, struct hist *h, struct ca_errbuf *eb)
{
	char *logdir;
	int r;

	if ((logdir = ca_path_join(d->path, CA_DIR_LOG)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_log_each(logdir, d->head.seq, hist_visit, h, eb);
	free(logdir);
	if (r == 0 && !h->key_backup) {
		ca_errf(eb, "\"%s\" was not made with backup-capable keys "
		    "(ca-init --backup-capable, under a profile with "
		    "\"key_backup\": true); its keys cannot leave the token",
		    d->path);
		r = CA_ERR_PROFILE;
	}
	return r;
}

static void
hist_free(struct hist *h)
{
	json_decref(h->wrap);
	json_decref(h->backup);
}

/* A key's value from the hex a split gives, on the caller's stack. */
static int
key_of(const struct ca_secret *hex, unsigned char key[CA_WRAPKEY_LEN])
{
	size_t i;
	unsigned v;

	if (hex->len != 2 * CA_WRAPKEY_LEN)
		return CA_ERR_INTERNAL;
	for (i = 0; i < CA_WRAPKEY_LEN; i++) {
		if (!isxdigit((unsigned char)hex->buf[2 * i]) ||
		    !isxdigit((unsigned char)hex->buf[2 * i + 1]) ||
		    sscanf(hex->buf + 2 * i, "%2x", &v) != 1)
			return CA_ERR_INTERNAL;
		key[i] = (unsigned char)v;
	}
	return 0;
}

/* The clock, checked before any PIN is asked for. */
static int
clock_ok(struct ca_dir *d, time_t now, const char *op, struct ca_errbuf *eb)
{
	json_t *probe = NULL;
	int r;

	r = ca_log_body_new(&d->head, now, op, &probe, eb);
	json_decref(probe);
	return r;
}

/*
 * Remove the wrapping key labelled label, which no record names, as
 * whoever can: the user, when logged in through d; else the security
 * officer again, through d's token if it is open (PKCS#11 allows one
 * login per application, and the user's failed), or through the token
 * opened anew.
 */
static int
wrapkey_undo(struct ca_dir *d, const struct ca_uri *uri,
    const struct ca_secret *sopin, const char *label)
{
	struct ca_hsm *so = NULL, *h;
	int r;

	if (d->hsm != NULL && ca_hsm_logged_in(d->hsm))
		return ca_wrapkey_destroy(d->hsm, label);
	if (sopin == NULL || uri == NULL)
		return CA_ERR_HSM;
	if ((h = d->hsm) == NULL) {
		if ((r = ca_hsm_open(d->cfg->module, uri, &so, NULL)) != 0)
			return r;
		h = so;
	}
	if ((r = ca_hsm_login_so(h, sopin, NULL)) == 0)
		r = ca_wrapkey_destroy(h, label);
	ca_hsm_close(so);
	return r;
}

int
ca_backup_wrap_key(const struct ca_wrap_key_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_hsm *so = NULL;
	struct ca_uri *uri = NULL;
	struct ca_split *sp = NULL;
	struct ca_secret *sopin = NULL;
	struct ca_pin_source ps;
	struct ca_wrap_mech mech;
	struct ca_import_way way;
	struct ca_dir_staged st = { 0 };
	struct hist hi;
	json_t *people = NULL, *body = NULL, *open = NULL, *step = NULL;
	const json_t *roster;
	unsigned char key[CA_WRAPKEY_LEN];
	char label[64], kcv[7], about[256];
	unsigned long o;
	int r, made = 0;

	memset(&hi, 0, sizeof(hi));
	memset(key, 0, sizeof(key));
	if ((r = ca_pin_source_parse(req->so_pin_source, &ps)) != 0) {
		ca_errf(eb, "the security officer's pin source must be "
		    "file:PATH or fd:N");
		return r;
	}
	if ((r = ca_rec_people(s->operator_, s->witnesses, s->nwitnesses,
	    &people, eb)) != 0 || (r = ca_dir_open(req->dir, &d, eb)) != 0 ||
	    (r = clock_ok(d, s->now, "backup-wrap-key", eb)) != 0 ||
	    (r = read_hist(d, &hi, eb)) != 0)
		goto out;
	if (hi.wrap != NULL) {
		ca_errf(eb, "\"%s\" has a backup wrapping key already "
		    "(\"%s\"); back up under it with ca-backup backup",
		    req->dir, json_string_value(json_object_get(hi.wrap,
		    "label")));
		r = CA_ERR_EXISTS;
		goto out;
	}
	/* Before any PIN, and before a key is made only to be destroyed. */
	if ((r = ca_path_new(req->shares_out, eb)) != 0) {
		ca_err_suffix(eb, "give a new folder for the shares");
		goto out;
	}
	/* 1. The open ceremony's custodians get the key's shares. */
	if (d->ceremony[0] == '\0') {
		ca_errf(eb, "no ceremony is open in \"%s\"; open one whose "
		    "roster names the custodians of the backup key", req->dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if ((roster = ca_ceremony_roster(d, &open, eb)) == NULL) {
		r = CA_ERR_LOG;
		goto out;
	}
	if ((r = ca_split_new(req->m, req->n, CA_SHARE_KEY_LEN, roster, &sp,
	    eb)) != 0 || (r = key_of(sp->secret, key)) != 0 ||
	    (r = ca_aes_kcv(key, kcv)) != 0)
		goto out;
	snprintf(label, sizeof(label), "backup-wrap-%s", json_string_value(
	    json_object_get(sp->activation, "split")));
	/*
	 * 2. A token that cannot wrap, or take the key, is refused before
	 * any PIN.
	 */
	if ((r = ca_uri_parse(d->cfg->ca_key, &uri, eb)) != 0 ||
	    (r = ca_hsm_open(d->cfg->module, uri, &so, eb)) != 0 ||
	    (r = ca_wrap_mech_pick(so, 0, &mech, eb)) != 0 ||
	    (r = ca_import_way_pick(so, &way, eb)) != 0)
		goto out;
	ca_hsm_close(so);
	so = NULL;
	/*
	 * The officer's PIN is kept, in locked memory, until the key is
	 * recorded or removed: it is the only way to take the key off the
	 * token again (wrapkey_undo).
	 */
	if ((r = ca_pin_read(&ps, s->prompt, s->prompt_arg,
	    "Security officer PIN: ", &sopin, eb)) != 0)
		goto out;
	/*
	 * 3. The user, whose log key signs the record, which with the
	 * journal and the shares is written before the key is made
	 * (recover.h): killed at any point, recovery looks for the key on
	 * the token, and the log follows what it finds.
	 */
	if ((r = ca_dir_login(d, s->pin_source, s->prompt, s->prompt_arg,
	    eb)) != 0 ||
	    (r = ca_dir_body(d, s->prog, "backup-wrap-key", s->now, people,
	    &body, eb)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "backup_wrap_key", json_pack("{s:s, "
	    "s:s, s:s, s:s, s:o, s:O}", "label", label, "algorithm",
	    "aes-256", "kcv", kcv, "mechanism", mech.name, "import",
	    ca_import_way_json(&way), "split", sp->activation)) != 0 ||
	    (step = ca_step_wrap_key(req->shares_out, label, kcv)) == NULL)
		goto out;
	if ((r = ca_dir_stage(d, body, json_pack("{s:s, s:I, s:I}", "dir",
	    req->dir, "threshold", (json_int_t)req->m, "custodians",
	    (json_int_t)req->n), step, &st, eb)) != 0)
		goto out;
	snprintf(about, sizeof(about), "CA: \"%s\", token \"%s\" (serial "
	    "%s), key \"%s\", check value %s", req->dir,
	    ca_hsm_token_info(d->hsm)->label,
	    ca_hsm_token_info(d->hsm)->serial, label, kcv);
	if ((r = ca_split_write(sp, req->shares_out, "backup key",
	    "rebuild the key that restores this CA's backups", about,
	    eb)) != 0 || (r = ca_dir_stage_begin(&st, eb)) != 0)
		goto out;
	/*
	 * 4. The security officer alone marks a key trusted, and PKCS#11
	 * allows one kind of login at a time, and none of the officer's
	 * beside a read-only session: the user's signing sessions close, and
	 * the user logs out for the officer.
	 */
	ca_tsigner_close(d->ca_ts);
	ca_tsigner_close(d->log_ts);
	d->ca_ts = d->log_ts = NULL;
	ca_hsm_logout(d->hsm);
	if ((r = ca_hsm_login_so(d->hsm, sopin, eb)) != 0)
		goto out;
	if ((r = ca_wrapkey_create(d->hsm, &way, key, 1, label, &o, kcv,
	    eb)) == 0)
		made = 1;
	ca_hsm_logout(d->hsm);
	if (r != 0 || (r = ca_dir_stage_commit(&st, head, eb)) != 0)
		goto out;
out:
	if (st.d != NULL) {
		/* A key no record names must not stay behind. */
		if (made && wrapkey_undo(d, uri, sopin, label) != 0) {
			/* The journal stays: recovery finds the key. */
			ca_err_suffix(eb, "the wrapping key \"%s\" stays on "
			    "the token: run \"ca-log recover -d %s\", which "
			    "records it, and keep its shares in \"%s\"",
			    label, req->dir, req->shares_out);
			r = CA_ERR_INTERRUPTED;
			ca_dir_stage_free(&st);
		} else if (ca_dir_stage_undo(&st, eb) != 0) {
			r = CA_ERR_INTERRUPTED;
		}
	}
	ca_hsm_close(so);
	ca_secret_free(sopin);
	OPENSSL_cleanse(key, sizeof(key));
	ca_split_free(sp);
	hist_free(&hi);
	json_decref(step);
	json_decref(open);
	json_decref(people);
	json_decref(body);
	ca_uri_free(uri);
	ca_dir_close(d);
	return r;
}

/* One backed-up key, for backup.json and the record. */
static json_t *
key_entry(const char *role, const struct ca_keyref *k, EVP_PKEY *pub,
    const char *file, const unsigned char *blob, size_t len)
{
	char id[2 * CA_URI_ID_MAX + 1], spki[65], sha[65];

	ca_hex(k->id, k->id_len, id);
	ca_sha256_hex(blob, len, sha);
	if (ca_spki_sha256(pub, spki) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "role", role,
	    "label", k->label, "id", id, "spki_sha256", spki, "file", file,
	    "sha256", sha, "size", (json_int_t)len);
}

/* A copy of key entry e with the blob itself, in base64, as "blob". */
static int
with_blob(const json_t *e, const unsigned char *blob, size_t len,
    json_t **out)
{
	char *b64 = NULL;
	int r;

	if ((*out = json_deep_copy(e)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = ca_b64_encode(blob, len, &b64)) != 0)
		return r;
	r = json_object_set_new(*out, "blob", json_string(b64)) != 0 ?
	    CA_ERR_NOMEM : 0;
	free(b64);
	return r;
}

/*
 * The scratch token of req, through parent's module, when it unwraps with
 * mech (the wrapping mechanism) and takes the rebuilt key (*way): checked
 * before anyone types a PIN or a share.  CA_ERR_ALGORITHM, CA_ERR_HSM.
 */
static int
open_scratch(struct ca_hsm *parent, const struct ca_backup_req *req,
    const struct ca_wrap_mech *mech, struct ca_hsm **sc,
    struct ca_import_way *way, struct ca_errbuf *eb)
{
	struct ca_uri *u = NULL;
	struct ca_wrap_mech um;
	int r;

	*sc = NULL;
	if ((r = ca_uri_parse(req->scratch_uri, &u, eb)) != 0 ||
	    (r = ca_hsm_open_sibling(parent, u, sc, eb)) != 0 ||
	    (r = ca_wrap_mech_pick(*sc, 1, &um, eb)) != 0 ||
	    (r = ca_import_way_pick(*sc, way, eb)) != 0)
		goto out;
	if (um.mech != mech->mech) {
		ca_errf(eb, "the scratch token unwraps with %s, not %s; test "
		    "with a token like the one a restore would use", um.name,
		    mech->name);
		r = CA_ERR_ALGORITHM;
	}
out:
	if (r != 0) {
		ca_hsm_close(*sc);
		*sc = NULL;
	}
	ca_uri_free(u);
	return r;
}

/*
 * The test restore: the wrapping key rebuilt from the custodians' shares
 * on the scratch token, as a session object, and each blob unwrapped
 * beside it as session objects that must sign as the certificates say.
 * All of it goes when the session closes.
 */
static int
test_restore(struct ca_dir *d, const struct ca_backup_req *req,
    const struct ca_session *s, const struct hist *hi,
    const struct ca_wrap_mech *mech, const unsigned char *bca, size_t lca,
    const unsigned char *blog, size_t llog, json_t **presented,
    json_t **token, struct ca_errbuf *eb)
{
	struct ca_pin_source ps;
	struct ca_secret *sec = NULL, *pin = NULL;
	struct ca_hsm *sc = NULL;
	struct ca_import_way way;
	struct ca_keyref back;
	unsigned char key[CA_WRAPKEY_LEN];
	char kcv[7];
	unsigned long uk;
	int r;

	if ((r = ca_pin_source_parse(req->wrap_shares, &ps)) != 0) {
		ca_errf(eb, "--wrap-shares must be shares:FILE,FILE,...");
		goto out;
	}
	if ((r = ca_split_collect(json_object_get(hi->wrap, "split"), &ps,
	    s->prompt, s->prompt_arg, "Backup key share", &sec, presented,
	    eb)) != 0 || (r = key_of(sec, key)) != 0 ||
	    (r = ca_aes_kcv(key, kcv)) != 0)
		goto out;
	if (strcmp(kcv, json_string_value(json_object_get(hi->wrap,
	    "kcv"))) != 0) {
		ca_errf(eb, "the shares give a key with check value %s, not "
		    "the recorded one", kcv);
		r = CA_ERR_VERIFY;
		goto out;
	}
	if ((r = open_scratch(d->hsm, req, mech, &sc, &way, eb)) != 0)
		goto out;
	if ((r = ca_pin_source_parse(req->scratch_pin_source, &ps)) != 0 ||
	    (r = ca_pin_read(&ps, s->prompt, s->prompt_arg,
	    "Scratch token user PIN: ", &pin, eb)) != 0)
		goto out;
	r = ca_hsm_login(sc, pin, eb);
	ca_secret_free(pin);
	pin = NULL;
	if (r != 0)
		goto out;
	if ((r = ca_wrapkey_create(sc, &way, key, 0, NULL, &uk, kcv,
	    eb)) != 0 ||
	    (r = ca_key_unwrap(sc, uk, mech, bca, lca, d->ca_pub,
	    "test-restore-ca", d->ca_key.id, d->ca_key.id_len, 0, &back,
	    eb)) != 0 ||
	    (r = ca_key_unwrap(sc, uk, mech, blog, llog, d->log_pub,
	    "test-restore-log", d->log_key.id, d->log_key.id_len, 0, &back,
	    eb)) != 0) {
		ca_err_prefix(eb, "the test restore failed");
		goto out;
	}
	if ((*token = json_pack("{s:s, s:s, s:s, s:s, s:o}", "label",
	    ca_hsm_token_info(sc)->label, "serial",
	    ca_hsm_token_info(sc)->serial, "model",
	    ca_hsm_token_info(sc)->model, "kind", ca_hsm_kind(sc, NULL),
	    "import", ca_import_way_json(&way))) == NULL)
		r = CA_ERR_NOMEM;
out:
	OPENSSL_cleanse(key, sizeof(key));
	ca_secret_free(sec);
	ca_hsm_close(sc);
	return r;
}

/*
 * The token's word on key, before anything is wrapped: a backup of a key
 * the token says may not leave it would contradict every record that
 * quotes those attributes, and the wrapped copy would be a key that the
 * token, as far as its own attributes tell, never let out.
 */
static int
backup_capable(struct ca_dir *d, const struct ca_keyref *key,
    const char *what, struct ca_errbuf *eb)
{
	struct ca_key_attrs a;
	char why[256];
	int r;

	if ((r = ca_hsm_key_attrs(d->hsm, key, &a)) != 0) {
		ca_errf(eb, "cannot read the attributes of the %s key \"%s\"",
		    what, key->label);
		return r;
	}
	ca_key_attrs_why(&a, 1, why, sizeof(why));
	if (why[0] != '\0') {
		ca_errf(eb, "the token reports the %s key \"%s\" as not "
		    "backup-capable (%s): only a key made with ca-init "
		    "--backup-capable can be backed up", what, key->label,
		    why);
		return CA_ERR_KEY_ATTRS;
	}
	return 0;
}

int
ca_backup_run(const struct ca_backup_req *req, const struct ca_session *s,
    struct ca_backup_result *res, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_hsm *pre = NULL, *sc = NULL;
	struct ca_uri *cu = NULL;
	struct ca_wrap_mech mech;
	struct ca_import_way way;
	struct ca_artifact art[5];
	struct hist hi;
	json_t *people = NULL, *body = NULL, *presented = NULL, *tok = NULL;
	json_t *kca = NULL, *klog = NULL, *meta = NULL, *rca = NULL;
	json_t *rlog = NULL;
	unsigned char *bca = NULL, *blog = NULL, *pca = NULL, *plog = NULL;
	char *p[5] = { NULL }, *metatext = NULL, *src = NULL;
	size_t lca = 0, llog = 0, nca = 0, nlog = 0, mlen = 0, i;
	unsigned long wk;
	int r, made_dir = 0, pre_existing = 0;

	memset(res, 0, sizeof(*res));
	memset(&hi, 0, sizeof(hi));
	if ((r = ca_rec_people(s->operator_, s->witnesses, s->nwitnesses,
	    &people, eb)) != 0 || (r = ca_dir_open(req->dir, &d, eb)) != 0 ||
	    (r = clock_ok(d, s->now, "key-backup", eb)) != 0 ||
	    (r = read_hist(d, &hi, eb)) != 0)
		goto out;
	if (hi.wrap == NULL) {
		ca_errf(eb, "\"%s\" has no backup wrapping key yet; make one "
		    "with ca-backup wrap-key", req->dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = ca_folder_new_or_empty(req->out, &pre_existing, eb)) != 0) {
		ca_err_suffix(eb, "give a new folder for the backup");
		goto out;
	}
	/* Tokens that cannot do the backup, or its test, go before any PIN. */
	if ((r = ca_uri_parse(d->cfg->ca_key, &cu, eb)) != 0 ||
	    (r = ca_hsm_open(d->cfg->module, cu, &pre, eb)) != 0 ||
	    (r = ca_wrap_mech_pick(pre, 0, &mech, eb)) != 0 ||
	    (r = open_scratch(pre, req, &mech, &sc, &way, eb)) != 0)
		goto out;
	ca_hsm_close(sc);
	ca_hsm_close(pre);
	sc = pre = NULL;
	if ((r = ca_dir_login(d, s->pin_source, s->prompt, s->prompt_arg,
	    eb)) != 0 ||
	    (r = backup_capable(d, &d->ca_key, "CA", eb)) != 0 ||
	    (r = backup_capable(d, &d->log_key, "log-signing", eb)) != 0 ||
	    (r = ca_wrapkey_find(d->hsm, json_string_value(json_object_get(
	    hi.wrap, "label")), json_string_value(json_object_get(hi.wrap,
	    "kcv")), &wk, eb)) != 0 ||
	    (r = ca_key_wrap(d->hsm, wk, &mech, &d->ca_key, &bca, &lca,
	    eb)) != 0 ||
	    (r = ca_key_wrap(d->hsm, wk, &mech, &d->log_key, &blog, &llog,
	    eb)) != 0)
		goto out;
	if ((r = test_restore(d, req, s, &hi, &mech, bca, lca, blog, llog,
	    &presented, &tok, eb)) != 0)
		goto out;
	/* The certificates travel with the blobs: a restore needs them. */
	if ((src = ca_path_join(d->path, CA_FILE_CERT)) == NULL ||
	    (r = ca_read_file(src, 1 << 20, &pca, &nca, eb)) != 0)
		goto nomem;
	free(src);
	if ((src = ca_path_join(d->path, CA_FILE_LOG_SIGNER)) == NULL ||
	    (r = ca_read_file(src, 1 << 20, &plog, &nlog, eb)) != 0)
		goto nomem;
	r = CA_ERR_NOMEM;
	if ((kca = key_entry("ca", &d->ca_key, d->ca_pub, BLOB_CA, bca,
	    lca)) == NULL || (klog = key_entry("log-signer", &d->log_key,
	    d->log_pub, BLOB_LOG, blog, llog)) == NULL ||
	    (meta = json_pack("{s:s, s:I, s:s, s:s, s:s, s:{s:s, s:s}, "
	    "s:[O, O]}", "format", "ca-key-backup", "version", (json_int_t)1,
	    "ca", d->path, "log_head", d->head.hash, "mechanism", mech.name,
	    "wrap_key", "label", json_string_value(json_object_get(hi.wrap,
	    "label")), "kcv", json_string_value(json_object_get(hi.wrap,
	    "kcv")), "keys", kca, klog)) == NULL)
		goto out;
	if ((r = ca_json_canon(meta, &metatext, &mlen, eb)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((p[0] = ca_path_join(req->out, BLOB_CA)) == NULL ||
	    (p[1] = ca_path_join(req->out, BLOB_LOG)) == NULL ||
	    (p[2] = ca_path_join(req->out, CA_FILE_CERT)) == NULL ||
	    (p[3] = ca_path_join(req->out, CA_FILE_LOG_SIGNER)) == NULL ||
	    (p[4] = ca_path_join(req->out, CA_BACKUP_FILE)) == NULL)
		goto out;
	if (!pre_existing) {
		if (mkdir(req->out, 0700) != 0) {
			r = ca_errno_code(errno);
			ca_errf(eb, "cannot make \"%s\": %s", req->out,
			    strerror(errno));
			goto out;
		}
		made_dir = 1;
	}
	art[0] = (struct ca_artifact){ .path = p[0], .data = bca, .len = lca,
	    .mode = 0600 };
	art[1] = (struct ca_artifact){ .path = p[1], .data = blog,
	    .len = llog, .mode = 0600 };
	art[2] = (struct ca_artifact){ .path = p[2], .data = pca, .len = nca,
	    .mode = 0644 };
	art[3] = (struct ca_artifact){ .path = p[3], .data = plog,
	    .len = nlog, .mode = 0644 };
	art[4] = (struct ca_artifact){ .path = p[4], .data = metatext,
	    .len = mlen, .mode = 0644 };
	if ((r = ca_dir_body(d, s->prog, "key-backup", s->now, people, &body,
	    eb)) != 0)
		goto out;
	/*
	 * The record holds the blobs too: wrapped, they are as safe in the
	 * log as in the folder, and a lost folder is not a lost backup.
	 */
	if ((r = with_blob(kca, bca, lca, &rca)) != 0 ||
	    (r = with_blob(klog, blog, llog, &rlog)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "key_backup", json_pack("{s:s, s:s, "
	    "s:{s:O, s:O}, s:[O, O], s:{s:O, s:s}}", "folder", req->out,
	    "mechanism", mech.name, "wrap_key", "label",
	    json_object_get(hi.wrap, "label"), "kcv",
	    json_object_get(hi.wrap, "kcv"), "keys", rca, rlog,
	    "test_restore", "token", tok, "result", "ok")) != 0 ||
	    json_object_set(body, "backup_shares_presented", presented) != 0)
		goto out;
	if ((r = ca_dir_finish(d, body, json_pack("{s:s, s:s}", "dir",
	    req->dir, "out", req->out), NULL, art, 5, res->head, eb)) != 0)
		goto out;
	made_dir = 0;
	snprintf(res->mechanism, sizeof(res->mechanism), "%s", mech.name);
	snprintf(res->kcv, sizeof(res->kcv), "%s", json_string_value(
	    json_object_get(hi.wrap, "kcv")));
	ca_sha256_hex(bca, lca, res->ca_sha256);
	ca_sha256_hex(blog, llog, res->log_sha256);
	r = 0;
	goto out;
nomem:
	if (r == 0)
		r = CA_ERR_NOMEM;
out:
	if (made_dir)
		ca_rm_folder(req->out);
	for (i = 0; i < 5; i++)
		free(p[i]);
	free(src);
	free(metatext);
	free(bca);
	free(blog);
	free(pca);
	free(plog);
	json_decref(meta);
	json_decref(kca);
	json_decref(klog);
	json_decref(rca);
	json_decref(rlog);
	json_decref(tok);
	json_decref(presented);
	json_decref(people);
	json_decref(body);
	hist_free(&hi);
	ca_hsm_close(sc);
	ca_hsm_close(pre);
	ca_uri_free(cu);
	ca_dir_close(d);
	return r;
}

/* The blob of role in the folder, checked against the backup's record. */
static int
read_blob(const char *from, const json_t *backup, const char *role,
    unsigned char **blob, size_t *len, const json_t **entry,
    struct ca_errbuf *eb)
{
	const json_t *k;
	char *path = NULL, sha[65];
	size_t i;
	int r;

	*entry = NULL;
	json_array_foreach(json_object_get(backup, "keys"), i, k)
		if (json_string_value(json_object_get(k, "role")) != NULL &&
		    strcmp(json_string_value(json_object_get(k, "role")),
		    role) == 0)
			*entry = k;
	if (*entry == NULL || json_string_value(json_object_get(*entry,
	    "file")) == NULL) {
		ca_errf(eb, "the log's record of the backup names no %s key",
		    role);
		return CA_ERR_LOG;
	}
	if ((path = ca_path_join(from, json_string_value(json_object_get(
	    *entry, "file")))) == NULL)
		return CA_ERR_NOMEM;
	r = ca_read_file(path, 1 << 16, blob, len, eb);
	if (r == 0) {
		ca_sha256_hex(*blob, *len, sha);
		if (strcmp(sha, json_string_value(json_object_get(*entry,
		    "sha256")) ? json_string_value(json_object_get(*entry,
		    "sha256")) : "") != 0) {
			ca_errf(eb, "\"%s\" is not the %s key the log's newest "
			    "backup names (its SHA-256 differs): give that "
			    "backup's folder", path, role);
			r = CA_ERR_VERIFY;
		}
	}
	free(path);
	return r;
}

/* The label and CKA_ID a restored key takes: the original's. */
static int
entry_ref(const json_t *e, struct ca_keyref *k)
{
	const char *label = json_string_value(json_object_get(e, "label"));
	const char *id = json_string_value(json_object_get(e, "id"));
	unsigned char *b = NULL;
	size_t n = 0;

	memset(k, 0, sizeof(*k));
	if (label == NULL || id == NULL || strlen(label) >= sizeof(k->label) ||
	    ca_hex_decode(id, &b, &n) != 0 || n == 0 || n > sizeof(k->id)) {
		free(b);
		return CA_ERR_LOG;
	}
	snprintf(k->label, sizeof(k->label), "%s", label);
	memcpy(k->id, b, n);
	k->id_len = n;
	free(b);
	return 0;
}

/* Replace *field with a new copy of v. */
static int
set_str(char **field, const char *v)
{
	char *c;

	if ((c = strdup(v)) == NULL)
		return CA_ERR_NOMEM;
	free(*field);
	*field = c;
	return 0;
}

/* 1 when ca.json names h's token: the CA's keys live there. */
static int
names_token(const struct ca_dir *d, struct ca_hsm *h)
{
	const struct ca_token_info *ti = ca_hsm_token_info(h);
	struct ca_uri *u = NULL;
	int same;

	if (ca_uri_parse(d->cfg->ca_key, &u, NULL) != 0)
		return 1;	/* unknown: as if it did */
	same = u->token != NULL && strcmp(u->token, ti->label) == 0 &&
	    (u->serial == NULL || strcmp(u->serial, ti->serial) == 0);
	ca_uri_free(u);
	return same;
}

/*
 * A restore stopped after its key import, by a kill, a power cut or a
 * failed undo, leaves the keys on the new token with no record naming
 * them, and its retry must not be refused for them.  The key want on h
 * is such a leftover when its public half is pub and the directory does
 * not name h's token: it goes, with a warning.  Anything else is left for
 * the import to refuse (CA_ERR_KEY_EXISTS): another key under the label,
 * or the CA's own live key.
 */
static int
clear_leftover(const struct ca_dir *d, struct ca_hsm *h,
    const struct ca_keyref *want, EVP_PKEY *pub, struct ca_errbuf *eb)
{
	struct ca_uri u;
	struct ca_keyref k;
	EVP_PKEY *have = NULL;
	char label[sizeof(want->label)], type[] = "private";
	int r, exists = 0, ours;

	if ((r = ca_hsm_label_exists(h, want->label, &exists)) != 0 ||
	    !exists || names_token(d, h))
		return r;
	memset(&u, 0, sizeof(u));
	snprintf(label, sizeof(label), "%s", want->label);
	u.object = label;
	u.type = type;
	memcpy(u.id, want->id, want->id_len);
	u.id_len = want->id_len;
	u.has_id = want->id_len > 0;
	if (ca_hsm_find_key(h, &u, &k, NULL) != 0)
		return 0;
	ours = ca_hsm_public_key(h, &k, &have) == 0 &&
	    EVP_PKEY_eq(have, pub) == 1;
	EVP_PKEY_free(have);
	ERR_clear_error();
	if (!ours)
		return 0;
	if ((r = ca_hsm_destroy(h, &k)) != 0) {
		ca_errf(eb, "token \"%s\" holds the key \"%s\" an earlier "
		    "restore left, and it cannot be removed", ca_hsm_token_info(
		    h)->label, want->label);
		return r;
	}
	ca_warnf(eb, "removed the key \"%s\" that an earlier, unfinished "
	    "restore left on token \"%s\"", want->label,
	    ca_hsm_token_info(h)->label);
	return 0;
}

int
ca_backup_restore(const struct ca_restore_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_hsm *h = NULL, *t = NULL;
	struct ca_uri *u = NULL;
	struct ca_pin_source ps;
	struct ca_secret *sec = NULL, *pin = NULL, *newpin = NULL;
	struct ca_wrap_mech mech;
	struct ca_import_way way;
	struct ca_keyref rca, rlog;
	struct ca_artifact art;
	struct hist hi;
	const json_t *eca, *elog;
	const char *bmech;
	json_t *people = NULL, *body = NULL, *presented = NULL;
	unsigned char key[CA_WRAPKEY_LEN], *bca = NULL, *blog = NULL;
	char kcv[7], *uca = NULL, *ulog = NULL;
	char *cfgtext = NULL, *cfgpath = NULL;
	size_t lca = 0, llog = 0, cfglen = 0;
	unsigned long uk;
	int r, have_ca = 0, have_log = 0, pin_set = 0;

	memset(&hi, 0, sizeof(hi));
	memset(key, 0, sizeof(key));
	if ((r = ca_rec_people(s->operator_, s->witnesses, s->nwitnesses,
	    &people, eb)) != 0 || (r = ca_dir_open(req->dir, &d, eb)) != 0 ||
	    (r = clock_ok(d, s->now, "key-restore", eb)) != 0 ||
	    (r = read_hist(d, &hi, eb)) != 0)
		goto out;
	if (hi.backup == NULL || hi.wrap == NULL) {
		ca_errf(eb, "the log of \"%s\" records no backup to restore",
		    req->dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	/* 1. The folder must hold the backup the log names. */
	if ((r = read_blob(req->from, hi.backup, "ca", &bca, &lca, &eca,
	    eb)) != 0 || (r = read_blob(req->from, hi.backup, "log-signer",
	    &blog, &llog, &elog, eb)) != 0)
		goto out;
	if ((r = entry_ref(eca, &rca)) != 0 ||
	    (r = entry_ref(elog, &rlog)) != 0) {
		ca_errf(eb, "the log's record of the backup is unusable");
		goto out;
	}
	/*
	 * 2. The new token, as its security officer handed it over: one
	 * that cannot unwrap the backup, or take the key that does, is
	 * refused before anyone types a share or a PIN.
	 */
	if ((r = ca_uri_parse(req->token_uri, &u, eb)) != 0 ||
	    (r = ca_hsm_open(req->module ? req->module : d->cfg->module, u,
	    &h, eb)) != 0 || (r = ca_wrap_mech_pick(h, 1, &mech, eb)) != 0 ||
	    (r = ca_import_way_pick(h, &way, eb)) != 0)
		goto out;
	t = h;
	if ((bmech = json_string_value(json_object_get(hi.backup,
	    "mechanism"))) == NULL) {
		ca_errf(eb, "the log's record of the backup names no "
		    "mechanism");
		r = CA_ERR_LOG;
		goto out;
	}
	if (strcmp(mech.name, bmech) != 0) {
		ca_errf(eb, "token \"%s\" unwraps with %s, and the backup was "
		    "wrapped with %s; restore into a token that offers it",
		    ca_hsm_token_info(h)->label, mech.name, bmech);
		r = CA_ERR_ALGORITHM;
		goto out;
	}
	/* 3. The custodians rebuild the wrapping key. */
	if ((r = ca_pin_source_parse(req->wrap_shares, &ps)) != 0) {
		ca_errf(eb, "--wrap-shares must be shares:FILE,FILE,...");
		goto out;
	}
	if ((r = ca_split_collect(json_object_get(hi.wrap, "split"), &ps,
	    s->prompt, s->prompt_arg, "Backup key share", &sec, &presented,
	    eb)) != 0 || (r = key_of(sec, key)) != 0 ||
	    (r = ca_aes_kcv(key, kcv)) != 0)
		goto out;
	if ((r = ca_pin_source_parse(s->pin_source, &ps)) != 0 ||
	    (r = ca_pin_read(&ps, s->prompt, s->prompt_arg,
	    "New token's user PIN: ", &pin, eb)) != 0)
		goto out;
	if ((r = ca_hsm_login(h, pin, eb)) == CA_ERR_PIN_INCORRECT &&
	    d->activation != NULL) {
		/*
		 * A restore stopped after it set the CA's split PIN leaves a
		 * token its officer's PIN no longer opens, and the
		 * custodians' does: then the retry carries on with theirs.
		 */
		struct ca_errbuf tried = { 0 };

		if (ca_pin_source_parse(req->pin_shares, &ps) == 0 &&
		    ca_split_collect(d->activation, &ps, s->prompt,
		    s->prompt_arg, "PIN share", &newpin, &d->presented,
		    &tried) == 0 && ca_hsm_login(h, newpin, &tried) == 0) {
			ca_warnf(eb, "token \"%s\" opens with the CA's PIN "
			    "already: an earlier restore set it and stopped",
			    ca_hsm_token_info(h)->label);
			pin_set = 1;
			r = 0;
			if (eb != NULL)
				eb->msg[0] = '\0';
		}
	}
	if (r != 0 || (r = ca_wrapkey_create(h, &way, key, 0, NULL, &uk, kcv,
	    eb)) != 0)
		goto out;
	OPENSSL_cleanse(key, sizeof(key));
	if ((r = clear_leftover(d, h, &rca, X509_get0_pubkey(d->cert),
	    eb)) != 0 || (r = clear_leftover(d, h, &rlog,
	    X509_get0_pubkey(d->log_cert), eb)) != 0)
		goto out;
	if ((r = ca_key_unwrap(h, uk, &mech, bca, lca,
	    X509_get0_pubkey(d->cert), rca.label, rca.id, rca.id_len, 1,
	    &rca, eb)) != 0)
		goto out;
	have_ca = 1;
	if ((r = ca_key_unwrap(h, uk, &mech, blog, llog,
	    X509_get0_pubkey(d->log_cert), rlog.label, rlog.id, rlog.id_len,
	    1, &rlog, eb)) != 0)
		goto out;
	have_log = 1;
	/* 4. A split PIN: the new token gets it, from the custodians. */
	if (d->activation != NULL && !pin_set) {
		if ((r = ca_pin_source_parse(req->pin_shares, &ps)) != 0) {
			ca_errf(eb, "--pin-shares must be shares:FILE,...");
			goto out;
		}
		if ((r = ca_split_collect(d->activation, &ps, s->prompt,
		    s->prompt_arg, "PIN share", &newpin, &d->presented,
		    eb)) != 0 || (r = ca_hsm_set_pin(h, pin, newpin, eb)) != 0)
			goto out;
		pin_set = 1;
	}
	/* The old PIN stays, wiped at the end: a failure sets it back. */
	/* 5. The directory now names the new token. */
	if ((r = ca_keyref_uri(h, &rca, &uca)) != 0 ||
	    (r = ca_keyref_uri(h, &rlog, &ulog)) != 0 ||
	    (r = set_str(&d->cfg->ca_key, uca)) != 0 ||
	    (r = set_str(&d->cfg->log_key, ulog)) != 0 ||
	    (req->module != NULL &&
	    (r = set_str(&d->cfg->module, req->module)) != 0))
		goto out;
	d->hsm = h;
	h = NULL;
	if ((r = ca_dir_key(d, d->cfg->ca_key, d->cert, "CA", 1, &d->ca_key,
	    &d->ca_ts, &d->ca_pub, eb)) != 0 ||
	    (r = ca_dir_key(d, d->cfg->log_key, d->log_cert, "log-signing", 0,
	    &d->log_key, &d->log_ts, &d->log_pub, eb)) != 0 ||
	    (r = ca_config_serialise(d->cfg, &cfgtext, &cfglen)) != 0 ||
	    (cfgpath = ca_path_join(d->path, CA_FILE_CONFIG)) == NULL ||
	    (r = ca_dir_body(d, s->prog, "key-restore", s->now, people,
	    &body, eb)) != 0) {
		if (r == 0)
			r = CA_ERR_NOMEM;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "key_restore", json_pack("{s:s, s:s, "
	    "s:{s:O, s:O}, s:{s:s, s:s, s:s, s:s, s:o}, s:s, s:[s, s]}",
	    "from",
	    req->from, "mechanism", mech.name, "wrap_key", "label",
	    json_object_get(hi.wrap, "label"), "kcv",
	    json_object_get(hi.wrap, "kcv"), "token", "label",
	    ca_hsm_token_info(d->hsm)->label, "serial",
	    ca_hsm_token_info(d->hsm)->serial, "model",
	    ca_hsm_token_info(d->hsm)->model, "kind", ca_hsm_kind(d->hsm,
	    NULL), "import", ca_import_way_json(&way), "pin", pin_set ?
	    "set from the custodians' shares" : "the token's own",
	    "blobs", json_string_value(json_object_get(eca, "sha256")),
	    json_string_value(json_object_get(elog, "sha256")))) != 0 ||
	    json_object_set(body, "backup_shares_presented", presented) != 0)
		goto out;
	art = (struct ca_artifact){ .path = cfgpath, .data = cfgtext,
	    .len = cfglen, .mode = 0644, .replace = 1 };
	r = ca_dir_finish(d, body, json_pack("{s:s, s:s, s:s}", "dir",
	    req->dir, "from", req->from, "token", req->token_uri),
	    json_pack("[o]", ca_rec_file(CA_FILE_CONFIG, cfgtext, cfglen)),
	    &art, 1, head, eb);
out:
	if (r != 0) {
		/* Nothing the log does not name stays on the new token. */
		if (t != NULL && have_ca)
			(void)ca_hsm_destroy(t, &rca);
		if (t != NULL && have_log)
			(void)ca_hsm_destroy(t, &rlog);
		if (t != NULL && pin_set && pin != NULL &&
		    ca_hsm_set_pin(t, newpin, pin, NULL) != 0)
			ca_err_suffix(eb, "the new token kept the CA's PIN");
	}
	OPENSSL_cleanse(key, sizeof(key));
	ca_secret_free(sec);
	ca_secret_free(pin);
	ca_secret_free(newpin);
	free(bca);
	free(blog);
	free(uca);
	free(ulog);
	free(cfgtext);
	free(cfgpath);
	json_decref(people);
	json_decref(body);
	json_decref(presented);
	hist_free(&hi);
	ca_uri_free(u);
	ca_hsm_close(h);
	ca_dir_close(d);
	return r;
}
