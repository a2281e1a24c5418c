/*
 * check_report.c: the audit as an HTML page (ca_audit_html, lib/report.c).
 * The audit is filled by hand with hostile strings, and the page is read
 * back with a small tag scanner that knows every element and attribute the
 * page may use: anything else, and any reference that could load
 * something, fails.  tests/integration/test_report_chromium.sh renders a
 * real audit in Chromium.
 */
#include "check_util.h"

#include <ctype.h>
#include <math.h>
#include <strings.h>

#include "audit.h"
#include "plan.h"

/* --- the audit, filled by hand ------------------------------------------ */

/* Every string an operator could have typed is hostile here. */
#define RF_XSS "<script>alert(1)</script>"
#define RF_XSS_ESC "&lt;script&gt;alert(1)&lt;/script&gt;"
/* Breaks out of a double-quoted attribute if left unescaped. */
#define RF_ATTR "\" onclick=\"alert(2)"
#define RF_NFINDINGS 5
#define RF_NSUBS 3
#define RF_NCEREMONIES 3

/* Known scores: axis 0 at 100 reaches the top of the chart. */
static const int rf_scores[CA_AUDIT_NSCORES] = { 100, 80, 50, 25, 0, 60,
    100 };
static const char *const rf_axes[CA_AUDIT_NSCORES] = { "key protection",
    "algorithm strength", "validity margin", "revocation freshness",
    "IT/OT separation", "evidence completeness", "profile conformance" };

