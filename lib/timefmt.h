/*
 * timefmt.h: RFC 3339 times and calendar durations, all in UTC.
 */
#ifndef CA_TIMEFMT_H
#define CA_TIMEFMT_H

#include <time.h>

#include "ca_err.h"

/* ca_time_rfc3339: format t as "YYYY-MM-DDTHH:MM:SSZ" into out[21]. */
int ca_time_rfc3339(time_t t, char out[21]) CA_MUST_CHECK;

/*
 * ca_time_generalized: format t as GeneralizedTime "YYYYMMDDHHMMSSZ" into
 * out[16], the form of the revocation index, which the CRL writer turns
 * into UTCTime or GeneralizedTime.  t must lie in years 1000 to 9999, or
 * the digits do not fit.
 */
void ca_time_generalized(time_t t, char out[16]);

/*
 * ca_time_parse: parse exactly "YYYY-MM-DDTHH:MM:SSZ" (the only form the
 * ceremony log uses) into *t.  CA_ERR_INVALID_ARG.
 */
int ca_time_parse(const char *s, time_t *t) CA_MUST_CHECK;

/*
 * A calendar duration such as "25y", "12m", "397d" or "1y6m".  Years and
 * months move the calendar date (a 29 February lands on 28 February);
 * days are 86400 seconds.
 */
struct ca_duration {
	int years, months, days;
};

/*
 * ca_duration_parse: parse one or more NUMBER UNIT pairs, units y, m, d,
 * each at most once and in that order, total nonzero and under 100 years.
 * CA_ERR_INVALID_ARG.
 */
int ca_duration_parse(const char *s, struct ca_duration *d) CA_MUST_CHECK;

/* ca_time_add: *out = t + d.  CA_ERR_INVALID_ARG on overflow. */
int ca_time_add(time_t t, const struct ca_duration *d, time_t *out)
    CA_MUST_CHECK;

/* ca_duration_set: 1 when d is not all zero. */
int ca_duration_set(const struct ca_duration *d);

/*
 * ca_duration_format: d as ca_duration_parse reads it ("25y", "1y6m",
 * "30d"; zero parts left out) into out[48].
 */
void ca_duration_format(const struct ca_duration *d, char out[48]);

#endif
