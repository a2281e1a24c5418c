/*
 * report.c: the audit as one self-contained HTML page (ca_audit_html in
 * audit.h).
 *
 * The page is opened on air-gapped machines, so it loads nothing: no
 * script, no font, no image, no URL.  Charts are inline SVG whose
 * coordinates are computed here, and a Content-Security-Policy forbids
 * every fetch in case a future edit slips one in.  Every string that comes
 * from the audit is escaped, because records hold names that operators
 * typed.
 */
#include "audit.h"
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

#ifndef KC_VERSION
#define KC_VERSION "unknown"
#endif

/* The radar: a 7-axis polygon, with room for the labels either side. */
#define RADAR_W 700
#define RADAR_H 410
#define RADAR_CX 350
#define RADAR_CY 200
#define RADAR_R 150

/* The CRL runway and the timeline strip: bars in a 800-wide view box. */
#define STRIP_W 800
#define STRIP_X0 20
#define STRIP_X1 780
/* The replacement plan's timeline: a row per item, labels at the left. */
#define PLAN_W 1000
#define PLAN_X0 360
#define PLAN_X1 980
#define PLAN_ROW 20
#define PLAN_MAX_ROWS 60

/*
 * Field-bounded escaping: the struct's strings are fixed arrays that a
 * buggy filler may leave unterminated, so never read past the array.
 */
#define ESC(f, field) esc((f), (field), sizeof(field))

static void
esc(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* HTML: a control character is a parse error. */
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				fputs("&#xFFFD;", f);
			else
				fputc(c, f);
		}
	}
}

/* A C string the page chose itself, escaped all the same. */
static void
esc_str(FILE *f, const char *s)
{
	esc(f, s, strlen(s));
}

/*
 * Coordinates as fixed-point text with one decimal: printf's %f follows
 * LC_NUMERIC, and a command that calls setlocale() would otherwise write
 * "350,0" into the SVG.
 */
static void
coord(FILE *f, double v)
{
	long t = lround(v * 10.0);

	if (t < 0) {
		fputc('-', f);
		t = -t;
	}
	fprintf(f, "%ld.%ld", t / 10, t % 10);
}

static int
clamp_score(int s)
{
	return s < 0 ? 0 : s > 100 ? 100 : s;
}

/* Axis i of the radar points up for i = 0 and turns clockwise. */
static void
radar_point(int i, double frac, double *x, double *y)
{
	double th = -M_PI / 2 + 2 * M_PI * i / CA_AUDIT_NSCORES;

	*x = RADAR_CX + RADAR_R * frac * cos(th);
	*y = RADAR_CY + RADAR_R * frac * sin(th);
}

static void
radar_points(FILE *f, const int pct[CA_AUDIT_NSCORES])
{
	double x, y;
	int i;

	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		radar_point(i, pct[i] / 100.0, &x, &y);
		if (i > 0)
			fputc(' ', f);
		coord(f, x);
		fputc(',', f);
		coord(f, y);
	}
}

/* 1 with *t set for one of the audit's times; 0 for "" or garbage. */
static int
parse_time(const char *s, size_t max, time_t *t)
{
	if (strnlen(s, max) != 20)
		return 0;
	return ca_time_parse(s, t) == 0;
}

