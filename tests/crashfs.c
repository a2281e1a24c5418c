/*
 * crashfs.so: an LD_PRELOAD shim that stops a command at one chosen step
 * of its file output, to prove that an operation's files and its record
 * land together or not at all (tests/integration/test_crash.sh).
 *
 * A "point" is any call that changes files under one of the folders in
 * KC_CRASH_DIRS (colon-separated absolute paths): creating a file or
 * folder, write(2) and stdio writes, fsync and syncfs, rename, link and
 * unlink.
 * Points are numbered from 1 in the order the process makes them.
 *
 *   KC_CRASH_TRACE=FILE   append "N KIND PATH" for each point
 *   KC_CRASH_AT=N         act at point N, before the call is made:
 *   KC_CRASH_ACTION=kill  SIGKILL (the default)
 *                   enospc | eio   fail the call with that errno
 *
 * The settings are read once and removed from the environment, so that a
 * program the command runs (openssl) is not affected.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dirs[8][PATH_MAX];
static int ndirs, trace_fd = -1, action_errno;
static long at, count;

__attribute__((constructor)) static void
crash_init(void)
{
	const char *s = getenv("KC_CRASH_DIRS"), *a;
	char *copy, *tok, *save = NULL;

	if (s != NULL && (copy = strdup(s)) != NULL) {
		for (tok = strtok_r(copy, ":", &save); tok != NULL && ndirs < 8;
		    tok = strtok_r(NULL, ":", &save))
			snprintf(dirs[ndirs++], PATH_MAX, "%s", tok);
		free(copy);
	}
	if ((s = getenv("KC_CRASH_TRACE")) != NULL)
		trace_fd = open(s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
	if ((s = getenv("KC_CRASH_AT")) != NULL)
		at = strtol(s, NULL, 10);
	a = getenv("KC_CRASH_ACTION");
	if (a != NULL && strcmp(a, "enospc") == 0)
		action_errno = ENOSPC;
	else if (a != NULL && strcmp(a, "eio") == 0)
		action_errno = EIO;
	unsetenv("LD_PRELOAD");
	unsetenv("KC_CRASH_DIRS");
	unsetenv("KC_CRASH_TRACE");
	unsetenv("KC_CRASH_AT");
	unsetenv("KC_CRASH_ACTION");
}

static int
watched(const char *path)
{
	char abs[PATH_MAX * 2], cwd[PATH_MAX];
	size_t n;
	int i;

	if (path == NULL)
		return 0;
	if (path[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return 0;
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		path = abs;
	}
	/* The lock is taken, not written: opening it is no output. */
	n = strlen(path);
	if (n >= 6 && strcmp(path + n - 6, "/.lock") == 0)
		return 0;
	for (i = 0; i < ndirs; i++) {
		n = strlen(dirs[i]);
		if (strncmp(path, dirs[i], n) == 0 &&
		    (path[n] == '/' || path[n] == '\0'))
			return 1;
	}
	return 0;
}

static int
fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, len - 1)) < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
fd_watched(int fd, char *buf, size_t len)
{
	return fd >= 0 && fd != trace_fd && fd_path(fd, buf, len) == 0 &&
	    watched(buf);
}

/*
 * One point: trace it, and at the chosen one, kill or fail.  Returns 0
 * to go on with the real call, or -1 with errno set to fail it.
 */
static int
point(const char *kind, const char *path)
{
	char line[PATH_MAX + 64];
	int n, e = errno;
	/*
	 * A batch writes its files from several threads: each point gets a
	 * number of its own, or two would share one and the run would stop
	 * short of the last.
	 */
	long me = __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);

	if (trace_fd >= 0) {
		n = snprintf(line, sizeof(line), "%ld %s %s\n", me, kind,
		    path);
		if (n > 0)
			(void)!write(trace_fd, line, (size_t)n);
	}
	if (me != at) {
		errno = e;
		return 0;
	}
	if (action_errno == 0)
		raise(SIGKILL);
	errno = action_errno;
	return -1;
}

#define REAL(ret, name, ...)						\
	static ret (*real)(__VA_ARGS__);				\
	if (real == NULL)						\
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t
write(int fd, const void *buf, size_t len)
{
	char p[PATH_MAX];

	REAL(ssize_t, "write", int, const void *, size_t);
	if (fd_watched(fd, p, sizeof(p)) && point("write", p) != 0)
		return -1;
	return real(fd, buf, len);
}

int
fsync(int fd)
{
	char p[PATH_MAX];

	REAL(int, "fsync", int);
	if (fd_watched(fd, p, sizeof(p)) && point("fsync", p) != 0)
		return -1;
	return real(fd);
}

