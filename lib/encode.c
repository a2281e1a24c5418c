#include "encode.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

void
ca_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int
ca_hex_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), i;
	unsigned char *b;
	int hi, lo;

	*out = NULL;
	*outlen = 0;
	if (n % 2 != 0)
		return CA_ERR_INVALID_ARG;
	if ((b = malloc(n / 2 + 1)) == NULL)
		return CA_ERR_NOMEM;
	for (i = 0; i < n / 2; i++) {
		if ((hi = ca_hex_digit((unsigned char)s[2 * i])) < 0 ||
		    (lo = ca_hex_digit((unsigned char)s[2 * i + 1])) < 0) {
			free(b);
			return CA_ERR_INVALID_ARG;
		}
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = b;
	*outlen = n / 2;
	return 0;
}

int
ca_is_lower_hex(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n > 0 && n % 2 == 0;
}

int
ca_b64_encode(const unsigned char *in, size_t n, char **out)
{
	char *s;

	*out = NULL;
	if (n > (size_t)1 << 28)
		return CA_ERR_INVALID_ARG;
	if ((s = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return CA_ERR_NOMEM;
	EVP_EncodeBlock((unsigned char *)s, in, (int)n);
	*out = s;
	return 0;
}

int
ca_b64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), i, pad = 0;
	unsigned char *b;
	int len;

	*out = NULL;
	*outlen = 0;
	if (n == 0 || n % 4 != 0 || n > (size_t)1 << 28)
		return CA_ERR_INVALID_ARG;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			if (i < n - 2)
				return CA_ERR_INVALID_ARG;
			pad++;
			continue;
		}
		if (pad > 0)
			return CA_ERR_INVALID_ARG;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return CA_ERR_INVALID_ARG;
	}
	if ((b = malloc(n / 4 * 3 + 1)) == NULL)
		return CA_ERR_NOMEM;
	/* EVP_DecodeBlock keeps the padding bytes as zeros; drop them. */
	if ((len = EVP_DecodeBlock(b, (const unsigned char *)s, (int)n)) < 0 ||
	    (size_t)len < pad) {
		free(b);
		return CA_ERR_INVALID_ARG;
	}
	*out = b;
	*outlen = (size_t)len - pad;
	return 0;
}

void
ca_sha256_hex(const void *in, size_t n, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(in, n, md);
	ca_hex(md, sizeof(md), out);
}

int
ca_pem_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
ca_bio_take(BIO *b, char **out, size_t *len)
{
	char *data, *s;
	long n;

	*out = NULL;
	if (len != NULL)
		*len = 0;
	if ((n = BIO_get_mem_data(b, &data)) < 0 ||
	    (s = malloc((size_t)n + 1)) == NULL)
		return CA_ERR_NOMEM;
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	*out = s;
	if (len != NULL)
		*len = (size_t)n;
	return 0;
}
