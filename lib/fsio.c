#include "fsio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "encode.h"

int
ca_errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return CA_ERR_NOT_FOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return CA_ERR_PERMISSION;
	case EEXIST:
	case ENOTEMPTY:
		return CA_ERR_EXISTS;
	default:
		return CA_ERR_IO;
	}
}

int
ca_read_file(const char *path, size_t max, unsigned char **buf, size_t *len,
    struct ca_errbuf *eb)
{
	unsigned char *b = NULL;
	struct stat st;
	size_t have = 0;
	ssize_t n;
	int fd = -1, r = CA_ERR_INTERNAL;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) <
	    0) {
		r = ca_errno_code(errno);
		if (errno == ELOOP)
			ca_errf(eb, "\"%s\" is a symbolic link; give the path "
			    "of the file itself", path);
		else
			ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ca_errf(eb, "\"%s\" is not a file (a folder or a device?); "
		    "give the path of the file itself", path);
		r = CA_ERR_IO;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		ca_errf(eb, "\"%s\" is %lld bytes, more than the %zu this "
		    "file can be; is it the right file?", path,
		    (long long)st.st_size, max);
		r = CA_ERR_IO;
		goto out;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		r = CA_ERR_NOMEM;
		goto out;
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, b + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ca_errf(eb, "\"%s\": short read", path);
			r = CA_ERR_IO;
			goto out;
		}
		have += (size_t)n;
	}
	b[have] = '\0';
	*buf = b;
	*len = have;
	b = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(b);
	return r;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Create path (never a file already there) with mode, whatever the
 * umask, and write data; the open descriptor in *fdp.  On failure the
 * file is gone and eb says why.
 */
static int
create_write(const char *path, const void *data, size_t len, mode_t mode,
    int *fdp, struct ca_errbuf *eb)
{
	int fd, r;

	*fdp = -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		return r;
	}
	/* fchmod: the umask must not decide whether a certificate is public. */
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return r == CA_ERR_EXISTS ? CA_ERR_IO : r;
	}
	*fdp = fd;
	return 0;
}

int
ca_write_file_excl(const char *path, const void *data, size_t len,
    mode_t mode, struct ca_errbuf *eb)
{
	struct ca_wfile f = { path, data, len, mode };

	return ca_write_files_excl(&f, 1, eb);
}

int
ca_write_file_nosync(const char *path, const void *data, size_t len,
    mode_t mode, struct ca_errbuf *eb)
{
	int fd, r;

	if ((r = create_write(path, data, len, mode, &fd, eb)) != 0)
		return r;
	if (close(fd) != 0) {
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		unlink(path);
		return CA_ERR_IO;
	}
	return 0;
}

int
ca_write_files_excl(const struct ca_wfile *f, size_t n, struct ca_errbuf *eb)
{
	int one, *fd;
	size_t i, made = 0;
	int r = 0;

	if (n == 0)
		return 0;
	if ((fd = n == 1 ? &one : malloc(n * sizeof(*fd))) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((r = create_write(f[i].path, f[i].data, f[i].len,
		    f[i].mode, &fd[i], eb)) != 0)
			goto out;
		made++;
		/* The disk may start on it at once. */
		if (sync_file_range(fd[i], 0, 0, SYNC_FILE_RANGE_WRITE) != 0 &&
		    errno != ENOSYS)
			goto fail;
	}
	/*
	 * Each fsync now mostly waits for writes already under way, where
	 * one after another each would start its own and wait for it.
	 */
	for (i = 0; i < n; i++)
		if (fsync(fd[i]) != 0)
			goto fail;
	for (i = 0; i < n; i++) {
		int c = close(fd[i]);

		fd[i] = -1;
		if (c != 0 && r == 0) {
			ca_errf(eb, "\"%s\": %s", f[i].path, strerror(errno));
			r = CA_ERR_IO;
		}
	}
	goto out;
fail:
	r = ca_errno_code(errno);
	ca_errf(eb, "\"%s\": %s", f[i].path, strerror(errno));
	if (r == CA_ERR_EXISTS)
		r = CA_ERR_IO;
out:
	/* Nothing of a failed call stays behind. */
	for (i = 0; i < made; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		if (r != 0)
			(void)unlink(f[i].path);
	}
	if (fd != &one)
		free(fd);
	return r;
}

/*
 * A name the folder takes, with room for its temporary's suffix: a name
 * that fits only without it would fail when written, after the token had
 * signed.
 */
static int
name_fits(const char *path, const char *parent, struct ca_errbuf *eb)
{
	size_t end = strlen(path), start;
	long max;

	while (end > 1 && path[end - 1] == '/')
		end--;
	for (start = end; start > 0 && path[start - 1] != '/'; start--)
		;
	if ((max = pathconf(parent, _PC_NAME_MAX)) <= 0)
		max = NAME_MAX;
	if ((long)(end - start) + CA_TMP_SUFFIX_LEN <= max)
		return 0;
	ca_errf(eb, "\"%s\": a name of %zu characters is too long for "
	    "this folder; use at most %ld", path, end - start,
	    max - CA_TMP_SUFFIX_LEN);
	return CA_ERR_INVALID_ARG;
}

