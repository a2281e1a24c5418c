#include "ceremony.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cadir.h"
#include "cjson.h"
#include "encode.h"
#include "fsio.h"
#include "log.h"
#include "record.h"
#include "words.h"

static const char *const roles[] = { CA_ROLE_ADMINISTRATOR,
    CA_ROLE_WITNESS, CA_ROLE_CUSTODIAN, CA_ROLE_AUDITOR };

int
ca_role_parse(char *spec, struct ca_person *p)
{
	char *colon = strchr(spec, ':');
	size_t i;

	if (colon == NULL || colon[1] == '\0')
		return CA_ERR_INVALID_ARG;
	*colon = '\0';
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(spec, roles[i]) == 0) {
			p->role = roles[i];
			p->name = colon + 1;
			return 0;
		}
	*colon = ':';
	return CA_ERR_INVALID_ARG;
}

static int
id_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '_' && s[n] != '-')
			return 0;
	return n >= 1 && n <= 64;
}

/* A string member, refused when empty; NULL leaves it out. */
static int
put_str(json_t *o, const char *k, const char *v)
{
	if (v == NULL)
		return 0;
	if (*v == '\0' || json_object_set_new(o, k, json_string(v)) != 0)
		return -1;
	return 0;
}

/* The body every ceremony record shares, with the token logged in. */
static int
begin(const char *dir, const char *op, const struct ca_session *s,
    struct ca_dir **d, json_t **people, json_t **body, struct ca_errbuf *eb)
{
	int r;

	*d = NULL;
	*people = *body = NULL;
	if ((r = ca_rec_people(s->operator_, s->witnesses, s->nwitnesses,
	    people, eb)) != 0 ||
	    (r = ca_dir_open(dir, d, eb)) != 0)
		return r;
	/* The clock is checked before the PIN is asked for. */
	if ((r = ca_log_body_new(&(*d)->head, s->now, op, body, eb)) != 0)
		return r;
	json_decref(*body);
	*body = NULL;
	if ((r = ca_dir_login(*d, s->pin_source, s->prompt, s->prompt_arg,
	    eb)) != 0)
		return r;
	return ca_dir_body(*d, s->prog, op, s->now, *people, body, eb);
}

