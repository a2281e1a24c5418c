#include "netaddr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

int
ca_cidr_parse(const char *s, unsigned char out[32], size_t *len)
{
	char addr[64];
	const char *slash;
	size_t alen, n, i;
	int af, bits = 0, max;

	*len = 0;
	if ((slash = strchr(s, '/')) == NULL)
		return CA_ERR_INVALID_ARG;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(addr))
		return CA_ERR_INVALID_ARG;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	n = af == AF_INET ? 4 : 16;
	max = (int)n * 8;
	/* Digits only, no leading zeros: "/08" or "/+8" are typos. */
	if (!isdigit((unsigned char)slash[1]) ||
	    (slash[1] == '0' && slash[2] != '\0'))
		return CA_ERR_INVALID_ARG;
	for (i = 1; slash[i] != '\0'; i++) {
		if (!isdigit((unsigned char)slash[i]) || i > 3)
			return CA_ERR_INVALID_ARG;
		bits = bits * 10 + (slash[i] - '0');
	}
	if (bits > max)
		return CA_ERR_INVALID_ARG;
	if (inet_pton(af, addr, out) != 1)
		return CA_ERR_INVALID_ARG;
	for (i = 0; i < n; i++) {
		int b = bits - (int)i * 8;
		unsigned char m = b >= 8 ? 0xff : b <= 0 ? 0 :
		    (unsigned char)(0xff << (8 - b));

		if (out[i] & ~m)
			return CA_ERR_INVALID_ARG;
		out[n + i] = m;
	}
	*len = 2 * n;
	return 0;
}
