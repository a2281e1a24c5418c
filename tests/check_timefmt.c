/* check_timefmt.c: RFC 3339 times and durations (lib/timefmt.c). */
#include "check_util.h"

#include "timefmt.h"

/* Parse an RFC 3339 time that must be valid. */
static time_t
at(const char *s)
{
	time_t t = 0;

	ck_assert_msg(ca_time_parse(s, &t) == CA_OK, "\"%s\" refused", s);
	return t;
}

/* ca_time_add(from, dur) must give want (all as strings). */
static void
add_is(const char *from, const char *dur, const char *want)
{
	struct ca_duration d;
	char out[21];
	time_t t = 0;

	ck_assert_msg(ca_duration_parse(dur, &d) == CA_OK, "\"%s\" refused",
	    dur);
	ck_assert_ok(ca_time_add(at(from), &d, &t));
	ck_assert_ok(ca_time_rfc3339(t, out));
	ck_assert_msg(strcmp(out, want) == 0, "%s + %s = %s, wanted %s", from,
	    dur, out, want);
}

/* A duration that must parse to y, m, d. */
static void
dur_is(const char *s, int y, int m, int d)
{
	struct ca_duration v;

	memset(&v, 0xff, sizeof(v));
	ck_assert_msg(ca_duration_parse(s, &v) == CA_OK, "\"%s\" refused", s);
	ck_assert_msg(v.years == y && v.months == m && v.days == d,
	    "\"%s\" read as %dy%dm%dd", s, v.years, v.months, v.days);
}

/* A duration that must be refused. */
static void
dur_refused(const char *s)
{
	struct ca_duration v;

	ck_assert_msg(ca_duration_parse(s, &v) == CA_ERR_INVALID_ARG,
	    "\"%s\" was not refused", s);
}

/* A time string that must be refused. */
static void
time_refused(const char *s)
{
	time_t t = 12345;

	ck_assert_msg(ca_time_parse(s, &t) == CA_ERR_INVALID_ARG,
	    "\"%s\" was not refused", s);
}

START_TEST(format_known_times)
{
	char out[21];

	ck_assert_ok(ca_time_rfc3339(0, out));
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	ck_assert_ok(ca_time_rfc3339(951782400, out));
	ck_assert_str_eq(out, "2000-02-29T00:00:00Z");
	ck_assert_ok(ca_time_rfc3339(1704112496, out));
	ck_assert_str_eq(out, "2024-01-01T12:34:56Z");
	ck_assert_ok(ca_time_rfc3339(-1, out));
	ck_assert_str_eq(out, "1969-12-31T23:59:59Z");
}
END_TEST

START_TEST(format_four_digit_years_only)
{
	char out[21];

	ck_assert_ok(ca_time_rfc3339((time_t)253402300799LL, out));
	ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
	ck_assert_err(ca_time_rfc3339((time_t)253402300800LL, out),
	    CA_ERR_INVALID_ARG);
	ck_assert_ok(ca_time_rfc3339((time_t)-30610224000LL, out));
	ck_assert_str_eq(out, "1000-01-01T00:00:00Z");
	/* strftime writes year 999 with three digits: refused, not cut. */
	ck_assert_err(ca_time_rfc3339((time_t)-30610224001LL, out),
	    CA_ERR_INVALID_ARG);
	ck_assert_err(ca_time_rfc3339((time_t)-62167219201LL, out),
	    CA_ERR_INVALID_ARG);
}
END_TEST

START_TEST(format_generalized)
{
	char out[16];

	ca_time_generalized(0, out);
	ck_assert_str_eq(out, "19700101000000Z");
	ca_time_generalized(at("2049-12-31T23:59:59Z"), out);
	ck_assert_str_eq(out, "20491231235959Z");
	ca_time_generalized(at("2050-01-01T00:00:00Z"), out);
	ck_assert_str_eq(out, "20500101000000Z");
	ca_time_generalized((time_t)253402300799LL, out);
	ck_assert_str_eq(out, "99991231235959Z");
}
END_TEST

START_TEST(parse_known_times)
{
	ck_assert(at("1970-01-01T00:00:00Z") == 0);
	ck_assert(at("2000-02-29T00:00:00Z") == 951782400);
	ck_assert(at("2024-01-01T12:34:56Z") == 1704112496);
	ck_assert(at("9999-12-31T23:59:59Z") == (time_t)253402300799LL);
}
END_TEST

START_TEST(parse_format_round_trip)
{
	static const char *in[] = { "1970-01-01T00:00:00Z",
	    "1999-12-31T23:59:59Z", "2024-02-29T23:59:59Z",
	    "2038-01-19T03:14:08Z", "2100-03-01T00:00:00Z" };
	char out[21];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_ok(ca_time_rfc3339(at(in[i]), out));
		ck_assert_str_eq(out, in[i]);
	}
}
END_TEST

