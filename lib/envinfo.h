/*
 * envinfo.h: what ran an operation, for the "env" member of a record.
 */
#ifndef CA_ENVINFO_H
#define CA_ENVINFO_H

#include <jansson.h>

#include "ca_err.h"
#include "hsm.h"

#ifndef KC_VERSION
#define KC_VERSION "0.0.0"
#endif
#ifndef KC_COMMIT
#define KC_COMMIT "unknown"
#endif

/*
 * ca_self_sha256: SHA-256 of the running binary (/proc/self/exe) as hex,
 * read once per process, from whichever thread asks first.  CA_ERR_IO.
 */
int ca_self_sha256(char hex[65]) CA_MUST_CHECK;

/*
 * ca_env_processors: the processors online, from 1 to max: how many
 * threads a command spreads its independent work over.
 */
int ca_env_processors(int max);

/*
 * ca_env_json: a new object {"tool": {name, version, commit, sha256},
 * "module": {path, sha256}, "token": {label, serial, manufacturer, model,
 * hardware, firmware}, "host", "kernel"} for tool name prog and token h
 * (may be NULL).  Caller owns *out.  CA_ERR_IO, CA_ERR_NOMEM.
 */
int ca_env_json(const char *prog, struct ca_hsm *h, json_t **out)
    CA_MUST_CHECK;

#endif
