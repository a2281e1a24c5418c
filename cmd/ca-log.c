/*
 * ca-log: verify a CA directory's ceremony log.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ca_err.h"
#include "cli.h"
#include "dircheck.h"
#include "envinfo.h"
#include "secret.h"

#define PROG "ca-log"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " verify -d DIR [--anchor SHA256]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "anchor", required_argument, NULL, 'A' },
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct ca_log_summary sum;
	struct ca_errbuf eb = { "" };
	const char *dir = NULL, *anchor = NULL;
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'A': anchor = optarg; break;
		default:
			return cli_common_opt(PROG, c, usage);
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "verify") != 0 ||
	    dir == NULL) {
		fprintf(stderr, PROG ": say \"verify\" and give -d DIR\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = ca_dir_verify_log(dir, anchor, &sum, &eb)) != 0) {
		fprintf(stderr, PROG ": \"%s\" does not verify: %s\n", dir,
		    eb.msg[0] ? eb.msg : ca_strerror(r));
		return ca_exit_status(r);
	}
	printf("log verifies: %lld record%s, %s to %s\n", sum.count,
	    sum.count == 1 ? "" : "s", sum.first_time, sum.last_time);
	printf("log id: %s\n", sum.log_id);
	printf("head:   sha256:%s\n", sum.head);
	if (anchor == NULL)
		printf("note: no --anchor given, so ca.pem itself was not "
		    "checked against the fingerprint on paper\n");
	return CA_EXIT_OK;
}