static void
rf_time(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
rf_finding(struct ca_finding *f, enum ca_severity sev, long long seq,
    const char *check, const char *file, const char *reason)
{
	f->sev = sev;
	f->seq = seq;
	snprintf(f->check, sizeof(f->check), "%s", check);
	snprintf(f->file, sizeof(f->file), "%s", file);
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

/*
 * rf_new: a sub CA's audit with RF_NFINDINGS findings (two errors, one
 * warning, two info), RF_NSUBS issued CAs, RF_NCEREMONIES ceremonies and a
 * CRL from 10 days before now to 20 days and an hour after it.  Caller
 * frees with rf_free.  NULL when out of memory.
 */
static struct ca_audit *
rf_new(time_t now)
{
	struct ca_audit *a;
	struct ca_audit_sub *s;
	struct ca_audit_ceremony *c;
	int i;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->findings = calloc(RF_NFINDINGS, sizeof(*a->findings))) ==
	    NULL) {
		free(a);
		return NULL;
	}
	a->now = now;
	snprintf(a->dir, sizeof(a->dir), "/srv/ca/<line4>&\"ot\"");
	snprintf(a->kind, sizeof(a->kind), "sub");
	snprintf(a->ca_subject, sizeof(a->ca_subject),
	    "CN=Line 4 OT Issuing CA " RF_XSS ",O=O'Brien & \"Sons\",C=DE");
	snprintf(a->root_subject, sizeof(a->root_subject),
	    "CN=Plant Root CA 1,O=Example Manufacturing,C=DE");
	memset(a->ca_fingerprint, 'a', 64);
	memset(a->root_fingerprint, 'b', 64);
	snprintf(a->ca_not_before, sizeof(a->ca_not_before),
	    "2026-01-01T00:00:00Z");
	snprintf(a->ca_not_after, sizeof(a->ca_not_after),
	    "2036-01-01T00:00:00Z");
	snprintf(a->algorithm, sizeof(a->algorithm), "p256");
	a->anchored = 1;
	a->records = 9;
	memset(a->log_id, 'c', 64);
	memset(a->head, 'd', 64);
	a->head_checked = -1;
	a->issued = 12;
	a->revoked = 3;
	a->crls = 2;
	a->crl_number = 2;
	rf_time(now - 10 * 86400, a->crl_this_update);
	rf_time(now + 20 * 86400 + 3600, a->crl_next_update);
	a->revoked_pending = 2;

	rf_finding(&a->findings[0], CA_SEV_INFO, 0, "clock",
	    "", "records span 3 ceremonies");
	rf_finding(&a->findings[1], CA_SEV_ERROR, 4, "signature",
	    "log/000004.json", "reason " RF_XSS " and 'quotes' \"here\"");
	rf_finding(&a->findings[2], CA_SEV_WARNING, 7, "lint",
	    "issued/" RF_ATTR ".pem", "see https://evil.example/x?a=1&b=2");
	rf_finding(&a->findings[3], CA_SEV_ERROR, 5, "<i>\"prev\"</i>",
	    "log/000005.json", "control \x01 character");
	rf_finding(&a->findings[4], CA_SEV_INFO, 9, "artifact",
	    "<img src=x onerror=alert(3)>", "info");
	a->nfindings = RF_NFINDINGS;
	a->worst = CA_SEV_ERROR;

	for (i = 0; i < RF_NCEREMONIES; i++) {
		c = &a->ceremonies[i];
		c->first_seq = 1 + 3 * i;
		c->last_seq = 3 + 3 * i;
		rf_time(now - (300 - 100 * i) * 86400, c->first_time);
		rf_time(now - (300 - 100 * i) * 86400 + 7200, c->last_time);
		snprintf(c->ops, sizeof(c->ops), "init-sub, sign-leaf x2");
		snprintf(c->operator_, sizeof(c->operator_),
		    "Eve \"<img src=x onerror=alert(4)>\"");
		c->witnesses = i;
	}
	/* An attribute value with a quote in it: the datetime attribute. */
	snprintf(a->ceremonies[2].last_time, sizeof(a->ceremonies[2].last_time),
	    RF_ATTR);
	a->nceremonies = RF_NCEREMONIES;
	a->ceremonies_total = 5;

	for (i = 0; i < RF_NSUBS; i++) {
		s = &a->subs[i];
		s->seq = 2 + i;
		snprintf(s->serial, sizeof(s->serial), "%040d", i + 1);
		snprintf(s->not_after, sizeof(s->not_after),
		    "2031-01-01T00:00:00Z");
	}
	snprintf(a->subs[0].subject, sizeof(a->subs[0].subject),
	    "CN=Cell 7 CA " RF_XSS);
	snprintf(a->subs[0].zone, sizeof(a->subs[0].zone), "zone \"7\" <b>");
	a->subs[0].security_level = 2;
	a->subs[0].name_constrained = 1;
	snprintf(a->subs[1].subject, sizeof(a->subs[1].subject),
	    "CN=Cell 8 CA");
	snprintf(a->subs[1].zone, sizeof(a->subs[1].zone), "cell8");
	a->subs[1].security_level = 3;
	a->subs[1].revoked = 1;
	snprintf(a->subs[2].subject, sizeof(a->subs[2].subject),
	    "CN=Office CA");
	a->nsubs = RF_NSUBS;
	a->subs_total = RF_NSUBS + 4;

	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		snprintf(a->scores[i].axis, sizeof(a->scores[i].axis), "%s",
		    rf_axes[i]);
		a->scores[i].score = rf_scores[i];
		snprintf(a->scores[i].why, sizeof(a->scores[i].why),
		    "why %d: " RF_XSS, i);
	}
	a->signatures_verified = 9;
	return a;
}

static void
rf_free(struct ca_audit *a)
{
	if (a == NULL)
		return;
	free(a->findings);
	free(a);
}

/* The radar's geometry, as lib/report.c lays it out. */
#define CX 350.0
#define CY 200.0
#define R 150.0

static struct ca_audit *a;
static char *html;
static time_t now;

static void
setup(void)
{
	now = time(NULL);
	a = rf_new(now);
	ck_assert_ptr_nonnull(a);
	html = NULL;
}

static void
teardown(void)
{
	rf_free(a);
	free(html);
}

