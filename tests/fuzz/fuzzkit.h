/*
 * fuzzkit.h: what the libFuzzer harnesses share: a scratch folder for the
 * parsers that read a path rather than a buffer, an input cut into
 * parts, and the fixed test keys that keep signed seeds valid from one
 * run to the next.
 *
 * Each harness is one program, so this header holds static functions;
 * a harness includes it once.  Any failure of the scratch folder aborts:
 * a harness that cannot write its input would fuzz nothing and pass.
 *
 * The keys are test keys, published here on purpose: they sign fuzz
 * inputs and the seed corpora in testdata/fuzz/ and nothing else
 * (testdata/fuzz/make-seeds.sh reads them from this file).
 */
#ifndef FUZZKIT_H
#define FUZZKIT_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "timefmt.h"

/* The log-signing key of every signed record seed (P-384). */
#define KIT_LOG_KEY_PEM \
"-----BEGIN PRIVATE KEY-----\n" \
"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBv7v3EaZDBQWk2N+zo\n" \
"388RXpKKLEgDdIziPtXx2jayBhkaxVMNqlFSXK24MgC7h62hZANiAAR8mKJcU06+\n" \
"CHj//T2wJck8QdZHOry+OSpULJt/qMl+lQa7pLaFeYhTpdSzbwE5X0/mkmcn5kUd\n" \
"0f5bCYwErL5N3IW7duJECR57O+d67lYbRDZzkBONyL7HJfhY1y3xnKw=\n" \
"-----END PRIVATE KEY-----\n"

/* The CA key of the test CA directories the harnesses build (P-384). */
#define KIT_CA_KEY_PEM \
"-----BEGIN PRIVATE KEY-----\n" \
"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDDe69gX2DF8QaGC7n0F\n" \
"8Veg1PBJpwUilFx3gywA4mtcx8R4uLdk2Qp809cfthyZMz6hZANiAAQAZhyDO8xe\n" \
"gngQayfWPDOoVRRx1oxzyO/riONf/QVS57+HGqEIRBVhhZEq/qPGrOzNnBqz/vpd\n" \
"oy+m2Xu+CmwYXhinM1ElLc6STeV+Yr0WAr4Y3/iomMoR4JvNatyX9DQ=\n" \
"-----END PRIVATE KEY-----\n"

/*
 * Inputs made of several files or texts are cut at each line "%%":
 * "PART\n%%\nPART...".  Printable, so that seeds can be written by hand.
 */
#define KIT_SEP "\n%%\n"
#define KIT_SEP_LEN 4

struct kit_part {
	const uint8_t *p;
	size_t n;
};

static char kit_dir[PATH_MAX];

static int
kit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove path and everything under it; a missing path is no error. */
static void
kit_rm_tree(const char *path)
{
	(void)nftw(path, kit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
kit_cleanup(void)
{
	if (kit_dir[0] != '\0')
		kit_rm_tree(kit_dir);
}

/*
 * kit_scratch: this process's scratch folder, made on first use (in
 * /dev/shm, else $TMPDIR or /tmp) and removed at exit.
 */
static const char *
kit_scratch(void)
{
	const char *tmp;

	if (kit_dir[0] != '\0')
		return kit_dir;
	snprintf(kit_dir, sizeof(kit_dir), "/dev/shm/kc-fuzz-XXXXXX");
	if (mkdtemp(kit_dir) == NULL) {
		if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
			tmp = "/tmp";
		snprintf(kit_dir, sizeof(kit_dir), "%s/kc-fuzz-XXXXXX", tmp);
		if (mkdtemp(kit_dir) == NULL)
			abort();
	}
	if (atexit(kit_cleanup) != 0)
		abort();
	return kit_dir;
}

/*
 * kit_path: rel inside the scratch folder ("" for the folder itself), in
 * one of a few static buffers: valid until the fourth call after.
 */
static const char *
kit_path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static unsigned k;
	char *p = buf[k++ % 4];

	if ((size_t)snprintf(p, PATH_MAX, "%s%s%s", kit_scratch(),
	    *rel ? "/" : "", rel) >= PATH_MAX)
		abort();
	return p;
}

/* kit_mkdir: the folder rel in the scratch folder, which may exist. */
static void
kit_mkdir(const char *rel)
{
	if (mkdir(kit_path(rel), 0700) != 0 && errno != EEXIST)
		abort();
}

/* kit_write: the file rel in the scratch folder holds data, replaced. */
static void
kit_write(const char *rel, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(kit_path(rel), O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		abort();
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		abort();
}

/* kit_remove: the file or folder rel in the scratch folder, gone. */
static void
kit_remove(const char *rel)
{
	if (*rel == '\0')
		abort();
	kit_rm_tree(kit_path(rel));
}

/* kit_str: data as a new NUL-terminated string (a NUL in data ends it). */
static char *
kit_str(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * kit_split: data cut at each KIT_SEP into at most max parts (the last
 * one keeps the rest); returns how many.  An empty input is one empty
 * part.
 */
static size_t
kit_split(const uint8_t *data, size_t size, struct kit_part *v, size_t max)
{
	const uint8_t *p = data, *end = data + size, *s;
	size_t n = 0;

	while (n + 1 < max && (s = memmem(p, (size_t)(end - p), KIT_SEP,
	    KIT_SEP_LEN)) != NULL) {
		v[n].p = p;
		v[n++].n = (size_t)(s - p);
		p = s + KIT_SEP_LEN;
	}
	v[n].p = p;
	v[n++].n = (size_t)(end - p);
	return n;
}

/* kit_key: one of the keys above; aborts if it does not load. */
static EVP_PKEY *
kit_key(const char *pem)
{
	EVP_PKEY *k = NULL;
	BIO *b;

	if ((b = BIO_new_mem_buf(pem, -1)) == NULL ||
	    (k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL)
		abort();
	BIO_free(b);
	return k;
}

/* kit_time: the time s (as ca_time_parse reads it); aborts on a typo. */
static time_t
kit_time(const char *s)
{
	time_t t;

	if (ca_time_parse(s, &t) != 0)
		abort();
	return t;
}

#endif
