/* check_secret.c: PIN sources and secrets (lib/secret.c). */
#include "check_util.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <openssl/crypto.h>

#include "secret.h"

/* spec must be refused with CA_ERR_PIN_SOURCE. */
static void
spec_refused(const char *spec)
{
	struct ca_pin_source src;

	ck_assert_msg(ca_pin_source_parse(spec, &src) == CA_ERR_PIN_SOURCE,
	    "\"%s\" was not refused", spec);
}

/* Read a PIN from a file holding data[0..len); returns the code. */
static int
pin_from_file(const char *data, size_t len, struct ca_secret **out)
{
	struct ca_pin_source src;
	char dir[PATH_MAX], path[PATH_MAX], spec[PATH_MAX + 8];
	int r;

	tu_tmpdir(dir);
	tu_path(path, dir, "pin");
	tu_write(path, data, len);
	ck_assert_int_lt(snprintf(spec, sizeof(spec), "file:%s", path),
	    (int)sizeof(spec));
	ck_assert_ok(ca_pin_source_parse(spec, &src));
	r = ca_pin_read(&src, NULL, NULL, "pin", out, NULL);
	tu_rmrf(dir);
	return r;
}

/* A PIN file holding data must give exactly want. */
static void
file_pin_is(const char *data, size_t len, const char *want, size_t wlen)
{
	struct ca_secret *s = NULL;

	ck_assert_ok(pin_from_file(data, len, &s));
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->len, wlen);
	ck_assert_mem_eq(s->buf, want, wlen);
	ck_assert_int_eq(s->buf[wlen], '\0');
	ca_secret_free(s);
}