START_TEST(parse_refuses_other_forms)
{
	time_refused("");
	time_refused("2024-01-01");
	time_refused("2024-01-01T00:00:00");
	/* UTC only, and only as "Z". */
	time_refused("2024-01-01T00:00:00+00:00");
	time_refused("2024-01-01T00:00:00+01:00");
	time_refused("2024-01-01T00:00:00-0000");
	time_refused("2024-01-01T00:00:00z");
	time_refused("2024-01-01t00:00:00Z");
	time_refused("2024-01-01 00:00:00Z");
	time_refused("2024-01-01T00:00:00.5Z");
	time_refused("2024-01-01T00:00:00Z ");
	time_refused(" 2024-01-01T00:00:00Z");
	time_refused("2024-1-01T00:00:00Z");
	time_refused("2024/01/01T00:00:00Z");
	time_refused("20240101T000000Z");
	time_refused("+024-01-01T00:00:00Z");
	time_refused("2024-0a-01T00:00:00Z");
	time_refused("2024-01-01T0 :00:00Z");
}
END_TEST

START_TEST(parse_refuses_impossible_dates)
{
	time_refused("2024-00-01T00:00:00Z");
	time_refused("2024-13-01T00:00:00Z");
	time_refused("2024-01-00T00:00:00Z");
	time_refused("2024-01-32T00:00:00Z");
	time_refused("2024-04-31T00:00:00Z");
	time_refused("2023-02-29T00:00:00Z");
	time_refused("2100-02-29T00:00:00Z");
	time_refused("2024-02-30T00:00:00Z");
	time_refused("2024-01-01T24:00:00Z");
	time_refused("2024-01-01T23:60:00Z");
	/* Leap seconds are not representable in time_t. */
	time_refused("2016-12-31T23:59:60Z");
	/* Before the epoch: the log never goes there. */
	time_refused("1969-12-31T23:59:59Z");
	time_refused("0000-01-01T00:00:00Z");
	/* Leap years: every fourth, not centuries, but every 400th. */
	ck_assert(at("2000-02-29T00:00:00Z") == 951782400);
	ck_assert(at("2024-02-29T00:00:00Z") == 1709164800);
}
END_TEST

START_TEST(duration_forms)
{
	dur_is("25y", 25, 0, 0);
	dur_is("6m", 0, 6, 0);
	dur_is("10d", 0, 0, 10);
	dur_is("397d", 0, 0, 397);
	dur_is("1y6m", 1, 6, 0);
	dur_is("20y10d", 20, 0, 10);
	dur_is("6m10d", 0, 6, 10);
	dur_is("25y6m10d", 25, 6, 10);
	dur_is("0y1d", 0, 0, 1);
	dur_is("007y", 7, 0, 0);
	dur_is("99y", 99, 0, 0);
	dur_is("1177m", 0, 1177, 0);
	dur_is("36499d", 0, 0, 36499);
}
END_TEST

START_TEST(duration_refused)
{
	dur_refused("");
	dur_refused("y");
	dur_refused("25");
	dur_refused("25Y");
	dur_refused("25x");
	dur_refused("25 y");
	dur_refused(" 25y");
	dur_refused("25y ");
	dur_refused("-1y");
	dur_refused("+1y");
	dur_refused("1.5y");
	dur_refused("1w");
	dur_refused("1h");
	/* Nonzero in total. */
	dur_refused("0y");
	dur_refused("0d");
	dur_refused("0y0m0d");
	/* Each unit once, y before m before d. */
	dur_refused("1y1y");
	dur_refused("1m1y");
	dur_refused("1d1m");
	dur_refused("10d6m25y");
	dur_refused("1y2m3d4d");
	/* Under 100 years. */
	dur_refused("100y");
	dur_refused("1200m");
	dur_refused("36600d");
	dur_refused("36601d");
	dur_refused("99999999999999999999y");
}
END_TEST

START_TEST(duration_bound_is_100_years)
{
	/*
	 * timefmt.h: "total nonzero and under 100 years".  These are all
	 * under 100 years whatever the start date.
	 */
	dur_is("99y11m", 99, 11, 0);
	dur_is("1199m", 0, 1199, 0);
	dur_is("98y6m", 98, 6, 0);
	dur_is("36000d", 0, 0, 36000);
	dur_refused("99y12m");
}
END_TEST

START_TEST(add_calendar_units)
{
	add_is("2024-01-01T12:34:56Z", "10d", "2024-01-11T12:34:56Z");
	add_is("2024-01-01T00:00:00Z", "25y", "2049-01-01T00:00:00Z");
	add_is("2024-11-15T08:00:00Z", "2m", "2025-01-15T08:00:00Z");
	add_is("2024-01-01T00:00:00Z", "25y6m10d", "2049-07-11T00:00:00Z");
	add_is("2024-12-31T23:59:59Z", "1d", "2025-01-01T23:59:59Z");
	add_is("2024-02-28T00:00:00Z", "1d", "2024-02-29T00:00:00Z");
	add_is("2024-03-15T00:00:00Z", "12m", "2025-03-15T00:00:00Z");
	add_is("2024-03-15T00:00:00Z", "25m", "2026-04-15T00:00:00Z");
}
END_TEST

