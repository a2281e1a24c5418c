/*
 * fuzz_ceremony_plan.c: libFuzzer harness for ceremony plans (the file
 * ca-ceremony plan writes and ca-init --ceremony reads, ceremony.h),
 * written ahead of a ceremony and checked as ca_ceremony_open checks its
 * request, its script rehashed.  A plan that loads must come back the
 * same through ca_ceremony_plan and a second load.  Also the roster
 * entries as typed ("role:name", ca_role_parse).
 *
 * The plan names its script by path, relative to the working folder: the
 * harness works in its scratch folder while it loads one, where
 * script.sh is the seeds' script.  (Run it with -artifact_prefix, as
 * tests/fuzz.sh does, or a crash input lands there.)
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ceremony.h"
#include "cjson.h"

#include "fuzzkit.h"

#define SCRIPT "#!/bin/sh\n# the approved ceremony script\nca-init ...\n"

static int home = -1, scratch = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kit_write("script.sh", SCRIPT, strlen(SCRIPT));
	if ((home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (scratch = open(kit_path(""), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		abort();
	return 0;
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The request plan describes, its strings borrowed from plan. */
static void
request(const json_t *plan, struct ca_open_req *req,
    struct ca_person *roster, const char **bags)
{
	const json_t *eq = json_object_get(plan, "equipment"), *v;
	size_t i;

	memset(req, 0, sizeof(*req));
	req->id = str(plan, "id");
	req->purpose = str(plan, "purpose");
	req->script_path = str(json_object_get(plan, "script"), "file");
	req->approval = str(json_object_get(plan, "script"), "approval");
	req->location = str(plan, "location");
	json_array_foreach(json_object_get(plan, "roster"), i, v) {
		roster[i].role = str(v, "role");
		roster[i].name = str(v, "name");
	}
	req->roster = roster;
	req->nroster = json_array_size(json_object_get(plan, "roster"));
	req->hsm_model = str(eq, "hsm_model");
	req->hsm_serial = str(eq, "hsm_serial");
	req->token_serial = str(eq, "token_serial");
	req->laptop = str(eq, "laptop");
	req->os_image_sha256 = str(eq, "os_image_sha256");
	json_array_foreach(json_object_get(eq, "bags"), i, v)
		bags[i] = json_string_value(v);
	req->bags = bags;
	req->nbags = json_array_size(json_object_get(eq, "bags"));
}

/* What ca_ceremony_plan writes of it loads as the same plan. */
static void
round_trip(const json_t *plan)
{
	struct ca_open_req req;
	struct ca_person *roster;
	const char **bags;
	json_t *back = NULL, *sf = NULL;
	char *canon = NULL;
	size_t len = 0;

	if (ca_json_canon(plan, &canon, &len, NULL) != 0)
		abort();	/* ceremony_open goes into a record as it is */
	free(canon);
	if ((roster = calloc(json_array_size(json_object_get(plan,
	    "roster")) + 1, sizeof(*roster))) == NULL ||
	    (bags = calloc(json_array_size(json_object_get(json_object_get(
	    plan, "equipment"), "bags")) + 1, sizeof(*bags))) == NULL)
		abort();
	request(plan, &req, roster, bags);
	kit_remove("again.json");
	if (ca_ceremony_plan(&req, "again.json", NULL) != 0 ||
	    ca_ceremony_plan_load("again.json", 1, &back, &sf, NULL) != 0 ||
	    !json_equal(back, plan))
		abort();
	json_decref(back);
	json_decref(sf);
	free(roster);
	free(bags);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_errbuf eb = { 0 };
	struct ca_person p;
	json_t *plan = NULL, *three = NULL, *sf = NULL;
	char *s;

	s = kit_str(data, size);
	(void)ca_role_parse(s, &p);
	free(s);

	kit_write("plan.json", data, size);
	if (fchdir(scratch) != 0)
		abort();
	if (ca_ceremony_plan_load("plan.json", 1, &plan, &sf, &eb) == 0) {
		json_decref(sf);
		sf = NULL;
		/* Three custodians, as a split of the PIN 2 of 3 needs. */
		if (ca_ceremony_plan_load("plan.json", 3, &three, &sf,
		    &eb) == 0 && !json_equal(three, plan))
			abort();
		round_trip(plan);
	}
	if (fchdir(home) != 0)
		abort();
	json_decref(plan);
	json_decref(three);
	json_decref(sf);
	return 0;
}
