/*
 * ca-sign-sub: sign a subordinate CA certificate, or a cross-certificate,
 * with a CA's key on its token.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "cli.h"
#include "envinfo.h"
#include "secret.h"
#include "subca.h"
#include "timefmt.h"
#include "windows.h"

#define PROG "ca-sign-sub"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -d ROOTDIR --csr FILE --profile FILE "
	    "[--out FILE] [--der] [--not-before WHEN] [--not-after WHEN] "
	    "[--windows FILE [--site NAME]] "
	    "[--pin-source SRC] [--confirm-clock TIME] "
	    "[--operator NAME] [--witness NAME ...]\n"
	    "       " PROG " -d ROOTDIR --cross CERT --profile FILE "
	    "[--out FILE] [--der] [--not-before WHEN] [--not-after WHEN] "
	    "[--windows FILE [--site NAME]] "
	    "[--pin-source SRC] [--confirm-clock TIME] "
	    "[--operator NAME] [--witness NAME ...]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "csr", required_argument, NULL, 'c' },
		{ "cross", required_argument, NULL, 'x' },
		{ "profile", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "der", no_argument, NULL, 'D' },
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
	struct ca_sign_req req;
	struct ca_sign_result res;
	struct ca_errbuf eb = { 0 };
	const char *nb = NULL, *na = NULL, *wpath = NULL, *sname = NULL;
	char by[512];
	size_t i;
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	req.prog = PROG;
	req.witnesses = witnesses;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': req.dir = optarg; break;
		case 'c': req.csr_path = optarg; break;
		case 'x': req.cross_path = optarg; break;
		case 'p': req.profile_path = optarg; break;
		case 'o': req.out_path = optarg; break;
		case 'D': req.der = 1; break;
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
	    (req.csr_path == NULL) == (req.cross_path == NULL)) {
		fprintf(stderr, PROG ": give -d ROOTDIR, --profile FILE and "
		    "one of --csr FILE or --cross CERT\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, req.pin_source)) != 0)
		return r;
	if (req.der && req.out_path == NULL) {
		fprintf(stderr, PROG ": --der needs --out FILE (the copy in "
		    "issued/ is always PEM)\n");
		return CA_EXIT_USAGE;
	}
	req.prompt = ca_prompt_tty;
	req.now = time(NULL);
	/* Staged: the times, from the windows when named so. */
	if ((r = ca_windows_staged(wpath, sname, nb, na, &req.not_before,
	    &req.not_after, by, sizeof(by), &eb)) != 0) {
		fprintf(stderr, PROG ": %s\n", eb.msg[0] ? eb.msg :
		    ca_strerror(r));
		return CA_EXIT_USAGE;
	}
	if (by[0] != '\0')
		req.staged_by = by;

	r = ca_sign_sub(&req, &res, &eb);
	/* Warnings come before the outcome: they matter either way. */
	for (i = 0; i < res.warnings.n; i++)
		fprintf(stderr, PROG ": warning: %s\n", res.warnings.msg[i]);
	if (r != 0)
		return cli_fail(PROG, "cannot sign", r, &eb);
	cli_warn(PROG, &eb);
	printf("Signed %s certificate\n", req.csr_path ? "subordinate CA" :
	    "cross");
	printf("  subject:     %s\n", res.subject);
	printf("  serial:      %s\n", res.serial);
	printf("  valid:       %s to %s%s\n", res.not_before, res.not_after,
	    res.truncated ? " (cut to the issuer's end)" : "");
	if (req.not_before != 0 || req.not_after != 0)
		printf("  staged:      %s; load it in that window\n",
		    req.staged_by ? req.staged_by : "at the times given");
	printf("  certificate: %s\n", res.out_path);
	printf("  chain:       %s\n", res.chain_path);
	printf("  sha256:      %s\n", res.fingerprint);
	printf("\nLog head after this record (write on the paper script):\n");
	printf("sha256:%s\n", res.head);
	return CA_EXIT_OK;
}