/* A PIN file holding data must be refused. */
static void
file_pin_refused(const char *data, size_t len)
{
	static struct ca_secret sentinel;
	struct ca_secret *s = &sentinel;

	ck_assert_err(pin_from_file(data, len, &s), CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
}

START_TEST(source_tty)
{
	struct ca_pin_source src;

	memset(&src, 0xff, sizeof(src));
	ck_assert_ok(ca_pin_source_parse(NULL, &src));
	ck_assert_int_eq(src.kind, CA_PIN_TTY);
	memset(&src, 0xff, sizeof(src));
	ck_assert_ok(ca_pin_source_parse("tty", &src));
	ck_assert_int_eq(src.kind, CA_PIN_TTY);
	ck_assert_int_eq(src.fd, -1);
}
END_TEST

START_TEST(source_file)
{
	struct ca_pin_source src;
	char spec[5 + 4096 + 1];

	ck_assert_ok(ca_pin_source_parse("file:/run/pin", &src));
	ck_assert_int_eq(src.kind, CA_PIN_FILE);
	ck_assert_str_eq(src.path, "/run/pin");
	/* RFC 7512 pin-source values may be file: URIs. */
	ck_assert_ok(ca_pin_source_parse("file:///run/pin", &src));
	ck_assert_int_eq(src.kind, CA_PIN_FILE);
	ck_assert_str_eq(src.path, "/run/pin");
	ck_assert_ok(ca_pin_source_parse("file:rel/pin", &src));
	ck_assert_str_eq(src.path, "rel/pin");

	spec_refused("file:");
	spec_refused("file://");
	/* The path must fit src.path with its NUL. */
	memcpy(spec, "file:", 5);
	memset(spec + 5, 'a', 4095);
	spec[5 + 4095] = '\0';
	ck_assert_ok(ca_pin_source_parse(spec, &src));
	ck_assert_uint_eq(strlen(src.path), 4095);
	spec[5 + 4095] = 'a';
	spec[5 + 4096] = '\0';
	spec_refused(spec);
}
END_TEST

START_TEST(source_fd)
{
	struct ca_pin_source src;

	ck_assert_ok(ca_pin_source_parse("fd:0", &src));
	ck_assert_int_eq(src.kind, CA_PIN_FD);
	ck_assert_int_eq(src.fd, 0);
	ck_assert_ok(ca_pin_source_parse("fd:7", &src));
	ck_assert_int_eq(src.kind, CA_PIN_FD);
	ck_assert_int_eq(src.fd, 7);
	ck_assert_ok(ca_pin_source_parse("fd:2147483647", &src));
	ck_assert_int_eq(src.fd, 2147483647);

	spec_refused("fd:");
	spec_refused("fd:-1");
	spec_refused("fd:x");
	spec_refused("fd:3x");
	spec_refused("fd:3 ");
	spec_refused("fd:0x3");
	spec_refused("fd:2147483648");
	spec_refused("fd:99999999999999999999");
	spec_refused("fd: 3");
	spec_refused("fd:+3");
}
END_TEST

START_TEST(source_other_refused)
{
	/* Never argv or the environment. */
	spec_refused("");
	spec_refused("TTY");
	spec_refused("tty:");
	spec_refused("env:PIN");
	spec_refused("pass:123456");
	spec_refused("123456");
	spec_refused("/run/pin");
	spec_refused("File:/run/pin");
	spec_refused("fd");
	spec_refused("file");
}
END_TEST

START_TEST(secret_new_and_free)
{
	struct ca_secret *s = NULL;
	size_t i;

	ck_assert_ok(ca_secret_new(&s));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(s->buf);
	ck_assert_uint_eq(s->len, 0);
	for (i = 0; i <= CA_SECRET_MAX; i++)
		ck_assert_int_eq(s->buf[i], 0);
	ca_secret_free(s);
	ca_secret_free(NULL);
}
END_TEST

/* Freed, the PIN's bytes are gone from the (still mapped) secure arena. */
START_TEST(secret_wiped_on_free)
{
	struct ca_secret *s = NULL;
	volatile char *raw;
	size_t i;

	ck_assert_ok(ca_proc_init());
	/* The locked arena exists wherever the memlock limit allows it. */
	ck_assert_int_eq(CRYPTO_secure_malloc_initialized(), 1);
	ck_assert_ok(ca_secret_new(&s));
	/*
	 * Past the start of the block, where the allocator keeps its free
	 * list links; the wipe (ours, and the arena's own on free) clears
	 * them.  Off the arena, the assertion below fails first.
	 */
	memcpy(s->buf + 64, "86420135", 8);
	s->len = 72;
	raw = s->buf + 64;
	ck_assert_int_eq(CRYPTO_secure_allocated(s->buf), 1);
	ca_secret_free(s);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(raw[i], 0);
}
END_TEST

START_TEST(read_file_pins)
{
	file_pin_is("123456\n", 7, "123456", 6);
	file_pin_is("123456", 6, "123456", 6);
	/* Files written on another system. */
	file_pin_is("123456\r\n", 8, "123456", 6);
	/* Only the first line is the PIN. */
	file_pin_is("1234\n5678\n", 10, "1234", 4);
	/* Inner and leading spaces are part of it. */
	file_pin_is(" a b \n", 6, " a b ", 5);
}
END_TEST

START_TEST(read_file_lengths)
{
	char buf[CA_SECRET_MAX + 2];

	memset(buf, '7', sizeof(buf));
	buf[CA_SECRET_MAX] = '\n';
	file_pin_is(buf, CA_SECRET_MAX + 1, buf, CA_SECRET_MAX);
	memset(buf, '7', sizeof(buf));
	file_pin_refused(buf, CA_SECRET_MAX + 1);
	/* Empty PINs are refused, however they come. */
	file_pin_refused("", 0);
	file_pin_refused("\n", 1);
	file_pin_refused("\r\n", 2);
	file_pin_refused("\n123456\n", 8);
}
END_TEST

START_TEST(read_file_missing_or_link)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX];
	struct ca_pin_source src;
	struct ca_secret *s = NULL;

	tu_tmpdir(dir);
	src.kind = CA_PIN_FILE;
	tu_path(src.path, dir, "missing");
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);

	/* Symbolic links are not followed. */
	tu_path(path, dir, "pin");
	tu_path(link, dir, "link");
	tu_write(path, "123456\n", 7);
	ck_assert_int_eq(symlink(path, link), 0);
	tu_path(src.path, dir, "link");
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);

	/* A folder is not a PIN file. */
	memcpy(src.path, dir, strlen(dir) + 1);
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_file_others_can_read)
{
	char dir[PATH_MAX], fifo[PATH_MAX];
	struct ca_pin_source src;
	struct ca_secret *s = NULL;

	tu_tmpdir(dir);
	src.kind = CA_PIN_FILE;
	tu_path(src.path, dir, "pin");
	tu_write(src.path, "123456\n", 7);
	ck_assert_ok(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL));
	ca_secret_free(s);
	s = NULL;
	/* Group- or world-readable: refused, as a spent PIN. */
	ck_assert_int_eq(chmod(src.path, 0640), 0);
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_int_eq(chmod(src.path, 0604), 0);
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	/* A FIFO with no writer is refused at once rather than waited on. */
	tu_path(fifo, dir, "fifo");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	memcpy(src.path, fifo, strlen(fifo) + 1);
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	tu_rmrf(dir);
}
END_TEST

START_TEST(read_fd_pipe)
{
	struct ca_pin_source src;
	struct ca_secret *s = NULL;
	char spec[32];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(write(p[1], "987654\nrest", 11), 11);
	ck_assert_int_eq(close(p[1]), 0);
	snprintf(spec, sizeof(spec), "fd:%d", p[0]);
	ck_assert_ok(ca_pin_source_parse(spec, &src));
	ck_assert_ok(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL));
	ck_assert_uint_eq(s->len, 6);
	ck_assert_str_eq(s->buf, "987654");
	ca_secret_free(s);
	/* Read a byte at a time: what follows the line is left unread. */
	{
		char rest[8];

		ck_assert_int_eq(read(p[0], rest, sizeof(rest)), 4);
		ck_assert_mem_eq(rest, "rest", 4);
	}
	/* The descriptor was inherited, not given: it stays open. */
	ck_assert_int_ne(fcntl(p[0], F_GETFD), -1);
	close(p[0]);
}
END_TEST

