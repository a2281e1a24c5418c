/*
 * ca-issue: issue a batch of device certificates with an issuing CA's
 * key on its token.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca_err.h"
#include "cli.h"
#include "issue.h"
#include "secret.h"
#include "windows.h"

#define PROG "ca-issue"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -d CADIR --profile FILE "
	    "(--csrs FOLDER | --list FILE) --out FOLDER [--keep-going] "
	    "[--sessions N] [--not-before WHEN] [--not-after WHEN] "
	    "[--windows FILE [--site NAME]] [--pin-source SRC] "
	    "[--confirm-clock TIME] [--operator NAME] "
	    "[--witness NAME ...]\n");
}

/* A bar on the terminal, redrawn in place; nothing when not a tty. */
static void
bar(void *arg, const char *phase, size_t done, size_t total)
{
	int width = 40, fill;

	(void)arg;
	fill = total ? (int)(done * (size_t)width / total) : width;
	fprintf(stderr, "\r%-9s [%.*s%*s] %zu/%zu", phase, fill,
	    "########################################", width - fill, "",
	    done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "csrs", required_argument, NULL, 'c' },
		{ "list", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "pin-source", required_argument, NULL, 'P' },
		{ "not-before", required_argument, NULL, 'B' },
		{ "not-after", required_argument, NULL, 'A' },
		{ "windows", required_argument, NULL, 'W' },
		{ "site", required_argument, NULL, 's' },
		{ "operator", required_argument, NULL, 'O' },
		{ "witness", required_argument, NULL, 'w' },
		CLI_CLOCK_OPTION,
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *witnesses[CLI_MAX_WITNESSES];
	struct ca_issue_req req;
	struct ca_issue_result res;
	struct ca_errbuf eb = { 0 };
	const char *nb = NULL, *na = NULL, *wpath = NULL, *sname = NULL;
	const char *folder = NULL, *list = NULL;
	char by[512], **csrs = NULL, *end;
	size_t ncsrs = 0, i;
	long sessions;
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	req.prog = PROG;
	req.witnesses = witnesses;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': req.dir = optarg; break;
		case 'p': req.profile_path = optarg; break;
		case 'c': folder = optarg; break;
		case 'l': list = optarg; break;
		case 'o': req.out_dir = optarg; break;
		case 'k': req.keep_going = 1; break;
		case 'S':
			sessions = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || sessions < 1 ||
			    sessions > CA_ISSUE_MAX_SESSIONS) {
				fprintf(stderr, PROG ": --sessions takes a "
				    "number from 1 to %d\n",
				    CA_ISSUE_MAX_SESSIONS);
				return CA_EXIT_USAGE;
			}
			req.sessions = (int)sessions;
			break;
		case 'P': req.pin_source = optarg; break;
		case 'B': nb = optarg; break;
		case 'A': na = optarg; break;
		case 'W': wpath = optarg; break;
		case 's': sname = optarg; break;
		case 'O': req.operator_ = optarg; break;
		case 'w':
			if ((r = cli_witness(PROG, witnesses, &req.nwitnesses,
			    optarg)) != 0)
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
	if (optind != argc || req.dir == NULL || req.profile_path == NULL ||
	    req.out_dir == NULL || (folder == NULL) == (list == NULL)) {
		fprintf(stderr, PROG ": give -d CADIR, --profile FILE, --out "
		    "FOLDER and one of --csrs FOLDER or --list FILE\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, req.pin_source)) != 0)
		return r;
	if ((r = ca_windows_staged(wpath, sname, nb, na, &req.not_before,
	    &req.not_after, by, sizeof(by), &eb)) != 0) {
		fprintf(stderr, PROG ": %s\n", eb.msg[0] ? eb.msg :
		    ca_strerror(r));
		return CA_EXIT_USAGE;
	}
	if (by[0] != '\0')
		req.staged_by = by;
	if ((r = folder != NULL ? ca_reqlist_folder(folder, &csrs, &ncsrs,
	    &eb) : ca_reqlist_file(list, &csrs, &ncsrs, &eb)) != 0)
		return cli_fail(PROG, "cannot read the requests", r, &eb);
	req.csrs = (const char *const *)csrs;
	req.ncsrs = ncsrs;
	req.prompt = ca_prompt_tty;
	req.now = time(NULL);
	if (isatty(STDERR_FILENO))
		req.progress = bar;

	r = ca_issue(&req, &res, &eb);
	/* With --keep-going, the refused requests, each on its line. */
	if (r == 0)
		for (i = 0; i < res.nbad; i++)
			fprintf(stderr, PROG ": refused \"%s\": %s\n",
			    res.bad[i].csr, res.bad[i].reason);
	if (r == CA_ERR_CSR) {
		/* The message says which request and what to do. */
		fprintf(stderr, PROG ": cannot issue: %s\n", eb.msg);
		r = ca_exit_status(r);
		goto out;
	}
	if (r != 0) {
		r = cli_fail(PROG, "cannot issue", r, &eb);
		goto out;
	}
	cli_warn(PROG, &eb);
	printf("Issued %zu device certificate%s of %zu request%s", res.issued,
	    res.issued == 1 ? "" : "s", ncsrs, ncsrs == 1 ? "" : "s");
	if (res.nbad > 0)
		printf(" (%zu refused, listed above and in the record)",
		    res.nbad);
	printf("\n");
	printf("  valid:    %s to %s%s\n", res.not_before, res.not_after,
	    res.truncated ? " (cut to the issuer's end)" : "");
	if (req.not_before != 0 || req.not_after != 0)
		printf("  staged:   %s; load them in that window\n",
		    req.staged_by ? req.staged_by : "at the times given");
	printf("  out:      %s (NAME.pem for each NAME.csr)\n", req.out_dir);
	printf("  chain:    %s\n", res.chain_path);
	printf("  sessions: %d\n", res.sessions);
	printf("\nLog head after this record (write on the paper script):\n");
	printf("sha256:%s\n", res.head);
	r = res.nbad > 0 ? CA_EXIT_PARTIAL : CA_EXIT_OK;
out:
	ca_issue_result_free(&res);
	ca_reqlist_free(csrs, ncsrs);
	return r;
}
