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
#include "recover.h"
#include "shares.h"
#include "split.h"
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

/*
 * Text from the command line failed the record profile: eb holds the JSON
 * path, which means little to whoever typed it, so say what to do.
 */
static void
bad_text(struct ca_errbuf *eb)
{
	char path[sizeof(eb->msg)];

	snprintf(path, sizeof(path), "%s", eb->msg);
	ca_errf(eb, "text given on the command line holds a control "
	    "character or is not UTF-8 (%s); type it again as plain text",
	    path);
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

static int begin_pin(const char *, const char *, const struct ca_session *,
    const char *, struct ca_dir **, json_t **, json_t **,
    struct ca_errbuf *);

/* The body every ceremony record shares, with the token logged in. */
static int
begin(const char *dir, const char *op, const struct ca_session *s,
    struct ca_dir **d, json_t **people, json_t **body, struct ca_errbuf *eb)
{
	return begin_pin(dir, op, s, NULL, d, people, body, eb);
}

/*
 * As begin, for a re-split: the PIN is kept in (*d)->pin, and shares_out
 * must be new (ca_path_new), checked once the CA is open, so that an
 * interrupted run is reported first, and before the PIN is asked for.
 */
static int
begin_pin(const char *dir, const char *op, const struct ca_session *s,
    const char *shares_out, struct ca_dir **d, json_t **people,
    json_t **body, struct ca_errbuf *eb)
{
	int r;

	*d = NULL;
	*people = *body = NULL;
	if ((r = ca_rec_people(s->operator_, s->witnesses, s->nwitnesses,
	    people, eb)) != 0 ||
	    /* A subordinate's ceremonies begin before it is installed. */
	    (r = ca_dir_open_flags(dir, CA_DIR_PENDING |
	    CA_DIR_TOKEN, d, eb)) != 0)
		return r;
	/* The clock is checked before the PIN is asked for. */
	if ((r = ca_log_body_new(&(*d)->head, s->now, op, body, eb)) != 0)
		return r;
	json_decref(*body);
	*body = NULL;
	if (shares_out != NULL && (r = ca_path_new(shares_out, eb)) != 0) {
		if (r != CA_ERR_NOMEM)
			ca_err_suffix(eb, "give a new folder for the shares");
		return r;
	}
	(*d)->keep_pin = shares_out != NULL;
	if ((r = ca_dir_login(*d, s->pin_source, s->prompt, s->prompt_arg,
	    eb)) != 0)
		return r;
	return ca_dir_body(*d, s->prog, op, s->now, *people, body, eb);
}

/*
 * The "ceremony_open" object req describes, checked: the roster needs a
 * witness and at least min_custodians key custodians.  *script gets the
 * script's bytes (caller frees), whose hash the object holds.
 */
static int
describe(const struct ca_open_req *req, int min_custodians, json_t **out,
    unsigned char **script, size_t *len, struct ca_errbuf *eb)
{
	json_t *c = NULL, *v, *eq;
	size_t i, j;
	char h[65];
	int r, witness = 0, custodian = 0;

	*out = NULL;
	*script = NULL;
	*len = 0;
	if (req->id == NULL || !id_ok(req->id)) {
		ca_errf(eb, "ceremony id must be 1 to 64 letters, digits, '.', "
		    "'_' or '-'");
		return CA_ERR_INVALID_ARG;
	}
	if (req->purpose == NULL || *req->purpose == '\0' ||
	    req->script_path == NULL || *req->script_path == '\0' ||
	    req->approval == NULL || *req->approval == '\0' ||
	    req->location == NULL || *req->location == '\0') {
		ca_errf(eb, "a ceremony needs its purpose, script, approval "
		    "reference and location");
		return CA_ERR_INVALID_ARG;
	}
	for (i = 0; i < req->nroster; i++) {
		if (req->roster[i].name == NULL ||
		    *req->roster[i].name == '\0') {
			ca_errf(eb, "a roster entry has no name");
			return CA_ERR_INVALID_ARG;
		}
		/* One person, one role: a name is who signs the paper. */
		for (j = 0; j < i; j++)
			if (strcmp(req->roster[i].name, req->roster[j].name) ==
			    0) {
				ca_errf(eb, "\"%s\" is on the roster twice; "
				    "each person takes one role",
				    req->roster[i].name);
				return CA_ERR_INVALID_ARG;
			}
		if (strcmp(req->roster[i].role, CA_ROLE_WITNESS) == 0)
			witness++;
		if (strcmp(req->roster[i].role, CA_ROLE_CUSTODIAN) == 0)
			custodian++;
	}
	if (min_custodians < 1)
		min_custodians = 1;
	/* BR 6.1.1.1: the key ceremony is witnessed. */
	if (witness == 0 || custodian < min_custodians) {
		ca_errf(eb, "the roster needs at least one witness and %d key "
		    "custodian%s (--person witness:NAME, custodian:NAME); it "
		    "has %d and %d", min_custodians, min_custodians == 1 ? "" :
		    "s", witness, custodian);
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
		ca_errf(eb, "the OS image hash must be "
		    "64 lowercase hex digits");
		return CA_ERR_INVALID_ARG;
	}
	if ((r = ca_read_file(req->script_path, 16 << 20, script, len,
	    eb)) != 0)
		return r;
	ca_sha256_hex(*script, *len, h);

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
		if (json_array_append_new(json_object_get(eq, "bags"),
		    json_string(req->bags[i])) != 0)
			goto out;
	/* Names and statements are recorded as given: within the profile. */
	if (!ca_json_check(c, eb)) {
		bad_text(eb);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	*out = c;
	c = NULL;
	r = 0;
out:
	json_decref(c);
	if (r != 0) {
		free(*script);
		*script = NULL;
	}
	return r;
}

int
ca_ceremony_open(const struct ca_open_req *req, const struct ca_session *s,
    char head[65], struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	json_t *people = NULL, *body = NULL, *c = NULL;
	unsigned char *script = NULL;
	size_t len = 0;
	int r;

	/* 1. Inputs. */
	if ((r = describe(req, 1, &c, &script, &len, eb)) != 0)
		return r;

	/* 2. The CA, and no ceremony open in it already. */
	if ((r = begin(req->dir, "ceremony-open", s, &d, &people, &body,
	    eb)) != 0)
		goto out;
	if (d->ceremony[0] != '\0') {
		ca_errf(eb, "ceremony \"%s\" is still open; seal it (or "
		    "abort it) first", d->ceremony);
		r = CA_ERR_EXISTS;
		goto out;
	}
	r = CA_ERR_NOMEM;
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

int
ca_ceremony_plan(const struct ca_open_req *req, const char *path,
    struct ca_errbuf *eb)
{
	json_t *c = NULL;
	unsigned char *script = NULL;
	char *canon = NULL;
	size_t len = 0, clen = 0;
	int r;

	if ((r = describe(req, 1, &c, &script, &len, eb)) != 0)
		return r;
	if ((r = ca_json_canon(c, &canon, &clen, eb)) != 0)
		goto out;
	canon[clen] = '\n';	/* over the NUL: written with its length */
	r = ca_write_file_atomic(path, canon, clen + 1, 0644, 1, eb);
	if (r == CA_ERR_EXISTS)
		ca_errf(eb, "\"%s\" exists; choose another name for the plan",
		    path);
out:
	free(canon);
	free(script);
	json_decref(c);
	return r;
}

/* A string member of o, or NULL; *bad is set when present but no string. */
static const char *
opt_str(const json_t *o, const char *k, int *bad)
{
	const json_t *v = json_object_get(o, k);

	if (v != NULL && !json_is_string(v))
		*bad = 1;
	return json_string_value(v);
}

int
ca_ceremony_plan_load(const char *path, int min_custodians, json_t **out,
    json_t **script_file, struct ca_errbuf *eb)
{
	struct ca_open_req req;
	struct ca_person *roster = NULL;
	const char **bags = NULL;
	unsigned char *buf = NULL, *script = NULL;
	size_t len = 0, slen = 0, i;
	json_t *plan = NULL, *again = NULL, *p;
	const json_t *eq, *ros, *bg;
	const char *want;
	char h[65];
	int r, bad = 0;

	*out = NULL;
	*script_file = NULL;
	memset(&req, 0, sizeof(req));
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0)
		return r;
	if ((r = ca_json_parse_loose((const char *)buf, len, &plan, eb)) != 0) {
		ca_err_prefix(eb, "ceremony plan \"%s\"", path);
		goto out;
	}
	r = CA_ERR_INVALID_ARG;
	ros = json_object_get(plan, "roster");
	eq = json_object_get(plan, "equipment");
	bg = json_object_get(eq, "bags");
	if (!json_is_object(plan) || !json_is_array(ros) ||
	    !json_is_object(eq) || !json_is_array(bg)) {
		ca_errf(eb, "ceremony plan \"%s\": not an object with a "
		    "roster and equipment; write it with ca-ceremony plan",
		    path);
		goto out;
	}
	req.id = opt_str(plan, "id", &bad);
	req.purpose = opt_str(plan, "purpose", &bad);
	req.script_path = opt_str(json_object_get(plan, "script"), "file",
	    &bad);
	want = opt_str(json_object_get(plan, "script"), "sha256", &bad);
	req.approval = opt_str(json_object_get(plan, "script"), "approval",
	    &bad);
	req.location = opt_str(plan, "location", &bad);
	req.hsm_model = opt_str(eq, "hsm_model", &bad);
	req.hsm_serial = opt_str(eq, "hsm_serial", &bad);
	req.token_serial = opt_str(eq, "token_serial", &bad);
	req.laptop = opt_str(eq, "laptop", &bad);
	req.os_image_sha256 = opt_str(eq, "os_image_sha256", &bad);
	r = CA_ERR_NOMEM;
	if ((roster = calloc(json_array_size(ros) + 1, sizeof(*roster))) ==
	    NULL || (bags = calloc(json_array_size(bg) + 1, sizeof(*bags))) ==
	    NULL)
		goto out;
	r = CA_ERR_INVALID_ARG;
	json_array_foreach(ros, i, p) {
		const char *role = opt_str(p, "role", &bad);
		size_t k;

		roster[i].name = opt_str(p, "name", &bad);
		for (k = 0; role != NULL && k < sizeof(roles) /
		    sizeof(roles[0]); k++)
			if (strcmp(role, roles[k]) == 0)
				roster[i].role = roles[k];
		if (roster[i].role == NULL || roster[i].name == NULL) {
			ca_errf(eb, "ceremony plan \"%s\": roster entry %zu "
			    "needs a role (administrator, witness, custodian "
			    "or auditor) and a name", path, i + 1);
			goto out;
		}
	}
	req.roster = roster;
	req.nroster = json_array_size(ros);
	json_array_foreach(bg, i, p)
		if ((bags[i] = json_string_value(p)) == NULL)
			bad = 1;
	req.bags = bags;
	req.nbags = json_array_size(bg);
	if (bad || want == NULL) {
		ca_errf(eb, "ceremony plan \"%s\": a member is missing or not "
		    "a string", path);
		goto out;
	}
	/* The same checks as the open itself, and the script rehashed. */
	if ((r = describe(&req, min_custodians, &again, &script, &slen,
	    eb)) != 0) {
		ca_err_prefix(eb, "ceremony plan \"%s\"", path);
		goto out;
	}
	ca_sha256_hex(script, slen, h);
	r = CA_ERR_INVALID_ARG;
	if (strcmp(h, want) != 0) {
		ca_errf(eb, "the script \"%s\" has changed since ceremony plan "
		    "\"%s\" was written (its SHA-256 is now %.16s...); use "
		    "the approved script", req.script_path, path, h);
		goto out;
	}
	/* Nothing in the plan that the record would not say. */
	if (!json_equal(again, plan)) {
		ca_errf(eb, "ceremony plan \"%s\" holds members ca-ceremony "
		    "does not know; write it with ca-ceremony plan", path);
		goto out;
	}
	r = CA_ERR_NOMEM;
	if ((*script_file = ca_rec_file(req.script_path, script, slen)) ==
	    NULL)
		goto out;
	*out = again;
	again = NULL;
	r = 0;
out:
	free(roster);
	free(bags);
	free(buf);
	free(script);
	json_decref(plan);
	json_decref(again);
	return r;
}

const json_t *
ca_ceremony_roster(struct ca_dir *d, json_t **open, struct ca_errbuf *eb)
{
	char *logdir, h[65];
	int r;

	*open = NULL;
	if (d->ceremony[0] == '\0' ||
	    (logdir = ca_path_join(d->path, CA_DIR_LOG)) == NULL)
		return NULL;
	r = ca_log_record_read(logdir, d->ceremony_seq, open, h, NULL, NULL,
	    eb);
	free(logdir);
	if (r != 0)
		return NULL;
	return json_object_get(json_object_get(json_object_get(*open,
	    "body"), "ceremony_open"), "roster");
}

/* The role of name on the open ceremony's roster, or NULL. */
static const char *
roster_role(struct ca_dir *d, const char *name, json_t **open,
    struct ca_errbuf *eb)
{
	const json_t *roster, *p;
	size_t i;

	/* Once: json_array_foreach evaluates its array on every turn. */
	roster = ca_ceremony_roster(d, open, eb);
	json_array_foreach(roster, i, p)
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
		ca_errf(eb, "\"%s\" is not on the roster of ceremony \"%s\"; "
		    "give the name exactly as its --person gave it at "
		    "ca-ceremony open", who, d->ceremony);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	r = CA_ERR_NOMEM;
	if (json_object_set_new(what, "role", json_string(role)) != 0)
		goto out;
	if (!ca_json_check(what, eb)) {
		bad_text(eb);
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (json_object_set(body, member, what) != 0)
		goto out;
	r = ca_dir_finish(d, body, json_pack("{s:s}", "dir", dir), NULL, NULL,
	    0, head, eb);
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
ca_ceremony_abort(const char *dir, const char *why, const char *by,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
{
	json_t *a;
	int r;

	if (why == NULL || *why == '\0' || by == NULL || *by == '\0') {
		ca_errf(eb, "an abort needs why (--why) and who on the roster "
		    "decided it (--by)");
		return CA_ERR_INVALID_ARG;
	}
	if ((a = json_pack("{s:s, s:s}", "why", why, "by", by)) == NULL)
		return CA_ERR_INVALID_ARG;
	r = statement(dir, "ceremony-abort", "ceremony_abort", by, a, s, head,
	    eb);
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
		ca_errf(eb, "no ceremony is open in \"%s\", so there is "
		    "nothing to seal: it was sealed or aborted already, or "
		    "never opened", dir);
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
	if ((r = ca_dir_finish(d, body, json_pack("{s:s}", "dir", dir), NULL,
	    NULL, 0, res->head, eb)) != 0)
		goto out;
	r = ca_words_encode_hex(res->head, res->words, sizeof(res->words));
out:
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}

int
ca_ceremony_resplit(const char *dir, unsigned m, unsigned n,
    const char *shares_out, const struct ca_session *s,
    struct ca_resplit_result *res, struct ca_errbuf *eb)
{
	struct ca_dir *d = NULL;
	struct ca_split *sp = NULL;
	struct ca_dir_staged st = { 0 };
	json_t *people = NULL, *body = NULL, *open = NULL, *step = NULL;
	const json_t *roster;
	char about[256];
	int r, pin_set = 0;

	memset(res, 0, sizeof(*res));
	if (shares_out == NULL) {
		ca_errf(eb, "a re-split needs --shares-out FOLDER");
		return CA_ERR_INVALID_ARG;
	}
	if ((r = begin_pin(dir, "resplit", s, shares_out, &d, &people, &body,
	    eb)) != 0)
		goto out;
	if (d->pin == NULL) {
		/* A PIN pad's token keeps its PIN to itself. */
		ca_errf(eb, "this token logs in on its own PIN pad, whose PED "
		    "keys or cards do the splitting: change its custodians "
		    "with the token vendor's tools");
		r = CA_ERR_INVALID_ARG;
		goto out;
	}
	if (d->ceremony[0] == '\0') {
		ca_errf(eb, "no ceremony is open in \"%s\"; open one whose "
		    "roster names the new custodians", dir);
		r = CA_ERR_NOT_FOUND;
		goto out;
	}
	/* The shares go to the open ceremony's custodians, in its order. */
	if ((roster = ca_ceremony_roster(d, &open, eb)) == NULL) {
		r = CA_ERR_LOG;
		goto out;
	}
	/* Before anything is written: the PIN is the hex of its secret. */
	if ((r = ca_hsm_pin_fits(d->hsm, 2 * CA_SHARE_PIN_LEN,
	    "a PIN split among custodians", eb)) != 0 ||
	    (r = ca_split_new(m, n, CA_SHARE_PIN_LEN, roster, &sp, eb)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(body, "activation",
	    json_incref(sp->activation)) != 0 ||
	    (step = ca_step_set_pin(shares_out, sp->activation)) == NULL)
		goto out;
	/*
	 * The record and the journal first, then the shares, then the new
	 * PIN (recover.h): killed at any point, recovery finds out from the
	 * token whether the PIN changed, and the log follows it.  A failure
	 * sets the old PIN back, and the old shares still open the token.
	 */
	if ((r = ca_dir_stage(d, body, json_pack("{s:s, s:I, s:I}", "dir",
	    dir, "threshold", (json_int_t)m, "custodians", (json_int_t)n),
	    step, &st, eb)) != 0)
		goto out;
	snprintf(about, sizeof(about), "CA: \"%s\", token \"%s\" (serial "
	    "%s)", dir, ca_hsm_token_info(d->hsm)->label,
	    ca_hsm_token_info(d->hsm)->serial);
	if ((r = ca_split_write(sp, shares_out, "PIN", "open the token",
	    about, eb)) != 0 || (r = ca_dir_stage_begin(&st, eb)) != 0 ||
	    (r = ca_hsm_set_pin(d->hsm, d->pin, sp->secret, eb)) != 0)
		goto out;
	pin_set = 1;
	if ((r = ca_dir_stage_commit(&st, res->head, eb)) != 0)
		goto out;
	pin_set = 0;
	res->shares = n;
	snprintf(res->split, sizeof(res->split), "%s", json_string_value(
	    json_object_get(sp->activation, "split")));
	r = 0;
out:
	if (st.d != NULL) {
		if (pin_set && ca_hsm_set_pin(d->hsm, sp->secret, d->pin,
		    NULL) != 0) {
			/* The journal stays: recovery finishes the re-split. */
			ca_err_suffix(eb, "the token kept its new PIN: run "
			    "\"ca-log recover -d %s\", which finishes the "
			    "re-split, and keep the shares in \"%s\"", dir,
			    shares_out);
			r = CA_ERR_INTERRUPTED;
			ca_dir_stage_free(&st);
		} else if (ca_dir_stage_undo(&st, eb) != 0) {
			r = CA_ERR_INTERRUPTED;
		}
	}
	ca_split_free(sp);
	json_decref(step);
	json_decref(open);
	json_decref(people);
	json_decref(body);
	ca_dir_close(d);
	return r;
}
