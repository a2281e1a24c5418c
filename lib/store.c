#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cjson.h"
#include "fsio.h"
#include "journal.h"

#define MAX_STAGED 16

/* Beside the staging folder, naming the keys made for it. */
#define STAGE_NOTE ".keys"

struct ca_stage {
	char *dir;		/* the final name */
	char *tmp;		/* the staging folder */
	char *files[MAX_STAGED];	/* relative names written */
	size_t nfiles;
	int committed;
	int abandoned;		/* left for ca_stage_orphans */
	int parent_fd;		/* holds the lock on the parent folder */
	char *note;		/* the note beside it, once written */
};

int
ca_config_serialise(const struct ca_config *c, char **out, size_t *len)
{
	json_t *j;
	char *s = NULL, *t;
	size_t n = 0;
	int r;

	*out = NULL;
	if ((j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
	    "format", "ca-config", "version", CA_CONFIG_VERSION,
	    "kind", c->kind, "module", c->module, "ca_key", c->ca_key,
	    "log_key", c->log_key, "algorithm", c->algorithm)) == NULL)
		return CA_ERR_NOMEM;
	/* Optional: absent means ca-crl(1)'s defaults for the kind. */
	if ((c->crl_next_update != NULL && json_object_set_new(j,
	    "crl_next_update", json_string(c->crl_next_update)) != 0) ||
	    (c->crl_margin != NULL && json_object_set_new(j, "crl_margin",
	    json_string(c->crl_margin)) != 0) ||
	    (c->crl_idp != NULL && json_object_set_new(j, "crl_idp",
	    json_string(c->crl_idp)) != 0)) {
		json_decref(j);
		return CA_ERR_NOMEM;
	}
	r = ca_json_canon(j, &s, &n, NULL);
	json_decref(j);
	if (r != 0)
		return r;
	if ((t = realloc(s, n + 2)) == NULL) {
		free(s);
		return CA_ERR_NOMEM;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*out = t;
	*len = n + 1;
	return 0;
}

void
ca_config_free(struct ca_config *c)
{
	if (c == NULL)
		return;
	free(c->kind);
	free(c->module);
	free(c->ca_key);
	free(c->log_key);
	free(c->algorithm);
	free(c->crl_next_update);
	free(c->crl_margin);
	free(c->crl_idp);
	free(c);
}

static int
get_str(json_t *j, const char *k, char **dst, struct ca_errbuf *eb)
{
	const char *s = json_string_value(json_object_get(j, k));

	if (s == NULL || *s == '\0') {
		ca_errf(eb, "\"%s\" is missing", k);
		return CA_ERR_SCHEMA;
	}
	if ((*dst = strdup(s)) == NULL)
		return CA_ERR_NOMEM;
	return 0;
}

