/*
 * fuzz_reqlist.c: libFuzzer harness for the requests of a batch
 * (ca-issue --list FILE and --csrs FOLDER, reqlist.h).  The input is the
 * list file; its lines are then also the names of files in a folder (the
 * lines a folder can hold), as ca_reqlist_folder reads one.  Each result
 * is held to the contract: a list's paths one per line named, relative
 * to its folder unless absolute; a folder's requests sorted, named
 * *.csr, *.req, *.pem or *.der, none hidden.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reqlist.h"

#include "fuzzkit.h"

#define MAX_NAMES 64

static char list[PATH_MAX], folder[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	kit_mkdir("batch");
	snprintf(list, sizeof(list), "%s", kit_path("batch/list"));
	snprintf(folder, sizeof(folder), "%s", kit_path("batch/reqs"));
	return 0;
}

/*
 * The list as its contract reads it: up to a NUL, line by line, trailing
 * blanks dropped, blank and '#' lines skipped, each relative to dir.
 */
static void
from_file(const uint8_t *data, size_t size)
{
	char **v = NULL, *text, *line, *next, want[PATH_MAX];
	const char *dir = kit_path("batch");
	size_t n = 0, k = 0, l;
	int r;

	kit_write("batch/list", data, size);
	r = ca_reqlist_file(list, &v, &n, NULL);
	text = kit_str(data, size);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		l = strlen(line);
		while (l > 0 && strchr("\r \t", line[l - 1]) != NULL)
			line[--l] = '\0';
		if (l == 0 || line[0] == '#')
			continue;
		if (r == 0) {
			snprintf(want, sizeof(want), "%s%s%s", line[0] == '/' ?
			    "" : dir, line[0] == '/' ? "" : "/", line);
			if (k >= n || strcmp(v[k], want) != 0)
				abort();
		}
		k++;
	}
	if (r == 0 ? k != n : k > 0 && k <= CA_REQLIST_MAX)
		abort();
	free(text);
	ca_reqlist_free(v, n);
}

/* A line a folder can hold as a file's name. */
static int
nameable(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0 && strlen(s) < 200;
}

static int
request_name(const char *s)
{
	size_t l = strlen(s);

	return s[0] != '.' && l > 4 && (strcmp(s + l - 4, ".csr") == 0 ||
	    strcmp(s + l - 4, ".req") == 0 || strcmp(s + l - 4, ".pem") == 0 ||
	    strcmp(s + l - 4, ".der") == 0);
}

static void
from_folder(const uint8_t *data, size_t size)
{
	char **v = NULL, *text, *line, *save = NULL, rel[PATH_MAX];
	size_t n = 0, i, k = 0, fl = strlen(folder);

	kit_mkdir("batch/reqs");
	text = kit_str(data, size);
	for (line = strtok_r(text, "\n", &save); line != NULL && k < MAX_NAMES;
	    line = strtok_r(NULL, "\n", &save))
		if (nameable(line)) {
			snprintf(rel, sizeof(rel), "batch/reqs/%s", line);
			kit_write(rel, "", 0);
			k++;
		}
	free(text);
	if (ca_reqlist_folder(folder, &v, &n, NULL) == 0) {
		if (n == 0 || n > k)
			abort();
		for (i = 0; i < n; i++)
			if (strncmp(v[i], folder, fl) != 0 ||
			    v[i][fl] != '/' || !request_name(v[i] + fl + 1) ||
			    (i > 0 && strcmp(v[i - 1], v[i]) >= 0))
				abort();
	}
	ca_reqlist_free(v, n);
	kit_remove("batch/reqs");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	from_file(data, size);
	from_folder(data, size);
	return 0;
}
