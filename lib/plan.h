/*
 * plan.h: when each certificate and CRL of one or more CA directories
 * must be replaced, against a site's maintenance windows (windows.h), for
 * ca-plan(1).
 */
#ifndef CA_PLAN_H
#define CA_PLAN_H

#include <stddef.h>
#include <time.h>

#include "ca_err.h"
#include "timefmt.h"
#include "windows.h"

enum ca_plan_kind { CA_PLAN_CA, CA_PLAN_ISSUED, CA_PLAN_CRL };

struct ca_plan_item {
	enum ca_plan_kind kind;
	char dir[512];			/* the CA directory, as given */
	char subject[256];		/* the certificate's, or the CRL CA's */
	char serial[41];		/* or the CRL number, in decimal */
	time_t expiry;			/* notAfter, or the CRL's nextUpdate */
	/*
	 * A certificate: the last window over by expiry minus the margin,
	 * when one is (have_window).  A CRL: the next planned CRL ceremony
	 * (have_window, window empty).
	 */
	int have_window;
	char window[201];
	time_t wstart, wend;
	char warning[256];		/* "" when none */
};

struct ca_plan {
	struct ca_plan_item *items;
	size_t n, warnings;
};

/*
 * ca_plan_build: an item for each CA certificate (ca.pem), issued
 * certificate (issued/ *.pem) and newest CRL (crl/ *.der) of the ndirs
 * CA directories, in that order per directory, at time now.  A warning
 * when a certificate has no window left that is over by its expiry minus
 * margin (or it has expired), when it outlives the CA that issued it, and
 * when a CRL's nextUpdate comes before the next planned CRL ceremony (or
 * none is planned).  Caller frees with ca_plan_free.  CA_ERR_NOT_FOUND (a
 * folder that is no CA directory), CA_ERR_CRYPTO (a file that does not
 * parse), CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_plan_build(const char *const *dirs, size_t ndirs,
    const struct ca_windows *w, const struct ca_site *site,
    const struct ca_duration *margin, time_t now, struct ca_plan **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_plan_json: the plan as canonical JSON (ca-plan(1) --json): site,
 * margin, and items, each {kind, dir, subject, serial, expiry, window,
 * warning}.  Caller frees *out.  CA_ERR_NOMEM.
 */
int ca_plan_json(const struct ca_plan *p, const struct ca_site *site,
    const struct ca_duration *margin, char **out, size_t *len)
    CA_MUST_CHECK;

/* ca_plan_free: accepts NULL. */
void ca_plan_free(struct ca_plan *p);

#endif