static void
render(void)
{
	size_t len = 0;

	free(html);
	html = NULL;
	ck_assert_ok(ca_audit_html(a, &html, &len));
	ck_assert_ptr_nonnull(html);
	ck_assert_uint_eq(len, strlen(html));
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	size_t k = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += k;
	}
	return n;
}

/* The slice of the page from section id's opening tag to its end. */
static char *
section(const char *id)
{
	char open[64];
	const char *p, *e;
	char *s;

	snprintf(open, sizeof(open), "<section id=\"%s\">", id);
	p = strstr(html, open);
	ck_assert_msg(p != NULL, "no %s", open);
	e = strstr(p, "</section>");
	ck_assert_ptr_nonnull(e);
	s = strndup(p, (size_t)(e - p));
	ck_assert_ptr_nonnull(s);
	return s;
}

/* --- the tag scanner --------------------------------------------------- */

static const char *const tags[] = { "html", "head", "meta", "title",
    "style", "body", "header", "h1", "h2", "div", "nav", "a", "main",
    "section", "dl", "dt", "dd", "span", "br", "table", "thead", "tbody",
    "tr", "th", "td", "p", "ul", "li", "ol", "b", "time", "footer", "svg",
    "polygon", "line", "text", "tspan", "circle", "rect", "g", NULL };
static const char *const attrs[] = { "lang", "charset", "http-equiv",
    "content", "name", "id", "class", "href", "role", "aria-labelledby",
    "aria-label", "viewBox", "width", "height", "points", "x1", "y1", "x2",
    "y2", "x", "y", "r", "cx", "cy", "rx", "text-anchor", "font-weight",
    "data-level", "data-axis", "data-days", "colspan", "datetime", "style",
    NULL };

static int
listed(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return 1;
	return 0;
}

/* Anything in a value that could name a resource or run code. */
static int
value_ok(const char *name, size_t nn, const char *v, size_t vn)
{
	char *s = strndup(v, vn);
	int ok;

	ck_assert_ptr_nonnull(s);
	ok = strcasestr(s, "http:") == NULL && strcasestr(s, "https:") ==
	    NULL && strstr(s, "//") == NULL && strcasestr(s, "url(") == NULL &&
	    strcasestr(s, "javascript") == NULL && strchr(s, '<') == NULL;
	if (nn == 4 && strncmp(name, "href", 4) == 0)
		ok = ok && s[0] == '#';
	free(s);
	return ok;
}

/*
 * scan: every tag is a known element with known attributes, every value
 * is double-quoted and harmless, no '>' stands in text, and the style
 * sheet names nothing external.  Fails the test at the first violation.
 */
static void
scan(const char *p)
{
	const char *q, *n, *end;
	size_t nl;

	while (*p != '\0') {
		if (*p == '>')
			ck_abort_msg("bare '>' in text: %.60s", p);
		if (*p != '<') {
			p++;
			continue;
		}
		p++;
		if (strncmp(p, "!DOCTYPE html>", 14) == 0) {
			p += 14;
			continue;
		}
		if (*p == '/')
			p++;
		for (n = p; isalnum((unsigned char)*p); p++)
			;
		ck_assert_msg(listed(tags, n, (size_t)(p - n)),
		    "unknown element <%.*s", (int)(p - n), n);
		if ((size_t)(p - n) == 5 && strncmp(n, "style", 5) == 0 &&
		    n[-1] == '<') {
			end = strstr(p, "</style>");
			ck_assert_ptr_nonnull(end);
			q = strndup(p, (size_t)(end - p));
			ck_assert_ptr_nonnull(q);
			ck_assert_msg(strcasestr(q, "url(") == NULL &&
			    strcasestr(q, "@import") == NULL &&
			    strcasestr(q, "http") == NULL &&
			    strstr(q, "//") == NULL, "style names a resource");
			free((char *)q);
			p = end;
			continue;
		}
		for (;;) {
			while (*p == ' ' || *p == '\n')
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			for (n = p; isalnum((unsigned char)*p) || *p == '-';
			    p++)
				;
			nl = (size_t)(p - n);
			ck_assert_msg(nl > 0 && listed(attrs, n, nl),
			    "unknown attribute %.40s", n);
			if (*p != '=')
				continue;
			ck_assert_msg(p[1] == '"', "unquoted value: %.40s", n);
			q = strchr(p + 2, '"');
			ck_assert_ptr_nonnull(q);
			ck_assert_msg(value_ok(n, nl, p + 2,
			    (size_t)(q - p - 2)), "bad value: %.*s",
			    (int)(q - n + 1), n);
			p = q + 1;
		}
		p = strchr(p, '>') + 1;
	}
}

