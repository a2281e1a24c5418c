/*
 * reqlist.c: the requests of a batch, from a folder or a list file.
 */
#include "reqlist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add s (taken) to v; CA_ERR_INVALID_ARG past a batch's size. */
static int
push(char ***v, size_t *n, size_t *cap, char *s)
{
	char **nv;

	if (s == NULL)
		return CA_ERR_NOMEM;
	if (*n >= CA_REQLIST_MAX) {
		free(s);
		return CA_ERR_INVALID_ARG;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;

		if ((nv = realloc(*v, nc * sizeof(*nv))) == NULL) {
			free(s);
			return CA_ERR_NOMEM;
		}
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static int
too_many(const char *where, struct ca_errbuf *eb)
{
	ca_errf(eb, "\"%s\" holds more than %d requests, the most one batch "
	    "takes; split them into several", where, CA_REQLIST_MAX);
	return CA_ERR_INVALID_ARG;
}

int
ca_reqlist_folder(const char *folder, char ***paths, size_t *n,
    struct ca_errbuf *eb)
{
	static const char *const ext[] = { ".csr", ".req", ".pem", ".der" };
	struct dirent *de;
	DIR *dp;
	char **v = NULL;
	size_t nv = 0, cap = 0, len, j;
	int r = 0;

	*paths = NULL;
	*n = 0;
	if ((dp = opendir(folder)) == NULL) {
		ca_errf(eb, "\"%s\": %s", folder, strerror(errno));
		return errno == ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_IO;
	}
	while (r == 0 && (de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(de->d_name);
		for (j = 0; j < sizeof(ext) / sizeof(ext[0]); j++)
			if (len > 4 && strcmp(de->d_name + len - 4, ext[j]) ==
			    0)
				break;
		if (j < sizeof(ext) / sizeof(ext[0]))
			r = push(&v, &nv, &cap, ca_path_join(folder,
			    de->d_name));
	}
	closedir(dp);
	if (r == CA_ERR_INVALID_ARG)
		r = too_many(folder, eb);
	if (r == 0 && nv == 0) {
		ca_errf(eb, "\"%s\" holds no request (*.csr, *.req, *.pem, "
		    "*.der)", folder);
		r = CA_ERR_NOT_FOUND;
	}
	if (r != 0) {
		ca_reqlist_free(v, nv);
		return r;
	}
	qsort(v, nv, sizeof(*v), cmp_path);
	*paths = v;
	*n = nv;
	return 0;
}

int
ca_reqlist_file(const char *file, char ***paths, size_t *n,
    struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	char **v = NULL, *line, *next, *dir = NULL;
	size_t len, nv = 0, cap = 0, l;
	int r;

	*paths = NULL;
	*n = 0;
	if ((r = ca_read_file(file, 64 << 20, &buf, &len, eb)) != 0)
		return r;
	if ((dir = ca_path_parent(file)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	for (line = (char *)buf; r == 0 && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		l = strlen(line);
		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' ' ||
		    line[l - 1] == '\t'))
			line[--l] = '\0';
		if (l == 0 || line[0] == '#')
			continue;
		r = push(&v, &nv, &cap, line[0] == '/' ? strdup(line) :
		    ca_path_join(dir, line));
	}
	if (r == CA_ERR_INVALID_ARG)
		r = too_many(file, eb);
	if (r == 0 && nv == 0) {
		ca_errf(eb, "\"%s\" lists no request", file);
		r = CA_ERR_NOT_FOUND;
	}
	if (r != 0) {
		ca_reqlist_free(v, nv);
		goto out;
	}
	*paths = v;
	*n = nv;
out:
	free(dir);
	free(buf);
	return r;
}

void
ca_reqlist_free(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
