#include "recover.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsio.h"
#include "hsm.h"
#include "keywrap.h"
#include "secret.h"
#include "split.h"
#include "store.h"
#include "uri.h"

json_t *
ca_step_set_pin(const char *folder, const json_t *activation)
{
	return json_pack("{s:s, s:s, s:O}", "kind", CA_STEP_SET_PIN,
	    "shares", folder, "activation", activation);
}

json_t *
ca_step_wrap_key(const char *folder, const char *label, const char *kcv)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "kind", CA_STEP_WRAP_KEY,
	    "shares", folder, "label", label, "kcv", kcv);
}

struct settle {
	const char *dir;
	struct ca_config *cfg;
};

/* The token ca.json names, opened without a login. */
static int
open_token(struct settle *s, struct ca_hsm **h, struct ca_errbuf *eb)
{
	struct ca_uri *uri = NULL;
	int r;

	if (s->cfg == NULL && (r = ca_config_load(s->dir, &s->cfg, eb)) != 0)
		return r;
	if ((r = ca_uri_parse(s->cfg->ca_key, &uri, eb)) == 0)
		r = ca_hsm_open(s->cfg->module, uri, h, eb);
	ca_uri_free(uri);
	return r;
}

/* "shares:FOLDER/A,FOLDER/B,...": every share file in folder. */
static int
shares_in(const char *folder, struct ca_pin_source *ps, struct ca_errbuf *eb)
{
	struct dirent *e;
	size_t n = 0, len = 0, k;
	DIR *dp;
	int r = 0;

	memset(ps, 0, sizeof(*ps));
	ps->kind = CA_PIN_SHARES;
	if ((dp = opendir(folder)) == NULL) {
		ca_errf(eb, "the re-split was stopped after it may have "
		    "changed the token's PIN, and its new shares \"%s\" are "
		    "gone, so the token cannot be asked: put that folder back "
		    "and run this again", folder);
		return CA_ERR_NOT_FOUND;
	}
	while (r == 0 && (e = readdir(dp)) != NULL) {
		if (!ca_split_is_share_file(e->d_name))
			continue;
		k = strlen(e->d_name);
		if (len + strlen(folder) + k + 3 > sizeof(ps->path)) {
			ca_errf(eb, "\"%s\": too many shares", folder);
			r = CA_ERR_INVALID_ARG;
			break;
		}
		len += (size_t)snprintf(ps->path + len, sizeof(ps->path) - len,
		    "%s%s/%s", n++ ? "," : "", folder, e->d_name);
	}
	closedir(dp);
	return r;
}

/* Did the re-split's C_SetPIN happen?  Its new shares open the token. */
static int
settle_pin(struct settle *s, const json_t *step, int *happened,
    struct ca_errbuf *eb)
{
	struct ca_pin_source ps;
	struct ca_secret *pin = NULL;
	struct ca_hsm *h = NULL;
	json_t *who = NULL;
	char *folder = NULL;
	const char *sh = json_string_value(json_object_get(step, "shares"));
	int r;

	if ((folder = sh[0] == '/' ? strdup(sh) : ca_path_join(s->dir,
	    sh)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = shares_in(folder, &ps, eb)) != 0 ||
	    (r = ca_split_collect(json_object_get(step, "activation"), &ps,
	    NULL, NULL, "Share", &pin, &who, eb)) != 0 ||
	    (r = open_token(s, &h, eb)) != 0)
		goto out;
	r = ca_hsm_login(h, pin, eb);
	if (r == 0 || r == CA_ERR_PIN_INCORRECT) {
		*happened = r == 0;
		if (eb != NULL)
			eb->msg[0] = '\0';
		r = 0;
	}
out:
	OPENSSL_cleanse(&ps, sizeof(ps));
	ca_secret_free(pin);
	ca_hsm_close(h);
	json_decref(who);
	free(folder);
	return r;
}

/* Did the wrapping key's C_CreateObject happen?  Its public key is there. */
static int
settle_key(struct settle *s, const json_t *step, int *happened,
    struct ca_errbuf *eb)
{
	struct ca_hsm *h = NULL;
	unsigned long o;
	int r;

	if ((r = open_token(s, &h, eb)) != 0)
		return r;
	r = ca_wrapkey_find(h, json_string_value(json_object_get(step,
	    "label")), json_string_value(json_object_get(step, "kcv")), &o,
	    eb);
	if (r == 0 || r == CA_ERR_KEY_NOT_FOUND) {
		*happened = r == 0;
		if (eb != NULL)
			eb->msg[0] = '\0';
		r = 0;
	}
	ca_hsm_close(h);
	return r;
}

static int
settle(void *arg, const json_t *step, int *happened, struct ca_errbuf *eb)
{
	const char *kind = json_string_value(json_object_get(step, "kind"));

	if (strcmp(kind, CA_STEP_SET_PIN) == 0 &&
	    json_is_string(json_object_get(step, "shares")))
		return settle_pin(arg, step, happened, eb);
	if (strcmp(kind, CA_STEP_WRAP_KEY) == 0 &&
	    json_is_string(json_object_get(step, "label")) &&
	    json_is_string(json_object_get(step, "kcv")))
		return settle_key(arg, step, happened, eb);
	ca_errf(eb, "the journal's token step \"%s\" is not one this toolkit "
	    "knows", kind);
	return CA_ERR_SCHEMA;
}

int
ca_dir_recover(const char *dir, struct ca_recovery *res,
    struct ca_errbuf *eb)
{
	struct settle s = { dir, NULL };
	int lockfd = -1, r;

	memset(res, 0, sizeof(*res));
	if ((r = ca_store_lock(dir, &lockfd, eb)) != 0)
		return r;
	r = ca_journal_recover_with(dir, settle, &s, res, eb);
	/* And ca-init's note, should it have been killed just after. */
	if (r == 0 && (r = ca_stage_sweep(dir, eb)) > 0) {
		res->leftovers += (size_t)r;
		r = 0;
	}
	ca_config_free(s.cfg);
	ca_store_unlock(lockfd);
	return r;
}
