/*
 * ca-ceremony: plan, open, attest, record deviations in, abort and seal a
 * witnessed ceremony in a CA directory's log, and re-split its PIN among
 * new custodians within one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "ceremony.h"
#include "cli.h"
#include "dircheck.h"
#include "words.h"

#define PROG "ca-ceremony"
#define MAX_LIST 32

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " open -d DIR --id ID --purpose TEXT "
	    "--script FILE --approval REF --location TEXT --person ROLE:NAME "
	    "... [--hsm-model TEXT] [--hsm-serial TEXT] [--token-serial TEXT] "
	    "[--bag NUMBER ...] [--laptop ID] [--os-image-sha256 HEX] "
	    "[--pin-source SRC] [--confirm-clock TIME]\n"
	    "       " PROG " plan --out FILE --id ID --purpose TEXT "
	    "--script FILE --approval REF --location TEXT --person ROLE:NAME "
	    "... [--hsm-model TEXT] [--hsm-serial TEXT] [--token-serial TEXT] "
	    "[--bag NUMBER ...] [--laptop ID] [--os-image-sha256 HEX]\n"
	    "       " PROG " attest -d DIR --by NAME --statement TEXT "
	    "[--pin-source SRC] [--confirm-clock TIME]\n"
	    "       " PROG " deviation -d DIR --what TEXT --why TEXT "
	    "--approved-by NAME [--pin-source SRC] [--confirm-clock TIME]\n"
	    "       " PROG " abort -d DIR --why TEXT --by NAME "
	    "[--pin-source SRC] [--confirm-clock TIME]\n"
	    "       " PROG " seal -d DIR [--pin-source SRC] "
	    "[--confirm-clock TIME]\n"
	    "       " PROG " resplit -d DIR --custodians N --threshold M "
	    "--shares-out FOLDER [--pin-source SRC] [--confirm-clock TIME]\n"
	    "       " PROG " words HEX\n");
}

static void
print_head(const char *head)
{
	printf("Log head after this record (write on the paper script):\n");
	printf("sha256:%s\n", head);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "purpose", required_argument, NULL, 'u' },
		{ "script", required_argument, NULL, 's' },
		{ "approval", required_argument, NULL, 'a' },
		{ "location", required_argument, NULL, 'l' },
		{ "person", required_argument, NULL, 'p' },
		{ "hsm-model", required_argument, NULL, 'M' },
		{ "hsm-serial", required_argument, NULL, 'S' },
		{ "token-serial", required_argument, NULL, 'T' },
		{ "bag", required_argument, NULL, 'b' },
		{ "laptop", required_argument, NULL, 'L' },
		{ "os-image-sha256", required_argument, NULL, 'O' },
		{ "by", required_argument, NULL, 'B' },
		{ "statement", required_argument, NULL, 't' },
		{ "what", required_argument, NULL, 'w' },
		{ "why", required_argument, NULL, 'y' },
		{ "approved-by", required_argument, NULL, 'A' },
		{ "pin-source", required_argument, NULL, 'P' },
		{ "out", required_argument, NULL, 'o' },
		{ "custodians", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 'm' },
		{ "shares-out", required_argument, NULL, 'X' },
		CLI_CLOCK_OPTION,
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct ca_person roster[MAX_LIST];
	const char *bags[MAX_LIST];
	struct ca_open_req req;
	struct ca_session s;
	struct ca_seal_result seal;
	struct ca_resplit_result rs;
	int custodians = 0, threshold = 0;
	const char *shares_out = NULL;
	struct ca_errbuf eb = { 0 };
	const char *by = NULL, *text = NULL, *what = NULL, *why = NULL;
	const char *approved = NULL, *out = NULL, *verb;
	char head[65];
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	memset(&s, 0, sizeof(s));
	req.roster = roster;
	req.bags = bags;
	s.prog = PROG;
	s.prompt = ca_prompt_tty;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': req.dir = optarg; break;
		case 'i': req.id = optarg; break;
		case 'u': req.purpose = optarg; break;
		case 's': req.script_path = optarg; break;
		case 'a': req.approval = optarg; break;
		case 'l': req.location = optarg; break;
		case 'p':
			if (req.nroster == MAX_LIST) {
				fprintf(stderr, PROG ": at most %d --person "
				    "entries; name the others in the script "
				    "and record them with ca-ceremony attest\n",
				    MAX_LIST);
				return CA_EXIT_USAGE;
			}
			if (ca_role_parse(optarg, &roster[req.nroster]) != 0) {
				fprintf(stderr, PROG ": --person \"%s\" is not "
				    "ROLE:NAME with ROLE administrator, "
				    "witness, custodian or auditor\n", optarg);
				return CA_EXIT_USAGE;
			}
			req.nroster++;
			break;
		case 'M': req.hsm_model = optarg; break;
		case 'S': req.hsm_serial = optarg; break;
		case 'T': req.token_serial = optarg; break;
		case 'b':
			if (req.nbags == MAX_LIST) {
				fprintf(stderr, PROG ": at most %d --bag "
				    "entries; list the rest in the ceremony "
				    "script\n", MAX_LIST);
				return CA_EXIT_USAGE;
			}
			bags[req.nbags++] = optarg;
			break;
		case 'L': req.laptop = optarg; break;
		case 'O': req.os_image_sha256 = optarg; break;
		case 'B': by = optarg; break;
		case 't': text = optarg; break;
		case 'w': what = optarg; break;
		case 'y': why = optarg; break;
		case 'A': approved = optarg; break;
		case 'P': s.pin_source = optarg; break;
		case 'o': out = optarg; break;
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
		case 'X': shares_out = optarg; break;
		case CLI_OPT_CONFIRM_CLOCK:
			if ((r = cli_confirm_clock(PROG, optarg)) != 0)
				return r;
			break;
		default:
			return cli_common_opt(PROG, c, usage);
		}
	}
	/* words: a fingerprint or head as PGP words, for scripts to show. */
	if (optind + 2 == argc && strcmp(argv[optind], "words") == 0) {
		char hex[65], w[CA_WORDS_CAP(32)];

		if (ca_fingerprint_normalise(argv[optind + 1], hex) != 0 ||
		    ca_words_encode_hex(hex, w, sizeof(w)) != 0) {
			fprintf(stderr, PROG ": \"%s\" is not a SHA-256 hash\n",
			    argv[optind + 1]);
			return CA_EXIT_USAGE;
		}
		printf("%s\n", w);
		return CA_EXIT_OK;
	}
	/* plan: no CA yet, no token; ca-init opens it with the keys. */
	if (optind + 1 == argc && strcmp(argv[optind], "plan") == 0) {
		if (out == NULL || req.dir != NULL || s.pin_source != NULL) {
			fprintf(stderr, PROG ": plan takes --out FILE, and "
			    "neither -d nor --pin-source\n");
			usage(stderr);
			return CA_EXIT_USAGE;
		}
		if ((r = ca_ceremony_plan(&req, out, &eb)) != 0)
			return cli_fail(PROG, "cannot write the plan", r, &eb);
		printf("Wrote the plan of ceremony \"%s\" to \"%s\"; give "
		    "it to ca-init --ceremony.\n", req.id, out);
		cli_warn(PROG, &eb);
		return CA_EXIT_OK;
	}
	if (optind + 1 != argc || req.dir == NULL || out != NULL) {
		fprintf(stderr, PROG ": give one of open, plan, attest, "
		    "deviation, abort, seal or resplit, and -d DIR\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, s.pin_source)) != 0)
		return r;
	s.now = time(NULL);
	verb = argv[optind];
	if (strcmp(verb, "open") == 0) {
		if ((r = ca_ceremony_open(&req, &s, head, &eb)) != 0)
			return cli_fail(PROG, "cannot open the ceremony", r,
			    &eb);
		printf("Ceremony \"%s\" is open: every record until the seal "
		    "carries its id.\n", req.id);
	} else if (strcmp(verb, "attest") == 0) {
		if ((r = ca_ceremony_attest(req.dir, by, text, &s, head,
		    &eb)) != 0)
			return cli_fail(PROG, "cannot record the attestation",
			    r, &eb);
		printf("Recorded: %s: \"%s\"\n", by, text);
	} else if (strcmp(verb, "deviation") == 0) {
		if ((r = ca_ceremony_deviation(req.dir, what, why, approved,
		    &s, head, &eb)) != 0)
			return cli_fail(PROG, "cannot record the deviation", r,
			    &eb);
		printf("Recorded the deviation, approved by %s.\n", approved);
	} else if (strcmp(verb, "abort") == 0) {
		if ((r = ca_ceremony_abort(req.dir, why, by, &s, head,
		    &eb)) != 0)
			return cli_fail(PROG, "cannot abort the ceremony", r,
			    &eb);
		printf("The ceremony is closed unsealed, as decided by %s.\n",
		    by);
	} else if (strcmp(verb, "seal") == 0) {
		if ((r = ca_ceremony_seal(req.dir, &s, &seal, &eb)) != 0)
			return cli_fail(PROG, "cannot seal the ceremony", r,
			    &eb);
		printf("Ceremony \"%s\" is sealed: %lld records.\n", seal.id,
		    seal.records);
		printf("\nLog head (write it on the paper script, and read "
		    "the words aloud):\nsha256:%s\n", seal.head);
		cli_print_grouped(seal.head);
		printf("\n%s\n", seal.words);
		cli_warn(PROG, &eb);
		return CA_EXIT_OK;
	} else if (strcmp(verb, "resplit") == 0) {
		if (custodians == 0 || threshold == 0 || shares_out == NULL) {
			fprintf(stderr, PROG ": resplit takes --custodians N, "
			    "--threshold M and --shares-out FOLDER\n");
			return CA_EXIT_USAGE;
		}
		r = ca_ceremony_resplit(req.dir, (unsigned)threshold,
		    (unsigned)custodians, shares_out, &s, &rs, &eb);
		if (r != 0)
			return cli_fail(PROG, "cannot re-split the PIN", r,
			    &eb);
		printf("The token has a new PIN, split %d of %u: one share "
		    "file per custodian in \"%s\".\nHand each custodian their "
		    "own file now, and delete the folder once they hold them; "
		    "the old shares no longer open the token.\n", threshold,
		    rs.shares, shares_out);
		memcpy(head, rs.head, sizeof(head));
	} else {
		fprintf(stderr, PROG ": unknown command \"%s\"\n", verb);
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	print_head(head);
	cli_warn(PROG, &eb);
	return CA_EXIT_OK;
}