static void
css(FILE *f)
{
	fputs("<style>\n"
	    ":root{--fg:#1d232b;--muted:#5b6573;--line:#d5dae1;--bg:#fff;"
	    "--panel:#f5f7fa;--ok:#1f7a3a;--warn:#9a5b00;--err:#b3261e;"
	    "--info:#2c5d9e;--accent:#2c5d9e}\n"
	    "*{box-sizing:border-box}\n"
	    "body{margin:0;color:var(--fg);background:var(--bg);"
	    "font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	    "\"Helvetica Neue\",Arial,\"Noto Sans\",\"Liberation Sans\","
	    "sans-serif}\n"
	    "header,main{max-width:1120px;margin:0 auto;padding:0 24px}\n"
	    "header{padding-top:20px}\n"
	    "h1{font-size:24px;margin:0 0 4px}\n"
	    "h2{font-size:18px;margin:0 0 12px;padding-bottom:4px;"
	    "border-bottom:1px solid var(--line)}\n"
	    "nav{margin:8px 0 0;font-size:14px}\n"
	    "nav a{color:var(--accent);margin-right:14px;"
	    "text-decoration:none}\n"
	    "section{margin:22px 0;padding:16px 18px;background:var(--panel);"
	    "border:1px solid var(--line);border-radius:6px}\n"
	    ".mono,code,td.mono{font-family:ui-monospace,\"SFMono-Regular\","
	    "\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:13px;"
	    "word-break:break-all}\n"
	    ".muted{color:var(--muted)}\n"
	    ".verdict{display:inline-block;font-weight:700;font-size:20px;"
	    "padding:4px 14px;border-radius:4px;color:#fff;"
	    "margin-bottom:10px}\n"
	    ".verdict.pass{background:var(--ok)}\n"
	    ".verdict.fail{background:var(--err)}\n"
	    "dl.kv{display:grid;grid-template-columns:max-content 1fr;"
	    "gap:4px 18px;margin:0}\n"
	    "dl.kv dt{color:var(--muted)}\n"
	    "dl.kv dd{margin:0}\n"
	    ".good{color:var(--ok);font-weight:600}\n"
	    ".bad{color:var(--err);font-weight:600}\n"
	    ".warn{color:var(--warn);font-weight:600}\n"
	    ".counts span{display:inline-block;margin-right:16px}\n"
	    "table{border-collapse:collapse;width:100%;background:#fff}\n"
	    "th,td{text-align:left;vertical-align:top;padding:5px 8px;"
	    "border-bottom:1px solid var(--line)}\n"
	    "th{background:#e9edf2;font-weight:600}\n"
	    ".sev{font-weight:700;text-transform:uppercase;font-size:12px}\n"
	    "tr.sev-error td.sev{color:var(--err)}\n"
	    "tr.sev-warning td.sev{color:var(--warn)}\n"
	    "tr.sev-info td.sev{color:var(--info)}\n"
	    "tr.sev-error{background:#fdf1f0}\n"
	    "tr.sev-warning{background:#fdf7ec}\n"
	    "ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:22px}\n"
	    "ul.tree{padding-left:0}\n"
	    "ul.tree li{position:relative;margin:6px 0}\n"
	    "ul.tree ul li::before{content:\"\";position:absolute;left:-14px;"
	    "top:0;height:14px;width:10px;border-left:1px solid var(--muted);"
	    "border-bottom:1px solid var(--muted)}\n"
	    ".node{display:inline-block;padding:3px 9px;border:1px solid "
	    "var(--line);border-radius:4px;background:#fff}\n"
	    ".node.self{border-color:var(--accent);border-width:2px}\n"
	    ".node.revoked .subj{text-decoration:line-through}\n"
	    ".tag{display:inline-block;font-size:12px;padding:0 6px;"
	    "margin-left:6px;border-radius:3px;background:#e9edf2}\n"
	    ".tag.ot{background:#e3effc}\n"
	    ".tag.it{background:#eef3e6}\n"
	    ".tag.nc{background:#e6f4ea}\n"
	    ".tag.nonc{background:#fdecea;color:var(--err)}\n"
	    ".tag.revoked{background:var(--err);color:#fff}\n"
	    "svg{display:block;max-width:100%;height:auto;"
	    "font-family:inherit}\n"
	    ".posture{display:flex;flex-wrap:wrap;gap:18px;"
	    "align-items:flex-start}\n"
	    ".posture svg{flex:0 1 auto;width:700px}\n"
	    ".posture table{flex:1 1 300px;width:auto}\n"
	    "#radar .grid{fill:none;stroke:#c3cad4;stroke-width:1}\n"
	    "#radar .axis{stroke:#9aa4b1;stroke-width:1}\n"
	    "#radar .score{fill:rgba(44,93,158,.25);stroke:var(--accent);"
	    "stroke-width:2}\n"
	    "#radar .dot{fill:var(--accent)}\n"
	    "#radar .label{font-size:13px;fill:var(--fg)}\n"
	    "#radar .ring{font-size:10px;fill:var(--muted)}\n"
	    ".bar{display:inline-block;height:8px;background:var(--accent);"
	    "border-radius:2px;vertical-align:middle}\n"
	    ".runway .track{fill:#e3e7ec}\n"
	    ".runway .used{fill:#8fb1dc}\n"
	    ".runway.expired .used{fill:#e8a39d}\n"
	    ".runway .now{stroke:var(--err);stroke-width:2}\n"
	    ".runway text,.strip text{font-size:12px;fill:var(--fg)}\n"
	    ".strip .axisline{stroke:#9aa4b1}\n"
	    ".strip .dot{fill:var(--accent)}\n"
	    "svg.plan{max-width:100%;height:auto}\n"
	    ".plan .window{fill:#e6eef8}\n"
	    ".plan .life{fill:#8fb1dc}\n"
	    ".plan .warn .life{fill:#e8a39d}\n"
	    ".plan .replace{stroke:var(--ok);stroke-width:3}\n"
	    ".plan .tick{stroke:#9aa4b1}\n"
	    ".plan text{font-size:12px;fill:var(--fg)}\n"
	    "table.plan tr.warn td{color:var(--err)}\n"
	    "ol.ceremonies{padding-left:22px;margin:10px 0 0}\n"
	    "ol.ceremonies li{margin:4px 0}\n"
	    "footer{max-width:1120px;margin:0 auto 30px;padding:0 24px;"
	    "font-size:12px;color:var(--muted)}\n"
	    "@media print{section{break-inside:avoid;background:#fff}"
	    "nav{display:none}}\n"
	    "</style>\n", f);
}

