/* check_fsio.c: file input and crash-safe output (lib/fsio.c). */
#include "check_util.h"

#include <ctype.h>
#include <dirent.h>

#include "encode.h"
#include "fsio.h"

#define NOBODY 65534

/*
 * Root reads and writes through any mode bits, so the permission tests
 * drop to nobody for their duration (each test runs in its own child).
 */
static void
become_nobody(void)
{
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(setegid(NOBODY), 0);
	ck_assert_int_eq(seteuid(NOBODY), 0);
}

static void
become_self(void)
{
	if (getuid() == 0 && geteuid() != 0) {
		ck_assert_int_eq(seteuid(0), 0);
		ck_assert_int_eq(setegid(0), 0);
	}
}

/* dir/ro, a folder no one but root may write in, its path into ro. */
static void
ro_folder(char ro[PATH_MAX], const char *dir)
{
	tu_path(ro, dir, "ro");
	ck_assert_int_eq(mkdir(ro, 0555), 0);
	/* Whatever the umask. */
	ck_assert_int_eq(chmod(ro, 0555), 0);
}

/* The number of entries in dir other than "." and "..". */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The permission bits of path. */
static mode_t
mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* path must hold exactly want. */
static void
content_is(const char *path, const char *want)
{
	size_t n;
	char *b = tu_read(path, &n);

	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(b, want);
	free(b);
}