START_TEST(add_clamps_month_ends)
{
	/* A 29 February lands on 28 February in a common year. */
	add_is("2024-02-29T10:00:00Z", "1y", "2025-02-28T10:00:00Z");
	add_is("2024-02-29T10:00:00Z", "4y", "2028-02-29T10:00:00Z");
	add_is("2096-02-29T00:00:00Z", "4y", "2100-02-28T00:00:00Z");
	add_is("2024-02-29T00:00:00Z", "12m", "2025-02-28T00:00:00Z");
	/* Days come after the clamp. */
	add_is("2024-02-29T00:00:00Z", "1y1d", "2025-03-01T00:00:00Z");
	add_is("2024-01-31T00:00:00Z", "1m", "2024-02-29T00:00:00Z");
	add_is("2023-01-31T00:00:00Z", "1m", "2023-02-28T00:00:00Z");
	add_is("2024-03-31T00:00:00Z", "1m", "2024-04-30T00:00:00Z");
	add_is("2024-08-31T00:00:00Z", "1m", "2024-09-30T00:00:00Z");
	add_is("2024-01-31T00:00:00Z", "2m", "2024-03-31T00:00:00Z");
}
END_TEST

/* Counting back, as the CRL margin does from nextUpdate. */
START_TEST(add_negative)
{
	struct ca_duration d;
	time_t t;
	char out[21];

	memset(&d, 0, sizeof(d));
	d.months = -2;
	ck_assert_ok(ca_time_add(at("2027-01-15T00:00:00Z"), &d, &t));
	ck_assert_ok(ca_time_rfc3339(t, out));
	ck_assert_str_eq(out, "2026-11-15T00:00:00Z");
	d.months = -13;
	ck_assert_ok(ca_time_add(at("2027-03-31T00:00:00Z"), &d, &t));
	ck_assert_ok(ca_time_rfc3339(t, out));
	ck_assert_str_eq(out, "2026-02-28T00:00:00Z");
	d.months = 0;
	d.days = -30;
	ck_assert_ok(ca_time_add(at("2027-01-15T00:00:00Z"), &d, &t));
	ck_assert_ok(ca_time_rfc3339(t, out));
	ck_assert_str_eq(out, "2026-12-16T00:00:00Z");
}
END_TEST

START_TEST(add_overflow)
{
	struct ca_duration d;
	time_t t;

	ck_assert_ok(ca_duration_parse("1y", &d));
	add_is("9998-12-31T00:00:00Z", "1y", "9999-12-31T00:00:00Z");
	ck_assert_err(ca_time_add(at("9999-06-01T00:00:00Z"), &d, &t),
	    CA_ERR_INVALID_ARG);
	ck_assert_ok(ca_duration_parse("7m", &d));
	ck_assert_err(ca_time_add(at("9999-06-01T00:00:00Z"), &d, &t),
	    CA_ERR_INVALID_ARG);
	/*
	 * Days can carry past 9999 too; the result could not be written
	 * as an RFC 3339 time (nor as a GeneralizedTime).
	 */
	ck_assert_ok(ca_duration_parse("1d", &d));
	ck_assert_err(ca_time_add(at("9999-12-31T00:00:00Z"), &d, &t),
	    CA_ERR_INVALID_ARG);
	ck_assert_ok(ca_duration_parse("31d", &d));
	ck_assert_err(ca_time_add(at("9999-12-01T00:00:00Z"), &d, &t),
	    CA_ERR_INVALID_ARG);
}
END_TEST

static Suite *
timefmt_suite(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tt = tcase_create("time");
	TCase *td = tcase_create("duration");

	tcase_add_test(tt, format_known_times);
	tcase_add_test(tt, format_four_digit_years_only);
	tcase_add_test(tt, format_generalized);
	tcase_add_test(tt, parse_known_times);
	tcase_add_test(tt, parse_format_round_trip);
	tcase_add_test(tt, parse_refuses_other_forms);
	tcase_add_test(tt, parse_refuses_impossible_dates);
	suite_add_tcase(s, tt);
	tcase_add_test(td, duration_forms);
	tcase_add_test(td, duration_refused);
	tcase_add_test(td, duration_bound_is_100_years);
	tcase_add_test(td, add_calendar_units);
	tcase_add_test(td, add_clamps_month_ends);
	tcase_add_test(td, add_negative);
	tcase_add_test(td, add_overflow);
	suite_add_tcase(s, td);
	return s;
}

CK_MAIN(timefmt_suite)