static void
summary(FILE *f, const struct ca_audit *a)
{
	size_t i;
	long long n[3] = { 0, 0, 0 };
	int passed = ca_audit_passed(a);

	for (i = 0; i < a->nfindings; i++)
		if ((unsigned)a->findings[i].sev <= CA_SEV_ERROR)
			n[a->findings[i].sev]++;

	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", f);
	fprintf(f, "<div class=\"verdict %s\">%s</div>\n",
	    passed ? "pass" : "fail", passed ? "PASS" : "FAIL");
	fputs("<dl class=\"kv\">\n<dt>CA</dt><dd>", f);
	ESC(f, a->ca_subject);
	if (a->kind[0] != '\0') {
		fputs(" <span class=\"tag\">", f);
		ESC(f, a->kind);
		fputs("</span>", f);
	}
	fputs("</dd>\n<dt>Fingerprint</dt><dd class=\"mono\">", f);
	ESC(f, a->ca_fingerprint);
	fputs("</dd>\n<dt>Validity</dt><dd>", f);
	ESC(f, a->ca_not_before);
	fputs(" &ndash; ", f);
	ESC(f, a->ca_not_after);
	fputs("</dd>\n<dt>Algorithm</dt><dd>", f);
	ESC(f, a->algorithm);
	fputs("</dd>\n<dt>Root</dt><dd>", f);
	ESC(f, a->root_subject);
	fputs("<br><span class=\"mono\">", f);
	ESC(f, a->root_fingerprint);
	fputs("</span></dd>\n<dt>Anchor</dt><dd class=\"anchor\">", f);
	fputs(a->anchored ? "<span class=\"good\">matches the root "
	    "fingerprint from paper</span>" : "<span class=\"bad\">does not "
	    "match the root, or none was given</span>", f);
	fputs("</dd>\n<dt>Log head</dt><dd class=\"head\">", f);
	if (a->head_checked > 0)
		fputs("<span class=\"good\">matches the head from paper</span>",
		    f);
	else if (a->head_checked < 0)
		fputs("<span class=\"bad\">differs from the head from "
		    "paper</span>", f);
	else
		fputs("<span class=\"warn\">not checked (no head from "
		    "paper)</span>", f);
	fputs("<br><span class=\"mono\">", f);
	ESC(f, a->head);
	fputs("</span></dd>\n<dt>Log</dt><dd><span class=\"mono\">", f);
	ESC(f, a->log_id);
	fprintf(f, "</span><br>%lld records, %lld signatures verified</dd>\n",
	    a->records, a->signatures_verified);
	fputs("<dt>Directory</dt><dd class=\"mono\">", f);
	ESC(f, a->dir);
	fprintf(f, "</dd>\n<dt>Counts</dt><dd class=\"counts\">"
	    "<span>%lld issued</span><span>%lld revoked</span>"
	    "<span>%lld CRLs</span></dd>\n", a->issued, a->revoked, a->crls);
	fprintf(f, "<dt>Findings</dt><dd class=\"counts\">"
	    "<span class=\"%s\">%lld errors</span>"
	    "<span class=\"%s\">%lld warnings</span>"
	    "<span>%lld info</span>",
	    n[CA_SEV_ERROR] ? "bad" : "", n[CA_SEV_ERROR],
	    n[CA_SEV_WARNING] ? "warn" : "", n[CA_SEV_WARNING],
	    n[CA_SEV_INFO]);
	if (a->findings_dropped > 0)
		fprintf(f, "<span class=\"warn\">%lld more not listed</span>",
		    a->findings_dropped);
	fputs("</dd>\n</dl>\n</section>\n", f);
}

static void
finding_row(FILE *f, const struct ca_finding *fi)
{
	const char *sev = ca_severity_name(fi->sev);

	if (sev == NULL)
		sev = "unknown";

	fprintf(f, "<tr class=\"finding sev-%s\"><td class=\"sev\">%s</td>",
	    sev, sev);
	if (fi->seq > 0)
		fprintf(f, "<td class=\"seq\">%lld</td>", fi->seq);
	else
		fputs("<td class=\"seq muted\">&ndash;</td>", f);
	fputs("<td class=\"check\">", f);
	ESC(f, fi->check);
	fputs("</td><td class=\"file mono\">", f);
	ESC(f, fi->file);
	fputs("</td><td class=\"reason\">", f);
	ESC(f, fi->reason);
	fputs("</td></tr>\n", f);
}

