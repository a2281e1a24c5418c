/*
 * ca-backup: back up a backup-capable root's keys under a trusted
 * wrapping key split among custodians, test the backup on a scratch
 * token, and restore it into a new token.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "ca_err.h"
#include "cli.h"

#define PROG "ca-backup"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " wrap-key -d DIR --custodians N "
	    "--threshold M --shares-out FOLDER [--so-pin-source SRC] "
	    "[--pin-source SRC] [--confirm-clock TIME] [--operator NAME] "
	    "[--witness NAME ...]\n"
	    "       " PROG " backup -d DIR --out FOLDER --scratch-token URI "
	    "[--scratch-pin-source SRC] [--wrap-shares SRC] "
	    "[--pin-source SRC] [--confirm-clock TIME] [--operator NAME] "
	    "[--witness NAME ...]\n"
	    "       " PROG " restore -d DIR --from FOLDER --token URI "
	    "[--module PATH] [--pin-source SRC] [--pin-shares SRC] "
	    "[--wrap-shares SRC] [--confirm-clock TIME] [--operator NAME] "
	    "[--witness NAME ...]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "custodians", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 'm' },
		{ "shares-out", required_argument, NULL, 'S' },
		{ "so-pin-source", required_argument, NULL, 'X' },
		{ "out", required_argument, NULL, 'o' },
		{ "scratch-token", required_argument, NULL, 't' },
		{ "scratch-pin-source", required_argument, NULL, 'Y' },
		{ "wrap-shares", required_argument, NULL, 'W' },
		{ "from", required_argument, NULL, 'f' },
		{ "token", required_argument, NULL, 'T' },
		{ "module", required_argument, NULL, 'M' },
		{ "pin-shares", required_argument, NULL, 'Z' },
		{ "pin-source", required_argument, NULL, 'P' },
		{ "operator", required_argument, NULL, 'O' },
		{ "witness", required_argument, NULL, 'w' },
		CLI_CLOCK_OPTION,
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *witnesses[CLI_MAX_WITNESSES];
	struct ca_session s;
	struct ca_wrap_key_req wk;
	struct ca_backup_req bk;
	struct ca_restore_req rs;
	struct ca_backup_result res;
	struct ca_errbuf eb = { 0 };
	const char *dir = NULL, *verb, *so_pin = NULL;
	char head[65];
	int c, r, custodians = 0, threshold = 0;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&s, 0, sizeof(s));
	memset(&wk, 0, sizeof(wk));
	memset(&bk, 0, sizeof(bk));
	memset(&rs, 0, sizeof(rs));
	s.prog = PROG;
	s.witnesses = witnesses;
	s.prompt = ca_prompt_tty;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n':
			if ((r = cli_count(PROG, "--custodians", optarg, 2, 16,
			    &custodians)) != 0)
				return r;
			break;
		case 'm':
			if ((r = cli_count(PROG, "--threshold", optarg, 2, 16,
			    &threshold)) != 0)
				return r;
			break;
		case 'S': wk.shares_out = optarg; break;
		case 'X': so_pin = optarg; break;
		case 'o': bk.out = optarg; break;
		case 't': bk.scratch_uri = optarg; break;
		case 'Y': bk.scratch_pin_source = optarg; break;
		case 'W': bk.wrap_shares = rs.wrap_shares = optarg; break;
		case 'f': rs.from = optarg; break;
		case 'T': rs.token_uri = optarg; break;
		case 'M': rs.module = optarg; break;
		case 'Z': rs.pin_shares = optarg; break;
		case 'P': s.pin_source = optarg; break;
		case 'O': s.operator_ = optarg; break;
		case 'w':
			if ((r = cli_witness(PROG, witnesses, &s.nwitnesses,
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
	if (optind + 1 != argc || dir == NULL) {
		fprintf(stderr, PROG ": give one of wrap-key, backup or "
		    "restore, and -d DIR\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, s.pin_source)) != 0 ||
	    (r = cli_pin_source(PROG, so_pin)) != 0 ||
	    (r = cli_pin_source(PROG, bk.scratch_pin_source)) != 0)
		return r;
	s.now = time(NULL);
	verb = argv[optind];
	if (strcmp(verb, "wrap-key") == 0) {
		if (custodians == 0 || threshold == 0 ||
		    wk.shares_out == NULL) {
			fprintf(stderr, PROG ": wrap-key takes --custodians N, "
			    "--threshold M and --shares-out FOLDER\n");
			return CA_EXIT_USAGE;
		}
		wk.dir = dir;
		wk.m = (unsigned)threshold;
		wk.n = (unsigned)custodians;
		wk.so_pin_source = so_pin;
		if ((r = ca_backup_wrap_key(&wk, &s, head, &eb)) != 0)
			return cli_fail(PROG, "cannot make the backup key", r,
			    &eb);
		printf("The backup wrapping key is on the token, marked "
		    "trusted; its value is split %d of %d: one share file per "
		    "custodian in \"%s\".\nHand each custodian their own file "
		    "now; nobody else holds the key.\n", threshold, custodians,
		    wk.shares_out);
	} else if (strcmp(verb, "backup") == 0) {
		if (bk.out == NULL || bk.scratch_uri == NULL) {
			fprintf(stderr, PROG ": backup takes --out FOLDER and "
			    "--scratch-token URI\n");
			return CA_EXIT_USAGE;
		}
		bk.dir = dir;
		if ((r = ca_backup_run(&bk, &s, &res, &eb)) != 0)
			return cli_fail(PROG, "cannot back up the keys", r,
			    &eb);
		memcpy(head, res.head, sizeof(head));
		printf("Backed up the CA and log-signing keys to \"%s\", "
		    "wrapped with %s under the key with check value %s;\n"
		    "the test restore into the scratch token signed as the "
		    "certificates say.\n  ca-key.wrapped   sha256:%s\n"
		    "  log-key.wrapped  sha256:%s\n", bk.out, res.mechanism,
		    res.kcv, res.ca_sha256, res.log_sha256);
	} else if (strcmp(verb, "restore") == 0) {
		if (rs.from == NULL || rs.token_uri == NULL) {
			fprintf(stderr, PROG ": restore takes --from FOLDER "
			    "and --token URI\n");
			return CA_EXIT_USAGE;
		}
		rs.dir = dir;
		if ((r = ca_backup_restore(&rs, &s, head, &eb)) != 0)
			return cli_fail(PROG, "cannot restore the keys", r,
			    &eb);
		printf("Restored the CA and log-signing keys into token "
		    "\"%s\"; ca.json now names it.\n", rs.token_uri);
	} else {
		fprintf(stderr, PROG ": unknown command \"%s\"\n", verb);
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	printf("Log head after this record (write on the paper script):\n"
	    "sha256:%s\n", head);
	cli_warn(PROG, &eb);
	return CA_EXIT_OK;
}
