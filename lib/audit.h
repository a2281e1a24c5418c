/*
 * audit.h: verifying a CA directory end to end from its files alone (the
 * operation behind ca-audit(1)).
 *
 * The audit never stops at the first problem: every check runs, and each
 * problem becomes a finding with a severity, the record it concerns and a
 * one-line reason.  It streams the log: memory does not grow with the
 * number of records or of issued certificates (the few lists below are
 * bounded, and say how much they left out).
 */
#ifndef CA_AUDIT_H
#define CA_AUDIT_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"

enum ca_severity {
	CA_SEV_INFO = 0,	/* worth knowing; does not fail the audit */
	CA_SEV_WARNING,		/* fails the audit: a weakness */
	CA_SEV_ERROR,		/* fails the audit: evidence is wrong */
};

struct ca_finding {
	enum ca_severity sev;
	long long seq;			/* the record, or 0 */
	char check[24];			/* short name: "signature", "prev" */
	char file[160];			/* the file concerned, or "" */
	char reason[240];		/* one line */
};

/* One ceremony: consecutive records less than 12 hours apart. */
struct ca_audit_ceremony {
	long long first_seq, last_seq;
	char first_time[21], last_time[21];
	char ops[160];			/* "init-root, sign-sub x3" */
	char operator_[96];
	int witnesses;			/* most named in any of its records */
};

/* A CA certificate this CA issued (sign-sub, cross-certify). */
struct ca_audit_sub {
	long long seq;
	char serial[41];
	char subject[200];
	char not_after[21];
	char zone[64];			/* IEC 62443 zone, or "" */
	int security_level;		/* 0: none (an IT issuing CA) */
	int cross;
	int revoked;
	int name_constrained;
};

/* One axis of the posture chart, 0 to 100; ca-audit(1) gives the rules. */
struct ca_audit_score {
	char axis[32];
	int score;
	char why[160];
};

#define CA_AUDIT_MAX_FINDINGS 500
#define CA_AUDIT_MAX_CEREMONIES 200
#define CA_AUDIT_MAX_SUBS 64
#define CA_AUDIT_NSCORES 7

struct ca_audit_req {
	const char *dir;
	const char *anchor;		/* SHA-256 of the root, from paper */
	const char *expect_head;	/* head hash from paper, or NULL */
	time_t now;
	int device_lifetime_years;	/* for the validity axis; 0: 25 */
	/*
	 * The SHA-256 of each binary the records may name, rebuilt from
	 * the published source (nbinaries 0: not checked).  Any record made
	 * by another binary, or naming none, is an error.
	 */
	const char *const *binaries;
	size_t nbinaries;
};

struct ca_audit {
	/* What was audited, and when. */
	char dir[4096];
	time_t now;
	char kind[8];			/* "root", "sub", or "" */
	char ca_subject[256], root_subject[256];
	char ca_fingerprint[65], root_fingerprint[65];
	char ca_not_before[21], ca_not_after[21];
	char algorithm[16];
	int anchored;			/* the anchor matched */
	/* The log. */
	long long records;
	char log_id[65], head[65];
	int head_checked;		/* 1 matched, -1 differs, 0 not given */
	/* The state derived from it. */
	long long issued, revoked, crls;
	unsigned long long crl_number;
	char crl_this_update[21], crl_next_update[21];
	long long revoked_pending;	/* revocations after the newest CRL
					 * (or, with no CRL, all of them) */
	/* Findings, ceremonies (the newest), CA certificates issued. */
	struct ca_finding *findings;
	size_t nfindings;
	long long findings_dropped;
	int worst;			/* highest severity found, or -1 */
	struct ca_audit_ceremony ceremonies[CA_AUDIT_MAX_CEREMONIES];
	size_t nceremonies;
	long long ceremonies_total;
	struct ca_audit_sub subs[CA_AUDIT_MAX_SUBS];
	size_t nsubs;
	long long subs_total;
	struct ca_audit_score scores[CA_AUDIT_NSCORES];
	/* How much was checked, for the benchmark. */
	long long signatures_verified;
};

/*
 * ca_audit_run: audit the CA directory req->dir as ca-audit(1) describes.
 * Findings do not make it fail: it returns 0 with *out filled (caller
 * frees with ca_audit_free), or a negative code when the audit could not
 * run at all (CA_ERR_NOT_FOUND for a folder that is no CA directory,
 * CA_ERR_NOMEM).
 */
int ca_audit_run(const struct ca_audit_req *req, struct ca_audit **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/* ca_audit_free: accepts NULL. */
void ca_audit_free(struct ca_audit *a);

/* ca_audit_passed: 1 when no finding is a warning or an error. */
int ca_audit_passed(const struct ca_audit *a);

/* ca_severity_name: "info", "warning" or "error". */
const char *ca_severity_name(enum ca_severity s);

/*
 * ca_audit_json: the audit as a JSON document (ca-audit(1) describes
 * it), a new NUL-terminated buffer; caller frees with free().
 * CA_ERR_NOMEM.
 */
int ca_audit_json(const struct ca_audit *a, char **out, size_t *len)
    CA_MUST_CHECK;

/*
 * ca_audit_html: the audit as one self-contained HTML page (no external
 * scripts, fonts or images): hierarchy, timeline, CRL runway, findings
 * and an inline SVG posture chart, as of a->now.  A new buffer; caller
 * frees with free().  CA_ERR_INVALID_ARG for NULL arguments, CA_ERR_NOMEM.
 */
int ca_audit_html(const struct ca_audit *a, char **out, size_t *len)
    CA_MUST_CHECK;

struct ca_plan;
struct ca_site;

/*
 * ca_audit_html_plan: ca_audit_html with a "Replacement plan" section
 * after the CRL runway: plan (plan.h) for site's maintenance windows, as
 * a timeline from a->now (each item's life, the site's windows, the
 * window to replace it in) and a table with the warnings.  plan NULL:
 * no such section.
 */
int ca_audit_html_plan(const struct ca_audit *a, const struct ca_plan *plan,
    const struct ca_site *site, char **out, size_t *len) CA_MUST_CHECK;

#endif