static void
findings(FILE *f, const struct ca_audit *a)
{
	size_t i;
	int s;

	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n"
	    "<table class=\"findings\">\n<thead><tr><th>Severity</th>"
	    "<th>Record</th><th>Check</th><th>File</th><th>Reason</th></tr>"
	    "</thead>\n<tbody>\n", f);
	/* Worst first, otherwise in the audit's order: three stable passes. */
	for (s = CA_SEV_ERROR; s >= CA_SEV_INFO; s--)
		for (i = 0; i < a->nfindings; i++)
			if ((int)a->findings[i].sev == s)
				finding_row(f, &a->findings[i]);
	/* A severity out of range is still shown, never silently lost. */
	for (i = 0; i < a->nfindings; i++)
		if ((unsigned)a->findings[i].sev > CA_SEV_ERROR)
			finding_row(f, &a->findings[i]);
	if (a->nfindings == 0)
		fputs("<tr class=\"none\"><td colspan=\"5\">No findings</td>"
		    "</tr>\n", f);
	fputs("</tbody>\n</table>\n", f);
	if (a->findings_dropped > 0)
		fprintf(f, "<p class=\"dropped warn\">%lld further findings "
		    "were not kept (the audit keeps at most %d); the JSON "
		    "report and the command's output count them too.</p>\n",
		    a->findings_dropped, CA_AUDIT_MAX_FINDINGS);
	fputs("</section>\n", f);
}

static void
posture(FILE *f, const struct ca_audit *a)
{
	int pct[CA_AUDIT_NSCORES], ring[CA_AUDIT_NSCORES];
	double x, y, c;
	int i, k;

	/* A score outside 0..100 is a bug; never draw off the chart. */
	for (i = 0; i < CA_AUDIT_NSCORES; i++)
		pct[i] = clamp_score(a->scores[i].score);

	fputs("<section id=\"posture\">\n<h2>Posture</h2>\n"
	    "<div class=\"posture\">\n", f);
	fprintf(f, "<svg id=\"radar\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	    "aria-labelledby=\"radar-title\">\n", RADAR_W, RADAR_H, RADAR_W,
	    RADAR_H);
	fputs("<title id=\"radar-title\">Posture scores, 0 to 100 on each of "
	    "seven axes</title>\n", f);
	for (k = 1; k <= 4; k++) {
		for (i = 0; i < CA_AUDIT_NSCORES; i++)
			ring[i] = 25 * k;
		fprintf(f, "<polygon class=\"grid\" data-level=\"%d\" "
		    "points=\"", 25 * k);
		radar_points(f, ring);
		fputs("\"/>\n", f);
	}
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		radar_point(i, 1.0, &x, &y);
		fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"",
		    RADAR_CX, RADAR_CY);
		coord(f, x);
		fputs("\" y2=\"", f);
		coord(f, y);
		fputs("\"/>\n", f);
	}
	for (k = 1; k <= 4; k++) {
		fprintf(f, "<text class=\"ring\" x=\"%d\" y=\"", RADAR_CX + 3);
		coord(f, RADAR_CY - RADAR_R * k / 4.0 + 10);
		fprintf(f, "\">%d</text>\n", 25 * k);
	}
	fputs("<polygon class=\"score\" points=\"", f);
	radar_points(f, pct);
	fputs("\"/>\n", f);
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		radar_point(i, pct[i] / 100.0, &x, &y);
		fputs("<circle class=\"dot\" r=\"3.5\" cx=\"", f);
		coord(f, x);
		fputs("\" cy=\"", f);
		coord(f, y);
		fputs("\"/>\n", f);
	}
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		const char *anchor = "middle";

		radar_point(i, 1.0, &x, &y);
		c = (x - RADAR_CX) / RADAR_R;
		if (c > 0.25)
			anchor = "start";
		else if (c < -0.25)
			anchor = "end";
		radar_point(i, (RADAR_R + 14.0) / RADAR_R, &x, &y);
		/* Labels below the centre hang under their axis end. */
		if (y > RADAR_CY + 20)
			y += 10;
		fprintf(f, "<text class=\"label\" data-axis=\"%d\" "
		    "text-anchor=\"%s\" x=\"", i, anchor);
		coord(f, x);
		fputs("\" y=\"", f);
		coord(f, y);
		fputs("\">", f);
		if (a->scores[i].axis[0] != '\0')
			ESC(f, a->scores[i].axis);
		else
			fprintf(f, "axis %d", i + 1);
		fprintf(f, " <tspan font-weight=\"700\">%d</tspan></text>\n",
		    pct[i]);
	}
	fputs("</svg>\n<table class=\"scores\">\n<thead><tr><th>Axis</th>"
	    "<th>Score</th><th>Why</th></tr></thead>\n<tbody>\n", f);
	for (i = 0; i < CA_AUDIT_NSCORES; i++) {
		fprintf(f, "<tr class=\"score\" data-axis=\"%d\"><td>", i);
		if (a->scores[i].axis[0] != '\0')
			ESC(f, a->scores[i].axis);
		else
			fprintf(f, "axis %d", i + 1);
		fprintf(f, "</td><td class=\"value\">%d&nbsp;<span "
		    "class=\"bar\" style=\"width:%dpx\"></span></td><td>",
		    pct[i], pct[i] * 60 / 100);
		ESC(f, a->scores[i].why);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</div>\n<p class=\"muted\">ca-audit(1) "
	    "gives the rule behind each axis.</p>\n</section>\n", f);
}

