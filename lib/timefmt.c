#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int
ca_time_rfc3339(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return CA_ERR_INVALID_ARG;
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return CA_ERR_INVALID_ARG;
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return CA_ERR_INVALID_ARG;
	return 0;
}

void
ca_time_generalized(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%SZ", &tm);
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
ca_time_parse(const char *s, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return CA_ERR_INVALID_ARG;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &se))
		return CA_ERR_INVALID_ARG;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return CA_ERR_INVALID_ARG;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = timegm(&tm);
	return 0;
}

int
ca_duration_parse(const char *s, struct ca_duration *d)
{
	const char *p = s;
	int seen = 0, order = 0;
	long v;

	memset(d, 0, sizeof(*d));
	if (*p == '\0')
		return CA_ERR_INVALID_ARG;
	while (*p != '\0') {
		int unit;

		if (!isdigit((unsigned char)*p))
			return CA_ERR_INVALID_ARG;
		v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p++ - '0');
			if (v > 36600)
				return CA_ERR_INVALID_ARG;
		}
		switch (*p++) {
		case 'y': unit = 1; d->years = (int)v; break;
		case 'm': unit = 2; d->months = (int)v; break;
		case 'd': unit = 3; d->days = (int)v; break;
		default: return CA_ERR_INVALID_ARG;
		}
		if (unit <= order)
			return CA_ERR_INVALID_ARG;
		order = unit;
		seen = 1;
	}
	if (!seen || (d->years == 0 && d->months == 0 && d->days == 0))
		return CA_ERR_INVALID_ARG;
	/* Under 100 years, a month counted as its mean 30.44 days. */
	if (((d->years * 12L + d->months) * 3044 + 99) / 100 + d->days >=
	    36525)
		return CA_ERR_INVALID_ARG;
	return 0;
}

int
ca_time_add(time_t t, const struct ca_duration *d, time_t *out)
{
	struct tm tm;
	long mon;
	time_t res;
	int y, m, dim;

	if (gmtime_r(&t, &tm) == NULL)
		return CA_ERR_INVALID_ARG;
	mon = (long)tm.tm_mon + d->months + 12L * d->years;
	/*
	 * Floored, not truncated: a negative duration (the CRL margin
	 * counts back from nextUpdate) can reach into an earlier year.
	 */
	y = tm.tm_year + 1900 + (int)(mon >= 0 ? mon / 12 :
	    -((-mon + 11) / 12));
	m = (int)((mon % 12 + 12) % 12) + 1;
	dim = days_in_month(y, m);
	if (tm.tm_mday > dim)
		tm.tm_mday = dim;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	res = timegm(&tm) + (time_t)d->days * 86400;
	/* RFC 3339 and GeneralizedTime stop at 9999-12-31T23:59:59Z. */
	if (y > 9999 || res > (time_t)253402300799LL)
		return CA_ERR_INVALID_ARG;
	*out = res;
	return 0;
}

int
ca_duration_set(const struct ca_duration *d)
{
	return d->years != 0 || d->months != 0 || d->days != 0;
}

void
ca_duration_format(const struct ca_duration *d, char out[48])
{
	size_t n = 0;

	out[0] = '\0';
	if (d->years)
		n += (size_t)snprintf(out + n, 48 - n, "%dy", d->years);
	if (d->months)
		n += (size_t)snprintf(out + n, 48 - n, "%dm", d->months);
	if (d->days)
		snprintf(out + n, 48 - n, "%dd", d->days);
}
