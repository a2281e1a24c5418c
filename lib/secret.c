#include "secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* Enough for every PIN and share a ceremony holds at once. */
#define SECURE_HEAP_SIZE (64 * 1024)
#define SECURE_HEAP_MIN 32

int
ca_proc_init(void)
{
	struct rlimit rl = { 0, 0 };

	umask(077);
	/* A core dump would carry the PIN and key handles to disk. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return CA_ERR_INTERNAL;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return CA_ERR_INTERNAL;
	/*
	 * The secure heap mlock()s its arena.  If RLIMIT_MEMLOCK forbids
	 * that, OpenSSL falls back to the normal heap; secrets are still
	 * wiped on free, and core dumps are off, so we go on.
	 */
	if (CRYPTO_secure_malloc_initialized() == 0)
		(void)CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE,
		    SECURE_HEAP_MIN);
	return 0;
}

int
ca_secret_new(struct ca_secret **out)
{
	struct ca_secret *s = NULL;

	*out = NULL;
	if ((s = OPENSSL_secure_zalloc(sizeof(*s))) == NULL)
		return CA_ERR_NOMEM;
	if ((s->buf = OPENSSL_secure_zalloc(CA_SECRET_MAX + 1)) == NULL) {
		OPENSSL_secure_free(s);
		return CA_ERR_NOMEM;
	}
	*out = s;
	return 0;
}

void
ca_secret_free(struct ca_secret *s)
{
	if (s == NULL)
		return;
	if (s->buf != NULL)
		OPENSSL_secure_clear_free(s->buf, CA_SECRET_MAX + 1);
	OPENSSL_secure_clear_free(s, sizeof(*s));
}

/*
 * Read up to the first newline or EOF straight into the secret, a byte at
 * a time, so that no stdio buffer keeps a copy.
 */
static int
read_line_fd(int fd, struct ca_secret *s, struct ca_errbuf *eb)
{
	char c;
	ssize_t n;

	s->len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ca_errf(eb, "cannot read the pin: %s; check the "
			    "--pin-source given", strerror(errno));
			goto fail;
		}
		if (n == 0 || c == '\n')
			break;
		if (s->len >= CA_SECRET_MAX) {
			ca_errf(eb, "the pin is longer than %d bytes; is "
			    "--pin-source the right file?", CA_SECRET_MAX);
			goto fail;
		}
		s->buf[s->len++] = c;
	}
	if (s->len > 0 && s->buf[s->len - 1] == '\r')
		s->len--;
	s->buf[s->len] = '\0';
	OPENSSL_cleanse(&c, sizeof(c));
	return 0;
fail:
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(s->buf, CA_SECRET_MAX + 1);
	s->len = 0;
	return CA_ERR_PIN_SOURCE;
}

int
ca_prompt_tty(void *arg, const char *prompt, struct ca_secret *out)
{
	struct termios old, quiet;
	int fd = -1, r = CA_ERR_PIN_SOURCE, restore = 0;

	(void)arg;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		goto out;
	if (tcgetattr(fd, &old) != 0)
		goto out;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		goto out;
	restore = 1;
	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	r = read_line_fd(fd, out, NULL);
	/* The newline only tidies the terminal; its failure is harmless. */
	if (write(fd, "\n", 1) < 0) {
	}
out:
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (fd >= 0)
		close(fd);
	return r;
}

int
ca_pin_source_parse(const char *spec, struct ca_pin_source *src)
{
	char *end = NULL;
	long v;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	if (spec == NULL || strcmp(spec, "tty") == 0) {
		src->kind = CA_PIN_TTY;
		return 0;
	}
	if (strncmp(spec, "file:", 5) == 0) {
		const char *p = spec + 5;

		/* RFC 7512 pin-source values may be file: URIs. */
		if (strncmp(p, "//", 2) == 0)
			p += 2;
		if (*p == '\0' || strlen(p) >= sizeof(src->path))
			return CA_ERR_PIN_SOURCE;
		src->kind = CA_PIN_FILE;
		memcpy(src->path, p, strlen(p) + 1);
		return 0;
	}
	if (strncmp(spec, "shares:", 7) == 0) {
		if (spec[7] == '\0' || strlen(spec + 7) >= sizeof(src->path))
			return CA_ERR_PIN_SOURCE;
		src->kind = CA_PIN_SHARES;
		memcpy(src->path, spec + 7, strlen(spec + 7) + 1);
		return 0;
	}
	if (strncmp(spec, "fd:", 3) == 0) {
		/* Digits only: strtol alone would take " 3" and "+3". */
		if (!isdigit((unsigned char)spec[3]))
			return CA_ERR_PIN_SOURCE;
		errno = 0;
		v = strtol(spec + 3, &end, 10);
		if (errno != 0 || end == spec + 3 || *end != '\0' || v < 0 ||
		    v > INT_MAX)
			return CA_ERR_PIN_SOURCE;
		src->kind = CA_PIN_FD;
		src->fd = (int)v;
		return 0;
	}
	return CA_ERR_PIN_SOURCE;
}

int
ca_pin_read(const struct ca_pin_source *src, ca_prompt_fn prompt, void *arg,
    const char *what, struct ca_secret **out, struct ca_errbuf *eb)
{
	struct ca_secret *s = NULL;
	struct stat st;
	int fd = -1, r = CA_ERR_INTERNAL;

	*out = NULL;
	if ((r = ca_secret_new(&s)) != 0)
		goto out;
	switch (src->kind) {
	case CA_PIN_TTY:
		if (prompt == NULL) {
			ca_errf(eb, "no terminal prompt available");
			r = CA_ERR_PIN_SOURCE;
			goto out;
		}
		if ((r = prompt(arg, what, s)) != 0) {
			if (r == CA_ERR_PIN_SOURCE)
				ca_errf(eb, "no terminal to read the pin from; "
				    "use --pin-source");
			goto out;
		}
		break;
	case CA_PIN_FILE:
		if ((fd = open(src->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
		    O_NONBLOCK)) < 0) {
			ca_errf(eb, "cannot read the pin file \"%s\": %s; "
			    "check the path in --pin-source file:PATH",
			    src->path, strerror(errno));
			r = CA_ERR_PIN_SOURCE;
			goto out;
		}
		/* As ssh does for keys: a PIN others can read is spent. */
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 077) != 0) {
			ca_errf(eb, "pin file \"%s\" must be a regular file "
			    "that only its owner can read (chmod 600)",
			    src->path);
			r = CA_ERR_PIN_SOURCE;
			goto out;
		}
		if ((r = read_line_fd(fd, s, eb)) != 0)
			goto out;
		break;
	case CA_PIN_FD:
		if ((r = read_line_fd(src->fd, s, eb)) != 0)
			goto out;
		break;
	case CA_PIN_SHARES:
		ca_errf(eb, "shares are only for a CA whose PIN was split "
		    "among its custodians (ca-init --threshold); "
		    "give this token's PIN");
		r = CA_ERR_PIN_SOURCE;
		goto out;
	}
	if (s->len == 0) {
		ca_errf(eb, "the pin read is empty; type it at the prompt, or "
		    "check the pin file or descriptor");
		r = CA_ERR_PIN_SOURCE;
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	ca_secret_free(s);
	return r;
}