static void
sub_node(FILE *f, const struct ca_audit_sub *s)
{
	int ot = s->zone[0] != '\0' || s->security_level > 0;

	fprintf(f, "<li><span class=\"node sub%s\"><span class=\"subj\">",
	    s->revoked ? " revoked" : "");
	ESC(f, s->subject);
	fputs("</span>", f);
	if (s->zone[0] != '\0') {
		fputs("<span class=\"tag ot\">OT zone ", f);
		ESC(f, s->zone);
		if (s->security_level > 0)
			fprintf(f, ", SL%d", s->security_level);
		fputs("</span>", f);
	} else if (s->security_level > 0) {
		fprintf(f, "<span class=\"tag ot\">OT SL%d</span>",
		    s->security_level);
	} else {
		fputs("<span class=\"tag it\">IT</span>", f);
	}
	if (s->cross)
		fputs("<span class=\"tag cross\">cross-certificate</span>", f);
	if (s->name_constrained)
		fputs("<span class=\"tag nc\">name-constrained</span>", f);
	else if (ot)
		/* ca-audit(1), IT/OT separation: OT issuing CAs need them. */
		fputs("<span class=\"tag nonc\">no name constraints</span>", f);
	if (s->revoked)
		fputs("<span class=\"tag revoked\">revoked</span>", f);
	fputs("<br><span class=\"muted\">serial <span class=\"mono\">", f);
	ESC(f, s->serial);
	fprintf(f, "</span>, record %lld, until ", s->seq);
	ESC(f, s->not_after);
	fputs("</span></span></li>\n", f);
}

static void
hierarchy(FILE *f, const struct ca_audit *a)
{
	int is_root = strcmp(a->kind, "root") == 0;
	size_t i;

	fputs("<section id=\"hierarchy\">\n<h2>Hierarchy</h2>\n"
	    "<ul class=\"tree\">\n", f);
	if (!is_root) {
		fputs("<li><span class=\"node root\"><span class=\"subj\">", f);
		if (a->root_subject[0] != '\0')
			ESC(f, a->root_subject);
		else
			fputs("unknown root", f);
		fputs("</span><span class=\"tag\">root</span></span>\n"
		    "<ul>\n", f);
	}
	fprintf(f, "<li><span class=\"node self%s\"><span class=\"subj\">",
	    is_root ? " root" : "");
	ESC(f, a->ca_subject);
	fprintf(f, "</span><span class=\"tag\">%s</span></span>\n",
	    is_root ? "root, audited" : "audited");
	if (a->nsubs > 0) {
		fputs("<ul>\n", f);
		for (i = 0; i < a->nsubs && i < CA_AUDIT_MAX_SUBS; i++)
			sub_node(f, &a->subs[i]);
		if (a->subs_total > (long long)a->nsubs)
			fprintf(f, "<li class=\"more muted\">and %lld more CA "
			    "certificates not shown</li>\n",
			    a->subs_total - (long long)a->nsubs);
		fputs("</ul>\n", f);
	} else {
		fputs("<ul><li class=\"muted\">no CA certificates "
		    "issued</li></ul>\n", f);
	}
	fputs("</li>\n", f);
	if (!is_root)
		fputs("</ul>\n</li>\n", f);
	fputs("</ul>\n</section>\n", f);
}

static void
runway(FILE *f, const struct ca_audit *a, time_t now)
{
	time_t tu, nu;
	double span, xn;
	long long left;
	int expired;

	fputs("<section id=\"crl-runway\">\n<h2>CRL runway</h2>\n", f);
	if (a->crls == 0 || !parse_time(a->crl_this_update,
	    sizeof(a->crl_this_update), &tu) || !parse_time(a->crl_next_update,
	    sizeof(a->crl_next_update), &nu) || nu <= tu) {
		fputs("<p class=\"no-crl bad\">No CRL: relying parties that "
		    "check revocation cannot accept this CA's "
		    "certificates.</p>\n", f);
		goto pending;
	}
	expired = now >= nu;
	/* Whole days: left before nextUpdate, or gone since it. */
	left = (long long)(expired ? now - nu : nu - now) / 86400;
	span = (double)(nu - tu);
	xn = (double)(now - tu) / span;
	xn = xn < 0 ? 0 : xn > 1 ? 1 : xn;
	xn = STRIP_X0 + xn * (STRIP_X1 - STRIP_X0);

	fprintf(f, "<p>CRL number %llu, this update ", a->crl_number);
	ESC(f, a->crl_this_update);
	fputs(", next update ", f);
	ESC(f, a->crl_next_update);
	if (expired)
		fprintf(f, ": <span class=\"days-left bad\" "
		    "data-days=\"-%lld\">expired %lld day%s ago</span></p>\n",
		    left, left, left == 1 ? "" : "s");
	else
		/* Colour only; ca-crl status (with its margin) says when. */
		fprintf(f, ": <span class=\"days-left %s\" data-days=\"%lld\">"
		    "%lld day%s left</span></p>\n", left < 14 ? "warn" : "good",
		    left, left, left == 1 ? "" : "s");
	fprintf(f, "<svg class=\"runway%s\""
	    " viewBox=\"0 0 %d 70\" width=\"%d\" height=\"70\" role=\"img\" "
	    "aria-label=\"CRL validity from this update to next update, with "
	    "now marked\">\n", expired ? " expired" : "", STRIP_W, STRIP_W);
	fprintf(f, "<rect class=\"track\" x=\"%d\" y=\"20\" width=\"%d\" "
	    "height=\"20\" rx=\"3\"/>\n", STRIP_X0, STRIP_X1 - STRIP_X0);
	fprintf(f, "<rect class=\"used\" x=\"%d\" y=\"20\" width=\"", STRIP_X0);
	coord(f, xn - STRIP_X0);
	fputs("\" height=\"20\" rx=\"3\"/>\n<line class=\"now\" x1=\"", f);
	coord(f, xn);
	fputs("\" x2=\"", f);
	coord(f, xn);
	fputs("\" y1=\"12\" y2=\"48\"/>\n<text class=\"now-label\" "
	    "text-anchor=\"middle\" x=\"", f);
	coord(f, xn);
	fputs("\" y=\"10\">now</text>\n", f);
	fprintf(f, "<text x=\"%d\" y=\"62\">", STRIP_X0);
	ESC(f, a->crl_this_update);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"62\" text-anchor=\"end\">",
	    STRIP_X1);
	ESC(f, a->crl_next_update);
	fputs("</text>\n</svg>\n", f);
