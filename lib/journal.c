#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cjson.h"
#include "fsio.h"
#include "split.h"

/* Recovery is refused for a journal larger than this: ours are small. */
/* A batch of 20,000 device certificates names 40,002 files. */
#define JOURNAL_MAX (64 << 20)

int
ca_journal_is_leftover(const char *name)
{
	size_t n = strlen(name), i;
	const char *p;

	/* NAME.tmp-XXXXXX: mkstemp's six characters. */
	if (n > 11 && strncmp(name + n - 11, ".tmp-", 5) == 0) {
		for (i = n - 6; i < n; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') ||
			    (name[i] >= 'A' && name[i] <= 'Z') ||
			    (name[i] >= '0' && name[i] <= '9')))
				return 0;
		return 1;
	}
	/* NAME.old-PID: a replaced file's backup link. */
	if ((p = strstr(name, ".old-")) == NULL || p == name)
		return 0;
	while (strstr(p + 1, ".old-") != NULL)
		p = strstr(p + 1, ".old-");
	p += 5;
	if (*p == '\0' || strlen(p) > 10)
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/*
 * As stored: relative to dir when under it, else absolute (recovery may
 * run from another folder).  A new string; caller frees.
 */
static char *
stored(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	char cwd[4096];

	if (strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0')
		return strdup(path + n + 1);
	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	return ca_path_join(cwd, path);
}

/* A relative path that stays under the directory. */
static int
safe_rel(const char *p)
{
	const char *s = p;

	if (*p == '\0' || *p == '/')
		return 0;
	for (;;) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 2 && strncmp(s, "..", 2) == 0) ||
		    (n == 1 && s[0] == '.'))
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

static int
same_folder(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;

	return la == lb && strncmp(a, b, la) == 0;
}

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/*
 * A journal entry may only name files recovery may touch: a place under
 * the directory (or absolute, for an output elsewhere), its temporary
 * and old copy beside it (the record's temporary may sit at the top).
 */
static int
entry_ok(const char *path, const char *tmp, const char *old)
{
	if (path == NULL || tmp == NULL)
		return 0;
	if (path[0] != '/' && !safe_rel(path))
		return 0;
	if ((tmp[0] == '/') != (path[0] == '/') ||
	    (tmp[0] != '/' && !safe_rel(tmp)) ||
	    !ca_journal_is_leftover(base(tmp)) ||
	    (!same_folder(path, tmp) && strchr(tmp, '/') != NULL))
		return 0;
	if (old != NULL && ((old[0] == '/') != (path[0] == '/') ||
	    (old[0] != '/' && !safe_rel(old)) ||
	    !ca_journal_is_leftover(base(old)) || !same_folder(path, old)))
		return 0;
	return 1;
}

static char *
resolve(const char *dir, const char *p)
{
	return p[0] == '/' ? strdup(p) : ca_path_join(dir, p);
}

/* A step's shares folder: absolute, or under the directory. */
static int
step_ok(const json_t *step)
{
	const char *kind = json_string_value(json_object_get(step, "kind"));
	const char *state = json_string_value(json_object_get(step,
	    "state"));
	const json_t *sh = json_object_get(step, "shares");

	if (!json_is_object(step) || kind == NULL || *kind == '\0' ||
	    state == NULL || (strcmp(state, CA_STEP_PREPARED) != 0 &&
	    strcmp(state, CA_STEP_BEGUN) != 0 &&
	    strcmp(state, CA_STEP_UNDONE) != 0))
		return 0;
	if (sh != NULL && (!json_is_string(sh) ||
	    (json_string_value(sh)[0] != '/' &&
	    !safe_rel(json_string_value(sh)))))
		return 0;
	return 1;
}

/* noreplace: a new journal, refused when one is there. */
static int
journal_write(const char *dir, const json_t *j, int noreplace,
    struct ca_errbuf *eb)
{
	char *canon = NULL, *path = NULL, *text = NULL;
	size_t clen = 0;
	int r;

	if ((r = ca_json_canon(j, &canon, &clen, eb)) != 0)
		goto out;
	r = CA_ERR_NOMEM;
	if ((text = malloc(clen + 2)) == NULL ||
	    (path = ca_path_join(dir, CA_FILE_JOURNAL)) == NULL)
		goto out;
	memcpy(text, canon, clen);
	text[clen] = '\n';
	/* Atomic and fsynced, with its folder: it must outlive a crash. */
	r = ca_write_file_atomic(path, text, clen + 1, 0644, noreplace,
	    eb);
out:
	free(canon);
	free(text);
	free(path);
	return r;
}