static int
finish(struct ca_dir *d, json_t *body, json_t *params, char head[65],
    struct ca_errbuf *eb)
{
	if (json_object_set_new(body, "params", params) != 0 ||
	    json_object_set_new(body, "inputs", json_array()) != 0 ||
	    json_object_set_new(body, "outputs", json_array()) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		return CA_ERR_NOMEM;
	return ca_dir_append(d, body, NULL, 0, head, eb);
}

int
ca_ceremony_open(const struct ca_open_req *req, const struct ca_session *s,
    char head[65], struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	json_t *people = NULL, *body = NULL, *c = NULL, *v, *eq;
	unsigned char *script = NULL;
	size_t len = 0, i;
	char h[65];
	int r, witness = 0, custodian = 0;

	/* 1. Inputs. */
	if (req->id == NULL || !id_ok(req->id)) {
		ca_errf(eb, "ceremony id must be 1 to 64 letters, digits, '.', "
		    "'_' or '-'");
		return CA_ERR_INVALID_ARG;
	}
	if (req->purpose == NULL || *req->purpose == '\0' ||
	    req->script_path == NULL || req->approval == NULL ||
	    *req->approval == '\0' || req->location == NULL ||
	    *req->location == '\0') {
		ca_errf(eb, "a ceremony needs its purpose, script, approval "
		    "reference and location");
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < req->nroster; i++) {
		if (strcmp(req->roster[i].role, CA_ROLE_WITNESS) == 0)
			witness++;
		if (strcmp(req->roster[i].role, CA_ROLE_CUSTODIAN) == 0)
			custodian++;
	}
	/* BR 6.1.1.1: the key ceremony is witnessed. */
	if (witness == 0 || custodian == 0) {
		ca_errf(eb, "the roster needs at least one witness and one key "
		    "custodian (--person witness:NAME, custodian:NAME)");
		return CA_ERR_INVALID_ARG;
	}
	/* Optional fields, when given, say something. */
	if ((req->hsm_model != NULL && *req->hsm_model == '\0') ||
	    (req->hsm_serial != NULL && *req->hsm_serial == '\0') ||
	    (req->token_serial != NULL && *req->token_serial == '\0') ||
	    (req->laptop != NULL && *req->laptop == '\0')) {
		ca_errf(eb, "an equipment field was given empty");
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < req->nbags; i++)
		if (req->bags[i][0] == '\0') {
			ca_errf(eb, "a bag number was given empty");
			return CA_ERR_INVALID_ARG;
		}
	if (req->os_image_sha256 != NULL &&
	    (strlen(req->os_image_sha256) != 64 ||
	    !ca_is_lower_hex(req->os_image_sha256))) {
		ca_errf(eb, "the OS image hash must be 64 lowercase hex digits");
		return CA_ERR_INVALID_ARG;
	}
	if ((r = ca_read_file(req->script_path, 16 << 20, &script, &len,
	    eb)) != 0)
		return r;
	ca_sha256_hex(script, len, h);

	/* 2. The CA, and no ceremony open in it already. */
	if ((r = begin(req->dir, "ceremony-open", s, &d, &people, &body,
	    eb)) != 0)
		goto out;
	if (d->ceremony[0] != '\0') {
		ca_errf(eb, "ceremony \"%s\" is still open; seal it first",
		    d->ceremony);
		r = CA_ERR_EXISTS;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if ((c = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:[]}", "id",
	    req->id, "purpose", req->purpose, "script", "file",
	    req->script_path, "sha256", h, "approval", req->approval,
	    "location", req->location, "roster")) == NULL)
		goto out;
	for (i = 0; i < req->nroster; i++)
		if ((v = json_pack("{s:s, s:s}", "role", req->roster[i].role,
		    "name", req->roster[i].name)) == NULL ||
		    json_array_append_new(json_object_get(c, "roster"), v) != 0)
			goto out;
	if ((eq = json_object()) == NULL ||
	    json_object_set_new(c, "equipment", eq) != 0 ||
	    put_str(eq, "hsm_model", req->hsm_model) != 0 ||
	    put_str(eq, "hsm_serial", req->hsm_serial) != 0 ||
	    put_str(eq, "token_serial", req->token_serial) != 0 ||
	    put_str(eq, "laptop", req->laptop) != 0 ||
	    put_str(eq, "os_image_sha256", req->os_image_sha256) != 0 ||
	    json_object_set_new(eq, "bags", json_array()) != 0)
		goto out;
	for (i = 0; i < req->nbags; i++)
		if (req->bags[i][0] == '\0' || json_array_append_new(
		    json_object_get(eq, "bags"), json_string(req->bags[i])) !=
		    0)
			goto out;
	/* Names and statements are recorded as given: within the profile. */
	if (!ca_json_check(c, eb)) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (json_object_set_new(body, "ceremony_open", c) != 0) {
		c = NULL;
		goto out;
	}
	c = NULL;
	if (json_object_set_new(body, "ceremony", json_string(req->id)) != 0 ||
	    json_object_set_new(body, "inputs", json_pack("[o]",
	    ca_rec_file(req->script_path, script, len))) != 0)
		goto out;
	if (json_object_set_new(body, "params", json_pack("{s:s}", "dir",
	    req->dir)) != 0 ||
	    json_object_set_new(body, "outputs", json_array()) != 0 ||
	    json_object_set_new(body, "result", json_string("ok")) != 0)
		goto out;
	r = ca_dir_append(d, body, NULL, 0, head, eb);
out:
	free(script);
	json_decref(c);
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}

/* The role of name on the open ceremony's roster, or NULL. */
static const char *
roster_role(struct ca_dir *d, const char *name, json_t **open,
    struct ca_errbuf *eb)
{
	char *logdir, h[65];
	const json_t *p;
	size_t i;