pending:
	if (a->revoked_pending > 0)
		fprintf(f, "<p class=\"pending bad\">%lld revocation%s not yet "
		    "on a CRL: issue one.</p>\n", a->revoked_pending,
		    a->revoked_pending == 1 ? " is" : "s are");
	else
		fputs("<p class=\"pending\">Every revocation is on the newest "
		    "CRL.</p>\n", f);
	fputs("</section>\n", f);
}

static void
timeline(FILE *f, const struct ca_audit *a)
{
	const struct ca_audit_ceremony *c;
	time_t t, tmin = 0, tmax = 0;
	size_t i, imin = 0, imax = 0, n = a->nceremonies;
	int have = 0;
	double x;

	if (n > CA_AUDIT_MAX_CEREMONIES)
		n = CA_AUDIT_MAX_CEREMONIES;
	fputs("<section id=\"timeline\">\n<h2>Ceremonies</h2>\n", f);
	if (n == 0) {
		fputs("<p class=\"muted\">No ceremonies recorded.</p>\n"
		    "</section>\n", f);
		return;
	}
	if (a->ceremonies_total > (long long)n)
		fprintf(f, "<p class=\"muted\">The newest %zu of %lld "
		    "ceremonies.</p>\n", n, a->ceremonies_total);
	for (i = 0; i < n; i++) {
		if (!parse_time(a->ceremonies[i].first_time,
		    sizeof(a->ceremonies[i].first_time), &t))
			continue;
		if (!have || t < tmin) {
			tmin = t;
			imin = i;
		}
		if (!have || t > tmax) {
			tmax = t;
			imax = i;
		}
		have = 1;
	}
	if (have) {
		fprintf(f, "<svg class=\"strip\" viewBox=\"0 0 %d 56\" "
		    "width=\"%d\" height=\"56\" "
		    "role=\"img\" aria-label=\"Ceremonies over time\">\n"
		    "<line class=\"axisline\" x1=\"%d\" x2=\"%d\" y1=\"22\" "
		    "y2=\"22\"/>\n", STRIP_W, STRIP_W, STRIP_X0, STRIP_X1);
		for (i = 0; i < n; i++) {
			c = &a->ceremonies[i];
			if (!parse_time(c->first_time, sizeof(c->first_time),
			    &t))
				continue;
			x = tmax == tmin ? (STRIP_X0 + STRIP_X1) / 2.0 :
			    STRIP_X0 + (double)(t - tmin) / (double)(tmax -
			    tmin) * (STRIP_X1 - STRIP_X0);
			fputs("<circle class=\"dot\" r=\"6\" cy=\"22\" cx=\"",
			    f);
			coord(f, x);
			fputs("\"><title>", f);
			ESC(f, c->first_time);
			fputs(": ", f);
			ESC(f, c->ops);
			fputs("</title></circle>\n", f);
		}
		fprintf(f, "<text x=\"%d\" y=\"48\">", STRIP_X0);
		ESC(f, a->ceremonies[imin].first_time);
		fprintf(f, "</text>\n<text x=\"%d\" y=\"48\" "
		    "text-anchor=\"end\">", STRIP_X1);
		ESC(f, a->ceremonies[imax].first_time);
		fputs("</text>\n</svg>\n", f);
	}
	fputs("<ol class=\"ceremonies\">\n", f);
	for (i = 0; i < n; i++) {
		c = &a->ceremonies[i];
		fputs("<li class=\"ceremony\"><time datetime=\"", f);
		ESC(f, c->first_time);
		fputs("\">", f);
		ESC(f, c->first_time);
		fputs("</time>", f);
		if (strncmp(c->first_time, c->last_time,
		    sizeof(c->first_time)) != 0) {
			fputs(" &ndash; <time datetime=\"", f);
			ESC(f, c->last_time);
			fputs("\">", f);
			ESC(f, c->last_time);
			fputs("</time>", f);
		}
		fputs(": <b class=\"ops\">", f);
		ESC(f, c->ops);
		fputs("</b>", f);
		if (c->first_seq == c->last_seq)
			fprintf(f, " (record %lld)", c->first_seq);
		else
			fprintf(f, " (records %lld&ndash;%lld)", c->first_seq,
			    c->last_seq);
		fputs("; operator <span class=\"operator\">", f);
		if (c->operator_[0] != '\0')
			ESC(f, c->operator_);
		else
			fputs("<span class=\"warn\">not named</span>", f);
		fprintf(f, "</span>; <span class=\"%s\">%d witness%s</span>"
		    "</li>\n", c->witnesses > 0 ? "witnesses" :
		    "witnesses warn", c->witnesses,
		    c->witnesses == 1 ? "" : "es");
	}
	fputs("</ol>\n</section>\n", f);
}

