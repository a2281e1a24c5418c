/*
 * ca-crl: revoke certificates, issue and export CRLs, and tell when the
 * next CRL ceremony is due.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "cli.h"
#include "revoke.h"

#define PROG "ca-crl"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " revoke -d DIR (--serial HEX | --cert FILE) "
	    "--reason REASON [--invalidity-date TIME] [--pin-source SRC] "
	    "[--confirm-clock TIME] [--operator NAME] [--witness NAME ...]\n"
	    "       " PROG " issue -d DIR [--next-update DURATION] "
	    "[--idp full|scope|none] [--out FOLDER] [--pin-source SRC] "
	    "[--confirm-clock TIME] [--operator NAME] [--witness NAME ...]\n"
	    "       " PROG " status -d DIR [--margin DURATION]\n"
	    "       " PROG " export -d DIR --out FOLDER\n");
}

struct opts {
	const char *dir, *serial, *cert, *reason, *invalidity, *next_update;
	const char *out, *margin, *idp;
	const char *witnesses[CLI_MAX_WITNESSES];
	struct ca_session c;
};

static int
do_revoke(struct opts *o)
{
	struct ca_revoke_req req;
	struct ca_revoke_result res;
	struct ca_errbuf eb = { 0 };
	int r;

	memset(&req, 0, sizeof(req));
	req.dir = o->dir;
	req.serial = o->serial;
	req.cert_path = o->cert;
	req.reason = o->reason;
	req.invalidity = o->invalidity;
	if ((r = ca_revoke(&req, &o->c, &res, &eb)) != 0)
		return cli_fail(PROG, "cannot revoke", r, &eb);
	printf("Revoked serial %s\n", res.serial);
	printf("  subject:     %s\n", res.subject);
	printf("  reason:      %s\n", o->reason);
	printf("  revoked now: %lld certificate%s\n", res.count,
	    res.count == 1 ? "" : "s");
	printf("\nThe revocation takes effect with the next CRL: run "
	    PROG " issue.\n");
	printf("Log head after this record (write on the paper script):\n");
	printf("sha256:%s\n", res.head);
	cli_warn(PROG, &eb);
	return CA_EXIT_OK;
}

static int
do_issue(struct opts *o)
{
	struct ca_crl_req req;
	struct ca_crl_result res;
	struct ca_errbuf eb = { 0 };
	int r;

	memset(&req, 0, sizeof(req));
	req.dir = o->dir;
	req.next_update = o->next_update;
	req.idp = o->idp;
	req.out = o->out;
	r = ca_crl_issue(&req, &o->c, &res, &eb);
	if (r != 0 && res.number == 0)
		return cli_fail(PROG, "cannot issue the crl", r, &eb);
	printf("Issued CRL number %llu\n", res.number);
	printf("  thisUpdate:  %s\n", res.this_update);
	printf("  nextUpdate:  %s\n", res.next_update);
	printf("  entries:     %lld\n", res.entries);
	printf("  files:       %s\n               %s\n", res.der_path,
	    res.pem_path);
	printf("  sha256:      %s\n", res.der_sha256);
	if (o->out != NULL && r == 0)
		printf("  export:      %s\n", o->out);
	printf("\nLog head after this record (write on the paper script):\n");
	printf("sha256:%s\n", res.head);
	cli_warn(PROG, &eb);
	if (r != 0) {
		/* Not cli_fail: its hint would say to run this again. */
		fprintf(stderr, PROG ": %s; do not issue again: copy it with "
		    "\"ca-crl export -d %s --out NEWFOLDER\"\n", eb.msg,
		    o->dir);
		return ca_exit_status(r);
	}
	return CA_EXIT_OK;
}

