/*
 * cjson.h: the canonical-JSON profile of the ceremony log.
 *
 * Within this profile jansson's json_dumps(v, JSON_COMPACT|JSON_SORT_KEYS)
 * produces the same bytes as `jq -jcS .` and as RFC 8785, so an auditor can
 * recompute signed bytes with jq alone.  The profile (ca-transcript(5)):
 * objects, arrays, strings, true, false, null and integers within
 * +-(2^53-1); no floats; ASCII keys; strings of valid UTF-8 with no control
 * character other than "\n" and no DEL.
 */
#ifndef CA_CJSON_H
#define CA_CJSON_H

#include <stddef.h>

#include <jansson.h>

#include "ca_err.h"

#define CA_JSON_INT_MAX 9007199254740991LL	/* 2^53 - 1 */

/*
 * ca_json_check: 1 if v keeps to the profile; otherwise 0, with the path
 * of the first offending value and why in eb.  NULL (a member that is
 * not there) is no value, and fails.
 */
int ca_json_check(const json_t *v, struct ca_errbuf *eb);

/*
 * ca_json_canon: the canonical bytes of v (no trailing newline) as a new
 * NUL-terminated string; caller frees with free().  CA_ERR_CANON when v is
 * outside the profile, CA_ERR_NOMEM.
 */
int ca_json_canon(const json_t *v, char **out, size_t *len,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_json_dumps_checked: ca_json_canon of a v already known to keep to
 * the profile (ca_json_check or ca_json_parse said so): the check is
 * the costly half, and a log reader would otherwise make it three
 * times per record.  CA_ERR_NOMEM.
 */
int ca_json_dumps_checked(const json_t *v, char **out, size_t *len)
    CA_MUST_CHECK;

/*
 * ca_json_parse: parse buf strictly: duplicate keys, NUL bytes in strings
 * and trailing data are refused, and the result must keep to the profile.
 * Caller owns *out (json_decref).  CA_ERR_JSON, CA_ERR_CANON.
 */
int ca_json_parse(const char *buf, size_t len, json_t **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

/*
 * ca_json_parse_loose: as ca_json_parse, but floats are allowed and the
 * profile is not enforced (for input files such as profiles).  Duplicate
 * keys are still refused.  CA_ERR_JSON.
 */
int ca_json_parse_loose(const char *buf, size_t len, json_t **out,
    struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