/* x of time t on the plan's axis from t0 to t1. */
static double
plan_x(time_t t, time_t t0, time_t t1)
{
	double v = (double)(t - t0) / (double)(t1 - t0);

	v = v < 0 ? 0 : v > 1 ? 1 : v;
	return PLAN_X0 + v * (PLAN_X1 - PLAN_X0);
}

static void
plan_section(FILE *f, const struct ca_plan *p, const struct ca_site *site,
    time_t now)
{
	static const char *const kinds[] = { "ca", "issued", "crl" };
	time_t t1 = now + 365 * 86400;
	char d[21];
	size_t i, rows;
	int y, h, yr;

	fputs("<section id=\"plan\">\n<h2>Replacement plan</h2>\n<p>Site ", f);
	esc_str(f, site->name);
	if (site->zone != NULL) {
		fputs(" (zone ", f);
		esc_str(f, site->zone);
		fputs(")", f);
	}
	fprintf(f, ": %zu item%s, <span class=\"%s\">%zu warning%s</span>."
	    "</p>\n", p->n, p->n == 1 ? "" : "s", p->warnings ? "bad" : "good",
	    p->warnings, p->warnings == 1 ? "" : "s");
	/* The axis runs to the last expiry or window, at most 30 years. */
	for (i = 0; i < p->n; i++)
		if (p->items[i].expiry > t1)
			t1 = p->items[i].expiry;
	for (i = 0; i < site->nw; i++)
		if (site->w[i].end > t1)
			t1 = site->w[i].end;
	if (t1 > now + 30LL * 365 * 86400)
		t1 = now + 30LL * 365 * 86400;
	rows = p->n < PLAN_MAX_ROWS ? p->n : PLAN_MAX_ROWS;
	h = 30 + (int)rows * PLAN_ROW;
	fprintf(f, "<svg class=\"plan\" viewBox=\"0 0 %d %d\" width=\"%d\" "
	    "height=\"%d\" role=\"img\" aria-label=\"each item's life from "
	    "now to its expiry, the site's maintenance windows, and the "
	    "window to replace it in\">\n", PLAN_W, h, PLAN_W, h);
	for (i = 0; i < site->nw; i++) {
		double x0 = plan_x(site->w[i].start, now, t1);
		double x1 = plan_x(site->w[i].end, now, t1);

		if (site->w[i].end <= now || site->w[i].start >= t1)
			continue;
		fputs("<rect class=\"window\" x=\"", f);
		coord(f, x0);
		fputs("\" y=\"0\" width=\"", f);
		coord(f, x1 - x0 < 1.5 ? 1.5 : x1 - x0);
		fprintf(f, "\" height=\"%d\"/>\n", h - 20);
	}
	for (i = 0; i < rows; i++) {
		const struct ca_plan_item *x = &p->items[i];

		y = 6 + (int)i * PLAN_ROW;
		fprintf(f, "<g class=\"item %s%s\">\n<text class=\"label\" "
		    "x=\"4\" y=\"%d\">%s ", kinds[x->kind], x->warning[0] ?
		    " warn" : "", y + 12, kinds[x->kind]);
		ESC(f, x->subject);
		fprintf(f, "</text>\n<rect class=\"life\" x=\"%d\" y=\"%d\" "
		    "width=\"", PLAN_X0, y + 2);
		coord(f, plan_x(x->expiry, now, t1) - PLAN_X0);
		fputs("\" height=\"12\" rx=\"2\"/>\n", f);
		if (x->have_window && x->wstart > now) {
			fputs("<line class=\"replace\" x1=\"", f);
			coord(f, plan_x(x->wstart, now, t1));
			fputs("\" x2=\"", f);
			coord(f, plan_x(x->wstart, now, t1));
			fprintf(f, "\" y1=\"%d\" y2=\"%d\"/>\n", y, y + 16);
		}
		fputs("</g>\n", f);
	}
	/* A tick a year, labelled every fifth (and the first). */
	for (yr = 0; now + (time_t)yr * 365 * 86400 <= t1; yr++) {
		double tx = plan_x(now + (time_t)yr * 365 * 86400, now, t1);

		fputs("<line class=\"tick\" x1=\"", f);
		coord(f, tx);
		fputs("\" x2=\"", f);
		coord(f, tx);
		fprintf(f, "\" y1=\"%d\" y2=\"%d\"/>\n", h - 22, h - 16);
		if (yr % 5 == 0 || yr == 1) {
			fputs("<text class=\"year\" "
			    "text-anchor=\"middle\" x=\"", f);
			coord(f, tx);
			fprintf(f, "\" y=\"%d\">%s%d y</text>\n", h - 4,
			    yr ? "+" : "", yr);
		}
	}
	fputs("</svg>\n", f);
	fputs("<table class=\"plan\">\n<thead><tr><th>Kind</th><th>Subject"
	    "</th><th>Expires</th><th>Replace by</th><th>Warning</th></tr>"
	    "</thead>\n<tbody>\n", f);
	for (i = 0; i < p->n; i++) {
		const struct ca_plan_item *x = &p->items[i];

		fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", x->warning[0] ?
		    "warn" : "ok", kinds[x->kind]);
		ESC(f, x->subject);
		fputs("</td><td>", f);
		if (ca_time_rfc3339(x->expiry, d) == 0)
			esc_str(f, d);
		fputs("</td><td>", f);
		if (x->have_window && x->kind == CA_PLAN_CRL) {
			fputs("CRL ceremony ", f);
			if (ca_time_rfc3339(x->wstart, d) == 0)
				esc_str(f, d);
		} else if (x->have_window) {
			ESC(f, x->window);
			fputs(" (", f);
			if (ca_time_rfc3339(x->wstart, d) == 0)
				esc_str(f, d);
			fputs(")", f);
		}
		fputs("</td><td>", f);
		ESC(f, x->warning);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (p->n > rows)
		fprintf(f, "<p class=\"muted\">The timeline shows the first "
		    "%zu of %zu items; the table lists them all.</p>\n", rows,
		    p->n);
	fputs("</section>\n", f);
}