/* --- tests ------------------------------------------------------------- */

START_TEST(test_sections)
{
	const char *ids[] = { "summary", "hierarchy", "timeline",
	    "crl-runway", "findings", "posture" };
	char want[64];
	size_t i;

	render();
	ck_assert_int_eq(strncmp(html, "<!DOCTYPE html>\n", 16), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(want, sizeof(want), "<section id=\"%s\">", ids[i]);
		ck_assert_msg(count(html, want) == 1, "%s not once", want);
	}
	ck_assert_int_eq(count(html, "<svg id=\"radar\""), 1);
	ck_assert_int_eq(count(html, "<section"), 6);
	ck_assert_int_eq(count(html, "</section>"), 6);
	ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
}
END_TEST

/* The replacement plan: its section, a row per item, markup inert. */
START_TEST(test_plan_section)
{
	struct ca_plan_item items[3];
	struct ca_plan p = { items, 3, 1 };
	struct ca_window w[1];
	struct ca_site site = { (char *)"line <4>", NULL, w, 1 };
	size_t len = 0;

	memset(items, 0, sizeof(items));
	items[0].kind = CA_PLAN_CA;
	snprintf(items[0].subject, sizeof(items[0].subject),
	    "CN=<script>alert(1)</script>");
	items[0].expiry = a->now + 400 * 86400;
	items[0].have_window = 1;
	snprintf(items[0].window, sizeof(items[0].window), "spring");
	items[0].wstart = a->now + 30 * 86400;
	items[0].wend = a->now + 31 * 86400;
	items[1].kind = CA_PLAN_ISSUED;
	snprintf(items[1].subject, sizeof(items[1].subject), "CN=Device");
	items[1].expiry = a->now + 10 * 86400;
	snprintf(items[1].warning, sizeof(items[1].warning), "no window");
	items[2].kind = CA_PLAN_CRL;
	items[2].expiry = a->now + 100 * 86400;
	w[0].name = (char *)"spring";
	w[0].start = items[0].wstart;
	w[0].end = items[0].wend;
	free(html);
	html = NULL;
	ck_assert_ok(ca_audit_html_plan(a, &p, &site, &html, &len));
	ck_assert_int_eq(count(html, "<section id=\"plan\">"), 1);
	ck_assert_int_eq(count(html, "<section"), 7);
	ck_assert_int_eq(count(html, "<g class=\"item "), 3);
	ck_assert_int_eq(count(html, "<g class=\"item issued warn\">"), 1);
	ck_assert_int_eq(count(html, "<rect class=\"window\""), 1);
	ck_assert_int_eq(count(html, "<line class=\"replace\""), 1);
	ck_assert_int_eq(count(html, "<tr class=\"warn\">"), 1);
	ck_assert_ptr_null(strcasestr(html, "<script"));
	ck_assert_ptr_nonnull(strstr(html, "line &lt;4&gt;"));
	scan(html);
	/* Without a plan, no section. */
	render();
	ck_assert_int_eq(count(html, "<section id=\"plan\">"), 0);
}
END_TEST