START_TEST(read_fd_eof_and_bad)
{
	struct ca_pin_source src;
	struct ca_secret *s = NULL;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	src.kind = CA_PIN_FD;
	src.fd = p[0];
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	close(p[0]);

	/* A descriptor that is not open. */
	src.fd = p[0];
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
}
END_TEST

struct prompt_arg {
	int calls;
	const char *fill;
	int ret;
	char prompt[64];
};

static int
fake_prompt(void *arg, const char *prompt, struct ca_secret *out)
{
	struct prompt_arg *a = arg;

	a->calls++;
	snprintf(a->prompt, sizeof(a->prompt), "%s", prompt);
	if (a->fill != NULL) {
		out->len = strlen(a->fill);
		memcpy(out->buf, a->fill, out->len + 1);
	}
	return a->ret;
}

START_TEST(read_tty_through_prompt)
{
	struct ca_pin_source src;
	struct ca_secret *s = NULL;
	struct prompt_arg a = { 0, "4321", 0, "" };

	ck_assert_ok(ca_pin_source_parse("tty", &src));
	ck_assert_ok(ca_pin_read(&src, fake_prompt, &a, "user pin: ", &s,
	    NULL));
	ck_assert_int_eq(a.calls, 1);
	ck_assert_str_eq(a.prompt, "user pin: ");
	ck_assert_uint_eq(s->len, 4);
	ck_assert_str_eq(s->buf, "4321");
	ca_secret_free(s);
}
END_TEST

START_TEST(read_tty_failures)
{
	struct ca_pin_source src;
	struct ca_secret *s = NULL;
	struct prompt_arg a = { 0, NULL, CA_ERR_ABORTED, "" };

	ck_assert_ok(ca_pin_source_parse(NULL, &src));
	/* The operator declined: that is passed on as it is. */
	ck_assert_err(ca_pin_read(&src, fake_prompt, &a, "pin", &s, NULL),
	    CA_ERR_ABORTED);
	ck_assert_ptr_null(s);
	a.ret = CA_ERR_PIN_SOURCE;
	ck_assert_err(ca_pin_read(&src, fake_prompt, &a, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	/* An empty answer. */
	a.ret = 0;
	a.fill = "";
	ck_assert_err(ca_pin_read(&src, fake_prompt, &a, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(a.calls, 3);
	/* No prompt supplied. */
	ck_assert_err(ca_pin_read(&src, NULL, NULL, "pin", &s, NULL),
	    CA_ERR_PIN_SOURCE);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(prompt_tty_without_terminal)
{
	struct ca_secret *s = NULL;
	pid_t pid;
	int st;

	/* A new session has no controlling terminal, so no /dev/tty. */
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		int r = -99;

		if (setsid() == -1)
			_exit(2);
		if (ca_secret_new(&s) != 0)
			_exit(3);
		r = ca_prompt_tty(NULL, "pin: ", s);
		_exit(r == CA_ERR_PIN_SOURCE ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(proc_init_hardens)
{
	struct ca_secret *s = NULL;
	struct rlimit rl;
	mode_t old;

	umask(022);
	ck_assert_ok(ca_proc_init());
	old = umask(0);
	ck_assert_uint_eq(old, 077);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, 0);
	ck_assert_uint_eq(rl.rlim_max, 0);
	/* Twice is harmless. */
	ck_assert_ok(ca_proc_init());
	/* Where the secure heap could be set up, secrets live on it. */
	ck_assert_ok(ca_secret_new(&s));
	if (CRYPTO_secure_malloc_initialized()) {
		ck_assert_int_eq(CRYPTO_secure_allocated(s), 1);
		ck_assert_int_eq(CRYPTO_secure_allocated(s->buf), 1);
	}
	ca_secret_free(s);
}
END_TEST

static Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *ts = tcase_create("source");
	TCase *tr = tcase_create("read");
	TCase *tp = tcase_create("process");

	tcase_add_test(ts, source_tty);
	tcase_add_test(ts, source_file);
	tcase_add_test(ts, source_fd);
	tcase_add_test(ts, source_other_refused);
	suite_add_tcase(s, ts);
	tcase_add_test(tr, secret_new_and_free);
	tcase_add_test(tr, read_file_pins);
	tcase_add_test(tr, read_file_lengths);
	tcase_add_test(tr, read_file_missing_or_link);
	tcase_add_test(tr, read_file_others_can_read);
	tcase_add_test(tr, read_fd_pipe);
	tcase_add_test(tr, read_fd_eof_and_bad);
	tcase_add_test(tr, read_tty_through_prompt);
	tcase_add_test(tr, read_tty_failures);
	suite_add_tcase(s, tr);
	/* These change the process; Check runs each test in a child. */
	tcase_add_test(tp, prompt_tty_without_terminal);
	tcase_add_test(tp, proc_init_hardens);
	tcase_add_test(tp, secret_wiped_on_free);
	suite_add_tcase(s, tp);
	return s;
}

CK_MAIN(secret_suite)
