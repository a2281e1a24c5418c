#include "split.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "fsio.h"

/* The share file of custodian name: NN-NAME.share, NAME made safe. */
static void
share_name(unsigned idx, const char *name, char *out, size_t cap)
{
	size_t n, i;

	n = (size_t)snprintf(out, cap, "%02u-", idx);
	for (i = 0; name[i] != '\0' && n + 7 < cap && i < 40; i++)
		out[n++] = isalnum((unsigned char)name[i]) ? name[i] : '_';
	snprintf(out + n, cap - n, ".share");
}

int
ca_split_new(unsigned m, unsigned n, size_t len, const json_t *roster,
    struct ca_split **out, struct ca_errbuf *eb)
{
	struct ca_split *s = NULL;
	const json_t *p;
	json_t *shares = NULL;
	struct ca_share sh;
	char id[9], check[65], fp[65];
	size_t i;
	unsigned k = 0;
	int r = CA_ERR_NOMEM;

	*out = NULL;
	json_array_foreach(roster, i, p) {
		const char *role = json_string_value(json_object_get(p,
		    "role"));

		if (role != NULL && strcmp(role, "custodian") == 0)
			k++;
	}
	if (k < n) {
		ca_errf(eb, "the ceremony's roster names %u custodian%s, and "
		    "%u are needed, one per share; give each with --person "
		    "custodian:NAME", k, k == 1 ? "" : "s", n);
		return CA_ERR_INVALID_ARG;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CA_ERR_NOMEM;
	if ((r = ca_shares_make(m, n, len, &s->secret, s->text, id, check,
	    eb)) != 0)
		goto out;
	s->m = m;
	s->n = n;
	r = CA_ERR_NOMEM;
	if ((shares = json_array()) == NULL)
		goto out;
	k = 0;
	json_array_foreach(roster, i, p) {
		const char *role = json_string_value(json_object_get(p,
		    "role"));

		if (role == NULL || strcmp(role, "custodian") != 0 || k == n)
			continue;
		if ((r = ca_share_parse(s->text[k]->buf, &sh, eb)) != 0)
			goto out;
		ca_share_fingerprint(&sh, fp);
		ca_share_wipe(&sh);
		r = CA_ERR_NOMEM;
		if (json_array_append_new(shares, json_pack("{s:I, s:O, s:s}",
		    "share", (json_int_t)(k + 1), "custodian",
		    json_object_get(p, "name"), "fingerprint", fp)) != 0)
			goto out;
		k++;
	}
	if ((s->activation = json_pack("{s:s, s:s, s:I, s:s, s:s, s:O}",
	    "scheme", "shamir-gf256", "library", "libgfshare", "threshold",
	    (json_int_t)m, "split", id, "check", check, "shares",
	    shares)) == NULL)
		goto out;
	*out = s;
	s = NULL;
	r = 0;
out:
	json_decref(shares);
	ca_split_free(s);
	return r;
}

int
ca_split_write(struct ca_split *s, const char *folder, const char *what,
    const char *does, const char *about, struct ca_errbuf *eb)
{
	const json_t *sh;
	char name[64], *path = NULL, text[1024];
	size_t i, n = strlen(folder) + 16;
	int r = CA_ERR_NOMEM;

	if (access(folder, F_OK) == 0) {
		ca_errf(eb, "\"%s\" exists; give a new folder for the shares",
		    folder);
		return CA_ERR_EXISTS;
	}
	if ((s->tmp = malloc(n)) == NULL)
		return CA_ERR_NOMEM;
	snprintf(s->tmp, n, "%s.tmp-XXXXXX", folder);
	if (mkdtemp(s->tmp) == NULL) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot make a folder beside \"%s\": %s", folder,
		    strerror(errno));
		free(s->tmp);
		s->tmp = NULL;
		return r;
	}
	json_array_foreach(json_object_get(s->activation, "shares"), i, sh) {
		const char *who = json_string_value(json_object_get(sh,
		    "custodian"));

		share_name((unsigned)i + 1, who, name, sizeof(name));
		free(path);
		r = CA_ERR_NOMEM;
		if ((path = ca_path_join(s->tmp, name)) == NULL)
			goto out;
		snprintf(text, sizeof(text), "# keyceremony %s share %zu of "
		    "%u: any %u of them %s\n# custodian: %s\n# %s\n"
		    "# fingerprint: %s\n%s\n", what, i + 1, s->n, s->m, does,
		    who, about, json_string_value(json_object_get(sh,
		    "fingerprint")), s->text[i]->buf);
		r = ca_write_file_excl(path, text, strlen(text), 0600, eb);
		OPENSSL_cleanse(text, sizeof(text));
		if (r != 0)
			goto out;
	}
	if (ca_fsync_dir(s->tmp) != 0 || renameat2(AT_FDCWD, s->tmp,
	    AT_FDCWD, folder, RENAME_NOREPLACE) != 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot put the shares in \"%s\": %s", folder,
		    strerror(errno));
		goto out;
	}
	free(s->tmp);
	s->tmp = NULL;
	r = CA_ERR_NOMEM;
	if ((s->placed = strdup(folder)) == NULL) {
		ca_rm_folder(folder);
		goto out;
	}
	if (ca_fsync_parent(folder) != 0)
		ca_warnf(eb, "\"%s\" is in place, but syncing its folder to "
		    "disk failed; check the disk before switching off",
		    folder);
	r = 0;
out:
	free(path);
	return r;
}

void
ca_split_unwrite(struct ca_split *s)
{
	if (s == NULL || s->placed == NULL)
		return;
	ca_rm_folder(s->placed);
	free(s->placed);
	s->placed = NULL;
}

void
ca_split_free(struct ca_split *s)
{
	unsigned i;

	if (s == NULL)
		return;
	ca_secret_free(s->secret);
	for (i = 0; i < CA_SHARES_MAX; i++)
		ca_secret_free(s->text[i]);
	json_decref(s->activation);
	if (s->tmp != NULL)
		ca_rm_folder(s->tmp);
	free(s->tmp);
	free(s->placed);
	free(s);
}
