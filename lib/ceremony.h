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

#include "ca_err.h"
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
 * ca_ceremony_open: record a "ceremony-open" in the CA directory.  The
 * roster must name at least one internal witness and one key custodian.
 * CA_ERR_EXISTS when a ceremony is open already, CA_ERR_INVALID_ARG, and
 * those of ca_dir_open and ca_dir_login.  head gets the new log head.
 */
int ca_ceremony_open(const struct ca_open_req *req,
    const struct ca_session *s, char head[65], struct ca_errbuf *eb)
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

#endif