int
ca_audit_html(const struct ca_audit *a, char **out, size_t *len)
{
	return ca_audit_html_plan(a, NULL, NULL, out, len);
}

int
ca_audit_html_plan(const struct ca_audit *a, const struct ca_plan *plan,
    const struct ca_site *site, char **out, size_t *len)
{
	int r = CA_ERR_INTERNAL;
	FILE *f = NULL;
	char *buf = NULL, stamp[21] = "";
	size_t n = 0;
	time_t now;

	if (out != NULL)
		*out = NULL;
	if (len != NULL)
		*len = 0;
	if (a == NULL || out == NULL)
		return CA_ERR_INVALID_ARG;
	/* The audit's own clock: the page says what the audit saw. */
	now = a->now;
	if ((f = open_memstream(&buf, &n)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (ca_time_rfc3339(now, stamp) != 0)
		stamp[0] = '\0';

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    /* Defence in depth: even a stray reference would load nothing. */
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>CA audit: ", f);
	ESC(f, a->ca_subject);
	fputs("</title>\n", f);
	css(f);
	fputs("</head>\n<body>\n<header>\n<h1>CA audit report</h1>\n"
	    "<div class=\"muted\">", f);
	ESC(f, a->ca_subject);
	fputs(" &middot; generated ", f);
	esc_str(f, stamp);
	fputs("</div>\n<nav><a href=\"#summary\">Summary</a>"
	    "<a href=\"#findings\">Findings</a>"
	    "<a href=\"#posture\">Posture</a>"
	    "<a href=\"#hierarchy\">Hierarchy</a>"
	    "<a href=\"#crl-runway\">CRL runway</a>", f);
	if (plan != NULL && site != NULL)
		fputs("<a href=\"#plan\">Replacement plan</a>", f);
	fputs("<a href=\"#timeline\">Ceremonies</a></nav>\n</header>\n"
	    "<main>\n", f);
	summary(f, a);
	findings(f, a);
	posture(f, a);
	hierarchy(f, a);
	runway(f, a, now);
	if (plan != NULL && site != NULL)
		plan_section(f, plan, site, now);
	timeline(f, a);
	fputs("</main>\n<footer>keyceremony " KC_VERSION " &middot; "
	    "ca-audit(1) &middot; this page loads nothing and runs no "
	    "code</footer>\n</body>\n</html>\n", f);

	/* open_memstream reports a failed growth only through the stream. */
	if (ferror(f)) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = CA_ERR_NOMEM;
		goto out;
	}
	f = NULL;
	*out = buf;
	buf = NULL;
	if (len != NULL)
		*len = n;
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return r;
}
