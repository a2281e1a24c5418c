/*
 * ca-log: verify a CA directory's ceremony log, and recover a directory
 * whose last operation was interrupted.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ca_err.h"
#include "cli.h"
#include "dircheck.h"
#include "envinfo.h"
#include "fsio.h"
#include "journal.h"
#include "recover.h"
#include "secret.h"
#include "store.h"

#define PROG "ca-log"

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " verify -d DIR [--anchor SHA256]\n"
	    "       " PROG " recover -d DIR\n");
}

/* Why dir did not verify, and what to do: one line. */
static int
not_verified(const char *dir, int r, const struct ca_errbuf *eb)
{
	const char *why = eb->msg[0] ? eb->msg : ca_strerror(r);

	if (r == CA_ERR_LOG || r == CA_ERR_VERIFY)
		fprintf(stderr, PROG ": \"%s\" does not verify: %s; stop: do "
		    "not use it, compare it with its backup copy and the head "
		    "on the paper script, and run ca-audit\n", dir, why);
	else
		fprintf(stderr, PROG ": cannot verify \"%s\": %s%s\n", dir,
		    why, ca_err_hint(r));
	return ca_exit_status(r);
}

/*
 * Finish or undo what a killed command left half written (journal.h),
 * under the directory's lock, then check the log it leaves.
 */
static int
recover(const char *dir)
{
	struct ca_recovery res;
	struct ca_log_summary sum;
	struct ca_errbuf eb = { 0 };
	struct stat st;
	char *logdir;
	int r, is_ca;

	if ((logdir = ca_path_join(dir, CA_DIR_LOG)) == NULL)
		return CA_EXIT_FAIL;
	is_ca = stat(logdir, &st) == 0 && S_ISDIR(st.st_mode);
	free(logdir);
	if (!is_ca) {
		fprintf(stderr, PROG ": \"%s\" is not a CA directory (it has "
		    "no log/); give the folder ca-init made\n", dir);
		return CA_EXIT_FAIL;
	}
	if ((r = ca_dir_recover(dir, &res, &eb)) != 0)
		return cli_fail(PROG, "cannot recover", r, &eb);
	cli_warn(PROG, &eb);
	if (res.asked)
		printf("the token was asked whether the %s had happened: %s\n",
		    strcmp(res.step, CA_STEP_SET_PIN) == 0 ? "new PIN" :
		    "new wrapping key", res.forward ? "it had" : "it had not");
	if (res.journal && res.forward)
		printf("record %lld (%s) had been written when the operation "
		    "stopped: finished it (%zu file%s put in place, %zu old "
		    "cop%s removed)\n", res.seq, res.op, res.moved,
		    res.moved == 1 ? "" : "s", res.removed,
		    res.removed == 1 ? "y" : "ies");
	else if (res.journal)
		printf("record %lld (%s) had not been written when the "
		    "operation stopped: undone (%zu file%s put back, %zu "
		    "removed); run the command again\n", res.seq, res.op,
		    res.moved, res.moved == 1 ? "" : "s", res.removed);
	else
		printf("no operation was left half done\n");
	if (res.leftovers > 0)
		printf("removed %zu temporary file%s that no record "
		    "names\n", res.leftovers, res.leftovers == 1 ? "" : "s");
	if ((logdir = ca_path_join(dir, CA_FILE_CERT)) == NULL)
		return CA_EXIT_FAIL;
	is_ca = stat(logdir, &st) == 0;
	free(logdir);
	if (!is_ca) {
		/* A pending subordinate: its token's key checks its log. */
		printf("no ca.pem yet: the log is verified with the token's "
		    "key when the certificate is installed\n");
		return CA_EXIT_OK;
	}
	if ((r = ca_dir_verify_log(dir, NULL, &sum, &eb)) != 0)
		return not_verified(dir, r, &eb);
	printf("log verifies: %lld record%s; head sha256:%s\n", sum.count,
	    sum.count == 1 ? "" : "s", sum.head);
	return CA_EXIT_OK;
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
	struct ca_errbuf eb = { 0 };
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
	if (optind + 1 != argc || (strcmp(argv[optind], "verify") != 0 &&
	    strcmp(argv[optind], "recover") != 0) || dir == NULL) {
		fprintf(stderr, PROG ": say \"verify\" or \"recover\" and "
		    "give -d DIR\n");
		usage(stderr);
		return CA_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "recover") == 0) {
		if (anchor != NULL) {
			fprintf(stderr, PROG ": --anchor is for \"verify\"\n");
			return CA_EXIT_USAGE;
		}
		return recover(dir);
	}
	if ((r = ca_dir_verify_log(dir, anchor, &sum, &eb)) != 0)
		return not_verified(dir, r, &eb);
	printf("log verifies: %lld record%s, %s to %s\n", sum.count,
	    sum.count == 1 ? "" : "s", sum.first_time, sum.last_time);
	printf("log id: %s\n", sum.log_id);
	printf("head:   sha256:%s\n", sum.head);
	if (anchor == NULL)
		printf("note: no --anchor given, so ca.pem itself was not "
		    "checked against the fingerprint on paper\n");
	return CA_EXIT_OK;
}
