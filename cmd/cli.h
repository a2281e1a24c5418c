/*
 * cli.h: what every command does the same way at its edges.  Here rather
 * than in lib/ because the library never prints; header-only because
 * each file in cmd/ is one binary.
 */
#ifndef CA_CLI_H
#define CA_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ca_err.h"
#include "envinfo.h"
#include "log.h"
#include "timefmt.h"
#include "secret.h"

#define CLI_MAX_WITNESSES 16

/* The options every ceremony command shares, for getopt_long. */
#define CLI_OPT_PIN_REFUSED 0x100
#define CLI_COMMON_OPTIONS						\
	/* Named so that getopt cannot take it for --pin-source. */	\
	{ "pin", required_argument, NULL, CLI_OPT_PIN_REFUSED },	\
	{ "help", no_argument, NULL, 'h' },				\
	{ "version", no_argument, NULL, 'V' }

/* For the commands that write records. */
#define CLI_OPT_CONFIRM_CLOCK 0x101
#define CLI_CLOCK_OPTION						\
	{ "confirm-clock", required_argument, NULL, CLI_OPT_CONFIRM_CLOCK }

/* cli_start: harden the process; non-zero (an exit status) if not. */
static inline int
cli_start(const char *prog)
{
	if (ca_proc_init() != 0) {
		fprintf(stderr, "%s: cannot turn off core dumps or lock memory "
		    "for the PIN; refusing to run: run it directly on the "
		    "ceremony laptop, not in a container or sandbox that "
		    "forbids it\n", prog);
		return CA_EXIT_FAIL;
	}
	return 0;
}

/*
 * The version, the source commit, and the SHA-256 of this very binary,
 * which every record names too: what an auditor compares with a binary
 * rebuilt from the source (ca-audit --binary).
 */
static inline int
cli_version(const char *prog)
{
	char sha[65];

	printf("%s " KC_VERSION " (commit " KC_COMMIT ")\n", prog);
	if (ca_self_sha256(sha) != 0) {
		fprintf(stderr, "%s: cannot read its own binary to hash it\n",
		    prog);
		return CA_EXIT_FAIL;
	}
	printf("sha256 %s\n", sha);
	return CA_EXIT_OK;
}

static inline int
cli_pin_refused(const char *prog)
{
	fprintf(stderr, "%s: a PIN is never taken from the command line; "
	    "give --pin-source file:PATH or fd:N, or type it when asked\n",
	    prog);
	return CA_EXIT_USAGE;
}

/*
 * cli_common_opt: the end of every command's option switch, for what
 * CLI_COMMON_OPTIONS adds and anything unknown: --pin is refused, --help
 * and --version answer, the rest is a usage error.  Always an exit status.
 */
static inline int
cli_common_opt(const char *prog, int c, void (*usage)(FILE *))
{
	switch (c) {
	case CLI_OPT_PIN_REFUSED:
		return cli_pin_refused(prog);
	case 'h':
		usage(stdout);
		return CA_EXIT_OK;
	case 'V':
		return cli_version(prog);
	default:
		usage(stderr);
		return CA_EXIT_USAGE;
	}
}

/* cli_witness: add name to w[*n]; an exit status when there are many. */
static inline int
cli_witness(const char *prog, const char **w, size_t *n, const char *name)
{
	if (*n == CLI_MAX_WITNESSES) {
		fprintf(stderr, "%s: at most %d witnesses\n", prog,
		    CLI_MAX_WITNESSES);
		return CA_EXIT_USAGE;
	}
	w[(*n)++] = name;
	return 0;
}

/*
 * cli_count: opt's value arg as a whole number from lo to hi into *out;
 * an exit status when it is not one.
 */
static inline int
cli_count(const char *prog, const char *opt, const char *arg, int lo,
    int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: %s \"%s\" is not a number from %d to "
		    "%d\n", prog, opt, arg, lo, hi);
		return CA_EXIT_USAGE;
	}
	*out = (int)v;
	return 0;
}

/*
 * cli_confirm_clock: --confirm-clock TIME, the UTC time the operator read
 * from a trusted clock (YYYY-MM-DDTHH:MMZ, seconds optional): lets this
 * run write a record long after the last one (ca_log_clock_confirm).  0,
 * or an exit status when TIME is malformed or the system clock disagrees.
 */
static inline int
cli_confirm_clock(const char *prog, const char *arg)
{
	struct ca_errbuf eb = { 0 };
	char full[32];
	time_t t;
	int r;

	/* Minutes are what one reads off a clock on the wall. */
	if (strlen(arg) == 17 && arg[16] == 'Z')
		snprintf(full, sizeof(full), "%.16s:00Z", arg);
	else
		snprintf(full, sizeof(full), "%s", arg);
	if (ca_time_parse(full, &t) != 0) {
		fprintf(stderr, "%s: --confirm-clock \"%s\" is not a UTC time "
		    "such as 2026-11-27T14:05Z\n", prog, arg);
		return CA_EXIT_USAGE;
	}
	if ((r = ca_log_clock_confirm(t, time(NULL), &eb)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, eb.msg);
		return ca_exit_status(r);
	}
	return 0;
}

/* cli_pin_source: 0, or an exit status when spec is not a PIN source. */
static inline int
cli_pin_source(const char *prog, const char *spec)
{
	struct ca_pin_source ps;

	if (spec == NULL || ca_pin_source_parse(spec, &ps) == 0)
		return 0;
	fprintf(stderr, "%s: --pin-source \"%s\" is not file:PATH or fd:N "
	    "(leave it out to type the PIN)\n", prog, spec);
	return CA_EXIT_USAGE;
}

/* cli_warn: print eb's warning, if any, as "prog: warning: ...". */
static inline void
cli_warn(const char *prog, const struct ca_errbuf *eb)
{
	if (eb->warning[0] != '\0')
		fprintf(stderr, "%s: warning: %s\n", prog, eb->warning);
}

/* cli_fail: "prog: what: why" and the exit status for r. */
static inline int
cli_fail(const char *prog, const char *what, int r,
    const struct ca_errbuf *eb)
{
	cli_warn(prog, eb);
	fprintf(stderr, "%s: %s: %s%s\n", prog, what,
	    eb->msg[0] ? eb->msg : ca_strerror(r), ca_err_hint(r));
	return ca_exit_status(r);
}

/* Four hex digits a group, so that a fingerprint can be read aloud. */
static inline void
cli_print_grouped(const char *hex)
{
	size_t i;

	printf("  ");
	for (i = 0; hex[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			putchar(i % 32 == 0 ? '\n' : ' ');
		if (i > 0 && i % 32 == 0)
			printf("  ");
		putchar(hex[i] >= 'a' ? hex[i] - 'a' + 'A' : hex[i]);
	}
	putchar('\n');
}

#endif