static int
do_status(struct opts *o)
{
	static const char *const states[] = { "ok", "warning", "expired" };
	struct ca_crl_status st;
	struct ca_errbuf eb = { 0 };
	int r;

	if ((r = ca_crl_status_get(o->dir, o->margin, o->c.now, &st, &eb)) !=
	    0)
		return cli_fail(PROG, "cannot tell the crl status", r, &eb);
	printf("crl number:  %llu\n", st.number);
	printf("thisUpdate:  %s\n", st.this_update);
	if (st.days_left >= 0)
		printf("nextUpdate:  %s (%lld days left)\n", st.next_update,
		    st.days_left);
	else
		printf("nextUpdate:  %s (expired %lld days ago)\n",
		    st.next_update, -st.days_left);
	if (st.days_to_due >= 0)
		printf("next CRL ceremony due by: %s (in %lld days)\n",
		    st.due, st.days_to_due);
	else
		printf("next CRL ceremony due by: %s (overdue by %lld days)\n",
		    st.due, -st.days_to_due);
	printf("status:      %s\n", states[st.state]);
	if (st.state == CA_CRL_EXPIRED) {
		fprintf(stderr, PROG ": the crl of \"%s\" has expired: every "
		    "chain that checks it now fails; issue one at once\n",
		    o->dir);
		return CA_EXIT_CRL_EXPIRED;
	}
	if (st.state == CA_CRL_WARNING) {
		fprintf(stderr, PROG ": warning: the next crl ceremony for "
		    "\"%s\" is due by %s\n", o->dir, st.due);
		return CA_EXIT_CRL_WARNING;
	}
	return CA_EXIT_OK;
}

static int
do_export(struct opts *o)
{
	struct ca_errbuf eb = { 0 };
	int r;

	if ((r = ca_crl_export(o->dir, o->out, &eb)) != 0)
		return cli_fail(PROG, "cannot export", r, &eb);
	printf("Exported the newest CRL, the CA certificate and SHA256SUMS "
	    "to \"%s\"\n", o->out);
	cli_warn(PROG, &eb);
	return CA_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "serial", required_argument, NULL, 's' },
		{ "cert", required_argument, NULL, 'c' },
		{ "reason", required_argument, NULL, 'r' },
		{ "invalidity-date", required_argument, NULL, 'i' },
		{ "next-update", required_argument, NULL, 'n' },
		{ "margin", required_argument, NULL, 'm' },
		{ "idp", required_argument, NULL, 'I' },
		{ "out", required_argument, NULL, 'o' },
		{ "pin-source", required_argument, NULL, 'P' },
		{ "operator", required_argument, NULL, 'O' },
		{ "witness", required_argument, NULL, 'w' },
		CLI_CLOCK_OPTION,
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	const char *verb;
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&o, 0, sizeof(o));
	o.c.prog = PROG;
	o.c.witnesses = o.witnesses;
	o.c.prompt = ca_prompt_tty;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 's': o.serial = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'r': o.reason = optarg; break;
		case 'i': o.invalidity = optarg; break;
		case 'n': o.next_update = optarg; break;
		case 'm': o.margin = optarg; break;
		case 'I': o.idp = optarg; break;
		case 'o': o.out = optarg; break;
		case 'P': o.c.pin_source = optarg; break;
		case 'O': o.c.operator_ = optarg; break;
		case 'w':
			if ((r = cli_witness(PROG, o.witnesses,
			    &o.c.nwitnesses, optarg)) != 0)
				return r;
			break;
		case CLI_OPT_CONFIRM_CLOCK:
			if ((r = cli_confirm_clock(PROG, optarg)) != 0)
				return r;
			break;
		default:
			return cli_common_opt(PROG, c, usage);
		}
	}
	if (optind + 1 != argc || o.dir == NULL) {
		fprintf(stderr, PROG ": give one of revoke, issue, status or "
		    "export, and -d DIR\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, o.c.pin_source)) != 0)
		return r;
	o.c.now = time(NULL);
	verb = argv[optind];
	if (strcmp(verb, "revoke") == 0) {
		if ((o.serial == NULL) == (o.cert == NULL) ||
		    o.reason == NULL) {
			fprintf(stderr, PROG ": revoke needs --serial or "
			    "--cert, and --reason\n");
			return CA_EXIT_USAGE;
		}
		return do_revoke(&o);
	}
	if (strcmp(verb, "issue") == 0)
		return do_issue(&o);
	if (strcmp(verb, "status") == 0)
		return do_status(&o);
	if (strcmp(verb, "export") == 0) {
		if (o.out == NULL) {
			fprintf(stderr, PROG ": export needs --out FOLDER\n");
			return CA_EXIT_USAGE;
		}
		return do_export(&o);
	}
	fprintf(stderr, PROG ": unknown command \"%s\"\n", verb);
	usage(stderr);
	return CA_EXIT_USAGE;
}
