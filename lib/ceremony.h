/*
 * ceremony.h: the records a witnessed ceremony needs besides its
 * cryptographic operations (the operations behind ca-ceremony(1)).
 *
 * A ceremony is opened with its purpose, approved script, place, roster
 * and equipment; while it is open, every record carries its id; named
 * people attest, deviations from the script are written down with who
 * approved them; the seal closes it and gives the head to write on paper,
 * in hex and as PGP words to read aloud.
 */
#ifndef CA_CEREMONY_H
#define CA_CEREMONY_H

#include <stddef.h>

#include <jansson.h>

#include "ca_err.h"
#include "cadir.h"
#include "revoke.h"

/* Roster roles, as CA/B Forum BR 6.1.1.1 and WebTrust name them. */
#define CA_ROLE_ADMINISTRATOR "administrator"
#define CA_ROLE_WITNESS "witness"	/* the internal witness */
#define CA_ROLE_CUSTODIAN "custodian"	/* a key custodian */
#define CA_ROLE_AUDITOR "auditor"

struct ca_person {
	const char *role;
	const char *name;
};

struct ca_open_req {
	const char *dir;
	const char *id;			/* [A-Za-z0-9._-], 1 to 64 */
	const char *purpose;
	const char *script_path;	/* the approved script, hashed */
	const char *approval;		/* its approval reference */
	const char *location;
	const struct ca_person *roster;
	size_t nroster;
	/* Equipment, each may be NULL. */
	const char *hsm_model, *hsm_serial, *token_serial, *laptop;
	const char *os_image_sha256;
	const char *const *bags;	/* tamper-evident bag numbers */
	size_t nbags;
};

/*
 * ca_role_parse: "role:name" as typed into p (pointing into spec, whose
 * colon is replaced).  CA_ERR_INVALID_ARG for an unknown role or an
 * empty name.
 */
int ca_role_parse(char *spec, struct ca_person *p) CA_MUST_CHECK;

/*
 * ca_ceremony_open: record a "ceremony-open" in the CA directory (which
 * may be a subordinate still waiting for its certificate).  The roster
 * must name at least one internal witness and one key custodian, and
 * nobody twice.  CA_ERR_EXISTS when a ceremony is open already,
 * CA_ERR_INVALID_ARG, and those of ca_dir_open and ca_dir_login.  head
 * gets the new log head.
 */
int ca_ceremony_open(const struct ca_open_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_ceremony_plan: write the "ceremony_open" object req describes (as
 * ca_ceremony_open would record it, with the script's SHA-256) to path,
 * canonical JSON and a newline, for ca-init --ceremony: a new CA has no
 * log to open a ceremony in before its keys exist.  No token is used.
 * CA_ERR_EXISTS when path exists, CA_ERR_INVALID_ARG, CA_ERR_IO.
 */
int ca_ceremony_plan(const struct ca_open_req *req, const char *path,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_ceremony_plan_load: read the plan at path (as ca_ceremony_plan
 * writes it, or by hand in the same form), and check it as
 * ca_ceremony_open checks its request, with at least min_custodians key
 * custodians on the roster, and the script it names unchanged since.
 * *out gets the object to record as "ceremony_open", *script_file the
 * script's entry for the record's inputs; caller owns both.
 * CA_ERR_INVALID_ARG, CA_ERR_JSON, CA_ERR_NOT_FOUND, CA_ERR_IO.
 */
int ca_ceremony_plan_load(const char *path, int min_custodians,
    json_t **out, json_t **script_file, struct ca_errbuf *eb)
    CA_MUST_CHECK;

/*
 * ca_ceremony_attest: record that "by", a person on the open ceremony's
 * roster, states statement.  CA_ERR_NOT_FOUND when no ceremony is open
 * or by is not on its roster.
 */
int ca_ceremony_attest(const char *dir, const char *by,
    const char *statement, const struct ca_session *s, char head[65],
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_ceremony_deviation: record what differs from the script, why, and
 * who on the roster approved it.  As ca_ceremony_attest.
 */
int ca_ceremony_deviation(const char *dir, const char *what,
    const char *why, const char *approved_by, const struct ca_session *s,
    char head[65], struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_ceremony_abort: close the open ceremony without its seal, recording
 * why and who on its roster decided: for a ceremony that cannot go on,
 * so that the next can open.  As ca_ceremony_attest.
 */
int ca_ceremony_abort(const char *dir, const char *why, const char *by,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
    CA_MUST_CHECK;

struct ca_seal_result {
	char id[65];
	long long records;		/* from its open to its seal */
	char head[65];			/* after the seal */
	char words[400];		/* head as PGP words */
};

/*
 * ca_ceremony_seal: close the open ceremony with a "ceremony-seal" record
 * naming how many records it holds and the head they reached.
 * CA_ERR_NOT_FOUND when none is open.
 */
int ca_ceremony_seal(const char *dir, const struct ca_session *s,
    struct ca_seal_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_ceremony_roster: the roster of the ceremony open in d (after
 * ca_dir_login), from its opening record, which *open holds (caller
 * frees); NULL when none is open or the record cannot be read.
 */
const json_t *ca_ceremony_roster(struct ca_dir *d, json_t **open,
    struct ca_errbuf *eb);

/* What a re-split did. */
struct ca_resplit_result {
	unsigned shares;		/* share files written */
	char split[9];			/* the new split's id */
	char head[65];			/* after its record */
};

/*
 * ca_ceremony_resplit: change who holds the CA's PIN, as its own
 * recorded operation inside an open ceremony.  The old PIN (rebuilt from
 * the old shares, or typed when it was never split) logs in; a new random
 * PIN is split m of n among the open ceremony's first n custodians, the
 * share files go to shares_out (a new folder: ca_path_new, checked once
 * the CA is open, before the PIN is asked for), the token gets the new PIN
 * (C_SetPIN) and a "resplit" record with the new "activation" lands.
 * Should the record fail, the old PIN is set back and the new shares are
 * removed.  Refused for a PIN-pad token.  Those of ca_path_new,
 * ca_dir_login and ca_split_new, CA_ERR_NOT_FOUND when no ceremony is
 * open.
 */
int ca_ceremony_resplit(const char *dir, unsigned m, unsigned n,
    const char *shares_out, const struct ca_session *s,
    struct ca_resplit_result *res, struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