/* A batch writes its files unsynced, then syncs the file system once. */
int
syncfs(int fd)
{
	char p[PATH_MAX];

	REAL(int, "syncfs", int);
	if (fd_watched(fd, p, sizeof(p)) && point("fsync", p) != 0)
		return -1;
	return real(fd);
}

int
fdatasync(int fd)
{
	char p[PATH_MAX];

	REAL(int, "fdatasync", int);
	if (fd_watched(fd, p, sizeof(p)) && point("fdatasync", p) != 0)
		return -1;
	return real(fd);
}

/* A stdio stream open for writing on a watched file. */
static int
stream_watched(FILE *f, char *buf, size_t len)
{
	int fd = f ? fileno(f) : -1, fl;

	if (fd < 0 || (fl = fcntl(fd, F_GETFL)) < 0 ||
	    (fl & O_ACCMODE) == O_RDONLY)
		return 0;
	return fd_watched(fd, buf, len);
}

size_t
fwrite(const void *ptr, size_t size, size_t nmemb, FILE *f)
{
	char p[PATH_MAX];

	REAL(size_t, "fwrite", const void *, size_t, size_t, FILE *);
	if (stream_watched(f, p, sizeof(p)) && point("fwrite", p) != 0)
		return 0;
	return real(ptr, size, nmemb, f);
}

int
fputs(const char *s, FILE *f)
{
	char p[PATH_MAX];

	REAL(int, "fputs", const char *, FILE *);
	if (stream_watched(f, p, sizeof(p)) && point("fputs", p) != 0)
		return EOF;
	return real(s, f);
}

int
fflush(FILE *f)
{
	char p[PATH_MAX];

	REAL(int, "fflush", FILE *);
	if (stream_watched(f, p, sizeof(p)) && point("fflush", p) != 0)
		return EOF;
	return real(f);
}

int
fclose(FILE *f)
{
	char p[PATH_MAX];
	int e;

	REAL(int, "fclose", FILE *);
	if (stream_watched(f, p, sizeof(p)) && point("fclose", p) != 0) {
		/* The last write failed: the stream is gone all the same. */
		e = errno;
		(void)real(f);
		errno = e;
		return EOF;
	}
	return real(f);
}

int
rename(const char *from, const char *to)
{
	REAL(int, "rename", const char *, const char *);
	if ((watched(from) || watched(to)) && point("rename", to) != 0)
		return -1;
	return real(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL(int, "renameat", int, const char *, int, const char *);
	if ((watched(from) || watched(to)) && point("rename", to) != 0)
		return -1;
	return real(fd1, from, fd2, to);
}

int
renameat2(int fd1, const char *from, int fd2, const char *to,
    unsigned int flags)
{
	REAL(int, "renameat2", int, const char *, int, const char *,
	    unsigned int);
	if ((watched(from) || watched(to)) && point("rename", to) != 0)
		return -1;
	return real(fd1, from, fd2, to, flags);
}

int
link(const char *from, const char *to)
{
	REAL(int, "link", const char *, const char *);
	if (watched(to) && point("link", to) != 0)
		return -1;
	return real(from, to);
}

int
unlink(const char *path)
{
	REAL(int, "unlink", const char *);
	if (watched(path) && point("unlink", path) != 0)
		return -1;
	return real(path);
}

int
rmdir(const char *path)
{
	REAL(int, "rmdir", const char *);
	if (watched(path) && point("rmdir", path) != 0)
		return -1;
	return real(path);
}

int
mkdir(const char *path, mode_t mode)
{
	REAL(int, "mkdir", const char *, mode_t);
	if (watched(path) && point("mkdir", path) != 0)
		return -1;
	return real(path, mode);
}

int
mkstemp(char *tmpl)
{
	REAL(int, "mkstemp", char *);
	if (watched(tmpl) && point("create", tmpl) != 0)
		return -1;
	return real(tmpl);
}

char *
mkdtemp(char *tmpl)
{
	REAL(char *, "mkdtemp", char *);
	if (watched(tmpl) && point("mkdir", tmpl) != 0)
		return NULL;
	return real(tmpl);
}

int
mkstemp64(char *tmpl)
{
	return mkstemp(tmpl);
}

static int
open_point(const char *path, int flags)
{
	/* O_TMPFILE holds O_DIRECTORY's bit: opening a folder is no point. */
	return ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) &&
	    watched(path) &&
	    point("create", path) != 0 ? -1 : 0;
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	REAL(int, "open", const char *, int, ...);
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (open_point(path, flags) != 0)
		return -1;
	return real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	REAL(int, "open64", const char *, int, ...);
	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (open_point(path, flags) != 0)
		return -1;
	return real(path, flags, mode);
}