START_TEST(test_markup_is_inert)
{
	render();
	scan(html);
	ck_assert_ptr_null(strcasestr(html, "<script"));
	ck_assert_ptr_null(strcasestr(html, "<img"));
	ck_assert_ptr_null(strcasestr(html, "xmlns"));
	/* The CSP forbids fetches in case markup ever slips one in. */
	ck_assert_ptr_nonnull(strstr(html, "<meta http-equiv=\"Content-"
	    "Security-Policy\" content=\"default-src 'none'; style-src "
	    "'unsafe-inline'\">"));
	/* The only URL is text a finding quoted, escaped. */
	ck_assert_int_eq(count(html, "https://"), 1);
	ck_assert_ptr_nonnull(strstr(html, "see https://evil.example/x?a=1"
	    "&amp;b=2</td>"));
	ck_assert_ptr_null(strstr(html, "http://"));
}
END_TEST

START_TEST(test_escaping)
{
	char *s;

	render();
	/* Subject: title, header, summary, tree; a reason, a sub, the whys. */
	ck_assert_int_eq(count(html, RF_XSS_ESC), 4 + 1 + 1 +
	    CA_AUDIT_NSCORES);
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"check\">&lt;i&gt;"
	    "&quot;prev&quot;&lt;/i&gt;</td>"));
	ck_assert_ptr_nonnull(strstr(html, "O=O&#39;Brien &amp; "
	    "&quot;Sons&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "issued/&quot; onclick=&quot;"
	    "alert(2).pem"));
	ck_assert_ptr_nonnull(strstr(html, "<time datetime=\"&quot; "
	    "onclick=&quot;alert(2)\">"));
	ck_assert_ptr_nonnull(strstr(html, "Eve &quot;&lt;img src=x "
	    "onerror=alert(4)&gt;&quot;"));
	ck_assert_ptr_nonnull(strstr(html, "zone &quot;7&quot; &lt;b&gt;, "
	    "SL2"));
	ck_assert_ptr_nonnull(strstr(html, "/srv/ca/&lt;line4&gt;&amp;"
	    "&quot;ot&quot;"));
	/* A control character is a parse error in HTML: replaced. */
	ck_assert_ptr_nonnull(strstr(html, "control &#xFFFD; character"));
	s = section("posture");
	ck_assert_ptr_nonnull(strstr(s, "why 0: " RF_XSS_ESC "</td>"));
	free(s);
}
END_TEST

/* An unterminated field is read up to its size, never past it. */
START_TEST(test_unterminated_field)
{
	char want[sizeof(a->ca_subject) + 64];

	memset(a->ca_subject, 'A', sizeof(a->ca_subject));
	render();
	snprintf(want, sizeof(want), "<title>CA audit: %.*s</title>",
	    (int)sizeof(a->ca_subject), a->ca_subject);
	ck_assert_ptr_nonnull(strstr(html, want));
}
END_TEST

static void
radar_polygon(double xy[2 * CA_AUDIT_NSCORES])
{
	const char *p = strstr(html, "<polygon class=\"score\" points=\"");
	int i, used;

	ck_assert_ptr_nonnull(p);
	p += strlen("<polygon class=\"score\" points=\"");
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		ck_assert_int_eq(sscanf(p, "%lf,%lf%n", &xy[2 * i],
		    &xy[2 * i + 1], &used), 2);
		p += used;
		ck_assert(*p == (i + 1 < CA_AUDIT_NSCORES ? ' ' : '"'));
		p++;
	}
}

