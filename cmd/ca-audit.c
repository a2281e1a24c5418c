/*
 * ca-audit: verify a CA directory end to end, from its files alone, and
 * report what an auditor needs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "ca_err.h"
#include "cli.h"
#include "encode.h"
#include "fsio.h"
#include "plan.h"
#include "timefmt.h"
#include "windows.h"

#define PROG "ca-audit"
#define MAX_BINARIES 64

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -d DIR --anchor SHA256 "
	    "[--expect-head HEX] [--binary SHA256 ...] "
	    "[--device-lifetime YEARS] [--json] "
	    "[--html FILE [--windows FILE [--site NAME] "
	    "[--margin DURATION]]]\n");
}

static void
print_text(const struct ca_audit *a, const struct ca_plan *plan)
{
	size_t i;

	printf("CA:          %s (%s, %s)\n", a->ca_subject[0] ? a->ca_subject :
	    "?", a->kind[0] ? a->kind : "?", a->algorithm);
	printf("root:        %s\n", a->root_subject[0] ? a->root_subject : "?");
	printf("anchor:      %s\n", a->anchored ? "matches the root" :
	    "NOT MATCHED");
	printf("log:         %lld records, head sha256:%s (%s)\n", a->records,
	    a->head, a->head_checked > 0 ? "matches the paper" :
	    a->head_checked < 0 ? "DIFFERS FROM THE PAPER" :
	    "not compared: give --expect-head");
	printf("state:       %lld issued, %lld revoked, %lld CRLs (newest "
	    "%llu, next update %s)\n", a->issued, a->revoked, a->crls,
	    a->crl_number, a->crl_next_update[0] ? a->crl_next_update :
	    "none");
	printf("checked:     %lld signatures\n", a->signatures_verified);
	if (plan != NULL)
		printf("plan:        %zu items, %zu warnings: see the "
		    "replacement plan in the HTML report\n", plan->n,
		    plan->warnings);
	for (i = 0; i < a->nfindings; i++) {
		const struct ca_finding *f = &a->findings[i];

		printf("%s: %s: record %lld%s%s: %s\n",
		    ca_severity_name(f->sev), f->check, f->seq,
		    f->file[0] ? " " : "", f->file, f->reason);
	}
	if (a->findings_dropped > 0)
		printf("(%lld more findings not listed)\n",
		    a->findings_dropped);
	printf("result:      %s\n", ca_audit_passed(a) ? "PASS" : "FAIL");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "anchor", required_argument, NULL, 'A' },
		{ "expect-head", required_argument, NULL, 'E' },
		{ "binary", required_argument, NULL, 'B' },
		{ "device-lifetime", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "windows", required_argument, NULL, 'W' },
		{ "site", required_argument, NULL, 's' },
		{ "margin", required_argument, NULL, 'm' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct ca_audit_req req;
	const char *binaries[MAX_BINARIES];
	size_t nbin = 0, k;
	struct ca_audit *a = NULL;
	struct ca_errbuf eb = { 0 };
	const char *html = NULL, *wpath = NULL, *sname = NULL;
	const char *margin_s = "30d";
	struct ca_windows *w = NULL;
	const struct ca_site *site = NULL;
	struct ca_plan *plan = NULL;
	struct ca_duration margin;
	char *buf = NULL, *end;
	size_t len = 0;
	int c, r, json = 0, status = 2;

	if ((r = cli_start(PROG)) != 0)
		return 2;
	memset(&req, 0, sizeof(req));
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': req.dir = optarg; break;
		case 'A': req.anchor = optarg; break;
		case 'E': req.expect_head = optarg; break;
		case 'B':
			/* Each release's binaries: a few per command. */
			for (k = 0; ca_hex_digit((unsigned char)optarg[k]) >=
			    0; k++)
				;
			if (k != 64 || optarg[k] != '\0') {
				fprintf(stderr, PROG ": --binary takes a "
				    "SHA-256 as 64 hex digits, as each "
				    "command's --version prints it\n");
				return 2;
			}
			if (nbin == MAX_BINARIES) {
				fprintf(stderr, PROG ": at most %d --binary\n",
				    MAX_BINARIES);
				return 2;
			}
			binaries[nbin++] = optarg;
			break;
		case 'L':
			req.device_lifetime_years = (int)strtol(optarg, &end,
			    10);
			if (*end != '\0' || req.device_lifetime_years < 1 ||
			    req.device_lifetime_years > 100) {
				fprintf(stderr, PROG ": --device-lifetime "
				    "takes years, 1 to 100\n");
				return 2;
			}
			break;
		case 'j': json = 1; break;
		case 'H': html = optarg; break;
		case 'W': wpath = optarg; break;
		case 's': sname = optarg; break;
		case 'm': margin_s = optarg; break;
		default:
			return cli_common_opt(PROG, c, usage);
		}
	}
	if (optind != argc || req.dir == NULL) {
		fprintf(stderr, PROG ": give -d DIR (and --anchor)\n");
		usage(stderr);
		return 2;
	}
	if (wpath != NULL && html == NULL) {
		fprintf(stderr, PROG ": --windows adds a section to the --html "
		    "report; give --html FILE too, or use ca-plan\n");
		return 2;
	}
	if (ca_duration_parse(margin_s, &margin) != 0) {
		fprintf(stderr, PROG ": --margin \"%s\" is not a duration such "
		    "as \"30d\"\n", margin_s);
		return 2;
	}
	req.binaries = binaries;
	req.nbinaries = nbin;
	req.now = time(NULL);
	/* The replacement plan for the report, before the audit runs. */
	if (wpath != NULL) {
		if ((r = ca_windows_load_site(wpath, sname, &w, &site,
		    &eb)) != 0) {
			fprintf(stderr, PROG ": %s\n", eb.msg[0] ? eb.msg :
			    ca_strerror(r));
			goto out;
		}
		if ((r = ca_plan_build(&req.dir, 1, w, site, &margin, req.now,
		    &plan, &eb)) != 0) {
			fprintf(stderr, PROG ": cannot plan for \"%s\": %s\n",
			    req.dir, eb.msg[0] ? eb.msg : ca_strerror(r));
			goto out;
		}
	}
	/* Exit statuses are the audit's own: 0 pass, 1 findings, 2 no run. */
	if ((r = ca_audit_run(&req, &a, &eb)) != 0) {
		fprintf(stderr, PROG ": cannot audit \"%s\": %s%s\n", req.dir,
		    eb.msg[0] ? eb.msg : ca_strerror(r), ca_err_hint(r));
		goto out;
	}
	if (json) {
		if ((r = ca_audit_json(a, &buf, &len)) != 0 ||
		    fwrite(buf, 1, len, stdout) != len ||
		    putchar('\n') == EOF || fflush(stdout) == EOF) {
			fprintf(stderr, PROG ": cannot write the JSON report: "
			    "%s; run the audit again with enough memory and "
			    "somewhere to write to\n", r != 0 ? ca_strerror(r) :
			    "standard output refused it");
			goto out;
		}
		free(buf);
		buf = NULL;
	} else {
		print_text(a, plan);
	}
	if (html != NULL) {
		eb.msg[0] = '\0';
		if ((r = ca_audit_html_plan(a, plan, site, &buf, &len)) != 0 ||
		    (r = ca_write_file_atomic(html, buf, len, 0644, 0,
		    &eb)) != 0) {
			fprintf(stderr, PROG ": cannot write \"%s\": %s%s\n",
			    html, eb.msg[0] ? eb.msg : ca_strerror(r),
			    ca_err_hint(r));
			goto out;
		}
		cli_warn(PROG, &eb);
	}
	status = ca_audit_passed(a) ? 0 : 1;
out:
	free(buf);
	ca_audit_free(a);
	ca_plan_free(plan);
	ca_windows_free(w);
	return status;
}