START_TEST(read_whole_file)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned char *b = NULL;
	size_t n = 0;

	tu_tmpdir(dir);
	tu_path(path, dir, "f");
	tu_write(path, "ab\0cd", 5);
	ck_assert_ok(ca_read_file(path, 1024, &b, &n, NULL));
	ck_assert_uint_eq(n, 5);
	ck_assert_mem_eq(b, "ab\0cd", 5);
	ck_assert_int_eq(b[5], '\0');
	free(b);

	/* max is inclusive. */
	ck_assert_ok(ca_read_file(path, 5, &b, &n, NULL));
	ck_assert_uint_eq(n, 5);
	free(b);

	tu_write(path, "", 0);
	ck_assert_ok(ca_read_file(path, 0, &b, &n, NULL));
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(b[0], '\0');
	free(b);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_refuses_over_max)
{
	char dir[PATH_MAX], path[PATH_MAX];
	static unsigned char sentinel;
	unsigned char *b = &sentinel;
	size_t n = 9;
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	tu_path(path, dir, "f");
	tu_write(path, "123456", 6);
	ck_assert_err(ca_read_file(path, 5, &b, &n, &eb), CA_ERR_IO);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(eb.msg, path) != NULL, "reason: %s", eb.msg);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_missing)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned char *b = NULL;
	size_t n;

	tu_tmpdir(dir);
	tu_path(path, dir, "none");
	ck_assert_err(ca_read_file(path, 1024, &b, &n, NULL), CA_ERR_NOT_FOUND);
	ck_assert_ptr_null(b);
	tu_path(path, dir, "none/f");
	ck_assert_err(ca_read_file(path, 1024, &b, &n, NULL), CA_ERR_NOT_FOUND);
	/* A path through a regular file (ENOTDIR). */
	tu_path(path, dir, "f");
	tu_write(path, "x", 1);
	tu_path(path, dir, "f/g");
	ck_assert_err(ca_read_file(path, 1024, &b, &n, NULL), CA_ERR_NOT_FOUND);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_refuses_symlink)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	unsigned char *b = NULL;
	size_t n = 7;

	tu_tmpdir(dir);
	tu_path(path, dir, "f");
	tu_path(link, dir, "l");
	tu_write(path, "secret", 6);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_err(ca_read_file(link, 1024, &b, &n, NULL), CA_ERR_IO);
	ck_assert_ptr_null(b);
	ck_assert_uint_eq(n, 0);
	/* Dangling links likewise: not "missing". */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_err(ca_read_file(link, 1024, &b, &n, NULL), CA_ERR_IO);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_refuses_non_regular)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned char *b = NULL;
	size_t n;

	tu_tmpdir(dir);
	ck_assert_err(ca_read_file(dir, 1 << 20, &b, &n, NULL), CA_ERR_IO);
	ck_assert_ptr_null(b);
	tu_path(path, dir, "fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	/*
	 * O_RDONLY on a fifo with no writer would block; it must be refused
	 * at once (Check's timeout fails the test if it hangs).
	 */
	ck_assert_err(ca_read_file(path, 1 << 20, &b, &n, NULL), CA_ERR_IO);
	ck_assert_ptr_null(b);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_permission)
{
	char dir[PATH_MAX], path[PATH_MAX];
	unsigned char *b = NULL;
	size_t n;

	tu_tmpdir(dir);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	tu_path(path, dir, "f");
	tu_write(path, "x", 1);
	ck_assert_int_eq(chmod(path, 0), 0);
	become_nobody();
	ck_assert_err(ca_read_file(path, 1024, &b, &n, NULL),
	    CA_ERR_PERMISSION);
	ck_assert_ptr_null(b);
	become_self();
	tu_rmrf(dir);
}
END_TEST

START_TEST(write_excl_creates)
{
	char dir[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	tu_path(path, dir, "cert.pem");
	ck_assert_ok(ca_write_file_excl(path, "hello\n", 6, 0600, NULL));
	content_is(path, "hello\n");
	ck_assert_uint_eq(mode_of(path), 0600);
	tu_path(path, dir, "empty");
	ck_assert_ok(ca_write_file_excl(path, "", 0, 0600, NULL));
	content_is(path, "");
	tu_rmrf(dir);
}
END_TEST

/* A batch: unsynced writes, one sync, renames without a sync each. */
START_TEST(batch_writes)
{
	char dir[PATH_MAX], path[PATH_MAX], *tmp;

	tu_tmpdir(dir);
	tu_path(path, dir, "dev.pem");
	ck_assert_ptr_nonnull(tmp = ca_tmp_name(path));
	ck_assert_ok(ca_write_file_nosync(tmp, "cert\n", 5, 0644, NULL));
	ck_assert_uint_eq(mode_of(tmp), 0644);
	ck_assert_err(ca_write_file_nosync(tmp, "x", 1, 0644, NULL),
	    CA_ERR_EXISTS);
	ck_assert_ok(ca_syncfs(dir));
	ck_assert_err(ca_syncfs("/nonexistent/folder"), CA_ERR_IO);
	ck_assert_ok(ca_tmp_place(tmp, path, 1, NULL));
	content_is(path, "cert\n");
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* noreplace refuses what is there, and leaves both. */
	ck_assert_ok(ca_write_file_nosync(tmp, "other\n", 6, 0644, NULL));
	ck_assert_err(ca_tmp_place(tmp, path, 1, NULL), CA_ERR_EXISTS);
	content_is(path, "cert\n");
	ck_assert_ok(ca_tmp_place(tmp, path, 0, NULL));
	content_is(path, "other\n");
	ck_assert_int_eq(count_entries(dir), 1);
	free(tmp);
	tu_rmrf(dir);
}
END_TEST

/* Several files written together: all of them, or none. */
START_TEST(write_files_together)
{
	char dir[PATH_MAX], a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	char gone[PATH_MAX];
	struct ca_wfile f[3];
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	tu_path(a, dir, "a.pem");
	tu_path(b, dir, "b.pem");
	tu_path(c, dir, "c.json");
	f[0] = (struct ca_wfile){ a, "A\n", 2, 0644 };
	f[1] = (struct ca_wfile){ b, "", 0, 0600 };
	f[2] = (struct ca_wfile){ c, "{}\n", 3, 0644 };
	ck_assert_ok(ca_write_files_excl(f, 3, NULL));
	content_is(a, "A\n");
	content_is(b, "");
	content_is(c, "{}\n");
	ck_assert_uint_eq(mode_of(a), 0644);
	ck_assert_uint_eq(mode_of(b), 0600);
	ck_assert_ok(ca_write_files_excl(f, 0, NULL));

	/* One name taken: it is named, kept, and no other file is left. */
	ck_assert_int_eq(unlink(a), 0);
	ck_assert_int_eq(unlink(c), 0);
	ck_assert_err(ca_write_files_excl(f, 3, &eb), CA_ERR_EXISTS);
	ck_assert_msg(strstr(eb.msg, b) != NULL, "reason: %s", eb.msg);
	ck_assert_int_eq(access(a, F_OK), -1);
	ck_assert_int_eq(access(c, F_OK), -1);
	ck_assert_uint_eq(mode_of(b), 0600);
	ck_assert_int_eq(count_entries(dir), 1);

	/* The last one cannot be made: the first two go again. */
	ck_assert_int_eq(unlink(b), 0);
	tu_path(gone, dir, "missing/c.json");
	f[2].path = gone;
	ck_assert_err(ca_write_files_excl(f, 3, &eb), CA_ERR_NOT_FOUND);
	ck_assert_msg(strstr(eb.msg, gone) != NULL, "reason: %s", eb.msg);
	ck_assert_int_eq(count_entries(dir), 0);
	tu_rmrf(dir);
}
END_TEST

START_TEST(write_excl_mode_ignores_umask)
{
	char dir[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	/* The umask must not decide whether a certificate is public. */
	umask(077);
	tu_path(path, dir, "public");
	ck_assert_ok(ca_write_file_excl(path, "x", 1, 0644, NULL));
	ck_assert_uint_eq(mode_of(path), 0644);
	umask(0);
	tu_path(path, dir, "private");
	ck_assert_ok(ca_write_file_excl(path, "x", 1, 0400, NULL));
	ck_assert_uint_eq(mode_of(path), 0400);
	umask(022);
	tu_rmrf(dir);
}
END_TEST

START_TEST(write_excl_refuses_existing)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	tu_path(path, dir, "f");
	tu_write(path, "old", 3);
	ck_assert_err(ca_write_file_excl(path, "new", 3, 0600, &eb),
	    CA_ERR_EXISTS);
	ck_assert_msg(strstr(eb.msg, path) != NULL, "reason: %s", eb.msg);
	/* Neither overwritten nor removed. */
	content_is(path, "old");

	/* A dangling link is not followed to create its target. */
	tu_path(link, dir, "l");
	tu_path(target, dir, "target");
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_err(ca_write_file_excl(link, "new", 3, 0600, NULL),
	    CA_ERR_EXISTS);
	ck_assert_int_eq(access(target, F_OK), -1);

	/* A folder is there too. */
	ck_assert_err(ca_write_file_excl(dir, "new", 3, 0600, NULL),
	    CA_ERR_EXISTS);
	tu_rmrf(dir);
}
END_TEST

START_TEST(write_excl_missing_folder)
{
	char dir[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	tu_path(path, dir, "no/f");
	ck_assert_err(ca_write_file_excl(path, "x", 1, 0600, NULL),
	    CA_ERR_NOT_FOUND);
	tu_rmrf(dir);
}
END_TEST

START_TEST(write_permission)
{
	char dir[PATH_MAX], ro[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ro_folder(ro, dir);
	tu_path(path, ro, "f");
	become_nobody();
	ck_assert_err(ca_write_file_excl(path, "x", 1, 0600, NULL),
	    CA_ERR_PERMISSION);
	ck_assert_err(ca_write_file_atomic(path, "x", 1, 0600, 0, NULL),
	    CA_ERR_PERMISSION);
	ck_assert_err(ca_write_file_atomic(path, "x", 1, 0600, 1, NULL),
	    CA_ERR_PERMISSION);
	become_self();
	ck_assert_int_eq(count_entries(ro), 0);
	tu_rmrf(dir);
}
END_TEST

START_TEST(atomic_creates_and_replaces)
{
	char dir[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	tu_path(path, dir, "serial");
	ck_assert_ok(ca_write_file_atomic(path, "01\n", 3, 0640, 0, NULL));
	content_is(path, "01\n");
	ck_assert_uint_eq(mode_of(path), 0640);
	ck_assert_ok(ca_write_file_atomic(path, "02\n", 3, 0600, 0, NULL));
	content_is(path, "02\n");
	ck_assert_uint_eq(mode_of(path), 0600);
	/* No temporary file is left behind. */
	ck_assert_int_eq(count_entries(dir), 1);
	tu_rmrf(dir);
}
END_TEST

START_TEST(atomic_noreplace)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct ca_errbuf eb;

	tu_tmpdir(dir);
	tu_path(path, dir, "ca.pem");
	ck_assert_ok(ca_write_file_atomic(path, "first", 5, 0644, 1, NULL));
	content_is(path, "first");
	ck_assert_err(ca_write_file_atomic(path, "second", 6, 0644, 1, &eb),
	    CA_ERR_EXISTS);
	ck_assert_msg(strstr(eb.msg, path) != NULL, "reason: %s", eb.msg);
	content_is(path, "first");
	ck_assert_int_eq(count_entries(dir), 1);
	tu_rmrf(dir);
}
END_TEST

START_TEST(atomic_replaces_link_not_target)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	tu_tmpdir(dir);
	tu_path(target, dir, "target");
	tu_path(path, dir, "link");
	tu_write(target, "keep", 4);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_err(ca_write_file_atomic(path, "new", 3, 0600, 1, NULL),
	    CA_ERR_EXISTS);
	ck_assert_ok(ca_write_file_atomic(path, "new", 3, 0600, 0, NULL));
	content_is(target, "keep");
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	content_is(path, "new");
	ck_assert_int_eq(count_entries(dir), 2);
	tu_rmrf(dir);
}
END_TEST

START_TEST(atomic_failures_leave_nothing)
{
	char dir[PATH_MAX], path[PATH_MAX], sub[PATH_MAX];

	tu_tmpdir(dir);
	tu_path(path, dir, "no/f");
	ck_assert_err(ca_write_file_atomic(path, "x", 1, 0600, 0, NULL),
	    CA_ERR_NOT_FOUND);
	/* A folder in the way: the rename fails, the temporary goes. */
	tu_path(sub, dir, "sub");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	tu_path(path, sub, "inner");
	tu_write(path, "x", 1);
	ck_assert_err(ca_write_file_atomic(sub, "x", 1, 0600, 0, NULL),
	    CA_ERR_IO);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_eq(count_entries(sub), 1);
	tu_rmrf(dir);
}
END_TEST

START_TEST(sha256_of_file)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX], hex[65], want[65];
	long long size = -1;
	unsigned char *big;
	size_t n = 200001;

	tu_tmpdir(dir);
	tu_path(path, dir, "abc");
	tu_write(path, "abc", 3);
	ck_assert_ok(ca_sha256_file(path, hex, &size));
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(size, 3);
	/* Links are followed (for /proc/self/exe). */
	tu_path(link, dir, "link");
	ck_assert_int_eq(symlink(path, link), 0);
	memset(hex, 0, sizeof(hex));
	ck_assert_ok(ca_sha256_file(link, hex, NULL));
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");

	tu_path(path, dir, "empty");
	tu_write(path, "", 0);
	ck_assert_ok(ca_sha256_file(path, hex, &size));
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(size, 0);

	/* Larger than one read buffer. */
	ck_assert_ptr_nonnull(big = malloc(n));
	for (size_t i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7);
	tu_path(path, dir, "big");
	tu_write(path, big, n);
	ca_sha256_hex(big, n, want);
	free(big);
	ck_assert_ok(ca_sha256_file(path, hex, &size));
	ck_assert_str_eq(hex, want);
	ck_assert_int_eq(size, (long long)n);
	tu_rmrf(dir);
}
END_TEST

START_TEST(sha256_failures)
{
	char dir[PATH_MAX], path[PATH_MAX], hex[65];

	tu_tmpdir(dir);
	tu_path(path, dir, "missing");
	ck_assert_err(ca_sha256_file(path, hex, NULL), CA_ERR_NOT_FOUND);
	ck_assert_err(ca_sha256_file(dir, hex, NULL), CA_ERR_IO);
	tu_path(path, dir, "f");
	tu_write(path, "x", 1);
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	become_nobody();
	ck_assert_err(ca_sha256_file(path, hex, NULL), CA_ERR_PERMISSION);
	become_self();
	tu_rmrf(dir);
}
END_TEST

START_TEST(fsync_folders)
{
	char dir[PATH_MAX], path[PATH_MAX];

	tu_tmpdir(dir);
	ck_assert_ok(ca_fsync_dir(dir));
	tu_path(path, dir, "f");
	tu_write(path, "x", 1);
	ck_assert_ok(ca_fsync_parent(path));
	/* A file is not a folder; a missing folder is an I/O failure. */
	ck_assert_err(ca_fsync_dir(path), CA_ERR_IO);
	tu_path(path, dir, "none");
	ck_assert_err(ca_fsync_dir(path), CA_ERR_IO);
	tu_path(path, dir, "none/f");
	ck_assert_err(ca_fsync_parent(path), CA_ERR_IO);
	/* A bare name lives in ".". */
	ck_assert_ok(ca_fsync_parent("f"));
	tu_rmrf(dir);
}
END_TEST

START_TEST(path_join)
{
	char *p;

	ck_assert_ptr_nonnull(p = ca_path_join("/var/ca", "certs/1.pem"));
	ck_assert_str_eq(p, "/var/ca/certs/1.pem");
	free(p);
	ck_assert_ptr_nonnull(p = ca_path_join("ca", ""));
	ck_assert_str_eq(p, "ca/");
	free(p);
	ck_assert_ptr_nonnull(p = ca_path_join("", "f"));
	ck_assert_str_eq(p, "/f");
	free(p);
}
END_TEST

/* The folder holding a path, as dirname(3) has it. */
START_TEST(path_parent)
{
	static const char *const cases[][2] = {
		{ "/var/ca/issued/1.pem", "/var/ca/issued" },
		{ "ca/ca.json", "ca" },
		{ "ca.json", "." },
		{ "/ca.json", "/" },
		{ "plant-root/", "." },
		{ "a/plant-root//", "a" },
		{ "a//b", "a" },
		{ "/", "/" },
	};
	size_t i;
	char *p;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_nonnull(p = ca_path_parent(cases[i][0]));
		ck_assert_msg(strcmp(p, cases[i][1]) == 0, "\"%s\": \"%s\"",
		    cases[i][0], p);
		free(p);
	}
}
END_TEST