int
ca_path_new(const char *path, struct ca_errbuf *eb)
{
	struct stat st;
	char *parent;
	int r = 0;

	if (lstat(path, &st) == 0) {
		ca_errf(eb, "\"%s\" exists", path);
		return CA_ERR_EXISTS;
	}
	if (errno != ENOENT) {
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		return ca_errno_code(errno);
	}
	if ((parent = ca_path_parent(path)) == NULL) {
		ca_errf(eb, "out of memory");
		return CA_ERR_NOMEM;
	}
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
		ca_errf(eb, "\"%s\": there is no folder \"%s\" to make it in",
		    path, parent);
		r = CA_ERR_NOT_FOUND;
	} else if (faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) != 0) {
		ca_errf(eb, "\"%s\": cannot make it in \"%s\": %s", path,
		    parent, strerror(errno));
		r = ca_errno_code(errno);
	} else
		r = name_fits(path, parent, eb);
	free(parent);
	return r;
}

int
ca_folder_new_or_empty(const char *path, int *exists, struct ca_errbuf *eb)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;
	int n = 0;

	*exists = 0;
	if (lstat(path, &st) != 0)
		return ca_path_new(path, eb);
	if (S_ISDIR(st.st_mode) && (dp = opendir(path)) != NULL) {
		while ((de = readdir(dp)) != NULL)
			n += strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0;
		closedir(dp);
		/* Made on the medium beforehand: it may still be read-only. */
		if (n == 0 && faccessat(AT_FDCWD, path, W_OK | X_OK,
		    AT_EACCESS) != 0) {
			ca_errf(eb, "\"%s\": cannot write in it: %s", path,
			    strerror(errno));
			return ca_errno_code(errno);
		}
		if (n == 0) {
			*exists = 1;
			return 0;
		}
	}
	ca_errf(eb, "\"%s\" exists and is not an empty folder", path);
	return CA_ERR_EXISTS;
}

int
ca_syncfs(const char *folder)
{
	int fd, r = 0;

	if ((fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return CA_ERR_IO;
	/* Since Linux 5.8 syncfs reports write-back errors, as fsync does. */
	if (syncfs(fd) != 0)
		r = CA_ERR_IO;
	close(fd);
	return r;
}

int
ca_fsync_dir(const char *path)
{
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return CA_ERR_IO;
	if (fsync(fd) != 0)
		r = CA_ERR_IO;
	close(fd);
	return r;
}

int
ca_fsync_parent(const char *path)
{
	char *parent;
	int r;

	if ((parent = ca_path_parent(path)) == NULL)
		return CA_ERR_NOMEM;
	r = ca_fsync_dir(parent);
	free(parent);
	return r;
}

/* A new temporary file beside path, with mode: its fd and name. */
static int
tmp_create(const char *path, mode_t mode, int *fdout, char **tmpout,
    struct ca_errbuf *eb)
{
	size_t n = strlen(path) + 16;
	char *tmp;
	int fd, r;

	*fdout = -1;
	*tmpout = NULL;
	if ((tmp = malloc(n)) == NULL)
		return CA_ERR_NOMEM;
	/* mkstemp: a new name, O_EXCL, so two writers never share one. */
	snprintf(tmp, n, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		r = ca_errno_code(errno);
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		free(tmp);
		return r;
	}
	/* fchmod: the umask must not decide whether a file is public. */
	if (fchmod(fd, mode) != 0) {
		ca_errf(eb, "\"%s\": %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return CA_ERR_IO;
	}
	*fdout = fd;
	*tmpout = tmp;
	return 0;
}

int
ca_tmp_open(const char *path, mode_t mode, FILE **f, char **tmpout,
    struct ca_errbuf *eb)
{
	char *tmp;
	int fd, r;

	*f = NULL;
	*tmpout = NULL;
	if ((r = tmp_create(path, mode, &fd, &tmp, eb)) != 0)
		return r;
	if ((*f = fdopen(fd, "w")) == NULL) {
		ca_errf(eb, "\"%s\": %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return CA_ERR_IO;
	}
	*tmpout = tmp;
	return 0;
}

int
ca_tmp_write(const char *path, const void *data, size_t len, mode_t mode,
    char **tmpout, struct ca_errbuf *eb)
{
	char *tmp;
	int fd, r;

	*tmpout = NULL;
	if ((r = tmp_create(path, mode, &fd, &tmp, eb)) != 0)
		return r;
	/* One write(2) and no stdio buffer between us and the error. */
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		ca_errf(eb, "\"%s\": %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return CA_ERR_IO;
	}
	if (close(fd) != 0) {
		ca_errf(eb, "\"%s\": %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return CA_ERR_IO;
	}
	*tmpout = tmp;
	return 0;
}

char *
ca_tmp_name(const char *path)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	size_t n = strlen(path) + CA_TMP_SUFFIX_LEN + 1, i;
	char *t;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || (t = malloc(n)) == NULL)
		return NULL;
	snprintf(t, n, "%s.tmp-", path);
	for (i = 0; i < sizeof(rnd); i++)
		t[n - 7 + i] = set[rnd[i] % (sizeof(set) - 1)];
	t[n - 1] = '\0';
	return t;
}

int
ca_tmp_place(const char *tmp, const char *path, int noreplace,
    struct ca_errbuf *eb)
{
	if (noreplace) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path,
		    RENAME_NOREPLACE) != 0) {
			ca_errf(eb, "\"%s\": %s", path, strerror(errno));
			return ca_errno_code(errno);
		}
	} else if (rename(tmp, path) != 0) {
		ca_errf(eb, "\"%s\": %s", path, strerror(errno));
		return ca_errno_code(errno);
	}
	return 0;
}