START_TEST(test_radar)
{
	double xy[2 * CA_AUDIT_NSCORES], th, ex, ey;
	char *s;
	int i;

	render();
	s = section("posture");
	ck_assert_int_eq(count(s, "<polygon class=\"score\""), 1);
	ck_assert_int_eq(count(s, "<polygon class=\"grid\""), 4);
	ck_assert_int_eq(count(s, "<line class=\"axis\""), CA_AUDIT_NSCORES);
	ck_assert_int_eq(count(s, "<text class=\"label\""), CA_AUDIT_NSCORES);
	ck_assert_int_eq(count(s, "<tr class=\"score\""), CA_AUDIT_NSCORES);
	ck_assert_ptr_nonnull(strstr(s, "data-level=\"100\" points=\"350.0,"
	    "50.0 "));
	ck_assert_ptr_nonnull(strstr(s, "data-level=\"25\" points=\"350.0,"
	    "162.5 "));
	/* 100 on axis 0 is the top; 0 on axis 4 is the centre. */
	ck_assert_ptr_nonnull(strstr(s, "points=\"350.0,50.0 "));
	radar_polygon(xy);
	ck_assert(xy[0] == CX && xy[1] == CY - R);
	ck_assert(xy[8] == CX && xy[9] == CY);
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		th = -M_PI / 2 + 2 * M_PI * i / CA_AUDIT_NSCORES;
		ex = CX + R * rf_scores[i] / 100.0 * cos(th);
		ey = CY + R * rf_scores[i] / 100.0 * sin(th);
		ck_assert_msg(fabs(xy[2 * i] - ex) <= 0.051 &&
		    fabs(xy[2 * i + 1] - ey) <= 0.051,
		    "axis %d: %.1f,%.1f, wanted %.2f,%.2f", i, xy[2 * i],
		    xy[2 * i + 1], ex, ey);
	}
	/* Axis 1 at 80: clockwise from the top, so right of centre. */
	ck_assert(xy[2] > CX && xy[3] < CY);
	ck_assert_ptr_nonnull(strstr(s, ">key protection <tspan "
	    "font-weight=\"700\">100</tspan></text>"));
	ck_assert_ptr_nonnull(strstr(s, ">IT/OT separation <tspan "
	    "font-weight=\"700\">0</tspan></text>"));
	free(s);
}
END_TEST

/* A score outside 0..100 is drawn at the edge, never off the chart. */
START_TEST(test_radar_clamped)
{
	double xy[2 * CA_AUDIT_NSCORES];

	a->scores[0].score = 150;
	a->scores[4].score = -20;
	render();
	radar_polygon(xy);
	ck_assert(xy[0] == CX && xy[1] == CY - R);
	ck_assert(xy[8] == CX && xy[9] == CY);
}
END_TEST

START_TEST(test_findings)
{
	const char *e1, *e2, *w, *i1, *i2;
	char *s;

	render();
	s = section("findings");
	ck_assert_int_eq(count(s, "<tr class=\"finding "), RF_NFINDINGS);
	ck_assert_int_eq(count(s, "<tr class=\"finding sev-error\">"), 2);
	ck_assert_int_eq(count(s, "<tr class=\"finding sev-warning\">"), 1);
	ck_assert_int_eq(count(s, "<tr class=\"finding sev-info\">"), 2);
	ck_assert_ptr_null(strstr(s, "No findings"));
	ck_assert_ptr_null(strstr(s, "further findings"));
	/* Worst first, then the audit's own order. */
	e1 = strstr(s, "<td class=\"seq\">4</td>");
	e2 = strstr(s, "<td class=\"seq\">5</td>");
	w = strstr(s, "<td class=\"seq\">7</td>");
	i1 = strstr(s, "<td class=\"seq muted\">&ndash;</td>");
	i2 = strstr(s, "<td class=\"seq\">9</td>");
	ck_assert(e1 != NULL && e2 != NULL && w != NULL && i1 != NULL &&
	    i2 != NULL);
	ck_assert(e1 < e2 && e2 < w && w < i1 && i1 < i2);
	free(s);
	s = section("summary");
	ck_assert_ptr_nonnull(strstr(s, "<div class=\"verdict fail\">FAIL"));
	ck_assert_ptr_nonnull(strstr(s, ">2 errors<"));
	ck_assert_ptr_nonnull(strstr(s, ">1 warnings<"));
	ck_assert_ptr_nonnull(strstr(s, ">2 info<"));
	free(s);
}
END_TEST