START_TEST(tmp_names)
{
	char *a = ca_tmp_name("/x/ca.pem"), *b = ca_tmp_name("/x/ca.pem");
	size_t i;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(strlen(a), strlen("/x/ca.pem.tmp-XXXXXX"));
	ck_assert_int_eq(strncmp(a, "/x/ca.pem.tmp-", 14), 0);
	for (i = 14; a[i] != '\0'; i++)
		ck_assert(isalnum((unsigned char)a[i]));
	/* 36^6 names: two alike would be a broken generator. */
	ck_assert_str_ne(a, b);
	free(a);
	free(b);
}
END_TEST

/* Nothing there, and a folder to make it in that this process may write. */
START_TEST(path_new)
{
	char dir[PATH_MAX], path[PATH_MAX], ro[PATH_MAX], name[NAME_MAX + 1];
	char *tmp = NULL;
	struct ca_errbuf eb;
	long max;

	tu_tmpdir(dir);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	tu_path(path, dir, "out.pem");
	ck_assert_ok(ca_path_new(path, &eb));
	ck_assert_ok(ca_write_file_excl(path, "x", 1, 0644, NULL));
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "out.pem\" exists"));
	/* A link is something there, even one that leads nowhere. */
	tu_path(path, dir, "link");
	ck_assert_int_eq(symlink("nowhere", path), 0);
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_EXISTS);
	tu_path(path, dir, "out.pem/x");
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_NOT_FOUND);
	tu_path(path, dir, "missing/out.pem");
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "there is no folder"));
	ro_folder(ro, dir);
	tu_path(path, ro, "out.pem");
	become_nobody();
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_PERMISSION);
	become_self();
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot make it in"));
	/*
	 * A name with no room for its temporary's suffix is refused: its
	 * write would fail after the token had signed.
	 */
	max = pathconf(dir, _PC_NAME_MAX);
	ck_assert_int_gt(max, CA_TMP_SUFFIX_LEN + 1);
	memset(name, 'n', sizeof(name));
	name[max - CA_TMP_SUFFIX_LEN] = '\0';
	tu_path(path, dir, name);
	ck_assert_ok(ca_path_new(path, &eb));
	/* The longest it takes is written through its temporary. */
	ck_assert_ok(ca_tmp_write(path, "x", 1, 0644, &tmp, &eb));
	ck_assert_ok(ca_tmp_commit(tmp, path, 1, &eb));
	free(tmp);
	name[max - CA_TMP_SUFFIX_LEN] = 'n';
	name[max - CA_TMP_SUFFIX_LEN + 1] = '\0';
	tu_path(path, dir, name);
	eb.msg[0] = '\0';
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "is too long for this folder"));
	strcat(path, "/");
	ck_assert_err(ca_path_new(path, &eb), CA_ERR_INVALID_ARG);
	tu_rmrf(dir);
}
END_TEST

