/*
 * recover.h: recovering a CA directory whose last operation was stopped
 * half way, asking its token when the journal says the operation may
 * have changed the token before its record landed.
 *
 * Two operations have such a token step (journal.h): a re-split
 * (ca-ceremony resplit) sets the token's PIN to the one its new shares
 * rebuild, and a backup wrapping key (ca-backup wrap-key) puts a new key
 * on the token.  Each writes its shares and journal first, so that
 * recovery can tell, without anyone's PIN, whether the step happened:
 * the new shares open the token, or the key labelled in the journal is
 * on it.  If so the record lands; if not, all goes back, shares too.
 */
#ifndef CA_RECOVER_H
#define CA_RECOVER_H

#include <jansson.h>

#include "ca_err.h"
#include "journal.h"

/* The kinds of token step. */
#define CA_STEP_SET_PIN "set-pin"
#define CA_STEP_WRAP_KEY "wrap-key"

/*
 * ca_step_set_pin: the step of a re-split whose shares go to folder and
 * whose split is activation (as recorded), for ca_dir_stage.  A new
 * object (caller decrefs), or NULL when out of memory.
 */
json_t *ca_step_set_pin(const char *folder, const json_t *activation);

/*
 * ca_step_wrap_key: the step of a wrapping key labelled label with check
 * value kcv, whose shares go to folder.  As ca_step_set_pin.
 */
json_t *ca_step_wrap_key(const char *folder, const char *label,
    const char *kcv);

/*
 * ca_dir_recover: under dir's lock, finish or undo the operation its
 * journal names (ca_journal_recover_with), asking the token of ca.json
 * about a begun step: for a re-split, one login with the PIN its shares
 * rebuild (a wrong PIN counts against the token's retry limit once); for
 * a wrapping key, whether the key is there (no login).  Then the
 * leftovers of a killed ca-init are swept (ca_stage_sweep) and counted
 * in res->leftovers.  CA_ERR_NOT_FOUND when the step's shares are gone
 * and the token's PIN cannot be tried; CA_ERR_LOCKED; those of
 * ca_journal_recover_with and of opening the token.
 */
int ca_dir_recover(const char *dir, struct ca_recovery *res,
    struct ca_errbuf *eb) CA_MUST_CHECK;

#endif