START_TEST(test_findings_dropped)
{
	char *s;

	a->findings_dropped = 7;
	render();
	s = section("findings");
	ck_assert_ptr_nonnull(strstr(s, "<p class=\"dropped warn\">7 further "
	    "findings were not kept (the audit keeps at most 500)"));
	free(s);
	s = section("summary");
	ck_assert_ptr_nonnull(strstr(s, ">7 more not listed<"));
	free(s);
}
END_TEST

START_TEST(test_no_findings)
{
	char *s;

	a->nfindings = 0;
	a->worst = -1;
	render();
	scan(html);
	s = section("findings");
	ck_assert_int_eq(count(s, "<tr class=\"finding"), 0);
	ck_assert_ptr_nonnull(strstr(s, "<tr class=\"none\"><td "
	    "colspan=\"5\">No findings</td></tr>"));
	free(s);
	s = section("summary");
	ck_assert_ptr_nonnull(strstr(s, "<div class=\"verdict pass\">PASS"));
	free(s);
}
END_TEST

START_TEST(test_crl_runway)
{
	char *s;

	render();
	s = section("crl-runway");
	ck_assert_ptr_nonnull(strstr(s, "<svg class=\"runway\""));
	ck_assert_ptr_nonnull(strstr(s, "data-days=\"20\">20 days left"));
	ck_assert_int_eq(count(s, "<line class=\"now\""), 1);
	ck_assert_ptr_nonnull(strstr(s, ">now</text>"));
	ck_assert_ptr_nonnull(strstr(s, "CRL number 2, this update "));
	ck_assert_ptr_nonnull(strstr(s, "2 revocations are not yet on a "
	    "CRL"));
	ck_assert_ptr_null(strstr(s, "no-crl"));
	free(s);
}
END_TEST

START_TEST(test_crl_expired)
{
	char *s;

	rf_time(now - 40 * 86400, a->crl_this_update);
	rf_time(now - 3 * 86400 - 3600, a->crl_next_update);
	a->revoked_pending = 0;
	render();
	s = section("crl-runway");
	ck_assert_ptr_nonnull(strstr(s, "<svg class=\"runway expired\""));
	ck_assert_ptr_nonnull(strstr(s, "data-days=\"-3\">expired 3 days "
	    "ago"));
	/* "now" is past the end: pinned to the bar's right edge. */
	ck_assert_ptr_nonnull(strstr(s, "<line class=\"now\" x1=\"780.0\""));
	ck_assert_ptr_nonnull(strstr(s, "Every revocation is on the newest "
	    "CRL"));
	free(s);
}
END_TEST

START_TEST(test_no_crl)
{
	char *s;

	a->crls = 0;
	a->crl_number = 0;
	a->crl_this_update[0] = a->crl_next_update[0] = '\0';
	render();
	scan(html);
	s = section("crl-runway");
	ck_assert_ptr_nonnull(strstr(s, "<p class=\"no-crl bad\">No CRL"));
	ck_assert_ptr_null(strstr(s, "<svg"));
	ck_assert_ptr_nonnull(strstr(s, "2 revocations are not yet"));
	free(s);
}
END_TEST