int
ca_config_load(const char *dir, struct ca_config **out, struct ca_errbuf *eb)
{
	struct ca_config *c = NULL;
	unsigned char *buf = NULL;
	char *path = NULL;
	size_t len = 0;
	json_t *j = NULL;
	const char *f;
	int r;

	*out = NULL;
	if ((path = ca_path_join(dir, CA_FILE_CONFIG)) == NULL)
		return CA_ERR_NOMEM;
	if ((r = ca_read_file(path, 1 << 20, &buf, &len, eb)) != 0) {
		if (r == CA_ERR_NOT_FOUND)
			ca_errf(eb, "\"%s\" is not a CA directory (it has no "
			    "ca.json); give the folder ca-init made", dir);
		goto out;
	}
	if ((r = ca_json_parse((const char *)buf, len, &j, eb)) != 0) {
		ca_err_prefix(eb, "\"%s\"", path);
		goto out;
	}
	r = CA_ERR_SCHEMA;
	if ((f = json_string_value(json_object_get(j, "format"))) == NULL ||
	    strcmp(f, "ca-config") != 0) {
		ca_errf(eb, "\"format\" is not \"ca-config\"");
		goto out;
	}
	if (json_integer_value(json_object_get(j, "version")) !=
	    CA_CONFIG_VERSION) {
		ca_errf(eb, "its version is not %d", CA_CONFIG_VERSION);
		r = CA_ERR_VERSION;
		goto out;
	}
	{
		static const char *const known[] = { "format", "version",
		    "kind", "module", "ca_key", "log_key", "algorithm",
		    "crl_next_update", "crl_margin", "crl_idp" };
		const char *key;
		json_t *v;
		size_t i;

		/* ca-directory(5): a member we do not know is refused. */
		json_object_foreach(j, key, v) {
			for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				if (strcmp(key, known[i]) == 0)
					break;
			if (i == sizeof(known) / sizeof(known[0])) {
				ca_errf(eb, "unknown member \"%s\"", key);
				goto out;
			}
		}
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	if ((r = get_str(j, "kind", &c->kind, eb)) != 0 ||
	    (r = get_str(j, "module", &c->module, eb)) != 0 ||
	    (r = get_str(j, "ca_key", &c->ca_key, eb)) != 0 ||
	    (r = get_str(j, "log_key", &c->log_key, eb)) != 0 ||
	    (r = get_str(j, "algorithm", &c->algorithm, eb)) != 0)
		goto out;
	if ((json_object_get(j, "crl_next_update") != NULL &&
	    (r = get_str(j, "crl_next_update", &c->crl_next_update, eb)) !=
	    0) || (json_object_get(j, "crl_margin") != NULL &&
	    (r = get_str(j, "crl_margin", &c->crl_margin, eb)) != 0) ||
	    (json_object_get(j, "crl_idp") != NULL &&
	    (r = get_str(j, "crl_idp", &c->crl_idp, eb)) != 0))
		goto out;
	*out = c;
	c = NULL;
	r = 0;
out:
	if (r == CA_ERR_SCHEMA) {
		ca_err_prefix(eb, "\"%s\"", path);
		ca_err_suffix(eb, "it was changed outside these tools: "
		    "restore it from the CA directory's backup copy");
	} else if (r == CA_ERR_VERSION) {
		ca_err_prefix(eb, "\"%s\"", path);
		ca_err_suffix(eb, "another version of these tools wrote it: "
		    "use that version");
	}
	ca_config_free(c);
	json_decref(j);
	free(buf);
	free(path);
	return r;
}

int
ca_stage_new(const char *dir, struct ca_stage **out, struct ca_errbuf *eb)
{
	struct ca_stage *st = NULL;
	struct stat sb;
	char *logdir = NULL, *parent = NULL;
	size_t n;
	int r = CA_ERR_INTERNAL;

	*out = NULL;
	if (lstat(dir, &sb) == 0) {
		ca_errf(eb, "\"%s\" already exists; choose a new folder", dir);
		return CA_ERR_EXISTS;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	st->parent_fd = -1;
	if ((st->dir = strdup(dir)) == NULL ||
	    (parent = ca_path_parent(dir)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	/*
	 * Two ceremonies creating CAs in one folder at once would race for
	 * the name; the second is told at once instead.
	 */
	st->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->parent_fd < 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot open the folder that is to hold \"%s\": %s",
		    dir, strerror(errno));
		goto out;
	}
	if (flock(st->parent_fd, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? CA_ERR_LOCKED : CA_ERR_IO;
		ca_errf(eb, "another process is creating a CA beside \"%s\"; "
		    "wait for it to finish", dir);
		goto out;
	}
	if (lstat(dir, &sb) == 0) {
		ca_errf(eb, "\"%s\" already exists; choose a new folder", dir);
		r = CA_ERR_EXISTS;
		goto out;
	}
	n = strlen(dir) + 32;
	if ((st->tmp = malloc(n)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	snprintf(st->tmp, n, "%s.staging-XXXXXX", dir);
	if (mkdtemp(st->tmp) == NULL) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot create a folder beside \"%s\": %s", dir,
		    strerror(errno));
		free(st->tmp);
		st->tmp = NULL;
		goto out;
	}
	/* The CA directory is public: auditors read it. */
	if (chmod(st->tmp, 0755) != 0 ||
	    (logdir = ca_path_join(st->tmp, CA_DIR_LOG)) == NULL ||
	    mkdir(logdir, 0755) != 0 || chmod(logdir, 0755) != 0) {
		r = CA_ERR_IO;
		ca_errf(eb, "cannot prepare \"%s\": %s", st->tmp,
		    strerror(errno));
		goto out;
	}
	*out = st;
	st = NULL;
	r = 0;
out:
	free(logdir);
	free(parent);
	ca_stage_free(st);
	return r;
}

int
ca_stage_put(struct ca_stage *st, const char *rel, const void *data,
    size_t len, mode_t mode, struct ca_errbuf *eb)
{
	char *path = NULL;
	int r;

	if (st->nfiles == MAX_STAGED || st->committed)
		return CA_ERR_INTERNAL;
	if ((path = ca_path_join(st->tmp, rel)) == NULL)
		return CA_ERR_NOMEM;
	if ((st->files[st->nfiles] = strdup(rel)) == NULL) {
		free(path);
		return CA_ERR_NOMEM;
	}
	if ((r = ca_write_file_excl(path, data, len, mode, eb)) != 0) {
		free(st->files[st->nfiles]);
		st->files[st->nfiles] = NULL;
		free(path);
		return r;
	}
	st->nfiles++;
	free(path);
	return 0;
}

int
ca_stage_commit(struct ca_stage *st, struct ca_errbuf *eb)
{
	char *logdir = NULL;
	int r = CA_ERR_IO;

	if ((logdir = ca_path_join(st->tmp, CA_DIR_LOG)) == NULL)
		return CA_ERR_NOMEM;
	if (ca_fsync_dir(logdir) != 0 || ca_fsync_dir(st->tmp) != 0) {
		ca_errf(eb, "cannot fsync \"%s\"", st->tmp);
		goto out;
	}
	/* RENAME_NOREPLACE: an empty folder made meanwhile is not ours. */
	if (renameat2(AT_FDCWD, st->tmp, AT_FDCWD, st->dir,
	    RENAME_NOREPLACE) != 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "cannot move the new CA into \"%s\": %s", st->dir,
		    strerror(errno));
		goto out;
	}
	st->committed = 1;
	/*
	 * The keys are the directory's now.  A note left by a crash here
	 * names a folder that is gone, which ca_stage_orphans takes to mean
	 * just that.
	 */
	if (st->note != NULL)
		(void)unlink(st->note);
	/*
	 * The directory is in place and names keys that exist: undoing
	 * now would leave a published CA without keys.  So a failed fsync
	 * of the parent is tried once more and reported as a warning.
	 */
	if (ca_fsync_parent(st->dir) != 0) {
		int again = ca_fsync_parent(st->dir);

		ca_warnf(eb, "\"%s\" is in place, but syncing its folder to "
		    "disk failed%s; check the disk before switching off",
		    again != 0 ? " twice" : "",
		    st->dir);
	}
	r = 0;
out:
	free(logdir);
	return r;
}

/* Remove a staging folder: its files, log/ and its records, itself. */
static void
rm_stage(const char *path)
{
	char *log;

	if ((log = ca_path_join(path, CA_DIR_LOG)) != NULL)
		ca_rm_folder(log);
	free(log);
	ca_rm_folder(path);
}

int
ca_stage_note(struct ca_stage *st, const char *text, size_t len,
    struct ca_errbuf *eb)
{
	size_t n;
	int r;

	if (st->note != NULL || st->committed)
		return CA_ERR_INTERNAL;
	n = strlen(st->tmp) + sizeof(STAGE_NOTE);
	if ((st->note = malloc(n)) == NULL)
		return CA_ERR_NOMEM;
	snprintf(st->note, n, "%s" STAGE_NOTE, st->tmp);
	/* Whole or absent, and on disk before the keys exist. */
	if ((r = ca_write_file_atomic(st->note, text, len, 0644, 1, eb)) != 0) {
		free(st->note);
		st->note = NULL;
	}
	return r;
}

/*
 * The first n bytes of name are NAME.staging-XXXXXX, or its note when
 * note is set, for base NAME.
 */
static int
is_stage_name_n(const char *name, size_t n, const char *base, int note)
{
	size_t b = strlen(base);
	size_t want = b + strlen(".staging-XXXXXX") +
	    (note ? strlen(STAGE_NOTE) : 0);

	return n == want && strncmp(name, base, b) == 0 &&
	    strncmp(name + b, ".staging-", 9) == 0 &&
	    (!note || strncmp(name + n - strlen(STAGE_NOTE), STAGE_NOTE,
	    strlen(STAGE_NOTE)) == 0);
}

static int
is_stage_name(const char *name, const char *base, int note)
{
	return is_stage_name_n(name, strlen(name), base, note);
}

/*
 * The walk behind ca_stage_orphans and ca_stage_sweep: own is the
 * staging folder of the run that asks (NULL: none), and fn NULL leaves
 * every staging folder alone.
 */
static int
orphans(const char *dir, const char *own,
    int (*fn)(void *arg, const char *stage, const char *note), void *arg,
    struct ca_errbuf *eb)
{
	char *copy = NULL, *base, *where = NULL, *path = NULL;
	char *note = NULL;
	unsigned char *text = NULL;
	struct dirent *de;
	struct stat sb;
	size_t len;
	DIR *d = NULL;
	int r = CA_ERR_NOMEM, found = 0, keep, half;

	if ((copy = strdup(dir)) == NULL)
		return CA_ERR_NOMEM;
	base = basename(copy);
	if ((where = ca_path_parent(dir)) == NULL)
		goto out;
	if ((d = opendir(where)) == NULL) {
		r = CA_ERR_IO;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		free(path);
		free(note);
		free(text);
		path = note = NULL;
		text = NULL;
		r = CA_ERR_NOMEM;
		if ((path = ca_path_join(where, de->d_name)) == NULL)
			goto out;
		len = strlen(de->d_name);
		half = len > 11 && ca_journal_is_leftover(de->d_name) &&
		    strncmp(de->d_name + len - 11, ".tmp-", 5) == 0 &&
		    is_stage_name_n(de->d_name, len - 11, base, 1);
		if (half || is_stage_name(de->d_name, base, 1)) {
			/*
			 * A note whose folder is gone names no orphan.  One
			 * half written was never read: its run made no key.
			 */
			if ((note = strdup(path)) == NULL)
				goto out;
			note[strlen(note) - (len - strlen(base) -
			    strlen(".staging-XXXXXX"))] = '\0';
			if ((half && fn != NULL) || (lstat(note, &sb) != 0 &&
			    errno == ENOENT))
				if (unlink(path) == 0)
					found++;
			continue;
		}
		if (fn == NULL || !is_stage_name(de->d_name, base, 0) ||
		    (own != NULL && strcmp(de->d_name, own) == 0) ||
		    lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
			continue;
		len = strlen(path) + sizeof(STAGE_NOTE);
		if ((note = malloc(len)) == NULL)
			goto out;
		snprintf(note, len, "%s" STAGE_NOTE, path);
		r = ca_read_file(note, 1 << 16, &text, &len, eb);
		if (r != 0 && r != CA_ERR_NOT_FOUND)
			goto out;
		if (eb != NULL)
			eb->msg[0] = '\0';
		/* No note: the run stopped before it made any key. */
		if ((keep = fn(arg, path, (const char *)text)) < 0) {
			r = keep;
			goto out;
		}
		if (keep)
			continue;
		rm_stage(path);
		(void)unlink(note);
		found++;
	}
	if (found > 0 && fsync(dirfd(d)) != 0) {
		r = CA_ERR_IO;
		goto out;
	}
	r = found;
out:
	if (r == CA_ERR_IO && eb != NULL && eb->msg[0] == '\0')
		ca_errf(eb, "cannot clear up an earlier interrupted run beside "
		    "\"%s\": %s", dir, strerror(errno));
	if (d != NULL)
		closedir(d);
	free(path);
	free(note);
	free(text);
	free(where);
	free(copy);
	return r;
}

int
ca_stage_orphans(struct ca_stage *st,
    int (*fn)(void *arg, const char *stage, const char *note), void *arg,
    struct ca_errbuf *eb)
{
	const char *own = strrchr(st->tmp, '/');

	return orphans(st->dir, own ? own + 1 : st->tmp, fn, arg, eb);
}

int
ca_stage_sweep(const char *dir, struct ca_errbuf *eb)
{
	return orphans(dir, NULL, NULL, NULL, eb);
}

void
ca_stage_abandon(struct ca_stage *st)
{
	if (st != NULL)
		st->abandoned = 1;
}

void
ca_stage_free(struct ca_stage *st)
{
	size_t i;

	if (st == NULL)
		return;
	if (!st->committed && !st->abandoned && st->tmp != NULL) {
		rm_stage(st->tmp);
		/* The folder first: a note without one names no keys. */
		if (st->note != NULL)
			(void)unlink(st->note);
	}
	for (i = 0; i < st->nfiles; i++)
		free(st->files[i]);
	if (st->parent_fd >= 0)
		close(st->parent_fd);
	free(st->tmp);
	free(st->note);
	free(st->dir);
	free(st);
}

int
ca_store_lock(const char *dir, int *fd, struct ca_errbuf *eb)
{
	char *path;
	int f, r;

	*fd = -1;
	if ((path = ca_path_join(dir, CA_FILE_LOCK)) == NULL)
		return CA_ERR_NOMEM;
	f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f < 0) {
		r = ca_errno_code(errno);
		if (r == CA_ERR_NOT_FOUND)
			ca_errf(eb, "\"%s\" is not a CA directory (no such "
			    "folder); give the folder ca-init made", dir);
		else
			ca_errf(eb, "cannot lock \"%s\": %s; the CA directory "
			    "must be on writable media", dir, strerror(errno));
		free(path);
		return r;
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? CA_ERR_LOCKED : CA_ERR_IO;
		if (r == CA_ERR_LOCKED)
			ca_errf(eb, "\"%s\" is in use by another process; "
			    "wait for it to finish", dir);
		else
			ca_errf(eb, "cannot lock \"%s\": %s; keep the CA "
			    "directory on a local disk or stick, not a network "
			    "share", dir, strerror(errno));
		close(f);
		free(path);
		return r;
	}
	free(path);
	*fd = f;
	return 0;
}

void
ca_store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