int
ca_journal_begin(const char *dir, long long seq, const char *op,
    const struct ca_journal_file *f, size_t n, struct ca_errbuf *eb)
{
	return ca_journal_begin_step(dir, seq, op, f, n, NULL, eb);
}

int
ca_journal_begin_step(const char *dir, long long seq, const char *op,
    const struct ca_journal_file *f, size_t n, const json_t *step,
    struct ca_errbuf *eb)
{
	json_t *j = NULL, *files = NULL, *e, *st = NULL;
	char *p = NULL, *t = NULL, *o = NULL;
	size_t i;
	int r = CA_ERR_NOMEM;

	if (n == 0 || op == NULL)
		return CA_ERR_INVALID_ARG;
	if ((files = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		free(p);
		free(t);
		free(o);
		o = NULL;
		r = CA_ERR_NOMEM;
		if ((p = stored(dir, f[i].path)) == NULL ||
		    (t = stored(dir, f[i].tmp)) == NULL ||
		    (f[i].old != NULL && (o = stored(dir, f[i].old)) == NULL))
			goto out;
		if (!entry_ok(p, t, o) || strlen(f[i].sha256) != 64) {
			ca_errf(eb, "\"%s\": cannot be journalled", f[i].path);
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
		/* "old" only when there is one. */
		e = json_pack("{s:s, s:s, s:s, s:s*}", "path", p, "tmp", t,
		    "sha256", f[i].sha256, "old", o);
		if (e == NULL || json_array_append_new(files, e) != 0)
			goto out;
	}
	r = CA_ERR_NOMEM;
	if (step != NULL) {
		const char *sh = json_string_value(json_object_get(step,
		    "shares"));

		/* The shares' folder, as the files' paths are stored. */
		free(p);
		p = NULL;
		if ((st = json_deep_copy(step)) == NULL ||
		    json_object_set_new(st, "state",
		    json_string(CA_STEP_PREPARED)) != 0 ||
		    (sh != NULL && ((p = stored(dir, sh)) == NULL ||
		    json_object_set_new(st, "shares", json_string(p)) != 0)))
			goto out;
		if (!step_ok(st)) {
			ca_errf(eb, "the token step cannot be journalled");
			r = CA_ERR_INVALID_ARG;
			goto out;
		}
	}
	/* "o" takes files, even when the pack fails; "o*" st, if any. */
	j = json_pack("{s:s, s:I, s:s, s:o, s:o*}", "format",
	    CA_JOURNAL_FORMAT, "seq", (json_int_t)seq, "op", op, "files",
	    files, "step", st);
	files = NULL;
	st = NULL;
	if (j == NULL)
		goto out;
	r = journal_write(dir, j, 1, eb);
out:
	json_decref(files);
	json_decref(st);
	json_decref(j);
	free(p);
	free(t);
	free(o);
	return r;
}

/* Read and check dir's journal; *out is NULL when there is none. */
static int
journal_read(const char *dir, json_t **out, struct ca_errbuf *eb)
{
	unsigned char *buf = NULL;
	size_t len = 0, i;
	char *path = NULL;
	json_t *j = NULL, *e, *files;
	int r;

	*out = NULL;
	if ((path = ca_path_join(dir, CA_FILE_JOURNAL)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_read_file(path, JOURNAL_MAX, &buf, &len, eb);
	if (r == CA_ERR_NOT_FOUND) {
		if (eb != NULL)
			eb->msg[0] = '\0';
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if ((r = ca_json_parse((const char *)buf, len, &j, eb)) != 0) {
		ca_err_prefix(eb, "\"%s\"", path);
		goto out;
	}
	r = CA_ERR_SCHEMA;
	files = json_object_get(j, "files");
	if (!json_is_string(json_object_get(j, "format")) ||
	    strcmp(json_string_value(json_object_get(j, "format")),
	    CA_JOURNAL_FORMAT) != 0 ||
	    !json_is_integer(json_object_get(j, "seq")) ||
	    json_integer_value(json_object_get(j, "seq")) < 1 ||
	    !json_is_string(json_object_get(j, "op")) ||
	    !json_is_array(files) || json_array_size(files) == 0) {
		ca_errf(eb, "\"%s\" is not a journal this toolkit wrote", path);
		goto out;
	}
	if (json_object_get(j, "step") != NULL &&
	    !step_ok(json_object_get(j, "step"))) {
		ca_errf(eb, "\"%s\": its token step is not one this toolkit "
		    "wrote", path);
		goto out;
	}
	json_array_foreach(files, i, e) {
		const char *old = json_string_value(json_object_get(e, "old"));
		const char *sha = json_string_value(json_object_get(e,
		    "sha256"));

		if (!entry_ok(json_string_value(json_object_get(e, "path")),
		    json_string_value(json_object_get(e, "tmp")), old) ||
		    (old == NULL && json_object_get(e, "old") != NULL) ||
		    sha == NULL || strlen(sha) != 64) {
			ca_errf(eb, "\"%s\": file %zu names a place recovery "
			    "may not touch", path, i + 1);
			goto out;
		}
	}
	*out = j;
	j = NULL;
	r = 0;
out:
	json_decref(j);
	free(buf);
	free(path);
	return r;
}

int
ca_journal_step(const char *dir, json_t **step, struct ca_errbuf *eb)
{
	json_t *j = NULL;
	int r;

	*step = NULL;
	if ((r = journal_read(dir, &j, eb)) != 0 || j == NULL)
		return r;
	*step = json_incref(json_object_get(j, "step"));
	json_decref(j);
	return 0;
}

int
ca_journal_check(const char *dir, struct ca_errbuf *eb)
{
	char *path;
	int e;

	if ((path = ca_path_join(dir, CA_FILE_JOURNAL)) == NULL)
		return CA_ERR_NOMEM;
	e = access(path, F_OK) == 0 ? 0 : errno;
	free(path);
	if (e == ENOENT)
		return 0;
	if (e != 0) {
		ca_errf(eb, "\"%s/%s\": %s", dir, CA_FILE_JOURNAL, strerror(e));
		return CA_ERR_IO;
	}
	ca_errf(eb, "\"%s\": an operation was interrupted before it finished "
	    "(see %s); run \"ca-log recover -d %s\" first, which finishes "
	    "or undoes it", dir, CA_FILE_JOURNAL, dir);
	return CA_ERR_INTERRUPTED;
}

/* 1 when the file at path exists and holds the bytes hashing to sha. */
static int
holds(const char *path, const char *sha)
{
	char hex[65];

	return ca_sha256_file(path, hex, NULL) == 0 && strcmp(hex, sha) == 0;
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

struct paths {
	char *path, *tmp, *old;
	const char *sha;
};

static void
paths_free(struct paths *p)
{
	free(p->path);
	free(p->tmp);
	free(p->old);
}

static int
paths_of(const char *dir, const json_t *e, struct paths *p)
{
	const char *old = json_string_value(json_object_get(e, "old"));

	memset(p, 0, sizeof(*p));
	p->sha = json_string_value(json_object_get(e, "sha256"));
	if ((p->path = resolve(dir, json_string_value(json_object_get(e,
	    "path")))) == NULL ||
	    (p->tmp = resolve(dir, json_string_value(json_object_get(e,
	    "tmp")))) == NULL ||
	    (old != NULL && (p->old = resolve(dir, old)) == NULL)) {
		paths_free(p);
		return CA_ERR_NOMEM;
	}
	return 0;
}

static int
fail(struct ca_errbuf *eb, const char *what, const char *path)
{
	ca_errf(eb, "cannot %s \"%s\": %s", what, path, strerror(errno));
	return CA_ERR_IO;
}

/* Put one file of a committed operation in place. */
static int
forward(const struct paths *p, struct ca_recovery *res,
    struct ca_errbuf *eb)
{
	if (exists(p->tmp)) {
		if (rename(p->tmp, p->path) != 0)
			return fail(eb, "put in place", p->path);
		res->moved++;
		if (ca_fsync_parent(p->path) != 0)
			return fail(eb, "sync the folder of", p->path);
	}
	if (p->old != NULL && exists(p->old)) {
		if (unlink(p->old) != 0)
			return fail(eb, "remove", p->old);
		res->removed++;
	}
	return 0;
}

/* Take one file of an operation that did not commit back out. */
static int
backward(const struct paths *p, struct ca_recovery *res,
    struct ca_errbuf *eb)
{
	if (exists(p->tmp)) {
		/* Never renamed: what is in place is not ours. */
		if (unlink(p->tmp) != 0)
			return fail(eb, "remove", p->tmp);
		res->removed++;
	} else if (holds(p->path, p->sha) &&
	    !(p->old != NULL && same_file(p->path, p->old))) {
		if (p->old != NULL && exists(p->old)) {
			if (rename(p->old, p->path) != 0)
				return fail(eb, "put back", p->path);
			res->moved++;
		} else {
			if (unlink(p->path) != 0)
				return fail(eb, "remove", p->path);
			res->removed++;
		}
	}
	if (p->old != NULL && exists(p->old)) {
		/* The backup link outlives its use once the file is back. */
		if (!exists(p->path) ? rename(p->old, p->path) != 0 :
		    same_file(p->path, p->old) ? unlink(p->old) != 0 : 0)
			return fail(eb, "put back", p->path);
	}
	if (ca_fsync_parent(p->path) != 0)
		return fail(eb, "sync the folder of", p->path);
	return 0;
}

static int
journal_remove(const char *dir, struct ca_errbuf *eb)
{
	char *path;
	int r = 0;

	if ((path = ca_path_join(dir, CA_FILE_JOURNAL)) == NULL)
		return CA_ERR_NOMEM;
	if (unlink(path) != 0 && errno != ENOENT)
		r = fail(eb, "remove", path);
	else if (ca_fsync_dir(dir) != 0)
		r = fail(eb, "sync", dir);
	free(path);
	return r;
}

static void
rm_shares(void *arg, const char *folder)
{
	(void)arg;
	if (ca_folder_only(folder, ca_split_is_share_file))
		ca_rm_folder(folder);
}

/*
 * Remove the shares a token step that did not happen wrote (unless keep:
 * it happened), and the folders a killed run left building them: shares
 * of a secret that never took effect must not be mistaken for live ones.
 * A folder holding anything else is left.
 */
static int
clear_shares(const char *dir, const json_t *step, int keep,
    struct ca_recovery *res, struct ca_errbuf *eb)
{
	const char *sh = json_string_value(json_object_get(step, "shares"));
	char *folder;
	int r = 0;

	if (sh == NULL)
		return 0;
	if ((folder = resolve(dir, sh)) == NULL)
		return CA_ERR_NOMEM;
	(void)ca_tmp_siblings(folder, rm_shares, NULL);
	if (keep) {
		/* The step happened: its shares are live. */
		free(folder);
		return 0;
	}
	rm_shares(NULL, folder);
	if (exists(folder)) {
		ca_errf(eb, "\"%s\" holds more than the shares of a secret "
		    "that never took effect: remove it by hand", folder);
		r = CA_ERR_EXISTS;
	} else if (ca_fsync_parent(folder) != 0) {
		r = fail(eb, "sync the folder of", folder);
	} else {
		res->removed++;
	}
	free(folder);
	return r;
}

/* 1 when journal j's record is in place. */
static int
record_placed(const char *dir, const json_t *j, int *placed)
{
	const json_t *files = json_object_get(j, "files");
	struct paths rec;
	int r;

	if ((r = paths_of(dir, json_array_get(files,
	    json_array_size(files) - 1), &rec)) != 0)
		return r;
	*placed = !exists(rec.tmp) && holds(rec.path, rec.sha);
	paths_free(&rec);
	return 0;
}

/*
 * Before a record not yet in place is put there: every file's bytes must
 * be whole, in its temporary or in its place.
 */
static int
all_whole(const char *dir, const json_t *files, struct ca_errbuf *eb)
{
	const json_t *e;
	struct paths p;
	size_t i;
	int r, ok;

	json_array_foreach(files, i, e) {
		if ((r = paths_of(dir, e, &p)) != 0)
			return r;
		ok = holds(p.tmp, p.sha) || (!exists(p.tmp) &&
		    holds(p.path, p.sha));
		if (!ok)
			ca_errf(eb, "\"%s\" is damaged or gone, so the "
			    "operation cannot be finished", exists(p.tmp) ?
			    p.tmp : p.path);
		paths_free(&p);
		if (!ok)
			return CA_ERR_IO;
	}
	return 0;
}

/*
 * Act on journal j: forward (fwd 1 with its record in place, 2 without)
 * or back (0).  Back, the record goes
 * first, so that a second interruption still finds no record and goes on
 * backwards, then the rest in reverse; and a token step's shares.
 */
static int
replay(const char *dir, const json_t *j, int fwd, struct ca_recovery *res,
    struct ca_errbuf *eb)
{
	const json_t *files = json_object_get(j, "files");
	size_t n = json_array_size(files), i;
	struct paths p;
	int r;

	res->journal = 1;
	res->forward = fwd != 0;
	res->seq = json_integer_value(json_object_get(j, "seq"));
	snprintf(res->op, sizeof(res->op), "%s",
	    json_string_value(json_object_get(j, "op")));
	/* Forward though the record is not in place: its bytes first. */
	if (fwd > 1 && (r = all_whole(dir, files, eb)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		/* Forward, the artifacts first and the record last. */
		size_t k = fwd ? i : n - 1 - i;

		if ((r = paths_of(dir, json_array_get(files, k), &p)) != 0)
			return r;
		r = fwd ? forward(&p, res, eb) : backward(&p, res, eb);
		paths_free(&p);
		if (r != 0)
			return r;
	}
	if (json_object_get(j, "step") != NULL && (r = clear_shares(dir,
	    json_object_get(j, "step"), fwd, res, eb)) != 0)
		return r;
	return journal_remove(dir, eb);
}

/* Replay dir's journal, if any, only in the direction want (+1 or -1). */
static int
replay_only(const char *dir, int want, struct ca_errbuf *eb)
{
	struct ca_recovery res;
	json_t *j = NULL;
	const char *state;
	int r, placed;

	memset(&res, 0, sizeof(res));
	if ((r = journal_read(dir, &j, eb)) != 0)
		return r;
	if (j == NULL)
		return 0;
	if ((r = record_placed(dir, j, &placed)) != 0)
		goto out;
	state = json_string_value(json_object_get(json_object_get(j, "step"),
	    "state"));
	if ((want > 0) != placed) {
		ca_errf(eb, "record %lld is %s", (long long)json_integer_value(
		    json_object_get(j, "seq")), placed ? "in place" :
		    "not in place");
		r = placed ? CA_ERR_EXISTS : CA_ERR_INTERNAL;
		goto out;
	}
	if (!placed && state != NULL && strcmp(state, CA_STEP_BEGUN) == 0) {
		/* The token may have changed: the caller says first. */
		ca_errf(eb, "the token step of record %lld is not undone",
		    (long long)json_integer_value(json_object_get(j, "seq")));
		r = CA_ERR_INTERNAL;
		goto out;
	}
	r = replay(dir, j, placed, &res, eb);
out:
	json_decref(j);
	return r;
}

int
ca_journal_step_state(const char *dir, const char *state,
    struct ca_errbuf *eb)
{
	json_t *j = NULL, *step;
	int r;

	if ((r = journal_read(dir, &j, eb)) != 0)
		return r;
	r = CA_ERR_INTERNAL;
	if (j == NULL || (step = json_object_get(j, "step")) == NULL)
		goto out;
	r = CA_ERR_NOMEM;
	if (json_object_set_new(step, "state", json_string(state)) != 0)
		goto out;
	r = CA_ERR_INVALID_ARG;
	if (!step_ok(step))
		goto out;
	r = journal_write(dir, j, 0, eb);
out:
	json_decref(j);
	return r;
}

int
ca_journal_end(const char *dir, struct ca_errbuf *eb)
{
	return replay_only(dir, 1, eb);
}

int
ca_journal_rollback(const char *dir, struct ca_errbuf *eb)
{
	return replay_only(dir, -1, eb);
}

static int
scan(const char *dir, const char *sub, int (*fn)(void *, const char *),
    void *arg, int *count)
{
	char *folder, rel[600];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int stop = 0;

	if ((folder = sub ? ca_path_join(dir, sub) : strdup(dir)) == NULL)
		return CA_ERR_NOMEM;
	d = opendir(folder);
	free(folder);
	if (d == NULL)
		return errno == ENOENT ? 0 : CA_ERR_IO;
	while (!stop && (de = readdir(d)) != NULL) {
		/* A folder (a token step's shares) is clear_shares' to do. */
		if (!ca_journal_is_leftover(de->d_name) || de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name,
		    &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)))
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", sub ? sub : "",
		    sub ? "/" : "", de->d_name);
		(*count)++;
		if (fn != NULL)
			stop = fn(arg, rel);
	}
	closedir(d);
	return stop ? 1 : 0;
}

int
ca_journal_leftovers(const char *dir, int (*fn)(void *, const char *),
    void *arg)
{
	static const char *const subs[] = { NULL, "log", "crl", "issued" };
	size_t i;
	int count = 0, r;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if ((r = scan(dir, subs[i], fn, arg, &count)) != 0)
			return r < 0 ? r : count;
	return count;
}

struct sweep {
	const char *dir;
	struct ca_recovery *res;
	struct ca_errbuf *eb;
	int r;
};

static int
sweep_one(void *arg, const char *rel)
{
	struct sweep *s = arg;
	char *p;

	if ((p = ca_path_join(s->dir, rel)) == NULL) {
		s->r = CA_ERR_NOMEM;
		return 1;
	}
	if (unlink(p) != 0 && errno != ENOENT) {
		s->r = fail(s->eb, "remove", p);
		free(p);
		return 1;
	}
	free(p);
	s->res->leftovers++;
	return 0;
}

int
ca_journal_recover(const char *dir, struct ca_recovery *res,
    struct ca_errbuf *eb)
{
	return ca_journal_recover_with(dir, NULL, NULL, res, eb);
}

/*
 * Which way journal j goes (*fwd as replay takes it): forward when its
 * record is in place; when it is not and a token step may have happened,
 * as settle finds on the token (the step then marked undone before
 * anything is undone, so that an interrupted undo is not asked again);
 * else back.
 */
static int
direction(const char *dir, json_t *j, ca_journal_settle_fn settle,
    void *arg, int *fwd, struct ca_recovery *res, struct ca_errbuf *eb)
{
	json_t *step = json_object_get(j, "step");
	const char *state = json_string_value(json_object_get(step, "state"));
	long long seq = json_integer_value(json_object_get(j, "seq"));
	int r, happened = 0;

	if ((r = record_placed(dir, j, fwd)) != 0 || *fwd || state == NULL ||
	    strcmp(state, CA_STEP_BEGUN) != 0)
		return r;
	snprintf(res->step, sizeof(res->step), "%s", json_string_value(
	    json_object_get(step, "kind")));
	if (settle == NULL) {
		ca_errf(eb, "record %lld (%s) was stopped after it may have "
		    "changed the token (%s): only its token can tell whether "
		    "to finish or undo it", seq, json_string_value(
		    json_object_get(j, "op")), res->step);
		return CA_ERR_INTERRUPTED;
	}
	if ((r = settle(arg, step, &happened, eb)) != 0)
		return r;
	res->asked = 1;
	if (happened) {
		*fwd = 2;
		return 0;
	}
	if ((r = json_object_set_new(step, "state",
	    json_string(CA_STEP_UNDONE))) != 0)
		return CA_ERR_NOMEM;
	return journal_write(dir, j, 0, eb);
}

int
ca_journal_recover_with(const char *dir, ca_journal_settle_fn settle,
    void *arg, struct ca_recovery *res, struct ca_errbuf *eb)
{
	struct sweep s = { dir, res, eb, 0 };
	json_t *j = NULL;
	int r, fwd = 0;

	memset(res, 0, sizeof(*res));
	if ((r = journal_read(dir, &j, eb)) != 0)
		return r;
	if (j != NULL && ((r = direction(dir, j, settle, arg, &fwd, res,
	    eb)) != 0 || (r = replay(dir, j, fwd, res, eb)) != 0))
		goto out;
	/* Only now: a journal's own temporaries look like leftovers. */
	if ((r = ca_journal_leftovers(dir, sweep_one, &s)) < 0) {
		ca_errf(eb, "cannot list \"%s\": %s", dir, strerror(errno));
		goto out;
	}
	if ((r = s.r) != 0)
		goto out;
	if (res->leftovers > 0 && ca_fsync_dir(dir) != 0) {
		r = fail(eb, "sync", dir);
		goto out;
	}
	r = 0;
out:
	json_decref(j);
	return r;
}
