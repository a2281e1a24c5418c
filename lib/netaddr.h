/*
 * netaddr.h: IP address ranges as name constraints carry them.
 */
#ifndef CA_NETADDR_H
#define CA_NETADDR_H

#include <stddef.h>

#include "ca_err.h"

/*
 * ca_cidr_parse: parse "10.20.0.0/16" or "fd00:1::/48" into the form of
 * RFC 5280 4.2.1.10: the address followed by its mask, 8 octets for IPv4
 * and 32 for IPv6, into out[32] with the length in *len.  Host bits must
 * be zero, so that a typo cannot widen or shift the range.
 * CA_ERR_INVALID_ARG.
 */
int ca_cidr_parse(const char *s, unsigned char out[32], size_t *len)
    CA_MUST_CHECK;

#endif