/* Where a command puts a new set of files: new and makeable, or empty. */
START_TEST(folder_new_or_empty)
{
	char dir[PATH_MAX], path[PATH_MAX], ro[PATH_MAX];
	struct ca_errbuf eb;
	int exists = -1;

	tu_tmpdir(dir);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	tu_path(path, dir, "out");
	ck_assert_ok(ca_folder_new_or_empty(path, &exists, &eb));
	ck_assert_int_eq(exists, 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_ok(ca_folder_new_or_empty(path, &exists, &eb));
	ck_assert_int_eq(exists, 1);
	tu_path(path, dir, "out/f");
	ck_assert_ok(ca_write_file_excl(path, "x", 1, 0644, NULL));
	tu_path(path, dir, "out");
	ck_assert_err(ca_folder_new_or_empty(path, &exists, &eb),
	    CA_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not an empty folder"));
	/* A file is no folder, empty or not; nor is what lies in one. */
	tu_path(path, dir, "out/f");
	ck_assert_err(ca_folder_new_or_empty(path, &exists, &eb),
	    CA_ERR_EXISTS);
	tu_path(path, dir, "out/f/sub");
	ck_assert_err(ca_folder_new_or_empty(path, &exists, &eb),
	    CA_ERR_NOT_FOUND);
	/* No folder to make it in. */
	tu_path(path, dir, "missing/out");
	ck_assert_err(ca_folder_new_or_empty(path, &exists, &eb),
	    CA_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "there is no folder"));
	ck_assert_ptr_nonnull(strstr(eb.msg, "/missing\""));
	/* A folder it may not write in. */
	ro_folder(ro, dir);
	tu_path(path, ro, "out");
	become_nobody();
	ck_assert_err(ca_folder_new_or_empty(path, &exists, &eb),
	    CA_ERR_PERMISSION);
	become_self();
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot make it in"));
	ck_assert_int_eq(count_entries(ro), 0);
	/* An empty folder made beforehand on a medium it cannot write. */
	become_nobody();
	ck_assert_err(ca_folder_new_or_empty(ro, &exists, &eb),
	    CA_ERR_PERMISSION);
	become_self();
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot write in it"));
	tu_rmrf(dir);
}
END_TEST

static Suite *
fsio_suite(void)
{
	Suite *s = suite_create("fsio");
	TCase *tr = tcase_create("read");
	TCase *tw = tcase_create("write");
	TCase *tm = tcase_create("misc");

	tcase_add_test(tr, read_whole_file);
	tcase_add_test(tr, read_refuses_over_max);
	tcase_add_test(tr, read_missing);
	tcase_add_test(tr, read_refuses_symlink);
	tcase_add_test(tr, read_refuses_non_regular);
	tcase_add_test(tr, read_permission);
	suite_add_tcase(s, tr);
	tcase_add_test(tw, write_excl_creates);
	tcase_add_test(tw, write_excl_mode_ignores_umask);
	tcase_add_test(tw, write_excl_refuses_existing);
	tcase_add_test(tw, write_excl_missing_folder);
	tcase_add_test(tw, write_permission);
	tcase_add_test(tw, atomic_creates_and_replaces);
	tcase_add_test(tw, atomic_noreplace);
	tcase_add_test(tw, atomic_replaces_link_not_target);
	tcase_add_test(tw, atomic_failures_leave_nothing);
	suite_add_tcase(s, tw);
	tcase_add_test(tm, sha256_of_file);
	tcase_add_test(tm, sha256_failures);
	tcase_add_test(tm, fsync_folders);
	tcase_add_test(tm, path_join);
	tcase_add_test(tm, path_parent);
	tcase_add_test(tm, tmp_names);
	tcase_add_test(tw, batch_writes);
	tcase_add_test(tw, write_files_together);
	tcase_add_test(tw, path_new);
	tcase_add_test(tw, folder_new_or_empty);
	suite_add_tcase(s, tm);
	return s;
}

CK_MAIN(fsio_suite)
