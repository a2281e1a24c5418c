/*
 * fuzz_plan.c: libFuzzer harness for the replacement plan (ca-plan(1),
 * plan.h): what it reads of a CA directory, which need not be one of
 * ours (ca.pem, issued/ *.pem, the newest crl/ *.der), planned against a
 * fixed site's maintenance windows, and the plan as JSON.
 *
 * The input is cut into parts (fuzzkit.h): ca.pem, then crl/1.der, then
 * one issued certificate each (issued/NN.pem); an empty part is a file
 * that is not there.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "plan.h"
#include "timefmt.h"
#include "windows.h"

#include "fuzzkit.h"

#define MAX_ISSUED 8
/* The plan's clock. */
#define NOW "2027-01-01T00:00:00Z"

static const char windows[] =
    "{\"format\": \"ca-windows\", \"version\": 1, \"sites\": [\n"
    " {\"name\": \"line-4\", \"zone\": \"OT-L4\", \"windows\": [\n"
    "  {\"name\": \"spring shutdown 2027\",\n"
    "   \"start\": \"2027-03-01T06:00:00Z\", \"end\": \"2027-03-14T18:00:00Z\"},\n"
    "  {\"name\": \"autumn shutdown 2031\",\n"
    "   \"start\": \"2031-10-04T06:00:00Z\", \"end\": \"2031-10-10T18:00:00Z\"}\n"
    " ]}],\n"
    " \"crl_ceremonies\": [\"2027-01-15T09:00:00Z\", \"2027-07-15T09:00:00Z\"]}\n";

static struct ca_windows *w;
static const struct ca_site *site;
static struct ca_duration margin = { 0, 3, 0 };
static time_t now;
static char dir[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (ca_windows_parse(windows, sizeof(windows) - 1, "fuzz.json", &w,
	    NULL) != 0 || (site = ca_windows_site(w, "line-4")) == NULL ||
	    ca_time_parse(NOW, &now) != 0)
		abort();
	kit_mkdir("ca");
	snprintf(dir, sizeof(dir), "%s", kit_path("ca"));
	return 0;
}

static void
put(const char *rel, const struct kit_part *p)
{
	if (p->n > 0)
		kit_write(rel, p->p, p->n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_part part[2 + MAX_ISSUED];
	struct ca_errbuf eb = { 0 };
	struct ca_plan *p = NULL;
	const char *dirs[1] = { dir };
	char rel[32], *json = NULL;
	size_t n, i, len = 0;

	n = kit_split(data, size, part, 2 + MAX_ISSUED);
	put("ca/ca.pem", &part[0]);
	if (n > 1 && part[1].n > 0) {
		kit_mkdir("ca/crl");
		put("ca/crl/1.der", &part[1]);
	}
	if (n > 2)
		kit_mkdir("ca/issued");
	for (i = 2; i < n; i++) {
		snprintf(rel, sizeof(rel), "ca/issued/%02zu.pem", i - 1);
		put(rel, &part[i]);
	}
	if (ca_plan_build(dirs, 1, w, site, &margin, now, &p, &eb) == 0) {
		if (p->n == 0 || p->items[0].kind != CA_PLAN_CA)
			abort();	/* ca.pem comes first, always */
		if (ca_plan_json(p, site, &margin, &json, &len) == 0)
			free(json);
	}
	ca_plan_free(p);
	kit_remove("ca/ca.pem");
	kit_remove("ca/crl");
	kit_remove("ca/issued");
	ERR_clear_error();
	return 0;
}
