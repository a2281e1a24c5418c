/*
 * ca-plan: when each certificate and CRL of CA directories must be
 * replaced, against a site's maintenance windows.  Reads only: no token,
 * no record.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "cli.h"
#include "plan.h"
#include "timefmt.h"
#include "windows.h"

#define PROG "ca-plan"
#define MAX_DIRS 64

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --windows FILE [--site NAME] "
	    "[--margin DURATION] [--json] -d DIR ...\n");
}

static void
day(time_t t, char out[21])
{
	if (ca_time_rfc3339(t, out) != 0)
		snprintf(out, 21, "?");
	out[10] = '\0';
}

static void
print_text(const struct ca_plan *p, const struct ca_site *site,
    const char *margin)
{
	static const char *const kinds[] = { "ca", "issued", "crl" };
	char e[21], a[21], b[21];
	size_t i;

	printf("Site \"%s\"%s%s%s: %zu window%s; margin %s\n\n", site->name,
	    site->zone ? " (zone " : "", site->zone ? site->zone : "",
	    site->zone ? ")" : "", site->nw, site->nw == 1 ? "" : "s", margin);
	for (i = 0; i < p->n; i++) {
		const struct ca_plan_item *x = &p->items[i];

		day(x->expiry, e);
		printf("%-6s  %s\n", kinds[x->kind], x->subject);
		printf("        %s %s, in %s\n", x->kind == CA_PLAN_CRL ?
		    "nextUpdate" : "expires", e, x->dir);
		if (x->have_window && x->kind == CA_PLAN_CRL) {
			day(x->wstart, a);
			printf("        next CRL ceremony %s\n", a);
		} else if (x->have_window) {
			day(x->wstart, a);
			day(x->wend, b);
			printf("        replace by window \"%s\" (%s to %s)\n",
			    x->window, a, b);
		}
		if (x->warning[0] != '\0')
			printf("        warning: %s\n", x->warning);
	}
	printf("\n%zu item%s, %zu warning%s\n", p->n, p->n == 1 ? "" : "s",
	    p->warnings, p->warnings == 1 ? "" : "s");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "windows", required_argument, NULL, 'W' },
		{ "site", required_argument, NULL, 's' },
		{ "margin", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *dirs[MAX_DIRS], *wpath = NULL, *sname = NULL;
	const char *margin_s = "30d";
	struct ca_windows *w = NULL;
	const struct ca_site *site;
	struct ca_plan *p = NULL;
	struct ca_duration margin;
	struct ca_errbuf eb = { 0 };
	size_t ndirs = 0, len = 0;
	char *js = NULL, m[48];
	int c, r, json = 0, status = 2;

	if ((r = cli_start(PROG)) != 0)
		return r;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (ndirs == MAX_DIRS) {
				fprintf(stderr, PROG ": at most %d -d DIR\n",
				    MAX_DIRS);
				return 2;
			}
			dirs[ndirs++] = optarg;
			break;
		case 'W': wpath = optarg; break;
		case 's': sname = optarg; break;
		case 'm': margin_s = optarg; break;
		case 'j': json = 1; break;
		default:
			return cli_common_opt(PROG, c, usage);
		}
	}
	if (optind != argc || wpath == NULL || ndirs == 0) {
		fprintf(stderr, PROG ": give --windows FILE and -d DIR\n");
		usage(stderr);
		return 2;
	}
	if (ca_duration_parse(margin_s, &margin) != 0) {
		fprintf(stderr, PROG ": --margin \"%s\" is not a duration such "
		    "as \"30d\" or \"2m\"\n", margin_s);
		return 2;
	}
	if ((r = ca_windows_load_site(wpath, sname, &w, &site, &eb)) != 0) {
		fprintf(stderr, PROG ": %s\n", eb.msg[0] ? eb.msg :
		    ca_strerror(r));
		goto out;
	}
	if ((r = ca_plan_build(dirs, ndirs, w, site, &margin, time(NULL), &p,
	    &eb)) != 0) {
		fprintf(stderr, PROG ": cannot plan: %s%s\n", eb.msg[0] ?
		    eb.msg : ca_strerror(r), ca_err_hint(r));
		goto out;
	}
	ca_duration_format(&margin, m);
	if (json) {
		if (ca_plan_json(p, site, &margin, &js, &len) != 0 ||
		    fwrite(js, 1, len, stdout) != len || putchar('\n') == EOF) {
			fprintf(stderr, PROG ": cannot write the JSON plan\n");
			goto out;
		}
	} else {
		print_text(p, site, m);
	}
	/* Like ca-audit: 0 nothing to act on, 1 warnings, 2 no plan. */
	status = p->warnings > 0 ? 1 : 0;
out:
	free(js);
	ca_plan_free(p);
	ca_windows_free(w);
	return status;
}
