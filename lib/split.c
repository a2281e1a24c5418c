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
#include "secret.h"

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

int
ca_split_is_share_file(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && strcmp(name + n - 6, ".share") == 0;
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

/* The share in a share file: its first line that is not a comment. */
static int
share_file(const char *path, struct ca_share *sh, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	char *line, *save = NULL;
	size_t len = 0;
	int r;

	if ((r = ca_read_file(path, 4096, &buf, &len, eb)) != 0)
		return r;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL &&
	    line[0] == '#'; line = strtok_r(NULL, "\n", &save))
		;
	r = ca_share_parse(line ? line : "", sh, eb);
	if (r != 0)
		ca_err_prefix(eb, "\"%s\"", path);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

int
ca_split_collect(const json_t *activation, const struct ca_pin_source *ps,
    ca_prompt_fn prompt, void *prompt_arg, const char *what,
    struct ca_secret **secret, json_t **presented, struct ca_errbuf *eb)
{
	struct ca_share sh[CA_SHARES_MAX];
	struct ca_secret *typed = NULL;
	const json_t *given = json_object_get(activation, "shares"), *g;
	const char *check = json_string_value(json_object_get(activation,
	    "check"));
	char list[sizeof(ps->path)], *p, *save = NULL, ask[96];
	json_int_t m = json_integer_value(json_object_get(activation,
	    "threshold"));
	json_t *who = NULL;
	size_t k = 0, i;
	int r = 0;

	*secret = NULL;
	if (check == NULL || m < 2 || m > CA_SHARES_MAX) {
		ca_errf(eb, "the log's record of the split is unusable");
		return CA_ERR_LOG;
	}
	if (ps->kind == CA_PIN_SHARES) {
		snprintf(list, sizeof(list), "%s", ps->path);
		for (p = strtok_r(list, ",", &save); p != NULL && r == 0;
		    p = strtok_r(NULL, ",", &save)) {
			if (k == CA_SHARES_MAX) {
				ca_errf(eb, "more than %d shares given",
				    CA_SHARES_MAX);
				r = CA_ERR_INVALID_ARG;
				break;
			}
			if ((r = share_file(p, &sh[k], eb)) == 0)
				k++;
		}
	} else if (ps->kind == CA_PIN_TTY) {
		if ((r = ca_secret_new(&typed)) != 0)
			return r;
		for (i = 0; i < (size_t)m && r == 0; i++) {
			snprintf(ask, sizeof(ask), "%s %zu of %lld (its "
			    "custodian types it): ", what, i + 1,
			    (long long)m);
			if ((r = prompt(prompt_arg, ask, typed)) == 0 &&
			    (r = ca_share_parse(typed->buf, &sh[k], eb)) == 0)
				k++;
			OPENSSL_cleanse(typed->buf, CA_SECRET_MAX);
		}
		ca_secret_free(typed);
		if (r == CA_ERR_PIN_SOURCE && eb->msg[0] == '\0')
			ca_errf(eb, "no terminal to type the shares on; give "
			    "them as shares:FILE,FILE,...");
	} else {
		ca_errf(eb, "this secret is split among custodians (%lld of "
		    "%zu): give their shares as shares:FILE,FILE,... or type "
		    "them when asked", (long long)m, json_array_size(given));
		r = CA_ERR_PIN_SOURCE;
	}
	if (r == 0)
		r = ca_shares_combine(sh, k, check, secret, eb);
	/* Who presented them: the custodians their numbers were given to. */
	if (r == 0 && (who = json_array()) == NULL)
		r = CA_ERR_NOMEM;
	for (i = 0; r == 0 && i < (size_t)m; i++) {
		g = json_array_get(given, sh[i].idx - 1);
		if (json_integer_value(json_object_get(g, "share")) !=
		    (json_int_t)sh[i].idx) {
			ca_errf(eb, "share %u is not in the log's record "
			    "of the split", sh[i].idx);
			r = CA_ERR_LOG;
			break;
		}
		if (json_array_append_new(who, json_pack("{s:I, s:O}",
		    "share", (json_int_t)sh[i].idx, "custodian",
		    json_object_get(g, "custodian"))) != 0)
			r = CA_ERR_NOMEM;
	}
	for (i = 0; i < k; i++)
		ca_share_wipe(&sh[i]);
	if (r != 0) {
		ca_secret_free(*secret);
		*secret = NULL;
		json_decref(who);
		return r;
	}
	json_decref(*presented);
	*presented = who;
	return 0;
}
