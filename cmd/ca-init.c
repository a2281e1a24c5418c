/*
 * ca-init: create a root CA and its keys on the token; or a subordinate
 * CA's keys and request, and later install its signed certificate.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "cli.h"
#include "envinfo.h"
#include "rootca.h"
#include "subinstall.h"
#include "secret.h"

#define PROG "ca-init"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " -d DIR --token URI --ceremony FILE "
	    "[--custodians N] [--threshold M --shares-out FOLDER] "
	    "[--algorithm p384|p256|rsa3072|rsa4096] "
	    "[--subject DN] [--profile FILE] [--backup-capable] "
	    "[--pin-source SRC] "
	    "[--confirm-clock TIME] [--module PATH] [--operator NAME] "
	    "[--witness NAME ...]\n"
	    "       " PROG " --sub -d DIR --token URI --subject DN "
	    "--ceremony FILE [--custodians N] "
	    "[--threshold M --shares-out FOLDER] "
	    "[--algorithm p384|p256|rsa3072|rsa4096] [--pin-source SRC] "
	    "[--confirm-clock TIME] [--module PATH] [--operator NAME] "
	    "[--witness NAME ...]\n"
	    "       " PROG " --install CERT --chain FILE -d DIR "
	    "[--pin-source SRC] [--confirm-clock TIME] [--operator NAME] "
	    "[--witness NAME ...]\n");
}

static int
do_install(const struct ca_root_req *req, const char *cert,
    const char *chain)
{
	struct ca_install_req ir;
	struct ca_install_result res;
	struct ca_errbuf eb = { 0 };
	int r;

	memset(&ir, 0, sizeof(ir));
	ir.prog = PROG;
	ir.dir = req->dir;
	ir.cert_path = cert;
	ir.chain_path = chain;
	ir.pin_source = req->pin_source;
	ir.operator_ = req->operator_;
	ir.witnesses = req->witnesses;
	ir.nwitnesses = req->nwitnesses;
	ir.prompt = ca_prompt_tty;
	ir.now = time(NULL);
	r = ca_sub_install(&ir, &res, &eb);
	cli_warn(PROG, &eb);
	if (r != 0) {
		fprintf(stderr, PROG ": cannot install \"%s\": %s%s\n", cert,
		    eb.msg[0] ? eb.msg : ca_strerror(r), ca_err_hint(r));
		return ca_exit_status(r);
	}
	printf("Installed the certificate of \"%s\" in \"%s\"\n",
	    res.subject, req->dir);
	printf("  files:       ca.pem chain.pem log-signer.pem and a record\n");
	printf("\nCA certificate SHA-256 fingerprint:\n");
	cli_print_grouped(res.fingerprint);
	printf("sha256:%s\n", res.fingerprint);
	printf("Root certificate SHA-256 fingerprint (compare with the "
	    "paper script):\n");
	cli_print_grouped(res.root_fingerprint);
	printf("sha256:%s\n", res.root_fingerprint);
	printf("\nLog head after this record:\nsha256:%s\n", res.head);
	return CA_EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "token", required_argument, NULL, 't' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "subject", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "pin-source", required_argument, NULL, 'P' },
		{ "module", required_argument, NULL, 'm' },
		{ "operator", required_argument, NULL, 'o' },
		{ "witness", required_argument, NULL, 'w' },
		{ "sub", no_argument, NULL, 'S' },
		{ "install", required_argument, NULL, 'I' },
		{ "chain", required_argument, NULL, 'C' },
		{ "ceremony", required_argument, NULL, 'c' },
		{ "custodians", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 'M' },
		{ "shares-out", required_argument, NULL, 'O' },
		{ "backup-capable", no_argument, NULL, 'B' },
		CLI_CLOCK_OPTION,
		CLI_COMMON_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	const char *witnesses[CLI_MAX_WITNESSES];
	struct ca_root_req req;
	struct ca_root_result res;
	const char *install = NULL, *chain = NULL;
	struct ca_errbuf eb = { 0 };
	int c, r;

	if ((r = cli_start(PROG)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	req.prog = PROG;
	req.witnesses = witnesses;
	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': req.dir = optarg; break;
		case 't': req.token_uri = optarg; break;
		case 'a': req.algorithm = optarg; break;
		case 's': req.subject = optarg; break;
		case 'p': req.profile_path = optarg; break;
		case 'P': req.pin_source = optarg; break;
		case 'm': req.module = optarg; break;
		case 'o': req.operator_ = optarg; break;
		case 'S': req.sub = 1; break;
		case 'B': req.backup = 1; break;
		case 'I': install = optarg; break;
		case 'C': chain = optarg; break;
		case 'c': req.ceremony = optarg; break;
		case 'n':
			if ((r = cli_count(PROG, "--custodians", optarg, 1, 16,
			    &req.custodians)) != 0)
				return r;
			break;
		case 'M':
			if ((r = cli_count(PROG, "--threshold", optarg, 2, 16,
			    &req.threshold)) != 0)
				return r;
			break;
		case 'O': req.shares_out = optarg; break;
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
	if (install != NULL || chain != NULL) {
		if (optind != argc || install == NULL || chain == NULL ||
		    req.dir == NULL || req.sub || req.token_uri != NULL ||
		    req.algorithm != NULL || req.subject != NULL ||
		    req.profile_path != NULL || req.module != NULL ||
		    req.ceremony != NULL || req.custodians != 0 ||
		    req.threshold != 0 || req.shares_out != NULL ||
		    req.backup) {
			fprintf(stderr, PROG ": --install takes --chain, -d "
			    "and only --pin-source, --operator, --witness; "
			    "open its ceremony with ca-ceremony open\n");
			usage(stderr);
			return CA_EXIT_USAGE;
		}
		if ((r = cli_pin_source(PROG, req.pin_source)) != 0)
			return r;
		return do_install(&req, install, chain);
	}
	if (optind != argc || req.dir == NULL || req.token_uri == NULL ||
	    req.ceremony == NULL) {
		if (optind != argc)
			fprintf(stderr, PROG ": unexpected argument \"%s\"\n",
			    argv[optind]);
		else if (req.ceremony == NULL && req.dir != NULL &&
		    req.token_uri != NULL)
			fprintf(stderr, PROG ": keys are made only in a "
			    "witnessed ceremony: write its plan with "
			    "ca-ceremony plan, and give it with --ceremony "
			    "FILE\n");
		else
			fprintf(stderr, PROG ": -d DIR and --token URI are "
			    "required\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if ((r = cli_pin_source(PROG, req.pin_source)) != 0)
		return r;
	req.prompt = ca_prompt_tty;
	req.now = time(NULL);

	r = ca_root_init(&req, &res, &eb);
	cli_warn(PROG, &eb);
	if (r != 0) {
		fprintf(stderr, PROG ": cannot create the %s CA: %s%s\n",
		    req.sub ? "subordinate" : "root",
		    eb.msg[0] ? eb.msg : ca_strerror(r), ca_err_hint(r));
		return ca_exit_status(r);
	}
	if (res.shares > 0)
		printf("The token's PIN is now split: "
		    "%d share files in \"%s\", one per custodian; "
		    "any %d of them open the token.\n"
		    "Hand each custodian their own file now, and delete the "
		    "folder once they hold them; nobody knows the PIN.\n\n",
		    res.shares, req.shares_out, req.threshold);
	if (res.orphans > 0)
		printf("Removed the keys and staging folder that %d earlier, "
		    "interrupted run%s for \"%s\" left behind\n", res.orphans,
		    res.orphans == 1 ? "" : "s", req.dir);
	if (req.sub) {
		printf("Created subordinate CA keys and request in \"%s\"\n",
		    req.dir);
		printf("  subject:     %s\n", res.subject);
		printf("  algorithm:   %s\n", res.algorithm);
		printf("  token:       \"%s\" (serial %s)\n", res.token_label,
		    res.token_serial);
		printf("  CA key:      %s\n", res.ca_key_uri);
		printf("  log key:     %s\n", res.log_key_uri);
		printf("  files:       ca.csr ca.json log/000001.json\n");
		printf("  ceremony:    open; record attestations with "
		    "ca-ceremony, then seal it\n");
		printf("\nTake ca.csr to the issuing CA's ceremony "
		    "(ca-sign-sub), then run ca-init --install.\n");
		printf("Request SHA-256 (read aloud, write on the paper "
		    "script):\n");
		cli_print_grouped(res.fingerprint);
		printf("sha256:%s\n", res.fingerprint);
		printf("CA key SPKI SHA-256: %s\n", res.spki);
		printf("\nLog head after this record:\nsha256:%s\n", res.head);
		return CA_EXIT_OK;
	}
	printf("Created root CA in \"%s\"\n", req.dir);
	printf("  subject:     %s\n", res.subject);
	printf("  serial:      %s\n", res.serial);
	printf("  valid:       %s to %s\n", res.not_before, res.not_after);
	printf("  algorithm:   %s\n", res.algorithm);
	printf("  token:       \"%s\" (serial %s)\n", res.token_label,
	    res.token_serial);
	printf("  CA key:      %s\n", res.ca_key_uri);
	printf("  log key:     %s\n", res.log_key_uri);
	printf("  files:       ca.pem log-signer.pem ca.json "
	    "log/000001.json\n");
	printf("  ceremony:    open; record attestations with ca-ceremony, "
	    "then seal it\n");
	printf("\nRoot certificate SHA-256 fingerprint "
	    "(read aloud, write on the paper script):\n");
	cli_print_grouped(res.fingerprint);
	printf("sha256:%s\n", res.fingerprint);
	printf("\nLog head after this record (write on the paper script):\n");
	printf("sha256:%s\n", res.head);
	return CA_EXIT_OK;
}