START_TEST(test_hierarchy)
{
	const char *root, *self, *sub;
	char *s;

	render();
	s = section("hierarchy");
	root = strstr(s, "<span class=\"node root\"><span class=\"subj\">"
	    "CN=Plant Root CA 1,");
	self = strstr(s, "<span class=\"node self\"><span class=\"subj\">"
	    "CN=Line 4 OT Issuing CA ");
	sub = strstr(s, "<span class=\"node sub\"><span class=\"subj\">"
	    "CN=Cell 7 CA " RF_XSS_ESC);
	ck_assert(root != NULL && self != NULL && sub != NULL);
	ck_assert(root < self && self < sub);
	ck_assert_int_eq(count(s, "<span class=\"node sub"), RF_NSUBS);
	ck_assert_int_eq(count(s, "<span class=\"node sub revoked\">"), 1);
	ck_assert_int_eq(count(s, "<span class=\"tag revoked\">"), 1);
	ck_assert_int_eq(count(s, "<span class=\"tag nc\">"), 1);
	/* Only an OT CA is faulted for lacking name constraints. */
	ck_assert_int_eq(count(s, "<span class=\"tag nonc\">"), 1);
	ck_assert_ptr_nonnull(strstr(s, "OT zone cell8, SL3</span><span "
	    "class=\"tag nonc\">"));
	ck_assert_ptr_nonnull(strstr(s, "<span class=\"tag ot\">OT zone "
	    "cell8, SL3</span>"));
	ck_assert_ptr_nonnull(strstr(s, "<span class=\"tag it\">IT</span>"));
	ck_assert_ptr_nonnull(strstr(s, "and 4 more CA certificates not "
	    "shown"));
	/* Lists balance: the tree nests, it does not leak. */
	ck_assert_int_eq(count(s, "<ul"), count(s, "</ul>"));
	ck_assert_int_eq(count(s, "<li"), count(s, "</li>"));
	free(s);
}
END_TEST

START_TEST(test_hierarchy_root)
{
	char *s;

	snprintf(a->kind, sizeof(a->kind), "root");
	a->nsubs = 0;
	a->subs_total = 0;
	render();
	s = section("hierarchy");
	ck_assert_ptr_null(strstr(s, "node root\">"));
	ck_assert_ptr_nonnull(strstr(s, "<span class=\"node self root\">"));
	ck_assert_ptr_nonnull(strstr(s, "no CA certificates issued"));
	ck_assert_int_eq(count(s, "<ul"), count(s, "</ul>"));
	ck_assert_int_eq(count(s, "<li"), count(s, "</li>"));
	free(s);
}
END_TEST

START_TEST(test_timeline)
{
	char *s;

	render();
	s = section("timeline");
	ck_assert_int_eq(count(s, "<li class=\"ceremony\">"), RF_NCEREMONIES);
	ck_assert_int_eq(count(s, "<circle class=\"dot\""), RF_NCEREMONIES);
	ck_assert_ptr_nonnull(strstr(s, "The newest 3 of 5 ceremonies"));
	ck_assert_ptr_nonnull(strstr(s, "(records 1&ndash;3)"));
	ck_assert_ptr_nonnull(strstr(s, ">0 witnesses<"));
	ck_assert_ptr_nonnull(strstr(s, ">1 witness<"));
	/* Oldest at the left end, newest at the right. */
	ck_assert_ptr_nonnull(strstr(s, "cx=\"20.0\""));
	ck_assert_ptr_nonnull(strstr(s, "cx=\"780.0\""));
	free(s);

	a->nceremonies = 0;
	a->ceremonies_total = 0;
	render();
	s = section("timeline");
	ck_assert_ptr_nonnull(strstr(s, "No ceremonies recorded."));
	free(s);
}
END_TEST

START_TEST(test_invalid)
{
	char *out = (char *)1;
	size_t len = 1;

	ck_assert_err(ca_audit_html(NULL, &out, &len), CA_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_err(ca_audit_html(a, NULL, &len), CA_ERR_INVALID_ARG);
	/* len may be NULL. */
	ck_assert_ok(ca_audit_html(a, &out, NULL));
	ck_assert_ptr_nonnull(out);
	free(out);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("html");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_markup_is_inert);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_unterminated_field);
	tcase_add_test(tc, test_radar);
	tcase_add_test(tc, test_radar_clamped);
	tcase_add_test(tc, test_findings);
	tcase_add_test(tc, test_findings_dropped);
	tcase_add_test(tc, test_no_findings);
	tcase_add_test(tc, test_crl_runway);
	tcase_add_test(tc, test_crl_expired);
	tcase_add_test(tc, test_no_crl);
	tcase_add_test(tc, test_hierarchy);
	tcase_add_test(tc, test_hierarchy_root);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_plan_section);
	suite_add_tcase(s, tc);
	return s;
}

CK_MAIN(report_suite)