	*open = NULL;
	if (d->ceremony[0] == '\0' ||
	    (logdir = ca_path_join(d->path, CA_DIR_LOG)) == NULL)
		return NULL;
	if (ca_log_record_read(logdir, d->ceremony_seq, open, h, NULL, NULL,
	    eb) != 0) {
		free(logdir);
		return NULL;
	}
	free(logdir);
	json_array_foreach(json_object_get(json_object_get(json_object_get(
	    *open, "body"), "ceremony_open"), "roster"), i, p)
		if (json_string_value(json_object_get(p, "name")) != NULL &&
		    strcmp(json_string_value(json_object_get(p, "name")),
		    name) == 0)
			return json_string_value(json_object_get(p, "role"));
	return NULL;
}

static int
statement(const char *dir, const char *op, const char *member,
    const char *who, json_t *what, const struct ca_session *s,
    char head[65], struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	json_t *people = NULL, *body = NULL, *open = NULL;
	const char *role;
	int r;

	if ((r = begin(dir, op, s, &d, &people, &body, eb)) != 0)
		goto out;
	if (d->ceremony[0] == '\0') {
		ca_errf(eb, "no ceremony is open in \"%s\"; open one first",
		    dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	if ((role = roster_role(d, who, &open, eb)) == NULL) {
		ca_errf(eb, "\"%s\" is not on the roster of ceremony \"%s\"",
		    who, d->ceremony);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if (json_object_set_new(what, "role", json_string(role)) != 0)
		goto out;
	if (!ca_json_check(what, eb)) {
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (json_object_set(body, member, what) != 0)
		goto out;
	r = finish(d, body, json_pack("{s:s}", "dir", dir), head, eb);
out:
	json_decref(open);
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}

int
ca_ceremony_attest(const char *dir, const char *by, const char *text,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
{
	json_t *a;
	int r;

	if (by == NULL || *by == '\0' || text == NULL || *text == '\0') {
		ca_errf(eb, "an attestation needs who (--by) and what "
		    "(--statement)");
		return CA_ERR_INVALID_ARG;
	}
	if ((a = json_pack("{s:s, s:s}", "by", by, "statement", text)) == NULL)
		return CA_ERR_INVALID_ARG;	/* not UTF-8 */
	r = statement(dir, "ceremony-attest", "attestation", by, a, s, head,
	    eb);
	json_decref(a);
	return r;
}

int
ca_ceremony_deviation(const char *dir, const char *what, const char *why,
    const char *approved_by, const struct ca_session *s, char head[65],
    struct ca_errbuf *eb)
{
	json_t *a;
	int r;

	if (what == NULL || *what == '\0' || why == NULL || *why == '\0' ||
	    approved_by == NULL || *approved_by == '\0') {
		ca_errf(eb, "a deviation needs what differs (--what), why "
		    "(--why) and who approved it (--approved-by)");
		return CA_ERR_INVALID_ARG;
	}
	if ((a = json_pack("{s:s, s:s, s:s}", "what", what, "why", why,
	    "approved_by", approved_by)) == NULL)
		return CA_ERR_INVALID_ARG;
	r = statement(dir, "ceremony-deviation", "deviation", approved_by, a,
	    s, head, eb);
	json_decref(a);
	return r;
}

int
ca_ceremony_seal(const char *dir, const struct ca_session *s,
    struct ca_seal_result *res, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	json_t *people = NULL, *body = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = begin(dir, "ceremony-seal", s, &d, &people, &body, eb)) != 0)
		goto out;
	if (d->ceremony[0] == '\0') {
		ca_errf(eb, "no ceremony is open in \"%s\"", dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	/* The records it holds, its open through this seal. */
	res->records = d->head.seq + 1 - d->ceremony_seq + 1;
	snprintf(res->id, sizeof(res->id), "%s", d->ceremony);
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "ceremony_seal", json_pack("{s:s, s:I, "
	    "s:I, s:s}", "id", d->ceremony, "records",
	    (json_int_t)res->records, "opened_in", (json_int_t)d->ceremony_seq,
	    "head_before", d->head.hash)) != 0)
		goto out;
	if ((r = finish(d, body, json_pack("{s:s}", "dir", dir), res->head,
	    eb)) != 0)
		goto out;
	r = ca_words_encode_hex(res->head, res->words, sizeof(res->words));
out:
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}