int
ca_tmp_commit(const char *tmp, const char *path, int noreplace,
    struct ca_errbuf *eb)
{
	int r;

	if ((r = ca_tmp_place(tmp, path, noreplace, eb)) != 0)
		return r;
	/*
	 * The file is in place and its bytes were synced before the rename;
	 * reporting failure now would let a caller undo what others may
	 * already see.  A failed sync may have dropped the folder's change
	 * even if a second one succeeds, so it is retried but always
	 * reported, as a warning in eb.
	 */
	if (ca_fsync_parent(path) != 0) {
		int again = ca_fsync_parent(path);

		ca_warnf(eb, "\"%s\" is in place, but syncing its folder to "
		    "disk failed%s; check the disk before switching off",
		    path, again != 0 ? " twice" : "");
	}
	return 0;
}

int
ca_write_file_atomic(const char *path, const void *data, size_t len,
    mode_t mode, int noreplace, struct ca_errbuf *eb)
{
	char *tmp = NULL;
	int r;

	if ((r = ca_tmp_write(path, data, len, mode, &tmp, eb)) != 0)
		return r;
	/* After a failed rename tmp is still there; after that, it is not. */
	if ((r = ca_tmp_commit(tmp, path, noreplace, eb)) != 0)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

int
ca_sha256_file(const char *path, char hex[65], long long *size)
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = NULL;
	long long total = 0;
	ssize_t n;
	int fd, r = CA_ERR_IO;

	/* Links are followed: this hashes /proc/self/exe and modules. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return ca_errno_code(errno);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
		total += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		goto out;
	ca_hex(md, sizeof(md), hex);
	if (size != NULL)
		*size = total;
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

void
ca_rm_folder(const char *folder)
{
	struct dirent *de;
	DIR *d;
	char *p;

	if ((d = opendir(folder)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_type != DT_REG)
				continue;
			if ((p = ca_path_join(folder, de->d_name)) != NULL)
				(void)unlink(p);
			free(p);
		}
		closedir(d);
	}
	(void)rmdir(folder);
}

int
ca_folder_only(const char *path, int (*ours)(const char *name))
{
	struct dirent *e;
	struct stat st;
	DIR *dp;
	int only = 1;

	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (dp = opendir(path)) == NULL)
		return 0;
	while (only && (e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!ours(e->d_name) || fstatat(dirfd(dp), e->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			only = 0;
	}
	closedir(dp);
	return only;
}

int
ca_tmp_siblings(const char *path, void (*fn)(void *arg, const char *sib),
    void *arg)
{
	char *copy = NULL, *sib = NULL;
	const char *parent, *base;
	struct dirent *e;
	size_t blen;
	DIR *dp = NULL;
	int n = 0;

	if ((copy = strdup(path)) == NULL)
		return 0;
	if ((base = strrchr(copy, '/')) != NULL) {
		copy[base - copy] = '\0';
		parent = base == copy ? "/" : copy;
		base++;
	} else {
		base = copy;
		parent = ".";
	}
	blen = strlen(base);
	if (blen == 0 || (dp = opendir(parent)) == NULL)
		goto out;
	while ((e = readdir(dp)) != NULL) {
		const char *sfx = e->d_name + blen;

		if (strlen(e->d_name) != blen + CA_TMP_SUFFIX_LEN ||
		    strncmp(e->d_name, base, blen) != 0 ||
		    strncmp(sfx, ".tmp-", 5) != 0 ||
		    strspn(sfx + 5, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != 6)
			continue;
		free(sib);
		/* Named as the caller named path: "ex.tmp-...", not "./ex...". */
		sib = base == copy ? strdup(e->d_name) :
		    ca_path_join(parent, e->d_name);
		if (sib == NULL)
			break;
		n++;
		fn(arg, sib);
	}
out:
	if (dp != NULL)
		closedir(dp);
	free(sib);
	free(copy);
	return n;
}

char *
ca_path_parent(const char *path)
{
	char *copy, *parent;

	/* dirname may write into its argument, and may return a constant. */
	if ((copy = strdup(path)) == NULL)
		return NULL;
	parent = strdup(dirname(copy));
	free(copy);
	return parent;
}

char *
ca_path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}
